import DiscordGateway
import GatewayCodecs
import Testing
import WebSocketProtocol

/// Where a connection failed, as the library reports it: the frame that ended an undecodable
/// message, and where input that stopped short was cut. An inspector points at these bytes.
@Suite struct GatewayFailureLocationTests {
    /// The frame headers among `events`.
    static func frames(_ events: [GatewayEvent]) -> [WebSocketFrameHeader] {
        events.compactMap { event in
            if case .frame(let header) = event { return header }
            return nil
        }
    }

    @Test(arguments: [1, 3])
    func anUndecodableMessageNamesTheFrameThatEndedIt(fragments: Int) throws {
        var harness = try Harness { $0.reportsFrames = true }
        try harness.openWithHello()
        _ = harness.events()
        harness.deliver(FakeGateway.fragmented(Array(#"{"op":0,"d":{"a":[1,2,"#.utf8), opcode: 1, fragments: fragments))
        let frames = Self.frames(harness.events())
        #expect(frames.count == fragments)
        guard case .undecodablePayload(let error)? = harness.connection.closingCause else {
            Issue.record("expected the connection to be closing for the payload, not \(String(describing: harness.connection.closingCause))")
            return
        }
        #expect(error.frameOffset == frames.last?.offset)
        #expect(error.layer == .json)
        #expect(harness.server.closeCode == 4002)

        harness.deliver(FakeGateway.close(4002))
        guard case .disconnected(let disconnect) = harness.events().last,
            case .undecodablePayload(let reported) = disconnect.cause
        else {
            Issue.record("expected an undecodable-payload disconnect")
            return
        }
        #expect(reported == error)
        #expect(harness.connection.closingCause == nil)
    }

    @Test func aHelloWithoutAnIntervalNamesItsFrame() throws {
        var harness = try Harness { $0.reportsFrames = true }
        try harness.open()
        _ = harness.events()
        harness.deliver(try harness.server.op(10, ["heartbeat_interval": 0]))
        let frames = Self.frames(harness.events())
        guard case .undecodablePayload(let error)? = harness.connection.closingCause else {
            Issue.record("expected the connection to be closing for HELLO")
            return
        }
        #expect(error.layer == .gateway)
        #expect(error.frameOffset == frames.last?.offset)
    }

    @Test func otherClosesAreNotUndecodable() throws {
        var harness = try Harness()
        try harness.openWithHello()
        _ = harness.events()
        #expect(harness.connection.closingCause == nil)
        harness.deliver(try harness.server.op(7))
        #expect(harness.connection.closingCause == .reconnectRequested)
        #expect(harness.connection.heartbeatInterval == nil)  // heartbeats stopped with the close
    }

    @Test func inputCutInsideAFrameIsATruncatedDisconnect() throws {
        var harness = try Harness { $0.reportsFrames = true }
        try harness.openWithHello()
        _ = harness.events()
        let dispatch = try harness.server.dispatch("MESSAGE_CREATE", ["content": "hello there"])
        harness.deliver(Array(dispatch.prefix(dispatch.count - 5)))
        let header = try #require(Self.frames(harness.events()).last)
        harness.connection.receiveEndOfInput(now: harness.now)
        guard case .disconnected(let disconnect) = harness.events().last else {
            Issue.record("expected a disconnect")
            return
        }
        #expect(disconnect.cause == .endOfInput)
        #expect(disconnect.truncation == .framePayload(header: header, missing: 5))
    }

    @Test func inputCutInsideAHeaderOrTheResponseIsTruncatedToo() throws {
        var header = try Harness()
        try header.openWithHello()
        _ = header.events()
        let frame = try header.server.dispatch("TYPING_START", ["channel_id": "1"])
        header.deliver(Array(frame.prefix(1)))
        header.connection.receiveEndOfInput(now: header.now)
        guard case .disconnected(let cut)? = header.events().last else {
            Issue.record("expected a disconnect")
            return
        }
        guard case .frameHeader(_, let received)? = cut.truncation else {
            Issue.record("expected a cut header, got \(String(describing: cut.truncation))")
            return
        }
        #expect(received == 1)

        var response = try Harness()
        response.server.receive(response.connection.connect())
        response.deliver(Array(response.server.accept().prefix(20)))
        response.connection.receiveEndOfInput(now: response.now)
        guard case .disconnected(let early)? = response.events().last else {
            Issue.record("expected a disconnect")
            return
        }
        #expect(early.cause == .endOfInput)
        #expect(early.truncation == .handshake(received: 20))
    }

    @Test func aDropBetweenFramesIsNotTruncated() throws {
        var harness = try Harness()
        try harness.openWithHello()
        harness.deliver(try harness.server.ready())
        _ = harness.events()
        harness.connection.receiveEndOfInput(now: harness.now)
        guard case .disconnected(let disconnect)? = harness.events().last else {
            Issue.record("expected a disconnect")
            return
        }
        #expect(disconnect.truncation == nil)
        #expect(disconnect.willResume)
    }

    @Test func theSessionEndsWhole() throws {
        var harness = try Harness()
        try harness.openWithHello()
        harness.deliver(try harness.server.ready(sessionID: "s1"))
        #expect(harness.connection.sessionID == "s1")
        #expect(harness.connection.sequence == 1)
        #expect(harness.connection.resumeURL != nil)
        harness.deliver(try harness.server.op(9, false))
        #expect(harness.connection.sessionID == nil)
        #expect(harness.connection.sequence == nil)
        #expect(harness.connection.resumeURL == nil)
        #expect(!harness.connection.shouldResume)
    }

    @Test func nothingFollowsTheDisconnect() throws {
        var harness = try Harness()
        try harness.openWithHello()
        _ = harness.events()
        // The server's close, then a dispatch that should never have been sent.
        harness.deliver(FakeGateway.close(4000) + (try harness.server.dispatch("LATE", [:])))
        harness.connection.receiveEndOfInput(now: harness.now)
        let transcript = harness.transcript()
        #expect(transcript.last?.hasPrefix("disconnected server 4000") == true, "\(transcript)")
        #expect(transcript.filter { $0.hasPrefix("disconnected") }.count == 1)
        #expect(!transcript.contains { $0.contains("LATE") })
    }
}
