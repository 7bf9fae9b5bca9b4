import DiscordGateway

/// Everything a live session needs, checked: the connection's configuration, what IDENTIFY says,
/// and when to stop.
public struct GatewaySessionOptions: Sendable {
    /// URL, encoding, compression. The session turns on sent-payload and handled-payload events.
    public var configuration: GatewayConfiguration
    /// IDENTIFY's contents, token included.
    public var identify: GatewayIdentify
    /// Strings never to write to a recording (the token, with and without `Bot `).
    public var secrets: [String]
    /// A PEM file of extra trusted CA certificates for `wss://`.
    public var caFile: String?
    /// Where to append the TLS session secrets (`--keylog`, `SSLKEYLOGFILE`), if anywhere.
    public var keyLogPath: String?
    /// Whether to reconnect after a disconnect (`--no-reconnect` turns it off).
    public var reconnects: Bool
    /// Whether a requested stop closes with a resumable code (4000) instead of 1000.
    public var keepSession: Bool
    /// Stop cleanly after this many dispatches.
    public var maxEvents: Int?
    /// Stop cleanly after this long.
    public var duration: Duration?
    /// Record the session to this capture file.
    public var recordPath: String?
    /// Also report WebSocket frame headers as events.
    public var reportsFrames: Bool
    /// Report ``GatewaySessionEvent/detail(message:connection:time:)`` events (`--verbose`).
    public var verbose = false
    /// The bound on every wait of a connection (`--timeout`): the TCP connection, the TLS
    /// handshake, the upgrade response, HELLO, and the echo of our close.
    public var timeout: Duration

    /// Creates options with the defaults of `gatewayctl connect`.
    public init(configuration: GatewayConfiguration, identify: GatewayIdentify, secrets: [String] = []) {
        self.configuration = configuration
        self.identify = identify
        self.secrets = secrets
        self.caFile = nil
        self.reconnects = true
        self.keepSession = false
        self.maxEvents = nil
        self.duration = nil
        self.recordPath = nil
        self.reportsFrames = false
        self.timeout = .seconds(10)
    }
}
