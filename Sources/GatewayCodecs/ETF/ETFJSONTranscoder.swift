/// Writes one ETF term as compact JSON, token by token, without building a ``GatewayValue``.
///
/// The output is byte for byte what ``GatewayJSON/encode(_:into:)`` writes for the
/// value ``ETFValueDecoder`` would build, and the same input errors are thrown:
/// the walk is the decoder's (same reader, same depth check before a container,
/// same list tails, same map key rules), only each value is written where the
/// decoder would have stored it. Rendering ETF payloads as JSON lines spent most
/// of its time making strings, arrays and objects only to write them out again.
struct ETFJSONTranscoder {
    private var reader: ETFReader
    private let maxDepth: Int

    /// An open container: what still has to be read, and whether a separator is due.
    private struct Frame {
        enum Kind { case list, tuple, map }
        var kind: Kind
        /// Elements (or pairs) still to read.
        var remaining: Int
        var isFirst = true
    }

    init(reader: ETFReader, limits: CodecLimits) {
        self.reader = reader
        self.maxDepth = limits.maxNestingDepth
    }

    /// Writes the one term that must fill the reader's range exactly.
    mutating func transcodeWholeRange(into writer: inout JSONWriter) throws(ETFDecodingError) {
        try transcodeTerm(into: &writer)
        guard reader.isAtEnd else {
            throw reader.failure(
                .trailingBytes, at: reader.cursor, tag: nil, "\(reader.remaining) bytes follow the complete term")
        }
    }

    private mutating func transcodeTerm(into writer: inout JSONWriter) throws(ETFDecodingError) {
        var frames: [Frame] = []
        while true {
            if let top = frames.last {
                if !top.isFirst { writer.output.append(.comma) }
                frames[frames.count - 1].isFirst = false
                if top.kind == .map {
                    try writeKey(into: &writer)
                    writer.output.append(.colon)
                }
            }
            switch try reader.nextToken() {
            case .integer(let integer):
                writer.writeDecimal(integer.magnitude, negative: integer < 0)
            case .bigInteger(let magnitude, let isNegative):
                writer.write(ETFBigInteger.value(magnitude: magnitude, isNegative: isNegative))
            case .double(let double):
                writer.write(.double(double))
            case .atom(let bytes, let isLatin1):
                try writeAtom(bytes, isLatin1: isLatin1, into: &writer)
            case .binary(let bytes):
                try writeText(bytes, into: &writer)
            case .string(let bytes):
                Self.writeStringTerm(bytes, into: &writer)
            case .emptyList:
                try checkDepth(frames.count)
                writer.append("[]")
            case .list(let count):
                try checkDepth(frames.count)
                if count == 0 {
                    try reader.readListTail()
                    writer.append("[]")
                } else {
                    writer.output.append(.openBracket)
                    frames.append(Frame(kind: .list, remaining: count))
                    continue
                }
            case .tuple(let count):
                try checkDepth(frames.count)
                if count == 0 {
                    writer.append("[]")
                } else {
                    writer.output.append(.openBracket)
                    frames.append(Frame(kind: .tuple, remaining: count))
                    continue
                }
            case .map(let count):
                try checkDepth(frames.count)
                if count == 0 {
                    writer.append("{}")
                } else {
                    writer.output.append(.openBrace)
                    frames.append(Frame(kind: .map, remaining: count))
                    continue
                }
            }

            // A value is written: close every container it completes.
            while let top = frames.last {
                frames[frames.count - 1].remaining = top.remaining - 1
                if top.remaining > 1 { break }
                frames.removeLast()
                switch top.kind {
                case .list:
                    try reader.readListTail()
                    writer.output.append(.closeBracket)
                case .tuple:
                    writer.output.append(.closeBracket)
                case .map:
                    writer.output.append(.closeBrace)
                }
            }
            if frames.isEmpty { return }
        }
    }

    @inline(__always)
    private func checkDepth(_ openFrames: Int) throws(ETFDecodingError) {
        guard openFrames < maxDepth else {
            throw reader.termFailure(.depthLimitExceeded, "nesting exceeds the limit of \(maxDepth) levels")
        }
    }

    /// UTF-8 text (a binary, a UTF-8 atom or a map key), checked as the decoder checks it.
    private func writeText(_ bytes: UnsafeRawBufferPointer, into writer: inout JSONWriter) throws(ETFDecodingError) {
        guard ETFUTF8.isValid(bytes) else { throw reader.invalidUTF8(bytes) }
        writer.writeString(utf8: bytes.assumingMemoryBound(to: UInt8.self))
    }

    /// Latin-1 text: ASCII is already UTF-8; anything else goes through the decoder's conversion.
    private static func writeLatin1(_ bytes: UnsafeRawBufferPointer, into writer: inout JSONWriter) {
        if bytes.allSatisfy({ $0 < 0x80 }) {
            writer.writeString(utf8: bytes.assumingMemoryBound(to: UInt8.self))
        } else {
            writer.write(.string(ETFUTF8.latin1String(bytes)))
        }
    }

    private func writeAtom(
        _ bytes: UnsafeRawBufferPointer, isLatin1: Bool, into writer: inout JSONWriter
    ) throws(ETFDecodingError) {
        switch ETFAtom.special(bytes) {
        case .null: writer.append("null")
        case .true: writer.append("true")
        case .false: writer.append("false")
        case .none:
            if isLatin1 {
                Self.writeLatin1(bytes, into: &writer)
            } else {
                try writeText(bytes, into: &writer)
            }
        }
    }

    /// `STRING_EXT`: text when valid UTF-8, else the list of its bytes (see ``ETFValueDecoder/stringValue(_:)``).
    private static func writeStringTerm(_ bytes: UnsafeRawBufferPointer, into writer: inout JSONWriter) {
        if ETFUTF8.isValid(bytes) {
            writer.writeString(utf8: bytes.assumingMemoryBound(to: UInt8.self))
            return
        }
        writer.output.append(.openBracket)
        for (index, byte) in bytes.enumerated() {
            if index > 0 { writer.output.append(.comma) }
            writer.writeDecimal(UInt64(byte), negative: false)
        }
        writer.output.append(.closeBracket)
    }

    /// A map key, by the decoder's rules: atoms and binaries by name, valid UTF-8 strings as
    /// text, integers in decimal.
    private mutating func writeKey(into writer: inout JSONWriter) throws(ETFDecodingError) {
        switch try reader.nextToken() {
        case .atom(let bytes, let isLatin1):
            if isLatin1 {
                Self.writeLatin1(bytes, into: &writer)
            } else {
                try writeText(bytes, into: &writer)
            }
        case .binary(let bytes), .string(let bytes):
            try writeText(bytes, into: &writer)
        case .integer(let integer):
            writer.write(.string(String(integer)))
        case .bigInteger(let magnitude, let isNegative):
            writer.write(.string(ETFBigInteger.decimalText(magnitude: magnitude, isNegative: isNegative)))
        case .double, .emptyList, .list, .tuple, .map:
            throw reader.termFailure(
                .unsupportedMapKey, "map keys must be atoms, binaries, strings or integers")
        }
    }
}
