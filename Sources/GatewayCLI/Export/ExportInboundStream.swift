import DiscordGateway
import GatewayCodecs
import WebSocketProtocol

/// One connection's inbound bytes, decoded for an export: the server's HTTP answer, then its
/// frames, each data message assembled from its fragments and decompressed with the
/// connection's own decompressor (a fresh one per connection, as a client has), each control
/// frame passed on as it was.
struct ExportInboundStream {
    /// Where the stream is.
    private enum Phase {
        /// Before the end of the server's HTTP head; the bytes so far.
        case head([UInt8])
        /// Reading frames after a `101`.
        case frames
        /// The server refused the upgrade: what follows is its body, not frames.
        case refused
    }

    private var phase: Phase
    private var parser: WebSocketFrameParser
    /// The connection's decompressor; nil for a dump that is not a gateway session, whose
    /// messages pass as they are.
    private let decompressor: GatewayDecompressor?
    private let encoding: GatewayEncoding?
    /// Names where a stream offset lies, for errors (a file byte or a connection's input byte).
    private let location: ExportLocation
    private var message: [UInt8] = []
    private var messageOpcode: WebSocketOpcode?
    /// Wire bytes of a zlib-stream payload that continues in the next message.
    private var carriedWireBytes = 0

    /// A stream for one connection; `startsWithHandshake` false for a dump that starts at a frame.
    init(format: ReplayFormat?, startsWithHandshake: Bool, location: ExportLocation) throws(ReplayError) {
        phase = startsWithHandshake ? .head([]) : .frames
        parser = WebSocketFrameParser(framesFrom: .server)
        self.location = location
        encoding = format?.encoding
        if let format {
            do {
                decompressor = try GatewayDecompressor(format.compression)
            } catch {
                throw ReplayError(.unusableOptions, "cannot decode \(format.description): \(error)")
            }
        } else {
            decompressor = nil
        }
    }

    /// Whether the server's `101` (or refusal) has been read.
    var hasResponse: Bool {
        if case .head = phase { return false }
        return true
    }

    /// Bytes read from the server at `time`: the events they complete.
    mutating func receive(_ bytes: [UInt8], time: Int64) throws(ReplayError) -> [ExportEvent] {
        switch phase {
        case .refused:
            return [.upgradeResponse(bytes: bytes, time: time, synthesized: false)]
        case .head(let held):
            let all = held + bytes
            guard let headLength = HTTPMessageText.headLength(of: all) else {
                phase = .head(all)
                return []
            }
            let head = Array(all[..<headLength])
            let rest = Array(all[headLength...])
            let accepted = HTTPMessageText(head)?.startLine.split(separator: " ").dropFirst().first == "101"
            guard accepted else {
                phase = .refused
                return [.upgradeResponse(bytes: all, time: time, synthesized: false)]
            }
            phase = .frames
            parser = WebSocketFrameParser(framesFrom: .server, startOffset: headLength)
            return [.upgradeResponse(bytes: head, time: time, synthesized: false)] + (try frames(rest, time: time))
        case .frames:
            return try frames(bytes, time: time)
        }
    }

    /// The end of the connection's input: a cut inside the head or a frame is corrupt input,
    /// unless the recording says the transport dropped there (`recordedDrop`).
    func end(recordedDrop: Bool) throws(ReplayError) {
        guard !recordedDrop else { return }
        switch phase {
        case .head(let held) where !held.isEmpty:
            throw location.error(
                .corruptInput, "the input ends inside the handshake: \(held.count) bytes of the HTTP response, "
                    + "without the blank line ending its headers", at: held.count)
        case .frames where !parser.isAtFrameBoundary:
            throw location.error(.corruptInput, "the input ends inside a frame", at: parser.offset)
        default:
            return
        }
    }

