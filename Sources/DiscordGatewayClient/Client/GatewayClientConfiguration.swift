import DiscordGateway
import NIOSSL

/// Everything a ``GatewayClient`` runs with. The defaults fit a bot talking to Discord.
public struct GatewayClientConfiguration: Sendable {
    /// The gateway URL, encoding and compression, and the connection's limits.
    ///
    /// The URL defaults to `wss://gateway.discord.gg` (use Get Gateway Bot's for a large bot). A
    /// `ws://127.0.0.1:PORT` URL reaches a local `gatewayctl proxy` (which opens the `wss://` leg to
    /// Discord itself and shows the traffic) or a `gatewayctl serve` mock gateway; RESUME then goes
    /// to whatever `resume_gateway_url` that gateway hands out.
    public var gateway: GatewayConfiguration
    /// TLS for `wss://` URLs: by default the system's trust roots and full certificate and host
    /// name verification. Add a private CA with ``addTrustRoots(pemFile:)``.
    public var tls: TLSConfiguration
    /// Whether a dropped or closed connection is followed by another (RESUME when the session
    /// allows, IDENTIFY otherwise). Off: the first disconnect ends ``GatewayClient/run()``.
    public var reconnects = true
    /// How long each step of a connection may take: the TCP connect, the TLS handshake, the
    /// answer to the upgrade, HELLO, and the server's echo of our close. It overrides
    /// `gateway.helloTimeout` and `gateway.closeTimeout`.
    public var timeout: Duration = .seconds(10)
    /// Whether a command refused for Discord's 120-per-60-seconds limit waits until it may be sent
    /// (the default) rather than throwing. Each send can override it.
    public var waitsWhenRateLimited = true
    /// The close code of a graceful shutdown (swift-service-lifecycle): 1000 ends the session (the
    /// bot goes offline); 4000 keeps it resumable, for a process that restarts and resumes.
    public var shutdownCloseCode: GatewayCloseCode = .normalClosure
    /// Events buffered for ``GatewayClient/events`` above which the socket stops being read.
    public var eventBufferHighWatermark = 256
    /// Events buffered below which reading starts again. At most ``eventBufferHighWatermark``.
    public var eventBufferLowWatermark = 64

    /// A configuration for `gateway`, with `tls` for `wss://` (system trust roots by default).
    public init(
        gateway: GatewayConfiguration = GatewayConfiguration(),
        tls: TLSConfiguration = .makeClientConfiguration()
    ) {
        self.gateway = gateway
        self.tls = tls
    }

    /// Trusts the certificates of a PEM file as well as the system's roots: a private CA, such as
    /// one in front of a test gateway.
    /// - Throws: ``GatewayClientError/invalidConfiguration(_:)`` when the file cannot be read or
    ///   holds no certificate.
    public mutating func addTrustRoots(pemFile path: String) throws(GatewayClientError) {
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMFile(path)
        } catch {
            throw .invalidConfiguration("trust roots \(path): \(error)")
        }
        guard !certificates.isEmpty else { throw .invalidConfiguration("trust roots \(path): no certificate in the file") }
        tls.additionalTrustRoots.append(.certificates(certificates))
    }

    /// The gateway configuration as the connection gets it: ``timeout`` bounds HELLO and the close echo.
    var effectiveGateway: GatewayConfiguration {
        var gateway = self.gateway
        gateway.helloTimeout = timeout
        gateway.closeTimeout = timeout
        return gateway
    }

    /// Checks what the connection itself does not.
    func validate() throws(GatewayClientError) {
        guard timeout > .zero else { throw .invalidConfiguration("timeout must be positive, not \(timeout)") }
        guard eventBufferHighWatermark >= 1 else {
            throw .invalidConfiguration("eventBufferHighWatermark must be at least 1, not \(eventBufferHighWatermark)")
        }
        guard eventBufferLowWatermark >= 0, eventBufferLowWatermark <= eventBufferHighWatermark else {
            throw .invalidConfiguration(
                "eventBufferLowWatermark must be in 0...\(eventBufferHighWatermark), not \(eventBufferLowWatermark)")
        }
    }
}
