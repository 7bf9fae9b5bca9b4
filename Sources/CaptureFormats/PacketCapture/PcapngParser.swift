/// Reads the packets of a pcapng file (draft-ietf-opsawg-pcapng) block by block.
///
/// Every block is `type, length, body, length`. A Section Header Block starts each section and
/// sets its byte order (its type reads the same either way; its byte-order magic decides);
/// Interface Description Blocks number the section's interfaces from 0, with their link type and
/// timestamp resolution. Packets come in Enhanced, Simple and (obsolete) Packet Blocks; every
/// other block is skipped by its length. Lengths are checked before anything is read.
struct PcapngParser {
    /// The Section Header Block's type.
    static let sectionHeaderType: UInt32 = 0x0A0D_0D0A
    /// The byte-order magic in a Section Header Block.
    static let byteOrderMagic: UInt32 = 0x1A2B_3C4D

    /// What one Interface Description Block says.
    struct Interface {
        var linkType: UInt32
        var snapLength: UInt32
        var resolution: PcapngResolution
    }

    private let file: PcapBytes
    private var position = 0
    private var order = PcapByteOrder.little
    private var interfaces: [Interface] = []
    /// The last packet's time: a Simple Packet Block has none and takes it.
    private var lastTime: Int64 = 0
    /// Blocks that carry no packet (name resolution, statistics, secrets, custom, unknown).
    private(set) var skippedBlocks = 0

    /// Starts at the first block, which must be a Section Header Block.
    init(file: PcapBytes) {
        self.file = file
    }

    /// The next packet, or `nil` at the end of the file.
    /// - Throws: ``CaptureError/Kind/corruptPacketCapture`` naming the block's offset for a bad
    ///   length, a bad byte-order magic, an unknown interface or a file cut inside a block.
    mutating func next() throws(CaptureError) -> PcapPacket? {
        let count = file.bytes.count
        while position < count {
            let start = position
            guard count - start >= 12 else {
                throw corrupt("the file ends inside the block at byte \(start) (\(count - start) bytes)", start)
            }
            guard let type = file.u32(start, order) else { throw corrupt("unreadable block", start) }
            if type == Self.sectionHeaderType {
                try startSection(at: start)
            } else if start == 0 {
                throw CaptureError(.notACapture, "a pcapng file must start with a Section Header Block", offset: 0)
            }
            guard let length32 = file.u32(start + 4, order) else { throw corrupt("unreadable block length", start) }
            let length = Int(length32)
            guard length >= 12, length % 4 == 0 else {
                throw corrupt("the block at byte \(start) has length \(length), which is not a multiple of 4 of at least 12", start)
            }
            guard length <= count - start else {
                throw corrupt(
                    "the file ends inside the block at byte \(start): it claims \(length) bytes, \(count - start) remain", start)
            }
            guard file.u32(start + length - 4, order) == length32 else {
                throw corrupt(
                    "the block at byte \(start) ends with a length of \(file.u32(start + length - 4, order) ?? 0), "
                        + "not the \(length) it starts with", start)
            }
            position = start + length
            let body = (start + 8)..<(start + length - 4)
            if let packet = try block(type: type, body: body, start: start) { return packet }
        }
        return nil
    }

    /// Reads a Section Header Block's byte-order magic and starts a new section.
    private mutating func startSection(at start: Int) throws(CaptureError) {
        if file.u32(start + 8, .little) == Self.byteOrderMagic {
            order = .little
        } else if file.u32(start + 8, .big) == Self.byteOrderMagic {
            order = .big
        } else {
            throw corrupt("the section header block at byte \(start) has no byte-order magic 1a2b3c4d", start)
        }
        // Interfaces are numbered per section.
        interfaces = []
    }

