import Testing
import WebSocketProtocol

@Suite struct FrameParserTests {
    /// RFC 6455 §5.7.
    static let unmaskedHello = hex("810548656c6c6f")
    static let maskedHello = hex("818537fa213d7f9f4d5158")
    static let fragmentedHello = hex("010348656c") + hex("80026c6f")
    static let unmaskedPing = hex("890548656c6c6f")
    static let maskedPong = hex("8a8537fa213d7f9f4d5158")
    static let rfcKey = WebSocketMaskingKey(0x37, 0xFA, 0x21, 0x3D)
    static let binary256 = (0..<256).map { UInt8(truncatingIfNeeded: $0 &* 7) }
    static let binary64K = (0..<65536).map { UInt8(truncatingIfNeeded: $0 &* 13) }

    func parseAll(_ bytes: [UInt8], from sender: WebSocketFrameParser.Sender, splitSeed: UInt64?, configuration: WebSocketConfiguration = .init()) throws -> [WebSocketFrame] {
        var parser = WebSocketFrameParser(framesFrom: sender, configuration: configuration)
        var frames: [WebSocketFrame] = []
        let pieces = splitSeed == 0 ? [bytes] : chunks(bytes, randomSplitsSeed: splitSeed)
        for piece in pieces {
            parser.append(piece)
            while let frame = try parser.nextFrame() { frames.append(frame) }
        }
        #expect(parser.isAtFrameBoundary)
        return frames
    }

