import Foundation
import Testing

@testable import GatewayCodecs

private func scan(_ text: String, limits: CodecLimits = .init()) throws(JSONDecodingError) -> GatewayEnvelope {
    try GatewayJSON.scanEnvelope(Array(text.utf8), limits: limits)
}

private func scanError(_ text: String, limits: CodecLimits = .init()) -> JSONDecodingError? {
    do {
        let envelope = try GatewayJSON.scanEnvelope(Array(text.utf8), limits: limits)
        Issue.record("accepted as \(envelope)")
        return nil
    } catch {
        return error
    }
}

/// The text of `range` in `text`'s UTF-8 bytes.
private func slice(_ text: String, _ range: Range<Int>?) -> String? {
    range.map { String(decoding: Array(text.utf8)[$0], as: UTF8.self) }
}

@Suite("JSON envelope scanning")
struct JSONEnvelopeTests {
    @Test("HELLO")
    func hello() throws {
        let text = #"{"t":null,"s":null,"op":10,"d":{"heartbeat_interval":41250,"_trace":["[\"gateway-prd-us-east1-c-7h2k\",{\"micros\":0.0}]"]}}"#
        let envelope = try scan(text)
        #expect(envelope == GatewayEnvelope(op: 10, sequence: nil, eventName: nil, dataRange: 31..<(text.utf8.count - 1)))
    }

    @Test("DISPATCH: op, s, t and the exact range of d")
    func dispatch() throws {
        let text = JSONTestVectors.messageCreateCompact
        let envelope = try scan(text)
        #expect(envelope == GatewayEnvelope(op: 0, sequence: 42, eventName: "MESSAGE_CREATE", dataRange: 40..<826))
        let bytes = Array(text.utf8)
        let range = try #require(envelope.dataRange)
        #expect(try GatewayJSON.decode(Array(bytes[range])) == GatewayJSON.decode(bytes)["d"])
    }

    @Test("HEARTBEAT_ACK with and without d")
    func heartbeatAck() throws {
        #expect(try scan(#"{"op":11}"#) == GatewayEnvelope(op: 11))
        let text = #"{"t":null,"s":null,"op":11,"d":null}"#
        let envelope = try scan(text)
        #expect(envelope == GatewayEnvelope(op: 11, dataRange: 31..<35))
        #expect(slice(text, envelope.dataRange) == "null")
    }

    @Test("d before op, and fields in any order")
    func dataFirst() throws {
        let text = #"{"d":{"x":[1,2]},"op":0,"s":7,"t":"READY"}"#
        let envelope = try scan(text)
        #expect(envelope == GatewayEnvelope(op: 0, sequence: 7, eventName: "READY", dataRange: 5..<16))
        #expect(slice(text, envelope.dataRange) == #"{"x":[1,2]}"#)
    }

    @Test("whitespace everywhere")
    func whitespace() throws {
        let text = " \n{ \"op\" :\t1 ,\r\n \"d\" : 251 , \"s\" : null } \r\n"
        let envelope = try scan(text)
        #expect(envelope == GatewayEnvelope(op: 1, sequence: nil, dataRange: 23..<26))
        #expect(slice(text, envelope.dataRange) == "251")
    }

