/// Turns one capture-file line back into a record.
///
/// Unknown keys are ignored and unknown record types are skipped, so a newer
/// writer can add information without breaking older readers; a missing or
/// ill-typed known field is an error naming the field.
struct CaptureRecordDecoder {
    let bytes: UnsafeRawBufferPointer
    /// 1-based line number, for messages.
    let line: Int
    /// Offset of the line in the file, for messages.
    let offset: Int
    private var fields: [String: JSONLineScanner.Value] = [:]
    private var type = ""

    /// Scans the line; throws if it is not one JSON object.
    init(line bytes: UnsafeRawBufferPointer, number: Int, offset: Int) throws(CaptureError) {
        self.bytes = bytes
        self.line = number
        self.offset = offset
        var scanner = JSONLineScanner(bytes)
        do {
            for field in try scanner.scanObjectFields() { fields[field.key] = field.value }
        } catch {
            throw CaptureError(
                .malformedRecord, "not a JSON object: \(error.message) at column \(error.offset + 1)",
                line: number, offset: offset + error.offset)
        }
        type = try string("type")
    }

    /// Whether the line is a header record.
    var isHeader: Bool { type == "header" }

    /// The record, or `nil` for a record type this reader does not know.
    func record() throws(CaptureError) -> CaptureRecord? {
        switch type {
        case "header":
            let format = try string("format")
            guard format == CaptureHeader.formatName else {
                throw failure("format is \"\(format)\", expected \"\(CaptureHeader.formatName)\"", field: "format")
            }
            let version = try integer("version")
            guard version == CaptureHeader.currentVersion else {
                throw CaptureError(
                    .unsupportedVersion,
                    "capture format version \(version) is not supported (this gatewayctl reads version \(CaptureHeader.currentVersion))",
                    line: line, offset: offset + (fields["version"]?.range.lowerBound ?? 0))
            }
            let encodingName = try string("encoding")
            guard let encoding = WireEncoding(rawValue: encodingName) else {
                throw failure("unknown encoding \"\(encodingName)\"", field: "encoding")
            }
            let compressionName = try string("compression")
            guard let compression = WireCompression(rawValue: compressionName) else {
                throw failure("unknown compression \"\(compressionName)\"", field: "compression")
            }
            return .header(
                CaptureHeader(
                    tool: try string("tool"), url: try string("url"), encoding: encoding, compression: compression,
                    started: try string("started"), version: version))
        case "chunk":
            let directionName = try string("dir")
            guard let direction = CaptureDirection(rawValue: directionName) else {
                throw failure("dir is \"\(directionName)\", expected \"in\" or \"out\"", field: "dir")
            }
            return .chunk(CaptureChunk(direction: direction, time: try time(), connection: try connection(), bytes: try data()))
        case "upstream":
            return .upstreamChunk(CaptureChunk(direction: .inbound, time: try time(), connection: try connection(), bytes: try data()))
        case "sent":
            guard let payload = fields["payload"] else { throw missing("payload", "a JSON value") }
            let range = payload.range
            let raw: [UInt8]
            if case .string = payload {
                raw = Array(UnsafeRawBufferPointer(rebasing: bytes[(range.lowerBound - 1)..<(range.upperBound + 1)]))
            } else {
                raw = Array(UnsafeRawBufferPointer(rebasing: bytes[range]))
            }
            return .sent(CaptureSent(time: try time(), connection: try connection(), payloadJSON: raw))
        case "event":
            let kindName = try string("kind")
            guard let kind = CaptureConnectionEvent.Kind(rawValue: kindName) else { return nil }
            let detail = try optionalString(kind == .connect ? "url" : "reason")
            return .connectionEvent(
                CaptureConnectionEvent(kind: kind, time: try time(), connection: try connection(), detail: detail))
        default:
            return nil
        }
    }

    /// The record's `data`, base64-decoded.
    private func data() throws(CaptureError) -> [UInt8] {
        guard case .string(let range, let escaped)? = fields["data"] else { throw missing("data", "a base64 string") }
        if escaped {
            // Unescaping changes the length (and invalid UTF-8 becomes U+FFFD), so a
            // position in the unescaped text is not a position in the file.
            return try base64(Array(try string("data").utf8), at: range.lowerBound, positionsAreBytes: false)
        }
        return try base64(UnsafeRawBufferPointer(rebasing: bytes[range]), at: range.lowerBound)
    }

