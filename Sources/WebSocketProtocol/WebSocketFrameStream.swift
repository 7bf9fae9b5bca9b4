// Theory of operation
//
// After the opening handshake RFC 6455 is symmetric except for one rule: a
// client masks every frame it sends and a server masks none (§5.1), so each
// side refuses the other's frames if they break that rule. `WebSocketFrameStream`
// is that symmetric part, shared by `WebSocketClient` and `WebSocketServer`:
// it parses the peer's frames, assembles messages, answers pings, runs the
// closing handshake and fails the connection with the right code, queueing
// `WebSocketStreamEvent`s that the role hands out as its own events. The role
// is one parameter, who sent the frames it parses (`WebSocketFrameParser.Sender`,
// fixed at creation), which also decides whether the frames it writes are
// masked: a client's are, with keys drawn from the generator handed to every
// call that writes; a server's are not, and it hands in `NoRandomness`.
//
//   open --close()--> localClosing --peer's close--> closed (local)
//   open --peer's close--> [echo it] --> closed (remote)
//   open | localClosing --peer violates the protocol--> [close 1002/1007/1009] --> closed (local, with error)
//   open | localClosing --EOF--> closed (abnormal, 1006)
//
// The role owns the handshake and the stream offset of the first frame byte
// (`start(atOffset:)`); the stream is a stored property of the role, never an
// enum payload, so its message buffer stays uniquely owned and is appended to
// in place on the client's hot path.

/// What a ``WebSocketFrameStream`` reports: the events both roles have after the
/// handshake. Each role hands them out as its own public event type.
///
/// A concrete enum rather than a generic parameter: `DiscordGateway` calls the client's
/// unspecialized generic `receive(_:using:)`, and a stream generic over its event type
/// then ran unspecialized too, looking up generic metadata on every read (a whole
/// json/none replay was 10% slower).
enum WebSocketStreamEvent: Sendable {
    case frame(WebSocketFrameHeader)
    case message(WebSocketMessage)
    case ping([UInt8])
    case pong([UInt8])
    case closed(WebSocketClosure)
}

/// The server's stand-in for the client's random source. A stream parsing frames from
/// a client writes unmasked frames and never draws from the generator it is handed;
/// should it ever, it would get zeros, not a trap.
struct NoRandomness: RandomNumberGenerator {
    func next() -> UInt64 { 0 }
}

/// The frames, messages, pings and closing handshake of an upgraded connection,
/// for either role (see the theory of operation above).
struct WebSocketFrameStream: Sendable {
    /// The part of the RFC's state that exists once the handshake is over.
    enum Phase: Sendable {
        /// Messages flow both ways.
        case open
        /// We sent a close frame with this code and reason and wait for the peer's.
        case localClosing(code: UInt16, reason: String)
        /// Finished; input is ignored.
        case closed
    }

    private(set) var phase: Phase = .open
    private let configuration: WebSocketConfiguration
    private let sender: WebSocketFrameParser.Sender
    /// Whether the frames we write are masked: only a client's (RFC 6455 §5.1).
    private let masksFrames: Bool
    private var frames: WebSocketFrameParser
    /// The data message being assembled.
    private var messageBuffer: [UInt8] = []
    private var events = EventQueue<WebSocketStreamEvent>()
    // Only when text validation is left to the caller: where each text message came from,
    // from its first frame header until `nextEvent()` hands the message out.
    private var assemblingText: TextMessageOrigin?
    private var undeliveredText = EventQueue<TextMessageOrigin>()
    private var deliveredText: TextMessageOrigin?
    // Where each message's last frame header lies, from its FIN frame until `nextEvent()` hands
    // the message out.
    private var undeliveredMessageFrames = EventQueue<Int>()

    /// The stream offset of the last frame header of the message ``nextEvent()`` returned last.
    private(set) var deliveredMessageFrameOffset: Int?

    /// A stream parsing frames from `sender`; ``start(atOffset:)`` says where they begin.
    init(framesFrom sender: WebSocketFrameParser.Sender, configuration: WebSocketConfiguration) {
        self.sender = sender
        self.configuration = configuration
        switch sender {
        case .server: masksFrames = true
        case .client, .either: masksFrames = false
        }
        frames = WebSocketFrameParser(framesFrom: sender, configuration: configuration)
    }

