// Theory of operation
//
// A GatewaySessionDriver makes every decision of a live session that is not about bytes: when to
// open a connection, what to answer HELLO with, when to stop, whether a connection's end is
// retried (after how long) or ends the session, and why. It wraps one GatewayConnection, owns no
// socket, clock or timer, and answers every input with actions for its I/O layer to perform in
// order (postgres-nio's ConnectionStateMachine does the same for a thin channel handler):
//
//   start                     -> openConnection (with the upgrade request to write first)
//   connectionOpened          the socket is up: the driver bounds the TLS handshake and the
//                             upgrade answer itself (the connection has no deadline then)
//   receive / deadlineReached -> write, report, closeConnection, requestIdentifyPermission
//   transportFailed           the I/O layer's sentence for a TCP/TLS failure, then endOfInput
//   endOfInput / connectFailed -> the connection's end is judged once: finish(failure) or
//                             scheduleReconnect(after:) and, when that fires, openConnection
//   stop                      -> close (1000 unless asked otherwise), then finish(nil)
//
// Phase moves idle -> connecting -> open -> (waitingToReconnect -> connecting ...) -> finished;
// stop may come in any phase. After finish nothing is returned again.

/// The decisions of a live gateway session, sans-I/O: inputs in, ``GatewaySessionAction``s out.
///
/// Drives one ``GatewayConnection`` across connections. Used by the NIO client of the
/// `DiscordGatewayClient` module and by gatewayctl; any other I/O layer (threads, a run loop) can
/// drive it the same way. Time is a `Duration` since any origin the caller picks.
public struct GatewaySessionDriver {
    /// What the session does on its own.
    public struct Policy: Sendable {
        /// Whether to reconnect after a disconnect. Off: the first disconnect ends the session.
        public var reconnects = true
        /// How long the TLS handshake and the upgrade answer may each take (the connection bounds
        /// HELLO and the close echo with its own configuration).
        public var stepTimeout: Duration = .seconds(10)
        /// Stop cleanly after this many dispatches.
        public var maxDispatches: Int?
        /// The close code of a stop (1000, or 4000 to keep the session resumable).
        public var stopCloseCode: GatewayCloseCode = .normalClosure
        /// Whether an IDENTIFY waits for ``GatewaySessionDriver/identifyPermitted(now:)`` (a shard
        /// manager's `max_concurrency` pacing). RESUME never waits.
        public var identifyNeedsPermission = false

        /// The defaults: reconnect, 10-second steps, stop with 1000.
        public init() {}
    }

    private enum Phase {
        case idle, connecting, open, waitingToReconnect, finished
    }

    /// A wait before the upgrade that the connection does not bound.
    private struct Step {
        var wait: GatewayTransportWait
        var deadline: Duration
    }

    /// The gateway connection: the session's id, sequence, latency, state.
    public private(set) var connection: GatewayConnection
    /// What the session runs with.
    public let policy: Policy
    private let identify: GatewayIdentify

    private var phase: Phase = .idle
    private var stopReason: GatewaySessionStopReason?
    private var stopCloseCode: GatewayCloseCode

    /// The current connection's number, from 1 (0 before ``start(now:)``).
    public private(set) var connectionNumber = 0
    /// Dispatches received in the whole session.
    public private(set) var dispatches = 0
    private var attemptsSinceReady = 0
    private var everUpgraded = false
    private var identifyPending = false

    // The current connection's.
    private var problem: GatewayTransportProblem?
    private var tlsRefused = false
    private var upgraded = false
    private var rejection: WebSocketRejectionRecord?
    private var step: Step?
    /// Whether ``GatewaySessionAction/closeConnection`` was returned: no deadline until the socket's end.
    private var socketClosing = false

    /// A driver for `connection` (configured, not connected) that identifies with `identify`.
    public init(connection: GatewayConnection, identify: GatewayIdentify, policy: Policy = Policy()) {
        self.connection = connection
        self.identify = identify
        self.policy = policy
        self.stopCloseCode = policy.stopCloseCode
    }

    /// Whether the session is over (``GatewaySessionAction/finish(_:)`` was returned).
    public var isFinished: Bool {
        if case .finished = phase { return true }
        return false
    }

