import Foundation
import Testing
@testable import CaptureFormats

/// `gatewayctl replay` on packet captures: a hand-built gateway session, the errors, and the
/// fixtures that tcpdump and tshark wrote of a real loopback session (Scripts/make-pcap-fixtures.sh).
@Suite(.enabled(if: CommandRunner.binary != nil)) struct ReplayPacketCaptureTests {
    static let token = "FAKE.PCAP-TOKEN.must-never-show"
    static let fixtures = "Tests/GatewayCLITests/Fixtures/pcap/"

    /// A WebSocket frame; masked (as a client sends) when `mask` is given.
    static func frame(_ payload: [UInt8], opcode: UInt8 = 1, fin: Bool = true, mask: [UInt8]? = nil) -> [UInt8] {
        var bytes: [UInt8] = [(fin ? 0x80 : 0) | opcode]
        let maskBit: UInt8 = mask == nil ? 0 : 0x80
        if payload.count < 126 { bytes.append(maskBit | UInt8(payload.count)) } else { bytes += [maskBit | 126] + PcapBuild.be16(payload.count) }
        guard let mask else { return bytes + payload }
        return bytes + mask + payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
    }

    /// A gateway session on one connection: HELLO, a fragmented IDENTIFY split over two segments,
    /// READY, a HEARTBEAT and its ACK, the server's close and the client's echo.
    /// `identify` replaces the IDENTIFY's JSON; `upgrade` the request, sent in two segments
    /// split at `upgradeSplit` when given.
    static func session(
        identify: [UInt8] = Array(#"{"op":2,"d":{"token":"\#(token)","intents":513,"properties":{"os":"linux","browser":"t","device":"t"}}}"#.utf8),
        upgrade: [UInt8] = PcapBuild.upgrade, upgradeSplit: Int? = nil
    ) -> [UInt8] {
        let mask: [UInt8] = [0x11, 0x22, 0x33, 0x44]
        let clientFrames = frame(Array(identify[..<20]), fin: false, mask: mask) + frame(Array(identify[20...]), opcode: 0, mask: mask)
        let heartbeat = frame(Array(#"{"op":1,"d":null}"#.utf8), mask: mask)
        let clientClose = frame([0x03, 0xE8], opcode: 8, mask: mask)
        let hello = frame(Array(#"{"op":10,"d":{"heartbeat_interval":41250}}"#.utf8))
        let ready = frame(Array(#"{"op":0,"s":1,"t":"READY","d":{"v":10,"session_id":"abc","resume_gateway_url":"ws://127.0.0.1:1","user":{"id":"1","username":"bot"},"guilds":[]}}"#.utf8))
        let ack = frame(Array(#"{"op":11,"d":null}"#.utf8))
        let serverClose = frame([0x03, 0xE8], opcode: 8)
        var client: UInt32 = 1001, server: UInt32 = 5001
        var ips: [[UInt8]] = [PcapBuild.ipv4(seq: 1000, flags: PcapBuild.syn), PcapBuild.ipv4(from: PcapBuild.server, to: PcapBuild.client, sport: 80, dport: 51234, seq: 5000, flags: PcapBuild.syn | PcapBuild.ack)]
        func send(_ bytes: [UInt8]) { ips.append(PcapBuild.ipv4(seq: client, payload: bytes)); client &+= UInt32(bytes.count) }
        func receive(_ bytes: [UInt8]) {
            ips.append(PcapBuild.ipv4(from: PcapBuild.server, to: PcapBuild.client, sport: 80, dport: 51234, seq: server, payload: bytes))
            server &+= UInt32(bytes.count)
        }
        if let upgradeSplit {
            send(Array(upgrade[..<upgradeSplit]))
            send(Array(upgrade[upgradeSplit...]))
        } else {
            send(upgrade)
        }
        receive(PcapBuild.response + hello)
        send(Array(clientFrames[..<30]))
        send(Array(clientFrames[30...]))
        receive(ready)
        send(heartbeat)
        receive(ack)
        receive(serverClose)
        send(clientClose)
        ips.append(PcapBuild.ipv4(seq: client, flags: PcapBuild.fin | PcapBuild.ack))
        return PcapBuild.pcap(ips.enumerated().map { (micros: 1_700_000_000_000_000 + Int64($0.offset) * 10_000, data: PcapBuild.frame($0.element, linkType: 1)) })
    }

    static func write(_ bytes: [UInt8], _ name: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pcap-\(UUID().uuidString)-\(name)").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// The `(kind, op, t, s)` of every payload line, in order.
    static func payloads(_ lines: [String]) throws -> [String] {
        try lines.compactMap { line -> String? in
            guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let kind = object["kind"] as? String, kind == "event" || kind == "sent" else { return nil }
            let op = object["op"] as? Int ?? -1
            let name = object["t"] as? String ?? "-"
            let sequence = (object["s"] as? Int).map(String.init) ?? "-"
            return "\(kind) \(op) \(name) \(sequence)"
        }
    }

    @Test func aHandBuiltSessionReplaysBothDirectionsWithTheTokenRedacted() throws {
        let path = try Self.write(Self.session(), "session.pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try CommandRunner.run(["replay", "--format", "jsonl", "--summary", path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try Self.payloads(result.lines) == ["event 10 - -", "sent 2 - -", "event 0 READY 1", "sent 1 - -", "event 11 - -"])
        #expect(result.stdout.contains("\"token\":\"[redacted]\""))
        #expect(!result.stdout.contains(Self.token) && !result.stderr.contains(Self.token))
        #expect(result.lines.contains { $0.contains("\"op\":11") && $0.contains("\"latency\":0.010000") })
        #expect(result.stdout.contains("10.0.0.1:51234 → 10.0.0.2:80"), "\(result.stdout)")
        let pretty = try CommandRunner.run(["replay", "--format", "pretty", "--color", "never", path])
        #expect(pretty.status == 0 && !pretty.stdout.contains(Self.token))
    }

    /// Bytes off the wire are whatever the bot sent: a repeated `token` key, a repeated `op`
    /// (the first one counts), credentials in the upgrade's headers, a request split across
    /// segments. None of it shows the token.
    @Test(arguments: [
        #"{"op":2,"d":{"token":"X","intents":1,"token":"\#(token)"}}"#,
        #"{"op":1,"op":2,"d":{"token":"\#(token)","intents":1}}"#,
        #"{"op":2,"d":{"token":"\#(token)","intents":1}}"#,
    ])
    func theTokenNeverShowsWhateverTheBotSent(identify: String) throws {
        var upgrade = PcapBuild.upgrade
        upgrade.removeLast(2)
        upgrade += Array("Authorization: Bot \(Self.token)\r\nCookie: t=\(Self.token)\r\n\r\n".utf8)
        let path = try Self.write(Self.session(identify: Array(identify.utf8), upgrade: upgrade, upgradeSplit: 20), "odd.pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        for format in ["jsonl", "pretty"] {
            let result = try CommandRunner.run(["replay", "--format", format, "--frames", path])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(!result.stdout.contains(Self.token) && !result.stderr.contains(Self.token), "\(result.stdout)")
            if format == "jsonl" {
                // The request split in two is still one request, and the frames behind it are read.
                #expect(result.stdout.contains(#"["Authorization","[redacted]"]"#), "\(result.stdout)")
                #expect(try Self.payloads(result.lines).filter { $0.hasPrefix("sent") }.count == 2, "\(result.stdout)")
            }
        }
    }

    @Test func aPacketCaptureCannotBeFollowedOrExported() throws {
        let path = try Self.write(Self.session(), "session.pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let follow = try CommandRunner.run(["replay", "--follow", path])
        #expect(follow.status == 64)
        #expect(follow.stderr.contains("is a packet capture, which replay reads whole: --follow cannot follow it"), "\(follow.stderr)")
        let output = path + ".pcapng"
        let export = try CommandRunner.run(["export", "--pcapng", output, path])
        #expect(export.status == 64)
        #expect(export.stderr.contains("the input is a packet capture, which Wireshark opens as it is"), "\(export.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    @Test func aCaptureWithoutWebSocketIsExit65NamingTheConnections() throws {
        let tls = [PcapBuild.ipv4(dport: 443, seq: 1, flags: PcapBuild.syn), PcapBuild.ipv4(dport: 443, seq: 2, payload: [0x16, 3, 1, 0, 5])]
        let path = try Self.write(PcapBuild.pcap(tls.map { (micros: 0, data: $0) }, linkType: 101), "tls.pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try CommandRunner.run(["replay", "--format", "pretty", path])
        #expect(result.status == 65)
        #expect(result.stderr.contains("1 TCP connection") && result.stderr.contains("WebSocket upgrade") && result.stderr.contains("TLS"))
    }

    @Test func aTruncatedCaptureReplaysWhatWasCompleteThenFailsWithTheOffset() throws {
        let whole = Self.session()
        let cut = Array(whole.dropLast(7))
        let path = try Self.write(cut, "cut.pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try CommandRunner.run(["replay", "--format", "jsonl", path])
        #expect(result.status == 65)
        #expect(try Self.payloads(result.lines).starts(with: ["event 10 - -", "sent 2 - -", "event 0 READY 1"]))
        #expect(result.stderr.contains("byte "))
        #expect(!result.stdout.contains(Self.token))
    }

    /// The fixtures and the format each was made with (`serve`'s normal scenario, a 1 s session
    /// with a 250 ms heartbeat interval).
    static let fixtureFiles = [
        "json-zlib-stream-ethernet.pcap": "json, zlib-stream", "etf-linux-sll.pcap": "etf, none",
        "json-linux-sll2.pcap": "json, none", "etf-zlib-stream.pcapng": "etf, zlib-stream",
    ]

    /// What every fixture's session carried, both directions, in order.
    static let fixturePayloads = [
        "event 10 - -", "sent 2 - -", "event 0 READY 1", "event 0 GUILD_CREATE 2", "sent 1 - -", "event 11 - -",
        "sent 1 - -", "event 11 - -",
    ]

    @Test(arguments: ReplayPacketCaptureTests.fixtureFiles.keys.sorted())
    func fixturesMadeByRealToolsReplayExactly(file: String) throws {
        let path = Self.fixtures + file
        let result = try CommandRunner.run(["replay", "--format", "jsonl", path])
        #expect(result.status == 0, "\(result.stderr)")
        let shown = try Self.payloads(result.lines)
        #expect(shown == Self.fixturePayloads)
        #expect(result.stdout.contains("format: \(Self.fixtureFiles[file] ?? "")"))
        let expected = try Self.payloads(try CommandRunner.fixture(path + ".connect.jsonl").split(separator: "\n").map(String.init))
        // What connect printed (its events and sent payloads) is what the capture replays to.
        #expect(shown.filter { $0.hasPrefix("event") } == expected.filter { $0.hasPrefix("event") })
        #expect(shown.filter { $0.hasPrefix("sent") } == expected.filter { $0.hasPrefix("sent") })
        #expect(shown.contains("sent 2 - -") && shown.contains { $0.hasPrefix("event 0 READY") })
        #expect(!result.stdout.contains("PCAP-FIXTURE-TOKEN") && !result.stderr.contains("PCAP-FIXTURE-TOKEN"))
        let bytes = try CommandRunner.bytes(path)
        #expect(bytes.count < 64 << 10)
    }
}
