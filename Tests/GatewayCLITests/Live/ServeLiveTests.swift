import DiscordGateway
import Foundation
import Testing

/// `gatewayctl connect` against `gatewayctl serve`, both the built binary, on loopback: our own
/// client must pass every scenario, and neither process may print the token.
@Suite(.serialized) struct ServeLiveTests {
    /// A running `gatewayctl serve`, its output in a file.
    final class Server: BackgroundGatewayctl {
        init(_ arguments: [String]) throws { try super.init("serve", arguments) }
    }

    func connect(_ url: String, seconds: Int) throws -> GatewayctlRun {
        try GatewayctlRun.run(
            ["connect", url, "--format", "jsonl", "--no-status", "--duration", String(seconds)],
            timeout: Double(seconds) + 10)
    }

    @Test func ourClientPassesEveryScenarioItComesBackFrom() throws {
        let scenarios = ["normal", "server-heartbeat", "reconnect", "invalid-session-resumable", "invalid-session", "large-ready", "slow-hello", "zombie", "drop", "close-4000", "close-4007", "close-4008"]
        let server = try Server(
            ["--heartbeat-interval", "500", "--timeout", "10"] + scenarios.flatMap { ["--scenario", $0] })
        let client = try connect(server.url, seconds: 38)
        let status = server.wait(timeout: 46)
        #expect(status == 0, "\(server.stderr)\n\(server.verdicts)")
        let failed = server.verdicts.filter { $0["passed"] != true }
        #expect(failed.isEmpty, "\(failed)")
        #expect(Set(server.verdicts.compactMap { $0["scenario"]?.stringValue }) == Set(scenarios))
        #expect(server.lines.last?["kind"] == "verdicts")
        // The bot's IDENTIFY and RESUME are shown, their token redacted.
        #expect(server.lines.contains { $0["kind"] == "sent" && $0["op"] == 2 && $0["d"]?["token"] == "[redacted]" })
        #expect(server.lines.contains { $0["kind"] == "sent" && $0["op"] == 6 && $0["d"]?["token"] == "[redacted]" })
        #expect(!server.stdout.contains(GatewayctlRun.token) && !server.stderr.contains(GatewayctlRun.token))
        #expect(!client.leaksToken)
        // What the client saw of the scenarios.
        #expect(client.lines.contains { $0["kind"] == "event" && $0["op"] == 7 })
        #expect(client.lines.contains { $0["kind"] == "event" && $0["t"] == "RESUMED" })
    }

    @Test func twoShardsOfOurClientAreJudgedEachOnItsOwn() throws {
        let server = try Server(
            ["--heartbeat-interval", "500", "--timeout", "10", "--bots", "2", "--scenario", "normal", "--scenario", "reconnect"])
        let url = server.url
        let runs = ConcurrentRuns()
        DispatchQueue.concurrentPerform(iterations: 2) { shard in
            let run = try? GatewayctlRun.run(
                ["connect", url, "--format", "jsonl", "--no-status", "--duration", "6", "--shard", "\(shard)/2"],
                timeout: 16)
            runs.append(run)
        }
        #expect(server.wait(timeout: 20) == 0, "\(server.stderr)\n\(server.verdicts)")
        let verdicts = server.verdicts
        #expect(verdicts.allSatisfy { $0["passed"] == true }, "\(verdicts)")
        for bot in 1...2 {
            let own = verdicts.filter { $0["bot"]?.intValue == bot }
            #expect(Set(own.compactMap { $0["scenario"]?.stringValue }) == ["normal", "reconnect"], "bot \(bot)")
        }
        #expect(runs.all.count == 2 && runs.all.allSatisfy { $0.map { !$0.leaksToken } ?? false })
    }

    /// Runs collected from concurrent threads.
    final class ConcurrentRuns: @unchecked Sendable {
        private let lock = NSLock()
        private var runs: [GatewayctlRun?] = []
        func append(_ run: GatewayctlRun?) { lock.withLock { runs.append(run) } }
        var all: [GatewayctlRun?] { lock.withLock { runs } }
    }

