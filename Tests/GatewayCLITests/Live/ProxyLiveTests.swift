import DiscordGateway
import Foundation
import Testing
import WebSocketProtocol

/// `gatewayctl connect` through `gatewayctl proxy` to `gatewayctl serve`, all three the built
/// binary, on loopback: serve must judge our client as it judges it directly, connect must get
/// what serve sent, RESUME must come back through the proxy, and no process may print the token.
@Suite(.serialized) struct ProxyLiveTests {
    typealias Server = ServeLiveTests.Server

    /// A running `gatewayctl proxy`, relaying to `upstream`.
    final class Proxy: BackgroundGatewayctl {
        init(upstream: String, _ arguments: [String] = []) throws {
            try super.init("proxy", ["--upstream", upstream] + arguments)
        }

        /// Each connection's upstream URL, from its `bot connected (...); opening URL` line.
        var upstreams: [Int: String] {
            var found: [Int: String] = [:]
            for line in lines where line["kind"] == "info" {
                guard let connection = line["conn"]?.intValue, let message = line["message"]?.stringValue,
                    message.hasPrefix("bot connected"), let opening = message.range(of: "; opening ")
                else { continue }
                found[connection] = String(message[opening.upperBound...])
            }
            return found
        }
    }

    /// Runs `connect` through `url` until `server` exits (then stops it with Ctrl-C); returns
    /// connect's run and serve's exit status.
    func connect(_ url: String, until server: BackgroundGatewayctl, timeout: Double, _ options: [String] = []) throws -> (
        client: GatewayctlRun, serverStatus: Int32
    ) {
        var status: Int32 = -1
        let client = try GatewayctlRun.run(
            ["connect", url, "--format", "jsonl", "--no-status"] + options, timeout: timeout + 10,
            whileRunning: { process in
                status = server.wait(timeout: timeout)
                kill(process.processIdentifier, SIGINT)
            })
        return (client, status)
    }

    /// `connect` through `url` for `seconds`.
    func connect(_ url: String, seconds: Double, _ options: [String] = []) throws -> GatewayctlRun {
        try GatewayctlRun.run(
            ["connect", url, "--format", "jsonl", "--no-status", "--duration", String(seconds)] + options,
            timeout: seconds + 10)
    }

    /// The payloads a gateway sent (serve's and proxy's `event` lines, connect's received ones) as
    /// `op t s`, INVALID_SESSION with its `d`. Heartbeat ACKs aside: one serve writes as the bot
    /// closes can meet the bot's leg already closed, which is no fault of the relay.
    static func payloads(_ lines: [GatewayValue]) -> [String] {
        lines.filter { $0["kind"] == "event" && $0["op"] != 11 }.map { line in
            let op = line["op"]?.intValue.map(String.init) ?? "?"
            let name = line["t"]?.stringValue ?? "-"
            let sequence = line["s"]?.intValue.map(String.init) ?? "-"
            return "\(op) \(name) \(sequence)" + (line["op"] == 9 ? " \(line["d"]?.boolValue.map(String.init) ?? "?")" : "")
        }
    }

    /// Each connection's first payload from the bot (2 IDENTIFY, 6 RESUME), by connection number.
    static func firstSent(_ lines: [GatewayValue]) -> [Int: Int] {
        var found: [Int: Int] = [:]
        for line in lines where line["kind"] == "sent" {
            guard let connection = line["conn"]?.intValue, let op = line["op"]?.intValue, op == 2 || op == 6 else { continue }
            if found[connection] == nil { found[connection] = op }
        }
        return found
    }

    /// The URL connect opened for each connection, from its `connecting to URL` lines.
    static func connectURLs(_ client: GatewayctlRun) -> [Int: String] {
        var found: [Int: String] = [:]
        for line in client.lines where line["kind"] == "info" {
            guard let connection = line["conn"]?.intValue, let message = line["message"]?.stringValue,
                message.hasPrefix("connecting to ")
            else { continue }
            found[connection] = String(message.dropFirst("connecting to ".count))
        }
        return found
    }

    /// Whether the token appears in what any of `processes` printed.
    static func leaks(_ processes: [BackgroundGatewayctl]) -> Bool {
        processes.contains { $0.stdout.contains(GatewayctlRun.token) || $0.stderr.contains(GatewayctlRun.token) }
    }

    // MARK: - Scenarios

