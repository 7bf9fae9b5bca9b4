/// The gateway intents sent in IDENTIFY: which groups of events the session receives.
///
/// Values follow Discord's "Gateway Intents" list. Privileged intents
/// (``guildMembers``, ``guildPresences``, ``messageContent``) must also be
/// enabled for the application in the developer portal, or the gateway closes
/// with 4014.
public struct GatewayIntents: OptionSet, Sendable, Hashable, CustomStringConvertible {
    /// The bit field.
    public var rawValue: UInt64

    /// Wraps a bit field.
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// Guild create/update/delete, roles, channels, threads, stage instances.
    public static let guilds = GatewayIntents(rawValue: 1 << 0)
    /// Member add/update/remove (privileged).
    public static let guildMembers = GatewayIntents(rawValue: 1 << 1)
    /// Bans and audit log entries.
    public static let guildModeration = GatewayIntents(rawValue: 1 << 2)
    /// Emoji, sticker and soundboard updates.
    public static let guildExpressions = GatewayIntents(rawValue: 1 << 3)
    /// Integration updates.
    public static let guildIntegrations = GatewayIntents(rawValue: 1 << 4)
    /// Webhook updates.
    public static let guildWebhooks = GatewayIntents(rawValue: 1 << 5)
    /// Invite create/delete.
    public static let guildInvites = GatewayIntents(rawValue: 1 << 6)
    /// Voice state updates and voice channel effects.
    public static let guildVoiceStates = GatewayIntents(rawValue: 1 << 7)
    /// Presence updates (privileged).
    public static let guildPresences = GatewayIntents(rawValue: 1 << 8)
    /// Guild messages.
    public static let guildMessages = GatewayIntents(rawValue: 1 << 9)
    /// Guild message reactions.
    public static let guildMessageReactions = GatewayIntents(rawValue: 1 << 10)
    /// Typing in guilds.
    public static let guildMessageTyping = GatewayIntents(rawValue: 1 << 11)
    /// Direct messages.
    public static let directMessages = GatewayIntents(rawValue: 1 << 12)
    /// Direct message reactions.
    public static let directMessageReactions = GatewayIntents(rawValue: 1 << 13)
    /// Typing in direct messages.
    public static let directMessageTyping = GatewayIntents(rawValue: 1 << 14)
    /// Message content in events (privileged).
    public static let messageContent = GatewayIntents(rawValue: 1 << 15)
    /// Scheduled events.
    public static let guildScheduledEvents = GatewayIntents(rawValue: 1 << 16)
    /// Auto moderation rule changes.
    public static let autoModerationConfiguration = GatewayIntents(rawValue: 1 << 20)
    /// Auto moderation actions.
    public static let autoModerationExecution = GatewayIntents(rawValue: 1 << 21)
    /// Polls in guilds.
    public static let guildMessagePolls = GatewayIntents(rawValue: 1 << 24)
    /// Polls in direct messages.
    public static let directMessagePolls = GatewayIntents(rawValue: 1 << 25)

    /// The intents that need approval in the developer portal.
    public static let privileged: GatewayIntents = [.guildMembers, .guildPresences, .messageContent]

    /// Every documented intent with its name as Discord writes it, in bit order.
    public static let named: [(name: String, intent: GatewayIntents)] = [
        ("GUILDS", .guilds), ("GUILD_MEMBERS", .guildMembers), ("GUILD_MODERATION", .guildModeration),
        ("GUILD_EXPRESSIONS", .guildExpressions), ("GUILD_INTEGRATIONS", .guildIntegrations),
        ("GUILD_WEBHOOKS", .guildWebhooks), ("GUILD_INVITES", .guildInvites),
        ("GUILD_VOICE_STATES", .guildVoiceStates), ("GUILD_PRESENCES", .guildPresences),
        ("GUILD_MESSAGES", .guildMessages), ("GUILD_MESSAGE_REACTIONS", .guildMessageReactions),
        ("GUILD_MESSAGE_TYPING", .guildMessageTyping), ("DIRECT_MESSAGES", .directMessages),
        ("DIRECT_MESSAGE_REACTIONS", .directMessageReactions), ("DIRECT_MESSAGE_TYPING", .directMessageTyping),
        ("MESSAGE_CONTENT", .messageContent), ("GUILD_SCHEDULED_EVENTS", .guildScheduledEvents),
        ("AUTO_MODERATION_CONFIGURATION", .autoModerationConfiguration),
        ("AUTO_MODERATION_EXECUTION", .autoModerationExecution), ("GUILD_MESSAGE_POLLS", .guildMessagePolls),
        ("DIRECT_MESSAGE_POLLS", .directMessagePolls),
    ]

    /// Every documented intent together.
    public static let all = GatewayIntents(named.map(\.intent))

    /// The intent with this name (case-insensitive, `GUILD_MESSAGES` or `guild_messages`), or `nil`.
    public init?(name: String) {
        let wanted = name.uppercased()
        guard let match = Self.named.first(where: { $0.name == wanted }) else { return nil }
        self = match.intent
    }

    /// The names of the documented intents in this set, in bit order.
    public var names: [String] {
        Self.named.filter { contains($0.intent) }.map(\.name)
    }

    /// Bits set here that no documented intent uses.
    public var undocumentedBits: UInt64 { rawValue & ~Self.all.rawValue }

    /// `GUILDS|GUILD_MESSAGES (513)`.
    public var description: String {
        var parts = names
        if undocumentedBits != 0 { parts.append("0x" + String(undocumentedBits, radix: 16)) }
        return "\(parts.isEmpty ? "none" : parts.joined(separator: "|")) (\(rawValue))"
    }
}
