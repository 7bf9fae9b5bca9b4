import ArgumentParser

/// The filter flags shared by `replay` and `connect`: which payloads and frames are shown.
public struct FilterOptions: ParsableArguments {
    @Option(
        name: .customLong("event"), help: "Show only dispatches with this event name (repeatable).",
        completion: .list(Self.commonEventNames))
    public var events: [String] = []

    @Option(name: .customLong("op"), help: "Show only payloads with this opcode (repeatable).")
    public var opcodes: [Int] = []

    @Flag(
        inversion: .prefixedNo,
        help: "Show WebSocket frame headers (default: on for replay, off for connect; off with --event/--op).")
    public var frames: Bool?

    /// Dispatch event names offered by shell completion for `--event` (any name is accepted).
    static let commonEventNames = [
        "READY", "RESUMED", "GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE", "GUILD_MEMBER_ADD",
        "GUILD_MEMBER_UPDATE", "GUILD_MEMBER_REMOVE", "CHANNEL_CREATE", "CHANNEL_UPDATE", "CHANNEL_DELETE",
        "THREAD_CREATE", "MESSAGE_CREATE", "MESSAGE_UPDATE", "MESSAGE_DELETE", "MESSAGE_REACTION_ADD",
        "MESSAGE_REACTION_REMOVE", "TYPING_START", "PRESENCE_UPDATE", "VOICE_STATE_UPDATE",
        "INTERACTION_CREATE",
    ]

    public init() {}

    public func validate() throws {
        if opcodes.contains(where: { $0 < 0 }) { throw ValidationError("--op takes a non-negative opcode") }
    }

    /// The filter, with frames shown by default only when `framesByDefault` (and no --event/--op).
    public func filter(quiet: Bool = false, framesByDefault: Bool) -> OutputFilter {
        let isSelective = !events.isEmpty || !opcodes.isEmpty
        return OutputFilter(
            eventNames: Set(events), opcodes: Set(opcodes),
            showsFrames: frames ?? (framesByDefault && !isSelective), quiet: quiet)
    }
}
