/// When a client's heartbeats are due, from HELLO on.
struct HeartbeatWatch: Sendable, Hashable {
    let interval: Duration
    let grace: Duration
    /// HELLO, or the last heartbeat.
    private(set) var last: Duration

    init(interval: Duration, grace: Duration, helloAt now: Duration) {
        self.interval = interval
        self.grace = grace
        last = now
    }

    /// When the connection times out unless a heartbeat comes first.
    var deadline: Duration { last + interval + grace }

    /// Records a heartbeat at `now`; returns the time since the previous one (or HELLO).
    mutating func beat(at now: Duration) -> Duration {
        defer { last = now }
        return now - last
    }
}
