import GatewayCodecs

/// The payloads `serve` sends in scenarios: complete enough for real libraries' models, which
/// parse every field Discord documents as required (a channel without `position` stops
/// discord.py's parser, for one).
enum ServeSampleData {
    static let guildID = "1100000000000000001"
    static let channelID = "1100000000000000002"
    static let botUserID = "1000000000000000001"

    /// A text channel of the sample guild.
    static let textChannel: GatewayValue = [
        "id": .string(channelID), "type": 0, "guild_id": .string(guildID), "name": "general", "position": 0,
        "permission_overwrites": [], "nsfw": false, "topic": nil, "last_message_id": nil, "rate_limit_per_user": 0,
        "parent_id": nil,
    ]

    /// The bot as a member of the sample guild.
    static let member: GatewayValue = [
        "user": [
            "id": .string(botUserID), "username": "gatewayctl-bot", "discriminator": "0", "global_name": nil,
            "avatar": nil, "bot": true,
        ],
        "nick": nil, "roles": [], "joined_at": "2025-01-01T00:00:00.000000+00:00", "deaf": false, "mute": false,
        "flags": 0,
    ]

    /// GUILD_CREATE for the sample guild.
    static let guildCreate: GatewayValue = [
        "id": .string(guildID), "name": "gatewayctl test guild", "icon": nil, "splash": nil, "discovery_splash": nil,
        "owner_id": .string(botUserID), "afk_channel_id": nil, "afk_timeout": 300, "verification_level": 0,
        "default_message_notifications": 0, "explicit_content_filter": 0,
        "roles": [
            [
                "id": .string(guildID), "name": "@everyone", "color": 0, "hoist": false, "icon": nil,
                "unicode_emoji": nil, "position": 0, "permissions": "1071698660929", "managed": false,
                "mentionable": false, "flags": 0,
            ]
        ],
        "emojis": [], "stickers": [], "features": [], "mfa_level": 0, "application_id": nil, "system_channel_id": nil,
        "system_channel_flags": 0, "rules_channel_id": nil, "vanity_url_code": nil, "description": nil, "banner": nil,
        "premium_tier": 0, "premium_subscription_count": 0, "preferred_locale": "en-US",
        "public_updates_channel_id": nil, "nsfw_level": 0, "premium_progress_bar_enabled": false,
        "joined_at": "2025-01-01T00:00:00.000000+00:00", "large": false, "unavailable": false, "member_count": 1,
        "members": [member], "channels": [textChannel], "threads": [], "presences": [], "voice_states": [],
        "stage_instances": [], "guild_scheduled_events": [], "soundboard_sounds": [],
    ]

    /// How many unavailable guilds the `large-ready` READY lists.
    static let largeReadyGuilds = 20_000
    /// How many large GUILD_CREATEs follow it, and their size.
    static let largeGuildCount = 4
    static let largeGuildChannels = 2_000
    static let largeGuildMembers = 1_000
    /// Messages of `large-ready` go out in fragments of this size.
    static let largeFragmentSize = 64 << 10

    /// The guild ids of the `large-ready` READY.
    static var largeReadyGuildIDs: [String] {
        (0..<largeReadyGuilds).map { String(1_200_000_000_000_000_000 + $0) }
    }

    /// A GUILD_CREATE of about half a megabyte: many channels and members.
    static func largeGuildCreate(_ index: Int) -> GatewayValue {
        let id = String(1_300_000_000_000_000_000 + index * 100_000)
        let channels: [GatewayValue] = (0..<largeGuildChannels).map { number in
            [
                "id": .string(String(1_300_000_000_000_000_000 + index * 100_000 + 1 + number)), "type": 0,
                "guild_id": .string(id), "name": .string("channel-\(number)"), "position": .integer(Int64(number)),
                "permission_overwrites": [], "nsfw": false, "topic": .string("topic of channel \(number)"),
                "last_message_id": nil, "rate_limit_per_user": 0, "parent_id": nil,
            ]
        }
        let members: [GatewayValue] = (0..<largeGuildMembers).map { number in
            [
                "user": [
                    "id": .string(String(1_400_000_000_000_000_000 + index * 100_000 + number)),
                    "username": .string("member-\(number)"), "discriminator": "0", "global_name": nil, "avatar": nil,
                ],
                "nick": nil, "roles": [], "joined_at": "2025-01-01T00:00:00.000000+00:00", "deaf": false, "mute": false,
                "flags": 0,
            ]
        }
        guard case .object(var guild) = guildCreate else { return guildCreate }
        guild["id"] = .string(id)
        guild["name"] = .string("large guild \(index)")
        guild["roles"] = [
            ["id": .string(id), "name": "@everyone", "color": 0, "hoist": false, "position": 0, "permissions": "0", "managed": false, "mentionable": false, "flags": 0]
        ]
        guild["channels"] = .array(channels)
        guild["members"] = .array(members)
        guild["member_count"] = .integer(Int64(largeGuildMembers))
        guild["large"] = true
        return .object(guild)
    }

    /// A MESSAGE_CREATE in the sample channel.
    static let messageCreate: GatewayValue = [
        "id": "1100000000000000010", "channel_id": .string(channelID), "guild_id": .string(guildID),
        "author": [
            "id": "1100000000000000020", "username": "someone", "discriminator": "0", "global_name": "Someone",
            "avatar": nil,
        ],
        "member": ["roles": [], "joined_at": "2025-01-01T00:00:00.000000+00:00", "deaf": false, "mute": false, "flags": 0],
        "content": "hello from gatewayctl serve", "timestamp": "2025-01-01T00:00:00.000000+00:00",
        "edited_timestamp": nil, "tts": false, "mention_everyone": false, "mentions": [], "mention_roles": [],
        "attachments": [], "embeds": [], "pinned": false, "type": 0, "flags": 0, "components": [],
    ]
}
