import Foundation
import Testing

/// `replay` of a dump that is not a gateway session: its messages are shown as they are and
/// the replay succeeds; only bytes that break the WebSocket layer itself are an error.
@Suite(.enabled(if: CommandRunner.binary != nil)) struct ReplayPlainWebSocketTests {
    static let response = Array(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: x\r\n\r\n".utf8)

    func dump(_ frames: [UInt8]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("plain-\(UUID().uuidString).raw").path
        try Data(Self.response + frames).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func aDumpOfAnotherWebSocketSessionIsShownMessageByMessage() throws {
        // "Hello" (RFC 6455 section 5.7), three binary bytes, an empty ping, a close with 1000.
        let path = try dump([0x81, 0x05] + Array("Hello".utf8) + [0x82, 0x03, 0x01, 0x02, 0x03, 0x89, 0x00, 0x88, 0x02, 0x03, 0xE8])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try CommandRunner.run(["replay", "--format", "jsonl", "--no-frames", path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            Array(result.lines.dropFirst(3)) == [
                #"{"kind":"message","dir":"in","time":0.000000,"conn":1,"type":"text","length":5,"text":"Hello"}"#,
                #"{"kind":"message","dir":"in","time":0.000000,"conn":1,"type":"binary","length":3,"hex":"01 02 03"}"#,
                #"{"kind":"message","dir":"in","time":0.000000,"conn":1,"type":"ping","length":0,"text":""}"#,
                #"{"kind":"info","time":0.000000,"conn":1,"message":"closed by the server with NORMAL_CLOSURE (1000)"}"#,
            ], "\(result.stdout)")
        #expect(result.lines[1].contains("not a gateway session (the first message starts with 48 65 6c 6c"))
        #expect(result.stderr.isEmpty)
    }

    @Test func aBrokenFrameIsStillAnErrorWithItsOffset() throws {
        // "Hello", then a frame with a reserved bit set: the WebSocket layer refuses it.
        let path = try dump([0x81, 0x05] + Array("Hello".utf8) + [0xC1, 0x01, 0x41])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try CommandRunner.run(["replay", "--format", "jsonl", path])
        #expect(result.status == 65)
        #expect(result.lines.contains { $0.contains(#""type":"text","length":5,"text":"Hello""#) })
        #expect(result.stderr.contains("byte \(Self.response.count + 7)"), "\(result.stderr)")
        #expect(result.stderr.contains("reserved bits"), "\(result.stderr)")
    }

    @Test func sequenceNumbersAtTheEndsOfInt64DoNotOverflowTheGapCount() throws {
        // The gap between them does not fit an Int64: counted, not computed.
        let first = Array(#"{"op":0,"s":-9223372036854775807,"t":"A","d":{}}"#.utf8)
        let second = Array(#"{"op":0,"s":9223372036854775807,"t":"B","d":{}}"#.utf8)
        let path = try dump([0x81, UInt8(first.count)] + first + [0x81, UInt8(second.count)] + second)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try CommandRunner.run(["replay", "--summary-format", "json", "--quiet", path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains(#""sequence_gap_count":1"#), "\(result.stdout)")
    }

    @Test func namingAFormatStillReplaysAsAGatewaySession() throws {
        let path = try dump([0x81, 0x05] + Array("Hello".utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try CommandRunner.run(["replay", "--encoding", "json", "--compression", "none", path])
        #expect(result.status == 65)
        #expect(result.stderr.contains("undecodable payload"), "\(result.stderr)")
    }
}
