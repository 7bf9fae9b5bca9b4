/// A WebSocket close code as Discord's gateway uses it, with what it means for reconnecting.
///
/// The table follows Discord's "Gateway Close Event Codes"
/// (https://discord.com/developers/docs/topics/opcodes-and-status-codes#gateway-gateway-close-event-codes).
/// Codes outside the table, including every 1xxx and 3xxx code, count as
/// reconnectable and resumable: a connection that ended for an unknown
/// reason is worth another try.
public struct GatewayCloseCode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// The numeric close code.
    public var rawValue: UInt16

    /// Wraps a numeric close code.
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// 1000: normal closure. Sent by the client, it ends the session.
    public static let normalClosure = GatewayCloseCode(rawValue: 1000)
    /// 1001: going away. Sent by the client, it ends the session.
    public static let goingAway = GatewayCloseCode(rawValue: 1001)
    /// 4000: "We're not sure what went wrong. Try reconnecting?"
    public static let unknownError = GatewayCloseCode(rawValue: 4000)
    /// 4001: the client sent an invalid opcode or an invalid payload for an opcode.
    public static let unknownOpcode = GatewayCloseCode(rawValue: 4001)
    /// 4002: the client sent an invalid payload (or one over 4096 bytes).
    public static let decodeError = GatewayCloseCode(rawValue: 4002)
    /// 4003: the client sent a payload before identifying.
    public static let notAuthenticated = GatewayCloseCode(rawValue: 4003)
    /// 4004: the token in IDENTIFY is wrong.
    public static let authenticationFailed = GatewayCloseCode(rawValue: 4004)
    /// 4005: the client sent more than one IDENTIFY.
    public static let alreadyAuthenticated = GatewayCloseCode(rawValue: 4005)
    /// 4007: the sequence sent with RESUME was invalid.
    public static let invalidSequence = GatewayCloseCode(rawValue: 4007)
    /// 4008: the client sent payloads too quickly.
    public static let rateLimited = GatewayCloseCode(rawValue: 4008)
    /// 4009: the session timed out.
    public static let sessionTimedOut = GatewayCloseCode(rawValue: 4009)
    /// 4010: the shard in IDENTIFY was invalid.
    public static let invalidShard = GatewayCloseCode(rawValue: 4010)
    /// 4011: the session would handle too many guilds; sharding is required.
    public static let shardingRequired = GatewayCloseCode(rawValue: 4011)
    /// 4012: the gateway version is invalid.
    public static let invalidAPIVersion = GatewayCloseCode(rawValue: 4012)
    /// 4013: the intents value is invalid.
    public static let invalidIntents = GatewayCloseCode(rawValue: 4013)
    /// 4014: an intent is not enabled or approved for this application (privileged intents).
    public static let disallowedIntents = GatewayCloseCode(rawValue: 4014)

    /// Whether a new connection may be made after the server closed with this code.
    ///
    /// `false` only for 4004 and 4010-4014, which no retry can fix.
    public var canReconnect: Bool {
        switch rawValue {
        case 4004, 4010...4014: false
        default: true
        }
    }

    /// Whether the session survives a server close with this code, so the next connection may RESUME.
    public var canResume: Bool {
        switch rawValue {
        case 4001, 4003, 4004, 4005, 4007, 4009, 4010...4014: false
        default: true
        }
    }

    /// The documented name, e.g. `AUTHENTICATION_FAILED`, or `nil` when not in Discord's or RFC 6455's table.
    public var name: String? { Self.table[rawValue]?.name }

    /// What the code means and, for a fatal one, what to fix.
    public var explanation: String {
        Self.table[rawValue]?.explanation
            ?? (rawValue >= 4000 && rawValue <= 4999
                ? "an undocumented gateway close code; reconnecting is allowed"
                : "a WebSocket close code outside Discord's table; reconnecting is allowed")
    }

    /// `AUTHENTICATION_FAILED (4004)`, or `4321` for an unnamed code.
    public var description: String {
        if let name { return "\(name) (\(rawValue))" }
        return String(rawValue)
    }

    private static let table: [UInt16: (name: String, explanation: String)] = [
        1000: ("NORMAL_CLOSURE", "the connection was closed normally"),
        1001: ("GOING_AWAY", "the endpoint is going away"),
        1002: ("PROTOCOL_ERROR", "a WebSocket protocol error"),
        1003: ("UNSUPPORTED_DATA", "a message of an unsupported type arrived"),
        1005: ("NO_STATUS_RECEIVED", "the close frame carried no status code"),
        1006: ("ABNORMAL_CLOSURE", "the connection dropped without a close frame"),
        1007: ("INVALID_PAYLOAD_DATA", "a text message was not valid UTF-8"),
        1008: ("POLICY_VIOLATION", "a message violated the peer's policy"),
        1009: ("MESSAGE_TOO_BIG", "a message was too big to process"),
        1011: ("INTERNAL_ERROR", "the server hit an unexpected condition"),
        1012: ("SERVICE_RESTART", "the server is restarting"),
        1013: ("TRY_AGAIN_LATER", "the server is overloaded; try again later"),
        4000: ("UNKNOWN_ERROR", "Discord is not sure what went wrong; reconnect and resume"),
        4001: ("UNKNOWN_OPCODE", "the client sent an invalid opcode or payload for an opcode; reconnect and identify"),
        4002: ("DECODE_ERROR", "a payload could not be decoded (or exceeded 4096 bytes); reconnect and resume"),
        4003: ("NOT_AUTHENTICATED", "a payload was sent before IDENTIFY; reconnect and identify"),
        4004: ("AUTHENTICATION_FAILED", "the token is invalid: fix the token, do not reconnect"),
        4005: ("ALREADY_AUTHENTICATED", "IDENTIFY was sent twice; reconnect and identify"),
        4007: ("INVALID_SEQ", "RESUME carried an invalid sequence; reconnect and identify"),
        4008: ("RATE_LIMITED", "payloads were sent too quickly; reconnect and resume"),
        4009: ("SESSION_TIMED_OUT", "the session timed out; reconnect and identify"),
        4010: ("INVALID_SHARD", "the shard in IDENTIFY is invalid: fix the shard id/count, do not reconnect"),
        4011: ("SHARDING_REQUIRED", "the bot is in too many guilds for one connection: use sharding, do not reconnect"),
        4012: ("INVALID_API_VERSION", "the gateway version is invalid: fix the v= parameter, do not reconnect"),
        4013: ("INVALID_INTENTS", "the intents value is invalid: fix the intents, do not reconnect"),
        4014: ("DISALLOWED_INTENTS",
            "a privileged intent is not enabled for this application: enable it in the developer portal or remove it, do not reconnect"),
    ]
}
