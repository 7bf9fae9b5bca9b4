/// Writes ``GatewayValue``s with the tags Discord's erlpack chooses (see ``GatewayETF/encode(_:)``).
///
/// Recursive: it encodes what the client builds and sends (payloads of at most
/// 4096 bytes), never peer input.
struct ETFEncoder {
    private(set) var bytes: [UInt8]

    init() {
        bytes = [ETFTag.version]
        bytes.reserveCapacity(256)
    }

    mutating func append(_ value: GatewayValue) throws(ETFEncodingError) {
        switch value {
        case .null:
            bytes.append(contentsOf: [ETFTag.smallAtom, 3, 0x6E, 0x69, 0x6C])
        case .bool(true):
            bytes.append(contentsOf: [ETFTag.smallAtom, 4, 0x74, 0x72, 0x75, 0x65])
        case .bool(false):
            bytes.append(contentsOf: [ETFTag.smallAtom, 5, 0x66, 0x61, 0x6C, 0x73, 0x65])
        case .integer(let integer):
            appendInteger(magnitude: integer.magnitude, isNegative: integer < 0)
        case .unsignedInteger(let integer):
            appendInteger(magnitude: integer, isNegative: false)
        case .bigInteger(let text):
            guard let (magnitude, isNegative) = ETFBigInteger.magnitude(decimal: text) else {
                throw ETFEncodingError(.invalidBigInteger, message: "big integer text \"\(text)\" is not a decimal integer")
            }
            if magnitude.count <= 8 {
                var word: UInt64 = 0
                for byte in magnitude.reversed() { word = word << 8 | UInt64(byte) }
                appendInteger(magnitude: word, isNegative: isNegative)
            } else {
                try appendBig(magnitude: magnitude, isNegative: isNegative)
            }
        case .double(let double):
            guard double.isFinite else {
                throw ETFEncodingError(.nonFiniteDouble, message: "\(double) has no ETF representation")
            }
            bytes.append(ETFTag.newFloat)
            appendUInt64(double.bitPattern)
        case .string(let string):
            try appendBinary(string)
        case .array(let elements):
            if elements.isEmpty {
                bytes.append(ETFTag.nil)
                return
            }
            bytes.append(ETFTag.list)
            try appendLength(elements.count, of: "array")
            for element in elements { try append(element) }
            bytes.append(ETFTag.nil)
        case .object(let object):
            bytes.append(ETFTag.map)
            try appendLength(object.count, of: "object")
            for entry in object {
                try appendBinary(entry.key)
                try append(entry.value)
            }
        }
    }

    /// erlpack's integer choice: 0...255 small, `Int32` range plain, anything wider a minimal `SMALL_BIG_EXT`.
    private mutating func appendInteger(magnitude: UInt64, isNegative: Bool) {
        if !isNegative && magnitude <= 255 {
            bytes.append(ETFTag.smallInteger)
            bytes.append(UInt8(magnitude))
        } else if (!isNegative && magnitude <= UInt64(Int32.max)) || (isNegative && magnitude <= UInt64(Int32.max) + 1) {
            bytes.append(ETFTag.integer)
            let value = isNegative ? Int32(truncatingIfNeeded: 0 &- magnitude) : Int32(magnitude)
            appendUInt32(UInt32(bitPattern: value))
        } else {
            bytes.append(ETFTag.smallBig)
            let countIndex = bytes.count
            bytes.append(0)
            bytes.append(isNegative ? 1 : 0)
            var rest = magnitude
            var count: UInt8 = 0
            while rest > 0 {
                bytes.append(UInt8(truncatingIfNeeded: rest))
                rest >>= 8
                count += 1
            }
            bytes[countIndex] = count
        }
    }

    private mutating func appendBig(magnitude: [UInt8], isNegative: Bool) throws(ETFEncodingError) {
        if magnitude.count <= 255 {
            bytes.append(ETFTag.smallBig)
            bytes.append(UInt8(magnitude.count))
        } else {
            bytes.append(ETFTag.largeBig)
            try appendLength(magnitude.count, of: "big integer")
        }
        bytes.append(isNegative ? 1 : 0)
        bytes.append(contentsOf: magnitude)
    }

    private mutating func appendBinary(_ string: String) throws(ETFEncodingError) {
        bytes.append(ETFTag.binary)
        let utf8 = string.utf8
        try appendLength(utf8.count, of: "string")
        bytes.append(contentsOf: utf8)
    }

    private mutating func appendLength(_ count: Int, of what: String) throws(ETFEncodingError) {
        guard let length = UInt32(exactly: count) else {
            throw ETFEncodingError(
                .valueTooLarge, message: "a \(what) of \(count) elements or bytes exceeds 32-bit lengths")
        }
        appendUInt32(length)
    }

    private mutating func appendUInt32(_ value: UInt32) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    private mutating func appendUInt64(_ value: UInt64) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }
}
