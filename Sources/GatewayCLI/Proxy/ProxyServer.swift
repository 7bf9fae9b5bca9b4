import DiscordGateway
import GatewayCodecs
import GatewayServer
import NIOCore
import NIOPosix
import NIOSSL
import WebSocketProtocol

// Theory of operation
//
// `proxy`'s driver: a listener on one event loop, every bot connection and
// every upstream connection on that same loop, and one ProxyRunner that every
// byte, end of input and deadline goes through. The runner returns actions
// (write to a bot or an upstream, close either, open an upstream), which this
// driver performs; one scheduled task is kept for the runner's next deadline.
// Everything the runner reports is rendered here, both directions, the bot's
// token redacted, and recorded with `--record` as what each bot sent and
// received. It runs until Ctrl-C (or SIGTERM), which closes every bot with
// 1001.

/// `gatewayctl proxy`'s listener and driver. Confined to its event loop.
final class ProxyServer {
    let eventLoop: any EventLoop
    /// The gateway URL bots connect to (`ws://host:port`), once bound.
    private(set) var url = ""
    /// Completes on ``stop()``.
    let finished: EventLoopPromise<Void>

    private var runner: ProxyRunner
    private let renderer: Renderer
    private let filter: OutputFilter
    private let tls: NIOSSLContext?
    private let clock = SessionClock()
    private var bots: [Int: ProxyBotHandler] = [:]
    private var upstreams: [Int: ProxyUpstreamHandler] = [:]
    /// Upstream sockets asked to close before their connect completed.
    private var upstreamClosing: Set<Int> = []
    /// The last heartbeat latencies per connection, shown on the ACK's line.
    private var latencies: [Int: (upstream: Duration, toBot: Duration)] = [:]
    private var nextConnection = 0
    private var deadlineTask: Scheduled<Void>?
    private var scheduledDeadline: Duration?
    private var done = false
    private let recordPath: String?
    private var recorder: SessionRecorder?
    private var recordingFailed = false

    init(
        configuration: GatewayProxyConfiguration, injections: [ProxyInjection], tls: NIOSSLContext?, renderer: Renderer,
        filter: OutputFilter, recordPath: String?, eventLoop: any EventLoop
    ) {
        runner = ProxyRunner(configuration: configuration, injections: injections, random: SystemRandomNumberGenerator())
        self.tls = tls
        self.renderer = renderer
        self.filter = filter
        self.recordPath = recordPath
        self.eventLoop = eventLoop
        finished = eventLoop.makePromise()
        renderer.arrows = (inbound: "Discord→bot", outbound: "bot→Discord")
    }

