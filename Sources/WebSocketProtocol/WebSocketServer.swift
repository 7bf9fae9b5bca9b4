// Theory of operation
//
// `WebSocketServer` is the server side of RFC 6455 as a value, the mirror of
// `WebSocketClient`: it owns no socket or clock, and needs no random source at
// all, since a server's frames are not masked. The caller hands every read of
// an accepted TCP connection to `receive(_:)`, writes back whatever it returns,
// and drains `nextEvent()` until nil. Commands return the bytes to write or
// throw `WebSocketUsageError`; the state does not change when they throw.
//
// The handshake lives in this file; what follows it is `WebSocketFrameStream`,
// shared with the client, here parsing frames from a client (which must be
// masked: an unmasked one fails the connection with 1002) and writing
// unmasked ones. `phase` is the state with the data each state needs,
// `upgraded` standing for the stream's open, localClosing and closed:
//
//   readingRequest --valid request--> requested (event: upgradeRequested)
//   readingRequest --invalid request--> [400 / 426] --> rejected (event: refused)
//   readingRequest --EOF--> closed (abnormal, with error)
//   requested --accept()--> [101] --> upgraded (open)
//   requested --reject()--> [the caller's status] --> rejected
//   requested --EOF--> closed (abnormal)
//   upgraded: open --close()--> localClosing --client's close--> closed (local)
//             open --client's close--> [echo it] --> closed (remote)
//             open | localClosing --client violates the protocol--> [close 1002/1007/1009] --> closed (local, with error)
//             open | localClosing --EOF--> closed (abnormal, 1006)
//
// A well-behaved client waits for the 101 before it sends a frame (§4.1), but
// bytes that arrive while the caller decides are kept and parsed as frames
// once it accepts, so a pipelining client (or a test feeding a whole session
// at once) is read the same as one that waited. The caller controls how much
// that is: it decides when to read.
// Input after `closed` or `rejected` is ignored.

/// A sans-I/O RFC 6455 server connection: bytes in, events and bytes out.
public struct WebSocketServer: Sendable {
    /// The connection's state with the data that state needs.
    private enum Phase: Sendable {
        /// Reading the client's upgrade request.
        case readingRequest(HandshakeRequestParser)
        /// A valid request waits for ``accept(extraHeaders:)`` or ``reject(status:reason:headers:body:)``;
        /// `early` holds the bytes that arrived after it meanwhile.
        case requested(WebSocketUpgradeRequest, early: [UInt8])
        /// The upgrade was accepted; `stream` holds open, localClosing or closed.
        case upgraded
        /// The input ended (or the client went away) before the upgrade; input is ignored.
        case closed
        /// The request was refused, by the server or by the caller; input is ignored.
        case rejected
    }

    private let configuration: WebSocketConfiguration
    private var phase: Phase
    /// Frames, messages and the closing handshake, once upgraded.
    private var stream: WebSocketFrameStream
    /// The handshake's events, handed out before the stream's.
    private var handshakeEvents = EventQueue<WebSocketServerEvent>()
    /// Bytes received so far: the stream offset of the next byte.
    private var receivedCount = 0

    /// Creates a connection that waits for a client's upgrade request.
    /// - Parameter configuration: limits and options; the server always validates text
    ///   messages, and reads a request head of at most
    ///   ``WebSocketConfiguration/maxHandshakeRequestHeaderSize`` bytes.
    public init(configuration: WebSocketConfiguration = .init()) {
        var configuration = configuration
        configuration.validatesTextMessages = true
        self.configuration = configuration
        phase = .readingRequest(HandshakeRequestParser(configuration: configuration))
        stream = WebSocketFrameStream(framesFrom: .client, configuration: configuration)
    }

    /// The connection's state: ``WebSocketState/connecting`` until the upgrade is accepted
    /// or refused.
    public var state: WebSocketState {
        switch phase {
        case .readingRequest, .requested: return .connecting
        case .upgraded: return stream.state
        case .closed: return .closed
        case .rejected: return .rejected
        }
    }

    /// Where the input so far stops short: inside the client's request head (after at
    /// least one byte of it) or inside a frame. Nil between frames, while an upgrade request
    /// waits for an answer (bytes that arrived meanwhile are parsed on accepting), and once
    /// the connection is closed or rejected.
    public var unfinishedInput: WebSocketTruncation? {
        switch phase {
        case .readingRequest:
            receivedCount > 0 ? .handshake(received: receivedCount) : nil
        case .upgraded:
            stream.unfinishedFrame
        case .requested, .closed, .rejected:
            nil
        }
    }

