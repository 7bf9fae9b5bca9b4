import DiscordGateway
import GatewayCodecs
import GatewayServer
import SeededRandom
import Testing
import WebSocketProtocol

/// Bots that break the rules on purpose, written with the raw WebSocket client so they can
/// send what the gateway client never would.
@Suite struct GatewayServerHostileClientTests {
    /// A raw WebSocket client upgraded against a fresh server connection, HELLO read.
    struct RawBot {
        var websocket: WebSocketClient
        var server: GatewayServerConnection
        var rng = SplitMix64(seed: 3)
        var serverEvents: [GatewayServerEvent] = []
        var clientEvents: [WebSocketEvent] = []

        init(target: String = "/?v=10&encoding=json", configure: (inout GatewayServerConfiguration) -> Void = { _ in })
            throws
        {
            var configuration = GatewayServerConfiguration(resumeURL: "ws://127.0.0.1:9")
            configure(&configuration)
            server = GatewayServerConnection(configuration: configuration, random: SplitMix64(seed: 9))
            websocket = try WebSocketClient(url: WebSocketURL("ws://127.0.0.1:9" + target), using: &rng)
            toClient(server.receive(websocket.handshakeRequest(), now: .zero))
        }

        mutating func toClient(_ bytes: [UInt8]) {
            let answer = websocket.receive(bytes, using: &rng)
            while let event = websocket.nextEvent() { clientEvents.append(event) }
            while let event = server.nextEvent() { serverEvents.append(event) }
            if !answer.isEmpty { toServer(answer) }
        }

        mutating func toServer(_ bytes: [UInt8]) {
            let answer = server.receive(bytes, now: .seconds(1))
            while let event = server.nextEvent() { serverEvents.append(event) }
            if !answer.isEmpty { toClient(answer) }
        }

        mutating func sendText(_ text: String) throws {
            toServer(try websocket.sendText(Array(text.utf8), using: &rng))
        }

        var violations: [GatewayServerViolation] {
            serverEvents.compactMap { if case .violation(let violation) = $0 { violation } else { nil } }
        }

        var closeCode: UInt16? {
            for event in clientEvents {
                if case .closed(let closure) = event { return closure.code }
            }
            return nil
        }
    }

    static let identify = #"{"op":2,"d":{"token":"Bot x","intents":513,"properties":{"os":"linux","browser":"b","device":"d"}}}"#

    @Test func helloComesWithTheUpgrade() throws {
        let bot = try RawBot()
        guard case .message(.text(let hello))? = bot.clientEvents.dropFirst().first else {
            Issue.record("expected HELLO after the 101: \(bot.clientEvents)")
            return
        }
        #expect(String(decoding: hello, as: UTF8.self) == #"{"op":10,"d":{"heartbeat_interval":41250},"s":null,"t":null}"#)
    }

    @Test func aPayloadOverTheLimitIsADecodeError() throws {
        var bot = try RawBot()
        try bot.sendText(Self.identify)
        let padding = String(repeating: "a", count: 4096)
        try bot.sendText(#"{"op":3,"d":{"status":"\#(padding)"}}"#)
        #expect(bot.violations.map(\.code) == [.decodeError])
        #expect(bot.violations.first?.message.contains("at most 4096") == true)
        #expect(bot.closeCode == 4002)
    }

    @Test func undecodableJSONIsADecodeErrorAtItsFrame() throws {
        var bot = try RawBot()
        try bot.sendText(#"{"op":1,"d":nul}"#)
        let violation = try #require(bot.violations.first)
        #expect(violation.code == .decodeError)
        #expect(violation.offset != nil)
        #expect(bot.closeCode == 4002)
    }

    @Test func aServerOpcodeFromTheClientIsUnknown() throws {
        var bot = try RawBot()
        try bot.sendText(#"{"op":11,"d":null}"#)
        #expect(bot.violations.map(\.code) == [.unknownOpcode])
    }

    @Test func anUnknownEncodingIsRefusedWith400() throws {
        let bot = try RawBot(target: "/?v=10&encoding=xml")
        guard case .refused(let status, let reason)? = bot.serverEvents.first else {
            Issue.record("expected a refusal: \(bot.serverEvents)")
            return
        }
        #expect(status == 400)
        #expect(reason.contains("encoding=xml"))
        #expect(bot.server.state == .closed)
    }

    @Test func anUnmaskedFrameIsAProtocolError() throws {
        var bot = try RawBot()
        bot.toServer(WebSocketFrameEncoder.encode(opcode: .text, payload: Array(#"{"op":1,"d":null}"#.utf8)))
        #expect(bot.violations.map(\.code.rawValue) == [1002])
        #expect(bot.server.state == .closed || bot.server.state == .closing)
    }

    @Test func badIdentifiesGetTheirCodes() throws {
        let cases: [(String, UInt16)] = [
            (#"{"op":2,"d":{"intents":1,"properties":{"os":"a","browser":"b","device":"c"}}}"#, 4004),
            (#"{"op":2,"d":{"token":"t","intents":-1,"properties":{"os":"a","browser":"b","device":"c"}}}"#, 4002),
            (#"{"op":2,"d":{"token":"t","intents":1099511627776,"properties":{"os":"a","browser":"b","device":"c"}}}"#, 4013),
            (#"{"op":2,"d":{"token":"t","intents":1,"properties":{"os":"a"}}}"#, 4002),
            (#"{"op":2,"d":{"token":"t","intents":1,"properties":{"os":"a","browser":"b","device":"c"},"shard":[2,2]}}"#, 4010),
            (#"{"op":2,"d":{"token":"t","intents":1,"properties":{"os":"a","browser":"b","device":"c"},"large_threshold":20}}"#, 4002),
        ]
        for (payload, code) in cases {
            var bot = try RawBot()
            try bot.sendText(payload)
            #expect(bot.violations.map(\.code.rawValue) == [code], "\(payload)")
            #expect(bot.closeCode == code, "\(payload)")
        }
    }

    @Test func aResumeBeyondTheSessionIsAnInvalidSequence() throws {
        var bot = try RawBot()
        try bot.sendText(#"{"op":6,"d":{"token":"t","session_id":"s1","seq":50}}"#)
        #expect(bot.server.state == .resumeRequested)
        var session = GatewayServerSession(id: "s1")
        _ = session.record(name: "READY", data: [:])
        bot.toClient(try bot.server.resume(session, now: .seconds(1)))
        #expect(bot.violations.map(\.code) == [.invalidSequence])
        #expect(bot.closeCode == 4007)
    }
}
