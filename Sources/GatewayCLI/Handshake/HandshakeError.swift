/// Why a server's upgrade response failed `handshake --check`.
public struct HandshakeError: Error, Sendable, Hashable, CustomStringConvertible, ExitStatusReporting {
    /// What went wrong, as a stable code.
    public enum Kind: String, Sendable, Hashable {
        /// The server answered with another status than 101 (exit 69).
        case refused
        /// The response in a `--check` file is malformed, incomplete, or its headers or accept
        /// value are wrong (exit 65: a data error in an input file; over the network, the same
        /// faults are the server's and exit 76).
        case invalid
    }

    /// What went wrong.
    public var kind: Kind
    /// What and where.
    public var message: String

    /// Creates an error.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    public var exitStatus: ProcessExitStatus {
        switch kind {
        case .refused: .unavailable
        case .invalid: .dataError
        }
    }
}
