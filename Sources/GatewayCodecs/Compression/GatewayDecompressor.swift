/// Turns each whole WebSocket message of one gateway connection into payload bytes,
/// whatever the connection's ``GatewayCompression``.
///
/// Make a fresh one for every connection (or call ``reset()``): a stream
/// decompressor carried over from the last connection produces garbage.
///
/// - ``GatewayCompression/none``: text and binary messages are returned as they are.
/// - ``GatewayCompression/payload``: text messages as they are; a binary message is
///   one complete zlib stream, inflated on its own.
/// - ``GatewayCompression/zlibStream`` and ``GatewayCompression/zstdStream``: binary
///   messages only, through ``ZlibStreamDecompressor`` / ``ZstdStreamDecompressor``;
///   a text message is ``DecompressionError/Kind/unexpectedTextMessage`` and leaves
///   the stream untouched. Any other error leaves the stream unusable until ``reset()``.
///
/// Every mode refuses a payload larger than ``limit`` while decompressing it,
/// before allocating more than about the limit.
public final class GatewayDecompressor {
    /// The connection's compression.
    public let compression: GatewayCompression
    /// The most decompressed bytes one payload may have.
    public let limit: Int

    private enum Backend {
        case passthrough
        case payload(ZlibInflater)
        case zlibStream(ZlibStreamDecompressor)
        case zstdStream(ZstdStreamDecompressor)
    }

    private let backend: Backend
    private var ownBytesIn = 0
    private var ownBytesOut = 0

    /// Creates the decompressor for a new connection.
    ///
    /// - Parameters:
    ///   - compression: what the connection uses.
    ///   - limit: the most decompressed bytes one payload may have (negative means 0);
    ///     the default is ``CodecLimits/maxDecompressedPayloadSize``.
    /// - Throws: ``DecompressionError/Kind/zstdUnavailable`` for ``GatewayCompression/zstdStream``
    ///   when libzstd cannot be loaded.
    public init(
        _ compression: GatewayCompression, limit: Int = CodecLimits().maxDecompressedPayloadSize
    ) throws(DecompressionError) {
        self.compression = compression
        self.limit = max(0, limit)
        switch compression {
        case .none: backend = .passthrough
        case .payload: backend = .payload(try ZlibInflater())
        case .zlibStream: backend = .zlibStream(try ZlibStreamDecompressor(limit: limit))
        case .zstdStream: backend = .zstdStream(try ZstdStreamDecompressor(limit: limit))
        }
    }

    /// Compressed bytes fed in since creation or the last ``reset()`` (all message bytes, compressed or not).
    public var compressedBytesIn: Int {
        switch backend {
        case .passthrough, .payload: ownBytesIn
        case .zlibStream(let decompressor): decompressor.compressedBytesIn
        case .zstdStream(let decompressor): decompressor.compressedBytesIn
        }
    }

    /// Payload bytes returned since creation or the last ``reset()``.
    public var decompressedBytesOut: Int {
        switch backend {
        case .passthrough, .payload: ownBytesOut
        case .zlibStream(let decompressor): decompressor.decompressedBytesOut
        case .zstdStream(let decompressor): decompressor.decompressedBytesOut
        }
    }

    /// Feeds one complete WebSocket message.
    ///
    /// - Parameters:
    ///   - message: the message's bytes, all fragments joined.
    ///   - isBinary: whether it was a binary (rather than text) message.
    /// - Returns: the payload bytes, or `nil` when a zlib-stream payload continues in the next message.
    public func decompress(message: UnsafeRawBufferPointer, isBinary: Bool) throws(DecompressionError) -> [UInt8]? {
        switch backend {
        case .passthrough:
            return passThrough(message)
        case .payload(let inflater):
            guard isBinary else { return passThrough(message) }
            let payload = try inflater.inflateStream(message, limit: limit, expectedSize: nil)
            ownBytesIn += message.count
            ownBytesOut += payload.count
            return payload
        case .zlibStream(let decompressor):
            guard isBinary else { throw textMessageError(messageCount: message.count) }
            return try decompressor.decompress(message)
        case .zstdStream(let decompressor):
            guard isBinary else { throw textMessageError(messageCount: message.count) }
            return try decompressor.decompress(message)
        }
    }

    /// Feeds one complete WebSocket message held in an array.
    ///
    /// A message that needs no decompression is returned as the same array, without a copy.
    public func decompress(message: [UInt8], isBinary: Bool) throws(DecompressionError) -> [UInt8]? {
        switch backend {
        case .passthrough:
            return passThrough(message)
        case .payload where !isBinary:
            return passThrough(message)
        case .payload, .zlibStream, .zstdStream:
            break
        }
        let result: Result<[UInt8]?, DecompressionError> = message.withUnsafeBytes { buffer in
            Result { () throws(DecompressionError) in try decompress(message: buffer, isBinary: isBinary) }
        }
        return try result.get()
    }

    /// Forgets everything, ready for a new connection (also after an error).
    public func reset() {
        ownBytesIn = 0
        ownBytesOut = 0
        switch backend {
        case .passthrough, .payload: break
        case .zlibStream(let decompressor): decompressor.reset()
        case .zstdStream(let decompressor): decompressor.reset()
        }
    }

    private func passThrough(_ message: UnsafeRawBufferPointer) -> [UInt8] {
        ownBytesIn += message.count
        ownBytesOut += message.count
        return [UInt8](message)
    }

    private func passThrough(_ message: [UInt8]) -> [UInt8] {
        ownBytesIn += message.count
        ownBytesOut += message.count
        return message
    }

    private func textMessageError(messageCount: Int) -> DecompressionError {
        DecompressionError(
            .unexpectedTextMessage,
            "a text message (\(messageCount) bytes) arrived on a \(compression.rawValue) connection, "
                + "which sends only binary messages",
            offset: compressedBytesIn)
    }
}
