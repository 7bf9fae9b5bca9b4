import DiscordGateway
import GatewayCodecs
import WebSocketProtocol

// Theory of operation
//
// A GatewayProxyConnection is one bot's gateway connection relayed to Discord,
// as two WebSocket connections: the bot leg, where the proxy is the server
// (`WebSocketServer`), and the upstream leg, where it is the client
// (`WebSocketClient`). No socket, clock or random source is read: the driver
// feeds each leg's bytes and the time, and writes what the returned
// `GatewayProxyOutput` says, to each side.
//
// The bot's upgrade request is held until the upstream answers it: the proxy
// asks the driver to open the upstream (`upstreamNeeded`), sends Discord an
// upgrade with the bot's own query, and answers the bot with Discord's verdict
// (the 101, or Discord's own refusal). Then payloads flow both ways:
//
//   - bot -> Discord: each message passed on as the bot sent it (re-masked),
//     decoded only to be shown;
//   - Discord -> bot: each message decompressed with the upstream leg's
//     context, decoded, and compressed again with the bot leg's own context
//     (two connections, two contexts, as with a real gateway); without
//     transport compression the message goes through untouched. READY is the
//     exception: its `resume_gateway_url` is rewritten to `/via/<host>` on the
//     proxy, so the bot's RESUME comes back through it to the right host.
//
// A close on either leg is passed to the other with its code; a leg that
// drops makes the proxy drop the other, as a bot would see a real drop.
// Faults (`sendToBot`, `closeBot`, `dropBot`, withheld ACKs, a delay on
// Discord's payloads) are the driver's to call, and shown as events.

/// One bot's gateway connection, relayed to Discord and decoded both ways, sans-I/O.
public struct GatewayProxyConnection {
    /// Where the connection stands.
    public enum State: Sendable, Hashable {
        /// Waiting for the bot's upgrade request.
        case awaitingBot
        /// The bot asked to upgrade; waiting for the driver to open the upstream transport.
        case connectingUpstream
        /// The upstream upgrade request went out; waiting for Discord's answer.
        case upgradingUpstream
        /// Both legs are open: payloads flow.
        case relaying
        /// Both legs are over.
        case closed
    }

    private enum Phase {
        case awaitingBot
        case connectingUpstream(WebSocketURL, GatewayConnectionQuery, userAgent: String?)
        case upgradingUpstream(WebSocketURL, GatewayConnectionQuery)
        case relaying
        case closed
    }

    /// What the connection was set up with.
    public let configuration: GatewayProxyConfiguration
    /// Whether Discord's heartbeat ACKs reach the bot; off makes the bot's connection a zombie.
    public var passesHeartbeatACKs = true
    /// How long each of Discord's payloads is held before it reaches the bot.
    public var delay: Duration = .zero
    /// What the bot's URL asked for, once it asked.
    public private(set) var query: GatewayConnectionQuery?
    /// Where the upstream leg goes, once the bot asked to upgrade.
    public private(set) var upstreamURL: WebSocketURL?
    /// Dispatches passed from Discord to the bot so far (a delayed one once it went out).
    public private(set) var dispatchesPassed = 0

    private var phase: Phase = .awaitingBot
    private var bot: WebSocketServer
    private var upstream: WebSocketClient?
    private var decompressor: GatewayDecompressor?
    private var botEncoder: OutboundEncoder?
    private var random: BoxedRandom
    private var botLegOver = false
    private var upstreamLegOver = false
    private var botCloseDeadline: Duration?
    private var upstreamCloseDeadline: Duration?
    /// Until when the upstream may take to answer the upgrade (``GatewayProxyConfiguration/upstreamTimeout``).
    private var upstreamAnswerDeadline: Duration?
    /// When the bot's last heartbeat arrived and was passed on.
    private var heartbeatAt: Duration?
    /// Discord's payloads held by ``delay``, in the order they came: when each is due.
    private var delayed: [(due: Duration, payload: HeldPayload)] = []
    private var pendingEvents = EventQueue<GatewayProxyEvent>()

    /// A connection waiting for a bot's upgrade request.
    /// - Parameters:
    ///   - configuration: where to relay, and the limits of both legs.
    ///   - random: the source of the upstream leg's masking keys and handshake key.
    public init(configuration: GatewayProxyConfiguration, random: some RandomNumberGenerator) {
        self.configuration = configuration
        bot = WebSocketServer(configuration: configuration.webSocket)
        self.random = BoxedRandom(base: random)
    }

