/// Turns a reassembled TCP connection into replay records, when it carries a WebSocket upgrade.
enum PacketCaptureRecords {
    /// The records of `tcp` as WebSocket connection `number`, or `nil` when its client did not
    /// start with an upgrade request. Times are microseconds since `captureStart`.
    static func connection(_ tcp: TCPConnection, number: Int, captureStart: Int64) -> PacketCaptureConnection? {
        guard let client = clientSide(tcp), let target = upgradeTarget(stream(of: tcp, side: client)) else { return nil }
        func time(_ microseconds: Int64) -> CaptureTimeOffset {
            let (difference, overflow) = microseconds.subtractingReportingOverflow(captureStart)
            return CaptureTimeOffset(microseconds: overflow ? 0 : difference)
        }
        let server = 1 - client
        let endpoints = "\(tcp.endpoints[client]) → \(tcp.endpoints[server])"
        var records: [CaptureRecord] = [
            .connectionEvent(CaptureConnectionEvent(kind: .connect, time: time(tcp.firstMicroseconds), connection: number, detail: endpoints))
        ]
        var gap: String?
        var last = tcp.firstMicroseconds
        var ending = "the capture ends"
        for event in tcp.events {
            last = event.microseconds
            let direction: CaptureDirection = event.side == client ? .outbound : .inbound
            switch event.kind {
            case .data(let bytes):
                records.append(.chunk(CaptureChunk(direction: direction, time: time(event.microseconds), connection: number, bytes: bytes)))
            case .gap(let length):
                let who = direction == .outbound ? "client's (outbound)" : "server's (inbound)"
                gap = "connection \(number) (\(endpoints)): the capture lacks \(length) bytes of the \(who) stream at "
                    + "stream offset \(event.offset); the WebSocket stream cannot be followed past it, so this "
                    + "connection's replay ends there"
                ending = "a gap in the capture"
            case .end(let reason):
                if ending != "RST" { ending = reason }
            }
            if gap != nil { break }
        }
        if tcp.reset && gap == nil { ending = "RST" }
        records.append(.connectionEvent(CaptureConnectionEvent(kind: .disconnect, time: time(last), connection: number, detail: ending)))
        return PacketCaptureConnection(
            number: number, endpoints: endpoints, requestTarget: target, records: records, gap: gap,
            missedSYN: tcp.synSender == nil)
    }

    /// The client: the side that sent the SYN, else the one whose stream starts with `GET `.
    static func clientSide(_ tcp: TCPConnection) -> TCPSide? {
        if let synSender = tcp.synSender { return synSender }
        for side in 0..<2 where stream(of: tcp, side: side).starts(with: Array("GET ".utf8)) { return side }
        return nil
    }

    /// The first bytes (up to 8 KiB) a side sent, until its first gap.
    static func stream(of tcp: TCPConnection, side: TCPSide) -> [UInt8] {
        var bytes: [UInt8] = []
        for event in tcp.events where event.side == side {
            guard case .data(let data) = event.kind else { break }
            bytes += data.prefix(8192 - bytes.count)
            if bytes.count >= 8192 { break }
        }
        return bytes
    }

    /// The first byte either side sent, for telling TLS (0x16, a handshake record).
    static func firstByte(of tcp: TCPConnection) -> UInt8? {
        for event in tcp.events {
            if case .data(let data) = event.kind, let first = data.first { return first }
        }
        return nil
    }

    /// The request target of an HTTP GET whose headers ask for `Upgrade: websocket`
    /// (names and value case-insensitive), or `nil`.
    static func upgradeTarget(_ head: [UInt8]) -> String? {
        guard head.starts(with: Array("GET ".utf8)) else { return nil }
        let text = String(decoding: head, as: UTF8.self)
        let lines = text.split(separator: "\r\n", omittingEmptySubsequences: false).prefix { !$0.isEmpty }
        guard let requestLine = lines.first else { return nil }
        let upgrades = lines.dropFirst().contains { line in
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { return false }
            return parts[0].trimmingSpaces.lowercased() == "upgrade"
                && parts[1].lowercased().split(separator: ",").contains { $0.trimmingSpaces == "websocket" }
        }
        guard upgrades else { return nil }
        let words = requestLine.split(separator: " ")
        return words.count >= 2 ? String(words[1]) : nil
    }
}

extension Substring {
    /// The text without leading and trailing spaces and tabs.
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