    /// The handshake ended at stream offset `offset`: frames start there.
    mutating func start(atOffset offset: Int) {
        frames = WebSocketFrameParser(framesFrom: sender, configuration: configuration, startOffset: offset)
    }

    /// The RFC state this phase stands for.
    var state: WebSocketState {
        switch phase {
        case .open: .open
        case .localClosing: .localClosing
        case .closed: .closed
        }
    }

    /// Where the input stops inside a frame; nil between frames and once closed.
    var unfinishedFrame: WebSocketTruncation? {
        switch phase {
        case .open, .localClosing: frames.unfinishedFrame
        case .closed: nil
        }
    }

    // MARK: Events

    private mutating func emit(_ event: WebSocketStreamEvent) {
        events.append(event)
    }

    /// The next event, in order; nil when all have been drained.
    mutating func nextEvent() -> WebSocketStreamEvent? {
        let event = events.removeFirst()
        if case .message? = event {
            deliveredMessageFrameOffset = undeliveredMessageFrames.removeFirst()
            if !configuration.validatesTextMessages, case .message(.text)? = event {
                deliveredText = undeliveredText.removeFirst()
            }
        }
        return event
    }

    /// See ``WebSocketClient/failIfNotUTF8(_:using:)``; `inputEnd` is the stream offset just past
    /// the input so far, the error's offset when the message's origin is unknown.
    mutating func failIfNotUTF8(
        _ message: UnsafeRawBufferPointer, inputEnd: Int, output: inout [UInt8], using rng: inout some RandomNumberGenerator
    ) -> Bool {
        var validator = UTF8Validator()
        let index: Int
        if let invalid = validator.validate(message) {
            index = invalid
        } else if !validator.isAtCharacterBoundary {
            index = message.count - validator.unfinishedSequenceLength
        } else {
            return false
        }
        let offset = deliveredText?.streamOffset(ofMessageByte: index) ?? inputEnd
        let error = WebSocketProtocolError(.invalidUTF8, "text message is not valid UTF-8", offset: offset)
        events = EventQueue()
        undeliveredText = EventQueue()
        undeliveredMessageFrames = EventQueue()
        assemblingText = nil
        switch phase {
        case .open, .localClosing:
            fail(error, output: &output, using: &rng)
        case .closed:
            emit(.closed(WebSocketClosure(initiator: .local, code: error.closeCode, reason: error.kind.rawValue, error: error)))
        }
        return true
    }

    // MARK: Input

