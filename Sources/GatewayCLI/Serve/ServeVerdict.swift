/// One check of a scenario, decided: what was expected, and what the bot did.
struct ServeVerdict: Sendable, Hashable {
    /// The bot judged (1, 2, ... in the order they first identified), when several are.
    var bot: Int?
    /// The scenario's name.
    var scenario: String
    /// What is checked, e.g. `resumes the session`.
    var check: String
    /// Whether the bot did what was expected.
    var passed: Bool
    /// What was expected.
    var expected: String
    /// What the bot did.
    var observed: String
    /// When it was decided.
    var time: Duration
}
