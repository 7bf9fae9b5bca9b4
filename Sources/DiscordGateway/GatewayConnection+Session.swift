extension GatewayConnection {
    /// What Discord told us about the session, kept across connections until Discord or the
    /// caller ends it (then the whole value goes: `session = nil`).
    struct Session: Sendable, Hashable {
        /// READY's `session_id`.
        var id: String?
        /// The last sequence number received.
        var sequence: Int64?
        /// READY's `resume_gateway_url` with our query parameters.
        var resumeURL: String?
        /// Whether READY or RESUMED arrived and nothing since said the session cannot resume.
        var resumable = false

        /// Whether the next connection can RESUME: Discord said so, and we know what to resume.
        var canResume: Bool { resumable && id != nil && sequence != nil }
    }
}