    /// The stream offset of the last frame header of the message ``nextEvent()`` returned last,
    /// so the layer above can say where a message it refuses came from.
    package var deliveredMessageFrameOffset: Int? { stream.deliveredMessageFrameOffset }

    /// The next event, in order; nil when all have been drained.
    public mutating func nextEvent() -> WebSocketServerEvent? {
        if let event = handshakeEvents.removeFirst() { return event }
        switch stream.nextEvent() {
        case .frame(let header)?: return .frame(header)
        case .message(let message)?: return .message(message)
        case .ping(let payload)?: return .ping(payload)
        case .pong(let payload)?: return .pong(payload)
        case .closed(let closure)?: return .closed(closure)
        case nil: return nil
        }
    }

    // MARK: Input

    /// Feeds bytes read from the transport. Returns bytes to write back now: the refusal
    /// of an invalid upgrade request, pongs, the echo of the client's close, the close frame
    /// sent because the client broke the protocol. The client's violations never throw; they
    /// become a ``WebSocketServerEvent/refused(status:error:)`` or
    /// ``WebSocketServerEvent/closed(_:)`` event carrying the error.
    public mutating func receive(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var output: [UInt8] = []
        receivedCount += bytes.count
        switch phase {
        case .readingRequest(var parser):
            phase = .closed  // Drops the enum's copy so the parser's buffer stays uniquely owned.
            let outcome: HandshakeRequestParser.Outcome
            do throws(WebSocketProtocolError) {
                outcome = try parser.receive(bytes)
            } catch {
                return refuse(error)
            }
            switch outcome {
            case .needMoreInput:
                phase = .readingRequest(parser)
            case .complete(let request, let framesStart):
                phase = .requested(request, early: Array(UnsafeRawBufferPointer(rebasing: bytes[framesStart...])))
                handshakeEvents.append(.upgradeRequested(request))
            }
        case .requested(let request, var early):
            phase = .closed
            early.append(contentsOf: bytes)
            phase = .requested(request, early: early)
        case .upgraded:
            var unmasked = NoRandomness()
            stream.receive(bytes, output: &output, using: &unmasked)
        case .closed, .rejected:
            break
        }
        return output
    }

    /// Feeds bytes read from the transport (see the `UnsafeRawBufferPointer` overload).
    public mutating func receive(_ bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBytes { receive($0) }
    }

    /// The transport reached end of input. Unless the connection already ended, it is an
    /// abnormal closure (1006), reported as a ``WebSocketServerEvent/closed(_:)`` event;
    /// inside the request head the closure carries a ``WebSocketProtocolError/Kind/truncatedHandshake`` error.
    public mutating func receiveEndOfInput() {
        switch phase {
        case .readingRequest:
            phase = .closed
            let error = HandshakeRequestParser.truncated(received: receivedCount)
            handshakeEvents.append(.closed(WebSocketClosure(initiator: .abnormal, code: WebSocketCloseCode.abnormalClosure, error: error)))
        case .requested:
            phase = .closed
            handshakeEvents.append(.closed(WebSocketClosure(initiator: .abnormal, code: WebSocketCloseCode.abnormalClosure)))
        case .upgraded:
            stream.receiveEndOfInput()
        case .closed, .rejected:
            break
        }
    }

    /// Answers an invalid request: 426 with the version we speak for a version problem,
    /// 400 for everything else, with the reason as a one-line body.
    private mutating func refuse(_ error: WebSocketProtocolError) -> [UInt8] {
        phase = .rejected
        let status: Int
        var headers: [WebSocketHTTPHeader] = []
        switch error.kind {
        case .unsupportedWebSocketVersion:
            status = 426
            headers.append(WebSocketHTTPHeader(name: "Sec-WebSocket-Version", value: "13"))
        default:
            status = 400
        }
        headers.append(WebSocketHTTPHeader(name: "Content-Type", value: "text/plain; charset=utf-8"))
        handshakeEvents.append(.refused(status: status, error: error))
        return WebSocketHandshake.closingResponse(
            status: status, reason: WebSocketHandshake.reasonPhrase(forStatus: status), headers: headers,
            body: Array("\(error.message) (at byte \(error.offset))\n".utf8))
    }

    // MARK: Answering the upgrade request

