import DiscordGateway
import DiscordGatewayClient
import Foundation
import NIOCore
import NIOPosix
import NIOSSL

// Theory of operation
//
// A GatewaySession is `gatewayctl connect`: the library's session driver run by its NIO runner
// (DiscordGatewayClient, the same code the async GatewayClient runs on), with what only a
// debugger wants around it. The driver decides (connect, identify or resume, reconnect after
// how long, stop, and why); this class only
//
//   reports            turns the driver's reports into GatewaySessionEvents for the printer,
//                      with a status snapshot about once a second
//   records            every byte read and written, sent payloads and connection ends
//                      (GatewayTransportObserver), to --record's capture
//   stops              Ctrl-C / SIGTERM, --duration, a failed recording: the runner's stop,
//                      closing with 1000 (4000 with --keep-session); --max-events is the
//                      driver's maxDispatches
//   judges             the end: the driver's failure, or the stop that was asked for, as a
//                      ConnectError with its exit status (DisconnectOutcome: the first thing
//                      that went wrong is the cause the user is told, never a consequence of it)
//
// Every wait is bounded by options.timeout: TCP (the bootstrap's connect timeout), the TLS
// handshake and the upgrade response (the driver's step deadline), HELLO and the close echo
// (the connection's own deadlines).

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
    private let sink: (GatewaySessionEvent) -> Void
    private let promise: EventLoopPromise<Void>
    private var runner: GatewaySessionRunner?
    var recorder: SessionRecorder?
    private var durationTask: Scheduled<Void>?
    private var stopReason: StopReason?
    private var finished = false

    /// Whether the current connection's raw error was shown yet (`--verbose`).
    var detailedError = false
    /// How the last connection ended, for the reason of the reconnect that follows.
    private var lastEnd: (problem: GatewayTransportProblem?, disconnect: GatewayDisconnect?, upgraded: Bool)?

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
        let connection: GatewayConnection
        do {
            connection = try GatewayConnection(configuration: configuration, random: SystemRandomNumberGenerator())
        } catch {
            throw ConnectError(.invalidOption, error.message, exitStatus: .configuration)
        }
        let keyLog = try options.keyLogPath.map { path throws(ConnectError) in try TLSKeyLog(path: path) }
        var tlsContext: NIOSSLContext?
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
        self.promise = eventLoop.makePromise(of: Void.self)

        var policy = GatewaySessionDriver.Policy()
        policy.reconnects = options.reconnects
        policy.stepTimeout = options.timeout
        policy.maxDispatches = options.maxEvents
        policy.stopCloseCode = options.keepSession ? .unknownError : .normalClosure
        let driver = GatewaySessionDriver(connection: connection, identify: options.identify, policy: policy)
        // Weak: the runner lives as long as the session, not the other way round.
        let bound = NIOLoopBound(WeakSession(self), eventLoop: eventLoop)
        let runner = GatewaySessionRunner(
            driver: driver, eventLoop: eventLoop, tlsContext: tlsContext, connectTimeout: options.timeout
        ) { report, moment in
            bound.value.session?.handle(report, at: moment)
        }
        runner.observer = GatewaySessionObserver(session: self)
        // A ws:// session whose resume URL is wss:// (a context without --ca-file errors at first use).
        runner.makeTLSContext = { () throws(ConnectError) -> NIOSSLContext in
            try GatewayTLS.makeContext(caFile: nil, keyLog: keyLog)
        }
        self.runner = runner
    }

    /// Opens the first connection; the future completes when the session is over: successfully
    /// after a clean stop, with a ``ConnectError`` otherwise.
    public func start() -> EventLoopFuture<Void> {
        guard let runner else { return promise.futureResult }
        if let duration = options.duration {
            durationTask = eventLoop.assumeIsolated().scheduleTask(in: SessionClock.timeAmount(duration)) { [self] in
                durationTask = nil
                stop(.duration)
            }
        }
        runner.start().assumeIsolated().whenSuccess { [self] failure in finish(failure) }
        return promise.futureResult
    }

    /// Stops cleanly: closes with 1000 (or a resumable 4000 with `keepSession`), waits for the
    /// echo up to ``GatewaySessionOptions/timeout``, closes the recording and completes.
    public func stop(_ reason: StopReason) {
        guard beginStop(reason) else { return }
        runner?.stop()
    }

    /// The current connection's number.
    var connectionNumber: Int { runner?.connectionNumber ?? 0 }

    /// Time since the session started.
    func now() -> Duration { runner?.now() ?? .zero }

    // MARK: - Reports

    private func handle(_ report: GatewaySessionReport, at moment: GatewaySessionRunner.Moment) {
        let time = moment.time
        switch report {
        case .connecting(let number, let url):
            detailedError = false
            lastEnd = nil
            record { recorder throws(CaptureError) in try recorder.connecting(connection: number, url: url, at: time) }
            // A recording that failed just now ended the session.
            if case .failure? = stopReason { return }
            sink(.connecting(connection: number, url: url, time: time))
        case .gateway(let event):
            sink(.gateway(event, connection: moment.connection, time: time))
            if case .sent(let payload) = event {
                let number = moment.connection
                record { recorder throws(CaptureError) in try recorder.sent(payload, connection: number, at: time) }
            }
            reportStatus(now: time)
        case .transportFailed(let problem):
            sink(.transportError(message: problem.sentence(naming: "--timeout"), connection: moment.connection, time: time))
        case .ended(let number, let problem, let disconnect, let upgraded):
            lastEnd = (problem, disconnect, upgraded)
            let reason = problem?.sentence(naming: "--timeout") ?? disconnect?.description ?? "connection ended"
            record { recorder throws(CaptureError) in try recorder.disconnected(connection: number, reason: reason, at: time) }
        case .reconnecting(let delay, let willResume, let attempt):
            sink(.reconnecting(delay: delay, willResume: willResume, attempt: attempt, reason: reconnectReason(), time: time))
        case .stopping(let reason):
            switch reason {
            case .requested:
                // Said by stop(_:), with the reason the user knows.
                break
            case .maxDispatches:
                _ = beginStop(.maxEvents)
            case .identifyRefused(let error):
                let problem = ConnectError(.invalidOption, "cannot send IDENTIFY: \(error)", exitStatus: .configuration)
                _ = beginStop(.failure(problem))
            }
        }
    }

    /// Why the last connection ended, as the reconnect line says it.
    private func reconnectReason() -> String {
        guard let lastEnd else { return "connection ended" }
        if let disconnect = lastEnd.disconnect {
            return DisconnectOutcome(disconnect, timeout: options.timeout, upgraded: lastEnd.upgraded).cause
        }
        return lastEnd.problem?.sentence(naming: "--timeout") ?? "connection ended"
    }

    /// With `--verbose`, says `message` about the current connection.
    func detail(_ message: @autoclosure () -> String) {
        guard options.verbose else { return }
        sink(.detail(message: message(), connection: connectionNumber, time: now()))
    }

    // MARK: - Stopping

    private func beginStop(_ reason: StopReason) -> Bool {
        guard !finished, stopReason == nil else { return false }
        stopReason = reason
        sink(.stopping(reason: describe(reason), time: now()))
        return true
    }

    private func finish(_ failure: GatewaySessionFailure?) {
        guard !finished else { return }
        finished = true
        durationTask?.cancel()
        durationTask = nil
        var outcome = outcome(of: failure)
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
        runner = nil
        if let outcome { promise.fail(outcome) } else { promise.succeed(()) }
    }

    /// The session's end as the error the command ends with; nil for a clean stop that was asked for.
    private func outcome(of failure: GatewaySessionFailure?) -> ConnectError? {
        switch stopReason {
        case .failure(let error):
            return error
        case .interrupted(let status):
            // Ctrl-C and SIGTERM keep their own statuses whatever the echo.
            return ConnectError(.interrupted, describe(.interrupted(status)), exitStatus: status)
        case .maxEvents, .duration, nil:
            break
        }
        guard let failure else { return nil }
        switch failure {
        case .fatalCloseCode(let code):
            return fatalCloseError(code)
        case .upgradeRejected(let rejection):
            return rejectionError(rejection)
        case .unreachable(let problem):
            return ConnectError(.unreachable, problem.sentence(naming: "--timeout"), exitStatus: .unavailable)
        case .disconnected(let disconnect, let upgraded):
            // --no-reconnect ends with the status of this disconnect; a first connection that
            // never upgraded will not mend by retrying.
            return DisconnectOutcome(disconnect, timeout: options.timeout, upgraded: upgraded).error
        case .identifyRefused(let error):
            return ConnectError(.invalidOption, "cannot send IDENTIFY: \(error)", exitStatus: .configuration)
        case .closeUnanswered(let disconnect):
            // A close asked for by --max-events or --duration that the server never answered is
            // the server's fault.
            return DisconnectOutcome(disconnect, timeout: options.timeout).error
        }
    }

    /// Runs `body` on the recording; a failure stops the session (after the current input).
    func record(_ body: (SessionRecorder) throws(CaptureError) -> Void) {
        guard let recorder else { return }
        do {
            try body(recorder)
        } catch {
            self.recorder = nil
            let problem = ConnectError(
                .recordingFailed, "recording stopped: \(error)", exitStatus: ProcessExitStatus(for: error))
            switch stopReason {
            case nil:
                _ = beginStop(.failure(problem))
            case .maxEvents?, .duration?:
                // A clean stop with a capture cut short is not clean.
                stopReason = .failure(problem)
            case .interrupted?, .failure?:
                break
            }
            // At once, no close handshake: what follows could not be recorded.
            runner?.abort()
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
        guard let runner else { return }
        let dispatches = runner.dispatches
        let connection = runner.connection
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

/// The session as its runner's sink holds it.
private struct WeakSession {
    weak var session: GatewaySession?

    init(_ session: GatewaySession) { self.session = session }
}
