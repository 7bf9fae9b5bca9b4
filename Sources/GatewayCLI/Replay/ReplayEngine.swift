import DiscordGateway
import GatewayCodecs
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
// Connection boundaries (a new `conn` number) call `reconnect()` and
// `connect()`, as a live client does, so the decompressor and WebSocket state
// start fresh. A dump without its HTTP response gets a synthesized `101` that
// answers the connection's own request key.
//
// Everything shown is derived from the connection's events, so the output is
// the same however the bytes are split. Two things need care:
//   - Input that ends inside a frame: the connection only sees an abnormal
//     end, so the engine tracks where the last announced frame ends.
//   - An undecodable message: the connection starts its close (4002) but
//     reports the cause only when the close completes, and messages after it
//     in the same read are still delivered. When the connection is closing and
//     no RECONNECT or INVALID_SESSION explains it, the engine cuts the events
//     after the message whose FIN frame produced no payload, and stops there.

/// Drives a `GatewayConnection` with captured bytes and renders what it reports.
struct ReplayEngine {
    private let renderer: Renderer
    private let filter: ReplayFilter
    private let chunkSize: Int?
    private let synthesizesHandshake: Bool
    /// Whether stream offsets are offsets in the input file (raw dumps).
    private let offsetsAreFileOffsets: Bool
    private let encodingOverride: GatewayEncoding?
    private let compressionOverride: GatewayCompression?
    private(set) var summary = ReplaySummary()

    private var format: ReplayFormat?
    private var connection: GatewayConnection?
    private var connectionNumber = 0
    private var isConnectionActive = false
    private var time: Duration = .zero

    // Per connection.
    private var fed = 0
    private var synthesizedCount = 0
    private var headerEndState = 0
    private var framesStart: Int?
    private var frameEnd = 0
    private var upgraded = false
    private var closeExplained = false
    private var pendingFinFrame: WebSocketFrameHeader?
    private var heartbeatSentAt: Duration?
    private var recordedKey: String?
    private var sniffBuffer: [UInt8] = []
    private var sniffTriedAt = 0

    /// Creates an engine; with `format` nil, the first message decides it, and the
    /// overrides (from `--encoding`, `--compression`) replace what it found.
    init(
        renderer: Renderer, filter: ReplayFilter, chunkSize: Int?, format: ReplayFormat?, synthesizesHandshake: Bool,
        offsetsAreFileOffsets: Bool, encodingOverride: GatewayEncoding? = nil,
        compressionOverride: GatewayCompression? = nil
    ) {
        self.encodingOverride = encodingOverride
        self.compressionOverride = compressionOverride
        self.renderer = renderer
        self.filter = filter
        self.chunkSize = chunkSize.map { max(1, $0) }
        self.format = format
        self.synthesizesHandshake = synthesizesHandshake
        self.offsetsAreFileOffsets = offsetsAreFileOffsets
    }

    private var context: RenderContext { RenderContext(time: time, connection: connectionNumber) }

    // MARK: - Input

    /// Starts connection `number` at `now`, ending the previous one first.
    mutating func beginConnection(_ number: Int, at now: Duration) throws(ReplayError) {
        if isConnectionActive { try endConnection(at: now) }
        advance(to: now)
        connectionNumber = number
        summary.connections += 1
        isConnectionActive = true
        fed = 0
        synthesizedCount = 0
        headerEndState = 0
        framesStart = nil
        frameEnd = 0
        upgraded = false
        closeExplained = false
        pendingFinFrame = nil
        heartbeatSentAt = nil
        recordedKey = nil
        sniffBuffer = []
        sniffTriedAt = 0
        if format != nil { try connect() }
    }

    /// Bytes the client read at `now`.
    mutating func receive(_ bytes: [UInt8], at now: Duration) throws(ReplayError) {
        advance(to: now)
        summary.wireBytes += bytes.count
        guard connection != nil, format != nil else { return try buffer(bytes) }
        try feed(bytes)
    }

