/// Counts a client's payloads in a sliding window, as Discord does for its 120 per 60 s.
struct ReceiveRateWindow: Sendable {
    private let limit: Int
    private let window: Duration
    /// Arrival times within the window, oldest first (a ring would save a shift; the window is small).
    private var arrivals: [Duration] = []

    init(limit: Int, window: Duration) {
        self.limit = max(1, limit)
        self.window = window
    }

    /// Records a payload at `now`; false when it is one too many for the window.
    mutating func admit(at now: Duration) -> Bool {
        let start = now - window
        if let firstKept = arrivals.firstIndex(where: { $0 > start }) {
            arrivals.removeFirst(firstKept)
        } else {
            arrivals.removeAll(keepingCapacity: true)
        }
        arrivals.append(now)
        return arrivals.count <= limit
    }
}