    /// Where the connection stands.
    public var state: State {
        switch phase {
        case .awaitingBot: .awaitingBot
        case .connectingUpstream: .connectingUpstream
        case .upgradingUpstream: .upgradingUpstream
        case .relaying: .relaying
        case .closed: .closed
        }
    }

    /// When ``handleDeadline(now:)`` must be called next: a delayed payload, a closing
    /// handshake that may take no longer, or the end of the wait for the upstream's answer.
    public var nextDeadline: Duration? {
        [delayed.first?.due, botCloseDeadline, upstreamCloseDeadline, upstreamAnswerDeadline].compactMap { $0 }.min()
    }

    /// The next event, or nil.
    public mutating func nextEvent() -> GatewayProxyEvent? {
        pendingEvents.removeFirst()
    }

    // MARK: - Input

    /// Bytes from the bot's socket.
    public mutating func receiveFromBot(_ bytes: UnsafeRawBufferPointer, now: Duration) -> GatewayProxyOutput {
        var output = GatewayProxyOutput()
        guard !botLegOver else { return output }
        output.toBot += bot.receive(bytes)
        drainBot(now: now, output: &output)
        return output
    }

    /// Bytes from the bot's socket.
    public mutating func receiveFromBot(_ bytes: [UInt8], now: Duration) -> GatewayProxyOutput {
        bytes.withUnsafeBytes { receiveFromBot($0, now: now) }
    }

    /// The bot's socket ended.
    public mutating func botEndOfInput(now: Duration) -> GatewayProxyOutput {
        var output = GatewayProxyOutput()
        guard !botLegOver else { return output }
        bot.receiveEndOfInput()
        drainBot(now: now, output: &output)
        return output
    }

    /// The upstream transport is open: the upgrade request goes out.
    public mutating func upstreamConnected(now: Duration) -> GatewayProxyOutput {
        var output = GatewayProxyOutput()
        guard case .connectingUpstream(let url, let query, let userAgent) = phase else { return output }
        let headers = userAgent.map { [(name: "User-Agent", value: $0)] } ?? []
        var client: WebSocketClient
        do {
            client = try WebSocketClient(url: url, extraHeaders: headers, configuration: configuration.webSocket, using: &random)
        } catch {
            // A User-Agent the client layer will not write: go without it.
            guard let plain = try? WebSocketClient(url: url, configuration: configuration.webSocket, using: &random) else {
                return upstreamFailed("cannot make the upstream request: \(error)", now: now)
            }
            client = plain
        }
        output.toUpstream = client.handshakeRequest()
        upstream = client
        phase = .upgradingUpstream(url, query)
        return output
    }

    /// The upstream transport could not be opened: the bot's upgrade is refused with 502.
    public mutating func upstreamFailed(_ reason: String, now: Duration) -> GatewayProxyOutput {
        var output = GatewayProxyOutput()
        switch phase {
        case .connectingUpstream, .upgradingUpstream:
            refuseBot(status: 502, reason: "the upstream gateway cannot be reached: \(reason)", output: &output)
            output.closesUpstreamTransport = true
            upstreamLegOver = true
            finishIfOver()
        case .awaitingBot, .relaying, .closed:
            break
        }
        return output
    }

    /// Bytes from the upstream socket.
    public mutating func receiveFromUpstream(_ bytes: UnsafeRawBufferPointer, now: Duration) -> GatewayProxyOutput {
        var output = GatewayProxyOutput()
        guard !upstreamLegOver, var client = upstream else { return output }
        upstream = nil
        output.toUpstream += client.receive(bytes, using: &random)
        upstream = client
        drainUpstream(now: now, output: &output)
        return output
    }

    /// Bytes from the upstream socket.
    public mutating func receiveFromUpstream(_ bytes: [UInt8], now: Duration) -> GatewayProxyOutput {
        bytes.withUnsafeBytes { receiveFromUpstream($0, now: now) }
    }

    /// The upstream socket ended.
    public mutating func upstreamEndOfInput(now: Duration) -> GatewayProxyOutput {
        var output = GatewayProxyOutput()
        guard !upstreamLegOver else { return output }
        guard var client = upstream else { return upstreamFailed("the connection closed", now: now) }
        upstream = nil
        client.receiveEndOfInput()
        upstream = client
        drainUpstream(now: now, output: &output)
        return output
    }

