/// Standard base64 (RFC 4648 §4, with padding), written for bulk speed:
/// capture files hold every chunk as base64, so replay decodes all of it.
package enum Base64 {
    /// Why a base64 text could not be decoded.
    package struct DecodingError: Error, Equatable {
        /// Index of the offending character in the input.
        package var index: Int
        /// What was wrong there.
        package var reason: String
    }

    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// 0...63 for alphabet characters, 0xFF for everything else.
    private static let decodeTable: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (value, character) in alphabet.enumerated() { table[Int(character)] = UInt8(value) }
        return table
    }()

    /// Encodes `bytes` and appends the text to `output`.
    package static func encode(_ bytes: UnsafeRawBufferPointer, appendingTo output: inout [UInt8]) {
        let fullGroups = bytes.count / 3
        let encodedCount = (bytes.count + 2) / 3 * 4
        let oldCount = output.count
        output.append(contentsOf: repeatElement(0, count: encodedCount))
        alphabet.withUnsafeBufferPointer { alphabet in
            output.withUnsafeMutableBufferPointer { out in
                var write = oldCount
                var read = 0
                for _ in 0..<fullGroups {
                    let value = UInt32(bytes[read]) << 16 | UInt32(bytes[read + 1]) << 8 | UInt32(bytes[read + 2])
                    out[write] = alphabet[Int(value >> 18)]
                    out[write + 1] = alphabet[Int(value >> 12 & 0x3F)]
                    out[write + 2] = alphabet[Int(value >> 6 & 0x3F)]
                    out[write + 3] = alphabet[Int(value & 0x3F)]
                    read += 3
                    write += 4
                }
                let remaining = bytes.count - read
                if remaining > 0 {
                    var value = UInt32(bytes[read]) << 16
                    if remaining == 2 { value |= UInt32(bytes[read + 1]) << 8 }
                    out[write] = alphabet[Int(value >> 18)]
                    out[write + 1] = alphabet[Int(value >> 12 & 0x3F)]
                    out[write + 2] = remaining == 2 ? alphabet[Int(value >> 6 & 0x3F)] : UInt8(ascii: "=")
                    out[write + 3] = UInt8(ascii: "=")
                }
            }
        }
    }

    /// Decodes padded base64 with no whitespace, as capture records hold it.
    package static func decode(_ text: UnsafeRawBufferPointer) throws(DecodingError) -> [UInt8] {
        guard text.count % 4 == 0 else {
            throw DecodingError(index: text.count, reason: "length \(text.count) is not a multiple of 4")
        }
        var padding = 0
        if text.count >= 4 {
            if text[text.count - 1] == UInt8(ascii: "=") { padding += 1 }
            if text[text.count - 2] == UInt8(ascii: "=") { padding += 1 }
        }
        var output = [UInt8](repeating: 0, count: text.count / 4 * 3 - padding)
        let failure: DecodingError? = decodeTable.withUnsafeBufferPointer { table in
            output.withUnsafeMutableBufferPointer { out in
                var read = 0
                var write = 0
                let groups = text.count / 4
                for group in 0..<groups {
                    let isLast = group == groups - 1
                    let a = table[Int(text[read])]
                    let b = table[Int(text[read + 1])]
                    var c = table[Int(text[read + 2])]
                    var d = table[Int(text[read + 3])]
                    if isLast && padding > 0 {
                        if padding == 2 { c = 0 }
                        d = 0
                    }
                    if (a | b | c | d) & 0xC0 != 0 {
                        let bad = [a, b, c, d].firstIndex { $0 == 0xFF } ?? 0
                        return DecodingError(index: read + bad, reason: "not a base64 character")
                    }
                    let value = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6 | UInt32(d)
                    out[write] = UInt8(truncatingIfNeeded: value >> 16)
                    if !(isLast && padding == 2) {
                        out[write + 1] = UInt8(truncatingIfNeeded: value >> 8)
                        if !(isLast && padding == 1) { out[write + 2] = UInt8(truncatingIfNeeded: value) }
                    }
                    read += 4
                    write += 3
                }
                return nil
            }
        }
        if let failure { throw failure }
        return output
    }

    /// Decodes base64 that may be wrapped and indented (as `base64` prints it),
    /// with or without padding. Errors give the index of the offending character.
    package static func decodeLenient(_ text: UnsafeRawBufferPointer) throws(DecodingError) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(text.count / 4 * 3 + 3)
        var accumulator: UInt32 = 0
        var pending = 0
        var paddingAt: Int?
        for index in 0..<text.count {
            let character = text[index]
            switch character {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                continue
            case UInt8(ascii: "="):
                if paddingAt == nil { paddingAt = index }
                continue
            default:
                break
            }
            if paddingAt != nil {
                throw DecodingError(index: index, reason: "data after '=' padding")
            }
            let value = decodeTable[Int(character)]
            guard value != 0xFF else { throw DecodingError(index: index, reason: "not a base64 character") }
            accumulator = accumulator << 6 | UInt32(value)
            pending += 1
            if pending == 4 {
                output.append(UInt8(truncatingIfNeeded: accumulator >> 16))
                output.append(UInt8(truncatingIfNeeded: accumulator >> 8))
                output.append(UInt8(truncatingIfNeeded: accumulator))
                accumulator = 0
                pending = 0
            }
        }
        switch pending {
        case 0: break
        case 1: throw DecodingError(index: paddingAt ?? text.count, reason: "a single base64 character cannot end the data")
        case 2: output.append(UInt8(truncatingIfNeeded: accumulator >> 4))
        default:
            output.append(UInt8(truncatingIfNeeded: accumulator >> 10))
            output.append(UInt8(truncatingIfNeeded: accumulator >> 2))
        }
        return output
    }
}
