/// A fixed-size byte buffer that a decompressor inflates into before copying
/// each chunk into the payload it is building.
///
/// Inflating into a reused buffer and copying once gives every payload an
/// exact-size array, and a chunk can overrun the size cap without the
/// payload array ever growing past it.
struct ScratchBuffer: ~Copyable {
    let bytes: UnsafeMutableBufferPointer<UInt8>

    init(count: Int) {
        bytes = .allocate(capacity: count)
    }

    deinit {
        bytes.deallocate()
    }

    var count: Int { bytes.count }

    /// Appends the first `produced` bytes to `payload` when that keeps it within `limit`;
    /// returns false (appending nothing) otherwise.
    func append(_ produced: Int, to payload: inout [UInt8], limit: Int) -> Bool {
        guard produced <= limit - payload.count else { return false }
        if produced > 0 {
            let needed = payload.count + produced
            if payload.capacity < needed {
                // Grow geometrically, but never reserve past the cap: a bomb stops at `limit`.
                payload.reserveCapacity(min(limit, max(needed, payload.count * 2)))
            }
            payload.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[0..<produced]))
        }
        return true
    }
}
