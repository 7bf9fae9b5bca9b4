import DiscordGateway
import GatewayCodecs
import Testing

/// The flows of a gateway session, each driven through a fake gateway with a hand-moved clock.
@Suite struct GatewaySessionFlowTests {
    @Test func connectRequestCarriesQueryParameters() throws {
        var harness = try Harness(compression: .zlibStream) { $0.url = "wss://gateway.discord.gg/?foo=bar" }
        try harness.open()
        #expect(harness.server.target == "/?foo=bar&v=10&encoding=json&compress=zlib-stream")
        #expect(harness.connection.destination == ("gateway.discord.gg", 443, true))
        #expect(harness.transcript() == ["upgraded"])
        #expect(harness.connection.state == .awaitingHello)
    }

    @Test func helloSchedulesJitteredThenRegularHeartbeats() throws {
        var harness = try Harness()
        try harness.openWithHello(interval: 41_250)
        #expect(harness.transcript() == ["upgraded", "hello 41.25 seconds"])
        #expect(harness.connection.heartbeatInterval == .milliseconds(41_250))
        let first = try #require(harness.connection.nextDeadline)
        #expect(first >= .zero && first < .milliseconds(41_250))

        harness.advanceToDeadline()
        #expect(harness.server.payloads.last == ["op": 1, "d": nil])
        #expect(harness.connection.nextDeadline == first + .milliseconds(41_250))

        harness.now += .milliseconds(120)
        harness.deliver(try harness.server.op(11))
        #expect(harness.transcript() == ["ack 0.12 seconds"])
        #expect(harness.connection.latency == .milliseconds(120))

        harness.deliver(try harness.server.dispatch("GUILD_CREATE", ["id": "1"]))
        harness.advanceToDeadline()
        #expect(harness.server.payloads.last == ["op": 1, "d": 1])
        #expect(harness.now == first + .milliseconds(41_250))
    }

    @Test func serverHeartbeatRequestIsAnsweredAtOnce() throws {
        var harness = try Harness()
        try harness.openWithHello()
        _ = harness.events()
        let before = harness.server.payloads.count
        harness.deliver(try harness.server.op(1))
        #expect(harness.server.payloads.count == before + 1)
        #expect(harness.server.payloads.last == ["op": 1, "d": nil])
        #expect(harness.transcript() == ["heartbeat requested"])
    }

    @Test func readyStoresSessionAndResumeURLWithParameters() throws {
        var harness = try Harness(compression: .zlibStream)
        try harness.openWithHello()
        harness.send(try harness.connection.identify(testIdentify, now: harness.now))
        let identify = try #require(harness.server.payloads.last)
        #expect(identify["op"] == 2)
        #expect(identify["d"]?["token"] == "Bot secret-token")
        #expect(identify["d"]?["intents"] == 513)
        #expect(identify["d"]?["properties"] == ["os": "linux", "browser": "swift-discord-gateway", "device": "swift-discord-gateway"])
        harness.deliver(try harness.server.ready(sessionID: "s1", resumeURL: "wss://gateway-us-east1-b.discord.gg"))
        #expect(harness.connection.sessionID == "s1")
        #expect(harness.connection.sequence == 1)
        #expect(harness.connection.resumeURL == "wss://gateway-us-east1-b.discord.gg/?v=10&encoding=json&compress=zlib-stream")
        #expect(harness.connection.shouldResume)
    }

    @Test func reconnectBeforeHelloClosesResumablyAndResumesAtTheResumeURL() throws {
        var harness = try Harness()
        try harness.openWithHello()
        harness.send(try harness.connection.identify(testIdentify, now: harness.now))
        harness.deliver(try harness.server.ready(sessionID: "s1"))
        harness.deliver(try harness.server.dispatch("MESSAGE_CREATE", ["content": "hi"]))
        _ = harness.events()

        harness.deliver(try harness.server.op(7))
        #expect(harness.server.closeCode == 4000)
        #expect(harness.connection.state == .closing)
        harness.deliver(FakeGateway.close(4000))
        #expect(harness.transcript() == ["reconnect requested", "disconnected client 4000 resume=true reconnect=true"])
        #expect(harness.connection.state == .closed)

        #expect(harness.connection.reconnect() == .zero)
        try harness.open()
        #expect(harness.server.request?.contains("Host: resume.discord.gg\r\n") == true)
        #expect(harness.server.target == "/?v=10&encoding=json")
        // RECONNECT may come even before HELLO.
        harness.deliver(try harness.server.op(7))
        #expect(harness.server.closeCode == 4000)
        harness.deliver(FakeGateway.close(4000))
        #expect(harness.connection.shouldResume)

        _ = harness.connection.reconnect()
        try harness.openWithHello()
        harness.send(try harness.connection.identifyOrResume(testIdentify, now: harness.now))
        #expect(harness.server.payloads.last == ["op": 6, "d": ["token": "Bot secret-token", "session_id": "s1", "seq": 2]])
    }

