import DiscordGateway
import Foundation
import GatewayServer
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import SeededRandom
import Testing
@testable import WebSocketProtocol

/// A scripted Discord gateway on 127.0.0.1 (ws:// or wss://), for running the built `gatewayctl`
/// against a real socket.
///
/// Every connection is the library's ``GatewayServerConnection`` behind a thin NIO handler
/// (``FakeGatewayConnection``): the upgrade, the client's frames and the rule that they be
/// masked, HELLO, heartbeat ACKs, READY, dispatches and their sequence numbers, the encoding and
/// compression the URL asks for, RESUME and the close handshake are all the library's. A scenario
/// decides when HELLO and READY go out and what follows them; time is a `ContinuousClock` offset
/// from ``start``, and each connection's deadlines run as a task on the server's event loop.
///
/// What a correct server never sends but a test needs is written through explicit escape hatches,
/// each documented where it is: a frame cut short (``FakeGatewayConnection/writeCut(_:)``), a ping
/// (``FakeGatewayConnection/sendPing(_:)``) and a refusal of the upgrade with a status and body of
/// the test's choosing (``UpgradeReply/reject(status:body:)``).
///
/// What each connection did is logged from the server connection's events, with the time each
/// arrived (see ``ConnectionLog``).
final class FakeGatewayServer: Sendable {
    /// What one connection did, from the server's side.
    struct ConnectionLog: Sendable {
        var index: Int
        /// Every byte the client sent (after TLS), its request included: the client's frame
        /// payloads are read from here, at the offsets the server connection reported.
        var received: [UInt8] = []
        /// The upgrade request, once a valid one arrived.
        var request: WebSocketUpgradeRequest?
        /// What the request's URL asked for, once the upgrade was accepted.
        var query: GatewayConnectionQuery?
        /// The headers of the client's frames as the server connection reported them (`reportsFrames`).
        var frameHeaders: [(header: WebSocketFrameHeader, time: Duration)] = []
        /// The gateway payloads the client sent, as the server connection decoded them.
        var payloads: [(time: Duration, payload: GatewayPayload)] = []
        /// The HEARTBEATs (op 1) the client sent while the server watched them: their `d`, and
        /// whether they were acknowledged.
        var heartbeats: [(time: Duration, data: GatewayValue, acknowledged: Bool)] = []
        /// The session READY gave, once IDENTIFY was accepted.
        var sessionID: String?
        /// The gateway rules the client broke, as the server connection saw them.
        var violations: [GatewayServerViolation] = []
        /// How the server connection ended.
        var disconnect: GatewayServerDisconnect?
        /// When the socket closed (after ``disconnect``, or without one when the server stopped first).
        var closedAt: Duration?
        /// What went wrong that the test's own assertions may not look at, each reported as an issue
        /// by ``FakeGatewayServer/shutdown(sourceLocation:)``: a command of the scenario the server
        /// connection refused, a compression other than the one the test expects.
        var unexpected: [String] = []

        /// The request target of the upgrade request (`/?v=10&...`); empty when none arrived.
        var target: String { request?.target ?? "" }

        /// The client's frames, payloads unmasked (a frame still incomplete has the bytes that arrived).
        var frames: [ClientFrame] {
            frameHeaders.map { entry in
                let header = entry.header
                let start = min(received.count, header.offset + header.headerLength)
                let end = min(received.count, header.frameEnd)
                var payload = Array(received[start..<end])
                payload.withUnsafeMutableBytes { header.maskingKey?.apply(to: $0, phase: 0) }
                return ClientFrame(opcode: header.opcode, masked: header.isMasked, payload: payload, time: entry.time)
            }
        }

        /// The code of the client's close frame, if it sent one with a code.
        var closeCode: UInt16? {
            guard let close = frames.first(where: { $0.opcode == .close }), close.payload.count >= 2 else { return nil }
            return UInt16(close.payload[0]) << 8 | UInt16(close.payload[1])
        }
    }

