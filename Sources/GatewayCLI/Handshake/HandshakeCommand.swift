import ArgumentParser
import DiscordGateway
import GatewayCodecs
import NIOCore
import NIOPosix
import WebSocketProtocol

/// `gatewayctl handshake [URL]`: the WebSocket opening handshake, performed over the network,
/// or shown or checked offline.
public struct HandshakeCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "handshake",
        abstract: "Perform the opening handshake with a gateway, show the upgrade request, or check a response.",
        discussion: """
            Without --print or --check, the opening handshake is performed over the network \
            (TLS for wss://, --ca-file for a private CA): the request, the response's status \
            and headers, whether the accept value matched, the timing, and the first message \
            (HELLO) if one arrives within --timeout; then the connection is closed cleanly \
            (1000). Output as replay's (--format, --color). A refused upgrade shows its status, \
            headers and body and exits 69; so does an unreachable server, a failed TLS \
            handshake, or a timeout before the upgrade. A server that breaks the protocol (a \
            wrong accept value or missing headers, a bad frame, an undecodable payload, no \
            HELLO within --timeout, no answer to the close) exits 76, as connect does.

            --print writes the exact upgrade request a client would send for URL and the \
            options: the gateway query (v, encoding, compress) is added after any the URL \
            has, and headers come in the library's order. --key fixes the \
            Sec-WebSocket-Key (base64 of 16 bytes); without it a random one is drawn.

            --check FILE validates a server's response (read from FILE, or standard input \
            with '-') against --key: the status, the Upgrade and Connection headers, and the \
            Sec-WebSocket-Accept value, showing the expected and the actual one. A valid \
            101 exits 0, a malformed or mismatching response 65, any other status 69.

            Examples:
              gatewayctl handshake wss://gateway.discord.gg
              gatewayctl handshake --format jsonl --timeout 5 ws://127.0.0.1:8080
              gatewayctl handshake --print --key dGhlIHNhbXBsZSBub25jZQ== wss://gateway.discord.gg
              gatewayctl handshake --print --encoding etf --compression zstd-stream
              gatewayctl handshake --check response.txt --key dGhlIHNhbXBsZSBub25jZQ==
            """)

    @Argument(help: "The gateway URL (ws:// or wss://).")
    var url = "wss://gateway.discord.gg"

    @Flag(help: "Print the upgrade request.")
    var print = false

    @Option(help: "Check the server response in FILE ('-' for standard input) against --key.", completion: .file())
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

    @Option(
        name: .customLong("ca-file"), help: "A PEM file of extra CA certificates to trust for wss://.",
        completion: .file())
    var caFile: String?

    @Option(help: "Seconds to wait for each step over the network: connecting, the answer, HELLO, the close.")
    var timeout: Double = 10

    @OptionGroup var output: OutputOptions

    public init() {}

    public func validate() throws {
        if print && check != nil { throw ValidationError("give --print or --check, not both") }
        guard timeout > 0 && timeout < 86_400 else { throw ValidationError("--timeout must be a positive number of seconds") }
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
        } else if print {
            let output = OutputBuffer()
            output.write(try request().bytes)
            output.flush()
        } else {
            try performOverNetwork()
        }
    }

    /// The handshake over the network, rendered; throws with 69 for a refusal, a failure or a timeout.
    private func performOverNetwork() throws {
        var waits = try self.configuration()
        waits.helloTimeout = .nanoseconds(Int64((timeout * 1e9).rounded()))
        waits.closeTimeout = waits.helloTimeout
        let configuration = waits
        let (format, colors) = output.resolved()
        let renderer = Renderer(format: format, colors: colors)
        defer { renderer.flush() }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let loop = group.next()
        let key = self.key
        let caFile = self.caFile
        let timeout = self.timeout
        let verbose = output.verbose
        let report: HandshakeProbeReport
        do {
            report = try loop.flatSubmit {
                do {
                    return try HandshakeProbe.run(
                        configuration: configuration, key: key, caFile: caFile, timeout: timeout, verbose: verbose,
                        on: loop)
                } catch {
                    return loop.makeFailedFuture(error)
                }
            }.wait()
        } catch let error as ConnectError {
            throw error
        } catch {
            throw ConnectError(.internalFailure, "internal error: \(error)", exitStatus: .internalError)
        }
        try HandshakeReportRenderer(renderer: renderer, report: report).render()
    }

    /// The request `connect()` would write, built by the library itself.
    private func request() throws -> (bytes: [UInt8], url: WebSocketURL) {
        let configuration = try self.configuration()
        var connection: GatewayConnection
        do {
            connection = try FixedKeyGenerator.connection(configuration: configuration, key: key)
        } catch {
            throw ValidationError(error.description)
        }
        let bytes = connection.connect()
        return (bytes, connection.url)
    }

    /// The gateway configuration the options describe.
    private func configuration() throws -> GatewayConfiguration {
        var configuration = GatewayConfiguration(url: url, encoding: encoding, compression: compression)
        configuration.apiVersion = apiVersion
        for header in headers {
            let parts = header.split(separator: ":", maxSplits: 1)
            let name = String(parts[0]).trimming(" \t")
            let value = parts.count > 1 ? String(parts[1]).trimming(" \t") : ""
            configuration.extraHeaders.removeAll { $0.name.lowercased() == name.lowercased() }
            configuration.extraHeaders.append((name, value))
        }
        return configuration
    }
}
