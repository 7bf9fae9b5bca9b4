import Foundation
import GatewayCodecs
import Testing

@testable import DiscordGateway

/// A connection fed a decompression bomb through `receive` closes with 4002 (DECODE_ERROR)
/// at the configured cap: quickly, and with its peak memory near the cap, not the gigabyte
/// the bomb expands to.
///
/// Peak memory is the growth of this process's high-water mark (VmHWM, reset through
/// `/proc/self/clear_refs` first; Linux only). Serialized so the bombs do not overlap; the
/// bound leaves room for what other suites allocate meanwhile.
@Suite(.serialized) struct GatewayBombTests {
    static let cap = 16 << 20
    /// The cap, a growth step of the output buffer, and room for concurrent tests: far below 1 GiB.
    static let peakGrowthBound = 128 << 20

    /// A message inflating to `mebibytes` MiB of zeros: the first compressed MiB, then the
    /// compressed MiB that repeats once the window is full.
    static func zeros(mebibytes: Int, _ compress: ([UInt8]) throws -> [UInt8]) throws -> [UInt8] {
        let zeros = [UInt8](repeating: 0, count: 1 << 20)
        let first = try compress(zeros)
        let period = try compress(zeros)
        try #require(try compress(zeros) == period, "the compressed zeros should settle into a period")
        return first + Array([[UInt8]](repeating: period, count: mebibytes - 1).joined())
    }

    static func zlibBomb() throws -> [UInt8] {
        let compressor = try ZlibStreamCompressor()
        return try zeros(mebibytes: 1024) { compressor.compress($0) }
    }

    static func zstdBomb() throws -> [UInt8] {
        let compressor = try ZstdStreamCompressor()
        return try zeros(mebibytes: 1024) { try compressor.compress($0) }
    }

    @Test(arguments: [GatewayCompression.zlibStream, .zstdStream])
    func aBombClosesTheConnectionWithDecodeError(compression: GatewayCompression) throws {
        let bomb = try compression == .zlibStream ? Self.zlibBomb() : Self.zstdBomb()
        var harness = try Harness(compression: compression, seed: 5) { $0.codecLimits.maxDecompressedPayloadSize = Self.cap }
        try harness.open()
        _ = harness.events()
        // The bomb as the connection's first message (a fresh stream), in one binary frame.
        let frame = FakeGateway.frame(opcode: 2, bomb)

        let reset = ProcessMemory.resetPeak()
        let residentBefore = ProcessMemory.kibibytes("VmRSS")
        let clock = ContinuousClock()
        let start = clock.now
        harness.deliver(frame)
        let elapsed = clock.now - start
        let peak = ProcessMemory.kibibytes("VmHWM")

        #expect(elapsed < .seconds(5), "refused after \(elapsed)")
        #expect(harness.connection.state == .closing, "our close (4002) is sent, waiting for the echo")
        harness.deliver(FakeGateway.close(4002))
        let disconnect = harness.events().compactMap { event -> GatewayDisconnect? in
            if case .disconnected(let disconnect) = event { return disconnect }
            return nil
        }.last
        #expect(disconnect?.code == .decodeError)
        #expect(disconnect?.initiator == .client)
        guard case .undecodablePayload(let error)? = disconnect?.cause else {
            Issue.record("not an undecodable payload: \(String(describing: disconnect))")
            return
        }
        #expect(error.layer == .decompression)
        #expect(error.message.contains("exceeds the limit of \(Self.cap)"), "\(error)")
        #if os(Linux)
        #expect(reset && residentBefore != nil && peak != nil, "the peak resident size can be measured on Linux")
        #endif
        if reset, let residentBefore, let peak {
            let growth = (peak - residentBefore) * 1024
            #expect(growth < Self.peakGrowthBound, "peak resident memory grew by \(growth >> 20) MiB")
        }
    }
}

/// This process's resident memory from /proc (Linux; nil elsewhere).
enum ProcessMemory {
    /// A `/proc/self/status` field such as `VmRSS` or `VmHWM`, in KiB.
    static func kibibytes(_ field: String) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
            return Int(line.dropFirst(field.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "")
        }
        return nil
    }

    /// Resets VmHWM to the current resident size (Linux 4.0+); false where that is not possible.
    static func resetPeak() -> Bool {
        guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
        defer { try? handle.close() }
        return (try? handle.write(contentsOf: Data("5".utf8))) != nil
    }
}
