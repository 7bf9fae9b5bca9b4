import DiscordGateway
import GatewayCodecs
import Testing
import WebSocketProtocol

/// Frame reports do not depend on how the server's bytes were read.
@Suite struct GatewayFrameReportTests {
    /// The frame headers reported after HELLO, for the server's RECONNECT and close read
    /// in one piece or byte by byte.
    func reportedFrames(bytewise: Bool) throws -> [WebSocketFrameHeader] {
        var harness = try Harness { $0.reportsFrames = true }
        try harness.openWithHello()
        _ = harness.connection.events()
        let bytes = try harness.server.op(7) + FakeGateway.close(4000)
        if bytewise {
            for byte in bytes { _ = harness.connection.receive([byte], now: harness.now) }
        } else {
            _ = harness.connection.receive(bytes, now: harness.now)
        }
        #expect(harness.connection.state == .closed)
        return harness.connection.events().compactMap { event in
            if case .frame(let header) = event { return header }
            return nil
        }
    }

    @Test func theServersCloseAfterReconnectIsReportedHoweverItIsRead() throws {
        let whole = try reportedFrames(bytewise: false)
        #expect(whole.map(\.opcode) == [.text, .close])
        #expect(whole == (try reportedFrames(bytewise: true)))
    }
}
