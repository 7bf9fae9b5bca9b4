import Foundation
import Testing

/// Wireshark's `tshark` and `tcpdump`, the real tools the interop tests check gatewayctl's pcap and
/// pcapng files against (Scripts/install-wireshark.sh installs both from Debian's packages).
///
/// Without them the suites that need them are skipped, so `swift test` works on a laptop; CI sets
/// `GATEWAYCTL_REQUIRE_PACKET_TOOLS=1`, and then a missing tool is a failure, not a skip.
enum PacketTools {
    /// `tshark`'s path, when it is installed.
    static let tshark = executable(named: "tshark")
    /// `tcpdump`'s path, when it is installed.
    static let tcpdump = executable(named: "tcpdump")

    /// Whether the environment demands the tools (CI), so their absence must fail.
    static var required: Bool { ProcessInfo.processInfo.environment["GATEWAYCTL_REQUIRE_PACKET_TOOLS"] == "1" }

    /// Whether a suite needing `tshark` runs: it does when tshark is there, and when it is required
    /// (then its first use fails, naming the missing tool).
    static var tsharkTestsEnabled: Bool { tshark != nil || required }
    /// The same for `tcpdump`.
    static var tcpdumpTestsEnabled: Bool { tcpdump != nil || required }

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `tool` (its path from ``tshark`` or ``tcpdump``) with `arguments`, to the end.
    static func run(_ tool: URL?, _ arguments: [String]) throws -> Output {
        guard let tool else {
            Issue.record("tshark or tcpdump is not installed (Scripts/install-wireshark.sh), and GATEWAYCTL_REQUIRE_PACKET_TOOLS=1")
            throw CocoaError(.fileNoSuchFile)
        }
        let process = Process()
        process.executableURL = tool
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read standard error on another thread, so neither pipe can fill and stall the tool.
        let errorData = LockedData()
        let reader = Thread { errorData.set(errors.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errorData.isSet { usleep(1_000) }
        return Output(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: errorData.value, as: UTF8.self))
    }

    private static func executable(named name: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        // Spelled as [String] throughout: `Substring`s plus string literals leave the element type to inference.
        let directories: [String] = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin", "/usr/bin"]
        for directory in directories {
            let candidate = URL(fileURLWithPath: directory).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
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