    /// When to call ``deadlineReached(now:)`` next: the connection's deadline, or while upgrading
    /// the current step's.
    public var nextDeadline: Duration? {
        guard case .open = phase, !socketClosing else { return nil }
        if let deadline = connection.nextDeadline { return deadline }
        return connection.state == .upgrading ? step?.deadline : nil
    }

    // MARK: - Inputs

    /// Opens the first connection.
    public mutating func start(now: Duration) -> [GatewaySessionAction] {
        guard case .idle = phase, connectionNumber == 0 else { return [] }
        return connectNext()
    }

    /// The socket of ``GatewaySessionAction/openConnection(host:port:usesTLS:upgradeRequest:)`` is
    /// up and its upgrade request written; `usesTLS` says whether a TLS handshake comes first.
    public mutating func connectionOpened(usesTLS: Bool, now: Duration) -> [GatewaySessionAction] {
        guard case .connecting = phase else { return [] }
        phase = .open
        step = Step(wait: usesTLS ? .tlsHandshake : .upgradeResponse, deadline: now + policy.stepTimeout)
        return []
    }

    /// The TLS handshake finished: the upgrade answer's wait starts.
    public mutating func tlsHandshakeCompleted(now: Duration) -> [GatewaySessionAction] {
        guard case .open = phase, step != nil else { return [] }
        step = Step(wait: .upgradeResponse, deadline: now + policy.stepTimeout)
        return []
    }

    /// Bytes arrived on the open connection.
    public mutating func receive(_ bytes: UnsafeRawBufferPointer, now: Duration) -> [GatewaySessionAction] {
        guard case .open = phase else { return [] }
        return process(now: now) { connection, now in connection.receive(bytes, now: now) }
    }

    /// Bytes arrived on the open connection.
    public mutating func receive(_ bytes: [UInt8], now: Duration) -> [GatewaySessionAction] {
        bytes.withUnsafeBytes { receive($0, now: now) }
    }

    /// ``nextDeadline`` passed.
    public mutating func deadlineReached(now: Duration) -> [GatewaySessionAction] {
        guard case .open = phase else { return [] }
        if let step, connection.state == .upgrading, now >= step.deadline {
            let (host, port, _) = connection.destination
            var actions = noteProblem(.waitExpired(step.wait, place: "\(host):\(port)", limit: policy.stepTimeout))
            actions.append(closeSocket())
            return actions
        }
        return process(now: now) { connection, now in connection.handleDeadline(now: now) }
    }

    /// The TCP connection, TLS or the socket failed; ``endOfInput(now:)`` follows. `duringTLSHandshake`:
    /// a TLS error before the upgrade (a refused certificate), which retrying does not mend.
    public mutating func transportFailed(
        _ problem: GatewayTransportProblem, isTLSError: Bool, now: Duration
    ) -> [GatewaySessionAction] {
        guard case .open = phase else { return [] }
        if isTLSError && connection.state == .upgrading { tlsRefused = true }
        return noteProblem(problem)
    }

    /// The socket of ``GatewaySessionAction/openConnection(host:port:usesTLS:upgradeRequest:)`` could
    /// not be opened.
    public mutating func connectFailed(_ problem: GatewayTransportProblem, now: Duration) -> [GatewaySessionAction] {
        guard case .connecting = phase else { return [] }
        phase = .open
        var actions = noteProblem(problem)
        connection.receiveEndOfInput(now: now)
        actions += drainEvents(now: now)
        actions += connectionEnded(now: now)
        return actions
    }

    /// The open connection's input ended (the socket closed, for any reason).
    public mutating func endOfInput(now: Duration) -> [GatewaySessionAction] {
        // A socket that ended before connectionOpened (a write that failed at once) ends the same way.
        if case .connecting = phase { phase = .open }
        guard case .open = phase else { return [] }
        var actions = process(now: now) { connection, now in
            connection.receiveEndOfInput(now: now)
            return []
        }
        actions.removeAll { if case .closeConnection = $0 { true } else { false } }
        actions += connectionEnded(now: now)
        return actions
    }

    /// The wait of ``GatewaySessionAction/scheduleReconnect(after:)`` is over.
    public mutating func reconnectTimerFired(now: Duration) -> [GatewaySessionAction] {
        guard case .waitingToReconnect = phase else { return [] }
        return connectNext()
    }

