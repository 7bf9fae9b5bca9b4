import DiscordGateway
import GatewayCodecs
import WebSocketProtocol

// Theory of operation
//
// A GatewayServerConnection is the gateway's side of one bot connection, as a
// value: it owns no socket, clock or random source (session ids are drawn from
// the generator passed in). Mirror of GatewayConnection:
//
//   receive(bytes, now:)     -> bytes to write back (the 101 and HELLO, ACKs,
//                               READY, the close for a broken rule ...)
//   nextEvent()              -> what happened, both directions, in order
//   nextDeadline             -> when to call handleDeadline(now:) next
//   handleDeadline(now:)     -> the close of a connection whose heartbeats
//                               stopped (4009), or the end of an unanswered close
//   dispatch/reconnect/...   -> bytes of what a scenario wants to send
//
// `phase` moves upgrading -> identifying -> (resumeRequested ->) ready ->
// closing -> closed; any phase can jump to closed when the client closes, the
// input ends, or the client breaks the WebSocket protocol. The rules a client
// can break are Discord's, with Discord's close codes: 4001 unknown opcode,
// 4002 undecodable or oversized (4096 bytes) payloads, 4003 payloads before
// IDENTIFY, 4004 a refused token, 4005 a second IDENTIFY, 4007 a RESUME with a
// sequence the session cannot replay from, 4008 more than 120 payloads per
// 60 s, 4009 heartbeats that stopped, 4010 a bad shard, 4011 sharding
// required, 4012 an unknown API version, 4013/4014 intents. Each is reported
// as a `violation` event before the close goes out.
//
// RESUME needs the session, which lives beyond this connection: the
// connection reports `resumeRequested`, and the driver answers with the
// session it kept (`resume`) or not (`invalidateSession`).

/// A sans-I/O Discord gateway server connection: a bot's bytes and time in, events and bytes out.
public struct GatewayServerConnection {
    /// Where the connection stands.
    public enum State: Sendable, Hashable {
        /// Waiting for the upgrade request.
        case upgrading
        /// HELLO sent; waiting for IDENTIFY or RESUME.
        case identifying
        /// RESUME received; waiting for ``GatewayServerConnection/resume(_:now:)`` or ``GatewayServerConnection/invalidateSession(resumable:now:)``.
        case resumeRequested
        /// Identified or resumed: dispatches may flow.
        case ready
        /// We sent a close and wait for the echo.
        case closing
        /// Over.
        case closed
    }

    enum Phase {
        case upgrading
        case identifying(HeartbeatWatch)
        case resumeRequested(HeartbeatWatch, sessionID: String, sequence: Int64)
        case ready(HeartbeatWatch)
        case closing(deadline: Duration)
        case closed
    }

    /// What the connection was set up with.
    public let configuration: GatewayServerConfiguration
    /// Whether heartbeats are acknowledged; turn off to make the connection a zombie.
    public var acknowledgesHeartbeats: Bool
    /// What this connection's READY says besides the session (from the configuration; a
    /// scenario may change it before IDENTIFY arrives, e.g. to make READY huge).
    public var readyContent: GatewayServerReadyContent
    /// Messages larger than this go out in fragments of this size (from the configuration).
    public var fragmentSize: Int?
    /// Whether HELLO waits for ``sendHello(now:)`` instead of going out with the `101` (set
    /// before the upgrade arrives: a slow gateway, to see whether a bot waits for it).
    public var holdsHello = false
    private var helloSent = false
    /// Whether READY waits for ``sendReady(now:)`` instead of answering IDENTIFY at once (so the
    /// caller can choose ``readyContent`` knowing who identified, from the
    /// ``GatewayServerEvent/identified(_:sessionID:)`` event). Heartbeats are acknowledged
    /// meanwhile; dispatches wait for READY.
    public var holdsReady = false
    /// Set while READY is held: nothing may be dispatched before it.
    private var readyHeld = false
    /// The upgrade request as the bot sent it (its target, headers), once accepted.
    public private(set) var request: WebSocketUpgradeRequest?
    /// What the upgrade asked for, once accepted.
    public private(set) var query: GatewayConnectionQuery?
    /// The accepted IDENTIFY, once there is one.
    public private(set) var identify: GatewayIdentifyRequest?
    /// The session this connection serves, once identified or resumed: keep it when the
    /// connection ends, for a RESUME on another.
    public private(set) var session: GatewayServerSession?

