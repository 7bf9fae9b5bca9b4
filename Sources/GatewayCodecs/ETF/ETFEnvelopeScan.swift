/// What ``GatewayETF/scanEnvelope(_:limits:)`` found: the envelope, and the inflated term when the payload was compressed.
///
/// `envelope.dataRange` is a range of the payload handed to the scan, unless
/// the payload was a `COMPRESSED` term (tag 80): then it is a range of
/// ``inflatedTerm``, which holds the inflated term without a version byte.
/// ``GatewayETF/decodeData(of:payload:limits:)`` picks the right bytes.
public struct ETFEnvelopeScan: Sendable, Hashable {
    /// `op`, `s`, `t` and where `d` lies.
    public var envelope: GatewayEnvelope
    /// The inflated term of a compressed payload; `nil` for an uncompressed one.
    public var inflatedTerm: [UInt8]?

    /// Creates a scan result.
    public init(envelope: GatewayEnvelope, inflatedTerm: [UInt8]? = nil) {
        self.envelope = envelope
        self.inflatedTerm = inflatedTerm
    }
}
