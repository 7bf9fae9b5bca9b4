import DiscordGateway

extension Renderer {
    /// The most payload bytes a hex dump shows; the rest is counted.
    static let hexDumpLimit = 4096

    /// A WebSocket message or control-frame payload shown for what it is, when no gateway layer
    /// claims it: text as a quoted string, anything else as a hex dump with ASCII (decode).
    /// - Parameter kind: what carried it: `text`, `binary`, `ping`, `pong`.
    public func rawMessage(_ kind: String, _ payload: [UInt8], _ direction: Direction?, _ context: RenderContext? = nil) {
        let text = Self.printableText(payload)
        emit(
            pretty: {
                var line = prefix(context, direction) + style.bold(kind) + style.dim(" (\(payload.count) bytes)")
                if payload.isEmpty { return line + style.dim(": empty") }
                if let text { return line + ": " + style.json(String(decoding: GatewayJSON.encode(.string(text)), as: UTF8.self)) }
                line += ":"
                for row in Self.hexDump(payload.prefix(Self.hexDumpLimit)) { line += "\n    " + row }
                if payload.count > Self.hexDumpLimit { line += "\n    " + style.dim("... \(payload.count - Self.hexDumpLimit) more bytes") }
                return line
            },
            json: {
                var line = object("message", context, direction)
                line.add("type", kind)
                line.add("length", payload.count)
                if let text { line.add("text", text) } else { line.add("hex", PayloadSniffer.hex(payload.prefix(Self.hexDumpLimit))) }
                return line
            })
    }

    /// The payload as text when it is UTF-8 without control characters other than tab and
    /// newline (a person can read it quoted); nil otherwise.
    static func printableText(_ payload: [UInt8]) -> String? {
        guard let text = String(validating: payload, as: UTF8.self) else { return nil }
        let readable = text.unicodeScalars.allSatisfy { $0 == "\t" || $0 == "\n" || $0 == "\r" || ($0.value >= 0x20 && $0.value != 0x7F) }
        return readable ? text : nil
    }

    /// `hexdump -C` rows: offset, 16 bytes in hex, and the printable ASCII.
    static func hexDump(_ bytes: some Collection<UInt8>) -> [String] {
        let all = Array(bytes)
        return stride(from: 0, to: all.count, by: 16).map { start in
            let row = all[start..<min(start + 16, all.count)]
            var hex = row.map { byte in
                let digits = String(byte, radix: 16)
                return digits.count == 1 ? "0" + digits : digits
            }
            hex += Array(repeating: "  ", count: 16 - row.count)
            let left = hex[0..<8].joined(separator: " ")
            let right = hex[8..<16].joined(separator: " ")
            let ascii = String(row.map { (0x20...0x7E).contains($0) ? Character(UnicodeScalar($0)) : "." })
            let offset = String(start, radix: 16)
            return String(repeating: "0", count: max(0, 8 - offset.count)) + offset + "  " + left + "  " + right + "  |" + ascii + "|"
        }
    }
}
