import DiscordGateway
import NIOCore
import NIOSSL
import NIOTLS

/// The only I/O of a live session: one per TCP connection, on the session's event loop.
///
/// Every input (bytes read, the deadline, end of input, a stop request) goes through
/// ``process(_:)``: the connection turns it into bytes, which are written; the session drains the
/// events (and may add bytes, such as IDENTIFY); then exactly one scheduled task is kept for the
/// connection's next deadline. When the connection reaches `.closed` the channel is closed.
///
/// Until the upgrade is answered the connection has no deadline of its own, so the handler keeps
/// one per step (the TLS handshake, then the upgrade response), each `timeout` long. While the
/// socket cannot take more writes (a server that floods pings and reads nothing), reading stops:
/// what is waiting to be written stays bounded.
final class GatewayChannelHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let session: GatewaySession
    private let upgradeRequest: [UInt8]
    private var context: ChannelHandlerContext?
    private let timer = DeadlineTimer()
    private var ended = false
    private let usesTLS: Bool
    private let timeout: Duration
    /// A wait before the upgrade completes, which the connection itself does not bound.
    private enum Step {
        case tlsHandshake, upgradeResponse

        func expired(at place: String, after limit: String) -> String {
            switch self {
            case .tlsHandshake: "the TLS handshake with \(place) did not finish within \(limit) (--timeout)"
            case .upgradeResponse: "no answer to the upgrade from \(place) within \(limit) (--timeout)"
            }
        }
    }

    /// The step being waited for, and until when.
    private var step: (kind: Step, deadline: Duration)?

    init(session: GatewaySession, upgradeRequest: [UInt8], usesTLS: Bool, timeout: Duration) {
        self.session = session
        self.upgradeRequest = upgradeRequest
        self.usesTLS = usesTLS
        self.timeout = timeout
    }

    func channelActive(context: ChannelHandlerContext) {
        self.context = context
        session.channelOpened(self)
        session.detail("TCP connected to \(ConnectionDetail.address(context.channel.remoteAddress))")
        startStep(usesTLS ? .tlsHandshake : .upgradeResponse)
        write(upgradeRequest)
        session.recordWritten(upgradeRequest, isUpgradeRequest: true)
        context.fireChannelActive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tls = event as? TLSUserEvent, case .handshakeCompleted(let protocolName) = tls {
            session.detail(ConnectionDetail.tls(in: context, alpn: protocolName))
            if step != nil { startStep(.upgradeResponse) }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        context.channel.setOption(ChannelOptions.autoRead, value: context.channel.isWritable).whenFailure { _ in }
        if context.channel.isWritable { context.read() }
        context.fireChannelWritabilityChanged()
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
            session.transportFailed(error, peer: GatewayTLS.peerCertificate(in: context))
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

    /// Keeps exactly one task, for `deadline` (or, while upgrading, the current step's);
    /// an unchanged deadline keeps the task it has.
    private func schedule(_ deadline: Duration?) {
        guard let context else { return timer.cancel() }
        if session.connection.state != .upgrading { step = nil }
        timer.schedule(deadline ?? step?.deadline, on: context.eventLoop, at: session.clockDeadline) { [self] in
            if let step, session.connection.state == .upgrading, session.now() >= step.deadline {
                let (host, port, _) = session.connection.destination
                session.transportFailed(reason: step.kind.expired(at: "\(host):\(port)", after: NetworkFailureText.seconds(timeout)))
                closeChannel()
                return
            }
            process { connection, now in connection.handleDeadline(now: now) }
        }
    }

    /// Starts waiting for `kind`, for up to `timeout`.
    private func startStep(_ kind: Step) {
        step = (kind, session.now() + timeout)
        schedule(session.connection.nextDeadline)
    }
}
