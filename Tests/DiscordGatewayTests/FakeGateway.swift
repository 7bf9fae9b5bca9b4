import DiscordGateway
import GatewayCodecs
import WebSocketProtocol

/// A scripted Discord gateway on the server side of an in-memory connection, written byte by byte.
///
/// The session flows a correct gateway produces run against the library's own server
/// (`GatewayServerConnection`, through ``ServerHarness``). This fake stays for two reasons:
///
/// - Bytes no correct server sends: decompression bombs, fuzz regressions, malformed and
///   undecodable payloads, frames that break the protocol at a known offset, invalid UTF-8,
///   a response cut short, a refusal of the test's choosing. The library's server refuses to
///   write them, so a test needs a writer that does whatever it is told.
/// - An independent second implementation of the wire format: it is written apart from the
///   library, with its own HTTP request reader, its own parser of masked client frames and its
///   own frame writer, so the client is checked against something other than itself. Only the
///   RFC's accept computation comes from the library (it is pinned to the RFC's vector in the
///   WebSocket tests).
final class FakeGateway {
    let encoding: GatewayEncoding
    let compression: GatewayCompression
    private var zlib: ZlibStreamCompressor?
    private var zstd: ZstdStreamCompressor?

    /// The upgrade request the client sent.
    private(set) var request: String?
    /// Every frame the client sent, in order.
    private(set) var frames: [ClientFrame] = []
    private var inbound: [UInt8] = []
    private var sequence: Int64 = 0

    /// One frame from the client.
    struct ClientFrame {
        var opcode: UInt8
        var fin: Bool
        var payload: [UInt8]
    }

    init(encoding: GatewayEncoding = .json, compression: GatewayCompression = .none) throws {
        self.encoding = encoding
        self.compression = compression
        try resetCompression()
    }

    /// Fresh compression state, as a new server connection has.
    func resetCompression() throws {
        zlib = compression == .zlibStream ? try ZlibStreamCompressor() : nil
        zstd = compression == .zstdStream ? try ZstdStreamCompressor() : nil
    }

    // MARK: Reading what the client sent

    /// Takes bytes the client wrote.
    func receive(_ bytes: [UInt8]) {
        inbound += bytes
        if request == nil {
            guard let end = inbound.firstRange(of: Array("\r\n\r\n".utf8)) else { return }
            request = String(decoding: inbound[..<end.upperBound], as: UTF8.self)
            inbound.removeSubrange(..<end.upperBound)
        }
        while let frame = parseClientFrame() { frames.append(frame) }
    }

    private func parseClientFrame() -> ClientFrame? {
        guard inbound.count >= 2 else { return nil }
        let fin = inbound[0] & 0x80 != 0
        let opcode = inbound[0] & 0x0F
        precondition(inbound[1] & 0x80 != 0, "client frames must be masked")
        var length = Int(inbound[1] & 0x7F)
        var offset = 2
        if length == 126 {
            guard inbound.count >= 4 else { return nil }
            length = Int(inbound[2]) << 8 | Int(inbound[3])
            offset = 4
        } else if length == 127 {
            guard inbound.count >= 10 else { return nil }
            length = inbound[2..<10].reduce(0) { $0 << 8 | Int($1) }
            offset = 10
        }
        guard inbound.count >= offset + 4 + length else { return nil }
        let mask = Array(inbound[offset..<offset + 4])
        let payload = inbound[(offset + 4)..<(offset + 4 + length)].enumerated().map { $0.element ^ mask[$0.offset % 4] }
        inbound.removeSubrange(..<(offset + 4 + length))
        return ClientFrame(opcode: opcode, fin: fin, payload: payload)
    }

    /// The gateway payloads the client sent (text or binary data frames), decoded.
    var payloads: [GatewayValue] {
        frames.filter { $0.opcode == 1 || $0.opcode == 2 }.compactMap { frame in
            switch encoding {
            case .json: try? GatewayJSON.decode(frame.payload)
            case .etf: try? GatewayETF.decode(frame.payload)
            }
        }
    }

    /// The opcodes of the gateway payloads the client sent.
    var opcodes: [Int] { payloads.compactMap { $0["op"]?.intValue } }

    /// The close code of the client's close frame, if it sent one.
    var closeCode: UInt16? {
        guard let close = frames.first(where: { $0.opcode == 8 }), close.payload.count >= 2 else { return nil }
        return UInt16(close.payload[0]) << 8 | UInt16(close.payload[1])
    }

