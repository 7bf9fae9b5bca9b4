import FuzzSupport
import WebSocketProtocol

// Property: after a valid 101 for the client's key, any server bytes, read in
// any chunk sizes, end in exactly one closed event (last; the state is
// closed), with any error's offset inside the input; everything the client
// wrote parses as masked client frames: one pong per ping, then the close
// frame the closure calls for (see WebSocketFuzzSession).
//
// Input: server bytes from the front; decisions from the back: where the 101
// is split, whether its tail shares a read with the first frame bytes, each
// read's size (1...256), and whether the frame limits are small.

private let response = Array(
    ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Accept: \(WebSocketHandshake.acceptValue(forKey: "dGhlIHNhbXBsZSBub25jZQ=="))\r\n\r\n").utf8)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWebSocketClient(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzedData(FuzzInput.buffer(data, size))
    // Small limits reach the 1009 paths; a frame limit above the message limit reaches the message check.
    let smallLimits = input.decisionBool()
    let configuration = WebSocketConfiguration(
        maxFrameSize: smallLimits ? 200 : 64 << 20, maxMessageSize: smallLimits ? 150 : 64 << 20,
        reportsFrames: input.decisionBool())
    var session = WebSocketFuzzSession(configuration: configuration)
    FuzzCheck.expect(
        WebSocketHandshake.acceptValue(forKey: session.client.handshakeKey)
            == WebSocketHandshake.acceptValue(forKey: "dGhlIHNhbXBsZSBub25jZQ=="),
        "the fixed generator no longer gives the RFC sample key")

    let split = input.decision(in: 0...response.count)
    let joinFirstRead = input.decisionBool()
    let reads = input.chunkedRemainder(maxChunk: 256)

    response.withUnsafeBytes { whole in
        if split > 0 { session.receive(UnsafeRawBufferPointer(rebasing: whole[..<split])) }
        let tail = UnsafeRawBufferPointer(rebasing: whole[split...])
        if joinFirstRead, let first = reads.first {
            (Array(tail) + Array(first)).withUnsafeBytes { session.receive($0) }
        } else {
            if !tail.isEmpty { session.receive(tail) }
            if let first = reads.first { session.receive(first) }
        }
    }
    for read in reads.dropFirst() { session.receive(read) }
    session.finish()
    FuzzCheck.expect(session.wasAccepted, "a valid 101 was not accepted")
    return 0
}