    @Test func encoderProducesTheRFCExamples() {
        #expect(WebSocketFrameEncoder.encode(opcode: .text, payload: ascii("Hello")) == Self.unmaskedHello)
        #expect(WebSocketFrameEncoder.encode(opcode: .text, payload: ascii("Hello"), maskingKey: Self.rfcKey) == Self.maskedHello)
        #expect(WebSocketFrameEncoder.encode(opcode: .text, payload: ascii("Hel"), fin: false)
            + WebSocketFrameEncoder.encode(opcode: .continuation, payload: ascii("lo")) == Self.fragmentedHello)
        #expect(WebSocketFrameEncoder.encode(opcode: .ping, payload: ascii("Hello")) == Self.unmaskedPing)
        #expect(WebSocketFrameEncoder.encode(opcode: .pong, payload: ascii("Hello"), maskingKey: Self.rfcKey) == Self.maskedPong)
        #expect(WebSocketFrameEncoder.encode(opcode: .binary, payload: Self.binary256) == hex("827e0100") + Self.binary256)
        #expect(WebSocketFrameEncoder.encode(opcode: .binary, payload: Self.binary64K) == hex("827f0000000000010000") + Self.binary64K)
    }

    /// 0 = whole, nil = one byte at a time, others = random split points.
    static let splits: [UInt64?] = [0, nil, 1, 2, 3, 4]

    @Test(arguments: splits)
    func parsesTheRFCExamples(splitSeed: UInt64?) throws {
        let hello = try parseAll(Self.unmaskedHello, from: .server, splitSeed: splitSeed)
        #expect(hello == [WebSocketFrame(
            header: WebSocketFrameHeader(fin: true, opcode: .text, payloadLength: 5, headerLength: 2, offset: 0), payload: ascii("Hello"))])

        let masked = try parseAll(Self.maskedHello, from: .client, splitSeed: splitSeed)
        #expect(masked.map(\.payload) == [ascii("Hello")])
        #expect(masked.first?.header.maskingKey == Self.rfcKey && masked.first?.header.headerLength == 6)

        let fragments = try parseAll(Self.fragmentedHello, from: .server, splitSeed: splitSeed)
        #expect(fragments.map(\.payload) == [ascii("Hel"), ascii("lo")])
        #expect(fragments.map(\.header.fin) == [false, true] && fragments.map(\.header.offset) == [0, 5])

        let pingPong = try parseAll(Self.unmaskedPing + Self.maskedPong, from: .either, splitSeed: splitSeed)
        #expect(pingPong.map(\.header.opcode) == [.ping, .pong] && pingPong.map(\.payload) == [ascii("Hello"), ascii("Hello")])

        let big = try parseAll(hex("827e0100") + Self.binary256 + hex("827f0000000000010000") + Self.binary64K, from: .server, splitSeed: splitSeed)
        #expect(big.map(\.payload) == [Self.binary256, Self.binary64K])
        #expect(big.map(\.header.headerLength) == [4, 10] && big.map(\.header.offset) == [0, 260])
    }

    @Test(arguments: [0, nil, 9] as [UInt64?])
    func unmasksLongMaskedPayloadsAtEveryPhase(splitSeed: UInt64?) throws {
        let payload = (0..<1000).map { UInt8(truncatingIfNeeded: $0 * 31) }
        let frame = WebSocketFrameEncoder.encode(opcode: .binary, payload: payload, maskingKey: WebSocketMaskingKey(rawValue: 0xDEAD_BEEF))
        #expect(try parseAll(frame, from: .client, splitSeed: splitSeed).map(\.payload) == [payload])
    }

    struct Violation: CustomStringConvertible {
        var name: String
        var bytes: [UInt8]
        var sender: WebSocketFrameParser.Sender = .server
        var kind: WebSocketProtocolError.Kind
        var offset: Int
        var closeCode: UInt16 = 1002
        var configuration = WebSocketConfiguration()
        var description: String { name }
    }

    static let violations: [Violation] = [
        Violation(name: "RSV1", bytes: [0xC1, 0x00], kind: .reservedBitsSet, offset: 0),
        Violation(name: "RSV3 on a later frame", bytes: hex("810141") + [0x91, 0x00], kind: .reservedBitsSet, offset: 3),
        Violation(name: "opcode 3", bytes: [0x83, 0x00], kind: .reservedOpcode, offset: 0),
        Violation(name: "opcode 11", bytes: [0x8B, 0x00], kind: .reservedOpcode, offset: 0),
        Violation(name: "fragmented ping", bytes: [0x09, 0x00], kind: .fragmentedControlFrame, offset: 0),
        Violation(name: "126-byte ping", bytes: [0x89, 0x7E, 0x00, 0x7E], kind: .controlFrameTooLong, offset: 1),
        Violation(name: "16-bit length 125", bytes: [0x82, 0x7E, 0x00, 0x7D], kind: .nonMinimalLength, offset: 2),
        Violation(name: "64-bit length 65535", bytes: [0x82, 0x7F, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF], kind: .nonMinimalLength, offset: 2),
        Violation(name: "64-bit length 2^63", bytes: [0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0], kind: .invalidLength, offset: 2),
        Violation(name: "masked server frame", bytes: hex("818537fa213d7f9f4d5158"), kind: .unexpectedMasking, offset: 1),
        Violation(name: "unmasked client frame", bytes: hex("810548656c6c6f"), sender: .client, kind: .unexpectedMasking, offset: 1),
        Violation(name: "continuation without start", bytes: [0x80, 0x00], kind: .unexpectedContinuation, offset: 0),
        Violation(name: "text inside fragmented", bytes: hex("010141") + [0x81, 0x00], kind: .unfinishedMessage, offset: 3),
        Violation(name: "binary inside fragmented", bytes: hex("020141") + hex("890100") + [0x82, 0x00], kind: .unfinishedMessage, offset: 6),
        Violation(name: "invalid UTF-8", bytes: [0x81, 0x02, 0xC3, 0x28], kind: .invalidUTF8, offset: 3, closeCode: 1007),
        Violation(name: "invalid UTF-8 across fragments", bytes: [0x01, 0x01, 0xE2, 0x80, 0x02, 0x9C, 0x41], kind: .invalidUTF8, offset: 6, closeCode: 1007),
        Violation(name: "surrogate", bytes: [0x81, 0x03, 0xED, 0xA0, 0x80], kind: .invalidUTF8, offset: 3, closeCode: 1007),
        Violation(name: "truncated UTF-8 at message end", bytes: [0x01, 0x01, 0x41, 0x80, 0x02, 0xF0, 0x9F], kind: .invalidUTF8, offset: 5, closeCode: 1007),
        Violation(name: "1-byte close", bytes: [0x88, 0x01, 0x03], kind: .invalidClosePayload, offset: 2),
        Violation(name: "close 1005", bytes: [0x88, 0x02, 0x03, 0xED], kind: .invalidCloseCode, offset: 2),
        Violation(name: "close 2999", bytes: [0x88, 0x02, 0x0B, 0xB7], kind: .invalidCloseCode, offset: 2),
        Violation(name: "close reason not UTF-8", bytes: [0x88, 0x04, 0x03, 0xE8, 0x41, 0xFF], kind: .invalidCloseReason, offset: 5, closeCode: 1007),
        Violation(name: "close reason truncated", bytes: [0x88, 0x04, 0x03, 0xE8, 0x41, 0xC3], kind: .invalidCloseReason, offset: 5, closeCode: 1007),
        Violation(name: "frame over limit", bytes: [0x82, 0x0B], kind: .frameTooLarge, offset: 1, closeCode: 1009,
                  configuration: WebSocketConfiguration(maxFrameSize: 10)),
        Violation(name: "64-bit frame over limit", bytes: [0x82, 0x7F, 0, 0, 0, 1, 0, 0, 0, 0], kind: .frameTooLarge, offset: 2, closeCode: 1009),
        Violation(name: "message over limit", bytes: hex("0106") + [UInt8](repeating: 0x61, count: 6) + [0x80, 0x05], kind: .messageTooLarge,
                  offset: 9, closeCode: 1009, configuration: WebSocketConfiguration(maxMessageSize: 10)),
    ]

    @Test(arguments: violations)
    func violationIsReportedWithOffsetAndCode(violation: Violation) {
        for splitSeed in Self.splits {
            var parser = WebSocketFrameParser(framesFrom: violation.sender, configuration: violation.configuration)
            var caught: WebSocketProtocolError?
            for piece in splitSeed == 0 ? [violation.bytes] : chunks(violation.bytes, randomSplitsSeed: splitSeed) {
                parser.append(piece)
                do { while try parser.nextFrame() != nil {} } catch { caught = error; break }
            }
            #expect(caught?.kind == violation.kind, "\(String(describing: caught))")
            #expect(caught?.offset == violation.offset, "\(String(describing: caught))")
            #expect(caught?.closeCode == violation.closeCode)
            // The parser stays failed.
            parser.append([0x81, 0x00])
            if let caught { #expect(throws: caught) { try parser.nextFrame() } }
        }
    }

    @Test func hugeLengthIsRefusedBeforeTheRestOfTheHeader() {
        var parser = WebSocketFrameParser(framesFrom: .server)
        parser.append([0x82, 0x7F, 0xFF])
        #expect(throws: WebSocketProtocolError.self) { try parser.nextFrame() }
    }

    /// Feeds `pieces` in turn; the frames parsed, or the error.
    func parsePieces(_ pieces: [[UInt8]], from sender: WebSocketFrameParser.Sender)
        -> (frames: [WebSocketFrame], error: WebSocketProtocolError?, parser: WebSocketFrameParser)
    {
        var parser = WebSocketFrameParser(framesFrom: sender)
        var frames: [WebSocketFrame] = []
        do {
            for piece in pieces {
                parser.append(piece)
                while let frame = try parser.nextFrame() { frames.append(frame) }
            }
        } catch {
            return (frames, error, parser)
        }
        return (frames, nil, parser)
    }

    @Test func everySplitOfA14ByteHeaderGivesTheSameFrame() throws {
        let payload = (0..<65536).map { UInt8(truncatingIfNeeded: $0 &* 11) }
        let bytes = WebSocketFrameEncoder.encode(opcode: .binary, payload: payload, maskingKey: WebSocketMaskingKey(rawValue: 0x0102_0304))
            + WebSocketFrameEncoder.encode(opcode: .ping, payload: ascii("after"), maskingKey: Self.rfcKey)
        let expected = try parseAll(bytes, from: .client, splitSeed: 0)
        #expect(expected.map(\.header.headerLength) == [14, 6] && expected.first?.payload == payload)
        // Two cuts anywhere in the header (including none), the rest in one piece.
        for first in 0...14 {
            for second in first...14 {
                let pieces = [Array(bytes[..<first]), Array(bytes[first..<second]), Array(bytes[second...])]
                let result = parsePieces(pieces, from: .client)
                #expect(result.error == nil && result.frames == expected, "cuts at \(first), \(second)")
                #expect(result.parser.isAtFrameBoundary)
            }
        }
    }

    @Test func topBitLengthIsRefusedAtItsFirstByteWhateverTheSplit() {
        let expected = WebSocketProtocolError(.invalidLength, "64-bit length with the most significant bit set", offset: 102)
        for masked in [false, true] {
            let header: [UInt8] = [0x82, masked ? 0xFF : 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0] + (masked ? [1, 2, 3, 4] : [])
            for cut in 0...header.count {
                // Only the first three bytes, or the whole header, cut once.
                for bytes in [Array(header.prefix(3)), header] where cut <= bytes.count {
                    var parser = WebSocketFrameParser(framesFrom: .either, startOffset: 100)
                    var caught: WebSocketProtocolError?
                    for piece in [Array(bytes[..<cut]), Array(bytes[cut...])] {
                        parser.append(piece)
                        do { while try parser.nextFrame() != nil {} } catch { caught = error; break }
                    }
                    #expect(caught == expected, "masked: \(masked), \(bytes.count) bytes cut at \(cut)")
                    #expect(!parser.isAtFrameBoundary)
                }
            }
        }
    }

    @Test func aHeaderCutShortByAViolationIsNotAFrameBoundary() {
        // RSV1 set; a 16-bit length of 5.
        for bytes: [UInt8] in [[0xC1, 0x00], [0x82, 0x7E, 0x00, 0x05]] {
            for splitSeed in Self.splits {
                let pieces = splitSeed == 0 ? [bytes] : chunks(bytes, randomSplitsSeed: splitSeed)
                let result = parsePieces(pieces, from: .server)
                #expect(result.error != nil && !result.parser.isAtFrameBoundary, "\(bytes) split \(String(describing: splitSeed))")
            }
        }
    }

    @Test func closeCodesAllowedOnTheWire() throws {
        for code: UInt16 in [1000, 1001, 1002, 1003, 1007, 1011, 1014, 3000, 4004, 4999] {
            let frames = try parseAll(WebSocketFrameEncoder.encode(opcode: .close, payload: WebSocketFrameEncoder.closePayload(code: code)), from: .server, splitSeed: 0)
            #expect(frames.count == 1, "\(code)")
        }
        for code: UInt16 in [0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535] {
            #expect(throws: WebSocketProtocolError.self, "\(code)") {
                try parseAll(WebSocketFrameEncoder.encode(opcode: .close, payload: WebSocketFrameEncoder.closePayload(code: code)), from: .server, splitSeed: 0)
            }
        }
    }

    @Test func offsetsCountFromStartOffset() throws {
        var parser = WebSocketFrameParser(framesFrom: .server, startOffset: 100)
        parser.append(Self.unmaskedHello + [0xC1, 0x00])
        #expect(try parser.nextFrame()?.header.offset == 100)
        #expect(throws: WebSocketProtocolError(.reservedBitsSet, "reserved bits 0x40 set without a negotiated extension", offset: 107)) {
            try parser.nextFrame()
        }
    }

    @Test func reportsPartialFrames() throws {
        var parser = WebSocketFrameParser(framesFrom: .server)
        parser.append(Array(Self.unmaskedHello.prefix(4)))
        #expect(try parser.nextFrame() == nil)
        #expect(!parser.isAtFrameBoundary)
        parser.append(Array(Self.unmaskedHello.dropFirst(4)))
        #expect(try parser.nextFrame()?.payload == ascii("Hello"))
        #expect(parser.isAtFrameBoundary && !parser.isInsideFragmentedMessage)
    }
}
