/// Something that happened on a connection, drained with ``WebSocketClient/nextEvent()``.
public enum WebSocketEvent: Sendable, Hashable {
    /// The server accepted the upgrade; the connection is open.
    case accepted(WebSocketHandshakeResponse)
    /// The server refused the upgrade; the connection is over.
    case rejected(WebSocketRejection)
    /// A frame header arrived (only with ``WebSocketConfiguration/reportsFrames``),
    /// before the message or control event it contributes to.
    case frame(WebSocketFrameHeader)
    /// A complete message.
    case message(WebSocketMessage)
    /// A ping arrived; the pong was already returned by `receive`, if the connection was open.
    case ping([UInt8])
    /// A pong arrived.
    case pong([UInt8])
    /// The connection is closed (see ``WebSocketClosure`` for how).
    case closed(WebSocketClosure)
}

/// A complete data message. Bytes rather than `String`: a JSON parser reads bytes.
public enum WebSocketMessage: Sendable, Hashable {
    /// A text message; the bytes are valid UTF-8.
    case text([UInt8])
    /// A binary message.
    case binary([UInt8])

    /// The message's bytes, whatever its type.
    public var bytes: [UInt8] {
        switch self {
        case .text(let bytes), .binary(let bytes): return bytes
        }
    }
}

/// One HTTP header field as received (name case preserved) or to be sent.
public struct WebSocketHTTPHeader: Sendable, Hashable {
    /// The field name.
    public var name: String
    /// The field value, without surrounding whitespace.
    public var value: String

    /// Creates a header field.
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

extension Array where Element == WebSocketHTTPHeader {
    /// Values of every field named `name` (case-insensitive), in order.
    public func values(named name: String) -> [String] {
        let lowered = name.lowercased()
        return filter { $0.name.lowercased() == lowered }.map(\.value)
    }
}

/// The server's successful `101 Switching Protocols` response.
public struct WebSocketHandshakeResponse: Sendable, Hashable {
    /// The status code, always 101.
    public var statusCode: Int
    /// The reason phrase, possibly empty.
    public var reason: String
    /// The response's header fields in order.
    public var headers: [WebSocketHTTPHeader]

    /// Creates a response value.
    public init(statusCode: Int, reason: String, headers: [WebSocketHTTPHeader]) {
        self.statusCode = statusCode
        self.reason = reason
        self.headers = headers
    }
}

/// A well-formed HTTP response that is not an upgrade: why the server refused.
public struct WebSocketRejection: Sendable, Hashable {
    /// The status code (e.g. 401, 429, 503).
    public var statusCode: Int
    /// The reason phrase, possibly empty.
    public var reason: String
    /// The response's header fields in order.
    public var headers: [WebSocketHTTPHeader]
    /// The body, de-chunked, at most ``WebSocketConfiguration/maxRejectionBodySize`` bytes.
    public var body: [UInt8]
    /// True when the body was cut at the size limit or by the end of input
    /// before its announced end.
    public var isBodyTruncated: Bool

    /// Creates a rejection value.
    public init(statusCode: Int, reason: String, headers: [WebSocketHTTPHeader], body: [UInt8], isBodyTruncated: Bool) {
        self.statusCode = statusCode
        self.reason = reason
        self.headers = headers
        self.body = body
        self.isBodyTruncated = isBodyTruncated
    }
}

/// How a connection ended.
public struct WebSocketClosure: Sendable, Hashable, CustomStringConvertible {
    /// Who started the end of the connection.
    public enum Initiator: Sendable, Hashable {
        /// We sent the first close frame: by ``WebSocketClient/close(code:reason:using:)``
        /// (``WebSocketServer/close(code:reason:)``), or because the peer violated the
        /// protocol (then ``WebSocketClosure/error`` is set).
        case local
        /// The peer (the server, for a client; the client, for a server) sent the first close frame.
        case remote
        /// The connection ended with no closing handshake: the input ended
        /// without a close frame, or the opening handshake failed.
        case abnormal
    }

    /// Who started it.
    public var initiator: Initiator
    /// The code of the first close frame: ours for ``Initiator/local``, the
    /// peer's for ``Initiator/remote`` (nil when its frame had no code,
    /// which RFC 6455 calls 1005); 1006 for ``Initiator/abnormal``.
    public var code: UInt16?
    /// The reason that came with `code`.
    public var reason: String
    /// The peer's violation, when that is why the connection ended.
    public var error: WebSocketProtocolError?

    /// Creates a closure value.
    public init(initiator: Initiator, code: UInt16?, reason: String = "", error: WebSocketProtocolError? = nil) {
        self.initiator = initiator
        self.code = code
        self.reason = reason
        self.error = error
    }

    public var description: String {
        var text = "\(initiator) close, code \(code.map(String.init) ?? "none")"
        if !reason.isEmpty { text += " \"\(reason)\"" }
        if let error { text += ": \(error)" }
        return text
    }
}
