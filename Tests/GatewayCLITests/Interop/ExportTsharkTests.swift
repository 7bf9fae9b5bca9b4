import DiscordGateway
import Foundation
import Testing

/// `gatewayctl export --pcapng` read back by the real tshark: every WebSocket payload it
/// dissects must be the capture's decompressed payload, in order, both ways, with nothing
/// malformed, no TCP analysis flag and the payload comments on the packets.
@Suite(.enabled(if: PacketTools.tsharkTestsEnabled && CommandRunner.binary != nil)) struct ExportTsharkTests {
    /// The formats a capture can have: ETF has no payload compression (Discord's is for JSON).
    static let formats: [(GatewayEncoding, GatewayCompression)] = [
        (.json, .none), (.json, .payload), (.json, .zlibStream), (.json, .zstdStream),
        (.etf, .none), (.etf, .zlibStream), (.etf, .zstdStream),
    ]

    private func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// tshark's fields of `file`'s packets matching `filter`, one row per packet.
    private func fields(_ file: String, _ filter: String, _ names: [String]) throws -> [[String]] {
        let output = try PacketTools.run(
            PacketTools.tshark, ["-r", file, "-Y", filter, "-T", "fields", "-E", "separator=/t"] + names.flatMap { ["-e", $0] })
        #expect(output.status == 0, "\(output.stderr)")
        return output.stdout.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
    }

    /// Bytes of tshark's hex (`0a1b...`, with or without colons).
    private func bytes(hex: String) -> [UInt8] {
        let digits = Array(hex.replacingOccurrences(of: ":", with: "").utf8)
        return stride(from: 0, to: digits.count - 1, by: 2).compactMap { UInt8(String(decoding: digits[$0...$0 + 1], as: UTF8.self), radix: 16) }
    }

    @Test(arguments: formats)
    func tsharkDissectsEveryPayloadDecompressed(encoding: GatewayEncoding, compression: GatewayCompression) throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let capture = directory.appendingPathComponent("in.gwcap").path
        let expected = try ExportCaptureBuilder.write(to: capture, encoding: encoding, compression: compression)
        let pcapng = directory.appendingPathComponent("out.pcapng").path
        let result = try CommandRunner.run(["export", "--pcapng", pcapng, capture])
        #expect(result.status == 0, "\(result.stderr)")

        let rows = try fields(
            pcapng, "websocket.opcode == 1 || websocket.opcode == 2",
            ["ip.src", "websocket.opcode", "websocket.mask", "websocket.payload.text", "data.data", "frame.comment"])
        #expect(rows.count == expected.count)
        for (row, want) in zip(rows, expected) {
            try #require(row.count == 6, "\(row)")
            #expect(row[0] == (want.outbound ? "10.0.0.1" : "10.0.0.2"))
            #expect(row[1] == (encoding == .etf ? "2" : "1"))
            #expect(row[2] == (want.outbound ? "1" : "0") || row[2] == (want.outbound ? "True" : "False"))
            let dissected = encoding == .etf ? bytes(hex: row[4]) : Array(row[3].utf8)
            #expect(dissected == want.payload, "\(row)")
            #expect(row[5].hasPrefix(want.comment), "\(row[5]) should start with \(want.comment)")
        }
        // Nothing malformed, no warning or error from any dissector, no TCP analysis flag.
        #expect(try fields(pcapng, "_ws.malformed || _ws.expert.severity >= 0x00600000", ["frame.number"]).isEmpty)
        #expect(try fields(pcapng, "tcp.analysis.flags", ["frame.number"]).isEmpty)
        // HTTP shows both upgrades; the token never reaches the file.
        #expect(try fields(pcapng, "http.request.method == \"GET\"", ["frame.number"]).count == 2)
        #expect(try fields(pcapng, "http.response.code == 101", ["frame.number"]).count == 2)
        let file = try Data(contentsOf: URL(fileURLWithPath: pcapng))
        #expect(file.range(of: Data(ExportCaptureBuilder.token.utf8)) == nil)
    }

    @Test func theSampleSessionExportsWithItsCommentsAndIsReproducible() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = directory.appendingPathComponent("a.pcapng").path
        let second = directory.appendingPathComponent("b.pcapng").path
        for path in [first, second] {
            let result = try CommandRunner.run(["export", "--pcapng", path, "samples/session.gwcap"])
            #expect(result.status == 0, "\(result.stderr)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: first)) == Data(contentsOf: URL(fileURLWithPath: second)))
        let comments = try fields(first, "websocket", ["frame.comment"]).map { $0.first ?? "" }
        #expect(comments.contains("op 0 DISPATCH READY s=1 (221 bytes compressed, zlib-stream)"))
        #expect(comments.contains { $0.hasPrefix("op 11 HEARTBEAT_ACK") })
        #expect(comments.contains { $0.hasPrefix("sent op 2 IDENTIFY") })
        #expect(comments.contains { $0.hasPrefix("sent op 6 RESUME") })
        let times = try fields(first, "frame.number == 1", ["frame.time_epoch"])
        #expect(times.first?.first?.hasPrefix("1735689600.000000") == true)
    }

    @Test func aRawDumpWithoutHandshakeGetsASynthesizedUpgrade() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let pcapng = directory.appendingPathComponent("raw.pcapng").path
        let result = try CommandRunner.run(
            ["export", "--pcapng", pcapng, "--no-handshake", "samples/session-conn1-frames.raw"])
        #expect(result.status == 0, "\(result.stderr)")
        let upgrade = try fields(pcapng, "http", ["http.request.method", "http.response.code", "frame.comment"])
        #expect(upgrade.count == 2)
        #expect(upgrade.allSatisfy { $0.last?.contains("synthesized") == true })
        let first = try fields(pcapng, "websocket", ["websocket.payload.text", "frame.time_epoch"]).first
        #expect(first?.first?.contains("heartbeat_interval") == true)
        #expect(first?.last?.hasPrefix("0.00000") == true)
        #expect(try fields(pcapng, "tcp.analysis.flags || _ws.malformed", ["frame.number"]).isEmpty)
    }
}
