// A hand-written reader of pcap and pcapng files: no Swift library reads pcapng, and the format
// (draft-ietf-opsawg-pcap, draft-ietf-opsawg-pcapng) is small enough to check byte by byte here.
//
// The whole file is read into memory, up to `maxFileBytes` (1 GiB): `replay` shows one connection
// at a time while a capture interleaves them, so every WebSocket connection's TCP payload is held
// until the file has been read. The TCP payload held can never exceed the file's size.
//
// Packets go file -> PcapFileParser (pcap records / pcapng blocks) -> LinkLayerDecoder (Ethernet,
// cooked, loopback, raw) -> IPPacketDecoder (IPv4, IPv6) -> TCPReassembler (per connection and
// direction) -> connections whose client stream starts with an HTTP upgrade to WebSocket, each
// turned into the records of a capture recording.

/// Reads a pcap or pcapng file into the WebSocket connections it carries, as replay records.
public struct PacketCaptureReader: Sendable {
    /// The largest file read (see the comment at the top of this file).
    public static let maxFileBytes = 1 << 30

    /// The WebSocket connections, in order of their first packet, numbered from 1.
    public let connections: [PacketCaptureConnection]
    /// What else the capture held.
    public let counts: PacketCaptureCounts
    /// Which format the file is in (`pcapng`, `pcap (little-endian, microsecond timestamps)`).
    public let formatDescription: String
    /// A fault found after the complete packets before it (a file cut short, a broken block):
    /// the connections hold what came before it, and the replay ends with it.
    public let fault: CaptureError?

    /// Reads all of `source` and decodes it.
    /// - Throws: ``CaptureError`` of kind `packetCaptureTooLarge` past ``maxFileBytes``, `io` when
    ///   reading fails, and whatever ``init(bytes:)`` throws.
    public init<Source: ByteSource>(source: Source) throws(CaptureError) {
        try self.init(input: BufferedByteReader(source: source))
    }

    init<Source: ByteSource>(input: BufferedByteReader<Source>) throws(CaptureError) {
        var input = input
        var bytes: [UInt8] = []
        while true {
            let next: [UInt8]?
            do {
                // Small pieces: each read allocates its full size, and a source that returns a few
                // bytes at a time (a pipe, the fuzzer) would otherwise cost a large allocation each.
                next = try input.nextChunk(maxCount: 16 << 10)
            } catch {
                throw CaptureError(error)
            }
            guard let chunk = next else { break }
            guard chunk.count <= Self.maxFileBytes - bytes.count else {
                throw CaptureError(
                    .packetCaptureTooLarge,
                    "the packet capture is larger than \(Self.maxFileBytes >> 20) MiB, the most replay holds in memory; "
                        + "cut it to the connection wanted first (e.g. tshark -r FILE -w OUT -Y 'tcp.port == P')",
                    offset: Self.maxFileBytes)
            }
            bytes += chunk
        }
        try self.init(bytes: bytes)
    }

    /// Decodes a whole file held in memory.
    /// - Throws: ``CaptureError``: `notACapture` for no pcap magic; when no WebSocket connection
    ///   was found, the fault that stopped reading, `unsupportedLinkType` when no packet could be
    ///   decoded, or `noWebSocketConnection` saying how many TCP connections there were.
    public init(bytes: [UInt8]) throws(CaptureError) {
        let file = PcapBytes(bytes: bytes)
        formatDescription = PcapFileParser.magic(bytes)?.description ?? "unknown"
        var parser = try PcapFileParser(file: file)
        var counts = PacketCaptureCounts()
        var reassembler = TCPReassembler()
        var firstTime: Int64?
        var fault: CaptureError?
        while true {
            let packet: PcapPacket?
            do {
                packet = try parser.next()
            } catch {
                fault = error
                break
            }
            guard let packet else { break }
            counts.packets += 1
            if firstTime == nil { firstTime = packet.microseconds }
            switch LinkLayerDecoder.ipPacket(in: packet.data, linkType: packet.linkType) {
            case .unsupportedLinkType(let type):
                counts.unsupportedLinkTypes[type, default: 0] += 1
            case .notIP:
                counts.notTCP += 1
            case .ip(let ip):
                switch IPPacketDecoder.decode(ip) {
                case .tcp(let segment): reassembler.add(segment, at: packet.microseconds)
                case .fragment: counts.fragments += 1
                case .notTCP: counts.notTCP += 1
                case .malformed: counts.malformed += 1
                }
            }
        }
        reassembler.finish()
        if case .next(let next) = parser { counts.skippedBlocks = next.skippedBlocks }
        counts.tcpConnections = reassembler.connections.count
        var connections: [PacketCaptureConnection] = []
        for tcp in reassembler.connections {
            if let connection = PacketCaptureRecords.connection(
                tcp, number: connections.count + 1, captureStart: firstTime ?? 0)
            {
                connections.append(connection)
            } else {
                counts.skippedConnections += 1
                if PacketCaptureRecords.firstByte(of: tcp) == 0x16 { counts.tlsConnections += 1 }
            }
        }
        if connections.isEmpty {
            if let fault { throw fault }
            if counts.tcpConnections == 0, let (type, _) = counts.unsupportedLinkTypes.max(by: { $0.value < $1.value }) {
                throw CaptureError(
                    .unsupportedLinkType,
                    "the capture's packets are of link type \(type), which replay does not decode (it reads Ethernet 1, "
                        + "Linux cooked 113 and 276, loopback 0 and 108, raw IP 101, 12, 14, 228, 229)",
                    offset: 0)
            }
            throw CaptureError(.noWebSocketConnection, Self.noWebSocketMessage(counts), offset: 0)
        }
        self.connections = connections
        self.counts = counts
        self.fault = fault
    }

    private static func noWebSocketMessage(_ counts: PacketCaptureCounts) -> String {
        var message = "the capture holds \(counts.packets) packets and \(counts.tcpConnections) TCP "
            + "connection\(counts.tcpConnections == 1 ? "" : "s"), none of which starts with a WebSocket upgrade "
            + "(an HTTP GET with Upgrade: websocket)"
        if counts.tlsConnections > 0 {
            message += "; \(counts.tlsConnections) of them carr\(counts.tlsConnections == 1 ? "ies" : "y") TLS "
                + "(port 443, wss://), which cannot be read without decrypting it first "
                + "(e.g. with Wireshark and connect --keylog)"
        }
        return message
    }

    /// One sentence on what was read, for replay's info line.
    public var reason: String {
        var parts = ["\(counts.packets) packets", "\(counts.tcpConnections) TCP connection\(counts.tcpConnections == 1 ? "" : "s")",
            "\(connections.count) WebSocket"]
        if counts.skippedConnections > 0 { parts.append("\(counts.skippedConnections) other connection\(counts.skippedConnections == 1 ? "" : "s") skipped") }
        if counts.fragments > 0 { parts.append("\(counts.fragments) IP fragments skipped") }
        let unsupported = counts.unsupportedLinkTypes.values.reduce(0, +)
        if unsupported > 0 {
            let types = counts.unsupportedLinkTypes.keys.sorted().map(String.init).joined(separator: ", ")
            parts.append("\(unsupported) packets of unsupported link type \(types) skipped")
        }
        return "the input is a \(formatDescription) packet capture: " + parts.joined(separator: ", ")
    }
}
