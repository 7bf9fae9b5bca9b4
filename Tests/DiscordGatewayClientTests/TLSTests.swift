import DiscordGateway
import DiscordGatewayClient
import GatewayServer
import Testing

extension LoopbackTests {
    /// `wss://` to a loopback TLS gateway whose certificate a test CA signed: verified with the CA added,
    /// refused without it.
    @Suite struct TLSTests {
        @Test func trustedWithTheTestCA() async throws {
            let gateway = try await LoopbackGateway.start(tls: try TestTLS.serverContext())
            defer { Task { await gateway.stop() } }
            #expect(gateway.url.hasPrefix("wss://127.0.0.1:"))
            var configuration = testConfiguration(url: gateway.url)
            try configuration.addTrustRoots(pemFile: TestTLS.caPath)
            let client = try GatewayClient(configuration: configuration, identify: testIdentify(), logger: quietLogger)
            let collector = EventCollector()
            let result = await runSession(client, collector: collector, onEvent: closeAfter(dispatches: 1, client))
            #expect(throws: Never.self) { try result.get() }
            #expect(collector.dispatchNames == ["READY"])
            #expect(try await gateway.clientCloseCode(connection: 1) == 1000)
        }

        @Test func unreachableWithoutTheCA() async throws {
            let gateway = try await LoopbackGateway.start(tls: try TestTLS.serverContext())
            defer { Task { await gateway.stop() } }
            let client = try GatewayClient(configuration: testConfiguration(url: gateway.url), identify: testIdentify(), logger: quietLogger)
            let result = await runSession(client, collector: EventCollector())
            guard case .failure(.sessionFailed(.unreachable(let problem))) = result else {
                Issue.record("expected .unreachable, got \(result)")
                return
            }
            #expect(problem.sentence().contains("not trusted"))
            #expect(gateway.record.connections == 0)
        }
    }
}
