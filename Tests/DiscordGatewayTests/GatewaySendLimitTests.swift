import DiscordGateway
import GatewayCodecs
import Testing

/// Discord's 4096-byte and 120-per-60-seconds limits, checked before anything is sent.
@Suite struct GatewaySendLimitTests {
    @Test func oversizedPayloadIsRefusedAndNothingIsSent() throws {
        var harness = try Harness()
        try harness.openWithHello()
        let before = harness.server.frames.count
        let big = GatewayValue.string(String(repeating: "x", count: 4100))
        do {
            _ = try harness.connection.send(opcode: GatewayOpcode(rawValue: 3), data: big, now: harness.now)
            Issue.record("a payload over 4096 bytes was accepted")
        } catch {
            #expect(error.kind == .payloadTooLarge)
            #expect(error.message.contains("4096"))
        }
        #expect(harness.server.frames.count == before)
        #expect(harness.connection.state == .open)
    }

    @Test func rateLimitKeepsRoomForHeartbeatsAndSaysWhen() throws {
        var harness = try Harness()
        try harness.openWithHello(interval: 41_250)
        let presence = GatewayPresence(status: "online")
        // One window holds 120 sends; 60 s / 41.25 s rounds up to 2 heartbeats, plus one answered request.
        var sent = 0
        var refusal: GatewaySendError?
        while refusal == nil && sent < 200 {
            do {
                harness.send(try harness.connection.updatePresence(presence, now: harness.now))
                sent += 1
                harness.now += .milliseconds(10)
            } catch {
                refusal = error
            }
        }
        #expect(sent == 117)
        #expect(refusal?.kind == .rateLimited)
        #expect(refusal?.retryAt == .seconds(60))
        // Heartbeats still go out.
        harness.send(try harness.connection.heartbeat(now: harness.now))
        harness.send(try harness.connection.heartbeat(now: harness.now))
        #expect(harness.server.opcodes.suffix(2) == [1, 1])
        // The heartbeats count too: 116 commands + 2 heartbeats fill the window until the
        // sends at 0 s, 10 ms and 20 ms have left it.
        harness.now = .seconds(60) + .milliseconds(1)
        do {
            _ = try harness.connection.updatePresence(presence, now: harness.now)
            Issue.record("sent while the window was full")
        } catch {
            #expect(error.retryAt == .seconds(60) + .milliseconds(20))
        }
        harness.now = .seconds(60) + .milliseconds(20)
        harness.send(try harness.connection.updatePresence(presence, now: harness.now))
    }

    @Test func windowResetsOnANewConnection() throws {
        var harness = try Harness()
        try harness.openWithHello()
        for _ in 0..<117 { _ = try harness.connection.updatePresence(GatewayPresence(), now: harness.now) }
        #expect(throws: GatewaySendError.self) {
            try harness.connection.updatePresence(GatewayPresence(), now: harness.now)
        }
        harness.connection.receiveEndOfInput(now: harness.now)
        _ = harness.connection.reconnect()
        try harness.openWithHello()
        _ = try harness.connection.updatePresence(GatewayPresence(), now: harness.now)
    }

    @Test func commandsAreValidated() throws {
        var harness = try Harness()
        try harness.openWithHello()
        var identify = testIdentify
        identify.largeThreshold = 251
        #expect(throws: GatewaySendError.self) { try harness.connection.identify(identify, now: harness.now) }
        identify.largeThreshold = 250
        identify.shard = GatewayShard(id: 2, count: 2)
        #expect(throws: GatewaySendError.self) { try harness.connection.identify(identify, now: harness.now) }
        #expect(throws: GatewaySendError.self) {
            try harness.connection.updatePresence(GatewayPresence(status: "busy"), now: harness.now)
        }
        #expect(throws: GatewaySendError.self) { try harness.connection.resume(token: "t", now: harness.now) }
        #expect(throws: GatewaySendError.self) { try harness.connection.requestSoundboardSounds(guildIDs: [], now: harness.now) }
    }

    @Test func commandsHaveDiscordsShape() throws {
        var harness = try Harness()
        try harness.openWithHello()
        var identify = testIdentify
        identify.largeThreshold = 100
        identify.shard = GatewayShard(id: 1, count: 4)
        identify.presence = GatewayPresence(status: "idle", activities: [GatewayActivity(name: "tests")])
        harness.send(try harness.connection.identify(identify, now: harness.now))
        harness.send(
            try harness.connection.updateVoiceState(
                GatewayVoiceStateUpdate(guildID: 41771983423143937, channelID: nil, selfMute: true), now: harness.now))
        harness.send(
            try harness.connection.requestGuildMembers(
                GatewayRequestGuildMembers(guildID: 41771983423143937, selection: .query("", limit: 0), nonce: "n"),
                now: harness.now))
        harness.send(try harness.connection.requestSoundboardSounds(guildIDs: [613425648685547541], now: harness.now))
        let payloads = harness.server.payloads
        #expect(payloads[0]["d"]?["shard"] == [1, 4])
        #expect(payloads[0]["d"]?["large_threshold"] == 100)
        #expect(payloads[0]["d"]?["presence"] == ["since": nil, "activities": [["name": "tests", "type": 0]], "status": "idle", "afk": false])
        #expect(payloads[1] == ["op": 4, "d": ["guild_id": "41771983423143937", "channel_id": nil, "self_mute": true, "self_deaf": false]])
        #expect(payloads[2] == ["op": 8, "d": ["guild_id": "41771983423143937", "query": "", "limit": 0, "nonce": "n"]])
        #expect(payloads[3] == ["op": 31, "d": ["guild_ids": ["613425648685547541"]]])
    }

    @Test func sentPayloadsAreReportedWithTheTokenRedacted() throws {
        var harness = try Harness { $0.reportsSentPayloads = true }
        try harness.openWithHello()
        _ = harness.events()
        harness.send(try harness.connection.identify(testIdentify, now: harness.now))
        let events = harness.events()
        guard case .sent(let payload) = events.first else {
            Issue.record("expected a sent event, got \(events.map(\.summary))")
            return
        }
        #expect(payload.data["token"] == .string(GatewayConnection.redactedToken))
        #expect(!String(decoding: payload.bytes, as: UTF8.self).contains("secret-token"))
        // The server got the real token.
        #expect(harness.server.payloads.last?["d"]?["token"] == "Bot secret-token")
    }

    @Test func payloadCompressionAddsCompressToIdentify() throws {
        var harness = try Harness(compression: .payload)
        try harness.openWithHello()
        harness.send(try harness.connection.identify(testIdentify, now: harness.now))
        #expect(harness.server.payloads.last?["d"]?["compress"] == true)
        #expect(harness.server.target == "/?v=10&encoding=json")
    }

    @Test func etfWithPayloadCompressionIsAConfigurationError() {
        #expect(throws: GatewayConfigurationError.self) { try Harness(encoding: .etf, compression: .payload) }
    }
}
