// Theory of operation
//
// Each TCP connection (its 4-tuple) has two directions; each direction is a byte stream whose
// offset 0 is the byte after the SYN (or, when the capture missed the SYN, the first segment's
// first byte: noted on the connection). A segment's place in the stream is its sequence number
// minus the next expected one, read as a signed 32-bit difference (serial arithmetic, RFC 1982),
// so the stream continues across the 2^32 wrap. Segments at the expected offset are delivered at
// once; later ones wait, sorted, up to a cap of buffered bytes per direction; earlier ones are
// retransmissions and dropped; partly earlier ones are trimmed: the bytes already delivered win
// (a retransmission that disagrees with them cannot change what the endpoint already read).
// A hole that is never filled (the cap is reached, the direction ends, or the capture ends) is a
// gap, reported with the stream offset where it lies, and delivery continues after it. Bytes a
// snap length cut off are such a hole too.

/// One direction of a TCP connection: 0 for the side that sent the connection's first packet seen,
/// 1 for the other.
typealias TCPSide = Int

/// What a reassembled direction reports, in capture order.
struct TCPStreamEvent {
    /// What happened.
    enum Kind {
        /// Bytes delivered in order.
        case data([UInt8])
        /// `length` bytes missing from the stream at `offset`.
        case gap(length: Int64)
        /// The direction ended (`"FIN"`, `"RST"`).
        case end(String)
    }

    /// The side that sent the bytes.
    var side: TCPSide
    /// When (microseconds since the epoch) the packet that caused it was captured.
    var microseconds: Int64
    /// The stream offset of the first byte concerned.
    var offset: Int64
    var kind: Kind
}

/// One TCP connection seen in a capture and what its two directions carried.
struct TCPConnection {
    /// The two endpoints (`address:port`), side 0 first.
    var endpoints: [String]
    /// When its first packet was captured.
    var firstMicroseconds: Int64
    /// The side that sent a SYN without ACK (the client), if the capture holds it.
    var synSender: TCPSide?
    /// Both directions' events, interleaved in capture order.
    var events: [TCPStreamEvent] = []
    /// Whether an RST ended it.
    var reset = false
    /// The two directions' reassembly state.
    var streams = [TCPHalfStream(), TCPHalfStream()]

    /// Whether both directions ended (so a new SYN on the same 4-tuple is a new connection).
    var isOver: Bool { reset || (streams[0].ended && streams[1].ended) }
}

/// Reassembly state of one direction.
struct TCPHalfStream {
    /// A buffered piece: bytes, or a known hole (bytes a snap length cut off).
    enum Piece {
        case bytes([UInt8])
        case missing(Int64)

        var length: Int64 {
            switch self {
            case .bytes(let bytes): Int64(bytes.count)
            case .missing(let length): length
            }
        }
    }

    /// The sequence number of stream offset 0 (set by the SYN or the first segment).
    var initialSequence: UInt32?
    /// Whether the stream's start came from a SYN.
    var sawSYN = false
    /// The next stream offset to deliver.
    var delivered: Int64 = 0
    /// Out-of-order pieces, sorted by offset.
    var pending: [(offset: Int64, piece: Piece)] = []
    /// Bytes held in `pending`.
    var pendingBytes: Int64 = 0
    /// Where the FIN lies, once seen.
    var finOffset: Int64?
    /// Whether the direction ended.
    var ended = false
}

/// Reassembles every TCP connection in a capture (see the theory of operation above).
struct TCPReassembler {
    /// The default cap on out-of-order bytes buffered per direction.
    static let defaultMaxBufferedBytes: Int64 = 16 << 20
    /// The cap on out-of-order pieces buffered per direction: the buffer is an array kept in
    /// order, so a crafted capture of tiny segments behind a hole would otherwise cost time
    /// quadratic in its size. A real sender keeps far fewer segments in flight.
    static let maxBufferedPieces = 1024

    /// The connections in order of their first packet.
    private(set) var connections: [TCPConnection] = []
    /// Bytes delivered so far, over all connections.
    private(set) var deliveredBytes: Int64 = 0
    private var open: [String: Int] = [:]
    private let maxBufferedBytes: Int64

    /// Creates a reassembler buffering at most `maxBufferedBytes` out-of-order bytes per direction.
    init(maxBufferedBytes: Int64 = TCPReassembler.defaultMaxBufferedBytes) {
        self.maxBufferedBytes = max(1, maxBufferedBytes)
    }

    /// Adds one segment captured at `microseconds`.
    mutating func add(_ segment: TCPSegment, at microseconds: Int64) {
        let key = segment.source < segment.destination
            ? segment.source + " " + segment.destination : segment.destination + " " + segment.source
        let startsNew = segment.isSYN && !segment.isACK
        var index = open[key]
        if let existing = index, startsNew, connections[existing].isOver || connections[existing].synSender != nil
            && connections[existing].streams[0].delivered + connections[existing].streams[1].delivered > 0
        {
            // A fresh SYN on a 4-tuple whose connection is over or already carried data: a new connection.
            index = nil
        }
        if index == nil {
            index = connections.count
            open[key] = connections.count
            connections.append(
                TCPConnection(endpoints: [segment.source, segment.destination], firstMicroseconds: microseconds))
        }
        guard let index else { return }
        var connection = connections[index]
        connections[index] = TCPConnection(endpoints: [], firstMicroseconds: 0)  // keep `connection` unique
        let side: TCPSide = connection.endpoints[0] == segment.source ? 0 : 1
        if startsNew, connection.synSender == nil { connection.synSender = side }
        add(segment, side: side, at: microseconds, to: &connection)
        connections[index] = connection
    }

