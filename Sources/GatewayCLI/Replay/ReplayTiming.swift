/// When a replay shows its records.
enum ReplayTiming: Sendable, Equatable {
    /// As fast as they can be shown (the default).
    case atOnce
    /// At the recording's own pace divided by `speed` (`--realtime`, `--speed`).
    case paced(speed: Double)
    /// As another process appends them to the file (`--follow`).
    case following

    /// Whether Ctrl-C should stop the replay cleanly rather than end the process: a replay that
    /// waits can be interrupted while someone watches it.
    var waits: Bool { self != .atOnce }
}
