import Testing

@testable import GatewayCLI

/// The cipher suite read off a ServerHello, for `--verbose`.
@Suite struct TLSServerHelloSnifferTests {
    /// RFC 8448 section 3 (a simple 1-RTT handshake): the server's first record, its ServerHello.
    static let rfc8448ServerHello: [UInt8] = hex(
        """
        16 03 03 00 5a 02 00 00 56 03 03 a6 af 06 a4 12 18 60 dc 5e 6e 60 24 9c d3 4c 95 93 0c 8a c5
        cb 14 34 da c1 55 77 2e d3 e2 69 28 00 13 01 00 00 2e 00 33 00 24 00 1d 00 20 c9 82 88 76 11
        20 95 fe 66 76 2b db f7 c6 72 e1 56 d6 cc 25 3b 83 3d f1 dd 69 b1 b0 4e 75 1f 0f 00 2b 00 02
        03 04
        """)

    static func hex(_ text: String) -> [UInt8] {
        text.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { UInt8($0, radix: 16) }
    }

    @Test func rfc8448sServerHelloChoosesAES128GCM() {
        #expect(TLSServerHelloSniffer.parse(Self.rfc8448ServerHello) == .cipherSuite(0x1301))
        #expect(TLSServerHelloSniffer.name(of: 0x1301) == "TLS_AES_128_GCM_SHA256")
        #expect(TLSServerHelloSniffer.name(of: 0x00FF) == "cipher suite 0xFF")
    }

    @Test func byteByByteGivesTheSameAnswerOnlyOnceItIsThere() {
        var sniffer = TLSServerHelloSniffer()
        for (index, byte) in Self.rfc8448ServerHello.enumerated() {
            [byte].withUnsafeBytes { sniffer.feed($0) }
            // The suite is bytes 44 and 45 of the record (its session id is empty).
            #expect((sniffer.outcome != nil) == (index >= 45), "after byte \(index)")
        }
        #expect(sniffer.outcome == .cipherSuite(0x1301))
    }

    @Test func anythingElseIsNotFoundWithoutWaitingForever() {
        #expect(TLSServerHelloSniffer.parse(Array("HTTP/1.1 400 Bad Request\r\n".utf8)) == .notFound)
        // A ClientHello (type 1) is no ServerHello.
        #expect(TLSServerHelloSniffer.parse([0x16, 0x03, 0x01, 0x00, 0x40, 0x01]) == .notFound)
        // A session id longer than the record holds.
        var cut = Self.rfc8448ServerHello
        cut[43] = 0xFF
        #expect(TLSServerHelloSniffer.parse(cut) == .notFound)
        // Too few bytes to tell: wait; the buffer is bounded all the same.
        #expect(TLSServerHelloSniffer.parse([0x16, 0x03]) == nil)
        var sniffer = TLSServerHelloSniffer()
        let header: [UInt8] = [0x16, 0x03, 0x03, 0xFF, 0xFF, 0x02, 0x00, 0xFF, 0xFF, 0x03, 0x03]
        header.withUnsafeBytes { sniffer.feed($0) }
        #expect(sniffer.outcome == nil)
        [UInt8](repeating: 0, count: TLSServerHelloSniffer.limit).withUnsafeBytes { sniffer.feed($0) }
        #expect(sniffer.outcome != nil)
    }
}
