/// Bytes recovered from a hexdump, and the format they were read as.
public struct ParsedHexdump: Sendable, Hashable {
    /// The bytes.
    public var bytes: [UInt8]
    /// The format the text was read as (detected or given).
    public var format: HexdumpFormat
}

/// Reads the hexdumps people paste: plain hex, `xxd`, `hexdump -C`, `od -An -tx1`, base64.
///
/// Formats with an offset column (`xxd`, `hexdump -C`) have their offsets
/// checked against the bytes read so far, which is also how their `*` lines
/// (runs of a repeated line) are expanded. The ASCII columns are ignored.
public enum HexdumpParser {
    /// The default cap on decoded bytes, so a forged offset cannot make `*` expand without end.
    public static let defaultLimit = 64 << 20

    /// Parses `text`, detecting its format unless `format` is given.
    ///
    /// - Throws: ``HexdumpError`` naming the line and column of the first problem.
    public static func parse(
        _ text: String, format: HexdumpFormat? = nil, limit: Int = defaultLimit
    ) throws(HexdumpError) -> ParsedHexdump {
        try parse(Array(text.utf8), format: format, limit: limit)
    }

    /// Parses UTF-8 `text`, detecting its format unless `format` is given.
    public static func parse(
        _ text: [UInt8], format: HexdumpFormat? = nil, limit: Int = defaultLimit
    ) throws(HexdumpError) -> ParsedHexdump {
        let chosen = format ?? detectFormat(text)
        var parser = LineParser(text: text, format: chosen, limit: limit)
        let bytes: [UInt8]
        switch chosen {
        case .plain, .od: bytes = try parser.parsePlain()
        case .xxd, .hexdumpCanonical: bytes = try parser.parseWithOffsets()
        case .base64: bytes = try parser.parseBase64()
        }
        return ParsedHexdump(bytes: bytes, format: chosen)
    }

    /// Guesses the format from the first non-blank line; never guesses base64.
    public static func detectFormat(_ text: [UInt8]) -> HexdumpFormat {
        var lineStart = 0
        while lineStart < text.count {
            let lineEnd = text[lineStart...].firstIndex(of: UInt8(ascii: "\n")) ?? text.count
            let line = text[lineStart..<lineEnd]
            lineStart = lineEnd + 1
            guard line.contains(where: { !isSpace($0) }) else { continue }
            let offsetDigits = line.prefix { HexDigit.value($0) != nil }.count
            let rest = line.dropFirst(offsetDigits)
            if offsetDigits >= 6 && rest.starts(with: Array(": ".utf8)) { return .xxd }
            if offsetDigits >= 8 && rest.starts(with: Array("  ".utf8)) && line.contains(UInt8(ascii: "|")) {
                return .hexdumpCanonical
            }
            if line.first == UInt8(ascii: " ") && isOdLine(line) { return .od }
            return .plain
        }
        return .plain
    }

    /// Whether a line is ` xx xx xx`: a space before every two-digit byte.
    private static func isOdLine(_ line: ArraySlice<UInt8>) -> Bool {
        var index = line.startIndex
        let end = line.endIndex - (line.last == 0x0D ? 1 : 0)
        while index < end {
            guard line[index] == UInt8(ascii: " "), end - index >= 3,
                HexDigit.value(line[index + 1]) != nil, HexDigit.value(line[index + 2]) != nil
            else { return false }
            index += 3
        }
        return true
    }

    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A || byte == 0x0B || byte == 0x0C
    }
}

/// The line-by-line reading shared by the formats.
private struct LineParser {
    let text: [UInt8]
    let format: HexdumpFormat
    let limit: Int
    var output: [UInt8] = []
    /// 1-based number of the current line.
    var lineNumber = 0
    /// Index in `text` where the current line starts.
    var lineStart = 0

    init(text: [UInt8], format: HexdumpFormat, limit: Int) {
        self.text = text
        self.format = format
        self.limit = limit
        output.reserveCapacity(min(text.count / 2, limit))
    }

    /// Calls `body` with the bounds of each line (without `\n` and a trailing `\r`).
    mutating func forEachLine(_ body: (inout LineParser, Int, Int) throws(HexdumpError) -> Void) throws(HexdumpError) {
        var start = 0
        while start <= text.count {
            var end = start
            while end < text.count && text[end] != UInt8(ascii: "\n") { end += 1 }
            let next = end + 1
            if end > start && text[end - 1] == 0x0D { end -= 1 }
            lineNumber += 1
            lineStart = start
            try body(&self, start, end)
            start = next
        }
    }

    func error(_ kind: HexdumpError.Kind, at index: Int, _ message: String) -> HexdumpError {
        // Columns count characters, so skip UTF-8 continuation bytes.
        let column = text[lineStart..<min(index, text.count)].reduce(1) { $1 & 0xC0 == 0x80 ? $0 : $0 + 1 }
        return HexdumpError(kind, format: format, line: lineNumber, column: column, message)
    }

