import DiscordGateway
import Testing

/// Opcodes, close codes, intents and sharding arithmetic, against Discord's documented tables.
@Suite struct GatewayVocabularyTests {
    @Test func closeCodeTableMatchesDiscordsDocs() {
        let fatal: Set<UInt16> = [4004, 4010, 4011, 4012, 4013, 4014]
        let notResumable: Set<UInt16> = [4001, 4003, 4004, 4005, 4007, 4009, 4010, 4011, 4012, 4013, 4014]
        for code in UInt16(1000)...5000 {
            let closeCode = GatewayCloseCode(rawValue: code)
            #expect(closeCode.canReconnect == !fatal.contains(code), "\(code)")
            #expect(closeCode.canResume == !notResumable.contains(code), "\(code)")
        }
        #expect(GatewayCloseCode.authenticationFailed.description == "AUTHENTICATION_FAILED (4004)")
        #expect(GatewayCloseCode.disallowedIntents.explanation.contains("privileged intent"))
        #expect(GatewayCloseCode(rawValue: 4321).description == "4321")
    }

    @Test func opcodesHaveTheirDocumentedNames() {
        #expect(GatewayOpcode.hello.description == "HELLO (10)")
        #expect(GatewayOpcode.requestSoundboardSounds.rawValue == 31)
        #expect(GatewayOpcode(rawValue: 5).description == "UNKNOWN (5)")
    }

    @Test func intentsParseByNameAndKnowPrivilegedOnes() {
        #expect(GatewayIntents(name: "guild_messages") == .guildMessages)
        #expect(GatewayIntents(name: "GUILD_BANS") == nil)
        let intents: GatewayIntents = [.guilds, .guildMessages]
        #expect(intents.rawValue == 513)
        #expect(intents.description == "GUILDS|GUILD_MESSAGES (513)")
        #expect(GatewayIntents.privileged.names == ["GUILD_MEMBERS", "GUILD_PRESENCES", "MESSAGE_CONTENT"])
        #expect(GatewayIntents(rawValue: 1 << 40).description == "0x10000000000 (1099511627776)")
    }

    @Test func shardArithmetic() {
        // Discord's example: guild 41771983423143937 on 16 shards.
        #expect(GatewayShard.shardID(forGuild: 41_771_983_423_143_937, shardCount: 16) == (41_771_983_423_143_937 >> 22) % 16)
        #expect(GatewayShard.shardID(forGuild: 0, shardCount: 4) == 0)
        #expect(GatewayShard(id: 13, count: 16).bucket(maxConcurrency: 16) == 13)
        #expect(GatewayShard(id: 17, count: 32).bucket(maxConcurrency: 16) == 1)
    }
}
