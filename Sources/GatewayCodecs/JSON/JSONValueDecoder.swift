/// Builds a ``GatewayValue`` from JSON bytes without recursion.
///
/// Open containers live on explicit stacks: finished values wait on
/// `values` (and object keys on `keys`) until their container closes, when
/// they are moved into one array or object. Nesting depth therefore costs
/// heap, not call stack, and is capped by ``CodecLimits/maxNestingDepth``
/// before each `[` or `{` is entered.
struct JSONValueDecoder {
    private var lexer: JSONLexer
    private let maxDepth: Int
    private var containers: [OpenContainer] = []
    private let values = MoveStack<GatewayValue>()
    private let keys = MoveStack<String>()
    private var scratch: [UInt8] = []

    private struct OpenContainer {
        var isObject: Bool
        var firstValue: Int
        var firstKey: Int
    }

    init(_ bytes: UnsafeRawBufferPointer, limits: CodecLimits) {
        lexer = JSONLexer(bytes)
        maxDepth = limits.maxNestingDepth
    }

    /// Decodes the single value that must make up the whole input.
    mutating func decodeDocument() throws(JSONDecodingError) -> GatewayValue {
        var value: GatewayValue
        nextValue: while true {
            let byte = try lexer.nextSignificantByte(expected: "a JSON value")
            switch byte {
            case .openBrace, .openBracket:
                guard containers.count < maxDepth else { throw lexer.depthLimitExceeded(maxDepth) }
                let isObject = byte == .openBrace
                lexer.index += 1
                let close = isObject ? UInt8.closeBrace : .closeBracket
                if try lexer.nextSignificantByte(expected: isObject ? "a string key or '}'" : "a JSON value or ']'")
                    == close
                {
                    lexer.index += 1
                    value = isObject ? .object(GatewayObject()) : .array([])
                } else {
                    containers.append(OpenContainer(isObject: isObject, firstValue: values.count, firstKey: keys.count))
                    if isObject { try readKey() }
                    continue nextValue
                }
            case .quote:
                let token = try lexer.scanString()
                value = .string(lexer.string(for: token, scratch: &scratch))
            case .minus, .zero...UInt8.nine:
                value = try lexer.value(of: lexer.scanNumber())
            case .lowerT:
                try lexer.consumeLiteral("true")
                value = .bool(true)
            case .lowerF:
                try lexer.consumeLiteral("false")
                value = .bool(false)
            case .lowerN:
                try lexer.consumeLiteral("null")
                value = .null
            default:
                throw lexer.notAValue(byte)
            }

            // `value` is complete: hand it to the open container, closing containers as they end.
            while let container = containers.last {
                let separator = try lexer.nextSignificantByte(
                    expected: container.isObject ? "',' or '}'" : "',' or ']'")
                values.push(value)
                if separator == .comma {
                    lexer.index += 1
                    if container.isObject { try readKey() }
                    continue nextValue
                }
                if container.isObject {
                    guard separator == .closeBrace else {
                        throw .unexpected(separator, at: lexer.index, expected: "',' or '}'")
                    }
                    value = .object(
                        GatewayObject(values.popEntries(from: container.firstValue, keys: keys, keyStart: container.firstKey)))
                } else {
                    guard separator == .closeBracket else {
                        throw .unexpected(separator, at: lexer.index, expected: "',' or ']'")
                    }
                    value = .array(values.popArray(from: container.firstValue))
                }
                lexer.index += 1
                containers.removeLast()
            }
            try lexer.expectEndOfDocument()
            return value
        }
    }

    /// Reads `"key" :` inside an object.
    private mutating func readKey() throws(JSONDecodingError) {
        let byte = try lexer.nextSignificantByte(expected: "a string key")
        guard byte == .quote else { throw .unexpected(byte, at: lexer.index, expected: "a string key") }
        let token = try lexer.scanString()
        keys.push(lexer.string(for: token, scratch: &scratch))
        try lexer.consumeColon()
    }
}
