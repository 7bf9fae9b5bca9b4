import Foundation
import SeededRandom
import Testing
@testable import WebSocketProtocol

/// Frame and message lengths that ask for more than the limits allow are refused as soon as
/// the length is known: quickly, and without the memory they ask for.
///
/// Peak memory is the growth of this process's high-water mark (VmHWM, reset through
/// `/proc/self/clear_refs` first; Linux only). Serialized so this suite's tests do not
/// overlap; the bounds leave room for what other suites allocate meanwhile, and are still
/// far below the gigabytes an unchecked length would take.
@Suite(.serialized) struct FrameResourceLimitTests {
    static let peakGrowthBound = 64 << 20

    /// Runs `body`, returning how long it took and how much the peak resident size grew (nil where it cannot be read).
    static func measured(_ body: () -> Void) -> (elapsed: Duration, peakGrowth: Int?) {
        let reset = PeakMemory.reset()
        let before = PeakMemory.kibibytes("VmRSS")
        let clock = ContinuousClock()
        let start = clock.now
        body()
        let elapsed = clock.now - start
        guard reset, let before, let peak = PeakMemory.kibibytes("VmHWM") else { return (elapsed, nil) }
        return (elapsed, (peak - before) * 1024)
    }

    static func expectBounded(_ result: (elapsed: Duration, peakGrowth: Int?), _ label: String,
                              sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.elapsed < .seconds(2), "\(label): \(result.elapsed)", sourceLocation: sourceLocation)
        #if os(Linux)
        #expect(result.peakGrowth != nil, "the peak resident size can be measured on Linux", sourceLocation: sourceLocation)
        #endif
        if let growth = result.peakGrowth {
            #expect(growth < peakGrowthBound, "\(label): peak grew by \(growth >> 20) MiB", sourceLocation: sourceLocation)
        }
    }

    /// An unmasked binary frame header announcing `length` bytes (64-bit form).
    static func header(length: UInt64, opcode: UInt8 = 0x82) -> [UInt8] {
        [opcode, 127] + (0..<8).reversed().map { UInt8(truncatingIfNeeded: length >> ($0 * 8)) }
    }

    @Test(arguments: [
        (UInt64(1) << 63, WebSocketProtocolError.Kind.invalidLength), (UInt64.max, .invalidLength),
        ((UInt64(1) << 63) - 1, .frameTooLarge), (UInt64(1) << 40, .frameTooLarge),
        (UInt64(WebSocketConfiguration().maxFrameSize) + 1, .frameTooLarge),
    ])
    func aHugeAnnouncedFrameIsRefusedAtItsHeader(length: UInt64, kind: WebSocketProtocolError.Kind) throws {
        var client = try openClient()
        var rng = SplitMix64(seed: 7)
        // The header, then a megabyte of what would be its payload.
        let bytes = Self.header(length: length) + [UInt8](repeating: 0x41, count: 1 << 20)
        var events: [WebSocketEvent] = []
        let result = Self.measured { events = client.feed([bytes], rng: &rng).events }
        let error = events.last?.closure?.error
        #expect(error?.kind == kind, "\(String(describing: error))")
        #expect(error?.offset == acceptResponse().count + 2, "the length field")
        #expect(events.last?.closure?.code == (kind == .frameTooLarge ? 1009 : 1002))
        #expect(client.state == .closed)
        Self.expectBounded(result, "a frame announcing \(length) bytes")
    }

    @Test func aFrameJustOverAConfiguredLimitIsRefusedAtItsHeader() throws {
        let limit = 1 << 20
        var client = try openClient(configuration: WebSocketConfiguration(maxFrameSize: limit))
        var rng = SplitMix64(seed: 7)
        let atLimit = Self.header(length: UInt64(limit)) + [UInt8](repeating: 0x41, count: limit)
        #expect(client.feed([atLimit], rng: &rng).events.last?.closure == nil, "a frame of exactly the limit is fine")
        let over = Self.header(length: UInt64(limit) + 1)
        let events = client.feed([over], rng: &rng).events
        #expect(events.last?.closure?.error?.kind == .frameTooLarge)
        #expect(events.last?.closure?.error?.offset == acceptResponse().count + atLimit.count + 2)
    }

    @Test func aFragmentedMessageGrowingPastTheLimitIsRefusedAtTheFragmentThatCrossesIt() throws {
        let fragment = 1 << 20
        let limit = 8 << 20
        var client = try openClient(configuration: WebSocketConfiguration(maxMessageSize: limit))
        var rng = SplitMix64(seed: 7)
        let payload = [UInt8](repeating: 0x42, count: fragment)
        let first = ServerPeer.frame(.binary, payload, fin: false)
        let next = ServerPeer.frame(.continuation, payload, fin: false)
        var closure: WebSocketClosure?
        var fed = 0
        var crossingFragment = 0
        let result = Self.measured {
            // 64 fragments would make 64 MiB: it must stop at the ninth.
            for index in 0..<64 where closure == nil {
                let bytes = index == 0 ? first : next
                closure = client.feed([bytes], rng: &rng).events.compactMap(\.closure).first
                fed += bytes.count
                crossingFragment = index + 1
            }
        }
        #expect(closure?.error?.kind == .messageTooLarge)
        #expect(closure?.code == 1009)
        #expect(crossingFragment == limit / fragment + 1)
        let offset = try #require(closure?.error?.offset)
        #expect(offset > acceptResponse().count + fed - next.count && offset <= acceptResponse().count + fed)
        Self.expectBounded(result, "a message of 1 MiB fragments over an 8 MiB limit")
    }

    @Test func aFloodOfPingsKeepsEachPayloadSmall() throws {
        // 100,000 pings of 8 bytes, all queued as events before they are drained:
        // each payload must own a buffer of about its size (they once crept up by a few bytes
        // a ping, 600 MB for a 3-second flood), and every ping is answered.
        var client = try openClient()
        var rng = SplitMix64(seed: 7)
        let count = 100_000
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count * 10)
        for index in 0..<count {
            bytes += ServerPeer.frame(.ping, (0..<8).map { UInt8(truncatingIfNeeded: index >> ($0 * 8)) })
        }
        var output: [UInt8] = []
        var events: [WebSocketEvent] = []
        // In reads of 64 KiB, as a socket delivers them: frames cut across reads too.
        let reads = stride(from: 0, to: bytes.count, by: 65_536).map { Array(bytes[$0..<min($0 + 65_536, bytes.count)]) }
        let result = Self.measured { (output, events) = client.feed(reads, rng: &rng) }
        var largestCapacity = 0
        var pings = 0
        for case .ping(let payload) in events {
            pings += 1
            largestCapacity = max(largestCapacity, payload.capacity)
        }
        #expect(pings == count)
        #expect(largestCapacity <= 64, "a ping payload's buffer grew to \(largestCapacity) bytes")
        // A masked pong of 8 bytes is 14 bytes.
        #expect(output.count == count * 14)
        Self.expectBounded(result, "100,000 pings")
    }
}

/// This process's resident memory from /proc (Linux; nil elsewhere).
enum PeakMemory {
    /// A `/proc/self/status` field such as `VmRSS` or `VmHWM`, in KiB.
    static func kibibytes(_ field: String) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
            return Int(line.dropFirst(field.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "")
        }
        return nil
    }

    /// Resets VmHWM to the current resident size (Linux 4.0+); false where that is not possible.
    static func reset() -> Bool {
        guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
        defer { try? handle.close() }
        return (try? handle.write(contentsOf: Data("5".utf8))) != nil
    }
}
