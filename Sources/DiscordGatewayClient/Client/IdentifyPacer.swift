/// Discord's identify concurrency: shard `id` is in bucket `id % maxConcurrency`, and each bucket
/// may IDENTIFY once per `interval` (5 s); buckets are independent.
///
/// A turn is reserved before the wait, so shards of one bucket go in the order they asked, each
/// `interval` after the one before.
actor IdentifyPacer {
    private let maxConcurrency: Int
    private let interval: Duration
    private let clock = ContinuousClock()
    /// The first instant each bucket may identify again.
    private var nextAllowed: [Int: ContinuousClock.Instant] = [:]

    init(maxConcurrency: Int, interval: Duration) {
        self.maxConcurrency = max(1, maxConcurrency)
        self.interval = interval
    }

    /// Returns when `shard` may send IDENTIFY.
    func waitForTurn(shard: Int) async {
        let bucket = shard % maxConcurrency
        let now = clock.now
        let turn = max(now, nextAllowed[bucket] ?? now)
        nextAllowed[bucket] = turn + interval
        guard turn > now else { return }
        // A cancelled wait goes early; the runner's waits are not cancelled while the session runs.
        try? await Task.sleep(until: turn, clock: clock)
    }
}
