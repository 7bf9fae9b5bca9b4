import DiscordGatewayClient
import DiscordGateway
import GatewayCodecs
import GatewayServer
import NIOCore
import NIOPosix
import NIOSSL

// Theory of operation
//
// `serve`'s driver: a listener on one event loop, every accepted connection on
// that same loop, and one ScenarioRunner that every byte, end of input and
// deadline goes through. The runner returns actions (write to a connection,
// close its socket), which the channel handlers perform; one scheduled task is
// kept for the runner's next deadline. Everything the runner reports is
// rendered here, the bot's token redacted. When every scenario asked for was
// played, each connection still open is closed with 1001 and `finished`
// completes; without scenarios the server serves until Ctrl-C.

/// `gatewayctl serve`'s listener and driver. Confined to its event loop.
final class ServeServer: RunnableListener {
    let eventLoop: any EventLoop
    /// The gateway URL bots connect to (`ws://host:port`), once bound.
    private(set) var url = ""
    /// Completes when the scenarios were played (never without scenarios), or on ``stop()``.
    let finished: EventLoopPromise<Void>

    fileprivate(set) var runner: ScenarioRunner
    fileprivate let renderer: Renderer
    private let filter: OutputFilter
    private let hasScenarios: Bool
    private let clock = SessionClock()
    private var handlers: [Int: ListenerChannelHandler] = [:]
    private var nextConnection = 0
    private let timer = DeadlineTimer()
    private var done = false
    /// `--record`'s file.
    private let recording: ListenerRecording

    init(
        scenarios: [Scenario], configuration: GatewayServerConfiguration, timeout: Duration, renderer: Renderer,
        filter: OutputFilter, recordPath: String?, playback: CapturePlayback?, speed: Double, bots: Int,
        eventLoop: any EventLoop
    ) {
        recording = ListenerRecording(path: recordPath, activity: "serving", renderer: renderer)
        self.eventLoop = eventLoop
        self.renderer = renderer
        self.filter = filter
        hasScenarios = !scenarios.isEmpty
        runner = ScenarioRunner(
            scenarios: scenarios, configuration: configuration, timeout: timeout, random: SystemRandomNumberGenerator(),
            playback: playback, speed: speed, bots: bots)
        finished = eventLoop.makePromise()
    }

    /// Every verdict so far.
    var verdicts: [ServeVerdict] { runner.verdicts }

