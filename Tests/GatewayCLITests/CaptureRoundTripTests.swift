import Foundation
import Testing
@testable import CaptureFormats
@testable import GatewayCLI

@Suite struct CaptureRoundTripTests {
    static let header = CaptureHeader(
        tool: "gatewayctl 0.1.0", url: "wss://gateway.discord.gg/?v=10&encoding=json&compress=zlib-stream",
        encoding: .json, compression: .zlibStream, started: "2025-01-31T12:00:00.000Z")

    static let token = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.secret-token-value"

    /// A session: connect, upgrade request, 101 response and HELLO, IDENTIFY, a reconnect.
    static let records: [CaptureRecord] = [
        .connectionEvent(CaptureConnectionEvent(kind: .connect, time: .init(microseconds: 0), connection: 1, detail: header.url)),
        .chunk(CaptureChunk(direction: .outbound, time: .init(microseconds: 12), connection: 1,
            bytes: Array("GET /?v=10 HTTP/1.1\r\nHost: gateway.discord.gg\r\n\r\n".utf8))),
        .chunk(CaptureChunk(direction: .inbound, time: .init(microseconds: 48_211), connection: 1,
            bytes: Array("HTTP/1.1 101 Switching Protocols\r\n\r\n".utf8) + [0x81, 0x02, 0x7B, 0x7D])),
        .sent(CaptureSent(time: .init(microseconds: 1_250_000), connection: 1,
            payloadJSON: Array(#"{"op":2,"d":{"token":"[REDACTED]","intents":513,"properties":{"os":"linux"}}}"#.utf8))),
        .chunk(CaptureChunk(direction: .inbound, time: .init(microseconds: 2_000_001), connection: 1, bytes: Array(0...255))),
        .connectionEvent(CaptureConnectionEvent(kind: .disconnect, time: .init(microseconds: 3_000_000), connection: 1, detail: "close 4000")),
        .connectionEvent(CaptureConnectionEvent(kind: .connect, time: .init(microseconds: 3_500_000), connection: 2)),
        .chunk(CaptureChunk(direction: .inbound, time: .init(microseconds: 86_400_000_000), connection: 2, bytes: [])),
        .upstreamChunk(CaptureChunk(direction: .inbound, time: .init(microseconds: 86_400_000_002), connection: 2, bytes: [0x81, 0x02, 0x7B, 0x7D])),
    ]

    static func writeSample(to path: String) throws {
        let writer = try CaptureWriter(path: path, header: header, secrets: [token], syncOnClose: true)
        for record in records { try writer.append(record) }
        try writer.close()
    }

    static func readAll<S: ByteSource>(_ source: S) throws -> (CaptureHeader, [CaptureRecord], CaptureWarning?) {
        var reader = try CaptureReader(source: source)
        var records: [CaptureRecord] = []
        while let record = try reader.next() { records.append(record) }
        return (reader.header, records, reader.warning)
    }

    @Test func writesTheDocumentedLines() throws {
        try withTemporaryPath { path in
            try Self.writeSample(to: path)
            let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.count == Self.records.count + 2)
            #expect(lines.last == "")
            #expect(lines[0] == #"{"type":"header","format":"gatewayctl-capture","version":1,"tool":"gatewayctl 0.1.0","url":"wss://gateway.discord.gg/?v=10&encoding=json&compress=zlib-stream","encoding":"json","compression":"zlib-stream","started":"2025-01-31T12:00:00.000Z"}"#)
            #expect(lines[1] == #"{"type":"event","kind":"connect","t":0.000000,"conn":1,"url":"wss://gateway.discord.gg/?v=10&encoding=json&compress=zlib-stream"}"#)
            #expect(lines[3] == #"{"type":"chunk","dir":"in","t":0.048211,"conn":1,"data":"SFRUUC8xLjEgMTAxIFN3aXRjaGluZyBQcm90b2NvbHMNCg0KgQJ7fQ=="}"#)
            #expect(lines[4] == #"{"type":"sent","t":1.250000,"conn":1,"payload":{"op":2,"d":{"token":"[REDACTED]","intents":513,"properties":{"os":"linux"}}}}"#)
            #expect(lines[6] == #"{"type":"event","kind":"disconnect","t":3.000000,"conn":1,"reason":"close 4000"}"#)
            #expect(lines[8] == #"{"type":"chunk","dir":"in","t":86400.000000,"conn":2,"data":""}"#)
            #expect(lines[9] == #"{"type":"upstream","t":86400.000002,"conn":2,"data":"gQJ7fQ=="}"#)
            // Every line is JSON that Foundation agrees with.
            for line in lines.dropLast() {
                #expect(try JSONSerialization.jsonObject(with: Data(line.utf8)) is [String: Any])
            }
        }
    }

    @Test func readsBackWhatWasWritten() throws {
        try withTemporaryPath { path in
            try Self.writeSample(to: path)
            let (header, records, warning) = try Self.readAll(try InputFile(path: path))
            #expect(header == Self.header)
            #expect(records == Self.records)
            #expect(warning == nil)
        }
    }

    @Test(arguments: [1, 2, 3, 7, 64, 4096])
    func readingDoesNotDependOnReadSizes(readSize: Int) throws {
        try withTemporaryPath { path in
            try Self.writeSample(to: path)
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            let (_, records, warning) = try Self.readAll(MemoryByteSource(bytes, maxReadSize: readSize))
            #expect(records == Self.records)
            #expect(warning == nil)
        }
    }

    @Test func redactsSecretsFromOutboundBytesAndSentPayloads() throws {
        try withTemporaryPath { path in
            let writer = try CaptureWriter(path: path, header: Self.header, secrets: [Self.token])
            try writer.append(.chunk(CaptureChunk(direction: .outbound, time: .init(microseconds: 1), connection: 1,
                bytes: Array("Authorization: Bot \(Self.token)\r\n".utf8))))
            try writer.append(.sent(CaptureSent(time: .init(microseconds: 2), connection: 1,
                payloadJSON: Array(#"{"op":6,"d":{"token":"\#(Self.token)","session_id":"abc","seq":1337}}"#.utf8))))
            // Inbound bytes are what the server sent: never rewritten.
            try writer.append(.chunk(CaptureChunk(direction: .inbound, time: .init(microseconds: 3), connection: 1,
                bytes: Array(Self.token.utf8))))
            try writer.close()
            let file = try String(contentsOfFile: path, encoding: .utf8)
            #expect(!file.contains(Self.token))
            let (_, records, _) = try Self.readAll(try InputFile(path: path))
            #expect(records[0] == .chunk(CaptureChunk(direction: .outbound, time: .init(microseconds: 1), connection: 1,
                bytes: Array("Authorization: Bot [REDACTED]\r\n".utf8))))
            #expect(records[1] == .sent(CaptureSent(time: .init(microseconds: 2), connection: 1,
                payloadJSON: Array(#"{"op":6,"d":{"token":"[REDACTED]","session_id":"abc","seq":1337}}"#.utf8))))
            #expect(records[2] == .chunk(CaptureChunk(direction: .inbound, time: .init(microseconds: 3), connection: 1,
                bytes: Array(Self.token.utf8))))
        }
    }

    @Test func refusesRecordsThatWouldBreakTheFile() throws {
        try withTemporaryPath { path in
            let writer = try CaptureWriter(path: path, header: Self.header)
            let notJSON = CaptureSent(time: .init(microseconds: 0), connection: 1, payloadJSON: Array(#"{"op":1"#.utf8))
            #expect(throws: CaptureError.self) { try writer.append(.sent(notJSON)) }
            #expect(throws: CaptureError.self) { try writer.append(.header(Self.header)) }
            let connectionZero = CaptureChunk(direction: .inbound, time: .init(microseconds: 0), connection: 0, bytes: [1])
            #expect(throws: CaptureError.self) { try writer.append(.chunk(connectionZero)) }
            try writer.close()
            #expect(throws: CaptureError.self) { try writer.append(.chunk(CaptureChunk(direction: .inbound,
                time: .init(microseconds: 0), connection: 1, bytes: [1]))) }
            // Nothing but the header reached the file.
            let (_, records, _) = try Self.readAll(try InputFile(path: path))
            #expect(records.isEmpty)
        }
    }

    @Test func aRecordCutShortByACrashIsAWarningAndTheRestIsKept() throws {
        try withTemporaryPath { path in
            try Self.writeSample(to: path)
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            let lineEnds = bytes.indices.filter { bytes[$0] == 0x0A }
            // Cut inside each record after the header: everything before it survives.
            for (lineIndex, end) in lineEnds.enumerated().dropFirst() {
                let previousEnd = lineEnds[lineIndex - 1]
                // (Cutting only the newline leaves a complete record, which is read: see the next test.)
                for cut in [previousEnd + 2, (previousEnd + end) / 2, end - 1] where cut > previousEnd + 1 {
                    let (_, records, warning) = try Self.readAll(MemoryByteSource(Array(bytes[..<cut])))
                    #expect(Array(records) == Array(Self.records.prefix(lineIndex - 1)))
                    let warningValue = try #require(warning)
                    #expect(warningValue.line == lineIndex + 1)
                    #expect(warningValue.offset == previousEnd + 1)
                }
            }
        }
    }

    @Test func aCompleteLastRecordWithoutItsNewlineIsStillRead() throws {
        var bytes = CaptureRecordEncoder.lineForTests(.header(Self.header))
        bytes += CaptureRecordEncoder.lineForTests(Self.records[2]).dropLast()
        let (_, records, warning) = try Self.readAll(MemoryByteSource(bytes))
        #expect(records == [Self.records[2]])
        #expect(warning == nil)
    }

    @Test func aBrokenRecordInTheMiddleIsAnErrorWithItsLineAndOffset() throws {
        let good = CaptureRecordEncoder.lineForTests(.header(Self.header)) + CaptureRecordEncoder.lineForTests(Self.records[0])
        let cases: [(line: String, message: String, column: Int)] = [
            (#"{"type":"chunk","dir":"in","t":1.0,"conn":1,"data":"gQJ7fQ="}"#, #""data" is not valid base64"#, 60),
            (#"{"type":"chunk","dir":"in","t":1.0,"conn":1,"data":"gQJ7f#=="}"#, #""data" is not valid base64"#, 58),
            (#"{"type":"chunk","dir":"sideways","t":1.0,"conn":1,"data":""}"#, #"dir is "sideways""#, 24),
            (#"{"type":"chunk","dir":"in","t":-1,"conn":1,"data":""}"#, #""t" must be a non-negative number"#, 32),
            (#"{"type":"chunk","dir":"in","t":1,"conn":0,"data":""}"#, #""conn" must be at least 1"#, 41),
            (#"{"type":"chunk","dir":"in","conn":1,"data":""}"#, #""chunk" record has no "t" field"#, 1),
            (#"{"type":"sent","t":1,"conn":1}"#, #""sent" record has no "payload" field"#, 1),
            (#"{"type":"chunk","dir":"in","t":1,"conn":1,"data":""},"#, "unexpected data after the record", 53),
            (#"{"type":"chunk" "dir":"in"}"#, "expected ',' or '}' after a value", 17),
            (#"{"type":"header","format":"gatewayctl-capture","version":1}"#, "a second header record", 1),
            ("not json", "expected '{' to start a record", 1),
        ]
        for (line, message, column) in cases {
            let bytes = good + Array(line.utf8) + [0x0A] + CaptureRecordEncoder.lineForTests(Self.records[1])
            var reader = try CaptureReader(source: MemoryByteSource(bytes))
            #expect(try reader.next() == Self.records[0])
            let error = try #require(throws: CaptureError.self) { _ = try reader.next() }
            #expect(error.kind == .malformedRecord, "\(line)")
            #expect(error.line == 3, "\(line)")
            #expect(error.offset == good.count + column - 1, "\(line): \(error)")
            #expect(error.message.contains(message), "\(line): \(error)")
            #expect(error.exitStatus == .dataError)
        }
    }

    @Test func unknownRecordTypesAndFieldsAreSkippedForForwardCompatibility() throws {
        let lines = [
            #"{"type":"header","format":"gatewayctl-capture","version":1,"tool":"t","url":"u","encoding":"etf","compression":"none","started":"s","extra":[1,{"a":null}]}"#,
            #"{"type":"annotation","text":"hello"}"#,
            "",
            #"{ "data" : "AQI=" , "conn":3, "t":2.5e0, "dir":"in", "type":"chunk", "new":true }"#,
            #"{"type":"event","kind":"pause","t":1,"conn":1}"#,
            #"{"type":"chunk","dir":"in","t":0.1234567,"conn":1,"data":"A\u0051I="}"#,
        ]
        var reader = try CaptureReader(source: MemoryByteSource(Array(lines.joined(separator: "\n").utf8)))
        #expect(reader.header.encoding == .etf)
        #expect(reader.header.compression == WireCompression.none)
        #expect(try reader.next() == .chunk(CaptureChunk(direction: .inbound, time: .init(microseconds: 2_500_000), connection: 3, bytes: [1, 2])))
        #expect(try reader.next() == .chunk(CaptureChunk(direction: .inbound, time: .init(microseconds: 123_457), connection: 1, bytes: [1, 2])))
        #expect(try reader.next() == nil)
        #expect(reader.skippedRecordCount == 2)
    }

    @Test func headerProblemsSayWhatTheFileIs() throws {
        let cases: [(text: String, kind: CaptureError.Kind, message: String)] = [
            ("", .notACapture, "the file is empty"),
            (#"{"type":"chunk","dir":"in","t":0,"conn":1,"data":""}"# + "\n", .notACapture, "not a capture header"),
            (#"{"type":"header","format":"gatewayctl-capture","version":2,"tool":"t","url":"u","encoding":"json","compression":"none","started":"s"}"# + "\n",
                .unsupportedVersion, "version 2 is not supported"),
            (#"{"type":"header","format":"pcap","version":1}"# + "\n", .malformedRecord, #"format is "pcap""#),
            (#"{"type":"header","format":"gatewayctl-capture","version":1,"tool":"t","url":"u","encoding":"xml","compression":"none","started":"s"}"# + "\n",
                .malformedRecord, #"unknown encoding "xml""#),
            (#"{"type":"header","format":"gatewayctl-capture","ver"#, .malformedRecord, "ends inside its header"),
        ]
        for (text, kind, message) in cases {
            let error = try #require(throws: CaptureError.self) { _ = try CaptureReader(source: MemoryByteSource(Array(text.utf8))) }
            #expect(error.kind == kind, "\(text)")
            #expect(error.description.contains(message), "\(error)")
            #expect(error.exitStatus == .dataError)
        }
    }

    @Test func aLineLongerThanTheLimitIsAnError() throws {
        let bytes = CaptureRecordEncoder.lineForTests(.header(Self.header))
            + CaptureRecordEncoder.lineForTests(.chunk(CaptureChunk(direction: .inbound, time: .init(microseconds: 0), connection: 1, bytes: Array(repeating: 7, count: 3000))))
        var reader = try CaptureReader(source: MemoryByteSource(bytes), maxRecordLength: 1000)
        let error = try #require(throws: CaptureError.self) { _ = try reader.next() }
        #expect(error.kind == .recordTooLong)
        #expect(error.line == 2)
    }

    @Test func missingFilesAreNoInput() {
        let error = #expect(throws: InputError.self) { _ = try InputFile(path: "/nonexistent/capture.jsonl") }
        #expect(error?.kind == .cannotOpen)
        #expect(error?.exitStatus == .noInput)
        #expect(ProcessExitStatus(for: error ?? InputError(.readFailed, path: "", "")) == .noInput)
    }

    @Test func timeOffsetsPrintWithMicroseconds() {
        #expect(CaptureTimeOffset(microseconds: 0).description == "0.000000")
        #expect(CaptureTimeOffset(microseconds: 12_000_250).description == "12.000250")
        #expect(CaptureTimeOffset(microseconds: -5).microseconds == 0)
    }
}

extension CaptureRecordEncoder {
    static func lineForTests(_ record: CaptureRecord) -> [UInt8] {
        (try? line(for: record, redacting: [])) ?? []
    }
}
