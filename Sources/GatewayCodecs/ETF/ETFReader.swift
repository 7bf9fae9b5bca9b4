/// One ETF term header, read and bounds-checked, with its payload bytes still in the input.
///
/// Both the value decoder and the envelope scanner walk the input through
/// ``ETFReader/nextToken()``, so every bounds, length and format rule lives
/// in one place and the two can never disagree about what is valid.
/// Container tokens carry only their element count: the caller reads the
/// elements (and, for lists, the tail) next.
enum ETFToken {
    /// `SMALL_INTEGER_EXT` or `INTEGER_EXT`.
    case integer(Int64)
    /// `SMALL_BIG_EXT` or `LARGE_BIG_EXT`: little-endian magnitude bytes and sign.
    case bigInteger(magnitude: UnsafeRawBufferPointer, isNegative: Bool)
    /// `NEW_FLOAT_EXT` or `FLOAT_EXT`, already checked to be finite.
    case double(Double)
    /// Any of the four atom tags; `isLatin1` for `ATOM_EXT`/`SMALL_ATOM_EXT`.
    case atom(UnsafeRawBufferPointer, isLatin1: Bool)
    /// `BINARY_EXT`: bytes not yet checked for UTF-8.
    case binary(UnsafeRawBufferPointer)
    /// `STRING_EXT`: a list of small integers packed as bytes.
    case string(UnsafeRawBufferPointer)
    /// `NIL_EXT`: the empty list.
    case emptyList
    /// `LIST_EXT`: `count` elements then a tail term follow.
    case list(count: Int)
    /// `SMALL_TUPLE_EXT` or `LARGE_TUPLE_EXT`: `count` elements follow.
    case tuple(count: Int)
    /// `MAP_EXT`: `count` key/value pairs follow.
    case map(count: Int)
}

/// A bounds-checked cursor over ETF bytes.
///
/// Every read compares against ``end`` first; every announced length or
/// element count is compared with the bytes that remain before anyone
/// allocates for it (an element takes at least one byte, a map pair two,
/// a list's tail one more).
struct ETFReader {
    /// The start of the buffer; offsets are relative to it.
    let base: UnsafeRawPointer
    /// One past the last byte this reader may read.
    let end: Int
    /// The offset of the next byte to read.
    var cursor: Int
    /// Whether the bytes are an inflated `COMPRESSED` term (for error offsets).
    let isInInflatedTerm: Bool

    /// Offset and tag of the term being read, for errors.
    private(set) var termOffset = 0
    private(set) var termTag: UInt8 = 0

    init(base: UnsafeRawPointer, range: Range<Int>, isInInflatedTerm: Bool) {
        self.base = base
        self.end = range.upperBound
        self.cursor = range.lowerBound
        self.isInInflatedTerm = isInInflatedTerm
    }

    var remaining: Int { end - cursor }
    var isAtEnd: Bool { cursor >= end }

    // MARK: Errors

    @inline(never)
    func failure(_ kind: ETFDecodingError.Kind, at offset: Int, tag: UInt8?, _ message: String) -> ETFDecodingError {
        ETFDecodingError(kind, offset: offset, tag: tag, isInInflatedTerm: isInInflatedTerm, message: message)
    }

    /// An error about the term being read, located at its tag byte.
    @inline(never)
    func termFailure(_ kind: ETFDecodingError.Kind, _ message: String) -> ETFDecodingError {
        failure(kind, at: termOffset, tag: termTag, message)
    }

    @inline(never)
    func truncated(_ what: String) -> ETFDecodingError {
        failure(
            .unexpectedEndOfInput, at: cursor, tag: cursor > termOffset ? termTag : nil,
            "input ends while reading \(what)")
    }

    @inline(never)
    func tooLong(_ count: Int, _ unit: String, needing needed: Int) -> ETFDecodingError {
        termFailure(
            .lengthExceedsInput,
            "announces \(count) \(unit) needing at least \(needed) bytes, but only \(remaining) bytes remain")
    }

    /// An error for text bytes of the current term that are not UTF-8, located at the first bad byte.
    @inline(never)
    func invalidUTF8(_ bytes: UnsafeRawBufferPointer) -> ETFDecodingError {
        let start = bytes.baseAddress.map { $0 - base } ?? cursor
        let index = ETFUTF8.firstInvalidIndex(bytes) ?? 0
        return failure(
            .invalidUTF8, at: start + index, tag: termTag,
            "byte \(bytes[index]) at index \(index) of the text starting at byte \(termOffset) is not valid UTF-8")
    }