    private var phase: Phase = .upgrading
    private var websocket: WebSocketServer
    private var encoder: OutboundEncoder?
    private var rateWindow: ReceiveRateWindow
    private var random: any RandomNumberGenerator
    private var pendingEvents = EventQueue<GatewayServerEvent>()
    /// Where the input stopped short when the transport ended, for the disconnect that follows.
    private var inputTruncation: WebSocketTruncation?

    /// A connection waiting for a bot's upgrade request.
    /// - Parameters:
    ///   - configuration: the rules and what READY says.
    ///   - random: the source of session ids (a seeded generator in tests).
    public init(configuration: GatewayServerConfiguration, random: some RandomNumberGenerator) {
        self.configuration = configuration
        acknowledgesHeartbeats = configuration.acknowledgesHeartbeats
        readyContent = configuration.ready
        fragmentSize = configuration.fragmentSize
        var webSocketConfiguration = configuration.webSocket
        webSocketConfiguration.reportsFrames = configuration.reportsFrames
        websocket = WebSocketServer(configuration: webSocketConfiguration)
        rateWindow = ReceiveRateWindow(limit: configuration.receivesPerWindow, window: configuration.receiveWindow)
        self.random = random
    }

    // MARK: - State

    /// Where the connection stands.
    public var state: State {
        switch phase {
        case .upgrading: .upgrading
        case .identifying: .identifying
        case .resumeRequested: .resumeRequested
        case .ready: .ready
        case .closing: .closing
        case .closed: .closed
        }
    }

    /// When ``handleDeadline(now:)`` must be called next, or nil.
    public var nextDeadline: Duration? {
        switch phase {
        case .identifying where !helloSent: nil
        case .identifying(let watch), .resumeRequested(let watch, _, _), .ready(let watch): watch.deadline
        case .closing(let deadline): deadline
        case .upgrading, .closed: nil
        }
    }

    // MARK: - Input

    /// Feeds bytes read from the bot at `now`; returns bytes to write back.
    public mutating func receive(_ bytes: [UInt8], now: Duration) -> [UInt8] {
        bytes.withUnsafeBytes { receive($0, now: now) }
    }

    /// Feeds bytes read from the bot at `now`; returns bytes to write back.
    public mutating func receive(_ bytes: UnsafeRawBufferPointer, now: Duration) -> [UInt8] {
        if case .closed = phase { return [] }
        var output = websocket.receive(bytes)
        processWebSocketEvents(now: now, output: &output)
        return output
    }

    /// The bot's end of input (or a socket error) at `now`.
    public mutating func receiveEndOfInput(now: Duration) {
        if case .closed = phase { return }
        inputTruncation = websocket.unfinishedInput
        websocket.receiveEndOfInput()
        var output: [UInt8] = []
        processWebSocketEvents(now: now, output: &output)
        finish(.transport, code: nil, reason: "")
    }

    /// The next event, or nil when all were drained.
    public mutating func nextEvent() -> GatewayServerEvent? {
        pendingEvents.removeFirst()
    }

    /// Does what is due at `now`: closes a connection whose heartbeats stopped (4009), or
    /// ends a close the bot never answered (the caller then closes the socket).
    public mutating func handleDeadline(now: Duration) -> [UInt8] {
        var output: [UInt8] = []
        switch phase {
        case .identifying where !helloSent:
            break
        case .identifying(let watch), .resumeRequested(let watch, _, _), .ready(let watch):
            guard now >= watch.deadline else { break }
            let silence = now - watch.last
            violate(
                GatewayServerViolation(
                    code: .sessionTimedOut, message: "no heartbeat for \(silence) (interval \(watch.interval))"),
                now: now, output: &output)
        case .closing(let deadline) where now >= deadline:
            finish(.server, code: nil, reason: "")
        case .closing, .upgrading, .closed:
            break
        }
        return output
    }

    // MARK: - Commands

    /// A dispatch (op 0) with the session's next sequence number, kept for RESUME.
    public mutating func dispatch(_ name: String, _ data: GatewayValue, now: Duration)
        throws(GatewayServerUsageError) -> [UInt8]
    {
        guard case .ready = phase, var current = session else {
            throw GatewayServerUsageError("cannot dispatch \(name): the connection is \(state), not ready")
        }
        guard !readyHeld else { throw GatewayServerUsageError("cannot dispatch \(name) before the held READY") }
        session = nil
        let sequence = current.record(name: name, data: data)
        session = current
        return try send(op: .dispatch, data: data, sequence: sequence, name: name)
    }

