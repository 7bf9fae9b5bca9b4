/// Reads the server's answer to the upgrade request, from chunks of any size.
///
/// Buffers only the header block (bounded by the configuration); a rejection
/// body is read by ``HTTPBodyReader`` straight from the input. Strict where
/// a mistake would hide a broken server (status line, CR LF line endings, the
/// accept value), tolerant where real servers differ (header name case,
/// `Connection: keep-alive, Upgrade` lists, interim 1xx responses).
struct HandshakeResponseParser: Sendable {
    /// What the parser produced from one chunk.
    enum Outcome: Sendable {
        /// Everything was consumed; the response is not complete.
        case needMoreInput
        /// A valid 101: the WebSocket starts at `input[framesStart]`.
        case accepted(WebSocketHandshakeResponse, framesStart: Int)
        /// A complete rejection (the rest of the input is ignored).
        case rejected(WebSocketRejection)
    }

    /// A parsed status line and header block.
    private struct Head: Sendable {
        var statusCode: Int
        var reason: String
        var headers: [WebSocketHTTPHeader]
    }

    private enum State: Sendable {
        /// Collecting the header block; `scanFrom` is where the terminator search resumes.
        case head(scanFrom: Int)
        /// Reading a rejection body.
        case body(Head, HTTPBodyReader)
        /// Finished (or failed); nothing more is read.
        case done
    }

    private let expectedAccept: String
    private let verifiesAccept: Bool
    private let maxHeaderSize: Int
    private let maxBodySize: Int
    private var state: State = .head(scanFrom: 0)
    private var buffer: [UInt8] = []
    /// Stream offset of `buffer[0]` (nonzero after interim 1xx responses).
    private var bufferOffset = 0

    init(expectedAccept: String, configuration: WebSocketConfiguration) {
        self.expectedAccept = expectedAccept
        verifiesAccept = configuration.verifiesAcceptValue
        maxHeaderSize = max(0, configuration.maxHandshakeResponseHeaderSize)
        maxBodySize = configuration.maxRejectionBodySize
    }

    /// Whether the response's header block is still being read (its blank line has not arrived).
    var isReadingHeaders: Bool {
        if case .head = state { return true }
        return false
    }

