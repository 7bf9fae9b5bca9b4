/// One TCP connection of a packet capture that carries a WebSocket upgrade, as replay records.
public struct PacketCaptureConnection: Sendable {
    /// Its number: 1 for the first WebSocket connection in the capture, then 2, ...
    public var number: Int
    /// `10.0.0.1:51234 → 10.0.0.2:80`: the client first.
    public var endpoints: String
    /// The upgrade request's target, e.g. `/?v=10&encoding=json&compress=zlib-stream`.
    public var requestTarget: String
    /// The records: a connect, chunks both ways in capture order, a disconnect.
    public var records: [CaptureRecord]
    /// When a gap (bytes the capture lacks) cut the connection short: what is missing and where.
    /// The records stop at the gap, since a WebSocket stream cannot be followed across it.
    public var gap: String?
    /// Whether the capture lacks the connection's SYN (the streams start at the first segment seen).
    public var missedSYN: Bool

    /// A query parameter of the upgrade request's target (`encoding`, `compress`), if present.
    public func queryValue(_ name: String) -> String? {
        guard let query = requestTarget.split(separator: "?", maxSplits: 1).dropFirst().first else { return nil }
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if parts.first.map(String.init) == name { return parts.count > 1 ? String(parts[1]) : "" }
        }
        return nil
    }
}

/// Counts of what a packet capture held besides its WebSocket connections.
public struct PacketCaptureCounts: Sendable, Hashable {
    /// Packets read from the file.
    public var packets = 0
    /// TCP connections seen.
    public var tcpConnections = 0
    /// TCP connections that carried no WebSocket upgrade (skipped).
    public var skippedConnections = 0
    /// Skipped connections whose first byte was 0x16, a TLS handshake record.
    public var tlsConnections = 0
    /// Packets that were not TCP over IP (ARP, UDP, ICMP, ...).
    public var notTCP = 0
    /// IP fragments (not reassembled).
    public var fragments = 0
    /// Packets whose IP or TCP header does not hold together.
    public var malformed = 0
    /// Packets on links of types this reader does not decode, by link type.
    public var unsupportedLinkTypes: [UInt32: Int] = [:]
    /// Blocks that carry no packet (pcapng only).
    public var skippedBlocks = 0
}
