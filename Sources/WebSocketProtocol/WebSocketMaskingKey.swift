/// The 4-byte key a client XORs over every frame payload it sends (RFC 6455 §5.3).
public struct WebSocketMaskingKey: Sendable, Hashable, CustomStringConvertible {
    /// The key with its first wire byte in the most significant position.
    public let rawValue: UInt32

    /// Creates a key from its value, first wire byte most significant.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Creates a key from its four bytes in wire order.
    public init(_ b0: UInt8, _ b1: UInt8, _ b2: UInt8, _ b3: UInt8) {
        rawValue = UInt32(b0) << 24 | UInt32(b1) << 16 | UInt32(b2) << 8 | UInt32(b3)
    }

    /// A key drawn from `rng`: the low 32 bits of one `next()` call.
    public static func random(using rng: inout some RandomNumberGenerator) -> WebSocketMaskingKey {
        WebSocketMaskingKey(rawValue: UInt32(truncatingIfNeeded: rng.next() as UInt64))
    }

    /// The four key bytes in wire order.
    public var bytes: [UInt8] {
        [UInt8(truncatingIfNeeded: rawValue >> 24), UInt8(truncatingIfNeeded: rawValue >> 16),
         UInt8(truncatingIfNeeded: rawValue >> 8), UInt8(truncatingIfNeeded: rawValue)]
    }

    public var description: String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    /// XORs the key over `buffer`, whose first byte is payload byte number
    /// `phase` (mod 4) of the frame. Works 8 bytes at a time: masking runs over
    /// every byte the client sends and every byte an inspector decodes.
    func apply(to buffer: UnsafeMutableRawBufferPointer, phase: Int) {
        guard let base = buffer.baseAddress else { return }
        let keyBytes = bytes
        // The key rotated by `phase`, repeated twice, laid out in memory order.
        var pattern: UInt64 = 0
        withUnsafeMutableBytes(of: &pattern) { patternBytes in
            for i in 0..<8 { patternBytes[i] = keyBytes[(phase + i) & 3] }
        }
        let count = buffer.count
        var index = 0
        while index + 8 <= count {
            let word = base.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            base.storeBytes(of: word ^ pattern, toByteOffset: index, as: UInt64.self)
            index += 8
        }
        while index < count {
            buffer[index] ^= keyBytes[(phase + index) & 3]
            index += 1
        }
    }
}
