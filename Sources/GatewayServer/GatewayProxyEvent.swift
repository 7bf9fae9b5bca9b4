import DiscordGateway
import GatewayCodecs
import WebSocketProtocol

/// Something that happened on a ``GatewayProxyConnection``, drained with
/// ``GatewayProxyConnection/nextEvent()`` in order: both legs, both directions.
public enum GatewayProxyEvent: Sendable {
    /// The bot asked to upgrade with this query: open a TCP (and, for `wss`, TLS) connection to
    /// `url`'s host and port, then call ``GatewayProxyConnection/upstreamConnected(now:)`` (or
    /// ``GatewayProxyConnection/upstreamFailed(_:now:)``).
    case upstreamNeeded(WebSocketURL, GatewayConnectionQuery)
    /// Both legs are upgraded: the upstream accepted, and so was the bot.
    case connected(GatewayConnectionQuery, upstream: WebSocketURL)
    /// The bot's upgrade was refused with `status` (a bad query, the upstream's own refusal,
    /// or an upstream that could not be reached); the connection is over.
    case refused(status: Int, reason: String)
    /// A frame header from the bot or from upstream (with ``WebSocketConfiguration/reportsFrames``).
    case frame(GatewayProxySide, WebSocketFrameHeader)
    /// A payload from the bot, passed upstream as it was sent (IDENTIFY and RESUME keep their
    /// token: redact before showing).
    case fromBot(GatewayPayload)
    /// A payload from Discord, passed to the bot (READY as the bot got it, its resume URL
    /// rewritten); reported when it goes out, after ``GatewayProxyConnection/delay``, and never
    /// for one that could not reach the bot (its leg ended or was closing first).
    case fromDiscord(GatewayPayload)
    /// A payload from Discord not passed to the bot (a heartbeat ACK while ACKs are withheld).
    case withheld(GatewayPayload)
    /// A payload the proxy made up and sent to the bot (a fault: RECONNECT, INVALID_SESSION).
    case injected(GatewayPayload)
    /// Discord acknowledged the bot's heartbeat: `upstream` after the proxy passed it on, and
    /// the bot gets the ACK `toBot` after its heartbeat reached the proxy (later with a delay).
    case heartbeatAcknowledged(upstream: Duration, toBot: Duration)
    /// READY's `resume_gateway_url` was `real`; the bot got `proxied`, which leads back here.
    case resumeURLRewritten(real: String, proxied: String)
    /// A side broke a rule (bad frames, an undecodable payload); the connection is ending with
    /// `code` on the bot's leg.
    case violation(GatewayProxySide, GatewayServerViolation)
    /// One leg ended (see ``WebSocketClosure``: `local` is the proxy).
    case legClosed(GatewayProxySide, WebSocketClosure)
    /// Both legs are over. Nothing follows.
    case finished
}
