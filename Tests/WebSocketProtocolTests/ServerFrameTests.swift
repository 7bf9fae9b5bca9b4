import SeededRandom
import Testing
import WebSocketProtocol

/// The server after the upgrade: masked client frames in, unmasked frames out.
@Suite struct ServerFrameTests {
    /// Stream offset of the first frame byte: the request comes first.
    static let base = rfcRequest.count

    /// RFC 6455 §5.7: the masked "Hello" is read, in every split, and a masked ping is
    /// answered with the unmasked pong of the same payload.
    @Test(arguments: [0, nil, 1, 2, 3] as [UInt64?])
    func rfcMaskedFramesInEverySplit(splitSeed: UInt64?) throws {
        var server = try openServer()
        let bytes = FrameParserTests.maskedHello + clientFrame(.ping, ascii("Hello"))
            + clientFrame(.text, ascii("Hel"), fin: false) + clientFrame(.continuation, ascii("lo"))
        let (output, events) = server.feed(splitSeed == 0 ? [bytes] : chunks(bytes, randomSplitsSeed: splitSeed))
        #expect(events == [.message(.text(ascii("Hello"))), .ping(ascii("Hello")), .message(.text(ascii("Hello")))])
        #expect(output == hex("8a0548656c6c6f"))
    }

    /// RFC 6455 §5.7's unmasked frames are exactly what the server writes.
    @Test func writesTheRFCsUnmaskedFrames() throws {
        let server = try openServer()
        #expect(try server.sendText(ascii("Hello")) == FrameParserTests.unmaskedHello)
        #expect(try server.sendText(ascii("Hello"), fragmentSize: 3) == FrameParserTests.fragmentedHello)
        #expect(try server.sendPing(ascii("Hello")) == FrameParserTests.unmaskedPing)
        #expect(try server.sendPong(ascii("Hello")) == hex("8a0548656c6c6f"))
        #expect(try server.sendBinary(FrameParserTests.binary256) == hex("827e0100") + FrameParserTests.binary256)
        #expect(try server.sendBinary(FrameParserTests.binary64K) == hex("827f0000000000010000") + FrameParserTests.binary64K)
        #expect(try server.sendBinary([UInt8]()) == hex("8200"))
    }

    @Test func fragmentsSplitAnywhereAndReassemble() throws {
        let server = try openServer()
        let text = Array("héllo wörld ✓ 𝄞!".utf8)
        for size in [1, 2, 3, 7, text.count - 1, text.count, text.count + 1] {
            let frames = try serverFrames(try server.sendText(text, fragmentSize: size))
            #expect(frames.count == (text.count + size - 1) / size, "size \(size)")
            #expect(frames.first?.header.opcode == .text && frames.dropFirst().allSatisfy { $0.header.opcode == .continuation })
            #expect(frames.dropLast().allSatisfy { !$0.header.fin } && frames.last?.header.fin == true)
            #expect(frames.flatMap(\.payload) == text)
            #expect(frames.allSatisfy { !$0.header.isMasked && $0.payload.count <= size })
        }
        #expect(throws: WebSocketUsageError.self) { try server.sendBinary([1], fragmentSize: 0) }
        #expect(throws: WebSocketUsageError.self) { try server.sendText([UInt8](), fragmentSize: -1) }
        #expect(throws: WebSocketUsageError.self) { try server.sendText([0xE2, 0x9C], fragmentSize: 1) }
    }

    @Test(arguments: [0, nil, 11] as [UInt64?])
    func anUnmaskedClientFrameFailsWith1002(splitSeed: UInt64?) throws {
        var server = try openServer()
        let bytes = FrameParserTests.maskedHello + FrameParserTests.unmaskedHello + FrameParserTests.maskedHello
        let (output, events) = server.feed(splitSeed == 0 ? [bytes] : chunks(bytes, randomSplitsSeed: splitSeed))
        #expect(events.count == 2 && events.first == .message(.text(ascii("Hello"))))
        let closure = events.last?.closure
        #expect(closure?.initiator == .local && closure?.code == 1002 && closure?.reason == "unexpectedMasking")
        #expect(closure?.error?.kind == .unexpectedMasking && closure?.error?.offset == Self.base + 11 + 1)
        #expect(output == ServerPeer.close(1002, "unexpectedMasking"))
        #expect(server.state == .closed)
    }

    @Test func oversizedFramesAndMessagesFailWith1009() throws {
        var server = try openServer(configuration: WebSocketConfiguration(maxFrameSize: 100, maxMessageSize: 150))
        let events = server.feed([clientFrame(.binary, [UInt8](repeating: 1, count: 101))])
        #expect(events.events.last?.closure?.error?.kind == .frameTooLarge)
        #expect(events.events.last?.closure?.error?.offset == Self.base + 1)
        #expect(try serverFrames(events.output).first?.payload.prefix(2) == [0x03, 0xF1])

        var message = try openServer(configuration: WebSocketConfiguration(maxFrameSize: 100, maxMessageSize: 150))
        let bytes = clientFrame(.binary, [UInt8](repeating: 1, count: 80), fin: false)
            + clientFrame(.continuation, [UInt8](repeating: 2, count: 80))
        let result = message.feed([bytes])
        #expect(result.events.last?.closure?.error?.kind == .messageTooLarge)
        #expect(result.output == ServerPeer.close(1009, "messageTooLarge"))
    }