    /// Does what is due at `now`: delayed payloads go to the bot, a leg whose closing
    /// handshake took too long is cut, and an upstream that did not answer the upgrade in time
    /// is cut with the bot refused (504).
    public mutating func handleDeadline(now: Duration) -> GatewayProxyOutput {
        var output = GatewayProxyOutput()
        if let deadline = upstreamAnswerDeadline, now >= deadline {
            upstreamAnswerDeadline = nil
            switch phase {
            case .connectingUpstream, .upgradingUpstream:
                let (whole, fraction) = configuration.upstreamTimeout.components
                let seconds = fraction == 0 ? "\(whole)" : "\(Double(whole) + Double(fraction) / 1e18)"
                refuseBot(
                    status: 504, reason: "the upstream gateway did not answer the upgrade within \(seconds) s",
                    output: &output)
                output.closesUpstreamTransport = true
                upstreamLegOver = true
                finishIfOver()
                return output
            case .awaitingBot, .relaying, .closed:
                break
            }
        }
        while let first = delayed.first, first.due <= now {
            delayed.removeFirst()
            deliver(first.payload, output: &output)
        }
        if let deadline = botCloseDeadline, now >= deadline, !botLegOver {
            botCloseDeadline = nil
            output.closesBotTransport = true
            endBotLeg(WebSocketClosure(initiator: .abnormal, code: nil, reason: "no close from the bot in time"))
        }
        if let deadline = upstreamCloseDeadline, now >= deadline, !upstreamLegOver {
            upstreamCloseDeadline = nil
            output.closesUpstreamTransport = true
            endUpstreamLeg(WebSocketClosure(initiator: .abnormal, code: nil, reason: "no close from upstream in time"))
        }
        return output
    }

    // MARK: - Faults

    /// A payload `{"op", "d"}` of the proxy's making to the bot (RECONNECT, INVALID_SESSION),
    /// ahead of anything delayed.
    public mutating func sendToBot(opcode: GatewayOpcode, data: GatewayValue, now: Duration)
        throws(GatewayServerUsageError) -> GatewayProxyOutput
    {
        guard case .relaying = phase, !botLegOver, let botEncoder else {
            throw GatewayServerUsageError("cannot send \(opcode) to the bot: the connection is \(state)")
        }
        let value: GatewayValue = ["op": .integer(Int64(opcode.rawValue)), "d": data, "s": nil, "t": nil]
        var output = GatewayProxyOutput()
        do {
            let message = try botEncoder.encode(value)
            output.toBot = message.isBinary ? try bot.sendBinary(message.bytes) : try bot.sendText(message.bytes)
            if let payload = try? GatewayPayload(decoding: message.payload, encoding: botEncoder.encoding) {
                emit(.injected(payload))
            }
        } catch {
            throw GatewayServerUsageError("cannot send \(opcode) to the bot: \(error)")
        }
        return output
    }

    /// Closes the bot's leg with `code` (what it has been sent first); the upstream leg is closed
    /// with 4000, which keeps the session resumable.
    public mutating func closeBot(code: GatewayCloseCode, reason: String = "", now: Duration)
        throws(GatewayServerUsageError) -> GatewayProxyOutput
    {
        guard case .relaying = phase, !botLegOver, bot.state == .open else {
            throw GatewayServerUsageError("cannot close the bot's connection: it is \(state)")
        }
        var output = GatewayProxyOutput()
        flushDelayed(into: &output)
        closeBotLeg(code: code.rawValue, reason: reason, now: now, output: &output)
        closeUpstreamLeg(code: GatewayCloseCode.unknownError.rawValue, reason: "gatewayctl proxy closed the bot", now: now, output: &output)
        return output
    }

    /// Cuts the bot's TCP connection without a close frame, and the upstream one with it, as a
    /// dropped network does.
    public mutating func dropBot(now: Duration) -> GatewayProxyOutput {
        var output = GatewayProxyOutput()
        if !botLegOver {
            output.closesBotTransport = true
            endBotLeg(WebSocketClosure(initiator: .abnormal, code: nil, reason: "dropped by the proxy"))
        }
        if !upstreamLegOver {
            output.closesUpstreamTransport = true
            endUpstreamLeg(WebSocketClosure(initiator: .abnormal, code: nil, reason: "dropped with the bot's connection"))
        }
        return output
    }