    /// Accepts the upgrade request that ``WebSocketServerEvent/upgradeRequested(_:)`` reported:
    /// returns the `101 Switching Protocols` (with the `Sec-WebSocket-Accept` for its key),
    /// followed by whatever parsing the frames that arrived meanwhile calls for (pongs, a
    /// close). The state becomes ``WebSocketState/open``, or already ``WebSocketState/closed``
    /// should those frames have closed it.
    /// - Parameter extraHeaders: added after the standard ones (e.g. `Server`). A
    ///   `Sec-WebSocket-Protocol` must name one of ``WebSocketUpgradeRequest/protocols``.
    /// - Throws: ``WebSocketUsageError/Kind/noPendingUpgrade`` when no request waits for an
    ///   answer; ``WebSocketUsageError/Kind/invalidHeader`` for a name that is not a token, a
    ///   value with CR, LF or NUL, a header the server writes itself, or an unoffered subprotocol.
    public mutating func accept(extraHeaders: [(name: String, value: String)] = []) throws(WebSocketUsageError) -> [UInt8] {
        guard case .requested(let request, let early) = phase else { throw noPendingUpgrade("accept") }
        var selectedProtocol = false
        for header in extraHeaders {
            try WebSocketHandshake.validateExtraHeader(
                name: header.name, value: header.value, reserved: WebSocketHandshake.reservedAcceptHeaderNames,
                writer: "the WebSocket server")
            if header.name.lowercased() == "sec-websocket-protocol" {
                guard !selectedProtocol, request.protocols.contains(header.value) else {
                    throw WebSocketUsageError(
                        .invalidHeader, "subprotocol \"\(header.value)\" was not offered once by the client, or a second one was selected")
                }
                selectedProtocol = true
            }
        }
        var output = WebSocketHandshake.switchingProtocolsResponse(
            forKey: request.key, extraHeaders: extraHeaders.map { WebSocketHTTPHeader(name: $0.name, value: $0.value) })
        phase = .upgraded
        // `early` holds the input's last bytes: the frames start that far before its end.
        stream.start(atOffset: receivedCount - early.count)
        var unmasked = NoRandomness()
        early.withUnsafeBytes { stream.receive($0, output: &output, using: &unmasked) }
        return output
    }

    /// Refuses the upgrade request that ``WebSocketServerEvent/upgradeRequested(_:)`` reported
    /// (a wrong path, a failed authorization): returns the response, which ends with
    /// `Content-Length` and `Connection: close`. The state becomes ``WebSocketState/rejected``;
    /// the caller closes the transport once it wrote the response.
    /// - Parameters:
    ///   - status: 200...599 (e.g. 404, 401, 429, 503).
    ///   - reason: the reason phrase; nil for the status's usual one.
    ///   - headers: added before the body's headers (e.g. `Content-Type`, `Retry-After`).
    ///   - body: the response body.
    /// - Throws: ``WebSocketUsageError/Kind/noPendingUpgrade`` when no request waits for an
    ///   answer, ``WebSocketUsageError/Kind/invalidStatus`` for a status outside 200...599 or a
    ///   reason with control characters, ``WebSocketUsageError/Kind/invalidHeader`` as for
    ///   ``accept(extraHeaders:)`` (`Connection`, `Content-Length` and `Transfer-Encoding` are the server's).
    public mutating func reject(
        status: Int, reason: String? = nil, headers: [(name: String, value: String)] = [], body: [UInt8] = []
    ) throws(WebSocketUsageError) -> [UInt8] {
        guard case .requested = phase else { throw noPendingUpgrade("reject") }
        guard (200...599).contains(status) else {
            throw WebSocketUsageError(.invalidStatus, "status \(status) is not a final response's (200...599)")
        }
        let reasonPhrase = reason ?? WebSocketHandshake.reasonPhrase(forStatus: status)
        guard reasonPhrase.utf8.allSatisfy(HTTPSyntax.isFieldCharacter) else {
            throw WebSocketUsageError(.invalidStatus, "reason phrase contains a control character")
        }
        for header in headers {
            try WebSocketHandshake.validateExtraHeader(
                name: header.name, value: header.value, reserved: WebSocketHandshake.reservedRejectHeaderNames,
                writer: "the WebSocket server")
        }
        phase = .rejected
        return WebSocketHandshake.closingResponse(
            status: status, reason: reasonPhrase, headers: headers.map { WebSocketHTTPHeader(name: $0.name, value: $0.value) },
            body: body)
    }

