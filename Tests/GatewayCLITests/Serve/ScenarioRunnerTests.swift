import DiscordGateway
import GatewayServer
import SeededRandom
import Testing

@testable import GatewayCLI

/// The library's client as a well-behaved bot against the scenario runner, in memory, with a
/// clock moved by hand: every scenario must pass; a bot that cuts corners must fail the check
/// that catches it.
@Suite struct ScenarioRunnerTests {
    /// One bot: the library's client, its current connection to the runner, and its habits.
    struct SimulatedBot {
        var client: GatewayConnection
        var identify: GatewayIdentify
        /// Its current connection's number (unique across bots), 0 before the first.
        var connection = 0
        var transportOpen = false
        var reconnectAt: Duration?
        /// Whether the bot honours the wait `reconnect()` returns (a sloppy bot does not).
        var waitsBeforeReconnecting = true
        /// Payloads the bot sends at once when its first session is READY (a flooding bot).
        var floodOnReady = 0
    }

    /// Bots, their connections to the runner, and the clock.
    struct Simulation {
        var runner: ScenarioRunner
        var bots: [SimulatedBot]
        var now: Duration = .zero
        var connections = 0

        /// One bot (token `Bot t`), or several: with `shards`, one bot's shards; otherwise bots
        /// with tokens of their own.
        init(
            _ scenarios: [Scenario], bots count: Int = 1, judged: Int? = nil, shards: Bool = false, sendsPerWindow: Int = 120
        ) throws {
            var server = GatewayServerConfiguration(resumeURL: "ws://127.0.0.1:9")
            server.heartbeatInterval = .seconds(2)
            runner = ScenarioRunner(
                scenarios: scenarios, configuration: server, timeout: .seconds(15), random: SplitMix64(seed: 4), bots: judged ?? count)
            var configuration = GatewayConfiguration(url: "ws://127.0.0.1:9", encoding: .json, compression: .zlibStream)
            configuration.deliversHandledPayloads = true
            configuration.sendsPerWindow = sendsPerWindow
            bots = try (0..<count).map { index in
                let identify = GatewayIdentify(
                    token: shards || index == 0 ? "Bot t" : "Bot t\(index)", intents: [.guilds], properties: .init(os: "linux"),
                    shard: shards ? GatewayShard(id: index, count: count) : nil)
                return SimulatedBot(
                    client: try GatewayConnection(configuration: configuration, random: SplitMix64(seed: 8 + UInt64(index))),
                    identify: identify)
            }
        }

        /// The first bot's habits, for one-bot tests.
        var waitsBeforeReconnecting: Bool {
            get { bots[0].waitsBeforeReconnecting }
            set { bots[0].waitsBeforeReconnecting = newValue }
        }
        var floodOnReady: Int {
            get { bots[0].floodOnReady }
            set { bots[0].floodOnReady = newValue }
        }

        mutating func connect(_ bot: Int) {
            connections += 1
            bots[bot].connection = connections
            bots[bot].transportOpen = true
            perform(runner.opened(connections, now: now))
            toServer(bot, bots[bot].client.connect())
        }

        mutating func toServer(_ bot: Int, _ bytes: [UInt8]) {
            guard !bytes.isEmpty, bots[bot].transportOpen else { return }
            let id = bots[bot].connection
            perform(bytes.withUnsafeBytes { runner.received(id, $0, now: now) })
        }

        mutating func perform(_ actions: [ServeAction]) {
            for action in actions {
                switch action {
                case .write(let id, let bytes):
                    guard let bot = bots.firstIndex(where: { $0.connection == id && $0.transportOpen }) else { continue }
                    let answer = bots[bot].client.receive(bytes, now: now)
                    toServer(bot, answer)
                    drain(bot)
                case .closeTransport(let id):
                    guard let bot = bots.firstIndex(where: { $0.connection == id && $0.transportOpen }) else { continue }
                    endTransport(bot)
                }
            }
        }

        mutating func endTransport(_ bot: Int) {
            guard bots[bot].transportOpen else { return }
            bots[bot].transportOpen = false
            bots[bot].client.receiveEndOfInput(now: now)
            drain(bot)
            let id = bots[bot].connection
            perform(runner.endOfInput(id, now: now))
        }

