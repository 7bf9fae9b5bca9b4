import DiscordGateway
import GatewayCodecs
import GatewayServer
import Testing

/// The flows of a gateway session, each driven with a hand-moved clock: against the library's
/// gateway server (``ServerHarness``) for what a correct gateway does, against the byte-level
/// ``FakeGateway`` for the bytes none sends (a response cut short, a refusal, malformed payloads).
@Suite struct GatewaySessionFlowTests {
    /// Connects, HELLO, IDENTIFY, READY (all delivered).
    static func identified() throws -> ServerHarness {
        var harness = try ServerHarness()
        try harness.openWithHello()
        harness.send(try harness.connection.identify(testIdentify, now: harness.now))
        harness.deliverUnread()
        return harness
    }

    @Test func connectRequestCarriesQueryParameters() throws {
        var harness = try ServerHarness(compression: .zlibStream) { $0.url = "wss://gateway.discord.gg/?foo=bar" }
        try harness.open()
        #expect(harness.server.request?.target == "/?foo=bar&v=10&encoding=json&compress=zlib-stream")
        #expect(harness.connection.destination == ("gateway.discord.gg", 443, true))
        #expect(harness.transcript() == ["upgraded"])
        #expect(harness.connection.state == .awaitingHello)
    }

    @Test func helloSchedulesJitteredThenRegularHeartbeats() throws {
        var harness = try ServerHarness(configureServer: { $0.heartbeatInterval = .milliseconds(41_250) })
        try harness.openWithHello()
        #expect(harness.transcript() == ["upgraded", "hello 41.25 seconds"])
        #expect(harness.connection.heartbeatInterval == .milliseconds(41_250))
        let first = try #require(harness.connection.nextDeadline)
        #expect(first >= .zero && first < .milliseconds(41_250))

        harness.advanceToDeadline()
        #expect(harness.clientPayloads.last == ["op": 1, "d": nil])
        #expect(harness.connection.nextDeadline == first + .milliseconds(41_250))

        // The server's ACK takes 120 ms to arrive.
        harness.now += .milliseconds(120)
        harness.deliverUnread()
        #expect(harness.transcript() == ["ack 0.12 seconds"])
        #expect(harness.connection.latency == .milliseconds(120))

        // A session, so that a dispatch can come; the next heartbeat carries its sequence.
        harness.send(try harness.connection.identify(testIdentify, now: harness.now))
        harness.deliver(try harness.server.dispatch("GUILD_CREATE", ["id": "1"], now: harness.now))
        harness.advanceToDeadline()
        let sequence = try #require(harness.session?.sequence)
        #expect(harness.clientPayloads.last == ["op": 1, "d": .integer(sequence)])
        #expect(harness.now == first + .milliseconds(41_250))
    }

    @Test func serverHeartbeatRequestIsAnsweredAtOnce() throws {
        var harness = try ServerHarness()
        try harness.openWithHello()
        _ = harness.events()
        let before = harness.clientPayloads.count
        harness.deliver(try harness.server.requestHeartbeat(now: harness.now))
        #expect(harness.clientPayloads.count == before + 1)
        #expect(harness.clientPayloads.last == ["op": 1, "d": nil])
        #expect(harness.transcript() == ["heartbeat requested"])
    }

    @Test func readyStoresSessionAndResumeURLWithParameters() throws {
        var harness = try ServerHarness(
            compression: .zlibStream, configureServer: { $0.resumeURL = "wss://gateway-us-east1-b.discord.gg" })
        try harness.openWithHello()
        harness.send(try harness.connection.identify(testIdentify, now: harness.now))
        let identify = try #require(harness.clientPayloads.last)
        #expect(identify["op"] == 2)
        #expect(identify["d"]?["token"] == "Bot secret-token")
        #expect(identify["d"]?["intents"] == 513)
        #expect(identify["d"]?["properties"] == ["os": "linux", "browser": "swift-discord-gateway", "device": "swift-discord-gateway"])
        harness.deliverUnread()
        let session = try #require(harness.session)
        #expect(harness.connection.sessionID == session.id)
        #expect(harness.connection.sequence == 1)
        #expect(harness.connection.resumeURL == "wss://gateway-us-east1-b.discord.gg/?v=10&encoding=json&compress=zlib-stream")
        #expect(harness.connection.shouldResume)
    }

