import NIOCore
import NIOPosix
import NIOSSL

/// Opens the TCP connections of the client side: the one place that builds a `ClientBootstrap`,
/// for a session's connections and for `gatewayctl proxy`'s upstream leg.
package enum GatewayTransport {
    /// Connects to `host:port` on `eventLoop` within `timeout`, with TLS in front when `tls` is
    /// given (SNI for a host name, none for an address literal), then `prepare`'s handlers.
    /// `prepare` runs first on the new channel, before the TLS handler (e.g. to watch the ServerHello).
    package static func connect(
        host: String, port: Int, tls: NIOSSLContext?, timeout: Duration, on eventLoop: any EventLoop,
        beforeTLS: (@Sendable (any Channel) throws -> Void)? = nil,
        handler: @escaping @Sendable (any Channel) throws -> any ChannelHandler
    ) -> EventLoopFuture<any Channel> {
        let serverName = GatewayTLS.serverName(for: host)
        guard let bootstrap = ClientBootstrap(validatingGroup: eventLoop) else {
            return eventLoop.makeFailedFuture(GatewayTransportError.unsupportedEventLoop)
        }
        return bootstrap
            .connectTimeout(SessionClock.timeAmount(timeout))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try beforeTLS?(channel)
                        let tlsHandler = try NIOSSLClientHandler(context: tls, serverHostname: serverName)
                        try channel.pipeline.syncOperations.addHandler(tlsHandler)
                    }
                    try channel.pipeline.syncOperations.addHandler(try handler(channel))
                }
            }
            .connect(host: host, port: port)
    }
}

/// Why ``GatewayTransport`` could not even try to connect.
package enum GatewayTransportError: Error, CustomStringConvertible {
    /// The event loop is not one of SwiftNIO's POSIX loops (`MultiThreadedEventLoopGroup`).
    case unsupportedEventLoop

    package var description: String {
        "the event loop cannot open sockets: use a MultiThreadedEventLoopGroup"
    }
}