        mutating func drain(_ bot: Int) {
            while let event = bots[bot].client.nextEvent() {
                switch event {
                case .hello:
                    if let bytes = try? bots[bot].client.identifyOrResume(bots[bot].identify, now: now) {
                        toServer(bot, bytes)
                    }
                case .dispatch(let payload) where payload.eventName == "READY" && bots[bot].floodOnReady > 0:
                    let count = bots[bot].floodOnReady
                    bots[bot].floodOnReady = 0
                    for _ in 0..<count {
                        guard bots[bot].transportOpen,
                            let bytes = try? bots[bot].client.send(opcode: .presenceUpdate, data: Self.presence, now: now)
                        else { break }
                        toServer(bot, bytes)
                    }
                case .disconnected(let disconnect):
                    if bots[bot].transportOpen { endTransport(bot) }
                    if disconnect.canReconnect {
                        let wait = bots[bot].client.reconnect()
                        bots[bot].reconnectAt = now + (bots[bot].waitsBeforeReconnecting ? wait : .zero)
                    }
                default:
                    break
                }
            }
        }

        /// Runs until every scenario was played or `limit`; the bots start `stagger` apart.
        mutating func run(until limit: Duration, stagger: Duration = .zero) {
            for bot in bots.indices { bots[bot].reconnectAt = stagger * bot }
            while !runner.isFinished {
                var candidates = [runner.nextDeadline].compactMap { $0 }
                for bot in bots {
                    if bot.transportOpen, let deadline = bot.client.nextDeadline { candidates.append(deadline) }
                    if let at = bot.reconnectAt { candidates.append(at) }
                }
                guard let next = candidates.min(), next <= limit else { break }
                now = max(now, next)
                for bot in bots.indices {
                    if let at = bots[bot].reconnectAt, at <= now {
                        bots[bot].reconnectAt = nil
                        connect(bot)
                    }
                    if bots[bot].transportOpen, let deadline = bots[bot].client.nextDeadline, deadline <= now {
                        toServer(bot, bots[bot].client.handleDeadline(now: now))
                        drain(bot)
                    }
                }
                if let deadline = runner.nextDeadline, deadline <= now { perform(runner.handleDeadline(now: now)) }
            }
        }

        var failures: [ServeVerdict] { runner.verdicts.filter { !$0.passed } }

        static let presence: GatewayValue = ["since": nil, "activities": [], "status": "online", "afk": false]
    }

    @Test func aWellBehavedBotPassesEveryScenario() throws {
        let scenarios = Scenario.all.filter { !$0.keepsBotAway }
        var simulation = try Simulation(scenarios)
        simulation.run(until: .seconds(600))
        #expect(simulation.runner.isFinished)
        #expect(simulation.failures.isEmpty, "\(simulation.failures)")
        let decided = Set(simulation.runner.verdicts.map(\.scenario))
        #expect(decided == Set(scenarios.map(\.name)))
        let checks = Set(simulation.runner.verdicts.map(\.check))
        for check in [
            "the first heartbeat is jittered", "heartbeats every interval", "answers a heartbeat request at once",
            "closes without ending the session", "resumes the session", "resumes from the last sequence",
            "identifies anew", "waits 1-5 s before IDENTIFY", "takes a multi-megabyte READY and GUILD_CREATE burst",
            "waits for a slow HELLO", "keeps to 120 payloads per 60.0 seconds",
        ] {
            #expect(checks.contains(check), "no verdict for \(check)")
        }
    }

    @Test(arguments: [4004, 4010, 4011, 4012, 4013, 4014] as [UInt16])
    func aFatalCloseKeepsTheBotAway(code: UInt16) throws {
        var simulation = try Simulation([.normal, .close(GatewayCloseCode(rawValue: code))])
        simulation.run(until: .seconds(120))
        #expect(simulation.runner.isFinished)
        #expect(simulation.failures.isEmpty, "\(simulation.failures)")
        #expect(simulation.runner.verdicts.last?.check == "does not reconnect")
    }

    @Test func aBotThatDoesNotWaitAfterAnInvalidSessionFails() throws {
        var simulation = try Simulation([.invalidSession])
        simulation.waitsBeforeReconnecting = false
        simulation.run(until: .seconds(120))
        #expect(simulation.failures.map(\.check) == ["waits 1-5 s before IDENTIFY"])
    }

