import CJSONScan

/// Incremental UTF-8 validation (RFC 3629), fed any number of chunks.
///
/// A WebSocket text message must be valid UTF-8 as a whole, but a code point
/// may be split across reads and across fragments, so the validator carries
/// the partial sequence between calls. It rejects overlong forms, surrogates
/// (U+D800...U+DFFF) and code points above U+10FFFF at the first byte that
/// makes the sequence impossible, the way a browser fails fast.
struct UTF8Validator: Sendable, Hashable {
    /// Continuation bytes still expected for the current sequence.
    private var pending: UInt8 = 0
    /// Bytes of the current sequence already seen (lead byte included).
    private var seen: UInt8 = 0
    /// Allowed range of the next continuation byte; only the first one after
    /// the lead byte is narrower than 0x80...0xBF.
    private var lower: UInt8 = 0x80
    private var upper: UInt8 = 0xBF

    /// True when no multi-byte sequence is open (the input so far ends on a
    /// character boundary).
    var isAtCharacterBoundary: Bool { pending == 0 }

    /// Bytes of an unfinished trailing sequence, to point an error at its start.
    var unfinishedSequenceLength: Int { pending == 0 ? 0 : Int(seen) }

    /// Validates `bytes`; returns the index in `bytes` of the first invalid
    /// byte, or nil when everything so far is (a prefix of) valid UTF-8.
    mutating func validate(_ bytes: UnsafeRawBufferPointer) -> Int? {
        let count = bytes.count
        var index = 0
        while index < count {
            if pending != 0 {
                // A sequence left open by the previous chunk (or cut by this one's end).
                let byte = bytes[index]
                guard byte >= lower && byte <= upper else { return index }
                lower = 0x80
                upper = 0xBF
                pending -= 1
                seen += 1
                index += 1
                continue
            }
            // Discord's JSON is nearly all ASCII: skip long runs with the vector check
            // (CJSONScan), shorter ones 16, then 8 bytes at a time.
            if count - index >= 64, let base = bytes.baseAddress {
                index += cjsonscan_ascii_prefix(
                    (base + index).assumingMemoryBound(to: UInt8.self), count - index)
            }
            while count - index >= 16 {
                let first = bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                let second = bytes.loadUnaligned(fromByteOffset: index + 8, as: UInt64.self)
                guard (first | second) & 0x8080_8080_8080_8080 == 0 else { break }
                index += 16
            }
            while count - index >= 8,
                bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 == 0
            {
                index += 8
            }
            if index == count { break }
            let lead = bytes[index]
            let length: Int
            switch lead {
            case 0x00...0x7F: index += 1; continue
            case 0xC2...0xDF: length = 2; lower = 0x80; upper = 0xBF
            case 0xE0: length = 3; lower = 0xA0; upper = 0xBF
            case 0xE1...0xEC, 0xEE...0xEF: length = 3; lower = 0x80; upper = 0xBF
            case 0xED: length = 3; lower = 0x80; upper = 0x9F
            case 0xF0: length = 4; lower = 0x90; upper = 0xBF
            case 0xF1...0xF3: length = 4; lower = 0x80; upper = 0xBF
            case 0xF4: length = 4; lower = 0x80; upper = 0x8F
            default: return index
            }
            guard count - index >= length else {
                // The sequence continues in the next chunk: carry it over.
                pending = UInt8(truncatingIfNeeded: length - 1)
                seen = 1
                index += 1
                continue
            }
            // The whole sequence is here: check it without touching the carried state.
            let second = bytes[index + 1]
            guard second >= lower && second <= upper else { return index + 1 }
            for offset in 2..<length {
                let byte = bytes[index + offset]
                guard byte >= 0x80 && byte <= 0xBF else { return index + offset }
            }
            lower = 0x80
            upper = 0xBF
            index += length
        }
        return nil
    }

    /// Validates an array (convenience for short values such as close reasons).
    mutating func validate(_ bytes: [UInt8]) -> Int? {
        bytes.withUnsafeBytes { validate($0) }
    }
}
