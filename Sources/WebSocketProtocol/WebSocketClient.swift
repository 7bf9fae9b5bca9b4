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
// Everything that changes the connection's state lives in this file. `phase`
// is the RFC's state with the data each state needs:
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
// Framing rules live in `WebSocketFrameParser`; the client copies each data
// payload from the caller's buffer straight into the message being assembled,
// so a whole frame in one read costs one copy and no buffering.

/// A sans-I/O RFC 6455 client connection: bytes in, events and bytes out.
public struct WebSocketClient: Sendable {
    /// The connection's state with the data that state needs.
    private enum Phase: Sendable {
        /// Waiting for or reading the response to the upgrade request.
        case connecting(HandshakeResponseParser)
        /// Messages flow both ways.
        case open
        /// We sent a close frame with this code and reason and wait for the server's.
        case localClosing(code: UInt16, reason: String)
        /// Finished; input is ignored.
        case closed
        /// The upgrade was refused; input is ignored.
        case rejected
    }

    private let configuration: WebSocketConfiguration
    private let request: [UInt8]
    /// The `Sec-WebSocket-Key` sent in the upgrade request.
    public let handshakeKey: String
    private var phase: Phase
    private var frames: WebSocketFrameParser
    /// The data message being assembled.
    private var messageBuffer: [UInt8] = []
    /// Bytes received so far: the stream offset of the next byte.
    private var receivedCount = 0
    private var events = EventQueue<WebSocketEvent>()
    // Only when text validation is left to the caller: where each text message came from,
    // from its first frame header until `nextEvent()` hands the message out.
    private var assemblingText: TextMessageOrigin?
    private var undeliveredText = EventQueue<TextMessageOrigin>()
    private var deliveredText: TextMessageOrigin?
    // Where each message's last frame header lies, from its FIN frame until `nextEvent()` hands
    // the message out.
    private var undeliveredMessageFrames = EventQueue<Int>()