    @Test func aBotWithinTheRateLimitPassesAfterOneWindow() throws {
        var simulation = try Simulation([.rateLimit])
        simulation.floodOnReady = 100
        simulation.run(until: .seconds(120))
        #expect(simulation.runner.isFinished)
        #expect(simulation.failures.isEmpty, "\(simulation.failures)")
        let verdict = try #require(simulation.runner.verdicts.last)
        #expect(verdict.check == "keeps to 120 payloads per 60.0 seconds")
        // The client's own limiter keeps room for a window's heartbeats (one every 2 s), so not
        // all 100 presence updates go out, and the window stays under the limit.
        let counted = try #require(verdict.observed.split(separator: " ").first.flatMap { Int($0) })
        #expect(counted > 100 && counted < 120, "\(verdict.observed)")
        #expect(verdict.observed.hasSuffix(" in 60.0 seconds"))
        #expect(verdict.time == .seconds(60))
    }

    @Test func aFloodingBotIsClosedWith4008AndMustResume() throws {
        var simulation = try Simulation([.rateLimit], sendsPerWindow: 1000)
        simulation.floodOnReady = 130
        simulation.run(until: .seconds(120))
        #expect(simulation.runner.isFinished)
        #expect(simulation.failures.map(\.check) == ["keeps to 120 payloads per 60.0 seconds"])
        #expect(simulation.failures.first?.observed == "payload 121 within 60.0 seconds, 0.0 seconds into the scenario; closed with 4008")
        let passed = simulation.runner.verdicts.filter(\.passed).map(\.check)
        #expect(passed == ["resumes the session", "resumes the right session", "resumes from the last sequence"])
    }

    @Test func severalBotsAreJudgedEachOnItsOwn() throws {
        let scenarios: [Scenario] = [.normal, .reconnect, .invalidSession, .largeReady, .zombie, .drop, .rateLimit]
        var simulation = try Simulation(scenarios, bots: 3)
        simulation.run(until: .seconds(900), stagger: .milliseconds(700))
        #expect(simulation.runner.isFinished)
        #expect(simulation.failures.isEmpty, "\(simulation.failures)")
        for bot in 1...3 {
            let own = simulation.runner.verdicts.filter { $0.bot == bot }
            #expect(Set(own.map(\.scenario)) == Set(scenarios.map(\.name)), "bot \(bot)")
            #expect(own.filter { $0.check == "resumes the right session" }.count == 3, "bot \(bot)")
        }
        #expect(simulation.runner.verdicts.allSatisfy { $0.bot != nil })
    }

    @Test func theShardsOfOneBotAreJudgedApart() throws {
        var simulation = try Simulation([.normal, .reconnect], bots: 2, shards: true)
        simulation.run(until: .seconds(300), stagger: .seconds(1))
        #expect(simulation.runner.isFinished)
        #expect(simulation.failures.isEmpty, "\(simulation.failures)")
        #expect(Set(simulation.runner.verdicts.compactMap(\.bot)) == [1, 2])
        #expect(simulation.runner.bots.map(\.key.shard) == [GatewayShard(id: 0, count: 2), GatewayShard(id: 1, count: 2)])
    }

    @Test func aSloppyBotFailsAloneAmongSeveral() throws {
        var simulation = try Simulation([.normal, .invalidSession], bots: 2)
        simulation.bots[1].waitsBeforeReconnecting = false
        simulation.run(until: .seconds(300), stagger: .milliseconds(300))
        #expect(simulation.runner.isFinished)
        #expect(simulation.failures.map { "\($0.bot ?? 0) \($0.check)" } == ["2 waits 1-5 s before IDENTIFY"])
    }

    @Test func botsBeyondTheLimitAreServedButNotJudged() throws {
        var simulation = try Simulation([.normal, .reconnect], bots: 2, judged: 1)
        simulation.run(until: .seconds(300), stagger: .seconds(1))
        #expect(simulation.runner.isFinished)
        #expect(simulation.failures.isEmpty, "\(simulation.failures)")
        #expect(simulation.runner.bots.count == 1)
        #expect(simulation.runner.verdicts.allSatisfy { $0.bot == nil })
        // The second bot got its session all the same.
        #expect(simulation.bots[1].client.sessionID != nil)
    }

    @Test func scenarioNamesRoundTrip() {
        for scenario in Scenario.all { #expect(Scenario(name: scenario.name) == scenario) }
        #expect(Scenario(name: "close-4006") == nil)
        #expect(Scenario.all.last?.keepsBotAway == true)
        #expect(Scenario.all.first == .normal)
    }
}