    /// One frame from the client.
    struct ClientFrame: Sendable {
        var opcode: WebSocketOpcode
        var masked: Bool
        var payload: [UInt8]
        var time: Duration
    }

    /// How to answer the upgrade request.
    enum UpgradeReply: Sendable {
        /// The server connection accepts it (or refuses a URL it cannot serve, as Discord would).
        case accept
        /// Escape hatch: a refusal with this status and a JSON body, as an HTTP front refuses an
        /// unauthorized upgrade. A gateway connection only refuses requests it cannot serve (no
        /// valid upgrade, an unknown encoding), so the request is read and refused by the
        /// library's `WebSocketServer` instead.
        case reject(status: Int, body: String)
    }

    /// The behaviour of the gateway: called on the server's event loop.
    struct Scenario: Sendable {
        /// The interval HELLO announces (the server times heartbeats by it too).
        var heartbeatInterval: Duration = .milliseconds(250)
        /// The rest of the rules, for every connection (tokens accepted, privileged intents).
        var configure: @Sendable (inout GatewayServerConfiguration) -> Void = { _ in }
        var upgrade: @Sendable (_ connection: Int) -> UpgradeReply = { _ in .accept }
        /// After the 101, before anything else: HELLO at once by default.
        var opened: @Sendable (FakeGatewayConnection) -> Void = { $0.sendHello() }
        /// IDENTIFY was accepted: READY went out (unless `holdsReady` keeps it back).
        var identified: @Sendable (FakeGatewayConnection) -> Void = { _ in }
        /// RESUME was answered from the kept session: the missed dispatches and RESUMED went out.
        var resumed: @Sendable (FakeGatewayConnection) -> Void = { _ in }
        var acksHeartbeats: @Sendable (_ connection: Int) -> Bool = { _ in true }
    }

    let port: Int
    let url: String
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    private let logs: NIOLockedValueBox<[ConnectionLog]>
    /// The origin of every time in the logs.
    let start = ContinuousClock.now

    /// Starts listening on an ephemeral port of 127.0.0.1.
    /// - Parameters:
    ///   - tls: the server's TLS context, for wss://.
    ///   - compression: the transport compression every connection must ask for in its URL (the
    ///     server connection speaks whatever it is asked for); nil accepts any.
    ///   - scenario: what the gateway does.
    init(tls: NIOSSLContext? = nil, compression: GatewayCompression? = nil, scenario: Scenario) throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let logs = NIOLockedValueBox<[ConnectionLog]>([])
        let sessions = NIOLockedValueBox<[String: GatewayServerSession]>([:])
        let start = self.start
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    let index = logs.withLockedValue { logs -> Int in
                        logs.append(ConnectionLog(index: logs.count + 1))
                        return logs.count
                    }
                    // An accepted socket's local address is the server's.
                    let serverURL = Self.url(usesTLS: tls != nil, port: channel.localAddress?.port ?? 0)
                    var configuration = GatewayServerConfiguration(resumeURL: serverURL + "/resume")
                    configuration.heartbeatInterval = scenario.heartbeatInterval
                    configuration.reportsFrames = true
                    scenario.configure(&configuration)
                    try channel.pipeline.syncOperations.addHandler(
                        FakeGatewayConnection(
                            index: index, configuration: configuration, expectedCompression: compression,
                            scenario: scenario, start: start, logs: logs, sessions: sessions))
                }
            }
        let channel = try bootstrap.bind(host: "127.0.0.1", port: 0).wait()
        self.group = group
        self.channel = channel
        self.logs = logs
        self.port = channel.localAddress?.port ?? 0
        self.url = Self.url(usesTLS: tls != nil, port: port)
    }

    /// The URL clients connect to: what `--url` gets; READY's resume URL is it with `/resume`.
    static func url(usesTLS: Bool, port: Int) -> String {
        "\(usesTLS ? "wss" : "ws")://127.0.0.1:\(port)"
    }

    /// What every connection did so far.
    var connections: [ConnectionLog] { logs.withLockedValue { $0 } }

    /// Stops the server, and records an issue for everything unexpected a connection logged
    /// (called by the test, so the issue is the test's).
    func shutdown(sourceLocation: SourceLocation = #_sourceLocation) {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
        for log in connections {
            for problem in log.unexpected {
                Issue.record("connection \(log.index): \(problem)", sourceLocation: sourceLocation)
            }
        }
    }

    /// A server TLS context with the committed test certificate.
    static func tlsContext() throws -> NIOSSLContext {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("TLS")
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(directory.appendingPathComponent("server.pem").path)
                .map { .certificate($0) },
            privateKey: .privateKey(
                try NIOSSLPrivateKey(file: directory.appendingPathComponent("server.key").path, format: .pem)))
        return try NIOSSLContext(configuration: configuration)
    }

    static func certificatePath(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("TLS").appendingPathComponent(name).path
    }
}

