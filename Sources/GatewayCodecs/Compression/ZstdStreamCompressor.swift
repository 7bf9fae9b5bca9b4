import CZstd

/// Compresses payloads the way a `zstd-stream` gateway server does: one zstd
/// frame per connection, flushed (`ZSTD_e_flush`) after every payload and never
/// ended, so each message decodes on its own given the ones before it.
///
/// The client never sends compressed data; this is for servers, fake
/// gateways in tests, and sample generation.
public final class ZstdStreamCompressor {
    private let context: OpaquePointer
    private let scratch = ScratchBuffer(count: 64 << 10)

    /// Starts a new zstd frame, loading libzstd on first use.
    ///
    /// - Parameter level: the zstd compression level (1...19 usual; 3 is zstd's default).
    /// - Throws: ``DecompressionError/Kind/zstdUnavailable`` when libzstd cannot be loaded,
    ///   ``DecompressionError/Kind/libraryFailure`` when zstd refuses the level.
    public init(level: Int32 = 3) throws(DecompressionError) {
        try ZstdLibrary.load()
        guard let context = czstd_create_cctx() else {
            throw DecompressionError(.libraryFailure, "ZSTD_createCCtx failed")
        }
        let status = czstd_cctx_set_parameter(context, Int32(CZSTD_C_COMPRESSION_LEVEL), level)
        if czstd_is_error(status) != 0 {
            czstd_free_cctx(context)
            throw DecompressionError(
                .libraryFailure, "zstd refused compression level \(level): \(ZstdLibrary.errorName(status))")
        }
        self.context = context
    }

    deinit {
        czstd_free_cctx(context)
    }

    /// Compresses one payload as the next message of the stream.
    ///
    /// - Throws: ``DecompressionError/Kind/libraryFailure`` when zstd reports an error.
    public func compress(_ payload: [UInt8]) throws(DecompressionError) -> [UInt8] {
        let result: Result<[UInt8], DecompressionError> = payload.withUnsafeBytes { input in
            Result { () throws(DecompressionError) in try compress(input) }
        }
        return try result.get()
    }

    private func compress(_ payload: UnsafeRawBufferPointer) throws(DecompressionError) -> [UInt8] {
        var input = czstd_in_buffer(src: payload.baseAddress, size: payload.count, pos: 0)
        var compressed: [UInt8] = []
        // ZSTD_compressStream2 returns how much it still has to flush; 0 means done.
        var remainingToFlush: Int
        repeat {
            var output = czstd_out_buffer(dst: scratch.bytes.baseAddress, size: scratch.count, pos: 0)
            remainingToFlush = czstd_compress_stream2(context, &output, &input, Int32(CZSTD_E_FLUSH))
            if czstd_is_error(remainingToFlush) != 0 {
                throw DecompressionError(
                    .libraryFailure, "ZSTD_compressStream2 failed: \(ZstdLibrary.errorName(remainingToFlush))")
            }
            compressed.append(contentsOf: UnsafeBufferPointer(rebasing: scratch.bytes[0..<output.pos]))
        } while remainingToFlush != 0 || input.pos < input.size
        return compressed
    }
}
