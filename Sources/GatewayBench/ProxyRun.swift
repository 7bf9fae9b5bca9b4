import DiscordGateway
import GatewayServer
import SeededRandom

/// One replay of a capture through a `GatewayProxyConnection` and on to a `GatewayConnection`, as
/// `gatewayctl proxy` relays a bot's connection: the capture is the upstream leg's input, and the
/// bot leg's output (decompressed and compressed again, READY rewritten) is what the client
/// decodes and counts. Set against ``ReplayRun`` on the same capture, the difference is what the
/// relay costs.
struct ProxyRun {
    let source: CaptureSource
    let encoding: GatewayEncoding
    let compression: GatewayCompression

    func run() throws -> ReplayTally {
        var proxyConfiguration = GatewayProxyConfiguration(upstreamURL: "ws://upstream.bench", proxyURL: "ws://127.0.0.1:1")
        // The dump answers a request key the proxy did not draw.
        proxyConfiguration.webSocket.verifiesAcceptValue = false
        var proxy = GatewayProxyConnection(configuration: proxyConfiguration, random: SplitMix64(seed: 2))
        var configuration = GatewayConfiguration(url: "ws://127.0.0.1:1", encoding: encoding, compression: compression)
        configuration.deliversHandledPayloads = true
        var bot = try GatewayConnection(configuration: configuration, random: SplitMix64(seed: 1))
        var counter = EventCounter()
        var pendingToBot = proxy.receiveFromBot(bot.connect(), now: .zero).toBot
        while proxy.nextEvent() != nil {}
        pendingToBot += proxy.upstreamConnected(now: .zero).toBot
        try source.forEachChunk { chunk in
            counter.tally.wireBytes += chunk.count
            let output = proxy.receiveFromUpstream(chunk, now: .zero)
            while proxy.nextEvent() != nil {}
            pendingToBot += output.toBot
            // The bot's answers (heartbeats, the close echo) have nowhere to go: the capture is fixed.
            _ = bot.receive(pendingToBot, now: .zero)
            pendingToBot.removeAll(keepingCapacity: true)
            counter.drain(&bot)
        }
        let last = proxy.upstreamEndOfInput(now: .zero)
        while proxy.nextEvent() != nil {}
        _ = bot.receive(last.toBot, now: .zero)
        bot.receiveEndOfInput(now: .zero)
        counter.drain(&bot)
        var tally = counter.finish()
        tally.lastSequence = bot.sequence
        tally.sessionID = bot.sessionID
        return tally
    }
}
