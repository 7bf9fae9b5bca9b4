import Testing

@testable import GatewayCodecs

/// One input for the accept/reject tables, in the style of JSONTestSuite's `y_`/`n_` files.
struct JSONCase: Sendable, CustomStringConvertible {
    var name: String
    var bytes: [UInt8]
    var description: String { name }

    init(_ name: String, _ text: String) {
        self.name = name
        self.bytes = Array(text.utf8)
    }

    init(_ name: String, bytes: [UInt8]) {
        self.name = name
        self.bytes = bytes
    }
}

struct JSONRejectCase: Sendable, CustomStringConvertible {
    var input: JSONCase
    var kind: JSONDecodingError.Kind
    var offset: Int
    var description: String { "\(input.name) -> \(kind)@\(offset)" }

    init(_ name: String, _ text: String, _ kind: JSONDecodingError.Kind, at offset: Int) {
        input = JSONCase(name, text)
        self.kind = kind
        self.offset = offset
    }

    init(_ name: String, bytes: [UInt8], _ kind: JSONDecodingError.Kind, at offset: Int) {
        input = JSONCase(name, bytes: bytes)
        self.kind = kind
        self.offset = offset
    }
}

/// `"` + bytes + `"`: a JSON string with raw content bytes.
private func quoted(_ content: [UInt8]) -> [UInt8] { [0x22] + content + [0x22] }

private func decode(_ text: String, limits: CodecLimits = .init()) throws(JSONDecodingError) -> GatewayValue {
    try GatewayJSON.decode(Array(text.utf8), limits: limits)
}

private func decodingError(_ bytes: [UInt8], limits: CodecLimits = .init()) -> JSONDecodingError? {
    do {
        let value = try GatewayJSON.decode(bytes, limits: limits)
        Issue.record("accepted as \(value)")
        return nil
    } catch {
        return error
    }
}

@Suite("JSON decoding")
struct JSONDecodeTests {
    // MARK: accepted

