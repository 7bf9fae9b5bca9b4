import DiscordGatewayClient
import ArgumentParser
import Foundation
import GatewayServer
import NIOCore
import NIOPosix
import NIOSSL
import WebSocketProtocol

/// `gatewayctl proxy`: a real bot's gateway traffic, relayed to Discord and shown both ways,
/// decoded, with faults injected on demand.
public struct ProxyCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "proxy",
        abstract: "Relay a bot's gateway connection to Discord, show both directions decoded, and inject faults.",
        discussion: """
            Listens on --host (loopback by default) and prints the gateway URL; point the bot's \
            gateway at it (one URL; see the README for discord.py, discord.js, twilight and JDA). \
            Each bot connection is relayed to --upstream with the bot's own query (v, encoding, \
            compress): the bot's payloads go up as sent, Discord's come down in the bot's \
            encoding and compression, one compression context per leg. READY's \
            resume_gateway_url is rewritten to point back at the proxy (/via/HOST), so the \
            bot's RESUME comes back through it and goes on to the host Discord named. Closes \
            pass both ways with their codes; when one leg drops, the other is dropped too.

            Both directions are shown as connect shows them (--format, --event, --op, --frames), \
            marked bot→Discord and Discord→bot, each connection numbered, heartbeat ACKs with \
            their latency, the bot's token as [redacted]. --record writes both legs in the capture \
            format: replay shows what each bot sent and received, replay --upstream what Discord \
            sent the proxy.

            Also answered: GET /api/v10/gateway and /gateway/bot, with the proxy's own URL \
            (other REST calls are Discord's: a 404 says so).

            --inject ACTION[@WHEN] makes a fault once, on the first connection that gets there \
            (repeatable). ACTION: reconnect (op 7 to the bot), invalid-session[=true|false] \
            (op 9), drop (cut the bot's TCP connection), close=CODE, zombie (stop passing \
            heartbeat ACKs), delay=MS (hold Discord's payloads). WHEN: after=N (dispatches \
            passed to the bot), at=SECONDS (since the proxy started), on=EVENT (when Discord \
            sends it); on=READY by default.

            Exit statuses: 64 bad option, 65 a --ca-file that holds no PEM certificate, 66 one \
            that cannot be read, 69 the address cannot be bound, 130 Ctrl-C, 143 SIGTERM \
            (every bot is closed with 1001 first).

            Examples:
              gatewayctl proxy --port 8766
              gatewayctl proxy --inject reconnect@after=10 --inject zombie@at=120
              gatewayctl proxy --upstream ws://127.0.0.1:8765 --port 0 --format jsonl
            """)

    public init() {}

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on (0 picks a free one; the URL is printed).")
    var port = 8766

    @Option(help: "The gateway bots are relayed to (ws:// or wss://).")
    var upstream = "wss://gateway.discord.gg"

    @Option(name: .customLong("ca-file"), help: "Also trust the CAs in this PEM file for a wss:// upstream.", completion: .file())
    var caFile: String?

    @Option(
        name: .customLong("inject"),
        help: ArgumentHelp("A fault to make, ACTION[@WHEN] (repeatable; see the discussion).", valueName: "fault"))
    var injections: [String] = []

    @Option(help: "Record both legs to this capture file (replay; replay --upstream for Discord's side).", completion: .file())
    var record: String?

    @Option(help: "Seconds the upstream may take to answer a bot's upgrade (TCP, TLS, the upgrade): then the bot gets 504.")
    var timeout: Double = 10

    @OptionGroup var output: OutputOptions

    @OptionGroup var filters: FilterOptions

    public func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
        guard timeout >= 0.001 && timeout < 86_400 else { throw ValidationError("--timeout must be from 0.001 to 86400 seconds") }
        do {
            let url = try WebSocketURL(upstream)
            guard url.requestTarget == "/" || url.requestTarget.isEmpty else {
                throw ValidationError("--upstream \(upstream): give the gateway's URL without a path or query")
            }
        } catch let error as ValidationError {
            throw error
        } catch {
            throw ValidationError("--upstream \(upstream): \(error)")
        }
        _ = try parsedInjections()
    }

    /// The `--inject` faults, read.
    func parsedInjections() throws(ValidationError) -> [ProxyInjection] {
        var parsed: [ProxyInjection] = []
        for text in injections {
            do {
                parsed.append(try ProxyInjection(parsing: text))
            } catch {
                throw ValidationError(error.message)
            }
        }
        return parsed
    }

    public func run() throws {
        let (format, colors) = output.resolved()
        let injected = try parsedInjections()
        let tls: NIOSSLContext?
        do {
            tls = try upstream.lowercased().hasPrefix("wss://") ? GatewayTLS.makeContext(caFile: caFile) : nil
        } catch {
            throw ServerCommandError(error.message, exitStatus: error.exitStatus)
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let loop = group.next()
        let filter = filters.filter(framesByDefault: false)
        var configuration = GatewayProxyConfiguration(upstreamURL: upstream, proxyURL: "")
        configuration.webSocket.reportsFrames = filter.showsFrames
        configuration.upstreamTimeout = .milliseconds((timeout * 1000).rounded())
        let proxyConfiguration = configuration
        let (host, port, record, verbose) = (host, port, record, output.verbose)
        let (_, stoppedBy) = try ListenerRun.run(
            on: loop, host: host, port: port,
            make: {
                ProxyServer(
                    configuration: proxyConfiguration, injections: injected, tls: tls,
                    renderer: Renderer(format: format, colors: colors), filter: filter, recordPath: record,
                    verbose: verbose, eventLoop: loop)
            },
            bind: { $0.bind(host: host, port: port) }, result: { _ in () })
        throw ListenerRun.stopped(by: stoppedBy ?? .interrupted, what: "every bot connection was")
    }
}
