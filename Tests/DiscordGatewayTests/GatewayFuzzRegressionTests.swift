import DiscordGateway
import GatewayCodecs
import Testing
import WebSocketProtocol

/// Inputs the gateway-connection fuzz target found, shrunk, with the behaviour they must show.
@Suite struct GatewayFuzzRegressionTests {
    /// The event kinds of one connection fed `bytes` after the upgrade, in one read or byte by byte.
    func transcript(
        _ bytes: (FakeGateway) throws -> [UInt8], bytewise: Bool, configure: (inout GatewayConfiguration) -> Void = { _ in }
    ) throws -> (events: [String], state: GatewayConnection.State, disconnect: GatewayDisconnect?) {
        var harness = try Harness(configure: configure)
        try harness.open()
        let input = try bytes(harness.server)
        if bytewise {
            for byte in input { _ = harness.connection.receive([byte], now: harness.now) }
        } else {
            _ = harness.connection.receive(input, now: harness.now)
        }
        harness.connection.receiveEndOfInput(now: harness.now)
        return (harness.transcript(), harness.connection.state, harness.connection.lastDisconnect)
    }

    /// Found by the fuzzer: an undecodable HELLO, a HEARTBEAT_ACK and bytes that break the
    /// framing, all in one read. The WebSocket had already failed when the gateway tried to
    /// send its 4002, so the connection finished at once, and the ACK read with it was
    /// reported after `disconnected`. The end of the connection must be its last event.
    @Test func aConnectionThatEndsInTheSameReadReportsDisconnectedLast() throws {
        let bytes: (FakeGateway) throws -> [UInt8] = { server in
            FakeGateway.frame(opcode: 1, Array(#"{"op":10,"d":{"heartbeat_interval"x}}"#.utf8))
                + (try server.op(11)) + [0x64, 0x67]
        }
        let whole = try transcript(bytes, bytewise: false)
        #expect(whole.state == .closed)
        #expect(whole.events.map { $0.prefix { $0 != " " } } == ["upgraded", "ack", "disconnected"])
        let bytewise = try transcript(bytes, bytewise: true)
        #expect(bytewise.events.map { $0.prefix { $0 != " " } } == ["upgraded", "ack", "disconnected"])
    }

    /// RECONNECT and the server's close in one read: the close frame's report comes before
    /// `disconnected`, as it does when the bytes arrive one by one, and the disconnect is the same,
    /// our close's reason included (the server's close crossed ours, which was never sent).
    @Test func theServersCloseAfterReconnectComesBeforeDisconnectedHoweverItIsRead() throws {
        let bytes: (FakeGateway) throws -> [UInt8] = { server in try server.op(7) + FakeGateway.close(4000, "bye") }
        let whole = try transcript(bytes, bytewise: false) { $0.reportsFrames = true }
        #expect(whole.state == .closed)
        #expect(whole.events.last?.hasPrefix("disconnected client 4000") == true)
        let bytewise = try transcript(bytes, bytewise: true) { $0.reportsFrames = true }
        #expect(whole.events == bytewise.events)
        #expect(whole.disconnect == bytewise.disconnect)
        #expect(whole.disconnect?.reason == "reconnect requested")
    }
}
