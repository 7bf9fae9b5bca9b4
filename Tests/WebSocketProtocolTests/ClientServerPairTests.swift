import SeededRandom
import Testing
import WebSocketProtocol

/// A `WebSocketClient` and a `WebSocketServer` in memory, each side's output fed to the other.
@Suite struct ClientServerPairTests {
    /// Both ends of one connection, with the reads on each side split by `splitSeed`.
    struct Pair {
        var client: WebSocketClient
        var server = WebSocketServer()
        var rng = SplitMix64(seed: 77)
        var splitSeed: UInt64?
        var clientEvents: [WebSocketEvent] = []
        var serverEvents: [WebSocketServerEvent] = []

        init(splitSeed: UInt64?) throws {
            var keyRNG = SplitMix64(seed: 5)
            client = try WebSocketClient(url: WebSocketURL("ws://localhost:8080/?v=10&encoding=json"), using: &keyRNG)
            self.splitSeed = splitSeed
        }

        func pieces(_ bytes: [UInt8]) -> [[UInt8]] {
            splitSeed == 0 ? [bytes] : chunks(bytes, randomSplitsSeed: splitSeed)
        }

        /// Client bytes to the server; whatever the server answers goes back, until both are quiet.
        mutating func toServer(_ bytes: [UInt8]) {
            var output: [UInt8] = []
            for piece in pieces(bytes) { output += server.receive(piece) }
            while let event = server.nextEvent() { serverEvents.append(event) }
            if !output.isEmpty { toClient(output) }
        }

        mutating func toClient(_ bytes: [UInt8]) {
            var output: [UInt8] = []
            for piece in pieces(bytes) { output += client.receive(piece, using: &rng) }
            while let event = client.nextEvent() { clientEvents.append(event) }
            if !output.isEmpty { toServer(output) }
        }

        mutating func takeEvents() -> ([WebSocketEvent], [WebSocketServerEvent]) {
            defer { (clientEvents, serverEvents) = ([], []) }
            return (clientEvents, serverEvents)
        }

        /// The handshake: the request, the server's accept, the 101.
        mutating func connect() throws {
            toServer(client.handshakeRequest())
            guard case .upgradeRequested(let request)? = serverEvents.first else {
                Issue.record("no upgrade request: \(serverEvents)")
                return
            }
            #expect(request.path == "/" && request.queryValue(named: "encoding") == "json")
            #expect(request.headers.values(named: "Host") == ["localhost:8080"])
            toClient(try server.accept())
            let (clientSide, _) = takeEvents()
            guard case .accepted? = clientSide.first, clientSide.count == 1 else {
                Issue.record("not accepted: \(clientSide)")
                return
            }
            #expect(client.state == .open && server.state == .open)
        }
    }

    static let splits: [UInt64?] = [0, nil, 91, 92]

    @Test(arguments: splits)
    func messagesBothWays(splitSeed: UInt64?) throws {
        var pair = try Pair(splitSeed: splitSeed)
        try pair.connect()
        pair.toServer(try pair.client.sendText("héllo ✓".utf8, using: &pair.rng))
        pair.toServer(try pair.client.sendBinary([0, 1, 2, 255], using: &pair.rng))
        pair.toClient(try pair.server.sendText(ascii("{\"op\":10}")))
        pair.toClient(try pair.server.sendBinary([9, 8, 7], fragmentSize: 2))
        let (clientEvents, serverEvents) = pair.takeEvents()
        #expect(serverEvents == [.message(.text(Array("héllo ✓".utf8))), .message(.binary([0, 1, 2, 255]))])
        #expect(clientEvents == [.message(.text(ascii("{\"op\":10}"))), .message(.binary([9, 8, 7]))])
    }

