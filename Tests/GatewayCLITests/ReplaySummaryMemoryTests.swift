import DiscordGateway
import Testing
@testable import GatewayCLI

/// The summary itself keeps fixed-size structures however many payloads it counts.
struct ReplaySummaryMemoryTests {
    @Test func manyPayloadsKeepTheSameStructures() throws {
        var summary = ReplaySummary()
        let ack = try GatewayPayload(decoding: Array(#"{"op":11}"#.utf8), encoding: .json)
        for index in 0..<50_000 {
            summary.received(ack, connection: 1, at: .microseconds(index * 1_500))
            if index % 10 == 0 { summary.measured(latency: .microseconds(index)) }
        }
        #expect(summary.interArrival.count == 49_999)
        #expect(summary.interArrival.storedSlots <= PercentileSketch.bucketCount + 8)
        #expect(summary.latency.storedSlots <= PercentileSketch.bucketCount + 8)
        #expect(summary.opcodeSizes.count == 1)
        #expect(summary.opcodeSizes[11] == ReplaySummary.PayloadSizes(count: 50_000, totalBytes: 450_000, largest: 9))
    }
}
