import DiscordGateway
import Foundation
import Testing

/// `gatewayctl replay --follow` in a second terminal while `gatewayctl connect --record` talks to
/// `gatewayctl serve`, all three the built binary: the live session's dispatches are shown as
/// they are recorded.
@Suite(.serialized) struct FollowLiveTests {
    @Test func replayFollowShowsALiveConnectRecordingAsItIsWritten() throws {
        let directory = try BackgroundReplay.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("session.gwcap").path
        let sample = CommandRunner.repositoryRoot.appendingPathComponent(ReplayPaceTests.sample).path
        // serve plays the sample's dispatches (four MESSAGE_CREATE) to the bot once it identifies.
        let server = try ServeLiveTests.Server(["--capture", sample, "--speed", "0"])
        defer { server.process.terminate() }
        let url = server.url
        let runs = ServeLiveTests.ConcurrentRuns()
        let finished = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            let run = try? GatewayctlRun.run(
                ["connect", url, "--format", "jsonl", "--no-status", "--duration", "6", "--record", path], record: false,
                timeout: 16)
            runs.append(run)
            finished.signal()
        }
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: path) && Date() < deadline { usleep(20_000) }
        let replay = try BackgroundReplay(["replay", "--follow", "--event", "MESSAGE_CREATE", "--format", "jsonl", path])
        #expect(replay.waitUntil(timeout: 10) { replay.dispatches.count == 4 }, "\(replay.stdout)\n\(replay.stderr)")
        // Shown while the session is still live, not after it ended.
        #expect(finished.wait(timeout: .now()) == .timedOut)
        finished.wait()
        let client = try #require(runs.all.first ?? nil)
        #expect(client.status == 0, "\(client.stderr)")
        let received = RecordingReplay.printed(client).filter { $0.hasSuffix(" MESSAGE_CREATE") }
        #expect(received.count == 4)
        #expect(replay.dispatches == received)
        #expect(replay.lines.allSatisfy { $0["kind"] == "event" && $0["t"] == "MESSAGE_CREATE" })
        #expect(replay.stop() == 130)
        #expect(replay.stderr == "gatewayctl: interrupted\n")
    }
}
