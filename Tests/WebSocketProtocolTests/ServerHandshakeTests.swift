import SeededRandom
import Testing
import WebSocketProtocol

/// The server's side of the opening handshake (RFC 6455 §4.2).
@Suite struct ServerHandshakeTests {
    static let rfcUpgradeRequest = WebSocketUpgradeRequest(
        method: "GET", target: "/chat", path: "/chat", queryItems: [],
        headers: [
            WebSocketHTTPHeader(name: "Host", value: "server.example.com"),
            WebSocketHTTPHeader(name: "Upgrade", value: "websocket"),
            WebSocketHTTPHeader(name: "Connection", value: "Upgrade"),
            WebSocketHTTPHeader(name: "Sec-WebSocket-Key", value: "dGhlIHNhbXBsZSBub25jZQ=="),
            WebSocketHTTPHeader(name: "Origin", value: "http://example.com"),
            WebSocketHTTPHeader(name: "Sec-WebSocket-Protocol", value: "chat, superchat"),
            WebSocketHTTPHeader(name: "Sec-WebSocket-Version", value: "13"),
        ],
        key: "dGhlIHNhbXBsZSBub25jZQ==", protocols: ["chat", "superchat"])

    /// RFC 6455 §1.3: key dGhlIHNhbXBsZSBub25jZQ== is answered with s3pPLMBiTxaQ9kYGzzhZRbK+xOo=.
    @Test func rfcRequestIsAcceptedWithTheRFCsAcceptValue() throws {
        var server = WebSocketServer()
        #expect(server.state == .connecting)
        let (output, events) = server.feed([rfcRequest])
        #expect(output.isEmpty)
        #expect(events == [.upgradeRequested(Self.rfcUpgradeRequest)])
        #expect(server.state == .connecting)
        #expect(try server.accept() == rfcSwitchingProtocols)
        #expect(server.state == .open)
        #expect(WebSocketHandshake.switchingProtocolsResponse(forKey: "dGhlIHNhbXBsZSBub25jZQ==") == rfcSwitchingProtocols)
        #expect(throws: WebSocketUsageError(.noPendingUpgrade, "cannot accept: the connection was already upgraded")) {
            try server.accept()
        }
    }

    @Test func acceptCarriesExtraHeadersAndAnOfferedSubprotocol() throws {
        var server = WebSocketServer()
        _ = server.feed([rfcRequest])
        let output = try server.accept(extraHeaders: [(name: "Sec-WebSocket-Protocol", value: "chat"), (name: "Server", value: "mock")])
        #expect(
            output == ascii(
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\nServer: mock\r\n\r\n"))
    }

    @Test func acceptRefusesBadHeadersAndKeepsWaiting() throws {
        var server = WebSocketServer()
        _ = server.feed([rfcRequest])
        let bad: [[(name: String, value: String)]] = [
            [(name: "Sec-WebSocket-Protocol", value: "mqtt")],
            [(name: "Sec-WebSocket-Protocol", value: "chat"), (name: "Sec-WebSocket-Protocol", value: "superchat")],
            [(name: "sec-websocket-accept", value: "x")],
            [(name: "Sec-WebSocket-Extensions", value: "permessage-deflate")],
            [(name: "X-Evil", value: "a\r\nInjected: yes")],
            [(name: "Bad Name", value: "x")],
        ]
        for headers in bad {
            #expect(throws: WebSocketUsageError.self, "\(headers)") { try server.accept(extraHeaders: headers) }
        }
        #expect(server.state == .connecting)
        #expect(try server.accept() == rfcSwitchingProtocols)
    }

    /// Every split of the request and the frames behind it gives the same events and bytes.
    @Test(arguments: [0, nil, 1, 2, 3, 4, 5] as [UInt64?])
    func everySplitGivesTheSameEventsAndOutput(splitSeed: UInt64?) throws {
        let bytes = rfcRequest + FrameParserTests.maskedHello + clientFrame(.ping, ascii("hb")) + clientClose(1000, "bye")
        var server = WebSocketServer()
        var output: [UInt8] = []
        var events: [WebSocketServerEvent] = []
        for chunk in splitSeed == 0 ? [bytes] : chunks(bytes, randomSplitsSeed: splitSeed) {
            output += server.receive(chunk)
            while let event = server.nextEvent() {
                events.append(event)
                if case .upgradeRequested = event { output += try server.accept() }
            }
        }
        #expect(events == [
            .upgradeRequested(Self.rfcUpgradeRequest), .message(.text(ascii("Hello"))), .ping(ascii("hb")),
            .closed(WebSocketClosure(initiator: .remote, code: 1000, reason: "bye")),
        ])
        // The 101, the unmasked pong, the echo of the close's code.
        #expect(output == rfcSwitchingProtocols + hex("8a026862") + hex("880203e8"))
        #expect(server.state == .closed)
    }

    @Test func pathAndQueryItems() throws {
        var server = WebSocketServer()
        let request = ascii(
            "GET /gateway/v10?v=10&encoding=json&compress=zlib-stream&name=a%20b%2Fc&bad=%zz&flag&&=x HTTP/1.1\r\n"
                + "Host: localhost:8080\r\nConnection: keep-alive, Upgrade\r\nUpgrade: WebSocket\r\n"
                + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: AAECAwQFBgcICQoLDA0ODw==\r\n\r\n")
        guard case .upgradeRequested(let parsed)? = server.feed([request]).events.first else {
            Issue.record("no upgrade request")
            return
        }
        #expect(parsed.path == "/gateway/v10")
        #expect(parsed.target == "/gateway/v10?v=10&encoding=json&compress=zlib-stream&name=a%20b%2Fc&bad=%zz&flag&&=x")
        #expect(parsed.queryItems == [
            WebSocketQueryItem(name: "v", value: "10"), WebSocketQueryItem(name: "encoding", value: "json"),
            WebSocketQueryItem(name: "compress", value: "zlib-stream"), WebSocketQueryItem(name: "name", value: "a b/c"),
            WebSocketQueryItem(name: "bad", value: "%zz"), WebSocketQueryItem(name: "flag", value: nil),
            WebSocketQueryItem(name: "", value: "x"),
        ])
        #expect(parsed.queryValue(named: "encoding") == "json" && parsed.queryValue(named: "flag") == nil)
        #expect(parsed.key == fixedKey && parsed.protocols.isEmpty)
        // The client's own request is what the server expects.
        #expect(try server.accept() == acceptResponse())
    }

    /// What an invalid request gets back, and where the error points.
    struct Refusal: Sendable, CustomTestStringConvertible {
        var request: String
        var status: Int
        var kind: WebSocketProtocolError.Kind
        /// Where the error points: the first occurrence of this text, or an absolute offset.
        var at: Location

        enum Location: Sendable {
            case text(String)
            case offset(Int)
            case headEnd
        }

        var testDescription: String { "\(kind)" }

        var expectedOffset: Int {
            switch at {
            case .text(let needle): offset(of: needle, in: request)
            case .offset(let offset): offset
            case .headEnd: request.utf8.count - 2
            }
        }
    }

    static func request(
        line: String = "GET /chat HTTP/1.1", host: String? = "Host: example.com", upgrade: String? = "Upgrade: websocket",
        connection: String? = "Connection: Upgrade", key: String? = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        version: String? = "Sec-WebSocket-Version: 13", extra: [String] = []
    ) -> String {
        ([line] + [host, upgrade, connection, key, version].compactMap { $0 } + extra).map { $0 + "\r\n" }.joined() + "\r\n"
    }

    static let refusals: [Refusal] = [
        Refusal(request: request(line: "POST /chat HTTP/1.1"), status: 400, kind: .invalidMethod, at: .offset(0)),
        Refusal(request: request(line: "GET chat HTTP/1.1"), status: 400, kind: .malformedRequestLine, at: .offset(4)),
        Refusal(request: request(line: "GET /chat"), status: 400, kind: .malformedRequestLine, at: .offset(0)),
        Refusal(request: request(line: "GET /chat  HTTP/1.1"), status: 400, kind: .malformedRequestLine, at: .offset(0)),
        Refusal(request: request(line: "GET /ch\u{7F}at HTTP/1.1"), status: 400, kind: .malformedRequestLine, at: .offset(7)),
        Refusal(request: request(line: "GET /chat HTTP/1.0"), status: 400, kind: .unsupportedHTTPVersion, at: .offset(10)),
        Refusal(request: request(line: "GET /chat HTTP/2.0"), status: 400, kind: .unsupportedHTTPVersion, at: .offset(10)),
        Refusal(request: request(line: "GET /chat HTTQ/1.1"), status: 400, kind: .malformedRequestLine, at: .offset(10)),
        Refusal(request: request(host: nil), status: 400, kind: .missingHost, at: .headEnd),
        Refusal(request: request(extra: ["Host: other.example"]), status: 400, kind: .missingHost, at: .text("Host")),
        Refusal(request: request(upgrade: "Upgrade: h2c"), status: 400, kind: .missingUpgradeHeader, at: .text("Upgrade: h2c")),
        Refusal(request: request(upgrade: nil), status: 400, kind: .missingUpgradeHeader, at: .headEnd),
        Refusal(
            request: request(connection: "Connection: keep-alive"), status: 400, kind: .missingConnectionUpgrade,
            at: .text("Connection")),
        Refusal(
            request: request(version: "Sec-WebSocket-Version: 8"), status: 426, kind: .unsupportedWebSocketVersion,
            at: .text("Sec-WebSocket-Version")),
        Refusal(request: request(version: nil), status: 426, kind: .unsupportedWebSocketVersion, at: .headEnd),
        Refusal(request: request(key: nil), status: 400, kind: .missingKey, at: .headEnd),
        Refusal(
            request: request(extra: ["Sec-WebSocket-Key: AAECAwQFBgcICQoLDA0ODw=="]), status: 400, kind: .missingKey,
            at: .text("Sec-WebSocket-Key")),
        // Not padded; 15 bytes; 17 bytes; a non-zero bit in the padding; not base64 at all.
        Refusal(
            request: request(key: "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ"), status: 400, kind: .invalidKey,
            at: .text("Sec-WebSocket-Key")),
        Refusal(
            request: request(key: "Sec-WebSocket-Key: AAECAwQFBgcICQoLDA0O"), status: 400, kind: .invalidKey,
            at: .text("Sec-WebSocket-Key")),
        Refusal(
            request: request(key: "Sec-WebSocket-Key: AAECAwQFBgcICQoLDA0ODxA="), status: 400, kind: .invalidKey,
            at: .text("Sec-WebSocket-Key")),
        Refusal(
            request: request(key: "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZR=="), status: 400, kind: .invalidKey,
            at: .text("Sec-WebSocket-Key")),
        Refusal(
            request: request(key: "Sec-WebSocket-Key: !!!!!!!!!!!!!!!!!!!!!!=="), status: 400, kind: .invalidKey,
            at: .text("Sec-WebSocket-Key")),
        Refusal(
            request: request(extra: ["Content-Length: 5"]), status: 400, kind: .unexpectedRequestBody, at: .text("Content-Length")),
        Refusal(
            request: request(extra: ["Transfer-Encoding: chunked"]), status: 400, kind: .unexpectedRequestBody,
            at: .text("Transfer-Encoding")),
        Refusal(request: request(extra: ["No colon here"]), status: 400, kind: .malformedHeader, at: .text("No colon")),
        Refusal(request: request(extra: ["Bad Name: x"]), status: 400, kind: .malformedHeader, at: .text(" Name")),
        Refusal(request: "GET /chat HTTP/1.1\nHost: x\r\n\r\n", status: 400, kind: .malformedHeader, at: .offset(18)),
        Refusal(request: "\r\n" + request(), status: 400, kind: .malformedRequestLine, at: .offset(0)),
    ]

    @Test(arguments: refusals)
    func invalidRequestsAreRefused(refusal: Refusal) throws {
        for splitSeed in [0, nil, 7] as [UInt64?] {
            var server = WebSocketServer()
            let bytes = ascii(refusal.request)
            let (output, events) = server.feed(splitSeed == 0 ? [bytes] : chunks(bytes, randomSplitsSeed: splitSeed))
            guard case .refused(let status, let error)? = events.first, events.count == 1 else {
                Issue.record("\(refusal.kind): \(events)")
                continue
            }
            #expect(status == refusal.status)
            #expect(error.kind == refusal.kind, "\(error)")
            #expect(error.offset == refusal.expectedOffset, "\(error)")
            #expect(server.state == .rejected)
            let text = String(decoding: output, as: UTF8.self)
            let statusLine = refusal.status == 426 ? "HTTP/1.1 426 Upgrade Required\r\n" : "HTTP/1.1 400 Bad Request\r\n"
            #expect(text.hasPrefix(statusLine), "\(text)")
            #expect(text.contains("\r\nConnection: close\r\n"))
            #expect(text.contains("\r\nSec-WebSocket-Version: 13\r\n") == (refusal.status == 426))
            let body = "\(error.message) (at byte \(error.offset))\n"
            #expect(text.hasSuffix("\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body))
            // Nothing more is read.
            #expect(server.receive(FrameParserTests.maskedHello).isEmpty && server.drain().isEmpty)
            server.receiveEndOfInput()
            #expect(server.drain().isEmpty)
        }
    }

    @Test func aWrongVersionIsRefusedWithExactlyThese426Bytes() {
        var server = WebSocketServer()
        let output = server.receive(ascii(Self.request(version: "Sec-WebSocket-Version: 8")))
        let body = "Sec-WebSocket-Version is \"8\"; this server speaks 13 (at byte 125)\n"
        #expect(
            String(decoding: output, as: UTF8.self)
                == "HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\nContent-Type: text/plain; charset=utf-8\r\n"
                + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body)
    }

    @Test func anOversizedHeadIsRefusedAtTheLimit() {
        var server = WebSocketServer(configuration: WebSocketConfiguration(maxHandshakeRequestHeaderSize: 100))
        let events = server.feed([ascii(Self.request(extra: ["X-Padding: " + String(repeating: "p", count: 200)]))]).events
        #expect(events == [.refused(status: 400, error: WebSocketProtocolError(
            .handshakeHeaderTooLarge, "request header block exceeds 100 bytes", offset: 100))])
        // The default is 16 KiB.
        #expect(WebSocketConfiguration().maxHandshakeRequestHeaderSize == 16 << 10)
        var fits = WebSocketServer(configuration: WebSocketConfiguration(maxHandshakeRequestHeaderSize: rfcRequest.count))
        #expect(fits.feed([rfcRequest]).events.count == 1 && fits.state == .connecting)
    }

    @Test func rejectWritesTheCallersResponse() throws {
        var server = WebSocketServer()
        _ = server.feed([rfcRequest])
        #expect(throws: WebSocketUsageError.self) { try server.reject(status: 101) }
        #expect(throws: WebSocketUsageError.self) { try server.reject(status: 404, reason: "Not\r\nFound") }
        #expect(throws: WebSocketUsageError.self) { try server.reject(status: 404, headers: [(name: "Connection", value: "keep-alive")]) }
        let output = try server.reject(status: 404, headers: [(name: "Content-Type", value: "text/plain")], body: ascii("no such path\n"))
        #expect(
            output == ascii(
                "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 13\r\nConnection: close\r\n\r\nno such path\n"))
        #expect(server.state == .rejected)
        #expect(throws: WebSocketUsageError.self) { try server.accept() }
        #expect(throws: WebSocketUsageError.self) { try server.sendText(ascii("x")) }
        #expect(server.receive(FrameParserTests.maskedHello).isEmpty && server.drain().isEmpty)
        // A rejection is what the client reports as one.
        var client = try makeClient()
        var rng = SplitMix64(seed: 1)
        let events = client.feed([output], rng: &rng).events
        #expect(events == [.rejected(WebSocketRejection(
            statusCode: 404, reason: "Not Found",
            headers: [WebSocketHTTPHeader(name: "Content-Type", value: "text/plain"), WebSocketHTTPHeader(name: "Content-Length", value: "13"),
                      WebSocketHTTPHeader(name: "Connection", value: "close")],
            body: ascii("no such path\n"), isBodyTruncated: false))])
    }

    @Test func answersNeedAWaitingRequest() {
        var server = WebSocketServer()
        #expect(throws: WebSocketUsageError(.noPendingUpgrade, "cannot accept: the request has not arrived")) { try server.accept() }
        #expect(throws: WebSocketUsageError.self) { try server.reject(status: 404) }
        #expect(throws: WebSocketUsageError(.notOpen, "cannot send a ping: the connection has not been upgraded")) {
            try server.sendPing()
        }
        _ = server.receive(Array(rfcRequest.prefix(10)))
        #expect(throws: WebSocketUsageError.self) { try server.close() }
    }

    @Test func endOfInputInsideTheRequestIsAbnormal() {
        for cut in [0, 1, 30, rfcRequest.count - 1] {
            var server = WebSocketServer()
            _ = server.receive(Array(rfcRequest.prefix(cut)))
            #expect(server.unfinishedInput == (cut == 0 ? nil : .handshake(received: cut)))
            server.receiveEndOfInput()
            let closure = server.drain().first?.closure
            #expect(closure?.initiator == .abnormal && closure?.code == 1006)
            #expect(closure?.error?.kind == .truncatedHandshake && closure?.error?.offset == cut)
            #expect(server.state == .closed && server.unfinishedInput == nil)
        }
    }

    @Test func endOfInputBeforeTheAnswerIsAbnormalWithoutError() {
        var server = WebSocketServer()
        _ = server.feed([rfcRequest])
        server.receiveEndOfInput()
        #expect(server.drain() == [.closed(WebSocketClosure(initiator: .abnormal, code: 1006))])
        #expect(throws: WebSocketUsageError(.noPendingUpgrade, "cannot accept: the connection is closed")) { try server.accept() }
    }

    /// Frames a client sent before the 101 are kept and parsed once accepted, with stream
    /// offsets counted from the request's first byte.
    @Test func framesBeforeTheAcceptAreParsedOnAccepting() throws {
        var server = WebSocketServer(configuration: WebSocketConfiguration(reportsFrames: true))
        let early = FrameParserTests.maskedHello + clientFrame(.ping, ascii("x"))
        let events = server.feed([rfcRequest + Array(early.prefix(5)), Array(early.dropFirst(5))]).events
        #expect(events == [.upgradeRequested(Self.rfcUpgradeRequest)])
        #expect(server.unfinishedInput == nil)
        #expect(try server.accept() == rfcSwitchingProtocols + hex("8a0178"))
        let base = rfcRequest.count
        #expect(server.drain() == [
            .frame(WebSocketFrameHeader(
                fin: true, opcode: .text, maskingKey: FrameParserTests.rfcKey, payloadLength: 5, headerLength: 6, offset: base)),
            .message(.text(ascii("Hello"))),
            .frame(WebSocketFrameHeader(
                fin: true, opcode: .ping, maskingKey: FrameParserTests.rfcKey, payloadLength: 1, headerLength: 6, offset: base + 11)),
            .ping(ascii("x")),
        ])

        // An unmasked early frame fails the connection as soon as it is accepted.
        var strict = WebSocketServer()
        _ = strict.feed([rfcRequest + FrameParserTests.unmaskedHello])
        let output = try strict.accept()
        #expect(output == rfcSwitchingProtocols + ServerPeer.close(1002, "unexpectedMasking"))
        let closure = strict.drain().first?.closure
        #expect(closure?.error?.kind == .unexpectedMasking && closure?.error?.offset == base + 1)
        #expect(strict.state == .closed)
    }
}
