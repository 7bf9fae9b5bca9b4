import DiscordGateway
import DiscordGatewayClient
import GatewayServer
import Testing

extension LoopbackTests {
    /// Whole sessions against the loopback gateway: real bytes over real sockets.
    @Suite struct ClientSessionTests {
        @Test func fullSessionIdentifiesReceivesDispatchesAndClosesWith1000() async throws {
            let gateway = try await LoopbackGateway.start(heartbeatInterval: .milliseconds(300)) { _, event in
                if case .identified = event { return [.messages(count: 3, contentSize: 20)] }
                return []
            }
            defer { Task { await gateway.stop() } }
            let log = CapturedLog()
            let client = try GatewayClient(
                configuration: testConfiguration(url: gateway.url), identify: testIdentify(), logger: log.logger())
            let collector = EventCollector()
            let result = await runSession(client, collector: collector) { event, collector in
                // Heartbeats flow (a round trip is measured), then a clean stop.
                if case .dispatch = event, collector.dispatchNames.count == 4 {
                    try? await waitFor("a heartbeat ACK") { await client.latency != nil }
                    await client.close()
                }
            }

            #expect(throws: Never.self) { try result.get() }
            #expect(collector.dispatchNames == ["READY", "MESSAGE_CREATE", "MESSAGE_CREATE", "MESSAGE_CREATE"])
            let record = gateway.record
            #expect(record.connections == 1)
            #expect(record.identifies.count == 1)
            #expect(record.identifies.first?.token == testToken)
            #expect(record.opcodes(connection: 1).contains(.heartbeat))
            #expect(try await gateway.clientCloseCode(connection: 1) == 1000)
            #expect(collector.disconnects.first?.code == .normalClosure)
            #expect(await client.sequence == 4)
            #expect(await client.sessionID != nil)

            // The token reaches the server and no log line; the lines say what happened.
            #expect(!log.all.isEmpty)
            #expect(!log.all.contains { $0.contains("test-token") })
            #expect(log.lines("connecting").count == 1)
            #expect(log.lines("ready").first?.contains("session_id=") == true)
            #expect(log.lines("dispatch").count == 3)
            #expect(log.lines("disconnected").first?.contains("close_code=1000") == true)
        }

        @Test func reconnectRequestResumesOnTheResumeURL() async throws {
            let gateway = try await LoopbackGateway.start { connection, event in
                if connection == 1, case .identified = event { return [.messages(count: 2, contentSize: 10), .reconnect] }
                return []
            }
            defer { Task { await gateway.stop() } }
            let client = try GatewayClient(configuration: testConfiguration(url: gateway.url), identify: testIdentify(), logger: quietLogger)
            let collector = EventCollector()
            let result = await runSession(client, collector: collector) { event, _ in
                if case .dispatch(let payload) = event, payload.eventName == "RESUMED" { await client.close() }
            }

            #expect(throws: Never.self) { try result.get() }
            #expect(collector.dispatchNames == ["READY", "MESSAGE_CREATE", "MESSAGE_CREATE", "RESUMED"])
            let record = gateway.record
            #expect(record.identifies.count == 1)
            #expect(record.resumes.map(\.sequence) == [3])
            #expect(record.resumed == [2])
            #expect(record.targets[1]?.hasPrefix("/?") == true)
            #expect(record.targets[2]?.hasPrefix("/resume?") == true)
            // RECONNECT: the client closes with a resumable code, then 1000 at the end.
            #expect(try await gateway.clientCloseCode(connection: 1).map { $0 != 1000 && $0 != 1001 } == true)
            #expect(try await gateway.clientCloseCode(connection: 2) == 1000)
        }

