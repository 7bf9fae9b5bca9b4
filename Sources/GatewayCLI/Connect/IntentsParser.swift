import Foundation

import DiscordGateway

/// Reads `--intents`: a number (`513`, `0x201`) or names (`GUILDS,GUILD_MESSAGES`, case-insensitive,
/// separated by commas or `|`).
public enum IntentsParser {
    /// The intents `text` names.
    ///
    /// - Throws: ``ConnectError`` naming the unknown name or undocumented bits, and listing the valid names
    ///   with the privileged ones marked.
    public static func parse(_ text: String) throws(ConnectError) -> GatewayIntents {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let number = number(trimmed) {
            let intents = GatewayIntents(rawValue: number)
            guard intents.undocumentedBits == 0 else {
                throw ConnectError(
                    .invalidOption,
                    "intents \(trimmed): bits 0x\(String(intents.undocumentedBits, radix: 16)) are not documented intents; valid intents: \(validNames)",
                    exitStatus: .usage)
            }
            return intents
        }
        var intents: GatewayIntents = []
        for name in trimmed.split(whereSeparator: { $0 == "," || $0 == "|" }) {
            let cleaned = name.trimmingCharacters(in: .whitespaces)
            guard let intent = GatewayIntents(name: cleaned) else {
                throw ConnectError(
                    .invalidOption, "unknown intent \"\(cleaned)\"; valid intents: \(validNames)", exitStatus: .usage)
            }
            intents.insert(intent)
        }
        guard !trimmed.isEmpty else {
            throw ConnectError(.invalidOption, "no intents given; valid intents: \(validNames)", exitStatus: .usage)
        }
        return intents
    }

    /// The privileged intents in `intents`, by name (`GUILD_MEMBERS`, `MESSAGE_CONTENT`, ...).
    public static func privilegedNames(in intents: GatewayIntents) -> [String] {
        intents.intersection(.privileged).names
    }

    /// Every documented name, the privileged ones marked.
    static var validNames: String {
        GatewayIntents.named.map { GatewayIntents.privileged.contains($0.intent) ? "\($0.name) (privileged)" : $0.name }
            .joined(separator: ", ")
    }

    private static func number(_ text: String) -> UInt64? {
        let lowered = text.lowercased()
        if lowered.hasPrefix("0x") { return UInt64(lowered.dropFirst(2), radix: 16) }
        return UInt64(text)
    }
}