    /// Ends every direction still open: their holes become gaps.
    mutating func finish() {
        for index in connections.indices {
            var connection = connections[index]
            for side in 0..<2 where !connection.streams[side].ended {
                flush(side: side, at: connection.events.last?.microseconds ?? connection.firstMicroseconds, in: &connection)
            }
            connections[index] = connection
        }
    }

    private mutating func add(_ segment: TCPSegment, side: TCPSide, at time: Int64, to connection: inout TCPConnection) {
        if connection.reset { return }
        var stream = connection.streams[side]
        if stream.ended { return }
        if segment.isSYN, stream.delivered == 0, stream.pending.isEmpty {
            stream.initialSequence = segment.sequence &+ 1
            stream.sawSYN = true
        }
        guard let initial = stream.initialSequence ?? Optional(segment.sequence) else { return }
        stream.initialSequence = initial
        let dataSequence = segment.isSYN ? segment.sequence &+ 1 : segment.sequence
        // Serial arithmetic: the distance from the next expected byte, as a signed 32-bit value.
        let expected = initial &+ UInt32(truncatingIfNeeded: stream.delivered)
        let start = stream.delivered + Int64(Int32(bitPattern: dataSequence &- expected))
        connection.streams[side] = stream
        if !segment.payload.isEmpty {
            insert(.bytes(Array(segment.payload)), at: start, side: side, time: time, into: &connection)
        }
        let missing = segment.payloadLength - segment.payload.count
        if missing > 0 {
            insert(.missing(Int64(missing)), at: start + Int64(segment.payload.count), side: side, time: time, into: &connection)
        }
        if segment.isFIN, connection.streams[side].finOffset == nil {
            connection.streams[side].finOffset = start + Int64(segment.payloadLength)
            drain(side: side, time: time, into: &connection)
        }
        if segment.isRST {
            connection.reset = true
            for each in 0..<2 where !connection.streams[each].ended {
                flush(side: each, at: time, in: &connection, reason: "RST")
            }
        }
    }

    /// Delivers or buffers one piece at stream offset `start`.
    private mutating func insert(_ piece: TCPHalfStream.Piece, at start: Int64, side: TCPSide, time: Int64, into connection: inout TCPConnection) {
        let stream = connection.streams[side]
        let end = start + piece.length
        // Entirely before what was delivered: a retransmission.
        if end <= stream.delivered { return }
        if let fin = stream.finOffset, start >= fin { return }
        // Searched from the end: segments mostly arrive in order, so the place is found at once.
        let place = (stream.pending.lastIndex { $0.offset <= start }).map { $0 + 1 } ?? 0
        connection.streams[side].pending.insert((start, piece), at: place)
        connection.streams[side].pendingBytes += piece.length
        drain(side: side, time: time, into: &connection)
        // Too much waiting for a hole: give the hole up as a gap.
        while connection.streams[side].pendingBytes > maxBufferedBytes
            || connection.streams[side].pending.count > Self.maxBufferedPieces,
            let first = connection.streams[side].pending.first
        {
            skip(to: first.offset, side: side, time: time, in: &connection)
            drain(side: side, time: time, into: &connection)
        }
    }

    /// Delivers the buffered pieces that start at or before the next expected offset.
    private mutating func drain(side: TCPSide, time: Int64, into connection: inout TCPConnection) {
        while let first = connection.streams[side].pending.first, first.offset <= connection.streams[side].delivered {
            connection.streams[side].pending.removeFirst()
            connection.streams[side].pendingBytes -= first.piece.length
            let delivered = connection.streams[side].delivered
            let end = first.offset + first.piece.length
            guard end > delivered else { continue }
            // Overlap: the bytes already delivered win; only the new tail is kept.
            let skip = Int(delivered - first.offset)
            switch first.piece {
            case .bytes(let bytes):
                let tail = skip == 0 ? bytes : Array(bytes[skip...])
                deliveredBytes += Int64(tail.count)
                connection.events.append(TCPStreamEvent(side: side, microseconds: time, offset: delivered, kind: .data(tail)))
            case .missing:
                connection.events.append(
                    TCPStreamEvent(side: side, microseconds: time, offset: delivered, kind: .gap(length: end - delivered)))
            }
            connection.streams[side].delivered = end
        }
        if let fin = connection.streams[side].finOffset, connection.streams[side].delivered >= fin,
            !connection.streams[side].ended
        {
            connection.streams[side].ended = true
            connection.events.append(
                TCPStreamEvent(side: side, microseconds: time, offset: connection.streams[side].delivered, kind: .end("FIN")))
        }
    }

    /// Reports the hole before `offset` as a gap and moves past it.
    private func skip(to offset: Int64, side: TCPSide, time: Int64, in connection: inout TCPConnection) {
        let delivered = connection.streams[side].delivered
        guard offset > delivered else { return }
        connection.events.append(
            TCPStreamEvent(side: side, microseconds: time, offset: delivered, kind: .gap(length: offset - delivered)))
        connection.streams[side].delivered = offset
    }

    /// Ends a direction: every hole left becomes a gap, then the end is reported.
    private mutating func flush(side: TCPSide, at time: Int64, in connection: inout TCPConnection, reason: String? = nil) {
        while let first = connection.streams[side].pending.first {
            skip(to: first.offset, side: side, time: time, in: &connection)
            drain(side: side, time: time, into: &connection)
        }
        if let fin = connection.streams[side].finOffset, !connection.streams[side].ended {
            skip(to: fin, side: side, time: time, in: &connection)
            drain(side: side, time: time, into: &connection)
        }
        guard !connection.streams[side].ended else { return }
        connection.streams[side].ended = true
        if let reason {
            connection.events.append(
                TCPStreamEvent(side: side, microseconds: time, offset: connection.streams[side].delivered, kind: .end(reason)))
        }
    }
}
