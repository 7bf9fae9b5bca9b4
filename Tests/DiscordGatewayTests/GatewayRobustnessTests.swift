import DiscordGateway
import GatewayCodecs
import SeededRandom
import Testing

/// Hostile and random input at every stage of a connection never crashes, hangs or leaves an impossible state.
@Suite struct GatewayRobustnessTests {
    /// Brings a harness to one of the stages a connection passes through.
    static func harness(atStage stage: Int, seed: UInt64) throws -> Harness {
        var harness = try Harness(compression: stage % 2 == 0 ? .none : .zlibStream, seed: seed)
        switch stage {
        case 0: harness.server.receive(harness.connection.connect())  // upgrading
        case 1: try harness.open()  // awaiting HELLO
        case 2, 3: try harness.openWithHello()  // open
        case 4:
            try harness.openWithHello()
            harness.send(try harness.connection.close(code: GatewayCloseCode(rawValue: 4000), now: harness.now))  // closing
        default:
            try harness.openWithHello()
            harness.deliver(FakeGateway.close(1000))  // closed
        }
        return harness
    }

    @Test(arguments: 0..<6)
    func randomBytesAtEveryStage(stage: Int) throws {
        var random = SplitMix64(seed: UInt64(stage) &* 7919)
        for round in 0..<300 {
            var harness = try Self.harness(atStage: stage, seed: UInt64(round))
            let length = Int.random(in: 0...300, using: &random)
            var bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            // Half the rounds start like a plausible frame so the parsers get past the first byte.
            if round % 2 == 0, !bytes.isEmpty { bytes[0] = [0x81, 0x82, 0x88, 0x89, 0x01, 0x80][round % 6] }
            harness.deliver(bytes)
            _ = harness.events()
            harness.advanceToDeadline()
            harness.connection.receiveEndOfInput(now: harness.now)
            let last = harness.events().last
            #expect(harness.connection.state == .closed || harness.connection.state == .idle, "round \(round): \(String(describing: last?.summary))")
            #expect(harness.connection.nextDeadline == nil)
        }
    }

    @Test func mutatedRealSessionNeverCrashes() throws {
        // A real session's server bytes, then the same with single bytes flipped.
        var source = try Harness(compression: .zlibStream, seed: 3)
        try source.open()
        var stream = source.server.accept()
        stream += try source.server.hello()
        stream += try source.server.ready()
        stream += try source.server.dispatch("MESSAGE_CREATE", ["content": "ü", "id": "1"], fragments: 3)
        stream += try source.server.op(11)
        stream += FakeGateway.close(4000)
        var random = SplitMix64(seed: 11)
        for round in 0..<500 {
            var mutated = stream
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                let index = Int.random(in: 0..<mutated.count, using: &random)
                mutated[index] ^= UInt8.random(in: 1...255, using: &random)
            }
            var harness = try Harness(compression: .zlibStream, seed: 3)
            harness.server.receive(harness.connection.connect())
            harness.deliver(mutated)
            harness.connection.receiveEndOfInput(now: harness.now)
            _ = harness.events()
            #expect(harness.connection.state == .closed, "round \(round)")
        }
    }

    @Test func inputAfterCloseIsIgnored() throws {
        var harness = try Harness()
        try harness.openWithHello()
        harness.deliver(FakeGateway.close(1000))
        _ = harness.events()
        harness.deliver(try harness.server.op(11))
        #expect(harness.events().isEmpty)
        #expect(harness.connection.handleDeadline(now: .seconds(1000)).isEmpty)
    }

    @Test func commandsBeforeConnectingAreRefused() throws {
        var harness = try Harness()
        #expect(throws: GatewaySendError.self) { try harness.connection.heartbeat(now: .zero) }
        #expect(throws: GatewaySendError.self) { try harness.connection.close(now: .zero) }
        #expect(throws: GatewaySendError.self) { try harness.connection.identify(testIdentify, now: .zero) }
    }
}