    /// The proxy's upstream names serve by name (localhost) while READY's resume URL names it by
    /// address (127.0.0.1), so the proxy's output tells which connections went where.
    @Test func ourClientPassesServesScenariosThroughTheProxy() throws {
        let scenarios = [
            "normal", "server-heartbeat", "reconnect", "invalid-session-resumable", "invalid-session", "zombie", "drop", "close-4000",
            "close-4007",
        ]
        let server = try Server(["--heartbeat-interval", "500", "--timeout", "10"] + scenarios.flatMap { ["--scenario", $0] })
        let port = try #require(server.port)
        let proxy = try Proxy(upstream: "ws://localhost:\(port)")
        let (client, status) = try connect(proxy.url, until: server, timeout: 40)
        // serve judged our client through the proxy as it judges it directly.
        #expect(status == 0, "\(server.stderr)\n\(server.verdicts)")
        let failed = server.verdicts.filter { $0["passed"] != true }
        #expect(failed.isEmpty, "\(failed)")
        #expect(Set(server.verdicts.compactMap { $0["scenario"]?.stringValue }) == Set(scenarios))
        // connect got what serve sent, in order, and the proxy showed just that.
        let sent = Self.payloads(server.lines)
        #expect(sent.filter { $0.hasPrefix("0 ") }.count >= 10, "\(sent)")
        #expect(Self.payloads(client.lines) == sent)
        #expect(Self.payloads(proxy.lines) == sent)
        // Every RESUME came back through the proxy at READY's resume URL (/via/ the address serve
        // named) and went on to that address; every IDENTIFY went to --upstream.
        let resumeURL = "\(proxy.url)/via/127.0.0.1:\(port)"
        #expect(proxy.messages.contains("READY's resume_gateway_url ws://127.0.0.1:\(port) is shown to the bot as \(resumeURL)"))
        let proxied = Self.firstSent(proxy.lines)
        let upstreams = proxy.upstreams
        #expect(proxied.values.filter { $0 == 6 }.count >= 5, "\(proxied)")
        #expect(proxied.values.filter { $0 == 2 }.count >= 3, "\(proxied)")
        for (connection, op) in proxied {
            let host = op == 6 ? "127.0.0.1" : "localhost"
            #expect(upstreams[connection]?.hasPrefix("ws://\(host):\(port)/?v=10&encoding=json") == true, "\(connection): \(upstreams)")
        }
        let urls = Self.connectURLs(client)
        for (connection, op) in Self.firstSent(client.lines) {
            #expect(urls[connection]?.hasPrefix(op == 6 ? resumeURL + "?" : proxy.url + "/?") == true, "\(connection): \(urls)")
        }
        #expect(!proxy.errors.contains { $0["message"]?.stringValue?.contains("broke a rule") == true }, "\(proxy.errors)")
        // The token is nowhere: not in serve's output, nor the proxy's, nor connect's or its recording.
        #expect(!Self.leaks([server, proxy]))
        #expect(!client.leaksToken)
        #expect(proxy.stop() == 143, "\(proxy.stderr)")
    }

    // MARK: - TLS upstream

    @Test func overATLSUpstreamTrustedWithTheTestCA() throws {
        let server = try Server(
            ["--heartbeat-interval", "500", "--timeout", "10", "--scenario", "normal", "--scenario", "reconnect", "--tls",
             "--cert", FakeGatewayServer.certificatePath("server.pem"), "--key", FakeGatewayServer.certificatePath("server.key")])
        let port = try #require(server.port)
        #expect(server.url == "wss://127.0.0.1:\(port)")
        let proxy = try Proxy(upstream: "wss://localhost:\(port)", ["--ca-file", FakeGatewayServer.certificatePath("test-ca.pem")])
        let (client, status) = try connect(proxy.url, until: server, timeout: 20)
        #expect(status == 0, "\(server.stderr)\n\(proxy.stdout)")
        #expect(server.verdicts.count >= 5 && server.verdicts.allSatisfy { $0["passed"] == true }, "\(server.verdicts)")
        #expect(Self.payloads(client.lines) == Self.payloads(server.lines))
        #expect(client.lines.contains { $0["kind"] == "event" && $0["t"] == "RESUMED" })
        // The RESUME went on to the wss:// address READY named, over TLS.
        let proxied = Self.firstSent(proxy.lines)
        let upstreams = proxy.upstreams
        #expect(proxied.values.sorted() == [2, 6], "\(proxied)")
        for (connection, op) in proxied {
            let host = op == 6 ? "127.0.0.1" : "localhost"
            #expect(upstreams[connection]?.hasPrefix("wss://\(host):\(port)/?") == true, "\(upstreams)")
        }
        #expect(!Self.leaks([server, proxy]) && !client.leaksToken)
        #expect(proxy.stop() == 143)
    }

