import DiscordGateway
import GatewayCodecs

/// The dispatches of a recording (`connect --record`, `serve --record`), with when they arrived,
/// for `serve --capture` to play to every bot that identifies.
struct CapturePlayback: Sendable {
    /// One recorded dispatch.
    struct Dispatch: Sendable {
        /// Time since the recording's first dispatch.
        var time: Duration
        var name: String
        var data: GatewayValue
    }

    /// The dispatches, in order; READY and RESUMED are left out (each bot gets its own).
    let dispatches: [Dispatch]

    /// Reads the dispatches of the capture at `path`, decoding each connection's inbound bytes
    /// as replay does (a fresh WebSocket and decompressor per connection).
    /// - Throws: ``ServerCommandError`` for a file that cannot be read, is not a capture recording
    ///   (raw dumps have no clock to pace by), or holds no dispatch.
    init(path: String) throws(ServerCommandError) {
        let file: InputFile
        do {
            file = try InputFile(path: path)
        } catch {
            throw ServerCommandError("--capture \(path): \(error)", exitStatus: ProcessExitStatus(for: error))
        }
        let opened: (source: CaptureSource<InputFile>, reason: String)
        do {
            opened = try CaptureSource.open(file, layout: .detect)
        } catch {
            throw ServerCommandError("--capture \(path): \(error)", exitStatus: ProcessExitStatus(for: error))
        }
        guard case .recording(var reader) = opened.source else {
            throw ServerCommandError(
                "--capture \(path): \(opened.reason); serve needs a capture recording (connect --record or serve --record), whose clock paces the dispatches",
                exitStatus: .dataError)
        }
        let format = ReplayFormat(reader.header.encoding, reader.header.compression)
        var collected: [Dispatch] = []
        var connection: GatewayConnection?
        var current = -1
        var first: Duration?
        do {
            while let record = try reader.next() {
                guard case .chunk(let chunk) = record, chunk.direction == .inbound else { continue }
                let time = Duration.microseconds(chunk.time.microseconds)
                if chunk.connection != current {
                    current = chunk.connection
                    var configuration = GatewayConfiguration(
                        url: "wss://gateway.discord.gg", encoding: format.encoding, compression: format.compression)
                    configuration.webSocket.verifiesAcceptValue = false
                    var made = try GatewayConnection(configuration: configuration, random: SystemRandomNumberGenerator())
                    _ = made.connect()
                    connection = made
                }
                _ = connection?.receive(chunk.bytes, now: time)
                while let event = connection?.nextEvent() {
                    guard case .dispatch(let payload) = event, let name = payload.eventName,
                        name != "READY", name != "RESUMED"
                    else { continue }
                    let start = first ?? time
                    first = start
                    collected.append(Dispatch(time: time - start, name: name, data: payload.data))
                }
            }
        } catch {
            throw ServerCommandError("--capture \(path): \(error)", exitStatus: .dataError)
        }
        guard !collected.isEmpty else { throw ServerCommandError("--capture \(path): the recording holds no dispatch to play", exitStatus: .dataError) }
        dispatches = collected
    }
}
