import DiscordGatewayClient
import NIOCore

/// What `connect` sees of the transport beside the driver's reports: every byte for `--record`,
/// and for `--verbose` the address, what TLS agreed on, and the raw error behind a sentence.
final class GatewaySessionObserver: GatewayTransportObserver {
    private weak var session: GatewaySession?

    init(session: GatewaySession) {
        self.session = session
    }

    func willAddTLS(to channel: any Channel) throws {
        guard session?.options.verbose == true else { return }
        try channel.pipeline.syncOperations.addHandler(TLSCipherObserver())
    }

    func connectionActive(_ context: ChannelHandlerContext) {
        session?.detail("TCP connected to \(ConnectionDetail.address(context.channel.remoteAddress))")
    }

    func tlsHandshakeCompleted(_ context: ChannelHandlerContext, alpn: String?) {
        session?.detail(ConnectionDetail.tls(in: context, alpn: alpn))
    }

    func didRead(_ bytes: UnsafeRawBufferPointer) {
        guard let session else { return }
        let number = session.connectionNumber
        let time = session.now()
        session.record { recorder throws(CaptureError) in try recorder.read(bytes, connection: number, at: time) }
    }

    func didWrite(_ bytes: [UInt8], isUpgradeRequest: Bool) {
        guard let session, !bytes.isEmpty else { return }
        let number = session.connectionNumber
        let time = session.now()
        session.record { recorder throws(CaptureError) in
            if isUpgradeRequest {
                try recorder.wrote(bytes, connection: number, at: time)
            } else {
                try recorder.wroteFrames(bytes, connection: number, at: time)
            }
        }
    }

    func transportError(_ error: any Error) {
        guard let session, !session.detailedError else { return }
        session.detailedError = true
        session.detail("detail: \(error)")
    }
}
