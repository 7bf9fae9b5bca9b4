/// The token layer shared by the value decoder and the envelope scanner.
///
/// It reads through an `UnsafeRawBufferPointer` with a plain integer index:
/// every read is guarded by `index < end` (or a length check against the
/// remaining input), so any input ends in a thrown error, never a read past
/// the buffer. Offsets in errors are positions in that buffer.
struct JSONLexer {
    let bytes: UnsafeRawBufferPointer
    let end: Int
    var index: Int = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        self.end = bytes.count
    }

    /// Skips RFC 8259 whitespace: space, tab, LF and CR only.
    @inline(__always)
    mutating func skipWhitespace() {
        while index < end {
            let byte = bytes[index]
            guard byte == .space || byte == .lineFeed || byte == .carriageReturn || byte == .tab else { return }
            index += 1
        }
    }

    /// The byte at the current index after skipping whitespace; throws at the end of input.
    @inline(__always)
    mutating func nextSignificantByte(expected: @autoclosure () -> String) throws(JSONDecodingError) -> UInt8 {
        skipWhitespace()
        guard index < end else { throw .endOfInput(at: index, expected: expected()) }
        return bytes[index]
    }

    /// Consumes `literal` (`true`, `false` or `null`), whose first byte the caller has matched at the index.
    @inline(__always)
    mutating func consumeLiteral(_ literal: StaticString) throws(JSONDecodingError) {
        let length = literal.utf8CodeUnitCount
        if end - index >= length {
            // One 4-byte compare covers the rest: the last four bytes of each literal plus the matched first.
            let found = bytes.loadUnaligned(fromByteOffset: index + length - 4, as: UInt32.self)
            let wanted = UnsafeRawPointer(literal.utf8Start + (length - 4)).loadUnaligned(as: UInt32.self)
            if found == wanted {
                index += length
                return
            }
        }
        try literalMismatch(literal)
    }

    /// Throws the error for a literal that does not match: the first wrong byte, or the end of input.
    private func literalMismatch(_ literal: StaticString) throws(JSONDecodingError) {
        let text = literal.utf8Start
        let expected = "'\(literal)' (literal starting at byte \(index))"
        for offset in 0..<literal.utf8CodeUnitCount {
            let position = index + offset
            guard position < end else { throw .endOfInput(at: position, expected: expected) }
            let byte = bytes[position]
            guard byte == text[offset] else { throw .unexpected(byte, at: position, expected: expected) }
        }
        preconditionFailure("literalMismatch called for a matching literal")
    }

    /// Consumes the `:` after an object key (whitespace allowed around it).
    @inline(__always)
    mutating func consumeColon() throws(JSONDecodingError) {
        let byte = try nextSignificantByte(expected: "':'")
        guard byte == .colon else { throw .unexpected(byte, at: index, expected: "':' after an object key") }
        index += 1
    }

    /// Throws unless only whitespace remains.
    mutating func expectEndOfDocument() throws(JSONDecodingError) {
        skipWhitespace()
        guard index == end else {
            throw JSONDecodingError(
                .trailingData, offset: index,
                message: "unexpected \(JSONDecodingError.describe(byte: bytes[index])) at byte \(index) "
                    + "after the end of the JSON value")
        }
    }

    /// The error for a byte that cannot start a value.
    func notAValue(_ byte: UInt8) -> JSONDecodingError {
        .unexpected(byte, at: index, expected: "a JSON value")
    }

    /// The error for hitting the nesting cap at the current `[` or `{`.
    func depthLimitExceeded(_ limit: Int) -> JSONDecodingError {
        JSONDecodingError(
            .depthLimitExceeded, offset: index,
            message: "nesting deeper than \(limit) levels at byte \(index)")
    }
}

extension UInt8 {
    static let tab: UInt8 = 0x09
    static let lineFeed: UInt8 = 0x0A
    static let carriageReturn: UInt8 = 0x0D
    static let space: UInt8 = 0x20
    static let quote: UInt8 = 0x22
    static let plus: UInt8 = 0x2B
    static let comma: UInt8 = 0x2C
    static let minus: UInt8 = 0x2D
    static let period: UInt8 = 0x2E
    static let slash: UInt8 = 0x2F
    static let zero: UInt8 = 0x30
    static let nine: UInt8 = 0x39
    static let colon: UInt8 = 0x3A
    static let upperE: UInt8 = 0x45
    static let openBracket: UInt8 = 0x5B
    static let backslash: UInt8 = 0x5C
    static let closeBracket: UInt8 = 0x5D
    static let lowerE: UInt8 = 0x65
    static let lowerF: UInt8 = 0x66
    static let lowerN: UInt8 = 0x6E
    static let lowerT: UInt8 = 0x74
    static let lowerU: UInt8 = 0x75
    static let openBrace: UInt8 = 0x7B
    static let closeBrace: UInt8 = 0x7D

    @inline(__always)
    var isDigit: Bool { self >= .zero && self <= .nine }
}