    /// One block's packet, if it carries one.
    private mutating func block(type: UInt32, body: Range<Int>, start: Int) throws(CaptureError) -> PcapPacket? {
        switch type {
        case Self.sectionHeaderType:
            guard body.count >= 16 else { throw corrupt("the section header block at byte \(start) is too short", start) }
            return nil
        case 1:
            try describeInterface(body: body, start: start)
            return nil
        case 6, 2:
            // An Enhanced Packet Block (6), or the obsolete Packet Block (2), whose interface id is
            // 16 bits followed by a 16-bit drops count; the rest is laid out alike.
            let kind = type == 6 ? "enhanced packet block" : "packet block"
            let id = type == 6 ? file.u32(body.lowerBound, order) : file.u16(body.lowerBound, order).map(UInt32.init)
            guard body.count >= 20, let id,
                let high = file.u32(body.lowerBound + 4, order), let low = file.u32(body.lowerBound + 8, order),
                let captured = file.u32(body.lowerBound + 12, order), let original = file.u32(body.lowerBound + 16, order)
            else { throw corrupt("the \(kind) at byte \(start) is too short", start) }
            return try packet(
                interface: Int(id), time: UInt64(high) << 32 | UInt64(low), dataStart: body.lowerBound + 20,
                captured: Int(captured), original: Int(original), body: body, start: start)
        case 3:
            guard body.count >= 4, let original = file.u32(body.lowerBound, order) else {
                throw corrupt("the simple packet block at byte \(start) is too short", start)
            }
            guard let interface = interfaces.first else {
                throw corrupt("the simple packet block at byte \(start) comes before any interface description", start)
            }
            // The captured length is what fits: the original length, cut by the snap length and the block.
            var captured = min(Int(original), body.count - 4)
            if interface.snapLength > 0 { captured = min(captured, Int(interface.snapLength)) }
            let data = file.bytes[(body.lowerBound + 4)..<(body.lowerBound + 4 + captured)]
            return PcapPacket(
                linkType: interface.linkType, microseconds: lastTime, data: data, originalLength: Int(original),
                fileOffset: start)
        default:
            skippedBlocks += 1
            return nil
        }
    }

    /// An Enhanced or obsolete Packet Block's packet, checked against its interface and block.
    private mutating func packet(
        interface id: Int, time: UInt64, dataStart: Int, captured: Int, original: Int, body: Range<Int>, start: Int
    ) throws(CaptureError) -> PcapPacket {
        guard id < interfaces.count else {
            throw corrupt(
                "the packet block at byte \(start) names interface \(id), but the section describes \(interfaces.count)",
                start)
        }
        guard captured <= body.upperBound - dataStart else {
            throw corrupt(
                "the packet block at byte \(start) claims \(captured) captured bytes, more than the block holds", start)
        }
        let interface = interfaces[id]
        let microseconds = PcapTime.microseconds(units: time, resolution: interface.resolution)
        lastTime = microseconds
        return PcapPacket(
            linkType: interface.linkType, microseconds: microseconds, data: file.bytes[dataStart..<(dataStart + captured)],
            originalLength: original, fileOffset: start)
    }

    /// Reads an Interface Description Block: link type, snap length, and the `if_tsresol` option.
    private mutating func describeInterface(body: Range<Int>, start: Int) throws(CaptureError) {
        guard body.count >= 8, let linkType = file.u16(body.lowerBound, order),
            let snapLength = file.u32(body.lowerBound + 4, order)
        else { throw corrupt("the interface description block at byte \(start) is too short", start) }
        var resolution = PcapngResolution.decimal(6)
        var option = body.lowerBound + 8
        // Options: code, length, value padded to 4 bytes; opt_endofopt (0) or the body's end stops them.
        while option + 4 <= body.upperBound, let code = file.u16(option, order), code != 0,
            let length = file.u16(option + 2, order)
        {
            let value = option + 4
            guard Int(length) <= body.upperBound - value else {
                throw corrupt("an option of the interface description block at byte \(start) runs past the block", option)
            }
            if code == 9, length >= 1 { resolution = PcapngResolution(optionByte: file.bytes[value]) }
            option = value + (Int(length) + 3) & ~3
        }
        interfaces.append(Interface(linkType: UInt32(linkType), snapLength: snapLength, resolution: resolution))
    }

    private func corrupt(_ message: String, _ offset: Int) -> CaptureError {
        CaptureError(.corruptPacketCapture, message, offset: offset)
    }
}
