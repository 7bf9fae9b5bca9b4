import DiscordGateway
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
@testable import WebSocketProtocol

/// A scripted Discord gateway on 127.0.0.1 (ws:// or wss://), for running the built `gatewayctl`
/// against a real socket.
///
/// Written apart from the client: its own HTTP request reader, its own parser of masked client
/// frames and its own frame writer. Only the RFC's accept computation comes from the library.
/// Every connection's request and frames are logged with their arrival time.
final class FakeGatewayServer: Sendable {
    /// What one connection did, from the server's side.
    struct ConnectionLog: Sendable {
        var index: Int
        var requestHead = ""
        var frames: [ClientFrame] = []
        var closedAt: Duration?

        /// The request target of the upgrade request (`/?v=10&...`).
        var target: String {
            String(requestHead.split(separator: "\r\n").first?.split(separator: " ").dropFirst().first ?? "")
        }

        /// The gateway payloads the client sent, decoded.
        var payloads: [(time: Duration, value: GatewayValue)] {
            frames.filter { $0.opcode == 1 || $0.opcode == 2 }.compactMap { frame in
                (try? GatewayJSON.decode(frame.payload)).map { (frame.time, $0) }
            }
        }

        /// The times of the HEARTBEATs (op 1) the client sent.
        var heartbeats: [(time: Duration, value: GatewayValue)] {
            payloads.filter { $0.value["op"] == 1 }
        }

        /// The code of the client's close frame, if it sent one.
        var closeCode: UInt16? {
            guard let close = frames.first(where: { $0.opcode == 8 }), close.payload.count >= 2 else { return nil }
            return UInt16(close.payload[0]) << 8 | UInt16(close.payload[1])
        }
    }

    /// One frame from the client.
    struct ClientFrame: Sendable {
        var opcode: UInt8
        var masked: Bool
        var payload: [UInt8]
        var time: Duration
    }

    /// How to answer the upgrade request.
    enum UpgradeReply: Sendable {
        case accept
        case reject(status: String, body: String)
    }

    /// The behaviour of the gateway: called on the server's event loop.
    struct Scenario: Sendable {
        var upgrade: @Sendable (_ connection: Int) -> UpgradeReply = { _ in .accept }
        /// After the 101: by default HELLO with a 250 ms interval.
        var opened: @Sendable (FakeGatewayConnection) -> Void = { $0.sendHello() }
        /// A payload the client sent (heartbeats are ACKed before this unless `acksHeartbeats` is off).
        var payload: @Sendable (FakeGatewayConnection, GatewayValue) -> Void = { _, _ in }
        var acksHeartbeats: @Sendable (_ connection: Int) -> Bool = { _ in true }
    }

    let port: Int
    let url: String
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    private let logs: NIOLockedValueBox<[ConnectionLog]>
    let start = ContinuousClock.now

    /// Starts listening on an ephemeral port of 127.0.0.1.
    init(tls: NIOSSLContext? = nil, compression: GatewayCompression = .none, scenario: Scenario) throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let logs = NIOLockedValueBox<[ConnectionLog]>([])
        let start = self.start
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                do {
                    if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    let index = logs.withLockedValue { logs -> Int in
                        logs.append(ConnectionLog(index: logs.count + 1))
                        return logs.count
                    }
                    // An accepted socket's local address is the server's.
                    let serverURL = Self.url(usesTLS: tls != nil, port: channel.localAddress?.port ?? 0)
                    try channel.pipeline.syncOperations.addHandler(
                        FakeGatewayConnection(
                            index: index, serverURL: serverURL, scenario: scenario, compression: compression,
                            start: start, logs: logs))
                    return channel.eventLoop.makeSucceededVoidFuture()
                } catch {
                    return channel.eventLoop.makeFailedFuture(error)
                }
            }
        let channel = try bootstrap.bind(host: "127.0.0.1", port: 0).wait()
        self.group = group
        self.channel = channel
        self.logs = logs
        self.port = channel.localAddress?.port ?? 0
        self.url = Self.url(usesTLS: tls != nil, port: port)
    }

    /// The URL clients connect to: what `--url` gets, and what READY's resume URL is built from.
    static func url(usesTLS: Bool, port: Int) -> String {
        "\(usesTLS ? "wss" : "ws")://127.0.0.1:\(port)"
    }

    /// What every connection did so far.
    var connections: [ConnectionLog] { logs.withLockedValue { $0 } }

    func shutdown() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
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

