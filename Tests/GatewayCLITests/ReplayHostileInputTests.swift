import Foundation
import Testing
@testable import GatewayCLI

/// `gatewayctl replay` on damaged copies of the samples and on bytes that were never a
/// recording: every run ends by itself with 0 or 65, names the offset of a fault, and
/// still prints everything the intact input printed before the fault.
@Suite(.enabled(if: CommandRunner.binary != nil)) struct ReplayHostileInputTests {
    static let recording = "samples/session.gwcap"
    static let rawDump = "samples/session-conn1.raw"
    static let framesDump = "samples/session-conn1-frames.raw"

    /// A sample and the arguments that replay it.
    struct Sample: CustomTestStringConvertible, Sendable {
        var path: String
        var arguments: [String]
        var testDescription: String { path }
    }

    static let rawDumps = [
        Sample(path: rawDump, arguments: ["replay", "--format", "jsonl"]),
        Sample(path: framesDump, arguments: ["replay", "--format", "jsonl", "--no-handshake"]),
    ]

    static func intact(_ sample: Sample) throws -> (bytes: [UInt8], output: IntactReplay) {
        let bytes = try CommandRunner.bytes(sample.path)
        let run = try MeasuredRun.quick(sample.arguments, onFile: bytes)
        try #require(run.status == 0, "\(run)")
        return (bytes, IntactReplay(lines: OutputLine.parse(run), inputSize: bytes.count))
    }

    // MARK: Not a recording at all

    @Test func emptyInputIsAnErrorAtByteZero() throws {
        for arguments in [["replay"], ["replay", "--no-handshake"], ["replay", "--format", "jsonl"]] {
            let run = try MeasuredRun.quick(arguments, onFile: [])
            expectHandled(run, "empty, \(arguments)")
            #expect(run.status == 65)
            #expect(run.stderr.contains("byte 0"))
        }
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func randomBytesEndCleanly(seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        let response = Array("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: x\r\n\r\n".utf8)
        for size in [1, 64, 1000, 65_536] {
            let noise = random.bytes(size)
            let cases: [(String, [String], [UInt8])] = [
                ("detected", ["replay", "--format", "jsonl"], noise),
                ("--no-handshake", ["replay", "--format", "jsonl", "--no-handshake"], noise),
                ("after a 101", ["replay", "--format", "jsonl"], response + noise),
                ("as a capture line", ["replay", "--format", "jsonl"],
                    Array(try CommandRunner.fixture(Self.recording).split(separator: "\n")[0].utf8) + [0x0A] + noise),
            ]
            for (label, arguments, bytes) in cases {
                let run = try MeasuredRun.quick(arguments, onFile: bytes)
                expectHandled(run, "seed \(seed), \(size) random bytes \(label)")
            }
        }
    }

    // MARK: Truncation

    @Test(arguments: rawDumps)
    func aDumpCutAnywhereShowsWhatCameBefore(sample: Sample) throws {
        let (bytes, intact) = try Self.intact(sample)
        let frames = intact.frames
        let boundaries = Set([0] + frames.map(\.start) + frames.map(\.end))
        // Every frame boundary and the bytes around it, and a spread of offsets inside frames.
        var cuts = boundaries.flatMap { [$0 - 1, $0, $0 + 1] }.filter { $0 >= 0 && $0 <= bytes.count }
        cuts += stride(from: 0, to: bytes.count, by: 23)
        for cut in Set(cuts).sorted() {
            let run = try MeasuredRun.quick(sample.arguments, onFile: Array(bytes.prefix(cut)))
            expectHandled(run, "\(sample.path) cut at \(cut)")
            let lines = OutputLine.parse(run)
            let shared = commonPrefixCount(lines, intact.lines)
            #expect(shared >= intact.linesBefore(rawDumpFault: cut), "\(sample.path) cut at \(cut): \(run.stdout)")
            if cut == bytes.count {
                #expect(run.status == 0)
            } else if let first = frames.first, cut > first.start, boundaries.contains(cut) {
                // Cut between frames: the connection ended there (dropped, or closing after RECONNECT), not an error.
                #expect(run.status == 0, "\(sample.path) cut at \(cut): \(run)")
                #expect(lines.last?.kind == "close", "\(sample.path) cut at \(cut): \(run.stdout)")
            } else if let first = frames.first, cut > first.start {
                // Cut inside a frame: corrupt, at the cut.
                #expect(run.status == 65, "\(sample.path) cut at \(cut): \(run)")
                #expect(run.stderr.contains("byte \(cut)"), "\(sample.path) cut at \(cut): \(run.stderr)")
                #expect(lines.last?.offset == cut)
            } else if let first = frames.first, cut > 0, cut < first.start {
                // Cut inside the HTTP response.
                #expect(run.status == 65, "\(sample.path) cut at \(cut): \(run)")
            }
        }
    }

    @Test func aCaptureCutAnywhereShowsWhatCameBefore() throws {
        let bytes = try CommandRunner.bytes(Self.recording)
        let arguments = ["replay", "--format", "jsonl"]
        let full = try MeasuredRun.quick(arguments, onFile: bytes, name: "full.gwcap")
        let intact = IntactReplay(lines: OutputLine.parse(full), inputSize: bytes.count)
        let lineStarts = [0] + bytes.indices.filter { bytes[$0] == 0x0A }.map { $0 + 1 }.filter { $0 < bytes.count }
        let records = CaptureLines(bytes)
        for (number, start) in lineStarts.enumerated() {
            let length = records.length(ofLineAt: number)
            for inside in Set([0, length / 2]).sorted() {
                let cut = start + inside
                let run = try MeasuredRun.quick(arguments, onFile: Array(bytes.prefix(cut)), name: "cut.gwcap")
                let label = "cut at \(cut) (line \(number + 1) + \(inside))"
                expectHandled(run, label)
                let lines = OutputLine.parse(run)
                #expect(commonPrefixCount(lines, intact.lines) >= intact.linesBefore(captureTime: records.time(ofLine: number)), "\(label)")
                if number == 0 {
                    // Nothing, or the header cut short: no capture to replay.
                    #expect(run.status == 65, "\(label): \(run)")
                } else if inside == 0 {
                    #expect(run.status == 0, "\(label): \(run)")
                    #expect(!run.stdout.contains("warning"))
                } else {
                    // The last line cut short while recording: a warning naming it, not an error.
                    #expect(run.status == 0, "\(label): \(run)")
                    #expect(run.stdout.contains("warning: line \(number + 1) (byte \(start))"), "\(label): \(run.stdout)")
                }
            }
        }
    }

    // MARK: Single-byte damage

    @Test(arguments: rawDumps)
    func aDumpWithAFlippedByteShowsWhatCameBefore(sample: Sample) throws {
        let (bytes, intact) = try Self.intact(sample)
        var random = SeededGenerator(seed: 0xF11B)
        for index in stride(from: 0, to: bytes.count, by: 9) {
            var damaged = bytes
            damaged[index] ^= 1 << UInt8(random.next() % 8)
            let run = try MeasuredRun.quick(sample.arguments, onFile: damaged)
            let label = "\(sample.path), bit flipped in byte \(index)"
            expectHandled(run, label)
            let lines = OutputLine.parse(run)
            #expect(commonPrefixCount(lines, intact.lines) >= intact.linesBefore(rawDumpFault: index), "\(label): \(run.stdout)")
            // A fault is never reported before the frame the damage is in.
            if run.status == 65, let offset = lines.last?.offset,
                let frame = intact.frames.first(where: { $0.start <= index && index < $0.end })
            {
                #expect(offset >= frame.start, "\(label): \(run.stderr)")
            }
        }
    }

    @Test func aCaptureWithAFlippedByteShowsWhatCameBefore() throws {
        let bytes = try CommandRunner.bytes(Self.recording)
        let arguments = ["replay", "--format", "jsonl"]
        let full = try MeasuredRun.quick(arguments, onFile: bytes, name: "full.gwcap")
        let intact = IntactReplay(lines: OutputLine.parse(full), inputSize: bytes.count)
        let records = CaptureLines(bytes)
        var random = SeededGenerator(seed: 0xCAB7)
        for index in stride(from: 0, to: bytes.count, by: 41) {
            var damaged = bytes
            damaged[index] ^= 1 << UInt8(random.next() % 8)
            let run = try MeasuredRun.quick(arguments, onFile: damaged, name: "flipped.gwcap")
            let label = "bit flipped in byte \(index) (line \(records.line(containing: index) + 1))"
            expectHandled(run, label)
            let required = intact.linesBefore(captureTime: records.time(ofLine: records.line(containing: index)))
            #expect(commonPrefixCount(OutputLine.parse(run), intact.lines) >= required, "\(label): \(run.stdout)")
        }
    }

    // MARK: Hostile content

    /// A dump with HELLO, then `frame`: the HELLO is shown and the frame refused where it says so.
    static func dump(then frame: [UInt8]) throws -> (bytes: [UInt8], frameStart: Int) {
        let response = Array("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: x\r\n\r\n".utf8)
        let hello = HostileFrames.frame(opcode: 1, Array(#"{"op":10,"d":{"heartbeat_interval":41250}}"#.utf8))
        return (response + hello + frame, response.count + hello.count)
    }

    @Test(arguments: [
        (UInt64(1) << 63, "most significant bit set"), (UInt64.max, "most significant bit set"),
        ((UInt64(1) << 63) - 1, "exceeds the limit"), (UInt64(1) << 40, "exceeds the limit"),
        (UInt64(64 << 20) + 1, "exceeds the limit"),
    ])
    func hugeFrameLengthsAreRefusedAtTheirHeader(length: UInt64, message: String) throws {
        let header = HostileFrames.header(opcode: 2, length: length) + [UInt8](repeating: 0x78, count: 100)
        let (bytes, frameStart) = try Self.dump(then: header)
        for (arguments, input, start) in [
            (["replay", "--format", "jsonl"], bytes, frameStart),
            (["replay", "--format", "jsonl", "--no-handshake"], header, 0),
        ] {
            let run = try MeasuredRun.quick(arguments, onFile: input)
            expectHandled(run, "length \(length)")
            #expect(run.status == 65)
            #expect(run.stderr.contains(message), "\(run.stderr)")
            #expect(run.stderr.contains("byte \(start + 2)"), "the length field's offset: \(run.stderr)")
            #expect(run.elapsed < .seconds(5))
            if start > 0 { #expect(run.stdout.contains("\"op\":10")) }
        }
    }

    @Test(arguments: [
        ("a stray byte", [0xFF] as [UInt8]),
        ("an overlong slash", [0xC0, 0xAF]),
        ("a surrogate", [0xED, 0xA0, 0x80]),
        ("a code point past U+10FFFF", [0xF4, 0x90, 0x80, 0x80]),
        ("a sequence cut short", [0xE2, 0x82]),
    ])
    func invalidUTF8InATextFrameNamesItsByte(name: String, bad: [UInt8]) throws {
        let payload = Array(#"{"op":0,"t":"X","s":1,"d":""#.utf8) + bad + Array(#""}"#.utf8)
        let badAt = payload.firstIndex(of: bad[0]) ?? 0
        // Whole, and split over two fragments with the bad byte in the second.
        let whole = HostileFrames.frame(opcode: 1, payload)
        let fragmented =
            HostileFrames.frame(opcode: 1, Array(payload[..<badAt]), fin: false)
            + HostileFrames.frame(opcode: 0, Array(payload[badAt...]))
        for frames in [whole, fragmented] {
            let (bytes, frameStart) = try Self.dump(then: frames)
            let run = try MeasuredRun.quick(["replay", "--format", "jsonl"], onFile: bytes)
            expectHandled(run, name)
            #expect(run.status == 65)
            #expect(run.stderr.contains("not valid UTF-8"), "\(name): \(run.stderr)")
            #expect(run.stdout.contains("\"op\":10"), "HELLO, before the fault, is shown")
            let offset = try #require(OutputLine.parse(run).last?.offset)
            #expect(offset >= frameStart && offset <= bytes.count, "\(name): \(offset)")
        }
    }

    @Test(arguments: [
        ("not JSON", "garbage"),
        ("a JSON object cut short", #"{"type":"chunk","dir":"in""#),
        ("bad base64", #"{"type":"chunk","dir":"in","t":2.6,"conn":1,"data":"!!!!"}"#),
        ("an unknown direction", #"{"type":"chunk","dir":"up","t":2.6,"conn":1,"data":""}"#),
        ("a second header", #"{"type":"header","format":"gatewayctl-capture","version":1}"#),
        ("a huge connection number", #"{"type":"chunk","dir":"in","t":2.6,"conn":99999999999999999999999,"data":""}"#),
        ("a time of 1e300 seconds", #"{"type":"chunk","dir":"in","t":1e300,"conn":1,"data":""}"#),
        ("a negative time", #"{"type":"chunk","dir":"in","t":-1.0,"conn":1,"data":""}"#),
        ("a NUL byte", "\u{0}"),
        ("nesting a million deep", #"{"type":"chunk","x":"# + String(repeating: "[", count: 1_000_000) + "}"),
    ])
    func aBrokenRecordInTheMiddleNamesItsLine(name: String, record: String) throws {
        var lines = try CommandRunner.fixture(Self.recording).split(separator: "\n").map(String.init)
        let full = try MeasuredRun.quick(["replay", "--format", "jsonl"], onFile: Array(try CommandRunner.bytes(Self.recording)))
        let intact = IntactReplay(lines: OutputLine.parse(full), inputSize: 0)
        let records = CaptureLines(try CommandRunner.bytes(Self.recording))
        lines[12] = record
        let run = try MeasuredRun.quick(
            ["replay", "--format", "jsonl"], onFile: Array((lines.joined(separator: "\n") + "\n").utf8), name: "broken.gwcap")
        expectHandled(run, name)
        #expect(run.status == 65, "\(name): \(run)")
        #expect(run.stderr.contains("line 13"), "\(name): \(run.stderr)")
        #expect(run.elapsed < .seconds(5))
        #expect(commonPrefixCount(OutputLine.parse(run), intact.lines) >= intact.linesBefore(captureTime: records.time(ofLine: 12)))
        #expect(run.stdout.contains("\"t\":\"MESSAGE_CREATE\""), "the events before line 13 are shown")
    }
}