    @Test func reconnectBeforeHelloClosesResumablyAndResumesAtTheResumeURL() throws {
        var harness = try Self.identified()
        harness.deliver(try harness.server.dispatch("MESSAGE_CREATE", ["content": "hi"], now: harness.now))
        _ = harness.events()
        let kept = try #require(harness.session)

        harness.deliver(try harness.server.requestReconnect(now: harness.now))
        #expect(harness.clientCloseCode == 4000)
        #expect(harness.connection.state == .closing)
        harness.deliverUnread()  // the echo
        #expect(harness.transcript() == ["reconnect requested", "disconnected client 4000 resume=true reconnect=true"])
        #expect(harness.connection.state == .closed)

        #expect(harness.connection.reconnect() == .zero)
        try harness.open()
        #expect(harness.server.request?.headers.contains { $0.name == "Host" && $0.value == "resume.discord.gg" } == true)
        #expect(harness.server.request?.target == "/?v=10&encoding=json")
        // RECONNECT may come even before HELLO.
        harness.deliver(try harness.server.requestReconnect(now: harness.now))
        #expect(harness.clientCloseCode == 4000)
        harness.deliverUnread()
        #expect(harness.connection.shouldResume)

        _ = harness.connection.reconnect()
        try harness.openWithHello()
        harness.send(try harness.connection.identifyOrResume(testIdentify, now: harness.now))
        #expect(kept.sequence == 2)
        #expect(
            harness.clientPayloads.last
                == ["op": 6, "d": ["token": "Bot secret-token", "session_id": .string(kept.id), "seq": .integer(kept.sequence)]])
    }

    @Test func invalidSessionResumableResumes() throws {
        var harness = try Self.identified()
        harness.deliver(try harness.server.invalidateSession(resumable: true, now: harness.now))
        #expect(harness.clientCloseCode == 4000)
        harness.deliverUnread()
        let summary = harness.transcript().suffix(2)
        #expect(Array(summary) == ["invalid session true", "disconnected client 4000 resume=true reconnect=true"])
    }

    @Test func invalidSessionNotResumableIdentifiesOnTheOriginalURLAfterAWait() throws {
        var harness = try Self.identified()
        harness.deliver(try harness.server.invalidateSession(resumable: false, now: harness.now))
        #expect(harness.connection.sessionID == nil)
        #expect(!harness.connection.shouldResume)
        harness.deliverUnread()
        let wait = harness.connection.reconnect()
        #expect(wait >= .seconds(1) && wait <= .seconds(5))
        try harness.openWithHello()
        #expect(harness.server.request?.headers.contains { $0.name == "Host" && $0.value == "gateway.discord.gg" } == true)
        harness.send(try harness.connection.identifyOrResume(testIdentify, now: harness.now))
        #expect(harness.clientPayloads.last?["op"] == 2)
    }

    @Test func zombieConnectionClosesResumably() throws {
        var harness = try Self.identified()
        harness.server.acknowledgesHeartbeats = false
        harness.advanceToDeadline()
        #expect(harness.clientPayloads.last?["op"] == 1)
        // No ACK: the next deadline finds the heartbeat unanswered.
        harness.advanceToDeadline()
        #expect(harness.clientCloseCode == 4000)
        #expect(harness.connection.state == .closing)
        // The server's echo never arrives (the connection is a zombie): the close deadline ends it.
        harness.advanceToDeadline()
        let last = try #require(harness.events().last)
        guard case .disconnected(let disconnect) = last else {
            Issue.record("expected a disconnect, got \(last.summary)")
            return
        }
        #expect(disconnect.cause == .zombieConnection)
        #expect(disconnect.willResume)
        #expect(harness.connection.nextDeadline == nil)
    }

    @Test func endOfInputWithoutCloseIsResumable() throws {
        var harness = try Self.identified()
        _ = harness.events()
        harness.connection.receiveEndOfInput(now: harness.now)
        #expect(harness.transcript() == ["disconnected transport - resume=true reconnect=true"])
    }

    @Test(arguments: [
        (UInt16(4000), true, true), (4001, true, false), (4002, true, true), (4003, true, false),
        (4004, false, false), (4005, true, false), (4007, true, false), (4008, true, true), (4009, true, false),
        (4010, false, false), (4011, false, false), (4012, false, false), (4013, false, false), (4014, false, false),
        (1000, true, true), (1001, true, true), (1011, true, true), (3000, true, true), (4999, true, true),
    ])
    func serverCloseCodesDecideReconnectAndResume(code: UInt16, reconnect: Bool, resume: Bool) throws {
        var harness = try Self.identified()
        _ = harness.events()
        harness.deliver(try harness.server.close(code: GatewayCloseCode(rawValue: code), reason: "bye", now: harness.now))
        #expect(harness.clientCloseCode == code)  // the echo
        #expect(harness.transcript() == ["disconnected server \(code) resume=\(resume) reconnect=\(reconnect)"])
        #expect(GatewayConnection.shouldReconnect(closeCode: code) == reconnect)
    }

    @Test func socketEndingBeforeTheUpgradeIsADroppedConnection() throws {
        var harness = try Harness()
        harness.server.receive(harness.connection.connect())
        harness.deliver(Array("HTTP/1.1 101 Switching".utf8))
        harness.connection.receiveEndOfInput(now: harness.now)
        #expect(harness.transcript() == ["disconnected transport - resume=false reconnect=true"])
    }

    @Test func rejectedUpgradeSurfacesStatusHeadersAndBody() throws {
        var harness = try Harness()
        harness.server.receive(harness.connection.connect())
        let body = #"{"message": "401: Unauthorized", "code": 0}"#
        harness.deliver(Array("HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8))
        let events = harness.events()
        guard case .rejected(let rejection) = events.first else {
            Issue.record("expected a rejection, got \(events.map(\.summary))")
            return
        }
        #expect(rejection.statusCode == 401)
        #expect(rejection.body == Array(body.utf8))
        #expect(events.last?.summary == "disconnected server - resume=false reconnect=true")
    }

    @Test func unknownOpcodesAndEventsAreDelivered() throws {
        var harness = try Self.identified()
        _ = harness.events()
        harness.deliver(try harness.server.send(opcode: GatewayOpcode(rawValue: 42), data: ["x": 1], now: harness.now))
        harness.deliver(try harness.server.dispatch("SOMETHING_NEW", ["y": 2], now: harness.now))
        let sequence = try #require(harness.session?.sequence)
        #expect(harness.transcript() == ["payload 42", "dispatch SOMETHING_NEW \(sequence)"])
        #expect(harness.connection.state == .open)
    }

    @Test(arguments: [#"[1,2]"#, #"{"d":null}"#, #"{"op":"1"}"#, #"{"op":1.5}"#, #"{"op":0,"s":"x"}"#, "{", "nul"])
    func malformedPayloadsCloseWithDecodeError(text: String) throws {
        var harness = try Harness()
        try harness.openWithHello()
        _ = harness.events()
        harness.deliver(FakeGateway.frame(opcode: 1, Array(text.utf8)))
        #expect(harness.server.closeCode == 4002)
        harness.deliver(FakeGateway.close(4002))
        let events = harness.events()
        guard case .disconnected(let disconnect) = events.last, case .undecodablePayload = disconnect.cause else {
            Issue.record("expected an undecodable-payload disconnect, got \(events.map(\.summary))")
            return
        }
        #expect(disconnect.willResume == false)  // no session yet
    }

    @Test func oldTimersNeverFireOnANewConnection() throws {
        var harness = try ServerHarness()
        try harness.openWithHello()
        #expect(harness.connection.nextDeadline != nil)
        harness.connection.receiveEndOfInput(now: harness.now)
        _ = harness.connection.reconnect()
        #expect(harness.connection.nextDeadline == nil)
        try harness.open()
        // Only the HELLO timeout runs until HELLO arrives; no heartbeat goes out.
        harness.now += .seconds(10)
        #expect(harness.connection.handleDeadline(now: harness.now).isEmpty)
        #expect(harness.clientFrames.isEmpty)
    }

    @Test func helloTimeoutClosesTheConnection() throws {
        var harness = try ServerHarness()
        try harness.open()
        harness.advanceToDeadline()
        #expect(harness.clientCloseCode == 4000)
    }

    @Test func backoffGrowsUntilReadyResetsIt() throws {
        var harness = try ServerHarness()
        var waits: [Duration] = []
        for _ in 0..<5 {
            try harness.open()
            harness.connection.receiveEndOfInput(now: harness.now)
            waits.append(harness.connection.reconnect())
        }
        #expect(waits[0] == .zero)
        #expect(waits[1] >= .milliseconds(500) && waits[1] <= .seconds(1))
        #expect(waits[4] >= .seconds(4) && waits[4] <= .seconds(8))
        try harness.openWithHello()
        harness.send(try harness.connection.identify(testIdentify, now: harness.now))
        harness.deliverUnread()
        #expect(harness.connection.sessionID != nil)
        harness.connection.receiveEndOfInput(now: harness.now)
        #expect(harness.connection.reconnect() == .zero)
    }

    @Test func clientCloseWith1000EndsTheSession() throws {
        var harness = try Self.identified()
        harness.send(try harness.connection.close(now: harness.now))
        #expect(harness.connection.isClosing)
        #expect(harness.clientCloseCode == 1000)
        harness.deliverUnread()
        #expect(harness.transcript().last == "disconnected client 1000 resume=false reconnect=true")
        #expect(throws: GatewaySendError.self) { try harness.connection.heartbeat(now: harness.now) }
    }

    @Test func clientCloseWithOtherCodeKeepsTheSession() throws {
        var harness = try Self.identified()
        harness.send(try harness.connection.close(code: GatewayCloseCode(rawValue: 4000), now: harness.now))
        harness.deliverUnread()
        #expect(harness.transcript().last == "disconnected client 4000 resume=true reconnect=true")
    }
}
