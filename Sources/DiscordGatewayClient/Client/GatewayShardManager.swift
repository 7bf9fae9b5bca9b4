import DiscordGateway
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// Runs several shards of one bot in one process, one ``GatewayClient`` each, respecting Discord's
/// identify concurrency.
///
/// Shard `id` identifies with `[id, shardCount]`. IDENTIFYs are paced as Discord requires: shard
/// `id` is in bucket `id % maxConcurrency` (Get Gateway Bot's `session_start_limit.max_concurrency`),
/// and each bucket identifies at most once per `identifyInterval` (5 s); buckets go in parallel.
/// RESUME is never paced. Read each shard's events from ``clients`` (``GatewayClient/events``).
///
/// ``run()`` runs every shard; the first one that fails stops the others (closing with 1000) and
/// its error is thrown. Cancellation and graceful shutdown stop every shard, as they stop one client.
public final class GatewayShardManager: Service, Sendable {
    /// One client per shard, in shard order.
    public let clients: [GatewayClient]
    /// The total number of shards (`[id, count]`'s count).
    public let shardCount: Int

    /// A manager for shards `shards` (all of `0..<shardCount` by default) of a bot.
    ///
    /// - Parameters:
    ///   - configuration: every shard's configuration.
    ///   - identify: IDENTIFY's token, intents and properties; each shard's `shard` is set here.
    ///   - shardCount: the total number of shards (Get Gateway Bot's `shards`, or more).
    ///   - shards: the shards this process runs, within `0..<shardCount`.
    ///   - maxConcurrency: Get Gateway Bot's `max_concurrency`.
    ///   - identifyInterval: how often one bucket may identify; Discord's is 5 seconds.
    ///   - eventLoopGroup: where the connections run (each shard on one loop of it).
    ///   - logger: the shards' logger (each adds `shard` metadata).
    /// - Throws: ``GatewayClientError/invalidConfiguration(_:)`` for a bad count, range or
    ///   concurrency, or what a ``GatewayClient`` throws for the configuration.
    public init(
        configuration: GatewayClientConfiguration, identify: GatewayIdentify, shardCount: Int,
        shards: Range<Int>? = nil, maxConcurrency: Int = 1, identifyInterval: Duration = .seconds(5),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "discord-gateway")
    ) throws(GatewayClientError) {
        guard shardCount >= 1 else { throw .invalidConfiguration("shardCount must be at least 1, not \(shardCount)") }
        let shards = shards ?? 0..<shardCount
        guard !shards.isEmpty, shards.lowerBound >= 0, shards.upperBound <= shardCount else {
            throw .invalidConfiguration("shards \(shards) must be a non-empty part of 0..<\(shardCount)")
        }
        guard maxConcurrency >= 1 else {
            throw .invalidConfiguration("maxConcurrency must be at least 1, not \(maxConcurrency)")
        }
        let pacer = IdentifyPacer(maxConcurrency: maxConcurrency, interval: identifyInterval)
        var clients: [GatewayClient] = []
        for id in shards {
            var shardIdentify = identify
            shardIdentify.shard = GatewayShard(id: id, count: shardCount)
            clients.append(
                try GatewayClient(
                    configuration: configuration, identify: shardIdentify, eventLoopGroup: eventLoopGroup, logger: logger,
                    identifyGate: { await pacer.waitForTurn(shard: id) }))
        }
        self.clients = clients
        self.shardCount = shardCount
        firstShard = shards.lowerBound
    }

    private let firstShard: Int

    /// The client of shard `id`, if this manager runs it.
    public func client(shard id: Int) -> GatewayClient? {
        let index = id - firstShard
        return clients.indices.contains(index) ? clients[index] : nil
    }

    /// Runs every shard until all have ended.
    ///
    /// Returns when every session ended normally (after ``close(code:)``, cancellation or a
    /// graceful shutdown, which reach every shard).
    /// - Throws: the first shard's ``GatewayClientError``; the other shards are closed with 1000 first.
    public func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for client in clients {
                group.addTask { try await client.run() }
            }
            do {
                while try await group.next() != nil {}
            } catch {
                // Cancelling the group closes each remaining shard with 1000 (its run's
                // cancellation handler) and waits for it.
                group.cancelAll()
                while true {
                    do {
                        guard try await group.next() != nil else { break }
                    } catch {
                        // Another shard's error after the first: the first is the one thrown.
                    }
                }
                throw error
            }
        }
    }

    /// Closes every shard with `code` and returns when all have ended.
    public func close(code: GatewayCloseCode = .normalClosure) async {
        await withTaskGroup(of: Void.self) { group in
            for client in clients {
                group.addTask { await client.close(code: code) }
            }
        }
    }
}
