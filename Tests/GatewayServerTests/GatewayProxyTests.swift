import DiscordGateway
import GatewayCodecs
import GatewayServer
import SeededRandom
import Testing
import WebSocketProtocol

/// The library's client through a `GatewayProxyConnection` to the library's server, in memory.
@Suite struct GatewayProxyTests {
    /// A proxy connection (upstream and proxy URLs of ``ProxyTrio``, or `configuration`) whose bot,
    /// a JSON client without compression, asked to upgrade at `now`.
    static func botUpgrading(
        _ configuration: GatewayProxyConfiguration = GatewayProxyConfiguration(
            upstreamURL: ProxyTrio.upstreamURL, proxyURL: ProxyTrio.proxyURL),
        at now: Duration = .zero
    ) throws -> (proxy: GatewayProxyConnection, client: GatewayConnection) {
        var proxy = GatewayProxyConnection(configuration: configuration, random: SplitMix64(seed: 1))
        var client = try GatewayConnection(
            configuration: GatewayConfiguration(url: ProxyTrio.proxyURL, encoding: .json, compression: .none), random: SplitMix64(seed: 2))
        _ = proxy.receiveFromBot(client.connect(), now: now)
        return (proxy, client)
    }

    static let formats: [(GatewayEncoding, GatewayCompression)] = [
        (.json, .none), (.json, .zlibStream), (.json, .zstdStream), (.etf, .none), (.etf, .zlibStream), (.etf, .zstdStream),
        (.json, .payload),
    ]

    /// A client identified through the proxy.
    static func identified(_ encoding: GatewayEncoding = .json, _ compression: GatewayCompression = .none) throws -> ProxyTrio {
        var trio = try ProxyTrio(encoding: encoding, compression: compression)
        trio.connect()
        try trio.identifyOrResume()
        return trio
    }

    @Test(arguments: 0..<7)
    func aSessionIsRelayedInEveryFormat(format: Int) throws {
        let (encoding, compression) = Self.formats[format]
        var trio = try Self.identified(encoding, compression)
        #expect(trio.proxy.state == .relaying)
        #expect(trio.clientDispatches == ["READY"])
        // The upstream leg asked for what the bot asked for, at the configured upstream.
        let upstream = try #require(trio.proxy.upstreamURL)
        #expect(upstream.host == "gateway.upstream.test")
        // Payload compression is asked for in IDENTIFY, not in the URL.
        let transport = compression == .payload ? GatewayCompression.none : compression
        #expect(trio.proxy.query == GatewayConnectionQuery(version: 10, encoding: encoding, compression: transport))
        #expect(trio.server.query == trio.proxy.query)
        // READY's resume URL leads back to the proxy, naming the real host.
        #expect(trio.client.resumeURL?.hasPrefix("ws://127.0.0.1:7/via/resume.upstream.test") == true, "\(trio.client.resumeURL ?? "")")
        #expect(trio.client.sessionID == trio.server.session?.id)
        // Dispatches, big and small, arrive in order with the server's sequence numbers.
        let big: GatewayValue = ["id": "1", "name": .string(String(repeating: "guild ", count: 2000)), "channels": []]
        for (index, data) in [big, ["content": "hi"], ["content": "héllo 👋"]].enumerated() {
            let bytes = try trio.server.dispatch(index == 0 ? "GUILD_CREATE" : "MESSAGE_CREATE", data, now: trio.now)
            trio.drainServerEvents()
            trio.toProxyFromServer(bytes)
        }
        #expect(trio.clientDispatches == ["READY", "GUILD_CREATE", "MESSAGE_CREATE", "MESSAGE_CREATE"])
        #expect(trio.client.sequence == 4)
        #expect(trio.proxy.dispatchesPassed == 4)
        #expect(trio.proxyViolations.isEmpty)
        // Heartbeats go upstream and their ACKs come back, timed on each leg.
        trio.advance(to: .seconds(100))
        #expect(trio.serverReceivedOpcodes.filter { $0 == 1 }.count >= 2)
        #expect(trio.client.state == .open)
        let acknowledged = trio.proxyEvents.filter { if case .heartbeatAcknowledged = $0 { true } else { false } }
        #expect(acknowledged.count >= 2)
    }

