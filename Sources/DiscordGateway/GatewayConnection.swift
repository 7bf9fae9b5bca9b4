import GatewayCodecs
import WebSocketProtocol

// Theory of operation
//
// A GatewayConnection is one Discord gateway *session* driven across any
// number of WebSocket *connections*. It owns no socket, clock or timer:
//
//   connect()                 -> the upgrade request to write to a new socket
//   receive(bytes, now:)      -> bytes to write back at once (pongs, the echo
//                                of a close, the answer to a server heartbeat
//                                request, our close after a RECONNECT ...)
//   nextEvent()               -> what happened, in order
//   nextDeadline              -> when to call handleDeadline(now:) next
//   handleDeadline(now:)      -> bytes to write (a heartbeat, or the close of
//                                a zombie connection)
//   identify/resume/... (now:) -> bytes of a command, checked against
//                                Discord's size and rate limits first
//   reconnect()               -> forget the connection, keep the session,
//                                return how long to wait before connect()
//
// Per connection, `phase` moves idle -> upgrading -> awaitingHello -> open
// -> closing -> closed; any phase can jump to closed when the peer closes,
// the input ends or the peer breaks the protocol. Everything that belongs to
// one connection (WebSocket state, decompressor, heartbeat schedule, send
// window) is replaced by connect(); the session (id, sequence, resume URL,
// backoff count) survives until Discord or the caller ends it.
//
// Time is a `Duration` since any origin the caller picks (for example
// `ContinuousClock.now - start`), and must not go backwards. Randomness
// (WebSocket keys and masks, heartbeat jitter, backoff) comes from the
// generator the caller passes in.

/// A sans-I/O Discord gateway client: bytes and time in, events and bytes to send out.
///
/// Swift counterpart of Python's `discord_gateway.DiscordConnection`. See the
/// README for a complete socket loop.
public struct GatewayConnection {
    /// The token shown in place of the real one in ``GatewayEvent/sent(_:)`` payloads.
    public static let redactedToken = "[redacted]"

    /// What the connection was set up with.
    public let configuration: GatewayConfiguration

    /// Where one connection stands.
    public enum State: Sendable, Hashable {
        /// No connection: before ``GatewayConnection/connect()``, or after ``GatewayConnection/reconnect()``.
        case idle
        /// The upgrade request was sent; waiting for the server's response.
        case upgrading
        /// Upgraded; waiting for HELLO.
        case awaitingHello
        /// HELLO arrived; heartbeats run. IDENTIFY or RESUME goes out now.
        case open
        /// We sent a close frame and wait for the echo.
        case closing
        /// The connection ended (see ``GatewayConnection/lastDisconnect``). Call ``GatewayConnection/reconnect()`` for another.
        case closed
    }

    enum Phase {
        case idle
        case upgrading
        case awaitingHello(deadline: Duration)
        case open(HeartbeatSchedule)
        /// We sent (or, when the WebSocket had just ended, meant to send) a close with this code and reason.
        case closing(deadline: Duration, cause: GatewayDisconnect.Cause, code: GatewayCloseCode, reason: String)
        case closed
    }

    private var phase: Phase = .idle
    private var random: RandomSource
    private var websocket: WebSocketClient?
    private let decompressor: GatewayDecompressor
    private var rateLimiter: SendRateLimiter
    private var pendingEvents = EventQueue<GatewayEvent>()
    private var latencies = LatencyTracker()
    private var consecutiveAttempts = 0
    private var invalidSessionWait: Duration?
    private var session: Session?
    /// Where the input stopped short when the transport ended, for the disconnect that follows.
    private var inputTruncation: WebSocketTruncation?
    private let originalURL: WebSocketURL