    /// The `Sec-WebSocket-Key` of the upgrade request.
    var key: String? {
        request?.split(separator: "\r\n").first { $0.lowercased().hasPrefix("sec-websocket-key:") }
            .map { $0.split(separator: ":", maxSplits: 1)[1].trimmingCharacters(in: " ") }
    }

    /// The request target of the upgrade request, e.g. `/?v=10&encoding=json`.
    var target: String? {
        request?.split(separator: "\r\n").first?.split(separator: " ").dropFirst().first.map(String.init)
    }

    // MARK: Writing to the client

    /// The `101 Switching Protocols` answer to the request received.
    func accept() -> [UInt8] {
        let accept = WebSocketHandshake.acceptValue(forKey: key ?? "")
        return Array(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: \(accept)\r\n\r\n"
                .utf8)
    }

    /// A server frame (never masked).
    static func frame(opcode: UInt8, _ payload: [UInt8], fin: Bool = true) -> [UInt8] {
        var bytes: [UInt8] = [(fin ? 0x80 : 0) | opcode]
        if payload.count < 126 {
            bytes.append(UInt8(payload.count))
        } else if payload.count <= 0xFFFF {
            bytes += [126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        } else {
            bytes.append(127)
            bytes += (0..<8).reversed().map { UInt8((payload.count >> ($0 * 8)) & 0xFF) }
        }
        return bytes + payload
    }

    /// One gateway payload as the server sends it: encoded, compressed and framed, split into
    /// `fragments` frames when asked.
    func message(_ value: GatewayValue, fragments: Int = 1) throws -> [UInt8] {
        let (body, binary) = try body(value)
        return Self.fragmented(body, opcode: binary ? 2 : 1, fragments: fragments)
    }

    /// A payload encoded and compressed as this connection does, and whether it goes in a binary message.
    func body(_ value: GatewayValue) throws -> (bytes: [UInt8], binary: Bool) {
        var body: [UInt8]
        switch encoding {
        case .json: body = GatewayJSON.encode(value)
        case .etf: body = try GatewayETF.encode(value)
        }
        switch compression {
        case .none: return (body, encoding == .etf)
        case .payload: body = ZlibStandalone.compress(body)
        case .zlibStream: body = zlib?.compress(body) ?? []
        case .zstdStream: body = try zstd?.compress(body) ?? []
        }
        return (body, true)
    }

    /// A message split into `fragments` frames of roughly equal size.
    static func fragmented(_ body: [UInt8], opcode: UInt8, fragments: Int) -> [UInt8] {
        let count = max(1, min(fragments, body.count))
        let size = (body.count + count - 1) / max(count, 1)
        var output: [UInt8] = []
        var start = 0
        var first = true
        repeat {
            let end = min(body.count, start + max(size, 1))
            output += frame(opcode: first ? opcode : 0, Array(body[start..<end]), fin: end == body.count)
            first = false
            start = end
        } while start < body.count
        return output
    }

    /// HELLO with `interval` milliseconds.
    func hello(interval: Int64 = 41_250) throws -> [UInt8] {
        try message(["op": 10, "d": ["heartbeat_interval": .integer(interval)], "s": nil, "t": nil])
    }

    /// A dispatch with the next sequence number.
    func dispatch(_ name: String, _ data: GatewayValue, fragments: Int = 1) throws -> [UInt8] {
        sequence += 1
        return try message(["op": 0, "d": data, "s": .integer(sequence), "t": .string(name)], fragments: fragments)
    }

    /// READY with a session id and a resume URL.
    func ready(sessionID: String = "abc123", resumeURL: String = "wss://resume.discord.gg") throws -> [UInt8] {
        try dispatch(
            "READY",
            [
                "v": 10, "user": ["id": "80351110224678912", "username": "bot"], "guilds": [],
                "session_id": .string(sessionID), "resume_gateway_url": .string(resumeURL),
            ])
    }

    /// Any opcode with `d`.
    func op(_ op: Int64, _ data: GatewayValue = nil) throws -> [UInt8] {
        try message(["op": .integer(op), "d": data, "s": nil, "t": nil])
    }

    /// A close frame with a code and reason.
    static func close(_ code: UInt16, _ reason: String = "") -> [UInt8] {
        frame(opcode: 8, [UInt8(code >> 8), UInt8(code & 0xFF)] + Array(reason.utf8))
    }
}

extension Substring {
    func trimmingCharacters(in set: Character) -> String {
        String(drop(while: { $0 == set }).reversed().drop(while: { $0 == set }).reversed())
    }
}
