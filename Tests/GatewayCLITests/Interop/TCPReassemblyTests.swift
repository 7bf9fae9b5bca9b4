import Testing
@testable import CaptureFormats

/// TCP reassembly: order, retransmissions, overlaps, wrap-around, gaps and their offsets.
@Suite struct TCPReassemblyTests {
    /// A client stream of the upgrade followed by `tail`, cut into the given (offset, length)
    /// pieces sent in that order, after a SYN at `isn`, plus the server's 101; as a raw-IP pcap.
    func capture(isn: UInt32, tail: [UInt8], pieces: [(Int, Int)], syn: Bool = true, snap: Int? = nil) -> [UInt8] {
        let stream = PcapBuild.upgrade + tail
        var ips: [[UInt8]] = []
        if syn { ips.append(PcapBuild.ipv4(seq: isn, flags: PcapBuild.syn)) }
        for (offset, length) in pieces {
            ips.append(PcapBuild.ipv4(seq: isn &+ 1 &+ UInt32(offset), payload: Array(stream[offset..<(offset + length)])))
        }
        ips.append(PcapBuild.ipv4(from: PcapBuild.server, to: PcapBuild.client, sport: 80, dport: 51234, seq: 7, payload: PcapBuild.response))
        return PcapBuild.pcap(ips.enumerated().map { (micros: Int64($0.offset), data: $0.element) }, linkType: 101, snap: snap)
    }

    let tail = Array(0..<200).map { UInt8($0) }
    var total: Int { PcapBuild.upgrade.count + tail.count }

    @Test func outOfOrderSegmentsAreDeliveredInOrder() throws {
        let u = PcapBuild.upgrade.count
        let reader = try PacketCaptureReader(bytes: capture(isn: 100, tail: tail, pieces: [(0, u), (u + 100, 100), (u, 100)]))
        #expect(PcapBuild.streams(try #require(reader.connections.first)).outbound == PcapBuild.upgrade + tail)
    }

    @Test func retransmissionsAreDroppedAndOverlapsTrimmedWithDeliveredBytesWinning() throws {
        let u = PcapBuild.upgrade.count
        var file = capture(isn: 100, tail: tail, pieces: [(0, u), (u, 50), (0, u), (u + 20, 100), (u + 100, 100)])
        // A retransmission that disagrees with what was delivered must not change it: flip a byte
        // of the overlapping segment (offset u+20..u+49 was delivered by the segment before).
        if let index = file.lastIndex(of: 25) { file[index] = 0xEE }
        let reader = try PacketCaptureReader(bytes: file)
        #expect(PcapBuild.streams(try #require(reader.connections.first)).outbound == PcapBuild.upgrade + tail)
    }

    @Test(arguments: [UInt32.max - 10, UInt32.max, UInt32.max - UInt32(PcapBuild.upgrade.count) - 50])
    func sequenceNumbersWrapAround(isn: UInt32) throws {
        let u = PcapBuild.upgrade.count
        let reader = try PacketCaptureReader(bytes: capture(isn: isn, tail: tail, pieces: [(0, u), (u + 60, 140), (u, 60)]))
        #expect(PcapBuild.streams(try #require(reader.connections.first)).outbound == PcapBuild.upgrade + tail)
    }

    @Test func aHoleNeverFilledIsAGapAtItsStreamOffset() throws {
        let u = PcapBuild.upgrade.count
        let reader = try PacketCaptureReader(bytes: capture(isn: 100, tail: tail, pieces: [(0, u), (u + 50, 150)]))
        let connection = try #require(reader.connections.first)
        let gap = try #require(connection.gap)
        #expect(gap.contains("lacks 50 bytes of the client's (outbound) stream at stream offset \(u)"))
        // The records stop at the gap.
        #expect(PcapBuild.streams(connection).outbound == PcapBuild.upgrade)
        guard case .connectionEvent(let end)? = connection.records.last else { Issue.record("no end"); return }
        #expect(end.detail == "a gap in the capture")
    }

    @Test func delivery_continues_after_a_gap_in_the_reassembler() {
        var reassembler = TCPReassembler()
        func segment(_ seq: UInt32, _ payload: [UInt8], flags: UInt8 = 0x18) -> TCPSegment {
            TCPSegment(source: "a:1", destination: "b:2", sequence: seq, acknowledgement: 0, flags: flags, payload: payload[...], payloadLength: payload.count)
        }
        reassembler.add(segment(0, [], flags: PcapBuild.syn), at: 0)
        reassembler.add(segment(1, [1, 2]), at: 1)
        reassembler.add(segment(5, [5, 6]), at: 2)
        reassembler.add(segment(7, [7], flags: PcapBuild.fin), at: 3)
        reassembler.finish()
        let events = reassembler.connections[0].events.map { event -> String in
            switch event.kind {
            case .data(let bytes): "data \(event.offset) \(bytes)"
            case .gap(let length): "gap \(event.offset) \(length)"
            case .end(let reason): "end \(event.offset) \(reason)"
            }
        }
        #expect(events == ["data 0 [1, 2]", "gap 2 2", "data 4 [5, 6]", "data 6 [7]", "end 7 FIN"])
    }