    @Test func aRecordingReplaysWhatTheBotSaw() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("serve-record-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("serve.gwcap").path
        let server = try Server(
            ["--heartbeat-interval", "500", "--timeout", "10", "--scenario", "normal", "--scenario", "reconnect", "--record", path])
        _ = try connect(server.url, seconds: 4)
        #expect(server.wait(timeout: 15) == 0, "\(server.stderr)")
        let recording = try String(contentsOfFile: path, encoding: .utf8)
        #expect(!recording.contains(GatewayctlRun.token))
        let replay = try GatewayctlRun.run(["replay", "--summary", "--quiet", "--format", "jsonl", path], record: false)
        #expect(replay.status == 0, "\(replay.stderr)")
        let summary = try #require(replay.lines.first { $0["kind"] == "summary" })
        #expect(summary["connections"] == 2)
        #expect(summary["events"]?["READY"] == 1 && summary["events"]?["RESUMED"] == 1 && summary["events"]?["MESSAGE_CREATE"] == 1)
        #expect(summary["sent_ops"]?["2"] == 1 && summary["sent_ops"]?["6"] == 1)
        #expect(summary["close_codes"]?["4000"] == 1)
    }

    @Test func overTLSWithTheTestCA() throws {
        let server = try Server(
            ["--heartbeat-interval", "500", "--timeout", "10", "--scenario", "normal", "--scenario", "reconnect", "--tls",
             "--cert", FakeGatewayServer.certificatePath("server.pem"), "--key", FakeGatewayServer.certificatePath("server.key")])
        #expect(server.url.hasPrefix("wss://127.0.0.1:"))
        let client = try GatewayctlRun.run(
            ["connect", server.url, "--ca-file", FakeGatewayServer.certificatePath("test-ca.pem"), "--format", "jsonl",
             "--no-status", "--duration", "4"], timeout: 14)
        #expect(server.wait(timeout: 15) == 0, "\(server.stderr)\n\(client.stderr)")
        #expect(server.verdicts.count >= 5 && server.verdicts.allSatisfy { $0["passed"] == true }, "\(server.verdicts)")
        // RESUME went to READY's resume_gateway_url: the server's own wss:// URL.
        #expect(client.lines.contains { $0["kind"] == "event" && $0["t"] == "RESUMED" })
    }

