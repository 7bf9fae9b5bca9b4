import DiscordGateway
import GatewayCodecs
import GatewayServer
import SeededRandom

/// The library's client against the library's server, in memory, with a clock moved by hand:
/// whatever one writes, the other reads (in one piece, or cut at random points).
struct ServerPair {
    var client: GatewayConnection
    var server: GatewayServerConnection
    var now: Duration = .zero
    var serverConfiguration: GatewayServerConfiguration
    /// Every event each side reported, in order.
    var clientEvents: [GatewayEvent] = []
    var serverEvents: [GatewayServerEvent] = []
    /// Cuts what each side writes before the other reads it (`nil`: in one piece).
    var splitter: SplitMix64?
    private var serverRandom = SplitMix64(seed: 77)

    static let identify = GatewayIdentify(
        token: "Bot pair-token", intents: [.guilds, .guildMessages], properties: GatewayConnectionProperties(os: "linux"))

    init(
        encoding: GatewayEncoding = .json, compression: GatewayCompression = .none, split: Bool = false,
        configureServer: (inout GatewayServerConfiguration) -> Void = { _ in }
    ) throws {
        var configuration = GatewayConfiguration(url: "ws://127.0.0.1:9", encoding: encoding, compression: compression)
        configuration.deliversHandledPayloads = true
        client = try GatewayConnection(configuration: configuration, random: SplitMix64(seed: 1))
        var serverConfiguration = GatewayServerConfiguration(resumeURL: "ws://127.0.0.1:9")
        configureServer(&serverConfiguration)
        self.serverConfiguration = serverConfiguration
        server = GatewayServerConnection(configuration: serverConfiguration, random: SplitMix64(seed: 77))
        splitter = split ? SplitMix64(seed: 5) : nil
    }

    /// A new connection of the client to a new server connection.
    mutating func connect() {
        server = GatewayServerConnection(configuration: serverConfiguration, random: serverRandom)
        _ = serverRandom.next()
        toServer(client.connect())
    }

    /// Client bytes to the server, whose answers go back to the client, until both are quiet.
    mutating func toServer(_ bytes: [UInt8]) {
        var pending = bytes
        var fromServer: [UInt8] = []
        while !pending.isEmpty || !fromServer.isEmpty {
            if !pending.isEmpty {
                for piece in pieces(pending) { fromServer += server.receive(piece, now: now) }
                pending = []
                drain()
            }
            if !fromServer.isEmpty {
                for piece in pieces(fromServer) { pending += client.receive(piece, now: now) }
                fromServer = []
                drain()
            }
        }
    }

    /// Server bytes to the client (for what a scenario makes the server send).
    mutating func toClient(_ bytes: [UInt8]) {
        var answer: [UInt8] = []
        for piece in pieces(bytes) { answer += client.receive(piece, now: now) }
        drain()
        toServer(answer)
    }

    /// Moves the clock to `time` and lets both sides handle what is due.
    mutating func advance(to time: Duration) {
        while true {
            let due = [client.nextDeadline, server.nextDeadline].compactMap { $0 }.filter { $0 <= time }.min()
            guard let due else { break }
            now = max(now, due)
            let fromClient = client.handleDeadline(now: now)
            let fromServer = server.handleDeadline(now: now)
            drain()
            if !fromServer.isEmpty { toClient(fromServer) }
            if !fromClient.isEmpty { toServer(fromClient) }
        }
        now = max(now, time)
    }

    /// The transport drops: both sides see the end of input.
    mutating func drop() {
        client.receiveEndOfInput(now: now)
        server.receiveEndOfInput(now: now)
        drain()
    }

    /// The client sends IDENTIFY or RESUME, as after HELLO.
    mutating func identifyOrResume() throws {
        toServer(try client.identifyOrResume(Self.identify, now: now))
    }

    mutating func drain() {
        while let event = client.nextEvent() { clientEvents.append(event) }
        while let event = server.nextEvent() { serverEvents.append(event) }
    }

    private mutating func pieces(_ bytes: [UInt8]) -> [[UInt8]] {
        guard var splitter else { return [bytes] }
        var result: [[UInt8]] = []
        var start = 0
        while start < bytes.count {
            let size = Int.random(in: 1...max(1, min(97, bytes.count - start)), using: &splitter)
            result.append(Array(bytes[start..<min(bytes.count, start + size)]))
            start += size
        }
        self.splitter = splitter
        return result
    }

    /// Dispatch names the client received, in order.
    var clientDispatches: [String] {
        clientEvents.compactMap { event in
            if case .dispatch(let payload) = event { return payload.eventName }
            return nil
        }
    }

    /// The server's violations, in order.
    var violations: [GatewayServerViolation] {
        serverEvents.compactMap { event in
            if case .violation(let violation) = event { return violation }
            return nil
        }
    }

    /// The client's last disconnect.
    var lastClientDisconnect: GatewayDisconnect? {
        for event in clientEvents.reversed() {
            if case .disconnected(let disconnect) = event { return disconnect }
        }
        return nil
    }
}