    @Test func theBufferCapTurnsAHoleIntoAGap() {
        var reassembler = TCPReassembler(maxBufferedBytes: 4)
        func segment(_ seq: UInt32, _ payload: [UInt8]) -> TCPSegment {
            TCPSegment(source: "a:1", destination: "b:2", sequence: seq, acknowledgement: 0, flags: 0x18, payload: payload[...], payloadLength: payload.count)
        }
        reassembler.add(segment(100, [0]), at: 0)
        reassembler.add(segment(110, [1, 2, 3]), at: 1)
        reassembler.add(segment(113, [4, 5]), at: 2)
        let kinds = reassembler.connections[0].events.map { event -> String in
            if case .gap(let length) = event.kind { return "gap \(event.offset) \(length)" }
            return "data \(event.offset)"
        }
        #expect(kinds == ["data 0", "gap 1 9", "data 10", "data 13"])
    }

    /// Tiny segments behind a hole that never fills: past the piece cap the hole becomes a gap, so
    /// the buffer (an ordered array) stays short and the work linear in the segments.
    @Test func thePieceCapTurnsAHoleIntoAGapBeforeTheByteCap() {
        var reassembler = TCPReassembler()
        func segment(_ seq: UInt32, _ payload: [UInt8]) -> TCPSegment {
            TCPSegment(source: "a:1", destination: "b:2", sequence: seq, acknowledgement: 0, flags: 0x18, payload: payload[...], payloadLength: payload.count)
        }
        reassembler.add(segment(100, [0]), at: 0)
        let pieces = TCPReassembler.maxBufferedPieces + 1
        for index in 0..<pieces { reassembler.add(segment(102 + UInt32(index), [1]), at: 1) }
        let events = reassembler.connections[0].events
        let gaps = events.compactMap { event -> String? in
            if case .gap(let length) = event.kind { return "gap \(event.offset) \(length)" }
            return nil
        }
        #expect(gaps == ["gap 1 1"])
        let delivered = events.reduce(0) { total, event in
            if case .data(let bytes) = event.kind { return total + bytes.count }
            return total
        }
        #expect(delivered == 1 + pieces)
    }

    @Test func aMissingSYNStartsAtTheFirstSegmentAndGETTellsTheClient() throws {
        let u = PcapBuild.upgrade.count
        let reader = try PacketCaptureReader(bytes: capture(isn: 100, tail: tail, pieces: [(0, u), (u, 200)], syn: false))
        let connection = try #require(reader.connections.first)
        #expect(connection.missedSYN)
        #expect(connection.endpoints == "10.0.0.1:51234 → 10.0.0.2:80")
        #expect(PcapBuild.streams(connection).outbound == PcapBuild.upgrade + tail)
    }

    @Test func aSnapLengthCutIsAGap() throws {
        let u = PcapBuild.upgrade.count
        // A snap length of 40 header bytes + u + 20: the tail's segment keeps its first u + 20 bytes.
        let reader = try PacketCaptureReader(bytes: capture(isn: 100, tail: tail, pieces: [(0, u), (u, 200)], snap: 40 + u + 20))
        let connection = try #require(reader.connections.first)
        #expect(connection.gap?.contains("lacks \(200 - u - 20) bytes of the client's (outbound) stream at stream offset \(2 * u + 20)") == true)
        #expect(PcapBuild.streams(connection).outbound == PcapBuild.upgrade + tail.prefix(u + 20))
    }

    @Test func rstEndsTheConnection() throws {
        let packets = PcapBuild.session().dropLast(2).map(\.data) + [PcapBuild.ipv4(seq: 1001 + UInt32(PcapBuild.upgrade.count), flags: PcapBuild.rst)]
        let reader = try PacketCaptureReader(bytes: PcapBuild.pcap(packets.map { (micros: 0, data: $0) }, linkType: 101))
        guard case .connectionEvent(let end)? = reader.connections.first?.records.last else { Issue.record("no end"); return }
        #expect(end.detail == "RST")
    }
}
