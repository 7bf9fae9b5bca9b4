import DiscordGatewayClient
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
final class ProxyServer: RunnableListener {
    let eventLoop: any EventLoop
    /// The gateway URL bots connect to (`ws://host:port`), once bound.
    private(set) var url = ""
    /// Completes on ``stop()``.
    let finished: EventLoopPromise<Void>

    private var runner: ProxyRunner
    private let renderer: Renderer
    /// Whether the raw detail behind an upstream failure is shown (`--verbose`).
    private let verbose: Bool
    private let filter: OutputFilter
    private let tls: NIOSSLContext?
    private let clock = SessionClock()
    private var bots: [Int: ListenerChannelHandler] = [:]
    private var upstreams: [Int: ProxyUpstreamHandler] = [:]
    /// Upstream sockets asked to close before their connect completed.
    private var upstreamClosing: Set<Int> = []
    /// The last heartbeat latencies per connection, shown on the ACK's line.
    private var latencies: [Int: (upstream: Duration, toBot: Duration)] = [:]
    private var nextConnection = 0
    private let timer = DeadlineTimer()
    private var done = false
    /// `--record`'s file: both legs.
    private let recording: ListenerRecording

    init(
        configuration: GatewayProxyConfiguration, injections: [ProxyInjection], tls: NIOSSLContext?, renderer: Renderer,
        filter: OutputFilter, recordPath: String?, verbose: Bool = false, eventLoop: any EventLoop
    ) {
        self.verbose = verbose
        runner = ProxyRunner(configuration: configuration, injections: injections, random: SystemRandomNumberGenerator())
        self.tls = tls
        self.renderer = renderer
        self.filter = filter
        recording = ListenerRecording(path: recordPath, activity: "relaying", renderer: renderer)
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
                    try channel.pipeline.syncOperations.addHandler(ListenerChannelHandler(listener: bound.value))
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
    func opened(_ handler: ListenerChannelHandler, requestHead: [UInt8]) -> Int {
        nextConnection += 1
        let id = nextConnection
        bots[id] = handler
        let now = clock.now()
        perform(runner.opened(id, now: now), now: now)
        return id
    }

    /// Bytes from a bot.
    func read(_ id: Int, _ bytes: UnsafeRawBufferPointer) {
        let now = clock.now()
        perform(runner.fromBot(id, bytes, now: now), now: now)
    }

    /// A bot's socket ended.
    func ended(_ id: Int) {
        bots[id] = nil
        let now = clock.now()
        perform(runner.botEnded(id, now: now), now: now)
    }

    func fromUpstream(_ id: Int, _ bytes: UnsafeRawBufferPointer) {
        let now = clock.now()
        recording.record { recorder throws(CaptureError) in try recorder.readUpstream(bytes, connection: id, at: now) }
        perform(runner.fromUpstream(id, bytes, now: now), now: now)
    }

    func upstreamEnded(_ id: Int) {
        upstreams[id] = nil
        let now = clock.now()
        perform(runner.upstreamEnded(id, now: now), now: now)
    }

    func upstreamError(_ id: Int, _ error: any Error, host: String, port: Int, peer: NIOSSLCertificate?) {
        let now = clock.now()
        let context = RenderContext(time: now, connection: id)
        let reason = Self.explain(error, host: host, port: port, peer: peer)
        if verbose { renderer.info("detail: \(error)", context) }
        // Before Discord answered the upgrade (a TLS handshake that failed, a reset), the error is
        // why the bot's upgrade is refused: a 502 that says so, rather than the end of input that
        // follows it read as a broken response. Once relaying, a TLS failure is an error line and
        // a reset socket an info line: the socket's end closes the bot's leg, and its close line
        // reports the drop.
        let actions = runner.upstreamFailed(id, reason: reason, now: now)
        if actions.isEmpty {
            if error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError {
                renderer.error(reason, offset: nil, context)
            } else if filter.showsConnectionLines {
                renderer.info("upstream socket: \(reason)", context)
            }
        }
        perform(actions, now: now)
    }

    /// What a failed upstream connection means, in one sentence: the TLS verdict, or the socket's.
    static func explain(_ error: any Error, host: String, port: Int, peer: NIOSSLCertificate?) -> String {
        if error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError {
            return GatewayTLS.explain(error, host: host, port: port, peer: peer)
        }
        return NetworkFailureText.explain(error, host: host, port: port, timeout: nil)
    }

    /// Answers a REST call (only the gateway's are the proxy's), and shows it.
    func restResponse(method: String, target: String) -> [UInt8] {
        if filter.showsConnectionLines {
            renderer.info("REST \(method) \(target)", RenderContext(time: clock.now(), connection: RenderContext.noConnection))
        }
        renderer.flush()
        return ServeREST.response(method: method, target: target, gatewayURL: url, answering: .gatewayOnly)
    }

    /// Ctrl-C: closes every bot with 1001 and finishes.
    func stop() {
        guard !done else { return }
        let now = clock.now()
        perform(runner.closeAll(now: now), now: now)
        done = true
        timer.cancel()
        recording.close()
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
                recording.read(bytes, connection: id, at: now)
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
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        let handler = ProxyUpstreamHandler(server: self, connection: id, host: url.host, port: url.port)
        let boundHandler = NIOLoopBound(handler, eventLoop: eventLoop)
        GatewayTransport.connect(
            host: url.host, port: url.port, tls: context, timeout: runner.configuration.upstreamTimeout, on: eventLoop,
            handler: { _ in boundHandler.value })
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
                    if server.verbose { server.renderer.info("detail: \(error)", RenderContext(time: now, connection: id)) }
                    let reason = Self.explain(error, host: url.host, port: url.port, peer: nil)
                    server.perform(server.runner.upstreamFailed(id, reason: reason, now: now), now: now)
                }
            }
    }

    private func schedule(_ deadline: Duration?) {
        guard !done else { return }
        timer.schedule(deadline, on: eventLoop, at: clock.deadline) { [self] in
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
            if !done { recording.start(url: self.url, query: query) }
            recording.record { recorder throws(CaptureError) in
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
            recording.record { recorder throws(CaptureError) in
                try recorder.sent(shown, connection: context.connection, at: context.time)
            }
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
            recording.record { recorder throws(CaptureError) in
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
}
