import SeededRandom
import Testing
import WebSocketProtocol

/// The client against an in-memory server peer.
@Suite struct ClientTests {
    static let rfcKeyRNG = ReplayRNG(0x37FA_213D)

    @Test func sendsTheRFCMaskedFrames() throws {
        var client = try openClient()
        var rng = Self.rfcKeyRNG
        #expect(try client.sendText(ascii("Hello"), using: &rng) == FrameParserTests.maskedHello)
        // A ping is answered with the RFC's masked pong, in the same receive call.
        let output = client.receive(FrameParserTests.unmaskedPing, using: &rng)
        #expect(output == FrameParserTests.maskedPong)
        #expect(client.drain() == [.ping(ascii("Hello"))])
    }

    @Test(arguments: [nil, 61, 62] as [UInt64?])
    func pingFedInPiecesGetsTheSamePong(splitSeed: UInt64?) throws {
        var client = try openClient()
        var rng = Self.rfcKeyRNG
        let (output, events) = client.feed(chunks(FrameParserTests.unmaskedPing + FrameParserTests.unmaskedHello, randomSplitsSeed: splitSeed), rng: &rng)
        #expect(output == FrameParserTests.maskedPong)
        #expect(events == [.ping(ascii("Hello")), .message(.text(ascii("Hello")))])
    }

    @Test(arguments: [0, nil, 31, 32] as [UInt64?])
    func fragmentsWithInterleavedPing(splitSeed: UInt64?) throws {
        // wsproto 1.3.2 as a server: a fragmented text message with a ping between the fragments.
        let bytes = hex("011668c3a96c6c6f2077c3b6726c6420e29c9320f09d849e89026862800121")
        var client = try openClient()
        var rng = SplitMix64(seed: 3)
        let (output, events) = client.feed(splitSeed == 0 ? [bytes] : chunks(bytes, randomSplitsSeed: splitSeed), rng: &rng)
        #expect(events == [.ping(ascii("hb")), .message(.text(Array("héllo wörld ✓ 𝄞!".utf8)))])
        var peer = ServerPeer()
        let frames = try peer.read(output)
        #expect(frames.map(\.header.opcode) == [.pong] && frames.map(\.payload) == [ascii("hb")])
    }

    @Test func serverClosesFirst() throws {
        var client = try openClient()
        var rng = SplitMix64(seed: 3)
        // wsproto 1.3.2: CloseConnection(code=4004, reason="Authentication failed.")
        let (output, events) = client.feed([hex("88180fa441757468656e7469636174696f6e206661696c65642e")], rng: &rng)
        #expect(events == [.closed(WebSocketClosure(initiator: .remote, code: 4004, reason: "Authentication failed."))])
        #expect(client.state == .closed)
        var peer = ServerPeer()
        let frames = try peer.read(output)
        #expect(frames.map(\.header.opcode) == [.close] && frames.first?.payload == [0x0F, 0xA4])
        // Nothing more is read or sent.
        #expect(client.receive(ServerPeer.text("late"), using: &rng).isEmpty && client.drain().isEmpty)
        #expect(throws: WebSocketUsageError.self) { try client.sendText(ascii("x"), using: &rng) }
        client.receiveEndOfInput()
        #expect(client.drain().isEmpty)
    }

    @Test func serverClosesWithoutCodeIsEchoedWithoutCode() throws {
        var client = try openClient()
        var rng = SplitMix64(seed: 3)
        let (output, events) = client.feed([ServerPeer.close(nil)], rng: &rng)
        #expect(events == [.closed(WebSocketClosure(initiator: .remote, code: nil))])
        var peer = ServerPeer()
        #expect(try peer.read(output).map(\.payload) == [[]])
    }

