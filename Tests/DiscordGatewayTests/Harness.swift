import DiscordGateway
import GatewayCodecs
import SeededRandom

/// A client connection wired to the byte-level ``FakeGateway``, with a clock the test moves by
/// hand (``ServerHarness`` wires it to the library's server instead).
struct Harness {
    var connection: GatewayConnection
    var server: FakeGateway
    var now: Duration = .zero
    /// How to cut what the server writes before the client reads it (`nil`: in one piece).
    var splitter: SplitMix64?

    init(
        encoding: GatewayEncoding = .json, compression: GatewayCompression = .none,
        seed: UInt64 = 1, split: Bool = false, configure: (inout GatewayConfiguration) -> Void = { _ in }
    ) throws {
        var configuration = GatewayConfiguration(
            url: "wss://gateway.discord.gg", encoding: encoding, compression: compression)
        configuration.deliversHandledPayloads = true
        configure(&configuration)
        connection = try GatewayConnection(configuration: configuration, random: SplitMix64(seed: seed))
        server = try FakeGateway(encoding: encoding, compression: compression)
        splitter = split ? SplitMix64(seed: seed &+ 99) : nil
    }

    /// Opens a connection: the client's request goes to the server, the server's 101 comes back.
    mutating func open() throws {
        server = try FakeGateway(encoding: server.encoding, compression: server.compression)
        server.receive(connection.connect())
        deliver(server.accept())
    }

    /// Opens a connection and delivers HELLO.
    mutating func openWithHello(interval: Int64 = 41_250) throws {
        try open()
        deliver(try server.hello(interval: interval))
    }

    /// Server bytes to the client (cut at random points when splitting); the client's answers go back.
    mutating func deliver(_ bytes: [UInt8]) {
        if var splitter {
            var start = 0
            while start < bytes.count {
                let size = Int.random(in: 1...max(1, min(64, bytes.count - start)), using: &splitter)
                let end = min(bytes.count, start + size)
                server.receive(connection.receive(Array(bytes[start..<end]), now: now))
                start = end
            }
            self.splitter = splitter
        } else {
            server.receive(connection.receive(bytes, now: now))
        }
    }

    /// Client bytes to the server.
    mutating func send(_ bytes: [UInt8]) {
        server.receive(bytes)
    }

    /// Moves the clock to the next deadline (if any, and not past `limit`) and handles it.
    @discardableResult
    mutating func advanceToDeadline(limit: Duration = .seconds(3600)) -> Bool {
        guard let deadline = connection.nextDeadline, deadline <= limit else { return false }
        now = max(now, deadline)
        server.receive(connection.handleDeadline(now: now))
        return true
    }

    /// Drains the client's events.
    mutating func events() -> [GatewayEvent] {
        connection.events()
    }

    /// The event names and opcodes drained, as short strings: `hello`, `dispatch READY 1`, `disconnected ...`.
    mutating func transcript() -> [String] {
        events().map(\.summary)
    }
}

extension GatewayEvent {
    /// A one-line summary for transcript assertions.
    var summary: String {
        switch self {
        case .upgraded: "upgraded"
        case .rejected(let rejection): "rejected \(rejection.statusCode)"
        case .frame: "frame"
        case .hello(let interval, _): "hello \(interval)"
        case .dispatch(let payload): "dispatch \(payload.eventName ?? "-") \(payload.sequence.map(String.init) ?? "-")"
        case .heartbeatRequested: "heartbeat requested"
        case .heartbeatAcknowledged(let latency, _): "ack \(latency.map { "\($0)" } ?? "-")"
        case .reconnectRequested: "reconnect requested"
        case .invalidSession(let resumable, _): "invalid session \(resumable)"
        case .payload(let payload): "payload \(payload.opcode.rawValue)"
        case .sent(let payload): "sent \(payload.opcode.rawValue)"
        case .disconnected(let disconnect):
            "disconnected \(disconnect.initiator.rawValue) \(disconnect.code.map { String($0.rawValue) } ?? "-") resume=\(disconnect.willResume) reconnect=\(disconnect.canReconnect)"
        }
    }
}

let testIdentify = GatewayIdentify(
    token: "Bot secret-token", intents: [.guilds, .guildMessages], properties: GatewayConnectionProperties(os: "linux"))
