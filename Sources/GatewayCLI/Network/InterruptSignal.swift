import Dispatch
import Foundation
import NIOConcurrencyHelpers

/// Ctrl-C and `kill` handling: the first SIGINT or SIGTERM asks for a clean stop, a second one
/// exits at once (130 or 143).
///
/// Both signals are ignored by the process and delivered through dispatch sources instead, so the
/// handler runs on an ordinary queue, not in signal context. A dispatch source also receives a
/// signal the process was started with blocked (a child inherits its parent's mask, and test
/// runners and supervisors block SIGTERM), which a plain handler would never see.
final class InterruptSignal {
    /// The signals handled, with the status a stop they ask for ends the process with.
    static let handled: [(signal: Int32, status: ProcessExitStatus)] = [(SIGINT, .interrupted), (SIGTERM, .terminated)]

    private let sources: [DispatchSourceSignal]

    /// Calls `onFirstInterrupt` with the exit status of the signal that asked for the stop.
    init(onFirstInterrupt: @escaping @Sendable (ProcessExitStatus) -> Void) {
        let count = NIOLockedValueBox(0)
        let queue = DispatchQueue(label: "gatewayctl.signals")
        sources = Self.handled.map { handled in
            signal(handled.signal, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: handled.signal, queue: queue)
            source.setEventHandler {
                let seen = count.withLockedValue { value -> Int in
                    value += 1
                    return value
                }
                if seen == 1 {
                    onFirstInterrupt(handled.status)
                } else {
                    exit(handled.status.rawValue)
                }
            }
            source.resume()
            return source
        }
    }

    /// Stops listening and restores the default actions.
    func cancel() {
        for source in sources { source.cancel() }
        for handled in Self.handled { signal(handled.signal, SIG_DFL) }
    }
}
