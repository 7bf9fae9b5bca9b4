import DiscordGateway
import GatewayCodecs

/// A replay that stopped on an error, with the counts gathered before it.
struct ReplayFailure: Error {
    /// What stopped the replay (``CaptureError``, ``ReplayError`` or ``InputError``).
    var error: any Error
    /// The counts up to the fault.
    var summary: ReplaySummary
}

/// One replay of one file: opens it, tells its kind, and streams it through a ``ReplayEngine``.
struct Replay {
    var path: String
    var renderer: Renderer
    var filter: OutputFilter
    var chunkSize: Int?
    var encoding: GatewayEncoding?
    var compression: GatewayCompression?
    var startsWithFrame: Bool
    /// For a `proxy` recording: replay what the proxy read from the upstream gateway instead of
    /// what the bot received.
    var upstreamLeg = false

    /// Runs the replay to the end of the file.
    /// - Throws: ``ReplayFailure`` wrapping what went wrong.
    func run() throws(ReplayFailure) -> ReplaySummary {
        var engine: ReplayEngine?
        do {
            let file = try InputFile(path: path)
            let opened = try CaptureSource.open(
                file, layout: startsWithFrame ? .rawDumpWithoutHandshake : .detect,
                rawChunkSize: chunkSize ?? RawDumpReader<InputFile>.defaultChunkSize)
            if filter.showsConnectionLines { renderer.info("\(path): \(opened.reason)") }
            switch opened.source {
            case .recording(var reader):
                var format = ReplayFormat(reader.header.encoding, reader.header.compression)
                var origin = "from the capture header"
                if let encoding, encoding != format.encoding {
                    format.encoding = encoding
                    origin += "; encoding \(encoding.rawValue) as --encoding says"
                }
                if let compression, compression != format.compression {
                    format.compression = compression
                    origin += "; compression \(compression.rawValue) as --compression says"
                }
                if filter.showsConnectionLines {
                    let header = reader.header
                    renderer.info(
                        "format: \(format.description) (\(origin)); recorded by \(header.tool), started \(header.started)")
                }
                engine = ReplayEngine(
                    renderer: renderer, filter: filter, chunkSize: chunkSize, format: format,
                    synthesizesHandshake: false, offsetsAreFileOffsets: false, hasTimes: true)
                try Self.replay(&reader, into: &engine, upstreamLeg: upstreamLeg)
                if let warning = reader.warning, filter.showsConnectionLines {
                    renderer.info("warning: \(warning)")
                }
            case .rawDump(var reader):
                let known: ReplayFormat? =
                    if let encoding, let compression { ReplayFormat(encoding: encoding, compression: compression) } else { nil }
                if let known, filter.showsConnectionLines {
                    renderer.info("format: \(known.description) (as --encoding and --compression say)")
                }
                engine = ReplayEngine(
                    renderer: renderer, filter: filter, chunkSize: chunkSize, format: known,
                    synthesizesHandshake: !reader.startsWithHandshake, offsetsAreFileOffsets: true, hasTimes: false,
                    encodingOverride: encoding, compressionOverride: compression)
                try engine?.beginConnection(1, at: .zero)
                while let chunk = try reader.next() { try engine?.receive(chunk.bytes, at: .zero) }
                try engine?.endConnection(at: .zero)
            }
        } catch {
            if renderer.format == .jsonl, !(error is ReplayError) {
                let offset = (error as? CaptureError)?.offset
                renderer.error(String(describing: (error as? CaptureError).map { $0.message } ?? "\(error)"), offset: offset)
            }
            throw ReplayFailure(error: error, summary: engine?.finish() ?? ReplaySummary())
        }
        return engine?.finish() ?? ReplaySummary()
    }

    private static func replay(
        _ reader: inout CaptureReader<InputFile>, into engine: inout ReplayEngine?, upstreamLeg: Bool
    ) throws {
        var current = 0
        var last: Duration = .zero
        func duration(_ offset: CaptureTimeOffset) -> Duration { .microseconds(offset.microseconds) }
        func enter(_ connection: Int, _ time: Duration, _ engine: inout ReplayEngine?) throws {
            if connection != current {
                current = connection
                try engine?.beginConnection(connection, at: time)
            }
        }
        while let record = try reader.next() {
            switch record {
            case .header:
                break
            case .chunk(let chunk):
                // The upstream leg's own bytes stand in for what the bot received.
                if upstreamLeg, chunk.direction == .inbound { continue }
                last = duration(chunk.time)
                try enter(chunk.connection, last, &engine)
                switch chunk.direction {
                case .inbound: try engine?.receive(chunk.bytes, at: last)
                case .outbound: engine?.wrote(chunk.bytes, at: last)
                }
            case .upstreamChunk(let chunk):
                guard upstreamLeg else { continue }
                last = duration(chunk.time)
                try enter(chunk.connection, last, &engine)
                try engine?.receive(chunk.bytes, at: last)
            case .sent(let sent):
                last = duration(sent.time)
                try enter(sent.connection, last, &engine)
                try engine?.sent(sent.payloadJSON, at: last, line: reader.lineNumber)
            case .connectionEvent(let event):
                last = duration(event.time)
                switch event.kind {
                case .connect:
                    try enter(event.connection, last, &engine)
                case .disconnect:
                    if event.connection == current { try engine?.endConnection(at: last, recordedDisconnect: true) }
                }
            }
        }
        try engine?.endConnection(at: last)
    }
}