    /// Any payload `{"op", "d"}` (with `s` and `t` null), for scripts that send what a
    /// scenario needs, unknown opcodes included.
    public mutating func send(opcode: GatewayOpcode, data: GatewayValue, now: Duration)
        throws(GatewayServerUsageError) -> [UInt8]
    {
        try requireOpen("send \(opcode)")
        return try send(op: opcode, data: data, sequence: nil, name: nil)
    }

    /// HELLO held back by ``holdsHello``; the heartbeat watch starts now.
    public mutating func sendHello(now: Duration) throws(GatewayServerUsageError) -> [UInt8] {
        guard case .identifying = phase, !helloSent else {
            throw GatewayServerUsageError("cannot send HELLO: it went out already, or the connection is \(state)")
        }
        return hello(now: now)
    }

    /// READY held back by ``holdsReady``, with ``readyContent`` as it is now.
    public mutating func sendReady(now: Duration) throws(GatewayServerUsageError) -> [UInt8] {
        guard readyHeld, case .ready = phase else {
            throw GatewayServerUsageError("cannot send READY: none is held, or the connection is \(state)")
        }
        readyHeld = false
        return ready(now: now)
    }

    /// HEARTBEAT (op 1) from the server: the bot must answer at once.
    public mutating func requestHeartbeat(now: Duration) throws(GatewayServerUsageError) -> [UInt8] {
        try send(opcode: .heartbeat, data: .null, now: now)
    }

    /// RECONNECT (op 7): the bot must close and RESUME.
    public mutating func requestReconnect(now: Duration) throws(GatewayServerUsageError) -> [UInt8] {
        try send(opcode: .reconnect, data: .null, now: now)
    }

    /// INVALID_SESSION (op 9): `resumable` false ends the session (the bot must IDENTIFY anew);
    /// true lets it RESUME. Answers a pending RESUME too.
    public mutating func invalidateSession(resumable: Bool, now: Duration) throws(GatewayServerUsageError)
        -> [UInt8]
    {
        try requireOpen("send INVALID_SESSION")
        if !resumable { session = nil }
        readyHeld = false
        switch phase {
        case .resumeRequested(let watch, _, _), .ready(let watch): phase = .identifying(watch)
        case .upgrading, .identifying, .closing, .closed: break
        }
        return try send(op: .invalidSession, data: .bool(resumable), sequence: nil, name: nil)
    }

    /// Answers the pending RESUME with `session`: the dispatches after the bot's sequence,
    /// then RESUMED. A sequence the session cannot replay from is closed with 4007.
    public mutating func resume(_ resumed: GatewayServerSession, now: Duration) throws(GatewayServerUsageError)
        -> [UInt8]
    {
        guard case .resumeRequested(let watch, let sessionID, let sequence) = phase else {
            throw GatewayServerUsageError("cannot resume: no RESUME is waiting (the connection is \(state))")
        }
        guard resumed.id == sessionID else {
            throw GatewayServerUsageError("cannot resume: the bot asked for session \(sessionID), not \(resumed.id)")
        }
        var output: [UInt8] = []
        guard let missed = resumed.dispatches(after: sequence) else {
            violate(
                GatewayServerViolation(
                    code: .invalidSequence,
                    message: "RESUME with seq \(sequence); session \(sessionID) is at \(resumed.sequence) and keeps from \(resumed.dispatches.first?.sequence ?? resumed.sequence)"
                ), now: now, output: &output)
            return output
        }
        session = resumed
        phase = .ready(watch)
        for dispatch in missed {
            output += try send(op: .dispatch, data: dispatch.data, sequence: dispatch.sequence, name: dispatch.name)
        }
        // Discord sends RESUMED with a `_trace` object; libraries index into `d` (discord.py fails on null).
        output += try dispatch("RESUMED", ["_trace": ["gatewayctl-serve"]], now: now)
        emit(.resumed(sessionID: sessionID, replayed: missed.count))
        return output
    }

