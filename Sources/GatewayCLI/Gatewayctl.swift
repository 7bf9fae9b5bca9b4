import ArgumentParser
import Foundation

/// The `gatewayctl` root command: an inspector and debugger for the Discord gateway.
public struct Gatewayctl: ParsableCommand {
    /// The version `--version` prints and capture headers record.
    public static let version = "0.1.0"

    public static let configuration = CommandConfiguration(
        commandName: "gatewayctl",
        abstract: "Inspect and debug Discord gateway connections.",
        version: version,
        subcommands: [
            ConnectCommand.self, ReplayCommand.self, DecodeCommand.self, HandshakeCommand.self, ServeCommand.self, ProxyCommand.self,
            ExportCommand.self,
        ]
    )

    public init() {}

    /// Parses `arguments`, runs the chosen command, and exits with its ``ProcessExitStatus``.
    ///
    /// Errors that know their status print `gatewayctl: <description>` on
    /// standard error; usage errors, `--help` and `--version` are left to the
    /// argument parser (statuses 64 and 0); anything else is an internal error (70).
    public static func runAndExit(arguments: [String]) -> Never {
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
            Foundation.exit(ProcessExitStatus.ok.rawValue)
        } catch {
            let (status, message) = outcome(of: error)
            guard let status, let message else { exit(withError: error) }
            FileHandle.standardError.write(Data("gatewayctl: \(message)\n".utf8))
            Foundation.exit(status.rawValue)
        }
    }

    /// The status and message for `error`, or `nil`s when the argument parser should report it.
    static func outcome(of error: any Error) -> (ProcessExitStatus?, String?) {
        if error is any ExitStatusReporting || error is CancellationError {
            return (ProcessExitStatus(for: error), String(describing: error))
        }
        let parserStatus = exitCode(for: error).rawValue
        if parserStatus == ProcessExitStatus.ok.rawValue || parserStatus == ProcessExitStatus.usage.rawValue {
            return (nil, nil)
        }
        return (.internalError, "internal error: \(message(for: error))")
    }
}
