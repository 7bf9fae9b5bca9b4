import Testing
@testable import CaptureFormats

/// Hand-built packet captures: IPv4/IPv6 TCP segments in any link layer, in pcap or pcapng.
enum PcapBuild {
    static let client: [UInt8] = [10, 0, 0, 1]
    static let server: [UInt8] = [10, 0, 0, 2]
    static let upgrade = Array("GET /?v=10&encoding=json HTTP/1.1\r\nHost: x\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n\r\n".utf8)
    static let response = Array("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n".utf8)

    /// TCP flags.
    static let syn: UInt8 = 0x02, ack: UInt8 = 0x10, fin: UInt8 = 0x01, rst: UInt8 = 0x04, psh: UInt8 = 0x08

    static func be16(_ v: Int) -> [UInt8] { [UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)] }
    static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(truncatingIfNeeded: v >> 16), UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)] }
    static func le16(_ v: Int) -> [UInt8] { be16(v).reversed() }
    static func le32(_ v: UInt32) -> [UInt8] { be32(v).reversed() }

    static func tcpHeader(_ sport: Int, _ dport: Int, _ seq: UInt32, _ ack: UInt32, _ flags: UInt8) -> [UInt8] {
        be16(sport) + be16(dport) + be32(seq) + be32(ack) + [0x50, flags] + be16(65535) + [0, 0, 0, 0]
    }

    /// An IPv4 packet carrying a TCP segment (or another protocol, or a fragment).
    static func ipv4(
        from: [UInt8] = client, to: [UInt8] = server, sport: Int = 51234, dport: Int = 80, seq: UInt32, ack: UInt32 = 0,
        flags: UInt8 = 0x18, payload: [UInt8] = [], proto: UInt8 = 6, fragment: Int = 0
    ) -> [UInt8] {
        let tcp = tcpHeader(sport, dport, seq, ack, flags) + payload
        return [0x45, 0] + be16(20 + tcp.count) + [0, 1] + be16(fragment) + [64, proto, 0, 0] + from + to + tcp
    }

    /// An IPv6 packet carrying a TCP segment, after one destination-options header when asked.
    static func ipv6(sport: Int = 51234, dport: Int = 80, seq: UInt32, flags: UInt8 = 0x18, payload: [UInt8] = [], options: Bool = false, fragmentHeader: Bool = false) -> [UInt8] {
        let tcp = tcpHeader(sport, dport, seq, 0, flags) + payload
        var extensions: [UInt8] = []
        var next: UInt8 = 6
        if options { extensions = [6, 0, 1, 4, 0, 0, 0, 0]; next = 60 }
        if fragmentHeader { extensions = [6, 0, 0, 0, 0, 0, 0, 1]; next = 44 }
        let body = extensions + tcp
        let source = [UInt8](repeating: 0, count: 15) + [1]
        let destination = [UInt8](repeating: 0, count: 15) + [2]
        return [0x60, 0, 0, 0] + be16(body.count) + [next, 64] + source + destination + body
    }

    /// Wraps an IP packet in the link header of `linkType` (Ethernet: with one VLAN tag when asked).
    static func frame(_ ip: [UInt8], linkType: UInt32, vlan: Bool = false, bigEndianFamily: Bool = false) -> [UInt8] {
        let v6 = ip.first.map { $0 >> 4 == 6 } ?? false
        let etherType = v6 ? be16(0x86DD) : be16(0x0800)
        switch linkType {
        case 1:
            let macs = [UInt8](repeating: 0, count: 12)
            return macs + (vlan ? be16(0x8100) + be16(42) : []) + etherType + ip + (ip.count < 46 ? [UInt8](repeating: 0, count: 46 - ip.count) : [])
        case 113: return [0, 0, 0, 1, 0, 6] + [UInt8](repeating: 0, count: 8) + etherType + ip
        case 276: return etherType + [0, 0] + le32(1) + [0, 1, 0, 6] + [UInt8](repeating: 0, count: 8) + ip
        case 0: let family: UInt32 = v6 ? 10 : 2; return (bigEndianFamily ? be32(family) : le32(family)) + ip
        case 108: return be32(v6 ? 24 : 2) + ip
        default: return ip
        }
    }

    /// A classic pcap file.
    static func pcap(_ packets: [(micros: Int64, data: [UInt8])], linkType: UInt32 = 1, bigEndian: Bool = false, nanoseconds: Bool = false, snap: Int? = nil) -> [UInt8] {
        let u32 = bigEndian ? be32 : le32
        let u16 = bigEndian ? be16 : le16
        var file = u32(nanoseconds ? 0xA1B2_3C4D : 0xA1B2_C3D4) + u16(2) + u16(4) + u32(0) + u32(0) + u32(262144) + u32(linkType | 0x1000_0000)
        for packet in packets {
            let seconds = UInt32(packet.micros / 1_000_000)
            let fraction = UInt32(packet.micros % 1_000_000) * (nanoseconds ? 1000 : 1)
            let captured = min(packet.data.count, snap ?? .max)
            file += u32(seconds) + u32(fraction) + u32(UInt32(captured)) + u32(UInt32(packet.data.count)) + packet.data.prefix(captured)
        }
        return file
    }

    /// One pcapng block: type, length, body padded to 4, length.
    static func block(_ type: UInt32, _ body: [UInt8], bigEndian: Bool = false) -> [UInt8] {
        let u32 = bigEndian ? be32 : le32
        let padded = body + [UInt8](repeating: 0, count: (4 - body.count % 4) % 4)
        return u32(type) + u32(UInt32(padded.count + 12)) + padded + u32(UInt32(padded.count + 12))
    }

    static func sectionHeader(bigEndian: Bool = false) -> [UInt8] {
        let u32 = bigEndian ? be32 : le32, u16 = bigEndian ? be16 : le16
        return block(0x0A0D_0D0A, u32(0x1A2B_3C4D) + u16(1) + u16(0) + [UInt8](repeating: 0xFF, count: 8), bigEndian: bigEndian)
    }

    static func interface(linkType: Int = 1, tsresol: UInt8? = nil, bigEndian: Bool = false) -> [UInt8] {
        let u32 = bigEndian ? be32 : le32, u16 = bigEndian ? be16 : le16
        var body = u16(linkType) + u16(0) + u32(0)
        if let tsresol { body += u16(9) + u16(1) + [tsresol, 0, 0, 0] + u16(0) + u16(0) }
        return block(1, body, bigEndian: bigEndian)
    }

    static func enhanced(_ data: [UInt8], units: UInt64, interface: UInt32 = 0, bigEndian: Bool = false) -> [UInt8] {
        let u32 = bigEndian ? be32 : le32
        return block(6, u32(interface) + u32(UInt32(units >> 32)) + u32(UInt32(truncatingIfNeeded: units)) + u32(UInt32(data.count)) + u32(UInt32(data.count)) + data, bigEndian: bigEndian)
    }

    /// A whole WebSocket upgrade on one connection (client ISN 1000, server ISN 5000) as IP packets,
    /// with `clientData` and `serverData` after the handshake, ending in FINs; one µs apart.
    static func session(clientData: [UInt8] = [], serverData: [UInt8] = [], sport: Int = 51234, start: Int64 = 1_700_000_000_000_000) -> [(micros: Int64, data: [UInt8])] {
        let request = upgrade + clientData
        let reply = response + serverData
        let ips = [
            ipv4(sport: sport, seq: 1000, flags: syn),
            ipv4(from: server, to: client, sport: 80, dport: sport, seq: 5000, ack: 1001, flags: syn | ack),
            ipv4(sport: sport, seq: 1001, ack: 5001, flags: ack),
            ipv4(sport: sport, seq: 1001, ack: 5001, payload: request),
            ipv4(from: server, to: client, sport: 80, dport: sport, seq: 5001, ack: 1001 + UInt32(request.count), payload: reply),
            ipv4(sport: sport, seq: 1001 + UInt32(request.count), flags: fin | ack),
            ipv4(from: server, to: client, sport: 80, dport: sport, seq: 5001 + UInt32(reply.count), flags: fin | ack),
        ]
        return ips.enumerated().map { (start + Int64($0.offset), $0.element) }
    }

    /// The chunks of a connection's records, by direction, joined.
    static func streams(_ connection: PacketCaptureConnection) -> (outbound: [UInt8], inbound: [UInt8]) {
        var outbound: [UInt8] = [], inbound: [UInt8] = []
        for case .chunk(let chunk) in connection.records {
            if chunk.direction == .outbound { outbound += chunk.bytes } else { inbound += chunk.bytes }
        }
        return (outbound, inbound)
    }
}

