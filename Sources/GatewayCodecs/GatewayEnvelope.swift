/// The top-level fields of one gateway payload, found without decoding `d`.
///
/// Both encodings' envelope scanners produce this after validating the whole
/// payload, so the state machine can route a message by `op`, `s` and `t`
/// and leave `d` encoded until someone asks for it.
public struct GatewayEnvelope: Sendable, Hashable {
    /// The opcode (`op`).
    public var op: Int
    /// The sequence number (`s`), or `nil` when absent or `null`.
    public var sequence: Int64?
    /// The event name (`t`), or `nil` when absent or `null`.
    public var eventName: String?
    /// Where the encoded `d` value lies in the scanned bytes, or `nil` when `d` is absent.
    ///
    /// For ETF this is the range of the term (without a version byte).
    public var dataRange: Range<Int>?

    /// Creates an envelope.
    public init(op: Int, sequence: Int64? = nil, eventName: String? = nil, dataRange: Range<Int>? = nil) {
        self.op = op
        self.sequence = sequence
        self.eventName = eventName
        self.dataRange = dataRange
    }
}

/// Limits that protect decoders from hostile input, with defaults that fit real gateway traffic.
public struct CodecLimits: Sendable, Hashable {
    /// The deepest nesting of arrays/objects (JSON) or lists/tuples/maps (ETF) accepted.
    ///
    /// Default 256: real gateway payloads nest fewer than 16 levels.
    public var maxNestingDepth: Int
    /// The largest decompressed size of one payload, in bytes.
    ///
    /// Default 64 MiB: large GUILD_CREATE payloads run to a few megabytes.
    public var maxDecompressedPayloadSize: Int

    /// Creates limits; the defaults are documented on each property.
    public init(maxNestingDepth: Int = 256, maxDecompressedPayloadSize: Int = 64 << 20) {
        self.maxNestingDepth = maxNestingDepth
        self.maxDecompressedPayloadSize = maxDecompressedPayloadSize
    }
}