    /// Starts the close handshake with `code` (a gateway close code, or 1000/1001). A code after
    /// which Discord does not resume (4001, 4003, 4005, 4007, 4009-4014) ends the session.
    public mutating func close(code: GatewayCloseCode, reason: String = "", now: Duration)
        throws(GatewayServerUsageError) -> [UInt8]
    {
        try requireOpen("close")
        do {
            let bytes = try websocket.close(code: code.rawValue, reason: reason)
            if !code.canResume { session = nil }
            phase = .closing(deadline: now + configuration.closeTimeout)
            return bytes
        } catch {
            throw GatewayServerUsageError("cannot close: \(error)")
        }
    }

    // MARK: - Internals: WebSocket events

    private mutating func processWebSocketEvents(now: Duration, output: inout [UInt8]) {
        while let event = websocket.nextEvent() {
            switch event {
            case .upgradeRequested(let request):
                accept(request, now: now, output: &output)
            case .refused(let status, let error):
                emit(.refused(status: status, reason: error.message))
                finish(.server, code: nil, reason: "")
            case .frame(let header):
                emit(.frame(header))
            case .message(let message):
                handleMessage(message, now: now, output: &output)
            case .ping, .pong:
                break
            case .closed(let closure):
                if let error = closure.error {
                    emit(
                        .violation(
                            GatewayServerViolation(
                                code: GatewayCloseCode(rawValue: error.closeCode), message: error.message,
                                offset: error.offset)))
                }
                let initiator: GatewayServerDisconnect.Initiator =
                    switch closure.initiator {
                    case .local: .server
                    case .remote: .client
                    case .abnormal: .transport
                    }
                finish(initiator, code: closure.code, reason: closure.reason)
            }
        }
    }

    private mutating func accept(_ request: WebSocketUpgradeRequest, now: Duration, output: inout [UInt8]) {
        let asked: GatewayConnectionQuery
        do {
            asked = try GatewayConnectionQuery(target: request.target)
        } catch {
            output += (try? websocket.reject(status: 400, body: Array("\(error)\n".utf8))) ?? []
            emit(.refused(status: 400, reason: error.message))
            finish(.server, code: nil, reason: "")
            return
        }
        let made: OutboundEncoder
        do {
            made = try OutboundEncoder(encoding: asked.encoding, compression: asked.compression)
        } catch {
            output += (try? websocket.reject(status: 503, body: Array("\(error)\n".utf8))) ?? []
            emit(.refused(status: 503, reason: "\(error)"))
            finish(.server, code: nil, reason: "")
            return
        }
        do {
            output += try websocket.accept()
        } catch {
            emit(.refused(status: 500, reason: "\(error)"))
            finish(.server, code: nil, reason: "")
            return
        }
        self.request = request
        query = asked
        encoder = made
        let watch = HeartbeatWatch(interval: configuration.heartbeatInterval, grace: configuration.heartbeatGrace, helloAt: now)
        phase = .identifying(watch)
        emit(.connected(asked))
        if let version = asked.version, !configuration.apiVersions.contains(version) {
            violate(
                GatewayServerViolation(
                    code: .invalidAPIVersion,
                    message: "v=\(version) is not one of \(configuration.apiVersions.lowerBound)...\(configuration.apiVersions.upperBound)"),
                now: now, output: &output)
            return
        }
        if !holdsHello { output += hello(now: now) }
    }

    /// HELLO, and the heartbeat watch starting now.
    private mutating func hello(now: Duration) -> [UInt8] {
        helloSent = true
        if case .identifying = phase {
            phase = .identifying(
                HeartbeatWatch(interval: configuration.heartbeatInterval, grace: configuration.heartbeatGrace, helloAt: now))
        }
        let milliseconds = configuration.heartbeatInterval / .milliseconds(1)
        return (try? send(
            op: .hello, data: ["heartbeat_interval": .integer(Int64(milliseconds.rounded()))], sequence: nil, name: nil))
            ?? []
    }

    // MARK: - Internals: payloads

