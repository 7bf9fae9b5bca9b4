/// The opening handshake's pieces that do not depend on connection state (RFC 6455 §4.1, §4.2.2).
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

    /// Checks an extra header: the name an HTTP token, the value free of
    /// CR, LF and NUL (no header injection), and not one the client sets itself.
    static func validateExtraHeader(name: String, value: String) throws(WebSocketUsageError) {
        let nameBytes = Array(name.utf8)
        guard !nameBytes.isEmpty, nameBytes.allSatisfy(HTTPSyntax.isTokenCharacter) else {
            throw WebSocketUsageError(.invalidHeader, "\"\(name)\" is not a valid header name")
        }
        guard !value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0x00 }) else {
            throw WebSocketUsageError(.invalidHeader, "value of header \"\(name)\" contains CR, LF or NUL")
        }
        guard !reservedHeaderNames.contains(name.lowercased()) else {
            throw WebSocketUsageError(.invalidHeader, "header \"\(name)\" is set by the WebSocket client itself")
        }
    }

    /// A server's `101 Switching Protocols` answering a request that sent `key`: the response
    /// a ``WebSocketClient`` that drew `key` accepts.
    public static func switchingProtocolsResponse(forKey key: String) -> [UInt8] {
        Array(
            ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: \(acceptValue(forKey: key))\r\n\r\n").utf8)
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
