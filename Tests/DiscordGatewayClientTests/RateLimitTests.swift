import DiscordGateway
import DiscordGatewayClient
import GatewayServer
import Testing

extension LoopbackTests {
    /// Discord's 120 payloads per 60 s (here per 2 s): sends beyond it wait for the window, or fail
    /// when told not to wait; what reaches the server keeps the rule.
    @Suite struct RateLimitTests {
        @Test func sendsBeyondTheLimitWaitOrFail() async throws {
            let window: Duration = .seconds(2)
            // The server's own 4008 check would count arrivals as its loop reads them, which a busy
            // machine can bunch up; the test checks the arrival times itself, with a tolerance, and
            // the server only closes a client that sends twice the rule.
            let gateway = try await LoopbackGateway.start(configure: {
                $0.receivesPerWindow = 240
                $0.receiveWindow = window
            })
            defer { Task { await gateway.stop() } }
            let configuration = testConfiguration(url: gateway.url) {
                $0.gateway.sendsPerWindow = 120
                $0.gateway.sendWindow = window
            }
            let client = try GatewayClient(configuration: configuration, identify: testIdentify(), logger: quietLogger)
            let collector = EventCollector()
            let consumer = Task { for await event in client.events { collector.append(event) } }
            let running = Task { try await client.run() }
            try await waitFor("READY") { collector.dispatchNames == ["READY"] }

            // Without waiting: the first sends go, one of the first 121 is refused with the time it may go.
            let presence = GatewayPresence(status: "online")
            var sent = 0
            var refusal: GatewaySendError?
            for _ in 0..<121 {
                do {
                    try await client.updatePresence(presence, waitIfRateLimited: false)
                    sent += 1
                } catch {
                    refusal = error
                    break
                }
            }
            #expect(refusal?.kind == .rateLimited)
            #expect(refusal?.retryAt != nil)
            #expect(sent >= 100 && sent < 121)

            // Waiting (the default): all 121 go, each when the window allows: the last ones wait for
            // the refused one's window, so the whole run takes more than one window.
            let started = ContinuousClock.now
            for _ in 0..<121 { try await client.updatePresence(presence) }
            #expect(ContinuousClock.now - started >= window - .milliseconds(500))
            let expected = sent + 121
            let record = try await gateway.waitUntil("every presence update") { record in
                record.received.filter { $0.opcode == .presenceUpdate }.count == expected
            }
            #expect(record.violations.isEmpty)
            // No 2-second window at the server holds more than 120 payloads of any kind (IDENTIFY and
            // heartbeats included): any 121 in a row span a window, less what a busy loop's reads
            // can shift them by. A client that did not wait would send them within milliseconds.
            let times = record.received.map(\.at)
            #expect(times.count > expected)
            for (index, time) in times.enumerated() where index + 120 < times.count {
                #expect(times[index + 120] - time >= window - .milliseconds(300))
            }
            await client.close()
            await #expect(throws: Never.self) { try await running.value }
            await consumer.value
            #expect(try await gateway.clientCloseCode(connection: 1) == 1000)
        }
    }
}
