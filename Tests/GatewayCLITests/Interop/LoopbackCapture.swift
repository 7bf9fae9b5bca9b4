import Foundation
import Testing

/// A real `tcpdump` capturing one loopback port into a pcap file for the length of a test.
///
/// Started before the traffic and stopped (SIGINT, as a user stops it) after, so the file is
/// complete: tcpdump writes each packet as it sees it (`-U`) and closes the file on the signal.
final class LoopbackCapture {
    /// The pcap file tcpdump writes.
    let path: String
    private let process: Process
    private let errors: URL

    /// Starts tcpdump on `lo` for TCP `port`, writing `path`, and returns once it is capturing
    /// (its standard error says "listening on"), or throws after 10 s. Records an issue when
    /// tcpdump is missing (a suite runs without it only when CI requires it).
    init(port: Int, path: String) throws {
        guard let tcpdump = PacketTools.tcpdump else {
            Issue.record("tcpdump is not installed (Scripts/install-wireshark.sh), and GATEWAYCTL_REQUIRE_PACKET_TOOLS=1")
            throw CocoaError(.fileNoSuchFile)
        }
        self.path = path
        errors = URL(fileURLWithPath: path + ".stderr")
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        process = Process()
        process.executableURL = tcpdump
        // -Z root: tcpdump otherwise drops to its own user, which may not write the test's directory.
        process.arguments = ["-i", "lo", "-U", "-n", "-Z", "root", "-w", path, "tcp port \(port)"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        while !stderr.contains("listening on") {
            guard process.isRunning, Date() < deadline else {
                stop()
                throw CaptureFailed(message: "tcpdump did not start capturing: \(stderr)")
            }
            usleep(10_000)
        }
    }

    /// What tcpdump said on standard error.
    var stderr: String { (try? String(contentsOf: errors, encoding: .utf8)) ?? "" }

    /// Stops the capture and waits for tcpdump to end. SIGINT is how a user stops it, but a test
    /// runner may start its children with SIGINT blocked, so SIGTERM and then SIGKILL follow, each
    /// after a bounded wait; with `-U` every packet is already in the file, which pcap closes with
    /// no trailer, so even SIGKILL leaves it complete.
    func stop() {
        for signal in [SIGINT, SIGTERM, SIGKILL] where process.isRunning {
            kill(process.processIdentifier, signal)
            let deadline = Date().addingTimeInterval(2)
            while process.isRunning && Date() < deadline { usleep(10_000) }
        }
        process.waitUntilExit()
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: errors)
    }

    struct CaptureFailed: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}
