import Foundation
import GatewayCodecs
import Testing

/// `gatewayctl` fed inputs built to exhaust it: decompression bombs, frames announcing
/// terabytes, a 1 GB capture line, a 1 GB hexdump. Each is refused with status 65 and an
/// offset, quickly, and with the child's peak resident memory (measured by GNU time, see
/// ``MeasuredRun``) far below what the input asks for.
///
/// The bounds are generous, to hold on a loaded machine and in debug builds: the program
/// itself takes about 25 MiB; the decompression cap is 64 MiB (its buffers may briefly hold
/// a cap and a half while growing); an uncapped run would need 1 GiB or more.
@Suite(.enabled(if: CommandRunner.binary != nil)) struct CLIResourceLimitTests {
    /// Peak memory of a run refused before it allocates anything for the input.
    static let smallPeak = 64 << 20
    /// Peak memory of a run that inflates up to the 64 MiB cap (measured: 155-190 MiB in debug builds).
    static let cappedPeak = 256 << 20

    static let response = Array(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: x\r\n\r\n".utf8)

    /// A zlib-stream message inflating to `mebibytes` MiB of zeros, about 1 KB per MiB
    /// (deflate output for zeros repeats once the window is full).
    static func zlibBomb(mebibytes: Int) throws -> [UInt8] {
        let compressor = try ZlibStreamCompressor()
        let zeros = [UInt8](repeating: 0, count: 1 << 20)
        let first = compressor.compress(zeros)
        let period = compressor.compress(zeros)
        try #require(compressor.compress(zeros) == period)
        return first + Array([[UInt8]](repeating: period, count: mebibytes - 1).joined())
    }

    /// The same as a zstd-stream message (about 30 bytes per MiB).
    static func zstdBomb(mebibytes: Int) throws -> [UInt8] {
        let compressor = try ZstdStreamCompressor()
        let zeros = [UInt8](repeating: 0, count: 1 << 20)
        let first = try compressor.compress(zeros)
        let period = try compressor.compress(zeros)
        try #require(try compressor.compress(zeros) == period)
        return first + Array([[UInt8]](repeating: period, count: mebibytes - 1).joined())
    }

    static func expectRefused(
        _ run: MeasuredRun, _ label: String, peakBelow bound: Int, within time: Duration = .seconds(10),
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        expectHandled(run, label, sourceLocation: sourceLocation)
        #expect(run.status == 65, "\(label): \(run)", sourceLocation: sourceLocation)
        #expect(run.elapsed < time, "\(label): \(run)", sourceLocation: sourceLocation)
        if let peak = run.peakResidentBytes {
            #expect(peak < bound, "\(label): peak \(peak >> 20) MiB", sourceLocation: sourceLocation)
        }
        print("\(label): \(run)")
    }

    @Test func hugeFrameLengthsAreRefusedWithoutAllocating() throws {
        for length in [UInt64(1) << 63, UInt64(1) << 40, UInt64(64 << 20) + 1] {
            let frame = HostileFrames.header(opcode: 2, length: length) + [UInt8](repeating: 0x78, count: 4096)
            let run = try MeasuredRun.gatewayctl(["replay", "--format", "jsonl"], onFile: Self.response + frame)
            Self.expectRefused(run, "replay of a frame announcing \(length) bytes", peakBelow: Self.smallPeak, within: .seconds(5))
            #expect(run.stderr.contains("byte \(Self.response.count + 2)"))
        }
    }

    @Test func aZlibStreamBombInARawDumpIsRefusedAtTheCap() throws {
        let bomb = try Self.zlibBomb(mebibytes: 1024)
        let dump = Self.response + HostileFrames.frame(opcode: 2, bomb)
        for options in [[], ["--encoding", "json", "--compression", "zlib-stream"]] {
            let run = try MeasuredRun.gatewayctl(["replay", "--format", "jsonl"] + options, onFile: dump)
            Self.expectRefused(run, "replay of a 1 GiB zlib-stream bomb \(options)", peakBelow: Self.cappedPeak)
            #expect(run.stderr.contains("exceeds the limit of 67108864 decompressed bytes"), "\(run.stderr)")
            #expect(run.stderr.contains("byte \(Self.response.count)"), "names the frame: \(run.stderr)")
        }
    }

    @Test func aZstdBombInARawDumpIsRefusedAtTheCap() throws {
        let bomb = try Self.zstdBomb(mebibytes: 1024)
        #expect(bomb.count < 64 << 10)
        let dump = Self.response + HostileFrames.frame(opcode: 2, bomb)
        let run = try MeasuredRun.gatewayctl(
            ["replay", "--format", "jsonl", "--encoding", "json", "--compression", "zstd-stream"], onFile: dump)
        Self.expectRefused(run, "replay of a 1 GiB zstd-stream bomb", peakBelow: Self.cappedPeak)
        #expect(run.stderr.contains("limit"), "\(run.stderr)")
    }

    @Test func aBombInACaptureIsRefusedAtTheCap() throws {
        let bomb = try Self.zlibBomb(mebibytes: 1024)
        let header = try CommandRunner.fixture("samples/session.gwcap").split(separator: "\n")[0]
        let capture = """
            \(header)
            {"type":"event","kind":"connect","t":0.000000,"conn":1}
            {"type":"chunk","dir":"in","t":0.010000,"conn":1,"data":"\(Data(Self.response).base64EncodedString())"}
            {"type":"chunk","dir":"in","t":0.020000,"conn":1,"data":"\(Data(HostileFrames.frame(opcode: 2, bomb)).base64EncodedString())"}

            """
        let run = try MeasuredRun.gatewayctl(["replay", "--format", "jsonl"], onFile: Array(capture.utf8), name: "bomb.gwcap")
        Self.expectRefused(run, "replay of a capture holding a 1 GiB zlib-stream bomb", peakBelow: Self.cappedPeak)
        #expect(run.stderr.contains("exceeds the limit"), "\(run.stderr)")
        #expect(run.stderr.contains("input byte \(Self.response.count)"), "\(run.stderr)")
    }

    /// A refused zlib bomb holds at most the cap and the input beyond what the program takes anyway
    /// (the inflate output grows in chunks, never by copying): measured against a run on a tiny payload,
    /// with 16 MiB of slack for the hex text and allocator rounding.
    @Test func decodingABombHoldsTheCapAndTheInput() throws {
        let bomb = try Self.zlibBomb(mebibytes: 1024)
        let hex = Array(bomb.map { String(format: "%02x", $0) }.joined().utf8)
        let baseline = try MeasuredRun.gatewayctl(["decode", "--format", "jsonl", "--file"], onFile: Array(#"{"op":1,"d":null}"#.utf8))
        let run = try MeasuredRun.gatewayctl(["decode", "--format", "jsonl", "--file"], onFile: hex)
        #expect(run.stderr.contains("exceeds the limit"), "\(run.stderr)")
        guard let base = baseline.peakResidentBytes, let peak = run.peakResidentBytes else { return }
        let allowed = CodecLimits().maxDecompressedPayloadSize + hex.count + bomb.count + (16 << 20)
        #expect(peak - base < allowed, "peak \(peak >> 20) MiB, \(base >> 20) MiB without the bomb")
    }

    @Test func decodingABombIsRefusedAtTheCap() throws {
        let bomb = try Self.zlibBomb(mebibytes: 1024)
        let hex = Array(bomb.map { String(format: "%02x", $0) }.joined().utf8)
        let run = try MeasuredRun.gatewayctl(["decode", "--format", "jsonl", "--file"], onFile: hex)
        Self.expectRefused(run, "decode of a 1 GiB zlib-stream bomb", peakBelow: Self.cappedPeak)
        #expect(run.stderr.contains("zlib-stream layer, byte"), "\(run.stderr)")
        let zstd = Array(try Self.zstdBomb(mebibytes: 1024).map { String(format: "%02x", $0) }.joined().utf8)
        let zstdRun = try MeasuredRun.gatewayctl(["decode", "--as", "zstd", "--format", "jsonl", "--file"], onFile: zstd)
        Self.expectRefused(zstdRun, "decode of a 1 GiB zstd bomb", peakBelow: Self.cappedPeak)
    }

    /// A file of `size` bytes starting with `prefix` and then zeros, made sparse so it costs no disk.
    static func withSparseFile<R>(_ name: String, prefix: [UInt8], size: Int, _ body: (String) throws -> R) throws -> R {
        try withTemporaryPath(name) { path in
            try Data(prefix).write(to: URL(fileURLWithPath: path))
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try handle.truncate(atOffset: UInt64(size))
            try handle.close()
            return try body(path)
        }
    }

    /// Regression: a line over the record cap grew the line buffer one zero byte at a time, to
    /// twice the cap (27 s and 151 MiB for this file in a debug build).
    @Test func aOneGigabyteCaptureLineIsRefusedAtTheRecordCap() throws {
        let header = try CommandRunner.fixture("samples/session.gwcap").split(separator: "\n")[0] + "\n"
        let start = Array(header.utf8) + Array(#"{"type":"chunk","dir":"in","t":0.020000,"conn":1,"data":""#.utf8)
        try Self.withSparseFile("huge-line.gwcap", prefix: start, size: 1 << 30) { path in
            let run = try MeasuredRun.gatewayctl(["replay", "--format", "jsonl", path])
            Self.expectRefused(run, "replay of a capture with a 1 GiB line", peakBelow: 160 << 20, within: .seconds(5))
            #expect(run.stderr.contains("line 2 (byte \(header.utf8.count)): a record is longer than 67108864 bytes"), "\(run.stderr)")
        }
    }

    /// Regression: an oversized input to `decode` exited 74 (an I/O error) after reading 256 MiB into memory.
    @Test func aOneGigabyteHexdumpIsRefusedBeforeReading() throws {
        try Self.withSparseFile("huge.hex", prefix: Array("82 7e".utf8), size: 1 << 30) { path in
            let run = try MeasuredRun.gatewayctl(["decode", "--file", path])
            Self.expectRefused(run, "decode of a 1 GiB file", peakBelow: Self.smallPeak, within: .seconds(5))
            #expect(run.stderr.contains("the input is larger than 268435456 bytes"), "\(run.stderr)")
            #expect(run.stderr.contains("byte 268435456"), "\(run.stderr)")
            let redirected = try MeasuredRun.gatewayctl(["decode"], stdinPath: path)
            Self.expectRefused(redirected, "decode of a 1 GiB standard input", peakBelow: Self.smallPeak, within: .seconds(5))
        }
    }
}
