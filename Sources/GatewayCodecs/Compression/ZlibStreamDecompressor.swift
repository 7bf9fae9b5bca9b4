import CZlib

/// Inflates a `zlib-stream` gateway connection: one zlib stream for the whole
/// connection, in which the server ends every payload with a `Z_SYNC_FLUSH`,
/// so each payload's compressed data ends with `00 00 ff ff`.
///
/// A payload may span several WebSocket messages and the four-byte suffix may
/// itself be split between them. Rather than buffering compressed messages
/// until the suffix shows up, each message is inflated as it arrives (no copy
/// of the compressed input) and its output collected until the input seen so
/// far ends with the suffix; the last four input bytes are remembered for
/// that. The result is the same, with less copying.
///
/// The stream's Adler-32 check value is neither computed nor checked: zlib
/// compares it only at the end of a stream, and Discord never ends a
/// zlib-stream, so computing it would cost about a tenth of the inflate time
/// for a value nobody reads. Corruption still fails the inflate itself (and
/// then the JSON or ETF validation of the payload).
///
/// Make one per connection. After an error the stream state is unknown, so
/// every later call throws ``DecompressionError/Kind/unusableAfterError``
/// until ``reset()``.
public final class ZlibStreamDecompressor {
    /// The most decompressed bytes one payload may have.
    public let limit: Int
    /// Compressed bytes fed in since creation or the last ``reset()``.
    public private(set) var compressedBytesIn = 0
    /// Payload bytes returned since creation or the last ``reset()``.
    public private(set) var decompressedBytesOut = 0

    // Heap-allocated because zlib keeps a pointer back to the z_stream.
    private let stream: UnsafeMutablePointer<z_stream>
    private let output = InflateOutput()
    /// The last four compressed bytes seen, the newest in the low byte.
    private var lastFourBytes: UInt32 = 0
    private var bytesSincePayload = 0
    private var failure: DecompressionError?

    /// The bytes a `Z_SYNC_FLUSH` ends with, read big-endian.
    private static let syncFlushSuffix: UInt32 = 0x0000_FFFF

    /// Creates a decompressor for a new connection.
    ///
    /// - Parameter limit: the most decompressed bytes one payload may have (negative means 0);
    ///   the default is ``CodecLimits/maxDecompressedPayloadSize``.
    public init(limit: Int = CodecLimits().maxDecompressedPayloadSize) throws(DecompressionError) {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = czlib_inflate_init2(stream, 15)
        guard status == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw DecompressionError(.libraryFailure, "zlib inflateInit2 failed with status \(status)")
        }
        inflateValidate(stream, 0)
        self.stream = stream
        self.limit = max(0, limit)
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Feeds one complete binary WebSocket message.
    ///
    /// - Returns: the payload when the compressed data seen so far ends with
    ///   `00 00 ff ff`, or `nil` when the payload continues in the next message
    ///   (also for an empty message with nothing pending).
    public func decompress(_ message: UnsafeRawBufferPointer) throws(DecompressionError) -> [UInt8]? {
        if let failure {
            throw DecompressionError(
                .unusableAfterError,
                "the zlib-stream decompressor failed earlier (\(failure)); reset it for a new connection")
        }
        do throws(DecompressionError) {
            try inflateMessage(message)
        } catch {
            failure = error
            output.discard()
            throw error
        }
        compressedBytesIn += message.count
        bytesSincePayload += message.count
        rememberLastBytes(of: message)
        guard bytesSincePayload >= 4, lastFourBytes == Self.syncFlushSuffix else { return nil }
        let complete = output.takeBytes()
        bytesSincePayload = 0
        decompressedBytesOut += complete.count
        return complete
    }

    /// Feeds one complete binary WebSocket message held in an array.
    public func decompress(_ message: [UInt8]) throws(DecompressionError) -> [UInt8]? {
        let result: Result<[UInt8]?, DecompressionError> = message.withUnsafeBytes { buffer in
            Result { () throws(DecompressionError) in try decompress(buffer) }
        }
        return try result.get()
    }

    /// Forgets everything, ready for a new connection's stream (also after an error).
    public func reset() {
        inflateReset(stream)
        inflateValidate(stream, 0)
        output.discard()
        lastFourBytes = 0
        bytesSincePayload = 0
        compressedBytesIn = 0
        decompressedBytesOut = 0
        failure = nil
    }

    private func inflateMessage(_ message: UnsafeRawBufferPointer) throws(DecompressionError) {
        guard let base = message.baseAddress?.assumingMemoryBound(to: Bytef.self) else { return }
        var start = 0
        // avail_in is 32 bits wide: feed larger messages in slices.
        while start < message.count {
            let sliceCount = min(message.count - start, Int(UInt32.max))
            stream.pointee.next_in = UnsafeMutablePointer(mutating: base + start)
            stream.pointee.avail_in = uInt(sliceCount)
            try inflateAvailableInput(sliceOffset: compressedBytesIn + start, sliceCount: sliceCount)
            start += sliceCount
        }
    }

    /// Inflates until zlib has taken all of `avail_in` and has no output left to give.
    private func inflateAvailableInput(sliceOffset: Int, sliceCount: Int) throws(DecompressionError) {
        let ceiling = limit.overflowCeiling
        repeat {
            let space = output.freeSpace(ceiling: ceiling)
            let room = uInt(min(space.count, Int(UInt32.max)))
            stream.pointee.next_out = space.baseAddress?.assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = room
            let status = inflate(stream, Z_SYNC_FLUSH)
            output.commit(Int(room - stream.pointee.avail_out))
            var offset: Int { sliceOffset + sliceCount - Int(stream.pointee.avail_in) }
            guard output.count <= limit else {
                throw DecompressionError(
                    .limitExceeded, "zlib-stream payload exceeds the limit of \(limit) decompressed bytes",
                    offset: offset)
            }
            switch status {
            case Z_OK:
                continue
            case Z_BUF_ERROR:
                // No progress possible: all input taken and all output given.
                return
            case Z_STREAM_END:
                // Discord never ends the stream; anything after its end cannot be inflated.
                if stream.pointee.avail_in != 0 {
                    throw DecompressionError(
                        .trailingData, "\(stream.pointee.avail_in) bytes follow the end of the zlib stream",
                        offset: offset)
                }
            case Z_NEED_DICT:
                throw DecompressionError(
                    .corruptZlib, "corrupt zlib-stream: it asks for a preset dictionary", offset: offset)
            case Z_DATA_ERROR:
                throw DecompressionError(.corruptZlib, "corrupt zlib-stream: \(zlibMessage(stream.pointee))", offset: offset)
            case Z_MEM_ERROR:
                throw DecompressionError(.libraryFailure, "zlib ran out of memory inflating the stream", offset: offset)
            default:
                throw DecompressionError(.libraryFailure, "zlib inflate failed with status \(status)", offset: offset)
            }
        } while stream.pointee.avail_in > 0 || stream.pointee.avail_out == 0
    }

    private func rememberLastBytes(of message: UnsafeRawBufferPointer) {
        if message.count >= 4 {
            lastFourBytes = UInt32(bigEndian: message.loadUnaligned(fromByteOffset: message.count - 4, as: UInt32.self))
        } else {
            for byte in message { lastFourBytes = lastFourBytes << 8 | UInt32(byte) }
        }
    }
}
