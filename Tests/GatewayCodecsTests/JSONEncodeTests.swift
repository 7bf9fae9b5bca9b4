import Testing

@testable import GatewayCodecs

@Suite("JSON encoding")
struct JSONEncodeTests {
    private let payload = Array(JSONTestVectors.messageCreateCompact.utf8)

    @Test("compact output of a realistic payload matches Python's bytes exactly")
    func compactMatchesPython() throws {
        let value = try GatewayJSON.decode(payload)
        #expect(GatewayJSON.encode(value) == payload)
        #expect(value.description == JSONTestVectors.messageCreateCompact)
    }

    @Test("pretty output of a realistic payload matches Python's json.dumps(indent=2, ensure_ascii=False)")
    func prettyMatchesPython() throws {
        let value = try GatewayJSON.decode(payload)
        #expect(GatewayJSON.prettyPrinted(value) == JSONTestVectors.messageCreatePretty)
    }

    @Test("decoding keeps key order, exact integers and text")
    func decodedPayloadContents() throws {
        let value = try GatewayJSON.decode(payload)
        #expect(value.objectValue?.keys == ["t", "s", "op", "d"])
        let data = try #require(value["d"])
        #expect(data.objectValue?.keys.prefix(4) == ["type", "tts", "timestamp", "pinned"])
        #expect(data["content"] == "こんにちは 👋 line1\nline2\ttab \u{1} back\\slash")
        #expect(data["embeds"]?[0]?["fields"]?[0]?["name"] == "状態")
        #expect(data["attachments"]?[0]?["size"] == .unsignedInteger(.max))
        #expect(data["attachments"]?[0]?["offset"] == .integer(.min))
        #expect(data["attachments"]?[0]?["waveform_ratio"] == .double(1e-05))
        #expect(data["author"]?["id"]?.snowflakeValue == 233_346_536_837_427_361)
    }

    @Test("pretty-printed layout: indentation, separators, empty containers, scalars")
    func prettyLayout() {
        let value: GatewayValue = ["a": [], "b": .object(GatewayObject()), "c": [1, ["x": nil]], "d": "é"]
        #expect(GatewayJSON.prettyPrinted(value) == """
            {
              "a": [],
              "b": {},
              "c": [
                1,
                {
                  "x": null
                }
              ],
              "d": "é"
            }
            """)
        #expect(GatewayJSON.prettyPrinted([]) == "[]")
        #expect(GatewayJSON.prettyPrinted(.object(GatewayObject())) == "{}")
        #expect(GatewayJSON.prettyPrinted(42) == "42")
    }

    @Test("integers are written exactly")
    func integers() {
        let value: GatewayValue = [
            .integer(.min), .integer(.max), .integer(0), .integer(-7), .unsignedInteger(.max),
            .unsignedInteger(1 << 63), .bigInteger("-18446744073709551617"),
        ]
        #expect(value.description
            == "[-9223372036854775808,9223372036854775807,0,-7,18446744073709551615,9223372036854775808,-18446744073709551617]")
    }

    @Test("doubles use the shortest round-trip form (same text as Python's repr)")
    func doubles() throws {
        let doubles: [Double] = [1.0, 0.1, 1e-05, 1e16, -0.0, 123456789.0, .leastNonzeroMagnitude, 1.7976931348623157e308, 0.30000000000000004]
        let text = GatewayValue.array(doubles.map { .double($0) }).description
        // python3 -c 'print(json.dumps([1.0, 0.1, 1e-05, 1e16, -0.0, 123456789.0, 5e-324, 1.7976931348623157e308, 0.30000000000000004], separators=(",", ":")))'
        #expect(text == "[1.0,0.1,1e-05,1e+16,-0.0,123456789.0,5e-324,1.7976931348623157e+308,0.30000000000000004]")
        #expect(try GatewayJSON.decode(Array(text.utf8)) == .array(doubles.map { .double($0) }))
    }

    @Test("NaN and infinities encode as null")
    func nonFiniteDoubles() {
        let value: GatewayValue = [.double(.nan), .double(.infinity), .double(-.infinity)]
        #expect(value.description == "[null,null,null]")
    }

    @Test("strings escape only quote, backslash and control characters")
    func stringEscapes() {
        let value: GatewayValue = .string("\u{0}\u{1F}\u{8}\u{C}\n\r\t\"\\/\u{7F}é😀\u{2028}")
        // python3 -c 'print(json.dumps("\x00\x1f\b\f\n\r\t\"\\/\x7fé😀\u2028", ensure_ascii=False))'
        #expect(value.description == "\"\\u0000\\u001f\\b\\f\\n\\r\\t\\\"\\\\/\u{7F}é😀\u{2028}\"")
        #expect(GatewayValue.object(GatewayObject([.init(key: "k\"ey\n", value: 1)])).description == #"{"k\"ey\n":1}"#)
    }

    @Test("an escaped byte is found at every position of long strings, among multi-byte characters")
    func escapesAtEveryPosition() {
        // Each special byte at each offset of strings up to 40 bytes, so the 8-byte scan meets
        // it in every lane and in the byte-by-byte tail; expected text built by hand, as
        // python3 -c 'print(json.dumps(s, ensure_ascii=False))' writes it.
        let specials: [(Character, String)] = [("\"", #"\""#), ("\\", #"\\"#), ("\n", #"\n"#), ("\u{1}", #"\u0001"#)]
        for (special, escaped) in specials {
            for length in 1...40 {
                for position in 0..<length {
                    let before = String(repeating: "a", count: position)
                    let after = String(repeating: position % 2 == 0 ? "é" : "z", count: (length - position - 1) / 2)
                    let text = before + String(special) + after
                    #expect(GatewayValue.string(text).description == "\"" + before + escaped + after + "\"")
                }
            }
        }
        #expect(GatewayValue.string(String(repeating: "€", count: 20)).description == "\"" + String(repeating: "€", count: 20) + "\"")
    }

    @Test("every control character round-trips")
    func controlCharactersRoundTrip() throws {
        let text = String(String.UnicodeScalarView((0..<0x20).compactMap(Unicode.Scalar.init)))
        let value = GatewayValue.string(text)
        #expect(try GatewayJSON.decode(GatewayJSON.encode(value)) == value)
    }

    @Test("encode(into:) appends")
    func encodeIntoAppends() {
        var buffer = Array("prefix:".utf8)
        GatewayJSON.encode(["op": 1, "d": nil], into: &buffer)
        #expect(String(decoding: buffer, as: UTF8.self) == #"prefix:{"op":1,"d":null}"#)
    }

    @Test("decode -> encode -> decode is the identity", arguments: [
        JSONTestVectors.messageCreateCompact,
        #"[1,-1,0.5,-0.0,1e+300,"a\u0000b",{"":[]},[[[]]],true,false,null]"#,
        #"{"a":1,"a":2,"big":123456789012345678901234567890,"neg":-9223372036854775809}"#,
        #"  {"spaced" : [ 1 , 2 ] }  "#,
        #""\uD83D\uDE00 \u00e9 \u4e2d""#,
    ])
    func roundTrip(text: String) throws {
        let value = try GatewayJSON.decode(Array(text.utf8))
        let encoded = GatewayJSON.encode(value)
        #expect(try GatewayJSON.decode(encoded) == value)
        #expect(GatewayJSON.encode(try GatewayJSON.decode(encoded)) == encoded)
        #expect(try GatewayJSON.decode(Array(GatewayJSON.prettyPrinted(value).utf8)) == value)
    }
}