    @Test func anUpstreamThatNeverAnswersGetsTheBotA504AtTheTimeout() throws {
        let silent = try MuteGatewayServer(.silent)
        defer { withExtendedLifetime(silent) {} }
        let port = silent.port
        let proxy = try Proxy(upstream: "ws://127.0.0.1:\(port)", ["--timeout", "0.5"])
        let started = Date()
        let client = try connect(proxy.url, seconds: 5, ["--no-reconnect", "--timeout", "5"])
        #expect(Date().timeIntervalSince(started) < 4)
        #expect(client.status == 69, "\(client.stderr)")
        #expect(
            client.stderr == "gatewayctl: the server refused the WebSocket upgrade with HTTP 504 Gateway Timeout: "
                + "the upstream gateway did not answer the upgrade within 0.5 s\n", "\(client.stderr)")
        #expect(proxy.stop() == 143)
    }

    @Test func anUpstreamCertificateTheProxyDoesNotTrustRefusesTheBotWith502SayingWhy() throws {
        let server = try Server(
            ["--tls", "--cert", FakeGatewayServer.certificatePath("server.pem"), "--key", FakeGatewayServer.certificatePath("server.key")])
        defer { _ = server.stop() }
        let proxy = try Proxy(upstream: server.url, ["--ca-file", FakeGatewayServer.certificatePath("other-ca.pem")])
        let client = try connect(proxy.url, seconds: 5, ["--no-reconnect"])
        #expect(client.status != 0)
        let rejected = try #require(client.lines.first { $0["kind"] == "rejected" }, "\(client.stdout)")
        #expect(rejected["status"] == 502)
        let body = rejected["body"]?.stringValue ?? ""
        #expect(body.contains("the upstream gateway cannot be reached") && body.contains("certificate is not trusted: it is not signed by a trusted CA"), "\(body)")
        #expect(
            proxy.errors.contains {
                $0["message"]?.stringValue?.hasPrefix("the bot's upgrade was refused with HTTP 502") == true
                    && $0["message"]?.stringValue?.contains("certificate") == true
            }, "\(proxy.stdout)")
        // Not read as a broken response: nothing of the upstream's reached the bot.
        #expect(!proxy.errors.contains { $0["message"]?.stringValue?.contains("broke a rule") == true }, "\(proxy.errors)")
        #expect(!server.lines.contains { $0["kind"] == "info" && $0["message"]?.stringValue?.hasPrefix("bot connected") == true })
        #expect(!Self.leaks([server, proxy]) && !client.leaksToken)
        #expect(proxy.stop() == 143)
    }

    // MARK: - Formats

    static let formats = [
        ("json", "none"), ("json", "zlib-stream"), ("json", "zstd-stream"), ("json", "payload"), ("etf", "none"), ("etf", "zlib-stream"),
        ("etf", "zstd-stream"),
    ]

    /// Each format, with READY's resume URL rewritten in it and a RESUME at the rewritten URL.
    @Test(arguments: formats)
    func everyEncodingAndCompressionEndToEnd(encoding: String, compress: String) throws {
        let server = try Server(["--heartbeat-interval", "500", "--timeout", "10", "--scenario", "normal", "--scenario", "reconnect"])
        let port = try #require(server.port)
        let proxy = try Proxy(upstream: server.url)
        let (client, status) = try connect(proxy.url, until: server, timeout: 20, ["--encoding", encoding, "--compression", compress])
        #expect(status == 0, "\(server.stderr)\n\(server.verdicts)")
        #expect(server.verdicts.count >= 5 && server.verdicts.allSatisfy { $0["passed"] == true }, "\(server.verdicts)")
        // Both legs asked for the bot's format (payload compression is asked for in IDENTIFY);
        // a third connection may have come after serve stopped.
        let transport = compress == "payload" ? "none" : compress
        let asked = proxy.messages.filter { $0.hasPrefix("bot connected") }
        #expect(asked.count >= 2 && asked.allSatisfy { $0.hasPrefix("bot connected (v=10, \(encoding), \(transport))") }, "\(asked)")
        #expect(
            server.messages.filter { $0.hasPrefix("bot connected") } == Array(repeating: "bot connected: v=10, \(encoding), \(transport)", count: 2))
        let dispatches = Self.payloads(client.lines).filter { $0.hasPrefix("0 ") }
        #expect(dispatches == ["0 READY 1", "0 GUILD_CREATE 2", "0 MESSAGE_CREATE 3", "0 RESUMED 4"], "\(client.stdout)")
        #expect(Self.payloads(client.lines) == Self.payloads(server.lines))
        let ready = try #require(client.lines.first { $0["t"] == "READY" })
        #expect(ready["d"]?["resume_gateway_url"]?.stringValue == "\(proxy.url)/via/127.0.0.1:\(port)")
        #expect(Self.connectURLs(client)[2]?.hasPrefix("\(proxy.url)/via/127.0.0.1:\(port)?") == true)
        #expect(!proxy.errors.contains { $0["message"]?.stringValue?.contains("broke a rule") == true }, "\(proxy.errors)")
        #expect(!Self.leaks([server, proxy]) && !client.leaksToken)
        #expect(proxy.stop() == 143)
    }

    // MARK: - Faults

    /// serve playing the sample recording's dispatches to every bot that identifies (READY, then
    /// GUILD_CREATE, MESSAGE_CREATE and more), judging nothing, with a proxy making `faults`
    /// in front of it, and connect through the proxy for `seconds`.
    func faulted(_ faults: [String], seconds: Double) throws -> (server: Server, proxy: Proxy, client: GatewayctlRun) {
        let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("samples/session.gwcap").path
        let server = try Server(["--heartbeat-interval", "500", "--capture", sample, "--speed", "0"])
        let proxy = try Proxy(upstream: server.url, faults.flatMap { ["--inject", $0] })
        let client = try connect(proxy.url, seconds: seconds)
        #expect(proxy.stop() == 143, "\(proxy.stderr)")
        #expect(server.stop() == 143, "\(server.stderr)")
        for fault in faults {
            #expect(proxy.messages.contains("will inject \(fault)"))
            // Made once, however many connections reach its point.
            #expect(proxy.messages.filter { $0 == "injecting \(fault)" }.count == 1, "\(fault): \(proxy.messages)")
        }
        #expect(!Self.leaks([server, proxy]) && !client.leaksToken)
        return (server, proxy, client)
    }

    /// connect's lines of connection `number`.
    static func lines(_ run: GatewayctlRun, connection number: Int) -> [GatewayValue] {
        run.lines.filter { $0["conn"]?.intValue == number }
    }

    /// connect's close line of connection `number`.
    static func closeLine(_ run: GatewayctlRun, connection number: Int) -> GatewayValue? {
        lines(run, connection: number).first { $0["kind"] == "close" }
    }

    /// Connection `number` of connect resumed: its RESUME went to the proxy's /via/ URL and
    /// RESUMED came back.
    static func resumed(_ run: GatewayctlRun, connection number: Int, through proxy: Proxy, server: Server) -> Bool {
        let own = lines(run, connection: number)
        let viaServe = "\(proxy.url)/via/\(server.url.dropFirst("ws://".count))?"
        return firstSent(own)[number] == 6 && connectURLs(run)[number]?.hasPrefix(viaServe) == true
            && own.contains { $0["kind"] == "event" && $0["t"] == "RESUMED" }
    }

    @Test func anInjectedReconnectIsMadeByTheProxyAndOurClientResumes() throws {
        let (server, proxy, client) = try faulted(["reconnect@after=3"], seconds: 3)
        let first = Self.lines(client, connection: 1).filter { $0["kind"] == "event" }
        let reconnect = try #require(first.firstIndex { $0["op"] == 7 }, "\(client.stdout)")
        #expect(first[..<reconnect].filter { $0["op"] == 0 }.count >= 3)
        #expect(Self.closeLine(client, connection: 1)?["code"] == 4000)
        #expect(Self.resumed(client, connection: 2, through: proxy, server: server), "\(client.stdout)")
        // The RECONNECT was the proxy's, not serve's, and serve saw the session resumed.
        #expect(!server.lines.contains { $0["kind"] == "event" && $0["op"] == 7 })
        #expect(proxy.lines.contains { $0["kind"] == "event" && $0["conn"] == 1 && $0["op"] == 7 })
        #expect(server.messages.contains { $0.hasPrefix("RESUME of session") })
    }

    @Test func anInjectedDropOnAnEventCutsTheBotAndOurClientResumes() throws {
        let (server, proxy, client) = try faulted(["drop@on=GUILD_CREATE"], seconds: 3)
        let close = try #require(Self.closeLine(client, connection: 1), "\(client.stdout)")
        #expect(close["by"] == "transport" && close["code"] == .null, "\(close)")
        #expect(Self.lines(client, connection: 1).contains { $0["t"] == "GUILD_CREATE" })
        #expect(Self.resumed(client, connection: 2, through: proxy, server: server), "\(client.stdout)")
        #expect(proxy.messages.contains("bot leg closed: dropped without a close frame (dropped by the proxy)"))
        // Discord's leg was dropped with it, as a dropped network drops both.
        #expect(server.messages.contains { $0.hasPrefix("connection ended: transport closed") }, "\(server.messages)")
    }

    @Test func anInjectedZombieMakesOurClientCloseResumablyAndResume() throws {
        let (server, proxy, client) = try faulted(["zombie"], seconds: 3)
        #expect(proxy.messages.contains("withheld from the bot: HEARTBEAT_ACK (zombie)"))
        let close = try #require(Self.closeLine(client, connection: 1), "\(client.stdout)")
        #expect(close["by"] == "client" && close["code"] == 4000 && close["resume"] == true, "\(close)")
        #expect(Self.resumed(client, connection: 2, through: proxy, server: server), "\(client.stdout)")
        // serve acknowledged heartbeats the client never saw acknowledged.
        let acknowledged = { (lines: [GatewayValue]) in lines.filter { $0["kind"] == "event" && $0["conn"] == 1 && $0["op"] == 11 }.count }
        #expect(acknowledged(server.lines) > acknowledged(client.lines))
    }

    @Test func anInjectedInvalidSessionFalseMakesOurClientIdentifyAnew() throws {
        // connect waits 1 to 5 s before identifying again.
        let (server, proxy, client) = try faulted(["invalid-session=false"], seconds: 7)
        #expect(Self.lines(client, connection: 1).contains { $0["kind"] == "event" && $0["op"] == 9 && $0["d"] == false })
        let second = Self.lines(client, connection: 2)
        #expect(Self.firstSent(second)[2] == 2, "\(client.stdout)")
        #expect(Self.connectURLs(client)[2]?.hasPrefix(proxy.url + "/?") == true)
        let sessions = client.lines.filter { $0["t"] == "READY" }.compactMap { $0["d"]?["session_id"]?.stringValue }
        #expect(sessions.count == 2 && Set(sessions).count == 2, "\(sessions)")
        #expect(server.messages.filter { $0.hasPrefix("IDENTIFY accepted") }.count == 2)
    }

    @Test func anInjectedInvalidSessionTrueMakesOurClientResume() throws {
        let (server, proxy, client) = try faulted(["invalid-session=true@on=GUILD_CREATE"], seconds: 3)
        #expect(Self.lines(client, connection: 1).contains { $0["kind"] == "event" && $0["op"] == 9 && $0["d"] == true })
        #expect(Self.resumed(client, connection: 2, through: proxy, server: server), "\(client.stdout)")
    }

    @Test func anInjectedCloseReachesOurClientWithItsCodeAndItResumes() throws {
        let (server, proxy, client) = try faulted(["close=4000"], seconds: 3)
        let close = try #require(Self.closeLine(client, connection: 1), "\(client.stdout)")
        #expect(close["by"] == "server" && close["code"] == 4000 && close["reason"] == "gatewayctl proxy --inject", "\(close)")
        #expect(Self.resumed(client, connection: 2, through: proxy, server: server), "\(client.stdout)")
        // Discord's leg was closed with 4000, which keeps the session.
        #expect(server.messages.contains { $0.hasPrefix("connection ended: client closed with 4000") }, "\(server.messages)")
    }

    @Test func anInjectedDelayHoldsDiscordsPayloads() throws {
        let (_, proxy, client) = try faulted(["delay=300"], seconds: 3)
        let latencies = Self.lines(client, connection: 1).filter { $0["op"] == 11 }.compactMap { $0["latency"]?.doubleValue }
        #expect(latencies.count >= 2 && latencies.allSatisfy { $0 >= 0.3 }, "\(latencies)")
        #expect(proxy.messages.contains { $0.hasPrefix("the bot gets this ACK") })
        #expect(Self.closeLine(client, connection: 1)?["code"] == 1000)
    }

    /// Two faults, each made once on the first connection that reaches its point.
    @Test func faultsOneAfterTheOtherAreEachResumedFrom() throws {
        let (server, proxy, client) = try faulted(["reconnect@after=3", "drop@on=RESUMED"], seconds: 3)
        #expect(Self.resumed(client, connection: 2, through: proxy, server: server), "\(client.stdout)")
        #expect(Self.closeLine(client, connection: 2)?["by"] == "transport")
        #expect(Self.resumed(client, connection: 3, through: proxy, server: server), "\(client.stdout)")
        // The third connection's RESUMED is not dropped: the fault was made already.
        #expect(Self.closeLine(client, connection: 3)?["code"] == 1000)
        #expect(client.lines.filter { $0["t"] == "RESUMED" }.count == 2)
        #expect(server.messages.filter { $0.hasPrefix("RESUME of session") }.count == 2)
    }

    // MARK: - Recording

    @Test func aRecordingReplaysWhatTheBotGotWithoutTheToken() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("proxy-record-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("proxy.gwcap").path
        let server = try Server(["--heartbeat-interval", "500", "--timeout", "10", "--scenario", "normal", "--scenario", "reconnect"])
        let proxy = try Proxy(upstream: server.url, ["--record", path])
        let (client, status) = try connect(proxy.url, until: server, timeout: 20)
        #expect(status == 0, "\(server.stderr)")
        #expect(proxy.stop() == 143, "\(proxy.stderr)")
        let recording = try String(contentsOfFile: path, encoding: .utf8)
        #expect(!recording.contains(GatewayctlRun.token) && !recording.contains(GatewayctlRun.token.split(separator: ".").last ?? "-"))
        #expect(recording.contains("[redacted]"))
        let summary = try GatewayctlRun.run(["replay", "--summary", "--quiet", "--format", "jsonl", path], record: false)
        #expect(summary.status == 0, "\(summary.stderr)")
        let counts = try #require(summary.lines.first { $0["kind"] == "summary" })
        // A third connection may have come, and been refused, after serve stopped.
        #expect((counts["connections"]?.intValue ?? 0) >= 2, "\(counts)")
        #expect(counts["events"]?["READY"] == 1 && counts["events"]?["RESUMED"] == 1 && counts["events"]?["MESSAGE_CREATE"] == 1, "\(counts)")
        #expect(counts["sent_ops"]?["2"] == 1 && counts["sent_ops"]?["6"] == 1, "\(counts)")
        #expect(counts["sequence_gap_count"] == 0)
        // Replayed, it shows what connect got, payload for payload.
        let replay = try GatewayctlRun.run(["replay", "--format", "jsonl", path], record: false)
        #expect(replay.status == 0, "\(replay.stderr)")
        #expect(Self.payloads(replay.lines) == Self.payloads(client.lines))
        #expect(Self.payloads(replay.lines).filter { $0.hasPrefix("0 ") } == ["0 READY 1", "0 GUILD_CREATE 2", "0 MESSAGE_CREATE 3", "0 RESUMED 4"])
        #expect(!replay.stdout.contains(GatewayctlRun.token))
    }

    // MARK: - Many bots

    @Test func fiftyBotsThroughOneProxyEachGetASessionOfTheirOwnAndAVerdict() throws {
        let server = try Server(["--bots", "50", "--scenario", "server-heartbeat", "--timeout", "20"])
        defer { _ = server.stop() }
        let proxy = try Proxy(upstream: server.url)
        let port = try #require(proxy.port)
        let bots = try ServeLiveTests.fiftyBots(url: proxy.url, port: port)
        defer { for socket in bots.sockets { close(socket) } }
        #expect(bots.sessions.count == 50)
        #expect(server.wait(timeout: 20) == 0, "\(server.stderr)")
        let verdicts = server.verdicts
        #expect(verdicts.count == 50)
        #expect(verdicts.allSatisfy { $0["passed"] == true && $0["check"] == "answers a heartbeat request at once" })
        #expect(Set(verdicts.compactMap { $0["bot"]?.intValue }) == Set(1...50))
        // Fifty connections relayed side by side, each its own upstream connection.
        let relayed = proxy.lines.filter { $0["kind"] == "info" && $0["message"]?.stringValue?.hasPrefix("relaying: ") == true }
        #expect(Set(relayed.compactMap { $0["conn"]?.intValue }) == Set(1...50))
        #expect(server.messages.filter { $0.hasPrefix("bot connected") }.count == 50)
        let identifies = proxy.lines.filter { $0["kind"] == "sent" && $0["op"] == 2 }
        #expect(identifies.count == 50 && identifies.allSatisfy { $0["d"]?["token"] == "[redacted]" })
        #expect(!proxy.stdout.contains("Bot bot-"), "a bot's token is shown")
        #expect(!proxy.errors.contains { $0["message"]?.stringValue?.contains("broke a rule") == true }, "\(proxy.errors)")
        #expect(proxy.stop() == 143)
    }

    // MARK: - Hostile peers

    /// A raw upgrade request for `/?v=10&encoding=json`, with RFC 6455's sample key.
    static let upgradeRequest = Array(
        "GET /?v=10&encoding=json HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
            .utf8)

    /// Reads from `socket` until the peer ends the connection; whether it did (rather than 10 s
    /// passing without a byte), and what came.
    static func readToEnd(_ socket: Int32) -> (ended: Bool, bytes: [UInt8]) {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if count <= 0 { return (count == 0, bytes) }
            bytes += buffer[0..<count]
        }
    }

    /// The close code of the first close frame among the (unmasked) frames after the response
    /// head in `bytes`, or nil.
    static func closeCode(in bytes: [UInt8]) -> UInt16? {
        guard let head = String(decoding: bytes, as: UTF8.self).range(of: "\r\n\r\n") else { return nil }
        var index = String(decoding: bytes, as: UTF8.self)[..<head.upperBound].utf8.count
        while index + 2 <= bytes.count {
            let opcode = bytes[index] & 0x0F
            var length = Int(bytes[index + 1] & 0x7F)
            index += 2
            if length == 126, index + 2 <= bytes.count {
                length = Int(bytes[index]) << 8 | Int(bytes[index + 1])
                index += 2
            }
            if opcode == 0x8 { return index + 2 <= bytes.count ? UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1]) : nil }
            index += length
        }
        return nil
    }

    @Test func hostileBotsGetClearErrorsTheirConnectionEndsAndTheProxyKeepsServing() throws {
        let server = try Server([])
        defer { _ = server.stop() }
        let proxy = try Proxy(upstream: server.url)
        let port = try #require(proxy.port)
        // An upgrade without a key: 400 naming what is missing, and the socket ends with it.
        let keyless = try ServeLiveTests.open(port: port)
        try ServeLiveTests.send(
            Array("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n".utf8), on: keyless)
        let refused = Self.readToEnd(keyless)
        close(keyless)
        let refusal = String(decoding: refused.bytes, as: UTF8.self)
        #expect(refusal.hasPrefix("HTTP/1.1 400") && refusal.contains("Sec-WebSocket-Key"), "\(refusal)")
        #expect(refused.ended, "the proxy left the refused socket open")
        // A proper upgrade, then an unmasked frame: 1002, and the proxy ends the connection.
        let unmasked = try ServeLiveTests.open(port: port)
        try ServeLiveTests.send(Self.upgradeRequest, on: unmasked)
        var answer: [UInt8] = []
        while !String(decoding: answer, as: UTF8.self).contains("\r\n\r\n") { answer += try ServeLiveTests.receive(on: unmasked) }
        try ServeLiveTests.send([0x81, 0x02, 0x7B, 0x7D], on: unmasked)
        let rest = Self.readToEnd(unmasked)
        answer += rest.bytes
        close(unmasked)
        #expect(rest.ended, "the proxy left the socket of a bot that broke the protocol open")
        // The same frame right behind the request, before the 101: answered once the upgrade is.
        let pipelined = try ServeLiveTests.open(port: port)
        try ServeLiveTests.send(Self.upgradeRequest + [0x81, 0x02, 0x7B, 0x7D], on: pipelined)
        let early = Self.readToEnd(pipelined)
        close(pipelined)
        #expect(Self.closeCode(in: early.bytes) == 1002 && early.ended, "\(early)")
        #expect(String(decoding: answer, as: UTF8.self).hasPrefix("HTTP/1.1 101"))
        #expect(Self.closeCode(in: answer) == 1002, "\(answer)")
        // Masked, but not a gateway payload: 4002 (DECODE_ERROR).
        let undecodable = try ServeLiveTests.open(port: port)
        try ServeLiveTests.send(Self.upgradeRequest, on: undecodable)
        answer = []
        while !String(decoding: answer, as: UTF8.self).contains("\r\n\r\n") { answer += try ServeLiveTests.receive(on: undecodable) }
        try ServeLiveTests.send([0x81, 0x84, 0, 0, 0, 0] + Array("nope".utf8), on: undecodable)
        while Self.closeCode(in: answer) == nil { answer += try ServeLiveTests.receive(on: undecodable) }
        close(undecodable)
        #expect(Self.closeCode(in: answer) == 4002, "\(answer)")
        // Then a well-behaved bot is relayed as if nothing happened.
        let client = try connect(proxy.url, seconds: 1.5)
        #expect(client.lines.contains { $0["kind"] == "event" && $0["t"] == "READY" }, "\(client.stdout)")
        #expect(proxy.process.isRunning)
        let errors = proxy.errors.compactMap { error in error["message"]?.stringValue.map { ($0, error["offset"]) } }
        #expect(errors.contains { $0.0 == "the bot's upgrade was refused with HTTP 400: no Sec-WebSocket-Key header" }, "\(errors)")
        #expect(errors.filter { $0.0 == "the bot broke a rule: unmasked frame from a client" && $0.1?.intValue != nil }.count == 2, "\(errors)")
        #expect(errors.contains { $0.0.hasPrefix("the bot broke a rule: undecodable payload from the bot") && $0.1?.intValue != nil }, "\(errors)")
        // Discord saw each hostile bot's session closed with 4000, resumable, not its bytes.
        #expect(server.messages.filter { $0.hasPrefix("connection ended: client closed with 4000") }.count == 3, "\(server.messages)")
        #expect(proxy.stop() == 143)
    }

    /// A gateway that answers the upgrade properly, then sends `junk`.
    final class JunkGateway {
        let port: UInt16
        private let listener: Int32

        init(junk: [UInt8]) throws {
            let listening = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = 0
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                    bind(listening, pointer, length) == 0 && listen(listening, 8) == 0 && getsockname(listening, pointer, &length) == 0
                }
            }
            guard bound else {
                close(listening)
                throw POSIXError(.EADDRNOTAVAIL)
            }
            listener = listening
            port = UInt16(bigEndian: address.sin_port)
            DispatchQueue.global().async {
                while true {
                    let connection = accept(listening, nil, nil)
                    if connection < 0 { return }
                    var request: [UInt8] = []
                    var buffer = [UInt8](repeating: 0, count: 4096)
                    while !String(decoding: request, as: UTF8.self).contains("\r\n\r\n") {
                        let count = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
                        if count <= 0 { break }
                        request += buffer[0..<count]
                    }
                    let key = String(decoding: request, as: UTF8.self).split(separator: "\r\n")
                        .first { $0.lowercased().hasPrefix("sec-websocket-key:") }?.split(separator: " ").last.map(String.init) ?? ""
                    let response = Array(
                        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: \(WebSocketHandshake.acceptValue(forKey: key))\r\n\r\n"
                            .utf8) + junk
                    _ = response.withUnsafeBytes { Foundation.send(connection, $0.baseAddress, $0.count, 0) }
                    // Whatever the proxy says back, until it ends the connection.
                    while buffer.withUnsafeMutableBytes({ recv(connection, $0.baseAddress, $0.count, 0) }) > 0 {}
                    close(connection)
                }
            }
        }

        deinit {
            shutdown(listener, Int32(SHUT_RDWR))
            close(listener)
        }
    }

    static let junk: [(String, [UInt8])] = [
        ("a frame with reserved bits and opcode", [0xFF, 0x00]),
        ("a text frame that is not a gateway payload", [0x81, 0x04] + Array("nope".utf8)),
        ("bytes that are no frame at all", Array(repeating: 0x00, count: 3) + Array("garbage".utf8)),
    ]

    @Test(arguments: junk)
    func anUpstreamThatSendsGarbageGetsTheBotClosedWith4000(_ what: String, _ junk: [UInt8]) throws {
        let gateway = try JunkGateway(junk: junk)
        let proxy = try Proxy(upstream: "ws://127.0.0.1:\(gateway.port)")
        let client = try connect(proxy.url, seconds: 3, ["--compression", "none", "--no-reconnect"])
        let close = try #require(client.lines.first { $0["kind"] == "close" }, "\(what): \(client.stdout)\n\(proxy.stdout)")
        // 4000 lets a bot come back (no session to resume yet: the junk came before HELLO).
        #expect(close["by"] == "server" && close["code"] == 4000 && close["reconnect"] == true, "\(what): \(close)")
        let violation = proxy.errors.first { $0["message"]?.stringValue?.hasPrefix("the upstream gateway broke a rule: ") == true }
        #expect(violation?["offset"]?.intValue != nil, "\(what): \(proxy.errors)")
        #expect(proxy.process.isRunning)
        // Still serving: REST is answered.
        let rest = try ServeLiveTests.get(proxy.rest + "/gateway")
        #expect(rest.0 == 200 && rest.1["url"]?.stringValue == proxy.url)
        #expect(!Self.leaks([proxy]) && !client.leaksToken)
        #expect(proxy.stop() == 143)
    }

    // MARK: - REST

    @Test func restAnswersTheGatewayCallsWithTheProxysURLAndNothingElse() throws {
        let proxy = try Proxy(upstream: "ws://127.0.0.1:9")
        for path in ["/gateway", "/gateway/bot"] {
            let (status, body) = try ServeLiveTests.get(proxy.rest + path)
            #expect(status == 200, "\(path)")
            #expect(body["url"]?.stringValue == proxy.url, "\(path): \(body)")
        }
        #expect(try ServeLiveTests.get(proxy.rest + "/gateway/bot").1["shards"] == 1)
        let (status, body) = try ServeLiveTests.get(proxy.rest + "/users/@me")
        #expect(status == 404)
        let message = body["message"]?.stringValue ?? ""
        #expect(message.contains("/api/v10/users/@me") && message.contains("Discord's REST API"), "\(message)")
        #expect(proxy.messages.contains("REST GET /api/v10/users/@me"))
        #expect(proxy.stop() == 143)
    }

    // MARK: - Stopping

    @Test(arguments: [(SIGINT, 130, "interrupted"), (SIGTERM, 143, "stopped by SIGTERM")] as [(Int32, Int32, String)])
    func aStopSignalClosesEveryBotWith1001(signal: Int32, status: Int32, message: String) throws {
        let server = try Server([])
        defer { _ = server.stop() }
        let proxy = try Proxy(upstream: server.url)
        let client = try GatewayctlRun.run(
            ["connect", proxy.url, "--format", "jsonl", "--no-status", "--no-reconnect"], timeout: 10,
            whileRunning: { _ in
                usleep(1_500_000)
                kill(proxy.process.processIdentifier, signal)
            })
        #expect(proxy.wait(timeout: 5) == status, "\(proxy.stderr)")
        #expect(proxy.stderr == "gatewayctl: \(message): every bot connection was closed with 1001\n", "\(proxy.stderr)")
        let close = try #require(client.lines.first { $0["kind"] == "close" }, "\(client.stdout)")
        #expect(close["by"] == "server" && close["code"] == 1001, "\(close)")
        // Discord's leg closed with 4000, so Discord keeps the session for a RESUME.
        #expect(server.messages.contains { $0.hasPrefix("connection ended: client closed with 4000") }, "\(server.messages)")
        #expect(!Self.leaks([server, proxy]) && !client.leaksToken)
    }
}
