import CZlib

/// Decompression of one complete, standalone zlib stream (RFC 1950).
///
/// Used for Discord's payload compression (one binary message = one zlib
/// stream) and for ETF `COMPRESSED` terms. Written over the system zlib
/// directly because no Swift package offers a sans-I/O, capped inflate.
public enum ZlibStandalone {
    /// Inflates `input`, which must be exactly one complete zlib stream.
    ///
    /// - Parameters:
    ///   - input: the compressed bytes.
    ///   - limit: the most decompressed bytes accepted; more is ``DecompressionError/Kind/limitExceeded``.
    ///   - expectedSize: the decompressed size announced by the container, if any
    ///     (ETF tag 80); the output must match it exactly.
    /// - Returns: the decompressed bytes.
    public static func decompress(
        _ input: UnsafeRawBufferPointer,
        limit: Int,
        expectedSize: Int? = nil
    ) throws(DecompressionError) -> [UInt8] {
        try ZlibInflater(initialOutputSize: min(128 << 10, max(4 << 10, expectedSize ?? min(input.count, 32 << 10) * 4)))
            .inflateStream(input, limit: limit, expectedSize: expectedSize)
    }

    /// Inflates a complete zlib stream held in an array.
    public static func decompress(
        _ input: [UInt8], limit: Int, expectedSize: Int? = nil
    ) throws(DecompressionError) -> [UInt8] {
        let result: Result<[UInt8], DecompressionError> = input.withUnsafeBytes { buffer in
            Result { () throws(DecompressionError) in try decompress(buffer, limit: limit, expectedSize: expectedSize) }
        }
        return try result.get()
    }
}

/// The message zlib left in the stream, or a generic one.
func zlibMessage(_ stream: z_stream) -> String {
    if let message = stream.msg { return String(cString: message) }
    return "unknown zlib error"
}