    // MARK: - The bot's leg

    private mutating func drainBot(now: Duration, output: inout GatewayProxyOutput) {
        while let event = bot.nextEvent() {
            switch event {
            case .upgradeRequested(let request):
                requestUpstream(for: request, now: now, output: &output)
            case .refused(let status, let error):
                // The refusal is in `toBot`; it says `Connection: close`, so the socket ends with it.
                emit(.refused(status: status, reason: error.message))
                output.closesBotTransport = true
                botLegOver = true
                upstreamLegOver = true
                finishIfOver()
            case .frame(let header):
                emit(.frame(.bot, header))
            case .message(let message):
                passToUpstream(message, now: now, output: &output)
            case .ping, .pong:
                break
            case .closed(let closure):
                botClosed(closure, now: now, output: &output)
            }
        }
    }

    private mutating func requestUpstream(
        for request: WebSocketUpgradeRequest, now: Duration, output: inout GatewayProxyOutput
    ) {
        let asked: GatewayConnectionQuery
        do {
            asked = try GatewayConnectionQuery(target: request.target)
        } catch {
            refuseBot(status: 400, reason: error.message, output: &output)
            upstreamLegOver = true
            finishIfOver()
            return
        }
        let query = request.target.split(separator: "?", maxSplits: 1).dropFirst().first.map { "?" + $0 } ?? ""
        let url: WebSocketURL
        do {
            url = try WebSocketURL(upstreamBase(forPath: request.path) + "/" + query)
        } catch {
            refuseBot(status: 502, reason: "the upstream URL is not usable: \(error)", output: &output)
            upstreamLegOver = true
            finishIfOver()
            return
        }
        let userAgent = request.headers.first { $0.name.lowercased() == "user-agent" }?.value
        self.query = asked
        upstreamURL = url
        phase = .connectingUpstream(url, asked, userAgent: userAgent)
        upstreamAnswerDeadline = now + configuration.upstreamTimeout
        emit(.upstreamNeeded(url, asked))
    }

    /// The upstream a bot upgrading at `path` goes to: the resume host `/via/<host>` names when
    /// READY named it before, otherwise the configured upstream (without a trailing slash).
    private func upstreamBase(forPath path: String) -> String {
        var base = configuration.upstreamURL
        while base.hasSuffix("/") { base.removeLast() }
        let prefix = "/via/"
        guard path.hasPrefix(prefix) else { return base }
        var host = String(path.dropFirst(prefix.count))
        while host.hasSuffix("/") { host.removeLast() }
        guard configuration.resumeHosts.contains(host) else { return base }
        let scheme = base.lowercased().hasPrefix("ws://") ? "ws://" : "wss://"
        return scheme + host
    }

    private mutating func passToUpstream(_ message: WebSocketMessage, now: Duration, output: inout GatewayProxyOutput) {
        guard let query, var client = upstream else { return }
        let payload: GatewayPayload
        do {
            payload = try GatewayPayload(decoding: message.bytes, encoding: query.encoding, limits: configuration.codecLimits)
        } catch {
            let violation = GatewayServerViolation(
                code: .decodeError, message: "undecodable payload from the bot: \(error)",
                offset: bot.deliveredMessageFrameOffset)
            emit(.violation(.bot, violation))
            flushDelayed(into: &output)
            closeBotLeg(code: violation.code.rawValue, reason: "undecodable payload", now: now, output: &output)
            closeUpstreamLeg(code: GatewayCloseCode.unknownError.rawValue, reason: "the bot sent an undecodable payload", now: now, output: &output)
            return
        }
        emit(.fromBot(payload))
        if payload.opcode == .heartbeat { heartbeatAt = now }
        upstream = nil
        defer { upstream = client }
        do {
            switch message {
            case .text(let bytes): output.toUpstream += try client.sendText(bytes, using: &random)
            case .binary(let bytes): output.toUpstream += try client.sendBinary(bytes, using: &random)
            }
        } catch {
            // The upstream leg is closing: the payload has nowhere to go, as on a real socket.
        }
    }

