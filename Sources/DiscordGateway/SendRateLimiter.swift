/// Discord's per-connection send limit (120 payloads per 60 seconds) as a sliding window.
///
/// Heartbeats are never refused: a heartbeat eaten by a rate limiter makes
/// the connection look like a zombie. Instead, room for them is held back
/// from every other command, so ordinary sends stop while heartbeats can
/// still go out without the connection reaching the limit.
struct SendRateLimiter: Sendable, Hashable {
    /// Sends allowed per window.
    let limit: Int
    /// The window length.
    let window: Duration
    /// Times of the sends still inside the window, oldest first (at most `limit`).
    private var sends: [Duration] = []
    /// How many of `limit` are kept for heartbeats.
    private(set) var heartbeatReserve: Int

    init(limit: Int, window: Duration, heartbeatReserve: Int) {
        self.limit = max(1, limit)
        self.window = window
        self.heartbeatReserve = min(max(0, heartbeatReserve), self.limit - 1)
    }

    /// Keeps enough room for the heartbeats one window can hold at this interval, plus one answered server request.
    mutating func reserve(forHeartbeatInterval interval: Duration) {
        guard interval > .zero else { return }
        let perWindow = Int((window / interval).rounded(.up))
        heartbeatReserve = min(perWindow + 1, limit - 1)
    }

    /// The number of sends inside the window ending at `now`.
    mutating func count(at now: Duration) -> Int {
        let start = now - window
        if let firstInside = sends.firstIndex(where: { $0 > start }) {
            if firstInside > 0 { sends.removeFirst(firstInside) }
        } else {
            sends.removeAll(keepingCapacity: true)
        }
        return sends.count
    }

    /// When a non-heartbeat send is next allowed, or `nil` if it is allowed at `now`.
    mutating func nextAllowedTime(at now: Duration) -> Duration? {
        let available = limit - heartbeatReserve
        let used = count(at: now)
        guard used >= available else { return nil }
        // The send that must leave the window before another fits.
        return sends[used - available] + window
    }

    /// Records a send at `now`.
    mutating func record(at now: Duration) {
        _ = count(at: now)
        sends.append(now)
    }

    /// Forgets every send (a new connection gets a fresh window).
    mutating func reset() {
        sends.removeAll(keepingCapacity: true)
    }
}