    @Test func aCaptureIsPlayedToEveryBotThatIdentifies() throws {
        let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("samples/session.gwcap").path
        let server = try Server(["--capture", sample, "--speed", "0"])
        defer { server.process.terminate() }
        let client = try connect(server.url, seconds: 2)
        let dispatches = client.lines.filter { $0["kind"] == "event" && $0["op"] == 0 }
        // READY is the server's own; then the recording's dispatches, numbered in this session.
        #expect(
            dispatches.map { $0["t"]?.stringValue ?? "" }
                == ["READY", "GUILD_CREATE", "MESSAGE_CREATE", "MESSAGE_CREATE", "TYPING_START", "MESSAGE_CREATE", "MESSAGE_CREATE"],
            "\(dispatches)")
        #expect(dispatches.map { $0["s"] } == (1...7).map { GatewayValue.integer(Int64($0)) })
    }

    @Test func aCaptureThatIsNotARecordingIsRefused() throws {
        let run = try GatewayctlRun.run(["serve", "--capture", #filePath], record: false)
        #expect(run.status == 65, "\(run.stderr)")
        #expect(run.stderr.contains("--capture"))
    }

    /// Ctrl-C, and SIGTERM: a test runner starts serve with SIGTERM blocked (a child inherits its
    /// parent's mask), and serve must stop on it all the same, cleanly, as supervisors expect.
    @Test(arguments: [(SIGINT, 130, "interrupted"), (SIGTERM, 143, "stopped by SIGTERM")] as [(Int32, Int32, String)])
    func aStopSignalClosesEveryConnectionWith1001(signal: Int32, status: Int32, message: String) throws {
        let server = try Server(["--scenario", "normal"])
        let client = try GatewayctlRun.run(
            ["connect", server.url, "--format", "jsonl", "--no-status", "--no-reconnect"], timeout: 10,
            whileRunning: { _ in
                usleep(1_500_000)
                kill(server.process.processIdentifier, signal)
            })
        #expect(server.wait(timeout: 5) == status, "\(server.stderr)")
        #expect(server.stderr.contains(message), "\(server.stderr)")
        #expect(client.lines.contains { $0["kind"] == "close" && $0["by"] == "server" && $0["code"] == 1001 }, "\(client.stdout)")
        #expect(server.verdicts.isEmpty)
    }

    @Test func sigtermStopsConnectCleanlyWith143() throws {
        let server = try Server([])
        defer { server.process.terminate() }
        let client = try GatewayctlRun.run(
            ["connect", server.url, "--format", "jsonl", "--no-status"], timeout: 10,
            whileRunning: { process in
                usleep(1_500_000)
                process.terminate()
            })
        #expect(client.status == 143, "\(client.stderr)")
        #expect(client.stderr.contains("stopped by SIGTERM"), "\(client.stderr)")
        #expect(client.lines.contains { $0["kind"] == "close" && $0["by"] == "client" }, "\(client.stdout)")
        #expect(!client.leaksToken)
    }

    @Test func aScriptRunsItsStepsAndJudgesItsExpectations() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("serve-script-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("mine.script").path
        try Data(
            """
            dispatch MESSAGE_CREATE {"id":"1","channel_id":"2","content":"from a script","type":0}
            heartbeat-request
            expect heartbeat 2
            reconnect
            expect close 5
            expect resume 5
            expect op 3 0.3
            """.utf8
        ).write(to: URL(fileURLWithPath: path))
        let server = try Server(["--heartbeat-interval", "1000", "--script", path])
        let client = try connect(server.url, seconds: 3)
        #expect(server.wait(timeout: 10) == 1, "\(server.stderr)")
        #expect(
            server.verdicts.map { "\($0["check"]?.stringValue ?? "") \($0["passed"] == true)" } == [
                "line 3: expect heartbeat true", "line 5: expect close true", "line 6: expect resume true",
                "line 7: expect op 3 false",
            ])
        #expect(client.lines.contains { $0["kind"] == "event" && $0["d"]?["content"] == "from a script" })
        let broken = try GatewayctlRun.run(["serve", "--script", #filePath], record: false)
        #expect(broken.status == 65)
        #expect(broken.stderr.contains("line 1: unknown step"), "\(broken.stderr)")
    }

    @Test func aPortInUseExits69() throws {
        let server = try Server([])
        defer { server.process.terminate() }
        let port = try #require(server.url.split(separator: ":").last.map(String.init))
        let second = try GatewayctlRun.run(["serve", "--port", port], record: false)
        #expect(second.status == 69)
        #expect(second.stderr == "gatewayctl: cannot listen on 127.0.0.1:\(port): address already in use\n", "\(second.stderr)")
    }

    @Test func tlsOptionsAreChecked() throws {
        let missing = try GatewayctlRun.run(["serve", "--tls"], record: false)
        #expect(missing.status == 64)
        let unreadable = try GatewayctlRun.run(["serve", "--tls", "--cert", "/nonexistent.pem", "--key", "/nonexistent.key"], record: false)
        #expect(unreadable.status == 66, "\(unreadable.stderr)")
        #expect(unreadable.stderr.contains("/nonexistent.pem"))
    }

    @Test func aFatalCloseStopsOurClientAndTheNextScenarioWaitsForARestart() throws {
        let server = try Server(
            ["--heartbeat-interval", "500", "--timeout", "2", "--scenario", "close-4004", "--scenario", "close-4013"])
        let first = try connect(server.url, seconds: 15)
        #expect(first.status == 77, "\(first.stderr)")
        // Restarted after the scenario's two seconds of staying away, as a person would.
        usleep(2_500_000)
        let second = try connect(server.url, seconds: 15)
        #expect(second.status == 78, "\(second.stderr)")
        #expect(server.wait(timeout: 10) == 0, "\(server.stderr)")
        #expect(server.verdicts.map { $0["check"] } == ["does not reconnect", "does not reconnect"])
        #expect(server.verdicts.allSatisfy { $0["passed"] == true })
    }

    @Test func aFailedCheckExitsWithOne() throws {
        // A bot restarted at once after 4004 came back when it should have stayed away.
        let server = try Server(["--heartbeat-interval", "500", "--timeout", "2", "--scenario", "close-4004"])
        let first = try connect(server.url, seconds: 15)
        #expect(first.status == 77, "\(first.stderr)")
        _ = try connect(server.url, seconds: 1)
        let status = server.wait(timeout: 15)
        #expect(status == 1, "\(server.stderr)")
        #expect(server.verdicts.map { $0["passed"] } == [false])
        #expect(server.stderr.contains("1 of 1 checks failed"), "\(server.stderr)")
    }

    @Test func restCallsAreAnswered() throws {
        let server = try Server([])
        defer { server.process.terminate() }
        let rest = server.url.replacingOccurrences(of: "ws://", with: "http://")
        for (path, key) in [("/api/v10/gateway/bot", "session_start_limit"), ("/api/v10/gateway", "url"), ("/api/v10/users/@me", "username")] {
            let body = try Self.get(rest + path)
            #expect(body.0 == 200, "\(path)")
            #expect(body.1[key] != nil, "\(path): \(body.1)")
        }
        #expect(try Self.get(rest + "/api/v10/channels/1").0 == 404)
    }

    @Test func gatewayBotRecommendsOneShardPerJudgedBot() throws {
        let server = try Server(["--bots", "3", "--scenario", "normal"])
        defer { server.process.terminate() }
        let rest = server.url.replacingOccurrences(of: "ws://", with: "http://")
        let body = try Self.get(rest + "/api/v10/gateway/bot").1
        #expect(body["shards"] == 3)
        #expect(body["session_start_limit"]?["max_concurrency"] == 3)
        #expect(body["url"]?.stringValue == server.url)
    }

    @Test func fiftyBotsAtOnceEachGetASessionOfTheirOwnAndAVerdict() throws {
        let server = try Server(["--bots", "50", "--scenario", "server-heartbeat", "--timeout", "20"])
        defer { server.process.terminate() }
        let port = try #require(server.port)
        let bots = try Self.fiftyBots(url: server.url, port: port)
        defer { for socket in bots.sockets { close(socket) } }
        #expect(bots.sessions.count == 50)
        #expect(server.wait(timeout: 20) == 0, "\(server.stderr)")
        let verdicts = server.verdicts
        #expect(verdicts.count == 50)
        #expect(verdicts.allSatisfy { $0["passed"] == true && $0["check"] == "answers a heartbeat request at once" })
        #expect(Set(verdicts.compactMap { $0["bot"]?.intValue }) == Set(1...50))
        #expect(server.lines.filter { $0["kind"] == "info" && $0["message"]?.stringValue?.hasPrefix("IDENTIFY accepted") == true }.count == 50)
    }

    /// Fifty of the library's clients on sockets to `port` (`url` names the gateway), each with
    /// its own token, through a serve judging `--bots 50 --scenario server-heartbeat`: all connect
    /// and upgrade before any identifies, then each identifies and answers the heartbeat request
    /// its scenario makes. Returns their session IDs, and their sockets, still open, for the
    /// caller to close once the server has judged them.
    static func fiftyBots(url: String, port: UInt16) throws -> (sessions: Set<String>, sockets: [Int32]) {
        var bots: [(socket: Int32, connection: GatewayConnection)] = []
        var handedOver = false
        defer { if !handedOver { for bot in bots { close(bot.socket) } } }
        // All fifty connect and upgrade before any of them identifies.
        for index in 0..<50 {
            var configuration = GatewayConfiguration(url: url, encoding: .json, compression: index % 2 == 0 ? .zlibStream : .none)
            configuration.deliversHandledPayloads = true
            var connection = try GatewayConnection(configuration: configuration, random: SystemRandomNumberGenerator())
            let socket = try Self.open(port: port)
            try Self.send(connection.connect(), on: socket)
            bots.append((socket, connection))
        }
        var sessions: Set<String> = []
        for index in bots.indices {
            var hello = false
            while !hello {
                let read = try Self.receive(on: bots[index].socket)
                try Self.send(bots[index].connection.receive(read, now: .zero), on: bots[index].socket)
                while let event = bots[index].connection.nextEvent() { if case .hello = event { hello = true } }
            }
            let identify = GatewayIdentify(token: "Bot bot-\(index)", intents: [.guilds], properties: .init(os: "linux"))
            try Self.send(try bots[index].connection.identify(identify, now: .zero), on: bots[index].socket)
        }
        // Each bot's scenario asks it for a heartbeat right after READY; the answer is the only
        // thing the client writes after IDENTIFY (the clock stands still, so no timer beats).
        for index in bots.indices {
            var answered = false
            while bots[index].connection.sessionID == nil || !answered {
                let read = try Self.receive(on: bots[index].socket)
                let output = bots[index].connection.receive(read, now: .zero)
                if !output.isEmpty {
                    try Self.send(output, on: bots[index].socket)
                    answered = true
                }
                while bots[index].connection.nextEvent() != nil {}
            }
            sessions.insert(bots[index].connection.sessionID ?? "")
        }
        handedOver = true
        return (sessions, bots.map(\.socket))
    }

    @Test func hostileBotsGetClearErrorsAndTheServerKeepsServing() throws {
        let server = try Server([])
        defer { server.process.terminate() }
        let port = try #require(UInt16(server.url.split(separator: ":").last ?? ""))
        // A request that is not an upgrade is a REST call for an unknown path: 404.
        let garbage = try Self.open(port: port)
        try Self.send(Array("GARBAGE\r\n\r\n".utf8), on: garbage)
        #expect(String(decoding: try Self.receive(on: garbage), as: UTF8.self).hasPrefix("HTTP/1.1 40"))
        close(garbage)
        // An upgrade without a key: 400 naming what is missing.
        let keyless = try Self.open(port: port)
        try Self.send(Array("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n".utf8), on: keyless)
        let refusal = String(decoding: try Self.receive(on: keyless), as: UTF8.self)
        #expect(refusal.hasPrefix("HTTP/1.1 400"), "\(refusal)")
        close(keyless)
        // A proper upgrade, then an unmasked frame: the server closes with 1002 and says where.
        let unmasked = try Self.open(port: port)
        try Self.send(
            Array("GET /?v=10&encoding=json HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n".utf8)
                + [0x81, 0x02, 0x7B, 0x7D], on: unmasked)
        var answer: [UInt8] = []
        while !answer.contains(0x88) { answer += try Self.receive(on: unmasked) }
        close(unmasked)
        var configuration = GatewayConfiguration(url: server.url, encoding: .json, compression: .none)
        configuration.deliversHandledPayloads = true
        // Then a well-behaved bot is served as if nothing happened.
        var connection = try GatewayConnection(configuration: configuration, random: SystemRandomNumberGenerator())
        let bot = try Self.open(port: port)
        defer { close(bot) }
        try Self.send(connection.connect(), on: bot)
        while connection.sessionID == nil {
            try Self.send(connection.receive(try Self.receive(on: bot), now: .zero), on: bot)
            while let event = connection.nextEvent() {
                if case .hello = event {
                    let identify = GatewayIdentify(token: "Bot x", intents: [.guilds], properties: .init(os: "linux"))
                    try Self.send(try connection.identify(identify, now: .zero), on: bot)
                }
            }
        }
        usleep(100_000)
        let errors = server.lines.filter { $0["kind"] == "error" }
        #expect(errors.contains { $0["message"]?.stringValue?.contains("unmasked frame from a client") == true && $0["offset"] != nil }, "\(errors)")
        #expect(server.lines.contains { $0["kind"] == "info" && $0["message"]?.stringValue?.contains("upgrade refused with HTTP 400") == true })
    }

    static func open(port: UInt16) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Foundation.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(connected == 0)
        return fd
    }

    static func send(_ bytes: [UInt8], on fd: Int32) throws {
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { Foundation.send(fd, $0.baseAddress, $0.count, 0) }
            try #require(count > 0, "send failed")
            sent += count
        }
    }

    static func receive(on fd: Int32) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        try #require(count > 0, "the server sent nothing within 10 s")
        return Array(buffer[0..<count])
    }

    /// A plain HTTP GET over a socket (URLSession is not on every Linux toolchain's Foundation).
    static func get(_ url: String) throws -> (Int, GatewayValue) {
        let parts = url.dropFirst("http://".count).split(separator: "/", maxSplits: 1)
        let hostPort = parts[0].split(separator: ":")
        let path = "/" + (parts.count > 1 ? String(parts[1]) : "")
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(hostPort[1]) ?? 0).bigEndian
        address.sin_addr.s_addr = inet_addr(String(hostPort[0]))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Foundation.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(connected == 0)
        let request = Array("GET \(path) HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { Foundation.send(fd, $0.baseAddress, $0.count, 0) }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            response += buffer[0..<count]
        }
        let text = String(decoding: response, as: UTF8.self)
        let status = Int(text.split(separator: " ").dropFirst().first ?? "") ?? 0
        let body = text.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
        return (status, (try? GatewayJSON.decode(Array(body.utf8))) ?? .null)
    }
}
