/// Writes ``GatewayValue``s as JSON text, compact or indented.
///
/// Output rules (shared by both layouts): keys in the object's order;
/// integers exact in every case; doubles in the shortest form that reads
/// back to the same value (Swift's `description`, e.g. `1.0`, `0.1`,
/// `1e-05`, `1e+16`), and `null` for NaN and infinities, which JSON cannot
/// express; strings as UTF-8 with only `"`, `\` and control characters
/// escaped (`\b \f \n \r \t`, otherwise `\u00XX` in lowercase hex).
///
/// Recursion depth follows the value's nesting; decoded values are capped by
/// ``CodecLimits/maxNestingDepth``.
struct JSONWriter {
    var output: [UInt8]
    /// `nil` for compact output; otherwise the current indentation level.
    private var indentLevel: Int?

    init(output: [UInt8] = [], pretty: Bool) {
        self.output = output
        self.indentLevel = pretty ? 0 : nil
    }

    mutating func write(_ value: GatewayValue) {
        switch value {
        case .null: append("null")
        case .bool(let flag): append(flag ? "true" : "false")
        case .integer(let integer):
            writeDecimal(integer.magnitude, negative: integer < 0)
        case .unsignedInteger(let integer):
            writeDecimal(integer, negative: false)
        case .bigInteger(let text):
            writeUTF8(text)
        case .double(let double):
            if double.isFinite { writeUTF8(double.description) } else { append("null") }
        case .string(let string):
            writeString(string)
        case .array(let elements):
            writeContainer(open: .openBracket, close: .closeBracket, count: elements.count) { writer, index in
                writer.write(elements[index])
            }
        case .object(let object):
            writeContainer(open: .openBrace, close: .closeBrace, count: object.entries.count) { writer, index in
                let entry = object.entries[index]
                writer.writeString(entry.key)
                writer.output.append(.colon)
                if writer.indentLevel != nil { writer.output.append(.space) }
                writer.write(entry.value)
            }
        }
    }

    /// Writes `[a,b]` compactly, or Python's `json.dumps(indent=2)` layout when pretty.
    private mutating func writeContainer(
        open: UInt8, close: UInt8, count: Int, element: (inout JSONWriter, Int) -> Void
    ) {
        output.append(open)
        guard count > 0 else {
            output.append(close)
            return
        }
        guard let level = indentLevel else {
            for index in 0..<count {
                if index > 0 { output.append(.comma) }
                element(&self, index)
            }
            output.append(close)
            return
        }
        indentLevel = level + 1
        for index in 0..<count {
            if index > 0 { output.append(.comma) }
            newline(indent: level + 1)
            element(&self, index)
        }
        indentLevel = level
        newline(indent: level)
        output.append(close)
    }

    private mutating func newline(indent: Int) {
        output.append(.lineFeed)
        output.append(contentsOf: repeatElement(UInt8.space, count: 2 * indent))
    }

    mutating func append(_ literal: StaticString) {
        output.append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    private mutating func writeUTF8(_ text: String) {
        var text = text
        text.withUTF8 { output.append(contentsOf: $0) }
    }

    mutating func writeDecimal(_ magnitude: UInt64, negative: Bool) {
        if negative { output.append(.minus) }
        if magnitude < 10 {
            output.append(.zero + UInt8(truncatingIfNeeded: magnitude))
            return
        }
        // 20 digits hold UInt64.max.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var remaining = magnitude
            var start = 20
            while remaining > 0 {
                start -= 1
                let (quotient, digit) = remaining.quotientAndRemainder(dividingBy: 10)
                digits[start] = .zero + UInt8(truncatingIfNeeded: digit)
                remaining = quotient
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: digits[start..<20]))
        }
    }

    private mutating func writeString(_ string: String) {
        var string = string
        string.withUTF8 { writeString(utf8: $0) }
    }

    /// Writes valid UTF-8 text as a JSON string, escaping as ``write(_:)`` does for strings.
    mutating func writeString(utf8: UnsafeBufferPointer<UInt8>) {
        output.append(.quote)
        let count = utf8.count
        var runStart = 0
        var index = 0
        while index < count {
            // Eight bytes at a time while none needs escaping, as in nearly all text.
            if count - index >= 8 {
                let word = UInt64(
                    littleEndian: UnsafeRawBufferPointer(utf8).loadUnaligned(fromByteOffset: index, as: UInt64.self))
                let flags = Self.bytesToEscape(in: word)
                if flags == 0 {
                    index += 8
                    continue
                }
                index += flags.trailingZeroBitCount >> 3
            }
            let byte = utf8[index]
            if byte < 0x20 || byte == .quote || byte == .backslash {
                output.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
                writeEscape(for: byte)
                runStart = index + 1
            }
            index += 1
        }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<count]))
        output.append(.quote)
    }

    /// Flags (bit 7 of each byte) the bytes of `word` that need an escape: `"`, `\` and
    /// bytes below 0x20. The tricks may also flag a byte above a real match, never below
    /// one, so the lowest flag is always real; the caller checks each flagged byte anyway.
    @inline(__always)
    private static func bytesToEscape(in word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let quotes = word ^ (ones &* UInt64(UInt8.quote))
        let backslashes = word ^ (ones &* UInt64(UInt8.backslash))
        let isQuote = (quotes &- ones) & ~quotes
        let isBackslash = (backslashes &- ones) & ~backslashes
        let isControl = (word &- ones &* 0x20) & ~word
        return (isQuote | isBackslash | isControl) & 0x8080_8080_8080_8080
    }

    private mutating func writeEscape(for byte: UInt8) {
        output.append(.backslash)
        switch byte {
        case .quote, .backslash: output.append(byte)
        case 0x08: output.append(0x62)  // b
        case 0x0C: output.append(.lowerF)
        case .lineFeed: output.append(.lowerN)
        case .carriageReturn: output.append(0x72)  // r
        case .tab: output.append(.lowerT)
        default:
            output.append(.lowerU)
            output.append(.zero)
            output.append(.zero)
            output.append(Self.hexDigit(byte >> 4))
            output.append(Self.hexDigit(byte & 0xF))
        }
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? .zero + nibble : 0x61 + nibble - 10
    }
}
