/// Reads a client's upgrade request (RFC 6455 §4.2.1) from chunks of any size.
///
/// Buffers only the head, bounded by ``WebSocketConfiguration/maxHandshakeRequestHeaderSize``;
/// bytes after it are the caller's (frames a client sent too early). Strict where a
/// mistake would hide a broken client (request line, CR LF line endings, the key), tolerant
/// where real clients differ (header name case, `Connection: keep-alive, Upgrade` lists).
/// The request is the first thing on the connection, so stream offsets count from its
/// first byte.
struct HandshakeRequestParser: Sendable {
    /// What the parser produced from one chunk.
    enum Outcome: Sendable {
        /// Everything was consumed; the head is not complete.
        case needMoreInput
        /// A valid upgrade request; whatever follows starts at `input[framesStart]`.
        case complete(WebSocketUpgradeRequest, framesStart: Int)
    }

    private let maxHeaderSize: Int
    /// The head so far; it starts at stream offset 0.
    private var buffer: [UInt8] = []
    /// Where the terminator search resumes.
    private var scanFrom = 0

    init(configuration: WebSocketConfiguration) {
        maxHeaderSize = max(0, configuration.maxHandshakeRequestHeaderSize)
    }

    /// Feeds one chunk. Throws when the request is refused; the parser is then spent.
    mutating func receive(_ input: UnsafeRawBufferPointer) throws(WebSocketProtocolError) -> Outcome {
        // Never buffer more than the limit allows, even from one huge read.
        let take = min(input.count, maxHeaderSize - buffer.count)
        buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[..<take]))
        guard let end = try HTTPHead.findEnd(in: buffer, from: scanFrom, offset: 0) else {
            if buffer.count >= maxHeaderSize {
                throw WebSocketProtocolError(
                    .handshakeHeaderTooLarge, "request header block exceeds \(maxHeaderSize) bytes", offset: buffer.count)
            }
            // Resume at the last byte: a CR there is checked against what follows.
            scanFrom = max(0, buffer.count - 1)
            return .needMoreInput
        }
        let request = try Self.parseHead(Array(buffer[..<end]))
        return .complete(request, framesStart: take - (buffer.count - end))
    }

    /// The error for input that ended inside the head after `received` bytes.
    static func truncated(received: Int) -> WebSocketProtocolError {
        WebSocketProtocolError(
            .truncatedHandshake, "input ended after \(received) bytes of the request header block", offset: received)
    }

    // MARK: Parsing and validation

    /// Parses and validates a head (`block` ends with CR LF CR LF, at stream offset 0).
    private static func parseHead(_ block: [UInt8]) throws(WebSocketProtocolError) -> WebSocketUpgradeRequest {
        let lines = HTTPHead.lines(of: block)
        guard let requestLine = lines.first, !requestLine.bytes.isEmpty else {
            throw WebSocketProtocolError(.malformedRequestLine, "the request starts with an empty line", offset: 0)
        }
        let (method, target) = try parseRequestLine(requestLine.bytes)
        var headers: [WebSocketHTTPHeader] = []
        var headerOffsets: [Int] = []
        for line in lines.dropFirst() where !line.bytes.isEmpty {
            headers.append(try HTTPHead.parseHeaderLine(line.bytes, offset: line.start))
            headerOffsets.append(line.start)
        }
        // Where a missing header was found missing: the blank line that ends the head.
        let headEnd = block.count - 2
        /// The offset of the first header named `name`, or the head's end.
        func offset(of name: String) -> Int {
            let lowered = name.lowercased()
            return headers.firstIndex { $0.name.lowercased() == lowered }.map { headerOffsets[$0] } ?? headEnd
        }

        guard headers.values(named: "Host").count == 1 else {
            let count = headers.values(named: "Host").count
            throw WebSocketProtocolError(
                .missingHost, count == 0 ? "no Host header" : "\(count) Host headers", offset: offset(of: "Host"))
        }
        guard HTTPSyntax.listElements(headers.values(named: "Upgrade")).contains("websocket") else {
            throw WebSocketProtocolError(
                .missingUpgradeHeader, "no \"Upgrade: websocket\" header", offset: offset(of: "Upgrade"))
        }
        guard HTTPSyntax.listElements(headers.values(named: "Connection")).contains("upgrade") else {
            throw WebSocketProtocolError(
                .missingConnectionUpgrade, "the Connection header does not list \"Upgrade\"", offset: offset(of: "Connection"))
        }
        let versions = HTTPSyntax.listElements(headers.values(named: "Sec-WebSocket-Version"))
        guard versions == ["13"] else {
            let got = versions.isEmpty ? "missing" : versions.map { "\"\($0)\"" }.joined(separator: ", ")
            throw WebSocketProtocolError(
                .unsupportedWebSocketVersion, "Sec-WebSocket-Version is \(got); this server speaks 13",
                offset: offset(of: "Sec-WebSocket-Version"))
        }
        let keys = headers.values(named: "Sec-WebSocket-Key")
        guard keys.count == 1, let key = keys.first else {
            throw WebSocketProtocolError(
                .missingKey, keys.isEmpty ? "no Sec-WebSocket-Key header" : "\(keys.count) Sec-WebSocket-Key headers",
                offset: offset(of: "Sec-WebSocket-Key"))
        }
        guard let decoded = Base64.decode(key), decoded.count == 16 else {
            throw WebSocketProtocolError(
                .invalidKey, "Sec-WebSocket-Key \"\(HTTPHead.printable(ArraySlice(key.utf8)))\" is not the base64 of 16 bytes",
                offset: offset(of: "Sec-WebSocket-Key"))
        }
        // A body would sit where the frames start; a GET that announces one is refused
        // rather than guessed at (a request-smuggling shape).
        let lengths = HTTPSyntax.listElements(headers.values(named: "Content-Length"))
        if !headers.values(named: "Transfer-Encoding").isEmpty || lengths.contains(where: { $0 != "0" }) {
            let name = headers.values(named: "Transfer-Encoding").isEmpty ? "Content-Length" : "Transfer-Encoding"
            throw WebSocketProtocolError(.unexpectedRequestBody, "the upgrade request announces a body (\(name))", offset: offset(of: name))
        }
        let (path, query) = splitTarget(target)
        let protocols = HTTPSyntax.listElements(headers.values(named: "Sec-WebSocket-Protocol"), lowercased: false)
            .filter { !$0.isEmpty }
        return WebSocketUpgradeRequest(
            method: method, target: target, path: path, queryItems: query.map(queryItems) ?? [], headers: headers, key: key,
            protocols: protocols)
    }

    /// `method SP request-target SP HTTP-version` (RFC 9112 §3); the method must be GET,
    /// the target in origin form, the version HTTP/1.1 or a later HTTP/1 minor.
    private static func parseRequestLine(_ line: ArraySlice<UInt8>) throws(WebSocketProtocolError) -> (method: String, target: String) {
        let space = UInt8(ascii: " ")
        let parts = line.split(separator: space, maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty, !parts[2].contains(space) else {
            throw WebSocketProtocolError(
                .malformedRequestLine, "request line \"\(HTTPHead.printable(line))\" is not \"GET /path HTTP/1.1\"",
                offset: 0)
        }
        let (methodBytes, targetBytes, version) = (parts[0], parts[1], parts[2])
        if let bad = methodBytes.firstIndex(where: { !HTTPSyntax.isTokenCharacter($0) }) {
            throw WebSocketProtocolError(.malformedRequestLine, "invalid character in the method", offset: bad - line.startIndex)
        }
        let method = String(decoding: methodBytes, as: UTF8.self)
        guard method == "GET" else {
            throw WebSocketProtocolError(.invalidMethod, "method \(method) cannot upgrade; the handshake is a GET", offset: 0)
        }
        let targetOffset = targetBytes.startIndex - line.startIndex
        guard targetBytes.first == UInt8(ascii: "/") else {
            throw WebSocketProtocolError(
                .malformedRequestLine, "request target \"\(HTTPHead.printable(targetBytes))\" does not start with \"/\"",
                offset: targetOffset)
        }
        if let bad = targetBytes.firstIndex(where: { $0 <= 0x20 || $0 >= 0x7F || $0 == UInt8(ascii: "#") }) {
            throw WebSocketProtocolError(
                .malformedRequestLine, "byte 0x\(String(line[bad], radix: 16)) in the request target", offset: bad - line.startIndex)
        }
        let versionOffset = version.startIndex - line.startIndex
        // HTTP-version = "HTTP/" DIGIT "." DIGIT; more digits are tolerated, as a later minor.
        let numbers = version.dropFirst(5).split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard version.starts(with: "HTTP/".utf8), numbers.count == 2,
            numbers.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } })
        else {
            throw WebSocketProtocolError(
                .malformedRequestLine, "\"\(HTTPHead.printable(version))\" is not an HTTP version", offset: versionOffset)
        }
        let isZero: (ArraySlice<UInt8>) -> Bool = { $0.allSatisfy { $0 == 0x30 } }
        // 1.1 or a later 1.x; HTTP/1.0 has no Upgrade, and HTTP/2 upgrades another way (RFC 8441).
        guard numbers[0].drop(while: { $0 == 0x30 }).elementsEqual([UInt8(ascii: "1")]), !isZero(numbers[1]) else {
            throw WebSocketProtocolError(
                .unsupportedHTTPVersion, "\(HTTPHead.printable(version)) cannot upgrade to a WebSocket; HTTP/1.1 is needed",
                offset: versionOffset)
        }
        return (method, String(decoding: targetBytes, as: UTF8.self))
    }

    /// The target's path and, after the first `?`, its query.
    private static func splitTarget(_ target: String) -> (path: String, query: Substring?) {
        guard let mark = target.firstIndex(of: "?") else { return (target, nil) }
        return (String(target[..<mark]), target[target.index(after: mark)...])
    }

    /// `name=value` pairs separated by `&`, percent-decoded; empty pairs are skipped.
    private static func queryItems(_ query: Substring) -> [WebSocketQueryItem] {
        query.split(separator: "&").map { pair in
            guard let equals = pair.firstIndex(of: "=") else { return WebSocketQueryItem(name: percentDecoded(pair), value: nil) }
            return WebSocketQueryItem(
                name: percentDecoded(pair[..<equals]), value: percentDecoded(pair[pair.index(after: equals)...]))
        }
    }

    /// `%XX` escapes decoded (an invalid escape stays as it is), then read as UTF-8 with
    /// invalid sequences replaced, so a hostile query cannot make a name unrepresentable.
    private static func percentDecoded(_ text: Substring) -> String {
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count,
                let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2])
            {
                output.append(high << 4 | low)
                index += 3
            } else {
                output.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
