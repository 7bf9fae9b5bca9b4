import DiscordGateway

/// A fault `proxy --inject` makes at a point of a bot's session: `ACTION[@WHEN]`, e.g.
/// `reconnect@after=5`, `drop@at=30`, `zombie@on=GUILD_CREATE`, `close=4000`.
struct ProxyInjection: Sendable, Hashable, CustomStringConvertible {
    /// What happens to the bot.
    enum Action: Sendable, Hashable {
        /// RECONNECT (op 7) to the bot.
        case reconnect
        /// INVALID_SESSION (op 9) with `d` = resumable.
        case invalidSession(resumable: Bool)
        /// The bot's TCP connection is cut (and the upstream one with it).
        case drop
        /// The bot's connection is closed with this code (upstream with 4000).
        case close(UInt16)
        /// Discord's heartbeat ACKs stop reaching the bot.
        case zombie
        /// Discord's payloads reach the bot this much later.
        case delay(Duration)
    }

    /// When it happens: once, on the first connection that gets there.
    enum Point: Sendable, Hashable {
        /// Once `n` dispatches have been passed to the bot on a connection.
        case afterDispatches(Int)
        /// `seconds` after the proxy started (on the connection relaying then, or the next one).
        case at(Duration)
        /// When Discord sends the bot this event.
        case onEvent(String)
    }

    var action: Action
    var point: Point
    /// The text it was given as.
    let text: String

    /// Reads `ACTION[@WHEN]`; WHEN defaults to `on=READY` (as soon as the bot has a session).
    init(parsing text: String) throws(ProxyOptionError) {
        self.text = text
        let parts = text.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        action = try Self.action(parts[0], in: text)
        point = parts.count > 1 ? try Self.point(parts[1], in: text) : .onEvent("READY")
    }

    var description: String { text }

    private static func action(_ text: String, in whole: String) throws(ProxyOptionError) -> Action {
        let (name, value) = split(text)
        switch (name, value) {
        case ("reconnect", nil): return .reconnect
        case ("invalid-session", nil), ("invalid-session", "false"): return .invalidSession(resumable: false)
        case ("invalid-session", "true"): return .invalidSession(resumable: true)
        case ("drop", nil): return .drop
        case ("zombie", nil): return .zombie
        case ("close", let code?):
            guard let number = UInt16(code), (1000...1003).contains(number) || (1007...1014).contains(number) || (3000...4999).contains(number)
            else { throw ProxyOptionError("--inject \(whole): close=\(code) is not a close code a server may send (1000-1003, 1007-1014, 3000-4999)") }
            return .close(number)
        case ("delay", let milliseconds?):
            guard let number = Int(milliseconds), (1...600_000).contains(number) else {
                throw ProxyOptionError("--inject \(whole): delay=\(milliseconds) is not 1 to 600000 milliseconds")
            }
            return .delay(.milliseconds(number))
        default:
            throw ProxyOptionError(
                "--inject \(whole): \(text) is not an action; use reconnect, invalid-session[=true|false], drop, close=CODE, zombie or delay=MS")
        }
    }

    private static func point(_ text: String, in whole: String) throws(ProxyOptionError) -> Point {
        let (name, value) = split(text)
        switch (name, value) {
        case ("after", let count?):
            guard let number = Int(count), (1...10_000_000).contains(number) else {
                throw ProxyOptionError("--inject \(whole): after=\(count) is not a number of dispatches from 1")
            }
            return .afterDispatches(number)
        case ("at", let seconds?):
            guard let number = Double(seconds), number >= 0, number < 1e7 else {
                throw ProxyOptionError("--inject \(whole): at=\(seconds) is not a number of seconds")
            }
            return .at(.milliseconds(Int64((number * 1000).rounded())))
        case ("on", let event?) where !event.isEmpty:
            return .onEvent(event.uppercased())
        default:
            throw ProxyOptionError("--inject \(whole): @\(text) is not a point; use @after=N (dispatches), @at=SECONDS or @on=EVENT")
        }
    }

    private static func split(_ text: String) -> (String, String?) {
        let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        return (parts[0].lowercased(), parts.count > 1 ? parts[1] : nil)
    }
}

/// A `proxy` option that cannot work, with what was wrong.
struct ProxyOptionError: Error, Sendable, Hashable, CustomStringConvertible {
    var message: String

    init(_ message: String) { self.message = message }

    var description: String { message }
}