    /// The stream offset of the last frame header of the message ``nextEvent()`` returned last,
    /// so the layer above can say where a message it cannot use came from.
    package private(set) var deliveredMessageFrameOffset: Int?

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
        frames = WebSocketFrameParser(framesFrom: .server, configuration: configuration)
    }

    /// The connection's state.
    public var state: WebSocketState {
        switch phase {
        case .connecting: return .connecting
        case .open: return .open
        case .localClosing: return .localClosing
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
        case .open, .localClosing:
            frames.unfinishedFrame
        case .closed, .rejected:
            nil
        }
    }

    /// The upgrade request to write first, byte for byte.
    public func handshakeRequest() -> [UInt8] { request }

    /// The next event, in order; nil when all have been drained.
    public mutating func nextEvent() -> WebSocketEvent? {
        let event = events.removeFirst()
        if case .message? = event {
            deliveredMessageFrameOffset = undeliveredMessageFrames.removeFirst()
            if !configuration.validatesTextMessages, case .message(.text)? = event {
                deliveredText = undeliveredText.removeFirst()
            }
        }
        return event
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
        var validator = UTF8Validator()
        let index: Int
        if let invalid = validator.validate(message) {
            index = invalid
        } else if !validator.isAtCharacterBoundary {
            index = message.count - validator.unfinishedSequenceLength
        } else {
            return nil
        }
        let offset = deliveredText?.streamOffset(ofMessageByte: index) ?? receivedCount
        let error = WebSocketProtocolError(.invalidUTF8, "text message is not valid UTF-8", offset: offset)
        events = EventQueue()
        undeliveredText = EventQueue()
        undeliveredMessageFrames = EventQueue()
        assemblingText = nil
        var output: [UInt8] = []
        switch phase {
        case .open, .localClosing:
            fail(error, output: &output, using: &rng)
        case .closed:
            emit(.closed(WebSocketClosure(initiator: .local, code: error.closeCode, reason: error.kind.rawValue, error: error)))
        case .connecting, .rejected:
            preconditionFailure("a text message was delivered before the upgrade")
        }
        return output
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
                emit(.closed(WebSocketClosure(initiator: .abnormal, code: WebSocketCloseCode.abnormalClosure, error: error)))
                return []
            }
            switch outcome {
            case .needMoreInput:
                phase = .connecting(parser)
            case .rejected(let rejection):
                phase = .rejected
                emit(.rejected(rejection))
            case .accepted(let response, let framesStart):
                phase = .open
                frames = WebSocketFrameParser(
                    framesFrom: .server, configuration: configuration, startOffset: streamOffset + framesStart)
                emit(.accepted(response))
                receiveFrames(UnsafeRawBufferPointer(rebasing: bytes[framesStart...]), output: &output, using: &rng)
            }
        case .open, .localClosing:
            receiveFrames(bytes, output: &output, using: &rng)
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
                    emit(.rejected(rejection))
                }
            } catch {
                emit(.closed(WebSocketClosure(initiator: .abnormal, code: WebSocketCloseCode.abnormalClosure, error: error)))
            }
        case .open, .localClosing:
            phase = .closed
            messageBuffer = []
            emit(.closed(WebSocketClosure(initiator: .abnormal, code: WebSocketCloseCode.abnormalClosure)))
        case .closed, .rejected:
            break
        }
    }

    private mutating func receiveFrames(
        _ bytes: UnsafeRawBufferPointer, output: inout [UInt8], using rng: inout some RandomNumberGenerator
    ) {
        var position = 0
        while true {
            switch phase {
            case .open, .localClosing: break
            case .connecting, .closed, .rejected: return
            }
            let step: WebSocketFrameParser.Step
            do throws(WebSocketProtocolError) {
                step = try frames.step(bytes, at: &position, messageSink: &messageBuffer)
            } catch {
                fail(error, output: &output, using: &rng)
                return
            }
            switch step {
            case .needMoreInput:
                return
            case .header(let header):
                if configuration.reportsFrames { emit(.frame(header)) }
                if !configuration.validatesTextMessages { noteTextOrigin(header) }
            case .dataFrameEnd(let header, let opcode):
                if header.fin {
                    let message = messageBuffer
                    messageBuffer = []
                    if opcode == .text && !configuration.validatesTextMessages {
                        undeliveredText.append(assemblingText ?? TextMessageOrigin(firstFrame: header))
                        assemblingText = nil
                    }
                    undeliveredMessageFrames.append(header.offset)
                    emit(.message(opcode == .text ? .text(message) : .binary(message)))
                }
            case .controlFrame(let header, let payload):
                receiveControlFrame(header.opcode, payload, output: &output, using: &rng)
            }
        }
    }

    /// Follows where the text message being assembled lies in the stream.
    private mutating func noteTextOrigin(_ header: WebSocketFrameHeader) {
        switch header.opcode {
        case .text: assemblingText = TextMessageOrigin(firstFrame: header)
        case .continuation: assemblingText?.append(header)
        case .binary: assemblingText = nil
        default: break
        }
    }

    private mutating func receiveControlFrame(
        _ opcode: WebSocketOpcode, _ payload: [UInt8], output: inout [UInt8], using rng: inout some RandomNumberGenerator
    ) {
        switch opcode {
        case .ping:
            emit(.ping(payload))
            if case .open = phase { appendFrame(.pong, payload, to: &output, using: &rng) }
        case .pong:
            emit(.pong(payload))
        case .close:
            // The parser validated the payload: empty, or a code plus UTF-8.
            let code = payload.count >= 2 ? UInt16(payload[0]) << 8 | UInt16(payload[1]) : nil
            let reason = payload.count > 2 ? String(decoding: payload[2...], as: UTF8.self) : ""
            switch phase {
            case .open:
                // Echo the code (RFC 6455 §5.5.1); a close without one is echoed without one.
                appendFrame(.close, WebSocketFrameEncoder.closePayload(code: code), to: &output, using: &rng)
                emit(.closed(WebSocketClosure(initiator: .remote, code: code, reason: reason)))
            case .localClosing(let sentCode, let sentReason):
                emit(.closed(WebSocketClosure(initiator: .local, code: sentCode, reason: sentReason)))
            case .connecting, .closed, .rejected:
                preconditionFailure("close frame parsed while not open")
            }
            phase = .closed
            messageBuffer = []
        default:
            preconditionFailure("the frame parser let reserved control opcode \(opcode) through")
        }
    }

    /// Fails the connection (RFC 6455 §7.1.7): send a close with the error's
    /// code unless we already sent one, then stop.
    private mutating func fail(
        _ error: WebSocketProtocolError, output: inout [UInt8], using rng: inout some RandomNumberGenerator
    ) {
        switch phase {
        case .open:
            let reason = error.kind.rawValue
            appendFrame(.close, WebSocketFrameEncoder.closePayload(code: error.closeCode, reason: reason), to: &output, using: &rng)
            emit(.closed(WebSocketClosure(initiator: .local, code: error.closeCode, reason: reason, error: error)))
        case .localClosing(let code, let reason):
            emit(.closed(WebSocketClosure(initiator: .local, code: code, reason: reason, error: error)))
        case .connecting, .closed, .rejected:
            preconditionFailure("frame error while not open")
        }
        phase = .closed
        messageBuffer = []
    }

    // MARK: Commands

    /// A text message's frame. `utf8` must be valid UTF-8.
    public mutating func sendText(
        _ utf8: some Collection<UInt8>, using rng: inout some RandomNumberGenerator
    ) throws(WebSocketUsageError) -> [UInt8] {
        try requireOpen("send a text message")
        return try Self.withContiguousBytes(utf8) { bytes throws(WebSocketUsageError) -> [UInt8] in
            var validator = UTF8Validator()
            if let bad = validator.validate(bytes) {
                throw WebSocketUsageError(.invalidUTF8, "text is not valid UTF-8 at byte \(bad)")
            }
            if !validator.isAtCharacterBoundary {
                throw WebSocketUsageError(.invalidUTF8, "text ends inside a UTF-8 sequence")
            }
            return Self.frame(.text, bytes, using: &rng)
        }
    }

    /// A binary message's frame.
    public mutating func sendBinary(
        _ bytes: some Collection<UInt8>, using rng: inout some RandomNumberGenerator
    ) throws(WebSocketUsageError) -> [UInt8] {
        try requireOpen("send a binary message")
        return Self.withContiguousBytes(bytes) { Self.frame(.binary, $0, using: &rng) }
    }

    /// A ping frame; `payload` is at most 125 bytes.
    public mutating func sendPing(
        _ payload: [UInt8] = [], using rng: inout some RandomNumberGenerator
    ) throws(WebSocketUsageError) -> [UInt8] {
        try requireOpen("send a ping")
        try Self.checkControlPayload(payload, "ping")
        return payload.withUnsafeBytes { Self.frame(.ping, $0, using: &rng) }
    }

    /// An unsolicited pong frame (pings are answered automatically); `payload` is at most 125 bytes.
    public mutating func sendPong(
        _ payload: [UInt8] = [], using rng: inout some RandomNumberGenerator
    ) throws(WebSocketUsageError) -> [UInt8] {
        try requireOpen("send a pong")
        try Self.checkControlPayload(payload, "pong")
        return payload.withUnsafeBytes { Self.frame(.pong, $0, using: &rng) }
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
        guard WebSocketCloseCode.isAllowedInCloseFrame(code) else {
            throw WebSocketUsageError(.invalidCloseCode, "close code \(code) may not be sent")
        }
        guard reason.utf8.count <= 123 else {
            throw WebSocketUsageError(.closeReasonTooLong, "close reason of \(reason.utf8.count) bytes exceeds 123")
        }
        var output: [UInt8] = []
        appendFrame(.close, WebSocketFrameEncoder.closePayload(code: code, reason: reason), to: &output, using: &rng)
        phase = .localClosing(code: code, reason: reason)
        return output
    }

    // MARK: Helpers

    private func requireOpen(_ action: String) throws(WebSocketUsageError) {
        switch phase {
        case .open:
            return
        case .connecting:
            throw WebSocketUsageError(.notOpen, "cannot \(action): the opening handshake has not completed")
        case .localClosing:
            throw WebSocketUsageError(.notOpen, "cannot \(action): a close frame was already sent")
        case .closed:
            throw WebSocketUsageError(.notOpen, "cannot \(action): the connection is closed")
        case .rejected:
            throw WebSocketUsageError(.notOpen, "cannot \(action): the server rejected the connection")
        }
    }

    private static func checkControlPayload(_ payload: [UInt8], _ name: String) throws(WebSocketUsageError) {
        guard payload.count <= 125 else {
            throw WebSocketUsageError(.controlPayloadTooLong, "\(name) payload of \(payload.count) bytes exceeds 125")
        }
    }

    private mutating func emit(_ event: WebSocketEvent) {
        events.append(event)
    }

    private func appendFrame(
        _ opcode: WebSocketOpcode, _ payload: [UInt8], to output: inout [UInt8], using rng: inout some RandomNumberGenerator
    ) {
        WebSocketFrameEncoder.append(opcode: opcode, payload: payload, maskingKey: .random(using: &rng), to: &output)
    }

    private static func frame(
        _ opcode: WebSocketOpcode, _ payload: UnsafeRawBufferPointer, using rng: inout some RandomNumberGenerator
    ) -> [UInt8] {
        var output: [UInt8] = []
        WebSocketFrameEncoder.append(opcode: opcode, payload: payload, maskingKey: .random(using: &rng), to: &output)
        return output
    }

    private static func withContiguousBytes<Result, Failure: Error>(
        _ bytes: some Collection<UInt8>, _ body: (UnsafeRawBufferPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        if let result = bytes.withContiguousStorageIfAvailable({ buffer in
            Swift.Result { () throws(Failure) -> Result in try body(UnsafeRawBufferPointer(buffer)) }
        }) {
            return try result.get()
        }
        return try Array(bytes).withUnsafeBytes { buffer in
            Swift.Result { () throws(Failure) -> Result in try body(buffer) }
        }.get()
    }
}
