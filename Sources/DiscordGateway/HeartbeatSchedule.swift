/// The heartbeat timing of one connection, from HELLO on.
struct HeartbeatSchedule: Sendable, Hashable {
    /// The interval HELLO gave.
    var interval: Duration
    /// When the next scheduled heartbeat is due.
    var nextBeat: Duration
    /// Whether the last heartbeat sent is still waiting for its ACK.
    var awaitingACK = false
    /// When the last heartbeat went out, for the latency of its ACK.
    var lastSentAt: Duration?

    /// Schedules the first heartbeat at `interval * jitter` after HELLO, as Discord asks.
    init(interval: Duration, helloAt now: Duration, jitter: Double) {
        self.interval = interval
        self.nextBeat = now + interval * jitter
    }

    /// Records a heartbeat sent at `now`.
    mutating func sent(at now: Duration) {
        awaitingACK = true
        lastSentAt = now
    }

    /// Moves the schedule past a scheduled heartbeat sent at `now`; a caller that ran late does
    /// not get a burst of catch-up heartbeats.
    mutating func advance(after now: Duration) {
        nextBeat = nextBeat + interval
        if nextBeat <= now { nextBeat = now + interval }
    }

    /// Records an ACK at `now`; returns the round trip when it answers a timed heartbeat.
    mutating func acknowledged(at now: Duration) -> Duration? {
        defer { awaitingACK = false }
        guard awaitingACK, let lastSentAt else { return nil }
        return now - lastSentAt
    }
}

/// The heartbeat round trips of a session: the last one and a short rolling average.
struct LatencyTracker: Sendable, Hashable {
    /// How many recent samples the average covers.
    static let window = 5
    private(set) var samples: [Duration] = []

    mutating func record(_ latency: Duration) {
        if samples.count == Self.window { samples.removeFirst() }
        samples.append(latency)
    }

    var last: Duration? { samples.last }

    var average: Duration? {
        guard !samples.isEmpty else { return nil }
        return samples.reduce(.zero, +) / samples.count
    }
}
