import DiscordGateway
import Foundation
import Testing

/// One run of the built `gatewayctl` binary: its status, output, and the recording it made.
struct GatewayctlRun {
    /// The token the tests hand the binary; it must never appear in what it writes.
    static let token = "NzkyNzE1NDU0MTk2MDg4ODQy.X-hvzA.Ovy4MCQywSkoMRRclStW4xAYK7I"

    var status: Int32
    var stdout: String
    var stderr: String
    var recording: String

    /// The JSON Lines `connect` printed, decoded.
    var lines: [GatewayValue] {
        stdout.split(separator: "\n").compactMap { try? GatewayJSON.decode(Array($0.utf8)) }
    }

    /// The received payloads (`kind: event`) with this opcode.
    func received(op: Int64) -> [GatewayValue] {
        lines.filter { $0["kind"] == "event" && $0["op"] == .integer(op) }
    }

    /// Whether the token appears in stdout, stderr or the recording, with or without its prefix.
    var leaksToken: Bool {
        [stdout, stderr, recording].contains { $0.contains(Self.token) }
    }

    /// Runs `gatewayctl` with `arguments`, the test token in `DISCORD_TOKEN` (unless `environment`
    /// says otherwise) and a recording in a temporary file; kills it after `timeout` seconds.
    /// `whileRunning` runs after the start (to send signals).
    static func run(
        _ arguments: [String], environment: [String: String] = ["DISCORD_TOKEN": token], record: Bool = true,
        timeout: Double = 10, whileRunning: ((Process) -> Void)? = nil
    ) throws -> GatewayctlRun {
        let binary = try #require(GatewayctlBinaryTests.binary, "build gatewayctl first (swift build)")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gatewayctl-live-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outPath = directory.appendingPathComponent("stdout").path
        let errPath = directory.appendingPathComponent("stderr").path
        let recordPath = directory.appendingPathComponent("session.jsonl").path
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)

        let process = Process()
        process.executableURL = binary
        process.arguments = arguments + (record ? ["--record", recordPath] : [])
        process.environment = environment
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        try process.run()
        whileRunning?(process)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            Issue.record("gatewayctl \(arguments.joined(separator: " ")) did not end within \(timeout) s")
        }
        process.waitUntilExit()
        let read = { (path: String) in (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
        return GatewayctlRun(
            status: process.terminationStatus, stdout: read(outPath), stderr: read(errPath), recording: read(recordPath))
    }
}
