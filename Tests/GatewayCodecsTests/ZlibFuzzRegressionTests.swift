import Testing

@testable import GatewayCodecs

/// Inputs found by the `zlib-standalone` fuzz target (see Fuzz/README.md),
/// reduced to their smallest form.
@Suite("zlib fuzz regressions")
struct ZlibFuzzRegressionTests {
    // zlib.compress(b'x').hex()
    static let oneByte: [UInt8] = hex("789cab000000790079")
    // zlib.compress(b'').hex()
    static let empty: [UInt8] = hex("789c030000000001")

    /// Found by zlib-standalone: a cap of 0 still allocated one byte of room,
    /// and a one-byte stream inflated into it, returning output beyond the cap.
    @Test func aCapOfZeroRefusesAOneByteStream() {
        do {
            let output = try ZlibStandalone.decompress(Self.oneByte, limit: 0)
            Issue.record("inflated \(output) under a cap of 0")
        } catch {
            #expect(error.kind == .limitExceeded)
        }
    }

    @Test func aCapOfZeroAcceptsAnEmptyStream() throws {
        #expect(try ZlibStandalone.decompress(Self.empty, limit: 0) == [])
        #expect(try ZlibStandalone.decompress(Self.empty, limit: 0, expectedSize: 0) == [])
        #expect(try ZlibStandalone.decompress(Self.empty, limit: 100, expectedSize: 0) == [])
    }

    @Test func aCapOfOneAcceptsAOneByteStream() throws {
        #expect(try ZlibStandalone.decompress(Self.oneByte, limit: 1) == Array("x".utf8))
        #expect(try ZlibStandalone.decompress(Self.oneByte, limit: 1, expectedSize: 1) == Array("x".utf8))
    }

    @Test func announcingZeroBytesForAOneByteStreamFails() {
        do {
            let output = try ZlibStandalone.decompress(Self.oneByte, limit: 100, expectedSize: 0)
            Issue.record("inflated \(output) although 0 bytes were announced")
        } catch {
            #expect(error.kind == .limitExceeded || error.kind == .corruptZlib)
        }
    }
}
