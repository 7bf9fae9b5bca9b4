import WebSocketProtocol

/// The start line and headers of an HTTP message, for showing them (not for validating:
/// the WebSocket layer does that).
struct HTTPMessageText {
    /// `GET /?v=10 HTTP/1.1` or `HTTP/1.1 101 Switching Protocols`.
    var startLine: String
    /// The header fields in order.
    var headers: [WebSocketHTTPHeader]
    /// Bytes up to and including the blank line.
    var headerLength: Int

    /// The length of the head that starts `bytes`, through the blank line (CRLF CRLF) that
    /// ends it; `nil` when that line has not arrived.
    static func headLength(of bytes: [UInt8]) -> Int? {
        bytes.firstRange(of: [0x0D, 0x0A, 0x0D, 0x0A])?.upperBound
    }

    /// Reads the head of `bytes`; `nil` when there is no complete head (CRLF CRLF) in it.
    init?(_ bytes: [UInt8]) {
        guard let length = Self.headLength(of: bytes) else { return nil }
        let text = String(decoding: bytes[..<(length - 4)], as: UTF8.self)
        var lines = text.split(separator: "\r\n", omittingEmptySubsequences: false).makeIterator()
        startLine = lines.next().map(String.init) ?? ""
        headers = []
        while let line = lines.next() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append(
                WebSocketHTTPHeader(
                    name: String(line[..<colon]),
                    value: String(line[line.index(after: colon)...]).trimming(" \t")))
        }
        headerLength = length
    }

    /// The first value of header `name` (case-insensitive).
    func value(of name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

extension String {
    /// Without leading and trailing characters from `set`.
    func trimming(_ set: String) -> String {
        let unwanted = Set(set)
        let trimmedStart = drop { unwanted.contains($0) }
        var end = trimmedStart.endIndex
        while end > trimmedStart.startIndex, unwanted.contains(trimmedStart[trimmedStart.index(before: end)]) {
            end = trimmedStart.index(before: end)
        }
        return String(trimmedStart[..<end])
    }
}
