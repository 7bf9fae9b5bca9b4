import GatewayCodecs

/// One gateway payload, received or sent: `op`, `s`, `t` at hand, `d` decoded on demand.
///
/// The payload keeps the exact bytes it arrived as (after decompression), so
/// `d` can be decoded only when wanted and JSON users can hand ``rawData`` to
/// Foundation's `JSONDecoder` for their own `Codable` models without a
/// re-encode:
///
/// ```swift
/// let message = try JSONDecoder().decode(MessageCreate.self, from: Data(payload.dataJSON()))
/// ```
public struct GatewayPayload: Sendable, Hashable {
    /// The opcode.
    public let opcode: GatewayOpcode
    /// The sequence number `s` (dispatches only).
    public let sequence: Int64?
    /// The event name `t` (dispatches only).
    public let eventName: String?
    /// The encoding of ``bytes``.
    public let encoding: GatewayEncoding
    /// The whole payload as received (decompressed) or as sent, in ``encoding``.
    ///
    /// For an ETF payload that arrived as a `COMPRESSED` term, the inflated term (without a version byte).
    public let bytes: [UInt8]
    /// Whether ``bytes`` is a bare ETF term.
    let isBareTerm: Bool
    /// Where `d` lies in ``bytes``.
    let dataRange: Range<Int>?
    /// The decoder limits that apply to `d`.
    let limits: CodecLimits

    init(envelope: GatewayEnvelope, encoding: GatewayEncoding, bytes: [UInt8], isBareTerm: Bool, limits: CodecLimits) {
        self.isBareTerm = isBareTerm
        self.opcode = GatewayOpcode(rawValue: envelope.op)
        self.sequence = envelope.sequence
        self.eventName = envelope.eventName
        self.encoding = encoding
        self.bytes = bytes
        self.dataRange = envelope.dataRange
        self.limits = limits
    }

    /// Decodes payload bytes in `encoding`, validating all of them.
    public init(decoding bytes: [UInt8], encoding: GatewayEncoding, limits: CodecLimits = CodecLimits())
        throws(GatewayDecodingError)
    {
        let scanned = try GatewayCodec.scan(bytes, encoding: encoding, limits: limits)
        self.init(
            envelope: scanned.envelope, encoding: encoding, bytes: scanned.bytes, isBareTerm: scanned.isBareTerm,
            limits: limits)
    }

    /// The encoded `d` exactly as received, or `nil` when the payload has no `d`.
    public var rawData: ArraySlice<UInt8>? {
        dataRange.map { bytes[$0] }
    }

    /// Decodes `d`; `null` when absent.
    public func decodeData() throws(GatewayDecodingError) -> GatewayValue {
        guard let dataRange else { return .null }
        return try GatewayCodec.decodeData(bytes, range: dataRange, encoding: encoding, limits: limits)
    }

    /// `d`, decoded on each access (`null` when absent). Store it if you read it often.
    ///
    /// Payloads made by ``GatewayConnection`` or ``init(decoding:encoding:limits:)`` were
    /// validated whole, so decoding `d` cannot fail; should it ever, this is `null`
    /// and ``decodeData()`` says why.
    public var data: GatewayValue {
        (try? decodeData()) ?? .null
    }

    /// `d` as JSON bytes: a slice of the received bytes for JSON, re-encoded for ETF
    /// (`GatewayJSON.encode(data)`, written straight from the ETF bytes).
    public func dataJSON() -> [UInt8] {
        guard let dataRange else { return Array("null".utf8) }
        switch encoding {
        case .json:
            return Array(bytes[dataRange])
        case .etf:
            var json: [UInt8] = []
            let written = bytes.withUnsafeBytes { buffer in
                (try? GatewayETF.appendJSON(ofTerm: buffer, range: dataRange, limits: limits, to: &json)) != nil
            }
            // As `data`: a payload validated whole cannot fail here; should it, `d` is null.
            return written ? json : Array("null".utf8)
        }
    }

    /// The whole payload as a value (`op`, `d`, `s`, `t`) in the order received.
    public func decodeAll() throws(GatewayDecodingError) -> GatewayValue {
        try GatewayCodec.decodeWhole(bytes, encoding: encoding, isBareTerm: isBareTerm, limits: limits)
    }
}
