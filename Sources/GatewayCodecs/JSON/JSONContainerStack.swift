/// Which open containers are objects, one bit per nesting level.
///
/// The first 64 levels live in a register-sized word, so validating real
/// payloads never allocates; deeper levels (up to the configured cap) spill
/// into an array.
struct JSONContainerStack {
    private(set) var depth = 0
    private var low: UInt64 = 0
    private var spill: [UInt64] = []

    @inline(__always)
    mutating func push(isObject: Bool) {
        let bit: UInt64 = isObject ? 1 : 0
        if depth < 64 {
            low = low & ~(1 << depth) | bit << depth
        } else {
            pushSpilled(bit)
        }
        depth += 1
    }

    @inline(never)
    private mutating func pushSpilled(_ bit: UInt64) {
        let word = (depth - 64) >> 6
        let shift = UInt64((depth - 64) & 63)
        if word == spill.count { spill.append(0) }
        spill[word] = spill[word] & ~(1 << shift) | bit << shift
    }

    @inline(__always)
    mutating func pop() {
        depth -= 1
    }

    /// Whether the innermost open container is an object (`false` when none is open).
    @inline(__always)
    var topIsObject: Bool {
        guard depth > 0 else { return false }
        let level = depth - 1
        if level < 64 { return low >> level & 1 == 1 }
        return spill[(level - 64) >> 6] >> UInt64((level - 64) & 63) & 1 == 1
    }
}
