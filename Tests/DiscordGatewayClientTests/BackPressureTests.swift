import DiscordGateway
import DiscordGatewayClient
import GatewayServer
import Testing

extension LoopbackTests {
    /// A consumer that sleeps stops the client's reads: the connection stops taking in dispatches
    /// (its sequence stands still far below what the server sent), the events buffered stay
    /// bounded, and nothing is lost when the consumer reads again.
    @Suite struct BackPressureTests {
        @Test func aSleepingConsumerStopsReadsAndTheBufferStaysBounded() async throws {
            let count = 5_000
            let contentSize = 2_000
            // Heartbeat ACKs are in band, behind the 10 MB of messages the consumer holds up: a
            // drain slower than the interval (a loaded machine) would rightly end in a zombie close
            // and a resume. The interval is out of the way here; back-pressure is what is judged.
            let gateway = try await LoopbackGateway.start(heartbeatInterval: .seconds(3_600)) { _, event in
                if case .identified = event { return [.messages(count: count, contentSize: contentSize)] }
                return []
            }
            defer { Task { await gateway.stop() } }
            let high = 16
            let configuration = testConfiguration(url: gateway.url) {
                $0.eventBufferHighWatermark = high
                $0.eventBufferLowWatermark = 4
            }
            let client = try GatewayClient(configuration: configuration, identify: testIdentify(), logger: quietLogger)
            let running = Task { try await client.run() }

            var iterator = client.events.makeAsyncIterator()
            var names: [String] = []
            while let event = await iterator.next() {
                guard case .dispatch(let payload) = event else { continue }
                names.append(payload.eventName ?? "")
                if names.count == 1 { break }
            }
            // The consumer sleeps. The client must stop reading: what the connection has decoded
            // (its sequence) stops growing, with at most the high watermark plus one read cycle
            // taken in. NIO reads at most 4 times 64 KiB per cycle before it looks at autoRead
            // again; each read may also finish a message the one before began.
            let perEvent = contentSize + 100
            let oneRead = 4 * (65_536 / perEvent + 1)
            var settled = await client.sequence
            try await waitFor("the client to stop reading") {
                try? await Task.sleep(for: .milliseconds(200))
                let now = await client.sequence
                defer { settled = now }
                return now == settled
            }
            try await Task.sleep(for: .milliseconds(500))
            let sequenceAsleep = try #require(await client.sequence)
            #expect(sequenceAsleep == settled)
            #expect(sequenceAsleep <= Int64(1 + high + oneRead))
            let peakWhileAsleep = client.eventBufferPeak
            #expect(peakWhileAsleep >= high)
            #expect(peakWhileAsleep <= high + oneRead)
            #expect(high + 2 * oneRead < count / 10)

            // Reading again: every message arrives, in order. While the consumer drains, its demand
            // reaches the loop during a read cycle, so the buffer may hold the rest of that cycle
            // plus the next one: still bounded, far below the 5,000 sent.
            while let event = await iterator.next() {
                guard case .dispatch(let payload) = event else { continue }
                names.append(payload.eventName ?? "")
                if names.count == count + 1 { break }
            }
            #expect(names.count == count + 1)
            #expect(names.dropFirst().allSatisfy { $0 == "MESSAGE_CREATE" })
            #expect(client.eventBufferPeak <= high + 2 * oneRead)
            #expect(await client.sequence == Int64(count + 1))
            await client.close()
            await #expect(throws: Never.self) { try await running.value }
            #expect(gateway.record.resumes.isEmpty)
        }
    }
}