    @Test func closesPassBothWaysWithTheirCodes() throws {
        var trio = try Self.identified()
        // Discord closes with 4009: the bot sees 4009.
        let close = try trio.server.close(code: .sessionTimedOut, reason: "timed out", now: trio.now)
        trio.drainServerEvents()
        trio.toProxyFromServer(close)
        #expect(trio.lastClientDisconnect?.code?.rawValue == 4009)
        #expect(trio.proxy.state == .closed)
        // The bot closes with 4000 on a new connection: Discord sees 4000.
        _ = trio.client.reconnect()
        trio.connect()
        try trio.identifyOrResume()
        trio.toProxyFromBot(try trio.client.close(code: .unknownError, now: trio.now))
        #expect(trio.lastServerDisconnect?.code == 4000)
        #expect(trio.lastServerDisconnect?.initiator == .client)
        #expect(trio.proxy.state == .closed)
    }

    @Test func aReconnectIsResumedThroughTheProxyAtTheRealResumeHost() throws {
        var trio = try Self.identified()
        let sessionID = try #require(trio.server.session?.id)
        trio.toProxyFromServer(try trio.server.dispatch("MESSAGE_CREATE", ["content": "before"], now: trio.now))
        trio.drainServerEvents()
        trio.toProxyFromServer(try trio.server.requestReconnect(now: trio.now))
        trio.drainServerEvents()
        // The bot closed with a resumable code; the server kept the session and gets one missed event.
        #expect(trio.lastServerDisconnect?.code == 4000)
        var kept = try #require(trio.sessions[sessionID])
        _ = kept.record(name: "MESSAGE_CREATE", data: ["content": "missed"])
        trio.sessions[sessionID] = kept
        _ = trio.client.reconnect()
        trio.connect()
        #expect(trio.proxy.upstreamURL?.host == "resume.upstream.test")
        try trio.identifyOrResume()
        #expect(trio.serverReceivedOpcodes.last == 6)
        #expect(trio.clientDispatches.suffix(2) == ["MESSAGE_CREATE", "RESUMED"])
        #expect(trio.client.sessionID == sessionID)
        // READY, the message before, the missed one, RESUMED.
        #expect(trio.client.sequence == 4)
    }

    @Test(arguments: ["/via/unknown.test", "/via/resume.upstream.test"])
    func aBotIsRelayedToAResumeHostOnlyWhenREADYNamedIt(path: String) throws {
        var proxy = GatewayProxyConnection(
            configuration: {
                var configuration = GatewayProxyConfiguration(upstreamURL: ProxyTrio.upstreamURL, proxyURL: ProxyTrio.proxyURL)
                configuration.resumeHosts = ["resume.upstream.test"]
                return configuration
            }(), random: SplitMix64(seed: 1))
        var client = try GatewayConnection(
            configuration: GatewayConfiguration(url: ProxyTrio.proxyURL + path, encoding: .json, compression: .zlibStream),
            random: SplitMix64(seed: 2))
        _ = proxy.receiveFromBot(client.connect(), now: .zero)
        let upstream = try #require(proxy.upstreamURL)
        #expect(upstream.host == (path.hasSuffix("unknown.test") ? "gateway.upstream.test" : "resume.upstream.test"))
        #expect(upstream.requestTarget == "/?v=10&encoding=json&compress=zlib-stream")
        #expect(proxy.state == .connectingUpstream)
    }