    // MARK: Primitive reads

    @inline(__always)
    mutating func readByte(_ what: @autoclosure () -> String) throws(ETFDecodingError) -> UInt8 {
        guard cursor < end else { throw truncated(what()) }
        let byte = base.load(fromByteOffset: cursor, as: UInt8.self)
        cursor += 1
        return byte
    }

    @inline(__always)
    mutating func readUInt16(_ what: @autoclosure () -> String) throws(ETFDecodingError) -> Int {
        guard remaining >= 2 else { throw truncated(what()) }
        let value = UInt16(bigEndian: base.loadUnaligned(fromByteOffset: cursor, as: UInt16.self))
        cursor += 2
        return Int(value)
    }

    @inline(__always)
    mutating func readUInt32(_ what: @autoclosure () -> String) throws(ETFDecodingError) -> UInt32 {
        guard remaining >= 4 else { throw truncated(what()) }
        let value = UInt32(bigEndian: base.loadUnaligned(fromByteOffset: cursor, as: UInt32.self))
        cursor += 4
        return value
    }

    /// A 32-bit length or count; on a 32-bit platform one beyond `Int.max` becomes `Int.max`,
    /// which every later bounds check rejects.
    @inline(__always)
    mutating func readLength32(_ what: @autoclosure () -> String) throws(ETFDecodingError) -> Int {
        Int(exactly: try readUInt32(what())) ?? Int.max
    }

    /// The next `count` bytes, after checking they exist.
    @inline(__always)
    mutating func readBytes(_ count: Int, _ unit: String) throws(ETFDecodingError) -> UnsafeRawBufferPointer {
        guard count <= remaining else { throw tooLong(count, unit, needing: count) }
        let bytes = UnsafeRawBufferPointer(start: base + cursor, count: count)
        cursor += count
        return bytes
    }

    // MARK: Terms

    /// Reads one term header (and a scalar's payload) at the cursor.
    ///
    /// Inlined: as a call, the token enum went through memory and the call cost
    /// about a fifth of the ETF replay's instructions.
    @inline(__always)
    mutating func nextToken() throws(ETFDecodingError) -> ETFToken {
        termOffset = cursor
        guard cursor < end else {
            throw failure(.unexpectedEndOfInput, at: cursor, tag: nil, "input ends where a term should start")
        }
        let tag = base.load(fromByteOffset: cursor, as: UInt8.self)
        termTag = tag
        cursor += 1
        switch tag {
        case ETFTag.smallInteger:
            return .integer(Int64(try readByte("the SMALL_INTEGER_EXT value")))
        case ETFTag.integer:
            return .integer(Int64(Int32(bitPattern: try readUInt32("the INTEGER_EXT value"))))
        case ETFTag.smallAtomUTF8, ETFTag.smallAtom:
            let length = Int(try readByte("the atom length"))
            return .atom(try readBytes(length, "atom bytes"), isLatin1: tag == ETFTag.smallAtom)
        case ETFTag.atom, ETFTag.atomUTF8:
            let length = try readUInt16("the atom length")
            return .atom(try readBytes(length, "atom bytes"), isLatin1: tag == ETFTag.atom)
        case ETFTag.binary:
            let length = try readLength32("the binary length")
            return .binary(try readBytes(length, "binary bytes"))
        case ETFTag.map:
            let count = try readLength32("the map arity")
            guard count <= remaining / 2 else {
                let needed = count.multipliedReportingOverflow(by: 2)
                throw tooLong(count, "pairs", needing: needed.overflow ? Int.max : needed.partialValue)
            }
            return .map(count: count)
        case ETFTag.list:
            let count = try readLength32("the list length")
            // Each element takes a byte, and the tail one more.
            guard count < remaining else { throw tooLong(count, "elements", needing: count < Int.max ? count + 1 : count) }
            return .list(count: count)
        case ETFTag.nil:
            return .emptyList
        case ETFTag.smallBig:
            let count = Int(try readByte("the SMALL_BIG_EXT length"))
            return try readBigInteger(byteCount: count)
        case ETFTag.largeBig:
            let count = try readLength32("the LARGE_BIG_EXT length")
            return try readBigInteger(byteCount: count)
        case ETFTag.newFloat:
            guard remaining >= 8 else { throw truncated("the NEW_FLOAT_EXT value") }
            let bits = UInt64(bigEndian: base.loadUnaligned(fromByteOffset: cursor, as: UInt64.self))
            cursor += 8
            let value = Double(bitPattern: bits)
            guard value.isFinite else { throw termFailure(.invalidFloat, "the float is not finite (\(value))") }
            return .double(value)
        case ETFTag.smallTuple:
            let count = Int(try readByte("the tuple arity"))
            guard count <= remaining else { throw tooLong(count, "elements", needing: count) }
            return .tuple(count: count)
        case ETFTag.largeTuple:
            let count = try readLength32("the tuple arity")
            guard count <= remaining else { throw tooLong(count, "elements", needing: count) }
            return .tuple(count: count)
        case ETFTag.string:
            let length = try readUInt16("the string length")
            return .string(try readBytes(length, "string bytes"))
        case ETFTag.float:
            return .double(try readOldFloat())
        case ETFTag.compressed:
            throw termFailure(.misplacedCompressedTerm, "a compressed term may only follow the version byte")
        default:
            throw termFailure(.unknownTag, "tag \(tag) is not a gateway value")
        }
    }

