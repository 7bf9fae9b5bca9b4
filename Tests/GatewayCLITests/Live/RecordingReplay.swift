import DiscordGateway
import GatewayCLI

/// Feeds a recording's inbound chunks back through a gateway connection, connection by
/// connection, as `replay` does, and returns the dispatches it sees as `s t` strings.
enum RecordingReplay {
    static func dispatches(in recording: String) throws -> [String] {
        var reader = try CaptureReader(source: MemoryByteSource(Array(recording.utf8)))
        var configuration = GatewayConfiguration(
            url: reader.header.url, encoding: GatewayEncoding(rawValue: reader.header.encoding.rawValue) ?? .json,
            compression: GatewayCompression(rawValue: reader.header.compression.rawValue) ?? .none)
        // The request key is in the recording, but a replay does not need to check the answer to it.
        configuration.webSocket.verifiesAcceptValue = false
        var connection = try GatewayConnection(configuration: configuration, random: SystemRandomNumberGenerator())
        var seen: [String] = []
        var time = Duration.zero
        func drain() {
            while let event = connection.nextEvent() {
                if case .dispatch(let payload) = event {
                    seen.append("\(payload.sequence.map(String.init) ?? "-") \(payload.eventName ?? "-")")
                }
            }
        }
        while let record = try reader.next() {
            switch record {
            case .connectionEvent(let event) where event.kind == .connect:
                _ = connection.reconnect()
                _ = connection.connect()
            case .connectionEvent:
                connection.receiveEndOfInput(now: time)
                drain()
            case .chunk(let chunk) where chunk.direction == .inbound:
                time = .microseconds(chunk.time.microseconds)
                _ = connection.receive(chunk.bytes, now: time)
                drain()
            case .chunk, .sent, .header, .upstreamChunk:
                break
            }
        }
        return seen
    }

    /// The dispatches `connect` printed, as `s t` strings.
    static func printed(_ run: GatewayctlRun) -> [String] {
        run.received(op: 0).map { line in
            let sequence: String = if case .integer(let value) = line["s"] ?? .null { String(value) } else { "-" }
            let name: String = if case .string(let value) = line["t"] ?? .null { value } else { "-" }
            return "\(sequence) \(name)"
        }
    }
}
