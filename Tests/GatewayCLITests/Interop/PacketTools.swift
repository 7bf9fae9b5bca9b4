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

    /// Runs `tool` (its path from ``tshark`` or ``tcpdump``) with `arguments`, to the end.
    static func run(_ tool: URL?, _ arguments: [String]) throws -> CommandRunner.Result {
        guard let tool else {
            Issue.record("tshark or tcpdump is not installed (Scripts/install-wireshark.sh), and GATEWAYCTL_REQUIRE_PACKET_TOOLS=1")
            throw CocoaError(.fileNoSuchFile)
        }
        return try CommandRunner.run(executable: tool, arguments)
    }

    private static func executable(named name: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin", "/usr/bin"] {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }
}
