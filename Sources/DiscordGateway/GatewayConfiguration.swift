import GatewayCodecs
import WebSocketProtocol

/// The payload encoding of a connection (the `encoding` query parameter).
public enum GatewayEncoding: String, Sendable, Hashable, CaseIterable {
    /// JSON text messages.
    case json
    /// Erlang External Term Format binary messages.
    case etf
}

/// Everything a ``GatewayConnection`` is set up with. Defaults fit a normal bot.
public struct GatewayConfiguration: Sendable {
    /// The gateway URL, e.g. `wss://gateway.discord.gg` (from Get Gateway Bot). Its own path and query are kept.
    public var url: String
    /// The payload encoding.
    public var encoding: GatewayEncoding
    /// Transport compression (`zlib-stream`, `zstd-stream`), payload compression (`payload`: IDENTIFY
    /// `compress: true`, JSON only), or none.
    public var compression: GatewayCompression
    /// The gateway API version (`v`).
    public var apiVersion: Int
    /// Extra HTTP headers for the upgrade request, e.g. `User-Agent`.
    public var extraHeaders: [(name: String, value: String)]
    /// WebSocket limits. Defaults allow multi-megabyte payloads.
    public var webSocket: WebSocketConfiguration
    /// Decoder limits (nesting depth, decompressed payload size).
    public var codecLimits: CodecLimits
    /// Whether payloads the connection handles by itself (HEARTBEAT requests, HEARTBEAT_ACK, RECONNECT,
    /// INVALID_SESSION) are also delivered as events. HELLO and dispatches always are.
    public var deliversHandledPayloads: Bool
    /// Whether every WebSocket frame header is delivered as an event too (for inspectors).
    public var reportsFrames: Bool
    /// Whether every payload sent, heartbeats included, is delivered as a ``GatewayEvent/sent(_:)`` event.
    public var reportsSentPayloads: Bool
    /// Discord's limit on one encoded client payload.
    public var maxSendPayloadSize: Int
    /// Discord's limit on client payloads per ``sendWindow``.
    public var sendsPerWindow: Int
    /// The window of ``sendsPerWindow``.
    public var sendWindow: Duration
    /// How long to wait for the server's echo of our close frame before giving up on it.
    public var closeTimeout: Duration
    /// How long to wait for HELLO after the upgrade before closing as unresponsive.
    public var helloTimeout: Duration
    /// The reconnect backoff policy.
    public var backoff: ReconnectBackoff

    /// Creates a configuration for `url`; the other parameters have documented defaults.
    public init(
        url: String = "wss://gateway.discord.gg",
        encoding: GatewayEncoding = .json,
        compression: GatewayCompression = .zlibStream
    ) {
        self.url = url
        self.encoding = encoding
        self.compression = compression
        self.apiVersion = 10
        self.extraHeaders = [("User-Agent", "swift-discord-gateway")]
        self.webSocket = WebSocketConfiguration()
        self.codecLimits = CodecLimits()
        self.deliversHandledPayloads = false
        self.reportsFrames = false
        self.reportsSentPayloads = false
        self.maxSendPayloadSize = 4096
        self.sendsPerWindow = 120
        self.sendWindow = .seconds(60)
        self.closeTimeout = .seconds(5)
        self.helloTimeout = .seconds(30)
        self.backoff = ReconnectBackoff()
    }
}

/// Why a configuration cannot be used.
public struct GatewayConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A human-readable explanation naming the offending setting.
    public var message: String

    /// Creates an error.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
