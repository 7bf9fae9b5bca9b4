/// Character classes of HTTP/1.1 (RFC 9110 §5.6) used by the handshake.
enum HTTPSyntax {
    /// tchar: the characters of a header name or token.
    static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
            UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
            UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// Characters allowed in a field value or reason phrase: HTAB, SP, visible ASCII, obs-text.
    static func isFieldCharacter(_ byte: UInt8) -> Bool {
        byte == 0x09 || (byte >= 0x20 && byte != 0x7F)
    }

    /// The comma-separated elements of list-valued headers, trimmed and (unless asked not to) lowercased.
    static func listElements(_ values: [String], lowercased: Bool = true) -> [String] {
        values.flatMap { $0.split(separator: ",") }.map { element in
            let trimmed = String(
                element.drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
            return lowercased ? trimmed.lowercased() : trimmed
        }
    }
}
