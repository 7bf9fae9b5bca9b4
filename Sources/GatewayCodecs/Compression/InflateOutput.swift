/// The buffer a decompressor writes a payload into, reused from payload to payload.
///
/// The decompressor inflates straight into it (no intermediate chunk buffer,
/// no growing `Array`), then ``takeBytes()`` copies the finished payload
/// once into an exact-size array. Growth doubles but never passes the
/// caller's ceiling, so a decompression bomb stops at about the limit. A
/// buffer grown past ``retainedCapacity`` by a big payload shrinks back
/// afterwards, so a connection does not keep megabytes for a rare event.
///
/// A class held in a `let`, with plain stored numbers and pointers, so its
/// accesses need no run-time exclusivity checks: a mutable struct property of
/// the decompressor would cost one per call, several per message.
final class InflateOutput {
    private var base: UnsafeMutableRawPointer
    private var capacity: Int
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
    }

    /// Room for the next output, at most `ceiling - count` bytes (empty only at the ceiling);
    /// grows the buffer when it is full.
    func freeSpace(ceiling: Int) -> UnsafeMutableRawBufferPointer {
        if count == capacity && capacity < ceiling {
            // Straight to the ceiling once doubling would reach it: stopping at a power of two
            // one byte short would cost a last growth that copies the whole buffer to add a
            // single byte, twice the cap in memory for a bomb.
            grow(to: capacity >= ceiling / 2 ? ceiling : capacity * 2)
        }
        let room = min(capacity, ceiling) - count
        return UnsafeMutableRawBufferPointer(start: base + count, count: max(0, room))
    }

    /// Records that `produced` bytes were written at the start of the last ``freeSpace(ceiling:)``.
    func commit(_ produced: Int) {
        count += produced
    }

    /// The payload as an exact-size array; the buffer is then empty.
    func takeBytes() -> [UInt8] {
        let bytes = [UInt8](UnsafeRawBufferPointer(start: base, count: count))
        discard()
        return bytes
    }

    /// Drops the current payload (after an error, or once taken).
    func discard() {
        count = 0
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