        @Test func invalidSessionNotResumableIdentifiesAgain() async throws {
            let gateway = try await LoopbackGateway.start { connection, event in
                if connection == 1, case .identified = event { return [.invalidSession(resumable: false)] }
                return []
            }
            defer { Task { await gateway.stop() } }
            let client = try GatewayClient(configuration: testConfiguration(url: gateway.url), identify: testIdentify(), logger: quietLogger)
            let collector = EventCollector()
            // Discord asks for 1-5 s before the new IDENTIFY.
            let result = await runSession(client, collector: collector, onEvent: closeAfter(dispatches: 2, client))

            #expect(throws: Never.self) { try result.get() }
            #expect(collector.dispatchNames == ["READY", "READY"])
            let record = gateway.record
            #expect(record.identifies.map(\.connection) == [1, 2])
            #expect(record.resumes.isEmpty)
            #expect(record.targets[2]?.hasPrefix("/?") == true)
        }

        @Test func droppedConnectionResumes() async throws {
            let gateway = try await LoopbackGateway.start { connection, event in
                if connection == 1, case .identified = event { return [.messages(count: 2, contentSize: 10), .drop] }
                return []
            }
            defer { Task { await gateway.stop() } }
            let client = try GatewayClient(configuration: testConfiguration(url: gateway.url), identify: testIdentify(), logger: quietLogger)
            let collector = EventCollector()
            let result = await runSession(client, collector: collector) { event, _ in
                if case .dispatch(let payload) = event, payload.eventName == "RESUMED" { await client.close() }
            }

            #expect(throws: Never.self) { try result.get() }
            #expect(collector.dispatchNames == ["READY", "MESSAGE_CREATE", "MESSAGE_CREATE", "RESUMED"])
            let record = gateway.record
            #expect(record.identifies.count == 1)
            #expect(record.resumes.map(\.sequence) == [3])
            #expect(record.resumed == [2])
            #expect(collector.disconnects.first?.cause == .endOfInput)
        }

        @Test func fatalCloseCode4004EndsRunWithoutReconnecting() async throws {
            let gateway = try await LoopbackGateway.start(configure: { $0.acceptedTokens = ["Bot another-token"] })
            defer { Task { await gateway.stop() } }
            let log = CapturedLog()
            let client = try GatewayClient(
                configuration: testConfiguration(url: gateway.url), identify: testIdentify(), logger: log.logger())
            let collector = EventCollector()
            let result = await runSession(client, collector: collector)

            #expect(throws: GatewayClientError.sessionFailed(.fatalCloseCode(.authenticationFailed))) { try result.get() }
            #expect(collector.disconnects.map(\.code) == [.authenticationFailed])
            // Nothing more comes: the gateway saw one connection, and no second one follows.
            try await Task.sleep(for: .milliseconds(300))
            #expect(gateway.record.connections == 1)
            #expect(log.lines("session failed").count == 1)
            #expect(log.lines("reconnecting").isEmpty)
            #expect(!log.all.contains { $0.contains("test-token") })
        }

        @Test func runCanBeCalledOnce() async throws {
            let gateway = try await LoopbackGateway.start()
            defer { Task { await gateway.stop() } }
            let client = try GatewayClient(configuration: testConfiguration(url: gateway.url), identify: testIdentify(), logger: quietLogger)
            await client.close()
            // Closed before it ran: run returns at once without connecting, and the events end.
            try await client.run()
            var iterator = client.events.makeAsyncIterator()
            #expect(await iterator.next() == nil)
            await #expect(throws: GatewayClientError.alreadyRunning) { try await client.run() }
            #expect(gateway.record.connections == 0)
        }

        @Test func badConfigurationIsRefusedAtInit() throws {
            #expect(throws: GatewayClientError.self) {
                try GatewayClient(configuration: testConfiguration(url: "http://example.com"), identify: testIdentify(), logger: quietLogger)
            }
            #expect(throws: GatewayClientError.self) {
                try GatewayClient(
                    configuration: testConfiguration(url: "ws://127.0.0.1:1") { $0.eventBufferLowWatermark = 10; $0.eventBufferHighWatermark = 5 },
                    identify: testIdentify())
            }
            var configuration = testConfiguration(url: "ws://127.0.0.1:1")
            #expect(throws: GatewayClientError.self) { try configuration.addTrustRoots(pemFile: "/nonexistent/ca.pem") }
        }
    }
}
