import DiscordGateway

/// A built-in way of making the gateway misbehave, and what a bot must do about it.
enum Scenario: Sendable, Hashable {
    /// Identify, GUILD_CREATE, heartbeats on time with the first one jittered.
    case normal
    /// RECONNECT (op 7): close with a resumable code, RESUME with the session and sequence.
    case reconnect
    /// INVALID_SESSION `false`: wait 1-5 s, IDENTIFY anew.
    case invalidSession
    /// INVALID_SESSION `true`: RESUME.
    case invalidSessionResumable
    /// Heartbeats stop being acknowledged: close with a resumable code and RESUME.
    case zombie
    /// HEARTBEAT (op 1) from the server: answer at once.
    case serverHeartbeat
    /// The TCP connection is cut without a close frame: RESUME.
    case drop
    /// The server closes with this code: RESUME, IDENTIFY, or stay away, as the code says.
    case close(GatewayCloseCode)
    /// The steps of a `--script` file.
    case script(ServeScript)
    /// RECONNECT, then HELLO comes `slowHelloDelay` after the upgrade: wait for it, then RESUME.
    case slowHello
    /// INVALID_SESSION, then a multi-megabyte READY and GUILD_CREATE burst, fragmented: take it
    /// and heartbeat its last sequence.
    case largeReady
    /// One rate window (60 s) watched: at most 120 payloads; a bot that sends more is closed
    /// with 4008, as Discord closes it, and must RESUME.
    case rateLimit

    /// How long `slow-hello` holds HELLO back.
    static let slowHelloDelay: Duration = .seconds(5)

    /// The close codes that have a `close-CODE` scenario: Discord's 4000-4014.
    static let closeCodes: [UInt16] = [4000, 4001, 4002, 4003, 4004, 4005, 4007, 4008, 4009, 4010, 4011, 4012, 4013, 4014]

    /// Every scenario in the order `all` runs them: the ones after which a bot stays away last.
    static let all: [Scenario] =
        [
            .normal, .serverHeartbeat, .reconnect, .invalidSessionResumable, .invalidSession, .largeReady, .slowHello, .rateLimit,
            .zombie, .drop,
        ]
        + closeCodes.map { .close(GatewayCloseCode(rawValue: $0)) }.sorted { $0.keepsBotAway == false && $1.keepsBotAway }

    /// The name `--scenario` takes.
    var name: String {
        switch self {
        case .normal: "normal"
        case .reconnect: "reconnect"
        case .invalidSession: "invalid-session"
        case .invalidSessionResumable: "invalid-session-resumable"
        case .zombie: "zombie"
        case .serverHeartbeat: "server-heartbeat"
        case .drop: "drop"
        case .close(let code): "close-\(code.rawValue)"
        case .largeReady: "large-ready"
        case .slowHello: "slow-hello"
        case .rateLimit: "rate-limit"
        case .script(let script): script.name
        }
    }

    /// One line for `--list-scenarios`.
    var summary: String {
        switch self {
        case .normal: "a plain session: IDENTIFY well formed, heartbeats on time, the first one jittered"
        case .reconnect: "RECONNECT (op 7): close with a resumable code, RESUME the session at the last sequence"
        case .invalidSession: "INVALID_SESSION false: wait 1-5 s, then IDENTIFY anew"
        case .invalidSessionResumable: "INVALID_SESSION true: RESUME"
        case .zombie: "heartbeats stop being acknowledged: close with a resumable code and RESUME"
        case .serverHeartbeat: "HEARTBEAT (op 1) from the server: answer at once"
        case .drop: "the TCP connection is cut without a close frame: RESUME"
        case .slowHello: "RECONNECT, then HELLO comes 5 s after the upgrade: wait for it, then RESUME"
        case .rateLimit:
            "one rate window watched: at most 120 payloads in 60 s (more is closed with 4008, as Discord does: then RESUME)"
        case .script(let script): "the \(script.steps.count) steps of \(script.name)"
        case .largeReady:
            "INVALID_SESSION, then a READY of \(ServeSampleData.largeReadyGuilds) guilds and \(ServeSampleData.largeGuildCount) large GUILD_CREATEs, fragmented: take them and heartbeat the last sequence"
        case .close(let code):
            if keepsBotAway { "close \(code.rawValue) (\(code.explanation)): do not reconnect" }
            else if code.canResume { "close \(code.rawValue) (\(code.explanation)): RESUME" }
            else { "close \(code.rawValue) (\(code.explanation)): IDENTIFY anew" }
        }
    }

    /// Whether a bot must not come back after this scenario.
    var keepsBotAway: Bool {
        if case .close(let code) = self { return !code.canReconnect }
        return false
    }

    /// The scenario `name` names, or nil.
    init?(name: String) {
        if let found = Self.all.first(where: { $0.name == name }) {
            self = found
        } else {
            return nil
        }
    }
}
