import DiscordGateway
import GatewayCodecs
import GatewayServer
import SeededRandom
import Testing
import WebSocketProtocol

@testable import GatewayCLI

/// The library's client as a bot, through the proxy runner, to the library's server, in memory,
/// with a clock moved by hand: the runner's actions are carried out as a driver would.
@Suite struct ProxyRunnerTests {
    struct Relay {
        var runner: ProxyRunner
        var bot: GatewayConnection
        var servers: [Int: GatewayServerConnection] = [:]
        var sessions: [String: GatewayServerSession] = [:]
        var now: Duration = .zero
        var connection = 0
        var botOpen = false
        var reconnectAt: Duration?
        var injected: [String] = []
        var upstreamHosts: [String] = []
        private var seeds = SplitMix64(seed: 12)

        init(_ injections: [String]) throws {
            var configuration = GatewayProxyConfiguration(upstreamURL: "ws://gateway.upstream.test", proxyURL: "ws://127.0.0.1:7")
            configuration.closeTimeout = .seconds(1)
            runner = ProxyRunner(
                configuration: configuration, injections: try injections.map { try ProxyInjection(parsing: $0) },
                random: SplitMix64(seed: 5))
            var client = GatewayConfiguration(url: "ws://127.0.0.1:7", encoding: .json, compression: .zlibStream)
            client.deliversHandledPayloads = true
            bot = try GatewayConnection(configuration: client, random: SplitMix64(seed: 6))
        }

        mutating func connect() {
            connection += 1
            botOpen = true
            perform(runner.opened(connection, now: now))
            let id = connection
            let request = bot.connect()
            perform(request.withUnsafeBytes { runner.fromBot(id, $0, now: now) })
        }

        mutating func perform(_ actions: [ProxyAction]) {
            drainRunner()
            for action in actions {
                switch action {
                case .openUpstream(let id, let url):
                    upstreamHosts.append(url.host)
                    var configuration = GatewayServerConfiguration(resumeURL: "ws://resume.upstream.test")
                    configuration.heartbeatInterval = .seconds(2)
                    servers[id] = GatewayServerConnection(configuration: configuration, random: SplitMix64(seed: seeds.next()))
                    perform(runner.upstreamConnected(id, now: now))
                case .writeUpstream(let id, let bytes):
                    guard var server = servers.removeValue(forKey: id) else { continue }
                    let answer = server.receive(bytes, now: now)
                    servers[id] = server
                    // What the server wrote goes first: its events may make it write more after it.
                    if !answer.isEmpty { perform(answer.withUnsafeBytes { runner.fromUpstream(id, $0, now: now) }) }
                    drainServer(id)
                    endServerIfClosed(id)
                case .closeUpstream(let id):
                    guard var server = servers.removeValue(forKey: id) else { continue }
                    server.receiveEndOfInput(now: now)
                    servers[id] = server
                    drainServer(id)
                    servers[id] = nil
                    perform(runner.upstreamEnded(id, now: now))
                case .writeBot(let id, let bytes):
                    guard id == connection, botOpen else { continue }
                    let answer = bot.receive(bytes, now: now)
                    drainBot()
                    if !answer.isEmpty, botOpen { perform(answer.withUnsafeBytes { runner.fromBot(id, $0, now: now) }) }
                case .closeBot(let id):
                    guard id == connection, botOpen else { continue }
                    endBot()
                }
            }
        }

        mutating func endBot() {
            guard botOpen else { return }
            botOpen = false
            bot.receiveEndOfInput(now: now)
            drainBot()
            let id = connection
            perform(runner.botEnded(id, now: now))
        }

        mutating func endServerIfClosed(_ id: Int) {
            guard servers[id]?.state == .closed else { return }
            servers[id] = nil
            perform(runner.upstreamEnded(id, now: now))
        }

        mutating func drainServer(_ id: Int) {
            while let event = servers[id]?.nextEvent() {
                switch event {
                case .identified:
                    guard var server = servers.removeValue(forKey: id) else { continue }
                    let guild = (try? server.dispatch("GUILD_CREATE", ["id": "1", "name": "g", "channels": []], now: now)) ?? []
                    servers[id] = server
                    if !guild.isEmpty { perform(guild.withUnsafeBytes { runner.fromUpstream(id, $0, now: now) }) }
                case .resumeRequested(let sessionID, _):
                    guard var server = servers.removeValue(forKey: id) else { continue }
                    let answer = sessions[sessionID].flatMap { try? server.resume($0, now: now) } ?? []
                    servers[id] = server
                    if !answer.isEmpty { perform(answer.withUnsafeBytes { runner.fromUpstream(id, $0, now: now) }) }
                case .disconnected:
                    if let session = servers[id]?.session { sessions[session.id] = session }
                default:
                    break
                }
            }
        }

