import DiscordGateway
import GatewayCodecs

/// A replay that stopped on an error, with the counts gathered before it.
struct ReplayFailure: Error {
    /// What stopped the replay (``CaptureError``, ``ReplayError`` or ``InputError``).
    var error: any Error
    /// The counts up to the fault.
    var summary: ReplaySummary
}

/// One replay of one file: opens it, tells its kind, and streams it through a ``ReplayEngine``,
/// at once, at the recording's pace, or following a file still being written.
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
    /// When records are shown.
    var timing = ReplayTiming.atOnce
    /// Set by Ctrl-C or SIGTERM; a paced or followed replay stops at the next record or wait.
    var stop = ReplayStop()
    /// Where the note about a raw dump that cannot be paced goes (standard error).
    var note: (String) -> Void = { _ in }

    /// Runs the replay to the end of the file, or, when it waits, until a stop is asked for.
    /// - Throws: ``ReplayFailure`` wrapping what went wrong (``ReplayInterrupted`` for a stop).
    func run() throws(ReplayFailure) -> ReplaySummary {
        var engine: ReplayEngine?
        do {
            if timing == .following {
                try Self.refuseFollowingPacketCapture(path)
                let renderer = renderer
                try replay(FollowedFile(path: path, stop: stop, beforeWaiting: { renderer.flush() }), into: &engine)
            } else {
                try replay(InputFile(path: path), into: &engine)
            }
        } catch {
            // What stopped a replay that was asked to stop is the request, not the input it cut short.
            if let status = stop.status {
                throw ReplayFailure(error: ReplayInterrupted(exitStatus: status), summary: engine?.finish() ?? ReplaySummary())
            }
            if renderer.format == .jsonl, !(error is ReplayError) {
                let offset = (error as? CaptureError)?.offset
                renderer.error(String(describing: (error as? CaptureError).map { $0.message } ?? "\(error)"), offset: offset)
            }
            throw ReplayFailure(error: error, summary: engine?.finish() ?? ReplaySummary())
        }
        return engine?.finish() ?? ReplaySummary()
    }

    private func replay<Source: ByteSource>(_ file: Source, into engine: inout ReplayEngine?) throws {
        let opened = try CaptureSource.open(
            file, layout: startsWithFrame ? .rawDumpWithoutHandshake : .detect,
            rawChunkSize: chunkSize ?? RawDumpReader<Source>.defaultChunkSize)
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
            let last = try Self.replay(&reader, into: &engine, upstreamLeg: upstreamLeg, pace: pacing())
            // A followed recording ends only when a stop is asked for: its last connection did not end.
            try checkStop()
            try engine?.endConnection(at: last)
            if let warning = reader.warning, filter.showsConnectionLines {
                renderer.info("warning: \(warning)")
            }
        case .rawDump(var reader):
            if case .paced = timing {
                note("\(path) is a raw dump, which records no times: it is replayed at once, not paced")
            }
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
            while let chunk = try reader.next() {
                try checkStop()
                try engine?.receive(chunk.bytes, at: .zero)
            }
            // A followed dump ends only when a stop is asked for: its last connection did not end.
            try checkStop()
            try engine?.endConnection(at: .zero)
        case .packetCapture(let reader):
            try replay(reader, into: &engine)
        }
    }

    /// A packet capture is read whole (its connections are replayed one after the other), so it
    /// cannot be followed while it grows: refused at once rather than waiting for an end that a
    /// followed file never reaches.
    private static func refuseFollowingPacketCapture(_ path: String) throws {
        let file = try InputFile(path: path)
        var start = [UInt8](repeating: 0, count: 16)
        let count = try start.withUnsafeMutableBytes { buffer throws(InputError) in try file.read(into: buffer) }
        if PayloadSniffer.sniffInput(start.prefix(count)).kind == .packetCapture {
            throw InputUsageError(
                "\(path) is a packet capture, which replay reads whole: --follow cannot follow it (drop --follow)")
        }
    }

    /// Throws ``ReplayInterrupted`` once a stop has been asked for.
    func checkStop() throws(ReplayInterrupted) {
        if let status = stop.status { throw ReplayInterrupted(exitStatus: status) }
    }

    /// What runs before each record of a recording: nothing at once, a check for a stop when
    /// following, and the wait for the record's time when paced (the output flushed first, as
    /// someone is watching it).
    func pacing() -> (CaptureTimeOffset) throws(ReplayInterrupted) -> Void {
        let stop = stop
        let renderer = renderer
        switch timing {
        case .atOnce:
            return { _ in }
        case .following:
            return { _ throws(ReplayInterrupted) in
                if let status = stop.status { throw ReplayInterrupted(exitStatus: status) }
            }
        case .paced(let speed):
            let clock = ContinuousClock()
            var pacer = ReplayPacer(speed: speed, start: clock.now)
            return { time throws(ReplayInterrupted) in
                let wait = pacer.wait(before: time, now: clock.now)
                if wait > .zero { renderer.flush() }
                if !stop.sleep(for: wait), let status = stop.status { throw ReplayInterrupted(exitStatus: status) }
            }
        }
    }

    /// Feeds every record to the engine; returns the last record's time, where the input ended.
    private static func replay<Source: ByteSource>(
        _ reader: inout CaptureReader<Source>, into engine: inout ReplayEngine?, upstreamLeg: Bool,
        pace: (CaptureTimeOffset) throws(ReplayInterrupted) -> Void
    ) throws -> Duration {
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
                try pace(chunk.time)
                last = duration(chunk.time)
                try enter(chunk.connection, last, &engine)
                switch chunk.direction {
                case .inbound: try engine?.receive(chunk.bytes, at: last)
                case .outbound: engine?.wrote(chunk.bytes, at: last)
                }
            case .upstreamChunk(let chunk):
                guard upstreamLeg else { continue }
                try pace(chunk.time)
                last = duration(chunk.time)
                try enter(chunk.connection, last, &engine)
                try engine?.receive(chunk.bytes, at: last)
            case .sent(let sent):
                try pace(sent.time)
                last = duration(sent.time)
                try enter(sent.connection, last, &engine)
                try engine?.sent(sent.payloadJSON, at: last, line: reader.lineNumber)
            case .connectionEvent(let event):
                try pace(event.time)
                last = duration(event.time)
                switch event.kind {
                case .connect:
                    try enter(event.connection, last, &engine)
                case .disconnect:
                    if event.connection == current { try engine?.endConnection(at: last, recordedDisconnect: true) }
                }
            }
        }
        return last
    }
}
