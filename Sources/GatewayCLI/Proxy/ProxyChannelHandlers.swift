import NIOCore

/// One TCP connection from a bot to `proxy`: reads the request head, then either answers a REST
/// call and closes, or hands every byte to the proxy as a bot's gateway connection.
final class ProxyBotHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Mode {
        /// Collecting the request head.
        case readingHead([UInt8])
        /// A bot connection with this number.
        case gateway(Int)
        /// A REST answer went out, or the connection is over.
        case done
    }

    private let server: ProxyServer
    private var mode: Mode = .readingHead([])
    private var context: ChannelHandlerContext?

    init(server: ProxyServer) {
        self.server = server
    }

    func channelActive(context: ChannelHandlerContext) {
        self.context = context
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        switch mode {
        case .readingHead(var head):
            mode = .done
            head += buffer.readableBytesView
            routeOrKeep(head)
        case .gateway(let id):
            buffer.withUnsafeReadableBytes { server.fromBot(id, $0) }
        case .done:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if case .gateway(let id) = mode { server.botEnded(id) }
        mode = .done
        self.context = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    /// Writes bytes to the bot.
    func write(_ bytes: [UInt8]) {
        guard !bytes.isEmpty, let context else { return }
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
    }

    /// Closes the socket (after what was written).
    func close() {
        context?.close(promise: nil)
    }

    private func routeOrKeep(_ head: [UInt8]) {
        guard let length = HTTPMessageText.headLength(of: head) else {
            if head.count > ServeChannelHandler.maxHeadSize { return startGateway(head) }
            mode = .readingHead(head)
            return
        }
        let text = HTTPMessageText(Array(head[..<length]))
        let upgrade = text?.value(of: "Upgrade")?.lowercased().contains("websocket") ?? false
        guard let text, !upgrade else { return startGateway(head) }
        let parts = text.startLine.split(separator: " ")
        let method = parts.first.map(String.init) ?? ""
        let target = parts.count > 1 ? String(parts[1]) : "/"
        write(ServeREST.response(method: method, target: target, gatewayURL: server.url, answering: .gatewayOnly))
        server.restRequest(method: method, target: target)
        close()
    }

    private func startGateway(_ bytes: [UInt8]) {
        let id = server.opened(self)
        mode = .gateway(id)
        bytes.withUnsafeBytes { server.fromBot(id, $0) }
    }
}

/// The proxy's connection to the upstream gateway for one bot connection.
final class ProxyUpstreamHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let server: ProxyServer
    private let id: Int
    private var context: ChannelHandlerContext?
    private var ended = false
    /// What was written, or a close asked for, before the channel became active (the connect
    /// future completes before `channelActive`).
    private var early: [UInt8] = []
    private var closesWhenActive = false

    private let host: String
    private let port: Int

    init(server: ProxyServer, connection id: Int, host: String, port: Int) {
        self.server = server
        self.id = id
        self.host = host
        self.port = port
    }

    func channelActive(context: ChannelHandlerContext) {
        self.context = context
        context.fireChannelActive()
        if !early.isEmpty {
            write(early)
            early = []
        }
        if closesWhenActive { close() }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        buffer.withUnsafeReadableBytes { server.fromUpstream(id, $0) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.context = nil
        if !ended {
            ended = true
            server.upstreamEnded(id)
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        server.upstreamError(id, error, host: host, port: port)
        context.close(promise: nil)
    }

    /// Writes bytes upstream.
    func write(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        guard let context else { return early += bytes }
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
    }

    /// Closes the socket (after what was written).
    func close() {
        guard let context else { return closesWhenActive = true }
        context.close(promise: nil)
    }
}
