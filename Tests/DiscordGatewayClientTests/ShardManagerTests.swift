import DiscordGateway
import DiscordGatewayClient
import GatewayServer
import NIOConcurrencyHelpers
import Testing

extension LoopbackTests {
    /// Four shards in one process: each identifies with its `[id, 4]`, paced per `max_concurrency`
    /// bucket (`id % maxConcurrency`, one IDENTIFY per bucket per interval; buckets in parallel).
    @Suite struct ShardManagerTests {
        static let interval: Duration = .milliseconds(400)
        /// Slack for the time between a turn and the IDENTIFY's arrival at the server (a busy
        /// loop delays one more than another).
        static let slack: Duration = .milliseconds(100)

        /// Runs 4 shards until each identified, then closes them; returns the IDENTIFYs in arrival
        /// order, each with the time its connection was upgraded (when it could have identified).
        func identifies(maxConcurrency: Int) async throws -> [(identify: GatewayRecord.Identify, upgraded: ContinuousClock.Instant)] {
            let gateway = try await LoopbackGateway.start(configure: { $0.requiredShardCount = 4 })
            defer { Task { await gateway.stop() } }
            let manager = try GatewayShardManager(
                configuration: testConfiguration(url: gateway.url), identify: testIdentify(), shardCount: 4,
                maxConcurrency: maxConcurrency, identifyInterval: Self.interval, logger: quietLogger)
            #expect(manager.clients.count == 4)
            #expect(manager.client(shard: 3) != nil)
            #expect(manager.client(shard: 4) == nil)
            let consumers = manager.clients.map { client in Task { for await _ in client.events {} } }
            let running = Task { try await manager.run() }
            let record = try await gateway.waitUntil("four IDENTIFYs") { $0.identifies.count == 4 }
            await manager.close()
            await #expect(throws: Never.self) { try await running.value }
            for consumer in consumers { await consumer.value }
            try await gateway.waitUntil("four closes with 1000") { record in
                record.disconnects.filter { $0.disconnect.code == 1000 }.count == 4
            }
            #expect(Set(record.identifies.compactMap(\.shard)) == Set((0..<4).map { GatewayShard(id: $0, count: 4) }))
            #expect(record.identifies.allSatisfy { $0.token == testToken })
            return try record.identifies.map { identify in (identify, try #require(record.upgradedAt[identify.connection])) }
        }

        @Test func maxConcurrencyOneIdentifiesOneAtATime() async throws {
            let identifies = try await identifies(maxConcurrency: 1)
            // The first goes as soon as it can; each next one an interval after the one before.
            let first = try #require(identifies.first)
            #expect(first.identify.at - first.upgraded < Self.interval - Self.slack)
            for (earlier, later) in zip(identifies, identifies.dropFirst()) {
                #expect(later.identify.at - earlier.identify.at >= Self.interval - Self.slack)
            }
        }

        @Test func maxConcurrencyTwoIdentifiesTwoBucketsInParallel() async throws {
            let identifies = try await identifies(maxConcurrency: 2)
            for bucket in 0..<2 {
                // Shards 0 and 2 share bucket 0, 1 and 3 bucket 1: whichever got HELLO first goes
                // as soon as it can (the other bucket does not hold it up), the other one an
                // interval later.
                let turns = identifies.filter { $0.identify.shard.map { $0.id % 2 == bucket } == true }
                try #require(turns.count == 2)
                #expect(turns[0].identify.at - turns[0].upgraded < Self.interval - Self.slack)
                #expect(turns[1].identify.at - turns[0].identify.at >= Self.interval - Self.slack)
            }
        }

        @Test func oneShardsFailureClosesTheOthersAndIsThrown() async throws {
            // Shard 1 is refused its intents (4014, fatal) at its first heartbeat after shard 0 is
            // READY, so shard 0 has an open connection to close.
            let shardOfConnection = NIOLockedValueBox<[Int: Int]>([:])
            let gateway = try await LoopbackGateway.start(heartbeatInterval: .milliseconds(300), script: { connection, event in
                switch event {
                case .identified(let request, _):
                    shardOfConnection.withLockedValue { $0[connection] = request.shard?.id }
                case .heartbeat:
                    let shards = shardOfConnection.withLockedValue { $0 }
                    if shards[connection] == 1 && shards.values.contains(0) { return [.close(.disallowedIntents)] }
                default:
                    break
                }
                return []
            })
            defer { Task { await gateway.stop() } }
            let manager = try GatewayShardManager(
                configuration: testConfiguration(url: gateway.url), identify: testIdentify(), shardCount: 2,
                maxConcurrency: 2, identifyInterval: Self.interval, logger: quietLogger)
            let consumers = manager.clients.map { client in Task { for await _ in client.events {} } }
            await #expect(throws: GatewayClientError.sessionFailed(.fatalCloseCode(.disallowedIntents))) { try await manager.run() }
            for consumer in consumers { await consumer.value }
            let record = try await gateway.waitUntil("shard 0's close") { record in
                record.disconnects.contains { $0.disconnect.initiator == .client && $0.disconnect.code == 1000 }
            }
            #expect(record.identifies.count == 2)
        }
    }
}