    /// The session id from READY, while the session lives.
    public var sessionID: String? { session?.id }
    /// The last sequence number received, sent with heartbeats and RESUME.
    public var sequence: Int64? { session?.sequence }
    /// READY's `resume_gateway_url` with our query parameters, used when the next connection resumes.
    public var resumeURL: String? { session?.resumeURL }
    /// The interval HELLO gave, while the connection is open.
    public var heartbeatInterval: Duration? {
        if case .open(let schedule) = phase { return schedule.interval }
        return nil
    }
    /// Whether a close code from the server (4004, 4010-4014) forbids reconnecting.
    public private(set) var canReconnect = true
    /// How the last connection ended.
    public private(set) var lastDisconnect: GatewayDisconnect?
    /// The URL of the current connection, or of the next one before ``connect()``.
    public private(set) var url: WebSocketURL

    /// Creates a connection and checks its configuration.
    ///
    /// - Parameters:
    ///   - configuration: URL, encoding, compression, limits.
    ///   - random: the source of WebSocket keys and masks, heartbeat jitter and backoff
    ///     (`SystemRandomNumberGenerator()` in production, a seeded generator in tests).
    /// - Throws: ``GatewayConfigurationError`` for a URL that is not `ws://` or `wss://`,
    ///   payload compression with ETF, or zstd-stream where libzstd cannot be loaded.
    public init(configuration: GatewayConfiguration, random: some RandomNumberGenerator)
        throws(GatewayConfigurationError)
    {
        if configuration.compression == .payload && configuration.encoding == .etf {
            throw GatewayConfigurationError("payload compression works with the JSON encoding only")
        }
        let address = GatewayURL.connectionURL(
            base: configuration.url, apiVersion: configuration.apiVersion,
            encoding: configuration.encoding, compression: configuration.compression)
        // Everything is checked into locals first and stored once at the end.
        let parsedURL: WebSocketURL
        do {
            parsedURL = try WebSocketURL(address)
        } catch {
            throw GatewayConfigurationError("gateway URL \"\(configuration.url)\": \(error)")
        }
        let madeDecompressor: GatewayDecompressor
        do {
            madeDecompressor = try GatewayDecompressor(
                configuration.compression, limit: configuration.codecLimits.maxDecompressedPayloadSize)
        } catch {
            throw GatewayConfigurationError("compression \(configuration.compression.rawValue): \(error)")
        }
        var generator = RandomSource(random)
        if let problem = Self.checkHeaders(configuration.extraHeaders, url: parsedURL, using: &generator) {
            throw GatewayConfigurationError("extra headers: \(problem)")
        }
        self.configuration = configuration
        self.originalURL = parsedURL
        self.url = parsedURL
        self.decompressor = madeDecompressor
        self.random = generator
        self.rateLimiter = SendRateLimiter(
            limit: configuration.sendsPerWindow, window: configuration.sendWindow, heartbeatReserve: 3)
    }

    /// The WebSocket layer's verdict on the extra headers, or `nil` when they are fine.
    private static func checkHeaders(
        _ headers: [(name: String, value: String)], url: WebSocketURL, using generator: inout RandomSource
    ) -> WebSocketUsageError? {
        do {
            _ = try WebSocketClient(url: url, extraHeaders: headers, using: &generator)
            return nil
        } catch {
            return error
        }
    }

    // MARK: - State

    /// Where the current connection stands.
    public var state: State {
        switch phase {
        case .idle: .idle
        case .upgrading: .upgrading
        case .awaitingHello: .awaitingHello
        case .open: .open
        case .closing: .closing
        case .closed: .closed
        }
    }

    /// Whether we sent a close frame and wait for its echo: send nothing now (Python's `closing`).
    public var isClosing: Bool {
        if case .closing = phase { return true }
        return false
    }

    /// Whether the next connection should RESUME (else IDENTIFY).
    public var shouldResume: Bool {
        session?.canResume ?? false
    }

    /// Where to open the TCP connection for the next (or current) connection.
    public var destination: (host: String, port: Int, usesTLS: Bool) {
        (url.host, url.port, url.isSecure)
    }

    /// Why we are closing, while ``state`` is ``State/closing``: the cause the coming
    /// ``GatewayEvent/disconnected(_:)`` will report (for an undecodable payload, with where the
    /// message lies in the input). Nil in every other state.
    public var closingCause: GatewayDisconnect.Cause? {
        if case .closing(_, let cause, _, _) = phase { return cause }
        return nil
    }

