import DiscordGateway
import GatewayCodecs

/// What a client asked for in its connection URL: `?v=10&encoding=json&compress=zlib-stream`.
public struct GatewayConnectionQuery: Sendable, Hashable, CustomStringConvertible {
    /// The gateway API version (`v`); nil when the URL has none.
    public var version: Int?
    /// The payload encoding (`encoding`, JSON when absent).
    public var encoding: GatewayEncoding
    /// The transport compression (`compress`); `.none` when absent. Payload compression is
    /// asked for in IDENTIFY, not here.
    public var compression: GatewayCompression

    /// Creates a query value.
    public init(version: Int?, encoding: GatewayEncoding, compression: GatewayCompression) {
        self.version = version
        self.encoding = encoding
        self.compression = compression
    }

    /// Reads the query of a request target (`/?v=10&encoding=etf`).
    /// - Throws: a message naming the parameter whose value is not one Discord knows.
    public init(target: String) throws(GatewayServerQueryError) {
        var version: Int?
        var encoding = GatewayEncoding.json
        var compression = GatewayCompression.none
        let query = target.split(separator: "?", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
        for item in query.split(separator: "&") where !item.isEmpty {
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0])
            let value = parts.count > 1 ? String(parts[1]) : ""
            switch name {
            case "v":
                guard let number = Int(value) else { throw GatewayServerQueryError("v=\(value) is not a number") }
                version = number
            case "encoding":
                guard let known = GatewayEncoding(rawValue: value) else {
                    throw GatewayServerQueryError("encoding=\(value) is not json or etf")
                }
                encoding = known
            case "compress":
                guard let known = GatewayCompression(rawValue: value), known != .payload else {
                    throw GatewayServerQueryError("compress=\(value) is not zlib-stream or zstd-stream")
                }
                compression = known
            default:
                continue
            }
        }
        self.init(version: version, encoding: encoding, compression: compression)
    }

    /// `v=10, json, zlib-stream`.
    public var description: String {
        "v=\(version.map(String.init) ?? "none"), \(encoding.rawValue), \(compression.rawValue)"
    }
}

/// A connection URL whose query names an encoding or compression the gateway does not have.
public struct GatewayServerQueryError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was wrong.
    public var message: String

    init(_ message: String) { self.message = message }

    public var description: String { message }
}