        mutating func drainBot() {
            while let event = bot.nextEvent() {
                switch event {
                case .hello:
                    let identify = GatewayIdentify(token: "Bot relay-token", intents: [.guilds], properties: .init(os: "linux"))
                    if let bytes = try? bot.identifyOrResume(identify, now: now) {
                        let id = connection
                        perform(bytes.withUnsafeBytes { runner.fromBot(id, $0, now: now) })
                    }
                case .disconnected(let disconnect):
                    if botOpen { endBot() }
                    if disconnect.canReconnect { reconnectAt = now + bot.reconnect() }
                default:
                    break
                }
            }
        }

        mutating func drainRunner() {
            while let event = runner.nextEvent() {
                if case .injected(_, let injection) = event { injected.append(injection.text) }
            }
        }

        /// Runs until `limit`: the bot's timers, its reconnects, the servers' and the runner's deadlines.
        mutating func run(until limit: Duration) {
            connect()
            while true {
                var candidates = [runner.nextDeadline, botOpen ? bot.nextDeadline : nil, reconnectAt].compactMap { $0 }
                candidates += servers.values.compactMap(\.nextDeadline)
                guard let next = candidates.min(), next <= limit else { break }
                now = max(now, next)
                if let at = reconnectAt, at <= now {
                    reconnectAt = nil
                    connect()
                }
                if botOpen, let deadline = bot.nextDeadline, deadline <= now {
                    let id = connection
                    let bytes = bot.handleDeadline(now: now)
                    drainBot()
                    if !bytes.isEmpty, botOpen { perform(bytes.withUnsafeBytes { runner.fromBot(id, $0, now: now) }) }
                }
                for id in servers.keys.sorted() {
                    guard var server = servers.removeValue(forKey: id) else { continue }
                    guard let deadline = server.nextDeadline, deadline <= now else {
                        servers[id] = server
                        continue
                    }
                    let bytes = server.handleDeadline(now: now)
                    servers[id] = server
                    if !bytes.isEmpty { perform(bytes.withUnsafeBytes { runner.fromUpstream(id, $0, now: now) }) }
                    drainServer(id)
                    endServerIfClosed(id)
                }
                if let deadline = runner.nextDeadline, deadline <= now { perform(runner.handleDeadline(now: now)) }
            }
        }
    }

    @Test func aReconnectAfterTwoDispatchesIsMadeOnceAndTheBotResumesAtTheRealHost() throws {
        var relay = try Relay(["reconnect@after=2"])
        relay.run(until: .seconds(30))
        #expect(relay.injected == ["reconnect@after=2"])
        #expect(relay.runner.pendingInjections.isEmpty)
        // The first connection went to the configured upstream, the resume to the host READY named.
        #expect(relay.upstreamHosts == ["gateway.upstream.test", "resume.upstream.test"])
        #expect(relay.runner.configuration.resumeHosts == ["resume.upstream.test"])
        #expect(relay.bot.sessionID != nil)
        #expect(relay.bot.state == .open)
    }

    @Test func faultsAtATimeAndOnAnEventFireWhereTheySay() throws {
        var relay = try Relay(["drop@at=10", "zombie@on=RESUMED"])
        relay.run(until: .seconds(60))
        #expect(relay.injected == ["drop@at=10", "zombie@on=RESUMED"])
        // Dropped at 10 s: the bot resumed; then its ACKs were withheld, so it closed and resumed again.
        #expect(relay.upstreamHosts.count == 3)
        #expect(relay.upstreamHosts.dropFirst().allSatisfy { $0 == "resume.upstream.test" })
        #expect(relay.bot.state == .open)
    }

    @Test func ctrlCClosesEveryBotWith1001() throws {
        var relay = try Relay([])
        relay.run(until: .seconds(5))
        relay.perform(relay.runner.closeAll(now: relay.now))
        #expect(relay.bot.lastDisconnect?.code?.rawValue == 1001)
        #expect(relay.runner.openConnections == 0)
    }
}
