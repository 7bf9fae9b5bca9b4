import CZlib

/// Inflates complete, standalone zlib streams one after another with one
/// reused z_stream (`inflateReset` between streams) and output buffer, so
/// payload compression costs no per-message setup.
final class ZlibInflater {
    // Heap-allocated because zlib keeps a pointer back to the z_stream.
    private let stream: UnsafeMutablePointer<z_stream>
    private let output: InflateOutput

    init(initialOutputSize: Int = 128 << 10) throws(DecompressionError) {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = czlib_inflate_init2(stream, 15)
        guard status == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw DecompressionError(.libraryFailure, "zlib inflateInit2 failed with status \(status)")
        }
        self.stream = stream
        output = InflateOutput(initialCapacity: initialOutputSize)
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Inflates `input`, which must be exactly one complete zlib stream of at most `limit`
    /// bytes (and exactly `expectedSize` bytes when given).
    func inflateStream(
        _ input: UnsafeRawBufferPointer, limit: Int, expectedSize: Int?
    ) throws(DecompressionError) -> [UInt8] {
        let limit = max(0, limit)
        if let expectedSize, expectedSize < 0 {
            throw DecompressionError(.corruptZlib, "announced decompressed size \(expectedSize) is negative")
        }
        if let expectedSize, expectedSize > limit {
            throw DecompressionError(
                .limitExceeded, "announced decompressed size \(expectedSize) exceeds the limit of \(limit) bytes")
        }
        inflateReset(stream)
        guard let base = input.baseAddress?.assumingMemoryBound(to: Bytef.self), !input.isEmpty else {
            throw DecompressionError(.truncatedZlib, "empty zlib stream", offset: 0)
        }
        let cap = expectedSize ?? limit
        // Whatever way this ends, the buffer is empty for the next stream.
        defer { output.discard() }
        var start = 0
        // avail_in is 32 bits wide: feed larger inputs in slices.
        while start < input.count {
            let sliceCount = min(input.count - start, Int(UInt32.max))
            stream.pointee.next_in = UnsafeMutablePointer(mutating: base + start)
            stream.pointee.avail_in = uInt(sliceCount)
            let ended = try inflateSlice(cap: cap, limit: limit, sliceEnd: start + sliceCount)
            start += sliceCount
            if ended {
                if start < input.count {
                    throw DecompressionError(
                        .trailingData, "\(input.count - start) bytes follow the end of the zlib stream",
                        offset: start)
                }
                if let expectedSize, output.count != expectedSize {
                    throw DecompressionError(
                        .corruptZlib, "zlib stream inflated to \(output.count) bytes, \(expectedSize) announced")
                }
                return output.takeBytes()
            }
        }
        throw DecompressionError(.truncatedZlib, "zlib stream ends before its final block", offset: input.count)
    }

    /// Inflates the current slice; returns whether the stream ended in it.
    private func inflateSlice(cap: Int, limit: Int, sliceEnd: Int) throws(DecompressionError) -> Bool {
        let ceiling = cap.overflowCeiling
        repeat {
            let space = output.freeSpace(ceiling: ceiling)
            let room = uInt(min(space.count, Int(UInt32.max)))
            stream.pointee.next_out = space.baseAddress?.assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = room
            let status = inflate(stream, Z_NO_FLUSH)
            output.commit(Int(room - stream.pointee.avail_out))
            var offset: Int { sliceEnd - Int(stream.pointee.avail_in) }
            guard output.count <= cap else {
                if cap < limit {
                    throw DecompressionError(
                        .corruptZlib, "zlib stream inflates to more than the \(cap) bytes announced", offset: offset)
                }
                throw DecompressionError(
                    .limitExceeded, "decompressed payload exceeds the limit of \(limit) bytes", offset: offset)
            }
            switch status {
            case Z_OK:
                continue
            case Z_STREAM_END:
                if stream.pointee.avail_in != 0 {
                    throw DecompressionError(
                        .trailingData, "\(stream.pointee.avail_in) bytes follow the end of the zlib stream",
                        offset: offset)
                }
                return true
            case Z_BUF_ERROR:
                // No progress possible: this slice is used up.
                return false
            case Z_NEED_DICT:
                throw DecompressionError(.corruptZlib, "corrupt zlib stream: it asks for a preset dictionary", offset: offset)
            case Z_DATA_ERROR:
                throw DecompressionError(.corruptZlib, "corrupt zlib stream: \(zlibMessage(stream.pointee))", offset: offset)
            case Z_MEM_ERROR:
                throw DecompressionError(.libraryFailure, "zlib ran out of memory inflating a stream", offset: offset)
            default:
                throw DecompressionError(.libraryFailure, "zlib inflate failed with status \(status)", offset: offset)
            }
        } while stream.pointee.avail_in > 0 || stream.pointee.avail_out == 0
        return false
    }
}
