import DiscordGatewayClient
import DiscordGateway
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import WebSocketProtocol

/// What `handshake` saw over the network, in order, with times since the start.
struct HandshakeProbeReport: Sendable {
    /// The upgrade request that was written.
    var request: [UInt8] = []
    var host = ""
    var port = 0
    var usesTLS = false
    /// The events of the gateway connection, with the time each was seen.
    var events: [(time: Duration, event: GatewayEvent)] = []
    /// When TCP connected, TLS finished, the upgrade answer came, the first message came, the
    /// close was sent, and the connection ended.
    var tcpConnected: Duration?
    var tlsEstablished: Duration?
    var answered: Duration?
    var firstMessage: Duration?
    var closeSent: Duration?
    var ended: Duration?
    /// Things worth saying that are not failures (no HELLO within the timeout).
    var notes: [(time: Duration, text: String)] = []
    /// Why the handshake could not be completed: unreachable, TLS, a timeout (69), or no answer
    /// to our close (76).
    var failure: (message: String, status: ProcessExitStatus)?
    /// The `--timeout` every wait ran with.
    var timeout: Duration = .seconds(10)
    /// Whether the wait for the first message (HELLO) after the upgrade ran out.
    var messageTimedOut = false
    /// Whether to note the address, TLS and the raw detail of errors (`--verbose`).
    var verbose = false
}

