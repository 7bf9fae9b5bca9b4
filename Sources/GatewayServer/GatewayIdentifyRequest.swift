import DiscordGateway
import GatewayCodecs

/// An IDENTIFY as a client sent it, checked against Discord's rules.
///
/// The token is kept only as whether it was accepted: events carry this value to
/// renderers, and a token must never reach output.
public struct GatewayIdentifyRequest: Sendable, Hashable {
    /// The intents asked for.
    public var intents: GatewayIntents
    /// `properties`: os, browser, device.
    public var properties: GatewayConnectionProperties
    /// `[id, count]`, when the bot shards.
    public var shard: GatewayShard?
    /// `large_threshold`, when given (50...250).
    public var largeThreshold: Int?
    /// Whether it asked for payload compression (`compress: true`).
    public var payloadCompression: Bool
    /// Whether a presence was given.
    public var hasPresence: Bool

    /// Reads and checks IDENTIFY's `d`.
    /// - Returns: the request, or the rule it breaks with the close code Discord uses for it.
    static func check(_ data: GatewayValue, configuration: GatewayServerConfiguration) -> Result<
        GatewayIdentifyRequest, GatewayServerViolation
    > {
        func refuse(_ code: GatewayCloseCode, _ message: String) -> Result<GatewayIdentifyRequest, GatewayServerViolation> {
            .failure(GatewayServerViolation(code: code, message: "IDENTIFY: " + message))
        }
        guard case .object = data else { return refuse(.decodeError, "d is not an object") }
        guard let token = data["token"]?.stringValue, !token.isEmpty else {
            return refuse(.authenticationFailed, "no token")
        }
        if let accepted = configuration.acceptedTokens, !accepted.contains(token) {
            return refuse(.authenticationFailed, "the token is not one this server accepts")
        }
        guard let intentBits = data["intents"]?.uint64Value else {
            return refuse(.decodeError, "intents is missing or not a non-negative integer")
        }
        let intents = GatewayIntents(rawValue: intentBits)
        let unknown = intents.subtracting(.all)
        if !unknown.isEmpty { return refuse(.invalidIntents, "intents \(intentBits) has undocumented bits \(unknown.rawValue)") }
        if !configuration.allowsPrivilegedIntents, !intents.intersection(.privileged).isEmpty {
            return refuse(.disallowedIntents, "privileged intents \(intents.intersection(.privileged)) are not enabled")
        }
        guard let properties = data["properties"], case .object = properties,
            let os = properties["os"]?.stringValue, let browser = properties["browser"]?.stringValue,
            let device = properties["device"]?.stringValue
        else {
            return refuse(.decodeError, "properties must be an object with os, browser and device strings")
        }
        var shard: GatewayShard?
        if let value = data["shard"], !value.isNull {
            guard case .array(let pair) = value, pair.count == 2, let id = pair[0].intValue, let count = pair[1].intValue
            else { return refuse(.decodeError, "shard is not [id, count]") }
            guard count > 0, id >= 0, id < count else { return refuse(.invalidShard, "shard [\(id), \(count)] is not 0 <= id < count") }
            shard = GatewayShard(id: id, count: count)
        }
        if let required = configuration.requiredShardCount, shard?.count != required {
            return refuse(.shardingRequired, "this bot must use \(required) shards")
        }
        var largeThreshold: Int?
        if let value = data["large_threshold"], !value.isNull {
            guard let threshold = value.intValue, (50...250).contains(threshold) else {
                return refuse(.decodeError, "large_threshold must be an integer from 50 to 250")
            }
            largeThreshold = threshold
        }
        var payloadCompression = false
        if let value = data["compress"], !value.isNull {
            guard let flag = value.boolValue else { return refuse(.decodeError, "compress is not a boolean") }
            payloadCompression = flag
        }
        return .success(
            GatewayIdentifyRequest(
                intents: intents, properties: GatewayConnectionProperties(os: os, browser: browser, device: device),
                shard: shard, largeThreshold: largeThreshold, payloadCompression: payloadCompression,
                hasPresence: !(data["presence"]?.isNull ?? true)))
    }
}