    private mutating func frames(_ bytes: [UInt8], time: Int64) throws(ReplayError) -> [ExportEvent] {
        parser.append(bytes)
        var events: [ExportEvent] = []
        while true {
            let frame: WebSocketFrame?
            do {
                frame = try parser.nextFrame()
            } catch {
                throw location.error(.corruptInput, error.message, at: error.offset)
            }
            guard let frame else { return events }
            let header = frame.header
            if header.opcode.isControl {
                let name = ExportComment.frameName(header.opcode)
                events.append(
                    .message(ExportMessage(
                        direction: .inbound, time: time, opcode: header.opcode, payload: frame.payload,
                        comment: "\(name) frame (\(frame.payload.count) bytes)")))
                continue
            }
            if header.opcode != .continuation { messageOpcode = header.opcode }
            message += frame.payload
            guard header.fin, let opcode = messageOpcode else { continue }
            let whole = message
            message = []
            messageOpcode = nil
            if let event = try decoded(whole, opcode: opcode, endingAt: header.offset, time: time) {
                events.append(.message(event))
            }
        }
    }

    /// A whole message, decompressed and named; nil when a zlib-stream payload continues.
    private mutating func decoded(
        _ wire: [UInt8], opcode: WebSocketOpcode, endingAt frameOffset: Int, time: Int64
    ) throws(ReplayError) -> ExportMessage? {
        guard let decompressor, let encoding else {
            let kind = opcode == .text ? "text" : "binary"
            return ExportMessage(
                direction: .inbound, time: time, opcode: opcode, payload: wire,
                comment: "\(kind) message (\(wire.count) bytes, not a gateway payload)")
        }
        let payload: [UInt8]?
        do {
            payload = try decompressor.decompress(message: wire, isBinary: opcode == .binary)
        } catch {
            throw location.error(
                .undecodablePayload, "the message ending in the frame at \(location.describe(frameOffset)) "
                    + "cannot be decompressed (\(decompressor.compression.rawValue)): \(error)", at: frameOffset)
        }
        carriedWireBytes += wire.count
        guard let payload else { return nil }
        let wireBytes = carriedWireBytes
        carriedWireBytes = 0
        let envelope: GatewayEnvelope
        do {
            envelope = try Self.envelope(payload, encoding: encoding)
        } catch {
            throw location.error(
                .undecodablePayload, "the message ending in the frame at \(location.describe(frameOffset)) "
                    + "is not a \(encoding.rawValue) gateway payload: \(error)", at: frameOffset)
        }
        let compressed = payload != wire
        let comment = ExportComment.payload(envelope, sent: false)
            + ExportComment.wire(compressedBytes: wireBytes, compression: decompressor.compression, wasCompressed: compressed)
        return ExportMessage(
            direction: .inbound, time: time, opcode: encoding == .etf ? .binary : .text, payload: payload,
            comment: comment)
    }

    /// The payload's `op`, `s` and `t`, validating it.
    static func envelope(_ payload: [UInt8], encoding: GatewayEncoding) throws -> GatewayEnvelope {
        switch encoding {
        case .json: return try GatewayJSON.scanEnvelope(payload)
        case .etf: return try GatewayETF.scanEnvelope(payload).envelope
        }
    }
}

/// How an export names a place in its input: a byte of the file (raw dumps) or of one
/// connection's input (recordings, whose connections interleave in the file).
struct ExportLocation {
    /// The connection number, or nil when stream offsets are file offsets.
    var connection: Int?

    /// `byte 700` or `byte 700 of connection 2's input`.
    func describe(_ offset: Int) -> String {
        connection.map { "byte \(offset) of connection \($0)'s input" } ?? "byte \(offset)"
    }

    /// An error at `offset`, located as ``describe(_:)`` says.
    func error(_ kind: ReplayError.Kind, _ message: String, at offset: Int) -> ReplayError {
        guard let connection else { return ReplayError(kind, message, offset: offset) }
        return ReplayError(kind, "connection \(connection), input byte \(offset): " + message)
    }
}
