/// Why an ETF payload could not be decoded or scanned.
///
/// ``offset`` is the byte where the problem was found: an offset into the
/// buffer handed to the decoder, or, when ``isInInflatedTerm`` is `true`, into
/// the inflated bytes of a `COMPRESSED` (tag 80) payload. ``tag`` is the tag of
/// the term being read, when there is one.
public struct ETFDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, as a stable code.
    public enum Kind: String, Sendable, Hashable {
        /// The input ended inside a term.
        case unexpectedEndOfInput
        /// A length or element count announces more than the rest of the input can hold.
        case lengthExceedsInput
        /// The first byte is not the ETF version 131.
        case badVersion
        /// A tag this decoder does not accept (pids, ports, references, funs, bit binaries, unknown bytes).
        case unknownTag
        /// A `COMPRESSED` term (tag 80) somewhere other than right after the version byte.
        case misplacedCompressedTerm
        /// Bytes follow the complete term.
        case trailingBytes
        /// Lists, tuples and maps nest deeper than ``CodecLimits/maxNestingDepth``.
        case depthLimitExceeded
        /// A binary, string or UTF-8 atom holds bytes that are not valid UTF-8.
        case invalidUTF8
        /// A float is not finite, or an old `FLOAT_EXT` string is not a plain decimal number.
        case invalidFloat
        /// A big integer's sign byte is neither 0 nor 1.
        case invalidBigInteger
        /// A big integer has more magnitude bytes than the decoder accepts (``GatewayETF/maxBigIntegerBytes``).
        case bigIntegerTooLarge
        /// A map key is not an atom, binary, string or integer.
        case unsupportedMapKey
        /// A list's tail is not the empty list.
        case improperList
        /// The inflate of a `COMPRESSED` term failed; ``ETFDecodingError/decompression`` says why.
        case decompressionFailed
        /// The payload is well-formed ETF but not a gateway payload (not a map, `op` missing, wrong field types).
        case invalidEnvelope
        /// The byte range handed to the decoder lies outside its buffer.
        case rangeOutOfBounds
    }

    /// What went wrong.
    public var kind: Kind
    /// The byte offset where the problem was found.
    public var offset: Int
    /// The tag of the term being read, when there is one.
    public var tag: UInt8?
    /// Whether ``offset`` counts bytes of an inflated `COMPRESSED` term rather than of the input.
    public var isInInflatedTerm: Bool
    /// The underlying failure when ``kind`` is ``Kind/decompressionFailed``.
    public var decompression: DecompressionError?
    /// A human-readable explanation of the problem.
    public var message: String

    /// Creates an error.
    public init(
        _ kind: Kind, offset: Int, tag: UInt8? = nil, isInInflatedTerm: Bool = false,
        decompression: DecompressionError? = nil, message: String
    ) {
        self.kind = kind
        self.offset = offset
        self.tag = tag
        self.isInInflatedTerm = isInInflatedTerm
        self.decompression = decompression
        self.message = message
    }

    public var description: String {
        var text = "ETF decoding failed at byte \(offset)"
        if isInInflatedTerm { text += " of the inflated term" }
        if let tag { text += " (tag \(tag) \(ETFTag.name(tag)))" }
        return text + ": " + message
    }
}
