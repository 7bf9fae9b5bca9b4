// Theory of operation
//
// A pcapng file of a session that was recorded above TCP (a gateway capture) or whose TCP
// packets were never seen (bytes a TLS library handed over) still needs packets for Wireshark
// to dissect. `SyntheticTCP` makes the packets of one made-up TCP conversation: bytes,
// direction and time in, Ethernet frames out. It knows nothing of WebSocket or the gateway.
//
// The conversation is shaped the way a real one is, so Wireshark's TCP analysis flags nothing:
// a three-way handshake (SYN, SYN-ACK, ACK, with an MSS option), data split into segments of
// at most `maximumSegmentSize` bytes with running sequence and acknowledgement numbers, PSH on
// the last segment of each write, a pure ACK from the receiver after every write (and within
// long writes, so what is in flight never exceeds the 65,535-byte window), and a FIN exchange
// at the end. Sequence numbers wrap modulo 2^32, as TCP's do, hence the `&+`.

/// One TCP conversation's packets, made up from the bytes each side wrote.
public struct SyntheticTCP: Sendable {
    /// An IPv4 address and TCP port.
    public struct Endpoint: Sendable, Hashable {
        /// The IPv4 address, most significant byte first (`[10, 0, 0, 1]`).
        public var address: [UInt8]
        /// The TCP port.
        public var port: UInt16

        /// Creates an endpoint; an address that is not 4 bytes is padded or cut to 4.
        public init(address: [UInt8], port: UInt16) {
            self.address = Array((address + [0, 0, 0, 0]).prefix(4))
            self.port = port
        }
    }

    /// Which side wrote the bytes.
    public enum Direction: Sendable, Hashable {
        /// The side that opened the connection.
        case clientToServer
        /// The side that accepted it.
        case serverToClient
    }

    /// One packet: an Ethernet frame holding an IPv4 packet holding a TCP segment.
    public struct Packet: Sendable, Hashable {
        /// Who sent it.
        public var direction: Direction
        /// Microseconds since the Unix epoch.
        public var timestampMicroseconds: Int64
        /// The frame's bytes.
        public var bytes: [UInt8]
        /// How many bytes of data the segment carries.
        public var payloadLength: Int
    }

    /// The side that opened the connection.
    public let client: Endpoint
    /// The side that accepted it.
    public let server: Endpoint
    /// The most data bytes in one segment (1460: Ethernet's 1500 minus 40 of headers).
    public let maximumSegmentSize: Int

    private var clientSide: SyntheticTCPSide
    private var serverSide: SyntheticTCPSide

    /// The window both sides advertise (no window scaling).
    static let window: UInt16 = 65535
    /// The fixed, locally administered MAC addresses of the two sides.
    static let clientMAC: [UInt8] = [0x02, 0x00, 0x00, 0x00, 0x00, 0x01]
    static let serverMAC: [UInt8] = [0x02, 0x00, 0x00, 0x00, 0x00, 0x02]

    /// A conversation between `client` and `server`, whose initial sequence numbers are fixed
    /// (so output is reproducible).
    public init(
        client: Endpoint, server: Endpoint, clientInitialSequence: UInt32 = 0x1000_0000,
        serverInitialSequence: UInt32 = 0x2000_0000, maximumSegmentSize: Int = 1460
    ) {
        self.client = client
        self.server = server
        self.maximumSegmentSize = min(max(1, maximumSegmentSize), 1460)
        clientSide = SyntheticTCPSide(nextSequence: clientInitialSequence)
        serverSide = SyntheticTCPSide(nextSequence: serverInitialSequence)
    }

    /// The three-way handshake at `time`: SYN, SYN-ACK, ACK.
    public mutating func open(at time: Int64) -> [Packet] {
        var packets: [Packet] = []
        let clientSYN = clientSide.consume(1)
        packets.append(packet(.clientToServer, time, sequence: clientSYN, acknowledgement: 0, flags: .syn, mss: true))
        let serverSYN = serverSide.consume(1)
        packets.append(
            packet(.serverToClient, time, sequence: serverSYN, acknowledgement: clientSide.nextSequence, flags: [.syn, .ack], mss: true))
        packets.append(
            packet(.clientToServer, time, sequence: clientSide.nextSequence, acknowledgement: serverSide.nextSequence, flags: .ack))
        return packets
    }

