/// The TCP header flags `SyntheticTCP` sets.
struct SyntheticTCPFlags: OptionSet, Sendable {
    let rawValue: UInt8
    static let fin = SyntheticTCPFlags(rawValue: 0x01)
    static let syn = SyntheticTCPFlags(rawValue: 0x02)
    static let psh = SyntheticTCPFlags(rawValue: 0x08)
    static let ack = SyntheticTCPFlags(rawValue: 0x10)
}

/// One TCP segment's header and data, and the IPv4 packet around it.
struct SyntheticTCPSegment {
    var sourcePort: UInt16
    var destinationPort: UInt16
    var sequence: UInt32
    var acknowledgement: UInt32
    var flags: SyntheticTCPFlags
    var window: UInt16
    /// The MSS option's value, for SYNs.
    var maximumSegmentSize: UInt16?
    var payload: [UInt8]

    /// The segment's bytes, with its checksum over the IPv4 pseudo-header (RFC 793 §3.1).
    func bytes(source: [UInt8], destination: [UInt8]) -> [UInt8] {
        let options: [UInt8] = maximumSegmentSize.map { [2, 4, UInt8($0 >> 8), UInt8($0 & 0xFF)] } ?? []
        let headerLength = 20 + options.count
        var segment: [UInt8] = []
        segment.reserveCapacity(headerLength + payload.count)
        SyntheticTCPSegment.appendBigEndian(&segment, sourcePort)
        SyntheticTCPSegment.appendBigEndian(&segment, destinationPort)
        SyntheticTCPSegment.appendBigEndian(&segment, sequence)
        SyntheticTCPSegment.appendBigEndian(&segment, acknowledgement)
        segment.append(UInt8(headerLength / 4) << 4)  // Data offset in 32-bit words.
        segment.append(flags.rawValue)
        SyntheticTCPSegment.appendBigEndian(&segment, window)
        segment += [0, 0]  // Checksum, filled in below.
        segment += [0, 0]  // Urgent pointer.
        segment += options
        segment += payload
        // The pseudo-header: addresses, zero, protocol 6, TCP length (segments are under 64 KiB).
        let pseudo = source + destination + [0, 6, UInt8(truncatingIfNeeded: segment.count >> 8), UInt8(truncatingIfNeeded: segment.count)]
        let checksum = SyntheticTCPChecksum.internetChecksum(pseudo + segment)
        segment[16] = UInt8(checksum >> 8)
        segment[17] = UInt8(checksum & 0xFF)
        return segment
    }

    /// An IPv4 packet (no options, Don't Fragment, TTL 64) carrying `tcp`, with its header checksum.
    static func ipv4Packet(source: [UInt8], destination: [UInt8], identification: UInt16, tcp: [UInt8]) -> [UInt8] {
        let total = UInt16(truncatingIfNeeded: 20 + tcp.count)
        var header: [UInt8] = [0x45, 0x00]  // Version 4, 5 words; no DSCP/ECN.
        SyntheticTCPSegment.appendBigEndian(&header, total)
        SyntheticTCPSegment.appendBigEndian(&header, identification)
        header += [0x40, 0x00]  // Don't Fragment, offset 0.
        header += [64, 6, 0, 0]  // TTL, protocol TCP, checksum (below).
        header += source + destination
        let checksum = SyntheticTCPChecksum.internetChecksum(header)
        header[10] = UInt8(checksum >> 8)
        header[11] = UInt8(checksum & 0xFF)
        return header + tcp
    }
}

/// The Internet checksum (RFC 1071): the ones' complement of the ones' complement sum of
/// 16-bit big-endian words, an odd last byte padded with zero.
enum SyntheticTCPChecksum {
    /// The checksum of `bytes`, ready to store (a packet holding it sums to 0xFFFF).
    static func internetChecksum(_ bytes: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        var index = 0
        while index + 1 < bytes.count {
            sum += UInt32(bytes[index]) << 8 | UInt32(bytes[index + 1])
            // Folding as it goes keeps the sum far from overflowing, whatever the length.
            sum = (sum & 0xFFFF) + (sum >> 16)
            index += 2
        }
        if index < bytes.count { sum += UInt32(bytes[index]) << 8 }
        while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
        return ~UInt16(truncatingIfNeeded: sum)
    }
}

extension SyntheticTCPSegment {
    /// Appends `value` to `bytes` most significant byte first (network order).
    static func appendBigEndian<T: FixedWidthInteger>(_ bytes: inout [UInt8], _ value: T) {
        for shift in stride(from: T.bitWidth - 8, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> T(shift)))
        }
    }
}