    static let accepted: [(JSONCase, GatewayValue)] = [
        (JSONCase("empty array", "[]"), []),
        (JSONCase("empty object", "{}"), .object(GatewayObject())),
        (JSONCase("nested empty", "[[],{}]"), [[], .object(GatewayObject())]),
        (JSONCase("string", #""a""#), "a"),
        (JSONCase("empty string", #""""#), ""),
        (JSONCase("zero", "0"), 0),
        (JSONCase("minus zero integer", "-0"), 0),
        (JSONCase("negative", "-17"), -17),
        (JSONCase("exponent", "1E2"), 100.0),
        (JSONCase("exponent plus", "1e+2"), 100.0),
        (JSONCase("exponent minus", "1E-2"), 0.01),
        (JSONCase("zero exponent", "0e1"), 0.0),
        (JSONCase("fraction", "0.5"), 0.5),
        (JSONCase("tiny fraction", "0.0000000000000000000000001"), 1e-25),
        (JSONCase("many digits", "100000000000000000000000.0"), 1e23),
        (JSONCase("max double", "1.7976931348623157e308"), .double(.greatestFiniteMagnitude)),
        (JSONCase("min subnormal", "5e-324"), .double(.leastNonzeroMagnitude)),
        (JSONCase("underflow to zero", "1e-400"), 0.0),
        (JSONCase("true", "true"), true),
        (JSONCase("false", "false"), false),
        (JSONCase("null", "null"), nil),
        (JSONCase("all whitespace kinds", " \t\n\r[ 1 ,\t2\r\n] \n"), [1, 2]),
        (JSONCase("duplicate keys kept in order", #"{"a":1,"b":2,"a":3}"#),
         .object(GatewayObject([.init(key: "a", value: 1), .init(key: "b", value: 2), .init(key: "a", value: 3)]))),
        (JSONCase("empty key", #"{"":0}"#), ["": 0]),
        (JSONCase("simple escapes", #""\"\\\/\b\f\n\r\t""#), "\"\\/\u{8}\u{C}\n\r\t"),
        (JSONCase("escaped NUL", #""\u0000""#), "\u{0}"),
        (JSONCase("surrogate pair", #""\uD834\uDD1E""#), "𝄞"),
        (JSONCase("lowercase hex", #""\ud83d\ude00""#), "😀"),
        (JSONCase("escaped e-acute", #""\u00e9""#), "é"),
        (JSONCase("U+FFFF", #""\uFFFF""#), "\u{FFFF}"),
        (JSONCase("line separator", #""\u2028""#), "\u{2028}"),
        (JSONCase("raw 2-byte UTF-8", #""é""#), "é"),
        (JSONCase("raw 3-byte UTF-8", #""€""#), "€"),
        (JSONCase("raw 4-byte UTF-8", #""𝄞""#), "𝄞"),
        (JSONCase("raw CJK and emoji", #""状態 👋""#), "状態 👋"),
        (JSONCase("raw DEL", bytes: quoted([0x7F])), "\u{7F}"),
        (JSONCase("U+10FFFF", bytes: quoted([0xF4, 0x8F, 0xBF, 0xBF])), "\u{10FFFF}"),
        (JSONCase("long ASCII run", "\"" + String(repeating: "abcdefgh", count: 20) + "\""),
         .string(String(repeating: "abcdefgh", count: 20))),
        (JSONCase("escape after a long run", #""0123456789abcdef\n""#), "0123456789abcdef\n"),
    ]

    @Test("accepts valid JSON", arguments: accepted)
    func acceptsValidJSON(input: JSONCase, expected: GatewayValue) throws {
        #expect(try GatewayJSON.decode(input.bytes) == expected)
    }

    // MARK: rejected

    static let rejected: [JSONRejectCase] = [
        JSONRejectCase("empty input", "", .unexpectedEndOfInput, at: 0),
        JSONRejectCase("only whitespace", " \n", .unexpectedEndOfInput, at: 2),
        JSONRejectCase("trailing comma in array", "[1,]", .unexpectedCharacter, at: 3),
        JSONRejectCase("missing comma", "[1 2]", .unexpectedCharacter, at: 3),
        JSONRejectCase("double comma", "[1,,2]", .unexpectedCharacter, at: 3),
        JSONRejectCase("trailing comma in object", #"{"a":1,}"#, .unexpectedCharacter, at: 7),
        JSONRejectCase("missing colon", #"{"a" 1}"#, .unexpectedCharacter, at: 5),
        JSONRejectCase("double colon", #"{"a"::1}"#, .unexpectedCharacter, at: 5),
        JSONRejectCase("missing object comma", #"{"a":1 "b":2}"#, .unexpectedCharacter, at: 7),
        JSONRejectCase("unquoted key", "{a:1}", .unexpectedCharacter, at: 1),
        JSONRejectCase("number key", "{1:1}", .unexpectedCharacter, at: 1),
        JSONRejectCase("mismatched close", "{]", .unexpectedCharacter, at: 1),
        JSONRejectCase("array closed by brace", "[1}", .unexpectedCharacter, at: 2),
        JSONRejectCase("lone close", "]", .unexpectedCharacter, at: 0),
        JSONRejectCase("single quotes", "'a'", .unexpectedCharacter, at: 0),
        JSONRejectCase("comment", "[1]//", .trailingData, at: 3),
        JSONRejectCase("trailing garbage", "[1]x", .trailingData, at: 3),
        JSONRejectCase("two documents", "[1] [2]", .trailingData, at: 4),
        JSONRejectCase("form feed is not whitespace", "[\u{C}1]", .unexpectedCharacter, at: 1),
        JSONRejectCase("no-break space", "\u{A0}1", .unexpectedCharacter, at: 0),
        JSONRejectCase("byte order mark", "\u{FEFF}[]", .unexpectedCharacter, at: 0),
        JSONRejectCase("leading zero", "01", .leadingZero, at: 0),
        JSONRejectCase("negative leading zero", "-01", .leadingZero, at: 1),
        JSONRejectCase("double zero", "[-00]", .leadingZero, at: 2),
        JSONRejectCase("plus sign", "+1", .unexpectedCharacter, at: 0),
        JSONRejectCase("leading dot", ".5", .unexpectedCharacter, at: 0),
        JSONRejectCase("trailing dot at end", "5.", .unexpectedEndOfInput, at: 2),
        JSONRejectCase("trailing dot", "[5.]", .invalidNumber, at: 3),
        JSONRejectCase("dot then exponent", "[1.e5]", .invalidNumber, at: 3),
        JSONRejectCase("bare exponent at end", "1e", .unexpectedEndOfInput, at: 2),
        JSONRejectCase("bare exponent", "[1e]", .invalidNumber, at: 3),
        JSONRejectCase("signed bare exponent", "[1e+]", .invalidNumber, at: 4),
        JSONRejectCase("lone minus", "[-]", .invalidNumber, at: 2),
        JSONRejectCase("lone minus at end", "-", .unexpectedEndOfInput, at: 1),
        JSONRejectCase("NaN", "NaN", .unexpectedCharacter, at: 0),
        JSONRejectCase("Infinity", "Infinity", .unexpectedCharacter, at: 0),
        JSONRejectCase("minus Infinity", "-Infinity", .invalidNumber, at: 1),
        JSONRejectCase("hex", "0x10", .trailingData, at: 1),
        JSONRejectCase("hex in array", "[0x10]", .unexpectedCharacter, at: 2),
        JSONRejectCase("double overflow", "1e400", .numberOutOfRange, at: 0),
        JSONRejectCase("negative double overflow", "[-1.5e309]", .numberOutOfRange, at: 1),
        JSONRejectCase("unknown escape", #""\x""#, .invalidEscape, at: 1),
        JSONRejectCase("escaped single quote", #""\'""#, .invalidEscape, at: 1),
        JSONRejectCase("bad hex digit", #""\u12G4""#, .invalidEscape, at: 1),
        JSONRejectCase("short unicode escape", #""\u12""#, .invalidEscape, at: 1),
        JSONRejectCase("lone high surrogate", #""\uD800""#, .loneSurrogate, at: 1),
        JSONRejectCase("lone low surrogate", #""\uDC00""#, .loneSurrogate, at: 1),
        JSONRejectCase("high then BMP", #""\uD800\u0041""#, .loneSurrogate, at: 1),
        JSONRejectCase("high then text", #""\uD800x""#, .loneSurrogate, at: 1),
        JSONRejectCase("two highs", #""\uD800\uD800""#, .loneSurrogate, at: 1),
        JSONRejectCase("high then other escape", #""\uD800\n""#, .loneSurrogate, at: 1),
        JSONRejectCase("raw tab", "\"a\tb\"", .unescapedControlCharacter, at: 2),
        JSONRejectCase("raw NUL", bytes: quoted([0x00]), .unescapedControlCharacter, at: 1),
        JSONRejectCase("raw newline after long run", "\"0123456789abcdef\n\"", .unescapedControlCharacter, at: 17),
        JSONRejectCase("overlong 2-byte", bytes: quoted([0xC0, 0xAF]), .invalidUTF8, at: 1),
        JSONRejectCase("overlong 3-byte", bytes: quoted([0xE0, 0x80, 0xAF]), .invalidUTF8, at: 1),
        JSONRejectCase("overlong 4-byte", bytes: quoted([0xF0, 0x80, 0x80, 0xAF]), .invalidUTF8, at: 1),
        JSONRejectCase("encoded surrogate", bytes: quoted([0xED, 0xA0, 0x80]), .invalidUTF8, at: 1),
        JSONRejectCase("above U+10FFFF", bytes: quoted([0xF4, 0x90, 0x80, 0x80]), .invalidUTF8, at: 1),
        JSONRejectCase("F5 lead", bytes: quoted([0xF5, 0x80, 0x80, 0x80]), .invalidUTF8, at: 1),
        JSONRejectCase("stray continuation", bytes: quoted([0x61, 0x80]), .invalidUTF8, at: 2),
        JSONRejectCase("truncated sequence", bytes: quoted([0xE2, 0x82]), .invalidUTF8, at: 1),
        JSONRejectCase("FF byte", bytes: quoted([0xFF]), .invalidUTF8, at: 1),
        JSONRejectCase("bad byte after long run", bytes: quoted(Array("0123456789".utf8) + [0xC3, 0x28]), .invalidUTF8, at: 11),
        JSONRejectCase("UTF-8 outside a string", "[é]", .unexpectedCharacter, at: 1),
        JSONRejectCase("unterminated string", #""abc"#, .unexpectedEndOfInput, at: 4),
        JSONRejectCase("escape at end", #""\"#, .unexpectedEndOfInput, at: 2),
        JSONRejectCase("truncated true", "tru", .unexpectedEndOfInput, at: 3),
        JSONRejectCase("misspelt true", "trUe", .unexpectedCharacter, at: 2),
        JSONRejectCase("truncated null", "[nul", .unexpectedEndOfInput, at: 4),
        JSONRejectCase("capitalised", "True", .unexpectedCharacter, at: 0),
        JSONRejectCase("unclosed array", "[true", .unexpectedEndOfInput, at: 5),
        JSONRejectCase("unclosed object", #"{"a":1"#, .unexpectedEndOfInput, at: 6),
        JSONRejectCase("key without value", #"{"a""#, .unexpectedEndOfInput, at: 4),
        JSONRejectCase("comma at end", "[1,", .unexpectedEndOfInput, at: 3),
    ]

    @Test("rejects invalid JSON with the right kind and offset", arguments: rejected)
    func rejectsInvalidJSON(testCase: JSONRejectCase) {
        let error = decodingError(testCase.input.bytes)
        #expect(error?.kind == testCase.kind)
        #expect(error?.offset == testCase.offset)
    }

    @Test("error messages name what and where")
    func errorMessages() {
        #expect(decodingError(Array(#"{"a":1 x}"#.utf8))?.description == "unexpected 'x' at byte 7, expected ',' or '}'")
        #expect(decodingError(Array("[1]\n\t".utf8) + [0x01])?.message
            == "unexpected byte 0x01 at byte 5 after the end of the JSON value")
        #expect(decodingError(Array(#""\uD800""#.utf8))?.message == "lone UTF-16 surrogate \\uD800 at byte 1")
        #expect(decodingError(Array("01".utf8))?.message == "number with a leading zero at byte 0")
        #expect(decodingError(Array("[".utf8))?.message
            == "unexpected end of input at byte 1, expected a JSON value or ']'")
    }

    // MARK: numbers

    @Test("integers are exact at every 64-bit edge")
    func integerEdges() throws {
        #expect(try decode("-9223372036854775808") == .integer(.min))
        #expect(try decode("9223372036854775807") == .integer(.max))
        #expect(try decode("9223372036854775808") == .unsignedInteger(1 << 63))
        #expect(try decode("10000000000000000000") == .unsignedInteger(10_000_000_000_000_000_000))
        #expect(try decode("18446744073709551615") == .unsignedInteger(.max))
        #expect(try decode("18446744073709551616") == .bigInteger("18446744073709551616"))
        #expect(try decode("99999999999999999999") == .bigInteger("99999999999999999999"))
        #expect(try decode("-9223372036854775809") == .bigInteger("-9223372036854775809"))
        #expect(try decode("-18446744073709551616") == .bigInteger("-18446744073709551616"))
        #expect(try decode("123456789012345678901234567890") == .bigInteger("123456789012345678901234567890"))
        #expect(try decode("1246252379528144105") == .integer(1_246_252_379_528_144_105))
    }

    @Test("-0 is the integer 0, -0.0 is the double -0.0")
    func negativeZero() throws {
        #expect(try decode("-0") == .integer(0))
        let double = try decode("-0.0").doubleValue
        #expect(double == 0 && double?.sign == .minus)
        #expect(try decode("-0e0").doubleValue?.sign == .minus)
    }

    @Test("doubles are correctly rounded on the fast and slow paths")
    func doubles() throws {
        for text in [
            "0.1", "3.5", "-2.25", "1e22", "1e23", "9007199254740993.0", "2.2250738585072011e-308",
            "123456789012345678901.5", "0.30000000000000004", "4.9e-324", "1.7976931348623157e308",
            "12345678901234567890e-10", "8.41e21", "7.2057594037927933e16",
        ] {
            #expect(try decode(text) == .double(try #require(Double(text))), "\(text)")
        }
    }

    // MARK: nesting

    @Test("a 100 000-deep array bomb is rejected quickly at the cap")
    func nestingBomb() {
        let bomb = [UInt8](repeating: 0x5B, count: 100_000)
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            let error = decodingError(bomb)
            #expect(error?.kind == .depthLimitExceeded)
            #expect(error?.offset == 256)
        }
        #expect(elapsed < .seconds(1))
        let objects = [UInt8](String(repeating: #"{"a":"#, count: 100_000).utf8)
        #expect(decodingError(objects)?.offset == 256 * 5)
    }

    @Test("the depth cap is exact")
    func depthCapIsExact() throws {
        let limit = CodecLimits(maxNestingDepth: 256)
        let deepest = String(repeating: "[", count: 256) + String(repeating: "]", count: 256)
        #expect(throws: Never.self) { try decode(deepest, limits: limit) }
        let tooDeep = "[" + deepest + "]"
        #expect(decodingError(Array(tooDeep.utf8))?.kind == .depthLimitExceeded)
        #expect(decodingError(Array("[[]]".utf8), limits: CodecLimits(maxNestingDepth: 1))?.offset == 1)
        #expect(try decode("[]", limits: CodecLimits(maxNestingDepth: 1)) == [])
        #expect(try decode("7", limits: CodecLimits(maxNestingDepth: 0)) == 7)
    }

    @Test("a high cap uses the heap, not the call stack")
    func deepDocumentWithHighCap() throws {
        let depth = 2_000
        let text = String(repeating: "[", count: depth) + "1" + String(repeating: "]", count: depth)
        var value = try decode(text, limits: CodecLimits(maxNestingDepth: depth))
        for _ in 0..<depth - 1 { value = try #require(value[0]) }
        #expect(value == [1])
    }

    // MARK: hostile input

    @Test("every truncation of a realistic payload throws")
    func everyTruncationThrows() {
        let payload = Array(JSONTestVectors.messageCreateCompact.utf8)
        for length in 0..<payload.count {
            let prefix = Array(payload[..<length])
            #expect(throws: JSONDecodingError.self, "prefix \(length)") { try GatewayJSON.decode(prefix) }
        }
    }

    @Test("corrupting any byte never crashes")
    func corruptionNeverCrashes() {
        let payload = Array(JSONTestVectors.messageCreateCompact.utf8)
        for index in payload.indices {
            for replacement: UInt8 in [0x00, 0x22, 0x5C, 0x5B, 0x7D, 0xFF, 0xC3, 0x30] {
                var corrupt = payload
                corrupt[index] = replacement
                _ = try? GatewayJSON.decode(corrupt)
                _ = try? GatewayJSON.scanEnvelope(corrupt)
            }
        }
    }

    // MARK: RFC 8259 examples

    @Test("RFC 8259 section 13 examples")
    func rfcExamples() throws {
        let image = try decode(
            #"""
            {
                  "Image": {
                      "Width":  800,
                      "Height": 600,
                      "Title":  "View from 15th Floor",
                      "Thumbnail": {
                          "Url":    "http://www.example.com/image/481989943",
                          "Height": 125,
                          "Width":  100
                      },
                      "Animated" : false,
                      "IDs": [116, 943, 234, 38793]
                    }
                }
            """#)
        #expect(image["Image"]?.objectValue?.keys == ["Width", "Height", "Title", "Thumbnail", "Animated", "IDs"])
        #expect(image["Image"]?["Thumbnail"]?["Url"] == "http://www.example.com/image/481989943")
        #expect(image["Image"]?["IDs"] == [116, 943, 234, 38793])

        let places = try decode(
            #"""
            [
                    {
                       "precision": "zip",
                       "Latitude":  37.7668,
                       "Longitude": -122.3959,
                       "Address":   "",
                       "City":      "SAN FRANCISCO",
                       "State":     "CA",
                       "Zip":       "94107",
                       "Country":   "US"
                    },
                    {
                       "precision": "zip",
                       "Latitude":  37.371991,
                       "Longitude": -122.026020,
                       "Address":   "",
                       "City":      "SUNNYVALE",
                       "State":     "CA",
                       "Zip":       "94085",
                       "Country":   "US"
                    }
            ]
            """#)
        #expect(places[1]?["Longitude"] == .double(-122.026020))
        #expect(places[0]?["Latitude"] == .double(37.7668))
        #expect(try decode(#""Hello world!""#) == "Hello world!")
        #expect(try decode("42") == 42)
        #expect(try decode("true") == true)
    }

    @Test("the byte-buffer and array entry points agree, with offsets relative to the buffer")
    func bufferEntryPoint() throws {
        let bytes = Array(#"xx{"a":[1,2]}yy"#.utf8)
        let value = try bytes.withUnsafeBytes { buffer in
            try GatewayJSON.decode(UnsafeRawBufferPointer(rebasing: buffer[2..<13]))
        }
        #expect(value == ["a": [1, 2]])
    }
}
