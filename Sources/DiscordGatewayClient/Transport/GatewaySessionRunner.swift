import DiscordGateway
import NIOCore
import NIOPosix
import NIOSSL

// Theory of operation
//
// The runner is the only NIO code of a session: it feeds a GatewaySessionDriver its inputs (the
// socket's bytes and end, the deadline, timers, stop and send requests) and performs the actions
// it returns, in order. It decides nothing itself. Everything runs on one event loop.
//
//   openConnection     ClientBootstrap (TLS in front for wss://), one GatewaySessionChannelHandler
//   write / close      on the current handler
//   scheduleReconnect  one scheduled task
//   requestIdentify... the identify gate (a shard manager's bucket), then identifyPermitted
//   report             the sink
//   finish             cancel everything, close what is open, complete the future
//
// After every input exactly one deadline task is kept, for the driver's next deadline.

/// Runs a ``GatewaySessionDriver`` over SwiftNIO. Confined to its event loop.
package final class GatewaySessionRunner {
    /// When and on which connection a report happened.
    package struct Moment: Sendable {
        /// Time since the session started.
        package var time: Duration
        /// The connection's number, from 1.
        package var connection: Int
    }

    package let eventLoop: any EventLoop
    private var driver: GatewaySessionDriver
    private var tlsContext: NIOSSLContext?
    private let connectTimeout: Duration
    private let sink: (GatewaySessionReport, Moment) -> Void
    private let clock = SessionClock()
    private let promise: EventLoopPromise<GatewaySessionFailure?>
    private let timer = DeadlineTimer()

    /// Hooks for what only a debugger wants to see (raw bytes, TLS details).
    package var observer: (any GatewayTransportObserver)?
    /// Waits for a turn to IDENTIFY (with ``GatewaySessionDriver/Policy/identifyNeedsPermission``).
    package var identifyGate: (@Sendable () async -> Void)?
    /// Makes the TLS context when a `wss://` connection needs one and none was given (a `ws://`
    /// session whose resume URL is `wss://`); its error ends that connection.
    package var makeTLSContext: (() throws -> NIOSSLContext)?

    private var handler: GatewaySessionChannelHandler?
    private var reconnectTask: Scheduled<Void>?
    private var identifyWait: Task<Void, Never>?
    /// Actions not yet performed: an input that arrives while actions are performed (a sink that
    /// stops the session, a write that fails and ends the channel at once) queues its actions
    /// behind them, so they happen in the order the driver decided them.
    private var queue: [GatewaySessionAction] = []
    private var performing = false
    private var finished = false
    private var started = false
    /// Whether the consumer of events wants more; reads stop while it does not.
    private var consumerWantsMore = true

    /// A runner for `driver` on `eventLoop` (call on that loop). `tlsContext` is required for a
    /// `wss://` URL; `connectTimeout` bounds each TCP connect.
    package init(
        driver: GatewaySessionDriver, eventLoop: any EventLoop, tlsContext: NIOSSLContext?, connectTimeout: Duration,
        sink: @escaping (GatewaySessionReport, Moment) -> Void
    ) {
        self.driver = driver
        self.eventLoop = eventLoop
        self.tlsContext = tlsContext
        self.connectTimeout = connectTimeout
        self.sink = sink
        self.promise = eventLoop.makePromise(of: GatewaySessionFailure?.self)
    }

    /// The gateway connection: session id, sequence, latency.
    package var connection: GatewayConnection { driver.connection }

    /// The current connection's number.
    package var connectionNumber: Int { driver.connectionNumber }

    /// Dispatches received in the whole session.
    package var dispatches: Int { driver.dispatches }

    /// Time since the session started.
    package func now() -> Duration { clock.now() }

    /// Opens the first connection. The future completes when the session is over: nil after a stop
    /// that was asked for, else the failure.
    package func start() -> EventLoopFuture<GatewaySessionFailure?> {
        if !started {
            started = true
            perform(driver.start(now: now()))
        }
        return promise.futureResult
    }

    /// Stops cleanly (see ``GatewaySessionDriver/stop(closeCode:now:)``).
    package func stop(closeCode: GatewayCloseCode? = nil) {
        perform(driver.stop(closeCode: closeCode, now: now()))
    }

    /// Ends the session at once, with no close handshake, dropping what was still to be done
    /// (see ``GatewaySessionDriver/abort(now:)``).
    package func abort() {
        queue.removeAll()
        perform(driver.abort(now: now()))
    }

    /// Sends a command on the open connection.
    package func send(_ body: (inout GatewayConnection, Duration) throws(GatewaySendError) -> [UInt8]) throws(GatewaySendError) {
        perform(try driver.send(now: now(), body))
    }

    /// Whether the consumer of events wants more: while it does not, the socket is not read (the
    /// server's bytes wait in the kernel, and TCP slows the server down).
    package func setConsumerWantsMore(_ wantsMore: Bool) {
        guard wantsMore != consumerWantsMore else { return }
        consumerWantsMore = wantsMore
        handler?.updateReading()
    }

    var readsWanted: Bool { consumerWantsMore }

    // MARK: - Actions

    func perform(_ actions: [GatewaySessionAction]) {
        queue += actions
        guard !performing else { return }
        performing = true
        defer { performing = false }
        while !queue.isEmpty {
            let action = queue.removeFirst()
            // A session that finished (a sink that stopped it inside a report) has nothing else to do.
            if finished { break }
            run(action)
        }
        queue.removeAll()
        scheduleDeadline()
    }

    private func run(_ action: GatewaySessionAction) {
        switch action {
        case .openConnection(let host, let port, let usesTLS, let request):
            open(host: host, port: port, usesTLS: usesTLS, request: request)
        case .write(let bytes):
            handler?.write(bytes)
            observer?.didWrite(bytes, isUpgradeRequest: false)
        case .closeConnection:
            handler?.closeChannel()
        case .scheduleReconnect(let delay):
            reconnectTask = eventLoop.assumeIsolated().scheduleTask(in: SessionClock.timeAmount(delay)) { [self] in
                reconnectTask = nil
                perform(driver.reconnectTimerFired(now: now()))
            }
        case .requestIdentifyPermission:
            requestIdentifyPermission()
        case .report(let report):
            sink(report, Moment(time: now(), connection: driver.connectionNumber))
        case .finish(let failure):
            finish(failure)
        }
    }

    private func finish(_ failure: GatewaySessionFailure?) {
        guard !finished else { return }
        finished = true
        timer.cancel()
        reconnectTask?.cancel()
        reconnectTask = nil
        identifyWait?.cancel()
        identifyWait = nil
        handler?.closeChannel()
        promise.succeed(failure)
    }

    private func scheduleDeadline() {
        guard !finished, handler != nil else { return timer.cancel() }
        timer.schedule(driver.nextDeadline, on: eventLoop, at: clock.deadline) { [self] in
            perform(driver.deadlineReached(now: now()))
        }
    }

    private func requestIdentifyPermission() {
        guard let identifyGate else {
            perform(driver.identifyPermitted(now: now()))
            return
        }
        identifyWait?.cancel()
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        let loop = eventLoop
        // A turn granted for a connection that has ended since is not used by the next one.
        let number = driver.connectionNumber
        identifyWait = Task {
            await identifyGate()
            guard !Task.isCancelled else { return }
            loop.execute {
                let runner = bound.value
                guard runner.driver.connectionNumber == number else { return }
                runner.identifyWait = nil
                runner.perform(runner.driver.identifyPermitted(now: runner.now()))
            }
        }
    }

    private func open(host: String, port: Int, usesTLS: Bool, request: [UInt8]) {
        if usesTLS && tlsContext == nil, let makeTLSContext {
            do {
                tlsContext = try makeTLSContext()
            } catch {
                perform(driver.connectFailed(.failed("cannot set up TLS for \(host): \(error)"), now: now()))
                return
            }
        }
        let sslContext = usesTLS ? tlsContext : nil
        if usesTLS && sslContext == nil {
            perform(driver.connectFailed(.failed("wss:// needs a TLS configuration"), now: now()))
            return
        }
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        // Both closures run on the channel's loop, which is this runner's.
        let future = GatewayTransport.connect(
            host: host, port: port, tls: sslContext, timeout: connectTimeout, on: eventLoop,
            beforeTLS: { channel in try bound.value.observer?.willAddTLS(to: channel) },
            handler: { _ in GatewaySessionChannelHandler(runner: bound.value, upgradeRequest: request, usesTLS: usesTLS) })
        let timeout = connectTimeout
        future.assumeIsolated().whenComplete { [self] result in
            switch result {
            case .success(let channel):
                if finished { channel.close(promise: nil) }
            case .failure(let error):
                guard !finished else { return }
                observer?.transportError(error)
                let problem = NetworkFailureText.problem(error, host: host, port: port, timeout: timeout)
                perform(driver.connectFailed(problem, now: now()))
            }
        }
    }

    // MARK: - The channel handler's inputs

    func channelActive(_ handler: GatewaySessionChannelHandler, context: ChannelHandlerContext, usesTLS: Bool, request: [UInt8]) {
        guard !finished else {
            context.close(promise: nil)
            return
        }
        self.handler = handler
        observer?.connectionActive(context)
        // Opened before the write: a write that fails at once ends the channel inside the call.
        perform(driver.connectionOpened(usesTLS: usesTLS, now: now()))
        handler.updateReading()
        observer?.didWrite(request, isUpgradeRequest: true)
        handler.write(request)
    }

    func tlsHandshakeCompleted(_ handler: GatewaySessionChannelHandler, context: ChannelHandlerContext, alpn: String?) {
        guard self.handler === handler else { return }
        observer?.tlsHandshakeCompleted(context, alpn: alpn)
        perform(driver.tlsHandshakeCompleted(now: now()))
    }

    func received(_ handler: GatewaySessionChannelHandler, _ bytes: UnsafeRawBufferPointer) {
        guard self.handler === handler else { return }
        observer?.didRead(bytes)
        perform(driver.receive(bytes, now: now()))
    }

    func failed(_ handler: GatewaySessionChannelHandler, error: any Error, context: ChannelHandlerContext) {
        guard self.handler === handler else { return }
        observer?.transportError(error)
        let (host, port, _) = driver.connection.destination
        let isTLSError = error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError
        let problem: GatewayTransportProblem =
            isTLSError
            ? .failed(GatewayTLS.explain(error, host: host, port: port, peer: GatewayTLS.peerCertificate(in: context)))
            : NetworkFailureText.problem(error, host: host, port: port, timeout: connectTimeout)
        perform(driver.transportFailed(problem, isTLSError: isTLSError, now: now()))
    }

    func ended(_ handler: GatewaySessionChannelHandler) {
        guard self.handler === handler else { return }
        self.handler = nil
        perform(driver.endOfInput(now: now()))
    }
}

/// What a debugger wants to see of a session's transport beside the reports; every method is
/// called on the session's event loop.
package protocol GatewayTransportObserver: AnyObject {
    /// Before the TLS handler is added to a new channel (to add a handler in front of it).
    func willAddTLS(to channel: any Channel) throws
    /// A connection's socket is up.
    func connectionActive(_ context: ChannelHandlerContext)
    /// Its TLS handshake finished.
    func tlsHandshakeCompleted(_ context: ChannelHandlerContext, alpn: String?)
    /// Bytes were read (before the driver sees them).
    func didRead(_ bytes: UnsafeRawBufferPointer)
    /// Bytes were written: the upgrade request, or frames.
    func didWrite(_ bytes: [UInt8], isUpgradeRequest: Bool)
    /// The raw error behind a transport failure.
    func transportError(_ error: any Error)
}