/// The pcap and pcapng reader on hand-built files: formats, byte orders, link types, errors.
@Suite struct PcapReaderTests {
    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func classicPcapInBothByteOrdersAndResolutions(bigEndian: Bool, nanoseconds: Bool) throws {
        let packets = PcapBuild.session(serverData: [0x81, 0x00]).map { (micros: $0.micros, data: PcapBuild.frame($0.data, linkType: 1)) }
        let file = PcapBuild.pcap(packets, bigEndian: bigEndian, nanoseconds: nanoseconds)
        #expect(PayloadSniffer.sniffInput(file).kind == .packetCapture)
        let reader = try PacketCaptureReader(bytes: file)
        #expect(reader.connections.count == 1)
        let connection = try #require(reader.connections.first)
        #expect(connection.records.first == .connectionEvent(CaptureConnectionEvent(kind: .connect, time: CaptureTimeOffset(microseconds: 0), connection: 1, detail: "10.0.0.1:51234 → 10.0.0.2:80")))
        #expect(connection.requestTarget == "/?v=10&encoding=json")
        #expect(connection.queryValue("encoding") == "json")
        let (outbound, inbound) = PcapBuild.streams(connection)
        #expect(outbound == PcapBuild.upgrade)
        #expect(inbound == PcapBuild.response + [0x81, 0x00])
        guard case .connectionEvent(let end)? = connection.records.last else { Issue.record("no disconnect"); return }
        #expect(end.kind == .disconnect && end.detail == "FIN" && end.time.microseconds == 6)
        #expect(reader.fault == nil)
    }

