/// Why an input or output file could not be opened, read or written.
public struct InputError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, as a stable code.
    public enum Kind: String, Sendable, Hashable {
        /// The file does not exist or cannot be opened (exit 66).
        case cannotOpen
        /// A read failed part-way (exit 74).
        case readFailed
        /// A write, sync or close failed (exit 74).
        case writeFailed
        /// The input is larger than the command reads (exit 65).
        case tooLarge
    }

    /// What went wrong.
    public var kind: Kind
    /// The file involved, as the user named it (`-` for standard input).
    public var path: String
    /// The system error number, when a system call failed.
    public var errno: Int32?
    /// A human-readable explanation.
    public var message: String

    /// Creates an error.
    public init(_ kind: Kind, path: String, errno: Int32? = nil, _ message: String) {
        self.kind = kind
        self.path = path
        self.errno = errno
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}