    @Test func injectedFaultsReachTheBotAndItResumes() throws {
        var trio = try Self.identified()
        let sessionID = try #require(trio.server.session?.id)
        // RECONNECT of the proxy's making: the bot closes resumably; upstream sees the bot's code.
        trio.perform(try trio.proxy.sendToBot(opcode: .reconnect, data: .null, now: trio.now))
        #expect(trio.proxyEvents.contains { if case .injected(let payload) = $0 { payload.opcode == .reconnect } else { false } })
        #expect(trio.lastServerDisconnect?.code == 4000)
        _ = trio.client.reconnect()
        trio.connect()
        try trio.identifyOrResume()
        #expect(trio.client.sessionID == sessionID)
        #expect(trio.clientDispatches.last == "RESUMED")
        // A drop: both transports cut, and the bot resumes again.
        trio.perform(trio.proxy.dropBot(now: trio.now))
        #expect(trio.lastClientDisconnect?.willResume == true)
        #expect(trio.lastServerDisconnect?.initiator == .transport)
        _ = trio.client.reconnect()
        trio.connect()
        try trio.identifyOrResume()
        #expect(trio.clientDispatches.last == "RESUMED")
        // Withheld ACKs: the bot finds its connection a zombie and closes it resumably.
        trio.proxy.passesHeartbeatACKs = false
        trio.advance(to: trio.now + .seconds(200))
        #expect(trio.proxyEvents.contains { if case .withheld = $0 { true } else { false } })
        #expect(trio.lastClientDisconnect?.willResume == true)
        #expect(trio.proxy.state == .closed)
    }

    @Test func aDelayHoldsDiscordsPayloads() throws {
        var trio = try Self.identified()
        trio.proxy.delay = .milliseconds(300)
        trio.toProxyFromServer(try trio.server.dispatch("MESSAGE_CREATE", ["content": "later"], now: trio.now))
        trio.drainServerEvents()
        #expect(trio.clientDispatches == ["READY"])
        #expect(trio.proxy.nextDeadline == trio.now + .milliseconds(300))
        trio.advance(to: trio.now + .milliseconds(300))
        #expect(trio.clientDispatches == ["READY", "MESSAGE_CREATE"])
    }

    @Test func aQueryTheGatewayDoesNotKnowIsRefusedWith400BeforeAnyUpstream() throws {
        var proxy = GatewayProxyConnection(
            configuration: GatewayProxyConfiguration(upstreamURL: ProxyTrio.upstreamURL, proxyURL: ProxyTrio.proxyURL),
            random: SplitMix64(seed: 1))
        let output = proxy.receiveFromBot(
            Array(
                "GET /?v=10&encoding=xml HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
                    .utf8), now: .zero)
        #expect(String(decoding: output.toBot, as: UTF8.self).hasPrefix("HTTP/1.1 400"))
        #expect(output.closesBotTransport && output.toUpstream.isEmpty)
        var events: [GatewayProxyEvent] = []
        while let event = proxy.nextEvent() { events.append(event) }
        #expect(events.contains { if case .refused(400, _) = $0 { true } else { false } })
        #expect(!events.contains { if case .upstreamNeeded = $0 { true } else { false } })
        #expect(proxy.state == .closed)
    }

    @Test func theUpstreamsRefusalReachesTheBotWithItsStatusAndBody() throws {
        var (proxy, client) = try Self.botUpgrading()
        #expect(String(decoding: proxy.upstreamConnected(now: .zero).toUpstream, as: UTF8.self).hasPrefix("GET /?v=10&encoding=json HTTP/1.1"))
        let output = proxy.receiveFromUpstream(
            Array("HTTP/1.1 429 Too Many Requests\r\nContent-Length: 11\r\n\r\nslow down!\n".utf8), now: .zero)
        let answer = String(decoding: output.toBot, as: UTF8.self)
        #expect(answer.hasPrefix("HTTP/1.1 429"), "\(answer)")
        #expect(answer.hasSuffix("slow down!\n"))
        #expect(output.closesBotTransport && output.closesUpstreamTransport)
        _ = client.receive(output.toBot, now: .zero)
        #expect(client.events().contains { if case .disconnected = $0 { true } else { false } })
    }

