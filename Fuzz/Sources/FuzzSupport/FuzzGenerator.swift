/// The fixed random source of the fuzz targets: the first two words are RFC
/// 6455 §1.3's sample nonce ("the sample nonce", so a client's
/// `Sec-WebSocket-Key` is `dGhlIHNhbXBsZSBub25jZQ==` and the accept value
/// `s3pPLMBiTxaQ9kYGzzhZRbK+xOo=`, which the WebSocket dictionary holds),
/// then SplitMix64. Every run of an input draws the same values.
public struct FuzzGenerator: RandomNumberGenerator {
    private static let sampleNonce: [UInt64] = [0x706D_6173_2065_6874, 0x6563_6E6F_6E20_656C]
    private var drawn = 0
    private var state: UInt64 = 0x5EED

    /// A generator at its first value.
    public init() {}

    public mutating func next() -> UInt64 {
        if drawn < Self.sampleNonce.count {
            defer { drawn += 1 }
            return Self.sampleNonce[drawn]
        }
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
