import Foundation
import Testing
@testable import GatewayCLI

/// A line longer than the record cap is refused once the cap is passed: without reading
/// (or buffering) much more than the cap, and quickly however long the line is.
@Suite struct CaptureLineLimitTests {
    /// How many bytes a source handed out, readable after the reader took the source.
    final class Counter {
        var delivered = 0
    }

    /// A capture header, then one line of `x` that never ends.
    struct EndlessLine: ByteSource {
        let header: [UInt8]
        let counter: Counter

        mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(InputError) -> Int {
            guard let base = buffer.baseAddress else { return 0 }
            let fromHeader = max(0, min(buffer.count, header.count - counter.delivered))
            if fromHeader > 0 {
                header.withUnsafeBytes { bytes in
                    buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[counter.delivered..<counter.delivered + fromHeader]))
                }
            }
            memset(base + fromHeader, Int32(UInt8(ascii: "x")), buffer.count - fromHeader)
            counter.delivered += buffer.count
            return buffer.count
        }
    }

    static func header() throws -> [UInt8] {
        Array(try CommandRunner.fixture("samples/session.gwcap").split(separator: "\n")[0].utf8) + [0x0A]
    }

    @Test(arguments: [1 << 20, 3 << 20 + 5, 64 << 20])
    func aLineOverTheCapIsRefusedAfterReadingAboutTheCap(cap: Int) throws {
        let header = try Self.header()
        let counter = Counter()
        var reader = try CaptureReader(source: EndlessLine(header: header, counter: counter), maxRecordLength: cap)
        let clock = ContinuousClock()
        let start = clock.now
        var caught: CaptureError?
        do {
            _ = try reader.next()
        } catch {
            caught = error
        }
        let elapsed = clock.now - start
        let error = try #require(caught)
        #expect(error.kind == .recordTooLong)
        #expect(error.line == 2)
        #expect(error.offset == header.count)
        // The buffer stops at the cap plus one byte; one read may already be in flight.
        let delivered = counter.delivered
        #expect(delivered <= header.count + cap + 1, "read \(delivered) bytes for a cap of \(cap)")
        // Before the fix, a 64 MiB cap took 27 s in a debug build (one zero byte appended at a time).
        #expect(elapsed < .seconds(5), "refused after \(elapsed)")
    }

    @Test func aLineOfExactlyTheCapIsAccepted() throws {
        let header = try Self.header()
        let cap = 100_000
        let payload = Array(#"{"type":"future","x":""#.utf8)
        let line = payload + [UInt8](repeating: UInt8(ascii: "y"), count: cap - payload.count - 2) + Array(#""}"#.utf8)
        #expect(line.count == cap)
        for readSize in [1, 4096, .max] {
            var reader = try CaptureReader(source: MemoryByteSource(header + line + [0x0A], maxReadSize: readSize), maxRecordLength: cap)
            #expect(try reader.next() == nil)
            #expect(reader.skippedRecordCount == 1)
            var over = try CaptureReader(
                source: MemoryByteSource(header + [0x20] + line + [0x0A], maxReadSize: readSize), maxRecordLength: cap)
            #expect(throws: CaptureError.self) { _ = try over.next() }
        }
    }
}
