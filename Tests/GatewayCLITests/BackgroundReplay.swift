import DiscordGateway
import Foundation
import Testing

/// `gatewayctl replay` running in the background (paced, or following a file), as a user starts
/// it from the repository root, its output in files: a test can watch what it has printed so far,
/// append to its input meanwhile, and stop it with a signal as Ctrl-C does.
final class BackgroundReplay {
    let process = Process()
    private let directory: URL
    private let outPath: String
    private let errPath: String

    init(_ arguments: [String]) throws {
        let binary = try #require(CommandRunner.binary, "build gatewayctl first (swift build)")
        directory = try Self.temporaryDirectory()
        outPath = directory.appendingPathComponent("stdout").path
        errPath = directory.appendingPathComponent("stderr").path
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = CommandRunner.repositoryRoot
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    /// A new empty directory for a test's files; the caller removes it.
    static func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gatewayctl-replay-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    var stdout: String { (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "" }
    /// The complete JSON Lines printed so far, decoded.
    var lines: [GatewayValue] { Self.decode(stdout) }
    /// The dispatches printed so far, as `s t` strings.
    var dispatches: [String] { Self.dispatches(in: lines) }

    /// The complete lines of JSON Lines `text`, decoded (a line still being written is left out).
    static func decode(_ text: String) -> [GatewayValue] {
        text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            .compactMap { try? GatewayJSON.decode(Array($0.utf8)) }
    }

    /// The dispatches (op 0 events) among `lines`, as `s t` strings.
    static func dispatches(in lines: [GatewayValue]) -> [String] {
        lines.filter { $0["kind"] == "event" && $0["op"] == 0 }.map { line in
            let sequence = line["s"]?.intValue.map(String.init) ?? "-"
            return "\(sequence) \(line["t"]?.stringValue ?? "-")"
        }
    }

    /// Polls until `condition` holds (true) or `timeout` seconds pass (false).
    func waitUntil(timeout: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }

    /// Waits for the exit (killing it after `timeout` seconds, which fails the test); its status.
    func wait(timeout: Double) -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            Issue.record("replay did not end within \(timeout) s")
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Sends `signal` (Ctrl-C's SIGINT by default) and waits for the exit; returns its status.
    func stop(_ signal: Int32 = SIGINT, timeout: Double = 5) -> Int32 {
        if process.isRunning { kill(process.processIdentifier, signal) }
        return wait(timeout: timeout)
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }
}
