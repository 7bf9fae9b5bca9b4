/// The `properties` of IDENTIFY: what the client says about itself.
public struct GatewayConnectionProperties: Sendable, Hashable {
    /// The operating system, e.g. `linux`.
    public var os: String
    /// The library name, e.g. `swift-discord-gateway`.
    public var browser: String
    /// The library name again (Discord's convention for bots).
    public var device: String

    /// Creates properties; Discord's current field names carry no `$` prefix.
    public init(os: String, browser: String = "swift-discord-gateway", device: String = "swift-discord-gateway") {
        self.os = os
        self.browser = browser
        self.device = device
    }

    var value: GatewayValue { ["os": .string(os), "browser": .string(browser), "device": .string(device)] }
}

/// One shard of a sharded bot: `[id, count]` in IDENTIFY.
public struct GatewayShard: Sendable, Hashable, CustomStringConvertible {
    /// This connection's shard, `0..<count`.
    public var id: Int
    /// The total number of shards.
    public var count: Int

    /// Creates a shard; ``GatewayConnection`` checks `0 <= id < count` before sending.
    public init(id: Int, count: Int) {
        self.id = id
        self.count = count
    }

    /// The shard that receives a guild's events: `(guild_id >> 22) % count`.
    public static func shardID(forGuild guildID: UInt64, shardCount: Int) -> Int {
        guard shardCount > 0 else { return 0 }
        return Int((guildID >> 22) % UInt64(shardCount))
    }

    /// The IDENTIFY rate-limit bucket of this shard: `id % maxConcurrency`. Shards of one bucket
    /// identify one at a time; `max_concurrency` buckets may identify every 5 seconds.
    public func bucket(maxConcurrency: Int) -> Int {
        guard maxConcurrency > 0 else { return id }
        return id % maxConcurrency
    }

    /// `id/count`, e.g. `0/4`.
    public var description: String { "\(id)/\(count)" }
}

/// An activity shown in a presence.
public struct GatewayActivity: Sendable, Hashable {
    /// The activity's name.
    public var name: String
    /// 0 playing, 1 streaming, 2 listening, 3 watching, 4 custom, 5 competing.
    public var type: Int
    /// The stream URL (type 1 only).
    public var url: String?
    /// The custom status text (type 4) or party state.
    public var state: String?

    /// Creates an activity.
    public init(name: String, type: Int = 0, url: String? = nil, state: String? = nil) {
        self.name = name
        self.type = type
        self.url = url
        self.state = state
    }

    var value: GatewayValue {
        var object: GatewayObject = ["name": .string(name), "type": GatewayValue(type)]
        if let url { object["url"] = .string(url) }
        if let state { object["state"] = .string(state) }
        return .object(object)
    }
}

/// A presence: the `d` of PRESENCE_UPDATE, or `presence` in IDENTIFY.
public struct GatewayPresence: Sendable, Hashable {
    /// `online`, `dnd`, `idle`, `invisible` or `offline`.
    public var status: String
    /// Activities to show.
    public var activities: [GatewayActivity]
    /// Whether the client is AFK.
    public var afk: Bool
    /// Unix time in milliseconds since the client went idle, or `nil`.
    public var since: Int64?

    /// The statuses Discord accepts.
    public static let statuses = ["online", "dnd", "idle", "invisible", "offline"]

    /// Creates a presence.
    public init(status: String = "online", activities: [GatewayActivity] = [], afk: Bool = false, since: Int64? = nil) {
        self.status = status
        self.activities = activities
        self.afk = afk
        self.since = since
    }

    var value: GatewayValue {
        [
            "since": since.map { GatewayValue($0) } ?? .null,
            "activities": .array(activities.map(\.value)),
            "status": .string(status),
            "afk": .bool(afk),
        ]
    }

    func validate() throws(GatewaySendError) {
        guard Self.statuses.contains(status) else {
            throw GatewaySendError(
                .invalidArgument,
                "presence status \"\(status)\" is not one of \(Self.statuses.joined(separator: ", "))")
        }
    }
}

/// The `d` of IDENTIFY, the token aside: everything that starts a new session.
public struct GatewayIdentify: Sendable, Hashable {
    /// The bot token, with or without the `Bot ` prefix (the gateway takes it either way).
    public var token: String
    /// The intents to subscribe to.
    public var intents: GatewayIntents
    /// What the client says about itself.
    public var properties: GatewayConnectionProperties
    /// Members above which a guild counts as large (50...250), or `nil` for Discord's default (50).
    public var largeThreshold: Int?
    /// The shard, or `nil` for an unsharded bot.
    public var shard: GatewayShard?
    /// The initial presence, or `nil`.
    public var presence: GatewayPresence?

