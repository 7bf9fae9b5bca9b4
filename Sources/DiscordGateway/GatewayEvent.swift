import GatewayCodecs
import WebSocketProtocol

/// Something that happened on a ``GatewayConnection``, drained with ``GatewayConnection/nextEvent()`` in order.
public enum GatewayEvent: Sendable {
    /// The server accepted the WebSocket upgrade.
    case upgraded(WebSocketHandshakeResponse)
    /// The server refused the upgrade: status, headers and body say why. The connection is over.
    case rejected(WebSocketRejection)
    /// A WebSocket frame header arrived (only with ``GatewayConfiguration/reportsFrames``).
    case frame(WebSocketFrameHeader)
    /// HELLO: the heartbeat interval is known and heartbeats are scheduled. Send IDENTIFY or RESUME now.
    case hello(heartbeatInterval: Duration, payload: GatewayPayload)
    /// A dispatched event (op 0): ``GatewayPayload/eventName`` names it.
    case dispatch(GatewayPayload)
    /// The server asked for a heartbeat; the answer was returned by `receive` (handled payloads only).
    case heartbeatRequested(GatewayPayload)
    /// A heartbeat was acknowledged, with the round trip when it answered one we timed (handled payloads only).
    case heartbeatAcknowledged(latency: Duration?, payload: GatewayPayload)
    /// The server asked for a reconnect; the connection is closing to resume (handled payloads only).
    case reconnectRequested(GatewayPayload)
    /// The session is invalid; the connection is closing (handled payloads only).
    case invalidSession(resumable: Bool, payload: GatewayPayload)
    /// Any other payload: an unknown opcode, or a client opcode the server sent back.
    case payload(GatewayPayload)
    /// A payload was sent (only with ``GatewayConfiguration/reportsSentPayloads``). The token of
    /// IDENTIFY and RESUME is replaced by ``GatewayConnection/redactedToken``.
    case sent(GatewayPayload)
    /// The connection ended. ``GatewayDisconnect`` says how, and what comes next.
    case disconnected(GatewayDisconnect)
}

/// How a connection ended, and what the next one should do.
public struct GatewayDisconnect: Sendable, Hashable, CustomStringConvertible {
    /// Which side ended the connection.
    public enum Initiator: String, Sendable, Hashable {
        /// We sent the first close frame (asked by the caller, or for a reason in ``Cause``).
        case client
        /// The server sent the first close frame.
        case server
        /// The transport ended without a completed close handshake.
        case transport
    }

    /// Why the connection ended.
    public enum Cause: Sendable, Hashable {
        /// The caller called ``GatewayConnection/close(code:reason:now:)``.
        case requested
        /// The server closed; see ``GatewayDisconnect/code``.
        case serverClosed
        /// The server sent RECONNECT (op 7).
        case reconnectRequested
        /// The server sent INVALID_SESSION (op 9).
        case invalidSession(resumable: Bool)
        /// A heartbeat went unacknowledged until the next one was due.
        case zombieConnection
        /// HELLO did not arrive within ``GatewayConfiguration/helloTimeout``.
        case helloTimeout
        /// The input ended without a close frame (Discord often drops TLS without close_notify).
        case endOfInput
        /// The server broke the WebSocket protocol.
        case protocolViolation(WebSocketProtocolError)
        /// A message could not be decompressed or decoded.
        case undecodablePayload(GatewayDecodingError)
        /// The server refused the upgrade with this HTTP status.
        case upgradeRejected(status: Int)
    }

    /// Which side ended the connection.
    public var initiator: Initiator
    /// Why the connection ended.
    public var cause: Cause
    /// The close code of the first close frame, when there was one with a code.
    public var code: GatewayCloseCode?
    /// The close reason of that frame.
    public var reason: String
    /// Whether a new connection may be made (`false` after 4004 and 4010-4014).
    public var canReconnect: Bool
    /// Whether the next connection will RESUME (else it will IDENTIFY).
    public var willResume: Bool
    /// When the input ended inside the server's HTTP response or inside a frame: where. Nil when
    /// it ended between frames, or the connection ended some other way.
    public var truncation: WebSocketTruncation? = nil
    /// Whether we sent a close frame and the server did not answer it within
    /// ``GatewayConfiguration/closeTimeout``: the connection was given up on, not closed.
    public var closeTimedOut = false

    public var description: String {
        var text = "\(initiator.rawValue) closed"
        if let code { text += " with \(code)" }
        if !reason.isEmpty { text += " \"\(reason)\"" }
        text += " (\(cause))"
        if closeTimedOut { text += ", no answer to the close" }
        if !canReconnect { return text + "; do not reconnect: \(code?.explanation ?? "fatal")" }
        return text + (willResume ? "; reconnect and resume" : "; reconnect and identify")
    }
}

extension GatewayDisconnect.Cause: CustomStringConvertible {
    public var description: String {
        switch self {
        case .requested: "closed as requested"
        case .serverClosed: "server closed"
        case .reconnectRequested: "server asked to reconnect"
        case .invalidSession(let resumable): "invalid session, \(resumable ? "resumable" : "not resumable")"
        case .zombieConnection: "heartbeat not acknowledged"
        case .helloTimeout: "no HELLO"
        case .endOfInput: "connection dropped without a close frame"
        case .protocolViolation(let error): "WebSocket protocol violation: \(error)"
        case .undecodablePayload(let error): "undecodable payload: \(error)"
        case .upgradeRejected(let status): "upgrade rejected with HTTP \(status)"
        }
    }
}
