import ArgumentParser

/// The `gatewayctl` root command: an inspector and debugger for the Discord gateway.
public struct Gatewayctl: ParsableCommand {
    /// The version `--version` prints and capture headers record.
    public static let version = "0.1.0"

    public static let configuration = CommandConfiguration(
        commandName: "gatewayctl",
        abstract: "Inspect and debug Discord gateway connections.",
        version: version,
        subcommands: []
    )

    public init() {}
}
