import Foundation
import Testing

/// A real tcpdump on loopback while `gatewayctl connect` talks to `gatewayctl serve`: replaying
/// the file shows the payloads connect printed, and never the token. Needs root (or capture
/// rights); CI makes it mandatory with GATEWAYCTL_REQUIRE_PACKET_TOOLS=1.
@Suite(.serialized, .enabled(if: PacketTools.tcpdumpTestsEnabled && CommandRunner.binary != nil))
struct ReplayPacketCaptureLiveTests {
    @Test func aLiveTcpdumpCaptureReplaysWhatConnectSaw() throws {
        let server = try ServeLiveTests.Server(["--scenario", "normal", "--heartbeat-interval", "250", "--timeout", "10"])
        let port = try #require(server.port)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pcap-live-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let dump = try LoopbackCapture(port: Int(port), path: directory.appendingPathComponent("live.pcap").path)
        let capture = dump.path

        let client = try GatewayctlRun.run(
            ["connect", server.url + "/?v=10&encoding=json&compress=zlib-stream", "--format", "jsonl", "--no-status", "--duration", "1"],
            record: false, timeout: 15)
        _ = server.wait(timeout: 15)
        dump.stop()

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