    private func failure(_ message: String, field: String) -> CaptureError {
        CaptureError(.malformedRecord, message, line: line, offset: offset + (fields[field]?.range.lowerBound ?? 0))
    }

    private func missing(_ field: String, _ expected: String) -> CaptureError {
        if fields[field] == nil {
            return CaptureError(
                .malformedRecord, "\(type.isEmpty ? "record" : "\"\(type)\" record") has no \"\(field)\" field",
                line: line, offset: offset)
        }
        return failure("\"\(field)\" must be \(expected)", field: field)
    }

    private func string(_ field: String) throws(CaptureError) -> String {
        guard case .string(let range, let escaped)? = fields[field] else { throw missing(field, "a string") }
        do {
            return try JSONLineScanner.decodeString(bytes, range, hasEscapes: escaped)
        } catch {
            throw CaptureError(.malformedRecord, error.message, line: line, offset: offset + error.offset)
        }
    }

    private func optionalString(_ field: String) throws(CaptureError) -> String? {
        switch fields[field] {
        case nil, .literal?: return nil
        default: return try string(field)
        }
    }

    private func integer(_ field: String) throws(CaptureError) -> Int {
        guard case .number(let range)? = fields[field] else { throw missing(field, "an integer") }
        var value = 0
        for index in range {
            let byte = bytes[index]
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else {
                throw failure("\"\(field)\" must be a non-negative integer", field: field)
            }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
            guard !overflow1 && !overflow2 else { throw failure("\"\(field)\" is too large", field: field) }
            value = sum
        }
        return value
    }

    private func connection() throws(CaptureError) -> Int {
        let value = try integer("conn")
        guard value >= 1 else { throw failure("\"conn\" must be at least 1", field: "conn") }
        return value
    }

    /// Reads `t`: seconds as a decimal number, rounded to microseconds.
    private func time() throws(CaptureError) -> CaptureTimeOffset {
        guard case .number(let range)? = fields["t"] else { throw missing("t", "a number of seconds") }
        // The writer's form (digits, optional '.', up to 6 digits) is read exactly;
        // anything else valid as JSON goes through Double.
        var whole: Int64 = 0
        var fraction: Int64 = 0
        var fractionDigits = 0
        var seenPoint = false
        var exact = true
        for index in range {
            let byte = bytes[index]
            if byte == UInt8(ascii: ".") && !seenPoint {
                seenPoint = true
            } else if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                let digit = Int64(byte - UInt8(ascii: "0"))
                if seenPoint {
                    guard fractionDigits < 6 else { exact = false; break }
                    fraction = fraction * 10 + digit
                    fractionDigits += 1
                } else {
                    let (times10, overflow1) = whole.multipliedReportingOverflow(by: 10)
                    let (sum, overflow2) = times10.addingReportingOverflow(digit)
                    guard !overflow1 && !overflow2, sum <= Int64.max / 1_000_000 - 1 else {
                        throw failure("\"t\" is too large", field: "t")
                    }
                    whole = sum
                }
            } else {
                exact = false
                break
            }
        }
        if exact {
            for _ in fractionDigits..<6 { fraction *= 10 }
            return CaptureTimeOffset(microseconds: whole * 1_000_000 + fraction)
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        guard let seconds = Double(text), seconds >= 0 else {
            throw failure("\"t\" must be a non-negative number of seconds", field: "t")
        }
        let micros = (seconds * 1_000_000).rounded()
        guard micros < 9.0e18 else { throw failure("\"t\" is too large", field: "t") }
        return CaptureTimeOffset(microseconds: Int64(micros))
    }

    /// Decodes the base64 `text` of a string starting at byte `position` of the line; errors
    /// point at the offending character when `positionsAreBytes`, else at the string.
    private func base64(
        _ text: UnsafeRawBufferPointer, at position: Int, positionsAreBytes: Bool = true
    ) throws(CaptureError) -> [UInt8] {
        do {
            return try Base64.decode(text)
        } catch {
            throw CaptureError(
                .malformedRecord, "\"data\" is not valid base64: \(error.reason) at character \(error.index + 1)",
                line: line, offset: offset + position + (positionsAreBytes ? error.index : 0))
        }
    }

    private func base64(_ text: [UInt8], at position: Int, positionsAreBytes: Bool) throws(CaptureError) -> [UInt8] {
        let result: Result<[UInt8], CaptureError> = text.withUnsafeBytes { bytes in
            do throws(CaptureError) {
                return .success(try base64(bytes, at: position, positionsAreBytes: positionsAreBytes))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}
