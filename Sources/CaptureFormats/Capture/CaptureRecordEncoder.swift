/// Turns records into capture-file lines (one JSON object and `\n` each).
///
/// Key order and number formatting are fixed so files are diffable and the
/// reader's common case stays simple; readers must not rely on that order.
enum CaptureRecordEncoder {
    /// What replaces each secret in outbound data.
    static let redaction: [UInt8] = Array("[REDACTED]".utf8)

    /// The line for `record`, ending in `\n`, with every occurrence of a
    /// secret in outbound bytes replaced by `[REDACTED]`.
    static func line(for record: CaptureRecord, redacting secrets: [[UInt8]]) throws(CaptureError) -> [UInt8] {
        var out: [UInt8] = []
        switch record {
        case .header(let header):
            out.reserveCapacity(256)
            append(#"{"type":"header","format":"#, to: &out)
            appendString(CaptureHeader.formatName, to: &out)
            append(#","version":\#(header.version),"tool":"#, to: &out)
            appendString(header.tool, to: &out)
            append(#","url":"#, to: &out)
            appendString(header.url, to: &out)
            append(#","encoding":"#, to: &out)
            appendString(header.encoding.rawValue, to: &out)
            append(#","compression":"#, to: &out)
            appendString(header.compression.rawValue, to: &out)
            append(#","started":"#, to: &out)
            appendString(header.started, to: &out)
        case .chunk(let chunk):
            try checkConnection(chunk.connection)
            let bytes = chunk.direction == .outbound ? redact(secrets, in: chunk.bytes) : chunk.bytes
            out.reserveCapacity(80 + (bytes.count + 2) / 3 * 4)
            append(#"{"type":"chunk","dir":"\#(chunk.direction.rawValue)","t":\#(chunk.time),"conn":\#(chunk.connection),"data":""#, to: &out)
            bytes.withUnsafeBytes { Base64.encode($0, appendingTo: &out) }
            out.append(UInt8(ascii: "\""))
        case .upstreamChunk(let chunk):
            try checkConnection(chunk.connection)
            out.reserveCapacity(80 + (chunk.bytes.count + 2) / 3 * 4)
            append(#"{"type":"upstream","t":\#(chunk.time),"conn":\#(chunk.connection),"data":""#, to: &out)
            chunk.bytes.withUnsafeBytes { Base64.encode($0, appendingTo: &out) }
            out.append(UInt8(ascii: "\""))
        case .sent(let sent):
            try checkConnection(sent.connection)
            let payload = redact(secrets, in: sent.payloadJSON)
            let syntaxError: JSONLineScanner.SyntaxError? = payload.withUnsafeBytes { bytes in
                var scanner = JSONLineScanner(bytes)
                do throws(JSONLineScanner.SyntaxError) {
                    try scanner.validateSingleValue()
                    return nil
                } catch {
                    return error
                }
            }
            if let syntaxError {
                throw CaptureError(
                    .invalidRecord,
                    "sent payload is not one JSON value: \(syntaxError.message) at byte \(syntaxError.offset)")
            }
            out.reserveCapacity(64 + payload.count)
            append(#"{"type":"sent","t":\#(sent.time),"conn":\#(sent.connection),"payload":"#, to: &out)
            out.append(contentsOf: payload.lazy.filter { $0 != 0x0A && $0 != 0x0D })
        case .connectionEvent(let event):
            try checkConnection(event.connection)
            append(#"{"type":"event","kind":"\#(event.kind.rawValue)","t":\#(event.time),"conn":\#(event.connection)"#, to: &out)
            if let detail = event.detail {
                append(event.kind == .connect ? #","url":"# : #","reason":"#, to: &out)
                appendString(detail, to: &out)
            }
        }
        append("}\n", to: &out)
        return out
    }

    private static func checkConnection(_ connection: Int) throws(CaptureError) {
        guard connection >= 1 else {
            throw CaptureError(.invalidRecord, "connection numbers start at 1, got \(connection)")
        }
    }

    private static func append(_ text: String, to out: inout [UInt8]) {
        out.append(contentsOf: text.utf8)
    }

    /// Appends `text` as a JSON string literal.
    static func appendString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): append(#"\""#, to: &out)
            case UInt8(ascii: "\\"): append(#"\\"#, to: &out)
            case UInt8(ascii: "\n"): append(#"\n"#, to: &out)
            case UInt8(ascii: "\r"): append(#"\r"#, to: &out)
            case UInt8(ascii: "\t"): append(#"\t"#, to: &out)
            case 0x00..<0x20:
                let digits: [UInt8] = Array("0123456789abcdef".utf8)
                append(#"\u00"#, to: &out)
                out.append(digits[Int(byte >> 4)])
                out.append(digits[Int(byte & 0x0F)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// `bytes` with every occurrence of each non-empty secret replaced by ``redaction``.
    static func redact(_ secrets: [[UInt8]], in bytes: [UInt8]) -> [UInt8] {
        var result = bytes
        for secret in secrets where !secret.isEmpty && secret.count <= result.count {
            guard let first = secret.first else { continue }
            var output: [UInt8] = []
            var index = 0
            var copiedUpTo = 0
            let last = result.count - secret.count
            while index <= last {
                if result[index] == first && result[index..<index + secret.count].elementsEqual(secret) {
                    output.append(contentsOf: result[copiedUpTo..<index])
                    output.append(contentsOf: redaction)
                    index += secret.count
                    copiedUpTo = index
                } else {
                    index += 1
                }
            }
            if copiedUpTo > 0 {
                output.append(contentsOf: result[copiedUpTo...])
                result = output
            }
        }
        return result
    }
}
