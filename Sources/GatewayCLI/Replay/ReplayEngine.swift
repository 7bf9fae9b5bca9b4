import DiscordGateway
import GatewayCodecs
import SeededRandom
import WebSocketProtocol

// Theory of operation
//
// A replay is a real `GatewayConnection` fed the inbound bytes of a capture,
// with the capture's clock as `now`. Nothing it writes goes anywhere, and
// `handleDeadline` is never called: the connection's own heartbeats would run
// on its own jitter, not the recorded one, and could declare the recorded
// connection a zombie. Heartbeats and their latency come from the recording's
// `sent` records instead.
//
// `mode` moves sniffing -> decided -> replaying (a capture file or options that
// name the format start at decided): a raw dump's first bytes wait until its
// first message shows the format. Connection boundaries (a new `conn` number)
// call `reconnect()` and `connect()`, as a live client does, so the
// decompressor and WebSocket state start fresh, and replace `current`, which
// holds everything that belongs to one connection. A dump without its HTTP
// response gets a synthesized `101` that answers the connection's own request key.
//
// Everything shown is derived from the connection's events, so the output is
// the same however the bytes are split. Where a failure lies comes from the
// library too: a disconnect says where the input stopped short
// (`GatewayDisconnect.truncation`), and an undecodable payload names the frame
// that ended its message (`GatewayDecodingError.frameOffset`). The connection
// starts its close (4002) at such a message but still delivers the messages
// read after it; the engine shows the events up to that frame and stops there.

/// Drives a `GatewayConnection` with captured bytes and renders what it reports.
struct ReplayEngine {
    /// How far the engine is in knowing the format.
    enum Mode {
        /// A raw dump's format is not known yet: its first bytes wait here.
        case sniffing(Sniffing)
        /// The format is known; the connection is made when the first connection begins.
        case decided(ReplayFormat)
        /// Replaying through this connection.
        case replaying(GatewayConnection)
        /// The dump is not a gateway session (its first message is no gateway payload and no
        /// option names a format): its WebSocket messages are shown as they are, through this
        /// client (`ReplayEngine+PlainWebSocket.swift`).
        case plain(WebSocketClient)
    }

    /// A dump's first bytes, held until they show the format.
    struct Sniffing {
        var pending: [UInt8] = []
        /// The size of `pending` at the last try: sniffing re-parses it, so it waits for twice that.
        var triedAt = 0
    }

    /// What belongs to one connection of the capture; the next connection starts from a new value.
    struct CurrentConnection {
        var number = 0
        var isActive = false
        /// Bytes of the synthesized `101` fed before a dump's frames: shown offsets leave them out.
        var synthesizedCount = 0
        /// When the last recorded heartbeat was sent, for the latency of its ACK.
        var heartbeatSentAt: Duration?
        /// The recorded upgrade request's key, to check the response's accept value.
        var recordedKey: String?
        /// Whether the recording says the transport ended here, so input that stops inside a
        /// frame is a dropped connection to show rather than a cut file.
        var endIsRecorded = false
        /// The client's frames so far, when outbound messages are decoded (a packet capture):
        /// kept per connection, as a frame or a message may span several writes.
        var outbound = OutboundMessages()
    }

    let renderer: Renderer
    let filter: OutputFilter
    private let chunkSize: Int?
    private let synthesizesHandshake: Bool
    /// Whether stream offsets are offsets in the input file (raw dumps).
    private let offsetsAreFileOffsets: Bool
    private let encodingOverride: GatewayEncoding?
    private let compressionOverride: GatewayCompression?
    /// Whether the client's data messages are decoded and shown as sent payloads: a packet
    /// capture carries them on the wire, where a recording has `sent` records instead.
    let decodesOutboundMessages: Bool
    var summary: ReplaySummary

    var mode: Mode
    var current = CurrentConnection()
    private(set) var time: Duration = .zero

    /// Creates an engine; with `format` nil, the first message decides it, and the
    /// overrides (from `--encoding`, `--compression`) replace what it found. `hasTimes`: whether
    /// the input has a clock (a raw dump's times are all 0).
    init(
        renderer: Renderer, filter: OutputFilter, chunkSize: Int?, format: ReplayFormat?, synthesizesHandshake: Bool,
        offsetsAreFileOffsets: Bool, hasTimes: Bool, encodingOverride: GatewayEncoding? = nil,
        compressionOverride: GatewayCompression? = nil, decodesOutboundMessages: Bool = false
    ) {
        self.decodesOutboundMessages = decodesOutboundMessages
        self.summary = ReplaySummary(hasTimes: hasTimes)
        self.encodingOverride = encodingOverride
        self.compressionOverride = compressionOverride
        self.renderer = renderer
        self.filter = filter
        self.chunkSize = chunkSize.map { max(1, $0) }
        self.mode = format.map(Mode.decided) ?? .sniffing(Sniffing())
        self.synthesizesHandshake = synthesizesHandshake
        self.offsetsAreFileOffsets = offsetsAreFileOffsets
    }

