/// The byte order of a pcap file or pcapng section, as its magic number showed it.
enum PcapByteOrder: Sendable, Hashable {
    /// Least significant byte first.
    case little
    /// Most significant byte first (network order).
    case big
}

/// Bounds-checked reads of fixed-size integers from a packet capture's bytes.
///
/// Every read names an absolute index into the file and returns `nil` past its end, so a
/// length taken from the input can never index out of bounds.
struct PcapBytes {
    /// The whole file.
    let bytes: [UInt8]

    /// A 16-bit value at `index` in `order`, or `nil` when it does not fit.
    func u16(_ index: Int, _ order: PcapByteOrder) -> UInt16? {
        guard index >= 0, index <= bytes.count &- 2 else { return nil }
        let a = UInt16(bytes[index]), b = UInt16(bytes[index + 1])
        return order == .little ? a | b << 8 : a << 8 | b
    }

    /// A 32-bit value at `index` in `order`, or `nil` when it does not fit.
    func u32(_ index: Int, _ order: PcapByteOrder) -> UInt32? {
        guard index >= 0, index <= bytes.count &- 4 else { return nil }
        var value: UInt32 = 0
        for i in 0..<4 {
            let byte = UInt32(bytes[index + (order == .little ? 3 - i : i)])
            value = value << 8 | byte
        }
        return value
    }
}

/// Bounds-checked reads from one packet's bytes (a slice of the file), by offset from its start.
enum PacketBytes {
    /// A big-endian (network order) 16-bit value at `offset`, or `nil` past the end.
    static func u16(_ bytes: ArraySlice<UInt8>, _ offset: Int) -> UInt16? {
        guard offset >= 0, offset <= bytes.count &- 2 else { return nil }
        let i = bytes.startIndex + offset
        return UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1])
    }

    /// A big-endian 32-bit value at `offset`, or `nil` past the end.
    static func u32(_ bytes: ArraySlice<UInt8>, _ offset: Int) -> UInt32? {
        guard let high = u16(bytes, offset), let low = u16(bytes, offset + 2) else { return nil }
        return UInt32(high) << 16 | UInt32(low)
    }

    /// A 32-bit value at `offset` in little-endian order, or `nil` past the end.
    static func u32LittleEndian(_ bytes: ArraySlice<UInt8>, _ offset: Int) -> UInt32? {
        guard let value = u32(bytes, offset) else { return nil }
        return value.byteSwapped
    }

    /// The byte at `offset`, or `nil` past the end.
    static func u8(_ bytes: ArraySlice<UInt8>, _ offset: Int) -> UInt8? {
        guard offset >= 0, offset < bytes.count else { return nil }
        return bytes[bytes.startIndex + offset]
    }

    /// The bytes from `offset` on (empty past the end).
    static func suffix(_ bytes: ArraySlice<UInt8>, from offset: Int) -> ArraySlice<UInt8> {
        guard offset >= 0, offset < bytes.count else { return bytes[bytes.endIndex...] }
        return bytes[(bytes.startIndex + offset)...]
    }
}
