import ArgumentParser
import Foundation
import GatewayServer
import NIOCore
import NIOPosix
import NIOSSL

/// `gatewayctl serve`: a mock Discord gateway on loopback that makes Discord misbehave on demand
/// and judges how a bot handles it.
public struct ServeCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run a mock Discord gateway that tests a bot, scenario by scenario.",
        discussion: """
            Listens on --host (loopback by default) and prints the gateway URL; point the bot's \
            REST base at http://HOST:PORT/api/v10 and its gateway at the printed ws:// URL (or let \
            it ask GET /api/v10/gateway/bot, which answers with that URL). Also answered: \
            GET /api/v10/gateway, /users/@me and /oauth2/applications/@me.

            Each --scenario runs in turn once the bot has a session (all: every one; \
            --list-scenarios names them), and each check prints PASS or FAIL with what was \
            expected and what the bot did, then a table. Both directions of every connection are \
            shown as connect and replay show them (--format, --event, --op, --frames); the bot's \
            token is shown as [redacted]. After a close code that forbids reconnecting \
            (4004, 4010-4014), start the bot again for the next scenario. Without --scenario \
            the server just serves until Ctrl-C.

            --bots N judges N bots, each on its own, and ends when every one has played every \
            scenario; a bot is told apart by the token and shard of its IDENTIFY, so the shards \
            of one bot, or bots with different tokens, are judged apart. Further bots are \
            served but not judged. slow-hello holds the next connection opened after it starts, \
            whichever bot opens it.

            --record writes what each bot received and sent (its payloads, token redacted) \
            in the capture format, for replay.

            --script FILE runs one's own steps as a scenario, one a line: dispatch NAME JSON, \
            send OP JSON, wait SECONDS, reconnect, invalid-session true|false, heartbeat-request, \
            acks on|off, close CODE [REASON], drop, and expect heartbeat|op N|close|resume|identify \
            [SECONDS] (each expect is a check); # starts a comment.

            --capture FILE plays a recording's dispatches (READY and RESUMED aside) to every bot \
            that identifies, with the bot's own session and sequence numbers, at the recorded \
            pace (--speed 2 twice as fast, 0 as fast as the bot reads).

            --tls with --cert and --key (PEM files) serves wss:// and https://.

            Exit statuses: 0 every check passed, 1 a check failed, 64 bad option, 65 an unusable \
            certificate or key, 66 one that cannot be read, 69 the address cannot be bound, \
            130 Ctrl-C, 143 SIGTERM (every connection is closed with 1001 first).

            Examples:
              gatewayctl serve --port 8765 --scenario all
              gatewayctl serve --port 0 --scenario reconnect --scenario zombie --format jsonl
              gatewayctl serve --scenario normal --scenario reconnect --bots 2
            """)

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on (0 picks a free one; the URL is printed).")
    var port = 8765

    @Option(
        name: .customLong("scenario"),
        help: ArgumentHelp("A scenario to run (repeatable; all runs every one).", valueName: "name"),
        completion: .list(["all"] + Scenario.all.map(\.name)))
    var scenarios: [String] = []

    @Option(
        name: .customLong("script"),
        help: ArgumentHelp("A file of one's own steps, run as a scenario after the --scenario ones (repeatable).", valueName: "file"),
        completion: .file())
    var scripts: [String] = []

    @Option(help: "How many bots to judge, each on its own (told apart by token and shard).")
    var bots: Int = 1

    @Flag(name: .customLong("list-scenarios"), help: "List the scenarios with what each checks, and exit.")
    var listScenarios = false

    @Option(help: "Seconds any wait for the bot may take before its check fails.")
    var timeout: Double = 30

    @Option(name: .customLong("heartbeat-interval"), help: "The heartbeat interval HELLO announces, in milliseconds.")
    var heartbeatInterval = 41_250

    @Option(help: "Play this recording's dispatches to every bot that identifies (connect --record, serve --record).", completion: .file())
    var capture: String?

    @Option(help: "The pace of --capture: 1 as recorded, 2 twice as fast, 0 as fast as the bot reads.")
    var speed: Double = 1

    @Flag(help: "Serve wss:// and https:// with --cert and --key.")
    var tls = false

    @Option(help: "The server's certificate chain, a PEM file (with --tls).", completion: .file())
    var cert: String?

    @Option(help: "The server's private key, a PEM file (with --tls).", completion: .file())
    var key: String?

    @Option(help: "Record what each bot received and sent to this capture file (readable by replay).", completion: .file())
    var record: String?

    @OptionGroup var output: OutputOptions

    @OptionGroup var filters: FilterOptions

    public init() {}

    public func validate() throws {
        _ = try chosenScenarios()
        guard timeout > 0 && timeout < 1e6 else { throw ValidationError("--timeout must be a positive number of seconds") }
        guard (100...3_600_000).contains(heartbeatInterval) else {
            throw ValidationError("--heartbeat-interval must be 100 to 3600000 milliseconds")
        }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
        guard (1...10_000).contains(bots) else { throw ValidationError("--bots must be 1 to 10000") }
        guard speed >= 0 && speed < 1e6 else { throw ValidationError("--speed must be 0 (as fast as possible) or a positive factor") }
        if tls && (cert == nil || key == nil) { throw ValidationError("--tls needs --cert and --key (PEM files)") }
        if !tls && (cert != nil || key != nil) { throw ValidationError("--cert and --key go with --tls") }
    }

    /// A `--script` file, read and checked.
    static func readScript(_ path: String) throws(ServerCommandError) -> ServeScript {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ServerCommandError("--script \(path): cannot be read", exitStatus: .noInput)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ServerCommandError("--script \(path): not UTF-8 text", exitStatus: .dataError)
        }
        return try ServeScript(text: text, name: "script " + (path.split(separator: "/").last.map(String.init) ?? path))
    }

    /// The TLS context of `--tls`, or nil.
    func makeTLSContext() throws(ServerCommandError) -> NIOSSLContext? {
        guard tls, let cert, let key else { return nil }
        for path in [cert, key] where !FileManager.default.isReadableFile(atPath: path) {
            throw ServerCommandError("\(path): cannot be read", exitStatus: .noInput)
        }
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(cert).map { NIOSSLCertificateSource.certificate($0) }
            let privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
            return try NIOSSLContext(
                configuration: .makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(privateKey)))
        } catch {
            throw ServerCommandError("--cert \(cert) / --key \(key): not a usable PEM certificate chain and key (\(error))", exitStatus: .dataError)
        }
    }

    func chosenScenarios() throws(ValidationError) -> [Scenario] {
        var chosen: [Scenario] = []
        for name in scenarios {
            if name == "all" {
                chosen += Scenario.all
            } else if let scenario = Scenario(name: name) {
                chosen.append(scenario)
            } else {
                throw ValidationError(
                    "--scenario \(name): not a scenario; use all or one of \(Scenario.all.map(\.name).joined(separator: ", "))")
            }
        }
        return chosen
    }

    public func run() throws {
        let (format, colors) = output.resolved()
        if listScenarios {
            let renderer = Renderer(format: format, colors: colors)
            for scenario in Scenario.all { renderer.scenario(scenario) }
            renderer.flush()
            return
        }
        var chosen = try chosenScenarios()
        for path in scripts { chosen.append(.script(try Self.readScript(path))) }
        let scenarios = chosen
        let tlsContext = try makeTLSContext()
        let playback = try capture.map { path throws(ServerCommandError) in try CapturePlayback(path: path) }
        let speed = speed
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let loop = group.next()
        var serverConfiguration = GatewayServerConfiguration(resumeURL: "")
        serverConfiguration.heartbeatInterval = .milliseconds(heartbeatInterval)
        let filter = filters.filter(framesByDefault: false)
        serverConfiguration.reportsFrames = filter.showsFrames
        let configuration = serverConfiguration
        let (host, port, record, bots) = (host, port, record, bots)
        let waitLimit = Duration.milliseconds((timeout * 1000).rounded())
        let (verdicts, stoppedBy) = try ListenerRun.run(
            on: loop, host: host, port: port,
            make: {
                ServeServer(
                    scenarios: scenarios, configuration: configuration, timeout: waitLimit,
                    renderer: Renderer(format: format, colors: colors), filter: filter, recordPath: record,
                    playback: playback, speed: speed, bots: bots, eventLoop: loop)
            },
            bind: { $0.bind(host: host, port: port, tls: tlsContext) }, result: { $0.verdicts })
        if let stoppedBy { throw ListenerRun.stopped(by: stoppedBy, what: "every connection was") }
        if verdicts.contains(where: { !$0.passed }) {
            throw ServerCommandError("\(verdicts.filter { !$0.passed }.count) of \(verdicts.count) checks failed", exitStatus: .checkFailed)
        }
    }
}

/// Why `serve` or `proxy` stopped with a status other than 0.
struct ServerCommandError: Error, ExitStatusReporting, CustomStringConvertible {
    var message: String
    var exitStatus: ProcessExitStatus

    init(_ message: String, exitStatus: ProcessExitStatus) {
        self.message = message
        self.exitStatus = exitStatus
    }

    var description: String { message }
}
