/// Finds the IP packet inside a captured frame, by the interface's link type.
///
/// Link types (tcpdump.org's LINKTYPE_ values): 1 Ethernet (with 802.1Q / 802.1ad tags), 113
/// Linux cooked (SLL), 276 Linux cooked v2 (SLL2), 0 BSD loopback (a 4-byte address family in the
/// capturing host's order), 108 OpenBSD loopback (the family in network order), 101, 12 and 14
/// raw IP, 228 raw IPv4, 229 raw IPv6.
enum LinkLayerDecoder {
    /// What a frame holds.
    enum Outcome {
        /// An IP packet (version 4 or 6, per its first nibble).
        case ip(ArraySlice<UInt8>)
        /// Something other than IP (ARP, ...), or a frame too short to hold its link header.
        case notIP
        /// A link type this decoder does not know.
        case unsupportedLinkType(UInt32)
    }

    /// The IP packet in `frame`, captured on a link of `linkType`.
    static func ipPacket(in frame: ArraySlice<UInt8>, linkType: UInt32) -> Outcome {
        switch linkType {
        case 1:
            return ethernet(frame)
        case 113:
            guard let protocolType = PacketBytes.u16(frame, 14) else { return .notIP }
            return byEtherType(protocolType, PacketBytes.suffix(frame, from: 16))
        case 276:
            guard frame.count >= 20, let protocolType = PacketBytes.u16(frame, 0) else { return .notIP }
            return byEtherType(protocolType, PacketBytes.suffix(frame, from: 20))
        case 0:
            guard let big = PacketBytes.u32(frame, 0), let little = PacketBytes.u32LittleEndian(frame, 0) else { return .notIP }
            // The family is in the capturing host's byte order, which the file does not record: try both.
            return isLoopbackIP(big) || isLoopbackIP(little) ? rawIP(PacketBytes.suffix(frame, from: 4)) : .notIP
        case 108:
            guard let family = PacketBytes.u32(frame, 0) else { return .notIP }
            return isLoopbackIP(family) ? rawIP(PacketBytes.suffix(frame, from: 4)) : .notIP
        case 101, 12, 14:
            return rawIP(frame)
        case 228:
            return PacketBytes.u8(frame, 0).map { $0 >> 4 == 4 } == true ? .ip(frame) : .notIP
        case 229:
            return PacketBytes.u8(frame, 0).map { $0 >> 4 == 6 } == true ? .ip(frame) : .notIP
        default:
            return .unsupportedLinkType(linkType)
        }
    }

    /// An Ethernet II frame, skipping any number of VLAN tags (802.1Q 8100, 802.1ad 88a8, old QinQ 9100).
    private static func ethernet(_ frame: ArraySlice<UInt8>) -> Outcome {
        var offset = 12
        while let type = PacketBytes.u16(frame, offset) {
            if type == 0x8100 || type == 0x88A8 || type == 0x9100 {
                offset += 4
                continue
            }
            return byEtherType(type, PacketBytes.suffix(frame, from: offset + 2))
        }
        return .notIP
    }

    private static func byEtherType(_ type: UInt16, _ payload: ArraySlice<UInt8>) -> Outcome {
        switch type {
        case 0x0800, 0x86DD: return rawIP(payload)
        default: return .notIP
        }
    }

    /// Raw IP: the version nibble says which.
    private static func rawIP(_ packet: ArraySlice<UInt8>) -> Outcome {
        guard let first = PacketBytes.u8(packet, 0), first >> 4 == 4 || first >> 4 == 6 else { return .notIP }
        return .ip(packet)
    }

    /// AF_INET (2 everywhere) or AF_INET6 (10 Linux, 24 NetBSD/OpenBSD, 28 FreeBSD, 30 macOS).
    private static func isLoopbackIP(_ family: UInt32) -> Bool {
        family == 2 || family == 10 || family == 24 || family == 28 || family == 30
    }
}
