import DiscordGateway

/// Counts gathered during a replay, in memory that does not grow with the input
/// (per distinct opcode, event name and close code, the first sequence gaps, and two
/// fixed-size ``PercentileSketch``es for heartbeat latency and inter-arrival times).
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
    /// Dispatch payload sizes per event name.
    public internal(set) var eventSizes: [String: PayloadSizes] = [:]
    /// Payload sizes per opcode for the payloads that are not dispatches (and dispatches without
    /// an event name, under opcode 0).
    public internal(set) var opcodeSizes: [Int: PayloadSizes] = [:]
    /// Payloads sent per opcode (recordings only).
    public internal(set) var sentPerOpcode: [Int: Int] = [:]
    /// The first ``keptGaps`` sequence gaps.
    public internal(set) var sequenceGaps: [SequenceGap] = []
    /// All sequence gaps.
    public internal(set) var sequenceGapCount = 0
    /// Heartbeat round trips measured from the recording, in microseconds.
    public internal(set) var latency = PercentileSketch()
    /// The sum of round trips.
    public internal(set) var latencyTotal: Duration = .zero
    /// Whether the input has a clock: captures do; raw dumps do not (all their times are 0,
    /// so times between payloads say nothing).
    public internal(set) var hasTimes: Bool
    /// Time between consecutive payloads received on one connection, in microseconds (payloads
    /// read together are 0 apart).
    public internal(set) var interArrival = PercentileSketch()
    /// Connection ends per close code (`nil`: no close code).
    public internal(set) var closeCodes: [UInt16?: Int] = [:]
    private var lastSequence: Int64?
    /// The connection and time of the last payload received, for the next one's inter-arrival time.
    private var lastReceived: (connection: Int, time: Duration)?

    /// An empty summary of an input that has a clock (`hasTimes`) or not.
    public init(hasTimes: Bool = true) {
        self.hasTimes = hasTimes
    }

    /// Dispatches per event name.
    public var dispatchesPerName: [String: Int] { eventSizes.mapValues(\.count) }

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

    mutating func received(_ payload: GatewayPayload, connection: Int, at time: Duration) {
        receivedPerOpcode[payload.opcode.rawValue, default: 0] += 1
        decompressedBytes += payload.bytes.count
        if payload.opcode == .dispatch, let name = payload.eventName {
            eventSizes[name, default: PayloadSizes()].add(bytes: payload.bytes.count)
        } else {
            opcodeSizes[payload.opcode.rawValue, default: PayloadSizes()].add(bytes: payload.bytes.count)
        }
        if let last = lastReceived, last.connection == connection {
            interArrival.add(TimeText.microseconds(time - last.time))
        }
        lastReceived = (connection, time)
        guard let sequence = payload.sequence else { return }
        // A new session starts again at 1; a jump forward means events were missed.
        // `sequence - 1 > last` rather than `sequence - last > 1`: sequence numbers come from the
        // input, and the difference of two of them can overflow; `sequence > last` keeps this one safe.
        if let last = lastSequence, sequence != 1, sequence > last, sequence - 1 > last {
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
        self.latency.add(TimeText.microseconds(latency))
        latencyTotal += latency
    }

    mutating func closed(code: UInt16?) {
        closeCodes[code, default: 0] += 1
    }
}
