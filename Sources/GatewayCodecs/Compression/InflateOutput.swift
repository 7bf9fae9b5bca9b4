/// The buffer a decompressor writes a payload into, reused from payload to payload.
///
/// The decompressor inflates straight into it (no intermediate chunk buffer,
/// no growing `Array`), then ``takeBytes()`` copies the finished payload
/// once into an exact-size array.
///
/// The buffer grows by doubling up to ``retainedCapacity`` and is kept
/// between payloads, so ordinary payloads inflate into one reused buffer. A
/// payload that outgrows it continues in extra chunks (each as large as all
/// the output before it, the last cut at the caller's ceiling) instead of a
/// grown copy, so a decompression bomb holds at most its ceiling here:
/// growing by copying held the old and the new buffer at once, 1.5 times the
/// cap at the last step. The extra chunks are freed after each payload; a
/// rare big event does not leave a connection holding megabytes.
///
/// A class held in a `let`, whose hot path touches only plain stored numbers
/// and pointers, so those accesses need no run-time exclusivity checks: a
/// mutable struct property of the decompressor would cost one per call,
/// several per message. The array of extra chunks is touched only past the
/// retained size.
final class InflateOutput {
    private struct Chunk {
        let base: UnsafeMutableRawPointer
        let capacity: Int
    }

    private var base: UnsafeMutableRawPointer
    private var capacity: Int
    /// Chunks after the buffer, for a payload larger than ``retainedCapacity``; the last is being written.
    private var extraChunks: [Chunk] = []
    /// Whether `extraChunks` is in use, and the bytes written into its last chunk.
    private var isChunked = false
    private var lastChunkBase: UnsafeMutableRawPointer?
    private var lastChunkCapacity = 0
    private var lastChunkUsed = 0
    /// Bytes of the current payload so far.
    private(set) var count = 0
    private let initialCapacity: Int

    /// The largest buffer kept between payloads.
    static let retainedCapacity = 1 << 20

    init(initialCapacity: Int = 128 << 10) {
        self.initialCapacity = initialCapacity
        capacity = initialCapacity
        base = .allocate(byteCount: initialCapacity, alignment: 16)
    }

    deinit {
        base.deallocate()
        for chunk in extraChunks { chunk.base.deallocate() }
    }

    /// Room for the next output, at most `ceiling - count` bytes (empty only at the ceiling);
    /// grows the buffer, or starts a new chunk, when full.
    func freeSpace(ceiling: Int) -> UnsafeMutableRawBufferPointer {
        let allowed = ceiling - count
        guard allowed > 0 else { return UnsafeMutableRawBufferPointer(start: base, count: 0) }
        if !isChunked {
            if count == capacity && capacity < Self.retainedCapacity {
                grow(to: min(max(capacity * 2, 4 << 10), Self.retainedCapacity, count + allowed))
            }
            if count < capacity {
                return UnsafeMutableRawBufferPointer(start: base + count, count: min(capacity - count, allowed))
            }
        }
        if let lastChunkBase, lastChunkUsed < lastChunkCapacity {
            return UnsafeMutableRawBufferPointer(
                start: lastChunkBase + lastChunkUsed, count: min(lastChunkCapacity - lastChunkUsed, allowed))
        }
        // Each new chunk doubles the total, but never passes the ceiling.
        let size = min(max(count, 4 << 10), allowed)
        let chunk = Chunk(base: .allocate(byteCount: size, alignment: 16), capacity: size)
        extraChunks.append(chunk)
        isChunked = true
        lastChunkBase = chunk.base
        lastChunkCapacity = size
        lastChunkUsed = 0
        return UnsafeMutableRawBufferPointer(start: chunk.base, count: size)
    }

    /// Records that `produced` bytes were written at the start of the last ``freeSpace(ceiling:)``.
    func commit(_ produced: Int) {
        count += produced
        if isChunked { lastChunkUsed += produced }
    }

    /// The payload as an exact-size array; the buffer is then empty.
    func takeBytes() -> [UInt8] {
        guard isChunked else {
            let bytes = [UInt8](UnsafeRawBufferPointer(start: base, count: count))
            discard()
            return bytes
        }
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            guard let destination = buffer.baseAddress else { return }
            (destination).update(from: base.assumingMemoryBound(to: UInt8.self), count: capacity)
            var offset = capacity
            for (index, chunk) in extraChunks.enumerated() {
                let length = index == extraChunks.count - 1 ? lastChunkUsed : chunk.capacity
                (destination + offset).update(from: chunk.base.assumingMemoryBound(to: UInt8.self), count: length)
                offset += length
            }
            initialized = offset
        }
        discard()
        return bytes
    }

    /// Drops the current payload (after an error, or once taken).
    func discard() {
        count = 0
        if isChunked {
            for chunk in extraChunks { chunk.base.deallocate() }
            extraChunks.removeAll()
            isChunked = false
            lastChunkBase = nil
            lastChunkCapacity = 0
            lastChunkUsed = 0
        }
        if capacity > Self.retainedCapacity {
            base.deallocate()
            capacity = initialCapacity
            base = .allocate(byteCount: initialCapacity, alignment: 16)
        }
    }

    private func grow(to newCapacity: Int) {
        let grown = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
        grown.copyMemory(from: base, byteCount: count)
        base.deallocate()
        base = grown
        capacity = newCapacity
    }
}

extension Int {
    /// The most bytes an output capped at `self` may hold while still detecting that it went over:
    /// one more than the cap (no more when the cap is `Int.max`).
    var overflowCeiling: Int { self < .max ? self + 1 : self }
}
