import ArgumentParser
import DiscordGateway
import GatewayCodecs
import WebSocketProtocol

/// `gatewayctl handshake [URL]`: the WebSocket opening handshake, shown or checked offline.
public struct HandshakeCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "handshake",
        abstract: "Show the upgrade request for a gateway URL, or check a server's response.",
        discussion: """
            --print writes the exact upgrade request a client would send for URL and the \
            options: the gateway query (v, encoding, compress) is added after any the URL \
            has, and headers come in the library's order. --key fixes the \
            Sec-WebSocket-Key (base64 of 16 bytes); without it a random one is drawn.

            --check FILE validates a server's response (read from FILE, or standard input \
            with '-') against --key: the status, the Upgrade and Connection headers, and the \
            Sec-WebSocket-Accept value, showing the expected and the actual one. A valid \
            101 exits 0, a malformed or mismatching response 65, any other status 69.

            (Performing the handshake over the network is not available yet.)

            Examples:
              gatewayctl handshake --print --key dGhlIHNhbXBsZSBub25jZQ== wss://gateway.discord.gg
              gatewayctl handshake --print --encoding etf --compression zstd-stream
              gatewayctl handshake --check response.txt --key dGhlIHNhbXBsZSBub25jZQ==
            """)

    @Argument(help: "The gateway URL (ws:// or wss://).")
    var url = "wss://gateway.discord.gg"

    @Flag(help: "Print the upgrade request.")
    var print = false

    @Option(help: "Check the server response in FILE ('-' for standard input) against --key.")
    var check: String?

    @Option(help: "The Sec-WebSocket-Key, base64 of 16 bytes.")
    var key: String?

    @Option(help: "The payload encoding: json or etf.")
    var encoding: GatewayEncoding = .json

    @Option(help: "The compression: none, payload, zlib-stream or zstd-stream.")
    var compression: GatewayCompression = .zlibStream

    @Option(help: "The gateway API version (v=).")
    var apiVersion = 10

    @Option(name: .customLong("header"), help: "An extra request header, 'Name: value' (repeatable).")
    var headers: [String] = []

    public init() {}

    public func validate() throws {
        guard print != (check != nil) else {
            throw ValidationError("give --print or --check (performing the handshake over the network is not available yet)")
        }
        if let key, FixedKeyGenerator(key: key) == nil {
            throw ValidationError("--key must be base64 of 16 bytes, like dGhlIHNhbXBsZSBub25jZQ==")
        }
        if check != nil && key == nil { throw ValidationError("--check needs the --key the request was sent with") }
        for header in headers where !header.contains(":") {
            throw ValidationError("--header takes 'Name: value', not '\(header)'")
        }
    }

    public func run() throws {
        if let check {
            try HandshakeCheck(response: try InputFile(path: check).readAll(), key: key ?? "", url: try request().url)
                .run()
        } else {
            let output = OutputBuffer()
            output.write(try request().bytes)
            output.flush()
        }
    }

    /// The request `connect()` would write, built by the library itself.
    private func request() throws -> (bytes: [UInt8], url: WebSocketURL) {
        var configuration = GatewayConfiguration(url: url, encoding: encoding, compression: compression)
        configuration.apiVersion = apiVersion
        for header in headers {
            let parts = header.split(separator: ":", maxSplits: 1)
            let name = String(parts[0]).trimming(" \t")
            let value = parts.count > 1 ? String(parts[1]).trimming(" \t") : ""
            configuration.extraHeaders.removeAll { $0.name.lowercased() == name.lowercased() }
            configuration.extraHeaders.append((name, value))
        }
        var connection: GatewayConnection
        do {
            if let key, let generator = FixedKeyGenerator(key: key) {
                connection = try GatewayConnection(configuration: configuration, random: generator)
            } else {
                connection = try GatewayConnection(configuration: configuration, random: SystemRandomNumberGenerator())
            }
        } catch {
            throw ValidationError(error.description)
        }
        let bytes = connection.connect()
        return (bytes, connection.url)
    }
}