/// One server-side connection of ``FakeGatewayServer``; scenarios talk to the client through it.
final class FakeGatewayConnection: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let index: Int
    /// The URL of the server this connection belongs to (scenarios put it in READY).
    let serverURL: String
    private let scenario: FakeGatewayServer.Scenario
    private let start: ContinuousClock.Instant
    private let logs: NIOLockedValueBox<[FakeGatewayServer.ConnectionLog]>
    private let zlib: ZlibStreamCompressor?
    private var context: ChannelHandlerContext?
    private var inbound: [UInt8] = []
    private var upgraded = false
    private var closeSent = false
    /// Set by ``writeCut(_:)``: nothing more may follow a frame cut short.
    private var isCut = false
    /// The last sequence number sent.
    var sequence: Int64 = 0

    init(
        index: Int, serverURL: String, scenario: FakeGatewayServer.Scenario, compression: GatewayCompression,
        start: ContinuousClock.Instant, logs: NIOLockedValueBox<[FakeGatewayServer.ConnectionLog]>
    ) throws {
        self.index = index
        self.serverURL = serverURL
        self.scenario = scenario
        self.start = start
        self.logs = logs
        self.zlib = compression == .zlibStream ? try ZlibStreamCompressor() : nil
    }

    func channelActive(context: ChannelHandlerContext) {
        self.context = context
    }

    func channelInactive(context: ChannelHandlerContext) {
        let now = ContinuousClock.now - start
        log { $0.closedAt = now }
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        inbound += buffer.readableBytesView
        if !upgraded {
            guard let end = inbound.firstRange(of: Array("\r\n\r\n".utf8)) else { return }
            let head = String(decoding: inbound[..<end.upperBound], as: UTF8.self)
            inbound.removeSubrange(..<end.upperBound)
            log { $0.requestHead = head }
            switch scenario.upgrade(index) {
            case .accept:
                upgraded = true
                let key = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("sec-websocket-key:") }
                    .map { $0.dropFirst("sec-websocket-key:".count).trimmingCharacters(in: .whitespaces) } ?? ""
                let accept = Data(SHA1.hash(Array((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").utf8)))
                    .base64EncodedString()
                writeRaw(
                    Array(
                        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: \(accept)\r\n\r\n"
                            .utf8))
                scenario.opened(self)
            case .reject(let status, let body):
                writeRaw(
                    Array(
                        "HTTP/1.1 \(status)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
                            .utf8))
                drop()
                return
            }
        }
        while let frame = parseClientFrame() {
            log { $0.frames.append(frame) }
            handle(frame)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func handle(_ frame: FakeGatewayServer.ClientFrame) {
        switch frame.opcode {
        case 8:
            // Echo the client's close (or end after our own close's echo), then end TCP as a server does.
            if !closeSent { sendFrame(opcode: 8, payload: Array(frame.payload.prefix(2))) }
            drop()
        case 1, 2:
            guard let value = try? GatewayJSON.decode(frame.payload) else { return }
            if value["op"] == 1 && scenario.acksHeartbeats(index) { sendJSON(#"{"op":11,"d":null}"#) }
            scenario.payload(self, value)
        default:
            break
        }
    }

    // MARK: Scripting

    /// HELLO with `interval` milliseconds.
    func sendHello(interval: Int = 250) {
        sendJSON(#"{"op":10,"d":{"heartbeat_interval":\#(interval)},"s":null,"t":null}"#)
    }

    /// A dispatch with the next sequence number; `data` is JSON text.
    func dispatch(_ name: String, _ data: String) {
        sequence += 1
        sendJSON(#"{"op":0,"s":\#(sequence),"t":"\#(name)","d":\#(data)}"#)
    }

    /// The bytes of a text frame (or a zlib-stream binary frame) holding `json`.
    func frameBytes(json: String) -> [UInt8] {
        if let zlib { return Self.frame(opcode: 2, payload: zlib.compress(Array(json.utf8))) }
        return Self.frame(opcode: 1, payload: Array(json.utf8))
    }

    func sendJSON(_ json: String) {
        writeRaw(frameBytes(json: json))
    }

    func sendFrame(opcode: UInt8, payload: [UInt8]) {
        writeRaw(Self.frame(opcode: opcode, payload: payload))
    }

    /// Starts a close handshake with `code`.
    func close(code: UInt16, reason: String = "") {
        closeSent = true
        sendFrame(opcode: 8, payload: [UInt8(code >> 8), UInt8(code & 0xFF)] + Array(reason.utf8))
    }

    /// Ends TCP without a close frame.
    func drop() {
        context?.close(promise: nil)
    }

    /// Runs `body` after `milliseconds` on the server's loop.
    func after(_ milliseconds: Int64, _ body: @escaping () -> Void) {
        context?.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(milliseconds)) { body() }
    }

    /// Writes `bytes` (the start of a frame) and nothing more on this connection: the client must
    /// see the frame cut short, not completed by an ACK written later.
    func writeCut(_ bytes: [UInt8]) {
        writeRaw(bytes)
        isCut = true
    }

    func writeRaw(_ bytes: [UInt8]) {
        guard let context, !isCut else { return }
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
    }

    static func frame(opcode: UInt8, payload: [UInt8]) -> [UInt8] {
        var header: [UInt8] = [0x80 | opcode]
        if payload.count < 126 {
            header.append(UInt8(payload.count))
        } else if payload.count < 65536 {
            header += [126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        } else {
            header.append(127)
            for shift in stride(from: 56, through: 0, by: -8) { header.append(UInt8((payload.count >> shift) & 0xFF)) }
        }
        return header + payload
    }

    private func log(_ change: (inout FakeGatewayServer.ConnectionLog) -> Void) {
        let index = self.index
        logs.withLockedValue { logs in
            if logs.indices.contains(index - 1) { change(&logs[index - 1]) }
        }
    }

    private func parseClientFrame() -> FakeGatewayServer.ClientFrame? {
        guard inbound.count >= 2 else { return nil }
        let opcode = inbound[0] & 0x0F
        let masked = inbound[1] & 0x80 != 0
        var length = Int(inbound[1] & 0x7F)
        var offset = 2
        if length == 126 {
            guard inbound.count >= 4 else { return nil }
            length = Int(inbound[2]) << 8 | Int(inbound[3])
            offset = 4
        } else if length == 127 {
            guard inbound.count >= 10 else { return nil }
            length = inbound[2..<10].reduce(0) { $0 << 8 | Int($1) }
            offset = 10
        }
        let maskLength = masked ? 4 : 0
        guard inbound.count >= offset + maskLength + length else { return nil }
        let mask = masked ? Array(inbound[offset..<offset + 4]) : [0, 0, 0, 0]
        let body = inbound[(offset + maskLength)..<(offset + maskLength + length)]
        let payload = body.enumerated().map { $0.element ^ mask[$0.offset % 4] }
        inbound.removeSubrange(..<(offset + maskLength + length))
        return FakeGatewayServer.ClientFrame(
            opcode: opcode, masked: masked, payload: payload, time: ContinuousClock.now - start)
    }
}
