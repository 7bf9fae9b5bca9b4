import DiscordGateway
import NIOCore
import NIOSSL

/// The only I/O of a live session: one per TCP connection, on the session's event loop.
///
/// Every input (bytes read, the deadline, end of input, a stop request) goes through
/// ``process(_:)``: the connection turns it into bytes, which are written; the session drains the
/// events (and may add bytes, such as IDENTIFY); then exactly one scheduled task is kept for the
/// connection's next deadline. When the connection reaches `.closed` the channel is closed.
final class GatewayChannelHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let session: GatewaySession
    private let upgradeRequest: [UInt8]
    private var context: ChannelHandlerContext?
    private let timer = DeadlineTimer()
    private var ended = false

    init(session: GatewaySession, upgradeRequest: [UInt8]) {
        self.session = session
        self.upgradeRequest = upgradeRequest
    }

    func channelActive(context: ChannelHandlerContext) {
        self.context = context
        session.channelOpened(self)
        write(upgradeRequest)
        session.recordWritten(upgradeRequest, isUpgradeRequest: true)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        buffer.withUnsafeReadableBytes { bytes in
            session.recordRead(bytes)
            process { connection, now in connection.receive(bytes, now: now) }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        endOfInput()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Discord ends TLS without close_notify: that is an ordinary end of input, not a failure.
        if let sslError = error as? NIOSSLError, case .uncleanShutdown = sslError {
            endOfInput()
        } else {
            session.transportFailed(error)
            endOfInput()
        }
        context.close(promise: nil)
    }

    /// Runs one input through the connection, writes what it and the session return, and
    /// reschedules the one deadline task.
    func process(_ input: (inout GatewayConnection, Duration) -> [UInt8]) {
        guard !ended else { return }
        let now = session.now()
        let output = input(&session.connection, now)
        write(output)
        session.recordWritten(output, isUpgradeRequest: false)
        let more = session.drainEvents(now: now)
        write(more)
        session.recordWritten(more, isUpgradeRequest: false)
        if session.connection.state == .closed || session.wantsChannelClosed {
            closeChannel()
            return
        }
        schedule(session.connection.nextDeadline)
    }

    /// Closes the channel; its end arrives as `channelInactive`.
    func closeChannel() {
        timer.cancel()
        context?.close(promise: nil)
    }

    private func endOfInput() {
        guard !ended else { return }
        process { connection, now in
            connection.receiveEndOfInput(now: now)
            return []
        }
        ended = true
        timer.cancel()
        session.channelEnded(self)
    }

    private func write(_ bytes: [UInt8]) {
        guard !bytes.isEmpty, let context else { return }
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
    }

    /// Keeps exactly one task, for `deadline`; an unchanged deadline keeps the task it has.
    private func schedule(_ deadline: Duration?) {
        guard let context else { return timer.cancel() }
        timer.schedule(deadline, on: context.eventLoop, at: session.clockDeadline) { [self] in
            process { connection, now in connection.handleDeadline(now: now) }
        }
    }
}
