import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs the built `gatewayctl` as a child process and measures it: its exit status or the
/// signal that killed it, wall time, and peak resident memory.
///
/// The peak comes from GNU time (`/usr/bin/time -f %M`, the child's `ru_maxrss`), which
/// measures the child alone, whatever other tests allocate in this process meanwhile. It
/// cannot be read from a child spawned directly: Linux carries the spawning process's peak
/// into a child's `ru_maxrss` across `exec`, and this test process is far larger than
/// `gatewayctl`; `time` is small. Without it, ``peakResidentBytes`` is nil.
///
/// A child still running at the deadline is killed with its process group, so a hang fails
/// the test instead of stalling the suite. Output goes to files, so a chatty child never
/// blocks on a pipe.
struct MeasuredRun {
    /// The exit status, or nil when a signal ended the process.
    var status: Int32?
    /// The signal that ended the process, if one did.
    var signal: Int32?
    /// Whether the process was killed for running past the deadline.
    var timedOut: Bool
    var elapsed: Duration
    /// The child's peak resident set size in bytes, when GNU time is there to measure it.
    var peakResidentBytes: Int?
    var stdout: String
    var stderr: String

    /// The program that measures a child's peak memory.
    static let timeProgram = "/usr/bin/time"

    /// The lines of standard output (each ends in `\n`).
    var lines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init) }

    /// Whether it ended by itself, with no signal, no hang and no Swift runtime trap on standard error.
    var endedNormally: Bool {
        signal == nil && !timedOut && !stderr.contains("Fatal error") && !stderr.contains("Backtrace")
            && !stderr.contains("Crash") && !stderr.contains("Illegal instruction")
    }

    struct LaunchError: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `gatewayctl arguments` (paths in them absolute), standard input from `stdinPath`
    /// (or empty), killing it after `timeout`; under GNU time when `measuresMemory`.
    static func gatewayctl(
        _ arguments: [String], stdinPath: String = "/dev/null", timeout: Duration = .seconds(20), measuresMemory: Bool = true
    ) throws -> MeasuredRun {
        guard let binary = CommandRunner.binary else { throw LaunchError(description: "gatewayctl is not built") }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("measured-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outPath = directory.appendingPathComponent("stdout").path
        let errPath = directory.appendingPathComponent("stderr").path
        let timePath = directory.appendingPathComponent("time").path
        let measures = measuresMemory && FileManager.default.isExecutableFile(atPath: timeProgram)
        let command = (measures ? [timeProgram, "-f", "%M", "-o", timePath] : []) + [binary.path] + arguments

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdinPath, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        // A process group of its own, so a timeout kills `time` and gatewayctl together.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)

        let argv = command.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let clock = ContinuousClock()
        let start = clock.now
        let spawned = posix_spawn(&pid, command[0], &actions, &attributes, argv, environ)
        guard spawned == 0 else { throw LaunchError(description: "posix_spawn failed: \(spawned)") }

        var rawStatus: Int32 = 0
        var timedOut = false
        while true {
            let waited = waitpid(pid, &rawStatus, WNOHANG)
            if waited == pid { break }
            if waited < 0 && errno != EINTR { throw LaunchError(description: "waitpid failed: \(errno)") }
            if clock.now - start > timeout && !timedOut {
                timedOut = true
                kill(-pid, SIGKILL)
            }
            usleep(2_000)
        }
        let elapsed = clock.now - start
        // WIFEXITED / WTERMSIG are macros Swift cannot import: the low 7 bits are the signal.
        var signalNumber = rawStatus & 0x7F
        var peak: Int?
        if measures {
            // "Command terminated by signal 11" (or "exited with non-zero status 65"), then the peak in KiB.
            let report = (try? String(contentsOfFile: timePath, encoding: .utf8)) ?? ""
            for line in report.split(separator: "\n") {
                if line.hasPrefix("Command terminated by signal "), let number = Int32(line.split(separator: " ").last ?? "") {
                    signalNumber = number
                } else if let kibibytes = Int(line) {
                    peak = kibibytes * 1024
                }
            }
        }
        return MeasuredRun(
            status: signalNumber == 0 ? (rawStatus >> 8) & 0xFF : nil,
            signal: signalNumber == 0 ? nil : signalNumber,
            timedOut: timedOut, elapsed: elapsed, peakResidentBytes: peak,
            stdout: String(decoding: (try? Data(contentsOf: URL(fileURLWithPath: outPath))) ?? Data(), as: UTF8.self),
            stderr: String(decoding: (try? Data(contentsOf: URL(fileURLWithPath: errPath))) ?? Data(), as: UTF8.self))
    }

    /// Runs `gatewayctl arguments` on `input` written to a temporary file whose path is the last argument.
    static func gatewayctl(
        _ arguments: [String], onFile input: [UInt8], name: String = "input.bin", measuresMemory: Bool = true
    ) throws -> MeasuredRun {
        try withTemporaryPath(name) { path in
            try Data(input).write(to: URL(fileURLWithPath: path))
            return try gatewayctl(arguments + [path], measuresMemory: measuresMemory)
        }
    }

    /// The same without measuring memory, for the many short runs of the hostile-input tests.
    static func quick(_ arguments: [String], onFile input: [UInt8], name: String = "input.bin") throws -> MeasuredRun {
        try gatewayctl(arguments, onFile: input, name: name, measuresMemory: false)
    }
}

extension MeasuredRun: CustomStringConvertible {
    var description: String {
        "status \(status.map(String.init) ?? "-"), signal \(signal.map(String.init) ?? "-")"
            + (timedOut ? ", killed after a timeout" : "") + ", \(elapsed), peak \(peakResidentBytes.map { "\($0 >> 20) MiB" } ?? "unknown"); "
            + "stderr: \(stderr.prefix(300))"
    }
}
