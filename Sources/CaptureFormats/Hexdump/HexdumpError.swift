/// Why a hexdump could not be turned into bytes.
public struct HexdumpError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, as a stable code.
    public enum Kind: String, Sendable, Hashable {
        /// A character that does not belong at that position.
        case unexpectedCharacter
        /// A run of hex digits with an odd count: half a byte is missing.
        case oddDigitCount
        /// An offset column that does not match the bytes before it.
        case offsetMismatch
        /// A `*` (repeated lines) that cannot be expanded.
        case unexpandableRepeat
        /// The input holds no bytes at all.
        case noData
        /// Expanding the input would exceed the size limit.
        case tooLarge
    }

    /// What went wrong.
    public var kind: Kind
    /// The format the input was read as.
    public var format: HexdumpFormat
    /// The 1-based line of the problem.
    public var line: Int
    /// The 1-based column (in characters) of the problem.
    public var column: Int
    /// What was wrong and what was expected.
    public var message: String

    /// Creates an error.
    public init(_ kind: Kind, format: HexdumpFormat, line: Int, column: Int, _ message: String) {
        self.kind = kind
        self.format = format
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String { "\(format.displayName) input, line \(line), column \(column): \(message)" }
}
