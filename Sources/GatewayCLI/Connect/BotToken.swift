import Foundation

/// The bot token, read only from the environment and never shown.
///
/// `description` is redacted so that interpolating the token by mistake
/// cannot leak it into output, logs or errors.
public struct BotToken: Sendable, Hashable, CustomStringConvertible {
    /// The token as sent in IDENTIFY and RESUME: with the `Bot ` prefix.
    public let value: String
    /// The variable it came from, for messages.
    public let variable: String

    /// Reads the token from the environment variable `variable` (of `environment`).
    ///
    /// - Throws: ``ConnectError`` (exit 78) when the variable is missing or empty.
    public init(variable: String, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(ConnectError)
    {
        let raw = (environment[variable] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !raw.isEmpty else {
            throw ConnectError(
                .missingToken,
                "no bot token: the environment variable \(variable) is \(environment[variable] == nil ? "not set" : "empty") (set it, or name another with --token-env)",
                exitStatus: .configuration)
        }
        self.value = raw.hasPrefix("Bot ") ? raw : "Bot " + raw
        self.variable = variable
    }

    /// The strings a recording must never contain: the token with and without its prefix.
    public var secrets: [String] {
        [value, String(value.dropFirst("Bot ".count))]
    }

    public var description: String { "[token from \(variable)]" }
}
