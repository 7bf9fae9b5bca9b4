import SeededRandom
import Testing
@testable import GatewayCodecs

/// Vectors made with Python's zlib: `zlib.compress(b'{"op":11}')` etc.
@Suite struct ZlibStandaloneTests {
    // zlib.compress(b'{"op":11,"d":null}').hex()
    static let heartbeatAck: [UInt8] = hex("789cab56ca2f50b23234d4514a51b2ca2bcdc9a9050030960581")

    @Test func inflatesACompleteStream() throws {
        let output = try ZlibStandalone.decompress(Self.heartbeatAck, limit: 1 << 20)
        #expect(String(decoding: output, as: UTF8.self) == #"{"op":11,"d":null}"#)
    }

    @Test func inflatesExactlyAtTheLimit() throws {
        let output = try ZlibStandalone.decompress(Self.heartbeatAck, limit: 18)
        #expect(output.count == 18)
    }

    @Test func refusesOneByteOverTheLimit() {
        #expect(throws: DecompressionError.self) { try ZlibStandalone.decompress(Self.heartbeatAck, limit: 17) }
        do {
            _ = try ZlibStandalone.decompress(Self.heartbeatAck, limit: 17)
        } catch {
            #expect(error.kind == .limitExceeded)
        }
    }

    @Test func reportsTruncation() {
        for length in 0..<Self.heartbeatAck.count {
            do {
                _ = try ZlibStandalone.decompress(Array(Self.heartbeatAck.prefix(length)), limit: 1 << 20)
                Issue.record("prefix of \(length) bytes inflated")
            } catch {
                #expect([.truncatedZlib, .corruptZlib].contains(error.kind), "prefix \(length): \(error)")
            }
        }
    }

    @Test func reportsTrailingBytes() {
        do {
            _ = try ZlibStandalone.decompress(Self.heartbeatAck + [0x00], limit: 1 << 20)
            Issue.record("trailing byte accepted")
        } catch {
            #expect(error.kind == .trailingData)
            #expect(error.offset == Self.heartbeatAck.count)
        }
    }

    @Test func checksTheAnnouncedSize() throws {
        // ETF COMPRESSED terms announce the inflated size.
        #expect(try ZlibStandalone.decompress(Self.heartbeatAck, limit: 1 << 20, expectedSize: 18).count == 18)
        for (announced, kind) in [(17, DecompressionError.Kind.corruptZlib), (19, .corruptZlib), (-1, .corruptZlib)] {
            let error = #expect(throws: DecompressionError.self, "announced \(announced)") {
                try ZlibStandalone.decompress(Self.heartbeatAck, limit: 1 << 20, expectedSize: announced)
            }
            #expect(error?.kind == kind, "announced \(announced)")
        }
        let error = #expect(throws: DecompressionError.self) {
            try ZlibStandalone.decompress(Self.heartbeatAck, limit: 10, expectedSize: 18)
        }
        #expect(error?.kind == .limitExceeded)
    }

    @Test func inflatesAStreamLargerThanOneChunk() throws {
        var generator = SplitMix64(seed: 1)
        let payload = (0..<2000).flatMap { samplePayload(index: $0, using: &generator) }
        let compressed = ZlibStandalone.compress(payload)
        #expect(try ZlibStandalone.decompress(compressed, limit: payload.count) == payload)
        #expect(try ZlibStandalone.decompress(compressed, limit: 1 << 30, expectedSize: payload.count) == payload)
    }

    @Test func reportsABadHeader() {
        do {
            _ = try ZlibStandalone.decompress([0x78, 0x00, 0x01, 0x02], limit: 1 << 20)
            Issue.record("bad header accepted")
        } catch {
            #expect(error.kind == .corruptZlib)
        }
    }
}

func hex(_ text: String) -> [UInt8] {
    var bytes: [UInt8] = []
    var iterator = text.unicodeScalars.makeIterator()
    while let high = iterator.next(), let low = iterator.next() {
        if let value = UInt8(String(high) + String(low), radix: 16) { bytes.append(value) }
    }
    return bytes
}
