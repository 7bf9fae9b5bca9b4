import NIOCore

/// One TCP connection to `serve`: reads the request head, then either answers a REST call and
/// closes, or hands every byte to the server's scenario runner as a gateway connection.
final class ServeChannelHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// A request head larger than this goes to the gateway side, whose WebSocket layer refuses it.
    static let maxHeadSize = 16 << 10

    private enum Mode {
        /// Collecting the request head.
        case readingHead([UInt8])
        /// A gateway connection with this number.
        case gateway(Int)
        /// A REST answer went out; the channel is closing.
        case done
    }

    private let server: ServeServer
    private var mode: Mode = .readingHead([])
    private var context: ChannelHandlerContext?

    init(server: ServeServer) {
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
            buffer.withUnsafeReadableBytes { server.read(id, $0) }
        case .done:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if case .gateway(let id) = mode { server.ended(id) }
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
            if head.count > Self.maxHeadSize { return startGateway(head, headLength: nil) }
            mode = .readingHead(head)
            return
        }
        let text = HTTPMessageText(Array(head[..<length]))
        let upgrade = text?.value(of: "Upgrade")?.lowercased().contains("websocket") ?? false
        guard let text, !upgrade else { return startGateway(head, headLength: length) }
        let parts = text.startLine.split(separator: " ")
        let method = parts.first.map(String.init) ?? ""
        let target = parts.count > 1 ? String(parts[1]) : "/"
        write(ServeREST.response(method: method, target: target, gatewayURL: server.url, shards: server.runner.botLimit))
        server.restRequest(method: method, target: target)
        close()
    }

    /// Hands the connection to the server; `headLength` says where the request head ends (for
    /// the recording, which keeps the head but never the bot's frames).
    private func startGateway(_ bytes: [UInt8], headLength: Int?) {
        let head = headLength.map { Array(bytes[..<$0]) } ?? []
        let id = server.opened(self, requestHead: head)
        mode = .gateway(id)
        bytes.withUnsafeBytes { server.read(id, $0) }
    }
}
