import Dispatch
import Foundation
import NIOConcurrencyHelpers

/// Ctrl-C handling: the first SIGINT asks for a clean stop, a second one exits at once with 130.
///
/// SIGINT is ignored by the process and delivered through a dispatch source instead, so the
/// handler runs on an ordinary queue, not in signal context.
final class InterruptSignal {
    private let source: DispatchSourceSignal

    init(onFirstInterrupt: @escaping @Sendable () -> Void) {
        signal(SIGINT, SIG_IGN)
        let count = NIOLockedValueBox(0)
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: DispatchQueue(label: "gatewayctl.sigint"))
        source.setEventHandler {
            let seen = count.withLockedValue { value -> Int in
                value += 1
                return value
            }
            if seen == 1 {
                onFirstInterrupt()
            } else {
                exit(ProcessExitStatus.interrupted.rawValue)
            }
        }
        source.resume()
    }

    /// Stops listening and restores the default action.
    func cancel() {
        source.cancel()
        signal(SIGINT, SIG_DFL)
    }
}