    func describe(_ index: Int) -> String {
        guard index < text.count else { return "the end of the line" }
        let byte = text[index]
        switch byte {
        case 0x21..<0x7F: return "'\(String(decoding: [byte], as: UTF8.self))'"
        case 0x20: return "a space"
        case 0x09: return "a tab"
        default: return "byte 0x\(String(byte, radix: 16))"
        }
    }

    mutating func appendByte(_ byte: UInt8, at index: Int) throws(HexdumpError) {
        guard output.count < limit else {
            throw error(.tooLarge, at: index, "more than \(limit) bytes")
        }
        output.append(byte)
    }

    // MARK: plain and od

    mutating func parsePlain() throws(HexdumpError) -> [UInt8] {
        try forEachLine { parser, start, end throws(HexdumpError) in try parser.parsePlainLine(start, end) }
        guard !output.isEmpty else { throw HexdumpError(.noData, format: format, line: 1, column: 1, "no hex digits found") }
        return output
    }

    private mutating func parsePlainLine(_ start: Int, _ end: Int) throws(HexdumpError) {
        var index = start
        while index < end {
            let byte = text[index]
            if HexdumpParser.isSpace(byte) || byte == UInt8(ascii: ",") || byte == UInt8(ascii: ":")
                || byte == UInt8(ascii: ";")
            {
                index += 1
                continue
            }
            if byte == UInt8(ascii: "*") && index == text[start..<end].firstIndex(where: { !HexdumpParser.isSpace($0) }) {
                throw error(
                    .unexpandableRepeat, at: index,
                    "a '*' line stands for repeated lines, but without an offset column it cannot say how many; "
                        + "produce the dump with od -v (or xxd / hexdump -C, which print offsets)")
            }
            let tokenStart = index
            if byte == UInt8(ascii: "0") && index + 1 < end && (text[index + 1] | 0x20) == UInt8(ascii: "x") {
                index += 2
            }
            let digitsStart = index
            while index < end, HexDigit.value(text[index]) != nil { index += 1 }
            let digitCount = index - digitsStart
            if index < end && !isPlainSeparator(text[index]) {
                throw error(.unexpectedCharacter, at: index, "expected a hex digit or a separator, found \(describe(index))")
            }
            if digitCount == 0 {
                throw error(.unexpectedCharacter, at: index, "expected hex digits after '0x', found \(describe(index))")
            }
            guard digitCount % 2 == 0 else {
                throw error(
                    .oddDigitCount, at: tokenStart,
                    "odd number of hex digits (\(digitCount)) in '\(String(decoding: text[tokenStart..<index], as: UTF8.self))': "
                        + "every byte needs two")
            }
            try appendPairs(digitsStart, index)
        }
    }

    private func isPlainSeparator(_ byte: UInt8) -> Bool {
        HexdumpParser.isSpace(byte) || byte == UInt8(ascii: ",") || byte == UInt8(ascii: ":") || byte == UInt8(ascii: ";")
    }

    /// Appends the bytes spelled by the (even) run of hex digits in `start..<end`.
    private mutating func appendPairs(_ start: Int, _ end: Int) throws(HexdumpError) {
        var index = start
        while index < end {
            guard let high = HexDigit.value(text[index]), let low = HexDigit.value(text[index + 1]) else {
                throw error(.unexpectedCharacter, at: index, "expected a hex digit, found \(describe(index))")
            }
            try appendByte(high << 4 | low, at: index)
            index += 2
        }
    }

    // MARK: xxd and hexdump -C

    /// State for checking offsets and expanding `*`.
    private struct OffsetState {
        var base: Int?
        var previousLine: Range<Int>?
        var pendingRepeatAt: Int?
    }

    mutating func parseWithOffsets() throws(HexdumpError) -> [UInt8] {
        var state = OffsetState()
        try forEachLine { parser, start, end throws(HexdumpError) in try parser.parseOffsetLine(start, end, &state) }
        if let repeatIndex = state.pendingRepeatAt {
            lineStart = text[..<repeatIndex].lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
            lineNumber = text[..<repeatIndex].reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
            throw error(
                .unexpandableRepeat, at: repeatIndex,
                "a '*' line must be followed by a line with an offset, to know how many lines it stands for")
        }
        guard !output.isEmpty else { throw HexdumpError(.noData, format: format, line: 1, column: 1, "no bytes found") }
        return output
    }

    private mutating func parseOffsetLine(_ start: Int, _ end: Int, _ state: inout OffsetState) throws(HexdumpError) {
        var index = start
        while index < end && HexdumpParser.isSpace(text[index]) { index += 1 }
        guard index < end else { return }
        if text[index] == UInt8(ascii: "*") {
            guard state.previousLine != nil else {
                throw error(.unexpandableRepeat, at: index, "a '*' line needs a line of bytes before it to repeat")
            }
            state.pendingRepeatAt = index
            return
        }
        let offsetStart = index
        var offset = 0
        while index < end, let digit = HexDigit.value(text[index]) {
            let (shifted, overflow) = offset.multipliedReportingOverflow(by: 16)
            guard !overflow, shifted <= Int.max - 15 else {
                throw error(.offsetMismatch, at: offsetStart, "the offset is too large")
            }
            offset = shifted + Int(digit)
            index += 1
        }
        guard index > offsetStart else {
            throw error(.unexpectedCharacter, at: index, "expected a hex offset, found \(describe(index))")
        }
        let base = state.base ?? offset
        state.base = base
        try reconcile(offset: offset, base: base, at: offsetStart, &state)
        let lineBytesStart = output.count
        if format == .xxd {
            guard index < end && text[index] == UInt8(ascii: ":") else {
                throw error(.unexpectedCharacter, at: index, "expected ':' after the offset, found \(describe(index))")
            }
            index += 1
            try parseXxdGroups(from: index, to: end)
        } else {
            try parseHexdumpBytes(from: index, to: end)
        }
        if output.count > lineBytesStart { state.previousLine = lineBytesStart..<output.count }
    }

