/// Splits bytes the client wrote into its WebSocket frames, to tell control frames (close, pong),
/// which carry no secret and are recorded as written, from data frames, whose payloads are
/// recorded as redacted `sent` records instead.
///
/// The input is always whole frames made by the WebSocket layer, but it is parsed defensively:
/// anything that does not add up ends the split.
enum OutboundFrames {
    /// The byte ranges of the control frames in `bytes`.
    static func controlFrameRanges(in bytes: [UInt8]) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var offset = 0
        while bytes.count - offset >= 2 {
            let opcode = bytes[offset] & 0x0F
            var length = Int(bytes[offset + 1] & 0x7F)
            let masked = bytes[offset + 1] & 0x80 != 0
            var header = 2
            if length == 126 {
                guard bytes.count - offset >= 4 else { break }
                length = Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
                header = 4
            } else if length == 127 {
                guard bytes.count - offset >= 10 else { break }
                var wide: UInt64 = 0
                for index in 2..<10 { wide = wide << 8 | UInt64(bytes[offset + index]) }
                guard wide <= UInt64(bytes.count) else { break }
                length = Int(wide)
                header = 10
            }
            if masked { header += 4 }
            let remaining = bytes.count - offset
            guard header <= remaining, length <= remaining - header else { break }
            let end = offset + header + length
            if opcode >= 0x8 { ranges.append(offset..<end) }
            offset = end
        }
        return ranges
    }
}
