import DiscordGateway
import GatewayCodecs
import WebSocketProtocol

/// How a ``GatewayProxyConnection`` relays a bot to Discord.
public struct GatewayProxyConfiguration: Sendable {
    /// Where bots' first connections go: Discord's gateway, or any gateway (`ws://` or `wss://`,
    /// without a query: the bot's own query is appended).
    public var upstreamURL: String
    /// The proxy's own URL as bots reach it (`ws://127.0.0.1:PORT`): READY's `resume_gateway_url`
    /// is rewritten to `<proxyURL>/via/<host>` so the bot's RESUME comes back through the proxy.
    public var proxyURL: String
    /// The resume hosts READY named on earlier connections (`host` or `host:port`): a bot
    /// upgrading at `/via/<host>` for one of them is relayed there; any other path goes to
    /// ``upstreamURL`` (the proxy never opens a host it was not told of).
    public var resumeHosts: Set<String> = []
    /// Limits and options of both WebSocket legs.
    public var webSocket = WebSocketConfiguration()
    /// Limits for decoding and decompressing payloads on both legs.
    public var codecLimits = CodecLimits()
    /// How long a leg's closing handshake may take before its transport is cut.
    public var closeTimeout: Duration = .seconds(5)
    /// How long the upstream may take from the bot's upgrade request to its answer (the
    /// transport, TLS and the upgrade): then the bot is refused with 504 and the upstream cut.
    public var upstreamTimeout: Duration = .seconds(10)
    /// Whether the bot leg's transport compression favours speed over size (zlib and zstd at
    /// level 1): that leg usually crosses only loopback, and compressing again is most of what
    /// the relay costs.
    public var compressesBotLegForSpeed = true

    /// A configuration relaying to `upstreamURL`, for a proxy reachable at `proxyURL`.
    public init(upstreamURL: String, proxyURL: String) {
        self.upstreamURL = upstreamURL
        self.proxyURL = proxyURL
    }
}

/// Which leg of a proxied connection something happened on.
public enum GatewayProxySide: String, Sendable, Hashable {
    /// Between the bot and the proxy.
    case bot
    /// Between the proxy and Discord (the upstream gateway).
    case upstream
}

/// What the driver must do after an input: write to either side, and cut either transport.
public struct GatewayProxyOutput: Sendable, Hashable {
    /// Bytes for the bot's socket.
    public var toBot: [UInt8] = []
    /// Bytes for the upstream socket.
    public var toUpstream: [UInt8] = []
    /// Close the bot's socket once `toBot` is written.
    public var closesBotTransport = false
    /// Close the upstream socket once `toUpstream` is written.
    public var closesUpstreamTransport = false

    /// Nothing to do.
    public init() {}

    /// Whether there is nothing to do.
    public var isEmpty: Bool {
        toBot.isEmpty && toUpstream.isEmpty && !closesBotTransport && !closesUpstreamTransport
    }

    /// `other`'s work after this one's.
    mutating func append(_ other: GatewayProxyOutput) {
        toBot += other.toBot
        toUpstream += other.toUpstream
        closesBotTransport = closesBotTransport || other.closesBotTransport
        closesUpstreamTransport = closesUpstreamTransport || other.closesUpstreamTransport
    }
}
