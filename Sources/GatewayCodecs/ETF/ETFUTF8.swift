/// UTF-8 validation without building a `String`, for the envelope scanner and for error offsets.
enum ETFUTF8 {
    /// The index of the first byte that does not start or continue a valid UTF-8 sequence (RFC 3629), or `nil`.
    ///
    /// ASCII runs are checked eight bytes at a time: gateway text is mostly ASCII.
    static func firstInvalidIndex(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        let count = bytes.count
        var index = 0
        while index < count {
            if count - index >= 8 {
                let word = base.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                if word & 0x8080_8080_8080_8080 == 0 {
                    index += 8
                    continue
                }
            }
            let lead = base.load(fromByteOffset: index, as: UInt8.self)
            if lead < 0x80 {
                index += 1
                continue
            }
            let length: Int
            var low: UInt8 = 0x80
            var high: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; high = 0x9F
            case 0xF0: length = 4; low = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; high = 0x8F
            default: return index
            }
            guard count - index >= length else { return index }
            let second = base.load(fromByteOffset: index + 1, as: UInt8.self)
            guard second >= low && second <= high else { return index }
            for offset in 2..<length where base.load(fromByteOffset: index + offset, as: UInt8.self) & 0xC0 != 0x80 {
                return index
            }
            index += length
        }
        return nil
    }

    /// Whether `bytes` are valid UTF-8.
    @inline(__always)
    static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool { firstInvalidIndex(bytes) == nil }

    /// A string from bytes known to be valid UTF-8 or Latin-1, or `nil` when UTF-8 bytes are invalid.
    @inline(__always)
    static func string(_ bytes: UnsafeRawBufferPointer, isLatin1: Bool = false) -> String? {
        if isLatin1 { return latin1String(bytes) }
        // Validated here first: `String(validating:as:)` is not specialized for raw buffers and costs
        // a generic metadata lookup per string, while `String(decoding:as:)` has a fast path for valid input.
        guard isValid(bytes) else { return nil }
        return String(decoding: bytes.assumingMemoryBound(to: UInt8.self), as: UTF8.self)
    }

    /// Latin-1 bytes (old `ATOM_EXT`/`SMALL_ATOM_EXT`) mapped one to one onto Unicode scalars U+0000...U+00FF.
    static func latin1String(_ bytes: UnsafeRawBufferPointer) -> String {
        var isASCII = true
        for byte in bytes where byte >= 0x80 {
            isASCII = false
            break
        }
        if isASCII { return String(decoding: bytes.assumingMemoryBound(to: UInt8.self), as: UTF8.self) }
        // Each Latin-1 byte becomes at most two UTF-8 bytes.
        return String(unsafeUninitializedCapacity: bytes.count * 2) { buffer in
            var written = 0
            for byte in bytes {
                if byte < 0x80 {
                    buffer[written] = byte
                    written += 1
                } else {
                    buffer[written] = 0xC0 | (byte >> 6)
                    buffer[written + 1] = 0x80 | (byte & 0x3F)
                    written += 2
                }
            }
            return written
        }
    }
}
