/// Which lines of a session's output are shown (`connect`, `replay`): payloads by opcode and
/// event name, frame headers, and the connection lines (upgrades, closes, notes).
public struct OutputFilter: Sendable, Hashable {
    /// Dispatch names to show (upper-cased); empty means no name filter.
    public var eventNames: Set<String>
    /// Opcodes to show; empty means no opcode filter.
    public var opcodes: Set<Int>
    /// Whether frame headers are shown.
    public var showsFrames: Bool
    /// Whether only the summary and errors are shown.
    public var quiet: Bool

    /// Creates a filter. With names or opcodes, only matching payloads (and errors) are shown.
    public init(eventNames: Set<String> = [], opcodes: Set<Int> = [], showsFrames: Bool? = nil, quiet: Bool = false) {
        self.eventNames = Set(eventNames.map { $0.uppercased() })
        self.opcodes = opcodes
        self.showsFrames = !quiet && (showsFrames ?? (eventNames.isEmpty && opcodes.isEmpty))
        self.quiet = quiet
    }

    /// Whether anything restricts the payloads shown.
    var isSelective: Bool { !eventNames.isEmpty || !opcodes.isEmpty }

    /// Whether structural lines (upgrades, closes, info) are shown.
    var showsConnectionLines: Bool { !quiet && !isSelective }

    /// Whether a payload with this opcode and event name is shown.
    func shows(opcode: Int, eventName: String?) -> Bool {
        if quiet { return false }
        if !isSelective { return true }
        if opcodes.contains(opcode) { return true }
        if let eventName, eventNames.contains(eventName.uppercased()) { return true }
        return false
    }
}