    /// Binds the listener to `host`:`port` (0 picks a free port).
    func bind(host: String, port: Int) -> EventLoopFuture<any Channel> {
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        return ServerBootstrap(group: eventLoop)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ProxyBotHandler(server: bound.value))
                }
            }
            .bind(host: host, port: port)
            .map { channel in
                let boundPort = channel.localAddress?.port ?? port
                let shownHost = host.contains(":") ? "[\(host)]" : host
                let server = bound.value
                server.url = "ws://\(shownHost):\(boundPort)"
                server.runner.configuration.proxyURL = server.url
                server.renderer.listening(gateway: server.url, rest: "http://\(shownHost):\(boundPort)/api/v10")
                server.renderer.info("relaying to \(server.runner.configuration.upstreamURL)")
                for injection in server.runner.pendingInjections { server.renderer.info("will inject \(injection)") }
                server.renderer.flush()
                return channel
            }
    }

    // MARK: - From the channel handlers

    /// A bot's gateway connection began; returns its number.
    func opened(_ handler: ProxyBotHandler) -> Int {
        nextConnection += 1
        let id = nextConnection
        bots[id] = handler
        let now = clock.now()
        perform(runner.opened(id, now: now), now: now)
        return id
    }

    func fromBot(_ id: Int, _ bytes: UnsafeRawBufferPointer) {
        let now = clock.now()
        perform(runner.fromBot(id, bytes, now: now), now: now)
    }

    func botEnded(_ id: Int) {
        bots[id] = nil
        let now = clock.now()
        perform(runner.botEnded(id, now: now), now: now)
    }

    func fromUpstream(_ id: Int, _ bytes: UnsafeRawBufferPointer) {
        let now = clock.now()
        perform(runner.fromUpstream(id, bytes, now: now), now: now)
    }

    func upstreamEnded(_ id: Int) {
        upstreams[id] = nil
        let now = clock.now()
        perform(runner.upstreamEnded(id, now: now), now: now)
    }

    func upstreamError(_ id: Int, _ error: any Error, host: String, port: Int) {
        let now = clock.now()
        let reason = Self.explain(error, host: host, port: port)
        // Before Discord answered the upgrade (a TLS handshake that failed, a reset), the error is
        // why the bot's upgrade is refused: a 502 that says so, rather than the end of input that
        // follows it read as a broken response. Once relaying, it is shown, and the socket's end
        // closes the bot's leg.
        let actions = runner.upstreamFailed(id, reason: reason, now: now)
        if actions.isEmpty { renderer.error(reason, offset: nil, RenderContext(time: now, connection: id)) }
        perform(actions, now: now)
    }

    /// What a failed upstream connection means, in a few words: the TLS verdict, or the socket
    /// error's own text.
    static func explain(_ error: any Error, host: String, port: Int) -> String {
        if error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError {
            return GatewayTLS.explain(error, host: host, port: port)
        }
        var cause: any Error = error
        if let connection = error as? NIOConnectionError, let first = connection.connectionErrors.first?.error {
            cause = first
        }
        if let io = cause as? IOError { return "\(host):\(port): \(String(cString: strerror(io.errnoCode)).lowercased())" }
        return "\(host):\(port): \(cause)"
    }

    /// A REST call was answered.
    func restRequest(method: String, target: String) {
        if filter.showsConnectionLines {
            renderer.info("REST \(method) \(target)", RenderContext(time: clock.now(), connection: RenderContext.noConnection))
        }
        renderer.flush()
    }

    /// Ctrl-C: closes every bot with 1001 and finishes.
    func stop() {
        guard !done else { return }
        let now = clock.now()
        perform(runner.closeAll(now: now), now: now)
        done = true
        deadlineTask?.cancel()
        deadlineTask = nil
        if let recorder {
            do {
                try recorder.close()
            } catch {
                renderer.error("the recording could not be finished: \(error)", offset: nil)
            }
            self.recorder = nil
        }
        renderer.flush()
        // Give the close frames a moment on the wire, then end every socket.
        eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(200)) { [self] in
            for handler in bots.values { handler.close() }
            for handler in upstreams.values { handler.close() }
            finished.succeed(())
        }
    }

    // MARK: - Internals

    private func perform(_ actions: [ProxyAction], now: Duration) {
        render(now: now)
        for action in actions {
            switch action {
            case .writeBot(let id, let bytes):
                bots[id]?.write(bytes)
                record { recorder throws(CaptureError) in
                    let result = bytes.withUnsafeBytes { raw in
                        Result { () throws(CaptureError) in try recorder.read(raw, connection: id, at: now) }
                    }
                    try result.get()
                }
            case .writeUpstream(let id, let bytes):
                upstreams[id]?.write(bytes)
            case .closeBot(let id):
                bots[id]?.close()
            case .closeUpstream(let id):
                if let handler = upstreams[id] { handler.close() } else { upstreamClosing.insert(id) }
            case .openUpstream(let id, let url):
                openUpstream(id, url)
            }
        }
        render(now: now)
        schedule(runner.nextDeadline)
    }

    private func openUpstream(_ id: Int, _ url: WebSocketURL) {
        let context = url.isSecure ? tls : nil
        let serverName = GatewayTLS.serverName(for: url.host)
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        let handler = ProxyUpstreamHandler(server: self, connection: id, host: url.host, port: url.port)
        let boundHandler = NIOLoopBound(handler, eventLoop: eventLoop)
        ClientBootstrap(group: eventLoop)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let context {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: serverName))
                    }
                    try channel.pipeline.syncOperations.addHandler(boundHandler.value)
                }
            }
            .connect(host: url.host, port: url.port)
            .assumeIsolated()
            .whenComplete { result in
                let server = bound.value
                let now = server.clock.now()
                switch result {
                case .success:
                    server.upstreams[id] = boundHandler.value
                    if server.upstreamClosing.remove(id) != nil || server.done {
                        boundHandler.value.close()
                        return
                    }
                    server.perform(server.runner.upstreamConnected(id, now: now), now: now)
                case .failure(let error):
                    let reason = Self.explain(error, host: url.host, port: url.port)
                    server.perform(server.runner.upstreamFailed(id, reason: reason, now: now), now: now)
                }
            }
    }

    private func schedule(_ deadline: Duration?) {
        guard !done, deadline != scheduledDeadline || deadlineTask == nil else { return }
        deadlineTask?.cancel()
        deadlineTask = nil
        scheduledDeadline = nil
        guard let deadline else { return }
        scheduledDeadline = deadline
        deadlineTask = eventLoop.assumeIsolated().scheduleTask(deadline: clock.deadline(deadline)) { [self] in
            deadlineTask = nil
            scheduledDeadline = nil
            let now = clock.now()
            perform(runner.handleDeadline(now: now), now: now)
        }
    }

    private func render(now: Duration) {
        while let event = runner.nextEvent() {
            switch event {
            case .connection(let id, let event):
                render(event, RenderContext(time: now, connection: id))
            case .injected(let id, let injection):
                renderer.info("injecting \(injection)", RenderContext(time: now, connection: id))
            }
        }
        renderer.flush()
    }

    private func render(_ event: GatewayProxyEvent, _ context: RenderContext) {
        let lines = filter.showsConnectionLines
        switch event {
        case .upstreamNeeded(let url, let query):
            startRecording(query: query)
            record { recorder throws(CaptureError) in
                try recorder.connecting(connection: context.connection, url: url.description, at: context.time)
            }
            if lines { renderer.info("bot connected (\(query)); opening \(url)", context) }
        case .connected(_, let upstream):
            if lines { renderer.info("relaying: \(upstream.hostHeader) accepted the upgrade", context) }
        case .refused(let status, let reason):
            renderer.error("the bot's upgrade was refused with HTTP \(status): \(reason)", offset: nil, context)
        case .frame(let side, let header):
            if filter.showsFrames { renderer.frame(context, side == .bot ? .outbound : .inbound, header, offset: header.offset) }
        case .fromBot(let payload):
            let shown = ServeServer.redactingToken(payload)
            if filter.shows(opcode: payload.opcode.rawValue, eventName: payload.eventName) {
                renderer.payload(.sent, context, .outbound, shown)
            }
            record { recorder throws(CaptureError) in try recorder.sent(shown, connection: context.connection, at: context.time) }
        case .fromDiscord(let payload):
            var latency: Duration?
            if payload.opcode == .heartbeatACK, let measured = latencies.removeValue(forKey: context.connection) {
                latency = measured.upstream
                if lines, measured.toBot != measured.upstream {
                    renderer.info("the bot gets this ACK \(TimeText.milliseconds(measured.toBot)) ms after its heartbeat", context)
                }
            }
            if filter.shows(opcode: payload.opcode.rawValue, eventName: payload.eventName) {
                renderer.payload(.event, context, .inbound, payload, latency: latency)
            }
        case .withheld(let payload):
            if lines { renderer.info("withheld from the bot: \(payload.opcode.name ?? "op \(payload.opcode.rawValue)") (zombie)", context) }
        case .injected(let payload):
            if filter.shows(opcode: payload.opcode.rawValue, eventName: payload.eventName) {
                renderer.payload(.event, context, .inbound, payload)
            }
        case .heartbeatAcknowledged(let upstream, let toBot):
            latencies[context.connection] = (upstream, toBot)
        case .resumeURLRewritten(let real, let proxied):
            if lines { renderer.info("READY's resume_gateway_url \(real) is shown to the bot as \(proxied)", context) }
        case .violation(let side, let violation):
            let who = side == .bot ? "the bot" : "the upstream gateway"
            renderer.error("\(who) broke a rule: \(violation.message)", offset: violation.offset, context)
        case .legClosed(let side, let closure):
            if lines { renderer.info("\(side == .bot ? "bot" : "upstream") leg closed: \(Self.describe(closure, side: side))", context) }
        case .finished:
            latencies[context.connection] = nil
            record { recorder throws(CaptureError) in
                try recorder.disconnected(connection: context.connection, reason: "connection over", at: context.time)
            }
        }
    }

    private static func describe(_ closure: WebSocketClosure, side: GatewayProxySide) -> String {
        let peer = side == .bot ? "the bot" : "the upstream gateway"
        var text: String
        switch closure.initiator {
        case .local: text = "the proxy closed"
        case .remote: text = "\(peer) closed"
        case .abnormal: text = "dropped without a close frame"
        }
        if let code = closure.code, closure.initiator != .abnormal { text += " with \(code)" }
        if !closure.reason.isEmpty { text += " (\(closure.reason))" }
        return text
    }

    private func startRecording(query: GatewayConnectionQuery) {
        guard let recordPath, recorder == nil, !recordingFailed, !done else { return }
        do {
            recorder = try SessionRecorder(
                path: recordPath, url: url,
                configuration: GatewayConfiguration(url: url, encoding: query.encoding, compression: query.compression),
                secrets: [])
        } catch {
            recordingFailed = true
            renderer.error("cannot record to \(recordPath): \(error); relaying goes on unrecorded", offset: nil)
        }
    }

    private func record(_ body: (SessionRecorder) throws(CaptureError) -> Void) {
        guard let recorder, !recordingFailed else { return }
        do {
            try body(recorder)
        } catch {
            recordingFailed = true
            renderer.error("cannot record to \(recordPath ?? ""): \(error); relaying goes on unrecorded", offset: nil)
        }
    }
}
