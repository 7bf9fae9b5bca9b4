import DiscordGatewayClient
import NIOCore
import NIOPosix

extension GatewaySession {
    /// Runs a session on an event-loop thread of its own until it ends, with Ctrl-C wired to a
    /// clean stop (a second Ctrl-C exits at once with 130; SIGTERM likewise, with 143). `sink` is called on that thread.
    ///
    /// - Throws: ``ConnectError`` with the exit status for anything but a clean stop.
    public static func run(options: GatewaySessionOptions, sink: @escaping @Sendable (GatewaySessionEvent) -> Void)
        throws(ConnectError)
    {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let loop = group.next()
        do {
            let bound = try loop.submit {
                NIOLoopBound(try GatewaySession(options: options, eventLoop: loop, sink: sink), eventLoop: loop)
            }.wait()
            let interrupt = InterruptSignal { status in
                loop.execute { bound.value.stop(.interrupted(status)) }
            }
            defer { interrupt.cancel() }
            try loop.flatSubmit { bound.value.start() }.wait()
        } catch let error as ConnectError {
            throw error
        } catch {
            throw ConnectError(.internalFailure, "internal error: \(error)", exitStatus: .internalError)
        }
    }
}
