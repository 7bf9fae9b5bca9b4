/// A small validating JSON scanner for capture records.
///
/// Records are flat objects whose values are strings, numbers, literals and
/// (for `sent` payloads) one nested value kept as raw bytes. Scanning in place
/// keeps replay fast and lets a payload be handed on exactly as written,
/// without a decode/encode round trip that could reorder keys or alter numbers.
struct JSONLineScanner {
    /// A syntax error at a byte offset within the line.
    struct SyntaxError: Error, Equatable {
        var offset: Int
        var message: String
    }

    /// One top-level value, as a range of the line.
    enum Value: Equatable {
        /// A string; `range` excludes the quotes; `hasEscapes` says whether it needs unescaping.
        case string(range: Range<Int>, hasEscapes: Bool)
        /// A number, exactly as written.
        case number(Range<Int>)
        /// `true`, `false` or `null`.
        case literal(Range<Int>)
        /// An object or array, including its brackets.
        case composite(Range<Int>)

        /// The bytes of the value as written (strings without their quotes).
        var range: Range<Int> {
            switch self {
            case .string(let range, _), .number(let range), .literal(let range), .composite(let range): return range
            }
        }
    }

    /// One key and its value.
    struct Field {
        var key: String
        var value: Value
    }

    let bytes: UnsafeRawBufferPointer
    let maxDepth: Int
    private var index = 0

