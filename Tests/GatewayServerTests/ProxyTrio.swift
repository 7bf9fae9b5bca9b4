import DiscordGateway
import GatewayCodecs
import GatewayServer
import SeededRandom
import WebSocketProtocol

/// The library's client, a proxy and the library's server, in memory, with a clock moved by
/// hand: the client talks to the proxy as to a gateway, the proxy to the server as a client.
/// Each client connection gets a proxy connection and, once the proxy asks, a server connection.
struct ProxyTrio {
    var client: GatewayConnection
    var proxy: GatewayProxyConnection
    var server: GatewayServerConnection
    var now: Duration = .zero
    var proxyConfiguration: GatewayProxyConfiguration
    let serverConfiguration: GatewayServerConfiguration
    /// Every event each party reported, in order (the proxy's across its connections).
    var clientEvents: [GatewayEvent] = []
    var proxyEvents: [GatewayProxyEvent] = []
    var serverEvents: [GatewayServerEvent] = []
    /// The sessions the server kept when its connections ended, for RESUMEs on new ones.
    var sessions: [String: GatewayServerSession] = [:]
    /// Whether the server's transport is open (the proxy asked for it and nobody cut it).
    var upstreamOpen = false
    var botOpen = false
    private var random = SplitMix64(seed: 31)

    static let proxyURL = "ws://127.0.0.1:7"
    static let upstreamURL = "ws://gateway.upstream.test"
    static let resumeURL = "ws://resume.upstream.test"
    static let identify = GatewayIdentify(
        token: "Bot trio-token", intents: [.guilds, .guildMessages], properties: GatewayConnectionProperties(os: "linux"))

    init(encoding: GatewayEncoding = .json, compression: GatewayCompression = .none) throws {
        var configuration = GatewayConfiguration(url: Self.proxyURL, encoding: encoding, compression: compression)
        configuration.deliversHandledPayloads = true
        client = try GatewayConnection(configuration: configuration, random: SplitMix64(seed: 1))
        proxyConfiguration = GatewayProxyConfiguration(upstreamURL: Self.upstreamURL, proxyURL: Self.proxyURL)
        proxy = GatewayProxyConnection(configuration: proxyConfiguration, random: SplitMix64(seed: 2))
        serverConfiguration = GatewayServerConfiguration(resumeURL: Self.resumeURL)
        server = GatewayServerConnection(configuration: serverConfiguration, random: SplitMix64(seed: 3))
    }

    /// A new client connection, through a new proxy connection.
    mutating func connect() {
        proxy = GatewayProxyConnection(configuration: proxyConfiguration, random: SplitMix64(seed: random.next()))
        botOpen = true
        upstreamOpen = false
        toProxyFromBot(client.connect())
    }

    /// The client answers HELLO.
    mutating func identifyOrResume() throws {
        toProxyFromBot(try client.identifyOrResume(Self.identify, now: now))
    }

    // MARK: Moving bytes

    mutating func toProxyFromBot(_ bytes: [UInt8]) {
        guard botOpen, !bytes.isEmpty else { return }
        perform(proxy.receiveFromBot(bytes, now: now))
    }

    mutating func toProxyFromServer(_ bytes: [UInt8]) {
        guard upstreamOpen, !bytes.isEmpty else { return }
        perform(proxy.receiveFromUpstream(bytes, now: now))
    }

    /// Carries out what the proxy asked for, then whatever that led to, until all are quiet.
    mutating func perform(_ output: GatewayProxyOutput) {
        drainProxy()
        if !output.toUpstream.isEmpty, upstreamOpen {
            let answer = server.receive(output.toUpstream, now: now)
            drainServer()
            toProxyFromServer(answer)
        }
        if output.closesUpstreamTransport, upstreamOpen {
            upstreamOpen = false
            server.receiveEndOfInput(now: now)
            drainServer()
        }
        if !output.toBot.isEmpty, botOpen {
            let answer = client.receive(output.toBot, now: now)
            drainClient()
            toProxyFromBot(answer)
        }
        if output.closesBotTransport, botOpen {
            botOpen = false
            client.receiveEndOfInput(now: now)
            drainClient()
        }
        if server.state == .closed, upstreamOpen {
            upstreamOpen = false
            perform(proxy.upstreamEndOfInput(now: now))
        }
    }

    /// Moves the clock to `time`, letting every party handle what is due.
    mutating func advance(to time: Duration) {
        while true {
            let due = [client.nextDeadline, proxy.nextDeadline, upstreamOpen ? server.nextDeadline : nil]
                .compactMap { $0 }.filter { $0 <= time }.min()
            guard let due else { break }
            now = max(now, due)
            if botOpen { toProxyFromBot(client.handleDeadline(now: now)) }
            perform(proxy.handleDeadline(now: now))
            if upstreamOpen {
                let fromServer = server.handleDeadline(now: now)
                drainServer()
                toProxyFromServer(fromServer)
                if server.state == .closed, upstreamOpen {
                    upstreamOpen = false
                    perform(proxy.upstreamEndOfInput(now: now))
                }
            }
        }
        now = max(now, time)
    }

    // MARK: Events

    private mutating func drainProxy() {
        while let event = proxy.nextEvent() {
            proxyEvents.append(event)
            switch event {
            case .upstreamNeeded:
                server = GatewayServerConnection(configuration: serverConfiguration, random: SplitMix64(seed: random.next()))
                upstreamOpen = true
                perform(proxy.upstreamConnected(now: now))
            case .resumeURLRewritten(let real, _):
                if let host = try? WebSocketURL(real).hostHeader { proxyConfiguration.resumeHosts.insert(host) }
            default:
                break
            }
        }
    }

    private mutating func drainServer() {
        while let event = server.nextEvent() {
            serverEvents.append(event)
            switch event {
            case .resumeRequested(let sessionID, _):
                let output: [UInt8]
                if let session = sessions[sessionID] {
                    output = (try? server.resume(session, now: now)) ?? []
                } else {
                    output = (try? server.invalidateSession(resumable: false, now: now)) ?? []
                }
                drainServer()
                toProxyFromServer(output)
            case .disconnected:
                if let session = server.session { sessions[session.id] = session }
            default:
                break
            }
        }
    }

    private mutating func drainClient() {
        while let event = client.nextEvent() { clientEvents.append(event) }
    }

    // MARK: Reading what happened

    /// Dispatch names the client received, in order.
    var clientDispatches: [String] {
        clientEvents.compactMap { event in
            if case .dispatch(let payload) = event { return payload.eventName }
            return nil
        }
    }

    /// The opcodes of the payloads the server received, in order.
    var serverReceivedOpcodes: [Int] {
        serverEvents.compactMap { event in
            if case .received(let payload) = event { return Int(payload.opcode.rawValue) }
            return nil
        }
    }

    /// The proxy's violations, with their side.
    var proxyViolations: [(GatewayProxySide, GatewayServerViolation)] {
        proxyEvents.compactMap { event in
            if case .violation(let side, let violation) = event { return (side, violation) }
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

    /// The server's last disconnect.
    var lastServerDisconnect: GatewayServerDisconnect? {
        for event in serverEvents.reversed() {
            if case .disconnected(let disconnect) = event { return disconnect }
        }
        return nil
    }
}
