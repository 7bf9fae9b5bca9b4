import FuzzSupport
import WebSocketProtocol

// Property: a WebSocketServer fed any client bytes, in any chunk sizes, and
// accepting every upgrade request it reports, then the end of input: exactly
// one terminal event (refused or closed), last, with the state matching and
// any error's offset inside the input; text messages UTF-8 and messages within
// the cap. A refusal is the only thing written, and a WebSocketClient reads
// it as a rejection with the same status whose body names the error. After an
// accept, what was written is the 101 for the request's key followed by
// unmasked server frames: one pong per ping, then the close the closure calls
// for (the client's code echoed, the violation's code, or none for an abnormal
// end). Input after the end is ignored, and the same bytes in one read give
// the same events and the same written bytes.
//
// Input: client bytes from the front; decisions from the back: whether RFC
// 6455's sample request is put before them (so most inputs reach the frames)
// or the bytes are the request themselves, whether the limits are small,
// whether frame headers are reported, then each read's size (1...256).

private let sampleRequest = Array(
    ("GET /?v=10&encoding=json HTTP/1.1\r\nHost: gateway.discord.gg\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").utf8)

/// One server connection driven to its end, with everything it reported and wrote.
private struct ServerSession {
    var server: WebSocketServer
    var events: [WebSocketServerEvent] = []
    var written: [UInt8] = []
    var inputCount = 0
    var request: WebSocketUpgradeRequest?

    init(configuration: WebSocketConfiguration) {
        server = WebSocketServer(configuration: configuration)
    }

    mutating func receive(_ bytes: UnsafeRawBufferPointer) {
        inputCount += bytes.count
        written += server.receive(bytes)
        drain()
    }

    mutating func drain() {
        while let event = server.nextEvent() {
            events.append(event)
            if case .upgradeRequested(let request) = event {
                self.request = request
                do {
                    written += try server.accept()
                } catch {
                    FuzzCheck.fail("accepting a reported upgrade request failed: \(error)")
                }
            }
        }
    }