    /// The last heartbeat round trip.
    public var latency: Duration? { latencies.last }

    /// The average of the last five heartbeat round trips.
    public var averageLatency: Duration? { latencies.average }

    /// Whether a client may reconnect after the server closed with `closeCode`
    /// (everything but 4004 and 4010-4014; unknown codes are reconnectable).
    public static func shouldReconnect(closeCode: UInt16) -> Bool {
        GatewayCloseCode(rawValue: closeCode).canReconnect
    }

    // MARK: - Connecting

    /// Starts a new connection: returns the upgrade request to write to a freshly opened socket
    /// at ``destination``.
    ///
    /// Uses the resume URL when ``shouldResume``, else the configured URL. Anything left of a
    /// previous connection (WebSocket state, decompressor, heartbeats, send window) is dropped.
    public mutating func connect() -> [UInt8] {
        url = originalURL
        if shouldResume, let resumeURL, let parsed = try? WebSocketURL(resumeURL) {
            url = parsed
        }
        var webSocketConfiguration = configuration.webSocket
        webSocketConfiguration.reportsFrames = configuration.reportsFrames
        // The JSON scan validates every byte of a text message, UTF-8 included, so the
        // WebSocket's own pass over it would be a second one; handleMessage asks the
        // WebSocket to fail with 1007 when a text message it refused is not UTF-8.
        webSocketConfiguration.validatesTextMessages = configuration.encoding != .json
        let client: WebSocketClient
        do {
            client = try WebSocketClient(
                url: url, extraHeaders: configuration.extraHeaders, configuration: webSocketConfiguration,
                using: &random)
        } catch {
            // The configuration is immutable and its headers were checked by init.
            preconditionFailure("extra headers accepted at init were refused: \(error)")
        }
        websocket = client
        decompressor.reset()
        rateLimiter.reset()
        inputTruncation = nil
        phase = .upgrading
        return client.handshakeRequest()
    }

    /// Forgets the current connection but keeps the session, and returns how long to wait
    /// before ``connect()``.
    ///
    /// The wait is zero after a healthy session, then grows exponentially (see
    /// ``ReconnectBackoff``) until a READY or RESUMED; after INVALID_SESSION with `d: false`
    /// it is at least the random 1-5 seconds Discord asks for.
    public mutating func reconnect() -> Duration {
        websocket = nil
        phase = .idle
        var wait = configuration.backoff.delay(afterFailures: consecutiveAttempts, using: &random)
        if let invalidSessionWait {
            wait = max(wait, invalidSessionWait)
            self.invalidSessionWait = nil
        }
        consecutiveAttempts += 1
        return wait
    }

    // MARK: - Input

    /// Feeds bytes read from the socket at time `now`; returns bytes to write back at once.
    /// Drain ``nextEvent()`` afterwards.
    public mutating func receive(_ bytes: [UInt8], now: Duration) -> [UInt8] {
        bytes.withUnsafeBytes { receive($0, now: now) }
    }

    /// Feeds bytes read from the socket at time `now`; returns bytes to write back at once.
    public mutating func receive(_ bytes: UnsafeRawBufferPointer, now: Duration) -> [UInt8] {
        switch phase {
        case .idle, .closed: return []
        case .upgrading, .awaitingHello, .open, .closing: break
        }
        guard var output = websocket?.receive(bytes, using: &random) else { return [] }
        processWebSocketEvents(now: now, output: &output)
        return output
    }

    /// Tells the connection the socket reached end of input (or failed) at `now`.
    public mutating func receiveEndOfInput(now: Duration) {
        switch phase {
        case .idle, .closed: return
        case .upgrading, .awaitingHello, .open, .closing: break
        }
        inputTruncation = websocket?.unfinishedInput
        websocket?.receiveEndOfInput()
        var output: [UInt8] = []
        processWebSocketEvents(now: now, output: &output)
        // A socket that ended is gone whatever the WebSocket layer made of it.
        if case .closed = phase { return }
        finish(initiator: .transport, cause: .endOfInput, code: nil, reason: "")
    }

