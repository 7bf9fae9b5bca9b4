import GatewayCodecs

/// The per-connection stream decompressors (zlib-stream, zstd-stream), as
/// their fuzz targets check them.
public protocol FuzzedStreamDecompressor: AnyObject {
    /// The most decompressed bytes one payload may have.
    var limit: Int { get }
    /// Compressed bytes fed in since creation or the last reset.
    var compressedBytesIn: Int { get }
    /// Payload bytes returned since creation or the last reset.
    var decompressedBytesOut: Int { get }
    /// Feeds one message; a payload, or nil while one is incomplete.
    func decompressMessage(_ message: [UInt8]) throws(DecompressionError) -> [UInt8]?
    /// Starts a new stream.
    func reset()
}

extension ZlibStreamDecompressor: FuzzedStreamDecompressor {
    public func decompressMessage(_ message: [UInt8]) throws(DecompressionError) -> [UInt8]? {
        try decompress(message)
    }
}

extension ZstdStreamDecompressor: FuzzedStreamDecompressor {
    public func decompressMessage(_ message: [UInt8]) throws(DecompressionError) -> [UInt8]? {
        try decompress(message)
    }
}

/// After an error: `decompressor` refuses everything with unusableAfterError
/// until reset, and then decompresses `freshMessage`, the first message of a
/// new stream, to `freshPayload` (or fails with limitExceeded when that is
/// over its limit).
public func checkUnusableThenReset(
    _ decompressor: some FuzzedStreamDecompressor, freshMessage: [UInt8], freshPayload: [UInt8]
) {
    do {
        let payload = try decompressor.decompressMessage([])
        FuzzCheck.fail("decompressed \(payload?.count ?? 0) bytes after an error")
    } catch {
        FuzzCheck.expect(error.kind == .unusableAfterError, "after an error: \(error)")
    }
    decompressor.reset()
    FuzzCheck.expect(
        decompressor.compressedBytesIn == 0 && decompressor.decompressedBytesOut == 0, "reset kept the counters")
    do {
        let output = try decompressor.decompressMessage(freshMessage)
        FuzzCheck.expect(
            output == freshPayload && freshPayload.count <= decompressor.limit,
            "after reset a fresh stream gives \(String(describing: output))")
    } catch {
        FuzzCheck.expect(
            error.kind == .limitExceeded && freshPayload.count > decompressor.limit,
            "after reset a fresh stream fails: \(error)")
    }
}
