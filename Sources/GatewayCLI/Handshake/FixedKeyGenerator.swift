import DiscordGateway

/// A generator that yields a given `Sec-WebSocket-Key` every time one is drawn.
///
/// `WebSocketHandshake.makeKey(using:)` takes 16 bytes from two `next()` calls
/// (little-endian), so cycling through those two words makes every key drawn
/// the given one: `--key` fixes the request without a special path in the library.
struct FixedKeyGenerator: RandomNumberGenerator {
    private let words: (UInt64, UInt64)
    private var drawn = 0

    /// A generator for `key`, or `nil` when it is not base64 of 16 bytes.
    init?(key: String) {
        let text = Array(key.utf8)
        let decoded: [UInt8]? = text.withUnsafeBytes { try? Base64.decode($0) }
        guard let bytes = decoded, bytes.count == 16 else { return nil }
        func word(_ start: Int) -> UInt64 {
            var value: UInt64 = 0
            for index in (start..<start + 8).reversed() { value = value << 8 | UInt64(bytes[index]) }
            return value
        }
        words = (word(0), word(8))
    }

    mutating func next() -> UInt64 {
        defer { drawn += 1 }
        return drawn % 2 == 0 ? words.0 : words.1
    }

    /// A connection whose request carries `key` when one is given and valid, else a random key.
    static func connection(
        configuration: GatewayConfiguration, key: String?
    ) throws(GatewayConfigurationError) -> GatewayConnection {
        if let key, let generator = FixedKeyGenerator(key: key) {
            return try GatewayConnection(configuration: configuration, random: generator)
        }
        return try GatewayConnection(configuration: configuration, random: SystemRandomNumberGenerator())
    }
}