    /// The next event, or `nil` when all were drained.
    public mutating func nextEvent() -> GatewayEvent? {
        pendingEvents.removeFirst()
    }

    /// Every pending event, in order (Python's `events()`).
    public mutating func events() -> [GatewayEvent] {
        var drained: [GatewayEvent] = []
        while let event = nextEvent() { drained.append(event) }
        return drained
    }

    // MARK: - Time

    /// When ``handleDeadline(now:)`` must be called next, or `nil` when nothing is scheduled.
    public var nextDeadline: Duration? {
        switch phase {
        case .awaitingHello(let deadline): deadline
        case .open(let schedule): schedule.nextBeat
        case .closing(let deadline, _, _, _): deadline
        case .idle, .upgrading, .closed: nil
        }
    }

    /// Does what is due at `now`: returns a heartbeat, the close of a zombie connection or of
    /// a connection that never said HELLO, or nothing. Ends a close handshake the server never
    /// answered (the caller then closes the socket).
    public mutating func handleDeadline(now: Duration) -> [UInt8] {
        var output: [UInt8] = []
        switch phase {
        case .awaitingHello(let deadline) where now >= deadline:
            startClosing(code: .unknownError, reason: "no HELLO", cause: .helloTimeout, now: now, output: &output)
        case .open(var schedule) where now >= schedule.nextBeat:
            if schedule.awaitingACK {
                startClosing(
                    code: .unknownError, reason: "heartbeat not acknowledged", cause: .zombieConnection, now: now,
                    output: &output)
                return output
            }
            schedule.advance(after: now)
            phase = .open(schedule)
            if let bytes = try? sendHeartbeat(now: now) { output += bytes }
        case .closing(let deadline, let cause, let code, _) where now >= deadline:
            websocket = nil
            finish(initiator: .client, cause: cause, code: code, reason: "", closeTimedOut: true)
        default:
            break
        }
        return output
    }

    // MARK: - Commands

    /// A heartbeat now, outside the schedule, carrying the last sequence number.
    public mutating func heartbeat(now: Duration) throws(GatewaySendError) -> [UInt8] {
        try sendHeartbeat(now: now)
    }

    /// IDENTIFY: starts a new session. `compress` is added when the configuration uses payload compression.
    public mutating func identify(_ identify: GatewayIdentify, now: Duration) throws(GatewaySendError) -> [UInt8] {
        let data = try identify.value(payloadCompression: configuration.compression == .payload)
        return try send(opcode: .identify, data: data, now: now, redactingToken: true)
    }

    /// RESUME: continues the stored session with `token`.
    public mutating func resume(token: String, now: Duration) throws(GatewaySendError) -> [UInt8] {
        guard let sessionID, let sequence else {
            throw GatewaySendError(.invalidArgument, "there is no session to resume; send IDENTIFY")
        }
        let data: GatewayValue = ["token": .string(token), "session_id": .string(sessionID), "seq": GatewayValue(sequence)]
        return try send(opcode: .resume, data: data, now: now, redactingToken: true)
    }

    /// RESUME when ``shouldResume``, else IDENTIFY: what to send after HELLO.
    public mutating func identifyOrResume(_ identify: GatewayIdentify, now: Duration) throws(GatewaySendError)
        -> [UInt8]
    {
        if shouldResume { return try resume(token: identify.token, now: now) }
        return try self.identify(identify, now: now)
    }

    /// PRESENCE_UPDATE.
    public mutating func updatePresence(_ presence: GatewayPresence, now: Duration) throws(GatewaySendError)
        -> [UInt8]
    {
        try presence.validate()
        return try send(opcode: .presenceUpdate, data: presence.value, now: now)
    }

    /// VOICE_STATE_UPDATE.
    public mutating func updateVoiceState(_ update: GatewayVoiceStateUpdate, now: Duration)
        throws(GatewaySendError) -> [UInt8]
    {
        try send(opcode: .voiceStateUpdate, data: update.value, now: now)
    }

    /// REQUEST_GUILD_MEMBERS.
    public mutating func requestGuildMembers(_ request: GatewayRequestGuildMembers, now: Duration)
        throws(GatewaySendError) -> [UInt8]
    {
        try send(opcode: .requestGuildMembers, data: try request.value(), now: now)
    }

