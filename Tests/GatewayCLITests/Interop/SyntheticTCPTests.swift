import Foundation
import Testing

@testable import CaptureFormats

/// The synthetic TCP conversation's packets, checked against hand-computed headers, checksums
/// and sequence numbers.
@Suite struct SyntheticTCPTests {
    private let client = SyntheticTCP.Endpoint(address: [10, 0, 0, 1], port: 50001)
    private let server = SyntheticTCP.Endpoint(address: [10, 0, 0, 2], port: 80)

    @Test func theChecksumMatchesRFC1071sExample() {
        // RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to ddf2; the checksum is its complement.
        #expect(SyntheticTCPChecksum.internetChecksum([0x00, 0x01, 0xF2, 0x03, 0xF4, 0xF5, 0xF6, 0xF7]) == 0x220D)
        // A well-known IPv4 header (192.168.0.1 -> 192.168.0.199, UDP) whose checksum is b861.
        let header: [UInt8] = [0x45, 0, 0, 0x73, 0, 0, 0x40, 0, 0x40, 0x11, 0, 0, 0xC0, 0xA8, 0, 1, 0xC0, 0xA8, 0, 0xC7]
        #expect(SyntheticTCPChecksum.internetChecksum(header) == 0xB861)
        // An odd length pads with a zero byte.
        #expect(SyntheticTCPChecksum.internetChecksum([0x01]) == 0xFEFF)
    }

    @Test func theSYNIsLaidOutByHand() {
        var tcp = SyntheticTCP(client: client, server: server, clientInitialSequence: 100, serverInitialSequence: 500)
        let syn = tcp.open(at: 0)[0].bytes
        let ethernet: [UInt8] = [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00]
        // IPv4: 20 + TCP 24 = 44 bytes, id 1, DF, TTL 64, TCP.
        var ip: [UInt8] = [0x45, 0, 0, 44, 0, 1, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]
        let ipChecksum = SyntheticTCPChecksum.internetChecksum(ip)
        ip[10] = UInt8(ipChecksum >> 8)
        ip[11] = UInt8(ipChecksum & 0xFF)
        // TCP: 50001 -> 80, seq 100, ack 0, offset 6 words, SYN, window 65535, MSS 1460.
        var tcpHeader: [UInt8] = [0xC3, 0x51, 0, 80, 0, 0, 0, 100, 0, 0, 0, 0, 0x60, 0x02, 0xFF, 0xFF, 0, 0, 0, 0]
        tcpHeader += [2, 4, 0x05, 0xB4]
        let pseudo: [UInt8] = [10, 0, 0, 1, 10, 0, 0, 2, 0, 6, 0, 24]
        let tcpChecksum = SyntheticTCPChecksum.internetChecksum(pseudo + tcpHeader)
        tcpHeader[16] = UInt8(tcpChecksum >> 8)
        tcpHeader[17] = UInt8(tcpChecksum & 0xFF)
        #expect(syn == ethernet + ip + tcpHeader)
        // Both checksums verify: a header holding its checksum sums to 0xFFFF, complemented 0.
        #expect(SyntheticTCPChecksum.internetChecksum(Array(syn[14..<34])) == 0)
        #expect(SyntheticTCPChecksum.internetChecksum(pseudo + Array(syn[34...])) == 0)
    }

    /// The TCP header fields of a frame: sequence, acknowledgement, flags, payload length.
    private func fields(_ packet: SyntheticTCP.Packet) -> (UInt32, UInt32, UInt8, Int) {
        let tcp = Array(packet.bytes[34...])
        let word = { (at: Int) in tcp[at..<(at + 4)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) } }
        return (word(4), word(8), tcp[13], packet.payloadLength)
    }

    @Test func writesAreSegmentedAndAcknowledgedWithRunningNumbers() {
        var tcp = SyntheticTCP(client: client, server: server, clientInitialSequence: 100, serverInitialSequence: 500)
        let handshake = tcp.open(at: 5)
        #expect(handshake.map { fields($0).2 } == [0x02, 0x12, 0x10])
        #expect(fields(handshake[1]).0 == 500 && fields(handshake[1]).1 == 101)
        #expect(fields(handshake[2]).0 == 101 && fields(handshake[2]).1 == 501)
        let write = tcp.send([UInt8](repeating: 7, count: 3000), from: .serverToClient, at: 6)
        // 1460 + 1460 + 80, PSH on the last, then the client's ACK.
        #expect(write.map(\.payloadLength) == [1460, 1460, 80, 0])
        #expect(write.map { fields($0).0 } == [501, 1961, 3421, 101])
        #expect(write.map { fields($0).1 } == [101, 101, 101, 3501])
        #expect(write.map { fields($0).2 } == [0x10, 0x10, 0x18, 0x10])
        #expect(write.map(\.direction) == [.serverToClient, .serverToClient, .serverToClient, .clientToServer])
        let close = tcp.close(from: .clientToServer, at: 7)
        #expect(close.map { fields($0).2 } == [0x11, 0x11, 0x10])
        #expect(close.map { fields($0).0 } == [101, 3501, 102])
        #expect(close.map { fields($0).1 } == [3501, 102, 3502])
        #expect(tcp.send([], from: .clientToServer, at: 8).isEmpty)
    }

    @Test func aLongWriteIsAcknowledgedBeforeTheWindowFills() {
        var tcp = SyntheticTCP(client: client, server: server)
        _ = tcp.open(at: 0)
        let write = tcp.send([UInt8](repeating: 1, count: 200_000), from: .serverToClient, at: 1)
        var inFlight = 0
        for packet in write {
            if packet.direction == .serverToClient { inFlight += packet.payloadLength } else { inFlight = 0 }
            #expect(inFlight <= 65535)
        }
        #expect(write.filter { $0.direction == .serverToClient }.map(\.payloadLength).reduce(0, +) == 200_000)
    }

    @Test func sequenceNumbersWrapAround() {
        var tcp = SyntheticTCP(client: client, server: server, clientInitialSequence: UInt32.max - 1)
        _ = tcp.open(at: 0)
        let write = tcp.send([1, 2, 3, 4], from: .clientToServer, at: 1)
        #expect(fields(write[0]).0 == UInt32.max)
        #expect(fields(write[1]).1 == 3)
    }
}
