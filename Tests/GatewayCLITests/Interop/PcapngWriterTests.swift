import Foundation
import Testing

@testable import CaptureFormats

/// The pcapng writer's blocks against bytes laid out by hand from the format's specification,
/// and one file read back by the real tshark.
@Suite struct PcapngWriterTests {
    /// Little-endian bytes of `value`.
    private func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) } }

    @Test func theSectionHeaderAndInterfaceAreLaidOutAsTheFormatSays() {
        let writer = PcapngWriter(application: "gw 1")
        let bytes = writer.output
        // SHB: type, length 40 (12 framing + 16 fixed + option 4+4 "gw 1" + end 4), magic, 1.0, -1.
        var shb: [UInt8] = [0x0A, 0x0D, 0x0D, 0x0A] + le32(40) + [0x4D, 0x3C, 0x2B, 0x1A, 1, 0, 0, 0]
        shb += [UInt8](repeating: 0xFF, count: 8)
        shb += [4, 0, 4, 0] + Array("gw 1".utf8) + [0, 0, 0, 0] + le32(40)
        // IDB: type 1, length 20, link type 1 (Ethernet), reserved, snap length 0, no options.
        let idb: [UInt8] = le32(1) + le32(20) + [1, 0, 0, 0] + le32(0) + le32(20)
        #expect(bytes == shb + idb)
    }

    @Test func aPacketBlockPadsItsDataAndCarriesItsComment() throws {
        var writer = PcapngWriter(application: "gw 1", linkType: .rawIP)
        _ = writer.takeOutput()
        try writer.writePacket([1, 2, 3, 4, 5], timestampMicroseconds: 0x1_0000_0002, comment: "hi!")
        // 12 framing + 20 fixed + 8 data (5 padded) + comment 4+4 + end 4 = 52.
        var epb: [UInt8] = le32(6) + le32(52) + le32(0) + le32(1) + le32(2) + le32(5) + le32(5)
        epb += [1, 2, 3, 4, 5, 0, 0, 0]
        epb += [1, 0, 3, 0] + Array("hi!".utf8) + [0] + [0, 0, 0, 0] + le32(52)
        #expect(writer.takeOutput() == epb)
        #expect(writer.output.isEmpty)
    }

    @Test func aPacketWithoutCommentHasNoOptions() throws {
        var writer = PcapngWriter(application: "gw 1")
        _ = writer.takeOutput()
        try writer.writePacket([9, 9, 9, 9], timestampMicroseconds: 7)
        #expect(writer.output == le32(6) + le32(36) + le32(0) + le32(0) + le32(7) + le32(4) + le32(4) + [9, 9, 9, 9] + le32(36))
    }

    @Test func theDecryptionSecretsBlockHoldsTheKeyLog() throws {
        var writer = PcapngWriter(application: "gw 1")
        _ = writer.takeOutput()
        let keyLog = "CLIENT_RANDOM 00 11\n"  // 20 bytes: no padding.
        try writer.writeDecryptionSecrets(tlsKeyLog: keyLog)
        let expected: [UInt8] = le32(0x0A) + le32(40) + [0x4B, 0x53, 0x4C, 0x54] + le32(20) + Array(keyLog.utf8) + le32(40)
        #expect(writer.output == expected)
    }

    @Test func aLongCommentIsCutAtACharacterBoundary() throws {
        var options = PcapngOptions()
        options.append(code: 1, text: String(repeating: "é", count: 40_000))  // 80,000 bytes.
        let bytes = options.finished()
        let length = Int(bytes[2]) | Int(bytes[3]) << 8
        #expect(length == 65_534)
        #expect(String(validating: bytes[4..<(4 + length)], as: UTF8.self) != nil)
        #expect(bytes.count % 4 == 0)
    }

    @Test(.enabled(if: PacketTools.tsharkTestsEnabled))
    func tsharkReadsAFileWithDecryptionSecrets() throws {
        var writer = PcapngWriter(application: "gatewayctl test")
        let keyLog = "CLIENT_RANDOM " + String(repeating: "ab", count: 32) + " " + String(repeating: "cd", count: 48) + "\n"
        try writer.writeDecryptionSecrets(tlsKeyLog: keyLog)
        var tcp = SyntheticTCP(
            client: .init(address: [10, 0, 0, 1], port: 50001), server: .init(address: [10, 0, 0, 2], port: 443))
        for packet in tcp.open(at: 1_000_000) + tcp.send(Array("hello".utf8), from: .clientToServer, at: 1_000_001) {
            try writer.writePacket(packet.bytes, timestampMicroseconds: packet.timestampMicroseconds)
        }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("dsb-\(UUID().uuidString).pcapng")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data(writer.takeOutput()).write(to: url)
        let read = try PacketTools.run(PacketTools.tshark, ["-r", url.path, "-T", "fields", "-e", "frame.number"])
        #expect(read.status == 0, "\(read.stderr)")
        #expect(read.stdout.split(separator: "\n").count == 5)
        // capinfos-style check through tshark's own file reader: the secrets block is read, not refused.
        #expect(!read.stderr.contains("isn't a capture file"))
        #expect(!read.stderr.localizedCaseInsensitiveContains("error"))
    }
}
