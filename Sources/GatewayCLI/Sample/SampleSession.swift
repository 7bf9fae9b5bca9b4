import DiscordGateway
import GatewayCodecs
import GatewayServer
import SeededRandom
import WebSocketProtocol

// The sample session committed under samples/ is produced here, by the
// project's own code: a real GatewayConnection talks in memory to the
// library's gateway side (a GatewayServerConnection per connection), both
// with seeded generators and one scripted clock, and CaptureWriter records
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

/// The scripted exchange between the client and the gateway side.
///
/// The gateway reads what the client writes at once; what it writes back waits in `unread`
/// until the script says the client reads it (the 101, READY, the answer to RESUME), or
/// follows by itself (a heartbeat's ACK 31 ms later, the echo of a close 20 ms later).
private final class SampleScript {
    let writer: CaptureWriter
    private var client: GatewayConnection
    private let serverConfiguration: GatewayServerConfiguration
    /// The seeds of each connection's generator, which draws the session id.
    private var serverSeeds = SplitMix64(seed: 2025)
    private var server: GatewayServerConnection
    /// The session the gateway keeps once a connection ended, for a RESUME on the next one.
    private var keptSession: GatewayServerSession?
    /// What the gateway wrote that the client has not read yet, oldest first.
    private var unread: [UInt8] = []
    private var connection = 0
    private(set) var firstConnectionInbound: [UInt8] = []
    private let identify = GatewayIdentify(
        token: SampleSession.token, intents: [.guilds, .guildMessages, .messageContent],
        properties: GatewayConnectionProperties(os: "linux"))

    init(recordingPath: String) throws {
        var configuration = GatewayConfiguration(url: "wss://gateway.discord.gg", encoding: .json, compression: .zlibStream)
        configuration.reportsSentPayloads = true
        client = try GatewayConnection(configuration: configuration, random: SplitMix64(seed: 2025))
        var serverConfiguration = GatewayServerConfiguration(resumeURL: "wss://gateway-us-east1-b.discord.gg")
        serverConfiguration.ready.user = Self.user
        serverConfiguration.ready.guildIDs = [Self.guildID]
        serverConfiguration.ready.application = Self.application
        self.serverConfiguration = serverConfiguration
        server = Self.newServer(serverConfiguration, seeds: &serverSeeds)
        writer = try CaptureWriter(
            path: recordingPath,
            header: CaptureHeader(
                tool: "gatewayctl \(Gatewayctl.version)", url: client.url.description, encoding: .json,
                compression: .zlibStream, started: "2025-01-01T00:00:00.000Z"),
            secrets: [SampleSession.token])
    }

    /// A gateway connection waiting for the upgrade, its HELLO held for the script to send.
    private static func newServer(
        _ configuration: GatewayServerConfiguration, seeds: inout SplitMix64
    ) -> GatewayServerConnection {
        var server = GatewayServerConnection(configuration: configuration, random: SplitMix64(seed: seeds.next()))
        server.holdsHello = true
        return server
    }

    func run() throws {
        // Connection 1: identify, receive events, heartbeat, then RECONNECT.
        try connect(at: 0)
        try clientReadsUnread(at: 0.048)  // the 101
        try serverSends(at: 0.049) { try $0.sendHello(now: $1) }
        try clientReadsUnread(at: 0.131)  // READY, the answer to IDENTIFY
        try serverSends(at: 0.140) { try $0.dispatch("GUILD_CREATE", Self.guildCreate, now: $1) }
        try serverSends(at: 2.5) {
            try $0.dispatch("MESSAGE_CREATE", Self.message(1, "hello, gateway", at: "00:00:02.500"), now: $1)
        }
        try serverSends(at: 7.25) {
            try $0.dispatch("MESSAGE_CREATE", Self.message(2, "héllo again 👋", at: "00:00:07.250"), now: $1)
        }
        try serverSends(at: 29.0) { try $0.dispatch("TYPING_START", Self.typingStart, now: $1) }
        try serverSends(at: 50.0) { try $0.requestReconnect(now: $1) }
        // While the client is away: a message the kept session records for the RESUME to replay.
        try runDeadlines(until: 50.2)
        _ = keptSession?.record(name: "MESSAGE_CREATE", data: Self.message(3, "sent while you were away", at: "00:00:50.200"))
        // Connection 2: resume, the missed event, RESUMED, more events, then a clean close.
        try connect(at: 50.5)
        try clientReadsUnread(at: 50.547)  // the 101
        try serverSends(at: 50.548) { try $0.sendHello(now: $1) }
        try clientReadsUnread(at: 50.61, frames: 1)  // the missed message, the first of the answer to RESUME
        try clientReadsUnread(at: 50.612)  // RESUMED
        try serverSends(at: 70.0) {
            try $0.dispatch("MESSAGE_CREATE", Self.message(4, "welcome back", at: "00:01:10.000"), now: $1)
        }
        try runDeadlines(until: 95.0)
        try clientWrites(client.close(code: .normalClosure, now: .seconds(95)), at: 95.0)
    }

    // MARK: Moving the exchange along

    private func connect(at seconds: Double) throws {
        connection += 1
        if connection > 1 {
            _ = client.reconnect()
            server = Self.newServer(serverConfiguration, seeds: &serverSeeds)
        }
        let request = client.connect()
        let time = Self.offset(seconds)
        try writer.append(
            .connectionEvent(
                CaptureConnectionEvent(kind: .connect, time: time, connection: connection, detail: client.url.description)))
        try writer.append(.chunk(CaptureChunk(direction: .outbound, time: time, connection: connection, bytes: request)))
        unread += server.receive(request, now: .seconds(seconds))
        _ = try drainServer(at: .seconds(seconds))
    }

