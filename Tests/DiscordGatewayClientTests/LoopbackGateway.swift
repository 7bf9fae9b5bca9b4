import DiscordGateway
import Foundation
import GatewayServer
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import SeededRandom

// A gateway on 127.0.0.1 for the client's tests: the library's sans-I/O GatewayServerConnection on
// real sockets (a ServerBootstrap on port 0, one server connection per accepted channel, all on one
// event loop). A script answers the server's events with commands (dispatch, RECONNECT,
// INVALID_SESSION, close, drop); RESUME is answered from the sessions the gateway kept. What the
// clients did is recorded with the time it arrived, for the tests to wait on and check.

/// What a test's script asks the gateway to do on one connection.
enum ServerCommand: Sendable {
    /// One dispatch.
    case dispatch(String, GatewayValue)
    /// `count` MESSAGE_CREATE dispatches, each with a content of `contentSize` bytes (`message N` padded).
    case messages(count: Int, contentSize: Int)
    /// RECONNECT (op 7).
    case reconnect
    /// INVALID_SESSION (op 9).
    case invalidSession(resumable: Bool)
    /// A close frame with this code.
    case close(GatewayCloseCode)
    /// The socket closed with no close frame.
    case drop
}

/// What the gateway saw, in arrival order.
struct GatewayRecord: Sendable {
    struct Identify: Sendable {
        var connection: Int
        var shard: GatewayShard?
        var token: String?
        var at: ContinuousClock.Instant
    }

    /// Connections accepted so far (upgraded ones).
    var connections = 0
    /// Each connection's upgrade target, by number.
    var targets: [Int: String] = [:]
    /// When each connection was upgraded (HELLO went out with the `101`), by number.
    var upgradedAt: [Int: ContinuousClock.Instant] = [:]
    var identifies: [Identify] = []
    /// RESUME requests: connection, session, sequence.
    var resumes: [(connection: Int, sessionID: String, sequence: Int64)] = []
    /// Connections whose RESUME was honoured.
    var resumed: [Int] = []
    /// How each connection ended.
    var disconnects: [(connection: Int, disconnect: GatewayServerDisconnect)] = []
    /// Every payload received, by connection: opcodes and arrival (IDENTIFY's token is in ``identifies``).
    var received: [(connection: Int, opcode: GatewayOpcode, at: ContinuousClock.Instant)] = []
    /// Rule breaks the server saw.
    var violations: [GatewayServerViolation] = []

    /// The close code the client sent on `connection`, if it closed first.
    func clientCloseCode(connection: Int) -> UInt16? {
        disconnects.first { $0.connection == connection && $0.disconnect.initiator == .client }?.disconnect.code
    }

    /// The opcodes the client sent on `connection`.
    func opcodes(connection: Int) -> [GatewayOpcode] {
        received.filter { $0.connection == connection }.map(\.opcode)
    }
}

/// The loopback gateway; its server side runs on one event loop.
final class LoopbackGateway: Sendable {
    typealias Script = @Sendable (_ connection: Int, _ event: GatewayServerEvent) -> [ServerCommand]

    /// `ws://127.0.0.1:PORT` (`wss://` with TLS).
    let url: String
    private let channel: any Channel
    private let records: NIOLockedValueBox<GatewayRecord>

    private init(url: String, channel: any Channel, records: NIOLockedValueBox<GatewayRecord>) {
        self.url = url
        self.channel = channel
        self.records = records
    }

