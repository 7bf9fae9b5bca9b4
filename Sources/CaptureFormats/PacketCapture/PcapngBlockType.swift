/// The numbers of the pcapng format that gatewayctl writes.
enum PcapngBlockType {
    /// Section Header Block.
    static let sectionHeader: UInt32 = 0x0A0D_0D0A
    /// Interface Description Block.
    static let interfaceDescription: UInt32 = 0x0000_0001
    /// Enhanced Packet Block.
    static let enhancedPacket: UInt32 = 0x0000_0006
    /// Decryption Secrets Block.
    static let decryptionSecrets: UInt32 = 0x0000_000A
    /// The section header's byte-order magic, written in the file's (little-endian) order.
    static let byteOrderMagic: UInt32 = 0x1A2B_3C4D
    /// The Decryption Secrets Block's secrets type for a TLS key log ('TLSK').
    static let tlsKeyLogSecrets: UInt32 = 0x544C_534B
    /// The most body bytes a block may hold, leaving room for its framing and options in a
    /// 32-bit total length.
    static let maxBodyLength = Int(UInt32.max) - (1 << 20)
}

/// A little-endian byte builder for pcapng blocks.
struct PcapngBytes {
    /// The bytes built.
    private(set) var bytes: [UInt8] = []

    /// Appends `value`, least significant byte first.
    mutating func append16(_ value: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: value))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
    }

    /// Appends `value`, least significant byte first.
    mutating func append32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    /// Appends `value`, least significant byte first.
    mutating func append64(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    /// Appends raw bytes.
    mutating func append(_ more: [UInt8]) { bytes += more }

    /// Appends zeros up to the next multiple of 4 bytes.
    mutating func padTo32Bits() {
        while bytes.count % 4 != 0 { bytes.append(0) }
    }
}

/// A block's options: code, length, value padded to 32 bits, then `opt_endofopt`.
struct PcapngOptions {
    /// `opt_comment`: UTF-8 text about the block.
    static let comment: UInt16 = 1
    /// `shb_userappl`: the application that wrote the section.
    static let shbUserApplication: UInt16 = 4

    private var bytes = PcapngBytes()
    private var isEmpty = true

    /// Appends a UTF-8 text option; text longer than an option can hold (65,535 bytes) is cut
    /// at the last whole character that fits, as the length field is 16 bits.
    mutating func append(code: UInt16, text: String) {
        var value = Array(text.utf8)
        if value.count > Int(UInt16.max) {
            var end = Int(UInt16.max)
            // Back up to the start of a UTF-8 sequence, so the cut leaves valid text.
            while end > 0, value[end] & 0xC0 == 0x80 { end -= 1 }
            value = Array(value[..<end])
        }
        bytes.append16(code)
        bytes.append16(UInt16(truncatingIfNeeded: value.count))
        bytes.append(value)
        bytes.padTo32Bits()
        isEmpty = false
    }

    /// The options with their end marker, or nothing when there are none.
    func finished() -> [UInt8] {
        guard !isEmpty else { return [] }
        var done = bytes
        done.append16(0)  // opt_endofopt.
        done.append16(0)
        return done.bytes
    }
}