    /// REQUEST_SOUNDBOARD_SOUNDS for these guilds.
    public mutating func requestSoundboardSounds(guildIDs: [UInt64], now: Duration) throws(GatewaySendError)
        -> [UInt8]
    {
        guard !guildIDs.isEmpty else { throw GatewaySendError(.invalidArgument, "guild_ids is empty") }
        let data: GatewayValue = ["guild_ids": .array(guildIDs.map { .string(String($0)) })]
        return try send(opcode: .requestSoundboardSounds, data: data, now: now)
    }

    /// Any payload `{"op": opcode, "d": data}`, checked like every command.
    public mutating func send(opcode: GatewayOpcode, data: GatewayValue, now: Duration) throws(GatewaySendError)
        -> [UInt8]
    {
        try send(opcode: opcode, data: data, now: now, redactingToken: false)
    }

    /// Starts the close handshake with `code`: 1000 and 1001 end the session (the bot goes
    /// offline), any other code keeps it resumable. Wait for the echo (``state`` becomes
    /// `.closed`) or for ``nextDeadline``.
    public mutating func close(code: GatewayCloseCode = .normalClosure, reason: String = "", now: Duration)
        throws(GatewaySendError) -> [UInt8]
    {
        switch phase {
        case .upgrading, .awaitingHello, .open: break
        case .idle, .closing, .closed:
            throw GatewaySendError(.notConnected, "cannot close: the connection is \(state)")
        }
        guard websocket?.state == .open else {
            throw GatewaySendError(.notConnected, "cannot close before the WebSocket upgrade completed")
        }
        var output: [UInt8] = []
        do {
            if let bytes = try websocket?.close(code: code.rawValue, reason: reason, using: &random) {
                output = bytes
            }
        } catch {
            throw GatewaySendError(.invalidArgument, "cannot close: \(error)")
        }
        if code == .normalClosure || code == .goingAway { session?.resumable = false }
        phase = .closing(deadline: now + configuration.closeTimeout, cause: .requested, code: code, reason: reason)
        return output
    }

    // MARK: - Internals: WebSocket events

    private mutating func processWebSocketEvents(now: Duration, output: inout [UInt8]) {
        while let event = websocket?.nextEvent() {
            switch event {
            case .accepted(let response):
                phase = .awaitingHello(deadline: now + configuration.helloTimeout)
                emit(.upgraded(response))
            case .rejected(let rejection):
                emit(.rejected(rejection))
                websocket = nil
                finish(
                    initiator: .server, cause: .upgradeRejected(status: rejection.statusCode), code: nil,
                    reason: rejection.reason)
            case .frame(let header):
                emit(.frame(header))
            case .message(let message):
                handleMessage(message, now: now, output: &output)
            case .ping, .pong:
                break
            case .closed(let closure):
                handleClosure(closure)
            }
        }
        // A close that could not be sent waits for the WebSocket's closure (see startClosing);
        // should none be left, the connection still ends here.
        if case .closing(_, let cause, let code, let reason) = phase, websocket?.state == .closed {
            finish(initiator: .client, cause: cause, code: code, reason: reason)
        }
    }

    private mutating func handleClosure(_ closure: WebSocketClosure) {
        let code = closure.code.map(GatewayCloseCode.init(rawValue:))
        if let error = closure.error {
            if error.kind == .truncatedHandshake {
                // The socket ended before (or during) the server's response: a dropped
                // connection, not a misbehaving WebSocket server.
                finish(initiator: .transport, cause: .endOfInput, code: nil, reason: "")
                return
            }
            // We failed the connection for the peer's violation; the session stays resumable.
            finish(initiator: .client, cause: .protocolViolation(error), code: code, reason: closure.reason)
            return
        }
        if case .closing(_, let cause, let ourCode, let ourReason) = phase {
            // Our reason even when the server's close crossed ours unsent (see startClosing).
            finish(
                initiator: .client, cause: cause, code: ourCode,
                reason: closure.initiator == .abnormal ? closure.reason : ourReason)
            return
        }
        switch closure.initiator {
        case .local:
            finish(initiator: .client, cause: .requested, code: code, reason: closure.reason)
        case .remote:
            if let code {
                if !code.canReconnect { canReconnect = false }
                if !code.canResume { endSession() }
            }
            finish(initiator: .server, cause: .serverClosed, code: code, reason: closure.reason)
        case .abnormal:
            finish(initiator: .transport, cause: .endOfInput, code: nil, reason: "")
        }
    }

