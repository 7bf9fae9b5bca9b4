import DiscordGateway
import Foundation
import Testing

/// `connect --keylog` against what Wireshark really does with the file: a tcpdump capture of a
/// TLS session on loopback, decrypted by tshark with the key log, shows the gateway traffic.
@Suite(.enabled(if: CommandRunner.binary != nil && PacketTools.tsharkTestsEnabled && PacketTools.tcpdumpTestsEnabled))
struct KeyLogDecryptionTests {
    @Test func tsharkDecryptsACapturedSessionWithTheKeyLog() throws {
        let server = try FakeGatewayServer(tls: try FakeGatewayServer.tlsContext(), scenario: .init())
        defer { server.shutdown() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keylog-capture-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let keyLog = directory.appendingPathComponent("keys.txt").path
        let capture = try LoopbackCapture(port: server.port, path: directory.appendingPathComponent("session.pcap").path)

        let run = try GatewayctlRun.run([
            "connect", server.url, "--no-status", "--compression", "none", "--max-events", "1", "--format", "jsonl",
            "--ca-file", FakeGatewayServer.certificatePath("test-ca.pem"), "--keylog", keyLog,
        ])
        capture.stop()
        #expect(run.status == 0, "\(run.stderr)")

        // Without the secrets tshark sees TLS and nothing inside it.
        let sealed = try PacketTools.run(PacketTools.tshark, ["-r", capture.path, "-Y", "websocket || http"])
        #expect(sealed.status == 0, "\(sealed.stderr)")
        #expect(sealed.stdout.isEmpty, "\(sealed.stdout)")

        // With them: the upgrade, the 101, and every gateway payload in the clear, in order.
        let fields = [
            "-r", capture.path, "-o", "tls.keylog_file:\(keyLog)", "-Y", "http || websocket.payload.text",
            "-T", "fields", "-E", "separator=|", "-e", "http.request.method", "-e", "http.response.code",
            "-e", "websocket.payload.text",
        ]
        let opened = try PacketTools.run(PacketTools.tshark, fields)
        #expect(opened.status == 0, "\(opened.stderr)")
        let rows = opened.stdout.split(separator: "\n").map { $0.split(separator: "|", omittingEmptySubsequences: false) }
        #expect(rows.first?.first == "GET", "\(opened.stdout)")
        #expect(rows.contains { $0.count > 1 && $0[1] == "101" }, "\(opened.stdout)")
        let texts = rows.compactMap { $0.count > 2 && !$0[2].isEmpty ? String($0[2]) : nil }
        let ops = texts.compactMap { try? GatewayJSON.decode(Array($0.utf8))["op"]?.intValue }
        // HELLO, then our IDENTIFY, then READY: what connect printed, as Wireshark decrypted it.
        #expect(Array(ops.prefix(3)) == [10, 2, 0], "\(texts)")
        let shown = run.lines.filter { $0["kind"] == "event" }.compactMap { $0["op"]?.intValue }
        #expect(shown.first == 10, "\(run.stdout)")
        // The capture holds the token, encrypted, as any capture of a bot does; the key log decrypts
        // it, which is why the file is created for its owner only (and why gatewayctl writes neither
        // unless asked). What gatewayctl itself printed and recorded has no token.
        #expect(texts.contains { $0.contains(GatewayctlRun.token) })
        #expect(!run.leaksToken)

        // The same key log embedded in an export of the session's recording (a Decryption Secrets
        // Block): merged with the real capture by Wireshark's own mergecap, one file opens with the
        // TLS decrypted (no -o) beside the decoded view.
        let recording = directory.appendingPathComponent("session.gwcap").path
        try run.recording.write(toFile: recording, atomically: true, encoding: .utf8)
        let exported = directory.appendingPathComponent("export.pcapng").path
        let export = try CommandRunner.run(["export", "--pcapng", exported, "--keylog", keyLog, recording])
        #expect(export.status == 0, "\(export.stderr)")
        let permissions = try FileManager.default.attributesOfItem(atPath: exported)[.posixPermissions] as? Int
        #expect(permissions == 0o600)
        let merged = directory.appendingPathComponent("merged.pcapng").path
        let mergecap = PacketTools.tshark?.deletingLastPathComponent().appendingPathComponent("mergecap")
        let merge = try PacketTools.run(mergecap, ["-w", merged, exported, capture.path])
        #expect(merge.status == 0, "\(merge.stderr)")
        let both = try PacketTools.run(
            PacketTools.tshark, ["-r", merged, "-Y", "websocket.payload.text", "-T", "fields", "-e", "ip.src", "-e", "tls.record.content_type"])
        #expect(both.status == 0, "\(both.stderr)")
        let sources = both.stdout.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
        // The export's plain packets (10.0.0.x) and the real session's, decrypted (TLS application data, 23).
        #expect(sources.contains { $0.first?.hasPrefix("10.0.0.") == true }, "\(both.stdout)")
        #expect(sources.contains { $0.first == "127.0.0.1" && $0.last?.contains("23") == true }, "\(both.stdout)")
        // Without the block, the real session stays sealed in the merged file.
        let plain = directory.appendingPathComponent("plain.pcapng").path
        #expect(try CommandRunner.run(["export", "--pcapng", plain, recording]).status == 0)
        let mergedPlain = directory.appendingPathComponent("merged-plain.pcapng").path
        #expect(try PacketTools.run(mergecap, ["-w", mergedPlain, plain, capture.path]).status == 0)
        let sealedMerge = try PacketTools.run(
            PacketTools.tshark, ["-r", mergedPlain, "-Y", "websocket.payload.text && ip.src == 127.0.0.1"])
        #expect(sealedMerge.stdout.isEmpty, "\(sealedMerge.stdout)")
    }

    @Test func aKeyLogThatIsNoKeyLogIsRefusedNamingTheLine() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keylog-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let bad = directory.appendingPathComponent("keys.txt").path
        try "# a comment\nCLIENT_RANDOM 00ff 1234\n-----BEGIN PRIVATE KEY-----\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let out = directory.appendingPathComponent("out.pcapng").path
        let refused = try CommandRunner.run(["export", "--pcapng", out, "--keylog", bad, "samples/session.gwcap"])
        #expect(refused.status == 65)
        #expect(refused.stderr.contains("line 3 is not LABEL <client random> <secret>"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
        let missing = try CommandRunner.run(["export", "--pcapng", out, "--keylog", bad + ".none", "samples/session.gwcap"])
        #expect(missing.status == 66, "\(missing.stderr)")
        let alone = try CommandRunner.run(["export", "--har", out, "--keylog", bad, "samples/session.gwcap"])
        #expect(alone.status == 64, "\(alone.stderr)")
    }
}
