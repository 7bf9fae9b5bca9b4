import DiscordGateway
import GatewayCodecs

/// Encodes and compresses what the server sends on one connection: the encoding and
/// transport compression the URL asked for, one compression context per connection, and
/// payload compression once IDENTIFY asks for it.
struct OutboundEncoder {
    /// One message to frame.
    struct Message {
        /// The bytes to put in the message.
        var bytes: [UInt8]
        /// Binary (ETF, or anything compressed) or text.
        var isBinary: Bool
        /// The payload before compression, for reporting it.
        var payload: [UInt8]
    }

    /// Payloads smaller than this stay uncompressed under payload compression, as Discord's do.
    static let payloadCompressionThreshold = 1024

    let encoding: GatewayEncoding
    let compression: GatewayCompression
    /// Set when IDENTIFY asks for payload compression (JSON without transport compression only).
    var compressesPayloads = false
    private let zlib: ZlibStreamCompressor?
    private let zstd: ZstdStreamCompressor?

    /// An encoder for a connection that asked for `encoding` and `compression`; `fast` trades
    /// size for speed (zlib level 1, zstd level 1), for a leg that only crosses loopback.
    /// - Throws: when zstd-stream is asked for and libzstd cannot be loaded.
    init(encoding: GatewayEncoding, compression: GatewayCompression, fast: Bool = false) throws(DecompressionError) {
        self.encoding = encoding
        self.compression = compression
        zlib = compression == .zlibStream ? try ZlibStreamCompressor(level: fast ? 1 : 6) : nil
        zstd = compression == .zstdStream ? try ZstdStreamCompressor(level: fast ? 1 : 3) : nil
    }

    /// The message carrying `value`.
    func encode(_ value: GatewayValue) throws(GatewayServerEncodingError) -> Message {
        try message(carrying: encodePayload(value))
    }

    /// `value` in this connection's encoding, uncompressed.
    func encodePayload(_ value: GatewayValue) throws(GatewayServerEncodingError) -> [UInt8] {
        let payload: [UInt8]
        switch encoding {
        case .json:
            payload = GatewayJSON.encode(value)
        case .etf:
            do {
                payload = try GatewayETF.encode(value)
            } catch {
                throw GatewayServerEncodingError("cannot encode as ETF: \(error)")
            }
        }
        return payload
    }

    /// The message carrying an already encoded payload (a proxy passing one on), compressed as
    /// this connection compresses.
    func message(carrying payload: [UInt8]) throws(GatewayServerEncodingError) -> Message {
        if let zlib { return Message(bytes: zlib.compress(payload), isBinary: true, payload: payload) }
        if let zstd {
            do {
                return Message(bytes: try zstd.compress(payload), isBinary: true, payload: payload)
            } catch {
                throw GatewayServerEncodingError("cannot compress with zstd: \(error)")
            }
        }
        if compressesPayloads, payload.count >= Self.payloadCompressionThreshold {
            return Message(bytes: ZlibStandalone.compress(payload), isBinary: true, payload: payload)
        }
        return Message(bytes: payload, isBinary: encoding == .etf, payload: payload)
    }
}

/// A payload the server could not encode (an ETF-incompatible value, a compressor failure).
public struct GatewayServerEncodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What failed.
    public var message: String

    init(_ message: String) { self.message = message }

    public var description: String { message }
}
