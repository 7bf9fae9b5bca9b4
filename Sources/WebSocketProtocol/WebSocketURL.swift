/// A parsed `ws://` or `wss://` URL (RFC 6455 §3): what to connect to and
/// what to put in the upgrade request.
public struct WebSocketURL: Sendable, Hashable, CustomStringConvertible {
    /// True for `wss` (TLS), false for `ws`.
    public var isSecure: Bool
    /// The host to connect to, without brackets for IPv6 literals (what a resolver wants).
    public var host: String
    /// The TCP port: explicit, or 80 for `ws` and 443 for `wss`.
    public var port: Int
    /// The request target: the path and query, `/` when the path is empty.
    public var requestTarget: String

    /// Parses `string`. The scheme is case-insensitive; user information,
    /// fragments and unencoded spaces, controls or non-ASCII characters are refused.
    public init(_ string: String) throws(WebSocketURLError) {
        let bytes = Array(string.utf8)
        for byte in bytes where byte <= 0x20 || byte >= 0x7F {
            throw WebSocketURLError(.invalidCharacter, "character 0x\(String(byte, radix: 16)) in URL must be percent-encoded")
        }
        guard let schemeEnd = Self.find(Array("://".utf8), in: bytes) else {
            throw WebSocketURLError(.unsupportedScheme, "URL has no \"scheme://\"")
        }
        switch String(decoding: bytes[..<schemeEnd], as: UTF8.self).lowercased() {
        case "ws": isSecure = false
        case "wss": isSecure = true
        case let other: throw WebSocketURLError(.unsupportedScheme, "scheme \"\(other)\" is not ws or wss")
        }
        var rest = bytes[(schemeEnd + 3)...]
        if rest.contains(UInt8(ascii: "#")) {
            throw WebSocketURLError(.fragmentNotAllowed, "WebSocket URLs cannot have a fragment")
        }
        let authorityEnd = rest.firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        rest = rest[authorityEnd...]
        if authority.contains(UInt8(ascii: "@")) {
            throw WebSocketURLError(.userInfoNotAllowed, "WebSocket URLs cannot carry user information")
        }

        var hostPart = authority
        var portPart: ArraySlice<UInt8>?
        if authority.first == UInt8(ascii: "[") {
            guard let close = authority.firstIndex(of: UInt8(ascii: "]")) else {
                throw WebSocketURLError(.invalidHost, "IPv6 address without a closing bracket")
            }
            hostPart = authority[(authority.startIndex + 1)..<close]
            let afterBracket = authority[(close + 1)...]
            if let colon = afterBracket.first {
                guard colon == UInt8(ascii: ":") else {
                    throw WebSocketURLError(.invalidHost, "unexpected characters after the IPv6 address")
                }
                portPart = afterBracket.dropFirst()
            }
            let allowed = hostPart.allSatisfy { Self.isHexDigit($0) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") }
            guard !hostPart.isEmpty, allowed, hostPart.contains(UInt8(ascii: ":")) else {
                throw WebSocketURLError(.invalidHost, "\"\(String(decoding: hostPart, as: UTF8.self))\" is not an IPv6 address")
            }
        } else if let colon = authority.firstIndex(of: UInt8(ascii: ":")) {
            hostPart = authority[..<colon]
            portPart = authority[(colon + 1)...]
        }
        guard !hostPart.isEmpty else { throw WebSocketURLError(.invalidHost, "URL has an empty host") }
        if authority.first != UInt8(ascii: "[") {
            for byte in hostPart where !Self.isRegNameCharacter(byte) {
                throw WebSocketURLError(.invalidHost, "character \"\(Character(Unicode.Scalar(byte)))\" is not allowed in a host")
            }
        }
        host = String(decoding: hostPart, as: UTF8.self)

        if let portPart {
            guard !portPart.isEmpty, portPart.count <= 5, portPart.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                let value = Int(String(decoding: portPart, as: UTF8.self)), (1...65535).contains(value)
            else {
                throw WebSocketURLError(.invalidPort, "port \"\(String(decoding: portPart, as: UTF8.self))\" is not in 1...65535")
            }
            port = value
        } else {
            port = isSecure ? 443 : 80
        }

        let target = String(decoding: rest, as: UTF8.self)
        requestTarget = target.hasPrefix("/") ? target : "/" + target
    }

    /// The `Host` header value: the host (bracketed if IPv6), plus `:port`
    /// when the port is not the scheme's default.
    public var hostHeader: String {
        let bracketed = host.contains(":") ? "[\(host)]" : host
        return port == (isSecure ? 443 : 80) ? bracketed : "\(bracketed):\(port)"
    }

    /// The URL in normal form: lowercase scheme, default port omitted.
    public var description: String { "\(isSecure ? "wss" : "ws")://\(hostHeader)\(requestTarget)" }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return start
        }
        return nil
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte)
    }

    /// RFC 3986 reg-name: unreserved, percent-encoded and sub-delims.
    private static func isRegNameCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return Array("-._~%!$&'()*+,;=".utf8).contains(byte)
        }
    }
}
