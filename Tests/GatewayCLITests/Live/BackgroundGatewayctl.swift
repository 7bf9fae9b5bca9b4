import DiscordGateway
import Foundation
import Testing

/// A `gatewayctl` subcommand that listens (`serve`, `proxy`) running in the background with
/// `--port 0 --format jsonl`, its output in files, its URLs read from its `listening` line.
/// It is stopped with SIGTERM when released (and killed if it does not end).
class BackgroundGatewayctl {
    let process = Process()
    let subcommand: String
    let directory: URL
    let outPath: String
    let errPath: String
    /// The gateway URL it listens at (`ws://` or `wss://`).
    private(set) var url = ""
    /// Its REST base (`http://HOST:PORT/api/v10`).
    private(set) var rest = ""

    init(_ subcommand: String, _ arguments: [String], environment: [String: String] = [:]) throws {
        let binary = try #require(GatewayctlBinaryTests.binary, "build gatewayctl first (swift build)")
        self.subcommand = subcommand
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("gatewayctl-\(subcommand)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        outPath = directory.appendingPathComponent("stdout").path
        errPath = directory.appendingPathComponent("stderr").path
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        process.executableURL = binary
        process.arguments = [subcommand, "--port", "0", "--format", "jsonl"] + arguments
        process.environment = environment
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        while url.isEmpty && Date() < deadline && process.isRunning {
            if let listening = lines.first(where: { $0["kind"] == "listening" }), let gateway = listening["gateway"]?.stringValue {
                url = gateway
                rest = listening["rest"]?.stringValue ?? ""
            } else {
                usleep(20_000)
            }
        }
        if url.isEmpty { Issue.record("\(subcommand) printed no listening line: \(stderr)") }
    }

    var stdout: String { (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "" }
    var lines: [GatewayValue] {
        stdout.split(separator: "\n").compactMap { try? GatewayJSON.decode(Array($0.utf8)) }
    }
    /// The info lines' messages, in order.
    var messages: [String] { lines.filter { $0["kind"] == "info" }.compactMap { $0["message"]?.stringValue } }
    /// The error lines.
    var errors: [GatewayValue] { lines.filter { $0["kind"] == "error" } }
    /// serve's judgements.
    var verdicts: [GatewayValue] { lines.filter { $0["kind"] == "verdict" } }
    /// The port it listens on.
    var port: UInt16? { url.split(separator: ":").last.flatMap { UInt16($0) } }

    /// Waits for the process to exit (killing it after `timeout` seconds); returns its status.
    func wait(timeout: Double) -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            Issue.record("\(subcommand) did not finish within \(timeout) s")
            end()
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Sends `signal` (SIGTERM by default) and waits for the exit; returns its status.
    func stop(_ signal: Int32 = SIGTERM, timeout: Double = 5) -> Int32 {
        if process.isRunning { kill(process.processIdentifier, signal) }
        return wait(timeout: timeout)
    }

    /// SIGTERM, then SIGKILL when it is still there a few seconds later.
    private func end() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    deinit {
        end()
        try? FileManager.default.removeItem(at: directory)
    }
}
