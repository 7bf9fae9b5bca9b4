import ArgumentParser
import Foundation
import Testing
@testable import CaptureFormats
@testable import GatewayCLI

@Suite struct ProcessExitStatusTests {
    @Test func valuesAreTheSysexitsOnes() {
        let expected: [ProcessExitStatus: Int32] = [
            .ok: 0, .checkFailed: 1, .usage: 64, .dataError: 65, .noInput: 66, .unavailable: 69, .internalError: 70, .cannotCreate: 73, .ioError: 74, .protocolError: 76,
            .authenticationFailed: 77, .configuration: 78, .interrupted: 130, .terminated: 143,
        ]
        #expect(ProcessExitStatus.allCases.count == expected.count)
        for status in ProcessExitStatus.allCases { #expect(status.rawValue == expected[status]) }
    }

    @Test func closeCodesThatNeedTheOperatorHaveTheirOwnStatus() {
        #expect(ProcessExitStatus.forCloseCode(4004) == .authenticationFailed)
        for code in 4010...4014 { #expect(ProcessExitStatus.forCloseCode(code) == .configuration) }
        for code in [1000, 1001, 1006, 3000, 4000, 4001, 4002, 4003, 4005, 4007, 4008, 4009, 4015, 4999] {
            #expect(ProcessExitStatus.forCloseCode(code) == nil)
        }
    }

    struct Unclassified: Error {}

    @Test func errorsMapToTheirStatus() {
        #expect(ProcessExitStatus(for: CaptureError(.malformedRecord, "x")) == .dataError)
        #expect(ProcessExitStatus(for: CaptureError(.invalidRecord, "x")) == .internalError)
        #expect(ProcessExitStatus(for: CaptureError(InputError(.readFailed, path: "f", "x"))) == .ioError)
        #expect(ProcessExitStatus(for: CaptureError(InputError(.cannotOpen, path: "f", "x"))) == .noInput)
        #expect(ProcessExitStatus(for: HexdumpError(.noData, format: .plain, line: 1, column: 1, "x")) == .dataError)
        #expect(ProcessExitStatus(for: CancellationError()) == .interrupted)
        #expect(ProcessExitStatus(for: Unclassified()) == .internalError)
    }

    @Test func theRootCommandLeavesUsageAndHelpToTheParser() {
        #expect(Gatewayctl.outcome(of: ValidationError("bad")) == (nil, nil))
        #expect(Gatewayctl.outcome(of: CleanExit.helpRequest()) == (nil, nil))
        #expect(Gatewayctl.outcome(of: Unclassified()).0 == .internalError)
        let (status, message) = Gatewayctl.outcome(of: CaptureError(.malformedRecord, "bad record", line: 3, offset: 120))
        #expect(status == .dataError)
        #expect(message == "line 3 (byte 120): bad record")
    }
}

/// `gatewayctl` run as a user runs it: the built binary, its real output and status.
@Suite struct GatewayctlBinaryTests {
    static var binary: URL? {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("gatewayctl"),
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent(".build/debug/gatewayctl"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    static func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        guard let binary = Self.binary else { throw CocoaError(.fileNoSuchFile) }
        process.executableURL = binary
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }

    @Test(.enabled(if: binary != nil)) func printsItsVersion() throws {
        let result = try Self.run(["--version"])
        #expect(result.status == 0)
        #expect(result.stdout == "\(Gatewayctl.version)\n")
    }

    @Test(.enabled(if: binary != nil)) func explainsItself() throws {
        let result = try Self.run(["--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("Inspect and debug Discord gateway connections."))
        #expect(result.stdout.contains("USAGE: gatewayctl"))
    }

    @Test(.enabled(if: binary != nil)) func aWrongCommandLineIsAUsageError() throws {
        let result = try Self.run(["--no-such-flag"])
        #expect(result.status == ProcessExitStatus.usage.rawValue)
        #expect(result.stderr.contains("Unknown option '--no-such-flag'"))
    }
}