    private mutating func handleMessage(_ message: WebSocketMessage, now: Duration, output: inout [UInt8]) {
        guard let query else { return }
        let bytes = message.bytes
        guard bytes.count <= configuration.maxReceivedPayloadSize else {
            return violate(
                GatewayServerViolation(
                    code: .decodeError,
                    message: "a payload of \(bytes.count) bytes; the gateway accepts at most \(configuration.maxReceivedPayloadSize)",
                    offset: websocket.deliveredMessageFrameOffset),
                now: now, output: &output)
        }
        guard rateWindow.admit(at: now) else {
            return violate(
                GatewayServerViolation(
                    code: .rateLimited,
                    message: "more than \(configuration.receivesPerWindow) payloads in \(configuration.receiveWindow)"),
                now: now, output: &output)
        }
        let payload: GatewayPayload
        do {
            payload = try GatewayPayload(decoding: bytes, encoding: query.encoding, limits: configuration.codecLimits)
        } catch {
            return violate(
                GatewayServerViolation(
                    code: .decodeError, message: "undecodable payload: \(error)",
                    offset: websocket.deliveredMessageFrameOffset),
                now: now, output: &output)
        }
        emit(.received(payload))
        switch payload.opcode {
        case .heartbeat:
            handleHeartbeat(payload, now: now, output: &output)
        case .identify:
            handleIdentify(payload, now: now, output: &output)
        case .resume:
            handleResume(payload, now: now, output: &output)
        case .presenceUpdate, .voiceStateUpdate, .requestGuildMembers, .requestSoundboardSounds:
            guard case .ready = phase else {
                return violate(
                    GatewayServerViolation(code: .notAuthenticated, message: "\(payload.opcode) before IDENTIFY"),
                    now: now, output: &output)
            }
        default:
            violate(
                GatewayServerViolation(code: .unknownOpcode, message: "opcode \(payload.opcode.rawValue) is not one a client sends"),
                now: now, output: &output)
        }
    }

    private mutating func handleHeartbeat(_ payload: GatewayPayload, now: Duration, output: inout [UInt8]) {
        var sinceLast: Duration = .zero
        switch phase {
        case .identifying(var watch):
            sinceLast = watch.beat(at: now)
            phase = .identifying(watch)
        case .resumeRequested(var watch, let id, let sequence):
            sinceLast = watch.beat(at: now)
            phase = .resumeRequested(watch, sessionID: id, sequence: sequence)
        case .ready(var watch):
            sinceLast = watch.beat(at: now)
            phase = .ready(watch)
        case .upgrading, .closing, .closed:
            return
        }
        emit(.heartbeat(sequence: payload.data.int64Value, sinceLast: sinceLast, acknowledged: acknowledgesHeartbeats))
        if acknowledgesHeartbeats, let ack = try? send(op: .heartbeatACK, data: .null, sequence: nil, name: nil) {
            output += ack
        }
    }

    private mutating func handleIdentify(_ payload: GatewayPayload, now: Duration, output: inout [UInt8]) {
        guard case .identifying(let watch) = phase else {
            return violate(
                GatewayServerViolation(code: .alreadyAuthenticated, message: "IDENTIFY on a connection that already has a session"),
                now: now, output: &output)
        }
        let request: GatewayIdentifyRequest
        switch GatewayIdentifyRequest.check(payload.data, configuration: configuration) {
        case .failure(let violation): return violate(violation, now: now, output: &output)
        case .success(let checked): request = checked
        }
        identify = request
        encoder?.compressesPayloads = request.payloadCompression && query?.encoding == .json && query?.compression == GatewayCompression.none
        let id = newSessionID()
        session = GatewayServerSession(id: id, keeps: configuration.maxReplayedDispatches)
        phase = .ready(watch)
        emit(.identified(request, sessionID: id))
        if holdsReady {
            readyHeld = true
        } else {
            output += ready(now: now)
        }
    }

    /// READY for the session IDENTIFY just started, from ``readyContent``.
    private mutating func ready(now: Duration) -> [UInt8] {
        guard let id = session?.id else { return [] }
        var ready: GatewayValue = [
            "v": .integer(Int64(query?.version ?? 10)), "user": readyContent.user,
            "guilds": .array(readyContent.guildIDs.map { ["id": .string($0), "unavailable": true] }),
            "session_id": .string(id), "resume_gateway_url": .string(configuration.resumeURL),
            "application": readyContent.application,
        ]
        if let shard = identify?.shard, case .object(var object) = ready {
            object["shard"] = [.integer(Int64(shard.id)), .integer(Int64(shard.count))]
            ready = .object(object)
        }
        return (try? dispatch("READY", ready, now: now)) ?? []
    }

