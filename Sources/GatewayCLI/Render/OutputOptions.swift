import ArgumentParser
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How `replay` and `decode` print what they find.
public enum OutputFormat: String, Sendable, Hashable, CaseIterable, ExpressibleByArgument {
    /// Lines for people, `d` pretty-printed, optionally colored.
    case pretty
    /// One compact JSON object per line: a stable interface for scripts (docs/jsonl-output.md).
    case jsonl
}

/// When to color pretty output.
public enum ColorMode: String, Sendable, Hashable, CaseIterable, ExpressibleByArgument {
    /// When standard output is a terminal and `NO_COLOR` is unset or empty.
    case auto
    /// Always (an explicit request wins over `NO_COLOR`).
    case always
    /// Never.
    case never
}

/// The output flags shared by the commands that render frames and payloads.
public struct OutputOptions: ParsableArguments {
    @Option(help: "Output format: pretty or jsonl (default: pretty on a terminal, jsonl otherwise).")
    public var format: OutputFormat?

    @Option(help: "Color pretty output: auto, always or never (auto honours NO_COLOR; GATEWAYCTL_COLORS sets JSON's colors as JQ_COLORS does jq's).")
    public var color: ColorMode = .auto

    @Flag(
        name: [.customShort("v"), .long],
        help: "Also show the raw detail behind errors (connect, handshake, proxy) and the address, TLS and certificate (connect, handshake).")
    public var verbose = false

    public init() {}

    /// The format and whether to color, given where standard output goes and the environment.
    public func resolved(
        standardOutputIsTerminal: Bool = isatty(STDOUT_FILENO) == 1,
        noColor: String? = getenv("NO_COLOR").map { String(cString: $0) }
    ) -> (format: OutputFormat, colors: Bool) {
        let chosen = format ?? (standardOutputIsTerminal ? .pretty : .jsonl)
        guard chosen == .pretty else { return (chosen, false) }
        let colors: Bool
        switch color {
        case .always: colors = true
        case .never: colors = false
        case .auto: colors = standardOutputIsTerminal && (noColor ?? "").isEmpty
        }
        if colors, let problem = JSONColors.fromEnvironment().problem {
            FileHandle.standardError.write(Data("gatewayctl: warning: \(problem)\n".utf8))
        }
        return (chosen, colors)
    }
}
