import Foundation
import Testing
@testable import GatewayCLI

/// `gatewayctl decode` on damaged frames and on bytes that were never a hexdump: every run
/// ends by itself with 0 or 65, names the line and column (bad text) or the byte offset
/// (bad bytes), and prints the frames before a fault as the intact input does.
@Suite(.enabled(if: CommandRunner.binary != nil)) struct DecodeHostileInputTests {
    static let arguments = ["decode", "--format", "jsonl", "--file"]

    /// HELLO, READY, a heartbeat and a close (zlib-stream, unmasked and masked), the bytes behind every `frames.*` fixture.
    static func frames() throws -> [UInt8] { try Fixtures.bytes("decode/frames.bin") }

    /// `bytes` as the plain hex a user pastes.
    static func hexText(_ bytes: [UInt8]) -> [UInt8] {
        Array(bytes.map { String(format: "%02x", $0) }.joined(separator: " ").utf8) + [0x0A]
    }

    @Test func emptyInputIsAnError() throws {
        let file = try MeasuredRun.quick(Self.arguments, onFile: [])
        expectHandled(file, "empty file")
        #expect(file.status == 65)
        let standardInput = try MeasuredRun.gatewayctl(["decode"], measuresMemory: false)
        expectHandled(standardInput, "empty standard input")
        #expect(standardInput.status == 65)
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func randomBytesEndCleanly(seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        for size in [1, 2, 16, 1000, 65_536] {
            let noise = random.bytes(size)
            // Raw binary where text is expected: a hexdump error naming its line and column.
            let binary = try MeasuredRun.quick(Self.arguments, onFile: noise)
            expectHandled(binary, "seed \(seed): \(size) raw bytes")
            // The same bytes as hex and as base64: whatever they decode to, the run ends cleanly.
            let hex = try MeasuredRun.quick(Self.arguments, onFile: Self.hexText(noise))
            expectHandled(hex, "seed \(seed): \(size) bytes as hex")
            let base64 = try MeasuredRun.quick(
                ["decode", "--base64", "--format", "jsonl", "--file"], onFile: Array(Data(noise).base64EncodedString().utf8))
            expectHandled(base64, "seed \(seed): \(size) bytes as base64")
            for layer in ["frames", "zlib-stream", "zlib", "zstd", "etf", "json"] where size == 1000 {
                let forced = try MeasuredRun.quick(
                    ["decode", "--as", layer, "--format", "jsonl", "--file"], onFile: Self.hexText(noise))
                expectHandled(forced, "seed \(seed): \(size) bytes as \(layer)")
            }
        }
    }

    @Test func rawBinaryInputNamesTheLineAndColumn() throws {
        let run = try MeasuredRun.quick(Self.arguments, onFile: try Self.frames())
        expectHandled(run, "frames.bin as text")
        #expect(run.status == 65)
        #expect(run.stderr.contains("line 1, column 1"), "\(run.stderr)")
    }

    @Test func framesCutAnywhereShowWhatCameBefore() throws {
        let bytes = try Self.frames()
        let full = try MeasuredRun.quick(Self.arguments, onFile: Self.hexText(bytes))
        try #require(full.status == 0)
        let intact = IntactReplay(lines: OutputLine.parse(full), inputSize: bytes.count)
        let boundaries = Set(intact.frames.map(\.start) + intact.frames.map(\.end))
        let nearBoundaries: [Int] = boundaries.flatMap { (boundary: Int) -> [Int] in [boundary - 1, boundary, boundary + 1] }
        let everyEleventh: [Int] = Array(stride(from: 0, to: bytes.count, by: 11))
        let cuts = Set(nearBoundaries + everyEleventh).filter { $0 >= 0 && $0 <= bytes.count }
        for cut in cuts.sorted() {
            let run = try MeasuredRun.quick(Self.arguments, onFile: Self.hexText(Array(bytes.prefix(cut))))
            expectHandled(run, "cut at \(cut)")
            let lines = OutputLine.parse(run)
            #expect(commonPrefixCount(lines, intact.lines) >= intact.linesBefore(rawDumpFault: cut), "cut at \(cut): \(run.stdout)")
            if cut == 0 || boundaries.contains(cut) && cut > 1 {
                #expect(run.status == (cut == 0 ? 65 : 0), "cut at \(cut): \(run)")
            } else if cut > 1 {
                #expect(run.status == 65, "cut at \(cut): \(run)")
                #expect(run.stderr.contains("websocket layer, byte \(cut): the input ends inside a frame"), "cut at \(cut): \(run.stderr)")
                #expect(lines.last?.offset == cut)
            }
        }
    }

    @Test func framesWithAFlippedByteShowWhatCameBefore() throws {
        let bytes = try Self.frames()
        let full = try MeasuredRun.quick(Self.arguments, onFile: Self.hexText(bytes))
        let intact = IntactReplay(lines: OutputLine.parse(full), inputSize: bytes.count)
        var random = SeededGenerator(seed: 0xDEC0DE)
        for index in stride(from: 0, to: bytes.count, by: 7) {
            var damaged = bytes
            damaged[index] ^= 1 << UInt8(random.next() % 8)
            let run = try MeasuredRun.quick(Self.arguments, onFile: Self.hexText(damaged))
            expectHandled(run, "bit flipped in byte \(index)")
            let lines = OutputLine.parse(run)
            #expect(commonPrefixCount(lines, intact.lines) >= intact.linesBefore(rawDumpFault: index), "flip at \(index): \(run.stdout)")
        }
    }

    @Test(arguments: [
        (UInt64(1) << 63, "most significant bit set"), ((UInt64(1) << 63) - 1, "exceeds the limit"),
        (UInt64(1) << 40, "exceeds the limit"), (UInt64(64 << 20) + 1, "exceeds the limit"),
    ])
    func hugeFrameLengthsAreRefusedAtTheirHeader(length: UInt64, message: String) throws {
        let hello = HostileFrames.frame(opcode: 1, Array(#"{"op":10,"d":{"heartbeat_interval":41250}}"#.utf8))
        let bytes = hello + HostileFrames.header(opcode: 2, length: length) + [UInt8](repeating: 0, count: 64)
        let run = try MeasuredRun.quick(Self.arguments, onFile: Self.hexText(bytes))
        expectHandled(run, "length \(length)")
        #expect(run.status == 65)
        #expect(run.stderr.contains("websocket layer, byte \(hello.count + 2)"), "\(run.stderr)")
        #expect(run.stderr.contains(message), "\(run.stderr)")
        #expect(run.stdout.contains("\"op\":10"), "the HELLO before it is shown")
        #expect(run.elapsed < .seconds(5))
    }

    @Test func invalidUTF8InATextFrameNamesItsByte() throws {
        let payload = Array(#"{"op":0,"d":""#.utf8) + [0xED, 0xA0, 0x80] + Array(#""}"#.utf8)
        let hello = HostileFrames.frame(opcode: 1, Array(#"{"op":11,"d":null}"#.utf8))
        let bytes = hello + HostileFrames.frame(opcode: 1, payload)
        let run = try MeasuredRun.quick(Self.arguments, onFile: Self.hexText(bytes))
        expectHandled(run, "a surrogate in a text frame")
        #expect(run.status == 65)
        // ED starts a valid sequence; A0 is where it stops being one (after ED only 80-9F may follow).
        #expect(run.stderr.contains("websocket layer, byte \(hello.count + 2 + 14): text message is not valid UTF-8"), "\(run.stderr)")
        #expect(run.stdout.contains("\"op\":11"))
    }

    @Test func aBrokenLineInTheMiddleOfAHexdumpNamesIt() throws {
        var lines = try Fixtures.text("decode/frames.xxd").split(separator: "\n").map(String.init)
        lines[10] = String(lines[10].prefix(20)) + "zz" + String(lines[10].dropFirst(22))
        let run = try MeasuredRun.quick(Self.arguments, onFile: Array((lines.joined(separator: "\n") + "\n").utf8))
        expectHandled(run, "a bad digit on line 11")
        #expect(run.status == 65)
        #expect(run.stderr.contains("line 11, column 21"), "\(run.stderr)")
    }
}