    @Test func invalidSessionResumableResumes() throws {
        var harness = try Harness()
        try harness.openWithHello()
        harness.deliver(try harness.server.ready(sessionID: "s1"))
        harness.deliver(try harness.server.op(9, true))
        #expect(harness.server.closeCode == 4000)
        harness.deliver(FakeGateway.close(4000))
        let summary = harness.transcript().suffix(2)
        #expect(Array(summary) == ["invalid session true", "disconnected client 4000 resume=true reconnect=true"])
    }

    @Test func invalidSessionNotResumableIdentifiesOnTheOriginalURLAfterAWait() throws {
        var harness = try Harness()
        try harness.openWithHello()
        harness.deliver(try harness.server.ready(sessionID: "s1"))
        harness.deliver(try harness.server.op(9, false))
        #expect(harness.connection.sessionID == nil)
        #expect(!harness.connection.shouldResume)
        harness.deliver(FakeGateway.close(1000))
        let wait = harness.connection.reconnect()
        #expect(wait >= .seconds(1) && wait <= .seconds(5))
        try harness.openWithHello()
        #expect(harness.server.request?.contains("Host: gateway.discord.gg\r\n") == true)
        harness.send(try harness.connection.identifyOrResume(testIdentify, now: harness.now))
        #expect(harness.server.payloads.last?["op"] == 2)
    }

    @Test func zombieConnectionClosesResumably() throws {
        var harness = try Harness()
        try harness.openWithHello()
        harness.deliver(try harness.server.ready(sessionID: "s1"))
        harness.advanceToDeadline()
        #expect(harness.server.payloads.last?["op"] == 1)
        // No ACK: the next deadline finds the heartbeat unanswered.
        harness.advanceToDeadline()
        #expect(harness.server.closeCode == 4000)
        #expect(harness.connection.state == .closing)
        // The server never echoes: the close deadline ends the connection.
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
        var harness = try Harness()
        try harness.openWithHello()
        harness.deliver(try harness.server.ready(sessionID: "s1"))
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
        var harness = try Harness()
        try harness.openWithHello()
        harness.deliver(try harness.server.ready(sessionID: "s1"))
        _ = harness.events()
        harness.deliver(FakeGateway.close(code, "bye"))
        #expect(harness.server.closeCode == code)  // the echo
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
        var harness = try Harness()
        try harness.openWithHello()
        _ = harness.events()
        harness.deliver(try harness.server.op(42, ["x": 1]))
        harness.deliver(try harness.server.dispatch("SOMETHING_NEW", ["y": 2]))
        #expect(harness.transcript() == ["payload 42", "dispatch SOMETHING_NEW 1"])
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
        var harness = try Harness()
        try harness.openWithHello()
        #expect(harness.connection.nextDeadline != nil)
        harness.connection.receiveEndOfInput(now: harness.now)
        _ = harness.connection.reconnect()
        #expect(harness.connection.nextDeadline == nil)
        try harness.open()
        // Only the HELLO timeout runs until HELLO arrives; no heartbeat goes out.
        harness.now += .seconds(10)
        #expect(harness.connection.handleDeadline(now: harness.now).isEmpty)
        #expect(harness.server.frames.isEmpty)
    }

    @Test func helloTimeoutClosesTheConnection() throws {
        var harness = try Harness()
        try harness.open()
        harness.advanceToDeadline()
        #expect(harness.server.closeCode == 4000)
    }

    @Test func backoffGrowsUntilReadyResetsIt() throws {
        var harness = try Harness()
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
        harness.deliver(try harness.server.ready())
        harness.connection.receiveEndOfInput(now: harness.now)
        #expect(harness.connection.reconnect() == .zero)
    }

    @Test func clientCloseWith1000EndsTheSession() throws {
        var harness = try Harness()
        try harness.openWithHello()
        harness.deliver(try harness.server.ready(sessionID: "s1"))
        harness.send(try harness.connection.close(now: harness.now))
        #expect(harness.connection.isClosing)
        #expect(harness.server.closeCode == 1000)
        harness.deliver(FakeGateway.close(1000))
        #expect(harness.transcript().last == "disconnected client 1000 resume=false reconnect=true")
        #expect(throws: GatewaySendError.self) { try harness.connection.heartbeat(now: harness.now) }
    }

    @Test func clientCloseWithOtherCodeKeepsTheSession() throws {
        var harness = try Harness()
        try harness.openWithHello()
        harness.deliver(try harness.server.ready(sessionID: "s1"))
        harness.send(try harness.connection.close(code: GatewayCloseCode(rawValue: 4000), now: harness.now))
        harness.deliver(FakeGateway.close(4000))
        #expect(harness.transcript().last == "disconnected client 4000 resume=true reconnect=true")
    }
}
