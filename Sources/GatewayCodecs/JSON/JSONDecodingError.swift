/// Why bytes were rejected as JSON, or as a gateway envelope, and where.
public struct JSONDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, as a stable code.
    public enum Kind: String, Sendable, Hashable {
        /// The input ended inside a value (or was empty).
        case unexpectedEndOfInput
        /// A byte that cannot start or continue the value at this point.
        case unexpectedCharacter
        /// A backslash escape that RFC 8259 does not define, or a `\u` without four hex digits.
        case invalidEscape
        /// A `\u` escape of a UTF-16 surrogate that is not part of a high/low pair.
        case loneSurrogate
        /// Bytes that are not well-formed UTF-8 (overlong, surrogate, above U+10FFFF, truncated, stray).
        case invalidUTF8
        /// A raw control character (U+0000 to U+001F) inside a string; it must be escaped.
        case unescapedControlCharacter
        /// A number with a superfluous leading zero, such as `01` or `-00`.
        case leadingZero
        /// A malformed number, such as `-`, `1.`, `1e` or `1.e5`.
        case invalidNumber
        /// A number too large for a `Double` (the encoder could not write it back).
        case numberOutOfRange
        /// Non-whitespace after the end of the top-level value.
        case trailingData
        /// Arrays and objects nested deeper than ``CodecLimits/maxNestingDepth``.
        case depthLimitExceeded
        /// The envelope scanner found a top-level value that is not an object.
        case notAnObject
        /// The envelope's `op` is missing or not an integer, `s` is not an integer or `null`,
        /// or `t` is not a string or `null`.
        case invalidEnvelope
    }

    /// What went wrong.
    public var kind: Kind
    /// The zero-based byte offset in the input where the problem was found.
    public var offset: Int
    /// A human-readable explanation naming what was found and where, e.g.
    /// `unexpected 'x' at byte 17, expected ',' or '}'`.
    public var message: String

    /// Creates an error.
    public init(_ kind: Kind, offset: Int, message: String) {
        self.kind = kind
        self.offset = offset
        self.message = message
    }

    public var description: String { message }
}

extension JSONDecodingError {
    /// A quoted, printable rendering of one input byte for messages: `'x'` or `byte 0x1F`.
    static func describe(byte: UInt8) -> String {
        if byte >= 0x21 && byte < 0x7F {
            return "'\(Character(Unicode.Scalar(byte)))'"
        }
        let hex = String(byte, radix: 16, uppercase: true)
        return "byte 0x" + (hex.count == 1 ? "0" + hex : hex)
    }

    static func unexpected(_ byte: UInt8, at offset: Int, expected: String) -> JSONDecodingError {
        JSONDecodingError(
            .unexpectedCharacter, offset: offset,
            message: "unexpected \(describe(byte: byte)) at byte \(offset), expected \(expected)")
    }

    static func endOfInput(at offset: Int, expected: String) -> JSONDecodingError {
        JSONDecodingError(
            .unexpectedEndOfInput, offset: offset,
            message: "unexpected end of input at byte \(offset), expected \(expected)")
    }
}
