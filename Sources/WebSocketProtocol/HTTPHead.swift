/// The pieces of an HTTP/1.1 head (start line, header fields, blank line) that the
/// client's response parser and the server's request parser read alike.
enum HTTPHead {
    /// Index just past the first CR LF CR LF at or after `from`; throws at a
    /// bare LF or CR, so a peer using other line endings fails at once
    /// instead of leaving us waiting for a terminator that never comes.
    /// `offset` is the stream offset of `buffer[0]`.
    static func findEnd(in buffer: [UInt8], from: Int, offset: Int) throws(WebSocketProtocolError) -> Int? {
        let result = buffer.withUnsafeBytes { bytes -> Result<Int?, WebSocketProtocolError> in
            var index = from
            while index < bytes.count {
                switch bytes[index] {
                case 0x0A:
                    guard index > 0 && bytes[index - 1] == 0x0D else {
                        return .failure(WebSocketProtocolError(.malformedHeader, "line ends with LF without CR", offset: offset + index))
                    }
                    if index >= 3 && bytes[index - 2] == 0x0A && bytes[index - 3] == 0x0D { return .success(index + 1) }
                case 0x0D:
                    if index + 1 < bytes.count && bytes[index + 1] != 0x0A {
                        return .failure(WebSocketProtocolError(.malformedHeader, "CR not followed by LF", offset: offset + index))
                    }
                default:
                    break
                }
                index += 1
            }
            return .success(nil)
        }
        return try result.get()
    }

    /// The CR LF-terminated lines of `block` (a head ending with CR LF CR LF), each with
    /// its index in `block`; the last is the empty line before the final CR LF.
    static func lines(of block: [UInt8]) -> [(start: Int, bytes: ArraySlice<UInt8>)] {
        var lines: [(start: Int, bytes: ArraySlice<UInt8>)] = []
        var lineStart = 0
        var index = 0
        while index + 1 < block.count {
            if block[index] == 0x0D && block[index + 1] == 0x0A {
                lines.append((lineStart, block[lineStart..<index]))
                index += 2
                lineStart = index
            } else {
                index += 1
            }
        }
        return lines
    }

    /// `name ":" OWS value OWS`; obsolete line folding is refused.
    static func parseHeaderLine(_ line: ArraySlice<UInt8>, offset: Int) throws(WebSocketProtocolError) -> WebSocketHTTPHeader {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex else {
            throw WebSocketProtocolError(.malformedHeader, "header line \"\(printable(line))\" has no name", offset: offset)
        }
        let name = line[..<colon]
        if let bad = name.firstIndex(where: { !HTTPSyntax.isTokenCharacter($0) }) {
            throw WebSocketProtocolError(
                .malformedHeader, "invalid character 0x\(String(line[bad], radix: 16)) in header name",
                offset: offset + (bad - line.startIndex))
        }
        var value = line[(colon + 1)...]
        if let bad = value.firstIndex(where: { !HTTPSyntax.isFieldCharacter($0) }) {
            throw WebSocketProtocolError(
                .malformedHeader, "control character in the value of \"\(printable(name))\"",
                offset: offset + (bad - line.startIndex))
        }
        while let first = value.first, first == 0x20 || first == 0x09 { value = value.dropFirst() }
        while let last = value.last, last == 0x20 || last == 0x09 { value = value.dropLast() }
        return WebSocketHTTPHeader(name: String(decoding: name, as: UTF8.self), value: String(decoding: value, as: UTF8.self))
    }

    /// At most 80 bytes of `bytes` with everything but printable ASCII shown as `?`, for
    /// quoting a peer's bytes in an error message.
    static func printable(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes.prefix(80).map { $0 >= 0x20 && $0 < 0x7F ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
    }
}
