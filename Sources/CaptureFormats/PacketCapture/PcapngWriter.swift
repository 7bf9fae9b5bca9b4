// Theory of operation
//
// pcapng (the IETF draft "PCAP Next Generation Dump File Format") is a sequence of blocks, each
// framed by its type and its total length, written twice (at the start and the end) so a
// reader can walk the file either way. No Swift library writes pcapng, so the few blocks
// gatewayctl needs are built by hand here: one Section Header Block, one Interface Description
// Block, Enhanced Packet Blocks, and a Decryption Secrets Block for TLS key logs.
//
// Everything is little-endian (the byte-order magic in the section header tells readers so).
// Bodies and option values are padded with zeros to 32 bits; the lengths written are the
// padded ones for blocks and the unpadded ones for option values and packet data, as the
// format asks. The writer is sans-I/O: each call appends the block's bytes to `output`, and
// the caller decides where they go (``takeOutput()``).

/// Builds a pcapng file block by block into memory, for the caller to write out.
public struct PcapngWriter: Sendable {
    /// The link type of the one interface: what each packet's bytes start with.
    public enum LinkType: UInt16, Sendable, Hashable {
        /// `LINKTYPE_ETHERNET`: an Ethernet II header, then the IP packet.
        case ethernet = 1
        /// `LINKTYPE_RAW`: the IP packet itself.
        case rawIP = 101
    }

    /// The bytes built since the last ``takeOutput()``.
    public private(set) var output: [UInt8] = []
    /// The interface's link type.
    public let linkType: LinkType

    /// Starts a file: appends its section header (naming `application` in `shb_userappl`,
    /// e.g. `gatewayctl 0.1.0`) and the description of its one interface.
    /// - Parameter snapLength: the most bytes of a packet kept (0: no limit).
    public init(application: String, linkType: LinkType = .ethernet, snapLength: UInt32 = 0) {
        self.linkType = linkType
        var options = PcapngOptions()
        options.append(code: PcapngOptions.shbUserApplication, text: application)
        var body = PcapngBytes()
        body.append32(PcapngBlockType.byteOrderMagic)
        body.append16(1)  // Major version.
        body.append16(0)  // Minor version.
        body.append64(UInt64.max)  // Section length -1: not given, so a writer can stream.
        body.append(options.finished())
        appendBlock(type: PcapngBlockType.sectionHeader, body: body.bytes)

        var interface = PcapngBytes()
        interface.append16(linkType.rawValue)
        interface.append16(0)  // Reserved.
        interface.append32(snapLength)
        // No if_tsresol: the default resolution, microseconds, is what the packets carry.
        appendBlock(type: PcapngBlockType.interfaceDescription, body: interface.bytes)
    }

    /// Appends one packet (its bytes starting with the ``linkType``'s header), captured at
    /// `timestampMicroseconds` since the Unix epoch, with an optional `opt_comment`.
    /// - Throws: ``PcapngWriterError`` for a packet longer than a block can say.
    public mutating func writePacket(
        _ packet: [UInt8], timestampMicroseconds: Int64, comment: String? = nil
    ) throws(PcapngWriterError) {
        guard let length = UInt32(exactly: packet.count), packet.count <= PcapngBlockType.maxBodyLength else {
            throw PcapngWriterError("a packet of \(packet.count) bytes is longer than a pcapng block can hold")
        }
        // Times before the epoch are clamped: the block's timestamp is unsigned.
        let timestamp = UInt64(max(0, timestampMicroseconds))
        var body = PcapngBytes()
        body.append32(0)  // Interface ID: the only interface.
        body.append32(UInt32(truncatingIfNeeded: timestamp >> 32))
        body.append32(UInt32(truncatingIfNeeded: timestamp))
        body.append32(length)  // Captured length.
        body.append32(length)  // Original length: nothing is cut.
        body.append(packet)
        body.padTo32Bits()
        var options = PcapngOptions()
        if let comment { options.append(code: PcapngOptions.comment, text: comment) }
        body.append(options.finished())
        appendBlock(type: PcapngBlockType.enhancedPacket, body: body.bytes)
    }

    /// Appends a Decryption Secrets Block holding `tlsKeyLog`, NSS key log text (the
    /// `SSLKEYLOGFILE` format), so Wireshark decrypts the TLS sessions that follow with no
    /// key log file of its own.
    /// - Throws: ``PcapngWriterError`` for secrets longer than a block can say.
    public mutating func writeDecryptionSecrets(tlsKeyLog: String) throws(PcapngWriterError) {
        let secrets = Array(tlsKeyLog.utf8)
        guard let length = UInt32(exactly: secrets.count), secrets.count <= PcapngBlockType.maxBodyLength else {
            throw PcapngWriterError("a key log of \(secrets.count) bytes is longer than a pcapng block can hold")
        }
        var body = PcapngBytes()
        body.append32(PcapngBlockType.tlsKeyLogSecrets)
        body.append32(length)
        body.append(secrets)
        body.padTo32Bits()
        appendBlock(type: PcapngBlockType.decryptionSecrets, body: body.bytes)
    }

    /// The bytes built so far, which are forgotten: the next call starts a new batch.
    public mutating func takeOutput() -> [UInt8] {
        defer { output = [] }
        return output
    }

    /// Frames `body` (already a multiple of 4 bytes) as a block of `type`.
    private mutating func appendBlock(type: UInt32, body: [UInt8]) {
        // Bodies are bounded by ``PcapngBlockType/maxBodyLength`` above, so the total fits.
        let total = UInt32(truncatingIfNeeded: body.count + 12)
        var block = PcapngBytes()
        block.append32(type)
        block.append32(total)
        block.append(body)
        block.append32(total)
        output += block.bytes
    }
}

/// A packet or secret too large for the pcapng format.
public struct PcapngWriterError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was too large, in words.
    public var message: String

    /// Creates an error.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
