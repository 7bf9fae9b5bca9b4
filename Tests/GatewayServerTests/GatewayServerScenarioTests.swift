import DiscordGateway
import GatewayCodecs
import GatewayServer
import Testing

/// The gateway's hard cases, played by the library's server against the library's client.
@Suite struct GatewayServerScenarioTests {
    static let formats: [(GatewayEncoding, GatewayCompression)] = [
        (.json, .none), (.json, .zlibStream), (.json, .zstdStream), (.etf, .none), (.etf, .zlibStream),
        (.etf, .zstdStream),
    ]

    /// Connects, HELLO, IDENTIFY, READY.
    static func identified(
        _ encoding: GatewayEncoding = .json, _ compression: GatewayCompression = .none, split: Bool = false,
        configure: (inout GatewayServerConfiguration) -> Void = { _ in }
    ) throws -> ServerPair {
        var pair = try ServerPair(encoding: encoding, compression: compression, split: split, configureServer: configure)
        pair.connect()
        try pair.identifyOrResume()
        return pair
    }

    @Test(arguments: 0..<6, [false, true])
    func aSessionStartsInEveryFormat(format: Int, split: Bool) throws {
        let (encoding, compression) = Self.formats[format]
        var pair = try Self.identified(encoding, compression, split: split)
        #expect(pair.server.state == .ready)
        #expect(pair.clientDispatches == ["READY"])
        let sessionID = try #require(pair.server.session?.id)
        #expect(pair.client.sessionID == sessionID)
        #expect(pair.client.resumeURL?.hasPrefix("ws://127.0.0.1:9") == true)
        pair.toClient(try pair.server.dispatch("GUILD_CREATE", ["id": "1", "name": "a guild", "channels": []], now: pair.now))
        #expect(pair.clientDispatches == ["READY", "GUILD_CREATE"])
        #expect(pair.client.sequence == 2)
        #expect(pair.violations.isEmpty)
        guard case .connected(let query)? = pair.serverEvents.first else {
            Issue.record("the first server event is not connected: \(pair.serverEvents)")
            return
        }
        #expect(query.encoding == encoding && query.compression == compression && query.version == 10)
    }