    private mutating func botClosed(_ closure: WebSocketClosure, now: Duration, output: inout GatewayProxyOutput) {
        if let error = closure.error {
            emit(
                .violation(
                    .bot, GatewayServerViolation(code: GatewayCloseCode(rawValue: error.closeCode), message: error.message, offset: error.offset)))
        }
        endBotLeg(closure)
        // The bot's WebSocket is over (the close echoed or answered, or failed): the server side
        // ends the TCP connection, after what `toBot` holds, rather than wait on the bot for it.
        output.closesBotTransport = true
        guard !upstreamLegOver else { return }
        switch closure.initiator {
        case .remote:
            // The bot's own close, passed on with its code (1005, no code, becomes 1000).
            closeUpstreamLeg(code: Self.sendableCode(closure.code), reason: closure.reason, now: now, output: &output)
        case .local:
            if closure.error != nil {
                closeUpstreamLeg(code: GatewayCloseCode.unknownError.rawValue, reason: "the bot broke the WebSocket protocol", now: now, output: &output)
            }
        case .abnormal:
            output.closesUpstreamTransport = true
            endUpstreamLeg(WebSocketClosure(initiator: .abnormal, code: nil, reason: "dropped with the bot's connection"))
        }
    }

    // MARK: - The upstream leg

    private mutating func drainUpstream(now: Duration, output: inout GatewayProxyOutput) {
        while let event = upstream?.nextEvent() {
            switch event {
            case .accepted:
                acceptBot(now: now, output: &output)
            case .rejected(let rejection):
                refuseBot(
                    status: rejection.statusCode, reason: "the upstream gateway refused the upgrade: \(rejection.statusCode) \(rejection.reason)",
                    body: rejection.body, output: &output)
                output.closesUpstreamTransport = true
                upstreamLegOver = true
                finishIfOver()
            case .frame(let header):
                emit(.frame(.upstream, header))
            case .message(let message):
                passToBot(message, now: now, output: &output)
            case .ping, .pong:
                break
            case .closed(let closure):
                upstreamClosed(closure, now: now, output: &output)
            }
        }
    }

    private mutating func acceptBot(now: Duration, output: inout GatewayProxyOutput) {
        guard case .upgradingUpstream(let url, let query) = phase else { return }
        do {
            // Without transport compression, JSON may still come payload-compressed (binary
            // messages, when IDENTIFY asked); ETF is binary either way.
            let inbound: GatewayCompression =
                query.compression == .none && query.encoding == .json ? .payload : query.compression
            decompressor = try GatewayDecompressor(inbound, limit: configuration.codecLimits.maxDecompressedPayloadSize)
            botEncoder = try OutboundEncoder(
                encoding: query.encoding, compression: query.compression, fast: configuration.compressesBotLegForSpeed)
            output.toBot += try bot.accept()
        } catch {
            refuseBot(status: 503, reason: "\(error)", output: &output)
            closeUpstreamLeg(code: WebSocketCloseCode.normalClosure, reason: "", now: now, output: &output)
            return
        }
        phase = .relaying
        upstreamAnswerDeadline = nil
        emit(.connected(query, upstream: url))
        // What the bot sent after its request, before the 101 (frames it should have held back),
        // was read by the accept: handled now, not when the bot's next bytes happen to come.
        drainBot(now: now, output: &output)
    }

