import DiscordGateway
import FuzzSupport
import GatewayCodecs
import GatewayServer
import WebSocketProtocol

// Properties of GatewayProxyConnection, for a fuzzer-chosen encoding and
// compression (json or etf with none, zlib-stream or zstd-stream, asked for in
// the bot's upgrade request), small or default limits, frame reports on or
// off: after the bot's upgrade request (RFC 6455's sample key),
// upstreamConnected and a valid 101 for the key of the request the proxy
// wrote upstream, any bytes on both legs in any reads, at any (monotonic)
// times, with every deadline handled when it falls due and the driver's
// faults (sendToBot, closeBot, dropBot, withheld ACKs, a delay) at any point,
// then the end of input on both legs:
// - the state is closed, nextDeadline is nil, each leg closed once, and the
//   last event is the one and only `finished`;
// - every violation's offset lies in the bytes its side had sent by then;
// - nothing is written on a leg after the proxy asked for its transport to
//   be closed;
// - upstream: after the upgrade request, masked client frames with nothing
//   after a close; its messages are, in order, the payloads `fromBot`
//   reported (all of them, or the first ones until the leg stopped sending);
// - bot: the 101 for the bot's key, then unmasked server frames with nothing
//   after a close, which a WebSocketClient (checking the accept value) reads
//   without a protocol violation; each message decompresses as the bot's URL
//   asked and decodes to a payload, and these payloads are, in order, exactly
//   those `fromDiscord` and `injected` reported.
//
// Input: bytes for the legs from the front; decisions from the back: the
// encoding and compression, the flags (small limits, frame reports, which
// leg ends first), then per step the time that passed before it (a byte of
// milliseconds; 250 and up jump 5 to 30 seconds, so delays and close
// timeouts fire) and an action byte: below 0xF0 a read (bit 0: the bot's or
// the upstream leg; then a byte for its size, 1...256), else a fault.

private let setups: [(GatewayEncoding, GatewayCompression)] = [
    (.json, .none), (.json, .zlibStream), (.json, .zstdStream),
    (.etf, .none), (.etf, .zlibStream), (.etf, .zstdStream),
]

private let sampleKey = "dGhlIHNhbXBsZSBub25jZQ=="

