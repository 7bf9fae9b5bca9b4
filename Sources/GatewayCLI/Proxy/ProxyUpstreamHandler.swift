import DiscordGatewayClient
import NIOCore

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
        server.upstreamError(id, error, host: host, port: port, peer: GatewayTLS.peerCertificate(in: context))
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