    @Test(arguments: [(UInt32(1), false), (1, true), (113, false), (276, false), (0, false), (0, true), (108, false), (101, false), (12, false), (14, false), (228, false)])
    func everyLinkTypeCarriesIPv4(linkType: UInt32, variant: Bool) throws {
        let packets = PcapBuild.session().map { (micros: $0.micros, data: PcapBuild.frame($0.data, linkType: linkType, vlan: variant, bigEndianFamily: variant)) }
        let reader = try PacketCaptureReader(bytes: PcapBuild.pcap(packets, linkType: linkType))
        #expect(reader.connections.count == 1)
        #expect(PcapBuild.streams(try #require(reader.connections.first)).outbound == PcapBuild.upgrade)
    }

    @Test(arguments: [UInt32(229), 1, 113, 0, 108])
    func ipv6WithExtensionHeaders(linkType: UInt32) throws {
        let ips = [
            PcapBuild.ipv6(seq: 1, flags: PcapBuild.syn), PcapBuild.ipv6(seq: 2, payload: PcapBuild.upgrade, options: true),
            PcapBuild.ipv6(sport: 80, dport: 51234, seq: 9, payload: PcapBuild.response),
            PcapBuild.ipv6(seq: 99, payload: [1, 2, 3], fragmentHeader: true),
        ]
        let file = PcapBuild.pcap(ips.map { (micros: 0, data: PcapBuild.frame($0, linkType: linkType)) }, linkType: linkType)
        let reader = try PacketCaptureReader(bytes: file)
        let connection = try #require(reader.connections.first)
        #expect(connection.endpoints == "[0:0:0:0:0:0:0:1]:51234 → [0:0:0:0:0:0:0:2]:80")
        #expect(PcapBuild.streams(connection).outbound == PcapBuild.upgrade)
        #expect(reader.counts.fragments == 1)
    }

