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
        if let expectedSize, expectedSize > limit {
            throw DecompressionError(
                .limitExceeded, "announced decompressed size \(expectedSize) exceeds the limit of \(limit) bytes")
        }
        var stream = z_stream()
        guard czlib_inflate_init2(&stream, 15) == Z_OK else {
            throw DecompressionError(.libraryFailure, "zlib inflateInit2 failed")
        }
        defer { inflateEnd(&stream) }

        // Grow geometrically from a guess so a small bomb cannot make us
        // allocate the whole cap up front.
        var capacity = expectedSize ?? min(limit, max(1024, input.count.multipliedReportingOverflow(by: 4).partialValue))
        // May be empty (a cap or an announced size of 0): the loop then goes
        // straight to the one-byte probe below and never inflates into it.
        var output = [UInt8](repeating: 0, count: capacity)
        var produced = 0
        guard let inputBase = input.baseAddress?.assumingMemoryBound(to: Bytef.self) else {
            throw DecompressionError(.truncatedZlib, "empty zlib stream", offset: 0)
        }
        stream.next_in = UnsafeMutablePointer(mutating: inputBase)
        stream.avail_in = uInt(clamping: input.count)

        while true {
            if produced == output.count {
                if produced >= limit {
                    // One more byte of room tells a stream that ends exactly at the cap from a bomb.
                    var probe: UInt8 = 0
                    let status = withUnsafeMutablePointer(to: &probe) { pointer -> Int32 in
                        stream.next_out = pointer
                        stream.avail_out = 1
                        return inflate(&stream, Z_NO_FLUSH)
                    }
                    if status == Z_STREAM_END && stream.avail_out == 1 { break }
                    throw DecompressionError(
                        .limitExceeded, "decompressed payload exceeds the limit of \(limit) bytes",
                        offset: input.count - Int(stream.avail_in))
                }
                capacity = min(limit, max(output.count * 2, 1024))
                output.append(contentsOf: repeatElement(0, count: capacity - output.count))
            }
            let status = output.withUnsafeMutableBufferPointer { buffer -> Int32 in
                guard let base = buffer.baseAddress else { return Z_MEM_ERROR }
                stream.next_out = base + produced
                stream.avail_out = uInt(buffer.count - produced)
                let status = inflate(&stream, Z_NO_FLUSH)
                produced = buffer.count - Int(stream.avail_out)
                return status
            }
            let consumed = input.count - Int(stream.avail_in)
            switch status {
            case Z_STREAM_END:
                if stream.avail_in != 0 {
                    throw DecompressionError(
                        .trailingData, "\(stream.avail_in) bytes follow the end of the zlib stream", offset: consumed)
                }
                output.removeSubrange(produced...)
                if let expectedSize, produced != expectedSize {
                    throw DecompressionError(
                        .corruptZlib, "zlib stream inflated to \(produced) bytes, \(expectedSize) announced")
                }
                return output
            case Z_OK:
                continue
            case Z_BUF_ERROR:
                if stream.avail_in == 0 {
                    throw DecompressionError(.truncatedZlib, "zlib stream ends before its final block", offset: consumed)
                }
                continue
            default:
                throw DecompressionError(.corruptZlib, "corrupt zlib stream: \(zlibMessage(stream))", offset: consumed)
            }
        }
        // Reached only when the output is exactly `limit` bytes long and the stream ended.
        if stream.avail_in != 0 {
            throw DecompressionError(
                .trailingData, "\(stream.avail_in) bytes follow the end of the zlib stream",
                offset: input.count - Int(stream.avail_in))
        }
        return output
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
