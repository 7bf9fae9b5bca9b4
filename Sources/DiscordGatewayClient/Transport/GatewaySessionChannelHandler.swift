import NIOCore
import NIOSSL
import NIOTLS

/// One TCP connection of a session: hands the runner what happens on the channel and writes
/// what it is given. Decides nothing.
///
/// Reading stops while the socket cannot take more writes (a server that floods pings and reads
/// nothing: what waits to be written stays bounded) and while the consumer of events is behind.
final class GatewaySessionChannelHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let runner: GatewaySessionRunner
    private let upgradeRequest: [UInt8]
    private let usesTLS: Bool
    private var context: ChannelHandlerContext?
    private var ended = false

    init(runner: GatewaySessionRunner, upgradeRequest: [UInt8], usesTLS: Bool) {
        self.runner = runner
        self.upgradeRequest = upgradeRequest
        self.usesTLS = usesTLS
    }

    func channelActive(context: ChannelHandlerContext) {
        self.context = context
        runner.channelActive(self, context: context, usesTLS: usesTLS, request: upgradeRequest)
        context.fireChannelActive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tls = event as? TLSUserEvent, case .handshakeCompleted(let protocolName) = tls {
            runner.tlsHandshakeCompleted(self, context: context, alpn: protocolName)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        updateReading()
        context.fireChannelWritabilityChanged()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !ended else { return }
        let buffer = unwrapInboundIn(data)
        buffer.withUnsafeReadableBytes { bytes in runner.received(self, bytes) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        endOfInput()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Discord ends TLS without close_notify: that is an ordinary end of input, not a failure.
        if let sslError = error as? NIOSSLError, case .uncleanShutdown = sslError {
        } else if !ended {
            runner.failed(self, error: error, context: context)
        }
        endOfInput()
        context.close(promise: nil)
    }

    /// Writes bytes now.
    func write(_ bytes: [UInt8]) {
        guard !bytes.isEmpty, !ended, let context else { return }
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
    }

    /// Closes the channel; its end arrives as `channelInactive`.
    func closeChannel() {
        context?.close(promise: nil)
    }

    /// Reads while the socket takes writes and the consumer wants events.
    func updateReading() {
        guard let context else { return }
        let reads = context.channel.isWritable && runner.readsWanted
        context.channel.setOption(ChannelOptions.autoRead, value: reads).whenFailure { _ in }
        if reads { context.read() }
    }

    private func endOfInput() {
        guard !ended else { return }
        ended = true
        runner.ended(self)
    }
}