    var context: RenderContext { RenderContext(time: time, connection: current.number) }

    /// The connection being replayed, for reading it.
    private var connection: GatewayConnection? {
        if case .replaying(let connection) = mode { return connection }
        return nil
    }

    /// Runs `body` on the connection being replayed; nil when there is none yet.
    ///
    /// The enum's copy is swapped out first, so the connection's buffers stay uniquely
    /// referenced and are mutated in place rather than copied on every read.
    private mutating func withConnection<Result>(_ body: (inout GatewayConnection) -> Result) -> Result? {
        guard case .replaying(var connection) = mode else { return nil }
        mode = .sniffing(Sniffing())
        defer { mode = .replaying(connection) }
        return body(&connection)
    }

    // MARK: - Input

    /// Starts connection `number` at `now`, ending the previous one first.
    mutating func beginConnection(_ number: Int, at now: Duration) throws(ReplayError) {
        if current.isActive { try endConnection(at: now) }
        advance(to: now)
        current = CurrentConnection(number: number, isActive: true)
        summary.connections += 1
        switch mode {
        case .sniffing: mode = .sniffing(Sniffing())
        case .decided, .replaying, .plain: try connect()
        }
    }

    /// Bytes the client read at `now`.
    mutating func receive(_ bytes: [UInt8], at now: Duration) throws(ReplayError) {
        advance(to: now)
        summary.wireBytes += bytes.count
        if case .sniffing = mode { return try buffer(bytes) }
        try feed(bytes)
    }

    /// Bytes the client wrote at `now`: recordings keep the upgrade request and frames that
    /// carry no secret, such as the client's close, which the connection is told about.
    mutating func wrote(_ bytes: [UInt8], at now: Duration) {
        advance(to: now)
        if decodesOutboundMessages { return wroteStream(bytes) }
        guard let request = HTTPMessageText(bytes), request.startLine.hasPrefix("GET ") else {
            return wroteFrames(bytes)
        }
        showRequest(request)
    }

    /// The client's upgrade request: its key kept for the accept check, its head shown.
    mutating func showRequest(_ request: HTTPMessageText) {
        current.recordedKey = request.value(of: "Sec-WebSocket-Key")
        if filter.showsConnectionLines {
            renderer.upgradeRequest(context, requestLine: request.startLine, headers: request.shownHeaders)
        }
    }

    private mutating func wroteFrames(_ bytes: [UInt8]) {
        var parser = WebSocketFrameParser(framesFrom: .client)
        parser.append(bytes)
        while true {
            let frame: WebSocketFrame?
            do {
                frame = try parser.nextFrame()
            } catch {
                if filter.showsConnectionLines { renderer.info("\(bytes.count) bytes written: \(error)", context) }
                return
            }
            guard let frame else { break }
            if filter.showsFrames { renderer.frame(context, .outbound, frame.header, offset: frame.header.offset) }
            guard frame.header.opcode == .close else { continue }
            clientClosed(frame.payload)
        }
    }

    /// The client's close frame: the connection is told, so its close handshake completes.
    mutating func clientClosed(_ payload: [UInt8]) {
        let code = payload.count >= 2 ? UInt16(payload[0]) << 8 | UInt16(payload[1]) : WebSocketCloseCode.normalClosure
        let reason = payload.count > 2 ? String(decoding: payload[2...], as: UTF8.self) : ""
        let now = time
        _ = withConnection { connection in
            guard connection.state == .open || connection.state == .awaitingHello else { return }
            _ = try? connection.close(code: GatewayCloseCode(rawValue: code), reason: reason, now: now)
        }
    }

    /// A payload the client sent at `now`, as the recording's JSON.
    mutating func sent(_ payloadJSON: [UInt8], at now: Duration, line: Int) throws(ReplayError) {
        advance(to: now)
        let payload: GatewayPayload
        do {
            payload = try GatewayPayload(decoding: payloadJSON, encoding: .json)
        } catch {
            throw failure(.corruptInput, "capture line \(line): the sent payload is not a gateway payload: \(error)", at: nil)
        }
        showSent(payload, at: now)
    }