    /// The segments carrying `bytes` written by one side at `time`, each acknowledging all the
    /// other side sent, PSH on the last, followed by the receiver's ACK. Empty bytes make no packet.
    public mutating func send(_ bytes: [UInt8], from direction: Direction, at time: Int64) -> [Packet] {
        var packets: [Packet] = []
        var start = 0
        var unacknowledged = 0
        while start < bytes.count {
            let end = bytes.count - start > maximumSegmentSize ? start + maximumSegmentSize : bytes.count
            let segment = Array(bytes[start..<end])
            let sequence = self[side: direction].consume(segment.count)
            let flags: SyntheticTCPFlags = end == bytes.count ? [.psh, .ack] : .ack
            packets.append(
                packet(direction, time, sequence: sequence, acknowledgement: self[side: direction.reversed].nextSequence,
                    flags: flags, payload: segment))
            unacknowledged += segment.count
            start = end
            // Acknowledge before the window (65,535 bytes) could fill, and at the end of the write.
            if unacknowledged > Int(Self.window) - 2 * maximumSegmentSize || end == bytes.count {
                packets.append(acknowledgement(from: direction.reversed, at: time))
                unacknowledged = 0
            }
        }
        return packets
    }

    /// The close at `time`: FIN-ACK from `closer`, FIN-ACK from the other side, and the last ACK.
    public mutating func close(from closer: Direction = .clientToServer, at time: Int64) -> [Packet] {
        let other = closer.reversed
        var packets: [Packet] = []
        let closerFIN = self[side: closer].consume(1)
        packets.append(
            packet(closer, time, sequence: closerFIN, acknowledgement: self[side: other].nextSequence, flags: [.fin, .ack]))
        let otherFIN = self[side: other].consume(1)
        packets.append(
            packet(other, time, sequence: otherFIN, acknowledgement: self[side: closer].nextSequence, flags: [.fin, .ack]))
        packets.append(acknowledgement(from: closer, at: time))
        return packets
    }

    /// A pure ACK from `direction`'s sender of everything the other side sent.
    private mutating func acknowledgement(from direction: Direction, at time: Int64) -> Packet {
        packet(
            direction, time, sequence: self[side: direction].nextSequence,
            acknowledgement: self[side: direction.reversed].nextSequence, flags: .ack)
    }

    /// The running numbers of `direction`'s sender.
    private subscript(side direction: Direction) -> SyntheticTCPSide {
        get { direction == .clientToServer ? clientSide : serverSide }
        set { if direction == .clientToServer { clientSide = newValue } else { serverSide = newValue } }
    }

    private mutating func packet(
        _ direction: Direction, _ time: Int64, sequence: UInt32, acknowledgement: UInt32, flags: SyntheticTCPFlags,
        mss: Bool = false, payload: [UInt8] = []
    ) -> Packet {
        let (source, destination) = direction == .clientToServer ? (client, server) : (server, client)
        let identification = self[side: direction].nextIdentification()
        let segment = SyntheticTCPSegment(
            sourcePort: source.port, destinationPort: destination.port, sequence: sequence,
            acknowledgement: acknowledgement, flags: flags, window: Self.window,
            maximumSegmentSize: mss ? UInt16(maximumSegmentSize) : nil, payload: payload)
        let ip = SyntheticTCPSegment.ipv4Packet(
            source: source.address, destination: destination.address, identification: identification,
            tcp: segment.bytes(source: source.address, destination: destination.address))
        let (sourceMAC, destinationMAC) =
            direction == .clientToServer ? (Self.clientMAC, Self.serverMAC) : (Self.serverMAC, Self.clientMAC)
        // Ethernet II: destination, source, EtherType 0x0800 (IPv4).
        let frame = destinationMAC + sourceMAC + [0x08, 0x00] + ip
        return Packet(direction: direction, timestampMicroseconds: time, bytes: frame, payloadLength: payload.count)
    }
}

extension SyntheticTCP.Direction {
    /// The other way.
    public var reversed: Self { self == .clientToServer ? .serverToClient : .clientToServer }
}

/// One side's running numbers.
struct SyntheticTCPSide: Sendable {
    /// The sequence number of the next byte this side sends.
    var nextSequence: UInt32
    /// The IPv4 identification of this side's next packet.
    var identification: UInt16 = 1

    /// Takes `count` sequence numbers (SYN and FIN take one), returning the first.
    mutating func consume(_ count: Int) -> UInt32 {
        let first = nextSequence
        // Modulo 2^32 by design: TCP sequence numbers wrap.
        nextSequence = nextSequence &+ UInt32(truncatingIfNeeded: count)
        return first
    }

    /// The next IPv4 identification (wrapping, as IP's does).
    mutating func nextIdentification() -> UInt16 {
        defer { identification = identification &+ 1 }
        return identification
    }
}
