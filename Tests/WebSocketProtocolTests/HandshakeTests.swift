import SeededRandom
import Testing
import WebSocketProtocol

@Suite struct HandshakeTests {
    /// wsproto 1.3.2's server accepted exactly these bytes (see `fixedAccept`).
    static let discordRequest = ascii(
        "GET /?v=10&encoding=json HTTP/1.1\r\nHost: gateway.discord.gg\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: AAECAwQFBgcICQoLDA0ODw==\r\nSec-WebSocket-Version: 13\r\n"
            + "User-Agent: DiscordBot (https://example.com, 1.0)\r\n\r\n")

    /// wsproto 1.3.2 as a server: its 101 response, then a HELLO text frame it sent.
    static let wsprotoResponse = hex(
        "485454502f312e312031303120537769746368696e672050726f746f636f6c730d0a557067726164653a20776562736f636b65740d0a"
            + "436f6e6e656374696f6e3a20557067726164650d0a5365632d576562536f636b65742d4163636570743a20427a33714a595447644f65"
            + "38675553704c6f734564694c4b44726b3d0d0a0d0a")
    static let wsprotoHello = hex("812a7b226f70223a31302c2264223a7b226865617274626561745f696e74657276616c223a34313235307d7d")
    static let helloJSON = ascii(#"{"op":10,"d":{"heartbeat_interval":41250}}"#)

    @Test func exactRequestBytes() throws {
        var rng = ReplayRNG(keyRNGValues.0, keyRNGValues.1)
        let client = try WebSocketClient(
            url: WebSocketURL("wss://gateway.discord.gg/?v=10&encoding=json"),
            extraHeaders: [(name: "User-Agent", value: "DiscordBot (https://example.com, 1.0)")], using: &rng)
        #expect(client.handshakeKey == fixedKey)
        #expect(client.handshakeRequest() == Self.discordRequest)
        #expect(client.state == .connecting)
    }

    @Test func hostHeaderCarriesNonDefaultPort() throws {
        var rng = ReplayRNG(keyRNGValues.0, keyRNGValues.1)
        let client = try WebSocketClient(url: WebSocketURL("ws://127.0.0.1:8080/gw"), using: &rng)
        let text = String(decoding: client.handshakeRequest(), as: UTF8.self)
        #expect(text.hasPrefix("GET /gw HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"))
    }

    /// RFC 6455 §1.3: the nonce "the sample nonce" gives key dGhlIHNhbXBsZSBub25jZQ==
    /// and accept s3pPLMBiTxaQ9kYGzzhZRbK+xOo=.
    @Test func rfcExampleKeyAndAccept() throws {
        var rng = ReplayRNG(0x706D_6173_2065_6874, 0x6563_6E6F_6E20_656C)  // "the samp", "le nonce" little-endian
        var client = try WebSocketClient(url: WebSocketURL("ws://server.example.com/chat"), using: &rng)
        #expect(client.handshakeKey == "dGhlIHNhbXBsZSBub25jZQ==")
        let events = client.feed([acceptResponse("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")], rng: &rng).events
        #expect(client.state == .open)
        guard case .accepted(let response) = events.first else { Issue.record("\(events)"); return }
        #expect(response.statusCode == 101 && response.reason == "Switching Protocols")
        #expect(response.headers.values(named: "sec-websocket-accept") == ["s3pPLMBiTxaQ9kYGzzhZRbK+xOo="])
    }

    /// The first frame arrives in the same read as the headers, and in every split.
    @Test(arguments: [nil, 1, 2, 3, 4, 5] as [UInt64?])
    func acceptsWsprotoResponseWithFrameInSameRead(splitSeed: UInt64?) throws {
        var client = try makeClient()
        var rng = SplitMix64(seed: 9)
        let bytes = Self.wsprotoResponse + Self.wsprotoHello
        let (output, events) = client.feed(chunks(bytes, randomSplitsSeed: splitSeed), rng: &rng)
        #expect(output.isEmpty)
        #expect(events.count == 2)
        guard case .accepted = events.first else { Issue.record("\(events)"); return }
        #expect(events.last == .message(.text(Self.helloJSON)))
        #expect(client.state == .open)
    }

    @Test func wholeReadAcceptsToo() throws {
        var client = try makeClient()
        var rng = SplitMix64(seed: 9)
        let events = client.feed([Self.wsprotoResponse + Self.wsprotoHello], rng: &rng).events
        #expect(events.last == .message(.text(Self.helloJSON)))
    }

    @Test func toleratesHeaderCaseListsAndInterimResponses() throws {
        var client = try makeClient()
        var rng = SplitMix64(seed: 9)
        let response = ascii(
            "HTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n"
                + "HTTP/1.1 101 Switching Protocols\r\nupgrade:  WebSocket \r\nCONNECTION: keep-alive, Upgrade\r\n"
                + "sec-websocket-accept:\t\(fixedAccept)\r\nSec-WebSocket-Extensions:\r\nServer: cloudflare\r\n\r\n")
        let events = client.feed([response], rng: &rng).events
        #expect(client.state == .open, "\(events)")
    }

    @Test func rejection401WithJSONBody() throws {
        // wsproto 1.3.2 RejectConnection(401) + RejectData: note the empty reason after "401 ".
        let body = ascii(#"{"message": "401: Unauthorized", "code": 0}"#)
        let response = ascii("HTTP/1.1 401 \r\ncontent-type: application/json\r\ncontent-length: 43\r\n\r\n") + body
        for seed in [nil, 11, 12] as [UInt64?] {
            var client = try makeClient()
            var rng = SplitMix64(seed: 1)
            let events = client.feed(chunks(response + ascii("ignored"), randomSplitsSeed: seed), rng: &rng).events
            #expect(client.state == .rejected)
            #expect(events == [.rejected(WebSocketRejection(
                statusCode: 401, reason: "",
                headers: [.init(name: "content-type", value: "application/json"), .init(name: "content-length", value: "43")],
                body: body, isBodyTruncated: false))])
        }
    }

    static let rateLimited = ascii(
        "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "1a;name=value\r\n{\"message\": \"You are being\r\n"
            + "11\r\n rate limited.\", \r\n"
            + "13 ; quoted=\"x\"\r\n\"retry_after\": 5.0}\r\n"
            + "0\r\nX-Trailer: yes\r\n\r\n")

    @Test(arguments: [nil, 21, 22, 23] as [UInt64?])
    func rejection429WithChunkedBody(splitSeed: UInt64?) throws {
        var client = try makeClient()
        var rng = SplitMix64(seed: 1)
        let events = client.feed(chunks(Self.rateLimited, randomSplitsSeed: splitSeed), rng: &rng).events
        guard case .rejected(let rejection) = events.first, events.count == 1 else { Issue.record("\(events)"); return }
        #expect(rejection.statusCode == 429 && rejection.reason == "Too Many Requests")
        #expect(rejection.headers.values(named: "retry-after") == ["5"])
        #expect(String(decoding: rejection.body, as: UTF8.self) == #"{"message": "You are being rate limited.", "retry_after": 5.0}"#)
        #expect(!rejection.isBodyTruncated)
    }

    @Test func rejectionBodyUntilEndOfInput() throws {
        var client = try makeClient()
        var rng = SplitMix64(seed: 1)
        let events = client.feed([ascii("HTTP/1.0 503 Service Unavailable\r\n\r\nbusy, "), ascii("try later")], rng: &rng).events
        #expect(events.isEmpty && client.state == .connecting)
        client.receiveEndOfInput()
        guard case .rejected(let rejection) = client.nextEvent() else { Issue.record(); return }
        #expect(rejection.body == ascii("busy, try later") && !rejection.isBodyTruncated)
        #expect(client.state == .rejected)
    }

    @Test func rejectionBodyIsBounded() throws {
        var client = try makeClient(configuration: WebSocketConfiguration(maxRejectionBodySize: 10))
        var rng = SplitMix64(seed: 1)
        let events = client.feed([ascii("HTTP/1.1 500 Oops\r\n\r\n0123456789abcdef")], rng: &rng).events
        guard case .rejected(let rejection) = events.first else { Issue.record("\(events)"); return }
        #expect(rejection.body == ascii("0123456789") && rejection.isBodyTruncated)

        var exact = try makeClient(configuration: WebSocketConfiguration(maxRejectionBodySize: 4))
        let exactEvents = exact.feed([ascii("HTTP/1.1 500 Oops\r\nContent-Length: 4\r\n\r\nabcd")], rng: &rng).events
        guard case .rejected(let full) = exactEvents.first else { Issue.record("\(exactEvents)"); return }
        #expect(full.body == ascii("abcd") && !full.isBodyTruncated)

        // Over the limit, the rejection is reported at once, without waiting for the rest.
        for framing in ["Content-Length: 1000000", "Transfer-Encoding: chunked"] {
            var capped = try makeClient(configuration: WebSocketConfiguration(maxRejectionBodySize: 4))
            let chunk = framing.hasPrefix("Transfer") ? "f4240\r\nabcdef" : "abcdef"
            let cappedEvents = capped.feed([ascii("HTTP/1.1 500 Oops\r\n\(framing)\r\n\r\n\(chunk)")], rng: &rng).events
            guard case .rejected(let cut) = cappedEvents.first else { Issue.record("\(cappedEvents)"); return }
            #expect(cut.body == ascii("abcd") && cut.isBodyTruncated && capped.state == .rejected)
        }
    }

    @Test func truncatedRejectionBodyIsMarked() throws {
        var client = try makeClient()
        var rng = SplitMix64(seed: 1)
        _ = client.feed([ascii("HTTP/1.1 401 Unauthorized\r\nContent-Length: 100\r\n\r\nshort")], rng: &rng)
        client.receiveEndOfInput()
        guard case .rejected(let rejection) = client.nextEvent() else { Issue.record(); return }
        #expect(rejection.body == ascii("short") && rejection.isBodyTruncated)
    }

    /// Each malformed or invalid response fails with a specific error, at once.
    @Test func malformedResponses() throws {
        let accept = "Sec-WebSocket-Accept: \(fixedAccept)\r\n"
        let cases: [(String, WebSocketProtocolError.Kind, Int)] = [
            ("HTTP/2 101 OK\r\n\r\n", .malformedStatusLine, 0),
            ("HTTP/1.1 1O1 Switching\r\n\r\n", .malformedStatusLine, 10),
            ("HTTP/1.1 101Switching\r\n\r\n", .malformedStatusLine, 12),
            ("HTTP/1.1 101 OK\r\nUpgrade websocket\r\n\r\n", .malformedHeader, 17),
            ("HTTP/1.1 101 OK\r\n folded: x\r\n\r\n", .malformedHeader, 17),
            ("HTTP/1.1 101 OK\r\nUpgrade: websocket\nConnection: Upgrade\r\n\r\n", .malformedHeader, 35),
            ("HTTP/1.1 101 OK\rUpgrade: websocket\r\n\r\n", .malformedHeader, 15),
            ("HTTP/1.1 101 OK\r\nConnection: Upgrade\r\n\(accept)\r\n", .missingUpgradeHeader, 0),
            ("HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: keep-alive\r\n\(accept)\r\n", .missingConnectionUpgrade, 0),
            ("HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n", .invalidAcceptValue, 0),
            ("HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n", .invalidAcceptValue, 0),
            ("HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\(accept)\(accept)\r\n", .invalidAcceptValue, 0),
            ("HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\(accept)Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n", .unrequestedExtensionOrProtocol, 0),
            ("HTTP/1.1 400 Bad\r\nContent-Length: 12x\r\n\r\n", .malformedBody, 41),
            ("HTTP/1.1 400 Bad\r\nContent-Length: 1, 2\r\n\r\n", .malformedBody, 42),
            ("HTTP/1.1 400 Bad\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", .malformedBody, 48),
            ("HTTP/1.1 400 Bad\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX", .malformedBody, 53),
        ]
        for (response, kind, offset) in cases {
            for seed in [nil, 5] as [UInt64?] {
                var client = try makeClient()
                var rng = SplitMix64(seed: 1)
                let (output, events) = client.feed(chunks(ascii(response), randomSplitsSeed: seed), rng: &rng)
                #expect(output.isEmpty)
                #expect(client.state == .closed, "\(response)")
                let closure = events.first?.closure
                #expect(closure?.initiator == .abnormal && closure?.code == 1006, "\(response)")
                #expect(closure?.error?.kind == kind, "\(response): \(String(describing: closure))")
                #expect(closure?.error?.offset == offset, "\(response): \(String(describing: closure))")
            }
        }
    }

    /// Replaying a capture: the request key is unknown, so any accept value is taken, but one must be there.
    @Test func acceptValueCheckCanBeTurnedOffForReplay() throws {
        let wrong = "HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"
        var client = try makeClient(configuration: WebSocketConfiguration(verifiesAcceptValue: false))
        var rng = SplitMix64(seed: 1)
        let events = client.feed([ascii(wrong)], rng: &rng).events
        #expect(client.state == .open)
        guard case .accepted = events.first else { Issue.record("\(events)"); return }

        var missing = try makeClient(configuration: WebSocketConfiguration(verifiesAcceptValue: false))
        let missingEvents = missing.feed(
            [ascii("HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")], rng: &rng
        ).events
        #expect(missingEvents.first?.closure?.error?.kind == .invalidAcceptValue)
    }

    @Test func oversizedHeaderBlockFails() throws {
        var client = try makeClient(configuration: WebSocketConfiguration(maxHandshakeResponseHeaderSize: 64))
        var rng = SplitMix64(seed: 1)
        let events = client.feed([ascii("HTTP/1.1 101 OK\r\nX: " + String(repeating: "a", count: 100))], rng: &rng).events
        #expect(events.first?.closure?.error?.kind == .handshakeHeaderTooLarge)
    }

    @Test func endOfInputDuringHeadersFails() throws {
        var client = try makeClient()
        var rng = SplitMix64(seed: 1)
        _ = client.feed([ascii("HTTP/1.1 101 Switching")], rng: &rng)
        client.receiveEndOfInput()
        let closure = client.nextEvent()?.closure
        #expect(closure?.error?.kind == .truncatedHandshake && closure?.error?.offset == 22)
        #expect(client.state == .closed)
    }

    @Test func extraHeadersAreChecked() throws {
        var rng = SplitMix64(seed: 1)
        let url = try WebSocketURL("ws://h/")
        for header in [("Bad Name", "x"), ("X-Evil", "a\r\nHost: other"), ("Sec-WebSocket-Key", "x"), ("host", "h2"), ("", "x")] {
            #expect(throws: WebSocketUsageError.self) {
                try WebSocketClient(url: url, extraHeaders: [(name: header.0, value: header.1)], using: &rng)
            }
        }
    }

    @Test func nothingCanBeSentBeforeTheHandshake() throws {
        var client = try makeClient()
        var rng = SplitMix64(seed: 1)
        #expect(throws: WebSocketUsageError(.notOpen, "cannot send a text message: the opening handshake has not completed")) {
            try client.sendText(ascii("x"), using: &rng)
        }
        #expect(throws: WebSocketUsageError.self) { try client.close(using: &rng) }
    }
}
