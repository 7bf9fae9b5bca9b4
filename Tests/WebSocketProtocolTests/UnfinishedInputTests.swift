import SeededRandom
import Testing
import WebSocketProtocol

/// `WebSocketClient.unfinishedInput`: where a cut stream stops, named by the layer that knows
/// where the response and each frame end.
@Suite struct UnfinishedInputTests {
    /// The 101, a 200-byte text frame (4-byte header) and a ping (2-byte header).
    static let response = acceptResponse()
    static let text = ServerPeer.frame(.text, Array(repeating: UInt8(ascii: "a"), count: 200))
    static let ping = ServerPeer.frame(.ping, ascii("hi"))
    static let stream = response + text + ping

    /// What a stream cut after `cut` bytes leaves unfinished.
    static func expected(afterCut cut: Int) -> WebSocketTruncation? {
        let textStart = response.count
        let pingStart = textStart + text.count
        switch cut {
        case 0, textStart, pingStart, stream.count:
            return nil
        case 1..<textStart:
            return .handshake(received: cut)
        case (textStart + 1)..<(textStart + 4):
            return .frameHeader(offset: textStart, received: cut - textStart)
        case (textStart + 4)..<pingStart:
            let header = WebSocketFrameHeader(fin: true, opcode: .text, payloadLength: 200, headerLength: 4, offset: textStart)
            return .framePayload(header: header, missing: pingStart - cut)
        case pingStart + 1:
            return .frameHeader(offset: pingStart, received: 1)
        default:
            let header = WebSocketFrameHeader(fin: true, opcode: .ping, payloadLength: 2, headerLength: 2, offset: pingStart)
            return .framePayload(header: header, missing: stream.count - cut)
        }
    }

    @Test func everyCutIsNamedWhereItFalls() throws {
        for cut in 0...Self.stream.count {
            var whole = try makeClient()
            var rng = SplitMix64(seed: 1)
            _ = whole.receive(Array(Self.stream[..<cut]), using: &rng)
            let expected = Self.expected(afterCut: cut)
            #expect(whole.unfinishedInput == expected, "cut at \(cut)")
            if let unfinished = whole.unfinishedInput { #expect(unfinished.inputEnd == cut, "cut at \(cut)") }

            // Byte by byte: the same answer, whatever the reads.
            var split = try makeClient()
            for byte in Self.stream[..<cut] { _ = split.receive([byte], using: &rng) }
            #expect(split.unfinishedInput == expected, "cut at \(cut), byte by byte")
        }
    }

    @Test func nothingIsUnfinishedOnceClosedOrRejected() throws {
        var rng = SplitMix64(seed: 2)
        var closed = try openClient()
        _ = closed.receive(ServerPeer.close(1000) + Array(Self.text.prefix(3)), using: &rng)
        #expect(closed.unfinishedInput == nil)

        var rejected = try makeClient()
        _ = rejected.receive(ascii("HTTP/1.1 401 Unauthorized\r\nContent-Length: 10\r\n\r\nshort"), using: &rng)
        // Inside a rejection's body is not inside the handshake: its end is the body's end.
        #expect(rejected.unfinishedInput == nil)

        var failed = try openClient()
        _ = failed.receive(ServerPeer.frame(.text, ascii("x"), rsv: 4) + [0x81], using: &rng)
        #expect(failed.unfinishedInput == nil)
    }

    @Test func theEndOfInputStillEndsAbnormally() throws {
        var rng = SplitMix64(seed: 3)
        var client = try openClient()
        _ = client.receive(Array(Self.text.prefix(10)), using: &rng)
        #expect(client.unfinishedInput?.inputEnd == Self.response.count + 10)
        client.receiveEndOfInput()
        #expect(client.drain() == [.closed(WebSocketClosure(initiator: .abnormal, code: 1006))])
        #expect(client.unfinishedInput == nil)
    }
}