    /// A payload the client sent, counted and shown (a HEARTBEAT's time kept for its ACK).
    mutating func showSent(_ payload: GatewayPayload, at now: Duration) {
        summary.sent(opcode: payload.opcode.rawValue)
        if payload.opcode == .heartbeat { current.heartbeatSentAt = now }
        if filter.shows(opcode: payload.opcode.rawValue, eventName: payload.eventName) {
            renderer.payload(.sent, context, .outbound, payload)
        }
    }

    /// The end of the current connection's input at `now`: a clean end between frames is a
    /// dropped connection; an end inside a frame or the handshake is corrupt input, unless the
    /// recording says the connection really ended there (`recordedDisconnect`): then the
    /// transport dropped mid-frame, which is a disconnect to show, not a broken file.
    mutating func endConnection(at now: Duration, recordedDisconnect: Bool = false) throws(ReplayError) {
        guard current.isActive else { return }
        advance(to: now)
        if case .sniffing = mode { try decideFormat(atEnd: true) }
        current.isActive = false
        current.endIsRecorded = recordedDisconnect
        if case .plain = mode { return try endPlain() }
        let endedNow = time
        let ended = withConnection { connection in
            guard connection.state != .closed, connection.state != .idle else { return false }
            connection.receiveEndOfInput(now: endedNow)
            return true
        }
        if ended == true { try drain() }
    }

    /// The counts so far.
    func finish() -> ReplaySummary { summary }

    // MARK: - Internals

    private mutating func advance(to now: Duration) {
        if now > time { time = now }
        summary.saw(time: now)
    }

    /// Makes the connection (the first time) or a new connection of it, and feeds a dump
    /// without a handshake the `101` that answers its request.
    private mutating func connect() throws(ReplayError) {
        let request: [UInt8]?
        switch mode {
        case .sniffing:
            return
        case .decided(let format):
            mode = .replaying(try Self.makeConnection(format, verifiesAcceptValue: synthesizesHandshake))
            request = withConnection { $0.connect() }
        case .replaying:
            request = withConnection { connection in
                _ = connection.reconnect()
                return connection.connect()
            }
        case .plain:
            let client = Self.makePlainClient(verifiesAcceptValue: synthesizesHandshake)
            mode = .plain(client)
            request = client.handshakeRequest()
        }
        guard let request, synthesizesHandshake else { return }
        let key = HTTPMessageText(request)?.value(of: "Sec-WebSocket-Key") ?? ""
        let response = WebSocketHandshake.switchingProtocolsResponse(forKey: key)
        current.synthesizedCount = response.count
        try feed(response)
    }

    private static func makeConnection(_ format: ReplayFormat, verifiesAcceptValue: Bool) throws(ReplayError)
        -> GatewayConnection
    {
        var configuration = GatewayConfiguration(
            url: "wss://gateway.discord.gg", encoding: format.encoding, compression: format.compression)
        configuration.reportsFrames = true
        configuration.deliversHandledPayloads = true
        // The real request key is unknown (a synthesized 101 uses ours, so it can be checked).
        configuration.webSocket.verifiesAcceptValue = verifiesAcceptValue
        do {
            // A fixed source of keys, masks and jitter, so replays are repeatable.
            return try GatewayConnection(configuration: configuration, random: SplitMix64(seed: 0x5DEE_CE66_D1CE_4E5B))
        } catch {
            throw ReplayError(.unusableOptions, "cannot replay as \(format.description): \(error)")
        }
    }

    /// Holds a dump's first bytes until its first message shows the format.
    private mutating func buffer(_ bytes: [UInt8]) throws(ReplayError) {
        guard case .sniffing(var sniffing) = mode else { return }
        mode = .sniffing(Sniffing())  // So `pending` grows in place.
        sniffing.pending += bytes
        let retries = sniffing.pending.count >= 2 * sniffing.triedAt
        if retries { sniffing.triedAt = sniffing.pending.count }
        mode = .sniffing(sniffing)
        if retries { try decideFormat(atEnd: false) }
    }

