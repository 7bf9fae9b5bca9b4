import DiscordGateway
import GatewayCodecs

extension Replay {
    /// Replays a packet capture's WebSocket connections one after the other, through the path a
    /// recording takes; the client's frames are decoded as sent payloads. The format comes from
    /// the first upgrade request's query (`encoding=`, `compress=`), else from the first message;
    /// `--encoding` and `--compression` override both.
    func replay(_ reader: PacketCaptureReader, into engine: inout ReplayEngine?) throws {
        let known = Self.format(of: reader.connections.first, encoding: encoding, compression: compression)
        if let known, filter.showsConnectionLines {
            renderer.info("format: \(known.format.description) (\(known.origin))")
        }
        engine = ReplayEngine(
            renderer: renderer, filter: filter, chunkSize: chunkSize, format: known?.format, synthesizesHandshake: false,
            offsetsAreFileOffsets: false, hasTimes: true, encodingOverride: encoding, compressionOverride: compression,
            decodesOutboundMessages: true)
        let pace = pacing()
        var last: Duration = .zero
        for connection in reader.connections {
            if connection.missedSYN, filter.showsConnectionLines {
                renderer.info(
                    "connection \(connection.number) (\(connection.endpoints)): the capture starts after its SYN; "
                        + "its streams start at the first segment seen")
            }
            for record in connection.records {
                let time: CaptureTimeOffset
                switch record {
                case .chunk(let chunk): time = chunk.time
                case .connectionEvent(let event): time = event.time
                default: continue
                }
                try pace(time)
                last = .microseconds(time.microseconds)
                switch record {
                case .chunk(let chunk) where chunk.direction == .inbound:
                    try engine?.receive(chunk.bytes, at: last)
                case .chunk(let chunk):
                    engine?.wrote(chunk.bytes, at: last)
                case .connectionEvent(let event) where event.kind == .connect:
                    try engine?.beginConnection(event.connection, at: last)
                    if filter.showsConnectionLines {
                        renderer.info("connection \(connection.number): TCP \(connection.endpoints)", engine?.context)
                    }
                case .connectionEvent:
                    if let gap = connection.gap { renderer.info("warning: \(gap)") }
                    try engine?.endConnection(at: last, recordedDisconnect: true)
                default:
                    break
                }
            }
        }
        try checkStop()
        try engine?.endConnection(at: last)
        // What was complete has been replayed; a cut or broken file still ends in its error.
        if let fault = reader.fault { throw fault }
    }

    /// The format an upgrade request's query names, and why; nil when it names no encoding and
    /// no option does either (then the first message decides).
    static func format(
        of connection: PacketCaptureConnection?, encoding: GatewayEncoding?, compression: GatewayCompression?
    ) -> (format: ReplayFormat, origin: String)? {
        let queryEncoding = connection?.queryValue("encoding").flatMap(GatewayEncoding.init(rawValue:))
        let queryCompression = connection?.queryValue("compress").flatMap(GatewayCompression.init(rawValue:))
        // A URL that names its encoding but no compress= asked for none, as Discord reads it.
        let urlCompression = queryCompression ?? (queryEncoding != nil ? GatewayCompression.none : nil)
        guard let chosenEncoding = encoding ?? queryEncoding, let chosenCompression = compression ?? urlCompression else {
            return nil
        }
        let format = ReplayFormat(encoding: chosenEncoding, compression: chosenCompression)
        let origin = [
            encoding != nil ? "encoding as --encoding says" : "encoding from the upgrade request's URL",
            compression != nil ? "compression as --compression says"
                : queryCompression != nil ? "compression from the upgrade request's URL" : "no compress= in the URL: none",
        ]
        return (format, origin.joined(separator: "; "))
    }
}
