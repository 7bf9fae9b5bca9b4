import SeededRandom
import Testing
import WebSocketProtocol

/// Random and mutated input must end in events and a sane state, never a crash or a hang.
@Suite struct SweepTests {
    /// A valid server stream exercising every frame kind.
    static let validStream: [UInt8] =
        ServerPeer.text("{\"op\":10}") + ServerPeer.frame(.ping, ascii("p")) + ServerPeer.frame(.text, Array("é✓".utf8), fin: false)
        + ServerPeer.frame(.pong, []) + ServerPeer.frame(.continuation, Array("𝄞".utf8)) + ServerPeer.frame(.binary, [UInt8](repeating: 7, count: 300))
        + ServerPeer.close(1000, "bye")

    /// Checks the invariants after feeding `pieces` then end of input.
    func run(_ pieces: [[UInt8]], configuration: WebSocketConfiguration = .init(), seed: UInt64) throws {
        var client = try makeClient(configuration: configuration)
        var rng = SplitMix64(seed: seed)
        var output: [UInt8] = []
        var events: [WebSocketEvent] = []
        for piece in pieces {
            output += client.receive(piece, using: &rng)
            events += client.drain()
        }
        client.receiveEndOfInput()
        events += client.drain()
        #expect(client.state == .closed || client.state == .rejected)
        let terminal = events.filter {
            switch $0 {
            case .closed, .rejected: return true
            default: return false
            }
        }
        #expect(terminal.count == 1, "\(events)")
        if let closure = terminal.first?.closure {
            if let error = closure.error { #expect([1002, 1007, 1009].contains(error.closeCode)) }
            if closure.initiator == .abnormal { #expect(closure.code == 1006) }
        }
        // What the client wrote is always a valid sequence of masked client frames.
        var peer = ServerPeer()
        _ = try peer.read(output)
        #expect(peer.parser.isAtFrameBoundary)
    }

    @Test func randomBytesAfterHandshake() throws {
        var rng = SplitMix64(seed: 2024)
        for iteration in 0..<1500 {
            let length = Int.random(in: 0...64, using: &rng)
            let garbage = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            try run(chunks(acceptResponse() + garbage, randomSplitsSeed: rng.next()), seed: UInt64(iteration))
        }
    }

    @Test func mutatedValidStreams() throws {
        var rng = SplitMix64(seed: 77)
        let base = acceptResponse() + Self.validStream
        let small = WebSocketConfiguration(maxFrameSize: 200, maxMessageSize: 250)
        for iteration in 0..<2500 {
            var bytes = base
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let index = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: bytes[index] ^= UInt8(1) << UInt8.random(in: 0...7, using: &rng)
                case 1: bytes[index] = UInt8.random(in: 0...255, using: &rng)
                case 2: bytes.remove(at: index)
                default: bytes.insert(UInt8.random(in: 0...255, using: &rng), at: index)
                }
            }
            if Bool.random(using: &rng) { bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &rng))) }
            try run(chunks(bytes, randomSplitsSeed: rng.next()), configuration: iteration % 3 == 0 ? small : .init(), seed: UInt64(iteration))
        }
    }

    @Test func mutatedRejections() throws {
        var rng = SplitMix64(seed: 99)
        let base = HandshakeTests.rateLimited
        for iteration in 0..<1500 {
            var bytes = base
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let index = Int.random(in: 0..<bytes.count, using: &rng)
                bytes[index] = UInt8.random(in: 0...255, using: &rng)
            }
            try run(chunks(bytes, randomSplitsSeed: rng.next()), seed: UInt64(iteration))
        }
    }

    @Test func unmutatedStreamClosesCleanly() throws {
        var client = try makeClient()
        var rng = SplitMix64(seed: 1)
        let events = client.feed(chunks(acceptResponse() + Self.validStream, randomSplitsSeed: nil), rng: &rng).events
        #expect(events.count == 7)  // accepted, text, ping, pong, text, binary, closed
        #expect(events.last == .closed(WebSocketClosure(initiator: .remote, code: 1000, reason: "bye")))
    }
}
