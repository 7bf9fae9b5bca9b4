/// Finds `op`, `s`, `t` and the byte range of `d` in an ETF payload while validating all of it, building no values.
///
/// Theory of operation: the top-level map is read pair by pair. Keys are
/// compared as bytes with `op`, `s`, `t` and `d` (the first occurrence of each
/// wins, as in ``GatewayObject``'s subscript); `op`, `s` and `t` are read as
/// scalars, every other value is walked by ``skipTerm(baseDepth:)``, which
/// applies exactly the checks of ``ETFValueDecoder`` (bounds, tags, depth,
/// UTF-8, list tails, map keys) with a small stack of element counts instead
/// of building values. So when a scan succeeds, decoding `d` from its range
/// cannot fail.
struct ETFEnvelopeScanner {
    private var reader: ETFReader
    private let maxDepth: Int
    private var stack: ContiguousArray<SkipFrame> = []

    private struct SkipFrame {
        /// Terms still to read; for maps, keys and values counted separately (a key is due when even).
        var remaining: Int
        var isList: Bool
        var isMap: Bool
    }

    private enum Field { case op, sequence, eventName, data, other }

    init(reader: ETFReader, limits: CodecLimits) {
        self.reader = reader
        self.maxDepth = limits.maxNestingDepth
    }

    mutating func scan() throws(ETFDecodingError) -> GatewayEnvelope {
        guard case .map(let count) = try reader.nextToken() else {
            throw reader.termFailure(.invalidEnvelope, "the payload is not a map")
        }
        guard maxDepth >= 1 else {
            throw reader.termFailure(.depthLimitExceeded, "nesting exceeds the limit of \(maxDepth) levels")
        }
        var op: Int?
        var sequence: Int64?
        var eventName: String?
        var dataRange: Range<Int>?
        var seen: (op: Bool, sequence: Bool, eventName: Bool, data: Bool) = (false, false, false, false)

        for _ in 0..<count {
            switch try readTopLevelKey() {
            case .op where !seen.op:
                seen.op = true
                op = try readOp()
            case .sequence where !seen.sequence:
                seen.sequence = true
                sequence = try readSequence()
            case .eventName where !seen.eventName:
                seen.eventName = true
                eventName = try readEventName()
            case .data where !seen.data:
                seen.data = true
                let start = reader.cursor
                try skipTerm(baseDepth: 1)
                dataRange = start..<reader.cursor
            case .op, .sequence, .eventName, .data, .other:
                try skipTerm(baseDepth: 1)
            }
        }
        guard reader.isAtEnd else {
            throw reader.failure(
                .trailingBytes, at: reader.cursor, tag: nil, "\(reader.remaining) bytes follow the complete term")
        }
        guard let op else {
            throw reader.failure(.invalidEnvelope, at: reader.cursor, tag: nil, "the payload has no op field")
        }
        return GatewayEnvelope(op: op, sequence: sequence, eventName: eventName, dataRange: dataRange)
    }

    // MARK: Top-level fields

    private mutating func readTopLevelKey() throws(ETFDecodingError) -> Field {
        let bytes: UnsafeRawBufferPointer
        switch try reader.nextToken() {
        case .atom(let name, let isLatin1):
            if !isLatin1 { try validateUTF8(name) }
            bytes = name
        case .binary(let name), .string(let name):
            try validateUTF8(name)
            bytes = name
        case .integer, .bigInteger:
            return .other
        case .double, .emptyList, .list, .tuple, .map:
            throw reader.termFailure(.unsupportedMapKey, "map keys must be atoms, binaries, strings or integers")
        }
        switch bytes.count {
        case 1 where bytes[0] == UInt8(ascii: "s"): return .sequence
        case 1 where bytes[0] == UInt8(ascii: "t"): return .eventName
        case 1 where bytes[0] == UInt8(ascii: "d"): return .data
        case 2 where bytes[0] == UInt8(ascii: "o") && bytes[1] == UInt8(ascii: "p"): return .op
        default: return .other
        }
    }

    private mutating func readOp() throws(ETFDecodingError) -> Int {
        if let value = try readInteger(), let op = Int(exactly: value) { return op }
        throw reader.termFailure(.invalidEnvelope, "op is not an integer")
    }

    private mutating func readSequence() throws(ETFDecodingError) -> Int64? {
        let start = reader.cursor
        if let value = try readInteger() { return value }
        reader.cursor = start
        if case .atom(let name, _) = try reader.nextToken(), ETFAtom.special(name) == .null { return nil }
        throw reader.termFailure(.invalidEnvelope, "s is neither an integer nor nil")
    }

