/// The few ANSI styles pretty output uses; empty strings when colors are off.
struct ANSIStyle {
    let enabled: Bool
    /// The colors of JSON values (jq's, or `GATEWAYCTL_COLORS`).
    var jsonColors = JSONColors.current

    /// Pretty-printed JSON text, its tokens colored as jq colors them.
    func json(_ text: String) -> String {
        enabled ? jsonColors.colorize(text) : text
    }

    func apply(_ code: String, _ text: String) -> String {
        enabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    func dim(_ text: String) -> String { apply("2", text) }
    func bold(_ text: String) -> String { apply("1", text) }
    func inbound(_ text: String) -> String { apply("36", text) }
    func outbound(_ text: String) -> String { apply("35", text) }
    func name(_ text: String) -> String { apply("1;33", text) }
    func good(_ text: String) -> String { apply("32", text) }
    func bad(_ text: String) -> String { apply("1;31", text) }
}
