/// How long to wait before each new connection attempt.
///
/// The first attempt after a healthy session goes out at once (Discord asks
/// for prompt reconnects after RECONNECT). Each further attempt without a
/// READY or RESUMED in between waits twice as long as the one before,
/// from ``initial`` up to ``maximum``, with the upper half randomised so
/// that many clients dropped together do not return together.
public struct ReconnectBackoff: Sendable, Hashable {
    /// The wait before the second consecutive attempt.
    public var initial: Duration
    /// The longest wait.
    public var maximum: Duration

    /// Creates a policy; the defaults are 1 second doubling up to 60 seconds.
    public init(initial: Duration = .seconds(1), maximum: Duration = .seconds(60)) {
        self.initial = initial
        self.maximum = max(initial, maximum)
    }

    /// The wait before attempt number `failures + 1`, where `failures` counts the
    /// consecutive attempts since the last READY or RESUMED.
    func delay(afterFailures failures: Int, using rng: inout some RandomNumberGenerator) -> Duration {
        guard failures > 0 else { return .zero }
        var ceiling = initial
        for _ in 1..<min(failures, 64) {
            ceiling = ceiling * 2
            if ceiling >= maximum { break }
        }
        ceiling = min(ceiling, maximum)
        // Equal jitter: half fixed, half random, so waits still grow.
        let fraction = Double.random(in: 0.5...1.0, using: &rng)
        return ceiling * fraction
    }
}
