import DiscordGateway
import Foundation
import GatewayCodecs
import SeededRandom
import WebSocketProtocol

// Theory of operation
//
// An export reads the same inputs as `replay`, opened and sniffed the same way
// (`CaptureSource.open`, `ReplayFormatSniffer`, the same options), and decodes them through
// the same layers a client uses: the WebSocket frame parser and the connection's stream
// decompressor, a fresh one for each connection. It does not drive a `GatewayConnection`:
// an export wants every byte of every message, not the state machine's reading of them.
//
// What comes out is a list of `ExportEvent`s in recorded order, handed to a sink as they are
// decoded, so a long capture is never held whole. Recordings give each event the header's
// `started` plus the record's offset; raw dumps have no clock, so their events start at the
// Unix epoch and come a microsecond apart. A raw dump has no upgrade request (and maybe no
// response): they are synthesized, and say so.

/// Something that takes an export's events in order (the pcapng and HAR writers).
protocol ExportSink {
    /// Takes the next event.
    mutating func handle(_ event: ExportEvent) throws
}

/// Reads a capture or raw dump and turns it into ``ExportEvent``s.
struct ExportDecoder {
    /// `--encoding`: overrides the header or the sniffed encoding.
    var encoding: GatewayEncoding?
    /// `--compression`: overrides the header or the sniffed compression.
    var compression: GatewayCompression?
    /// `--no-handshake`: a raw dump that starts at its first frame.
    var startsWithFrame = false
    /// `--upstream`: a proxy recording's upstream leg instead of the bot's.
    var upstreamLeg = false

    /// The seed of the synthesized keys: fixed, so an export is reproducible.
    static let seed: UInt64 = 0x6578_706F_7274_0001

    /// Decodes `file` into `sink`; returns one sentence on what the input turned out to be.
    func run<Source: ByteSource, Sink: ExportSink>(_ file: Source, into sink: inout Sink) throws -> String {
        let opened = try CaptureSource.open(file, layout: startsWithFrame ? .rawDumpWithoutHandshake : .detect)
        switch opened.source {
        case .recording(var reader):
            var format = ReplayFormat(reader.header.encoding, reader.header.compression)
            if let encoding { format.encoding = encoding }
            if let compression { format.compression = compression }
            var recording = ExportRecording(
                format: format, headerURL: reader.header.url, start: try Self.microseconds(reader.header.started),
                upstreamLeg: upstreamLeg)
            while let record = try reader.next() {
                try recording.take(record, into: &sink)
            }
            try recording.finish(into: &sink)
        case .rawDump(var reader):
            try exportRawDump(&reader, into: &sink)
        case .packetCapture:
            // Its client frames hold the token as sent; replay decodes and redacts them, and the
            // file is already one Wireshark opens.
            throw InputUsageError(
                "the input is a packet capture, which Wireshark opens as it is (gatewayctl replay shows its "
                    + "payloads decoded); export takes capture recordings and raw dumps")
        }
        return opened.reason
    }

    private func exportRawDump<Source: ByteSource, Sink: ExportSink>(
        _ reader: inout RawDumpReader<Source>, into sink: inout Sink
    ) throws {
        var pending: [UInt8] = []
        var format: ReplayFormat?
        var decided = false
        if let encoding, let compression {
            format = ReplayFormat(encoding: encoding, compression: compression)
            decided = true
        }
        // Read until the first message shows the format, as replay does.
        while !decided {
            let chunk = try reader.next()
            if let chunk { pending += chunk.bytes }
            switch ReplayFormatSniffer.sniff(pending, startsWithHandshake: reader.startsWithHandshake, atEnd: chunk == nil) {
            case .needMoreInput:
                continue
            case .found(var found, _):
                if let encoding { found.encoding = encoding }
                if let compression { found.compression = compression }
                format = found
                decided = true
            case .notGateway:
                if encoding != nil || compression != nil {
                    var fallback = ReplayFormatSniffer.fallback
                    if let encoding { fallback.encoding = encoding }
                    if let compression { fallback.compression = compression }
                    format = fallback
                }
                decided = true
            }
        }
        var clock = ExportRawClock()
        var random = SplitMix64(seed: Self.seed)
        let key = WebSocketHandshake.makeKey(using: &random)
        let url = ExportHandshake.url(for: format)
        try sink.handle(.connectionStarted(number: 1, time: clock.tick(), url: url))
        try sink.handle(.upgradeRequest(bytes: ExportHandshake.request(url: url, key: key), time: clock.tick(), synthesized: true))
        if !reader.startsWithHandshake {
            try sink.handle(
                .upgradeResponse(
                    bytes: WebSocketHandshake.switchingProtocolsResponse(forKey: key), time: clock.tick(), synthesized: true))
        }
        var stream = try ExportInboundStream(
            format: format, startsWithHandshake: reader.startsWithHandshake, location: ExportLocation(connection: nil))
        var next: [UInt8]? = pending
        while let bytes = next {
            for event in try stream.receive(bytes, time: 0) { try sink.handle(event.retimed(clock.tick())) }
            next = try reader.next()?.bytes
        }
        try stream.end(recordedDrop: false)
        try sink.handle(.connectionEnded(number: 1, time: clock.tick()))
    }

    /// Microseconds since the Unix epoch of an ISO 8601 time such as `2025-01-31T12:00:00.000Z`.
    static func microseconds(_ iso: String) throws(ReplayError) -> Int64 {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let plain = ISO8601DateFormatter()
        guard let date = formatter.date(from: iso) ?? plain.date(from: iso) else {
            throw ReplayError(.corruptInput, "the capture header's started time \"\(iso)\" is not an ISO 8601 time")
        }
        let micros = (date.timeIntervalSince1970 * 1_000_000).rounded()
        guard let exact = Int64(exactly: micros) else {
            throw ReplayError(.corruptInput, "the capture header's started time \"\(iso)\" is out of range")
        }
        return exact
    }
}

/// A raw dump's clock: it has none, so events start at the Unix epoch, a microsecond apart.
struct ExportRawClock {
    private var next: Int64 = 0

    /// The next event's time.
    mutating func tick() -> Int64 {
        defer { next += 1 }
        return next
    }
}

extension ExportEvent {
    /// The same event at `time`.
    func retimed(_ time: Int64) -> ExportEvent {
        switch self {
        case .connectionStarted(let number, _, let url):
            return .connectionStarted(number: number, time: time, url: url)
        case .upgradeRequest(let bytes, _, let synthesized):
            return .upgradeRequest(bytes: bytes, time: time, synthesized: synthesized)
        case .upgradeResponse(let bytes, _, let synthesized):
            return .upgradeResponse(bytes: bytes, time: time, synthesized: synthesized)
        case .message(var message):
            message.time = time
            return .message(message)
        case .connectionEnded(let number, _):
            return .connectionEnded(number: number, time: time)
        }
    }
}