/// Performs the opening handshake with a `GatewayConnection` over NIO (TLS for wss://), waits
/// for the first message, closes with 1000 and waits for the echo; every wait is bounded by
/// `timeout`. Confined to its event loop; the report is the future's value.
final class HandshakeProbe: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Phase {
        case connecting, awaitingAnswer, awaitingMessage, awaitingCloseEcho, done
    }

    private var connection: GatewayConnection
    private let timeout: TimeAmount
    private let seconds: Double
    private let start = NIODeadline.now()
    private let promise: EventLoopPromise<HandshakeProbeReport>
    private var report = HandshakeProbeReport()
    private var phase = Phase.connecting
    private var context: ChannelHandlerContext?
    private var timer: Scheduled<Void>?
    private var completed = false

    private init(
        connection: GatewayConnection, seconds: Double, promise: EventLoopPromise<HandshakeProbeReport>
    ) {
        self.connection = connection
        self.seconds = seconds
        self.timeout = .nanoseconds(Int64((seconds * 1e9).rounded()))
        self.promise = promise
    }

    /// Runs the handshake on `loop`; the future always succeeds with a report.
    static func run(
        configuration: GatewayConfiguration, key: String?, caFile: String?, timeout seconds: Double,
        verbose: Bool = false, on loop: any EventLoop
    ) throws(ConnectError) -> EventLoopFuture<HandshakeProbeReport> {
        var connection: GatewayConnection
        do {
            connection = try FixedKeyGenerator.connection(configuration: configuration, key: key)
        } catch {
            throw ConnectError(.invalidOption, error.description, exitStatus: .usage)
        }
        let request = connection.connect()
        let (host, port, usesTLS) = connection.destination
        let sslContext = usesTLS ? try GatewayTLS.makeContext(caFile: caFile) : nil
        let promise = loop.makePromise(of: HandshakeProbeReport.self)
        let probe = HandshakeProbe(connection: connection, seconds: seconds, promise: promise)
        probe.report.timeout = .nanoseconds(Int64((seconds * 1e9).rounded()))
        probe.report.verbose = verbose
        probe.report.request = request
        probe.report.host = host
        probe.report.port = port
        probe.report.usesTLS = usesTLS
        let bound = NIOLoopBound(probe, eventLoop: loop)
        let timeout = probe.report.timeout
        GatewayTransport.connect(
            host: host, port: port, tls: sslContext, timeout: timeout, on: loop,
            beforeTLS: { channel in
                if verbose { try channel.pipeline.syncOperations.addHandler(TLSCipherObserver()) }
            },
            handler: { _ in bound.value }
        ).whenFailure { error in
            bound.value.noteDetail("detail: \(error)")
            bound.value.fail(NetworkFailureText.explain(error, host: host, port: port, timeout: timeout))
        }
        return promise.futureResult
    }

    private func now() -> Duration {
        .nanoseconds((NIODeadline.now() - start).nanoseconds)
    }

    // MARK: - Channel

    func channelActive(context: ChannelHandlerContext) {
        self.context = context
        report.tcpConnected = now()
        noteDetail("TCP connected to \(ConnectionDetail.address(context.channel.remoteAddress))")
        phase = .awaitingAnswer
        restartTimer()
        write(report.request)
        context.fireChannelActive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tls = event as? TLSUserEvent, case .handshakeCompleted(let alpn) = tls {
            report.tlsEstablished = now()
            noteDetail(ConnectionDetail.tls(in: context, alpn: alpn))
            restartTimer()
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        let time = now()
        let output = buffer.withUnsafeReadableBytes { bytes in connection.receive(bytes, now: time) }
        write(output)
        drain(at: time)
    }

    func channelInactive(context: ChannelHandlerContext) {
        let time = now()
        if connection.state != .closed && connection.state != .idle {
            connection.receiveEndOfInput(now: time)
            drain(at: time)
        }
        if phase == .awaitingAnswer && report.failure == nil {
            report.failure = ("\(report.host):\(report.port) closed the connection before answering the upgrade", .unavailable)
        }
        finish()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let sslError = error as? NIOSSLError, case .uncleanShutdown = sslError {
            // Ended without close_notify: an ordinary end of input.
        } else if report.failure == nil {
            noteDetail("detail: \(error)")
            if error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError {
                report.failure = (
                    GatewayTLS.explain(error, host: report.host, port: report.port, peer: GatewayTLS.peerCertificate(in: context)), .unavailable
                )
            } else {
                report.failure = (
                    NetworkFailureText.explain(error, host: report.host, port: report.port, timeout: report.timeout),
                    .unavailable
                )
            }
        }
        context.close(promise: nil)
    }

    // MARK: - Steps

    private func drain(at time: Duration) {
        while let event = connection.nextEvent() {
            report.events.append((time, event))
            switch event {
            case .upgraded:
                report.answered = time
                phase = .awaitingMessage
                restartTimer()
            case .rejected:
                report.answered = time
                phase = .done
                context?.close(promise: nil)
            case .hello, .dispatch, .heartbeatRequested, .heartbeatAcknowledged, .reconnectRequested,
                .invalidSession, .payload:
                if report.firstMessage == nil {
                    report.firstMessage = time
                    sendClose()
                }
            case .disconnected:
                report.ended = time
                phase = .done
                cancelTimer()
                context?.close(promise: nil)
            case .frame, .sent:
                break
            }
        }
    }

    private func sendClose() {
        guard phase == .awaitingMessage else { return }
        guard connection.state == .open || connection.state == .awaitingHello else {
            // The connection started its own close (an undecodable message, a refused HELLO):
            // wait for that close's echo as for ours. Or it already ended (a violation read
            // together with HELLO): the disconnect still being drained says why.
            if connection.state == .closing {
                phase = .awaitingCloseEcho
                restartTimer()
            }
            return
        }
        let time = now()
        do {
            let bytes = try connection.close(code: .normalClosure, reason: "", now: time)
            report.closeSent = time
            phase = .awaitingCloseEcho
            restartTimer()
            write(bytes)
        } catch {
            report.notes.append((time, "cannot close: \(error)"))
            context?.close(promise: nil)
        }
        drain(at: time)
    }

    private func timedOut() {
        timer = nil
        let time = now()
        let limit = "\(Self.format(seconds)) s"
        switch phase {
        case .connecting, .awaitingAnswer:
            let place = "\(report.host):\(report.port)"
            let message =
                report.usesTLS && report.tlsEstablished == nil
                ? "the TLS handshake with \(place) did not finish within \(limit) (--timeout)"
                : "no answer to the upgrade from \(place) within \(limit) (--timeout)"
            report.failure = (message, .unavailable)
            context?.close(promise: nil)
        case .awaitingMessage:
            report.notes.append((time, "no message within \(limit); closing"))
            report.messageTimedOut = true
            sendClose()
        case .awaitingCloseEcho:
            report.failure = ("the server did not answer our close within \(limit) (--timeout)", .protocolError)
            context?.close(promise: nil)
        case .done:
            break
        }
    }

    /// With `--verbose`, a note at this moment.
    private func noteDetail(_ text: @autoclosure () -> String) {
        guard report.verbose else { return }
        report.notes.append((now(), text()))
    }

    private func fail(_ message: String) {
        if report.failure == nil { report.failure = (message, .unavailable) }
        finish()
    }

    private func finish() {
        cancelTimer()
        guard !completed else { return }
        completed = true
        phase = .done
        promise.succeed(report)
    }

    private func restartTimer() {
        cancelTimer()
        guard let context else { return }
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in timedOut() }
    }

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
    }

    private func write(_ bytes: [UInt8]) {
        guard !bytes.isEmpty, let context else { return }
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
    }

    static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() && seconds < 1e9 ? String(Int(seconds)) : String(seconds)
    }
}
