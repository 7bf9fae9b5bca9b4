import DiscordGateway
import GatewayCodecs
import SeededRandom
import WebSocketProtocol

/// A capture recording's records, turned into export events one connection at a time: the
/// recorded upgrade, the server's messages through a fresh ``ExportInboundStream`` per
/// connection, the client's `sent` payloads (re-encoded as ETF on an ETF connection) and
/// control frames, and the connection boundaries.
struct ExportRecording {
    /// What belongs to the connection being read; the next one starts from a new value.
    private struct Connection {
        var number: Int
        var stream: ExportInboundStream
        var sawRequest = false
        var clientFrames = WebSocketFrameParser(framesFrom: .client)
    }

    private let format: ReplayFormat
    private let start: Int64
    private let upstreamLeg: Bool
    private var url: String
    private var current: Connection?
    private var lastTime: Int64
    private var random = SplitMix64(seed: ExportDecoder.seed)

    /// Starts reading a recording of `format` whose header says `headerURL` and `start`
    /// (microseconds since the epoch).
    init(format: ReplayFormat, headerURL: String, start: Int64, upstreamLeg: Bool) {
        self.format = format
        self.start = start
        self.upstreamLeg = upstreamLeg
        url = headerURL
        lastTime = start
    }

    /// Takes one record.
    mutating func take<Sink: ExportSink>(_ record: CaptureRecord, into sink: inout Sink) throws {
        switch record {
        case .header:
            break
        case .chunk(let chunk):
            // The upstream leg's own bytes stand in for what the bot received.
            if upstreamLeg, chunk.direction == .inbound { return }
            let time = at(chunk.time)
            try enter(chunk.connection, time, into: &sink)
            switch chunk.direction {
            case .inbound: try received(chunk.bytes, time, into: &sink)
            case .outbound: try wrote(chunk.bytes, time, into: &sink)
            }
        case .upstreamChunk(let chunk):
            guard upstreamLeg else { return }
            let time = at(chunk.time)
            try enter(chunk.connection, time, into: &sink)
            try received(chunk.bytes, time, into: &sink)
        case .sent(let sent):
            let time = at(sent.time)
            try enter(sent.connection, time, into: &sink)
            try sink.handle(.message(try Self.sentMessage(sent.payloadJSON, encoding: format.encoding, time: time)))
        case .connectionEvent(let event):
            let time = at(event.time)
            switch event.kind {
            case .connect:
                if let detail = event.detail { url = detail }
                try enter(event.connection, time, into: &sink)
            case .disconnect:
                if event.connection == current?.number { try end(at: time, recordedDrop: true, into: &sink) }
            }
        }
    }

    /// The end of the file: the connection still open ends at the last record's time.
    mutating func finish<Sink: ExportSink>(into sink: inout Sink) throws {
        try end(at: lastTime, recordedDrop: false, into: &sink)
    }

    /// The record's time since the epoch (offsets never go backwards in the output).
    private mutating func at(_ offset: CaptureTimeOffset) -> Int64 {
        let (sum, overflow) = start.addingReportingOverflow(offset.microseconds)
        lastTime = max(lastTime, overflow ? Int64.max : sum)
        return lastTime
    }

    private mutating func enter<Sink: ExportSink>(_ number: Int, _ time: Int64, into sink: inout Sink) throws {
        guard current?.number != number else { return }
        try end(at: time, recordedDrop: false, into: &sink)
        current = Connection(
            number: number,
            stream: try ExportInboundStream(format: format, startsWithHandshake: true, location: ExportLocation(connection: number)))
        try sink.handle(.connectionStarted(number: number, time: time, url: url))
    }

    private mutating func end<Sink: ExportSink>(at time: Int64, recordedDrop: Bool, into sink: inout Sink) throws {
        guard let connection = current else { return }
        current = nil
        try connection.stream.end(recordedDrop: recordedDrop)
        try sink.handle(.connectionEnded(number: connection.number, time: time))
    }

    private mutating func received<Sink: ExportSink>(_ bytes: [UInt8], _ time: Int64, into sink: inout Sink) throws {
        guard var connection = current else { return }
        let hadResponse = connection.stream.hasResponse
        let events = try connection.stream.receive(bytes, time: time)
        if !hadResponse, connection.stream.hasResponse, !connection.sawRequest {
            // A recording without the request (none was written): one like the client's stands in.
            connection.sawRequest = true
            let key = WebSocketHandshake.makeKey(using: &random)
            try sink.handle(.upgradeRequest(bytes: ExportHandshake.request(url: url, key: key), time: time, synthesized: true))
        }
        current = connection
        for event in events { try sink.handle(event) }
    }

