/// Conversions between ETF big-integer magnitudes (little-endian bytes) and ``GatewayValue`` integers.
///
/// Big integers wider than 64 bits become decimal text. The decoder caps the
/// magnitude at ``GatewayETF/maxBigIntegerBytes`` because the conversion is
/// quadratic in the length.
enum ETFBigInteger {
    /// The canonical value of a magnitude and sign: `integer` when it fits `Int64`,
    /// `unsignedInteger` above `Int64.max` up to `UInt64.max`, else `bigInteger` text.
    static func value(magnitude: UnsafeRawBufferPointer, isNegative: Bool) -> GatewayValue {
        let length = significantLength(magnitude)
        if length <= 8 {
            var word: UInt64 = 0
            for index in stride(from: length - 1, through: 0, by: -1) {
                word = word << 8 | UInt64(magnitude[index])
            }
            if !isNegative { return GatewayValue(word) }
            if word <= UInt64(Int64.max) + 1 {
                // Two's complement negation of a value at most 2^63 is exactly representable.
                return .integer(Int64(bitPattern: 0 &- word))
            }
        }
        return .bigInteger(decimalText(magnitude: magnitude, length: length, isNegative: isNegative))
    }

    /// The decimal text of a magnitude of any length, with a `-` when negative and non-zero.
    static func decimalText(magnitude: UnsafeRawBufferPointer, isNegative: Bool) -> String {
        decimalText(magnitude: magnitude, length: significantLength(magnitude), isNegative: isNegative)
    }

    /// The number of bytes left after dropping high-order zero bytes.
    private static func significantLength(_ magnitude: UnsafeRawBufferPointer) -> Int {
        var length = magnitude.count
        while length > 0 && magnitude[length - 1] == 0 { length -= 1 }
        return length
    }

    private static let chunkDivisor: UInt64 = 10_000_000_000_000_000_000  // 10^19, the largest power of ten in UInt64
    private static let chunkDigits = 19

    private static func decimalText(magnitude: UnsafeRawBufferPointer, length: Int, isNegative: Bool) -> String {
        if length == 0 { return "0" }
        // Little-endian 64-bit words, then repeated division by 10^19 from the top word down.
        var words = [UInt64](repeating: 0, count: (length + 7) / 8)
        for index in 0..<length {
            words[index / 8] |= UInt64(magnitude[index]) << (UInt64(index % 8) * 8)
        }
        var chunks: [UInt64] = []
        var wordCount = words.count
        while wordCount > 0 {
            var remainder: UInt64 = 0
            for index in stride(from: wordCount - 1, through: 0, by: -1) {
                // remainder < divisor, so the quotient fits one word.
                let (quotient, rest) = chunkDivisor.dividingFullWidth((high: remainder, low: words[index]))
                words[index] = quotient
                remainder = rest
            }
            chunks.append(remainder)
            while wordCount > 0 && words[wordCount - 1] == 0 { wordCount -= 1 }
        }
        var text = isNegative ? "-" : ""
        text.reserveCapacity(chunks.count * chunkDigits + 1)
        for (position, chunk) in chunks.reversed().enumerated() {
            let digits = String(chunk)
            if position > 0 { text += String(repeating: "0", count: chunkDigits - digits.utf8.count) }
            text += digits
        }
        return text
    }

    /// The little-endian magnitude (no high zero bytes) and sign of decimal text `-?[0-9]+`, or `nil` for other text.
    static func magnitude(decimal text: String) -> (bytes: [UInt8], isNegative: Bool)? {
        var utf8 = Substring(text).utf8
        let isNegative = utf8.first == UInt8(ascii: "-")
        if isNegative { utf8 = utf8.dropFirst() }
        guard !utf8.isEmpty, utf8.allSatisfy({ $0 &- 0x30 < 10 }) else { return nil }
        // Little-endian words; multiply by 10^k and add each chunk of up to 19 digits.
        var words: [UInt64] = [0]
        var chunk: UInt64 = 0
        var chunkScale: UInt64 = 1
        func flush() {
            var carry = chunk
            for index in words.indices {
                let product = words[index].multipliedFullWidth(by: chunkScale)
                let (sum, overflow) = product.low.addingReportingOverflow(carry)
                words[index] = sum
                carry = product.high + (overflow ? 1 : 0)
            }
            if carry != 0 { words.append(carry) }
            chunk = 0
            chunkScale = 1
        }
        for digit in utf8 {
            chunk = chunk * 10 + UInt64(digit - 0x30)
            chunkScale *= 10
            if chunkScale == chunkDivisor { flush() }
        }
        if chunkScale > 1 { flush() }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(words.count * 8)
        for word in words {
            for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
        }
        while let last = bytes.last, last == 0 { bytes.removeLast() }
        return (bytes, isNegative && !bytes.isEmpty)
    }
}
