import Testing
@testable import CaptureFormats
@testable import GatewayCLI

/// Real output of xxd, hexdump -C, od and base64 (see Fixtures/hexdump/make-fixtures.sh).
@Suite struct HexdumpParserTests {
    static let formats: [(file: String, format: HexdumpFormat)] = [
        ("sample.xxd", .xxd),
        ("sample.xxd-a", .xxd),
        ("sample.xxd-g1-c8", .xxd),
        ("sample.xxd-p", .plain),
        ("sample.hexdump-C", .hexdumpCanonical),
        ("sample.od-v", .od),
    ]

    @Test(arguments: formats)
    func readsRealToolOutput(file: String, format: HexdumpFormat) throws {
        let expected = try Fixtures.bytes("hexdump/sample.bin")
        let text = try Fixtures.text("hexdump/\(file)")
        let parsed = try HexdumpParser.parse(text)
        #expect(parsed.format == format)
        #expect(parsed.bytes == expected)
        // The format given explicitly gives the same result.
        #expect(try HexdumpParser.parse(text, format: format).bytes == expected)
    }

    @Test func xxdWithAStartOffsetYieldsTheBytesFromThere() throws {
        let expected = Array(try Fixtures.bytes("hexdump/sample.bin").dropFirst(16))
        let parsed = try HexdumpParser.parse(try Fixtures.text("hexdump/sample.xxd-s16"))
        #expect(parsed.format == .xxd)
        #expect(parsed.bytes == expected)
    }

    @Test(arguments: ["trailing-zeros.hexdump-C", "trailing-zeros.xxd-a"])
    func expandsTrailingRepeats(file: String) throws {
        let expected = try Fixtures.bytes("hexdump/trailing-zeros.bin")
        #expect(try HexdumpParser.parse(try Fixtures.text("hexdump/\(file)")).bytes == expected)
    }

    @Test func readsWrappedBase64WhenAskedTo() throws {
        let expected = try Fixtures.bytes("hexdump/sample.bin")
        let parsed = try HexdumpParser.parse(try Fixtures.text("hexdump/sample.base64"), format: .base64)
        #expect(parsed.bytes == expected)
        #expect(parsed.format == .base64)
    }

    @Test(arguments: [
        "81 3c 7b 22", "813c7b22", "0x81 0x3c 0x7b 0x22", "0x81,0x3c,0x7b,0x22", "81:3c:7b:22", "81:3C:7B:22",
        "  0x813c\n\t7b22\r\n", "0x81, 0x3c; 7b22",
    ])
    func readsPlainHexWithAnySpacing(text: String) throws {
        #expect(try HexdumpParser.parse(text).bytes == [0x81, 0x3C, 0x7B, 0x22])
    }

    @Test func odWithCollapsedLinesIsRefusedWithAHint() throws {
        let text = try Fixtures.text("hexdump/sample.od-star")
        let error = try #require(throws: HexdumpError.self) { try HexdumpParser.parse(text) }
        #expect(error.kind == .unexpandableRepeat)
        #expect(error.format == .od)
        #expect(error.line == 6)
        #expect(error.column == 1)
        #expect(error.message.contains("od -v"))
    }

    struct BadInput: Sendable, CustomTestStringConvertible {
        var text: String
        var format: HexdumpFormat?
        var kind: HexdumpError.Kind
        var line: Int
        var column: Int
        var testDescription: String { text.debugDescription }
    }

    static let badInputs: [BadInput] = [
        BadInput(text: "81 3g", kind: .unexpectedCharacter, line: 1, column: 5),
        BadInput(text: "81 7e\n00 28 zz", kind: .unexpectedCharacter, line: 2, column: 7),
        BadInput(text: "81 7e\n0x123", kind: .oddDigitCount, line: 2, column: 1),
        BadInput(text: "8", kind: .oddDigitCount, line: 1, column: 1),
        BadInput(text: "0x", kind: .unexpectedCharacter, line: 1, column: 3),
        BadInput(text: "81 é", kind: .unexpectedCharacter, line: 1, column: 4),
        BadInput(text: "", kind: .noData, line: 1, column: 1),
        BadInput(text: " \n ,\n", kind: .noData, line: 1, column: 1),
        BadInput(text: "*\n 81", kind: .unexpandableRepeat, line: 1, column: 1),
        // xxd: offsets must follow the bytes, groups must be hex.
        BadInput(
            text: "00000000: 813c 7b22  .<{\"\n00000008: 0000  ..\n", kind: .offsetMismatch, line: 2, column: 1),
        BadInput(text: "00000000: 813c 7q22  .<{\"\n", kind: .unexpectedCharacter, line: 1, column: 17),
        BadInput(text: "00000000: 813 7b22  .<{\"\n", kind: .oddDigitCount, line: 1, column: 11),
        BadInput(text: "00000000  81 3c  ..\n", format: .xxd, kind: .unexpectedCharacter, line: 1, column: 9),
        // hexdump -C: '*' needs a following offset that is a whole number of lines away.
        BadInput(
            text: "00000000  00 00 00 00  |....|\n*\n", format: .hexdumpCanonical, kind: .unexpandableRepeat, line: 2,
            column: 1),
        BadInput(
            text: "00000000  00 00 00 00  |....|\n*\n00000006\n", format: .hexdumpCanonical, kind: .offsetMismatch,
            line: 3, column: 1),
        BadInput(
            text: "00000000  81 3c 7b 2  |.<{|\n", kind: .unexpectedCharacter, line: 1, column: 21),
        BadInput(text: "*\n00000000  81  |.|\n", format: .hexdumpCanonical, kind: .unexpandableRepeat, line: 1, column: 1),
        BadInput(
            text: "00000000  00  |.|\n*\nffffffff\n", format: .hexdumpCanonical, kind: .tooLarge, line: 3, column: 1),
        // base64: position of the first bad character.
        BadInput(text: "gTx7\nIm9w!joxMCwi", format: .base64, kind: .unexpectedCharacter, line: 2, column: 5),
        BadInput(text: "gTx7Im9=w", format: .base64, kind: .unexpectedCharacter, line: 1, column: 9),
    ]

    @Test(arguments: badInputs)
    func reportsWhereBadInputIs(input: BadInput) throws {
        let error = try #require(throws: HexdumpError.self) {
            try HexdumpParser.parse(input.text, format: input.format, limit: 1 << 20)
        }
        #expect(error.kind == input.kind, "\(error)")
        #expect(error.line == input.line, "\(error)")
        #expect(error.column == input.column, "\(error)")
        #expect(error.exitStatus == .dataError)
    }

    @Test func messagesNameTheFormatLineColumnAndWhatWasExpected() throws {
        let error = try #require(throws: HexdumpError.self) { try HexdumpParser.parse("81 7e\n00 28 zz") }
        #expect(error.description == "plain hex input, line 2, column 7: expected a hex digit or a separator, found 'z'")
    }

    @Test func detectsFormats() {
        #expect(HexdumpParser.detectFormat(Array("00000000: 8101  ..".utf8)) == .xxd)
        #expect(HexdumpParser.detectFormat(Array("\n\n00000000  81 01  |..|".utf8)) == .hexdumpCanonical)
        #expect(HexdumpParser.detectFormat(Array(" 81 01 7b".utf8)) == .od)
        #expect(HexdumpParser.detectFormat(Array("81 01 7b".utf8)) == .plain)
        #expect(HexdumpParser.detectFormat(Array("deadbeefcafe  0102".utf8)) == .plain)
    }
}
