import DiscordGateway

/// Counts gathered during a replay, in memory that does not grow with the input
/// (per distinct opcode, event name and close code, plus the first sequence gaps).
public struct ReplaySummary: Sendable {
    /// One jump in sequence numbers.
    public struct SequenceGap: Sendable, Hashable {
        /// The connection it happened on.
        public var connection: Int
        /// The last sequence number before the gap.
        public var after: Int64
        /// The sequence number that came next.
        public var next: Int64
    }

    /// How many gaps are kept in detail; the rest are only counted.
    static let keptGaps = 100

    /// Connections seen.
    public internal(set) var connections = 0
    /// First and last time seen.
    public internal(set) var firstTime: Duration?
    /// The last time seen.
    public internal(set) var lastTime: Duration?
    /// Inbound bytes on the wire (after TLS), the HTTP response included.
    public internal(set) var wireBytes = 0
    /// Payload bytes after decompression.
    public internal(set) var decompressedBytes = 0
    /// Frames received.
    public internal(set) var frames = 0
    /// Payloads received per opcode.
    public internal(set) var receivedPerOpcode: [Int: Int] = [:]
    /// Dispatches per event name.
    public internal(set) var dispatchesPerName: [String: Int] = [:]
    /// Payloads sent per opcode (recordings only).
    public internal(set) var sentPerOpcode: [Int: Int] = [:]
    /// The first ``keptGaps`` sequence gaps.
    public internal(set) var sequenceGaps: [SequenceGap] = []
    /// All sequence gaps.
    public internal(set) var sequenceGapCount = 0
    /// Heartbeat round trips measured from the recording.
    public internal(set) var latencyCount = 0
    /// The shortest round trip.
    public internal(set) var latencyMin: Duration?
    /// The longest round trip.
    public internal(set) var latencyMax: Duration?
    /// The sum of round trips.
    public internal(set) var latencyTotal: Duration = .zero
    /// Connection ends per close code (`nil`: no close code).
    public internal(set) var closeCodes: [UInt16?: Int] = [:]
    private var lastSequence: Int64?

    /// Reconnects: connections after the first.
    public var reconnects: Int { max(0, connections - 1) }

    /// From the first to the last time seen.
    public var duration: Duration {
        guard let firstTime, let lastTime else { return .zero }
        return lastTime - firstTime
    }

    mutating func saw(time: Duration) {
        if firstTime == nil { firstTime = time }
        if let lastTime, lastTime > time { return }
        lastTime = time
    }

    mutating func received(_ payload: GatewayPayload, connection: Int) {
        receivedPerOpcode[payload.opcode.rawValue, default: 0] += 1
        decompressedBytes += payload.bytes.count
        if payload.opcode == .dispatch, let name = payload.eventName { dispatchesPerName[name, default: 0] += 1 }
        guard let sequence = payload.sequence else { return }
        // A new session starts again at 1; a jump forward means events were missed.
        if let last = lastSequence, sequence != 1, sequence > last, sequence - last > 1 {
            sequenceGapCount += 1
            if sequenceGaps.count < Self.keptGaps {
                sequenceGaps.append(SequenceGap(connection: connection, after: last, next: sequence))
            }
        }
        lastSequence = sequence
    }

    mutating func sent(opcode: Int) {
        sentPerOpcode[opcode, default: 0] += 1
    }

    mutating func measured(latency: Duration) {
        latencyCount += 1
        latencyTotal += latency
        latencyMin = min(latencyMin ?? latency, latency)
        latencyMax = max(latencyMax ?? latency, latency)
    }

    mutating func closed(code: UInt16?) {
        closeCodes[code, default: 0] += 1
    }
}