    private mutating func passToBot(_ message: WebSocketMessage, now: Duration, output: inout GatewayProxyOutput) {
        guard let query, let decompressor, botEncoder != nil else { return }
        let isBinary: Bool
        switch message {
        case .text: isBinary = false
        case .binary: isBinary = true
        }
        let bytes: [UInt8]
        let payload: GatewayPayload
        do {
            guard let inflated = try decompressor.decompress(message: message.bytes, isBinary: isBinary) else { return }
            bytes = inflated
            payload = try GatewayPayload(decoding: bytes, encoding: query.encoding, limits: configuration.codecLimits)
        } catch {
            let violation = GatewayServerViolation(
                code: .unknownError, message: "undecodable payload from upstream: \(error)",
                offset: upstream?.deliveredMessageFrameOffset)
            emit(.violation(.upstream, violation))
            flushDelayed(into: &output)
            closeBotLeg(code: violation.code.rawValue, reason: "the upstream gateway sent an undecodable payload", now: now, output: &output)
            closeUpstreamLeg(code: GatewayCloseCode.unknownError.rawValue, reason: "undecodable payload", now: now, output: &output)
            return
        }
        if payload.opcode == .heartbeatACK {
            guard passesHeartbeatACKs else { return emit(.withheld(payload)) }
            if let sent = heartbeatAt {
                heartbeatAt = nil
                emit(.heartbeatAcknowledged(upstream: now - sent, toBot: now + delay - sent))
            }
        }
        // The bot's leg ended or is closing: the payload cannot reach the bot, and is not held.
        guard bot.state == .open else { return }
        let rewritten =
            payload.opcode == .dispatch && payload.eventName == "READY" ? rewritingResumeURL(payload) : nil
        let held: HeldPayload
        if query.compression != .none {
            // Compressed again with the bot leg's own context when it goes out, so the stream
            // stays in the order of the wire; the payload as Discord sent it (for an ETF
            // `COMPRESSED` term, `payload.bytes` is the inflated term without its version byte).
            held = HeldPayload(payload: rewritten ?? payload, body: rewritten?.bytes ?? bytes, isBinary: true)
        } else if let rewritten {
            // Without transport compression, READY keeps the form it came in: compressed when it was.
            let body = isBinary && query.encoding == .json ? ZlibStandalone.compress(rewritten.bytes) : rewritten.bytes
            held = HeldPayload(payload: rewritten, body: body, isBinary: isBinary || query.encoding == .etf)
        } else {
            // Nothing stateful between the legs: the message goes as it came.
            held = HeldPayload(payload: payload, body: message.bytes, isBinary: isBinary)
        }
        // Nothing overtakes a payload held before it, even once the delay is shorter or gone.
        if delay > .zero || !delayed.isEmpty {
            delayed.append((now + delay, held))
        } else {
            deliver(held, output: &output)
        }
    }

    /// Sends one of Discord's payloads to the bot, and reports it; one that cannot reach the bot
    /// (its leg is closing, a compressor failed) is neither sent nor reported.
    private mutating func deliver(_ held: HeldPayload, output: inout GatewayProxyOutput) {
        guard let query, let botEncoder, bot.state == .open else { return }
        do {
            let body = query.compression == .none ? held.body : try botEncoder.message(carrying: held.body).bytes
            output.toBot += held.isBinary ? try bot.sendBinary(body) : try bot.sendText(body)
        } catch {
            return
        }
        if held.payload.opcode == .dispatch { dispatchesPassed += 1 }
        emit(.fromDiscord(held.payload))
    }

    /// READY with `resume_gateway_url` pointing back at the proxy, or nil when it names none.
    private mutating func rewritingResumeURL(_ ready: GatewayPayload) -> GatewayPayload? {
        guard let query, let botEncoder, case .object(var data) = ready.data,
            let real = data["resume_gateway_url"]?.stringValue, let parsed = try? WebSocketURL(real)
        else { return nil }
        var proxy = configuration.proxyURL
        while proxy.hasSuffix("/") { proxy.removeLast() }
        let proxied = proxy + "/via/" + parsed.hostHeader
        data["resume_gateway_url"] = .string(proxied)
        let value: GatewayValue = [
            "op": 0, "d": .object(data), "s": ready.sequence.map { .integer($0) } ?? .null,
            "t": ready.eventName.map { .string($0) } ?? .null,
        ]
        guard let bytes = try? botEncoder.encodePayload(value),
            let payload = try? GatewayPayload(decoding: bytes, encoding: query.encoding, limits: configuration.codecLimits)
        else { return nil }
        emit(.resumeURLRewritten(real: real, proxied: proxied))
        return payload
    }

    private mutating func upstreamClosed(_ closure: WebSocketClosure, now: Duration, output: inout GatewayProxyOutput) {
        let wasRelaying: Bool
        if case .relaying = phase { wasRelaying = true } else { wasRelaying = false }
        // Before the upgrade, the bot's refusal says why (an upstream that closed without
        // answering has broken no rule); after it, a WebSocket error is the upstream's violation.
        if wasRelaying, let error = closure.error {
            emit(
                .violation(
                    .upstream,
                    GatewayServerViolation(code: GatewayCloseCode(rawValue: error.closeCode), message: error.message, offset: error.offset)))
        }
        endUpstreamLeg(closure)
        // The upstream WebSocket is over: its socket is closed after what `toUpstream` holds (a
        // client may, RFC 6455 7.1.1), so an upstream that never ends it cannot keep it open.
        output.closesUpstreamTransport = true
        guard !botLegOver else { return }
        guard wasRelaying else {
            refuseBot(status: 502, reason: "the upstream gateway closed before the upgrade: \(closure)", output: &output)
            return
        }
        flushDelayed(into: &output)
        switch closure.initiator {
        case .remote:
            // Discord's close, passed on with its code and reason.
            closeBotLeg(code: Self.sendableCode(closure.code), reason: closure.reason, now: now, output: &output)
        case .local:
            if closure.error != nil {
                closeBotLeg(code: GatewayCloseCode.unknownError.rawValue, reason: "the upstream gateway broke the WebSocket protocol", now: now, output: &output)
            }
        case .abnormal:
            // Discord's connection dropped: so does the bot's.
            output.closesBotTransport = true
            endBotLeg(WebSocketClosure(initiator: .abnormal, code: nil, reason: "dropped with the upstream connection"))
        }
    }

