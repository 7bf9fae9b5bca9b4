/// Numbers: one pass validates the RFC 8259 grammar and accumulates the
/// significant digits, so integers and most doubles need no second look.
extension JSONLexer {
    /// A validated number and what the scan learned about it.
    struct NumberToken {
        /// Offset of the first byte (`-` or a digit).
        var start: Int
        /// Offset after the last byte.
        var end: Int
        /// No fraction and no exponent.
        var isInteger: Bool
        var isNegative: Bool
        /// The first 19 significant digits as an integer (exact when `significantDigits <= 19`).
        var significand: UInt64
        /// How many digits follow the leading zeros.
        var significantDigits: Int
        /// The decimal exponent to apply to `significand` (explicit exponent minus fraction digits).
        var exponent: Int
    }

    /// Validates the number starting at the index (a `-` or a digit) and moves past it.
    @inline(__always)
    mutating func scanNumber() throws(JSONDecodingError) -> NumberToken {
        let start = index
        var position = index
        let isNegative = bytes[position] == .minus
        if isNegative { position += 1 }
        var significand: UInt64 = 0
        var significantDigits = 0
        var exponent = 0
        var isInteger = true

        guard position < end else { throw .endOfInput(at: position, expected: "a digit after '-'") }
        let first = bytes[position]
        if first == .zero {
            position += 1
            if position < end && bytes[position].isDigit {
                throw JSONDecodingError(
                    .leadingZero, offset: position - 1,
                    message: "number with a leading zero at byte \(position - 1)")
            }
        } else if first.isDigit {
            while position < end {
                let byte = bytes[position]
                guard byte.isDigit else { break }
                Self.accumulate(byte, into: &significand, count: &significantDigits)
                position += 1
            }
        } else {
            throw invalidNumber(at: position, "expected a digit after '-' but found \(JSONDecodingError.describe(byte: first))")
        }

        if position < end && bytes[position] == .period {
            isInteger = false
            position += 1
            let digitsStart = position
            while position < end {
                let byte = bytes[position]
                guard byte.isDigit else { break }
                Self.accumulate(byte, into: &significand, count: &significantDigits)
                position += 1
            }
            try requireDigits(from: digitsStart, to: position, after: "'.'")
            exponent = digitsStart - position
        }

        if position < end && (bytes[position] == .lowerE || bytes[position] == .upperE) {
            isInteger = false
            position += 1
            var exponentIsNegative = false
            if position < end && (bytes[position] == .plus || bytes[position] == .minus) {
                exponentIsNegative = bytes[position] == .minus
                position += 1
            }
            let digitsStart = position
            var explicitExponent = 0
            while position < end {
                let byte = bytes[position]
                guard byte.isDigit else { break }
                // Saturate far beyond any double's range rather than overflow.
                if explicitExponent < 1_000_000 { explicitExponent = explicitExponent * 10 + Int(byte - .zero) }
                position += 1
            }
            try requireDigits(from: digitsStart, to: position, after: "the exponent marker")
            exponent += exponentIsNegative ? -explicitExponent : explicitExponent
        }

        index = position
        return NumberToken(
            start: start, end: position, isInteger: isInteger, isNegative: isNegative,
            significand: significand, significantDigits: significantDigits, exponent: exponent)
    }

    /// Validates the number starting at the index and moves past it, without reading its value.
    ///
    /// Plain integers (`0`, `-12`, `1717200000`), nearly every number in a payload, take a
    /// digits-only loop; anything else is rescanned by ``scanNumber()``, so the rules and
    /// errors are exactly the same.
    @inline(__always)
    mutating func skipNumber() throws(JSONDecodingError) {
        let start = index
        var position = index
        if position < end && bytes[position] == .minus { position += 1 }
        let firstDigit = position
        while position < end && bytes[position].isDigit { position += 1 }
        let digits = position - firstDigit
        let endsPlainly = position == end
            || (bytes[position] != .period && bytes[position] != .lowerE && bytes[position] != .upperE)
        if digits > 0 && endsPlainly && (digits == 1 || bytes[firstDigit] != .zero) {
            index = position
            return
        }
        index = start
        // Fractions and exponents take the full path, range check included, so the
        // scanner refuses what the decoder refuses (e.g. 1e400).
        try checkRange(of: scanNumber())
    }

