import WebSocketProtocol

extension HTTPMessageText {
    /// Header fields whose values are credentials (a bot token in `Authorization: Bot ...`, as a
    /// proxy or a REST-minded client may send it): never shown or exported as they are.
    static let credentialHeaders: Set<String> = ["authorization", "proxy-authorization", "cookie"]

    /// What is shown for header `name`'s `value`: the value, or a redaction for a credential.
    static func shownValue(of header: WebSocketHTTPHeader) -> String {
        credentialHeaders.contains(header.name.lowercased()) ? "[redacted]" : header.value
    }

    /// The head's headers as shown: credentials redacted.
    var shownHeaders: [WebSocketHTTPHeader] {
        headers.map { WebSocketHTTPHeader(name: $0.name, value: Self.shownValue(of: $0)) }
    }

    /// `bytes` (a message whose head is complete) with every credential header's value redacted,
    /// the rest byte for byte; bytes without a complete head, or with no credential, unchanged.
    static func redactingCredentials(_ bytes: [UInt8]) -> [UInt8] {
        guard let length = headLength(of: bytes) else { return bytes }
        let head = String(decoding: bytes[..<length], as: UTF8.self)
        var changed = false
        let lines = head.split(separator: "\r\n", omittingEmptySubsequences: false).map { line -> String in
            guard let colon = line.firstIndex(of: ":"),
                credentialHeaders.contains(String(line[..<colon]).trimming(" \t").lowercased())
            else { return String(line) }
            changed = true
            return String(line[...colon]) + " [redacted]"
        }
        guard changed else { return bytes }
        return Array(lines.joined(separator: "\r\n").utf8) + bytes[length...]
    }
}
