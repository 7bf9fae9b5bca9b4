extension ReplaySummary {
    /// The sizes of the payloads of one kind (one event name, or one opcode), measured as the
    /// decoded payload the connection delivered: the whole payload after decompression, in its
    /// encoding (JSON text or ETF), `op`, `s` and `t` included. Wire sizes would hide what a
    /// compressed stream costs to decode, and a stream's frames do not line up with payloads.
    public struct PayloadSizes: Sendable, Hashable {
        /// Payloads of this kind.
        public internal(set) var count = 0
        /// Their bytes, added up.
        public internal(set) var totalBytes = 0
        /// The largest one's bytes.
        public internal(set) var largest = 0

        /// Counts one payload of `bytes` bytes.
        mutating func add(bytes: Int) {
            count += 1
            // Saturates rather than traps: a sum of sizes is only ever shown.
            let (sum, overflow) = totalBytes.addingReportingOverflow(bytes)
            totalBytes = overflow ? .max : sum
            largest = max(largest, bytes)
        }
    }
}
