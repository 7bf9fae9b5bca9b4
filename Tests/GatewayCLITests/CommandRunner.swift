import Foundation

/// Runs the built `gatewayctl` as a user does: real arguments, real files, real standard input,
/// from the repository root so relative sample paths work.
enum CommandRunner {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static var binary: URL? { GatewayctlBinaryTests.binary }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        var lines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init) }
    }

    static func run(_ arguments: [String], stdin: [UInt8]? = nil, environment: [String: String]? = nil) throws -> Result {
        guard let binary else { throw CocoaError(.fileNoSuchFile) }
        return try run(executable: binary, arguments, stdin: stdin, environment: environment)
    }

    /// Runs any program (gatewayctl, tshark, ...) from the repository root to its end.
    static func run(
        executable: URL, _ arguments: [String], stdin: [UInt8]? = nil, environment: [String: String]? = nil
    ) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = repositoryRoot
        if let environment { process.environment = environment }
        let output = Pipe()
        let errors = Pipe()
        let input = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = input
        try process.run()
        // Inputs are small (well under a pipe's buffer), so writing them first cannot block.
        if let stdin { input.fileHandleForWriting.write(Data(stdin)) }
        try input.fileHandleForWriting.close()
        // Standard error is read on another thread, so neither pipe can fill and stall the program.
        let errorData = LockedData()
        let reader = Thread { errorData.set(errors.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errorData.isSet { usleep(1_000) }
        return Result(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: errorData.value, as: UTF8.self))
    }

    static func fixture(_ path: String) throws -> String {
        String(decoding: try Data(contentsOf: repositoryRoot.appendingPathComponent(path)), as: UTF8.self)
    }

    static func bytes(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: repositoryRoot.appendingPathComponent(path)))
    }
}

/// Data written once by a reader thread and read by the test's thread.
private final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data: Data?

    var isSet: Bool { lock.withLock { data != nil } }
    var value: Data { lock.withLock { data ?? Data() } }
    func set(_ value: Data) { lock.withLock { data = value } }
}
