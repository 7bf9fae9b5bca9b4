/// Builds a ``GatewayValue`` from one ETF term, iteratively.
///
/// Theory of operation: the reader yields one token at a time. Scalars become
/// values at once; a non-empty container pushes a frame that counts the
/// elements still due and collects the finished ones. When a frame's count
/// reaches zero it pops, its array moves into the new container value, and
/// that value is handed to the frame below. A frame reserves room for at most
/// ``reservationCap`` elements up front, so hostile counts (which may each
/// claim the same remaining bytes at every nesting level) cannot multiply
/// into large allocations. The machine stack never grows with the input's
/// nesting, and the depth check happens before a container is entered.
struct ETFValueDecoder {
    private var reader: ETFReader
    private let maxDepth: Int

    /// The most elements a container reserves room for before it has read them.
    private static let reservationCap = 64

    private struct Frame {
        enum Kind { case list, tuple, map }
        var kind: Kind
        /// Elements (or pairs) still to read.
        var remaining: Int
        /// The finished elements of a list or tuple.
        var elements: [GatewayValue] = []
        /// The finished entries of a map.
        var entries: [GatewayObject.Entry] = []
        /// The key of the pair being read, for maps.
        var key = ""

        init(kind: Kind, count: Int) {
            self.kind = kind
            self.remaining = count
            if kind == .map {
                entries.reserveCapacity(min(count, ETFValueDecoder.reservationCap))
            } else {
                elements.reserveCapacity(min(count, ETFValueDecoder.reservationCap))
            }
        }
    }

    init(reader: ETFReader, limits: CodecLimits) {
        self.reader = reader
        self.maxDepth = limits.maxNestingDepth
    }

    /// Decodes the one term that must fill the reader's range exactly.
    mutating func decodeWholeRange() throws(ETFDecodingError) -> GatewayValue {
        let value = try decodeTerm()
        guard reader.isAtEnd else {
            throw reader.failure(
                .trailingBytes, at: reader.cursor, tag: nil, "\(reader.remaining) bytes follow the complete term")
        }
        return value
    }

    private mutating func decodeTerm() throws(ETFDecodingError) -> GatewayValue {
        var frames: [Frame] = []

        while true {
            if let top = frames.last, top.kind == .map {
                frames[frames.count - 1].key = try readKey()
            }
            var value: GatewayValue
            switch try reader.nextToken() {
            case .integer(let integer):
                value = .integer(integer)
            case .bigInteger(let magnitude, let isNegative):
                value = ETFBigInteger.value(magnitude: magnitude, isNegative: isNegative)
            case .double(let double):
                value = .double(double)
            case .atom(let bytes, let isLatin1):
                value = try atomValue(bytes, isLatin1: isLatin1)
            case .binary(let bytes):
                value = .string(try text(bytes))
            case .string(let bytes):
                value = Self.stringValue(bytes)
            case .emptyList:
                try checkDepth(frames.count)
                value = .array([])
            case .list(let count):
                try checkDepth(frames.count)
                if count == 0 {
                    try reader.readListTail()
                    value = .array([])
                } else {
                    frames.append(Frame(kind: .list, count: count))
                    continue
                }
            case .tuple(let count):
                try checkDepth(frames.count)
                if count == 0 {
                    value = .array([])
                } else {
                    frames.append(Frame(kind: .tuple, count: count))
                    continue
                }
            case .map(let count):
                try checkDepth(frames.count)
                if count == 0 {
                    value = .object(GatewayObject())
                } else {
                    frames.append(Frame(kind: .map, count: count))
                    continue
                }
            }

            // Hand the finished value to its container, closing every container it completes.
            while !frames.isEmpty {
                let topIndex = frames.count - 1
                if frames[topIndex].kind == .map {
                    frames[topIndex].entries.append(GatewayObject.Entry(key: frames[topIndex].key, value: value))
                } else {
                    frames[topIndex].elements.append(value)
                }
                frames[topIndex].remaining -= 1
                if frames[topIndex].remaining > 0 { break }
                let frame = frames.removeLast()
                switch frame.kind {
                case .list:
                    try reader.readListTail()
                    value = .array(frame.elements)
                case .tuple:
                    value = .array(frame.elements)
                case .map:
                    value = .object(GatewayObject(frame.entries))
                }
            }
            if frames.isEmpty { return value }
        }
    }

    /// Throws when a container opened below `openFrames` containers would exceed the depth limit.
    @inline(__always)
    private func checkDepth(_ openFrames: Int) throws(ETFDecodingError) {
        guard openFrames < maxDepth else {
            throw reader.termFailure(.depthLimitExceeded, "nesting exceeds the limit of \(maxDepth) levels")
        }
    }

    private func text(_ bytes: UnsafeRawBufferPointer) throws(ETFDecodingError) -> String {
        if let string = ETFUTF8.string(bytes) { return string }
        throw reader.invalidUTF8(bytes)
    }

    private func atomValue(_ bytes: UnsafeRawBufferPointer, isLatin1: Bool) throws(ETFDecodingError) -> GatewayValue {
        switch ETFAtom.special(bytes) {
        case .null: return .null
        case .true: return .bool(true)
        case .false: return .bool(false)
        case .none:
            if isLatin1 { return .string(ETFUTF8.latin1String(bytes)) }
            return .string(try text(bytes))
        }
    }

    /// `STRING_EXT` is Erlang's packing of a list of bytes: text when it is valid UTF-8
    /// (how Erlang sends charlists, and what Discord's erlpack returns), else the list of small integers.
    static func stringValue(_ bytes: UnsafeRawBufferPointer) -> GatewayValue {
        if let string = ETFUTF8.string(bytes) { return .string(string) }
        return .array(bytes.map { .integer(Int64($0)) })
    }

    /// A map key as text: atoms and binaries by name, valid UTF-8 strings as text, integers in decimal.
    private mutating func readKey() throws(ETFDecodingError) -> String {
        switch try reader.nextToken() {
        case .atom(let bytes, let isLatin1):
            return isLatin1 ? ETFUTF8.latin1String(bytes) : try text(bytes)
        case .binary(let bytes), .string(let bytes):
            return try text(bytes)
        case .integer(let integer):
            return String(integer)
        case .bigInteger(let magnitude, let isNegative):
            return ETFBigInteger.decimalText(magnitude: magnitude, isNegative: isNegative)
        case .double, .emptyList, .list, .tuple, .map:
            throw reader.termFailure(
                .unsupportedMapKey, "map keys must be atoms, binaries, strings or integers")
        }
    }
}

/// The three atoms with gateway meaning.
enum ETFAtom {
    enum Special { case null, `true`, `false` }

    /// `nil`, `true` or `false`, by name; other atoms are plain text.
    @inline(__always)
    static func special(_ bytes: UnsafeRawBufferPointer) -> Special? {
        switch bytes.count {
        case 3 where bytes[0] == 0x6E && bytes[1] == 0x69 && bytes[2] == 0x6C: return .null
        case 4 where bytes[0] == 0x74 && bytes[1] == 0x72 && bytes[2] == 0x75 && bytes[3] == 0x65: return .true
        case 5 where bytes[0] == 0x66 && bytes[1] == 0x61 && bytes[2] == 0x6C && bytes[3] == 0x73 && bytes[4] == 0x65:
            return .false
        default: return nil
        }
    }
}
