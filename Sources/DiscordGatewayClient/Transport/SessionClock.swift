import NIOCore

/// The session's monotonic clock: `Duration` since the session started, as the connection wants
/// it, and back to NIO's deadlines for scheduling.
package struct SessionClock {
    package let start: NIODeadline

    package init(start: NIODeadline = .now()) {
        self.start = start
    }

    /// Time since the start.
    package func now() -> Duration {
        .nanoseconds(max(0, (NIODeadline.now() - start).nanoseconds))
    }

    /// The event-loop deadline for a session time.
    package func deadline(_ time: Duration) -> NIODeadline {
        start + Self.timeAmount(time)
    }

    /// A duration as NIO's `TimeAmount`, clamped to what it can hold.
    package static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let (total, overflowAgain) = whole.addingReportingOverflow(attoseconds / 1_000_000_000)
        if overflow || overflowAgain { return .nanoseconds(seconds < 0 ? 0 : Int64.max / 2) }
        return .nanoseconds(max(0, total))
    }
}
