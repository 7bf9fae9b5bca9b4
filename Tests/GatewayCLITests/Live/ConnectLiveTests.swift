import DiscordGateway
import Foundation
import NIOConcurrencyHelpers
import Testing

/// `gatewayctl connect` against a real server on loopback: the built binary, its output, exit
/// status and recording, and what the server received. Serialized: heartbeat timing is checked.
@Suite(.serialized) struct ConnectLiveTests {
    static let token = GatewayctlRun.token

    func connect(_ server: FakeGatewayServer, _ extra: [String], timeout: Double = 10) throws -> GatewayctlRun {
        try GatewayctlRun.run(["connect", server.url, "--no-status"] + extra, timeout: timeout)
    }

    func expectReplayMatches(_ run: GatewayctlRun, _ expected: [String], sourceLocation: SourceLocation = #_sourceLocation)
        throws
    {
        #expect(RecordingReplay.printed(run) == expected, sourceLocation: sourceLocation)
        let replayed = try RecordingReplay.dispatches(in: run.recording)
        #expect(replayed == expected, sourceLocation: sourceLocation)
        #expect(!run.leaksToken, sourceLocation: sourceLocation)
        // `gatewayctl replay` of the recording prints exactly the payloads `connect` printed.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("recording-\(UUID().uuidString).jsonl").path
        try run.recording.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let replay = try GatewayctlRun.run(["replay", "--format", "jsonl", path], record: false)
        #expect(replay.status == 0, "replay: \(replay.stderr)", sourceLocation: sourceLocation)
        let payloads = { (run: GatewayctlRun) in
            run.lines.filter { $0["kind"] == "event" || $0["kind"] == "sent" }
                .map { line in ["kind", "op", "t", "s", "d"].map { line[$0] ?? .null } }
        }
        #expect(payloads(replay) == payloads(run), sourceLocation: sourceLocation)
    }

    // MARK: A normal session

    @Test func normalSessionOverZlibStream() throws {
        let server = try FakeGatewayServer(
            compression: .zlibStream,
            scenario: .init(
                opened: { connection in
                    connection.holdsReady = true
                    connection.sendHello()
                },
                identified: { connection in
                    // Let heartbeats run for a while first.
                    connection.after(900) {
                        connection.sendReady()
                        connection.dispatch("MESSAGE_CREATE", ["content": "hello", "id": "1"])
                        connection.dispatch("MESSAGE_CREATE", ["content": "world", "id": "2"])
                    }
                }))
        defer { server.shutdown() }
        let run = try GatewayctlRun.run(
            ["connect", server.url, "--no-status", "--intents", "GUILDS,guild_messages", "--max-events", "3"])

        #expect(run.status == 0, "\(run.stderr)")
        let connections = server.connections
        try #require(connections.count == 1)
        let log = connections[0]
        #expect(log.target == "/?v=10&encoding=json&compress=zlib-stream")
        #expect(log.query?.compression == .zlibStream)
        #expect(log.frames.allSatisfy { $0.masked })
        let identify = try #require(log.payloads.first { $0.payload.opcode == .identify }?.payload.data)
        #expect(identify["token"] == .string("Bot " + Self.token))
        #expect(identify["intents"] == 513)
        #expect(identify["properties"]?["os"] == "linux")
        // Heartbeats every 250 ms once started, carrying the last sequence (null before READY).
        let beats = log.heartbeats
        #expect(beats.count >= 3)
        for (earlier, later) in zip(beats, beats.dropFirst()) {
            let gap = later.time - earlier.time
            #expect(gap > .milliseconds(170) && gap < .milliseconds(330), "heartbeat gap \(gap)")
        }
        #expect(beats.first?.data == .null)
        #expect(log.closeCode == 1000)
        // The printed IDENTIFY has its token redacted.
        let sent = run.lines.filter { $0["kind"] == "sent" && $0["op"] == 2 }
        #expect(sent.first?["d"]?["token"] == "[redacted]")
        #expect(run.lines.contains { $0["kind"] == "event" && $0["op"] == 11 && $0["latency"] != nil })
        try expectReplayMatches(run, ["1 READY", "2 MESSAGE_CREATE", "3 MESSAGE_CREATE"])
    }

    /// A server that answers IDENTIFY with READY and two messages.
    static func threeDispatches() throws -> FakeGatewayServer {
        let server = try FakeGatewayServer(
            scenario: .init(identified: { connection in
                connection.dispatch("MESSAGE_CREATE", ["content": "hello", "id": "1"])
                connection.dispatch("MESSAGE_CREATE", ["content": "world", "id": "2"])
            }))
        return server
    }

    @Test func prettyOutputAndFilters() throws {
        let server = try Self.threeDispatches()
        defer { server.shutdown() }
        let pretty = try connect(server, ["--compression", "none", "--max-events", "3", "--format", "pretty"])
        #expect(pretty.status == 0, "\(pretty.stderr)")
        #expect(pretty.stdout.contains("DISPATCH READY s=1"), "\(pretty.stdout)")
        #expect(pretty.stdout.contains("DISPATCH MESSAGE_CREATE s=2"))
        #expect(pretty.stdout.contains("DISPATCH MESSAGE_CREATE s=3"))
        #expect(pretty.stdout.contains("HELLO (op 10)"))
        #expect(pretty.stdout.contains("HTTP 101"))
        #expect(pretty.stdout.contains { $0 == "\u{1B}" } == false, "no colors when stdout is not a terminal")
        let closeLine = pretty.stdout.split(separator: "\n").last { $0.contains("✕ ") }
        #expect(closeLine?.contains("1000") == true, "\(pretty.stdout)")
        #expect(!pretty.leaksToken)

        let filtered = try connect(
            server, ["--compression", "none", "--max-events", "3", "--event", "message_create", "--op", "10"])
        #expect(filtered.status == 0, "\(filtered.stderr)")
        let kinds = Set(filtered.lines.compactMap { line -> String? in
            if case .string(let kind) = line["kind"] ?? .null { kind } else { nil }
        })
        #expect(kinds == ["event"], "\(filtered.stdout)")
        #expect(RecordingReplay.printed(filtered) == ["2 MESSAGE_CREATE", "3 MESSAGE_CREATE"])
        #expect(filtered.received(op: 10).count == 1)
        #expect(filtered.lines.count == 3)

        let framed = try connect(server, ["--compression", "none", "--max-events", "3", "--op", "0", "--frames"])
        #expect(framed.lines.contains { $0["kind"] == "frame" && $0["dir"] == "in" && $0["opcode"] == "text" })
        #expect(RecordingReplay.printed(framed) == ["1 READY", "2 MESSAGE_CREATE", "3 MESSAGE_CREATE"])
        #expect(!framed.lines.contains { $0["kind"] == "sent" })
        #expect(!filtered.leaksToken && !framed.leaksToken)
    }

    @Test func sessionOverTLSWithTheTestCA() throws {
        let server = try FakeGatewayServer(
            tls: try FakeGatewayServer.tlsContext(),
            scenario: .init(identified: { connection in
                connection.dispatch("GUILD_CREATE", ["id": "1"])
            }))
        defer { server.shutdown() }
        let run = try connect(
            server,
            ["--compression", "none", "--max-events", "2", "--ca-file", FakeGatewayServer.certificatePath("test-ca.pem")])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(server.connections.first?.closeCode == 1000)
        try expectReplayMatches(run, ["1 READY", "2 GUILD_CREATE"])
    }

    @Test func verboseShowsTheAddressTLSAndTheCertificate() throws {
        let server = try FakeGatewayServer(tls: try FakeGatewayServer.tlsContext(), scenario: .init())
        defer { server.shutdown() }
        let run = try connect(
            server,
            ["--compression", "none", "--max-events", "1", "--verbose", "--ca-file", FakeGatewayServer.certificatePath("test-ca.pem")])
        #expect(run.status == 0, "\(run.stderr)")
        let infos = run.lines.filter { $0["kind"] == "info" }.compactMap { $0["message"]?.stringValue }
        #expect(infos.contains("TCP connected to 127.0.0.1:\(server.port)"), "\(infos)")
        let tls = try #require(infos.first { $0.hasPrefix("TLS 1.") }, "\(infos)")
        // The version from the TLS handler, the suite from the ServerHello.
        #expect(tls.hasPrefix("TLS 1.3, TLS_AES_") || tls.hasPrefix("TLS 1.3, TLS_CHACHA20_"), "\(tls)")
        #expect(
            tls.contains("server certificate: subject CN=localhost; issuer CN=gatewayctl test CA; names 127.0.0.1, localhost; valid "),
            "\(tls)")
        // Without --verbose, none of it.
        let quiet = try connect(
            server, ["--compression", "none", "--max-events", "1", "--ca-file", FakeGatewayServer.certificatePath("test-ca.pem")])
        #expect(!quiet.stdout.contains("TCP connected"))
    }