    /// Creates an IDENTIFY payload. Payload compression (`compress`) is filled in from the connection's configuration.
    public init(
        token: String, intents: GatewayIntents, properties: GatewayConnectionProperties,
        largeThreshold: Int? = nil, shard: GatewayShard? = nil, presence: GatewayPresence? = nil
    ) {
        self.token = token
        self.intents = intents
        self.properties = properties
        self.largeThreshold = largeThreshold
        self.shard = shard
        self.presence = presence
    }

    func value(payloadCompression: Bool) throws(GatewaySendError) -> GatewayValue {
        guard !token.isEmpty else { throw GatewaySendError(.invalidArgument, "the token is empty") }
        var object: GatewayObject = [
            "token": .string(token),
            "intents": GatewayValue(intents.rawValue),
            "properties": properties.value,
        ]
        if payloadCompression { object["compress"] = .bool(true) }
        if let largeThreshold {
            guard (50...250).contains(largeThreshold) else {
                throw GatewaySendError(.invalidArgument, "large_threshold \(largeThreshold) is outside 50...250")
            }
            object["large_threshold"] = GatewayValue(largeThreshold)
        }
        if let shard {
            guard shard.count >= 1, shard.id >= 0, shard.id < shard.count else {
                throw GatewaySendError(.invalidArgument, "shard \(shard) needs a count of at least 1 and 0 <= id < count")
            }
            object["shard"] = [GatewayValue(shard.id), GatewayValue(shard.count)]
        }
        if let presence {
            try presence.validate()
            object["presence"] = presence.value
        }
        return .object(object)
    }
}

/// The `d` of VOICE_STATE_UPDATE: join, move or leave a voice channel.
public struct GatewayVoiceStateUpdate: Sendable, Hashable {
    /// The guild.
    public var guildID: UInt64
    /// The channel to join, or `nil` to disconnect.
    public var channelID: UInt64?
    /// Whether the client is muted.
    public var selfMute: Bool
    /// Whether the client is deafened.
    public var selfDeaf: Bool

    /// Creates a voice state update.
    public init(guildID: UInt64, channelID: UInt64?, selfMute: Bool = false, selfDeaf: Bool = false) {
        self.guildID = guildID
        self.channelID = channelID
        self.selfMute = selfMute
        self.selfDeaf = selfDeaf
    }

    var value: GatewayValue {
        [
            "guild_id": .string(String(guildID)),
            "channel_id": channelID.map { .string(String($0)) } ?? .null,
            "self_mute": .bool(selfMute),
            "self_deaf": .bool(selfDeaf),
        ]
    }
}

/// The `d` of REQUEST_GUILD_MEMBERS.
public struct GatewayRequestGuildMembers: Sendable, Hashable {
    /// Whom to ask for.
    public enum Selection: Sendable, Hashable {
        /// Members whose username starts with the text (empty: everyone), at most `limit` (0: no limit).
        case query(String, limit: Int)
        /// These members (at most 100).
        case userIDs([UInt64])
    }

    /// The guild.
    public var guildID: UInt64
    /// Whom to ask for.
    public var selection: Selection
    /// Whether to include presences.
    public var presences: Bool
    /// A nonce (at most 32 bytes) echoed in the GUILD_MEMBERS_CHUNK replies.
    public var nonce: String?

    /// Creates a request.
    public init(guildID: UInt64, selection: Selection, presences: Bool = false, nonce: String? = nil) {
        self.guildID = guildID
        self.selection = selection
        self.presences = presences
        self.nonce = nonce
    }

    func value() throws(GatewaySendError) -> GatewayValue {
        var object: GatewayObject = ["guild_id": .string(String(guildID))]
        switch selection {
        case .query(let query, let limit):
            guard limit >= 0 else { throw GatewaySendError(.invalidArgument, "limit \(limit) is negative") }
            object["query"] = .string(query)
            object["limit"] = GatewayValue(limit)
        case .userIDs(let ids):
            guard !ids.isEmpty, ids.count <= 100 else {
                throw GatewaySendError(.invalidArgument, "user_ids must hold 1 to 100 ids, not \(ids.count)")
            }
            object["user_ids"] = .array(ids.map { .string(String($0)) })
        }
        if presences { object["presences"] = .bool(true) }
        if let nonce {
            guard nonce.utf8.count <= 32 else {
                throw GatewaySendError(.invalidArgument, "nonce is \(nonce.utf8.count) bytes; at most 32 are allowed")
            }
            object["nonce"] = .string(nonce)
        }
        return .object(object)
    }
}