    /// Starts a gateway with HELLO's `heartbeatInterval`; `script` answers every server event.
    static func start(
        heartbeatInterval: Duration = .seconds(20), tls: NIOSSLContext? = nil,
        script: @escaping Script = { _, _ in [] },
        configure: @Sendable (inout GatewayServerConfiguration) -> Void = { _ in }
    ) async throws -> LoopbackGateway {
        let eventLoop = MultiThreadedEventLoopGroup.singleton.next()
        let records = NIOLockedValueBox(GatewayRecord())
        var configuration = GatewayServerConfiguration(resumeURL: "")
        configuration.heartbeatInterval = heartbeatInterval
        configure(&configuration)
        let base = configuration
        let channel = try await eventLoop.submit {
            NIOLoopBound(LoopbackServer(configuration: base, records: records, script: script), eventLoop: eventLoop)
        }.flatMap { server in
            ServerBootstrap(group: eventLoop)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                        try channel.pipeline.syncOperations.addHandler(LoopbackChannelHandler(server: server.value))
                    }
                }
                .bind(host: "127.0.0.1", port: 0)
                .map { channel in
                    let url = "\(tls == nil ? "ws" : "wss")://127.0.0.1:\(channel.localAddress?.port ?? 0)"
                    // READY's resume_gateway_url: a path of its own, so a test sees where RESUME went.
                    server.value.configuration.resumeURL = url + "/resume"
                    return channel
                }
        }.get()
        let url = "\(tls == nil ? "ws" : "wss")://127.0.0.1:\(channel.localAddress?.port ?? 0)"
        return LoopbackGateway(url: url, channel: channel, records: records)
    }

    /// What was seen so far.
    var record: GatewayRecord { records.withLockedValue { $0 } }

    /// Waits until `condition` holds for the record (polling every 10 ms), or throws after `timeout`.
    @discardableResult
    func waitUntil(
        _ what: String, timeout: Duration = .seconds(10), _ condition: @Sendable (GatewayRecord) -> Bool
    ) async throws -> GatewayRecord {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let record = self.record
            if condition(record) { return record }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw LoopbackTimeout(what: what)
    }

    /// The close code the client sent on `connection` (nil when it did not close first), once the
    /// gateway saw that connection end: the client can finish before the gateway notices.
    func clientCloseCode(connection: Int) async throws -> UInt16? {
        try await waitUntil("connection \(connection)'s end") { record in
            record.disconnects.contains { $0.connection == connection }
        }.clientCloseCode(connection: connection)
    }

    /// Stops listening (connections still open are left to their clients).
    func stop() async {
        try? await channel.close()
    }
}

struct LoopbackTimeout: Error, CustomStringConvertible {
    var what: String
    var description: String { "timed out waiting for \(what)" }
}

/// The gateway's connections and sessions. Confined to the gateway's event loop.
final class LoopbackServer {
    var configuration: GatewayServerConfiguration
    private let records: NIOLockedValueBox<GatewayRecord>
    private let script: LoopbackGateway.Script
    private var random = SplitMix64(seed: 17)
    private var connections: [Int: (server: GatewayServerConnection, handler: LoopbackChannelHandler)] = [:]
    private var timers: [Int: Scheduled<Void>] = [:]
    private var sessions: [String: GatewayServerSession] = [:]
    private var nextNumber = 0
    private let start = NIODeadline.now()

    init(configuration: GatewayServerConfiguration, records: NIOLockedValueBox<GatewayRecord>, script: @escaping LoopbackGateway.Script) {
        self.configuration = configuration
        self.records = records
        self.script = script
    }

    private func now() -> Duration { .nanoseconds((NIODeadline.now() - start).nanoseconds) }

    func opened(_ handler: LoopbackChannelHandler) -> Int {
        nextNumber += 1
        connections[nextNumber] = (GatewayServerConnection(configuration: configuration, random: SplitMix64(seed: random.next())), handler)
        return nextNumber
    }

    func read(_ number: Int, _ bytes: UnsafeRawBufferPointer) {
        guard var entry = connections[number] else { return }
        let output = entry.server.receive(bytes, now: now())
        connections[number] = entry
        entry.handler.write(output)
        drain(number)
    }

    func ended(_ number: Int) {
        guard var entry = connections[number] else { return }
        entry.server.receiveEndOfInput(now: now())
        connections[number] = entry
        drain(number)
        keepSession(entry.server)
        connections[number] = nil
        timers.removeValue(forKey: number)?.cancel()
    }

    private func keepSession(_ server: GatewayServerConnection) {
        if let session = server.session { sessions[session.id] = session }
    }

    /// Records the connection's events and runs the script on each.
    private func drain(_ number: Int) {
        while let event = connections[number]?.server.nextEvent() {
            record(number, event)
            if case .resumeRequested(let sessionID, _) = event { answerResume(number, sessionID: sessionID) }
            for command in script(number, event) { perform(command, on: number) }
        }
        schedule(number)
    }

