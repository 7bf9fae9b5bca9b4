import Foundation
import Testing
@testable import CaptureFormats
@testable import GatewayCLI

/// `gatewayctl replay` run as a user runs it, against the committed samples.
@Suite(.enabled(if: CommandRunner.binary != nil)) struct ReplayCommandTests {
    static let recording = "samples/session.gwcap"
    static let rawDump = "samples/session-conn1.raw"
    static let framesDump = "samples/session-conn1-frames.raw"
    static let golden = "Tests/GatewayCLITests/Fixtures/replay/"

    @Test func prettyOutputOfTheSampleIsExact() throws {
        let result = try CommandRunner.run(["replay", "--format", "pretty", "--color", "never", Self.recording])
        #expect(result.status == 0)
        #expect(result.stderr == "")
        #expect(result.stdout == (try CommandRunner.fixture(Self.golden + "session.pretty")))
    }

    @Test func jsonLinesOutputOfTheSampleIsExact() throws {
        let result = try CommandRunner.run(["replay", "--format", "jsonl", Self.recording])
        #expect(result.status == 0)
        #expect(result.stdout == (try CommandRunner.fixture(Self.golden + "session.jsonl")))
        // Every line is one JSON object with a kind.
        for line in result.lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["kind"] is String)
        }
    }

    @Test func jsonLinesIsTheDefaultWhenNotOnATerminal() throws {
        let result = try CommandRunner.run(["replay", Self.recording])
        #expect(result.stdout == (try CommandRunner.fixture(Self.golden + "session.jsonl")))
    }

    @Test func theSampleShowsTheWholeSession() throws {
        let lines = try CommandRunner.run(["replay", "--format", "jsonl", Self.recording]).lines
        let events = lines.filter { $0.hasPrefix("{\"kind\":\"event\"") }
        let names = events.compactMap { line -> String? in
            guard let range = line.range(of: "\"t\":\"") else { return nil }
            return String(line[range.upperBound...].prefix { $0 != "\"" })
        }
        #expect(names == ["READY", "GUILD_CREATE", "MESSAGE_CREATE", "MESSAGE_CREATE", "TYPING_START", "MESSAGE_CREATE", "RESUMED", "MESSAGE_CREATE"])
        let sent = lines.filter { $0.hasPrefix("{\"kind\":\"sent\"") }
        #expect(sent.count == 4)
        #expect(sent.allSatisfy { !$0.contains(SampleSession.token) })
        #expect(sent[0].contains("\"token\":\"[redacted]\""))
        #expect(lines.contains { $0.contains("\"op\":11") && $0.contains("\"latency\":0.031000") })
        #expect(lines.contains { $0.contains("\"kind\":\"close\"") && $0.contains("\"code\":4000") && $0.contains("\"resume\":true") })
        #expect(lines.contains { $0.contains("\"kind\":\"close\"") && $0.contains("\"code\":1000") && $0.contains("\"resume\":false") })
        // `d` exactly as received: the emoji and accent as UTF-8, key order kept.
        #expect(lines.contains { $0.contains("\"content\":\"héllo again 👋\"") })
    }

    @Test(arguments: [1, 2, 3, 7, 64, 1000])
    func outputDoesNotDependOnChunking(size: Int) throws {
        let cases: [(arguments: [String], golden: String)] = [
            ([Self.recording], "session.jsonl"),
            ([Self.rawDump], "session-conn1.raw.jsonl"),
            (["--no-handshake", Self.framesDump], "session-conn1-frames.raw.jsonl"),
        ]
        for (arguments, golden) in cases {
            let result = try CommandRunner.run(["replay", "--format", "jsonl", "--chunk-size", String(size)] + arguments)
            #expect(result.status == 0)
            #expect(result.stdout == (try CommandRunner.fixture(Self.golden + golden)), "chunk size \(size), \(arguments)")
        }
    }

    @Test func rawDumpsAreDetectedAndSniffed() throws {
        let result = try CommandRunner.run(["replay", "--format", "jsonl", Self.rawDump])
        #expect(result.status == 0)
        #expect(result.stdout == (try CommandRunner.fixture(Self.golden + "session-conn1.raw.jsonl")))
        #expect(result.lines[0].contains("a raw inbound dump with the handshake"))
        #expect(result.lines[1].contains("format: json, zlib-stream"))
    }

    @Test func aDumpWithoutTheHandshakeGivesTheSameEventsAtTheSameFileOffsets() throws {
        let withHandshake = try CommandRunner.run(["replay", "--format", "jsonl", Self.rawDump]).lines
        let without = try CommandRunner.run(["replay", "--format", "jsonl", "--no-handshake", Self.framesDump]).lines
        let responseLength = 129
        func payloads(_ lines: [String]) -> [String] { lines.filter { $0.contains("\"kind\":\"event\"") } }
        #expect(payloads(withHandshake) == payloads(without))
        let firstFrame = without.first { $0.contains("\"kind\":\"frame\"") }
        #expect(firstFrame?.contains("\"offset\":0,") == true)
        #expect(withHandshake.first { $0.contains("\"kind\":\"frame\"") }?.contains("\"offset\":\(responseLength),") == true)
    }

    @Test func summaryInBothFormats() throws {
        let pretty = try CommandRunner.run(["replay", "--summary", "--quiet", "--format", "pretty", "--color", "never", Self.recording])
        #expect(pretty.status == 0)
        #expect(pretty.stdout == (try CommandRunner.fixture(Self.golden + "session.summary")))
        let json = try CommandRunner.run(["replay", "--summary", "--quiet", "--format", "jsonl", Self.recording])
        #expect(json.stdout == (try CommandRunner.fixture(Self.golden + "session.summary.jsonl")))
    }

    @Test func filtersByEventNameAndOpcode() throws {
        let messages = try CommandRunner.run(["replay", "--format", "jsonl", "--event", "message_create", Self.recording])
        #expect(messages.lines.count == 4)
        #expect(messages.lines.allSatisfy { $0.contains("\"t\":\"MESSAGE_CREATE\"") })
        let heartbeats = try CommandRunner.run(["replay", "--format", "jsonl", "--op", "1", "--op", "11", Self.recording])
        #expect(heartbeats.lines.count == 4)
        #expect(heartbeats.lines.filter { $0.hasPrefix("{\"kind\":\"sent\"") }.count == 2)
        let withFrames = try CommandRunner.run(["replay", "--format", "jsonl", "--op", "7", "--frames", Self.recording])
        #expect(withFrames.lines.contains { $0.contains("\"kind\":\"frame\"") })
        let noFrames = try CommandRunner.run(["replay", "--format", "jsonl", "--no-frames", Self.recording])
        #expect(!noFrames.stdout.contains("\"kind\":\"frame\""))
    }

    @Test func colorsFollowTheFlagAndNoColor() throws {
        let always = try CommandRunner.run(["replay", "--format", "pretty", "--color", "always", Self.recording])
        #expect(always.stdout.contains("\u{1B}["))
        let never = try CommandRunner.run(["replay", "--format", "pretty", "--color", "never", Self.recording])
        #expect(!never.stdout.contains("\u{1B}["))
        // auto: not a terminal here, so no colors, and NO_COLOR changes nothing.
        let auto = try CommandRunner.run(["replay", "--format", "pretty", Self.recording], environment: ["NO_COLOR": "1"])
        #expect(!auto.stdout.contains("\u{1B}["))
        let options = try OutputOptions.parse(["--format", "pretty"])
        #expect(options.resolved(standardOutputIsTerminal: true, noColor: nil) == (.pretty, true))
        #expect(options.resolved(standardOutputIsTerminal: true, noColor: "1") == (.pretty, false))
        #expect(options.resolved(standardOutputIsTerminal: true, noColor: "") == (.pretty, true))
        let jsonl = try OutputOptions.parse(["--color", "always"])
        #expect(jsonl.resolved(standardOutputIsTerminal: false, noColor: nil) == (.jsonl, false))
    }

    @Test func readsStandardInput() throws {
        let result = try CommandRunner.run(["replay", "--format", "jsonl", "-"], stdin: try CommandRunner.bytes(Self.recording))
        #expect(result.status == 0)
        let expected = try CommandRunner.fixture(Self.golden + "session.jsonl")
        #expect(result.stdout == expected.replacingOccurrences(of: Self.recording + ":", with: "-:"))
    }

    // MARK: Bad input

    @Test func aMissingFileExits66() throws {
        let result = try CommandRunner.run(["replay", "no/such/capture.gwcap"])
        #expect(result.status == 66)
        #expect(result.stderr.contains("no/such/capture.gwcap: cannot open"))
        #expect(try CommandRunner.run(["replay", "samples"]).status == 66)
    }

    @Test func usageErrorsExit64() throws {
        #expect(try CommandRunner.run(["replay", "--chunk-size", "0", Self.recording]).status == 64)
        #expect(try CommandRunner.run(["replay", "--format", "xml", Self.recording]).status == 64)
        #expect(try CommandRunner.run(["replay"]).status == 64)
    }

    @Test(arguments: [150, 250, 700, 760])
    func aTruncatedDumpShowsWhatCameBeforeAndExits65(cut: Int) throws {
        let dump = try CommandRunner.bytes(Self.rawDump)
        try withTemporaryPath("cut.raw") { path in
            try Data(dump.prefix(cut)).write(to: URL(fileURLWithPath: path))
            let result = try CommandRunner.run(["replay", "--format", "jsonl", path])
            #expect(result.status == 65)
            #expect(result.stderr.contains("the input ends inside a frame"))
            #expect(result.stderr.contains("byte \(cut)"))
            let last = result.lines.last ?? ""
            #expect(last.hasPrefix("{\"kind\":\"error\"") && last.contains("\"offset\":\(cut)"))
            // Everything before the fault is shown: the lines match the full replay's.
            let full = try CommandRunner.fixture(Self.golden + "session-conn1.raw.jsonl")
                .replacingOccurrences(of: Self.rawDump, with: path)
            let shown = result.lines.dropLast().filter { !$0.contains("\"kind\":\"info\"") }
            #expect(shown.allSatisfy { full.contains($0) })
        }
    }

    @Test func aDumpCutBetweenFramesIsADroppedConnectionNotAnError() throws {
        let dump = try CommandRunner.bytes(Self.rawDump)
        try withTemporaryPath("cut.raw") { path in
            try Data(dump.prefix(675)).write(to: URL(fileURLWithPath: path))
            let result = try CommandRunner.run(["replay", "--format", "jsonl", path])
            #expect(result.status == 0)
            #expect(result.lines.last?.contains("\"cause\":\"connection dropped without a close frame\"") == true)
        }
    }

    /// Regression: a dump cut inside the server's HTTP response replayed as a dropped connection, exit 0.
    @Test(arguments: [5, 44, 128])
    func aDumpCutInsideItsHTTPResponseIsAnError(cut: Int) throws {
        let dump = try CommandRunner.bytes(Self.rawDump)
        try withTemporaryPath("cut.raw") { path in
            try Data(dump.prefix(cut)).write(to: URL(fileURLWithPath: path))
            let result = try CommandRunner.run(["replay", "--format", "jsonl", path])
            #expect(result.status == 65)
            #expect(result.stderr.contains("byte \(cut): the input ends inside the handshake: \(cut) bytes of the HTTP response"))
            #expect(result.lines.last?.hasPrefix("{\"kind\":\"error\"") == true)
            #expect(result.lines.last?.contains("\"offset\":\(cut),") == true)
        }
    }

    /// Regression: an empty dump read with --no-handshake replayed as a dropped connection, exit 0.
    @Test func anEmptyDumpIsAnErrorEvenWithoutHandshake() throws {
        for input in [["-"], ["/dev/null"]] {
            let result = try CommandRunner.run(["replay", "--no-handshake"] + input, stdin: [])
            #expect(result.status == 65)
            #expect(result.stderr.contains("byte 0: the input is empty"))
        }
    }

    @Test func aBrokenFrameHeaderNamesItsOffset() throws {
        var dump = try CommandRunner.bytes(Self.rawDump)
        dump[631] |= 0x40  // RSV2 on the frame at 631
        try withTemporaryPath("broken.raw") { path in
            try Data(dump).write(to: URL(fileURLWithPath: path))
            let result = try CommandRunner.run(["replay", "--format", "pretty", "--color", "never", path])
            #expect(result.status == 65)
            #expect(result.stderr.contains("byte 631"))
            #expect(result.stdout.contains("DISPATCH MESSAGE_CREATE s=3"))
            #expect(!result.stdout.contains("s=4"))
        }
    }

    @Test func anUndecodableMessageNamesItsFrame() throws {
        var dump = try CommandRunner.bytes(Self.rawDump)
        // The MESSAGE_CREATE at 631 (2-byte header): garble its deflate data.
        for index in 641..<651 { dump[index] ^= 0xFF }
        for size in [1, 5, 100_000] {
            try withTemporaryPath("garbled.raw") { path in
                try Data(dump).write(to: URL(fileURLWithPath: path))
                let result = try CommandRunner.run(["replay", "--format", "jsonl", "--chunk-size", String(size), path])
                #expect(result.status == 65)
                #expect(result.stderr.contains("byte 631"))
                #expect(result.stderr.contains("undecodable payload"))
                let events = result.lines.filter { $0.contains("\"kind\":\"event\"") }
                #expect(events.count == 4, "chunk size \(size)")
                #expect(result.lines.last?.hasPrefix("{\"kind\":\"error\",") == true)
            }
        }
    }

    @Test func aBrokenCaptureLineNamesItsLine() throws {
        var lines = try CommandRunner.fixture(Self.recording).split(separator: "\n").map(String.init)
        lines[8] = "{\"type\":\"chunk\",\"dir\":\"in\""
        try withTemporaryPath("broken.gwcap") { path in
            try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
            let result = try CommandRunner.run(["replay", "--format", "jsonl", path])
            #expect(result.status == 65)
            #expect(result.stderr.contains("line 9"))
            #expect(result.lines.contains { $0.contains("\"t\":\"READY\"") })
            #expect(result.lines.last?.hasPrefix("{\"kind\":\"error\"") == true)
        }
    }

    /// Regression: a `sent` record whose payload does not decode ended the replay without the
    /// JSON Lines `error` line (the message went to standard error only).
    @Test func aBrokenSentPayloadNamesItsLineInBothStreams() throws {
        var lines = try CommandRunner.fixture(Self.recording).split(separator: "\n").map(String.init)
        // Line 6 is IDENTIFY: break the UTF-8 of one of its strings.
        lines[5] = lines[5].replacingOccurrences(of: "\"linux\"", with: "\"linu\u{FFFD}\"")
        var bytes = Array((lines.joined(separator: "\n") + "\n").utf8)
        let replaced = try #require(bytes.firstRange(of: Array("\u{FFFD}".utf8)))
        bytes.replaceSubrange(replaced, with: [0xF4, 0x90, 0x80])
        try withTemporaryPath("broken.gwcap") { path in
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let result = try CommandRunner.run(["replay", "--format", "jsonl", path])
            #expect(result.status == 65)
            #expect(result.stderr.contains("capture line 6: the sent payload is not a gateway payload"))
            #expect(result.lines.contains { $0.contains("\"op\":10") }, "HELLO, before it, is shown")
            let last = try #require(result.lines.last)
            #expect(last.hasPrefix("{\"kind\":\"error\"") && last.contains("capture line 6"), "\(last)")
        }
    }

    @Test func aCaptureCutShortWhileRecordingEndsWithAWarning() throws {
        let text = try CommandRunner.fixture(Self.recording)
        try withTemporaryPath("cut.gwcap") { path in
            try Data(text.utf8.prefix(text.utf8.count - 30)).write(to: URL(fileURLWithPath: path))
            let result = try CommandRunner.run(["replay", "--format", "jsonl", path])
            #expect(result.status == 0)
            let lineCount = text.split(separator: "\n").count
            #expect(result.stdout.contains("warning: line \(lineCount)"))
            #expect(result.stdout.contains("cut short"))
        }
    }

    @Test func inputOfNoKnownKindExits65() throws {
        let result = try CommandRunner.run(["replay", "-"], stdin: Array("garbage, not a capture".utf8))
        #expect(result.status == 65)
        #expect(result.stderr.contains("neither a capture recording"))
        #expect(try CommandRunner.run(["replay", "-"], stdin: []).status == 65)
    }

    @Test func everyCommandExplainsItselfWithExamples() throws {
        for command in ["replay", "decode", "handshake"] {
            let result = try CommandRunner.run([command, "--help"])
            #expect(result.status == 0)
            #expect(result.stdout.contains("Examples:"), "\(command)")
            #expect(result.stdout.contains("USAGE: gatewayctl \(command)"))
        }
        let root = try CommandRunner.run(["--help"])
        for command in ["replay", "decode", "handshake"] { #expect(root.stdout.contains(command)) }
    }
}

/// The committed sample is what the project's own code generates.
@Suite struct SampleSessionTests {
    @Test func regeneratingGivesIdenticalBytes() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sample-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try SampleSession.write(to: directory.path)
        for name in [SampleSession.recordingName, SampleSession.rawDumpName, SampleSession.framesDumpName] {
            let made = try Data(contentsOf: directory.appendingPathComponent(name))
            let committed = try Data(contentsOf: CommandRunner.repositoryRoot.appendingPathComponent("samples/\(name)"))
            #expect(made == committed, "\(name)")
        }
    }

    @Test func theTokenNeverReachesTheFiles() throws {
        for name in [SampleSession.recordingName, SampleSession.rawDumpName] {
            let text = try CommandRunner.fixture("samples/\(name)")
            #expect(!text.contains(SampleSession.token))
        }
    }
}
