import DiscordGateway
import GatewayCodecs
import WebSocketProtocol

/// How a ``GatewayServerConnection`` behaves: the rules it holds a client to, and what it says.
///
/// The defaults are Discord's documented ones, so a bot that passes against them behaves
/// against Discord.
public struct GatewayServerConfiguration: Sendable {
    /// The interval HELLO announces.
    public var heartbeatInterval: Duration = .milliseconds(41_250)
    /// How long past the interval a heartbeat may come before the server closes the
    /// connection as timed out (4009). The first heartbeat may come any time within one
    /// interval of HELLO (clients jitter it), so it gets the same allowance.
    public var heartbeatGrace: Duration = .seconds(5)
    /// Whether heartbeats are acknowledged; off makes the connection a zombie on purpose.
    public var acknowledgesHeartbeats = true
    /// The gateway API versions accepted in the URL's `v`; anything else is closed with 4012.
    public var apiVersions: ClosedRange<Int> = 6...10
    /// Tokens that authenticate; `nil` accepts any non-empty token. A refused one is closed with 4004.
    public var acceptedTokens: Set<String>?
    /// Whether privileged intents (members, presences, message content) are allowed;
    /// asking for them when not is closed with 4014.
    public var allowsPrivilegedIntents = true
    /// The number of shards the bot must use, when it must shard (4011 when it does not).
    public var requiredShardCount: Int?
    /// The largest payload a client may send, encoded (Discord: 4096 bytes; larger is 4002).
    public var maxReceivedPayloadSize = 4096
    /// How many payloads a client may send per ``receiveWindow`` (Discord: 120 per 60 s; more is 4008).
    public var receivesPerWindow = 120
    /// The window of ``receivesPerWindow``.
    public var receiveWindow: Duration = .seconds(60)
    /// How long to wait for the client's echo of our close before giving up on it.
    public var closeTimeout: Duration = .seconds(5)
    /// This server's URL, put in READY's `resume_gateway_url` so RESUME comes back here.
    public var resumeURL: String
    /// What READY says besides the session: the bot's user, its guilds (as unavailable
    /// stubs until their GUILD_CREATE), the application.
    public var ready: GatewayServerReadyContent = .init()
    /// Dispatches kept per session for a RESUME to replay.
    public var maxReplayedDispatches = 1000
    /// Messages larger than this go out in fragments of this size (nil: one frame each).
    public var fragmentSize: Int?
    /// WebSocket limits for what the client sends.
    public var webSocket = WebSocketConfiguration()
    /// Decoder limits for what the client sends.
    public var codecLimits = CodecLimits()
    /// Whether each frame header the client sends is reported.
    public var reportsFrames = false

    /// A configuration whose READY points RESUME at `resumeURL`.
    public init(resumeURL: String) {
        self.resumeURL = resumeURL
    }
}

/// The parts of READY that do not belong to a session.
public struct GatewayServerReadyContent: Sendable {
    /// The bot's user object.
    public var user: GatewayValue = [
        "id": "1000000000000000001", "username": "gatewayctl-bot", "discriminator": "0", "global_name": nil,
        "avatar": nil, "bot": true, "verified": true, "flags": 0, "mfa_enabled": false,
    ]
    /// The guilds READY lists, as `{"id": ..., "unavailable": true}` stubs.
    public var guildIDs: [String] = []
    /// The application object.
    public var application: GatewayValue = ["id": "1000000000000000001", "flags": 0]

    /// Creates READY content.
    public init() {}
}
