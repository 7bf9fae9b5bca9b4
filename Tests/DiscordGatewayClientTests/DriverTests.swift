import DiscordGateway
import GatewayServer
import SeededRandom
import Testing

/// The session driver's exact action sequences, sans-I/O: no sockets, no clock, a server's real
/// bytes from GatewayServerConnection.
@Suite struct DriverTests {
    /// A driver and the server side of its current connection, wired by hand.
    struct Pair {
        var driver: GatewaySessionDriver
        var server: GatewayServerConnection
        var serverConfiguration: GatewayServerConfiguration
        var serverRandom = SplitMix64(seed: 5)
        var now: Duration = .zero

        init(policy: GatewaySessionDriver.Policy = .init(), configureServer: (inout GatewayServerConfiguration) -> Void = { _ in }) throws {
            let configuration = GatewayConfiguration(url: "wss://gateway.discord.gg", encoding: .json, compression: .none)
            let connection = try GatewayConnection(configuration: configuration, random: SplitMix64(seed: 1))
            driver = GatewaySessionDriver(connection: connection, identify: testIdentify(), policy: policy)
            var serverConfiguration = GatewayServerConfiguration(resumeURL: "wss://resume.discord.gg")
            configureServer(&serverConfiguration)
            self.serverConfiguration = serverConfiguration
            server = GatewayServerConnection(configuration: serverConfiguration, random: SplitMix64(seed: 9))
        }

        /// The bytes of the driver's writes (and the upgrade request of an open) go to the server;
        /// returns what the server wrote back.
        mutating func toServer(_ actions: [GatewaySessionAction]) -> [UInt8] {
            var answer: [UInt8] = []
            for action in actions {
                switch action {
                case .openConnection(_, _, _, let request):
                    server = GatewayServerConnection(configuration: serverConfiguration, random: SplitMix64(seed: serverRandom.next()))
                    answer += server.receive(request, now: now)
                case .write(let bytes):
                    answer += server.receive(bytes, now: now)
                default:
                    break
                }
            }
            return answer
        }

        /// The server's events so far.
        mutating func serverEvents() -> [GatewayServerEvent] {
            var events: [GatewayServerEvent] = []
            while let event = server.nextEvent() { events.append(event) }
            return events
        }
    }

    /// One line per action, exact enough to compare whole sequences.
    static func describe(_ actions: [GatewaySessionAction]) -> [String] {
        actions.map { action in
            switch action {
            case .openConnection(let host, let port, let usesTLS, _): "open \(host):\(port)\(usesTLS ? " tls" : "")"
            case .write: "write"
            case .closeConnection: "closeConnection"
            case .scheduleReconnect(let delay): "scheduleReconnect \(delay)"
            case .requestIdentifyPermission: "requestIdentifyPermission"
            case .finish(let failure): "finish \(failure.map(label) ?? "nil")"
            case .report(let report):
                switch report {
                case .connecting(let number, _): "report connecting \(number)"
                case .gateway(let event):
                    switch event {
                    case .upgraded: "report upgraded"
                    case .hello: "report hello"
                    case .dispatch(let payload): "report dispatch \(payload.eventName ?? "")"
                    case .disconnected(let disconnect): "report disconnected \(disconnect.code.map { "\($0.rawValue)" } ?? "-")"
                    default: "report \(event)"
                    }
                case .transportFailed: "report transportFailed"
                case .ended(let number, _, _, let upgraded): "report ended \(number)\(upgraded ? " upgraded" : "")"
                case .reconnecting(_, let willResume, let attempt): "report reconnecting \(willResume ? "resume" : "identify") \(attempt)"
                case .stopping(let reason): "report stopping \(reason)"
                }
            }
        }
    }

    /// A failure's case, and what it carries, in short.
    static func label(_ failure: GatewaySessionFailure) -> String {
        switch failure {
        case .fatalCloseCode(let code): "fatalCloseCode \(code.rawValue)"
        case .upgradeRejected(let rejection): "upgradeRejected \(rejection.statusCode)"
        case .unreachable(let problem): "unreachable \(problem)"
        case .disconnected(let disconnect, let upgraded): "disconnected \(disconnect.cause)\(upgraded ? " upgraded" : "")"
        case .identifyRefused(let error): "identifyRefused \(error.kind)"
        case .closeUnanswered: "closeUnanswered"
        }
    }

    /// The driver up to READY: returns the pair with READY delivered.
    static func ready(policy: GatewaySessionDriver.Policy = .init()) throws -> Pair {
        var pair = try Pair(policy: policy)
        let start = pair.driver.start(now: pair.now)
        let hello = pair.toServer(start)
        _ = pair.driver.connectionOpened(usesTLS: true, now: pair.now)
        _ = pair.driver.tlsHandshakeCompleted(now: pair.now)
        let identify = pair.driver.receive(hello, now: pair.now)
        let ready = pair.toServer(identify)
        #expect(describe(pair.driver.receive(ready, now: pair.now)) == ["report dispatch READY"])
        return pair
    }