    private mutating func finish(
        initiator: GatewayDisconnect.Initiator, cause: GatewayDisconnect.Cause, code: GatewayCloseCode?,
        reason: String, closeTimedOut: Bool = false
    ) {
        let disconnect = GatewayDisconnect(
            initiator: initiator, cause: cause, code: code, reason: reason, canReconnect: canReconnect,
            willResume: shouldResume, truncation: inputTruncation, closeTimedOut: closeTimedOut)
        guard emit(.disconnected(disconnect)) else { return }
        phase = .closed
        lastDisconnect = disconnect
    }

    /// The one way into the event queue, and the one place that keeps ``GatewayEvent/disconnected(_:)``
    /// the last event of a connection: nothing is queued once the connection is closed (what is
    /// left of the WebSocket's events, or a second ending, is dropped), and only ``finish`` closes it.
    /// - Returns: whether the event was queued.
    @discardableResult
    private mutating func emit(_ event: GatewayEvent) -> Bool {
        if case .closed = phase { return false }
        pendingEvents.append(event)
        return true
    }

    private mutating func endSession() {
        session = nil
    }

    /// Changes the session, starting one if there is none. The value is moved out and back, not
    /// copied: this runs for every payload with a sequence number.
    private mutating func updateSession(_ change: (inout Session) -> Void) {
        var value = session.take() ?? Session()
        change(&value)
        session = value
    }

    // MARK: - Internals: payloads

    private mutating func handleMessage(_ message: WebSocketMessage, now: Duration, output: inout [UInt8]) {
        let payload: GatewayPayload
        do {
            let decompressed: [UInt8]?
            switch message {
            case .text(let bytes): decompressed = try decompressor.decompress(message: bytes, isBinary: false)
            case .binary(let bytes): decompressed = try decompressor.decompress(message: bytes, isBinary: true)
            }
            guard let decompressed else { return }
            payload = try GatewayPayload(
                decoding: decompressed, encoding: configuration.encoding, limits: configuration.codecLimits)
        } catch {
            if case .text(let bytes) = message, failIfNotUTF8(bytes, output: &output) { return }
            switch error {
            case let error as DecompressionError:
                failUndecodable(GatewayDecodingError(error), now: now, output: &output)
            case let error as GatewayDecodingError:
                failUndecodable(error, now: now, output: &output)
            default:
                failUndecodable(
                    GatewayDecodingError(layer: .gateway, message: "\(error)", offset: nil), now: now, output: &output)
            }
            return
        }
        handlePayload(payload, now: now, output: &output)
    }

    /// A text message that could not be decoded: when the WebSocket left its UTF-8 check
    /// to us (see ``connect()``) and it is not UTF-8, the WebSocket fails the connection
    /// with 1007, as RFC 6455 requires, rather than us closing with 4002.
    /// - Returns: whether the message was invalid UTF-8 and the connection is failing.
    private mutating func failIfNotUTF8(_ message: [UInt8], output: inout [UInt8]) -> Bool {
        guard configuration.encoding == .json else { return false }
        let closing = message.withUnsafeBytes { websocket?.failIfNotUTF8($0, using: &random) }
        guard let closing else { return false }
        output += closing
        return true
    }

    private mutating func failUndecodable(_ error: GatewayDecodingError, now: Duration, output: inout [UInt8]) {
        var located = error
        located.frameOffset = websocket?.deliveredMessageFrameOffset
        startClosing(
            code: .decodeError, reason: "undecodable payload", cause: .undecodablePayload(located), now: now,
            output: &output)
    }

