import DiscordGateway

/// Why a ``GatewayClient`` or ``GatewayShardManager`` could not be made, or why its session ended
/// without being asked to.
public enum GatewayClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The configuration cannot be used (the message names the setting): a URL that is not `ws://`
    /// or `wss://`, a TLS setting NIOSSL refuses, watermarks out of order, a bad shard range.
    case invalidConfiguration(String)
    /// ``GatewayClient/run()`` was called a second time; a client runs one session.
    case alreadyRunning
    /// The session ended without being asked to: ``GatewaySessionFailure/fatalCloseCode(_:)`` for
    /// 4004 (token) and 4010-4014 (shard, version, intents), where retrying will not help; a refused
    /// upgrade; no connection (TCP, TLS, or a step that ran out of ``GatewayClientConfiguration/timeout``);
    /// a disconnect with reconnects off; an IDENTIFY that could not be built; a close left unanswered.
    case sessionFailed(GatewaySessionFailure)

    /// The error in one sentence.
    public var description: String {
        switch self {
        case .invalidConfiguration(let message): "invalid configuration: \(message)"
        case .alreadyRunning: "the client already ran; make a new one for another session"
        case .sessionFailed(let failure): failure.description
        }
    }
}