    @Test func ipv4FragmentsAndOtherProtocolsAreSkippedAndCounted() throws {
        var ips = PcapBuild.session().map(\.data)
        ips.append(PcapBuild.ipv4(seq: 1, payload: [1], fragment: 0x2000))
        ips.append(PcapBuild.ipv4(seq: 1, payload: [1], proto: 17))
        let reader = try PacketCaptureReader(bytes: PcapBuild.pcap(ips.map { (micros: 0, data: $0) }, linkType: 101))
        #expect(reader.counts.fragments == 1 && reader.counts.notTCP == 1)
        #expect(reader.reason.contains("1 IP fragments skipped"))
    }

    @Test func pcapngSectionsInBothByteOrdersWithTimestampResolutions() throws {
        let session = PcapBuild.session(sport: 1111, start: 0).map { PcapBuild.frame($0.data, linkType: 1) }
        let second = PcapBuild.session(sport: 2222, start: 0).map { PcapBuild.frame($0.data, linkType: 101) }
        var file = PcapBuild.sectionHeader() + PcapBuild.interface(tsresol: 9)
        // Nanoseconds: 2 s, then a name resolution block and a custom block, which are skipped.
        file += PcapBuild.enhanced(session[0], units: 2_000_000_000)
        file += PcapBuild.block(4, [0, 0, 0, 0]) + PcapBuild.block(0x0000_0BAD, [1, 2, 3, 4, 5])
        for packet in session.dropFirst() { file += PcapBuild.enhanced(packet, units: 2_000_001_000) }
        // A big-endian section: interface 0 in units of 2^-10 s, and a Simple Packet Block (no time).
        file += PcapBuild.sectionHeader(bigEndian: true) + PcapBuild.interface(linkType: 101, tsresol: 0x8A, bigEndian: true)
        file += PcapBuild.enhanced(second[0], units: 3 * 1024, bigEndian: true)
        for packet in second.dropFirst() {
            file += PcapBuild.block(3, PcapBuild.be32(UInt32(packet.count)) + packet, bigEndian: true)
        }
        #expect(PayloadSniffer.sniffInput(file).kind == .packetCapture)
        let reader = try PacketCaptureReader(bytes: file)
        #expect(reader.connections.map(\.endpoints) == ["10.0.0.1:1111 → 10.0.0.2:80", "10.0.0.1:2222 → 10.0.0.2:80"])
        #expect(reader.counts.skippedBlocks == 2)
        guard case .chunk(let first)? = reader.connections[0].records.dropFirst().first else { Issue.record("no chunk"); return }
        #expect(first.time.microseconds == 1)
        guard case .connectionEvent(let connect)? = reader.connections[1].records.first else { Issue.record("no connect"); return }
        #expect(connect.time.microseconds == 1_000_000)
        #expect(PcapBuild.streams(reader.connections[1]).inbound == PcapBuild.response)
    }

    @Test func obsoletePacketBlock() throws {
        let packets = PcapBuild.session().map { PcapBuild.frame($0.data, linkType: 1) }
        var file = PcapBuild.sectionHeader() + PcapBuild.interface()
        for packet in packets {
            file += PcapBuild.block(2, PcapBuild.le16(0) + PcapBuild.le16(0) + PcapBuild.le32(0) + PcapBuild.le32(5) + PcapBuild.le32(UInt32(packet.count)) + PcapBuild.le32(UInt32(packet.count)) + packet)
        }
        #expect(PcapBuild.streams(try #require(try PacketCaptureReader(bytes: file).connections.first)).outbound == PcapBuild.upgrade)
    }