    @Test func verboseAddsTheRawDetailButTheCauseStaysOneSentence() throws {
        let run = try GatewayctlRun.run(["connect", "ws://127.0.0.1:1", "--no-status", "--verbose", "--format", "jsonl"])
        #expect(run.status == 69)
        #expect(run.stderr == "gatewayctl: 127.0.0.1:1 refused the connection (nothing listens there)\n")
        let detail = try #require(run.lines.first { $0["message"]?.stringValue?.hasPrefix("detail: ") == true }, "\(run.stdout)")
        #expect(detail["message"]?.stringValue?.contains("Connection refused") == true, "\(detail)")
        let handshake = try GatewayctlRun.run(["handshake", "ws://127.0.0.1:1", "--verbose", "--format", "jsonl"], record: false)
        #expect(handshake.status == 69)
        #expect(handshake.lines.contains { $0["message"]?.stringValue?.hasPrefix("detail: ") == true }, "\(handshake.stdout)")
    }

    @Test(arguments: [true, false])
    func theTLSSecretsGoToTheKeyLogFileForWireshark(asOption: Bool) throws {
        let server = try FakeGatewayServer(tls: try FakeGatewayServer.tlsContext(), scenario: .init())
        defer { server.shutdown() }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("keylog-\(UUID().uuidString).txt").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var arguments = ["connect", server.url, "--no-status", "--compression", "none", "--max-events", "1"]
        arguments += ["--ca-file", FakeGatewayServer.certificatePath("test-ca.pem")]
        var environment = ["DISCORD_TOKEN": Self.token]
        if asOption { arguments += ["--keylog", path] } else { environment["SSLKEYLOGFILE"] = path }
        let run = try GatewayctlRun.run(arguments, environment: environment)
        #expect(run.status == 0, "\(run.stderr)")
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        // NSS key log format: LABEL <client random, 32 bytes hex> <secret hex>, TLS 1.3's secrets.
        let labels = Set(lines.compactMap { $0.split(separator: " ").first.map(String.init) })
        #expect(labels.isSuperset(of: ["CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
            "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0"]), "\(labels)")
        for line in lines {
            let fields = line.split(separator: " ")
            #expect(fields.count == 3 && fields[1].count == 64 && fields[2].allSatisfy(\.isHexDigit), "\(line)")
        }
        let permissions = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(permissions == 0o600)
        #expect(!run.leaksToken)
    }

    @Test func aKeyLogThatCannotBeOpenedIs74() throws {
        let run = try GatewayctlRun.run(
            ["connect", "wss://127.0.0.1:1", "--no-status", "--keylog", "/nonexistent-directory/keylog.txt"])
        #expect(run.status == 74, "\(run.stderr)")
        #expect(run.stderr.hasPrefix("gatewayctl: --keylog /nonexistent-directory/keylog.txt: cannot open it ("), "\(run.stderr)")
    }

    @Test func tlsWithTheWrongCAIsAClearError() throws {
        let server = try FakeGatewayServer(tls: try FakeGatewayServer.tlsContext(), scenario: .init())
        defer { server.shutdown() }
        let run = try connect(
            server, ["--compression", "none", "--ca-file", FakeGatewayServer.certificatePath("other-ca.pem")])
        #expect(run.status == 69)
        #expect(run.stderr.contains("not signed by a trusted CA"), "\(run.stderr)")
        #expect(run.stderr.contains("--ca-file"))
        #expect(server.connections.allSatisfy { $0.received.isEmpty && $0.request == nil })
        #expect(!run.leaksToken)
    }

    // MARK: Reconnects

    @Test func reconnectResumesAtTheResumeURL() throws {
        let server = try FakeGatewayServer(
            scenario: .init(
                identified: { connection in connection.after(100) { connection.requestReconnect() } },
                resumed: { connection in connection.dispatch("MESSAGE_CREATE", ["content": "after resume"]) }))
        defer { server.shutdown() }
        let run = try connect(server, ["--compression", "none", "--max-events", "3"])

        #expect(run.status == 0, "\(run.stderr)")
        let connections = server.connections
        try #require(connections.count == 2)
        #expect(connections[0].closeCode == 4000)
        #expect(connections[1].target == "/resume?v=10&encoding=json")
        let resume = try #require(connections[1].payloads.first { $0.payload.opcode == .resume }?.payload.data)
        #expect(resume["token"] == .string("Bot " + Self.token))
        let sessionID = try #require(connections[0].sessionID)
        #expect(resume["session_id"] == .string(sessionID))
        #expect(resume["seq"] == 1)
        #expect(!connections[1].payloads.contains { $0.payload.opcode == .identify })
        #expect(run.lines.contains { $0["kind"] == "reconnect" && $0["resume"] == true })
        try expectReplayMatches(run, ["1 READY", "2 RESUMED", "3 MESSAGE_CREATE"])
    }

    @Test func invalidSessionFalseIdentifiesAgainAfterAWait() throws {
        let server = try FakeGatewayServer(
            scenario: .init(identified: { connection in
                if connection.index == 1 { connection.invalidateSession(resumable: false) }
            }))
        defer { server.shutdown() }
        let run = try connect(server, ["--compression", "none", "--max-events", "2"], timeout: 12)

        #expect(run.status == 0, "\(run.stderr)")
        let connections = server.connections
        try #require(connections.count == 2)
        #expect(connections[0].closeCode == 1000)
        #expect(connections[1].target == "/?v=10&encoding=json")
        #expect(connections[1].payloads.contains { $0.payload.opcode == .identify })
        #expect(!connections[1].payloads.contains { $0.payload.opcode == .resume })
        // Discord asks for a random 1-5 s before the new IDENTIFY.
        let closed = try #require(connections[0].closedAt)
        let identified = try #require(connections[1].payloads.first { $0.payload.opcode == .identify }?.time)
        #expect(identified - closed >= .milliseconds(950))
        try expectReplayMatches(run, ["1 READY", "1 READY"])
    }

    @Test func invalidSessionTrueResumes() throws {
        let server = try FakeGatewayServer(
            scenario: .init(identified: { connection in connection.invalidateSession(resumable: true) }))
        defer { server.shutdown() }
        let run = try connect(server, ["--compression", "none", "--max-events", "2"])

        #expect(run.status == 0, "\(run.stderr)")
        let connections = server.connections
        try #require(connections.count == 2)
        #expect(connections[0].closeCode == 4000)
        #expect(connections[1].target == "/resume?v=10&encoding=json")
        #expect(connections[1].payloads.first { $0.payload.opcode == .resume }?.payload.data["seq"] == 1)
        try expectReplayMatches(run, ["1 READY", "2 RESUMED"])
    }

    @Test func zombieConnectionIsClosedAndResumed() throws {
        let server = try FakeGatewayServer(
            scenario: .init(acksHeartbeats: { $0 != 1 }))
        defer { server.shutdown() }
        let run = try connect(server, ["--compression", "none", "--max-events", "2"])

        #expect(run.status == 0, "\(run.stderr)")
        let connections = server.connections
        try #require(connections.count == 2)
        let first = connections[0]
        // One heartbeat went unanswered; at the next one due, the client closed with a resumable code.
        #expect(first.heartbeats.count == 1)
        #expect(first.closeCode == 4000)
        if let beat = first.heartbeats.first?.time, let close = first.frames.first(where: { $0.opcode == .close })?.time {
            #expect(close - beat > .milliseconds(180) && close - beat < .milliseconds(400), "close \(close - beat) after the beat")
        }
        #expect(connections[1].payloads.first { $0.payload.opcode == .resume }?.payload.data["seq"] == 1)
        #expect(run.lines.contains { $0["kind"] == "close" && $0["cause"] == "heartbeat not acknowledged" })
        try expectReplayMatches(run, ["1 READY", "2 RESUMED"])
    }

    @Test func tcpDroppedMidFrameResumes() throws {
        let server = try FakeGatewayServer(
            scenario: .init(identified: { connection in
                let frame = FakeGatewayConnection.textFrame(#"{"op":0,"s":2,"t":"MESSAGE_CREATE","d":{"content":"cut"}}"#)
                connection.after(50) {
                    connection.writeCut(Array(frame.prefix(frame.count / 2)))
                    connection.after(50) { connection.drop() }
                }
            }))
        defer { server.shutdown() }
        let run = try connect(server, ["--compression", "none", "--max-events", "2"])

        #expect(run.status == 0, "\(run.stderr)")
        let connections = server.connections
        try #require(connections.count == 2)
        #expect(connections[0].closeCode == nil)
        #expect(connections[1].target == "/resume?v=10&encoding=json")
        #expect(connections[1].payloads.first { $0.payload.opcode == .resume }?.payload.data["seq"] == 1)
        #expect(run.lines.contains { $0["kind"] == "close" && $0["by"] == "transport" })
        try expectReplayMatches(run, ["1 READY", "2 RESUMED"])
    }

    @Test func noReconnectStopsAtTheFirstDisconnect() throws {
        let server = try FakeGatewayServer(
            scenario: .init(identified: { connection in connection.requestReconnect() }))
        defer { server.shutdown() }
        let run = try connect(server, ["--compression", "none", "--no-reconnect"])
        // The server ended the session: not a clean stop that was asked for.
        #expect(run.status == 69, "\(run.stderr)")
        #expect(run.stderr == "gatewayctl: the server asked for a reconnect (op 7 RECONNECT)\n", "\(run.stderr)")
        #expect(server.connections.count == 1)
        try expectReplayMatches(run, ["1 READY"])
    }

    // MARK: What the server asks for

    @Test func serverHeartbeatRequestIsAnsweredAtOnce() throws {
        let requestedAt = NIOLockedValueBox<Duration?>(nil)
        let server = try FakeGatewayServer(
            scenario: .init(
                heartbeatInterval: .seconds(10),
                identified: { connection in
                    requestedAt.withLockedValue { $0 = connection.now }
                    connection.requestHeartbeat()
                    connection.after(300) { connection.dispatch("MESSAGE_CREATE", [:]) }
                }))
        defer { server.shutdown() }
        let run = try connect(server, ["--compression", "none", "--max-events", "2"])

        #expect(run.status == 0, "\(run.stderr)")
        let requested = try #require(requestedAt.withLockedValue { $0 })
        let answers = server.connections[0].heartbeats.filter {
            $0.time >= requested && $0.time - requested < .milliseconds(150)
        }
        #expect(answers.count == 1)
        #expect(answers.first?.data == 1)
        #expect(run.lines.contains { $0["kind"] == "event" && $0["op"] == 1 })
        try expectReplayMatches(run, ["1 READY", "2 MESSAGE_CREATE"])
    }

    @Test func pingsAreAnsweredWithMaskedPongs() throws {
        let server = try FakeGatewayServer(
            scenario: .init(
                opened: { connection in
                    connection.holdsReady = true
                    connection.sendHello()
                },
                identified: { connection in
                    connection.sendPing(Array("are you there".utf8))
                    connection.after(100) { connection.sendReady() }
                }))
        defer { server.shutdown() }
        let run = try connect(server, ["--compression", "none", "--max-events", "1"])

        #expect(run.status == 0, "\(run.stderr)")
        let pong = try #require(server.connections[0].frames.first { $0.opcode == .pong })
        #expect(pong.masked)
        #expect(pong.payload == Array("are you there".utf8))
        try expectReplayMatches(run, ["1 READY"])
    }

    // MARK: Fatal ends

    @Test func authenticationFailedExits77WithoutReconnecting() throws {
        let server = try FakeGatewayServer(
            scenario: .init(configure: { $0.acceptedTokens = ["Bot another-token"] }))
        defer { server.shutdown() }
        let run = try connect(server, ["--compression", "none"])
        #expect(run.status == 77)
        #expect(server.connections.count == 1)
        #expect(server.connections[0].violations.map(\.code) == [.authenticationFailed])
        #expect(server.connections[0].closeCode == 4004)
        #expect(run.stderr.contains("AUTHENTICATION_FAILED (4004)"), "\(run.stderr)")
        #expect(run.stderr.contains("fix the token"))
        #expect(run.lines.contains { $0["kind"] == "close" && $0["code"] == 4004 })
        #expect(!run.leaksToken)
    }

    @Test func disallowedIntentsExit78NamingThePrivilegedOnes() throws {
        let server = try FakeGatewayServer(
            scenario: .init(configure: { $0.allowsPrivilegedIntents = false }))
        defer { server.shutdown() }
        let run = try connect(server, ["--compression", "none", "--intents", "guilds,message_content,GUILD_MEMBERS"])
        #expect(run.status == 78)
        #expect(server.connections.count == 1)
        #expect(server.connections[0].violations.map(\.code) == [.disallowedIntents])
        #expect(server.connections[0].closeCode == 4014)
        #expect(run.stderr.contains("privileged intents requested: GUILD_MEMBERS, MESSAGE_CONTENT"), "\(run.stderr)")
        #expect(!run.leaksToken)
    }

    @Test func rejectedUpgradeShowsTheBody() throws {
        let body = #"{"message": "401: Unauthorized", "code": 0}"#
        let server = try FakeGatewayServer(
            scenario: .init(upgrade: { _ in .reject(status: 401, body: body) }))
        defer { server.shutdown() }
        let run = try connect(server, ["--compression", "none"])
        #expect(run.status == 69)
        #expect(server.connections.count == 1)
        // One line on standard error, the body folded into it; all of it in the `rejected` line.
        #expect(run.stderr == "gatewayctl: the server refused the WebSocket upgrade with HTTP 401 Unauthorized: \(body)\n")
        #expect(run.lines.contains { $0["kind"] == "rejected" && $0["status"] == 401 && $0["body"] == .string(body) })
        #expect(!run.leaksToken)
    }

    @Test func theOldSpellingsOfTheURLAndCompressionStillWork() throws {
        let server = try FakeGatewayServer(scenario: .init())
        defer { server.shutdown() }
        let run = try GatewayctlRun.run(
            ["connect", "--url", server.url, "--compress", "none", "--no-status", "--max-events", "1", "--format", "jsonl"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(server.connections.first?.target == "/?v=10&encoding=json")
        let both = try GatewayctlRun.run(["connect", server.url, "--url", server.url], record: false)
        #expect(both.status == 64)
        #expect(both.stderr.contains("give the URL once"), "\(both.stderr)")
    }

    // MARK: A server that misbehaves (the full table runs in Scripts/check-hostile.py)

    @Test func aFrameViolationRightAfterHelloEndsWith76NamingTheViolationOnce() throws {
        // RSV1 set, no extension negotiated: the first frame after HELLO breaks RFC 6455.
        let server = try FakeGatewayServer(
            scenario: .init(opened: { connection in
                connection.sendHello()
                connection.writeCut([0xC1, 0x01, 0x41])
            }))
        defer { server.shutdown() }
        let run = try connect(server, ["--compression", "none", "--no-reconnect"])
        #expect(run.status == 76, "\(run.stderr)")
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(run.stderr)")
        #expect(run.stderr.hasPrefix("gatewayctl: the server broke the WebSocket protocol: reserved bits"), "\(run.stderr)")
        #expect(run.stderr.contains("at byte"), "\(run.stderr)")
        #expect(!run.stderr.contains("IDENTIFY"), "\(run.stderr)")
        #expect(!run.leaksToken)
    }

    @Test func noHelloWithinTheTimeoutEndsWith76() throws {
        let server = try FakeGatewayServer(scenario: .init(opened: { _ in }))
        defer { server.shutdown() }
        let started = Date()
        let run = try connect(server, ["--compression", "none", "--no-reconnect", "--timeout", "0.5"])
        #expect(run.status == 76, "\(run.stderr)")
        #expect(run.stderr == "gatewayctl: the server sent no HELLO within 0.5 s of the upgrade (--timeout)\n")
        // HELLO's wait, then the echo of our close (the server answers it).
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(server.connections.first?.closeCode == 4000)
    }

    @Test func aServerThatKeepsFailingGetsTheBackoffWithEachAttemptShown() throws {
        // The first connection is healthy and asked to reconnect; every later one never says HELLO.
        let server = try FakeGatewayServer(
            scenario: .init(
                opened: { connection in if connection.index == 1 { connection.sendHello() } },
                identified: { connection in connection.requestReconnect() }))
        defer { server.shutdown() }
        let run = try connect(server, ["--compression", "none", "--timeout", "0.3", "--duration", "4"])
        #expect(run.status == 0, "\(run.stderr)")
        let reconnects = run.lines.filter { $0["kind"] == "reconnect" }
        #expect(reconnects.count >= 3, "\(run.stdout)")
        #expect(reconnects.compactMap { $0["attempt"]?.intValue } == Array(1...reconnects.count))
        let delays = reconnects.compactMap { $0["delay"]?.doubleValue }
        #expect(delays.count == reconnects.count && delays[1] > 0 && delays[2] > delays[1], "\(delays)")
        #expect(reconnects.first?["reason"] == "the server asked for a reconnect (op 7 RECONNECT)")
        #expect(reconnects.dropFirst().allSatisfy { $0["reason"]?.stringValue?.contains("no HELLO within 0.3 s") == true })
    }

    @Test func ctrlCWhileWaitingForTheUpgradeAnswerExits130AtOnce() throws {
        let silent = try MuteGatewayServer(.silent)
        defer { withExtendedLifetime(silent) {} }
        let port = silent.port
        let interruptedAt = NIOLockedValueBox(Date())
        let run = try GatewayctlRun.run(
            ["connect", "ws://127.0.0.1:\(port)", "--no-status", "--timeout", "30"],
            whileRunning: { process in
                usleep(500_000)
                interruptedAt.withLockedValue { $0 = Date() }
                process.interrupt()
            })
        #expect(run.status == 130, "\(run.stderr)")
        #expect(Date().timeIntervalSince(interruptedAt.withLockedValue { $0 }) < 3)
    }

    @Test func aServerThatHangsUpBeforeAnsweringEndsTheFirstConnectionEvenWhenReconnecting() throws {
        let server = try MuteGatewayServer(.hangsUp)
        let started = Date()
        let run = try GatewayctlRun.run(["connect", server.url, "--no-status", "--format", "jsonl"])
        #expect(run.status == 69, "\(run.stderr)")
        #expect(run.stderr == "gatewayctl: the server closed the connection before answering the upgrade\n", "\(run.stderr)")
        #expect(!run.lines.contains { $0["kind"] == "reconnect" })
        #expect(Date().timeIntervalSince(started) < 5)
    }

    @Test(arguments: [(SIGINT, Int32(130)), (SIGTERM, Int32(143))])
    func aStopSignalKeepsItsStatusWhenTheCloseGoesUnanswered(signal: Int32, status: Int32) throws {
        let server = try MuteGatewayServer()
        let run = try GatewayctlRun.run(
            ["connect", server.url, "--no-status", "--compression", "none", "--timeout", "0.5", "--format", "jsonl"],
            whileRunning: { process in
                usleep(700_000)
                kill(process.processIdentifier, signal)
            })
        #expect(run.status == status, "\(run.stderr)")
    }

    @Test func aDurationStopWhoseCloseGoesUnansweredIs76() throws {
        // --duration's close, unanswered: a clean stop asked for, but the server broke the close handshake.
        let server = try MuteGatewayServer()
        let run = try GatewayctlRun.run(
            ["connect", server.url, "--no-status", "--compression", "none", "--timeout", "0.5", "--duration", "0.5"])
        #expect(run.status == 76, "\(run.stderr)")
        #expect(run.stderr == "gatewayctl: the server did not answer our close within 0.5 s (--timeout)\n", "\(run.stderr)")
    }

    @Test func anUpgradeNeverAnsweredEndsWith69NamingTheWait() throws {
        let silent = try MuteGatewayServer(.silent)
        defer { withExtendedLifetime(silent) {} }
        let port = silent.port
        let run = try GatewayctlRun.run(["connect", "ws://127.0.0.1:\(port)", "--no-status", "--timeout", "0.5"])
        #expect(run.status == 69, "\(run.stderr)")
        #expect(run.stderr == "gatewayctl: no answer to the upgrade from 127.0.0.1:\(port) within 0.5 s (--timeout)\n")
    }

    // MARK: Stopping

    @Test(arguments: [(keepSession: false, code: UInt16(1000)), (keepSession: true, code: UInt16(4000))])
    func ctrlCClosesCleanlyAndExits130(keepSession: Bool, code: UInt16) throws {
        let server = try FakeGatewayServer(scenario: .init())
        defer { server.shutdown() }
        let run = try GatewayctlRun.run(
            ["connect", server.url, "--no-status", "--compression", "none"] + (keepSession ? ["--keep-session"] : []),
            whileRunning: { process in
                let deadline = Date().addingTimeInterval(5)
                while Date() < deadline && !server.connections.contains(where: { !$0.payloads.isEmpty }) { usleep(10_000) }
                usleep(300_000)
                process.interrupt()
            })
        #expect(run.status == 130)
        #expect(server.connections.count == 1)
        #expect(server.connections.first?.closeCode == code)
        try expectReplayMatches(run, ["1 READY"])
    }

    @Test func durationStopsCleanly() throws {
        let server = try FakeGatewayServer(scenario: .init())
        defer { server.shutdown() }
        let started = Date()
        let run = try connect(server, ["--compression", "none", "--duration", "0.8"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(Date().timeIntervalSince(started) >= 0.8)
        #expect(server.connections.first?.closeCode == 1000)
        #expect(run.lines.last?["kind"] == "close")
        try expectReplayMatches(run, ["1 READY"])
    }

    // MARK: Before any connection

    @Test func aMissingOrEmptyTokenIsAConfigurationError() throws {
        let server = try FakeGatewayServer(scenario: .init())
        defer { server.shutdown() }
        for environment in [[:], ["DISCORD_TOKEN": ""], ["OTHER": Self.token]] {
            let run = try GatewayctlRun.run(
                ["connect", server.url], environment: environment, record: false)
            #expect(run.status == 78)
            #expect(run.stderr.contains("DISCORD_TOKEN"), "\(run.stderr)")
            #expect(!run.leaksToken)
        }
        let named = try GatewayctlRun.run(
            ["connect", server.url, "--token-env", "MY_BOT_TOKEN"], environment: [:], record: false)
        #expect(named.status == 78)
        #expect(named.stderr.contains("MY_BOT_TOKEN"))
        #expect(server.connections.isEmpty)
    }

    @Test func unknownIntentsAreAUsageErrorListingTheValidOnes() throws {
        let run = try GatewayctlRun.run(["connect", "--intents", "GUILDS,NOPE"], record: false)
        #expect(run.status == 64)
        #expect(run.stderr.contains("unknown intent \"NOPE\""), "\(run.stderr)")
        #expect(run.stderr.contains("MESSAGE_CONTENT (privileged)"))
        let bits = try GatewayctlRun.run(["connect", "--intents", "4194304"], record: false)
        #expect(bits.status == 64)
        #expect(bits.stderr.contains("not documented intents"))
    }
}
