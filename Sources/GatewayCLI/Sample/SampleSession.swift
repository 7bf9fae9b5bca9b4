import DiscordGateway
import GatewayCodecs
import SeededRandom
import WebSocketProtocol

// The sample session committed under samples/ is produced here, by the
// project's own code: a real GatewayConnection (seeded generator, scripted
// clock) talks to SampleGatewayServer in memory, and CaptureWriter records
// what the client read and sent, exactly as `connect --record` would. Running
// it twice gives the same bytes; a test checks the committed files against it.

/// Generates the sample session: HELLO, IDENTIFY, READY, GUILD_CREATE, messages,
/// heartbeats and their ACKs, a RECONNECT, a RESUME on a second connection,
/// RESUMED, and a clean close.
public enum SampleSession {
    /// The token the sample client identifies with; it never reaches the files.
    public static let token = "sample.token.never-recorded"

    /// The files written, relative to the output directory.
    public static let recordingName = "session.gwcap"
    /// The inbound bytes of the first connection, from the `101` on.
    public static let rawDumpName = "session-conn1.raw"
    /// The same bytes without the HTTP response (for `--no-handshake`).
    public static let framesDumpName = "session-conn1-frames.raw"

    /// Writes the three sample files into `directory`.
    public static func write(to directory: String) throws {
        let path = directory.hasSuffix("/") ? directory : directory + "/"
        let script = try SampleScript(recordingPath: path + recordingName)
        try script.run()
        try script.writer.close()
        let dump = script.firstConnectionInbound
        try writeFile(path + rawDumpName, dump)
        let response = HTTPMessageText(dump)?.headerLength ?? 0
        try writeFile(path + framesDumpName, Array(dump[response...]))
    }

    private static func writeFile(_ path: String, _ bytes: [UInt8]) throws {
        let file = try OutputFile(path: path)
        try file.write(bytes)
    }
}

/// The scripted exchange between the client and the sample server.
private final class SampleScript {
    let writer: CaptureWriter
    private var client: GatewayConnection
    private let server: SampleGatewayServer
    private var connection = 0
    private(set) var firstConnectionInbound: [UInt8] = []
    private let identify = GatewayIdentify(
        token: SampleSession.token, intents: [.guilds, .guildMessages, .messageContent],
        properties: GatewayConnectionProperties(os: "linux"))

    init(recordingPath: String) throws {
        var configuration = GatewayConfiguration(url: "wss://gateway.discord.gg", encoding: .json, compression: .zlibStream)
        configuration.reportsSentPayloads = true
        client = try GatewayConnection(configuration: configuration, random: SplitMix64(seed: 2025))
        server = try SampleGatewayServer()
        writer = try CaptureWriter(
            path: recordingPath,
            header: CaptureHeader(
                tool: "gatewayctl \(Gatewayctl.version)", url: client.url.description, encoding: .json,
                compression: .zlibStream, started: "2025-01-01T00:00:00.000Z"),
            secrets: [SampleSession.token])
    }

    func run() throws {
        // Connection 1: identify, receive events, heartbeat, then RECONNECT.
        try connect(at: 0)
        try serverSends(at: 0.048) { server.switchingProtocols() }
        try serverSends(at: 0.049) { server.message(op: 10, ["heartbeat_interval": 41_250]) }
        try serverSends(at: 0.131) { server.message(op: 0, Self.ready, event: "READY") }
        try serverSends(at: 0.140) { server.message(op: 0, Self.guildCreate, event: "GUILD_CREATE") }
        try serverSends(at: 2.5) {
            server.message(op: 0, Self.message(1, "hello, gateway", at: "00:00:02.500"), event: "MESSAGE_CREATE")
        }
        try serverSends(at: 7.25) {
            server.message(op: 0, Self.message(2, "héllo again 👋", at: "00:00:07.250"), event: "MESSAGE_CREATE")
        }
        try serverSends(at: 29.0) { server.message(op: 0, Self.typingStart, event: "TYPING_START") }
        try serverSends(at: 50.0) { server.message(op: 7, .null) }
        // Connection 2: resume, the missed event, RESUMED, more events, then a clean close.
        try connect(at: 50.5)
        try serverSends(at: 50.547) { server.switchingProtocols() }
        try serverSends(at: 50.548) { server.message(op: 10, ["heartbeat_interval": 41_250]) }
        try serverSends(at: 50.61) {
            server.message(op: 0, Self.message(3, "sent while you were away", at: "00:00:50.200"), event: "MESSAGE_CREATE")
        }
        try serverSends(at: 50.612) { server.message(op: 0, .null, event: "RESUMED") }
        try serverSends(at: 70.0) {
            server.message(op: 0, Self.message(4, "welcome back", at: "00:01:10.000"), event: "MESSAGE_CREATE")
        }
        try runDeadlines(until: 95.0)
        try clientWrites(client.close(code: .normalClosure, now: .seconds(95)), at: 95.0)
    }

    // MARK: Moving the exchange along

