/// Why a ``GatewayValue`` could not be encoded as ETF.
public struct ETFEncodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, as a stable code.
    public enum Kind: String, Sendable, Hashable {
        /// A ``GatewayValue/bigInteger(_:)`` whose text is not an optional `-` followed by decimal digits.
        case invalidBigInteger
        /// A NaN or infinite double: Erlang has no such floats, so Discord would close the connection (4002).
        case nonFiniteDouble
        /// A string, array or object too large for ETF's 32-bit lengths.
        case valueTooLarge
    }

    /// What went wrong.
    public var kind: Kind
    /// A human-readable explanation naming the offending value.
    public var message: String

    /// Creates an error.
    public init(_ kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "ETF encoding failed: " + message }
}
