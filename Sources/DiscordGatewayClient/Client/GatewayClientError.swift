import DiscordGateway

/// Why a ``GatewayClient`` or ``GatewayShardManager`` could not be made, or why its session ended
/// without being asked to.
public enum GatewayClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The configuration cannot be used (the message names the setting): a URL that is not `ws://`
    /// or `wss://`, a TLS setting NIOSSL refuses, watermarks out of order, a bad shard range.
    case invalidConfiguration(String)
    /// ``GatewayClient/run()`` was called a second time; a client runs one session.
    case alreadyRunning
    /// Discord closed with a code that forbids reconnecting: 4004 (token), 4010-4014 (shard,
    /// version, intents). Fix the configuration; retrying will not help.
    case fatalCloseCode(GatewayCloseCode)
    /// The server refused the WebSocket upgrade, permanently or on the first connection.
    case upgradeRejected(WebSocketRejection)
    /// No connection could be made (TCP, TLS, or a step that ran out of ``GatewayClientConfiguration/timeout``)
    /// where retrying will not help: a refused certificate, a first connection, no reconnects.
    case unreachable(GatewayTransportProblem)
    /// A connection ended and the session does not go on (reconnects off, or a first connection
    /// that never upgraded), and whether the server had answered the upgrade.
    case disconnected(GatewayDisconnect, upgraded: Bool)
    /// IDENTIFY or RESUME could not be built (an empty token, a bad shard or presence).
    case identifyRefused(GatewaySendError)
    /// A close that was asked for went unanswered by the server within the timeout.
    case closeUnanswered(GatewayDisconnect)

    /// The client's error for a session failure.
    init(_ failure: GatewaySessionFailure) {
        switch failure {
        case .fatalCloseCode(let code): self = .fatalCloseCode(code)
        case .upgradeRejected(let rejection): self = .upgradeRejected(rejection)
        case .unreachable(let problem): self = .unreachable(problem)
        case .disconnected(let disconnect, let upgraded): self = .disconnected(disconnect, upgraded: upgraded)
        case .identifyRefused(let error): self = .identifyRefused(error)
        case .closeUnanswered(let disconnect): self = .closeUnanswered(disconnect)
        }
    }

    /// The error in one sentence.
    public var description: String {
        switch self {
        case .invalidConfiguration(let message): "invalid configuration: \(message)"
        case .alreadyRunning: "the client already ran; make a new one for another session"
        case .fatalCloseCode(let code): "the gateway closed with \(code): \(code.explanation)"
        case .upgradeRejected(let rejection):
            "the gateway refused the upgrade with HTTP \(rejection.statusCode)"
                + (rejection.reason.isEmpty ? "" : " \(rejection.reason)")
        case .unreachable(let problem): problem.sentence()
        case .disconnected(let disconnect, _): "the connection ended: \(disconnect)"
        case .identifyRefused(let error): "IDENTIFY or RESUME could not be sent: \(error)"
        case .closeUnanswered(let disconnect): "the gateway did not answer our close: \(disconnect)"
        }
    }
}
