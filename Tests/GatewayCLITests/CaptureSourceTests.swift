import Foundation
import Testing
@testable import CaptureFormats
@testable import GatewayCLI

@Suite struct CaptureSourceTests {
    static let dump = Array("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n".utf8) + [0x81, 0x02, 0x7B, 0x7D]

    static func readDump<S: ByteSource>(_ reader: inout RawDumpReader<S>) throws -> [RawDumpChunk] {
        var chunks: [RawDumpChunk] = []
        while let chunk = try reader.next() { chunks.append(chunk) }
        return chunks
    }

    @Test func detectsARecording() throws {
        let bytes = CaptureRecordEncoder.lineForTests(.header(CaptureRoundTripTests.header))
            + CaptureRecordEncoder.lineForTests(CaptureRoundTripTests.records[2])
        let (source, reason) = try CaptureSource.open(MemoryByteSource(bytes, maxReadSize: 5))
        guard case .recording(var reader) = source else {
            Issue.record("not read as a recording")
            return
        }
        #expect(reason.contains("capture recording"))
        #expect(reader.header == CaptureRoundTripTests.header)
        #expect(try reader.next() == CaptureRoundTripTests.records[2])
        #expect(try reader.next() == nil)
    }

    @Test(arguments: [1, 3, 16, 1000])
    func detectsARawDumpWithTheHandshakeAndKeepsEveryByte(chunkSize: Int) throws {
        let (source, reason) = try CaptureSource.open(MemoryByteSource(Self.dump, maxReadSize: 7), rawChunkSize: chunkSize)
        guard case .rawDump(var reader) = source else {
            Issue.record("not read as a raw dump")
            return
        }
        #expect(reason.contains("with the handshake"))
        #expect(reader.startsWithHandshake)
        let chunks = try Self.readDump(&reader)
        #expect(chunks.flatMap(\.bytes) == Self.dump)
        #expect(chunks.allSatisfy { $0.bytes.count <= chunkSize && !$0.bytes.isEmpty })
        #expect(chunks.map(\.offset) == chunks.indices.map { chunks[..<$0].reduce(0) { $0 + $1.bytes.count } })
    }

    @Test func detectsARawDumpStartingAtAFrame() throws {
        let bytes: [UInt8] = [0x81, 0x02, 0x7B, 0x7D, 0x88, 0x02, 0x03, 0xE8]
        let (source, reason) = try CaptureSource.open(MemoryByteSource(bytes))
        guard case .rawDump(var reader) = source else {
            Issue.record("not read as a raw dump")
            return
        }
        #expect(reason.contains("without the handshake"))
        #expect(!reader.startsWithHandshake)
        #expect(try Self.readDump(&reader).flatMap(\.bytes) == bytes)
    }

    @Test func noHandshakeFlagOverridesDetection() throws {
        let (source, reason) = try CaptureSource.open(MemoryByteSource(Self.dump), layout: .rawDumpWithoutHandshake)
        guard case .rawDump(var reader) = source else {
            Issue.record("not read as a raw dump")
            return
        }
        #expect(reason.contains("--no-handshake"))
        #expect(try Self.readDump(&reader).flatMap(\.bytes) == Self.dump)
    }

    @Test func refusesInputOfNoKnownKind() throws {
        for bytes in [[], Array("PK\u{03}\u{04}".utf8)] as [[UInt8]] {
            let error = try #require(throws: CaptureError.self) { _ = try CaptureSource.open(MemoryByteSource(bytes)) }
            #expect(error.kind == .notACapture)
            #expect(error.exitStatus == .dataError)
        }
    }

    @Test func readsFilesFromDisk() throws {
        try withTemporaryPath("dump.bin") { path in
            try Data(Self.dump).write(to: URL(fileURLWithPath: path))
            let (source, _) = try CaptureSource.open(try InputFile(path: path))
            guard case .rawDump(var reader) = source else {
                Issue.record("not read as a raw dump")
                return
            }
            #expect(try Self.readDump(&reader).flatMap(\.bytes) == Self.dump)
        }
    }
}
