import SeededRandom
import WebSocketProtocol

/// Returns the given values in a cycle: pins handshake keys and masking keys exactly.
struct ReplayRNG: RandomNumberGenerator {
    var values: [UInt64]
    var index = 0
    init(_ values: UInt64...) { self.values = values }
    mutating func next() -> UInt64 {
        defer { index = (index + 1) % values.count }
        return values[index]
    }
}

func hex(_ string: String) -> [UInt8] {
    let digits = Array(string.utf8).filter { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\n") }
    var bytes: [UInt8] = []
    var index = 0
    while index + 1 < digits.count {
        bytes.append(UInt8(String(decoding: digits[index...index + 1], as: UTF8.self), radix: 16) ?? 0)
        index += 2
    }
    return bytes
}

func ascii(_ string: String) -> [UInt8] { Array(string.utf8) }

/// Splits `bytes` into chunks at every byte (`nil` seed) or at random points.
func chunks(_ bytes: [UInt8], randomSplitsSeed seed: UInt64?) -> [[UInt8]] {
    guard let seed else { return bytes.map { [$0] } }
    var rng = SplitMix64(seed: seed)
    var result: [[UInt8]] = []
    var index = 0
    while index < bytes.count {
        let length = Int.random(in: 0...min(bytes.count - index, 17), using: &rng)
        result.append(Array(bytes[index..<(index + length)]))
        index += length
    }
    return result
}

/// The key "AAECAwQFBgcICQoLDA0ODw==" (bytes 0...15) comes from these two draws.
let keyRNGValues: (UInt64, UInt64) = (0x0706_0504_0302_0100, 0x0F0E_0D0C_0B0A_0908)
let fixedKey = "AAECAwQFBgcICQoLDA0ODw=="
/// Computed by Python's hashlib/base64 and by wsproto's server for `fixedKey`.
let fixedAccept = "Bz3qJYTGdOe8gUSpLosEdiLKDrk="

func acceptResponse(_ accept: String = fixedAccept, extra: String = "") -> [UInt8] {
    ascii("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: \(accept)\r\n\(extra)\r\n")
}

/// A client whose handshake key is `fixedKey`.
func makeClient(
    _ url: String = "wss://gateway.discord.gg/?v=10&encoding=json",
    configuration: WebSocketConfiguration = .init()
) throws -> WebSocketClient {
    var rng = ReplayRNG(keyRNGValues.0, keyRNGValues.1)
    return try WebSocketClient(url: WebSocketURL(url), configuration: configuration, using: &rng)
}

extension WebSocketClient {
    /// Drains every pending event.
    mutating func drain() -> [WebSocketEvent] {
        var events: [WebSocketEvent] = []
        while let event = nextEvent() { events.append(event) }
        return events
    }

    /// Feeds all `chunks` (and nothing else); returns the bytes to write and the events.
    mutating func feed(_ chunks: [[UInt8]], rng: inout some RandomNumberGenerator) -> (output: [UInt8], events: [WebSocketEvent]) {
        var output: [UInt8] = []
        for chunk in chunks { output += receive(chunk, using: &rng) }
        return (output, drain())
    }
}

/// A minimal in-memory WebSocket server: parses the client's masked frames and
/// writes unmasked ones, so client behaviour is checked against a peer rather
/// than against hand-picked bytes only.
struct ServerPeer {
    var parser = WebSocketFrameParser(framesFrom: .client)
    var received: [WebSocketFrame] = []

    /// The frames the client wrote.
    mutating func read(_ bytes: [UInt8]) throws -> [WebSocketFrame] {
        parser.append(bytes)
        var frames: [WebSocketFrame] = []
        while let frame = try parser.nextFrame() { frames.append(frame) }
        received += frames
        return frames
    }

    static func frame(_ opcode: WebSocketOpcode, _ payload: [UInt8], fin: Bool = true, rsv: UInt8 = 0) -> [UInt8] {
        WebSocketFrameEncoder.encode(opcode: opcode, payload: payload, fin: fin, rsv: rsv)
    }

    static func text(_ string: String) -> [UInt8] { frame(.text, ascii(string)) }

    static func close(_ code: UInt16?, _ reason: String = "") -> [UInt8] {
        frame(.close, WebSocketFrameEncoder.closePayload(code: code, reason: reason))
    }
}

/// An open client (handshake done) and a peer.
func openClient(configuration: WebSocketConfiguration = .init()) throws -> WebSocketClient {
    var client = try makeClient(configuration: configuration)
    var rng = SplitMix64(seed: 1)
    _ = client.receive(acceptResponse(), using: &rng)
    _ = client.drain()
    return client
}

extension WebSocketEvent {
    var closure: WebSocketClosure? {
        if case .closed(let closure) = self { return closure }
        return nil
    }
}