    @Test(arguments: [0, nil, 41] as [UInt64?])
    func invalidUTF8AcrossFragmentsFailsWith1007(splitSeed: UInt64?) throws {
        var server = try openServer()
        // "✓" is E2 9C 93; the second fragment replaces 93 with 41.
        let bytes = clientFrame(.text, [0x61, 0xE2], fin: false) + clientFrame(.continuation, [0x9C, 0x41])
        let (output, events) = server.feed(splitSeed == 0 ? [bytes] : chunks(bytes, randomSplitsSeed: splitSeed))
        let closure = events.last?.closure
        #expect(closure?.code == 1007 && closure?.error?.kind == .invalidUTF8)
        // Two 8-byte frames (6-byte headers): the bad byte is the second of the second payload.
        #expect(closure?.error?.offset == Self.base + 8 + 6 + 1)
        #expect(output == ServerPeer.close(1007, "invalidUTF8"))
    }

    @Test func theClientClosesFirstAndTheCodeIsEchoed() throws {
        var server = try openServer()
        let (output, events) = server.feed([clientClose(1000, "bye"), FrameParserTests.maskedHello])
        #expect(events == [.closed(WebSocketClosure(initiator: .remote, code: 1000, reason: "bye"))])
        #expect(output == hex("880203e8"))
        #expect(server.state == .closed)
        #expect(throws: WebSocketUsageError(.notOpen, "cannot send a text message: the connection is closed")) {
            try server.sendText(ascii("x"))
        }
        // A close without a code is echoed without one.
        var bare = try openServer()
        #expect(bare.feed([clientClose(nil)]) == (hex("8800"), [.closed(WebSocketClosure(initiator: .remote, code: nil))]))
    }

    @Test func theServerClosesFirstAndWaitsForTheEcho() throws {
        var server = try openServer()
        #expect(try server.close(code: 4000, reason: "reconnect") == hex("880b0fa0") + ascii("reconnect"))
        #expect(server.state == .localClosing)
        #expect(throws: WebSocketUsageError.self) { try server.sendText(ascii("x")) }
        #expect(throws: WebSocketUsageError.self) { try server.close() }
        // In-flight data is still delivered; a ping is reported but not answered.
        let (output, events) = server.feed([FrameParserTests.maskedHello, clientFrame(.ping, [1]), clientClose(4000)])
        #expect(output.isEmpty)
        #expect(events == [.message(.text(ascii("Hello"))), .ping([1]),
                           .closed(WebSocketClosure(initiator: .local, code: 4000, reason: "reconnect"))])
        #expect(server.state == .closed)
    }

    @Test func closeUsageErrorsLeaveTheConnectionOpen() throws {
        var server = try openServer()
        for code: UInt16 in [0, 999, 1005, 1006, 1015, 5000] {
            #expect(throws: WebSocketUsageError.self, "\(code)") { try server.close(code: code) }
        }
        #expect(throws: WebSocketUsageError.self) { try server.close(reason: String(repeating: "x", count: 124)) }
        #expect(throws: WebSocketUsageError.self) { try server.sendPing([UInt8](repeating: 0, count: 126)) }
        #expect(throws: WebSocketUsageError.self) { try server.sendText([0xFF]) }
        #expect(server.state == .open)
    }

    @Test func endOfInputInsideAFrameIsAbnormal() throws {
        var server = try openServer()
        _ = server.receive(Array(FrameParserTests.maskedHello.prefix(8)))
        let header = WebSocketFrameHeader(
            fin: true, opcode: .text, maskingKey: FrameParserTests.rfcKey, payloadLength: 5, headerLength: 6, offset: Self.base)
        #expect(server.unfinishedInput == .framePayload(header: header, missing: 3))
        server.receiveEndOfInput()
        #expect(server.drain() == [.closed(WebSocketClosure(initiator: .abnormal, code: 1006))])
        #expect(server.unfinishedInput == nil)
    }

    @Test func reportsFrameHeadersWhenAsked() throws {
        var server = try openServer(configuration: WebSocketConfiguration(reportsFrames: true))
        let events = server.feed([clientFrame(.pong, [9])]).events
        #expect(events == [
            .frame(WebSocketFrameHeader(
                fin: true, opcode: .pong, maskingKey: FrameParserTests.rfcKey, payloadLength: 1, headerLength: 6, offset: Self.base)),
            .pong([9]),
        ])
    }
}