    mutating func finish() {
        server.receiveEndOfInput()
        drain()
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWebSocketServer(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzedData(FuzzInput.buffer(data, size))
    let rawRequest = input.decisionBool()
    let smallLimits = input.decisionBool()
    let configuration = WebSocketConfiguration(
        maxFrameSize: smallLimits ? 200 : 64 << 20, maxMessageSize: smallLimits ? 150 : 64 << 20,
        reportsFrames: input.decisionBool(), maxHandshakeRequestHeaderSize: smallLimits ? 180 : 16 << 10)
    let reads = input.chunkedRemainder(maxChunk: 256)
    var bytes = rawRequest ? [] : sampleRequest
    for read in reads { bytes += Array(read) }

    var session = ServerSession(configuration: configuration)
    bytes.withUnsafeBytes { all in
        var position = 0
        // The sample request in its own read, then the fuzzer's reads.
        let sizes = (rawRequest ? [] : [sampleRequest.count]) + reads.map(\.count)
        for size in sizes {
            session.receive(UnsafeRawBufferPointer(rebasing: all[position..<(position + size)]))
            position += size
        }
    }
    session.finish()
    check(session, configuration: configuration)

    // The same bytes in one read.
    var whole = ServerSession(configuration: configuration)
    bytes.withUnsafeBytes { whole.receive($0) }
    whole.finish()
    FuzzCheck.expect(
        whole.events == session.events,
        "one read gives \(whole.events.count) events, \(reads.count) reads give \(session.events.count)")
    FuzzCheck.expect(whole.written == session.written, "one read writes other bytes than \(reads.count) reads")

    // Input after the end is ignored.
    let late = session.server.receive([0x89, 0x80, 0, 0, 0, 0, 0x88, 0x80, 0, 0, 0, 0])
    FuzzCheck.expect(late.isEmpty && session.server.nextEvent() == nil, "the server reacted to input after its end")
    return 0
}

private func check(_ session: ServerSession, configuration: WebSocketConfiguration) {
    let events = session.events
    let terminal = events.indices.filter { index in
        switch events[index] {
        case .refused, .closed: return true
        default: return false
        }
    }
    FuzzCheck.expect(
        terminal.count == 1 && terminal.first == events.count - 1,
        "expected exactly one refused/closed event, last; got \(events.count) events, terminal at \(terminal)")
    for (index, event) in events.enumerated() {
        switch event {
        case .upgradeRequested:
            FuzzCheck.expect(index == 0, "upgrade request reported at position \(index)")
        case .message(let message):
            FuzzCheck.expect(session.request != nil, "message before the upgrade")
            FuzzCheck.expect(message.bytes.count <= configuration.maxMessageSize, "message of \(message.bytes.count) bytes over the cap")
            if case .text(let text) = message {
                FuzzCheck.expect(String(validating: text, as: UTF8.self) != nil, "text message that is not UTF-8")
            }
        case .ping(let payload), .pong(let payload):
            FuzzCheck.expect(session.request != nil && payload.count <= 125, "control frame before the upgrade or too long")
        case .frame(let header):
            FuzzCheck.expect(header.isMasked, "a client frame without a mask was reported: \(header)")
        case .refused, .closed:
            break
        }
    }

    switch events.last {
    case .refused(let status, let error)?:
        FuzzCheck.expect(session.server.state == .rejected, "refused but state \(session.server.state)")
        FuzzCheck.expect(session.request == nil, "refused after an upgrade request")
        FuzzCheck.expect(error.offset >= 0 && error.offset <= session.inputCount, "error offset \(error.offset) outside the input")
        FuzzCheck.expect(status == (error.kind == .unsupportedWebSocketVersion ? 426 : 400), "status \(status) for \(error.kind)")
        checkRefusal(session.written, status: status, error: error)
    case .closed(let closure)?:
        FuzzCheck.expect(session.server.state == .closed, "closed but state \(session.server.state)")
        if let error = closure.error {
            FuzzCheck.expect(error.offset >= 0 && error.offset <= session.inputCount, "error offset \(error.offset) outside the input")
        }
        if let request = session.request {
            checkFrames(session.written, request: request, events: events, closure: closure)
        } else {
            FuzzCheck.expect(session.written.isEmpty, "wrote \(session.written.count) bytes before an upgrade")
            FuzzCheck.expect(closure.initiator == .abnormal && closure.error?.kind == .truncatedHandshake, "\(closure)")
        }
    default:
        FuzzCheck.fail("no terminal event")
    }
}

/// A client reads the refusal as a rejection with the same status, whose body names the error.
private func checkRefusal(_ written: [UInt8], status: Int, error: WebSocketProtocolError) {
    var generator = FuzzGenerator()
    guard var client = try? WebSocketClient(url: WebSocketURL("ws://localhost/"), using: &generator) else {
        FuzzCheck.fail("cannot create the client")
    }
    _ = client.receive(written, using: &generator)
    client.receiveEndOfInput()
    guard case .rejected(let rejection)? = client.nextEvent() else { FuzzCheck.fail("the refusal is not read as a rejection") }
    FuzzCheck.expect(rejection.statusCode == status && !rejection.isBodyTruncated, "refusal read as \(rejection.statusCode)")
    FuzzCheck.expect(
        rejection.body == Array("\(error.message) (at byte \(error.offset))\n".utf8), "the refusal's body does not name the error")
    FuzzCheck.expect(rejection.headers.values(named: "Connection") == ["close"], "a refusal without Connection: close")
}

/// The 101, then unmasked frames: a pong per ping, then the close the closure calls for.
private func checkFrames(
    _ written: [UInt8], request: WebSocketUpgradeRequest, events: [WebSocketServerEvent], closure: WebSocketClosure
) {
    let response = WebSocketHandshake.switchingProtocolsResponse(forKey: request.key)
    FuzzCheck.expect(written.starts(with: response), "the output does not start with the 101 for the request's key")
    var parser = WebSocketFrameParser(framesFrom: .server)
    parser.append(Array(written.dropFirst(response.count)))
    var frames: [WebSocketFrame] = []
    do {
        while let frame = try parser.nextFrame() { frames.append(frame) }
    } catch {
        FuzzCheck.fail("the server wrote bytes that are not valid server frames: \(error)")
    }
    FuzzCheck.expect(parser.isAtFrameBoundary, "the server's output ends inside a frame")
    var closeFrame: WebSocketFrame?
    var pongs: [[UInt8]] = []
    for frame in frames {
        FuzzCheck.expect(closeFrame == nil, "the server wrote \(frame.header) after its close frame")
        switch frame.header.opcode {
        case .pong: pongs.append(frame.payload)
        case .close: closeFrame = frame
        default: FuzzCheck.fail("the server wrote an unexpected \(frame.header)")
        }
    }
    let pings = events.compactMap { event -> [UInt8]? in
        if case .ping(let payload) = event { return payload }
        return nil
    }
    FuzzCheck.expect(pongs == pings, "pongs \(pongs) do not answer pings \(pings)")
    let writtenCode: UInt16?? = closeFrame.map { frame in
        frame.payload.count >= 2 ? UInt16(frame.payload[0]) << 8 | UInt16(frame.payload[1]) : nil
    }
    switch closure.initiator {
    case .remote:
        FuzzCheck.expect(writtenCode == .some(closure.code), "client's close \(closure) echoed as \(String(describing: writtenCode))")
    case .local:
        guard let error = closure.error else { FuzzCheck.fail("local close without a cause: \(closure)") }
        FuzzCheck.expect(
            closure.code == error.closeCode && writtenCode == .some(error.closeCode),
            "violation \(error) closed as \(closure), wrote code \(String(describing: writtenCode))")
    case .abnormal:
        FuzzCheck.expect(closeFrame == nil, "abnormal closure \(closure) but the server wrote a close frame")
    }
}
