import CZlib

/// Compresses payloads the way a `zlib-stream` gateway server does: one
/// deflate stream per connection, with a `Z_SYNC_FLUSH` after every payload
/// so each compressed payload ends with `00 00 ff ff`.
///
/// The client never sends compressed data; this is for servers, fake
/// gateways in tests, and sample generation.
public final class ZlibStreamCompressor {
    // Heap-allocated because zlib keeps a pointer back to the z_stream.
    private let stream: UnsafeMutablePointer<z_stream>
    private let scratch = ScratchBuffer(count: 64 << 10)

    /// Starts a new deflate stream.
    ///
    /// - Parameter level: the zlib compression level, 0 (store) to 9 (smallest), or -1 for zlib's default.
    /// - Throws: ``DecompressionError/Kind/libraryFailure`` when zlib refuses the level.
    public init(level: Int32 = 6) throws(DecompressionError) {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = czlib_deflate_init2(stream, level, 15, 8, Z_DEFAULT_STRATEGY)
        guard status == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw DecompressionError(.libraryFailure, "zlib deflateInit2 refused level \(level) (status \(status))")
        }
        self.stream = stream
    }

    deinit {
        deflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Compresses one payload as the next message of the stream; the result ends with `00 00 ff ff`.
    public func compress(_ payload: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        payload.withUnsafeBytes { input in
            var start = 0
            // avail_in is 32 bits wide; one empty pass still emits the flush marker.
            repeat {
                let sliceCount = min(input.count - start, Int(UInt32.max))
                stream.pointee.next_in = input.baseAddress.map {
                    UnsafeMutablePointer(mutating: $0.assumingMemoryBound(to: Bytef.self) + start)
                }
                stream.pointee.avail_in = uInt(sliceCount)
                deflateAvailableInput(into: &output)
                start += sliceCount
            } while start < input.count
        }
        return output
    }

    private func deflateAvailableInput(into output: inout [UInt8]) {
        // With Z_SYNC_FLUSH, deflate has flushed everything once it leaves output space unused.
        repeat {
            stream.pointee.next_out = scratch.bytes.baseAddress
            stream.pointee.avail_out = uInt(scratch.count)
            let status = deflate(stream, Z_SYNC_FLUSH)
            guard status == Z_OK || status == Z_BUF_ERROR else {
                preconditionFailure("deflate failed on a valid stream with status \(status)")
            }
            let produced = scratch.count - Int(stream.pointee.avail_out)
            output.append(contentsOf: UnsafeBufferPointer(rebasing: scratch.bytes[0..<produced]))
        } while stream.pointee.avail_out == 0
    }
}
