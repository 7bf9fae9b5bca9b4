/// Strings: one validating pass that finds the closing quote, then (only when
/// the string has escapes) a second pass that unescapes into a scratch buffer.
extension JSONLexer {
    /// Where a validated string's content lies, and whether it needs unescaping.
    struct StringToken {
        /// Offset of the first content byte (after the opening quote).
        var start: Int
        /// Offset of the closing quote.
        var end: Int
        /// Whether the content contains backslash escapes.
        var hasEscapes: Bool
    }

    /// Validates the string whose opening quote is at the index and moves past its closing quote.
    ///
    /// Checks everything RFC 8259 and RFC 3629 require: escapes, surrogate
    /// pairs, raw control characters and well-formed UTF-8.
    @inline(__always)
    mutating func scanString() throws(JSONDecodingError) -> StringToken {
        let start = index + 1
        var position = start
        var hasEscapes = false
        // Hoisted out of the loop: the base address and the last offset where eight bytes
        // remain, so each word costs one comparison and no nil check.
        let lastWordStart = end - 8
        while true {
            // Eight bytes at a time while none is special (quote, backslash, control, non-ASCII).
            if let base = bytes.baseAddress {
                while position <= lastWordStart {
                    let word = UInt64(littleEndian: (base + position).loadUnaligned(as: UInt64.self))
                    let special = Self.specialBytes(in: word)
                    if special == 0 {
                        position += 8
                    } else {
                        // The lowest flagged byte is always a real match (see specialBytes).
                        position += special.trailingZeroBitCount >> 3
                        break
                    }
                }
            }
            guard position < end else {
                throw .endOfInput(at: position, expected: "'\"' to close the string starting at byte \(start - 1)")
            }
            let byte = bytes[position]
            if byte == .quote {
                index = position + 1
                return StringToken(start: start, end: position, hasEscapes: hasEscapes)
            } else if byte == .backslash {
                hasEscapes = true
                position = try validateEscape(at: position)
            } else if byte >= 0x80 {
                position = try validateUTF8Sequence(at: position)
            } else if byte < 0x20 {
                throw JSONDecodingError(
                    .unescapedControlCharacter, offset: position,
                    message: "unescaped control character \(JSONDecodingError.describe(byte: byte)) "
                        + "in a string at byte \(position)")
            } else {
                position += 1
            }
        }
    }

    /// Flags (bit 7 of each byte) the bytes of `word` that end the fast path:
    /// `"`, `\`, bytes below 0x20 and bytes from 0x80.
    ///
    /// The "has zero byte" and "has byte less than" tricks may also flag a
    /// byte above a real match (borrows only travel upwards), never below one,
    /// so the lowest flag always marks a real special byte.
    @inline(__always)
    static func specialBytes(in word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quotes = word ^ (ones &* UInt64(UInt8.quote))
        let backslashes = word ^ (ones &* UInt64(UInt8.backslash))
        let isQuote = (quotes &- ones) & ~quotes
        let isBackslash = (backslashes &- ones) & ~backslashes
        let isControl = (word &- ones &* 0x20) & ~word
        return (isQuote | isBackslash | isControl | word) & highs
    }

    /// Validates the escape whose backslash is at `position`; returns the offset after it.
    private func validateEscape(at position: Int) throws(JSONDecodingError) -> Int {
        guard position + 1 < end else {
            throw .endOfInput(at: position + 1, expected: "an escape character after '\\'")
        }
        switch bytes[position + 1] {
        case .quote, .backslash, .slash, 0x62, .lowerF, .lowerN, 0x72, .lowerT:  // " \ / b f n r t
            return position + 2
        case .lowerU:
            let unit = try hexQuad(at: position)
            if unit >= 0xDC00 && unit <= 0xDFFF {
                throw loneSurrogate(unit, at: position)
            }
            guard unit >= 0xD800 && unit <= 0xDBFF else { return position + 6 }
            // A high surrogate must be followed at once by an escaped low surrogate.
            let next = position + 6
            guard next + 1 < end else {
                if next < end && bytes[next] != .backslash { throw loneSurrogate(unit, at: position) }
                throw .endOfInput(at: end, expected: "a '\\u' low surrogate after the one at byte \(position)")
            }
            guard bytes[next] == .backslash && bytes[next + 1] == .lowerU else {
                throw loneSurrogate(unit, at: position)
            }
            let low = try hexQuad(at: next)
            guard low >= 0xDC00 && low <= 0xDFFF else { throw loneSurrogate(unit, at: position) }
            return next + 6
        default:
            throw JSONDecodingError(
                .invalidEscape, offset: position,
                message: "invalid escape at byte \(position): '\\' followed by "
                    + JSONDecodingError.describe(byte: bytes[position + 1]))
        }
    }

    /// The value of the four hex digits of the `\u` escape whose backslash is at `position`.
    private func hexQuad(at position: Int) throws(JSONDecodingError) -> UInt16 {
        var value: UInt16 = 0
        for digitOffset in position + 2..<position + 6 {
            guard digitOffset < end else {
                throw .endOfInput(at: digitOffset, expected: "four hex digits in the '\\u' escape at byte \(position)")
            }
            let byte = bytes[digitOffset]
            let digit: UInt8
            switch byte {
            case 0x30...0x39: digit = byte - 0x30
            case 0x41...0x46: digit = byte - 0x41 + 10
            case 0x61...0x66: digit = byte - 0x61 + 10
            default:
                throw JSONDecodingError(
                    .invalidEscape, offset: position,
                    message: "invalid '\\u' escape at byte \(position): \(JSONDecodingError.describe(byte: byte)) "
                        + "at byte \(digitOffset) is not a hex digit")
            }
            value = value << 4 | UInt16(digit)
        }
        return value
    }

