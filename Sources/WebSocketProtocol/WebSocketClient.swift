// Theory of operation
//
// `WebSocketClient` is the whole client side of RFC 6455 as a value: it owns
// no socket, clock or random source. The caller writes `handshakeRequest()`,
// then hands every read to `receive(_:using:)`, writes back whatever bytes it
// returns (pongs, the echo of the server's close, the close frame that ends a
// connection the server broke), and drains `nextEvent()` until nil. Commands
// (`sendText`, `close`, ...) return the bytes to write or throw
// `WebSocketUsageError` for a request the protocol forbids; the state does not
// change when they throw. Randomness (the handshake key, one masking key per
// frame) is drawn from the generator passed in, so tests are exact.
//
// The handshake lives in this file; what follows it (frames, messages, pings,
// the closing handshake) is `WebSocketFrameStream`, shared with
// `WebSocketServer`, which parses frames from the server and masks what it
// writes with keys drawn from the caller's generator. `phase` is the RFC's
// state with the data each state needs, `upgraded` standing for the stream's
// open, localClosing and closed:
//
//   connecting --101 + valid headers--> open
//   connecting --other well-formed response--> rejected
//   connecting --malformed response / EOF--> closed (abnormal, with error)
//   open --close()--> localClosing --server's close--> closed (local)
//   open --server's close--> [echo it] --> closed (remote)
//   open | localClosing --server violates the protocol--> [close 1002/1007/1009] --> closed (local, with error)
//   open | localClosing --EOF--> closed (abnormal, 1006)
//
// Bytes after our close are still parsed: messages that were in flight are
// delivered (RFC 6455 §5.5.1 allows discarding them, but a gateway client
// wants the dispatches the server sent before it saw our close). Pings are
// reported but not answered then: nothing may be sent after our close.
// Input after `closed` or `rejected` is ignored.
//
// Framing rules live in `WebSocketFrameParser`; the stream copies each data
// payload from the caller's buffer straight into the message being assembled,
// so a whole frame in one read costs one copy and no buffering.

/// A sans-I/O RFC 6455 client connection: bytes in, events and bytes out.
public struct WebSocketClient: Sendable {
    /// The connection's state with the data that state needs.
    private enum Phase: Sendable {
        /// Waiting for or reading the response to the upgrade request.
        case connecting(HandshakeResponseParser)
        /// The server accepted; `stream` holds open, localClosing or closed.
        case upgraded
        /// The response was malformed or cut short; input is ignored.
        case closed
        /// The upgrade was refused; input is ignored.
        case rejected
    }

    private let configuration: WebSocketConfiguration
    private let request: [UInt8]
    /// The `Sec-WebSocket-Key` sent in the upgrade request.
    public let handshakeKey: String
    private var phase: Phase
    /// Frames, messages and the closing handshake.
    private var stream: WebSocketFrameStream
    /// The handshake's one event (accepted, rejected, or closed because it failed),
    /// handed out before the stream's.
    private var handshakeEvent: WebSocketEvent?
    /// Bytes received so far: the stream offset of the next byte.
    private var receivedCount = 0

    /// The stream offset of the last frame header of the message ``nextEvent()`` returned last,
    /// so the layer above can say where a message it cannot use came from.
    package var deliveredMessageFrameOffset: Int? { stream.deliveredMessageFrameOffset }

    /// Creates a connection to `url`, drawing the `Sec-WebSocket-Key` (16 bytes)
    /// from `rng`.
    /// - Parameters:
    ///   - url: where to connect; the caller opens TCP (and TLS for `wss`) to its host and port.
    ///   - extraHeaders: added to the upgrade request after the standard ones (e.g. `User-Agent`).
    ///   - configuration: limits and options.
    /// - Throws: ``WebSocketUsageError/Kind/invalidHeader`` for a header name
    ///   that is not a token, a value with CR, LF or NUL, or a header the client writes itself.
    public init(
        url: WebSocketURL, extraHeaders: [(name: String, value: String)] = [],
        configuration: WebSocketConfiguration = .init(), using rng: inout some RandomNumberGenerator
    ) throws(WebSocketUsageError) {
        for header in extraHeaders {
            try WebSocketHandshake.validateExtraHeader(name: header.name, value: header.value)
        }
        self.configuration = configuration
        handshakeKey = WebSocketHandshake.makeKey(using: &rng)
        request = WebSocketHandshake.request(
            url: url, key: handshakeKey, extraHeaders: extraHeaders.map { WebSocketHTTPHeader(name: $0.name, value: $0.value) })
        phase = .connecting(
            HandshakeResponseParser(expectedAccept: WebSocketHandshake.acceptValue(forKey: handshakeKey), configuration: configuration))
        stream = WebSocketFrameStream(framesFrom: .server, configuration: configuration)
    }

