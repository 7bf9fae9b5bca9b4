import DiscordGateway
import DiscordGatewayClient
import GatewayServer
import Logging
import ServiceLifecycle
import Testing

extension LoopbackTests {
    /// How a session is ended from outside: task cancellation and swift-service-lifecycle's graceful shutdown.
    @Suite struct ClientLifecycleTests {
        @Test func cancellingRunsTaskClosesWith1000AndReturns() async throws {
            let gateway = try await LoopbackGateway.start()
            defer { Task { await gateway.stop() } }
            let client = try GatewayClient(configuration: testConfiguration(url: gateway.url), identify: testIdentify(), logger: quietLogger)
            let collector = EventCollector()
            let consumer = Task {
                for await event in client.events { collector.append(event) }
            }
            let running = Task { try await client.run() }
            try await waitFor("READY") { collector.dispatchNames == ["READY"] }

            running.cancel()
            let result = await running.result
            #expect(throws: Never.self) { try result.get() }
            await consumer.value  // the events finished
            #expect(try await gateway.clientCloseCode(connection: 1) == 1000)
            #expect(collector.disconnects.last?.code == .normalClosure)
        }

        @Test(arguments: [GatewayCloseCode.normalClosure, .unknownError])
        func gracefulShutdownOfAServiceGroupClosesWithTheConfiguredCode(code: GatewayCloseCode) async throws {
            let gateway = try await LoopbackGateway.start()
            defer { Task { await gateway.stop() } }
            let configuration = testConfiguration(url: gateway.url) { $0.shutdownCloseCode = code }
            let client = try GatewayClient(configuration: configuration, identify: testIdentify(), logger: quietLogger)
            let collector = EventCollector()
            let consumer = Task {
                for await event in client.events { collector.append(event) }
            }
            let group = ServiceGroup(services: [client], logger: Logger(label: "test-group"))
            let running = Task { try await group.run() }
            try await waitFor("READY") { collector.dispatchNames == ["READY"] }

            await group.triggerGracefulShutdown()
            let result = await running.result
            #expect(throws: Never.self) { try result.get() }
            await consumer.value
            #expect(try await gateway.clientCloseCode(connection: 1) == code.rawValue)
            // 1000 ends the session; 4000 leaves it resumable.
            #expect(collector.disconnects.last?.willResume == (code != .normalClosure))
        }
    }
}
