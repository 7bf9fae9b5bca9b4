import CJSONScan

/// Validates a whole gateway payload and reads only its envelope fields.
///
/// The top level must be an object. `op`, `s` and `t` are read where they
/// are; every other member (including `d`) is validated by the same rules as
/// the value decoder, without building values, and `d` is remembered as a
/// byte range. When a key repeats, its first occurrence wins; later ones are
/// validated and ignored. Keys are compared after unescaping, so `"\u006fp"`
/// is `op`.
struct JSONEnvelopeScanner {
    private var lexer: JSONLexer
    private let maxDepth: Int

    init(_ bytes: UnsafeRawBufferPointer, limits: CodecLimits) {
        lexer = JSONLexer(bytes)
        maxDepth = limits.maxNestingDepth
    }

    private enum Field { case op, sequence, eventName, data, other }

    /// The envelope as its members are read: the first occurrence of each key wins.
    private struct Fields {
        var op: Int?
        var sequence: Int64?
        var sequenceSeen = false
        var eventName: String?
        var eventNameSeen = false
        var dataRange: Range<Int>?

        /// Whether this member is the first `d`, whose range is to be kept.
        func takesData(_ field: Field) -> Bool { field == .data && dataRange == nil }
    }

    mutating func scan() throws(JSONDecodingError) -> GatewayEnvelope {
        let first = try lexer.nextSignificantByte(expected: "a JSON object")
        guard first == .openBrace else {
            if first == .quote || first == .openBracket || first == .minus || first.isDigit || first == .lowerT
                || first == .lowerF || first == .lowerN
            {
                throw JSONDecodingError(
                    .notAnObject, offset: lexer.index,
                    message: "the payload at byte \(lexer.index) is not a JSON object")
            }
            throw lexer.notAValue(first)
        }
        guard maxDepth >= 1 else { throw lexer.depthLimitExceeded(maxDepth) }
        lexer.index += 1

        var fields = Fields()
        if try lexer.nextSignificantByte(expected: "a string key or '}'") != .closeBrace {
            while true {
                let field = try readKey()
                lexer.skipWhitespace()
                if try !readEnvelopeValue(field, into: &fields) {
                    if fields.takesData(field) {
                        _ = try lexer.nextSignificantByte(expected: "a JSON value")
                        let start = lexer.index
                        try skipValue()
                        fields.dataRange = start..<lexer.index
                    } else {
                        try skipValue()
                    }
                }
                let separator = try lexer.nextSignificantByte(expected: "',' or '}'")
                if separator == .closeBrace { break }
                guard separator == .comma else { throw .unexpected(separator, at: lexer.index, expected: "',' or '}'") }
                lexer.index += 1
            }
        }
        let closingBrace = lexer.index
        lexer.index += 1
        try lexer.expectEndOfDocument()
        return try envelope(fields, closingBrace: closingBrace)
    }

    /// The envelope of a payload the vector path has already validated as JSON:
    /// reads each top-level member's key and, for `op`, `s` and `t`, its value,
    /// in input order, as ``scan()`` does. On valid JSON the only errors left are
    /// the envelope's own, so they come out as ``scan()`` would throw them.
    mutating func envelope(
        members: UnsafeBufferPointer<cjsonscan_member>, closingBrace: Int
    ) throws(JSONDecodingError) -> GatewayEnvelope {
        var fields = Fields()
        for member in members {
            lexer.index = member.key
            let field = try readKey()
            lexer.skipWhitespace()
            if try !readEnvelopeValue(field, into: &fields), fields.takesData(field) {
                fields.dataRange = member.value..<member.value_end
            }
        }
        return try envelope(fields, closingBrace: closingBrace)
    }

    /// Reads the value of the first `op`, `s` or `t` into `fields`; false for any other member
    /// (a later repeat, `d`, an unknown key), whose value is left where it is.
    @inline(__always)
    private mutating func readEnvelopeValue(_ field: Field, into fields: inout Fields) throws(JSONDecodingError) -> Bool {
        switch field {
        case .op where fields.op == nil:
            fields.op = try readOp()
        case .sequence where !fields.sequenceSeen:
            fields.sequenceSeen = true
            fields.sequence = try readSequence()
        case .eventName where !fields.eventNameSeen:
            fields.eventNameSeen = true
            fields.eventName = try readEventName()
        case .op, .sequence, .eventName, .data, .other:
            return false
        }
        return true
    }

    @inline(__always)
    private func envelope(_ fields: Fields, closingBrace: Int) throws(JSONDecodingError) -> GatewayEnvelope {
        guard let op = fields.op else {
            throw invalidEnvelope(at: closingBrace, "the payload has no 'op' (object ends at byte \(closingBrace))")
        }
        return GatewayEnvelope(op: op, sequence: fields.sequence, eventName: fields.eventName, dataRange: fields.dataRange)
    }

