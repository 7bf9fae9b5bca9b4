/// A gateway opcode (`op`). Unknown values are representable, so a new
/// opcode from Discord is delivered as an event instead of failing.
public struct GatewayOpcode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// The numeric opcode.
    public var rawValue: Int

    /// Wraps a numeric opcode.
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// An event was dispatched (server).
    public static let dispatch = GatewayOpcode(rawValue: 0)
    /// Heartbeat: a keep-alive from the client, or the server asking for one now.
    public static let heartbeat = GatewayOpcode(rawValue: 1)
    /// Starts a new session (client).
    public static let identify = GatewayOpcode(rawValue: 2)
    /// Updates the client's presence (client).
    public static let presenceUpdate = GatewayOpcode(rawValue: 3)
    /// Joins, moves or leaves voice channels (client).
    public static let voiceStateUpdate = GatewayOpcode(rawValue: 4)
    /// Resumes a previous session (client).
    public static let resume = GatewayOpcode(rawValue: 6)
    /// The client should reconnect and resume (server).
    public static let reconnect = GatewayOpcode(rawValue: 7)
    /// Requests members of a guild (client).
    public static let requestGuildMembers = GatewayOpcode(rawValue: 8)
    /// The session is invalid; `d` says whether it can be resumed (server).
    public static let invalidSession = GatewayOpcode(rawValue: 9)
    /// Sent right after connecting, with the heartbeat interval (server).
    public static let hello = GatewayOpcode(rawValue: 10)
    /// Acknowledges a heartbeat (server).
    public static let heartbeatACK = GatewayOpcode(rawValue: 11)
    /// Requests soundboard sounds of guilds (client).
    public static let requestSoundboardSounds = GatewayOpcode(rawValue: 31)

    /// The documented name, e.g. `HEARTBEAT_ACK`, or `nil` for an unknown opcode.
    public var name: String? {
        switch rawValue {
        case 0: "DISPATCH"
        case 1: "HEARTBEAT"
        case 2: "IDENTIFY"
        case 3: "PRESENCE_UPDATE"
        case 4: "VOICE_STATE_UPDATE"
        case 6: "RESUME"
        case 7: "RECONNECT"
        case 8: "REQUEST_GUILD_MEMBERS"
        case 9: "INVALID_SESSION"
        case 10: "HELLO"
        case 11: "HEARTBEAT_ACK"
        case 31: "REQUEST_SOUNDBOARD_SOUNDS"
        default: nil
        }
    }

    /// `HELLO (10)`, or `UNKNOWN (42)` for an unknown opcode.
    public var description: String { "\(name ?? "UNKNOWN") (\(rawValue))" }
}