    private mutating func decideFormat(atEnd: Bool) throws(ReplayError) {
        guard case .sniffing(let sniffing) = mode else { return }
        switch ReplayFormatSniffer.sniff(sniffing.pending, startsWithHandshake: !synthesizesHandshake, atEnd: atEnd) {
        case .needMoreInput:
            return
        case .notGateway(let reason):
            guard encodingOverride == nil && compressionOverride == nil else {
                return try decide(ReplayFormatSniffer.fallback, reason: reason + "; assuming json, none", pending: sniffing.pending)
            }
            if filter.showsConnectionLines {
                renderer.info("not a gateway session (\(reason)): its WebSocket messages are shown as they are")
            }
            mode = .plain(Self.makePlainClient(verifiesAcceptValue: synthesizesHandshake))
            try connect()
            try feed(sniffing.pending)
            return
        case .found(let found, let reason):
            try decide(found, reason: reason, pending: sniffing.pending)
        }
    }

    private mutating func decide(_ sniffed: ReplayFormat, reason sniffedReason: String, pending: [UInt8]) throws(ReplayError) {
        var found = sniffed
        var reason = sniffedReason
        if let encodingOverride {
            found.encoding = encodingOverride
            reason += "; encoding \(encodingOverride.rawValue) as --encoding says"
        }
        if let compressionOverride {
            found.compression = compressionOverride
            reason += "; compression \(compressionOverride.rawValue) as --compression says"
        }
        mode = .decided(found)
        if filter.showsConnectionLines { renderer.info("format: \(found.description) (\(reason))") }
        try connect()
        try feed(pending)
    }