    /// The identify pacing allows this session's IDENTIFY now.
    public mutating func identifyPermitted(now: Duration) -> [GatewaySessionAction] {
        guard identifyPending else { return [] }
        identifyPending = false
        guard case .open = phase, stopReason == nil, connection.state == .open else { return [] }
        return sendIdentify(now: now)
    }

    /// Stops cleanly: closes with `closeCode` (the policy's by default) and finishes when the
    /// connection has ended; at once when no connection is open.
    public mutating func stop(closeCode: GatewayCloseCode? = nil, now: Duration) -> [GatewaySessionAction] {
        if let closeCode { stopCloseCode = closeCode }
        guard beginStop(.requested) else { return [] }
        var actions: [GatewaySessionAction] = [.report(.stopping(.requested))]
        switch phase {
        case .open:
            let code = stopCloseCode
            actions += process(now: now) { connection, now in Self.closeBytes(&connection, code: code, now: now) }
        case .idle, .connecting, .waitingToReconnect:
            actions += finish(nil)
        case .finished:
            break
        }
        return actions
    }

    /// Ends the session at once, without a close handshake: closes the socket, if any, and finishes
    /// (nil: the caller knows why). For a caller that cannot go on (its recording failed).
    public mutating func abort(now: Duration) -> [GatewaySessionAction] {
        guard !isFinished else { return [] }
        _ = beginStop(.requested)
        var actions: [GatewaySessionAction] = []
        if case .open = phase { actions.append(closeSocket()) }
        return actions + finish(nil)
    }

    /// Sends a command built by `body` on the open connection: the bytes to write, and the events
    /// it made (the sent payload). Throws what the connection throws (not connected, rate limited ...).
    public mutating func send(
        now: Duration, _ body: (inout GatewayConnection, Duration) throws(GatewaySendError) -> [UInt8]
    ) throws(GatewaySendError) -> [GatewaySessionAction] {
        guard case .open = phase, stopReason == nil else {
            throw GatewaySendError(.notConnected, "the session has no open connection")
        }
        let bytes = try body(&connection, now)
        var actions: [GatewaySessionAction] = bytes.isEmpty ? [] : [.write(bytes)]
        actions += drainEvents(now: now)
        return actions
    }

    // MARK: - Connections

    private mutating func connectNext() -> [GatewaySessionAction] {
        connectionNumber += 1
        problem = nil
        tlsRefused = false
        upgraded = false
        rejection = nil
        step = nil
        socketClosing = false
        identifyPending = false
        let request = connection.connect()
        let (host, port, usesTLS) = connection.destination
        phase = .connecting
        return [
            .report(.connecting(connection: connectionNumber, url: connection.url.description)),
            .openConnection(host: host, port: port, usesTLS: usesTLS, upgradeRequest: request),
        ]
    }

    /// Runs one input through the connection, then its events.
    private mutating func process(
        now: Duration, _ input: (inout GatewayConnection, Duration) -> [UInt8]
    ) -> [GatewaySessionAction] {
        let output = input(&connection, now)
        var actions: [GatewaySessionAction] = output.isEmpty ? [] : [.write(output)]
        actions += drainEvents(now: now)
        if connection.state != .upgrading { step = nil }
        // A stop asked for before the WebSocket was open has no close handshake to run.
        if connection.state == .closed || (stopReason != nil && !connection.isClosing) {
            actions.append(closeSocket())
        }
        return actions
    }

    private mutating func drainEvents(now: Duration) -> [GatewaySessionAction] {
        var actions: [GatewaySessionAction] = []
        while let event = connection.nextEvent() {
            actions.append(.report(.gateway(event)))
            switch event {
            case .upgraded:
                everUpgraded = true
                upgraded = true
            case .rejected(let rejected):
                rejection = WebSocketRejectionRecord(rejected)
            case .hello:
                // A HELLO followed in the same read by the end of the connection (a violation,
                // a close) is answered by nothing: the cause is what ended it.
                guard stopReason == nil, connection.state == .open else { break }
                if policy.identifyNeedsPermission && !connection.shouldResume {
                    identifyPending = true
                    actions.append(.requestIdentifyPermission)
                } else {
                    actions += sendIdentify(now: now)
                }
            case .dispatch(let payload):
                dispatches += 1
                if payload.eventName == "READY" || payload.eventName == "RESUMED" { attemptsSinceReady = 0 }
                if let limit = policy.maxDispatches, dispatches >= limit, beginStop(.maxDispatches(limit)) {
                    actions.append(.report(.stopping(.maxDispatches(limit))))
                    actions += closeNow(now: now)
                }
            case .frame, .heartbeatRequested, .heartbeatAcknowledged, .reconnectRequested, .invalidSession, .payload,
                .disconnected, .sent:
                break
            }
        }
        return actions
    }