    @Test func anUpstreamThatClosesBeforeAnsweringIsA502NotAViolation() throws {
        var (proxy, _) = try Self.botUpgrading()
        _ = proxy.upstreamConnected(now: .zero)
        let output = proxy.upstreamEndOfInput(now: .zero)
        #expect(String(decoding: output.toBot, as: UTF8.self).hasPrefix("HTTP/1.1 502"))
        var events: [GatewayProxyEvent] = []
        while let event = proxy.nextEvent() { events.append(event) }
        #expect(events.contains { if case .refused(502, _) = $0 { true } else { false } })
        #expect(!events.contains { if case .violation = $0 { true } else { false } })
        #expect(proxy.state == .closed)
    }

    @Test(arguments: [false, true])
    func anUpstreamThatNeverAnswersIsCutWithA504AtTheTimeout(transportOpened: Bool) throws {
        var configuration = GatewayProxyConfiguration(upstreamURL: ProxyTrio.upstreamURL, proxyURL: ProxyTrio.proxyURL)
        configuration.upstreamTimeout = .milliseconds(1500)
        var (proxy, _) = try Self.botUpgrading(configuration, at: .seconds(2))
        // Whether the TCP connection opened and the upgrade went out, or TCP never connected,
        // one wait bounds both.
        if transportOpened { #expect(!proxy.upstreamConnected(now: .seconds(2)).toUpstream.isEmpty) }
        #expect(proxy.nextDeadline == .milliseconds(3500))
        #expect(proxy.handleDeadline(now: .milliseconds(3499)).isEmpty)
        let output = proxy.handleDeadline(now: .milliseconds(3500))
        let response = String(decoding: output.toBot, as: UTF8.self)
        #expect(response.hasPrefix("HTTP/1.1 504 Gateway Timeout\r\n"), "\(response)")
        #expect(response.hasSuffix("the upstream gateway did not answer the upgrade within 1.5 s\n"))
        #expect(output.closesBotTransport && output.closesUpstreamTransport)
        #expect(proxy.state == .closed)
        #expect(proxy.nextDeadline == nil)
    }

    @Test func anUpstreamThatAnswersInTimeHasNoDeadlineLeft() throws {
        var trio = try ProxyTrio()
        trio.connect()
        #expect(trio.proxy.state == .relaying)
        #expect(trio.proxy.nextDeadline == nil)
    }

    @Test func anUnreachableUpstreamIsA502() throws {
        var (proxy, client) = try Self.botUpgrading()
        let output = proxy.upstreamFailed("connection refused", now: .zero)
        #expect(String(decoding: output.toBot, as: UTF8.self).hasPrefix("HTTP/1.1 502"))
        #expect(output.closesBotTransport)
        _ = client.receive(output.toBot, now: .zero)
        #expect(client.events().contains { if case .disconnected = $0 { true } else { false } })
        #expect(proxy.state == .closed)
    }

    @Test func aBotsUnmaskedFrameEndsOnlyItsConnectionWith1002() throws {
        var trio = try Self.identified()
        trio.toProxyFromBot(WebSocketFrameEncoder.encode(opcode: .text, payload: Array(#"{"op":1,"d":null}"#.utf8)))
        let violation = try #require(trio.proxyViolations.first)
        #expect(violation.0 == .bot)
        #expect(violation.1.code.rawValue == 1002)
        #expect(violation.1.offset != nil)
        // Discord sees the session closed resumably, not a payload.
        #expect(trio.lastServerDisconnect?.code == 4000)
        #expect(trio.proxy.state == .closed)
        // The bot's socket is ended after the 1002, not left to the bot that broke the rules.
        let botSocketOpen = trio.botOpen
        #expect(!botSocketOpen)
    }

    @Test func anUpgradeTheWebSocketLayerRefusesEndsTheBotsSocketWithThe400() throws {
        var proxy = GatewayProxyConnection(
            configuration: GatewayProxyConfiguration(upstreamURL: ProxyTrio.upstreamURL, proxyURL: ProxyTrio.proxyURL),
            random: SplitMix64(seed: 1))
        let output = proxy.receiveFromBot(
            Array("GET /?v=10&encoding=json HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n".utf8),
            now: .zero)
        let answer = String(decoding: output.toBot, as: UTF8.self)
        #expect(answer.hasPrefix("HTTP/1.1 400") && answer.contains("Connection: close"), "\(answer)")
        #expect(output.closesBotTransport && output.toUpstream.isEmpty)
        #expect(proxy.state == .closed)
    }

    @Test func anUpstreamThatBreaksTheProtocolHasItsSocketClosedAndTheBotGets4000() throws {
        var (proxy, client) = try Self.botUpgrading()
        let accepted = try Self.switchingProtocols(answering: proxy.upstreamConnected(now: .zero).toUpstream)
        // A frame with every reserved bit set and a reserved opcode: no gateway sends that.
        let output = proxy.receiveFromUpstream(accepted + [0xFF, 0x00], now: .zero)
        #expect(output.closesUpstreamTransport)
        #expect(!output.closesBotTransport)
        _ = client.receive(output.toBot, now: .zero)
        let disconnect = client.events().compactMap { if case .disconnected(let disconnect) = $0 { disconnect } else { nil } }.first
        #expect(disconnect?.code?.rawValue == 4000)
    }

    @Test func framesThatCameWithTheUpgradeRequestAreHandledOnceTheUpgradeIsAccepted() throws {
        var proxy = GatewayProxyConnection(
            configuration: GatewayProxyConfiguration(upstreamURL: ProxyTrio.upstreamURL, proxyURL: ProxyTrio.proxyURL),
            random: SplitMix64(seed: 1))
        // An unmasked frame right behind the request, before any 101 (a client must wait for it).
        let request =
            "GET /?v=10&encoding=json HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        #expect(proxy.receiveFromBot(Array(request.utf8) + [0x81, 0x02, 0x7B, 0x7D], now: .zero).toBot.isEmpty)
        let accepted = try Self.switchingProtocols(answering: proxy.upstreamConnected(now: .zero).toUpstream)
        let output = proxy.receiveFromUpstream(accepted, now: .zero)
        // The 101, the 1002 for the frame, the bot's socket ended, Discord's leg closed with 4000.
        #expect(String(decoding: output.toBot.prefix(12), as: UTF8.self) == "HTTP/1.1 101")
        #expect(output.closesBotTransport)
        #expect(output.toUpstream.first == 0x88)
        var events: [GatewayProxyEvent] = []
        while let event = proxy.nextEvent() { events.append(event) }
        #expect(events.contains { if case .violation(.bot, let violation) = $0 { violation.code.rawValue == 1002 } else { false } })
    }

    /// The 101 a gateway answers the proxy's upstream upgrade `request` with.
    static func switchingProtocols(answering request: [UInt8]) throws -> [UInt8] {
        let text = String(decoding: request, as: UTF8.self)
        let key = try #require(text.split(separator: "\r\n").first { $0.lowercased().hasPrefix("sec-websocket-key:") }?.split(separator: " ").last)
        return Array(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: \(WebSocketHandshake.acceptValue(forKey: String(key)))\r\n\r\n"
                .utf8)
    }

    @Test func garbageFromUpstreamClosesTheBotWith4000() throws {
        var trio = try Self.identified(.json, .zlibStream)
        trio.toProxyFromServer(WebSocketFrameEncoder.encode(opcode: .binary, payload: [0x00, 0x01, 0x02, 0x00, 0x00, 0xFF, 0xFF]))
        let violation = try #require(trio.proxyViolations.first)
        #expect(violation.0 == .upstream)
        #expect(violation.1.offset != nil)
        #expect(trio.lastClientDisconnect?.code?.rawValue == 4000)
        #expect(trio.lastClientDisconnect?.willResume == true)
    }

    /// Found by the gateway-proxy fuzz target: under transport compression the proxy passed on
    /// the payload's decoded bytes, which for a `COMPRESSED` term are the inflated term without
    /// its version byte.
    @Test(arguments: [GatewayCompression.zlibStream, .zstdStream])
    func anETFCompressedTermReachesTheBotAsDiscordSentIt(compression: GatewayCompression) throws {
        var proxy = GatewayProxyConnection(
            configuration: GatewayProxyConfiguration(upstreamURL: ProxyTrio.upstreamURL, proxyURL: ProxyTrio.proxyURL),
            random: SplitMix64(seed: 1))
        var client = try GatewayConnection(
            configuration: GatewayConfiguration(url: ProxyTrio.proxyURL, encoding: .etf, compression: compression),
            random: SplitMix64(seed: 2))
        _ = proxy.receiveFromBot(client.connect(), now: .zero)
        // The upstream: the library's WebSocket server, compressing as Discord does.
        var upstream = WebSocketServer()
        _ = upstream.receive(proxy.upstreamConnected(now: .zero).toUpstream)
        guard case .upgradeRequested? = upstream.nextEvent() else { Issue.record("no upstream upgrade request"); return }
        var toBot = proxy.receiveFromUpstream(try upstream.accept(), now: .zero).toBot
        // HELLO as a COMPRESSED term (tag 80): the term's size, then the term deflated.
        let term = Array(try GatewayETF.encode(["op": 10, "d": ["heartbeat_interval": 41250]]).dropFirst())
        let size = UInt32(term.count)
        let hello: [UInt8] = [131, 80, UInt8(size >> 24), UInt8(size >> 16 & 0xFF), UInt8(size >> 8 & 0xFF), UInt8(size & 0xFF)]
            + ZlibStandalone.compress(term)
        let message = compression == .zlibStream ? try ZlibStreamCompressor().compress(hello) : try ZstdStreamCompressor().compress(hello)
        toBot += proxy.receiveFromUpstream(try upstream.sendBinary(message), now: .zero).toBot
        _ = client.receive(toBot, now: .zero)
        let events = client.events()
        #expect(events.contains { if case .hello(.milliseconds(41250), _) = $0 { true } else { false } }, "\(events)")
        #expect(!events.contains { if case .disconnected = $0 { true } else { false } })
        #expect(client.state == .open)
    }

    /// Found by the gateway-proxy fuzz target: a delayed payload was reported `fromDiscord` (and
    /// counted in `dispatchesPassed`) when it arrived, also when the bot's leg ended before it
    /// was due and it never went out.
    @Test func aDelayedPayloadIsReportedWhenItGoesOutAndNeverWhenItDoesNot() throws {
        var trio = try Self.identified()
        trio.proxy.delay = .milliseconds(300)
        trio.toProxyFromServer(try trio.server.dispatch("MESSAGE_CREATE", ["content": "later"], now: trio.now))
        trio.drainServerEvents()
        #expect(trio.proxyFromDiscordNames == ["READY"])
        #expect(trio.proxy.dispatchesPassed == 1)
        trio.advance(to: trio.now + .milliseconds(300))
        #expect(trio.proxyFromDiscordNames == ["READY", "MESSAGE_CREATE"])
        #expect(trio.proxy.dispatchesPassed == 2)
        trio.toProxyFromServer(try trio.server.dispatch("MESSAGE_CREATE", ["content": "never"], now: trio.now))
        trio.drainServerEvents()
        trio.perform(trio.proxy.dropBot(now: trio.now))
        #expect(trio.proxyFromDiscordNames == ["READY", "MESSAGE_CREATE"])
        #expect(trio.proxy.dispatchesPassed == 2)
        #expect(trio.clientDispatches == ["READY", "MESSAGE_CREATE"])
    }

    /// Found by the gateway-proxy fuzz target: delayed payloads were compressed when they
    /// arrived, so a payload sent ahead of them (injected, or Discord's once the delay was gone)
    /// left the bot's zlib or zstd stream out of order, and the bot could not inflate it.
    @Test(arguments: [GatewayCompression.zlibStream, .zstdStream])
    func anInjectedPayloadAheadOfDelayedOnesKeepsTheBotsStreamWhole(compression: GatewayCompression) throws {
        var trio = try Self.identified(.json, compression)
        trio.proxy.delay = .milliseconds(300)
        trio.toProxyFromServer(try trio.server.dispatch("MESSAGE_CREATE", ["content": "held"], now: trio.now))
        trio.drainServerEvents()
        trio.perform(try trio.proxy.sendToBot(opcode: .invalidSession, data: .bool(true), now: trio.now))
        #expect(trio.lastClientDisconnect?.cause == .invalidSession(resumable: true), "\(String(describing: trio.lastClientDisconnect))")
    }

    /// Discord's payloads reach the bot in the order they came, also when the delay is made
    /// shorter while some are held.
    @Test(arguments: [GatewayCompression.none, .zlibStream])
    func aPayloadNeverOvertakesOneHeldBeforeIt(compression: GatewayCompression) throws {
        var trio = try Self.identified(.json, compression)
        trio.proxy.delay = .seconds(1)
        trio.toProxyFromServer(try trio.server.dispatch("MESSAGE_CREATE", ["content": "first"], now: trio.now))
        trio.drainServerEvents()
        trio.proxy.delay = .zero
        trio.toProxyFromServer(try trio.server.dispatch("MESSAGE_CREATE", ["content": "second"], now: trio.now))
        trio.drainServerEvents()
        #expect(trio.clientDispatches == ["READY"])
        trio.advance(to: trio.now + .seconds(1))
        let sequences = trio.clientEvents.compactMap { event -> Int64? in
            if case .dispatch(let payload) = event { return payload.sequence }
            return nil
        }
        #expect(sequences == [1, 2, 3])
        #expect(trio.client.state == .open)
    }

    /// Found by the gateway-proxy fuzz target: with a delay, a payload Discord sent after the
    /// bot's leg ended (before Discord answered the close passed on) was held for a bot that was
    /// gone, and the finished connection kept its deadline.
    @Test func aPayloadForABotWhoseLegEndedIsNotHeld() throws {
        var trio = try Self.identified()
        trio.proxy.delay = .milliseconds(300)
        // The bot closes; its close is on its way upstream when Discord sends a dispatch.
        let closing = trio.proxy.receiveFromBot(try trio.client.close(code: .normalClosure, now: trio.now), now: trio.now)
        let dispatch = try trio.server.dispatch("MESSAGE_CREATE", ["content": "too late"], now: trio.now)
        _ = trio.proxy.receiveFromUpstream(dispatch, now: trio.now)
        #expect(trio.proxy.nextDeadline == trio.now + trio.proxyConfiguration.closeTimeout)
        // Discord answers the close: the connection is over, with nothing left to do.
        _ = trio.proxy.receiveFromUpstream(trio.server.receive(closing.toUpstream, now: trio.now), now: trio.now)
        #expect(trio.proxy.state == .closed)
        #expect(trio.proxy.nextDeadline == nil)
    }
}

extension ProxyTrio {
    /// Takes the server's events after a command the test ran on it directly.
    mutating func drainServerEvents() {
        while let event = server.nextEvent() { serverEvents.append(event) }
    }

    /// The names of the dispatches the proxy reported passed to the bot.
    var proxyFromDiscordNames: [String] {
        proxyEvents.compactMap { event in
            if case .fromDiscord(let payload) = event { return payload.eventName }
            return nil
        }
    }
}
