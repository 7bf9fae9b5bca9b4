import DiscordGateway
import Foundation
import Testing

/// `gatewayctl replay --follow`, run as a user runs it while another process writes the file:
/// records shown as they are appended, a partial line held back, Ctrl-C ending it, and a file
/// changed under it an error.
@Suite(.enabled(if: CommandRunner.binary != nil)) struct ReplayFollowTests {
    /// The sample's lines, each with its newline.
    static func sampleLines() throws -> [String] {
        try CommandRunner.fixture(ReplayPaceTests.sample).split(separator: "\n").map { $0 + "\n" }
    }

    static func append(_ text: String, to path: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
    }

    @Test func eachRecordIsShownAsItIsAppendedAndCtrlCEndsTheFollow() throws {
        let directory = try BackgroundReplay.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("live.gwcap").path
        let lines = try Self.sampleLines()
        try lines[0].write(toFile: path, atomically: false, encoding: .utf8)
        let replay = try BackgroundReplay(["replay", "--follow", "--summary", "--format", "jsonl", path])
        var expected: [String] = []
        var splitLineShown = false
        for count in 1..<lines.count {
            let now = try RecordingReplay.dispatches(in: lines[...count].joined())
            #expect(replay.dispatches == expected, "before line \(count + 1)")
            if now.count > expected.count && now.count == 3 {
                // The first MESSAGE_CREATE's line arrives in two halves: nothing until the second.
                let line = lines[count]
                let half = line.index(line.startIndex, offsetBy: line.count / 2)
                try Self.append(String(line[..<half]), to: path)
                usleep(600_000)
                #expect(replay.dispatches == expected, "after half of line \(count + 1)")
                #expect(replay.process.isRunning)
                try Self.append(String(line[half...]), to: path)
                splitLineShown = true
            } else {
                try Self.append(lines[count], to: path)
            }
            if now.count > expected.count {
                #expect(replay.waitUntil(timeout: 5) { replay.dispatches == now }, "line \(count + 1): \(replay.dispatches)")
            }
            expected = now
        }
        #expect(splitLineShown)
        #expect(expected.count == 8)
        // The recording is complete, yet a capture has no end record: it goes on following.
        usleep(400_000)
        #expect(replay.process.isRunning)
        #expect(replay.stop() == 130)
        #expect(replay.stderr == "gatewayctl: interrupted\n")
        let summary = try #require(replay.lines.last)
        #expect(summary["kind"] == "summary")
        #expect(summary["connections"] == 2 && summary["events"]?["MESSAGE_CREATE"] == 4, "\(summary)")
        // Everything else is what a replay of the finished file shows.
        let finished = try CommandRunner.run(["replay", "--format", "jsonl", path])
        #expect(Array(replay.lines.dropLast()) == BackgroundReplay.decode(finished.stdout))
    }

    @Test func aRawDumpIsFollowedTheSameWay() throws {
        let directory = try BackgroundReplay.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("live.raw").path
        let dump = try CommandRunner.bytes(ReplayCommandTests.rawDump)
        // The HTTP response and HELLO's frame first, the rest a moment later.
        let first = 200
        try Data(dump[..<first]).write(to: URL(fileURLWithPath: path))
        let replay = try BackgroundReplay(["replay", "--follow", "--format", "jsonl", path])
        let whole = BackgroundReplay.decode(try CommandRunner.fixture(ReplayCommandTests.golden + "session-conn1.raw.jsonl"))
        let events = whole.filter { $0["kind"] == "event" }
        #expect(replay.waitUntil(timeout: 5) { replay.lines.contains { $0["kind"] == "event" } })
        #expect(replay.dispatches.isEmpty)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(dump[first...]))
        try handle.close()
        #expect(replay.waitUntil(timeout: 5) { replay.lines.filter { $0["kind"] == "event" } == events }, "\(replay.stdout)")
        #expect(replay.stop() == 130)
    }

    /// A follow of the whole sample, once all eight of its dispatches were shown.
    func followingTheWholeSample() throws -> (directory: URL, path: String, lines: [String], replay: BackgroundReplay) {
        let directory = try BackgroundReplay.temporaryDirectory()
        let path = directory.appendingPathComponent("live.gwcap").path
        let lines = try Self.sampleLines()
        try lines.joined().write(toFile: path, atomically: false, encoding: .utf8)
        let replay = try BackgroundReplay(["replay", "--follow", "--format", "jsonl", path])
        #expect(replay.waitUntil(timeout: 5) { replay.dispatches.count == 8 })
        return (directory, path, lines, replay)
    }

    @Test func aFileTruncatedUnderTheFollowIsAnError() throws {
        let (directory, path, lines, replay) = try followingTheWholeSample()
        defer { try? FileManager.default.removeItem(at: directory) }
        // The recording starts again: the file is truncated and a new header written.
        try lines[0].write(toFile: path, atomically: false, encoding: .utf8)
        #expect(replay.wait(timeout: 5) == 74)
        let size = lines[0].utf8.count
        let read = lines.joined().utf8.count
        let message = "\(path): was truncated while being followed (it now holds \(size) bytes; \(read) had been read): "
            + "if its recording started again, follow it again from the start"
        #expect(replay.stderr == "gatewayctl: \(message)\n")
        #expect(replay.lines.last?["kind"] == "error" && replay.lines.last?["message"]?.stringValue == message)
    }

    @Test func aFileReplacedUnderTheFollowIsAnError() throws {
        let (directory, path, lines, replay) = try followingTheWholeSample()
        defer { try? FileManager.default.removeItem(at: directory) }
        // Written elsewhere and renamed over it, as an editor saves.
        try lines.joined().write(toFile: path, atomically: true, encoding: .utf8)
        #expect(replay.wait(timeout: 5) == 74)
        #expect(
            replay.stderr
                == "gatewayctl: \(path): was replaced by another file while being followed: if its recording started again, follow it again\n")
    }

    @Test func followRefusesStandardInputAndPacingAndNeedsTheFile() throws {
        let stdin = try CommandRunner.run(["replay", "--follow", "-"], stdin: Array(try CommandRunner.fixture(ReplayPaceTests.sample).utf8))
        #expect(stdin.status == 64)
        #expect(stdin.stderr.hasPrefix(
            "Error: --follow polls a file that is still being written; standard input already streams, so drop --follow\n"))
        for options in [["--realtime"], ["--speed", "2"]] {
            let paced = try CommandRunner.run(["replay", "--follow"] + options + [ReplayPaceTests.sample])
            #expect(paced.status == 64)
            #expect(paced.stderr.hasPrefix(
                "Error: --follow shows records as they are written; it does not go with --realtime or --speed\n"))
        }
        let missing = try CommandRunner.run(["replay", "--follow", "no-such-file.gwcap"])
        #expect(missing.status == 66)
        #expect(missing.stderr == "gatewayctl: no-such-file.gwcap: cannot open: No such file or directory\n")
    }
}
