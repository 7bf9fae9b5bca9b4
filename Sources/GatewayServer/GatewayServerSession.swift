import GatewayCodecs

/// A gateway session as the server keeps it: what a RESUME on another connection continues.
///
/// The dispatches sent are kept (up to a limit) so a RESUME can be answered with the ones
/// the client missed. A driver that serves several connections keeps sessions by
/// ``id`` and hands the right one to ``GatewayServerConnection/resume(_:now:)``.
public struct GatewayServerSession: Sendable, Hashable {
    /// One dispatch sent, with its sequence number.
    public struct Dispatch: Sendable, Hashable {
        /// `s`.
        public var sequence: Int64
        /// `t`.
        public var name: String
        /// `d`.
        public var data: GatewayValue
    }

    /// The session id READY gave.
    public let id: String
    /// The last sequence number sent.
    public private(set) var sequence: Int64 = 0
    /// The dispatches kept for a RESUME, oldest first.
    public private(set) var dispatches: [Dispatch] = []
    private let keeps: Int

    /// A new session, keeping up to `keeps` dispatches for RESUME.
    public init(id: String, keeps: Int = 1000) {
        self.id = id
        self.keeps = max(0, keeps)
    }

    /// Numbers and keeps the next dispatch; returns its sequence number. A connection does this
    /// for what it dispatches; a driver does it for events that happen while no connection
    /// carries the session, so a RESUME replays them.
    public mutating func record(name: String, data: GatewayValue) -> Int64 {
        sequence += 1
        dispatches.append(Dispatch(sequence: sequence, name: name, data: data))
        if dispatches.count > keeps { dispatches.removeFirst(dispatches.count - keeps) }
        return sequence
    }

    /// The dispatches after `sequence`, or nil when some of them are no longer kept or
    /// `sequence` is ahead of the session (a RESUME that cannot be honoured).
    public func dispatches(after sequence: Int64) -> [Dispatch]? {
        guard sequence >= 0, sequence <= self.sequence else { return nil }
        if sequence == self.sequence { return [] }
        guard let oldest = dispatches.first?.sequence, oldest <= sequence + 1 else { return nil }
        return dispatches.filter { $0.sequence > sequence }
    }
}