    private mutating func handlePayload(_ payload: GatewayPayload, now: Duration, output: inout [UInt8]) {
        if let sequence = payload.sequence { updateSession { $0.sequence = sequence } }
        let delivers = configuration.deliversHandledPayloads
        switch payload.opcode {
        case .dispatch:
            handleDispatch(payload)
            emit(.dispatch(payload))
        case .hello:
            guard let milliseconds = payload.data["heartbeat_interval"]?.doubleValue, milliseconds > 0,
                milliseconds <= 86_400_000
            else {
                failUndecodable(
                    GatewayDecodingError(
                        layer: .gateway, message: "HELLO without a positive heartbeat_interval", offset: nil),
                    now: now, output: &output)
                return
            }
            let interval = Duration.milliseconds(1) * milliseconds
            rateLimiter.reserve(forHeartbeatInterval: interval)
            let jitter = Double.random(in: 0..<1, using: &random)
            switch phase {
            case .awaitingHello, .open:
                phase = .open(HeartbeatSchedule(interval: interval, helloAt: now, jitter: jitter))
            case .idle, .upgrading, .closing, .closed:
                break
            }
            emit(.hello(heartbeatInterval: interval, payload: payload))
        case .heartbeatACK:
            var latency: Duration?
            if case .open(var schedule) = phase {
                latency = schedule.acknowledged(at: now)
                phase = .open(schedule)
                if let latency { latencies.record(latency) }
            }
            if delivers { emit(.heartbeatAcknowledged(latency: latency, payload: payload)) }
        case .heartbeat:
            // The request is reported before the answer it causes.
            if delivers { emit(.heartbeatRequested(payload)) }
            if let bytes = try? sendHeartbeat(now: now) { output += bytes }
        case .reconnect:
            if delivers { emit(.reconnectRequested(payload)) }
            startClosing(
                code: .unknownError, reason: "reconnect requested", cause: .reconnectRequested, now: now,
                output: &output)
        case .invalidSession:
            let resumable = payload.data.boolValue ?? false
            if delivers { emit(.invalidSession(resumable: resumable, payload: payload)) }
            if !resumable {
                endSession()
                let milliseconds = Int64.random(in: 1000...5000, using: &random)
                invalidSessionWait = .milliseconds(milliseconds)
            }
            startClosing(
                code: resumable ? .unknownError : .normalClosure, reason: "invalid session",
                cause: .invalidSession(resumable: resumable), now: now, output: &output)
        default:
            emit(.payload(payload))
        }
    }

    private mutating func handleDispatch(_ payload: GatewayPayload) {
        switch payload.eventName {
        case "READY":
            let data = payload.data
            let id = data["session_id"]?.stringValue
            let resumeURL = data["resume_gateway_url"]?.stringValue.map { resume in
                GatewayURL.connectionURL(
                    base: resume, apiVersion: configuration.apiVersion, encoding: configuration.encoding,
                    compression: configuration.compression)
            }
            updateSession { session in
                if let id { session.id = id }
                if let resumeURL { session.resumeURL = (try? WebSocketURL(resumeURL)) != nil ? resumeURL : nil }
                session.resumable = true
            }
            consecutiveAttempts = 0
        case "RESUMED":
            session?.resumable = true
            consecutiveAttempts = 0
        default:
            break
        }
    }

    /// Sends our close for a reason of our own; a code other than 1000/1001 keeps the session.
    private mutating func startClosing(
        code: GatewayCloseCode, reason: String, cause: GatewayDisconnect.Cause, now: Duration,
        output: inout [UInt8]
    ) {
        switch phase {
        case .closing, .closed, .idle: return
        case .upgrading, .awaitingHello, .open: break
        }
        if code == .normalClosure || code == .goingAway { session?.resumable = false }
        if let bytes = try? websocket?.close(code: code.rawValue, reason: reason, using: &random) {
            output += bytes
            phase = .closing(deadline: now + configuration.closeTimeout, cause: cause, code: code, reason: reason)
        } else if let websocket, websocket.state == .closed {
            // The WebSocket ended in the input being processed (the server's close or a framing
            // violation came in the same read): nothing more can be said on it. Its remaining
            // events, ending with its closure, are still reported, and that closure finishes
            // the connection as if our close had gone out, so `disconnected` stays the last
            // event whatever the size of the reads.
            phase = .closing(deadline: now, cause: cause, code: code, reason: reason)
        } else {
            finish(initiator: .client, cause: cause, code: code, reason: reason)
        }
    }