    /// Checks a line's offset against the bytes so far, first expanding a pending `*`.
    private mutating func reconcile(offset: Int, base: Int, at index: Int, _ state: inout OffsetState) throws(HexdumpError) {
        let expected = base + output.count
        if state.pendingRepeatAt != nil, let previous = state.previousLine {
            state.pendingRepeatAt = nil
            let gap = offset - expected
            guard gap >= 0, gap % previous.count == 0 else {
                throw error(
                    .offsetMismatch, at: index,
                    "offset \(hex(offset)) after '*' is not the previous line (\(previous.count) bytes) repeated "
                        + "from offset \(hex(expected))")
            }
            guard gap <= limit - output.count else {
                throw error(.tooLarge, at: index, "expanding '*' up to offset \(hex(offset)) exceeds \(limit) bytes")
            }
            let repeated = Array(output[previous])
            for _ in 0..<(gap / previous.count) { output.append(contentsOf: repeated) }
            return
        }
        guard offset == expected else {
            throw error(
                .offsetMismatch, at: index,
                "offset \(hex(offset)) does not follow the bytes before it: expected \(hex(expected))")
        }
    }

    private func hex(_ value: Int) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }

    /// `817e 0028 ...  ascii`: groups of hex digits split by one space; two spaces start the ASCII column.
    private mutating func parseXxdGroups(from start: Int, to end: Int) throws(HexdumpError) {
        var index = start
        while index < end {
            guard text[index] == UInt8(ascii: " ") else {
                throw error(.unexpectedCharacter, at: index, "expected a space before a hex group, found \(describe(index))")
            }
            index += 1
            if index == end || text[index] == UInt8(ascii: " ") { return }
            let groupStart = index
            while index < end, HexDigit.value(text[index]) != nil { index += 1 }
            if index < end && text[index] != UInt8(ascii: " ") {
                throw error(.unexpectedCharacter, at: index, "expected a hex digit, found \(describe(index))")
            }
            let count = index - groupStart
            guard count % 2 == 0 else {
                throw error(.oddDigitCount, at: groupStart, "odd number of hex digits (\(count)) in a group")
            }
            try appendPairs(groupStart, index)
        }
    }

    /// `  81 7e 00 28 7b 22 6f 70  22 3a ...  |ascii|`: two-digit bytes until `|`.
    private mutating func parseHexdumpBytes(from start: Int, to end: Int) throws(HexdumpError) {
        var index = start
        while index < end {
            if text[index] == UInt8(ascii: " ") {
                index += 1
                continue
            }
            if text[index] == UInt8(ascii: "|") { return }
            guard index > start, text[index - 1] == UInt8(ascii: " ") else {
                throw error(.unexpectedCharacter, at: index, "expected a space, found \(describe(index))")
            }
            guard end - index >= 2, HexDigit.value(text[index]) != nil, HexDigit.value(text[index + 1]) != nil else {
                let bad = HexDigit.value(text[index]) == nil ? index : index + 1
                throw error(.unexpectedCharacter, at: bad, "expected a two-digit hex byte, found \(describe(bad))")
            }
            if end - index > 2 && text[index + 2] != UInt8(ascii: " ") {
                throw error(.unexpectedCharacter, at: index + 2, "expected a space after a byte, found \(describe(index + 2))")
            }
            try appendPairs(index, index + 2)
            index += 2
        }
    }

    // MARK: base64

    mutating func parseBase64() throws(HexdumpError) -> [UInt8] {
        let result: Result<[UInt8], Base64.DecodingError> = text.withUnsafeBytes { bytes in
            do throws(Base64.DecodingError) {
                return .success(try Base64.decodeLenient(bytes))
            } catch {
                return .failure(error)
            }
        }
        switch result {
        case .success(let bytes):
            guard !bytes.isEmpty else {
                throw HexdumpError(.noData, format: format, line: 1, column: 1, "no base64 data found")
            }
            guard bytes.count <= limit else {
                throw HexdumpError(.tooLarge, format: format, line: 1, column: 1, "more than \(limit) bytes")
            }
            return bytes
        case .failure(let failure):
            let before = text[..<min(failure.index, text.count)]
            lineNumber = before.reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
            lineStart = before.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
            throw error(.unexpectedCharacter, at: failure.index, "\(failure.reason): \(describe(failure.index))")
        }
    }
}