    /// The connection's state.
    public var state: WebSocketState {
        switch phase {
        case .connecting: return .connecting
        case .upgraded: return stream.state
        case .closed: return .closed
        case .rejected: return .rejected
        }
    }

    /// Where the input so far stops short: inside the server's HTTP response (after at least
    /// one byte of it) or inside a frame. Nil between frames, and once the connection is
    /// closed or rejected. Ask before ``receiveEndOfInput()`` to tell a cut stream from a
    /// connection that dropped between frames.
    public var unfinishedInput: WebSocketTruncation? {
        switch phase {
        case .connecting(let parser):
            parser.isReadingHeaders && receivedCount > 0 ? .handshake(received: receivedCount) : nil
        case .upgraded:
            stream.unfinishedFrame
        case .closed, .rejected:
            nil
        }
    }

    /// The upgrade request to write first, byte for byte.
    public func handshakeRequest() -> [UInt8] { request }

    /// The next event, in order; nil when all have been drained.
    public mutating func nextEvent() -> WebSocketEvent? {
        if let event = handshakeEvent.take() { return event }
        switch stream.nextEvent() {
        case .frame(let header)?: return .frame(header)
        case .message(let message)?: return .message(message)
        case .ping(let payload)?: return .ping(payload)
        case .pong(let payload)?: return .pong(payload)
        case .closed(let closure)?: return .closed(closure)
        case nil: return nil
        }
    }

    /// For a client whose ``WebSocketConfiguration/validatesTextMessages`` is off: checks
    /// `message`, the text message ``nextEvent()`` returned last, and when it is not UTF-8
    /// fails the connection with 1007 exactly as the client's own check would have.
    ///
    /// The events still queued (what the server sent after that message) are dropped, as
    /// if parsing had stopped at the bad byte, and a ``WebSocketEvent/closed(_:)`` event
    /// with the error, pointing at the bad byte's stream offset, takes their place. Should
    /// those bytes have closed the WebSocket already, the close frame cannot be sent, but
    /// the closure is reported the same way, so the events do not depend on the reads' sizes.
    /// - Returns: the bytes to write (the close frame), or nil when `message` is valid UTF-8.
    package mutating func failIfNotUTF8(
        _ message: UnsafeRawBufferPointer, using rng: inout some RandomNumberGenerator
    ) -> [UInt8]? {
        switch phase {
        case .upgraded:
            var output: [UInt8] = []
            let failed = stream.failIfNotUTF8(message, inputEnd: receivedCount, output: &output, using: &rng)
            return failed ? output : nil
        case .connecting, .closed, .rejected:
            preconditionFailure("a text message was delivered before the upgrade")
        }
    }

    // MARK: Input

    /// Feeds bytes read from the transport. Returns bytes to write back now
    /// (pongs, the echo of the server's close, the close frame sent because the
    /// server broke the protocol); the server's violations never throw, they
    /// become a ``WebSocketEvent/closed(_:)`` event carrying the error.
    public mutating func receive(_ bytes: UnsafeRawBufferPointer, using rng: inout some RandomNumberGenerator) -> [UInt8] {
        var output: [UInt8] = []
        let streamOffset = receivedCount
        receivedCount += bytes.count
        switch phase {
        case .connecting(var parser):
            phase = .closed  // Drops the enum's copy so the parser's buffer stays uniquely owned.
            let outcome: HandshakeResponseParser.Outcome
            do throws(WebSocketProtocolError) {
                outcome = try parser.receive(bytes, streamOffset: streamOffset)
            } catch {
                handshakeEvent = .closed(WebSocketClosure(initiator: .abnormal, code: WebSocketCloseCode.abnormalClosure, error: error))
                return []
            }
            switch outcome {
            case .needMoreInput:
                phase = .connecting(parser)
            case .rejected(let rejection):
                phase = .rejected
                handshakeEvent = .rejected(rejection)
            case .accepted(let response, let framesStart):
                phase = .upgraded
                stream.start(atOffset: streamOffset + framesStart)
                handshakeEvent = .accepted(response)
                stream.receive(UnsafeRawBufferPointer(rebasing: bytes[framesStart...]), output: &output, using: &rng)
            }
        case .upgraded:
            stream.receive(bytes, output: &output, using: &rng)
        case .closed, .rejected:
            break
        }
        return output
    }