    /// An integer term in `Int64` range; `nil` for any other term (already read).
    private mutating func readInteger() throws(ETFDecodingError) -> Int64? {
        switch try reader.nextToken() {
        case .integer(let value):
            return value
        case .bigInteger(let magnitude, let isNegative):
            if case .integer(let value) = ETFBigInteger.value(magnitude: magnitude, isNegative: isNegative) {
                return value
            }
            return nil
        default:
            return nil
        }
    }

    private mutating func readEventName() throws(ETFDecodingError) -> String? {
        switch try reader.nextToken() {
        case .atom(let name, let isLatin1):
            switch ETFAtom.special(name) {
            case .null: return nil
            case .true, .false: break
            case .none:
                if isLatin1 { return ETFUTF8.latin1String(name) }
                if let text = ETFUTF8.string(name) { return text }
                throw reader.invalidUTF8(name)
            }
        case .binary(let name):
            if let text = ETFUTF8.string(name) { return text }
            throw reader.invalidUTF8(name)
        case .string(let name):
            if let text = ETFUTF8.string(name) { return text }
        default:
            break
        }
        throw reader.termFailure(.invalidEnvelope, "t is neither a string, an atom nor nil")
    }

    // MARK: Validation without values

    /// Walks the term at the cursor, applying every check of the value decoder,
    /// with `baseDepth` containers already open around it.
    ///
    /// The innermost open container lives in a local (`top`), so the many scalar
    /// terms inside it cost no array access; only enclosing containers are on `stack`.
    private mutating func skipTerm(baseDepth: Int) throws(ETFDecodingError) {
        stack.removeAll(keepingCapacity: true)
        var top = SkipFrame(remaining: 0, isList: false, isMap: false)
        /// Open containers: `top` plus those on `stack`.
        var depth = 0
        while true {
            if top.isMap && top.remaining & 1 == 0 {
                try skipKey()
                top.remaining -= 1
            }
            let opened: SkipFrame
            switch try reader.nextToken() {
            case .integer, .bigInteger, .double, .string:
                break
            case .atom(let name, let isLatin1):
                if !isLatin1 { try validateUTF8(name) }
            case .binary(let bytes):
                try validateUTF8(bytes)
            case .emptyList:
                try checkDepth(baseDepth + depth)
            case .list(let count):
                try checkDepth(baseDepth + depth)
                if count == 0 {
                    try reader.readListTail()
                    break
                }
                opened = SkipFrame(remaining: count, isList: true, isMap: false)
                if depth > 0 { stack.append(top) }
                top = opened
                depth += 1
                continue
            case .tuple(let count):
                try checkDepth(baseDepth + depth)
                guard count > 0 else { break }
                opened = SkipFrame(remaining: count, isList: false, isMap: false)
                if depth > 0 { stack.append(top) }
                top = opened
                depth += 1
                continue
            case .map(let count):
                try checkDepth(baseDepth + depth)
                guard count > 0 else { break }
                // count <= remaining input / 2, so doubling cannot overflow.
                opened = SkipFrame(remaining: count * 2, isList: false, isMap: true)
                if depth > 0 { stack.append(top) }
                top = opened
                depth += 1
                continue
            }
            // A term is complete: count it against its container, closing every container it completes.
            while depth > 0 {
                top.remaining -= 1
                if top.remaining > 0 { break }
                if top.isList { try reader.readListTail() }
                depth -= 1
                if let enclosing = stack.popLast() { top = enclosing }
            }
            if depth == 0 { return }
        }
    }

    private mutating func skipKey() throws(ETFDecodingError) {
        switch try reader.nextToken() {
        case .atom(let name, let isLatin1):
            if !isLatin1 { try validateUTF8(name) }
        case .binary(let name), .string(let name):
            try validateUTF8(name)
        case .integer, .bigInteger:
            break
        case .double, .emptyList, .list, .tuple, .map:
            throw reader.termFailure(.unsupportedMapKey, "map keys must be atoms, binaries, strings or integers")
        }
    }

    @inline(__always)
    private func checkDepth(_ openContainers: Int) throws(ETFDecodingError) {
        guard openContainers < maxDepth else {
            throw reader.termFailure(.depthLimitExceeded, "nesting exceeds the limit of \(maxDepth) levels")
        }
    }

    @inline(__always)
    private func validateUTF8(_ bytes: UnsafeRawBufferPointer) throws(ETFDecodingError) {
        if !ETFUTF8.isValid(bytes) { throw reader.invalidUTF8(bytes) }
    }
}