    /// Reads `"key" :` and says which envelope field it names.
    private mutating func readKey() throws(JSONDecodingError) -> Field {
        let byte = try lexer.nextSignificantByte(expected: "a string key")
        guard byte == .quote else { throw .unexpected(byte, at: lexer.index, expected: "a string key") }
        let token = try lexer.scanString()
        let field: Field
        if token.hasEscapes {
            var scratch: [UInt8] = []
            lexer.unescape(token, into: &scratch)
            field = scratch.withUnsafeBytes { Self.field(named: $0) }
        } else {
            field = Self.field(named: UnsafeRawBufferPointer(rebasing: lexer.bytes[token.start..<token.end]))
        }
        try lexer.consumeColon()
        return field
    }

    private static func field(named name: UnsafeRawBufferPointer) -> Field {
        if name.count == 1 {
            switch name[0] {
            case 0x73: return .sequence  // s
            case .lowerT: return .eventName
            case 0x64: return .data  // d
            default: return .other
            }
        }
        if name.count == 2 && name[0] == 0x6F && name[1] == 0x70 { return .op }  // op
        return .other
    }

    private mutating func readOp() throws(JSONDecodingError) -> Int {
        let start = lexer.index
        guard let value = try readInteger(), let op = Int(exactly: value) else {
            throw invalidEnvelope(at: start, "'op' at byte \(start) is not an integer")
        }
        return op
    }

    private mutating func readSequence() throws(JSONDecodingError) -> Int64? {
        let start = lexer.index
        if start < lexer.end && lexer.bytes[start] == .lowerN {
            try lexer.consumeLiteral("null")
            return nil
        }
        guard let value = try readInteger() else {
            throw invalidEnvelope(at: start, "'s' at byte \(start) is not an integer or null")
        }
        return value
    }

    private mutating func readEventName() throws(JSONDecodingError) -> String? {
        let start = lexer.index
        guard start < lexer.end else { throw .endOfInput(at: start, expected: "a JSON value") }
        switch lexer.bytes[start] {
        case .lowerN:
            try lexer.consumeLiteral("null")
            return nil
        case .quote:
            let token = try lexer.scanString()
            var scratch: [UInt8] = []
            return lexer.string(for: token, scratch: &scratch)
        default:
            throw invalidEnvelope(at: start, "'t' at byte \(start) is not a string or null")
        }
    }

    /// Reads a JSON integer that fits `Int64`; `nil` for any other value (which is left unread).
    private mutating func readInteger() throws(JSONDecodingError) -> Int64? {
        guard lexer.index < lexer.end else { throw .endOfInput(at: lexer.index, expected: "a JSON value") }
        let byte = lexer.bytes[lexer.index]
        guard byte == .minus || byte.isDigit else { return nil }
        let token = try lexer.scanNumber()
        guard token.isInteger, case .integer(let value) = try lexer.value(of: token) else { return nil }
        return value
    }

    private func invalidEnvelope(at offset: Int, _ message: String) -> JSONDecodingError {
        JSONDecodingError(.invalidEnvelope, offset: offset, message: message)
    }

    /// Validates one value (the envelope object is depth 1) without building it.
    private mutating func skipValue() throws(JSONDecodingError) {
        var containers = JSONContainerStack()
        nextValue: while true {
            let byte = try lexer.nextSignificantByte(expected: "a JSON value")
            switch byte {
            case .openBrace, .openBracket:
                guard containers.depth + 1 < maxDepth else { throw lexer.depthLimitExceeded(maxDepth) }
                let isObject = byte == .openBrace
                lexer.index += 1
                let close = isObject ? UInt8.closeBrace : .closeBracket
                if try lexer.nextSignificantByte(expected: isObject ? "a string key or '}'" : "a JSON value or ']'")
                    == close
                {
                    lexer.index += 1
                } else {
                    containers.push(isObject: isObject)
                    if isObject { try skipKey() }
                    continue nextValue
                }
            case .quote:
                _ = try lexer.scanString()
            case .minus, .zero...UInt8.nine:
                try lexer.skipNumber()
            case .lowerT:
                try lexer.consumeLiteral("true")
            case .lowerF:
                try lexer.consumeLiteral("false")
            case .lowerN:
                try lexer.consumeLiteral("null")
            default:
                throw lexer.notAValue(byte)
            }

            while containers.depth > 0 {
                let isObject = containers.topIsObject
                let separator = try lexer.nextSignificantByte(expected: isObject ? "',' or '}'" : "',' or ']'")
                if separator == .comma {
                    lexer.index += 1
                    if isObject { try skipKey() }
                    continue nextValue
                }
                guard separator == (isObject ? .closeBrace : .closeBracket) else {
                    throw .unexpected(separator, at: lexer.index, expected: isObject ? "',' or '}'" : "',' or ']'")
                }
                lexer.index += 1
                containers.pop()
            }
            return
        }
    }

    private mutating func skipKey() throws(JSONDecodingError) {
        let byte = try lexer.nextSignificantByte(expected: "a string key")
        guard byte == .quote else { throw .unexpected(byte, at: lexer.index, expected: "a string key") }
        _ = try lexer.scanString()
        // Compact JSON: the colon follows at once.
        if lexer.index < lexer.end && lexer.bytes[lexer.index] == .colon {
            lexer.index += 1
        } else {
            try lexer.consumeColon()
        }
    }
}
