/// A TCP segment taken out of an IP packet.
struct TCPSegment {
    /// The sender's address and port, e.g. `10.0.0.1:51234` or `[::1]:80`.
    var source: String
    /// The receiver's address and port.
    var destination: String
    /// The sequence number of the first payload byte (of the SYN itself when SYN is set).
    var sequence: UInt32
    /// The acknowledgement number.
    var acknowledgement: UInt32
    /// The TCP flags byte (FIN 0x01, SYN 0x02, RST 0x04, ACK 0x10).
    var flags: UInt8
    /// The payload bytes captured.
    var payload: ArraySlice<UInt8>
    /// The payload's length on the wire (from the IP header): more than `payload.count` when the
    /// snap length cut the packet.
    var payloadLength: Int

    var isSYN: Bool { flags & 0x02 != 0 }
    var isFIN: Bool { flags & 0x01 != 0 }
    var isRST: Bool { flags & 0x04 != 0 }
    var isACK: Bool { flags & 0x10 != 0 }
}

/// Decodes IPv4 and IPv6 headers (IPv6 extension headers skipped) down to a TCP segment.
enum IPPacketDecoder {
    /// What an IP packet holds.
    enum Outcome {
        /// A TCP segment.
        case tcp(TCPSegment)
        /// A fragment (IPv4 MF/offset, IPv6 fragment header): not reassembled, counted.
        case fragment
        /// Another protocol (UDP, ICMP, ...).
        case notTCP
        /// A header that does not hold together (lengths, version).
        case malformed
    }

    /// Decodes `packet`, whose first nibble is its version; a packet cut by the snap length is told
    /// by its IP header's length being more than the bytes captured.
    static func decode(_ packet: ArraySlice<UInt8>) -> Outcome {
        guard let first = PacketBytes.u8(packet, 0) else { return .malformed }
        switch first >> 4 {
        case 4: return ipv4(packet)
        case 6: return ipv6(packet)
        default: return .malformed
        }
    }

    private static func ipv4(_ packet: ArraySlice<UInt8>) -> Outcome {
        guard let first = PacketBytes.u8(packet, 0), let total = PacketBytes.u16(packet, 2),
            let fragment = PacketBytes.u16(packet, 6), let proto = PacketBytes.u8(packet, 9), packet.count >= 20
        else { return .malformed }
        let headerLength = Int(first & 0x0F) * 4
        guard headerLength >= 20, Int(total) >= headerLength, packet.count >= headerLength else { return .malformed }
        // More fragments, or a fragment offset: part of a fragmented datagram.
        if fragment & 0x2000 != 0 || fragment & 0x1FFF != 0 { return .fragment }
        guard proto == 6 else { return .notTCP }
        let source = address4(packet, 12)
        let destination = address4(packet, 16)
        // The total length trims Ethernet padding; a cut packet holds less than it.
        let end = min(packet.count, Int(total))
        let body = packet[(packet.startIndex + headerLength)..<(packet.startIndex + end)]
        return tcp(body, wireLength: Int(total) - headerLength, source: source, destination: destination)
    }

    private static func ipv6(_ packet: ArraySlice<UInt8>) -> Outcome {
        guard packet.count >= 40, let payloadLength = PacketBytes.u16(packet, 4), var next = PacketBytes.u8(packet, 6)
        else { return .malformed }
        let source = address6(packet, 8)
        let destination = address6(packet, 24)
        var offset = 40
        var wireLength = Int(payloadLength)
        let end = min(packet.count, 40 + Int(payloadLength))
        // Hop-by-hop (0), routing (43) and destination options (60) are skipped; a fragment
        // header (44) means a fragment.
        while true {
            switch next {
            case 6:
                let body = packet[(packet.startIndex + min(offset, end))..<(packet.startIndex + end)]
                return tcp(body, wireLength: max(0, wireLength), source: source, destination: destination)
            case 44:
                return .fragment
            case 0, 43, 60:
                guard let following = PacketBytes.u8(packet, offset), let units = PacketBytes.u8(packet, offset + 1) else {
                    return .malformed
                }
                let length = (Int(units) + 1) * 8
                next = following
                offset += length
                wireLength -= length
                guard offset <= end else { return .malformed }
            default:
                return .notTCP
            }
        }
    }

    /// The TCP header and payload in `body`; `wireLength` is the segment's length per the IP header.
    private static func tcp(_ body: ArraySlice<UInt8>, wireLength: Int, source: String, destination: String) -> Outcome {
        guard let sourcePort = PacketBytes.u16(body, 0), let destinationPort = PacketBytes.u16(body, 2),
            let sequence = PacketBytes.u32(body, 4), let acknowledgement = PacketBytes.u32(body, 8),
            let offsetByte = PacketBytes.u8(body, 12), let flags = PacketBytes.u8(body, 13)
        else { return .malformed }
        let headerLength = Int(offsetByte >> 4) * 4
        guard headerLength >= 20, body.count >= headerLength, wireLength >= headerLength else { return .malformed }
        let payload = PacketBytes.suffix(body, from: headerLength)
        return .tcp(
            TCPSegment(
                source: "\(source):\(sourcePort)", destination: "\(destination):\(destinationPort)", sequence: sequence,
                acknowledgement: acknowledgement, flags: flags, payload: payload,
                payloadLength: max(payload.count, wireLength - headerLength)))
    }

    private static func address4(_ packet: ArraySlice<UInt8>, _ offset: Int) -> String {
        (0..<4).map { String(PacketBytes.u8(packet, offset + $0) ?? 0) }.joined(separator: ".")
    }

    /// An IPv6 address in brackets, groups in hex without leading zeros (no `::` shortening).
    private static func address6(_ packet: ArraySlice<UInt8>, _ offset: Int) -> String {
        let groups = (0..<8).map { String(PacketBytes.u16(packet, offset + 2 * $0) ?? 0, radix: 16) }
        return "[" + groups.joined(separator: ":") + "]"
    }
}