    private func loneSurrogate(_ unit: UInt16, at position: Int) -> JSONDecodingError {
        JSONDecodingError(
            .loneSurrogate, offset: position,
            message: "lone UTF-16 surrogate \\u\(String(unit, radix: 16, uppercase: true)) at byte \(position)")
    }

    /// Validates the multi-byte UTF-8 sequence whose lead byte is at `position`
    /// (RFC 3629 table 3-7: no overlongs, no surrogates, nothing above U+10FFFF);
    /// returns the offset after it.
    @inline(__always)
    private func validateUTF8Sequence(at position: Int) throws(JSONDecodingError) -> Int {
        let lead = bytes[position]
        let length: Int
        // The allowed range of the second byte depends on the lead byte.
        var secondLow: UInt8 = 0x80
        var secondHigh: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; secondLow = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; secondHigh = 0x9F
        case 0xF0: length = 4; secondLow = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; secondHigh = 0x8F
        default: throw invalidUTF8(at: position, "byte 0x\(String(lead, radix: 16, uppercase: true)) cannot start a UTF-8 sequence")
        }
        for offset in 1..<length {
            guard position + offset < end else {
                throw .endOfInput(at: end, expected: "the rest of the UTF-8 sequence starting at byte \(position)")
            }
            let byte = bytes[position + offset]
            let low = offset == 1 ? secondLow : 0x80
            let high = offset == 1 ? secondHigh : 0xBF
            guard byte >= low && byte <= high else {
                throw invalidUTF8(at: position, "a \(length)-byte sequence is malformed at byte \(position + offset)")
            }
        }
        return position + length
    }

    private func invalidUTF8(at position: Int, _ detail: String) -> JSONDecodingError {
        JSONDecodingError(.invalidUTF8, offset: position, message: "invalid UTF-8 at byte \(position): \(detail)")
    }

    /// The content of a validated string token as a Swift `String`.
    ///
    /// `scratch` is reused between calls for unescaping, so a payload with many
    /// escaped strings allocates one buffer.
    func string(for token: StringToken, scratch: inout [UInt8]) -> String {
        guard token.hasEscapes else {
            return Self.makeString(UnsafeRawBufferPointer(rebasing: bytes[token.start..<token.end]))
        }
        scratch.removeAll(keepingCapacity: true)
        unescape(token, into: &scratch)
        return scratch.withUnsafeBytes { Self.makeString($0) }
    }

    /// Builds a `String` from bytes already validated as UTF-8.
    @inline(__always)
    static func makeString(_ utf8: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: utf8.count) { destination in
            UnsafeMutableRawBufferPointer(destination).copyMemory(from: utf8)
            return utf8.count
        }
    }

    /// Appends the unescaped content of a validated string to `output`, copying runs between escapes in bulk.
    func unescape(_ token: StringToken, into output: inout [UInt8]) {
        var runStart = token.start
        var position = token.start
        while position < token.end {
            guard bytes[position] == .backslash else {
                position += 1
                continue
            }
            output.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[runStart..<position]))
            let escaped = bytes[position + 1]
            switch escaped {
            case 0x62: output.append(0x08)  // \b
            case .lowerF: output.append(0x0C)
            case .lowerN: output.append(.lineFeed)
            case 0x72: output.append(.carriageReturn)  // \r
            case .lowerT: output.append(.tab)
            case .lowerU:
                var scalar = UInt32(uncheckedHex(at: position + 2))
                position += 6
                if scalar >= 0xD800 && scalar <= 0xDBFF {
                    let low = UInt32(uncheckedHex(at: position + 2))
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    position += 6
                }
                Self.appendUTF8(scalar, to: &output)
                runStart = position
                continue
            default: output.append(escaped)  // " \ /
            }
            position += 2
            runStart = position
        }
        output.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[runStart..<token.end]))
    }

    /// Four hex digits already validated by ``scanString()``.
    private func uncheckedHex(at position: Int) -> UInt16 {
        var value: UInt16 = 0
        for offset in position..<position + 4 {
            let byte = bytes[offset] | 0x20  // lowercases letters, keeps digits
            value = value << 4 | UInt16(byte <= .nine ? byte - .zero : byte - 0x61 + 10)
        }
        return value
    }

    static func appendUTF8(_ scalar: UInt32, to output: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            output.append(UInt8(truncatingIfNeeded: scalar))
        case 0x80..<0x800:
            output.append(UInt8(truncatingIfNeeded: 0xC0 | scalar >> 6))
            output.append(UInt8(truncatingIfNeeded: 0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            output.append(UInt8(truncatingIfNeeded: 0xE0 | scalar >> 12))
            output.append(UInt8(truncatingIfNeeded: 0x80 | scalar >> 6 & 0x3F))
            output.append(UInt8(truncatingIfNeeded: 0x80 | scalar & 0x3F))
        default:
            output.append(UInt8(truncatingIfNeeded: 0xF0 | scalar >> 18))
            output.append(UInt8(truncatingIfNeeded: 0x80 | scalar >> 12 & 0x3F))
            output.append(UInt8(truncatingIfNeeded: 0x80 | scalar >> 6 & 0x3F))
            output.append(UInt8(truncatingIfNeeded: 0x80 | scalar & 0x3F))
        }
    }
}
