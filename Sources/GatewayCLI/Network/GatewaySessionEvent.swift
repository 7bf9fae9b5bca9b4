import DiscordGateway

/// What a live session reports to whoever shows it, in order, on the session's event loop.
public enum GatewaySessionEvent: Sendable {
    /// Connection number `connection` is being opened to `url`.
    case connecting(connection: Int, url: String, time: Duration)
    /// Something the gateway connection reported: a received payload, a sent one (token redacted),
    /// a frame header, the upgrade, a disconnect ...
    case gateway(GatewayEvent, connection: Int, time: Duration)
    /// The TCP connection or TLS handshake failed.
    case transportError(message: String, connection: Int, time: Duration)
    /// With `--verbose`: what the connection is made of (the address, TLS version, the server's
    /// certificate) and the raw detail behind an error's plain sentence.
    case detail(message: String, connection: Int, time: Duration)
    /// The next connection starts after `delay`, and will RESUME or IDENTIFY; `attempt` counts the
    /// connections since the last READY or RESUMED (1 for the first reconnect after a healthy one).
    case reconnecting(delay: Duration, willResume: Bool, attempt: Int, reason: String, time: Duration)
    /// A snapshot for a status line, at most about once a second.
    case status(GatewaySessionStatus)
    /// The session is stopping cleanly (`--max-events`, `--duration`, Ctrl-C).
    case stopping(reason: String, time: Duration)
}

/// The numbers a one-line status shows.
public struct GatewaySessionStatus: Sendable, Hashable {
    /// Time since the session started.
    public var elapsed: Duration
    /// Dispatches received so far.
    public var dispatches: Int
    /// Dispatches per second over the last status period.
    public var dispatchesPerSecond: Double
    /// The last sequence number.
    public var sequence: Int64?
    /// The last heartbeat round trip.
    public var latency: Duration?
    /// The current connection number.
    public var connection: Int
}
