import DiscordGateway
import Foundation
import NIOCore
import NIOPosix
import NIOSSL

// Theory of operation
//
// A GatewaySession is `gatewayctl connect`'s driver: one GatewayConnection (the sans-I/O state
// machine, which holds the Discord session across connections) and the loop of TCP connections
// around it. Everything runs on one event loop; nothing blocks or sleeps.
//
//   connectNext()      connection.connect() -> the upgrade request; ClientBootstrap opens TCP
//                      (TLS in front for wss://) to connection.destination, which is the resume
//                      URL when the connection will RESUME
//   handler            GatewayChannelHandler: reads -> connection.receive, one deadline task,
//                      end of input; after each input the session drains the events here
//   drainEvents        reports every event to the sink, records it, answers HELLO with
//                      identifyOrResume, counts dispatches for --max-events
//   connectionEnded    after the channel is gone: stop (fatal close code, rejected upgrade,
//                      unreachable server, a first connection that never worked, --no-reconnect,
//                      a requested stop), or wait connection.reconnect() on a scheduled task and
//                      connectNext() again
//   stop(reason)       Ctrl-C, --duration, --max-events: close 1000 (4000 with --keep-session),
//                      wait for the echo up to --timeout, then finish
//
// Every wait is bounded by options.timeout: TCP (the bootstrap's connect timeout), the TLS
// handshake and the upgrade response (the handler's stage deadline, while the connection is
// upgrading), HELLO and the close echo (the connection's own deadlines).
//
// The outcome is a future: success for a clean stop that was asked for, a ConnectError that
// carries the exit status otherwise. Each connection's end is judged once (DisconnectOutcome):
// the first thing that went wrong is the cause the user is told, never a consequence of it.

/// A live gateway session over SwiftNIO: connects, identifies or resumes, reconnects, records,
/// and reports everything to a sink. Confined to its event loop.
public final class GatewaySession {
    /// Why a session stops cleanly, or not.
    public enum StopReason: Sendable, Hashable {
        /// `--max-events` dispatches arrived.
        case maxEvents
        /// `--duration` elapsed.
        case duration
        /// Ctrl-C (SIGINT) or SIGTERM: the status the process ends with.
        case interrupted(ProcessExitStatus)
        /// Something the session cannot go on with (a failed recording, an IDENTIFY that cannot be sent).
        case failure(ConnectError)
    }

    let options: GatewaySessionOptions
    let eventLoop: any EventLoop
    var connection: GatewayConnection
    private let sink: (GatewaySessionEvent) -> Void
    private let clock: SessionClock
    private let promise: EventLoopPromise<Void>
    private var recorder: SessionRecorder?
    private var tlsContext: NIOSSLContext?
    private var keyLog: TLSKeyLog?

    private var connectionNumber = 0
    private var handler: GatewayChannelHandler?
    private var channel: (any Channel)?
    private var connecting = false
    private var backoffTask: Scheduled<Void>?
    private var durationTask: Scheduled<Void>?
    private var stopReason: StopReason?
    private var finished = false

    private var everUpgraded = false
    private var upgradedThisConnection = false
    private var transportError: String?
    private var certificateRejected = false
    private var rejection: WebSocketRejection?

    private var dispatches = 0
    /// Reconnects since the last READY or RESUMED, shown with each so a failing server's backoff is visible.
    private var attemptsSinceReady = 0
    private var lastStatusAt: Duration = .zero
    private var dispatchesAtLastStatus = 0

    /// Creates a session on `eventLoop` (call on that loop); nothing is opened before ``start()``.
    ///
    /// - Throws: ``ConnectError`` for a configuration the connection refuses, a CA file that
    ///   cannot be used, or a recording that cannot be created.
    public init(
        options: GatewaySessionOptions, eventLoop: any EventLoop, sink: @escaping (GatewaySessionEvent) -> Void
    ) throws(ConnectError) {
        var configuration = options.configuration
        configuration.reportsSentPayloads = true
        configuration.deliversHandledPayloads = true
        configuration.reportsFrames = options.reportsFrames
        configuration.closeTimeout = options.timeout
        configuration.helloTimeout = options.timeout
        do {
            connection = try GatewayConnection(configuration: configuration, random: SystemRandomNumberGenerator())
        } catch {
            throw ConnectError(.invalidOption, error.message, exitStatus: .configuration)
        }
        if let path = options.keyLogPath { keyLog = try TLSKeyLog(path: path) }
        if connection.destination.usesTLS || options.caFile != nil {
            tlsContext = try GatewayTLS.makeContext(caFile: options.caFile, keyLog: keyLog)
        }
        if let path = options.recordPath {
            do {
                recorder = try SessionRecorder(
                    path: path, url: connection.url.description, configuration: configuration, secrets: options.secrets)
            } catch {
                throw ConnectError(.recordingFailed, "--record \(path): \(error)", exitStatus: ProcessExitStatus(for: error))
            }
        }
        self.options = options
        self.eventLoop = eventLoop
        self.sink = sink
        self.clock = SessionClock()
        self.promise = eventLoop.makePromise(of: Void.self)
    }