    /// What falls due before `seconds` on either side: the client's heartbeats, and the
    /// gateway's watch of them.
    private func runDeadlines(until seconds: Double) throws {
        let limit = Duration.seconds(seconds)
        while true {
            let clientDeadline = client.state == .open ? client.nextDeadline : nil
            guard let due = [clientDeadline, server.nextDeadline].compactMap({ $0 }).filter({ $0 <= limit }).min() else {
                return
            }
            if due == server.nextDeadline {
                unread += server.handleDeadline(now: due)
                _ = try drainServer(at: due)
                try clientReadsUnread(at: Self.seconds(due))
            } else {
                try clientWrites(client.handleDeadline(now: due), at: Self.seconds(due))
            }
        }
    }

    /// The gateway writes what `command` returns once everything due before has happened
    /// (writing compresses, so the order of writing is the order on the wire); the client
    /// reads it at once.
    private func serverSends(
        at seconds: Double, _ command: (inout GatewayServerConnection, Duration) throws -> [UInt8]
    ) throws {
        try runDeadlines(until: seconds)
        let now = Duration.seconds(seconds)
        unread += try command(&server, now)
        _ = try drainServer(at: now)
        try clientReadsUnread(at: seconds)
    }

    /// The client reads what the gateway wrote and it has not read yet, in one piece: all of
    /// it, or its first `frames` frames.
    private func clientReadsUnread(at seconds: Double, frames: Int? = nil) throws {
        try runDeadlines(until: seconds)
        var end = unread.count
        if let frames {
            var parser = WebSocketFrameParser(framesFrom: .server)
            parser.append(unread)
            end = 0
            for _ in 0..<frames {
                guard let frame = try parser.nextFrame() else { break }
                end = frame.header.frameEnd
            }
        }
        let bytes = Array(unread[..<end])
        unread.removeFirst(end)
        guard !bytes.isEmpty, client.state != .closed else { return }
        try writer.append(.chunk(CaptureChunk(direction: .inbound, time: Self.offset(seconds), connection: connection, bytes: bytes)))
        if connection == 1 { firstConnectionInbound += bytes }
        let answer = client.receive(bytes, now: .seconds(seconds))
        try clientWrites(answer, at: seconds)
    }

    /// The client writes `bytes`: its events are recorded, the gateway reads them. The ACK of
    /// a heartbeat reaches the client 31 ms later, the echo of its close 20 ms later.
    private func clientWrites(_ bytes: [UInt8], at seconds: Double) throws {
        try drainClient(at: seconds)
        guard !bytes.isEmpty else { return }
        let now = Duration.seconds(seconds)
        unread += server.receive(bytes, now: now)
        let read = try drainServer(at: now)
        if let code = read.clientCloseCode {
            // A close frame carries no secret, so it is recorded as the bytes written; payload
            // frames are not (they are `sent` records, with the token redacted).
            if !read.hadPayloads {
                try writer.append(
                    .chunk(CaptureChunk(direction: .outbound, time: Self.offset(seconds), connection: connection, bytes: bytes)))
            }
            try clientReadsUnread(at: seconds + 0.02)
            try writer.append(
                .connectionEvent(
                    CaptureConnectionEvent(
                        kind: .disconnect, time: Self.offset(seconds + 0.021), connection: connection, detail: "close \(code)")))
        } else if read.hadHeartbeat {
            try clientReadsUnread(at: seconds + 0.031)
        }
    }

    /// What the gateway made of what it read.
    private struct ServerRead {
        var hadPayloads = false
        var hadHeartbeat = false
        /// The code of the close the client sent, when it closed.
        var clientCloseCode: UInt16?
    }

    /// Drains the gateway's events: a RESUME is answered with the session kept (its missed
    /// dispatches, then RESUMED), and the session of a connection that ended is kept.
    private func drainServer(at now: Duration) throws -> ServerRead {
        var read = ServerRead()
        while let event = server.nextEvent() {
            switch event {
            case .received:
                read.hadPayloads = true
            case .heartbeat:
                read.hadHeartbeat = true
            case .resumeRequested:
                if let keptSession {
                    unread += try server.resume(keptSession, now: now)
                } else {
                    unread += try server.invalidateSession(resumable: false, now: now)
                }
            case .violation(let violation):
                // The sample shows a well-behaved client: a broken rule is a mistake here.
                throw violation
            case .disconnected(let disconnect):
                keptSession = server.session
                if disconnect.initiator == .client { read.clientCloseCode = disconnect.code ?? 1005 }
            case .connected, .refused, .frame, .sent, .identified, .resumed:
                break
            }
        }
        return read
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

    static let guildID = "1099511627776000100"
    static let channelID: GatewayValue = "1099511627776000200"

    /// READY's user and application; the gateway side adds the session id it drew, the
    /// resume URL and the guild (as unavailable until its GUILD_CREATE).
    static let user: GatewayValue = ["id": "1099511627776000001", "username": "sample-bot", "discriminator": "0", "bot": true]
    static let application: GatewayValue = ["id": "1099511627776000001", "flags": 0]

    static let guildCreate: GatewayValue = [
        "id": .string(guildID), "name": "Sample Guild", "member_count": 3, "unavailable": false,
        "channels": [["id": channelID, "name": "general", "type": 0]],
    ]

    static let typingStart: GatewayValue = [
        "channel_id": channelID, "guild_id": .string(guildID), "user_id": "1099511627776000300", "timestamp": 1_735_689_629,
    ]

    static func message(_ number: Int, _ content: String, at time: String) -> GatewayValue {
        [
            "id": .string("10995116277760010\(number)0"), "channel_id": channelID, "guild_id": .string(guildID),
            "author": ["id": "1099511627776000300", "username": "alice"], "content": .string(content),
            "timestamp": .string("2025-01-01T\(time)000+00:00"),
        ]
    }
}
