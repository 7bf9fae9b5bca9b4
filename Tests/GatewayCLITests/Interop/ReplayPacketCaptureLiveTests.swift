import Foundation
import Testing

/// A real tcpdump on loopback while `gatewayctl connect` talks to `gatewayctl serve`: replaying
/// the file shows the payloads connect printed, and never the token. Needs root (or capture
/// rights); CI makes it mandatory with GATEWAYCTL_REQUIRE_PACKET_TOOLS=1.
@Suite(.serialized, .enabled(if: PacketTools.tcpdumpTestsEnabled && CommandRunner.binary != nil))
struct ReplayPacketCaptureLiveTests {
    @Test func aLiveTcpdumpCaptureReplaysWhatConnectSaw() throws {
        let tcpdump = try #require(PacketTools.tcpdump, "tcpdump is not installed (Scripts/install-wireshark.sh)")
        let server = try ServeLiveTests.Server(["--scenario", "normal", "--heartbeat-interval", "250", "--timeout", "10"])
        let port = try #require(server.port)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pcap-live-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let capture = directory.appendingPathComponent("live.pcap").path
        let errors = directory.appendingPathComponent("tcpdump.err").path
        _ = FileManager.default.createFile(atPath: errors, contents: nil)

        let dump = Process()
        dump.executableURL = tcpdump
        dump.arguments = ["-i", "lo", "-U", "-w", capture, "tcp port \(port)"]
        dump.standardOutput = FileHandle.nullDevice
        dump.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errors))
        try dump.run()
        defer { if dump.isRunning { dump.terminate() } }
        // Bounded wait until tcpdump says it is capturing.
        let deadline = Date().addingTimeInterval(10)
        var listening = false
        while !listening && dump.isRunning && Date() < deadline {
            listening = ((try? String(contentsOfFile: errors, encoding: .utf8)) ?? "").contains("listening on")
            if !listening { usleep(20_000) }
        }
        try #require(listening, "tcpdump did not start capturing: \((try? String(contentsOfFile: errors, encoding: .utf8)) ?? "")")

        let client = try GatewayctlRun.run(
            ["connect", server.url + "/?v=10&encoding=json&compress=zlib-stream", "--format", "jsonl", "--no-status", "--duration", "1"],
            record: false, timeout: 15)
        _ = server.wait(timeout: 15)
        // SIGINT ends a capture cleanly; a test runner may hand its children SIGINT blocked, so
        // SIGTERM (which tcpdump also ends on, flushing the file) follows when it is ignored.
        for signal in [SIGINT, SIGTERM, SIGKILL] where dump.isRunning {
            kill(dump.processIdentifier, signal)
            let stopBy = Date().addingTimeInterval(5)
            while dump.isRunning && Date() < stopBy { usleep(20_000) }
        }
        #expect(!dump.isRunning)

        let replay = try CommandRunner.run(["replay", "--format", "jsonl", capture])
        #expect(replay.status == 0, "\(replay.stderr)")
        let shown = try ReplayPacketCaptureTests.payloads(replay.lines)
        let printed = try ReplayPacketCaptureTests.payloads(client.stdout.split(separator: "\n").map(String.init))
        #expect(shown.filter { $0.hasPrefix("event") } == printed.filter { $0.hasPrefix("event") })
        #expect(shown.filter { $0.hasPrefix("sent") } == printed.filter { $0.hasPrefix("sent") })
        #expect(shown.contains("sent 2 - -"))
        #expect(!replay.stdout.contains(GatewayctlRun.token) && !replay.stderr.contains(GatewayctlRun.token))
    }
}
