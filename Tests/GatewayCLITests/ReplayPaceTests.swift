import DiscordGateway
import Foundation
import Testing
@testable import CaptureFormats
@testable import GatewayCLI

/// `gatewayctl replay --realtime` and `--speed`, run as a user runs them: the recording's pace,
/// the same output as an unpaced replay, bad factors refused, and Ctrl-C stopping cleanly.
@Suite(.enabled(if: CommandRunner.binary != nil)) struct ReplayPaceTests {
    static let sample = "samples/session.gwcap"
    /// The sample's last record's time: its recorded span.
    static let sampleSpan = 95.021

    /// The sample with every record's time scaled so the recording spans `span` seconds, in a
    /// new file in `directory`.
    static func sampleSpanning(_ span: Double, in directory: URL) throws -> String {
        let text = try CommandRunner.fixture(sample)
        let scaled = text.replacing(#/"t":([0-9]+\.[0-9]+)/#) { match in
            let seconds = (Double(match.output.1) ?? 0) * span / sampleSpan
            return "\"t\":" + String(format: "%.6f", seconds)
        }
        let path = directory.appendingPathComponent("spaced.gwcap").path
        try scaled.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Runs `replay` with `arguments` and measures how long it took.
    static func timed(_ arguments: [String]) throws -> (CommandRunner.Result, Duration) {
        let clock = ContinuousClock()
        let start = clock.now
        let result = try CommandRunner.run(arguments)
        return (result, clock.now - start)
    }

    @Test(arguments: [(["--speed", "4"], 0.3), (["--realtime"], 0.6), (["--realtime", "--speed", "2"], 0.3)])
    func aPacedReplayTakesTheRecordedSpanOverTheSpeedAndShowsTheSameOutput(options: [String], seconds: Double) throws {
        let directory = try BackgroundReplay.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // 1.2 s of recorded time at --speed 4 or 2 is 0.3 s; 0.6 s at --realtime is 0.6 s.
        let file = try Self.sampleSpanning(options == ["--realtime"] ? 0.6 : 1.2, in: directory)
        let unpaced = try CommandRunner.run(["replay", "--format", "jsonl", file])
        #expect(unpaced.status == 0)
        let (paced, elapsed) = try Self.timed(["replay", "--format", "jsonl"] + options + [file])
        #expect(paced.status == 0, "\(paced.stderr)")
        #expect(paced.stderr == "")
        #expect(paced.stdout == unpaced.stdout)
        #expect(elapsed >= .milliseconds(Int64(seconds * 1000) - 5), "took \(elapsed)")
        #expect(elapsed < .seconds(seconds + 5), "took \(elapsed)")
    }

    @Test func prettyOutputIsTheSameAtPace() throws {
        let directory = try BackgroundReplay.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = try Self.sampleSpanning(0.4, in: directory)
        let options = ["replay", "--format", "pretty", "--color", "never", "--summary"]
        let unpaced = try CommandRunner.run(options + [file])
        let paced = try CommandRunner.run(options + ["--speed", "2", file])
        #expect(paced.status == 0)
        #expect(paced.stdout == unpaced.stdout)
    }

    @Test(arguments: ["0", "-1", "nan", "-inf", "inf", "1e9", "0.0001"])
    func aSpeedThatIsNotAPositiveFactorIsAUsageError(value: String) throws {
        let result = try CommandRunner.run(["replay", "--speed", value, Self.sample])
        #expect(result.status == 64)
        #expect(result.stdout == "")
        #expect(
            result.stderr.hasPrefix(
                "Error: --speed must be a factor from 0.001 to 1000000 (2 twice as fast, 0.5 half as fast), not "),
            "\(result.stderr)")
    }

    @Test func aRawDumpHasNoTimesSoItIsReplayedAtOnceWithANote() throws {
        let (result, elapsed) = try Self.timed(
            ["replay", "--realtime", "--format", "jsonl", ReplayCommandTests.rawDump])
        #expect(result.status == 0)
        #expect(result.stdout == (try CommandRunner.fixture(ReplayCommandTests.golden + "session-conn1.raw.jsonl")))
        #expect(
            result.stderr
                == "gatewayctl: samples/session-conn1.raw is a raw dump, which records no times: it is replayed at once, not paced\n")
        #expect(elapsed < .seconds(10))
    }

    /// The sample at its own pace shows READY and GUILD_CREATE at once (both before 0.15 s) and
    /// then waits 2.36 s for the next record: they must be on the output during that wait, and a
    /// stop signal then ends the replay at once, with the summary of what was shown.
    @Test(arguments: [(SIGINT, 130, "interrupted"), (SIGTERM, 143, "stopped by SIGTERM")] as [(Int32, Int32, String)])
    func aStopSignalEndsAPacedReplayWithTheOutputAndSummarySoFar(signal: Int32, status: Int32, message: String) throws {
        let replay = try BackgroundReplay(["replay", "--realtime", "--summary", "--format", "jsonl", Self.sample])
        #expect(replay.waitUntil(timeout: 10) { replay.dispatches == ["1 READY", "2 GUILD_CREATE"] }, "\(replay.stdout)")
        let clock = ContinuousClock()
        let signalled = clock.now
        #expect(replay.stop(signal) == status)
        #expect(clock.now - signalled < .seconds(2))
        #expect(replay.stderr == "gatewayctl: \(message)\n")
        let lines = replay.lines
        // Nothing recorded after the signal came is shown: the next MESSAGE_CREATE is at 7.25 s.
        #expect(!replay.dispatches.contains("4 MESSAGE_CREATE"))
        let summary = try #require(lines.last)
        #expect(summary["kind"] == "summary", "\(replay.stdout)")
        #expect(summary["connections"] == 1)
        #expect(summary["events"]?["READY"] == 1 && summary["events"]?["GUILD_CREATE"] == 1)
        #expect(lines.filter { $0["kind"] == "summary" }.count == 1)
    }
}