/// A valid 101 for the key in `request`.
private func upgradeResponse(to request: [UInt8]) -> [UInt8] {
    let prefix = Array("Sec-WebSocket-Key: ".utf8)
    let text = request.split(separator: UInt8(ascii: "\r"))
        .map { $0.drop { $0 == UInt8(ascii: "\n") } }
        .first { $0.starts(with: prefix) }
    guard let line = text else { FuzzCheck.fail("no Sec-WebSocket-Key in the upstream request") }
    let key = String(decoding: line.dropFirst(prefix.count), as: UTF8.self)
    let accept = WebSocketHandshake.acceptValue(forKey: key)
    return Array(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: \(accept)\r\n\r\n"
            .utf8)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGatewayProxy(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzedData(FuzzInput.buffer(data, size))
    let (encoding, compression) = setups[Int(input.decisionByte()) % setups.count]
    let flags = input.decisionByte()
    let smallLimits = flags & 1 != 0
    var configuration = GatewayProxyConfiguration(upstreamURL: "ws://gateway.upstream.test", proxyURL: "ws://127.0.0.1:7")
    configuration.webSocket = WebSocketConfiguration(
        maxFrameSize: smallLimits ? 200 : 64 << 10, maxMessageSize: smallLimits ? 150 : 64 << 10,
        reportsFrames: flags & 2 != 0)
    configuration.codecLimits = CodecLimits(
        maxNestingDepth: smallLimits ? 8 : 32, maxDecompressedPayloadSize: smallLimits ? 512 : 64 << 10)
    configuration.closeTimeout = .seconds(2)

    var run = Run(configuration: configuration, encoding: encoding, compression: compression)
    run.connect()

    while input.remainingCount > 0 {
        run.advanceClock(by: input.decisionByte())
        let action = input.decisionByte()
        if action < 0xF0 {
            let size = input.decision(in: 1...256)
            let read = Array(input.payload(upTo: size))
            if action & 1 == 0 { run.fromBot(read) } else { run.fromUpstream(read) }
        } else {
            run.fault(action & 0x0F)
        }
    }
    if flags & 4 == 0 {
        run.perform(run.proxy.botEndOfInput(now: run.now))
        run.perform(run.proxy.upstreamEndOfInput(now: run.now))
    } else {
        run.perform(run.proxy.upstreamEndOfInput(now: run.now))
        run.perform(run.proxy.botEndOfInput(now: run.now))
    }
    run.checkEnd()
    return 0
}

/// One proxied connection: the proxy, the bot's side reading what it was sent, the clock, and
/// everything written and reported.
private struct Run {
    var proxy: GatewayProxyConnection
    let configuration: GatewayProxyConfiguration
    let encoding: GatewayEncoding
    let compression: GatewayCompression
    /// The bot: its upgrade request is the one sent, and it reads everything written to the bot.
    var botClient: WebSocketClient
    var botRandom = FuzzGenerator()
    var now: Duration = .zero

    var fedFromBot = 0
    var fedFromUpstream = 0
    var toBot: [UInt8] = []
    var toUpstream: [UInt8] = []
    var botTransportClosed = false
    var upstreamTransportClosed = false
    var upstreamRequestCount = 0

    var botClientEvents: [WebSocketEvent] = []
    /// The payloads reported as passed upstream, and as sent to the bot (`fromDiscord`, `injected`).
    var fromBot: [GatewayPayload] = []
    var sentToBot: [GatewayPayload] = []
    var finishedCount = 0
    var legClosed: [GatewayProxySide: Int] = [:]
    var lastEvent: GatewayProxyEvent?

    init(configuration: GatewayProxyConfiguration, encoding: GatewayEncoding, compression: GatewayCompression) {
        self.configuration = configuration
        self.encoding = encoding
        self.compression = compression
        proxy = GatewayProxyConnection(configuration: configuration, random: FuzzGenerator())
        let query = "?v=10&encoding=\(encoding.rawValue)" + (compression == .none ? "" : "&compress=\(compression.rawValue)")
        do {
            botClient = try WebSocketClient(url: WebSocketURL("ws://127.0.0.1:7/" + query), using: &botRandom)
        } catch {
            FuzzCheck.fail("cannot create the bot's client: \(error)")
        }
        FuzzCheck.expect(botClient.handshakeKey == sampleKey, "the fixed generator no longer gives the RFC sample key")
    }

    /// The bot's upgrade request, the upstream transport, and the upstream's 101.
    mutating func connect() {
        fromBot(botClient.handshakeRequest())
        FuzzCheck.expect(proxy.state == .connectingUpstream, "a valid upgrade request left the proxy \(proxy.state)")
        perform(proxy.upstreamConnected(now: now))
        FuzzCheck.expect(proxy.state == .upgradingUpstream && !toUpstream.isEmpty, "no upstream request; \(proxy.state)")
        upstreamRequestCount = toUpstream.count
        fromUpstream(upgradeResponse(to: toUpstream))
        FuzzCheck.expect(proxy.state == .relaying, "a valid 101 left the proxy \(proxy.state)")
    }

    mutating func fromBot(_ bytes: [UInt8]) {
        fedFromBot += bytes.count
        perform(proxy.receiveFromBot(bytes, now: now))
    }

    mutating func fromUpstream(_ bytes: [UInt8]) {
        fedFromUpstream += bytes.count
        perform(proxy.receiveFromUpstream(bytes, now: now))
    }

    /// Moves the clock on and handles every deadline that fell due.
    mutating func advanceClock(by step: UInt8) {
        now += step < 250 ? .milliseconds(Int(step)) : .seconds(5 * Int(step - 249))
        var handled = 0
        while let deadline = proxy.nextDeadline, deadline <= now {
            perform(proxy.handleDeadline(now: now))
            handled += 1
            FuzzCheck.expect(handled < 1000, "handleDeadline(now: \(now)) leaves the deadline \(deadline) due; state \(proxy.state)")
        }
    }

    /// What a driver may do to a connection besides feeding it (usage errors are allowed: the
    /// connection may not be relaying any more).
    mutating func fault(_ kind: UInt8) {
        switch kind {
        case 0: perform((try? proxy.sendToBot(opcode: .reconnect, data: .null, now: now)) ?? GatewayProxyOutput())
        case 1: perform((try? proxy.sendToBot(opcode: .invalidSession, data: .bool(true), now: now)) ?? GatewayProxyOutput())
        case 2: perform((try? proxy.sendToBot(opcode: .invalidSession, data: .bool(false), now: now)) ?? GatewayProxyOutput())
        case 3: perform((try? proxy.closeBot(code: .unknownError, reason: "fault", now: now)) ?? GatewayProxyOutput())
        case 4: perform((try? proxy.closeBot(code: .normalClosure, now: now)) ?? GatewayProxyOutput())
        case 5: perform((try? proxy.closeBot(code: .sessionTimedOut, reason: String(repeating: "é", count: 80), now: now)) ?? GatewayProxyOutput())
        case 6: perform(proxy.dropBot(now: now))
        case 7: proxy.passesHeartbeatACKs = false
        case 8: proxy.passesHeartbeatACKs = true
        case 9: proxy.delay = .zero
        case 10: proxy.delay = .milliseconds(100)
        case 11: proxy.delay = .seconds(1)
        case 12: proxy.delay = .seconds(10)
        default: advanceClock(by: 255)
        }
    }

    /// Carries out an output, checks it against what came before, and drains the events.
    mutating func perform(_ output: GatewayProxyOutput) {
        FuzzCheck.expect(
            output.toBot.isEmpty || !botTransportClosed, "\(output.toBot.count) bytes to the bot after its transport was closed")
        FuzzCheck.expect(
            output.toUpstream.isEmpty || !upstreamTransportClosed,
            "\(output.toUpstream.count) bytes upstream after its transport was closed")
        toUpstream += output.toUpstream
        if !output.toBot.isEmpty {
            toBot += output.toBot
            _ = botClient.receive(output.toBot, using: &botRandom)
            while let event = botClient.nextEvent() { botClientEvents.append(event) }
        }
        botTransportClosed = botTransportClosed || output.closesBotTransport
        upstreamTransportClosed = upstreamTransportClosed || output.closesUpstreamTransport
        drain()
    }

    mutating func drain() {
        while let event = proxy.nextEvent() {
            FuzzCheck.expect(finishedCount == 0, "\(event) after finished")
            lastEvent = event
            switch event {
            case .finished:
                finishedCount += 1
            case .legClosed(let side, _):
                legClosed[side, default: 0] += 1
            case .violation(let side, let violation):
                if let offset = violation.offset {
                    let sent = side == .bot ? fedFromBot : fedFromUpstream
                    FuzzCheck.expect(
                        offset >= 0 && offset <= sent, "\(side) violation at \(offset), outside the \(sent) bytes it sent: \(violation)")
                }
            case .fromBot(let payload):
                fromBot.append(payload)
            case .fromDiscord(let payload), .injected(let payload):
                sentToBot.append(payload)
            case .upstreamNeeded, .connected, .refused, .frame, .withheld, .heartbeatAcknowledged, .resumeURLRewritten:
                break
            }
        }
    }

    // MARK: Properties

    mutating func checkEnd() {
        FuzzCheck.expect(proxy.state == .closed, "state \(proxy.state) after the end of both legs")
        FuzzCheck.expect(proxy.nextDeadline == nil, "deadline \(String(describing: proxy.nextDeadline)) after the end")
        guard case .finished? = lastEvent else {
            FuzzCheck.fail("the last event is \(String(describing: lastEvent)), not finished")
        }
        FuzzCheck.expect(finishedCount == 1, "\(finishedCount) finished events")
        FuzzCheck.expect(legClosed[.bot] == 1 && legClosed[.upstream] == 1, "legs closed \(legClosed)")
        checkUpstream()
        botClient.receiveEndOfInput()
        while let event = botClient.nextEvent() { botClientEvents.append(event) }
        checkBot()
    }

    /// Masked client frames after the request, nothing after a close; the messages are the
    /// payloads reported `fromBot`, in order (the first ones, once the leg stopped sending).
    func checkUpstream() {
        var parser = WebSocketFrameParser(framesFrom: .client)
        parser.append(Array(toUpstream.dropFirst(upstreamRequestCount)))
        var messages: [[UInt8]] = []
        var sawClose = false
        do {
            while let frame = try parser.nextFrame() {
                FuzzCheck.expect(!sawClose, "the proxy wrote \(frame.header) upstream after its close frame")
                FuzzCheck.expect(frame.header.isMasked, "the proxy wrote an unmasked frame upstream")
                switch frame.header.opcode {
                case .text, .binary: messages.append(frame.payload)
                case .continuation: messages[messages.count - 1] += frame.payload
                case .close: sawClose = true
                default: break
                }
            }
        } catch {
            FuzzCheck.fail("the proxy wrote bytes upstream that are not valid client frames: \(error)")
        }
        FuzzCheck.expect(parser.isAtFrameBoundary, "the proxy's upstream output ends inside a frame")
        FuzzCheck.expect(
            messages.count <= fromBot.count, "\(messages.count) messages upstream for \(fromBot.count) payloads from the bot")
        for (index, message) in messages.enumerated() {
            guard let payload = try? GatewayPayload(decoding: message, encoding: encoding, limits: configuration.codecLimits) else {
                FuzzCheck.fail("upstream message \(index) does not decode")
            }
            FuzzCheck.expect(payload == fromBot[index], "upstream message \(index) is not the payload reported from the bot")
        }
    }

    /// The 101, then unmasked server frames the bot reads cleanly; the payloads in them are
    /// those reported `fromDiscord` and `injected`, in order.
    func checkBot() {
        let response = WebSocketHandshake.switchingProtocolsResponse(forKey: sampleKey)
        FuzzCheck.expect(toBot.starts(with: response), "the bot's output does not start with the 101 for its key")
        var parser = WebSocketFrameParser(framesFrom: .server)
        parser.append(Array(toBot.dropFirst(response.count)))
        var sawClose = false
        do {
            while let frame = try parser.nextFrame() {
                FuzzCheck.expect(!sawClose, "the proxy wrote \(frame.header) to the bot after its close frame")
                if frame.header.opcode == .close { sawClose = true }
            }
        } catch {
            FuzzCheck.fail("the proxy wrote bytes to the bot that are not valid server frames: \(error)")
        }
        FuzzCheck.expect(parser.isAtFrameBoundary, "the proxy's output to the bot ends inside a frame")

        guard case .accepted? = botClientEvents.first else {
            FuzzCheck.fail("the bot's client did not accept the upgrade: \(String(describing: botClientEvents.first))")
        }
        guard case .closed(let closure)? = botClientEvents.last else {
            FuzzCheck.fail("the bot's client did not close: \(String(describing: botClientEvents.last))")
        }
        FuzzCheck.expect(closure.error == nil, "the bot's client found a protocol violation: \(closure)")

        // What the bot decodes, as the bot's URL asked (JSON without transport compression may
        // be payload-compressed, as Discord's is).
        let inbound: GatewayCompression = compression == .none && encoding == .json ? .payload : compression
        let decompressor: GatewayDecompressor
        do {
            decompressor = try GatewayDecompressor(inbound, limit: 64 << 20)
        } catch {
            FuzzCheck.fail("cannot create the bot's decompressor: \(error)")
        }
        var received: [GatewayPayload] = []
        for event in botClientEvents {
            guard case .message(let message) = event else { continue }
            let isBinary: Bool
            if case .binary = message { isBinary = true } else { isBinary = false }
            let bytes: [UInt8]?
            do {
                bytes = try message.bytes.withUnsafeBytes { buffer throws(DecompressionError) in
                    try decompressor.decompress(message: buffer, isBinary: isBinary)
                }
            } catch {
                FuzzCheck.fail("message \(received.count) to the bot does not decompress: \(error)")
            }
            guard let bytes else { FuzzCheck.fail("message \(received.count) to the bot is not a whole payload") }
            do {
                received.append(try GatewayPayload(decoding: bytes, encoding: encoding, limits: configuration.codecLimits))
            } catch {
                FuzzCheck.fail("message \(received.count) to the bot does not decode: \(error)")
            }
        }
        FuzzCheck.expect(
            received.count == sentToBot.count,
            "the bot got \(received.count) payloads; \(sentToBot.count) were reported sent (fromDiscord, injected)")
        for (index, (got, reported)) in zip(received, sentToBot).enumerated() {
            FuzzCheck.expect(
                got.opcode == reported.opcode && got.sequence == reported.sequence && got.eventName == reported.eventName
                    && got.bytes == reported.bytes,
                "payload \(index) the bot got (op \(got.opcode.rawValue), \(got.bytes.count) bytes) is not the one reported (op \(reported.opcode.rawValue), \(reported.bytes.count) bytes)"
            )
        }
    }
}