    private func record(_ number: Int, _ event: GatewayServerEvent) {
        let target = connections[number]?.server.request?.target
        let at = ContinuousClock.now
        records.withLockedValue { records in
            switch event {
            case .connected:
                records.connections += 1
                records.targets[number] = target
                records.upgradedAt[number] = at
            case .received(let payload):
                records.received.append((number, payload.opcode, at))
                if payload.opcode == .identify {
                    let shard = payload.data["shard"].flatMap { value -> GatewayShard? in
                        guard let id = value[0]?.intValue, let count = value[1]?.intValue else { return nil }
                        return GatewayShard(id: id, count: count)
                    }
                    records.identifies.append(
                        .init(connection: number, shard: shard, token: payload.data["token"]?.stringValue, at: at))
                }
            case .resumeRequested(let sessionID, let sequence):
                records.resumes.append((number, sessionID, sequence))
            case .resumed:
                records.resumed.append(number)
            case .violation(let violation):
                records.violations.append(violation)
            case .disconnected(let disconnect):
                records.disconnects.append((number, disconnect))
            case .refused, .frame, .sent, .heartbeat, .identified:
                break
            }
        }
    }

    private func answerResume(_ number: Int, sessionID: String) {
        guard var entry = connections[number] else { return }
        let bytes: [UInt8]
        if let session = sessions[sessionID] {
            bytes = (try? entry.server.resume(session, now: now())) ?? []
        } else {
            bytes = (try? entry.server.invalidateSession(resumable: false, now: now())) ?? []
        }
        connections[number] = entry
        entry.handler.write(bytes)
    }

    private func perform(_ command: ServerCommand, on number: Int) {
        guard var entry = connections[number] else { return }
        let now = now()
        var output: [UInt8] = []
        switch command {
        case .dispatch(let name, let data):
            output = (try? entry.server.dispatch(name, data, now: now)) ?? []
        case .messages(let count, let size):
            for index in 1...max(1, count) {
                var content = "message \(index) "
                content += String(repeating: "x", count: max(0, size - content.utf8.count))
                let data: GatewayValue = ["id": .string("\(1_000_000 + index)"), "channel_id": "1", "content": .string(content), "type": 0]
                output += (try? entry.server.dispatch("MESSAGE_CREATE", data, now: now)) ?? []
                // Written in pieces: no 10 MB array.
                if output.count > 64 << 10 {
                    entry.handler.write(output)
                    output = []
                }
            }
        case .reconnect:
            output = (try? entry.server.requestReconnect(now: now)) ?? []
        case .invalidSession(let resumable):
            output = (try? entry.server.invalidateSession(resumable: resumable, now: now)) ?? []
        case .close(let code):
            output = (try? entry.server.close(code: code, now: now)) ?? []
        case .drop:
            keepSession(entry.server)
            entry.handler.close()
        }
        connections[number] = entry
        entry.handler.write(output)
    }

    private func schedule(_ number: Int) {
        timers.removeValue(forKey: number)?.cancel()
        guard let deadline = connections[number]?.server.nextDeadline else { return }
        let at = start + .nanoseconds(Int64(deadline.components.seconds) * 1_000_000_000 + deadline.components.attoseconds / 1_000_000_000)
        let loop = connections[number]?.handler.eventLoop
        timers[number] = loop?.assumeIsolated().scheduleTask(deadline: at) { [self] in
            guard var entry = connections[number] else { return }
            let output = entry.server.handleDeadline(now: now())
            connections[number] = entry
            entry.handler.write(output)
            if entry.server.state == .closed { entry.handler.close() }
            drain(number)
        }
    }
}

/// One accepted socket of the loopback gateway.
final class LoopbackChannelHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let server: LoopbackServer
    private var context: ChannelHandlerContext?
    private var number: Int?
    var eventLoop: (any EventLoop)? { context?.eventLoop }

    init(server: LoopbackServer) { self.server = server }

    func channelActive(context: ChannelHandlerContext) {
        self.context = context
        number = server.opened(self)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let number else { return }
        unwrapInboundIn(data).withUnsafeReadableBytes { server.read(number, $0) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let number { server.ended(number) }
        number = nil
        self.context = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func write(_ bytes: [UInt8]) {
        guard !bytes.isEmpty, let context else { return }
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
    }

    func close() {
        context?.close(promise: nil)
    }
}