    private func connect(at seconds: Double) throws {
        connection += 1
        if connection > 1 {
            _ = client.reconnect()
            try server.newConnection()
        }
        let request = client.connect()
        let time = Self.offset(seconds)
        try writer.append(
            .connectionEvent(
                CaptureConnectionEvent(kind: .connect, time: time, connection: connection, detail: client.url.description)))
        try writer.append(.chunk(CaptureChunk(direction: .outbound, time: time, connection: connection, bytes: request)))
        _ = try server.receive(request)
    }

    /// Heartbeats that fall due before `seconds`, each acknowledged 31 ms later.
    private func runDeadlines(until seconds: Double) throws {
        let limit = Duration.seconds(seconds)
        while let deadline = client.nextDeadline, deadline <= limit, client.state == .open {
            try clientWrites(client.handleDeadline(now: deadline), at: Self.seconds(deadline))
        }
    }

    /// The server writes what `make` builds once every earlier heartbeat has been answered
    /// (building compresses, so the order of building is the order on the wire); the client
    /// reads it in one piece.
    private func serverSends(at seconds: Double, _ make: () -> [UInt8]) throws {
        try runDeadlines(until: seconds)
        guard client.state != .closed else { return }
        let bytes = make()
        let now = Duration.seconds(seconds)
        try writer.append(.chunk(CaptureChunk(direction: .inbound, time: Self.offset(seconds), connection: connection, bytes: bytes)))
        if connection == 1 { firstConnectionInbound += bytes }
        let answer = client.receive(bytes, now: now)
        try clientWrites(answer, at: seconds)
    }

    /// The client writes `bytes`: its events are recorded, the server reads and answers.
    private func clientWrites(_ bytes: [UInt8], at seconds: Double) throws {
        try drainClient(at: seconds)
        guard !bytes.isEmpty else { return }
        let frames = try server.receive(bytes)
        // A close frame carries no secret, so it is recorded as the bytes written; payload
        // frames are not (they are `sent` records, with the token redacted).
        if frames.count == 1, frames.allSatisfy({ $0.header.opcode == .close }) {
            try writer.append(.chunk(CaptureChunk(direction: .outbound, time: Self.offset(seconds), connection: connection, bytes: bytes)))
        }
        for frame in frames {
            switch frame.header.opcode {
            case .binary, .text:
                let payload = try GatewayJSON.decode(frame.payload)
                if payload["op"]?.intValue == 1 {
                    try serverSends(at: seconds + 0.031) { server.message(op: 11, .null) }
                }
            case .close:
                let code = frame.payload.count >= 2 ? UInt16(frame.payload[0]) << 8 | UInt16(frame.payload[1]) : 1000
                try serverSends(at: seconds + 0.02) { server.close(code) }
                try writer.append(
                    .connectionEvent(
                        CaptureConnectionEvent(
                            kind: .disconnect, time: Self.offset(seconds + 0.021), connection: connection,
                            detail: "close \(code)")))
            default:
                break
            }
        }
    }

    /// Records what the client reports sending, and answers HELLO with IDENTIFY or RESUME.
    private func drainClient(at seconds: Double) throws {
        let now = Duration.seconds(seconds)
        while let event = client.nextEvent() {
            switch event {
            case .sent(let payload):
                try writer.append(.sent(CaptureSent(time: Self.offset(seconds), connection: connection, payloadJSON: payload.bytes)))
            case .hello:
                try clientWrites(client.identifyOrResume(identify, now: now), at: seconds)
            default:
                break
            }
        }
    }

    private static func offset(_ seconds: Double) -> CaptureTimeOffset {
        CaptureTimeOffset(microseconds: Int64((seconds * 1_000_000).rounded()))
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(TimeText.microseconds(duration)) / 1_000_000
    }

    // MARK: Payloads

    static let guildID: GatewayValue = "1099511627776000100"
    static let channelID: GatewayValue = "1099511627776000200"

    static let ready: GatewayValue = [
        "v": 10,
        "user": ["id": "1099511627776000001", "username": "sample-bot", "discriminator": "0", "bot": true],
        "guilds": [["id": guildID, "unavailable": true]],
        "session_id": "9f1c2b7e4d3a5b6c7d8e9f0a1b2c3d4e",
        "resume_gateway_url": "wss://gateway-us-east1-b.discord.gg",
        "shard": [0, 1],
        "application": ["id": "1099511627776000001", "flags": 0],
    ]

    static let guildCreate: GatewayValue = [
        "id": guildID, "name": "Sample Guild", "member_count": 3, "unavailable": false,
        "channels": [["id": channelID, "name": "general", "type": 0]],
    ]

    static let typingStart: GatewayValue = [
        "channel_id": channelID, "guild_id": guildID, "user_id": "1099511627776000300", "timestamp": 1_735_689_629,
    ]

    static func message(_ number: Int, _ content: String, at time: String) -> GatewayValue {
        [
            "id": .string("10995116277760010\(number)0"), "channel_id": channelID, "guild_id": guildID,
            "author": ["id": "1099511627776000300", "username": "alice"], "content": .string(content),
            "timestamp": .string("2025-01-01T\(time)000+00:00"),
        ]
    }
}
