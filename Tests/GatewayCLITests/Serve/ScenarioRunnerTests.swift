import DiscordGateway
import GatewayServer
import SeededRandom
import Testing

@testable import GatewayCLI

/// The library's client as a well-behaved bot against the scenario runner, in memory, with a
/// clock moved by hand: every scenario must pass; a bot that cuts corners must fail the check
/// that catches it.
@Suite struct ScenarioRunnerTests {
    /// One bot, its connections to the runner, and the clock.
    struct Simulation {
        var runner: ScenarioRunner
        var bot: GatewayConnection
        var now: Duration = .zero
        var connection = 0
        var transportOpen = false
        var reconnectAt: Duration?
        /// Whether the bot honours the wait `reconnect()` returns (a sloppy bot does not).
        var waitsBeforeReconnecting = true
        /// Payloads the bot sends at once when its first session is READY (a flooding bot).
        var floodOnReady = 0

        init(_ scenarios: [Scenario], sendsPerWindow: Int = 120) throws {
            var server = GatewayServerConfiguration(resumeURL: "ws://127.0.0.1:9")
            server.heartbeatInterval = .seconds(2)
            runner = ScenarioRunner(
                scenarios: scenarios, configuration: server, timeout: .seconds(15), random: SplitMix64(seed: 4))
            var configuration = GatewayConfiguration(url: "ws://127.0.0.1:9", encoding: .json, compression: .zlibStream)
            configuration.deliversHandledPayloads = true
            configuration.sendsPerWindow = sendsPerWindow
            bot = try GatewayConnection(configuration: configuration, random: SplitMix64(seed: 8))
        }

        mutating func connect() {
            connection += 1
            transportOpen = true
            perform(runner.opened(connection, now: now))
            toServer(bot.connect())
        }

        mutating func toServer(_ bytes: [UInt8]) {
            guard !bytes.isEmpty, transportOpen else { return }
            let id = connection
            perform(bytes.withUnsafeBytes { runner.received(id, $0, now: now) })
        }

        mutating func perform(_ actions: [ServeAction]) {
            for action in actions {
                switch action {
                case .write(let id, let bytes):
                    guard id == connection, transportOpen else { continue }
                    let answer = bot.receive(bytes, now: now)
                    toServer(answer)
                    drainBot()
                case .closeTransport(let id):
                    guard id == connection, transportOpen else { continue }
                    endTransport()
                }
            }
        }

        mutating func endTransport() {
            guard transportOpen else { return }
            transportOpen = false
            bot.receiveEndOfInput(now: now)
            drainBot()
            let id = connection
            perform(runner.endOfInput(id, now: now))
        }

        mutating func drainBot() {
            while let event = bot.nextEvent() {
                switch event {
                case .hello:
                    if let bytes = try? bot.identifyOrResume(
                        GatewayIdentify(token: "Bot t", intents: [.guilds], properties: .init(os: "linux")), now: now)
                    {
                        toServer(bytes)
                    }
                case .dispatch(let payload) where payload.eventName == "READY" && floodOnReady > 0:
                    let count = floodOnReady
                    floodOnReady = 0
                    for _ in 0..<count {
                        guard transportOpen, let bytes = try? bot.send(opcode: .presenceUpdate, data: Self.presence, now: now)
                        else { break }
                        toServer(bytes)
                    }
                case .disconnected(let disconnect):
                    if transportOpen { endTransport() }
                    if disconnect.canReconnect {
                        let wait = bot.reconnect()
                        reconnectAt = now + (waitsBeforeReconnecting ? wait : .zero)
                    }
                default:
                    break
                }
            }
        }

        /// Runs until every scenario was played or `limit`.
        mutating func run(until limit: Duration) {
            connect()
            while !runner.isFinished {
                let candidates = [runner.nextDeadline, transportOpen ? bot.nextDeadline : nil, reconnectAt].compactMap { $0 }
                guard let next = candidates.min(), next <= limit else { break }
                now = max(now, next)
                if let at = reconnectAt, at <= now {
                    reconnectAt = nil
                    connect()
                }
                if transportOpen, let deadline = bot.nextDeadline, deadline <= now {
                    toServer(bot.handleDeadline(now: now))
                    drainBot()
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

    @Test func scenarioNamesRoundTrip() {
        for scenario in Scenario.all { #expect(Scenario(name: scenario.name) == scenario) }
        #expect(Scenario(name: "close-4006") == nil)
        #expect(Scenario.all.last?.keepsBotAway == true)
        #expect(Scenario.all.first == .normal)
    }
}
