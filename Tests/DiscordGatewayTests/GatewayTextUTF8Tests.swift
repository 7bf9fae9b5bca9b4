import DiscordGateway
import GatewayCodecs
import Testing
import WebSocketProtocol

/// A JSON connection leaves the UTF-8 check of text messages to its JSON scan; invalid
/// UTF-8 must still fail the WebSocket with 1007 (RFC 6455 §8.1), never 4002, with the
/// bad byte's stream offset, however the bytes are split.
@Suite struct GatewayTextUTF8Tests {
    /// A text message body and the index of the byte the error must point at.
    struct BadText: CustomTestStringConvertible, Sendable {
        var name: String
        var body: [UInt8]
        var badIndex: Int
        var testDescription: String { name }

        init(_ name: String, _ before: String, _ bad: [UInt8], _ after: String, badByte: Int = 0) {
            self.name = name
            body = Array(before.utf8) + bad + Array(after.utf8)
            badIndex = before.utf8.count + badByte
        }
    }

    static let badTexts: [BadText] = [
        // Sequences from RFC 3629 and the Unicode Standard's table 3-7; the offset is the
        // first byte that makes the sequence impossible, as the WebSocket layer reports it.
        BadText("continuation missing", #"{"op":0,"t":"X","s":1,"d":{"k":"a"#, [0xC3, 0x28], #""}}"#, badByte: 1),
        BadText("overlong '/'", #"{"op":0,"t":"X","s":1,"d":{"k":""#, [0xC0, 0xAF], #""}}"#),
        BadText("UTF-16 surrogate", #"{"op":0,"t":"X","s":1,"d":""#, [0xED, 0xA0, 0x80], #""}"#, badByte: 1),
        BadText("above U+10FFFF", #"{"op":0,"t":"X","s":1,"d":""#, [0xF4, 0x90, 0x80, 0x80], #""}"#, badByte: 1),
        BadText("lone continuation byte in a key", #"{"op":0,""#, [0x80], #"":1}"#),
        BadText("outside any string", #"{"op":"#, [0xFF], "1}"),
        BadText("after a JSON syntax error", #"{"op":x,"d":""#, [0xFE], #""}"#),
        BadText("truncated at the end of the message", #"{"op":0,"d":""#, [0xF0, 0x9F], ""),
    ]

    /// The server's bytes: 101, HELLO, then `body` as one text frame or as two fragments
    /// cut at `cut`; and the stream offset of body byte `index`.
    static func stream(
        _ harness: inout Harness, body: [UInt8], cut: Int?
    ) throws -> (bytes: [UInt8], offset: (Int) -> Int) {
        harness.server.receive(harness.connection.connect())
        let prefix = harness.server.accept() + (try harness.server.hello())
        guard let cut else {
            let frame = FakeGateway.frame(opcode: 1, body)
            let header = frame.count - body.count
            return (prefix + frame, { prefix.count + header + $0 })
        }
        let first = FakeGateway.frame(opcode: 1, Array(body[..<cut]), fin: false)
        let second = FakeGateway.frame(opcode: 0, Array(body[cut...]))
        let firstHeader = first.count - cut
        let secondHeader = second.count - (body.count - cut)
        return (
            prefix + first + second,
            { $0 < cut ? prefix.count + firstHeader + $0 : prefix.count + first.count + secondHeader + ($0 - cut) }
        )
    }

    /// Checks the events: HELLO, then the client's failure with 1007 at `offset`, and nothing after.
    static func expectFailsWith1007(_ events: [GatewayEvent], offset: Int, _ context: String) {
        #expect(events.map(\.summary).filter { $0 != "upgraded" } == ["hello 41.25 seconds", "disconnected client 1007 resume=false reconnect=true"], "\(context)")
        guard case .disconnected(let disconnect) = events.last, case .protocolViolation(let error) = disconnect.cause else {
            Issue.record("\(context): expected a protocol-violation disconnect, got \(events.map(\.summary))")
            return
        }
        #expect(error.kind == .invalidUTF8, "\(context)")
        #expect(error.closeCode == 1007, "\(context)")
        #expect(error.offset == offset, "\(context): \(error.message)")
    }

    @Test(arguments: badTexts)
    func invalidUTF8FailsWith1007UnderEverySplit(text: BadText) throws {
        // One frame, or two fragments cut at the start, the middle and the end of the body.
        for cut in [nil, 1, text.body.count / 2, text.body.count - 1] as [Int?] {
            var probe = try Harness()
            let (bytes, offset) = try Self.stream(&probe, body: text.body, cut: cut)
            let expected = offset(text.badIndex)
            // The whole stream cut in two at every byte, then byte by byte.
            let splits: [Int?] = [nil] + (1..<bytes.count).map { $0 } + [-1]
            for split in splits {
                var harness = try Harness()
                harness.server.receive(harness.connection.connect())
                let context = "fragment cut \(cut.map(String.init) ?? "none"), read split \(split.map(String.init) ?? "none")"
                switch split {
                case nil:
                    harness.deliver(bytes)
                case .some(-1):
                    for byte in bytes { harness.deliver([byte]) }
                case let split?:
                    harness.deliver(Array(bytes[..<split]))
                    harness.deliver(Array(bytes[split...]))
                }
                #expect(harness.server.closeCode == 1007, "\(context)")
                #expect(harness.connection.state == .closed, "\(context)")
                Self.expectFailsWith1007(harness.events(), offset: expected, context)
            }
        }
    }

    @Test func whatFollowsTheBadMessageInTheSameReadIsDropped() throws {
        // A dispatch and the server's close right behind the bad message: read together, the
        // WebSocket has already echoed the close when the scan finds the bad byte, yet the
        // events are those of reading them one by one.
        let text = Self.badTexts[0]
        for split in [nil, 1] as [Int?] {
            var harness = try Harness()
            var (bytes, offset) = try Self.stream(&harness, body: text.body, cut: nil)
            let messageEnd = bytes.count
            bytes += try harness.server.dispatch("MESSAGE_CREATE", ["id": "1"]) + FakeGateway.close(1000)
            if split == nil {
                harness.deliver(bytes)
            } else {
                harness.deliver(Array(bytes[..<messageEnd]))
                harness.deliver(Array(bytes[messageEnd...]))
                #expect(harness.server.closeCode == 1007)
            }
            Self.expectFailsWith1007(harness.events(), offset: offset(text.badIndex), "split \(String(describing: split))")
        }
    }

    @Test(arguments: [#"{"op":1é}"#, #"{"op":0,"d":"ok","#])
    func validUTF8ThatIsNotAPayloadStillClosesWith4002(text: String) throws {
        var harness = try Harness()
        try harness.openWithHello()
        _ = harness.events()
        harness.deliver(FakeGateway.frame(opcode: 1, Array(text.utf8)))
        #expect(harness.server.closeCode == 4002)
    }

    @Test func etfConnectionsKeepTheWebSocketCheck() throws {
        // ETF never reads text messages as text, so the WebSocket layer checks them itself.
        var harness = try Harness(encoding: .etf)
        try harness.openWithHello()
        _ = harness.events()
        harness.deliver(FakeGateway.frame(opcode: 1, [0x83, 0xC3, 0x28]))
        #expect(harness.server.closeCode == 1007)
        guard case .disconnected(let disconnect) = harness.events().last,
            case .protocolViolation(let error) = disconnect.cause
        else {
            Issue.record("expected a protocol-violation disconnect")
            return
        }
        #expect(error.kind == .invalidUTF8)
    }

    @Test func validTextWithMultiByteCharactersIsDelivered() throws {
        var harness = try Harness(split: true)
        try harness.openWithHello()
        _ = harness.events()
        harness.deliver(try harness.server.dispatch("MESSAGE_CREATE", ["content": "héllo 👋 中文 \u{10FFFF}"], fragments: 3))
        let events = harness.events()
        #expect(events.map(\.summary) == ["dispatch MESSAGE_CREATE 1"])
        guard case .dispatch(let payload) = events.first else { return }
        #expect(payload.data["content"]?.stringValue == "héllo 👋 中文 \u{10FFFF}")
    }
}
