/// A packet capture file's packets, whichever of the two formats it is in.
enum PcapFileParser {
    case classic(PcapClassicParser)
    case next(PcapngParser)

    /// What the first four bytes of a file say, if they start a packet capture.
    enum Magic: Sendable, Hashable {
        /// Classic pcap in `order`, with micro- or nanosecond fractions.
        case classic(PcapByteOrder, nanoseconds: Bool)
        /// pcapng (its Section Header Block's type).
        case next

        /// The kind of file, for messages: `pcap (big-endian, nanosecond)`.
        var description: String {
            switch self {
            case .classic(let order, let nanoseconds):
                "pcap (\(order == .little ? "little" : "big")-endian, \(nanoseconds ? "nanosecond" : "microsecond") timestamps)"
            case .next:
                "pcapng"
            }
        }
    }

    /// Recognises the four classic pcap magics (either byte order) and pcapng's Section Header Block.
    static func magic(_ bytes: some Collection<UInt8>) -> Magic? {
        let first = Array(bytes.prefix(4))
        guard first.count == 4 else { return nil }
        switch first {
        case [0xD4, 0xC3, 0xB2, 0xA1]: return .classic(.little, nanoseconds: false)
        case [0xA1, 0xB2, 0xC3, 0xD4]: return .classic(.big, nanoseconds: false)
        case [0x4D, 0x3C, 0xB2, 0xA1]: return .classic(.little, nanoseconds: true)
        case [0xA1, 0xB2, 0x3C, 0x4D]: return .classic(.big, nanoseconds: true)
        case [0x0A, 0x0D, 0x0D, 0x0A]: return .next
        default: return nil
        }
    }

    /// Starts parsing `file`.
    /// - Throws: ``CaptureError/Kind/notACapture`` when it starts with no known magic,
    ///   ``CaptureError/Kind/corruptPacketCapture`` for a classic header cut short.
    init(file: PcapBytes) throws(CaptureError) {
        switch Self.magic(file.bytes) {
        case .classic(let order, let nanoseconds)?:
            self = .classic(try PcapClassicParser(file: file, order: order, nanoseconds: nanoseconds))
        case .next?:
            self = .next(PcapngParser(file: file))
        case nil:
            throw CaptureError(.notACapture, "the file starts with no pcap or pcapng magic number", offset: 0)
        }
    }

    /// The next packet, or `nil` at the end of the file.
    mutating func next() throws(CaptureError) -> PcapPacket? {
        switch self {
        case .classic(var parser):
            defer { self = .classic(parser) }
            return try parser.next()
        case .next(var parser):
            defer { self = .next(parser) }
            return try parser.next()
        }
    }
}
