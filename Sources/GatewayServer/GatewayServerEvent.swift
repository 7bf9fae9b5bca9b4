import DiscordGateway
import GatewayCodecs
import WebSocketProtocol

/// Something that happened on a ``GatewayServerConnection``, drained with
/// ``GatewayServerConnection/nextEvent()`` in order. Both directions are reported, so a
/// renderer can show the whole conversation.
public enum GatewayServerEvent: Sendable {
    /// The upgrade was accepted with this query; HELLO went out with the `101`.
    case connected(GatewayConnectionQuery)
    /// The upgrade request was refused (the 400, 404 or 426 went out); the connection is over.
    case refused(status: Int, reason: String)
    /// A frame header from the client (only with ``GatewayServerConfiguration/reportsFrames``).
    case frame(WebSocketFrameHeader)
    /// A payload from the client, exactly as decoded (IDENTIFY and RESUME keep their token:
    /// redact before showing).
    case received(GatewayPayload)
    /// A payload we sent.
    case sent(GatewayPayload)
    /// A heartbeat arrived `sinceLast` after the previous one (or after HELLO).
    case heartbeat(sequence: Int64?, sinceLast: Duration, acknowledged: Bool)
    /// IDENTIFY was valid; READY went out for this new session (or waits for
    /// ``GatewayServerConnection/sendReady(now:)`` with ``GatewayServerConnection/holdsReady``).
    case identified(GatewayIdentifyRequest, sessionID: String)
    /// RESUME for a session: answer with ``GatewayServerConnection/resume(_:now:)`` or
    /// ``GatewayServerConnection/invalidateSession(resumable:now:)``.
    case resumeRequested(sessionID: String, sequence: Int64)
    /// The session resumed: `replayed` missed dispatches went out, then RESUMED.
    case resumed(sessionID: String, replayed: Int)
    /// The client broke a rule; the connection is closing with the violation's code.
    case violation(GatewayServerViolation)
    /// The connection ended. Nothing follows on this connection.
    case disconnected(GatewayServerDisconnect)
}

/// A rule of the gateway a client broke, and the close code Discord answers it with.
public struct GatewayServerViolation: Error, Sendable, Hashable, CustomStringConvertible {
    /// The close code sent for it (4001-4014, or a WebSocket code for a framing error).
    public var code: GatewayCloseCode
    /// What the client did.
    public var message: String
    /// Where in the client's byte stream, when a byte is to blame.
    public var offset: Int?

    /// Creates a violation.
    public init(code: GatewayCloseCode, message: String, offset: Int? = nil) {
        self.code = code
        self.message = message
        self.offset = offset
    }

    public var description: String {
        "\(code.rawValue): \(message)" + (offset.map { " (at byte \($0))" } ?? "")
    }
}

/// How a server connection ended.
public struct GatewayServerDisconnect: Sendable, Hashable, CustomStringConvertible {
    /// Which side sent the first close frame, or the transport.
    public enum Initiator: String, Sendable, Hashable {
        /// We closed (asked by the caller, or for a violation).
        case server
        /// The client sent the first close frame.
        case client
        /// The input ended without a close handshake.
        case transport
    }

    /// Who ended it.
    public var initiator: Initiator
    /// The first close frame's code, when there was one with a code.
    public var code: UInt16?
    /// Its reason.
    public var reason: String
    /// Where the input stopped short, when it ended inside a frame or the request.
    public var truncation: WebSocketTruncation?

    public var description: String {
        var text = "\(initiator.rawValue) closed"
        if let code { text += " with \(code)" }
        if !reason.isEmpty { text += " \"\(reason)\"" }
        return text
    }
}