    /// Bytes the client wrote at `now`: recordings keep the upgrade request and frames that
    /// carry no secret, such as the client's close, which the connection is told about.
    mutating func wrote(_ bytes: [UInt8], at now: Duration) {
        advance(to: now)
        guard let request = HTTPMessageText(bytes), request.startLine.hasPrefix("GET ") else {
            return wroteFrames(bytes)
        }
        recordedKey = request.value(of: "Sec-WebSocket-Key")
        if filter.showsConnectionLines {
            renderer.upgradeRequest(context, requestLine: request.startLine, headers: request.headers)
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
            guard frame.header.opcode == .close, let state = connection?.state,
                state == .open || state == .awaitingHello
            else { continue }
            let payload = frame.payload
            let code = payload.count >= 2 ? UInt16(payload[0]) << 8 | UInt16(payload[1]) : WebSocketCloseCode.normalClosure
            let reason = payload.count > 2 ? String(decoding: payload[2...], as: UTF8.self) : ""
            _ = try? connection?.close(code: GatewayCloseCode(rawValue: code), reason: reason, now: time)
            closeExplained = true
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
        summary.sent(opcode: payload.opcode.rawValue)
        if payload.opcode == .heartbeat { heartbeatSentAt = now }
        if filter.shows(opcode: payload.opcode.rawValue, eventName: payload.eventName) {
            renderer.payload(.sent, context, .outbound, payload)
        }
    }

    /// The end of the current connection's input at `now`: a clean end between frames is a
    /// dropped connection; an end inside a frame or the handshake is corrupt input, unless the
    /// recording says the connection really ended there (`recordedDisconnect`): then the
    /// transport dropped mid-frame, which is a disconnect to show, not a broken file.
    mutating func endConnection(at now: Duration, recordedDisconnect: Bool = false) throws(ReplayError) {
        guard isConnectionActive else { return }
        advance(to: now)
        if format == nil { try decideFormat(atEnd: true) }
        isConnectionActive = false
        guard let state = connection?.state, state != .closed, state != .idle else { return }
        if state == .upgrading && fed > synthesizedCount && framesStart == nil {
            // Part of the server's response, without the blank line that ends its headers.
            let detail = "\(fed - synthesizedCount) bytes of the HTTP response, without the blank line ending its headers"
            if !recordedDisconnect { throw failure(.corruptInput, "the input ends inside the handshake: \(detail)", at: fed) }
            if filter.showsConnectionLines { renderer.info("the connection dropped inside the handshake: \(detail)", context) }
        }
        if upgraded && fed != frameEnd {
            let inside = fed > frameEnd ? "a frame header" : "a frame's payload"
            let detail =
                fed > frameEnd
                ? "\(fed - frameEnd) bytes of a header starting at \(describe(frameEnd))"
                : "the frame ending at \(describe(frameEnd)) is missing \(frameEnd - fed) bytes"
            if !recordedDisconnect {
                throw failure(.corruptInput, "the input ends inside \(inside): \(detail)", at: fed)
            }
            if filter.showsConnectionLines { renderer.info("the connection dropped inside \(inside): \(detail)", context) }
        }
        connection?.receiveEndOfInput(now: time)
        try drain()
    }

    /// The counts so far.
    func finish() -> ReplaySummary { summary }

    // MARK: - Internals

    private mutating func advance(to now: Duration) {
        if now > time { time = now }
        summary.saw(time: now)
    }

    private mutating func connect() throws(ReplayError) {
        if connection == nil {
            guard let format else { return }
            var configuration = GatewayConfiguration(
                url: "wss://gateway.discord.gg", encoding: format.encoding, compression: format.compression)
            configuration.reportsFrames = true
            configuration.deliversHandledPayloads = true
            // The real request key is unknown (a synthesized 101 uses ours, so it can be checked).
            configuration.webSocket.verifiesAcceptValue = synthesizesHandshake
            do {
                // A fixed source of keys, masks and jitter, so replays are repeatable.
                let random = SplitMix64(seed: 0x5DEE_CE66_D1CE_4E5B)
                connection = try GatewayConnection(configuration: configuration, random: random)
            } catch {
                throw ReplayError(.unusableOptions, "cannot replay as \(format.description): \(error)")
            }
        } else {
            _ = connection?.reconnect()
        }
        guard let request = connection?.connect() else { return }
        if synthesizesHandshake {
            let key = HTTPMessageText(request)?.value(of: "Sec-WebSocket-Key") ?? ""
            let response = Array(
                ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Accept: \(WebSocketHandshake.acceptValue(forKey: key))\r\n\r\n").utf8)
            synthesizedCount = response.count
            try feed(response)
        }
    }

    /// Holds a dump's first bytes until its first message shows the format.
    private mutating func buffer(_ bytes: [UInt8]) throws(ReplayError) {
        sniffBuffer += bytes
        // Sniffing re-parses the buffer, so only try again once it has doubled.
        guard sniffBuffer.count >= 2 * sniffTriedAt else { return }
        sniffTriedAt = sniffBuffer.count
        try decideFormat(atEnd: false)
    }

    private mutating func decideFormat(atEnd: Bool) throws(ReplayError) {
        switch ReplayFormatSniffer.sniff(sniffBuffer, startsWithHandshake: !synthesizesHandshake, atEnd: atEnd) {
        case .needMoreInput:
            return
        case .found(var found, var reason):
            if let encodingOverride {
                found.encoding = encodingOverride
                reason += "; encoding \(encodingOverride.rawValue) as --encoding says"
            }
            if let compressionOverride {
                found.compression = compressionOverride
                reason += "; compression \(compressionOverride.rawValue) as --compression says"
            }
            format = found
            if filter.showsConnectionLines { renderer.info("format: \(found.description) (\(reason))") }
        }
        try connect()
        let pending = sniffBuffer
        sniffBuffer = []
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
            if framesStart == nil { findHeaderEnd(piece) }
            _ = connection?.receive(piece, now: time)
            fed += piece.count
            try drain()
            start = end
        }
    }

    /// Finds where the HTTP response ends (`\r\n\r\n`), which is where frames start.
    private mutating func findHeaderEnd(_ bytes: UnsafeRawBufferPointer) {
        let pattern: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A]
        for (index, byte) in bytes.enumerated() {
            headerEndState = byte == pattern[headerEndState] ? headerEndState + 1 : (byte == 0x0D ? 1 : 0)
            if headerEndState == 4 {
                framesStart = fed + index + 1
                frameEnd = fed + index + 1
                return
            }
        }
    }

