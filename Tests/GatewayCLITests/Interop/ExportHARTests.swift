import DiscordGateway
import Foundation
import Testing

@testable import GatewayCLI

/// `gatewayctl export --har`, and the command's handling of its outputs, run as a user runs it.
@Suite(.enabled(if: CommandRunner.binary != nil)) struct ExportHARTests {
    private func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    private func harLog(_ url: URL) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url))
        return try #require((object as? [String: Any])?["log"] as? [String: Any])
    }

    @Test(arguments: [GatewayEncoding.json, .etf], [GatewayCompression.none, .zlibStream, .zstdStream])
    func everyMessageIsInTheHARDecompressed(encoding: GatewayEncoding, compression: GatewayCompression) throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let capture = directory.appendingPathComponent("in.gwcap").path
        let expected = try ExportCaptureBuilder.write(to: capture, encoding: encoding, compression: compression)
        let har = directory.appendingPathComponent("out.har")
        let result = try CommandRunner.run(["export", "--har", har.path, capture])
        #expect(result.status == 0, "\(result.stderr)")
        let text = try String(contentsOf: har, encoding: .utf8)
        #expect(!text.contains(ExportCaptureBuilder.token))
        let log = try harLog(har)
        #expect(log["version"] as? String == "1.2")
        #expect((log["creator"] as? [String: Any])?["name"] as? String == "gatewayctl")
        #expect((log["creator"] as? [String: Any])?["version"] as? String == Gatewayctl.version)
        let entries = try #require(log["entries"] as? [[String: Any]])
        #expect(entries.count == 2)
        var messages: [[String: Any]] = []
        for entry in entries {
            #expect(entry["_resourceType"] as? String == "websocket")
            #expect((entry["startedDateTime"] as? String)?.hasPrefix("2025-01-01T00:00:0") == true)
            let request = try #require(entry["request"] as? [String: Any])
            #expect(request["method"] as? String == "GET")
            #expect((request["url"] as? String)?.hasPrefix("wss://gateway.discord.gg/?v=10&encoding=\(encoding.rawValue)") == true)
            #expect(request["bodySize"] as? Int == 0)
            #expect((request["cookies"] as? [Any])?.isEmpty == true)
            let query = try #require(request["queryString"] as? [[String: String]])
            #expect(query.first == ["name": "v", "value": "10"])
            let headers = try #require(request["headers"] as? [[String: String]])
            #expect(headers.contains(["name": "Upgrade", "value": "websocket"]))
            let response = try #require(entry["response"] as? [String: Any])
            #expect(response["status"] as? Int == 101)
            #expect(response["statusText"] as? String == "Switching Protocols")
            #expect((response["content"] as? [String: Any])?["mimeType"] as? String == "x-unknown")
            #expect(response["redirectURL"] as? String == "")
            let timings = try #require(entry["timings"] as? [String: Any])
            #expect(timings["ssl"] as? Int == -1 && timings["send"] as? Int == 0)
            messages += try #require(entry["_webSocketMessages"] as? [[String: Any]])
        }
        #expect(messages.count == expected.count)
        for (message, want) in zip(messages, expected) {
            #expect(message["type"] as? String == (want.outbound ? "send" : "receive"))
            #expect((message["time"] as? Double ?? 0) > 1_735_689_600)
            if encoding == .etf {
                #expect(message["opcode"] as? Int == 2)
                #expect((message["data"] as? String).flatMap { Data(base64Encoded: $0) }.map { [UInt8]($0) } == want.payload)
            } else {
                #expect(message["opcode"] as? Int == 1)
                #expect((message["data"] as? String).map { Array($0.utf8) } == want.payload)
            }
        }
    }

    /// A recording from elsewhere may hold what connect never writes: a token in a `sent` record,
    /// the client's IDENTIFY as a frame, credentials in the upgrade request. Neither file shows it.
    @Test func aTokenInARecordingFromElsewhereIsRedactedInBothFiles() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let token = "FOREIGN.RECORDING-TOKEN.never-exported"
        var lines = try CommandRunner.fixture("samples/session.gwcap").split(separator: "\n").map(String.init)
        let requestIndex = try #require(lines.firstIndex { $0.contains(#""type":"chunk","dir":"out""#) })
        var request = try JSONSerialization.jsonObject(with: Data(lines[requestIndex].utf8)) as? [String: Any] ?? [:]
        var head = String(decoding: try #require(Data(base64Encoded: request["data"] as? String ?? "")), as: UTF8.self)
        head = head.replacingOccurrences(of: "\r\n\r\n", with: "\r\nAuthorization: Bot \(token)\r\n\r\n")
        request["data"] = Data(head.utf8).base64EncodedString()
        lines[requestIndex] = String(decoding: try JSONSerialization.data(withJSONObject: request, options: [.sortedKeys]), as: UTF8.self)
        let sentIndex = try #require(lines.firstIndex { $0.contains(#""token":"[redacted]""#) })
        lines[sentIndex] = lines[sentIndex].replacingOccurrences(of: "[redacted]", with: token)
        let identify = Array(#"{"op":2,"d":{"token":"\#(token)","intents":1}}"#.utf8)
        let mask: [UInt8] = [1, 2, 3, 4]
        let frame = [0x81, 0x80 | UInt8(identify.count)] + mask + identify.enumerated().map { $0.element ^ mask[$0.offset % 4] }
        lines.insert(
            #"{"type":"chunk","dir":"out","t":0.049500,"conn":1,"data":"\#(Data(frame).base64EncodedString())"}"#, at: sentIndex + 1)
        let capture = directory.appendingPathComponent("foreign.gwcap")
        try (lines.joined(separator: "\n") + "\n").write(to: capture, atomically: true, encoding: .utf8)

        let har = directory.appendingPathComponent("out.har")
        let pcapng = directory.appendingPathComponent("out.pcapng")
        let result = try CommandRunner.run(["export", "--har", har.path, "--pcapng", pcapng.path, capture.path])
        #expect(result.status == 0, "\(result.stderr)")
        let text = try String(contentsOf: har, encoding: .utf8)
        #expect(!text.contains(token))
        // The sample's IDENTIFY and RESUME, and the added IDENTIFY frame: all three redacted.
        #expect(text.components(separatedBy: #"\"token\":\"[redacted]\""#).count == 4, "\(text)")
        // The pcapng's client frames are masked, so its bytes are searched unmasked, as tshark shows them.
        let bytes = try Data(contentsOf: pcapng)
        #expect(bytes.range(of: Data(token.utf8)) == nil)
        if PacketTools.tshark != nil {
            let shown = try PacketTools.run(PacketTools.tshark, ["-r", pcapng.path, "-V"])
            #expect(shown.status == 0 && !shown.stdout.contains(token))
            #expect(shown.stdout.contains("Authorization: [redacted]"))
        }
    }

    @Test func anExistingOutputIsRefusedWithoutForce() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let har = directory.appendingPathComponent("out.har")
        try Data("keep".utf8).write(to: har)
        let refused = try CommandRunner.run(["export", "--har", har.path, "samples/session.gwcap"])
        #expect(refused.status == 73)
        #expect(refused.stderr.contains("already exists"))
        #expect(try String(contentsOf: har, encoding: .utf8) == "keep")
        let forced = try CommandRunner.run(["export", "--force", "--har", har.path, "samples/session.gwcap"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(try harLog(har)["entries"] as? [Any] != nil)
    }

    @Test func corruptInputLeavesNoFileAndNamesTheByte() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let cut = directory.appendingPathComponent("cut.raw")
        try Data(try CommandRunner.bytes("samples/session-conn1.raw").prefix(700)).write(to: cut)
        let pcapng = directory.appendingPathComponent("out.pcapng")
        let har = directory.appendingPathComponent("out.har")
        let result = try CommandRunner.run(["export", "--pcapng", pcapng.path, "--har", har.path, cut.path])
        #expect(result.status == 65)
        #expect(result.stderr.contains("byte 700: the input ends inside a frame"), "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["cut.raw"])
    }

    @Test func noOutputIsAUsageError() throws {
        let result = try CommandRunner.run(["export", "samples/session.gwcap"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--pcapng"))
    }

    @Test func aRawDumpFromStandardInputGetsASynthesizedRequest() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let har = directory.appendingPathComponent("out.har")
        let result = try CommandRunner.run(
            ["export", "--har", har.path, "-"], stdin: try CommandRunner.bytes("samples/session-conn1.raw"))
        #expect(result.status == 0, "\(result.stderr)")
        let entries = try #require(try harLog(har)["entries"] as? [[String: Any]])
        #expect(entries.count == 1)
        let request = try #require(entries.first?["request"] as? [String: Any])
        #expect(request["url"] as? String == "wss://gateway.discord.gg/?v=10&encoding=json&compress=zlib-stream")
        #expect(entries.first?["startedDateTime"] as? String == "1970-01-01T00:00:00.000Z")
        let messages = try #require(entries.first?["_webSocketMessages"] as? [[String: Any]])
        #expect((messages.first?["data"] as? String)?.contains("heartbeat_interval") == true)
    }
}