    /// Feeds one chunk; `streamOffset` is the stream offset of `input[0]`.
    mutating func receive(_ input: UnsafeRawBufferPointer, streamOffset: Int) throws(WebSocketProtocolError) -> Outcome {
        var position = 0
        while true {
            switch state {
            case .done:
                return .needMoreInput
            case .body(let head, var reader):
                try reader.receive(input, at: &position, streamOffset: streamOffset + position)
                if reader.isComplete {
                    state = .done
                    return .rejected(Self.rejection(head, reader))
                }
                state = .body(head, reader)
                return .needMoreInput
            case .head(let scanFrom):
                // Never buffer more than the limit allows, even from one huge read.
                let take = min(input.count - position, maxHeaderSize - buffer.count)
                buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[position..<(position + take)]))
                let takenFrom = position
                position += take
                let found: Int?
                do throws(WebSocketProtocolError) {
                    found = try HTTPHead.findEnd(in: buffer, from: scanFrom, offset: bufferOffset)
                } catch {
                    state = .done
                    throw error
                }
                guard let end = found else {
                    if buffer.count >= maxHeaderSize {
                        state = .done
                        throw WebSocketProtocolError(
                            .handshakeHeaderTooLarge, "response header block exceeds \(maxHeaderSize) bytes",
                            offset: bufferOffset + buffer.count)
                    }
                    // Resume at the last byte: a CR there is checked against what follows.
                    state = .head(scanFrom: max(0, buffer.count - 1))
                    return .needMoreInput
                }
                // Bytes of this chunk that belong to the header block.
                position = takenFrom + take - (buffer.count - end)
                let head: Head
                do throws(WebSocketProtocolError) {
                    head = try Self.parseHead(Array(buffer[..<end]), offset: bufferOffset)
                } catch {
                    state = .done
                    throw error
                }
                let headOffset = bufferOffset
                bufferOffset += end
                buffer.removeAll(keepingCapacity: true)
                switch head.statusCode {
                case 101:
                    state = .done
                    try validateUpgrade(head, offset: headOffset)
                    return .accepted(
                        WebSocketHandshakeResponse(statusCode: 101, reason: head.reason, headers: head.headers),
                        framesStart: position)
                case 100..<200:
                    // An interim response (100 Continue, 103 Early Hints): the real one follows.
                    state = .head(scanFrom: 0)
                default:
                    let framing: HTTPBodyReader.Framing
                    do throws(WebSocketProtocolError) {
                        framing = try Self.bodyFraming(head, offset: bufferOffset)
                    } catch {
                        state = .done
                        throw error
                    }
                    state = .body(head, HTTPBodyReader(framing: framing, limit: maxBodySize))
                }
            }
        }
    }

    /// The input ended: a rejection read until the end is complete; anything
    /// else unfinished is reported.
    mutating func receiveEndOfInput(streamOffset: Int) throws(WebSocketProtocolError) -> WebSocketRejection? {
        switch state {
        case .done:
            return nil
        case .head:
            state = .done
            throw WebSocketProtocolError(
                .truncatedHandshake, "input ended after \(buffer.count) bytes of the response header block",
                offset: streamOffset)
        case .body(let head, var reader):
            state = .done
            _ = reader.receiveEndOfInput()
            return Self.rejection(head, reader)
        }
    }

    private static func rejection(_ head: Head, _ reader: HTTPBodyReader) -> WebSocketRejection {
        WebSocketRejection(
            statusCode: head.statusCode, reason: head.reason, headers: head.headers, body: reader.body,
            isBodyTruncated: reader.isTruncated)
    }

    /// Parses the status line and header fields of `block` (which ends with CR LF CR LF).
    private static func parseHead(_ block: [UInt8], offset: Int) throws(WebSocketProtocolError) -> Head {
        let lines = HTTPHead.lines(of: block)
        guard let statusLine = lines.first else {
            throw WebSocketProtocolError(.malformedStatusLine, "empty response", offset: offset)
        }
        let (statusCode, reason) = try parseStatusLine(statusLine.bytes, offset: offset)
        var headers: [WebSocketHTTPHeader] = []
        for line in lines.dropFirst() where !line.bytes.isEmpty {
            headers.append(try HTTPHead.parseHeaderLine(line.bytes, offset: offset + line.start))
        }
        return Head(statusCode: statusCode, reason: reason, headers: headers)
    }

    /// `HTTP/1.x SP 3DIGIT [SP reason]`.
    private static func parseStatusLine(_ line: ArraySlice<UInt8>, offset: Int) throws(WebSocketProtocolError) -> (Int, String) {
        let bytes = Array(line)
        let prefix = Array("HTTP/1.".utf8)
        guard bytes.count >= 12, bytes[..<7].elementsEqual(prefix), bytes[7] == UInt8(ascii: "0") || bytes[7] == UInt8(ascii: "1"),
            bytes[8] == 0x20
        else {
            throw WebSocketProtocolError(
                .malformedStatusLine, "status line \"\(HTTPHead.printable(line))\" is not \"HTTP/1.1 NNN reason\"", offset: offset)
        }
        var code = 0
        for i in 9..<12 {
            guard bytes[i] >= 0x30 && bytes[i] <= 0x39 else {
                throw WebSocketProtocolError(.malformedStatusLine, "status code is not three digits", offset: offset + i)
            }
            code = code * 10 + Int(bytes[i] - 0x30)
        }
        guard code >= 100 else {
            throw WebSocketProtocolError(.malformedStatusLine, "status code \(code) is below 100", offset: offset + 9)
        }
        var reason: [UInt8] = []
        if bytes.count > 12 {
            guard bytes[12] == 0x20 else {
                throw WebSocketProtocolError(.malformedStatusLine, "no space after the status code", offset: offset + 12)
            }
            reason = Array(bytes[13...])
            if let bad = reason.firstIndex(where: { !HTTPSyntax.isFieldCharacter($0) }) {
                throw WebSocketProtocolError(.malformedStatusLine, "control character in the reason phrase", offset: offset + 13 + bad)
            }
        }
        return (code, String(decoding: reason, as: UTF8.self))
    }

    /// RFC 6455 §4.1, the client's checks of a 101 response.
    /// Errors point at the start of the response, as no single byte is at fault.
    private func validateUpgrade(_ head: Head, offset: Int) throws(WebSocketProtocolError) {
        let headers = head.headers
        guard HTTPSyntax.listElements(headers.values(named: "Upgrade")).contains("websocket") else {
            throw WebSocketProtocolError(.missingUpgradeHeader, "101 response without \"Upgrade: websocket\"", offset: offset)
        }
        guard HTTPSyntax.listElements(headers.values(named: "Connection")).contains("upgrade") else {
            throw WebSocketProtocolError(.missingConnectionUpgrade, "101 response without \"Connection: Upgrade\"", offset: offset)
        }
        let accepts = headers.values(named: "Sec-WebSocket-Accept")
        guard accepts.count == 1, let accept = accepts.first, accept == expectedAccept || !verifiesAccept else {
            let got = accepts.isEmpty ? "none" : accepts.map { "\"\($0)\"" }.joined(separator: ", ")
            throw WebSocketProtocolError(
                .invalidAcceptValue, "Sec-WebSocket-Accept is \(got), expected \"\(expectedAccept)\"", offset: offset)
        }
        let extensions = HTTPSyntax.listElements(headers.values(named: "Sec-WebSocket-Extensions")).filter { !$0.isEmpty }
        let protocols = HTTPSyntax.listElements(headers.values(named: "Sec-WebSocket-Protocol")).filter { !$0.isEmpty }
        if !extensions.isEmpty || !protocols.isEmpty {
            throw WebSocketProtocolError(
                .unrequestedExtensionOrProtocol,
                "server selected \((extensions + protocols).joined(separator: ", ")), which the client never offered", offset: offset)
        }
    }

    /// RFC 9112 §6.3: how a rejection's body ends.
    private static func bodyFraming(_ head: Head, offset: Int) throws(WebSocketProtocolError) -> HTTPBodyReader.Framing {
        if head.statusCode == 204 || head.statusCode == 304 { return .none }
        let codings = HTTPSyntax.listElements(head.headers.values(named: "Transfer-Encoding"))
        if !codings.isEmpty {
            return codings.last == "chunked" ? .chunked : .untilEndOfInput
        }
        let lengths = HTTPSyntax.listElements(head.headers.values(named: "Content-Length"))
        guard let first = lengths.first else { return .untilEndOfInput }
        guard lengths.allSatisfy({ $0 == first }), !first.isEmpty, first.utf8.count <= 18,
            first.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let length = Int(first)
        else {
            throw WebSocketProtocolError(
                .malformedBody, "invalid Content-Length \(lengths.joined(separator: ", "))", offset: offset)
        }
        return .contentLength(length)
    }
}