    private mutating func drain() throws(ReplayError) {
        var batch: [GatewayEvent] = []
        while let event = connection?.nextEvent() { batch.append(event) }
        for event in batch {
            switch event {
            case .reconnectRequested, .invalidSession: closeExplained = true
            default: break
            }
        }
        let undecodable = batch.contains { event in
            if case .disconnected(let disconnect) = event, case .undecodablePayload = disconnect.cause { return true }
            return false
        }
        if undecodable || (connection?.state == .closing && !closeExplained) {
            return try stopAtUndecodable(batch)
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

    /// A message failed to decode somewhere in `batch`: show what came before it, then fail.
    ///
    /// The failing message is the one whose FIN frame header was not followed by a payload
    /// before the next frame header (possibly a FIN frame seen in an earlier batch).
    private mutating func stopAtUndecodable(_ batch: [GatewayEvent]) throws(ReplayError) {
        var failing = pendingFinFrame
        var cut = 0
        scan: for (index, event) in batch.enumerated() {
            switch event {
            case .frame(let header):
                if failing != nil { break scan }
                if header.fin && Self.isData(header.opcode) {
                    failing = header
                    cut = index + 1
                }
            case .hello, .dispatch, .heartbeatRequested, .heartbeatAcknowledged, .reconnectRequested,
                .invalidSession, .payload:
                failing = nil
            case .upgraded, .rejected, .sent, .disconnected:
                break
            }
        }
        if failing == nil { cut = batch.count }
        var reason = "undecodable payload"
        for event in batch[..<cut] {
            if case .disconnected = event { continue }
            try handle(event)
        }
        connection?.receiveEndOfInput(now: time)
        var tail = batch[cut...].map { $0 }
        while let event = connection?.nextEvent() { tail.append(event) }
        for event in tail {
            if case .disconnected(let disconnect) = event, case .undecodablePayload(let error) = disconnect.cause {
                reason = "undecodable payload: \(error)"
            }
        }
        if let failing {
            throw failure(
                .undecodablePayload, "the message ending in the frame at \(describe(failing.offset)): \(reason)",
                at: failing.offset)
        }
        throw failure(.undecodablePayload, reason, at: nil)
    }

    private static func isData(_ opcode: WebSocketOpcode) -> Bool {
        opcode == .text || opcode == .binary || opcode == .continuation
    }

    private mutating func handle(_ event: GatewayEvent) throws(ReplayError) {
        switch event {
        case .upgraded(let response):
            upgraded = true
            if filter.showsConnectionLines { renderer.upgradeResponse(context, response, note: acceptNote(response)) }
        case .rejected(let rejection):
            if filter.showsConnectionLines { renderer.rejected(context, rejection) }
        case .frame(let header):
            summary.frames += 1
            let (end, overflow) = header.offset.addingReportingOverflow(header.headerLength + header.payloadLength)
            frameEnd = overflow ? .max : end
            if header.fin && Self.isData(header.opcode) { pendingFinFrame = header }
            if filter.showsFrames { renderer.frame(context, .inbound, header, offset: shownOffset(header.offset)) }
        case .hello(_, let payload), .dispatch(let payload), .heartbeatRequested(let payload),
            .reconnectRequested(let payload), .invalidSession(_, let payload), .payload(let payload):
            received(payload, latency: nil)
        case .heartbeatAcknowledged(_, let payload):
            var latency: Duration?
            if let sentAt = heartbeatSentAt {
                latency = time - sentAt
                heartbeatSentAt = nil
            }
            if let latency { summary.measured(latency: latency) }
            received(payload, latency: latency)
        case .sent:
            break
        case .disconnected(let disconnect):
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

    private mutating func received(_ payload: GatewayPayload, latency: Duration?) {
        pendingFinFrame = nil
        summary.received(payload, connection: connectionNumber)
        if filter.shows(opcode: payload.opcode.rawValue, eventName: payload.eventName) {
            renderer.payload(.event, context, .inbound, payload, latency: latency)
        }
    }

    private func acceptNote(_ response: WebSocketHandshakeResponse) -> String? {
        if synthesizesHandshake { return "synthesized: the dump starts after the handshake" }
        guard let key = recordedKey else { return nil }
        let expected = WebSocketHandshake.acceptValue(forKey: key)
        let actual = response.headers.first { $0.name.lowercased() == "sec-websocket-accept" }?.value
        return actual == expected
            ? "accept value matches the recorded key"
            : "accept value \(actual ?? "missing") does not match \(expected), expected for the recorded key"
    }

    /// A stream offset as shown: the file offset for dumps, else the connection's own.
    private func shownOffset(_ streamOffset: Int) -> Int {
        offsetsAreFileOffsets ? max(0, streamOffset - synthesizedCount) : streamOffset
    }

    private func describe(_ streamOffset: Int) -> String {
        offsetsAreFileOffsets
            ? "byte \(shownOffset(streamOffset))"
            : "byte \(streamOffset) of connection \(connectionNumber)'s input"
    }

    /// An error that ends the replay, shown in the output first.
    private func failure(_ kind: ReplayError.Kind, _ message: String, at streamOffset: Int?) -> ReplayError {
        // Pretty output leaves the error to standard error alone; scripts get it in the stream too.
        let inStream = renderer.format == .jsonl
        let offset = streamOffset.map { shownOffset($0) }
        if offsetsAreFileOffsets {
            if inStream { renderer.error(message, offset: offset, context) }
            return ReplayError(kind, message, offset: offset)
        }
        let located = streamOffset.map { "connection \(connectionNumber), input byte \($0): " } ?? ""
        if inStream { renderer.error(located + message, offset: nil, context) }
        return ReplayError(kind, located + message)
    }
}

