/// The peer broke RFC 6455 or HTTP: what, where, and the close code to send.
///
/// Never thrown at the caller of ``WebSocketClient`` or ``WebSocketServer``: it
/// arrives inside ``WebSocketClosure/error`` (or ``WebSocketServerEvent/refused(status:error:)``)
/// while the connection returns the bytes to write. ``WebSocketFrameParser`` throws it directly.
public struct WebSocketProtocolError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, as a stable code.
    public enum Kind: String, Sendable, Hashable {
        // Opening handshake. A client sends nothing (there is no WebSocket yet); a
        // server answers 400 Bad Request, or 426 Upgrade Required for the version.
        /// The status line is not `HTTP/1.x NNN reason`.
        case malformedStatusLine
        /// A header line is not `name: value`, or uses obsolete line folding.
        case malformedHeader
        /// The response's (or request's) header block exceeds the configured limit.
        case handshakeHeaderTooLarge
        /// A 101 response, or an upgrade request, without `Upgrade: websocket`.
        case missingUpgradeHeader
        /// A 101 response, or an upgrade request, whose `Connection` header lacks `Upgrade`.
        case missingConnectionUpgrade
        /// A 101 response whose `Sec-WebSocket-Accept` is missing, repeated or wrong.
        case invalidAcceptValue
        /// A 101 response that selects an extension or subprotocol the client never offered.
        case unrequestedExtensionOrProtocol
        /// A rejection body with an invalid `Content-Length` or chunked encoding.
        case malformedBody
        /// The input ended inside the response's (or request's) header block.
        case truncatedHandshake
        /// The request line is not `METHOD SP origin-form-target SP HTTP/x.y`.
        case malformedRequestLine
        /// An upgrade request whose method is not `GET`.
        case invalidMethod
        /// An upgrade request older than HTTP/1.1 (or not HTTP/1.x).
        case unsupportedHTTPVersion
        /// An upgrade request without exactly one `Host` header.
        case missingHost
        /// An upgrade request whose `Sec-WebSocket-Version` is missing or not 13 (answered with 426).
        case unsupportedWebSocketVersion
        /// An upgrade request without exactly one `Sec-WebSocket-Key`.
        case missingKey
        /// A `Sec-WebSocket-Key` that is not the base64 of 16 bytes.
        case invalidKey
        /// An upgrade request announcing a body (`Content-Length` above 0 or `Transfer-Encoding`).
        case unexpectedRequestBody

        // Framing (close code 1002 unless noted).
        /// RSV1, RSV2 or RSV3 set without a negotiated extension.
        case reservedBitsSet
        /// A reserved opcode (3-7, 11-15).
        case reservedOpcode
        /// A control frame without FIN.
        case fragmentedControlFrame
        /// A control frame with more than 125 bytes of payload.
        case controlFrameTooLong
        /// A 16- or 64-bit length that would have fit in a shorter form.
        case nonMinimalLength
        /// A 64-bit length with its most significant bit set.
        case invalidLength
        /// A masked frame from a server, or an unmasked one from a client.
        case unexpectedMasking
        /// A continuation frame with no message in progress.
        case unexpectedContinuation
        /// A text or binary frame while a fragmented message is still open.
        case unfinishedMessage
        /// A frame longer than the configured limit (1009).
        case frameTooLarge
        /// A message longer than the configured limit (1009).
        case messageTooLarge
        /// A text message that is not UTF-8 (1007).
        case invalidUTF8
        /// A close frame with a one-byte payload.
        case invalidClosePayload
        /// A close frame with a code that may not be sent.
        case invalidCloseCode
        /// A close frame whose reason is not UTF-8 (1007).
        case invalidCloseReason
    }

    /// What went wrong.
    public var kind: Kind
    /// A human-readable explanation naming the offending value.
    public var message: String
    /// Offset of the offending byte in the peer's byte stream, counting from
    /// the very first byte of the HTTP response (for a server: of the request; for
    /// ``WebSocketFrameParser``: from the first byte fed to it, plus its `startOffset`).
    public var offset: Int
    /// The close code to send because of this error (1002, 1007 or 1009).
    public var closeCode: UInt16

    /// Creates an error; the close code follows from `kind`.
    public init(_ kind: Kind, _ message: String, offset: Int) {
        self.kind = kind
        self.message = message
        self.offset = offset
        switch kind {
        case .invalidUTF8, .invalidCloseReason: closeCode = WebSocketCloseCode.invalidPayloadData
        case .frameTooLarge, .messageTooLarge: closeCode = WebSocketCloseCode.messageTooBig
        default: closeCode = WebSocketCloseCode.protocolError
        }
    }

    public var description: String { "\(message) (at byte \(offset), close code \(closeCode))" }
}

/// The caller asked for something the protocol forbids (sending after close,
/// an invalid close code, an oversized control payload, ...). Thrown by the
/// client's and the server's commands; the connection's state is unchanged.
public struct WebSocketUsageError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was wrong, as a stable code.
    public enum Kind: String, Sendable, Hashable {
        /// Sending while the connection is not open (still connecting, closing or closed).
        case notOpen
        /// A close code that may not be sent (see ``WebSocketCloseCode/isAllowedInCloseFrame(_:)``).
        case invalidCloseCode
        /// A close reason longer than 123 UTF-8 bytes.
        case closeReasonTooLong
        /// A ping or pong payload longer than 125 bytes.
        case controlPayloadTooLong
        /// Text that is not valid UTF-8.
        case invalidUTF8
        /// An extra handshake header with an invalid name or value, or one the client sets itself.
        case invalidHeader
        /// A fragment size below 1 byte.
        case invalidFragmentSize
        /// A server's `accept` or `reject` with no upgrade request waiting for an answer.
        case noPendingUpgrade
        /// A server's rejection status outside 200...599, or a reason phrase with control characters.
        case invalidStatus
    }

    /// What was wrong.
    public var kind: Kind
    /// A human-readable explanation.
    public var message: String

    /// Creates an error.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

/// Why a string is not a usable `ws://` or `wss://` URL.
public struct WebSocketURLError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was wrong, as a stable code.
    public enum Kind: String, Sendable, Hashable {
        /// The scheme is not `ws` or `wss`, or `://` is missing.
        case unsupportedScheme
        /// The host is empty or malformed (including an unclosed IPv6 bracket).
        case invalidHost
        /// The port is not a number in 1...65535.
        case invalidPort
        /// User information (`user@`) is not allowed in WebSocket URLs.
        case userInfoNotAllowed
        /// Fragments (`#...`) are not allowed in WebSocket URLs (RFC 6455 §3).
        case fragmentNotAllowed
        /// A space, control or non-ASCII character that should have been percent-encoded.
        case invalidCharacter
    }

    /// What was wrong.
    public var kind: Kind
    /// A human-readable explanation naming the offending part.
    public var message: String

    /// Creates an error.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
