/// The buffer a decompressor writes a payload into, reused from payload to payload.
///
/// The decompressor inflates straight into it (no intermediate chunk buffer,
/// no growing `Array`), then ``takeBytes()`` copies the finished payload
/// once into an exact-size array.
///
/// A payload that outgrows the first chunk continues in further chunks (each
/// as large as all before it, the last cut at the caller's ceiling) instead
/// of a grown copy, so nothing is copied while inflating and a decompression
/// bomb holds at most its ceiling here: growing by copying held the old and
/// the new buffer at once, 1.5 times the cap at the last step. Chunks up to
/// ``retainedCapacity`` in all are kept for the next payload; a rare big event
/// does not leave a connection holding megabytes.
///
/// A class held in a `let`, with plain stored numbers and pointers, so its
/// accesses need no run-time exclusivity checks: a mutable struct property of
/// the decompressor would cost one per call, several per message.
final class InflateOutput {
    private struct Chunk {
        let base: UnsafeMutableRawPointer
        let capacity: Int
    }

    /// The chunks in writing order; the first is never freed.
    private var chunks: [Chunk]
    /// The chunk being written and the bytes written into it.
    private var current = 0
    private var used = 0
    /// Bytes of the current payload so far.
    private(set) var count = 0

    /// The most chunk memory kept between payloads.
    static let retainedCapacity = 1 << 20

    init(initialCapacity: Int = 128 << 10) {
        chunks = [Chunk(base: .allocate(byteCount: initialCapacity, alignment: 16), capacity: initialCapacity)]
    }

    deinit {
        for chunk in chunks { chunk.base.deallocate() }
    }

    /// Room for the next output, at most `ceiling - count` bytes (empty only at the ceiling);
    /// moves on to the next chunk (allocating it if needed) when the current one is full.
    func freeSpace(ceiling: Int) -> UnsafeMutableRawBufferPointer {
        let allowed = ceiling - count
        guard allowed > 0 else { return UnsafeMutableRawBufferPointer(start: chunks[current].base, count: 0) }
        if used == chunks[current].capacity {
            current += 1
            used = 0
            if current == chunks.count {
                // Each new chunk doubles the total, but never passes the ceiling.
                let size = min(max(count, 4 << 10), allowed)
                chunks.append(Chunk(base: .allocate(byteCount: size, alignment: 16), capacity: size))
            }
        }
        let chunk = chunks[current]
        return UnsafeMutableRawBufferPointer(start: chunk.base + used, count: min(chunk.capacity - used, allowed))
    }

    /// Records that `produced` bytes were written at the start of the last ``freeSpace(ceiling:)``.
    func commit(_ produced: Int) {
        used += produced
        count += produced
    }

    /// The payload as an exact-size array; the buffer is then empty.
    func takeBytes() -> [UInt8] {
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            guard let destination = buffer.baseAddress else { return }
            var offset = 0
            for index in 0...current {
                let length = index < current ? chunks[index].capacity : used
                (destination + offset).update(
                    from: chunks[index].base.assumingMemoryBound(to: UInt8.self), count: length)
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
        current = 0
        used = 0
        // Keep the first chunks while they fit the retained budget; free the rest.
        var kept = 0
        var total = 0
        while kept < chunks.count && (kept == 0 || total + chunks[kept].capacity <= Self.retainedCapacity) {
            total += chunks[kept].capacity
            kept += 1
        }
        for chunk in chunks[kept...] { chunk.base.deallocate() }
        chunks.removeSubrange(kept...)
    }
}

extension Int {
    /// The most bytes an output capped at `self` may hold while still detecting that it went over:
    /// one more than the cap (no more when the cap is `Int.max`).
    var overflowCeiling: Int { self < .max ? self + 1 : self }
}
