import SeededRandom
import WebSocketProtocol

/// RFC 6455 §1.2's opening handshake: the client's request and the server's answer.
let rfcRequestText =
    "GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: http://example.com\r\n"
    + "Sec-WebSocket-Protocol: chat, superchat\r\nSec-WebSocket-Version: 13\r\n\r\n"
let rfcRequest = ascii(rfcRequestText)
let rfcSwitchingProtocols = ascii(
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n")

/// A masked client frame, as a client would write it.
func clientFrame(
    _ opcode: WebSocketOpcode, _ payload: [UInt8], fin: Bool = true, key: WebSocketMaskingKey = FrameParserTests.rfcKey
) -> [UInt8] {
    WebSocketFrameEncoder.encode(opcode: opcode, payload: payload, fin: fin, maskingKey: key)
}

func clientClose(_ code: UInt16?, _ reason: String = "") -> [UInt8] {
    clientFrame(.close, WebSocketFrameEncoder.closePayload(code: code, reason: reason))
}

extension WebSocketServer {
    /// Drains every pending event.
    mutating func drain() -> [WebSocketServerEvent] {
        var events: [WebSocketServerEvent] = []
        while let event = nextEvent() { events.append(event) }
        return events
    }

    /// Feeds all `chunks`; returns the bytes to write and the events.
    mutating func feed(_ chunks: [[UInt8]]) -> (output: [UInt8], events: [WebSocketServerEvent]) {
        var output: [UInt8] = []
        for chunk in chunks { output += receive(chunk) }
        return (output, drain())
    }
}

/// A server that read RFC 6455's request and accepted it (the 101 is dropped).
func openServer(configuration: WebSocketConfiguration = .init()) throws -> WebSocketServer {
    var server = WebSocketServer(configuration: configuration)
    _ = server.receive(rfcRequest)
    _ = server.drain()
    _ = try server.accept()
    return server
}

/// The unmasked frames a server wrote, read as a client reads them.
func serverFrames(_ bytes: [UInt8]) throws -> [WebSocketFrame] {
    var parser = WebSocketFrameParser(framesFrom: .server)
    parser.append(bytes)
    var frames: [WebSocketFrame] = []
    while let frame = try parser.nextFrame() { frames.append(frame) }
    return frames
}

extension WebSocketServerEvent {
    var closure: WebSocketClosure? {
        if case .closed(let closure) = self { return closure }
        return nil
    }
}

/// The stream offset of the first `needle` in `text` (the tests' requests are ASCII).
func offset(of needle: String, in text: String) -> Int {
    let haystack = Array(text.utf8)
    let pattern = Array(needle.utf8)
    for start in 0...(haystack.count - pattern.count) where haystack[start..<(start + pattern.count)].elementsEqual(pattern) {
        return start
    }
    return -1
}
