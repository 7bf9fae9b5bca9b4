/// The opening handshake's pieces that do not depend on connection state (RFC 6455 §4.1, §4.2.2),
/// for both roles.
public enum WebSocketHandshake {
    /// The GUID RFC 6455 §1.3 appends to the key before hashing.
    static let acceptGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    /// The `Sec-WebSocket-Accept` a server must answer `key` with:
    /// base64(SHA-1(key + GUID)).
    public static func acceptValue(forKey key: String) -> String {
        Base64.encode(SHA1.hash(Array((key + acceptGUID).utf8)))
    }

    /// A fresh `Sec-WebSocket-Key`: 16 bytes from two `next()` calls of `rng`
    /// (little-endian), base64-encoded.
    public static func makeKey(using rng: inout some RandomNumberGenerator) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16)
        for _ in 0..<2 {
            let word: UInt64 = rng.next()
            for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
        }
        return Base64.encode(bytes)
    }

    /// Headers the client writes itself; callers may not add them again.
    static let reservedHeaderNames: Set<String> = [
        "host", "upgrade", "connection", "sec-websocket-key", "sec-websocket-version",
        "sec-websocket-extensions", "sec-websocket-protocol", "content-length", "transfer-encoding",
    ]

    /// Headers a server's 101 carries from the library; an accepting caller may not add them.
    /// (No extension is negotiated, so none may be announced: its RSV bits would be refused.)
    static let reservedAcceptHeaderNames: Set<String> = [
        "upgrade", "connection", "sec-websocket-accept", "sec-websocket-extensions", "content-length", "transfer-encoding",
    ]

    /// Headers a server's refusal carries from the library: it frames the body and closes.
    static let reservedRejectHeaderNames: Set<String> = ["connection", "content-length", "transfer-encoding"]

    /// Checks an extra header: the name an HTTP token, the value free of
    /// CR, LF and NUL (no header injection), and not one the client sets itself.
    static func validateExtraHeader(name: String, value: String) throws(WebSocketUsageError) {
        try validateExtraHeader(name: name, value: value, reserved: reservedHeaderNames, writer: "the WebSocket client")
    }

    /// Checks an extra header as above; `writer` names who sets the `reserved` ones.
    static func validateExtraHeader(
        name: String, value: String, reserved: Set<String>, writer: String
    ) throws(WebSocketUsageError) {
        let nameBytes = Array(name.utf8)
        guard !nameBytes.isEmpty, nameBytes.allSatisfy(HTTPSyntax.isTokenCharacter) else {
            throw WebSocketUsageError(.invalidHeader, "\"\(name)\" is not a valid header name")
        }
        guard !value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0x00 }) else {
            throw WebSocketUsageError(.invalidHeader, "value of header \"\(name)\" contains CR, LF or NUL")
        }
        guard !reserved.contains(name.lowercased()) else {
            throw WebSocketUsageError(.invalidHeader, "header \"\(name)\" is set by \(writer) itself")
        }
    }

    /// A server's `101 Switching Protocols` answering a request that sent `key`: the response
    /// a ``WebSocketClient`` that drew `key` accepts, and the one ``WebSocketServer/accept(extraHeaders:)``
    /// writes when given no extra headers.
    public static func switchingProtocolsResponse(forKey key: String) -> [UInt8] {
        switchingProtocolsResponse(forKey: key, extraHeaders: [])
    }

    /// The 101 with `extraHeaders` (already validated) after the standard ones.
    static func switchingProtocolsResponse(forKey key: String, extraHeaders: [WebSocketHTTPHeader]) -> [UInt8] {
        var text = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        text += "Sec-WebSocket-Accept: \(acceptValue(forKey: key))\r\n"
        for header in extraHeaders { text += "\(header.name): \(header.value)\r\n" }
        text += "\r\n"
        return Array(text.utf8)
    }

    /// A response that ends the connection: the status line, `headers` (already validated),
    /// then the body's length and `Connection: close`, which the library always writes.
    static func closingResponse(status: Int, reason: String, headers: [WebSocketHTTPHeader], body: [UInt8]) -> [UInt8] {
        var text = "HTTP/1.1 \(status) \(reason)\r\n"
        for header in headers { text += "\(header.name): \(header.value)\r\n" }
        text += "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        return Array(text.utf8) + body
    }

    /// The usual reason phrase of `status` (RFC 9110 §15), for the statuses a WebSocket
    /// server refuses with; "Error" for others, which is as valid to a client.
    static func reasonPhrase(forStatus status: Int) -> String {
        switch status {
        case 200: "OK"
        case 301: "Moved Permanently"
        case 302: "Found"
        case 307: "Temporary Redirect"
        case 308: "Permanent Redirect"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 426: "Upgrade Required"
        case 429: "Too Many Requests"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        default: "Error"
        }
    }

    /// The upgrade request's bytes.
    static func request(url: WebSocketURL, key: String, extraHeaders: [WebSocketHTTPHeader]) -> [UInt8] {
        var text = "GET \(url.requestTarget) HTTP/1.1\r\n"
        text += "Host: \(url.hostHeader)\r\n"
        text += "Upgrade: websocket\r\n"
        text += "Connection: Upgrade\r\n"
        text += "Sec-WebSocket-Key: \(key)\r\n"
        text += "Sec-WebSocket-Version: 13\r\n"
        for header in extraHeaders { text += "\(header.name): \(header.value)\r\n" }
        text += "\r\n"
        return Array(text.utf8)
    }
}
