import CaptureFormats

/// When each record of a paced replay (`--realtime`, `--speed`) is due: the recorded gaps divided
/// by the speed, each capped at ``longestWait``, never a wait for time that goes backwards.
///
/// Only how long to wait is decided here; the replay driver does the sleeping, so this stays a
/// pure calculation that tests can drive with any clock readings.
struct ReplayPacer {
    /// The longest single wait: a recording whose clock jumps (hours of silence, a clock reset)
    /// must not leave someone watching a frozen terminal. It is longer than Discord's heartbeat
    /// interval (41.25 s), so a quiet session still replays at its own pace.
    static let longestWait: Duration = .seconds(60)
    /// How far behind its schedule a replay may fall (a suspended process, a slow terminal) before
    /// it counts the next gap from now rather than rushing through the records it is late for.
    static let catchUpLimit: Duration = .seconds(1)

    /// 1 as recorded, 2 twice as fast, 0.5 half as fast.
    let speed: Double
    /// The latest recorded time seen, in microseconds since the start of the recording.
    private var recorded: Int64 = 0
    /// When the record at `recorded` was due.
    private var due: ContinuousClock.Instant

    /// Paces a replay starting at `start`, where the recording's time 0 falls.
    init(speed: Double, start: ContinuousClock.Instant) {
        self.speed = speed
        self.due = start
    }

    /// How long to wait, at `now`, before showing a record recorded at `time`.
    mutating func wait(before time: CaptureTimeOffset, now: ContinuousClock.Instant) -> Duration {
        // Time going backwards (or standing still) shows the record at once and keeps the latest
        // time, so the next forward step is measured from it and not waited out twice.
        guard time.microseconds > recorded else { return .zero }
        // Forward, the difference overflows only for a jump longer than any cap.
        let (gap, overflow) = time.microseconds.subtractingReportingOverflow(recorded)
        recorded = time.microseconds
        let base = now - due > Self.catchUpLimit ? now : due
        due = base + Self.step(microseconds: overflow ? .max : gap, speed: speed)
        return max(.zero, due - now)
    }

    /// A recorded gap at `speed`, capped at ``longestWait``; computed in floating point, where a
    /// huge gap or a tiny speed cannot overflow, and capped before it becomes a duration again.
    static func step(microseconds: Int64, speed: Double) -> Duration {
        let limit = Double(longestWait.components.seconds)
        let seconds = Double(microseconds) / 1_000_000 / speed
        guard seconds.isFinite, seconds < limit else { return longestWait }
        return .nanoseconds(Int64((max(0, seconds) * 1_000_000_000).rounded()))
    }
}