    /// Opens the first connection; the future completes when the session is over: successfully
    /// after a clean stop, with a ``ConnectError`` otherwise.
    public func start() -> EventLoopFuture<Void> {
        if let duration = options.duration {
            durationTask = eventLoop.assumeIsolated().scheduleTask(in: SessionClock.timeAmount(duration)) { [self] in
                durationTask = nil
                stop(.duration)
            }
        }
        connectNext()
        return promise.futureResult
    }

    /// Stops cleanly: closes with 1000 (or a resumable 4000 with `keepSession`), waits for the
    /// echo up to ``GatewaySessionOptions/stopTimeout``, closes the recording and completes.
    public func stop(_ reason: StopReason) {
        guard !finished, stopReason == nil else { return }
        stopReason = reason
        sink(.stopping(reason: describe(reason), time: now()))
        if let backoffTask {
            backoffTask.cancel()
            self.backoffTask = nil
            finish()
        } else if let handler {
            handler.process { [self] connection, now in closeBytes(&connection, now: now) }
        } else {
            // Also while TCP is connecting: the connect callback sees `finished` and closes the channel.
            finish()
        }
    }

    // MARK: - Connections

    private func connectNext() {
        guard !finished else { return }
        connectionNumber += 1
        transportError = nil
        certificateRejected = false
        upgradedThisConnection = false
        rejection = nil
        let request = connection.connect()
        let url = connection.url.description
        let (host, port, usesTLS) = connection.destination
        let time = now()
        record { recorder throws(CaptureError) in try recorder.connecting(connection: connectionNumber, url: url, at: time) }
        // A recording that failed just now ended the session.
        guard !finished else { return }
        sink(.connecting(connection: connectionNumber, url: url, time: time))

        if usesTLS && tlsContext == nil {
            do {
                tlsContext = try GatewayTLS.makeContext(caFile: options.caFile, keyLog: keyLog)
            } catch {
                fail(error)
                return
            }
        }
        let sslContext = usesTLS ? tlsContext : nil
        let timeout = options.timeout
        let observesCipher = options.verbose
        let serverName = GatewayTLS.serverName(for: host)
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(SessionClock.timeAmount(options.timeout))
            .channelInitializer { channel in
                do {
                    if let sslContext {
                        if observesCipher { try channel.pipeline.syncOperations.addHandler(TLSCipherObserver()) }
                        let tls = try NIOSSLClientHandler(context: sslContext, serverHostname: serverName)
                        try channel.pipeline.syncOperations.addHandler(tls)
                    }
                    try channel.pipeline.syncOperations.addHandler(
                        GatewayChannelHandler(
                            session: bound.value, upgradeRequest: request, usesTLS: usesTLS, timeout: timeout))
                    return channel.eventLoop.makeSucceededVoidFuture()
                } catch {
                    return channel.eventLoop.makeFailedFuture(error)
                }
            }
        connecting = true
        bootstrap.connect(host: host, port: port).assumeIsolated().whenComplete { [self] result in
            connecting = false
            switch result {
            case .success(let channel):
                if channel.isActive { self.channel = channel }
                if finished || stopReason != nil, connection.state != .closed { channel.close(promise: nil) }
            case .failure(let error):
                guard !finished else { return }
                transportFailed(error, host: host, port: port)
                connection.receiveEndOfInput(now: now())
                _ = drainEvents(now: now())
                connectionEnded()
            }
        }
    }

    /// The handler of a new channel is active.
    func channelOpened(_ handler: GatewayChannelHandler) {
        self.handler = handler
    }

    /// The channel of `handler` ended; its last input was processed.
    func channelEnded(_ handler: GatewayChannelHandler) {
        guard self.handler === handler else { return }
        self.handler = nil
        channel = nil
        connectionEnded()
    }

    /// The transport failed (TCP error, TLS handshake, with the certificate the server showed);
    /// the channel ends next.
    func transportFailed(_ error: any Error, peer: NIOSSLCertificate?) {
        let (host, port, _) = connection.destination
        transportFailed(error, host: host, port: port, peer: peer)
    }

    private func transportFailed(_ error: any Error, host: String, port: Int, peer: NIOSSLCertificate? = nil) {
        let message: String
        if error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError {
            message = GatewayTLS.explain(error, host: host, port: port, peer: peer)
            // Only a failed handshake (a certificate refused) stops the session; a TLS error in
            // the middle of a session is a dropped connection like any other.
            if connection.state == .upgrading { certificateRejected = true }
        } else {
            message = NetworkFailureText.explain(error, host: host, port: port, timeout: options.timeout)
        }
        if transportError == nil { detail("detail: \(error)") }
        transportFailed(reason: message)
    }