    @inline(__always)
    private static func accumulate(_ digit: UInt8, into significand: inout UInt64, count: inout Int) {
        guard count > 0 || digit != .zero else { return }  // leading zeros are not significant
        count += 1
        if count <= 19 { significand = significand &* 10 &+ UInt64(digit - .zero) }  // 19 digits fit in UInt64
    }

    private func requireDigits(from start: Int, to position: Int, after what: String) throws(JSONDecodingError) {
        guard position == start else { return }
        guard position < end else { throw .endOfInput(at: position, expected: "a digit after \(what)") }
        throw invalidNumber(
            at: position, "expected a digit after \(what) but found \(JSONDecodingError.describe(byte: bytes[position]))")
    }

    private func invalidNumber(at position: Int, _ detail: String) -> JSONDecodingError {
        JSONDecodingError(.invalidNumber, offset: position, message: "invalid number at byte \(position): \(detail)")
    }

    /// The number as its canonical ``GatewayValue``.
    ///
    /// Integers map to `.integer` when they fit `Int64`, `.unsignedInteger`
    /// when they fit `UInt64`, and `.bigInteger` with the literal text
    /// otherwise (the grammar already forbids leading zeros, `+` and `-0` there).
    /// `-0` is the integer 0; `-0.0` is the double -0.0.
    func value(of token: NumberToken) throws(JSONDecodingError) -> GatewayValue {
        if token.isInteger {
            if let magnitude = exactMagnitude(of: token) {
                if !token.isNegative {
                    return magnitude <= UInt64(Int64.max) ? .integer(Int64(magnitude)) : .unsignedInteger(magnitude)
                }
                if magnitude <= UInt64(Int64.max) { return .integer(-Int64(magnitude)) }
                if magnitude == UInt64(Int64.max) + 1 { return .integer(.min) }
            }
            return .bigInteger(Self.makeString(UnsafeRawBufferPointer(rebasing: bytes[token.start..<token.end])))
        }
        return .double(try double(of: token))
    }

    /// The integer's absolute value, or `nil` when it exceeds `UInt64`.
    func exactMagnitude(of token: NumberToken) -> UInt64? {
        if token.significantDigits <= 19 { return token.significand }
        guard token.significantDigits == 20 else { return nil }
        var magnitude: UInt64 = 0
        for position in token.end - 20..<token.end {
            let step = magnitude.multipliedReportingOverflow(by: 10)
            let sum = step.partialValue.addingReportingOverflow(UInt64(bytes[position] - .zero))
            guard !step.overflow && !sum.overflow else { return nil }
            magnitude = sum.partialValue
        }
        return magnitude
    }

    /// Throws ``JSONDecodingError/Kind/numberOutOfRange`` for a number that
    /// ``value(of:)`` would reject, without building a value: what the
    /// envelope scanner needs to accept exactly what the decoder accepts.
    ///
    /// The value is below `10^(significantDigits + exponent)`, so only a
    /// number that could reach `10^309` pays for a conversion.
    func checkRange(of token: NumberToken) throws(JSONDecodingError) {
        guard !token.isInteger, token.significantDigits + token.exponent > 308 else { return }
        _ = try double(of: token)
    }

    /// The double nearest to the number (correctly rounded).
    func double(of token: NumberToken) throws(JSONDecodingError) -> Double {
        // Clinger's fast path: both the significand and the power of ten are exact doubles,
        // so one IEEE multiplication or division rounds correctly.
        if token.significantDigits <= 19 && token.significand <= 1 << 53 && token.exponent >= -22
            && token.exponent <= 22
        {
            var value = Double(token.significand)
            value = token.exponent < 0 ? value / Self.powersOfTen[-token.exponent] : value * Self.powersOfTen[token.exponent]
            return token.isNegative ? -value : value
        }
        let text = Self.makeString(UnsafeRawBufferPointer(rebasing: bytes[token.start..<token.end]))
        guard let value = Double(text), value.isFinite else {
            throw JSONDecodingError(
                .numberOutOfRange, offset: token.start,
                message: "number at byte \(token.start) is too large for a double")
        }
        return value
    }

    private static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]
}