    @Test func startOpensTheFirstConnection() throws {
        var pair = try Pair()
        let actions = pair.driver.start(now: .zero)
        #expect(Self.describe(actions) == ["report connecting 1", "open gateway.discord.gg:443 tls"])
        if case .report(.connecting(_, let url)) = actions.first {
            #expect(url.hasPrefix("wss://gateway.discord.gg"))
        }
        // A second start does nothing.
        #expect(pair.driver.start(now: .zero).isEmpty)
    }

    @Test func helloIsAnsweredWithIdentify() throws {
        var pair = try Pair()
        let hello = pair.toServer(pair.driver.start(now: pair.now))
        #expect(pair.driver.connectionOpened(usesTLS: true, now: pair.now).isEmpty)
        #expect(pair.driver.tlsHandshakeCompleted(now: pair.now).isEmpty)
        let actions = pair.driver.receive(hello, now: pair.now)
        #expect(Self.describe(actions) == ["report upgraded", "report hello", "write"])
        _ = pair.serverEvents()
        _ = pair.toServer(actions)
        let identified = pair.serverEvents().contains { event in
            if case .received(let payload) = event { payload.opcode == .identify && payload.data["token"]?.stringValue == testToken } else { false }
        }
        #expect(identified)
    }

    @Test func identifyWaitsForPermissionWhenThePolicySaysSo() throws {
        var policy = GatewaySessionDriver.Policy()
        policy.identifyNeedsPermission = true
        var pair = try Pair(policy: policy)
        let hello = pair.toServer(pair.driver.start(now: pair.now))
        _ = pair.driver.connectionOpened(usesTLS: true, now: pair.now)
        #expect(Self.describe(pair.driver.receive(hello, now: pair.now)) == ["report upgraded", "report hello", "requestIdentifyPermission"])
        let permitted = pair.driver.identifyPermitted(now: pair.now)
        #expect(Self.describe(permitted) == ["write"])
        // A second permission is not a second IDENTIFY.
        #expect(pair.driver.identifyPermitted(now: pair.now).isEmpty)
        _ = pair.serverEvents()
        let ready = pair.toServer(permitted)
        #expect(Self.describe(pair.driver.receive(ready, now: pair.now)) == ["report dispatch READY"])
    }

    @Test func closeCode4004FinishesWithTheFatalCode() throws {
        var pair = try Pair(configureServer: { $0.acceptedTokens = ["Bot another-token"] })
        let hello = pair.toServer(pair.driver.start(now: pair.now))
        _ = pair.driver.connectionOpened(usesTLS: true, now: pair.now)
        let close = pair.toServer(pair.driver.receive(hello, now: pair.now))
        #expect(Self.describe(pair.driver.receive(close, now: pair.now)) == ["write", "report disconnected 4004", "closeConnection"])
        #expect(Self.describe(pair.driver.endOfInput(now: pair.now)) == ["report ended 1 upgraded", "finish fatalCloseCode 4004"])
        #expect(pair.driver.isFinished)
    }

    @Test func aDropAfterReadyReconnectsToResume() throws {
        var pair = try Self.ready()
        let actions = pair.driver.endOfInput(now: pair.now)
        #expect(Self.describe(actions) == ["report disconnected -", "report ended 1 upgraded", "report reconnecting resume 1", "scheduleReconnect 0.0 seconds"])
        pair.now += .seconds(1)
        // READY's resume_gateway_url.
        #expect(Self.describe(pair.driver.reconnectTimerFired(now: pair.now)) == ["report connecting 2", "open resume.discord.gg:443 tls"])
    }

    @Test func stopClosesThenFinishesAtTheEndOfInput() throws {
        var pair = try Self.ready()
        let stop = pair.driver.stop(now: pair.now)
        #expect(Self.describe(stop) == ["report stopping requested", "write"])
        // The server echoes the close; the driver closes the socket, and its end finishes the session.
        let echo = pair.toServer(stop)
        #expect(Self.describe(pair.driver.receive(echo, now: pair.now)) == ["report disconnected 1000", "closeConnection"])
        #expect(Self.describe(pair.driver.endOfInput(now: pair.now)) == ["report ended 1 upgraded", "finish nil"])
        #expect(pair.driver.stop(now: pair.now).isEmpty)
    }

    @Test func stopWhileWaitingToReconnectFinishesAtOnce() throws {
        var pair = try Self.ready()
        _ = pair.driver.endOfInput(now: pair.now)
        #expect(Self.describe(pair.driver.stop(now: pair.now)) == ["report stopping requested", "finish nil"])
        #expect(pair.driver.reconnectTimerFired(now: pair.now).isEmpty)
    }
}