    /// With `--verbose`, says `message` about the current connection.
    func detail(_ message: @autoclosure () -> String) {
        guard options.verbose else { return }
        sink(.detail(message: message(), connection: connectionNumber, time: now()))
    }

    /// The transport failed for a reason the driver found itself (a wait that expired before the
    /// upgrade); the first such reason of a connection is the one reported.
    func transportFailed(reason message: String) {
        guard transportError == nil else { return }
        transportError = message
        sink(.transportError(message: message, connection: connectionNumber, time: now()))
    }

    private func connectionEnded() {
        guard !finished else { return }
        let time = now()
        let disconnect = connection.lastDisconnect
        let reason = transportError ?? disconnect?.description ?? "connection ended"
        record { recorder throws(CaptureError) in
            try recorder.disconnected(connection: connectionNumber, reason: reason, at: time)
        }
        if let requested = stopReason {
            // A close asked for by --max-events or --duration that the server never answered
            // is the server's fault; Ctrl-C and SIGTERM keep their own statuses whatever the echo.
            switch requested {
            case .maxEvents, .duration:
                if let disconnect, disconnect.closeTimedOut {
                    stopReason = .failure(DisconnectOutcome(disconnect, timeout: options.timeout).error)
                }
            case .interrupted, .failure:
                break
            }
            finish()
            return
        }
        if let code = disconnect?.code, disconnect?.canReconnect == false {
            fail(fatalCloseError(code))
            return
        }
        if let rejection, !options.reconnects || !Self.isTransient(rejection.statusCode) || !everUpgraded {
            fail(rejectionError(rejection))
            return
        }
        if let transportError, certificateRejected || !everUpgraded || !options.reconnects {
            fail(ConnectError(.unreachable, transportError, exitStatus: .unavailable))
            return
        }
        let outcome = disconnect.map { DisconnectOutcome($0, timeout: options.timeout, upgraded: upgradedThisConnection) }
        if let outcome, !options.reconnects || !everUpgraded {
            // --no-reconnect ends with the status of this disconnect; a first connection that
            // never upgraded (a broken answer, a server that hangs up before answering) will not
            // mend by retrying.
            fail(outcome.error)
            return
        }
        guard options.reconnects else {
            fail(ConnectError(.unreachable, "the connection ended", exitStatus: .unavailable))
            return
        }
        let delay = connection.reconnect()
        attemptsSinceReady += 1
        sink(
            .reconnecting(
                delay: delay, willResume: connection.shouldResume, attempt: attemptsSinceReady,
                reason: outcome?.cause ?? reason, time: time))
        backoffTask = eventLoop.assumeIsolated().scheduleTask(in: SessionClock.timeAmount(delay)) { [self] in
            backoffTask = nil
            connectNext()
        }
    }

    // MARK: - Events

    /// Reports and handles every pending event; returns bytes to write (IDENTIFY, RESUME, a close).
    func drainEvents(now: Duration) -> [UInt8] {
        var output: [UInt8] = []
        while let event = connection.nextEvent() {
            sink(.gateway(event, connection: connectionNumber, time: now))
            switch event {
            case .upgraded:
                everUpgraded = true
                upgradedThisConnection = true
            case .rejected(let rejected):
                rejection = rejected
            case .hello:
                // A HELLO followed in the same read by the end of the connection (a violation,
                // a close) is answered by nothing: the cause is what ended it.
                guard stopReason == nil, connection.state == .open else { break }
                do {
                    output += try connection.identifyOrResume(options.identify, now: now)
                } catch {
                    let problem = ConnectError(.invalidOption, "cannot send IDENTIFY: \(error)", exitStatus: .configuration)
                    if beginStop(.failure(problem), now: now) { output += closeBytes(&connection, now: now) }
                }
            case .dispatch(let payload):
                dispatches += 1
                if payload.eventName == "READY" || payload.eventName == "RESUMED" { attemptsSinceReady = 0 }
                if let maxEvents = options.maxEvents, dispatches >= maxEvents, beginStop(.maxEvents, now: now) {
                    output += closeBytes(&connection, now: now)
                }
            case .sent(let payload):
                let number = connectionNumber
                record { recorder throws(CaptureError) in try recorder.sent(payload, connection: number, at: now) }
            case .frame, .heartbeatRequested, .heartbeatAcknowledged, .reconnectRequested, .invalidSession, .payload,
                .disconnected:
                break
            }
        }
        reportStatus(now: now)
        return output
    }

    /// Whether the channel should be closed now although the connection is not `.closed`: a stop
    /// was asked for and no close handshake is running (the WebSocket was not open yet).
    var wantsChannelClosed: Bool {
        stopReason != nil && !connection.isClosing
    }

