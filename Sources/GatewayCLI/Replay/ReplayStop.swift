import Dispatch
import NIOConcurrencyHelpers

/// A request to stop a paced or followed replay (Ctrl-C or SIGTERM), and the waits it cuts short.
///
/// The signal handler runs on a dispatch queue while the replay sleeps on the main thread, so the
/// request is kept under a lock and also wakes the sleeper through a semaphore: a replay waiting
/// out a long recorded gap stops at once instead of at the end of the gap.
final class ReplayStop: Sendable {
    private let requested = NIOLockedValueBox<ProcessExitStatus?>(nil)
    private let wakeUp = DispatchSemaphore(value: 0)

    /// The exit status of the signal that asked for the stop, or nil while none has.
    var status: ProcessExitStatus? { requested.withLockedValue { $0 } }

    /// Asks for a stop ending the process with `status`; later requests keep the first one.
    func request(_ status: ProcessExitStatus) {
        let first = requested.withLockedValue { current -> Bool in
            guard current == nil else { return false }
            current = status
            return true
        }
        if first { wakeUp.signal() }
    }

    /// Sleeps for `duration` unless a stop is asked for first.
    /// - Returns: false when a stop was asked for (before or during the sleep).
    func sleep(for duration: Duration) -> Bool {
        guard status == nil else { return false }
        guard duration > .zero else { return true }
        let (seconds, attoseconds) = duration.components
        // Callers clamp their waits to seconds or minutes, so this cannot overflow; the guard
        // keeps an absurd caller from trapping all the same.
        let nanoseconds = Int(clamping: seconds).multipliedReportingOverflow(by: 1_000_000_000)
        let total = nanoseconds.overflow ? Int.max : nanoseconds.partialValue.addingReportingOverflow(
            Int(attoseconds / 1_000_000_000)).partialValue
        // A signal that came in before the wait leaves the semaphore raised, so it returns at once.
        if wakeUp.wait(timeout: .now() + .nanoseconds(total)) == .success {
            wakeUp.signal()
            return false
        }
        return status == nil
    }
}

/// A paced or followed replay stopped by Ctrl-C (130) or SIGTERM (143), as `connect` stops.
struct ReplayInterrupted: Error, CustomStringConvertible, ExitStatusReporting {
    /// 130 or 143.
    var exitStatus: ProcessExitStatus

    var description: String { exitStatus == .terminated ? "stopped by SIGTERM" : "interrupted" }
}