    init(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = 256) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    /// Scans a line that must hold exactly one JSON object (whitespace around it allowed).
    mutating func scanObjectFields() throws(SyntaxError) -> [Field] {
        skipWhitespace()
        try expect(UInt8(ascii: "{"), "expected '{' to start a record")
        var fields: [Field] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            index += 1
        } else {
            while true {
                skipWhitespace()
                guard peek() == UInt8(ascii: "\"") else { throw error("expected a quoted key") }
                let (keyRange, keyEscaped) = try scanString()
                let key = try Self.decodeString(bytes, keyRange, hasEscapes: keyEscaped)
                skipWhitespace()
                try expect(UInt8(ascii: ":"), "expected ':' after a key")
                skipWhitespace()
                let value = try scanValue(depth: 1)
                fields.append(Field(key: key, value: value))
                skipWhitespace()
                guard let next = peek() else { throw error("unexpected end of line inside a record") }
                index += 1
                if next == UInt8(ascii: "}") { break }
                guard next == UInt8(ascii: ",") else {
                    index -= 1
                    throw error("expected ',' or '}' after a value")
                }
            }
        }
        skipWhitespace()
        guard index == bytes.count else { throw error("unexpected data after the record") }
        return fields
    }

    /// Checks that the whole buffer is exactly one JSON value (whitespace around it allowed).
    mutating func validateSingleValue() throws(SyntaxError) {
        skipWhitespace()
        _ = try scanValue(depth: 1)
        skipWhitespace()
        guard index == bytes.count else { throw error("unexpected data after the JSON value") }
    }

    private func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    private func error(_ message: String) -> SyntaxError { SyntaxError(offset: index, message: message) }

    private mutating func expect(_ byte: UInt8, _ message: String) throws(SyntaxError) {
        guard peek() == byte else { throw error(message) }
        index += 1
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private mutating func scanValue(depth: Int) throws(SyntaxError) -> Value {
        guard let first = peek() else { throw error("expected a value") }
        switch first {
        case UInt8(ascii: "\""):
            let (range, escaped) = try scanString()
            return .string(range: range, hasEscapes: escaped)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let start = index
            try skipComposite(depth: depth)
            return .composite(start..<index)
        case UInt8(ascii: "t"): return .literal(try scanLiteral("true"))
        case UInt8(ascii: "f"): return .literal(try scanLiteral("false"))
        case UInt8(ascii: "n"): return .literal(try scanLiteral("null"))
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try scanNumber())
        default: throw error("expected a value")
        }
    }

    private mutating func scanLiteral(_ word: StaticString) throws(SyntaxError) -> Range<Int> {
        let start = index
        let count = word.utf8CodeUnitCount
        guard bytes.count - index >= count else { throw error("invalid literal") }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] {
            throw error("invalid literal")
        }
        index += count
        return start..<index
    }

    private mutating func scanNumber() throws(SyntaxError) -> Range<Int> {
        let start = index
        if peek() == UInt8(ascii: "-") { index += 1 }
        guard let lead = peek(), isDigit(lead) else { throw error("expected a digit") }
        index += 1
        if lead != UInt8(ascii: "0") { skipDigits() }
        if peek() == UInt8(ascii: ".") {
            index += 1
            guard let digit = peek(), isDigit(digit) else { throw error("expected a digit after '.'") }
            skipDigits()
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            index += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index += 1 }
            guard let digit = peek(), isDigit(digit) else { throw error("expected a digit in the exponent") }
            skipDigits()
        }
        return start..<index
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private mutating func skipDigits() {
        while let byte = peek(), isDigit(byte) { index += 1 }
    }

    /// Scans a string starting at its opening quote; returns the range inside the quotes.
    private mutating func scanString() throws(SyntaxError) -> (Range<Int>, Bool) {
        index += 1
        let start = index
        var escaped = false
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                let range = start..<index
                index += 1
                return (range, escaped)
            case UInt8(ascii: "\\"):
                escaped = true
                index += 1
                guard let next = peek() else { throw error("unterminated escape") }
                switch next {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                    UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    index += 1
                case UInt8(ascii: "u"):
                    index += 1
                    for _ in 0..<4 {
                        guard let hex = peek(), HexDigit.value(hex) != nil else { throw error("expected 4 hex digits after \\u") }
                        index += 1
                    }
                default:
                    throw error("invalid escape")
                }
            case 0x00..<0x20:
                throw error("control character in a string")
            default:
                index += 1
            }
        }
        throw error("unterminated string")
    }

    /// Skips an object or array, validating it, without materialising anything.
    private mutating func skipComposite(depth: Int) throws(SyntaxError) {
        guard depth <= maxDepth else { throw error("nesting deeper than \(maxDepth) levels") }
        let isObject = bytes[index] == UInt8(ascii: "{")
        let close = isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
        index += 1
        skipWhitespace()
        if peek() == close {
            index += 1
            return
        }
        while true {
            skipWhitespace()
            if isObject {
                guard peek() == UInt8(ascii: "\"") else { throw error("expected a quoted key") }
                _ = try scanString()
                skipWhitespace()
                try expect(UInt8(ascii: ":"), "expected ':' after a key")
                skipWhitespace()
            }
            _ = try scanValue(depth: depth + 1)
            skipWhitespace()
            guard let next = peek() else { throw error("unexpected end of input inside a value") }
            index += 1
            if next == close { return }
            guard next == UInt8(ascii: ",") else {
                index -= 1
                throw error(isObject ? "expected ',' or '}'" : "expected ',' or ']'")
            }
        }
    }

    /// Decodes the string whose contents (inside the quotes) lie at `range`.
    static func decodeString(
        _ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, hasEscapes: Bool
    ) throws(SyntaxError) -> String {
        let raw = UnsafeRawBufferPointer(rebasing: bytes[range])
        guard hasEscapes else { return String(decoding: raw, as: UTF8.self) }
        var scalars = String.UnicodeScalarView()
        var utf8: [UInt8] = []
        var index = 0
        func flush() {
            if !utf8.isEmpty {
                scalars.append(contentsOf: String(decoding: utf8, as: UTF8.self).unicodeScalars)
                utf8.removeAll(keepingCapacity: true)
            }
        }
        func hex4(at position: Int) -> UInt32? {
            guard raw.count - position >= 4 else { return nil }
            var value: UInt32 = 0
            for offset in 0..<4 {
                guard let digit = HexDigit.value(raw[position + offset]) else { return nil }
                value = value << 4 | UInt32(digit)
            }
            return value
        }
        while index < raw.count {
            let byte = raw[index]
            guard byte == UInt8(ascii: "\\"), index + 1 < raw.count else {
                utf8.append(byte)
                index += 1
                continue
            }
            flush()
            let escape = raw[index + 1]
            index += 2
            switch escape {
            case UInt8(ascii: "b"): scalars.append("\u{08}")
            case UInt8(ascii: "f"): scalars.append("\u{0C}")
            case UInt8(ascii: "n"): scalars.append("\n")
            case UInt8(ascii: "r"): scalars.append("\r")
            case UInt8(ascii: "t"): scalars.append("\t")
            case UInt8(ascii: "u"):
                guard let unit = hex4(at: index) else {
                    throw SyntaxError(offset: range.lowerBound + index, message: "expected 4 hex digits after \\u")
                }
                index += 4
                var scalar = Unicode.Scalar(unit)
                if (0xD800..<0xDC00).contains(unit), raw.count - index >= 6, raw[index] == UInt8(ascii: "\\"),
                    raw[index + 1] == UInt8(ascii: "u"), let low = hex4(at: index + 2), (0xDC00..<0xE000).contains(low)
                {
                    scalar = Unicode.Scalar(0x10000 + (unit - 0xD800) << 10 + (low - 0xDC00))
                    index += 6
                }
                // A lone surrogate cannot be a Swift string; it becomes U+FFFD like invalid UTF-8 does.
                scalars.append(scalar ?? "\u{FFFD}")
            default:
                scalars.append(Unicode.Scalar(escape))
            }
        }
        flush()
        return String(scalars)
    }
}

/// Hex digit values, shared by the JSON scanner and the hexdump parser.
enum HexDigit {
    /// The value of an ASCII hex digit, or `nil`.
    @inline(__always)
    static func value(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte &- UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte &- UInt8(ascii: "a") &+ 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte &- UInt8(ascii: "A") &+ 10
        default: return nil
        }
    }
}
