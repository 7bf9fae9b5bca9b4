/// Something that happened on a server connection, drained with ``WebSocketServer/nextEvent()``.
///
/// After the upgrade the cases mirror ``WebSocketEvent``'s, with the roles swapped: the
/// peer is the client. Exactly one terminal event ends every connection: ``refused(status:error:)``
/// or ``closed(_:)`` (none when the caller itself refused with ``WebSocketServer/reject(status:reason:headers:body:)``).
public enum WebSocketServerEvent: Sendable, Hashable {
    /// A valid upgrade request arrived; answer with ``WebSocketServer/accept(extraHeaders:)``
    /// or ``WebSocketServer/reject(status:reason:headers:body:)``.
    case upgradeRequested(WebSocketUpgradeRequest)
    /// The request was not a valid upgrade; `receive` already returned the refusal
    /// (`status` 400, or 426 for the WebSocket version) and the connection is over.
    case refused(status: Int, error: WebSocketProtocolError)
    /// A frame header arrived (only with ``WebSocketConfiguration/reportsFrames``),
    /// before the message or control event it contributes to.
    case frame(WebSocketFrameHeader)
    /// A complete message.
    case message(WebSocketMessage)
    /// A ping arrived; the pong was already returned, if the connection was open.
    case ping([UInt8])
    /// A pong arrived.
    case pong([UInt8])
    /// The connection is closed (see ``WebSocketClosure``; `local` is the server).
    case closed(WebSocketClosure)
}

/// A client's valid upgrade request (RFC 6455 §4.2.1), for the caller to route and authorize.
public struct WebSocketUpgradeRequest: Sendable, Hashable {
    /// The method, always `GET`.
    public var method: String
    /// The request target as sent, e.g. `/?v=10&encoding=json`.
    public var target: String
    /// The target up to its first `?`, as sent (not percent-decoded, so `%2F` stays
    /// distinguishable from `/`).
    public var path: String
    /// The query's `name=value` pairs in order, percent-decoded (`+` is left as it is).
    public var queryItems: [WebSocketQueryItem]
    /// The request's header fields in order, names as sent.
    public var headers: [WebSocketHTTPHeader]
    /// The `Sec-WebSocket-Key`: the base64 of 16 bytes.
    public var key: String
    /// The subprotocols the client offered (`Sec-WebSocket-Protocol`), in order; an accept may
    /// select one of them.
    public var protocols: [String]

    /// Creates a request value.
    public init(
        method: String, target: String, path: String, queryItems: [WebSocketQueryItem], headers: [WebSocketHTTPHeader],
        key: String, protocols: [String] = []
    ) {
        self.method = method
        self.target = target
        self.path = path
        self.queryItems = queryItems
        self.headers = headers
        self.key = key
        self.protocols = protocols
    }

    /// The value of the first query item named `name`; nil when there is none or it has no `=`.
    public func queryValue(named name: String) -> String? {
        queryItems.first { $0.name == name }?.value ?? nil
    }
}

/// One `name=value` pair of a request target's query.
public struct WebSocketQueryItem: Sendable, Hashable {
    /// The name, percent-decoded.
    public var name: String
    /// The value, percent-decoded; nil when the pair had no `=`.
    public var value: String?

    /// Creates a query item.
    public init(name: String, value: String?) {
        self.name = name
        self.value = value
    }
}