    private mutating func feed(_ bytes: [UInt8]) throws(ReplayError) {
        let result: Result<Void, ReplayError> = bytes.withUnsafeBytes { raw in
            do throws(ReplayError) {
                try feed(raw)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
    }

    private mutating func feed(_ bytes: UnsafeRawBufferPointer) throws(ReplayError) {
        let size = chunkSize ?? max(1, bytes.count)
        var start = 0
        while start < bytes.count {
            let end = bytes.count - start > size ? start + size : bytes.count
            let piece = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
            let now = time
            if case .plain = mode {
                try receivePlain(piece)
            } else {
                _ = withConnection { $0.receive(piece, now: now) }
                try drain()
            }
            start = end
        }
    }

    private mutating func drain() throws(ReplayError) {
        let batch = withConnection { connection -> [GatewayEvent] in
            var batch: [GatewayEvent] = []
            while let event = connection.nextEvent() { batch.append(event) }
            return batch
        } ?? []
        let closingCause = connection?.closingCause
        if let error = Self.undecodable(batch) ?? closingCause.flatMap(Self.undecodable) {
            return try stop(at: error, batch)
        }
        // The end of a connection is shown after the frames read with it: a close the client
        // started while handling a message read together with the server's close frame is
        // reported before that frame's header, but after it when the reads are smaller.
        for event in batch {
            if case .disconnected = event { continue }
            try handle(event)
        }
        for event in batch {
            if case .disconnected = event { try handle(event) }
        }
    }

    /// The error of an undecodable payload in `batch`'s disconnect, if that is how it ended.
    private static func undecodable(_ batch: [GatewayEvent]) -> GatewayDecodingError? {
        for event in batch {
            if case .disconnected(let disconnect) = event { return undecodable(disconnect.cause) }
        }
        return nil
    }

    private static func undecodable(_ cause: GatewayDisconnect.Cause) -> GatewayDecodingError? {
        if case .undecodablePayload(let error) = cause { return error }
        return nil
    }

    /// A message failed to decode: show the events up to the frame that ended it, then fail.
    /// What the connection delivered after that frame is not shown.
    private mutating func stop(at error: GatewayDecodingError, _ batch: [GatewayEvent]) throws(ReplayError) {
        let reason = "undecodable payload: \(error)"
        guard let frameOffset = error.frameOffset else { throw failure(.undecodablePayload, reason, at: nil) }
        let failingFrame = batch.firstIndex { event in
            if case .frame(let header) = event { return header.offset == frameOffset }
            return false
        }
        for event in batch[..<(failingFrame.map { $0 + 1 } ?? 0)] {
            if case .disconnected = event { continue }
            try handle(event)
        }
        throw failure(
            .undecodablePayload, "the message ending in the frame at \(describe(frameOffset)): \(reason)",
            at: frameOffset)
    }

    /// The server's answer to the upgrade, shown (whether a gateway or a plain WebSocket replays it).
    func showUpgrade(_ response: WebSocketHandshakeResponse) {
        if filter.showsConnectionLines { renderer.upgradeResponse(context, response, note: acceptNote(response)) }
    }

    /// A refused upgrade, shown.
    func showRejection(_ rejection: WebSocketRejection) {
        if filter.showsConnectionLines { renderer.rejected(context, rejection) }
    }

    /// A frame the server sent: counted, and shown.
    mutating func showFrame(_ header: WebSocketFrameHeader) {
        summary.frames += 1
        if filter.showsFrames { renderer.frame(context, .inbound, header, offset: shownOffset(header.offset)) }
    }

    private mutating func handle(_ event: GatewayEvent) throws(ReplayError) {
        switch event {
        case .upgraded(let response):
            showUpgrade(response)
        case .rejected(let rejection):
            showRejection(rejection)
        case .frame(let header):
            showFrame(header)
        case .hello(_, let payload), .dispatch(let payload), .heartbeatRequested(let payload),
            .reconnectRequested(let payload), .invalidSession(_, let payload), .payload(let payload):
            received(payload, latency: nil)
        case .heartbeatAcknowledged(_, let payload):
            var latency: Duration?
            if let sentAt = current.heartbeatSentAt {
                latency = time - sentAt
                current.heartbeatSentAt = nil
            }
            if let latency { summary.measured(latency: latency) }
            received(payload, latency: latency)
        case .sent:
            break
        case .disconnected(let disconnect):
            if let truncation = disconnect.truncation { try inputStopped(truncation) }
            summary.closed(code: disconnect.code?.rawValue)
            if case .protocolViolation(let error) = disconnect.cause {
                throw failure(.corruptInput, error.message, at: error.offset)
            }
            if case .undecodablePayload(let error) = disconnect.cause {
                throw failure(.undecodablePayload, "undecodable payload: \(error)", at: nil)
            }
            if filter.showsConnectionLines { renderer.close(context, disconnect) }
        }
    }

    /// The input stopped inside the handshake or a frame: a cut file, or a transport the
    /// recording says dropped there.
    func inputStopped(_ truncation: WebSocketTruncation) throws(ReplayError) {
        let inside: String
        let detail: String
        switch truncation {
        case .handshake(let received):
            inside = "the handshake"
            detail = "\(received) bytes of the HTTP response, without the blank line ending its headers"
        case .frameHeader(let offset, let received):
            inside = "a frame header"
            detail = "\(received) bytes of a header starting at \(describe(offset))"
        case .framePayload(let header, let missing):
            inside = "a frame's payload"
            detail = "the frame ending at \(describe(header.frameEnd)) is missing \(missing) bytes"
        }
        guard current.endIsRecorded else {
            throw failure(.corruptInput, "the input ends inside \(inside): \(detail)", at: truncation.inputEnd)
        }
        if filter.showsConnectionLines { renderer.info("the connection dropped inside \(inside): \(detail)", context) }
    }

    private mutating func received(_ payload: GatewayPayload, latency: Duration?) {
        summary.received(payload, connection: current.number, at: time)
        if filter.shows(opcode: payload.opcode.rawValue, eventName: payload.eventName) {
            renderer.payload(.event, context, .inbound, payload, latency: latency)
        }
    }

    func acceptNote(_ response: WebSocketHandshakeResponse) -> String? {
        if synthesizesHandshake { return "synthesized: the dump starts after the handshake" }
        guard let key = current.recordedKey else { return nil }
        let expected = WebSocketHandshake.acceptValue(forKey: key)
        let actual = response.headers.first { $0.name.lowercased() == "sec-websocket-accept" }?.value
        return actual == expected
            ? "accept value matches the recorded key"
            : "accept value \(actual ?? "missing") does not match \(expected), expected for the recorded key"
    }

    /// A stream offset as shown: the file offset for dumps, else the connection's own.
    func shownOffset(_ streamOffset: Int) -> Int {
        offsetsAreFileOffsets ? max(0, streamOffset - current.synthesizedCount) : streamOffset
    }

    private func describe(_ streamOffset: Int) -> String {
        offsetsAreFileOffsets
            ? "byte \(shownOffset(streamOffset))"
            : "byte \(streamOffset) of connection \(current.number)'s input"
    }

    /// An error that ends the replay, shown in the output first.
    func failure(_ kind: ReplayError.Kind, _ message: String, at streamOffset: Int?) -> ReplayError {
        // Pretty output leaves the error to standard error alone; scripts get it in the stream too.
        let inStream = renderer.format == .jsonl
        let offset = streamOffset.map { shownOffset($0) }
        if offsetsAreFileOffsets {
            if inStream { renderer.error(message, offset: offset, context) }
            return ReplayError(kind, message, offset: offset)
        }
        let located = streamOffset.map { "connection \(current.number), input byte \($0): " } ?? ""
        if inStream { renderer.error(located + message, offset: nil, context) }
        return ReplayError(kind, located + message)
    }
}