    @Test func badBlockLengthsNameTheirOffset() throws {
        let valid = PcapBuild.sectionHeader() + PcapBuild.interface()
        var notMultiple = valid + PcapBuild.block(5, [0, 0, 0, 0])
        notMultiple[valid.count + 4] = 18
        var mismatched = valid + PcapBuild.block(5, [0, 0, 0, 0])
        mismatched[mismatched.count - 4] = 20
        var tooLong = valid + PcapBuild.block(5, [0, 0, 0, 0])
        tooLong[valid.count + 4] = 200
        for (file, words) in [(notMultiple, "multiple of 4"), (mismatched, "ends with a length"), (tooLong, "the file ends inside")] {
            #expect {
                try PacketCaptureReader(bytes: file)
            } throws: { error in
                let error = error as? CaptureError
                return error?.kind == .corruptPacketCapture && error?.offset == valid.count
                    && error?.message.contains("byte \(valid.count)") == true && error?.message.contains(words) == true
            }
        }
    }

    @Test func aTruncatedFileKeepsWhatWasCompleteAndNamesTheOffset() throws {
        let packets = PcapBuild.session(serverData: [0x81, 0x00]).map { (micros: $0.micros, data: $0.data) }
        let file = PcapBuild.pcap(packets, linkType: 101)
        let cut = Array(file.dropLast(10))
        let reader = try PacketCaptureReader(bytes: cut)
        let fault = try #require(reader.fault)
        let lastRecord = file.count - packets.last!.data.count - 16
        #expect(fault.kind == .corruptPacketCapture && fault.offset == lastRecord)
        #expect(fault.description.contains("byte \(lastRecord)"))
        #expect(PcapBuild.streams(try #require(reader.connections.first)).inbound == PcapBuild.response + [0x81, 0x00])
    }

    @Test func unsupportedLinkTypeIsNamed() {
        #expect {
            try PacketCaptureReader(bytes: PcapBuild.pcap([(0, [1, 2, 3])], linkType: 147))
        } throws: { error in
            (error as? CaptureError)?.kind == .unsupportedLinkType && "\(error)".contains("link type 147")
        }
    }

    @Test func aCaptureWithoutWebSocketSaysHowManyConnectionsItSaw() {
        let tls = [PcapBuild.ipv4(dport: 443, seq: 1, flags: PcapBuild.syn), PcapBuild.ipv4(dport: 443, seq: 2, payload: [0x16, 3, 1, 0, 5])]
        let http = [PcapBuild.ipv4(sport: 4000, seq: 7, payload: Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8))]
        #expect {
            try PacketCaptureReader(bytes: PcapBuild.pcap((tls + http).map { (micros: 0, data: $0) }, linkType: 101))
        } throws: { error in
            let text = "\(error)"
            return (error as? CaptureError)?.kind == .noWebSocketConnection && text.contains("2 TCP connections")
                && text.contains("TLS") && text.contains("443")
        }
    }

    @Test func nonWebSocketConnectionsAreSkippedAndCounted() throws {
        let other = [PcapBuild.ipv4(sport: 4000, seq: 7, flags: PcapBuild.syn), PcapBuild.ipv4(sport: 4000, seq: 8, payload: Array("GET / HTTP/1.1\r\n\r\n".utf8))]
        let reader = try PacketCaptureReader(bytes: PcapBuild.pcap((other + PcapBuild.session().map(\.data)).map { (micros: 0, data: $0) }, linkType: 101))
        #expect(reader.connections.count == 1 && reader.counts.skippedConnections == 1 && reader.counts.tcpConnections == 2)
        #expect(reader.reason.contains("1 other connection skipped"))
    }

    @Test func notAPcapIsNotACapture() {
        #expect(PayloadSniffer.sniffInput([0x0A, 0x0D, 0x0D, 0x0A]).kind == .packetCapture)
        #expect(PayloadSniffer.sniffInput([0xA1, 0xB2, 0x3C, 0x4D]).kind == .packetCapture)
        #expect(throws: CaptureError.self) { try PacketCaptureReader(bytes: [1, 2, 3, 4]) }
        #expect(throws: CaptureError.self) { try PacketCaptureReader(bytes: [0xD4, 0xC3, 0xB2, 0xA1, 2, 0]) }
    }
}
