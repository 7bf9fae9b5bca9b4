import DiscordGateway
import Testing
@testable import CaptureFormats
@testable import GatewayCLI

@Suite struct ConnectOptionsTests {
    @Test func intentsByNumberOrByName() throws {
        #expect(try IntentsParser.parse("513") == [.guilds, .guildMessages])
        #expect(try IntentsParser.parse("0x201") == [.guilds, .guildMessages])
        #expect(try IntentsParser.parse("GUILDS,GUILD_MESSAGES") == [.guilds, .guildMessages])
        #expect(try IntentsParser.parse("guilds | Guild_Messages") == [.guilds, .guildMessages])
        #expect(try IntentsParser.parse("0") == [])
    }

    @Test func badIntentsSayWhatIsValid() {
        #expect {
            try IntentsParser.parse("GUILDS,GUILD_MESAGES")
        } throws: { error in
            let message = (error as? ConnectError)?.message ?? ""
            return message.hasPrefix("unknown intent \"GUILD_MESAGES\"") && message.contains("GUILD_MEMBERS (privileged)")
                && message.contains("GUILD_PRESENCES (privileged)") && message.contains("MESSAGE_CONTENT (privileged)")
                && (error as? ConnectError)?.exitStatus == .usage
        }
        #expect(throws: ConnectError.self) { try IntentsParser.parse("") }
        #expect(throws: ConnectError.self) { try IntentsParser.parse(String(1 << 22)) }
        #expect(IntentsParser.privilegedNames(in: [.guilds, .messageContent, .guildMembers]) == ["GUILD_MEMBERS", "MESSAGE_CONTENT"])
    }

    @Test func theTokenComesFromTheNamedVariableOnly() throws {
        let token = try BotToken(variable: "T", environment: ["T": "abc.def\n"])
        #expect(token.value == "Bot abc.def")
        #expect(token.secrets == ["Bot abc.def", "abc.def"])
        #expect(try BotToken(variable: "T", environment: ["T": "Bot abc"]).value == "Bot abc")
        #expect(!"\(token)".contains("abc"))
        for environment in [[:], ["T": ""], ["T": "  "], ["DISCORD_TOKEN": "abc"]] {
            #expect {
                try BotToken(variable: "T", environment: environment)
            } throws: { error in
                (error as? ConnectError)?.exitStatus == .configuration && "\(error)".contains("T")
            }
        }
    }

    @Test func shards() throws {
        #expect(try ConnectCommand.parseShard("0/1") == GatewayShard(id: 0, count: 1))
        #expect(try ConnectCommand.parseShard("3/4") == GatewayShard(id: 3, count: 4))
        for bad in ["4/4", "-1/2", "1", "a/b", "1/0", "1/2/3", ""] {
            #expect(throws: ConnectError.self, "\(bad)") { try ConnectCommand.parseShard(bad) }
        }
    }

    @Test func outboundControlFramesAreFoundAmongDataFrames() {
        // A masked text frame "hi", a masked close 1000 and a masked pong "p" (RFC 6455 §5.7 layout).
        let text: [UInt8] = [0x81, 0x82, 1, 2, 3, 4, UInt8(ascii: "h") ^ 1, UInt8(ascii: "i") ^ 2]
        let close: [UInt8] = [0x88, 0x82, 0, 0, 0, 0, 0x03, 0xE8]
        let pong: [UInt8] = [0x8A, 0x81, 0, 0, 0, 0, UInt8(ascii: "p")]
        let bytes = text + close + pong
        #expect(OutboundFrames.controlFrameRanges(in: bytes) == [8..<16, 16..<23])
        // Cut short or nonsense: no trap, nothing beyond what adds up.
        #expect(OutboundFrames.controlFrameRanges(in: Array(bytes.prefix(20))) == [8..<16])
        #expect(OutboundFrames.controlFrameRanges(in: [0x88, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]) == [])
    }
}
