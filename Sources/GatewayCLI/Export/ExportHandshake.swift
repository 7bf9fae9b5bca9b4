import DiscordGateway
import GatewayCodecs

/// The upgrade request an export synthesizes for a connection that recorded none (a raw dump).
enum ExportHandshake {
    /// The gateway URL a client of `format` connects to (`wss://gateway.discord.gg/?v=10&...`);
    /// the bare host for a dump that is not a gateway session.
    static func url(for format: ReplayFormat?) -> String {
        guard let format else { return "wss://gateway.discord.gg/" }
        var url = "wss://gateway.discord.gg/?v=10&encoding=\(format.encoding.rawValue)"
        // Payload compression is asked for in IDENTIFY, not in the URL.
        if format.compression == .zlibStream || format.compression == .zstdStream {
            url += "&compress=\(format.compression.rawValue)"
        }
        return url
    }

    /// `GET <path> HTTP/1.1` with the headers a WebSocket client sends, for `url` and `key`.
    static func request(url: String, key: String) -> [UInt8] {
        let (host, path) = hostAndPath(of: url)
        let text = "GET \(path) HTTP/1.1\r\nHost: \(host)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n\r\n"
        return Array(text.utf8)
    }

    /// The host and the path with its query of a `ws://` or `wss://` URL (`/` when it has none).
    static func hostAndPath(of url: String) -> (host: String, path: String) {
        var rest = Substring(url)
        if let scheme = rest.range(of: "://") { rest = rest[scheme.upperBound...] }
        guard let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) else { return (String(rest), "/") }
        let path = rest[slash...]
        return (String(rest[..<slash]), path.hasPrefix("?") ? "/" + path : String(path))
    }
}
