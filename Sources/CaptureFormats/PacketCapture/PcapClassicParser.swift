/// Reads the records of a classic pcap file (tcpdump's format, draft-ietf-opsawg-pcap).
///
/// A 24-byte file header (magic, version, snap length, link type) is followed by records of a
/// 16-byte header (seconds, fraction, captured length, original length) and the captured bytes.
/// The magic says the byte order and whether the fraction counts micro- or nanoseconds.
struct PcapClassicParser {
    /// The file header's length.
    static let headerLength = 24

    private let file: PcapBytes
    private let order: PcapByteOrder
    private let nanoseconds: Bool
    private let linkType: UInt32
    private var position = PcapClassicParser.headerLength

    /// Reads the file header; `order` and `nanoseconds` come from the magic the sniffer matched.
    init(file: PcapBytes, order: PcapByteOrder, nanoseconds: Bool) throws(CaptureError) {
        guard let rawLinkType = file.u32(20, order) else {
            throw CaptureError(
                .corruptPacketCapture,
                "the pcap file header is cut short: \(file.bytes.count) of its 24 bytes", offset: file.bytes.count)
        }
        self.file = file
        self.order = order
        self.nanoseconds = nanoseconds
        // The upper bits hold the FCS length (and reserved bits); the link type is the low 16.
        self.linkType = rawLinkType & 0xFFFF
    }

    /// The next packet, or `nil` at the end of the file.
    /// - Throws: ``CaptureError/Kind/corruptPacketCapture`` naming the record's offset when the
    ///   file ends inside it.
    mutating func next() throws(CaptureError) -> PcapPacket? {
        let start = position
        let count = file.bytes.count
        guard start < count else { return nil }
        guard let seconds = file.u32(start, order), let fraction = file.u32(start + 4, order),
            let captured = file.u32(start + 8, order), let original = file.u32(start + 12, order)
        else {
            throw CaptureError(
                .corruptPacketCapture,
                "the file ends inside the header of the packet record at byte \(start) (\(count - start) of its 16 bytes)",
                offset: start)
        }
        let dataStart = start + 16
        guard Int(captured) <= count - dataStart else {
            throw CaptureError(
                .corruptPacketCapture,
                "the file ends inside the packet record at byte \(start): it claims \(captured) captured bytes, "
                    + "\(count - dataStart) remain",
                offset: start)
        }
        position = dataStart + Int(captured)
        return PcapPacket(
            linkType: linkType,
            microseconds: PcapTime.microseconds(seconds: seconds, fraction: fraction, nanoseconds: nanoseconds),
            data: file.bytes[dataStart..<position], originalLength: Int(original), fileOffset: start)
    }
}
