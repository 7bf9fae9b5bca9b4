import Foundation
import Testing
@testable import CaptureFormats
@testable import GatewayCLI

/// Reading a capture streams it: peak memory does not grow with the file.
@Suite struct CaptureMemoryTests {
    /// The process's peak resident set size (VmHWM), in bytes; Linux only.
    static func peakResidentBytes() -> Int? { statusField("VmHWM:") }

    /// Sets the peak resident set size back to the current one (`/proc/self/clear_refs`, Linux 4.0+).
    static func resetPeakResidentBytes() {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    }

    /// The current resident set size (VmRSS), in bytes; Linux only.
    static func residentBytes() -> Int? { statusField("VmRSS:") }

    private static func statusField(_ name: String) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix(name) {
            let digits = line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
            return digits.map { $0 * 1024 }
        }
        return nil
    }

    @Test(.enabled(if: peakResidentBytes() != nil))
    func a100MegabyteCaptureIsReadWithBoundedMemory() throws {
        try withTemporaryPath { path in
            // 1,600 inbound chunks of 48 KiB (≈ 102 MB of base64 on disk), written
            // one line at a time so writing does not raise the peak either.
            let chunkSize = 48 << 10
            let chunkCount = 1_600
            var chunk = [UInt8](repeating: 0, count: chunkSize)
            for index in chunk.indices { chunk[index] = UInt8(truncatingIfNeeded: index &* 31 &+ 7) }
            let writer = try CaptureWriter(path: path, header: CaptureRoundTripTests.header)
            for index in 0..<chunkCount {
                try writer.append(.chunk(CaptureChunk(direction: .inbound, time: .init(microseconds: Int64(index) * 1000),
                    connection: 1, bytes: chunk)))
            }
            try writer.close()
            let fileSize = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
            #expect(fileSize > 100_000_000)

            // Other suites run in parallel in this process: reset the peak to the current
            // resident set (Linux's clear_refs) so it measures from here on, with room for
            // their allocations, far below what holding the file would add.
            Self.resetPeakResidentBytes()
            let before = try #require(Self.peakResidentBytes())
            let residentBefore = try #require(Self.residentBytes())
            var reader = try CaptureReader(source: try InputFile(path: path))
            var count = 0
            var total = 0
            var allMatch = true
            while let record = try reader.next() {
                guard case .chunk(let read) = record else { continue }
                count += 1
                total += read.bytes.count
                if read.bytes != chunk { allMatch = false }
            }
            let growth = try #require(Self.peakResidentBytes()) - before
            #expect(count == chunkCount)
            #expect(total == chunkSize * chunkCount)
            #expect(allMatch)
            #expect(reader.warning == nil)
            #expect(growth < 48 << 20, "peak memory grew by \(growth) bytes reading a \(fileSize)-byte capture")
            print("read \(fileSize) bytes of capture: VmRSS before \(residentBefore), VmHWM before \(before), growth \(growth)")
        }
    }
}