/// One server-side connection of ``FakeGatewayServer``: a ``GatewayServerConnection`` fed the
/// socket's bytes, its end and its deadlines; scenarios talk to the client through it.
final class FakeGatewayConnection: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// An upgrade the scenario refuses: the library's WebSocket server reads the request.
    private struct Refusal {
        var server: WebSocketServer
        var status: Int
        var body: String
    }

    let index: Int
    private let expectedCompression: GatewayCompression?
    private let scenario: FakeGatewayServer.Scenario
    private let start: ContinuousClock.Instant
    private let logs: NIOLockedValueBox<[FakeGatewayServer.ConnectionLog]>
    /// The sessions of every connection, by id, for a RESUME on another connection.
    private let sessions: NIOLockedValueBox<[String: GatewayServerSession]>
    /// The gateway's side of the connection; nil when the scenario refuses the upgrade.
    private var connection: GatewayServerConnection?
    private var refusal: Refusal?
    private var context: ChannelHandlerContext?
    private var deadlineTask: Scheduled<Void>?
    private var closing = false
    /// Set while the server connection's events are handled: commands then leave the draining to it.
    private var draining = false
    /// The last payload received, for the heartbeat event that follows it.
    private var lastReceived: GatewayPayload?
    /// This connection's session as last put in ``sessions`` (an older copy must not overwrite a newer one).
    private var storedSession: GatewayServerSession?
    /// Set by ``writeCut(_:)``: nothing more may follow a frame cut short.
    private var isCut = false

    init(
        index: Int, configuration: GatewayServerConfiguration, expectedCompression: GatewayCompression?,
        scenario: FakeGatewayServer.Scenario, start: ContinuousClock.Instant,
        logs: NIOLockedValueBox<[FakeGatewayServer.ConnectionLog]>, sessions: NIOLockedValueBox<[String: GatewayServerSession]>
    ) {
        self.index = index
        self.expectedCompression = expectedCompression
        self.scenario = scenario
        self.start = start
        self.logs = logs
        self.sessions = sessions
        switch scenario.upgrade(index) {
        case .accept:
            var connection = GatewayServerConnection(configuration: configuration, random: SplitMix64(seed: UInt64(index)))
            // Scenarios decide when HELLO goes out (by default as soon as the upgrade is accepted).
            connection.holdsHello = true
            connection.acknowledgesHeartbeats = scenario.acksHeartbeats(index)
            self.connection = connection
        case .reject(let status, let body):
            refusal = Refusal(server: WebSocketServer(configuration: configuration.webSocket), status: status, body: body)
        }
    }

    /// Time since the server started.
    var now: Duration { ContinuousClock.now - start }

    func channelActive(context: ChannelHandlerContext) {
        self.context = context
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = Array(unwrapInboundIn(data).readableBytesView)
        log { $0.received += bytes }
        if var refusal {
            self.refusal = nil
            defer { self.refusal = refusal }
            refuse(bytes, &refusal)
        } else {
            perform { connection, now in connection.receive(bytes, now: now) }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        let now = self.now
        log { $0.closedAt = now }
        deadlineTask?.cancel()
        deadlineTask = nil
        closing = true
        if connection != nil {
            perform { connection, now in
                connection.receiveEndOfInput(now: now)
                return []
            }
        }
        self.context = nil
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    // MARK: Scripting

    /// Whether READY waits for ``sendReady()`` (set in `opened`, before IDENTIFY arrives).
    var holdsReady: Bool {
        get { connection?.holdsReady ?? false }
        set { connection?.holdsReady = newValue }
    }

    /// HELLO, with the scenario's heartbeat interval.
    func sendHello() { perform { try $0.sendHello(now: $1) } }

    /// READY, when ``holdsReady`` kept it back.
    func sendReady() { perform { try $0.sendReady(now: $1) } }

    /// A dispatch with the session's next sequence number.
    func dispatch(_ name: String, _ data: GatewayValue) { perform { try $0.dispatch(name, data, now: $1) } }

    /// RECONNECT (op 7).
    func requestReconnect() { perform { try $0.requestReconnect(now: $1) } }

    /// INVALID_SESSION (op 9).
    func invalidateSession(resumable: Bool) { perform { try $0.invalidateSession(resumable: resumable, now: $1) } }

    /// HEARTBEAT (op 1) from the server.
    func requestHeartbeat() { perform { try $0.requestHeartbeat(now: $1) } }

    /// Ends TCP without a close frame.
    func drop() {
        closeSocket()
    }

    /// Runs `body` after `milliseconds` on the server's loop.
    func after(_ milliseconds: Int64, _ body: @escaping () -> Void) {
        context?.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(milliseconds)) { body() }
    }

    // MARK: Escape hatches: bytes the server connection never writes

    /// Escape hatch: a WebSocket ping. The gateway pings with HEARTBEAT requests (op 1), so
    /// `GatewayServerConnection` has no ping, but any WebSocket server may send one and the client
    /// must answer with a masked pong. Nothing in the server connection's state depends on it;
    /// the pong arrives as a frame in the log.
    func sendPing(_ payload: [UInt8]) {
        write(WebSocketFrameEncoder.encode(opcode: .ping, payload: payload))
    }

    /// Escape hatch: `bytes` (the start of a frame) and nothing more on this connection, so the
    /// client sees the frame cut short as when TCP drops mid-frame, never completed by what the
    /// server connection writes later (ACKs). A server writes whole frames.
    func writeCut(_ bytes: [UInt8]) {
        write(bytes)
        isCut = true
    }

    /// An unmasked text frame holding `json`, for ``writeCut(_:)`` (it never completes, so the
    /// connection's compression does not matter).
    static func textFrame(_ json: String) -> [UInt8] {
        WebSocketFrameEncoder.encode(opcode: .text, payload: Array(json.utf8))
    }

    // MARK: Internals

    /// Runs a command on the server connection at the current time, writes what it returns and,
    /// unless called while events are handled, handles the events it caused.
    private func perform(
        _ command: (inout GatewayServerConnection, Duration) throws -> [UInt8]
    ) {
        guard var connection else {
            log { $0.unexpected.append("a command on a connection whose upgrade the scenario refuses") }
            return
        }
        // Taken out while the command runs, so its buffers stay uniquely owned.
        self.connection = nil
        let now = self.now
        do {
            let output = try command(&connection, now)
            self.connection = connection
            write(output)
        } catch {
            self.connection = connection
            log { $0.unexpected.append("\(error)") }
        }
        if !draining { drain(now: now) }
    }

    /// Handles the server connection's events, then closes the socket once the connection is
    /// over, or schedules its next deadline.
    private func drain(now: Duration) {
        draining = true
        defer { draining = false }
        while let event = connection?.nextEvent() { handle(event, now: now) }
        guard let connection else { return }
        storeSession(connection.session)
        if connection.state == .closed {
            closeSocket()
        } else {
            scheduleDeadline(connection.nextDeadline)
        }
    }

    private func handle(_ event: GatewayServerEvent, now: Duration) {
        switch event {
        case .connected(let query):
            let request = connection?.request
            log {
                $0.query = query
                $0.request = request
            }
            if let expectedCompression, query.compression != expectedCompression {
                log { $0.unexpected.append("the URL asks for compress=\(query.compression.rawValue), not \(expectedCompression.rawValue)") }
            }
            scenario.opened(self)
        case .frame(let header):
            log { $0.frameHeaders.append((header, now)) }
        case .received(let payload):
            lastReceived = payload
            log { $0.payloads.append((now, payload)) }
        case .heartbeat(_, _, let acknowledged):
            let data = lastReceived?.data ?? .null
            log { $0.heartbeats.append((now, data, acknowledged)) }
        case .identified(_, let sessionID):
            log { $0.sessionID = sessionID }
            scenario.identified(self)
        case .resumeRequested(let sessionID, _):
            // As Discord: the session if it is still known, INVALID_SESSION (not resumable) if not.
            if let kept = sessions.withLockedValue({ $0[sessionID] }) {
                perform { try $0.resume(kept, now: $1) }
            } else {
                perform { try $0.invalidateSession(resumable: false, now: $1) }
            }
        case .resumed:
            scenario.resumed(self)
        case .violation(let violation):
            log { $0.violations.append(violation) }
        case .disconnected(let disconnect):
            log { $0.disconnect = disconnect }
        case .refused, .sent:
            break
        }
    }

    /// The scenario's refusal: once the request is read, the response it asks for, then the end
    /// of the socket (a request that is no valid upgrade gets the library's own 400 or 426).
    private func refuse(_ bytes: [UInt8], _ refusal: inout Refusal) {
        write(refusal.server.receive(bytes))
        while let event = refusal.server.nextEvent() {
            switch event {
            case .upgradeRequested(let request):
                log { $0.request = request }
                do {
                    write(
                        try refusal.server.reject(
                            status: refusal.status, headers: [(name: "Content-Type", value: "application/json")],
                            body: Array(refusal.body.utf8)))
                } catch {
                    log { $0.unexpected.append("cannot refuse the upgrade: \(error)") }
                }
                closeSocket()
            case .refused, .closed:
                closeSocket()
            case .frame, .message, .ping, .pong:
                break
            }
        }
    }

    /// Keeps the connection's session for a RESUME elsewhere, or forgets one the connection ended.
    private func storeSession(_ session: GatewayServerSession?) {
        guard session != storedSession else { return }
        sessions.withLockedValue { sessions in
            if let session {
                sessions[session.id] = session
            } else if let ended = storedSession {
                sessions[ended.id] = nil
            }
        }
        storedSession = session
    }

    private func scheduleDeadline(_ deadline: Duration?) {
        deadlineTask?.cancel()
        deadlineTask = nil
        guard let deadline, let context, !closing else { return }
        deadlineTask = context.eventLoop.assumeIsolated().scheduleTask(in: Self.timeAmount(deadline - now)) { [self] in
            deadlineTask = nil
            perform { connection, now in connection.handleDeadline(now: now) }
        }
    }

    private func write(_ bytes: [UInt8]) {
        guard !bytes.isEmpty, let context, !isCut else { return }
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
    }

    /// Closes the socket (after what was written), as a server does once the close handshake is through.
    private func closeSocket() {
        guard !closing else { return }
        closing = true
        deadlineTask?.cancel()
        deadlineTask = nil
        context?.close(promise: nil)
    }

    private func log(_ change: (inout FakeGatewayServer.ConnectionLog) -> Void) {
        let index = self.index
        logs.withLockedValue { logs in
            if logs.indices.contains(index - 1) { change(&logs[index - 1]) }
        }
    }

    /// A duration as NIO's `TimeAmount` (none below zero).
    private static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(max(0, seconds * 1_000_000_000 + attoseconds / 1_000_000_000))
    }
}