/// How a paced replay's waits are computed: the gaps over the speed, capped, never backwards.
@Suite struct ReplayPacerTests {
    let start = ContinuousClock.now

    func time(_ seconds: Double) -> CaptureTimeOffset { CaptureTimeOffset(microseconds: Int64(seconds * 1_000_000)) }

    @Test func gapsAreDividedByTheSpeedAndCountedFromWhenTheLastRecordWasDue() {
        var pacer = ReplayPacer(speed: 4, start: start)
        #expect(pacer.wait(before: time(0.4), now: start) == .milliseconds(100))
        // 30 ms spent rendering after the wait are not added to the next one.
        #expect(pacer.wait(before: time(0.8), now: start + .milliseconds(130)) == .milliseconds(70))
    }

    @Test func timeGoingBackwardsIsNotWaitedForAndTheNextGapCountsFromTheLatestTime() {
        var pacer = ReplayPacer(speed: 1, start: start)
        #expect(pacer.wait(before: time(2), now: start) == .seconds(2))
        #expect(pacer.wait(before: time(1), now: start + .seconds(2)) == .zero)
        #expect(pacer.wait(before: time(0), now: start + .seconds(2)) == .zero)
        #expect(pacer.wait(before: time(2.5), now: start + .seconds(2)) == .milliseconds(500))
    }

    @Test func noSingleWaitIsLongerThanTheCap() {
        var pacer = ReplayPacer(speed: 1, start: start)
        #expect(pacer.wait(before: time(3 * 3600), now: start) == ReplayPacer.longestWait)
        var slow = ReplayPacer(speed: 0.001, start: start)
        #expect(slow.wait(before: time(1), now: start) == ReplayPacer.longestWait)
        var extreme = ReplayPacer(speed: 1, start: start)
        #expect(extreme.wait(before: CaptureTimeOffset(microseconds: .max), now: start) == ReplayPacer.longestWait)
        #expect(extreme.wait(before: CaptureTimeOffset(microseconds: .min), now: start) == .zero)
        #expect(ReplayPacer.longestWait == .seconds(60))
    }

    @Test func aReplayFarBehindItsScheduleCountsTheNextGapFromNow() {
        var pacer = ReplayPacer(speed: 1, start: start)
        // Suspended for a minute after the start: the next 1 s gap is waited out, not skipped.
        #expect(pacer.wait(before: time(1), now: start + .seconds(60)) == .seconds(1))
    }
}
