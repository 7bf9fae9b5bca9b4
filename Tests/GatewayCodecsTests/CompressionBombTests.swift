import Foundation
import Testing
@testable import GatewayCodecs

/// Decompression bombs: 1 GiB of zeros in about 1 MB (zlib) or 32 KB (zstd) must be
/// refused at the cap, quickly and without allocating much more than the cap.
///
/// Serialized so the suite's own tests do not overlap; the memory bound is generous
/// because tests in other suites may run at the same time in this process.
@Suite(.serialized) struct CompressionBombTests {
    static let gibibyte = 1 << 30
    static let limit = 16 << 20
    /// Far below the 1 GiB an uncapped decompressor would need; above the cap plus one
    /// growth step plus what a concurrently running test may allocate.
    static let peakGrowthBound = 160 << 20

    /// Deflate output for zeros is periodic: after the first 1 MiB, every further
    /// sync-flushed MiB compresses to the same bytes. Returns the zlib-stream message for
    /// `mebibytes` MiB of zeros (ending in 00 00 ff ff) built from real deflate output.
    static func zlibZeros(mebibytes: Int) throws -> [UInt8] {
        let compressor = try ZlibStreamCompressor()
        let zeros = [UInt8](repeating: 0, count: 1 << 20)
        let first = compressor.compress(zeros)
        let second = compressor.compress(zeros)
        let third = compressor.compress(zeros)
        try #require(second == third, "deflate of zeros should settle into a period")
        return first + Array([[UInt8]](repeating: second, count: mebibytes - 1).joined())
    }

    /// The same for a zstd-stream message.
    static func zstdZeros(mebibytes: Int) throws -> [UInt8] {
        let compressor = try ZstdStreamCompressor()
        let zeros = [UInt8](repeating: 0, count: 1 << 20)
        let first = try compressor.compress(zeros)
        let second = try compressor.compress(zeros)
        let third = try compressor.compress(zeros)
        try #require(second == third, "zstd of zeros should settle into a period")
        return first + Array([[UInt8]](repeating: second, count: mebibytes - 1).joined())
    }

    /// A complete standalone zlib stream of `mebibytes` MiB of zeros: the sync-flushed
    /// stream, an empty final fixed-Huffman block (03 00), and the Adler-32 of the zeros.
    static func standaloneZlibZeros(mebibytes: Int) throws -> [UInt8] {
        let length = mebibytes << 20
        let adler = UInt32(length % 65521) << 16 | 1
        return try zlibZeros(mebibytes: mebibytes) + [0x03, 0x00]
            + [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: adler >> $0) }
    }

    @Test func theBombBuildersMakeValidStreams() throws {
        let zeros = [UInt8](repeating: 0, count: 4 << 20)
        #expect(try ZlibStreamDecompressor().decompress(Self.zlibZeros(mebibytes: 4)) == zeros)
        #expect(try ZstdStreamDecompressor().decompress(Self.zstdZeros(mebibytes: 4)) == zeros)
        #expect(try ZlibStandalone.decompress(Self.standaloneZlibZeros(mebibytes: 4), limit: 4 << 20) == zeros)
    }

    @Test func zlibStreamBombIsRefusedAtTheCap() throws {
        let bomb = try Self.zlibZeros(mebibytes: 1024)
        let decompressor = try GatewayDecompressor(.zlibStream, limit: Self.limit)
        let error = try Self.expectRefusedQuickly {
            _ = try decompressor.decompress(message: bomb, isBinary: true)
        }
        #expect(error.offset.map { $0 < bomb.count / 8 } == true, "refused early in the input: \(error)")
    }

    @Test func zlibStreamBombWithoutItsSuffixIsRefusedAtTheCap() throws {
        // The payload never completes, so output piles up across messages: still capped.
        let bomb = try Self.zlibZeros(mebibytes: 1024)
        let decompressor = try GatewayDecompressor(.zlibStream, limit: Self.limit)
        _ = try Self.expectRefusedQuickly {
            var start = 0
            while start < bomb.count {
                let end = min(start + 10_000, bomb.count - 2)
                _ = try decompressor.decompress(message: Array(bomb[start..<end]), isBinary: true)
                start = end
            }
        }
    }

    @Test func zlibStreamBombIsRefusedAtTheDefaultCap() throws {
        let bomb = try Self.zlibZeros(mebibytes: 1024)
        let decompressor = try GatewayDecompressor(.zlibStream)
        _ = try Self.expectRefusedQuickly(peakGrowthBound: 3 * decompressor.limit) {
            _ = try decompressor.decompress(message: bomb, isBinary: true)
        }
    }

    @Test func zstdStreamBombIsRefusedAtTheCap() throws {
        let bomb = try Self.zstdZeros(mebibytes: 1024)
        #expect(bomb.count < 64 << 10)
        let decompressor = try GatewayDecompressor(.zstdStream, limit: Self.limit)
        _ = try Self.expectRefusedQuickly {
            _ = try decompressor.decompress(message: bomb, isBinary: true)
        }
    }

    @Test func payloadBombIsRefusedAtTheCap() throws {
        let bomb = try Self.standaloneZlibZeros(mebibytes: 1024)
        let decompressor = try GatewayDecompressor(.payload, limit: Self.limit)
        _ = try Self.expectRefusedQuickly {
            _ = try decompressor.decompress(message: bomb, isBinary: true)
        }
    }

    /// Runs `body`, expecting ``DecompressionError/Kind/limitExceeded`` within 2 seconds and,
    /// on Linux, a peak resident-memory growth below `peakGrowthBound`.
    static func expectRefusedQuickly(
        peakGrowthBound: Int = peakGrowthBound, _ body: () throws -> Void
    ) throws -> DecompressionError {
        let peakWasReset = ProcessMemory.resetPeak()
        let residentBefore = ProcessMemory.kibibytes("VmRSS")
        let clock = ContinuousClock()
        let start = clock.now
        var caught: DecompressionError?
        do {
            try body()
        } catch let error as DecompressionError {
            caught = error
        }
        let elapsed = clock.now - start
        let error = try #require(caught, "the bomb was not refused")
        #expect(error.kind == .limitExceeded, "\(error)")
        #expect(elapsed < .seconds(2), "refused after \(elapsed)")
        #if os(Linux)
        #expect(peakWasReset && residentBefore != nil, "the peak resident size can be measured on Linux")
        #endif
        if peakWasReset, let residentBefore, let peak = ProcessMemory.kibibytes("VmHWM") {
            let growth = (peak - residentBefore) * 1024
            #expect(growth < peakGrowthBound, "peak resident memory grew by \(growth >> 20) MiB")
        }
        return error
    }
}

/// Resident memory of this process from /proc (Linux; nil elsewhere).
enum ProcessMemory {
    /// A `/proc/self/status` field such as `VmRSS` or `VmHWM`, in KiB.
    static func kibibytes(_ field: String) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
            // "VmRSS:\t    1948 kB"
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
