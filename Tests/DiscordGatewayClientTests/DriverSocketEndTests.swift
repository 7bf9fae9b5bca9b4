import DiscordGateway
import Testing

/// The driver before and around the end of a socket: the waits it bounds itself before the
/// upgrade, a socket that ends before it was opened, a stop before the WebSocket is open, abort.
@Suite struct DriverSocketEndTests {
    typealias Pair = DriverTests.Pair

    static func describe(_ actions: [GatewaySessionAction]) -> [String] { DriverTests.describe(actions) }

    @Test func theTLSHandshakeAndTheUpgradeAnswerAreEachBoundedThenNoDeadlineIsLeft() throws {
        var policy = GatewaySessionDriver.Policy()
        policy.stepTimeout = .seconds(3)
        var pair = try Pair(policy: policy)
        _ = pair.driver.start(now: .zero)
        #expect(pair.driver.nextDeadline == nil, "no deadline before the socket is up")
        _ = pair.driver.connectionOpened(usesTLS: true, now: .seconds(1))
        #expect(pair.driver.nextDeadline == .seconds(4))
        _ = pair.driver.tlsHandshakeCompleted(now: .seconds(2))
        #expect(pair.driver.nextDeadline == .seconds(5))
        // Early: nothing happens.
        #expect(pair.driver.deadlineReached(now: .seconds(4)).isEmpty)
        let expired = pair.driver.deadlineReached(now: .seconds(5))
        #expect(Self.describe(expired) == ["report transportFailed", "closeConnection"])
        guard case .report(.transportFailed(let problem)) = expired.first else {
            Issue.record("no transport problem: \(expired)")
            return
        }
        #expect(problem == .waitExpired(.upgradeResponse, place: "gateway.discord.gg:443", limit: .seconds(3)))
        #expect(problem.sentence(naming: "--timeout") == "no answer to the upgrade from gateway.discord.gg:443 within 3 s (--timeout)")
        // While the socket closes (TLS may take a while), the expired step is not due again.
        #expect(pair.driver.nextDeadline == nil)
        let ended = pair.driver.endOfInput(now: .seconds(6))
        #expect(Self.describe(ended).last == "finish unreachable no answer to the upgrade from gateway.discord.gg:443 within 3 s")
    }

    @Test func aSocketThatEndsBeforeItWasOpenedStillEndsTheConnection() throws {
        var policy = GatewaySessionDriver.Policy()
        policy.reconnects = false
        var pair = try Pair(policy: policy)
        _ = pair.driver.start(now: .zero)
        // The upgrade request's write failed at once: the channel ended before connectionOpened.
        let ended = pair.driver.endOfInput(now: .zero)
        #expect(Self.describe(ended).contains("report ended 1"))
        #expect(pair.driver.isFinished)
        #expect(pair.driver.connectionOpened(usesTLS: true, now: .zero).isEmpty)
    }

    @Test func aStopBeforeTheUpgradeClosesTheSocketAndFinishesAtItsEnd() throws {
        var pair = try Pair()
        _ = pair.driver.start(now: .zero)
        _ = pair.driver.connectionOpened(usesTLS: false, now: .zero)
        #expect(Self.describe(pair.driver.stop(now: .seconds(1))) == ["report stopping requested", "closeConnection"])
        #expect(pair.driver.nextDeadline == nil)
        // A second stop is nothing.
        #expect(pair.driver.stop(now: .seconds(1)).isEmpty)
        #expect(Self.describe(pair.driver.endOfInput(now: .seconds(1))).last == "finish nil")
    }

    @Test func aStopWhileConnectingOrWaitingToReconnectFinishesAtOnce() throws {
        var connecting = try Pair()
        _ = connecting.driver.start(now: .zero)
        #expect(Self.describe(connecting.driver.stop(now: .zero)) == ["report stopping requested", "finish nil"])
        // The socket that opens afterwards is not the driver's any more.
        #expect(connecting.driver.connectionOpened(usesTLS: false, now: .zero).isEmpty)

        var waiting = try DriverTests.ready()
        _ = waiting.driver.endOfInput(now: waiting.now)
        #expect(Self.describe(waiting.driver.stop(now: waiting.now)) == ["report stopping requested", "finish nil"])
        #expect(waiting.driver.reconnectTimerFired(now: waiting.now).isEmpty)
    }

    @Test func abortClosesTheSocketAndFinishesWithoutAHandshake() throws {
        var pair = try DriverTests.ready()
        let aborted = pair.driver.abort(now: pair.now)
        #expect(Self.describe(aborted) == ["closeConnection", "finish nil"])
        #expect(pair.driver.isFinished)
        #expect(pair.driver.endOfInput(now: pair.now).isEmpty)
        #expect(pair.driver.abort(now: pair.now).isEmpty)
    }
}
