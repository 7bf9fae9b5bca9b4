import Foundation
import NIOConcurrencyHelpers
import NIOCore

/// A listener a command runs until it finishes or is stopped (`serve`, `proxy`).
protocol RunnableListener: GatewayListener, SendableMetatype {
    /// Completes when the listener is done: by itself, or after ``stop()``.
    var finished: EventLoopPromise<Void> { get }
    /// Ctrl-C or SIGTERM: closes every connection with 1001 and completes ``finished``.
    func stop()
}

/// Runs a listener the way `serve` and `proxy` do: made and bound on one event loop, Ctrl-C and
/// SIGTERM wired to its ``RunnableListener/stop()``, waited for, its socket closed.
enum ListenerRun {
    /// - Parameters:
    ///   - make: makes the listener, on the loop.
    ///   - bind: binds it, on the loop.
    ///   - result: what the command needs from it once it finished, read on the loop.
    /// - Returns: `result`'s value, and the status of the signal that stopped it (nil when the
    ///   listener finished by itself).
    /// - Throws: the address cannot be bound (69), or an internal error (70).
    static func run<Server: RunnableListener, Result: Sendable>(
        on loop: any EventLoop, host: String, port: Int, make: @escaping @Sendable () -> Server,
        bind: @escaping @Sendable (Server) -> EventLoopFuture<any Channel>, result: @escaping @Sendable (Server) -> Result
    ) throws(ServerCommandError) -> (result: Result, stoppedBy: ProcessExitStatus?) {
        let interrupted = NIOLockedValueBox<ProcessExitStatus?>(nil)
        do {
            let bound = try loop.submit { NIOLoopBound(make(), eventLoop: loop) }.wait()
            let listener: any Channel
            do {
                listener = try loop.flatSubmit { bind(bound.value) }.wait()
            } catch {
                // The listener never ran: complete its promise so nothing is left pending.
                try? loop.submit { bound.value.stop() }.wait()
                let cause = (error as? IOError).map { String(cString: strerror($0.errnoCode)).lowercased() } ?? "\(error)"
                throw ServerCommandError("cannot listen on \(host):\(port): \(cause)", exitStatus: .unavailable)
            }
            let interrupt = InterruptSignal { status in
                interrupted.withLockedValue { $0 = status }
                loop.execute { bound.value.stop() }
            }
            defer { interrupt.cancel() }
            let finished = try loop.submit { bound.value.finished.futureResult }.wait()
            try finished.wait()
            try? listener.close().wait()
            let value = try loop.submit { result(bound.value) }.wait()
            return (value, interrupted.withLockedValue { $0 })
        } catch let error as ServerCommandError {
            throw error
        } catch {
            throw ServerCommandError("internal error: \(error)", exitStatus: .internalError)
        }
    }

    /// The error a stop signal ends a listener's command with (130 for Ctrl-C, 143 for SIGTERM).
    static func stopped(by status: ProcessExitStatus, what closed: String) -> ServerCommandError {
        let cause = status == .terminated ? "stopped by SIGTERM" : "interrupted"
        return ServerCommandError("\(cause): \(closed) closed with 1001", exitStatus: status)
    }
}
