import Testing
@testable import WebSocketProtocol

/// FIPS 180-2 Appendix A vectors and RFC 4648 §10 vectors.
@Suite struct SHA1AndBase64Tests {
    func hexDigest(_ message: [UInt8]) -> String {
        SHA1.hash(message).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    @Test func fipsOneBlock() { #expect(hexDigest(ascii("abc")) == "a9993e364706816aba3e25717850c26c9cd0d89d") }

    @Test func fipsTwoBlocks() {
        #expect(hexDigest(ascii("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))
            == "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
    }

    @Test func fipsMillionA() {
        #expect(hexDigest([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
    }

    @Test func empty() { #expect(hexDigest([]) == "da39a3ee5e6b4b0d3255bfef95601890afd80709") }

    /// Lengths around the 55/56/64-byte padding boundaries (digests from Python's hashlib).
    @Test func paddingBoundaries() {
        #expect(hexDigest([UInt8](repeating: 0x61, count: 55)) == "c1c8bbdc22796e28c0e15163d20899b65621d65a")
        #expect(hexDigest([UInt8](repeating: 0x61, count: 56)) == "c2db330f6083854c99d4b5bfb6e8f29f201be699")
        #expect(hexDigest([UInt8](repeating: 0x61, count: 64)) == "0098ba824b5c16427bd7a1122a5a442a25ec644d")
    }

    @Test func base64RFC4648() {
        let cases = ["": "", "f": "Zg==", "fo": "Zm8=", "foo": "Zm9v", "foob": "Zm9vYg==", "fooba": "Zm9vYmE=", "foobar": "Zm9vYmFy"]
        for (plain, encoded) in cases { #expect(Base64.encode(ascii(plain)) == encoded) }
        #expect(Base64.encode([0xFB, 0xFF, 0xBF]) == "+/+/")
    }

    @Test func acceptValueRFC6455Example() {
        #expect(WebSocketHandshake.acceptValue(forKey: "dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        #expect(WebSocketHandshake.acceptValue(forKey: fixedKey) == fixedAccept)
    }
}
