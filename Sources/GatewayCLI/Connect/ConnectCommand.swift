import ArgumentParser
import DiscordGateway
import Foundation

/// `gatewayctl connect`: a live gateway session, printed as it happens, reconnecting, recorded.
public struct ConnectCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "connect",
        abstract: "Open a live gateway session, print every payload and event, reconnect, and record it.",
        discussion: """
            The token is read only from the environment variable named by --token-env and never \
            printed or recorded. Ctrl-C closes the session cleanly (exit 130; SIGTERM likewise, exit 143); a second one exits at once.
            --keylog FILE (or the SSLKEYLOGFILE environment variable) appends the TLS session \
            secrets to FILE, created readable by its owner only, so Wireshark can decrypt a \
            packet capture of the session: anyone with the file can read the session, token \
            included. Nothing is written without one of them.

            Every wait is bounded by --timeout (default 10 s): the TCP connection, the TLS \
            handshake, the answer to the upgrade, HELLO, and the echo of a close. Reconnects \
            back off exponentially (each attempt shows its delay); a first connection that \
            fails ends the command, as does any disconnect with --no-reconnect.

            Exit statuses: 0 a clean stop that was asked for (--max-events, --duration), 64 bad \
            option, 65 a --ca-file with no PEM certificate, 66 one that cannot be read, 69 the server cannot be reached, does not answer in time, refuses the \
            upgrade, fails TLS, drops the connection or ends the session (--no-reconnect), 74 \
            the recording cannot be written, 76 the server broke the WebSocket or gateway \
            protocol (bad accept value, bad frames, undecodable or oversized payloads, no HELLO \
            in time, no answer to our close), 77 token rejected (4004), 78 configuration (no \
            token, 4010-4014), 130 Ctrl-C, 143 SIGTERM.

            Output is replay's: --format pretty for people (the default on a terminal), --format \
            jsonl for scripts (the default otherwise, docs/jsonl-output.md), with the same --color, \
            --event, --op and --frames. Sent payloads show the token as [redacted]; HEARTBEAT_ACK \
            lines carry the round-trip latency; reconnects show their reason, delay and RESUME or \
            IDENTIFY. On a terminal, a status line (events/s, last sequence, latency) goes to \
            standard error, never standard output (--no-status turns it off).

            Examples:
              gatewayctl connect --intents GUILDS,GUILD_MESSAGES --event MESSAGE_CREATE
              gatewayctl connect --format jsonl --max-events 100 --record session.gwcap | jq -c .
              gatewayctl connect ws://127.0.0.1:8765 --compression none --no-reconnect --timeout 3
            """)

    @Argument(help: "The gateway URL (ws:// for local gateways and proxies).")
    var gatewayURL: String?

    /// The URL's old spelling, kept so scripts written for it go on working.
    @Option(name: .customLong("url"), help: ArgumentHelp(visibility: .hidden))
    var urlOption: String?

    @Option(
        name: .customLong("token-env"), help: "The environment variable holding the bot token.",
        completion: .shellCommand("env | cut -d= -f1"))
    var tokenEnv = "DISCORD_TOKEN"

    @Option(
        help: "Intents: a number (513) or names (GUILDS,GUILD_MESSAGES), case-insensitive.",
        completion: .list(GatewayIntents.named.map(\.name)))
    var intents = "GUILDS,GUILD_MESSAGES"

    @Option(help: "Payload encoding: json or etf.", completion: .list(GatewayEncoding.allCases.map(\.rawValue)))
    var encoding = "json"

    @Option(
        help: "Compression: zlib-stream, zstd-stream, payload or none.",
        completion: .list(GatewayCompression.allCases.map(\.rawValue)))
    var compression = "zlib-stream"

    /// `--compression`'s old spelling, kept so scripts written for it go on working.
    @Option(name: .customLong("compress"), help: ArgumentHelp(visibility: .hidden))
    var compressAlias: String?

    @Option(help: "The shard as ID/COUNT, e.g. 0/2.")
    var shard: String?

    @Option(name: .customLong("large-threshold"), help: "Members above which a guild is large (50-250).")
    var largeThreshold: Int?

    @Option(
        help: "Presence status sent in IDENTIFY: online, dnd, idle, invisible or offline.",
        completion: .list(["online", "dnd", "idle", "invisible", "offline"]))
    var presence: String?

    @Option(
        name: .customLong("ca-file"), help: "A PEM file of extra CA certificates to trust for wss://.",
        completion: .file())
    var caFile: String?

    @Option(
        help: "Append the TLS session secrets to FILE (NSS key log format, as SSLKEYLOGFILE) for Wireshark: it decrypts the session.",
        completion: .file())
    var keylog: String?

    @Flag(name: .customLong("no-reconnect"), help: "Stop at the first disconnect, with its exit status.")
    var noReconnect = false

    @Option(help: "Seconds to wait for each step: connecting, TLS, the upgrade answer, HELLO, the close echo.")
    var timeout: Double = 10

    @Flag(name: .customLong("keep-session"), help: "On stop, close with a resumable code (4000) instead of 1000.")
    var keepSession = false

    @Option(name: .customLong("max-events"), help: "Stop cleanly after this many dispatches.")
    var maxEvents: Int?

    @Option(help: "Stop cleanly after this many seconds.")
    var duration: Double?

    @Option(help: "Record the session to this capture file (readable by replay).", completion: .file())
    var record: String?

    @OptionGroup var output: OutputOptions

    @OptionGroup var filters: FilterOptions

    @Flag(name: .customLong("no-status"), help: "No status line on a terminal's standard error.")
    var noStatus = false

    public init() {}

    public func validate() throws {
        if gatewayURL != nil && urlOption != nil { throw ValidationError("give the URL once: as an argument or with --url") }
        do {
            _ = try identify(token: "validation")
            _ = try gatewayConfiguration()
        } catch {
            throw ValidationError(error.message)
        }
        if let maxEvents, maxEvents < 1 { throw ValidationError("--max-events must be at least 1") }
        if let duration, !(duration > 0 && duration < 1e9) { throw ValidationError("--duration must be a positive number of seconds") }
        guard timeout >= 0.001 && timeout < 86_400 else { throw ValidationError("--timeout must be from 0.001 to 86400 seconds") }
    }

    public func run() throws {
        let token = try BotToken(variable: tokenEnv)
        var options = GatewaySessionOptions(
            configuration: try gatewayConfiguration(), identify: try identify(token: token.value), secrets: token.secrets)
        options.caFile = caFile
        options.keyLogPath = keylog ?? ProcessInfo.processInfo.environment[TLSKeyLog.environmentVariable].flatMap { $0.isEmpty ? nil : $0 }
        options.reconnects = !noReconnect
        options.timeout = .milliseconds((timeout * 1000).rounded())
        options.keepSession = keepSession
        options.maxEvents = maxEvents
        options.duration = duration.map { Duration.milliseconds(($0 * 1000).rounded()) }
        options.recordPath = record
        let filter = filters.filter(framesByDefault: false)
        options.reportsFrames = filter.showsFrames
        options.verbose = output.verbose
        let (format, colors) = output.resolved()
        let printer = ConnectPrinter(
            renderer: Renderer(format: format, colors: colors), filter: filter,
            showsStatus: !noStatus && isatty(STDERR_FILENO) == 1)
        defer { printer.finish() }
        try GatewaySession.run(options: options) { event in printer.print(event) }
    }

    func gatewayConfiguration() throws(ConnectError) -> GatewayConfiguration {
        guard let wireEncoding = GatewayEncoding(rawValue: encoding.lowercased()) else {
            throw ConnectError(.invalidOption, "--encoding \(encoding): use json or etf", exitStatus: .usage)
        }
        let requested = compressAlias ?? compression
        guard let compression = GatewayCompression(rawValue: requested.lowercased()) else {
            throw ConnectError(
                .invalidOption, "--compression \(requested): use zlib-stream, zstd-stream, payload or none",
                exitStatus: .usage)
        }
        if compression == .payload && wireEncoding == .etf {
            throw ConnectError(.invalidOption, "--compression payload works with --encoding json only", exitStatus: .usage)
        }
        return GatewayConfiguration(url: url, encoding: wireEncoding, compression: compression)
    }

    /// The URL from the argument, or from `--url`, or Discord's.
    var url: String { gatewayURL ?? urlOption ?? "wss://gateway.discord.gg" }

    func identify(token: String) throws(ConnectError) -> GatewayIdentify {
        var identify = GatewayIdentify(
            token: token, intents: try IntentsParser.parse(intents), properties: GatewayConnectionProperties(os: Self.os))
        if let shard { identify.shard = try Self.parseShard(shard) }
        if let largeThreshold {
            guard (50...250).contains(largeThreshold) else {
                throw ConnectError(.invalidOption, "--large-threshold must be 50-250, not \(largeThreshold)", exitStatus: .usage)
            }
            identify.largeThreshold = largeThreshold
        }
        if let presence {
            guard GatewayPresence.statuses.contains(presence.lowercased()) else {
                throw ConnectError(
                    .invalidOption,
                    "--presence \(presence): use one of \(GatewayPresence.statuses.joined(separator: ", "))",
                    exitStatus: .usage)
            }
            identify.presence = GatewayPresence(status: presence.lowercased())
        }
        return identify
    }

    static func parseShard(_ text: String) throws(ConnectError) -> GatewayShard {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let id = Int(parts[0]), let count = Int(parts[1]), count >= 1, id >= 0, id < count else {
            throw ConnectError(
                .invalidOption, "--shard \(text): use ID/COUNT with 0 <= ID < COUNT, e.g. 0/2", exitStatus: .usage)
        }
        return GatewayShard(id: id, count: count)
    }

    static var os: String {
        #if os(Linux)
            "linux"
        #elseif os(macOS)
            "macos"
        #else
            "unknown"
        #endif
    }
}