    /// Feeds bytes read from the transport (see the `UnsafeRawBufferPointer` overload).
    public mutating func receive(_ bytes: [UInt8], using rng: inout some RandomNumberGenerator) -> [UInt8] {
        bytes.withUnsafeBytes { receive($0, using: &rng) }
    }

    /// The transport reached end of input. Ends a rejection body read until
    /// the end; otherwise, unless the connection already closed cleanly, it is
    /// an abnormal closure (1006), reported as a ``WebSocketEvent/closed(_:)`` event.
    public mutating func receiveEndOfInput() {
        switch phase {
        case .connecting(var parser):
            phase = .closed
            do throws(WebSocketProtocolError) {
                if let rejection = try parser.receiveEndOfInput(streamOffset: receivedCount) {
                    phase = .rejected
                    handshakeEvent = .rejected(rejection)
                }
            } catch {
                handshakeEvent = .closed(WebSocketClosure(initiator: .abnormal, code: WebSocketCloseCode.abnormalClosure, error: error))
            }
        case .upgraded:
            stream.receiveEndOfInput()
        case .closed, .rejected:
            break
        }
    }

    // MARK: Commands

    /// A text message's frame. `utf8` must be valid UTF-8.
    public mutating func sendText(
        _ utf8: some Collection<UInt8>, using rng: inout some RandomNumberGenerator
    ) throws(WebSocketUsageError) -> [UInt8] {
        try requireOpen("send a text message")
        return try WebSocketFrameStream.withContiguousBytes(utf8) { bytes throws(WebSocketUsageError) -> [UInt8] in
            try stream.textFrames(bytes, fragmentSize: nil, using: &rng)
        }
    }

    /// A binary message's frame.
    public mutating func sendBinary(
        _ bytes: some Collection<UInt8>, using rng: inout some RandomNumberGenerator
    ) throws(WebSocketUsageError) -> [UInt8] {
        try requireOpen("send a binary message")
        return try WebSocketFrameStream.withContiguousBytes(bytes) { bytes throws(WebSocketUsageError) -> [UInt8] in
            try stream.messageFrames(.binary, bytes, fragmentSize: nil, using: &rng)
        }
    }

    /// A ping frame; `payload` is at most 125 bytes.
    public mutating func sendPing(
        _ payload: [UInt8] = [], using rng: inout some RandomNumberGenerator
    ) throws(WebSocketUsageError) -> [UInt8] {
        try requireOpen("send a ping")
        return try stream.controlFrame(.ping, payload, name: "ping", using: &rng)
    }

    /// An unsolicited pong frame (pings are answered automatically); `payload` is at most 125 bytes.
    public mutating func sendPong(
        _ payload: [UInt8] = [], using rng: inout some RandomNumberGenerator
    ) throws(WebSocketUsageError) -> [UInt8] {
        try requireOpen("send a pong")
        return try stream.controlFrame(.pong, payload, name: "pong", using: &rng)
    }

    /// Starts the closing handshake: returns our close frame; the state becomes
    /// ``WebSocketState/localClosing`` until the server's close arrives.
    /// - Parameters:
    ///   - code: 1000-1003, 1007-1014 or 3000-4999 (never 1005, 1006 or 1015).
    ///   - reason: at most 123 UTF-8 bytes.
    public mutating func close(
        code: UInt16 = WebSocketCloseCode.normalClosure, reason: String = "", using rng: inout some RandomNumberGenerator
    ) throws(WebSocketUsageError) -> [UInt8] {
        try requireOpen("close")
        return try stream.close(code: code, reason: reason, using: &rng)
    }

    // MARK: Helpers

    private func requireOpen(_ action: String) throws(WebSocketUsageError) {
        switch phase {
        case .upgraded:
            try stream.requireOpen(action)
        case .connecting:
            throw WebSocketUsageError(.notOpen, "cannot \(action): the opening handshake has not completed")
        case .closed:
            throw WebSocketUsageError(.notOpen, "cannot \(action): the connection is closed")
        case .rejected:
            throw WebSocketUsageError(.notOpen, "cannot \(action): the server rejected the connection")
        }
    }
}