    private mutating func sendIdentify(now: Duration) -> [GatewaySessionAction] {
        do {
            let bytes = try connection.identifyOrResume(identify, now: now)
            return [.write(bytes)] + drainEvents(now: now)
        } catch {
            guard beginStop(.identifyRefused(error)) else { return [] }
            return [.report(.stopping(.identifyRefused(error)))] + closeNow(now: now)
        }
    }

    /// Our close, as bytes (with the events it made); none when the WebSocket is not open.
    private mutating func closeNow(now: Duration) -> [GatewaySessionAction] {
        let bytes = Self.closeBytes(&connection, code: stopCloseCode, now: now)
        return bytes.isEmpty ? [] : [.write(bytes)]
    }

    private static func closeBytes(_ connection: inout GatewayConnection, code: GatewayCloseCode, now: Duration) -> [UInt8] {
        (try? connection.close(code: code, reason: "", now: now)) ?? []
    }

    private mutating func closeSocket() -> GatewaySessionAction {
        socketClosing = true
        step = nil
        return .closeConnection
    }

    private mutating func noteProblem(_ problem: GatewayTransportProblem) -> [GatewaySessionAction] {
        guard self.problem == nil else { return [] }
        self.problem = problem
        return [.report(.transportFailed(problem))]
    }

    /// Judges the end of a connection once: the first thing that went wrong decides.
    private mutating func connectionEnded(now: Duration) -> [GatewaySessionAction] {
        let disconnect = connection.lastDisconnect
        var actions: [GatewaySessionAction] = [
            .report(.ended(connection: connectionNumber, problem: problem, disconnect: disconnect, upgraded: upgraded))
        ]
        if let stopReason {
            switch stopReason {
            case .identifyRefused(let error):
                return actions + finish(.identifyRefused(error))
            case .requested, .maxDispatches:
                if let disconnect, disconnect.closeTimedOut { return actions + finish(.closeUnanswered(disconnect)) }
                return actions + finish(nil)
            }
        }
        if let disconnect, let code = disconnect.code, !disconnect.canReconnect {
            return actions + finish(.fatalCloseCode(code))
        }
        if let rejection, !policy.reconnects || !rejection.isTransient || !everUpgraded {
            return actions + finish(.upgradeRejected(rejection.rejection))
        }
        if let problem, tlsRefused || !everUpgraded || !policy.reconnects {
            return actions + finish(.unreachable(problem))
        }
        if let disconnect, !policy.reconnects || !everUpgraded {
            // A first connection that never upgraded (a broken answer, a server that hangs up
            // before answering) will not mend by retrying.
            return actions + finish(.disconnected(disconnect, upgraded: upgraded))
        }
        guard policy.reconnects else {
            return actions + finish(.unreachable(.failed("the connection ended")))
        }
        let delay = connection.reconnect()
        attemptsSinceReady += 1
        phase = .waitingToReconnect
        actions.append(
            .report(.reconnecting(delay: delay, willResume: connection.shouldResume, attempt: attemptsSinceReady)))
        actions.append(.scheduleReconnect(after: delay))
        return actions
    }

    private mutating func beginStop(_ reason: GatewaySessionStopReason) -> Bool {
        guard !isFinished, stopReason == nil else { return false }
        stopReason = reason
        return true
    }

    private mutating func finish(_ failure: GatewaySessionFailure?) -> [GatewaySessionAction] {
        guard !isFinished else { return [] }
        phase = .finished
        step = nil
        identifyPending = false
        return [.finish(failure)]
    }
}

/// A refused upgrade and whether it is worth retrying (429 and 5xx are).
private struct WebSocketRejectionRecord {
    var rejection: WebSocketRejection
    var isTransient: Bool { rejection.statusCode == 429 || rejection.statusCode >= 500 }

    init(_ rejection: WebSocketRejection) { self.rejection = rejection }
}