    /// The mock gateway's READY: megabytes of JSON in 64 KiB continuation frames.
    @Test(arguments: [0, 93] as [UInt64?])
    func aFragmentedMultiMegabyteMessage(splitSeed: UInt64?) throws {
        var pair = try Pair(splitSeed: 0)
        try pair.connect()
        let ready = Array(("{\"t\":\"READY\",\"d\":\"" + String(repeating: "güild ", count: 400_000) + "\"}").utf8)
        let frames = try pair.server.sendText(ready, fragmentSize: 64 << 10)
        var pieces = [frames]
        if let splitSeed {
            var splitRNG = SplitMix64(seed: splitSeed)
            pieces = []
            var index = 0
            while index < frames.count {
                let length = min(frames.count - index, Int.random(in: 1...100_000, using: &splitRNG))
                pieces.append(Array(frames[index..<(index + length)]))
                index += length
            }
        }
        var output: [UInt8] = []
        for piece in pieces { output += pair.client.receive(piece, using: &pair.rng) }
        #expect(output.isEmpty)
        #expect(pair.client.drain() == [.message(.text(ready))])
    }

    @Test(arguments: splits)
    func pingsAreAnsweredBothWays(splitSeed: UInt64?) throws {
        var pair = try Pair(splitSeed: splitSeed)
        try pair.connect()
        pair.toServer(try pair.client.sendPing([1, 2], using: &pair.rng))
        var (clientEvents, serverEvents) = pair.takeEvents()
        #expect(serverEvents == [.ping([1, 2])] && clientEvents == [.pong([1, 2])])
        pair.toClient(try pair.server.sendPing(ascii("heartbeat")))
        (clientEvents, serverEvents) = pair.takeEvents()
        #expect(clientEvents == [.ping(ascii("heartbeat"))] && serverEvents == [.pong(ascii("heartbeat"))])
    }

    @Test(arguments: splits)
    func theClientCloses(splitSeed: UInt64?) throws {
        var pair = try Pair(splitSeed: splitSeed)
        try pair.connect()
        pair.toServer(try pair.client.close(code: 4000, reason: "reconnecting", using: &pair.rng))
        let (clientEvents, serverEvents) = pair.takeEvents()
        #expect(serverEvents == [.closed(WebSocketClosure(initiator: .remote, code: 4000, reason: "reconnecting"))])
        #expect(clientEvents == [.closed(WebSocketClosure(initiator: .local, code: 4000, reason: "reconnecting"))])
        #expect(pair.client.state == .closed && pair.server.state == .closed)
    }

    @Test(arguments: splits)
    func theServerCloses(splitSeed: UInt64?) throws {
        var pair = try Pair(splitSeed: splitSeed)
        try pair.connect()
        // Discord's "Authentication failed.", in flight behind a message the client still reads.
        pair.toClient(try pair.server.sendText(ascii("last")) + pair.server.close(code: 4004, reason: "Authentication failed."))
        let (clientEvents, serverEvents) = pair.takeEvents()
        #expect(clientEvents == [
            .message(.text(ascii("last"))), .closed(WebSocketClosure(initiator: .remote, code: 4004, reason: "Authentication failed.")),
        ])
        #expect(serverEvents == [.closed(WebSocketClosure(initiator: .local, code: 4004, reason: "Authentication failed."))])
        #expect(pair.client.state == .closed && pair.server.state == .closed)
    }

    /// A server's violation detected by the client and a client's detected by the server:
    /// each side's failure close reaches the other as a remote close with the same code.
    @Test func violationsCloseBothEnds() throws {
        var pair = try Pair(splitSeed: 0)
        try pair.connect()
        pair.toClient(WebSocketFrameEncoder.encode(opcode: .text, payload: [0xFF]))
        let (clientEvents, serverEvents) = pair.takeEvents()
        #expect(clientEvents.last?.closure?.code == 1007 && clientEvents.last?.closure?.initiator == .local)
        #expect(serverEvents == [.closed(WebSocketClosure(initiator: .remote, code: 1007, reason: "invalidUTF8"))])
    }
}
