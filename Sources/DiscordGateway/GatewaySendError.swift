/// Why a command was refused. Nothing was sent; the connection is unchanged.
public struct GatewaySendError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, as a stable code.
    public enum Kind: String, Sendable, Hashable {
        /// An argument is outside what Discord accepts (the message says which).
        case invalidArgument
        /// The encoded payload exceeds Discord's 4096-byte limit (it would close the connection with 4002).
        case payloadTooLarge
        /// Sending now would exceed 120 payloads per 60 seconds; ``GatewaySendError/retryAt`` says when it may be sent.
        case rateLimited
        /// The connection is not open for payloads (not yet upgraded, closing, or closed).
        case notConnected
        /// The value cannot be encoded in the connection's encoding.
        case unencodable
    }

    /// What went wrong.
    public var kind: Kind
    /// A human-readable explanation.
    public var message: String
    /// For ``Kind/rateLimited``: the earliest time (on the caller's clock) the payload may be sent.
    public var retryAt: Duration?

    /// Creates an error.
    public init(_ kind: Kind, _ message: String, retryAt: Duration? = nil) {
        self.kind = kind
        self.message = message
        self.retryAt = retryAt
    }

    public var description: String { message }
}