    /// Binds the listener to `host`:`port` (0 picks a free port).
    /// Binds the listener to `host`:`port` (0 picks a free port), with TLS in front of every
    /// connection when `tls` is given (then the URLs are `wss://` and `https://`).
    func bind(host: String, port: Int, tls: NIOSSLContext?) -> EventLoopFuture<any Channel> {
        // The listener and every connection share the server's one loop, so the server stays confined to it.
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        return ServerBootstrap(group: eventLoop)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    try channel.pipeline.syncOperations.addHandler(ListenerChannelHandler(listener: bound.value))
                }
            }
            .bind(host: host, port: port)
            .map { channel in
                let boundPort = channel.localAddress?.port ?? port
                let shownHost = host.contains(":") ? "[\(host)]" : host
                let secure = tls != nil
                bound.value.url = "\(secure ? "wss" : "ws")://\(shownHost):\(boundPort)"
                // READY's resume_gateway_url: RESUME comes back here.
                bound.value.runner.configuration.resumeURL = bound.value.url
                bound.value.renderer.listening(
                    gateway: bound.value.url, rest: "\(secure ? "https" : "http")://\(shownHost):\(boundPort)/api/v10")
                bound.value.renderer.flush()
                return channel
            }
    }

    // MARK: - From the channel handlers

    /// A gateway connection began with this request head; returns its number.
    func opened(_ handler: ListenerChannelHandler, requestHead: [UInt8]) -> Int {
        nextConnection += 1
        let id = nextConnection
        handlers[id] = handler
        let now = clock.now()
        let target = HTTPMessageText(requestHead)?.startLine.split(separator: " ").dropFirst().first.map(String.init) ?? "/"
        if !done {
            let query = (try? GatewayConnectionQuery(target: target))
                ?? GatewayConnectionQuery(version: 10, encoding: .json, compression: .none)
            recording.start(url: url, query: query)
        }
        recording.record { recorder throws(CaptureError) in
            try recorder.connecting(connection: id, url: url + target, at: now)
            if !requestHead.isEmpty { try recorder.wrote(requestHead, connection: id, at: now) }
        }
        perform(runner.opened(id, now: now), now: now)
        return id
    }

    /// Bytes a gateway connection read.
    func read(_ id: Int, _ bytes: UnsafeRawBufferPointer) {
        let now = clock.now()
        perform(runner.received(id, bytes, now: now), now: now)
    }

    /// A gateway connection's socket ended.
    func ended(_ id: Int) {
        let now = clock.now()
        perform(runner.endOfInput(id, now: now), now: now)
        handlers[id] = nil
        recording.record { recorder throws(CaptureError) in
            try recorder.disconnected(connection: id, reason: "socket closed", at: now)
        }
    }

    /// Answers a REST call (the gateway's and the bot user's), and shows it.
    func restResponse(method: String, target: String) -> [UInt8] {
        if filter.showsConnectionLines {
            renderer.info("REST \(method) \(target)", RenderContext(time: clock.now(), connection: RenderContext.noConnection))
        }
        renderer.flush()
        return ServeREST.response(method: method, target: target, gatewayURL: url, shards: runner.botLimit)
    }

    /// Ctrl-C: closes every connection with 1001 and finishes.
    func stop() {
        let now = clock.now()
        perform(runner.closeAll(now: now), now: now)
        finish()
    }

    // MARK: - Internals

    /// Performs what the runner returned for an input at `now`, rendering its events with that
    /// time, so a verdict and the lines that led to it share one clock.
    private func perform(_ actions: [ServeAction], now: Duration) {
        // After the table nothing more is shown: what the bots do about our shutdown is not theirs to answer for.
        guard !done else { return }
        // Events first: the recording must have the bot's payload before the answer to it.
        render(now: now)
        carryOut(actions, now: now)
        render(now: now)
        if hasScenarios && runner.isFinished && !done {
            carryOut(runner.closeAll(now: now).filter { if case .write = $0 { true } else { false } }, now: now)
            render(now: now)
            finish()
            return
        }
        schedule(runner.nextDeadline)
    }

    /// Writes and closes what the runner asked for, recording what the bots received.
    private func carryOut(_ actions: [ServeAction], now: Duration) {
        for action in actions {
            switch action {
            case .write(let id, let bytes):
                handlers[id]?.write(bytes)
                recording.read(bytes, connection: id, at: now)
            case .closeTransport(let id):
                handlers[id]?.close()
            }
        }
    }

    private func finish() {
        guard !done else { return }
        done = true
        timer.cancel()
        for handler in handlers.values { handler.close() }
        if hasScenarios { renderer.verdictTable(runner.verdicts) }
        recording.close()
        renderer.flush()
        finished.succeed(())
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
            case .scenarioStarted(let scenario, let bot):
                renderer.info(
                    "\(bot.map { "bot \($0): " } ?? "")scenario \(scenario.name): \(scenario.summary)",
                    RenderContext(time: now, connection: RenderContext.noConnection))
            case .verdict(let verdict):
                renderer.verdict(verdict)
            }
        }
        renderer.flush()
    }

    private func render(_ event: GatewayServerEvent, _ context: RenderContext) {
        let lines = filter.showsConnectionLines
        switch event {
        case .connected(let query):
            if lines { renderer.info("bot connected: \(query)", context) }
        case .refused(let status, let reason):
            if lines { renderer.info("upgrade refused with HTTP \(status): \(reason)", context) }
        case .frame(let header):
            if filter.showsFrames { renderer.frame(context, .outbound, header, offset: header.offset) }
        case .received(let payload):
            let shown = Self.redactingToken(payload)
            if filter.shows(opcode: payload.opcode.rawValue, eventName: payload.eventName) {
                renderer.payload(.sent, context, .outbound, shown)
            }
            recording.record { recorder throws(CaptureError) in
                try recorder.sent(shown, connection: context.connection, at: context.time)
            }
        case .sent(let payload):
            if filter.shows(opcode: payload.opcode.rawValue, eventName: payload.eventName) {
                renderer.payload(.event, context, .inbound, payload)
            }
        case .heartbeat:
            break
        case .identified(let request, let sessionID):
            if lines {
                renderer.info(
                    "IDENTIFY accepted: session \(sessionID), intents \(request.intents.rawValue)"
                        + (request.shard.map { ", shard \($0)" } ?? ""), context)
            }
        case .resumeRequested(let sessionID, let sequence):
            if lines { renderer.info("RESUME of session \(sessionID) from seq \(sequence)", context) }
        case .resumed(let sessionID, let replayed):
            if lines { renderer.info("session \(sessionID) resumed: \(replayed) missed dispatches replayed", context) }
        case .violation(let violation):
            renderer.error("the bot broke a gateway rule: \(violation.message); closing with \(violation.code.rawValue)", offset: violation.offset, context)
        case .disconnected(let disconnect):
            if lines { renderer.info("connection ended: \(disconnect)", context) }
        }
    }

    /// The payload with its token replaced, for showing: IDENTIFY's and RESUME's, and any other
    /// payload's `d.token` too, since bytes from a bot or a capture may carry one under another
    /// (or a repeated) op.
    static func redactingToken(_ payload: GatewayPayload) -> GatewayPayload {
        guard let value = GatewayConnection.redactingToken(opcode: payload.opcode, data: payload.data) else { return payload }
        let bytes: [UInt8]
        switch payload.encoding {
        case .json: bytes = GatewayJSON.encode(value)
        case .etf: bytes = (try? GatewayETF.encode(value)) ?? GatewayJSON.encode(value)
        }
        let encoding: GatewayEncoding = bytes.first == 131 ? .etf : .json
        return (try? GatewayPayload(decoding: bytes, encoding: encoding)) ?? payload
    }
}
