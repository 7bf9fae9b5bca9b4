import NIOCore

/// The one scheduled task for a sans-I/O state machine's next deadline, on an event loop: an
/// unchanged deadline keeps the task it has, a new one replaces it. Confined to its loop.
package final class DeadlineTimer {
    private var task: Scheduled<Void>?
    private var scheduled: Duration?

    /// A timer with no task.
    package init() {}

    /// Keeps exactly one task, for `deadline` (none when nil), that runs `fire` then.
    /// - Parameter loopDeadline: the event loop's deadline for a state-machine time.
    package func schedule(
        _ deadline: Duration?, on eventLoop: any EventLoop, at loopDeadline: (Duration) -> NIODeadline,
        _ fire: @escaping () -> Void
    ) {
        guard deadline != scheduled || task == nil else { return }
        cancel()
        guard let deadline else { return }
        scheduled = deadline
        task = eventLoop.assumeIsolated().scheduleTask(deadline: loopDeadline(deadline)) { [self] in
            task = nil
            scheduled = nil
            fire()
        }
    }

    /// Drops the task, if any.
    package func cancel() {
        task?.cancel()
        task = nil
        scheduled = nil
    }
}