    @Test func heartbeatsAreAcknowledgedAndTimed() throws {
        var pair = try Self.identified()
        pair.advance(to: .seconds(200))
        let beats = pair.serverEvents.compactMap { event -> Duration? in
            if case .heartbeat(_, let sinceLast, let acknowledged) = event, acknowledged { return sinceLast }
            return nil
        }
        #expect(beats.count >= 4)
        // The first within one interval of HELLO (jittered), the others one interval apart.
        #expect(beats[0] <= .milliseconds(41_250))
        for beat in beats.dropFirst() { #expect(beat == .milliseconds(41_250)) }
        #expect(pair.client.state == .open)
        #expect(pair.client.latency == .zero)
    }

    @Test func reconnectIsAnsweredWithAResumeThatGetsTheMissedEvents() throws {
        var pair = try Self.identified()
        let sessionID = try #require(pair.server.session?.id)
        pair.toClient(try pair.server.requestReconnect(now: pair.now))
        // The client closes with a code that keeps the session; the server echoes.
        #expect(pair.lastClientDisconnect?.cause == .reconnectRequested)
        #expect(pair.lastClientDisconnect?.willResume == true)
        #expect(pair.server.state == .closed)
        var kept = try #require(pair.server.session)
        // Dispatches that happened while the client was away.
        _ = kept.record(name: "MESSAGE_CREATE", data: ["content": "hi"])
        _ = kept.record(name: "TYPING_START", data: ["channel_id": "1"])
        _ = pair.client.reconnect()
        pair.connect()
        try pair.identifyOrResume()
        #expect(pair.serverEvents.contains { event in
            if case .resumeRequested(let id, let sequence) = event { return id == sessionID && sequence == 1 }
            return false
        })
        pair.toClient(try pair.server.resume(kept, now: pair.now))
        #expect(pair.clientDispatches == ["READY", "MESSAGE_CREATE", "TYPING_START", "RESUMED"])
        #expect(pair.client.sequence == 4)
        #expect(pair.server.state == .ready)
    }

    @Test func anInvalidSessionThatCannotResumeMakesTheClientIdentifyAnew() throws {
        var pair = try Self.identified()
        pair.toClient(try pair.server.invalidateSession(resumable: false, now: pair.now))
        #expect(pair.lastClientDisconnect?.cause == .invalidSession(resumable: false))
        let wait = pair.client.reconnect()
        #expect(wait >= .seconds(1) && wait <= .seconds(5))
        pair.connect()
        try pair.identifyOrResume()
        #expect(pair.serverEvents.contains { if case .identified = $0 { return true } else { return false } })
        #expect(pair.clientDispatches == ["READY", "READY"])
    }

    @Test func aResumableInvalidSessionIsResumed() throws {
        var pair = try Self.identified()
        let kept = try #require(pair.server.session)
        pair.toClient(try pair.server.invalidateSession(resumable: true, now: pair.now))
        #expect(pair.lastClientDisconnect?.willResume == true)
        _ = pair.client.reconnect()
        pair.connect()
        try pair.identifyOrResume()
        pair.toClient(try pair.server.resume(kept, now: pair.now))
        #expect(pair.clientDispatches == ["READY", "RESUMED"])
    }

    @Test func aZombieConnectionIsClosedByTheClientAndResumed() throws {
        var pair = try Self.identified()
        pair.server.acknowledgesHeartbeats = false
        pair.advance(to: .seconds(100))
        #expect(pair.lastClientDisconnect?.cause == .zombieConnection)
        #expect(pair.lastClientDisconnect?.willResume == true)
        #expect(pair.lastClientDisconnect?.code != .normalClosure)
    }

    @Test func aServerHeartbeatRequestIsAnsweredAtOnce() throws {
        var pair = try Self.identified()
        let before = pair.serverEvents.count
        pair.toClient(try pair.server.requestHeartbeat(now: pair.now))
        #expect(pair.serverEvents[before...].contains { if case .heartbeat = $0 { return true } else { return false } })
    }

    @Test func aDropIsResumed() throws {
        var pair = try Self.identified()
        let kept = try #require(pair.server.session)
        pair.drop()
        #expect(pair.lastClientDisconnect?.cause == .endOfInput)
        _ = pair.client.reconnect()
        pair.connect()
        try pair.identifyOrResume()
        pair.toClient(try pair.server.resume(kept, now: pair.now))
        #expect(pair.clientDispatches == ["READY", "RESUMED"])
    }

    @Test(arguments: [4004, 4010, 4011, 4012, 4013, 4014] as [UInt16])
    func fatalCloseCodesStopTheClient(code: UInt16) throws {
        var pair = try Self.identified()
        pair.toClient(try pair.server.close(code: GatewayCloseCode(rawValue: code), now: pair.now))
        #expect(pair.lastClientDisconnect?.canReconnect == false)
    }

    @Test(arguments: [4000, 4001, 4002, 4003, 4005, 4008] as [UInt16])
    func resumableCloseCodesAreResumed(code: UInt16) throws {
        var pair = try Self.identified()
        pair.toClient(try pair.server.close(code: GatewayCloseCode(rawValue: code), now: pair.now))
        #expect(pair.lastClientDisconnect?.canReconnect == true)
        // 4001, 4003 and 4005 end the session (Discord's table); the others keep it.
        #expect(pair.lastClientDisconnect?.willResume == ![4001, 4003, 4005].contains(code))
    }

    @Test(arguments: [4001, 4003, 4005, 4007, 4009] as [UInt16])
    func closeCodesThatDoNotResumeEndTheSession(code: UInt16) throws {
        var pair = try Self.identified()
        #expect(pair.server.session != nil)
        pair.toClient(try pair.server.close(code: GatewayCloseCode(rawValue: code), now: pair.now))
        #expect(pair.server.session == nil)
        #expect(pair.lastClientDisconnect?.willResume == false)
    }

    @Test func aSecondIdentifyIsAlreadyAuthenticated() throws {
        var pair = try Self.identified()
        pair.toServer(try pair.client.identify(ServerPair.identify, now: pair.now))
        #expect(pair.violations.map(\.code) == [.alreadyAuthenticated])
        #expect(pair.lastClientDisconnect?.code == .alreadyAuthenticated)
    }

    @Test func aPresenceBeforeIdentifyIsNotAuthenticated() throws {
        var pair = try ServerPair()
        pair.connect()
        pair.toServer(try pair.client.updatePresence(GatewayPresence(status: "online"), now: pair.now))
        #expect(pair.violations.map(\.code) == [.notAuthenticated])
    }

    @Test func aRefusedTokenFailsAuthentication() throws {
        let pair = try Self.identified { $0.acceptedTokens = ["Bot another"] }
        #expect(pair.violations.map(\.code) == [.authenticationFailed])
        #expect(pair.lastClientDisconnect?.canReconnect == false)
        #expect(pair.violations.first.map { "\($0)" }?.contains("pair-token") == false)
    }

    @Test func privilegedIntentsCanBeDisallowed() throws {
        var pair = try ServerPair { $0.allowsPrivilegedIntents = false }
        pair.connect()
        var identify = ServerPair.identify
        identify.intents = [.guilds, .messageContent]
        pair.toServer(try pair.client.identify(identify, now: pair.now))
        #expect(pair.violations.map(\.code) == [.disallowedIntents])
    }

    @Test func tooManyPayloadsAreRateLimited() throws {
        var pair = try Self.identified { $0.receivesPerWindow = 3 }
        for _ in 0..<3 { pair.toServer(try pair.client.heartbeat(now: pair.now)) }
        #expect(pair.violations.map(\.code) == [.rateLimited])
        #expect(pair.lastClientDisconnect?.code == .rateLimited)
    }

    @Test func anUnknownAPIVersionIsClosed() throws {
        var pair = try ServerPair { $0.apiVersions = 9...9 }
        pair.connect()
        #expect(pair.violations.map(\.code) == [.invalidAPIVersion])
        #expect(pair.lastClientDisconnect?.canReconnect == false)
    }

    @Test func aHeldHelloGoesOutWhenReleasedAndStartsTheHeartbeatWatch() throws {
        var pair = try ServerPair()
        pair.server.holdsHello = true
        pair.toServer(pair.client.connect())
        #expect(pair.client.state == .awaitingHello)
        #expect(pair.server.nextDeadline == nil)
        pair.now = .seconds(5)
        pair.toClient(try pair.server.sendHello(now: pair.now))
        #expect(pair.client.state == .open)
        #expect(pair.server.nextDeadline == .seconds(5) + .milliseconds(41_250) + .seconds(5))
        #expect(throws: GatewayServerUsageError.self) { try pair.server.sendHello(now: pair.now) }
    }

    @Test func aHeldReadyGoesOutWithTheContentChosenAfterIdentify() throws {
        var pair = try ServerPair()
        pair.connect()
        pair.server.holdsReady = true
        try pair.identifyOrResume()
        #expect(pair.clientDispatches.isEmpty)
        guard case .identified(_, let sessionID)? = pair.serverEvents.last else {
            Issue.record("no identified event: \(pair.serverEvents)")
            return
        }
        #expect(throws: GatewayServerUsageError.self) { try pair.server.dispatch("GUILD_CREATE", [:], now: pair.now) }
        pair.server.readyContent.guildIDs = ["41", "42"]
        pair.toClient(try pair.server.sendReady(now: pair.now))
        #expect(pair.clientDispatches == ["READY"])
        let sentReady = pair.serverEvents.compactMap { event -> GatewayPayload? in
            if case .sent(let payload) = event, payload.eventName == "READY" { return payload }
            return nil
        }
        #expect(sentReady.map { $0.data["guilds"]?.arrayValue?.count } == [2])
        #expect(pair.client.sessionID == sessionID)
        #expect(pair.client.sequence == 1)
        #expect(throws: GatewayServerUsageError.self) { try pair.server.sendReady(now: pair.now) }
    }

    @Test func aHeldReadyGoesOutWhenReleasedWhileHeartbeatsAreAcknowledged() throws {
        var pair = try ServerPair()
        pair.connect()
        pair.server.holdsReady = true
        try pair.identifyOrResume()
        #expect(pair.server.state == .ready)
        #expect(pair.serverEvents.contains { if case .identified = $0 { return true } else { return false } })
        #expect(pair.clientDispatches.isEmpty)
        #expect(throws: GatewayServerUsageError.self) { try pair.server.dispatch("GUILD_CREATE", ["id": "1"], now: pair.now) }
        // The client heartbeats with no sequence yet, and is answered.
        pair.advance(to: .seconds(60))
        let beats = pair.serverEvents.compactMap { event -> (Int64?, Bool)? in
            if case .heartbeat(let sequence, _, let acknowledged) = event { return (sequence, acknowledged) }
            return nil
        }
        #expect(!beats.isEmpty && beats.allSatisfy { $0.0 == nil && $0.1 })
        #expect(pair.client.state == .open)
        pair.toClient(try pair.server.sendReady(now: pair.now))
        #expect(pair.clientDispatches == ["READY"])
        #expect(pair.client.sessionID == pair.server.session?.id)
        #expect(pair.client.sequence == 1)
        #expect(throws: GatewayServerUsageError.self) { try pair.server.sendReady(now: pair.now) }
        pair.toClient(try pair.server.dispatch("GUILD_CREATE", ["id": "1"], now: pair.now))
        #expect(pair.clientDispatches == ["READY", "GUILD_CREATE"])
    }

    @Test func theAcceptedRequestIsKeptAsSent() throws {
        var pair = try ServerPair()
        #expect(pair.server.request == nil)
        pair.connect()
        let request = try #require(pair.server.request)
        #expect(request.target == "/?v=10&encoding=json")
        #expect(request.path == "/")
        #expect(pair.server.query == GatewayConnectionQuery(version: 10, encoding: .json, compression: .none))
    }

    @Test func silenceTimesTheSessionOut() throws {
        var pair = try Self.identified()
        // The client stops heartbeating: only the server's deadlines run.
        var now = pair.now
        while let deadline = pair.server.nextDeadline, pair.server.state != .closed, now < .seconds(120) {
            now = deadline
            pair.toClient(pair.server.handleDeadline(now: now))
        }
        #expect(pair.violations.map(\.code) == [.sessionTimedOut])
        #expect(pair.lastClientDisconnect?.code == .sessionTimedOut)
    }
}