    // MARK: - Internals: sending

    private mutating func sendHeartbeat(now: Duration) throws(GatewaySendError) -> [UInt8] {
        let data: GatewayValue = sequence.map { GatewayValue($0) } ?? .null
        let bytes = try send(opcode: .heartbeat, data: data, now: now, redactingToken: false)
        if case .open(var schedule) = phase {
            schedule.sent(at: now)
            phase = .open(schedule)
        }
        return bytes
    }

    private mutating func send(opcode: GatewayOpcode, data: GatewayValue, now: Duration, redactingToken: Bool)
        throws(GatewaySendError) -> [UInt8]
    {
        switch phase {
        case .awaitingHello, .open: break
        case .idle, .upgrading, .closing, .closed:
            throw GatewaySendError(.notConnected, "cannot send \(opcode): the connection is \(state)")
        }
        let value: GatewayValue = ["op": GatewayValue(opcode.rawValue), "d": data]
        let encoded = try GatewayCodec.encode(value, encoding: configuration.encoding)
        guard encoded.count <= configuration.maxSendPayloadSize else {
            throw GatewaySendError(
                .payloadTooLarge,
                "\(opcode) payload is \(encoded.count) bytes; Discord accepts at most \(configuration.maxSendPayloadSize)"
            )
        }
        let isHeartbeat = opcode == .heartbeat
        if !isHeartbeat, let retryAt = rateLimiter.nextAllowedTime(at: now) {
            throw GatewaySendError(
                .rateLimited,
                "sending \(opcode) now would exceed \(configuration.sendsPerWindow) payloads per \(configuration.sendWindow) (room is kept for heartbeats); it may be sent at \(retryAt)",
                retryAt: retryAt)
        }
        let frame: [UInt8]?
        do {
            switch configuration.encoding {
            case .json: frame = try websocket?.sendText(encoded, using: &random)
            case .etf: frame = try websocket?.sendBinary(encoded, using: &random)
            }
        } catch {
            throw GatewaySendError(.notConnected, "cannot send \(opcode): \(error)")
        }
        guard let frame else { throw GatewaySendError(.notConnected, "cannot send \(opcode): no connection") }
        rateLimiter.record(at: now)
        if configuration.reportsSentPayloads {
            reportSent(opcode: opcode, data: data, encoded: encoded, redactingToken: redactingToken)
        }
        return frame
    }

    /// `{"op", "d"}` with `d.token` replaced by ``redactedToken``; nil when `d` has no token. The
    /// one place a token is taken out of a payload: sent payloads here, received ones in `serve`,
    /// `proxy` and `replay`. Every entry named `token` is replaced: a payload read off the wire may
    /// repeat a key, and objects keep repeats.
    package static func redactingToken(opcode: GatewayOpcode, data: GatewayValue) -> GatewayValue? {
        guard case .object(var object) = data, object["token"] != nil else { return nil }
        for index in object.entries.indices where object.entries[index].key == "token" {
            object.entries[index].value = .string(redactedToken)
        }
        return ["op": GatewayValue(opcode.rawValue), "d": .object(object)]
    }

    private mutating func reportSent(opcode: GatewayOpcode, data: GatewayValue, encoded: [UInt8], redactingToken: Bool)
    {
        var bytes = encoded
        if redactingToken, let value = Self.redactingToken(opcode: opcode, data: data) {
            guard let redacted = try? GatewayCodec.encode(value, encoding: configuration.encoding) else { return }
            bytes = redacted
        }
        if let payload = try? GatewayPayload(
            decoding: bytes, encoding: configuration.encoding, limits: configuration.codecLimits)
        {
            emit(.sent(payload))
        }
    }
}