    /// Parses the peer's frames in `bytes`, appending what must be written back
    /// (pongs, the echo of the peer's close, the close that fails the connection) to `output`.
    mutating func receive(_ bytes: UnsafeRawBufferPointer, output: inout [UInt8], using rng: inout some RandomNumberGenerator) {
        var position = 0
        while true {
            switch phase {
            case .open, .localClosing: break
            case .closed: return
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

    /// The transport reached end of input: unless already closed, an abnormal closure (1006).
    mutating func receiveEndOfInput() {
        switch phase {
        case .open, .localClosing:
            phase = .closed
            messageBuffer = []
            emit(.closed(WebSocketClosure(initiator: .abnormal, code: WebSocketCloseCode.abnormalClosure)))
        case .closed:
            break
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
            // Nothing may follow our close, not even a pong.
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
            case .closed:
                preconditionFailure("close frame parsed while closed")
            }
            phase = .closed
            messageBuffer = []
        default:
            preconditionFailure("the frame parser let reserved control opcode \(opcode) through")
        }
    }

    /// Fails the connection (RFC 6455 §7.1.7): send a close with the error's
    /// code unless we already sent one, then stop.
    private mutating func fail(_ error: WebSocketProtocolError, output: inout [UInt8], using rng: inout some RandomNumberGenerator) {
        switch phase {
        case .open:
            let reason = error.kind.rawValue
            appendFrame(
                .close, WebSocketFrameEncoder.closePayload(code: error.closeCode, reason: reason), to: &output,
                using: &rng)
            emit(.closed(WebSocketClosure(initiator: .local, code: error.closeCode, reason: reason, error: error)))
        case .localClosing(let code, let reason):
            emit(.closed(WebSocketClosure(initiator: .local, code: code, reason: reason, error: error)))
        case .closed:
            preconditionFailure("frame error while closed")
        }
        phase = .closed
        messageBuffer = []
    }

    // MARK: Commands

    /// Throws unless messages may be sent; the role checks its own pre-upgrade phases first.
    func requireOpen(_ action: String) throws(WebSocketUsageError) {
        switch phase {
        case .open:
            return
        case .localClosing:
            throw WebSocketUsageError(.notOpen, "cannot \(action): a close frame was already sent")
        case .closed:
            throw WebSocketUsageError(.notOpen, "cannot \(action): the connection is closed")
        }
    }

    /// A text message's frames; throws unless `utf8` is valid UTF-8.
    func textFrames(
        _ utf8: UnsafeRawBufferPointer, fragmentSize: Int?, using rng: inout some RandomNumberGenerator
    ) throws(WebSocketUsageError) -> [UInt8] {
        var validator = UTF8Validator()
        if let bad = validator.validate(utf8) {
            throw WebSocketUsageError(.invalidUTF8, "text is not valid UTF-8 at byte \(bad)")
        }
        if !validator.isAtCharacterBoundary {
            throw WebSocketUsageError(.invalidUTF8, "text ends inside a UTF-8 sequence")
        }
        return try messageFrames(.text, utf8, fragmentSize: fragmentSize, using: &rng)
    }

    /// A data message as one frame, or (with `fragmentSize`) as frames of at most that many
    /// payload bytes: the first with `opcode`, the rest continuations, the last with FIN.
    /// A message is split anywhere, even inside a UTF-8 sequence: RFC 6455 §5.6 asks only
    /// that the whole message be UTF-8.
    func messageFrames(
        _ opcode: WebSocketOpcode, _ payload: UnsafeRawBufferPointer, fragmentSize: Int?, using rng: inout some RandomNumberGenerator
    ) throws(WebSocketUsageError) -> [UInt8] {
        if let fragmentSize, fragmentSize < 1 {
            throw WebSocketUsageError(.invalidFragmentSize, "fragment size \(fragmentSize) is not positive")
        }
        var output: [UInt8] = []
        guard let fragmentSize, payload.count > fragmentSize else {
            WebSocketFrameEncoder.append(opcode: opcode, payload: payload, maskingKey: nextMaskingKey(using: &rng), to: &output)
            return output
        }
        // Each frame adds at most 14 header bytes; one reservation for the whole message.
        let frameCount = payload.count / fragmentSize + 1
        output.reserveCapacity(payload.count + frameCount * 14)
        var start = 0
        var frameOpcode = opcode
        while start < payload.count {
            let end = payload.count - start > fragmentSize ? start + fragmentSize : payload.count
            WebSocketFrameEncoder.append(
                opcode: frameOpcode, payload: UnsafeRawBufferPointer(rebasing: payload[start..<end]), fin: end == payload.count,
                maskingKey: nextMaskingKey(using: &rng), to: &output)
            frameOpcode = .continuation
            start = end
        }
        return output
    }

    /// A ping or pong frame; `payload` is at most 125 bytes.
    func controlFrame(
        _ opcode: WebSocketOpcode, _ payload: [UInt8], name: String, using rng: inout some RandomNumberGenerator
    ) throws(WebSocketUsageError) -> [UInt8] {
        guard payload.count <= 125 else {
            throw WebSocketUsageError(.controlPayloadTooLong, "\(name) payload of \(payload.count) bytes exceeds 125")
        }
        var output: [UInt8] = []
        appendFrame(opcode, payload, to: &output, using: &rng)
        return output
    }

    /// Starts the closing handshake: our close frame; the phase becomes `localClosing`.
    mutating func close(code: UInt16, reason: String, using rng: inout some RandomNumberGenerator) throws(WebSocketUsageError) -> [UInt8] {
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

    private func appendFrame(
        _ opcode: WebSocketOpcode, _ payload: [UInt8], to output: inout [UInt8], using rng: inout some RandomNumberGenerator
    ) {
        WebSocketFrameEncoder.append(opcode: opcode, payload: payload, maskingKey: nextMaskingKey(using: &rng), to: &output)
    }

    /// A fresh key for a client's frame; nil for a server's.
    private func nextMaskingKey(using rng: inout some RandomNumberGenerator) -> WebSocketMaskingKey? {
        masksFrames ? .random(using: &rng) : nil
    }

    /// Runs `body` on `bytes` as one contiguous buffer, copying only when the collection has none.
    static func withContiguousBytes<Result, Failure: Error>(
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