    /// Outbound bytes: the upgrade request, or frames that carry no secret (the client's close).
    private mutating func wrote<Sink: ExportSink>(_ bytes: [UInt8], _ time: Int64, into sink: inout Sink) throws {
        guard var connection = current else { return }
        if !connection.sawRequest, HTTPMessageText(bytes)?.startLine.hasPrefix("GET ") == true {
            connection.sawRequest = true
            current = connection
            let request = HTTPMessageText.redactingCredentials(bytes)
            return try sink.handle(.upgradeRequest(bytes: request, time: time, synthesized: false))
        }
        connection.clientFrames.append(bytes)
        var messages: [ExportMessage] = []
        while true {
            let frame: WebSocketFrame?
            do {
                frame = try connection.clientFrames.nextFrame()
            } catch {
                throw ReplayError(
                    .corruptInput, "connection \(connection.number), output byte \(error.offset): \(error.message)")
            }
            guard let frame else { break }
            // connect records the client's payloads as redacted `sent` records, never as frames; a
            // data frame here came from elsewhere and may hold a token, so it goes out only as a
            // gateway payload with its token redacted, and not at all when it is none.
            if frame.header.opcode == .text || frame.header.opcode == .binary || frame.header.opcode == .continuation {
                if let message = Self.redactedDataFrame(frame, encoding: format.encoding, time: time) {
                    messages.append(message)
                }
                continue
            }
            let name = ExportComment.frameName(frame.header.opcode)
            messages.append(
                ExportMessage(
                    direction: .outbound, time: time, opcode: frame.header.opcode, payload: frame.payload,
                    recordedMask: frame.header.maskingKey, comment: "sent \(name) frame (\(frame.payload.count) bytes)"))
        }
        current = connection
        for message in messages { try sink.handle(.message(message)) }
    }

    /// A `sent` record as the message the client wrote: its JSON as text, or as ETF on an ETF
    /// connection (the recording keeps ETF payloads in their JSON rendering).
    static func sentMessage(_ recorded: [UInt8], encoding: GatewayEncoding, time: Int64) throws -> ExportMessage {
        let envelope: GatewayEnvelope
        do {
            envelope = try GatewayJSON.scanEnvelope(recorded)
        } catch {
            throw ReplayError(.corruptInput, "a sent record's payload is not a gateway payload: \(error)")
        }
        // Redacted when recorded; redacted again, as a file from elsewhere may not be.
        let json = redactingToken(recorded)
        var payload = json
        var opcode = WebSocketOpcode.text
        if encoding == .etf {
            do {
                payload = try GatewayETF.encode(GatewayJSON.decode(json))
            } catch {
                throw ReplayError(.undecodablePayload, "a sent payload cannot be encoded as ETF: \(error)")
            }
            opcode = .binary
        }
        return ExportMessage(
            direction: .outbound, time: time, opcode: opcode, payload: payload,
            comment: ExportComment.payload(envelope, sent: true) + " (\(json.count) bytes of JSON recorded)")
    }

    /// `json` with its token redacted, or as it is when it holds none (or is no gateway payload).
    static func redactingToken(_ json: [UInt8]) -> [UInt8] {
        guard let payload = try? GatewayPayload(decoding: json, encoding: .json),
            case .object(let data) = payload.data,
            let value = GatewayConnection.redactingToken(opcode: payload.opcode, data: payload.data)
        else { return json }
        // Already redacted (as connect, serve and proxy record): the recorded bytes stay as they are.
        let markers: Set<GatewayValue> = [.string(GatewayConnection.redactedToken), .string("[REDACTED]")]
        if data.entries.allSatisfy({ $0.key != "token" || markers.contains($0.value) }) { return json }
        return GatewayJSON.encode(value)
    }

    /// A whole, unfragmented client data frame as a sent gateway payload with its token
    /// redacted; nil for anything else (fragments, bytes that are no gateway payload).
    static func redactedDataFrame(_ frame: WebSocketFrame, encoding: GatewayEncoding, time: Int64) -> ExportMessage? {
        guard frame.header.fin, frame.header.opcode != .continuation,
            let payload = try? GatewayPayload(decoding: frame.payload, encoding: frame.header.opcode == .binary ? .etf : .json)
        else { return nil }
        let value = GatewayConnection.redactingToken(opcode: payload.opcode, data: payload.data)
        return try? sentMessage(
            value.map { GatewayJSON.encode($0) } ?? GatewayJSON.encode(["op": GatewayValue(payload.opcode.rawValue), "d": payload.data]),
            encoding: encoding, time: time)
    }
}