    @Test func clientClosesFirstAndWaitsForTheEcho() throws {
        var client = try openClient()
        var rng = SplitMix64(seed: 3)
        var peer = ServerPeer()
        let closeBytes = try client.close(code: 4000, reason: "reconnecting", using: &rng)
        #expect(try peer.read(closeBytes).map(\.payload) == [WebSocketFrameEncoder.closePayload(code: 4000, reason: "reconnecting")])
        #expect(client.state == .localClosing)
        #expect(throws: WebSocketUsageError.self) { try client.sendText(ascii("x"), using: &rng) }
        #expect(throws: WebSocketUsageError.self) { try client.close(using: &rng) }
        #expect(throws: WebSocketUsageError.self) { try client.sendPing(using: &rng) }
        // In-flight data is still delivered; a ping is reported but not answered.
        let (output, events) = client.feed([ServerPeer.text("in flight"), ServerPeer.frame(.ping, [1]), ServerPeer.close(4000)], rng: &rng)
        #expect(output.isEmpty)
        #expect(events == [.message(.text(ascii("in flight"))), .ping([1]),
                           .closed(WebSocketClosure(initiator: .local, code: 4000, reason: "reconnecting"))])
        #expect(client.state == .closed)
    }

    @Test func endOfInputWithoutCloseIsAbnormal() throws {
        var client = try openClient()
        var rng = SplitMix64(seed: 3)
        _ = client.feed([Array(ServerPeer.text("partial").prefix(4))], rng: &rng)
        client.receiveEndOfInput()
        #expect(client.drain() == [.closed(WebSocketClosure(initiator: .abnormal, code: 1006))])
        #expect(client.state == .closed)

        var closing = try openClient()
        _ = try closing.close(using: &rng)
        closing.receiveEndOfInput()
        #expect(closing.drain().first?.closure?.initiator == .abnormal)
    }

    @Test(arguments: [0, nil, 41] as [UInt64?])
    func invalidUTF8SplitAcrossFragmentsFailsWith1007(splitSeed: UInt64?) throws {
        var client = try openClient()
        var rng = SplitMix64(seed: 3)
        // "✓" is E2 9C 93; the second fragment replaces 93 with 41.
        let bytes = ServerPeer.frame(.text, [0x61, 0xE2], fin: false) + ServerPeer.frame(.continuation, [0x9C, 0x41])
        let (output, events) = client.feed(splitSeed == 0 ? [bytes] : chunks(bytes, randomSplitsSeed: splitSeed), rng: &rng)
        let closure = events.last?.closure
        #expect(closure?.initiator == .local && closure?.code == 1007 && closure?.error?.kind == .invalidUTF8)
        // Offset counts from the first byte of the HTTP response.
        #expect(closure?.error?.offset == acceptResponse().count + 4 + 3)
        var peer = ServerPeer()
        let frames = try peer.read(output)
        #expect(frames.map(\.header.opcode) == [.close] && frames.first?.payload.prefix(2) == [0x03, 0xEF])
        #expect(client.state == .closed)
    }

    @Test func oversizedMessageFailsWith1009() throws {
        var client = try openClient(configuration: WebSocketConfiguration(maxMessageSize: 100))
        var rng = SplitMix64(seed: 3)
        let bytes = ServerPeer.frame(.binary, [UInt8](repeating: 1, count: 60), fin: false)
            + ServerPeer.frame(.continuation, [UInt8](repeating: 2, count: 60))
        let (output, events) = client.feed([bytes], rng: &rng)
        #expect(events.last?.closure?.error?.kind == .messageTooLarge)
        var peer = ServerPeer()
        #expect(try peer.read(output).first?.payload.prefix(2) == [0x03, 0xF1])
    }

    @Test func protocolViolationSendsCloseAndStops() throws {
        var client = try openClient()
        var rng = SplitMix64(seed: 3)
        let (output, events) = client.feed([FrameParserTests.maskedHello + ServerPeer.text("after")], rng: &rng)
        #expect(events.count == 1 && events.first?.closure?.error?.kind == .unexpectedMasking)
        var peer = ServerPeer()
        #expect(try peer.read(output).first?.payload.prefix(2) == [0x03, 0xEA])
    }

    @Test(arguments: [0, 51, 52] as [UInt64?])
    func multiMegabyteMessages(splitSeed: UInt64?) throws {
        var client = try openClient()
        var rng = SplitMix64(seed: 3)
        let big = (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 >> 3) }
        let json = Array(("{\"t\":\"READY\",\"d\":\"" + String(repeating: "é", count: 600_000) + "\"}").utf8)
        var bytes = ServerPeer.frame(.binary, big)
        // A big text message in three fragments, split inside "é" sequences.
        bytes += ServerPeer.frame(.text, Array(json[..<100_001]), fin: false)
        bytes += ServerPeer.frame(.continuation, Array(json[100_001..<700_001]), fin: false)
        bytes += ServerPeer.frame(.continuation, Array(json[700_001...]))
        var pieces: [[UInt8]] = [bytes]
        if let splitSeed {
            var splitRNG = SplitMix64(seed: splitSeed)
            pieces = []
            var index = 0
            while index < bytes.count {
                let length = min(bytes.count - index, Int.random(in: 1...70_000, using: &splitRNG))
                pieces.append(Array(bytes[index..<(index + length)]))
                index += length
            }
        }
        let events = client.feed(pieces, rng: &rng).events
        #expect(events == [.message(.binary(big)), .message(.text(json))])
    }

    @Test func reportsFrameHeadersWhenAsked() throws {
        var client = try openClient(configuration: WebSocketConfiguration(reportsFrames: true))
        var rng = SplitMix64(seed: 3)
        let events = client.feed([FrameParserTests.fragmentedHello], rng: &rng).events
        let base = acceptResponse().count
        #expect(events == [
            .frame(WebSocketFrameHeader(fin: false, opcode: .text, payloadLength: 3, headerLength: 2, offset: base)),
            .frame(WebSocketFrameHeader(fin: true, opcode: .continuation, payloadLength: 2, headerLength: 2, offset: base + 5)),
            .message(.text(ascii("Hello"))),
        ])
    }

    @Test func pongsAndBinaryAndEmptyMessages() throws {
        var client = try openClient()
        var rng = SplitMix64(seed: 3)
        let events = client.feed([ServerPeer.frame(.pong, [9]) + ServerPeer.frame(.binary, []) + ServerPeer.frame(.text, [])], rng: &rng).events
        #expect(events == [.pong([9]), .message(.binary([])), .message(.text([]))])
    }

    @Test func usageErrors() throws {
        var client = try openClient()
        var rng = SplitMix64(seed: 3)
        for code: UInt16 in [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000] {
            #expect(throws: WebSocketUsageError.self, "\(code)") { try client.close(code: code, using: &rng) }
        }
        #expect(throws: WebSocketUsageError.self) { try client.close(reason: String(repeating: "x", count: 124), using: &rng) }
        #expect(throws: WebSocketUsageError.self) { try client.sendPing([UInt8](repeating: 0, count: 126), using: &rng) }
        #expect(throws: WebSocketUsageError.self) { try client.sendPong([UInt8](repeating: 0, count: 126), using: &rng) }
        #expect(throws: WebSocketUsageError.self) { try client.sendText([0xC3], using: &rng) }
        #expect(throws: WebSocketUsageError.self) { try client.sendText([0xFF, 0x41], using: &rng) }
        #expect(client.state == .open)
        // Valid commands still work after refused ones, and the peer reads them.
        var peer = ServerPeer()
        var output = try client.sendText("ok ✓".utf8, using: &rng)
        output += try client.sendBinary([1, 2, 3][...], using: &rng)
        output += try client.sendPing([7], using: &rng)
        output += try client.sendPong([], using: &rng)
        output += try client.close(code: 1000, reason: String(repeating: "x", count: 123), using: &rng)
        let frames = try peer.read(output)
        #expect(frames.map(\.header.opcode) == [.text, .binary, .ping, .pong, .close])
        #expect(frames.allSatisfy { $0.header.isMasked })
        #expect(frames.first?.payload == Array("ok ✓".utf8))
    }
}