    // MARK: Commands

    /// A text message's frame, or with `fragmentSize` its frames of at most that many payload
    /// bytes each (a continuation may split a UTF-8 sequence: only the whole message must be UTF-8).
    /// - Throws: ``WebSocketUsageError/Kind/invalidUTF8`` unless `utf8` is valid UTF-8,
    ///   ``WebSocketUsageError/Kind/invalidFragmentSize`` for a size below 1,
    ///   ``WebSocketUsageError/Kind/notOpen`` unless the connection is open.
    public func sendText(_ utf8: some Collection<UInt8>, fragmentSize: Int? = nil) throws(WebSocketUsageError) -> [UInt8] {
        try requireOpen("send a text message")
        return try WebSocketFrameStream.withContiguousBytes(utf8) { bytes throws(WebSocketUsageError) -> [UInt8] in
            var unmasked = NoRandomness()
            return try stream.textFrames(bytes, fragmentSize: fragmentSize, using: &unmasked)
        }
    }

    /// A binary message's frame, or with `fragmentSize` its frames of at most that many
    /// payload bytes each.
    /// - Throws: ``WebSocketUsageError/Kind/invalidFragmentSize`` for a size below 1,
    ///   ``WebSocketUsageError/Kind/notOpen`` unless the connection is open.
    public func sendBinary(_ bytes: some Collection<UInt8>, fragmentSize: Int? = nil) throws(WebSocketUsageError) -> [UInt8] {
        try requireOpen("send a binary message")
        return try WebSocketFrameStream.withContiguousBytes(bytes) { bytes throws(WebSocketUsageError) -> [UInt8] in
            var unmasked = NoRandomness()
            return try stream.messageFrames(.binary, bytes, fragmentSize: fragmentSize, using: &unmasked)
        }
    }

    /// A ping frame; `payload` is at most 125 bytes.
    public func sendPing(_ payload: [UInt8] = []) throws(WebSocketUsageError) -> [UInt8] {
        try requireOpen("send a ping")
        var unmasked = NoRandomness()
        return try stream.controlFrame(.ping, payload, name: "ping", using: &unmasked)
    }

    /// An unsolicited pong frame (pings are answered automatically); `payload` is at most 125 bytes.
    public func sendPong(_ payload: [UInt8] = []) throws(WebSocketUsageError) -> [UInt8] {
        try requireOpen("send a pong")
        var unmasked = NoRandomness()
        return try stream.controlFrame(.pong, payload, name: "pong", using: &unmasked)
    }

    /// Starts the closing handshake: returns our close frame; the state becomes
    /// ``WebSocketState/localClosing`` until the client's close arrives. (RFC 6455 §7.1.1
    /// has the server close the TCP connection first once both closes are through.)
    /// - Parameters:
    ///   - code: 1000-1003, 1007-1014 or 3000-4999 (never 1005, 1006 or 1015); Discord's
    ///     gateway codes are 4000-4014.
    ///   - reason: at most 123 UTF-8 bytes.
    public mutating func close(
        code: UInt16 = WebSocketCloseCode.normalClosure, reason: String = ""
    ) throws(WebSocketUsageError) -> [UInt8] {
        try requireOpen("close")
        var unmasked = NoRandomness()
        return try stream.close(code: code, reason: reason, using: &unmasked)
    }

    // MARK: Helpers

    private func requireOpen(_ action: String) throws(WebSocketUsageError) {
        switch phase {
        case .upgraded:
            try stream.requireOpen(action)
        case .readingRequest, .requested:
            throw WebSocketUsageError(.notOpen, "cannot \(action): the connection has not been upgraded")
        case .closed:
            throw WebSocketUsageError(.notOpen, "cannot \(action): the connection is closed")
        case .rejected:
            throw WebSocketUsageError(.notOpen, "cannot \(action): the upgrade was refused")
        }
    }

    private func noPendingUpgrade(_ action: String) -> WebSocketUsageError {
        let why: String
        switch phase {
        case .readingRequest: why = "the request has not arrived"
        case .requested: why = "a request is waiting"
        case .upgraded: why = "the connection was already upgraded"
        case .closed: why = "the connection is closed"
        case .rejected: why = "the upgrade was already refused"
        }
        return WebSocketUsageError(.noPendingUpgrade, "cannot \(action): \(why)")
    }
}
