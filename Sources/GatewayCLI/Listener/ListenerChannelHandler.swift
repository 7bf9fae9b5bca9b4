import NIOCore

/// What a listener (`serve`, `proxy`) does with the connections its handlers accept. Called on
/// the listener's one event loop.
protocol GatewayListener: AnyObject {
    /// The gateway URL bots connect to, for REST answers.
    var url: String { get }
    /// A gateway connection began with this request head (empty when the head was too large to
    /// read as one); returns its number.
    func opened(_ handler: ListenerChannelHandler, requestHead: [UInt8]) -> Int
    /// Bytes a gateway connection read.
    func read(_ id: Int, _ bytes: UnsafeRawBufferPointer)
    /// A gateway connection's socket ended.
    func ended(_ id: Int)
    /// The answer to a REST call (status line, headers, body); the connection closes after it.
    func restResponse(method: String, target: String) -> [UInt8]
}

/// One TCP connection to a listener: reads the request head, then either answers a REST call
/// and closes, or hands every byte to the listener as a gateway connection.
final class ListenerChannelHandler: ChannelInboundHandler {
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

    private let listener: any GatewayListener
    private var mode: Mode = .readingHead([])
    private var context: ChannelHandlerContext?

    init(listener: any GatewayListener) {
        self.listener = listener
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
            buffer.withUnsafeReadableBytes { listener.read(id, $0) }
        case .done:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if case .gateway(let id) = mode { listener.ended(id) }
        mode = .done
        self.context = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    /// Writes bytes to the peer.
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
        write(listener.restResponse(method: method, target: target))
        close()
    }

    /// Hands the connection to the listener; `headLength` says where the request head ends (for
    /// a recording, which keeps the head but never the bot's frames).
    private func startGateway(_ bytes: [UInt8], headLength: Int?) {
        let head = headLength.map { Array(bytes[..<$0]) } ?? []
        let id = listener.opened(self, requestHead: head)
        mode = .gateway(id)
        bytes.withUnsafeBytes { listener.read(id, $0) }
    }
}
