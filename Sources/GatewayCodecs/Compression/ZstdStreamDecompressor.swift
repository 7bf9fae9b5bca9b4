import CZstd

/// Decompresses a `zstd-stream` gateway connection: one zstd frame for the
/// whole connection, flushed (never ended) after each payload, so every
/// WebSocket message holds exactly one payload.
///
/// Each message is fed whole through `ZSTD_decompressStream` until all of it
/// is consumed and no output is pending. A message must end on a block
/// boundary, as a flush leaves it; one that ends inside a block was cut short
/// and is reported as ``DecompressionError/Kind/truncatedZstd``. (zstd-stream
/// never ends its frame; in a message that does, a cut exactly 3 bytes before
/// the end of the last block or of the checksum looks like a block boundary to
/// the decoder and goes unnoticed until the next message.)
///
/// Make one per connection. After an error the stream state is unknown, so
/// every later call throws ``DecompressionError/Kind/unusableAfterError``
/// until ``reset()``.
public final class ZstdStreamDecompressor {
    /// The most decompressed bytes one payload may have.
    public let limit: Int
    /// Compressed bytes fed in since creation or the last ``reset()``.
    public private(set) var compressedBytesIn = 0
    /// Payload bytes returned since creation or the last ``reset()``.
    public private(set) var decompressedBytesOut = 0

    private let context: OpaquePointer
    private let scratch: ScratchBuffer
    private var failure: DecompressionError?

    /// The size of a block header: what `ZSTD_decompressStream` asks for next
    /// when it stopped exactly between two blocks.
    private static let blockHeaderSize = 3

    /// Creates a decompressor for a new connection, loading libzstd on first use.
    ///
    /// - Parameters:
    ///   - limit: the most decompressed bytes one payload may have (negative means 0);
    ///     the default is ``CodecLimits/maxDecompressedPayloadSize``.
    ///   - windowLogMax: the largest window (as a power of two) a frame may ask for,
    ///     which bounds the decoder's memory. The default, 27 (128 MiB), is zstd's own
    ///     default and admits frames from every compression level.
    /// - Throws: ``DecompressionError/Kind/zstdUnavailable`` when libzstd cannot be loaded.
    public init(
        limit: Int = CodecLimits().maxDecompressedPayloadSize, windowLogMax: Int32 = 27
    ) throws(DecompressionError) {
        try ZstdLibrary.load()
        guard let context = czstd_create_dctx() else {
            throw DecompressionError(.libraryFailure, "ZSTD_createDCtx failed")
        }
        let status = czstd_dctx_set_parameter(context, Int32(CZSTD_D_WINDOW_LOG_MAX), windowLogMax)
        if czstd_is_error(status) != 0 {
            czstd_free_dctx(context)
            throw DecompressionError(
                .libraryFailure, "zstd refused windowLogMax \(windowLogMax): \(ZstdLibrary.errorName(status))")
        }
        self.context = context
        self.limit = max(0, limit)
        // One zstd block is at most 128 KiB: ZSTD_DStreamOutSize() is sized to hold one.
        scratch = ScratchBuffer(count: max(czstd_dstream_out_size(), 128 << 10))
    }

    deinit {
        czstd_free_dctx(context)
    }

    /// Decompresses one complete binary WebSocket message into its payload.
    public func decompress(_ message: UnsafeRawBufferPointer) throws(DecompressionError) -> [UInt8] {
        if let failure {
            throw DecompressionError(
                .unusableAfterError,
                "the zstd-stream decompressor failed earlier (\(failure)); reset it for a new connection")
        }
        let payload: [UInt8]
        do throws(DecompressionError) {
            payload = try decompressMessage(message)
        } catch {
            failure = error
            throw error
        }
        compressedBytesIn += message.count
        decompressedBytesOut += payload.count
        return payload
    }

    /// Decompresses one complete binary WebSocket message held in an array.
    public func decompress(_ message: [UInt8]) throws(DecompressionError) -> [UInt8] {
        let result: Result<[UInt8], DecompressionError> = message.withUnsafeBytes { buffer in
            Result { () throws(DecompressionError) in try decompress(buffer) }
        }
        return try result.get()
    }

    /// Forgets the stream, ready for a new connection's (also after an error).
    public func reset() {
        czstd_dctx_reset(context, Int32(CZSTD_RESET_SESSION_ONLY))
        compressedBytesIn = 0
        decompressedBytesOut = 0
        failure = nil
    }

    private func decompressMessage(_ message: UnsafeRawBufferPointer) throws(DecompressionError) -> [UInt8] {
        guard let base = message.baseAddress, !message.isEmpty else { return [] }
        var input = czstd_in_buffer(src: base, size: message.count, pos: 0)
        var payload: [UInt8] = []
        var nextInputHint: Int
        repeat {
            var output = czstd_out_buffer(dst: scratch.bytes.baseAddress, size: scratch.count, pos: 0)
            nextInputHint = czstd_decompress_stream(context, &output, &input)
            if czstd_is_error(nextInputHint) != 0 {
                throw DecompressionError(
                    .corruptZstd, "corrupt zstd-stream: \(ZstdLibrary.errorName(nextInputHint))",
                    offset: compressedBytesIn + input.pos)
            }
            guard scratch.append(output.pos, to: &payload, limit: limit) else {
                throw DecompressionError(
                    .limitExceeded, "zstd-stream payload exceeds the limit of \(limit) decompressed bytes",
                    offset: compressedBytesIn + input.pos)
            }
            // A full output buffer may mean more output is waiting inside the decoder.
            if input.pos == input.size && output.pos < output.size { break }
        } while true
        // ZSTD_decompressStream returns a hint of the input it wants next: 0 when a
        // frame just ended, exactly one block header between blocks, and more or less
        // than that inside a header or a (non-last) block, whose remaining bytes it
        // counts plus the next block's header.
        if nextInputHint != 0 && nextInputHint != Self.blockHeaderSize {
            throw DecompressionError(
                .truncatedZstd,
                "zstd-stream message ends inside a block or header (the decoder asks for \(nextInputHint) more bytes)",
                offset: compressedBytesIn + message.count)
        }
        return payload
    }
}