    /// Reads the tail of a list whose elements have all been read: it must be `NIL_EXT`.
    @inline(__always)
    mutating func readListTail() throws(ETFDecodingError) {
        guard cursor < end else {
            throw failure(.unexpectedEndOfInput, at: cursor, tag: nil, "input ends before a list's tail")
        }
        let tag = base.load(fromByteOffset: cursor, as: UInt8.self)
        guard tag == ETFTag.nil else {
            throw failure(
                .improperList, at: cursor, tag: tag,
                "a list's tail is not the empty list (improper lists are not gateway values)")
        }
        cursor += 1
    }

    private mutating func readBigInteger(byteCount: Int) throws(ETFDecodingError) -> ETFToken {
        let sign = try readByte("the big integer sign")
        guard byteCount <= GatewayETF.maxBigIntegerBytes else {
            throw termFailure(
                .bigIntegerTooLarge,
                "a big integer of \(byteCount) bytes exceeds the limit of \(GatewayETF.maxBigIntegerBytes) bytes")
        }
        guard sign <= 1 else { throw termFailure(.invalidBigInteger, "sign byte \(sign) is neither 0 nor 1") }
        return .bigInteger(magnitude: try readBytes(byteCount, "magnitude bytes"), isNegative: sign == 1)
    }

    /// Parses a 31-byte `FLOAT_EXT` string strictly: `[+-]digits[.digits][e[+-]digits]`, then NUL padding only.
    private mutating func readOldFloat() throws(ETFDecodingError) -> Double {
        let field = try readBytes(31, "FLOAT_EXT string bytes")
        var length = 0
        while length < field.count && field[length] != 0 { length += 1 }
        for index in length..<field.count where field[index] != 0 {
            throw termFailure(.invalidFloat, "the float string has byte \(field[index]) after its NUL padding began")
        }
        let text = UnsafeRawBufferPointer(rebasing: field[0..<length])
        guard ETFOldFloat.isPlainDecimal(text), let value = Double(String(decoding: text, as: UTF8.self)),
            value.isFinite
        else {
            throw termFailure(.invalidFloat, "\"\(String(decoding: text, as: UTF8.self))\" is not a finite decimal float")
        }
        return value
    }
}

/// The grammar of Erlang's old float strings (`%.20e`), checked before `Double(_:)`, which also accepts hex, `inf` and `nan`.
enum ETFOldFloat {
    static func isPlainDecimal(_ text: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        let count = text.count
        func isDigit(_ index: Int) -> Bool { index < count && text[index] &- 0x30 < 10 }
        func digits() -> Bool {
            let start = index
            while isDigit(index) { index += 1 }
            return index > start
        }
        if index < count && (text[index] == UInt8(ascii: "+") || text[index] == UInt8(ascii: "-")) { index += 1 }
        guard digits() else { return false }
        if index < count && text[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() else { return false }
        }
        if index < count && (text[index] == UInt8(ascii: "e") || text[index] == UInt8(ascii: "E")) {
            index += 1
            if index < count && (text[index] == UInt8(ascii: "+") || text[index] == UInt8(ascii: "-")) { index += 1 }
            guard digits() else { return false }
        }
        return index == count
    }
}