    @Test("first occurrence of a repeated key wins; escaped keys count")
    func duplicatesAndEscapes() throws {
        #expect(try scan(#"{"op":1,"op":2,"d":1,"d":[2],"s":3,"s":"x","t":"A","t":5}"#)
            == GatewayEnvelope(op: 1, sequence: 3, eventName: "A", dataRange: 19..<20))
        #expect(try scan(#"{"\u006fp":7,"\u0074":"A\u0042C"}"#) == GatewayEnvelope(op: 7, eventName: "ABC"))
        #expect(try scan(#"{"op":0,"s":-1,"other":{"op":5}}"#) == GatewayEnvelope(op: 0, sequence: -1))
    }

    @Test(
        "envelope errors",
        arguments: [
            (#"[1]"#, JSONDecodingError.Kind.notAnObject, 0),
            (#" "x""#, .notAnObject, 1),
            ("", .unexpectedEndOfInput, 0),
            ("x", .unexpectedCharacter, 0),
            ("{}", .invalidEnvelope, 1),
            (#"{"d":1}"#, .invalidEnvelope, 6),
            (#"{"op":"1"}"#, .invalidEnvelope, 6),
            (#"{"op":1.0}"#, .invalidEnvelope, 6),
            (#"{"op":null}"#, .invalidEnvelope, 6),
            (#"{"op":99999999999999999999}"#, .invalidEnvelope, 6),
            (#"{"op":0,"s":"1"}"#, .invalidEnvelope, 12),
            (#"{"op":0,"s":1.5}"#, .invalidEnvelope, 12),
            (#"{"op":0,"t":5}"#, .invalidEnvelope, 12),
            (#"{"op":0,"d":[1,]}"#, .unexpectedCharacter, 15),
            (#"{"op":0,"d":{"a" 1}}"#, .unexpectedCharacter, 17),
            (#"{"op":0} x"#, .trailingData, 9),
            (#"{"op":0,"d":"\uD800"}"#, .loneSurrogate, 13),
            (#"{"op":0,"d":01}"#, .leadingZero, 12),
            (#"{"op":0,"x":tru}"#, .unexpectedCharacter, 15),
            (#"{"op":0,"d":{}"#, .unexpectedEndOfInput, 14),
            (#"{"op":0,"d":[[[1]]]}"#, .depthLimitExceeded, 14),
        ] as [(String, JSONDecodingError.Kind, Int)])
    func envelopeErrors(text: String, kind: JSONDecodingError.Kind, offset: Int) {
        let limits = CodecLimits(maxNestingDepth: 3)
        let error = scanError(text, limits: limits)
        #expect(error?.kind == kind)
        #expect(error?.offset == offset)
        if kind != .notAnObject && kind != .invalidEnvelope {
            // The scanner rejects exactly what the decoder rejects, at the same place.
            do {
                _ = try GatewayJSON.decode(Array(text.utf8), limits: limits)
                Issue.record("the decoder accepted what the scanner rejected")
            } catch {
                #expect(error.kind == kind)
                #expect(error.offset == offset)
            }
        }
    }

    @Test(
        "skipped numbers: the scan accepts and rejects exactly what the decoder does, at the same byte",
        arguments: [
            "0", "-0", "7", "-7", "1717200000", "12345678901234567890123", "0.5", "-0.0", "1e5", "1E+5", "2.5e-3",
            "01", "-01", "00", "-", "-a", "1.", "1.e5", ".5", "1e", "1e+", "+1", "0x1", "1.5.2", "--1", "9-",
        ])
    func skippedNumbersMatchTheDecoder(number: String) {
        let text = #"{"op":0,"d":{"n":"# + number + "}}"
        let bytes = Array(text.utf8)
        let scanned = Result { () throws(JSONDecodingError) in try GatewayJSON.scanEnvelope(bytes) }
        let decoded = Result { () throws(JSONDecodingError) in try GatewayJSON.decode(bytes) }
        switch (scanned, decoded) {
        case (.success, .success):
            break
        case (.failure(let scanError), .failure(let decodeError)):
            #expect(scanError.kind == decodeError.kind, "\(number)")
            #expect(scanError.offset == decodeError.offset, "\(number)")
        default:
            Issue.record("\(number): the scan and the decoder disagree")
        }
    }

    @Test("invalid UTF-8 in a skipped key is found")
    func invalidUTF8InKey() {
        let bytes = Array(#"{"op":0,""#.utf8) + [0xC0, 0x80] + Array(#"":1}"#.utf8)
        #expect(throws: JSONDecodingError(.invalidUTF8, offset: 9, message: "invalid UTF-8 at byte 9: byte 0xC0 cannot start a UTF-8 sequence")) {
            try GatewayJSON.scanEnvelope(bytes)
        }
    }

    @Test("the depth cap matches the decoder's; a high cap scans iteratively")
    func depth() throws {
        #expect(try scan(#"{"op":0,"d":[[1]]}"#, limits: CodecLimits(maxNestingDepth: 3)).op == 0)
        #expect(scanError("{}", limits: CodecLimits(maxNestingDepth: 0))?.kind == .depthLimitExceeded)
        let depth = 100_000
        let deep = #"{"op":0,"d":"# + String(repeating: #"[{"a":"#, count: depth) + "1"
            + String(repeating: "}]", count: depth) + "}"
        let envelope = try scan(deep, limits: CodecLimits(maxNestingDepth: 2 * depth + 1))
        #expect(envelope.dataRange == 12..<(deep.utf8.count - 1))
        #expect(scanError(deep)?.kind == .depthLimitExceeded)
        let bomb = #"{"op":0,"d":"# + String(repeating: "[", count: 100_000)
        #expect(scanError(bomb)?.offset == 12 + 255)
    }

    @Test("every truncation of a realistic payload throws")
    func everyTruncationThrows() {
        let payload = Array(JSONTestVectors.messageCreateCompact.utf8)
        for length in 0..<payload.count {
            let prefix = Array(payload[..<length])
            #expect(throws: JSONDecodingError.self, "prefix \(length)") { try GatewayJSON.scanEnvelope(prefix) }
        }
    }

    // MARK: typed models

    /// A user's own model of the MESSAGE_CREATE fields they care about.
    struct Message: Decodable, Equatable {
        struct Author: Decodable, Equatable {
            var id: String
            var username: String
        }

        var id: String
        var channelID: String
        var content: String
        var author: Author

        enum CodingKeys: String, CodingKey {
            case id, content, author
            case channelID = "channel_id"
        }
    }

    @Test("the bytes of d go straight into Foundation's JSONDecoder")
    func typedModels() throws {
        let payload = Array(JSONTestVectors.messageCreateCompact.utf8)
        let envelope = try GatewayJSON.scanEnvelope(payload)
        #expect(envelope.eventName == "MESSAGE_CREATE")
        let range = try #require(envelope.dataRange)
        let message = try JSONDecoder().decode(Message.self, from: Data(payload[range]))
        #expect(message == Message(
            id: "1246252379528144105", channelID: "1063801510137321600",
            content: "こんにちは 👋 line1\nline2\ttab \u{1} back\\slash",
            author: .init(id: "233346536837427361", username: "ivan522")))
    }
}