    func recordRead(_ bytes: UnsafeRawBufferPointer) {
        let number = connectionNumber
        let time = now()
        record { recorder throws(CaptureError) in try recorder.read(bytes, connection: number, at: time) }
    }

    func recordWritten(_ bytes: [UInt8], isUpgradeRequest: Bool) {
        guard !bytes.isEmpty else { return }
        let number = connectionNumber
        let time = now()
        record { recorder throws(CaptureError) in
            if isUpgradeRequest {
                try recorder.wrote(bytes, connection: number, at: time)
            } else {
                try recorder.wroteFrames(bytes, connection: number, at: time)
            }
        }
    }

    // MARK: - Time

    /// Time since the session started.
    func now() -> Duration { clock.now() }

    /// The event-loop deadline of a session time.
    func clockDeadline(_ time: Duration) -> NIODeadline { clock.deadline(time) }

    // MARK: - Stopping

    private func beginStop(_ reason: StopReason, now: Duration) -> Bool {
        guard !finished, stopReason == nil else { return false }
        stopReason = reason
        sink(.stopping(reason: describe(reason), time: now))
        return true
    }

    private func closeBytes(_ connection: inout GatewayConnection, now: Duration) -> [UInt8] {
        let code: GatewayCloseCode = options.keepSession ? .unknownError : .normalClosure
        return (try? connection.close(code: code, reason: "", now: now)) ?? []
    }

    private func fail(_ error: ConnectError) {
        if stopReason == nil { stopReason = .failure(error) }
        finish()
    }

    private func finish() {
        guard !finished else { return }
        finished = true
        durationTask?.cancel()
        durationTask = nil
        backoffTask?.cancel()
        backoffTask = nil
        handler?.closeChannel()
        channel?.close(promise: nil)
        var outcome: ConnectError?
        switch stopReason {
        case .failure(let error): outcome = error
        case .interrupted(let status): outcome = ConnectError(.interrupted, describe(.interrupted(status)), exitStatus: status)
        case .maxEvents, .duration, nil: outcome = nil
        }
        if let recorder {
            self.recorder = nil
            do {
                try recorder.close()
            } catch {
                if outcome == nil {
                    outcome = ConnectError(.recordingFailed, "recording: \(error)", exitStatus: ProcessExitStatus(for: error))
                }
            }
        }
        if let outcome { promise.fail(outcome) } else { promise.succeed(()) }
    }

    private func record(_ body: (SessionRecorder) throws(CaptureError) -> Void) {
        guard let recorder else { return }
        do {
            try body(recorder)
        } catch {
            self.recorder = nil
            let problem = ConnectError(
                .recordingFailed, "recording stopped: \(error)", exitStatus: ProcessExitStatus(for: error))
            // Stop at once if not inside an input; inside one, the handler sees wantsChannelClosed.
            if handler == nil { fail(problem) } else { _ = beginStop(.failure(problem), now: now()) }
        }
    }

    private func describe(_ reason: StopReason) -> String {
        switch reason {
        case .maxEvents: "received \(options.maxEvents ?? 0) events (--max-events)"
        case .duration: "ran for the requested duration (--duration)"
        case .interrupted(let status): status == .terminated ? "stopped by SIGTERM" : "interrupted"
        case .failure(let error): error.message
        }
    }

    // MARK: - Errors

    private static func isTransient(_ status: Int) -> Bool {
        status == 429 || status >= 500
    }

    private func rejectionError(_ rejection: WebSocketRejection) -> ConnectError {
        ConnectError(.upgradeRejected, DisconnectOutcome.refusal(rejection), exitStatus: .unavailable)
    }

    private func fatalCloseError(_ code: GatewayCloseCode) -> ConnectError {
        var message = "Discord closed the connection with \(code): \(code.explanation)"
        if code == .disallowedIntents {
            let privileged = IntentsParser.privilegedNames(in: options.identify.intents)
            if !privileged.isEmpty {
                message += " (privileged intents requested: \(privileged.joined(separator: ", ")))"
            }
        }
        let status = ProcessExitStatus.forCloseCode(Int(code.rawValue)) ?? .unavailable
        return ConnectError(.fatalCloseCode, message, exitStatus: status)
    }

    private func reportStatus(now: Duration) {
        let period = now - lastStatusAt
        guard period >= .seconds(1) else { return }
        let seconds = Double(period.components.seconds) + Double(period.components.attoseconds) / 1e18
        let rate = seconds > 0 ? Double(dispatches - dispatchesAtLastStatus) / seconds : 0
        lastStatusAt = now
        dispatchesAtLastStatus = dispatches
        sink(
            .status(
                GatewaySessionStatus(
                    elapsed: now, dispatches: dispatches, dispatchesPerSecond: rate, sequence: connection.sequence,
                    latency: connection.latency, connection: connectionNumber)))
    }
}
