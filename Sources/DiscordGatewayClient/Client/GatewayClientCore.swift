import DiscordGateway
import Logging
import NIOCore
import NIOSSL

/// A ``GatewayClient``'s state on its event loop: the runner once the session started, a stop
/// asked for before it did, and the flow of events to the stream. Confined to the loop.
final class GatewayClientCore {
    typealias Source = GatewayEventStream.Producer.Source

    private(set) var runner: GatewaySessionRunner?
    private var source: Source?
    private var buffer: GatewayEventBuffer?
    private var log: GatewaySessionLog?
    /// A stop asked for before the session started: it never connects.
    private var pendingStop: GatewayCloseCode?
    /// Once stopping, the stream no longer holds reads up: the close's echo must be read even
    /// when the consumer is the one waiting for the close.
    private var stopping = false
    /// The consumer dropped its iterator: events are dropped and reads go on.
    private var consumerIsGone = false
    private var finished: EventLoopFuture<GatewaySessionFailure?>?

    init() {}

    /// Starts the session (once); the future completes when it is over.
    func start(
        driver: GatewaySessionDriver, eventLoop: any EventLoop, tlsContext: NIOSSLContext?, connectTimeout: Duration,
        identifyGate: (@Sendable () async -> Void)?, source: Source, buffer: GatewayEventBuffer, log: GatewaySessionLog
    ) -> EventLoopFuture<GatewaySessionFailure?> {
        if let finished { return finished }
        self.source = source
        self.buffer = buffer
        self.log = log
        if pendingStop != nil {
            source.finish()
            let future = eventLoop.makeSucceededFuture(GatewaySessionFailure?.none)
            finished = future
            return future
        }
        // The sink holds the core weakly: the core holds the runner, the runner its sink.
        let runner = GatewaySessionRunner(
            driver: driver, eventLoop: eventLoop, tlsContext: tlsContext, connectTimeout: connectTimeout
        ) { [weak self] report, moment in
            self?.handle(report, moment)
        }
        runner.identifyGate = identifyGate
        self.runner = runner
        let future = runner.start()
        // Registered first, so the stream is finished before run() or close() see the end.
        future.assumeIsolated().whenComplete { [self] result in
            if case .success(let failure) = result { log.finished(failure, connection: runner.connection) }
            source.finish()
            self.source = nil
        }
        finished = future
        return future
    }

    /// Stops the session with `code`, or keeps the stop for a session not started yet.
    func stop(code: GatewayCloseCode) {
        guard let runner else {
            if pendingStop == nil { pendingStop = code }
            return
        }
        if !stopping {
            stopping = true
            runner.setConsumerWantsMore(true)
        }
        runner.stop(closeCode: code)
    }

    /// The future of the session's end: nil before ``start(...)``.
    var sessionEnd: EventLoopFuture<GatewaySessionFailure?>? { finished }

    func consumerWantsMore(_ wantsMore: Bool) {
        guard !stopping, !consumerIsGone else { return }
        runner?.setConsumerWantsMore(wantsMore)
    }

    func consumerGone() {
        consumerIsGone = true
        runner?.setConsumerWantsMore(true)
    }

    private func handle(_ report: GatewaySessionReport, _ moment: GatewaySessionRunner.Moment) {
        if let runner { log?.report(report, connection: runner.connection) }
        guard case .gateway(let event) = report, let source, !consumerIsGone else { return }
        buffer?.yielded()
        switch source.yield(event) {
        case .produceMore:
            break
        case .stopProducing:
            consumerWantsMore(false)
        case .dropped:
            // The stream is finished (the consumer left): the event was not kept.
            buffer?.consumed()
        }
    }
}