    // MARK: - Helpers

    /// A close code a WebSocket endpoint may send for the one received (1005, none, becomes
    /// 1000; 1006 and 1015 are never sent either).
    private static func sendableCode(_ code: UInt16?) -> UInt16 {
        guard let code, code != 1005, code != 1006, code != 1015 else { return WebSocketCloseCode.normalClosure }
        return code
    }

    private mutating func refuseBot(status: Int, reason: String, body: [UInt8]? = nil, output: inout GatewayProxyOutput) {
        output.toBot += (try? bot.reject(status: status, body: body ?? Array((reason + "\n").utf8))) ?? []
        output.closesBotTransport = true
        emit(.refused(status: status, reason: reason))
        botLegOver = true
        finishIfOver()
    }

    private mutating func closeBotLeg(code: UInt16, reason: String, now: Duration, output: inout GatewayProxyOutput) {
        guard !botLegOver, let bytes = try? bot.close(code: code, reason: Self.shortened(reason)) else { return }
        output.toBot += bytes
        botCloseDeadline = now + configuration.closeTimeout
    }

    private mutating func closeUpstreamLeg(code: UInt16, reason: String, now: Duration, output: inout GatewayProxyOutput) {
        guard !upstreamLegOver else { return }
        guard var client = upstream, let bytes = try? client.close(code: code, reason: Self.shortened(reason), using: &random)
        else {
            if case .relaying = phase { return }
            // Not upgraded yet: there is no handshake to close, only a transport.
            output.closesUpstreamTransport = true
            endUpstreamLeg(WebSocketClosure(initiator: .local, code: nil, reason: "closed before the upgrade"))
            return
        }
        upstream = client
        output.toUpstream += bytes
        upstreamCloseDeadline = now + configuration.closeTimeout
    }

    /// At most 123 UTF-8 bytes, as a close reason must be.
    private static func shortened(_ reason: String) -> String {
        var text = reason
        while text.utf8.count > 123 { text.removeLast() }
        return text
    }

    private mutating func flushDelayed(into output: inout GatewayProxyOutput) {
        let held = delayed
        delayed.removeAll()
        for (_, payload) in held { deliver(payload, output: &output) }
    }

    private mutating func endBotLeg(_ closure: WebSocketClosure) {
        guard !botLegOver else { return }
        botLegOver = true
        botCloseDeadline = nil
        delayed.removeAll()
        emit(.legClosed(.bot, closure))
        finishIfOver()
    }

    private mutating func endUpstreamLeg(_ closure: WebSocketClosure) {
        guard !upstreamLegOver else { return }
        upstreamLegOver = true
        upstreamCloseDeadline = nil
        emit(.legClosed(.upstream, closure))
        finishIfOver()
    }

    private mutating func finishIfOver() {
        guard botLegOver, upstreamLegOver else { return }
        if case .closed = phase { return }
        emit(.finished)
        phase = .closed
    }

    private mutating func emit(_ event: GatewayProxyEvent) {
        if case .closed = phase { return }
        pendingEvents.append(event)
    }
}

/// One of Discord's payloads on its way to the bot: what is reported, and what carries it (to be
/// compressed with the bot leg's context when the connection has transport compression).
private struct HeldPayload {
    var payload: GatewayPayload
    var body: [UInt8]
    var isBinary: Bool
}

/// A random source of a concrete type, so it can be passed `inout` to the WebSocket layer's
/// generic methods without opening an existential at each call.
struct BoxedRandom: RandomNumberGenerator {
    var base: any RandomNumberGenerator

    mutating func next() -> UInt64 { base.next() }
}