    private mutating func handleResume(_ payload: GatewayPayload, now: Duration, output: inout [UInt8]) {
        guard case .identifying(let watch) = phase else {
            return violate(
                GatewayServerViolation(code: .alreadyAuthenticated, message: "RESUME on a connection that already has a session"),
                now: now, output: &output)
        }
        let data = payload.data
        guard let token = data["token"]?.stringValue, !token.isEmpty else {
            return violate(GatewayServerViolation(code: .authenticationFailed, message: "RESUME: no token"), now: now, output: &output)
        }
        if let accepted = configuration.acceptedTokens, !accepted.contains(token) {
            return violate(
                GatewayServerViolation(code: .authenticationFailed, message: "RESUME: the token is not one this server accepts"),
                now: now, output: &output)
        }
        guard let sessionID = data["session_id"]?.stringValue, let sequence = data["seq"]?.int64Value else {
            return violate(
                GatewayServerViolation(code: .decodeError, message: "RESUME: session_id must be a string and seq an integer"),
                now: now, output: &output)
        }
        phase = .resumeRequested(watch, sessionID: sessionID, sequence: sequence)
        emit(.resumeRequested(sessionID: sessionID, sequence: sequence))
    }

    /// Reports a broken rule and closes with its code.
    private mutating func violate(_ violation: GatewayServerViolation, now: Duration, output: inout [UInt8]) {
        switch phase {
        case .closing, .closed: return
        case .upgrading, .identifying, .resumeRequested, .ready: break
        }
        emit(.violation(violation))
        // A close reason is at most 123 bytes; the event has the whole message.
        var reason = violation.message
        while reason.utf8.count > 123 { reason.removeLast() }
        if let bytes = try? websocket.close(code: violation.code.rawValue, reason: reason) {
            output += bytes
            phase = .closing(deadline: now + configuration.closeTimeout)
        } else {
            finish(.server, code: violation.code.rawValue, reason: reason)
        }
    }

    // MARK: - Internals: sending

    private func requireOpen(_ action: String) throws(GatewayServerUsageError) {
        switch phase {
        case .identifying, .resumeRequested, .ready: return
        case .upgrading, .closing, .closed:
            throw GatewayServerUsageError("cannot \(action): the connection is \(state)")
        }
    }

    private mutating func send(op: GatewayOpcode, data: GatewayValue, sequence: Int64?, name: String?)
        throws(GatewayServerUsageError) -> [UInt8]
    {
        guard let encoder else { throw GatewayServerUsageError("cannot send \(op): the upgrade has not completed") }
        let value: GatewayValue = [
            "op": .integer(Int64(op.rawValue)), "d": data, "s": sequence.map { .integer($0) } ?? .null,
            "t": name.map { .string($0) } ?? .null,
        ]
        let message: OutboundEncoder.Message
        do {
            message = try encoder.encode(value)
        } catch {
            throw GatewayServerUsageError("cannot send \(op): \(error)")
        }
        let frames: [UInt8]
        do {
            frames =
                message.isBinary
                ? try websocket.sendBinary(message.bytes, fragmentSize: fragmentSize)
                : try websocket.sendText(message.bytes, fragmentSize: fragmentSize)
        } catch {
            throw GatewayServerUsageError("cannot send \(op): \(error)")
        }
        if let payload = try? GatewayPayload(decoding: message.payload, encoding: encoder.encoding, limits: CodecLimits()) {
            emit(.sent(payload))
        }
        return frames
    }

    /// 32 hex digits, as Discord's session ids are.
    private mutating func newSessionID() -> String {
        let high = random.next()
        let low = random.next()
        func hex(_ word: UInt64) -> String {
            let digits = String(word, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }
        return hex(high) + hex(low)
    }

    // MARK: - Internals: events

    /// The one way into the event queue: nothing is queued once the connection is closed.
    @discardableResult
    private mutating func emit(_ event: GatewayServerEvent) -> Bool {
        if case .closed = phase { return false }
        pendingEvents.append(event)
        return true
    }

    private mutating func finish(_ initiator: GatewayServerDisconnect.Initiator, code: UInt16?, reason: String) {
        let disconnect = GatewayServerDisconnect(
            initiator: initiator, code: code, reason: reason, truncation: inputTruncation)
        guard emit(.disconnected(disconnect)) else { return }
        phase = .closed
    }
}

/// A command the connection cannot carry out now (not ready, closed, or unencodable).
public struct GatewayServerUsageError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Why.
    public var message: String

    init(_ message: String) { self.message = message }

    public var description: String { message }
}
