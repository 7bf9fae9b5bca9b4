/// What the first bytes of a gateway message say about its encoding and compression.
public struct MessageFormatGuess: Sendable, Hashable {
    /// The payload encoding, when the bytes show it (compressed bytes do not).
    public var encoding: WireEncoding?
    /// The compression, or `nil` when the bytes match no known format.
    public var compression: WireCompression?
    /// One sentence saying what was chosen and why, for the CLI to print.
    public var reason: String
}

/// What kind of file an input is, judged from its first bytes.
public struct InputFormatGuess: Sendable, Hashable {
    /// The kinds of input `replay` accepts.
    public enum Kind: Sendable, Hashable {
        /// A capture recording (JSON Lines starting with a header record).
        case captureRecording
        /// A raw inbound dump starting with the server's HTTP response.
        case rawDumpWithHandshake
        /// A raw inbound dump starting directly with a WebSocket frame.
        case rawDumpWithoutHandshake
        /// A packet capture: classic pcap (any of its four magics) or pcapng.
        case packetCapture
        /// None of the above.
        case unknown
    }

    /// What the input looks like.
    public var kind: Kind
    /// One sentence saying what was chosen and why, for the CLI to print.
    public var reason: String
}

/// Guesses formats from first bytes, for inputs that do not say what they are.
///
/// Discord's formats are easy to tell apart: JSON payloads are objects, ETF
/// starts with its version byte 131, zlib and zstd have fixed headers, and the
/// two compressions that use zlib differ in how a message ends.
public enum PayloadSniffer {
    /// Guesses the encoding and compression of a connection from its first message's payload bytes.
    public static func sniffMessage(_ bytes: [UInt8]) -> MessageFormatGuess {
        guard let first = bytes.first else {
            return MessageFormatGuess(encoding: nil, compression: nil, reason: "the first message is empty")
        }
        let firstNonSpace = bytes.first { !isJSONWhitespace($0) } ?? first
        if firstNonSpace == UInt8(ascii: "{") {
            return MessageFormatGuess(
                encoding: .json, compression: WireCompression.none,
                reason: "the first message starts with '{': uncompressed JSON")
        }
        if first == 131 {
            return MessageFormatGuess(
                encoding: .etf, compression: WireCompression.none,
                reason: "the first message starts with 131, the ETF version byte: uncompressed ETF")
        }
        if bytes.starts(with: [0x28, 0xB5, 0x2F, 0xFD]) {
            return MessageFormatGuess(
                encoding: nil, compression: .zstdStream,
                reason: "the first message starts with the zstd frame magic 28 b5 2f fd: zstd-stream "
                    + "(the encoding shows after decompression)")
        }
        if bytes.count >= 2, isZlibHeader(bytes[0], bytes[1]) {
            let header = hex(bytes.prefix(2))
            if bytes.count >= 6, bytes.suffix(4).elementsEqual([0x00, 0x00, 0xFF, 0xFF]) {
                return MessageFormatGuess(
                    encoding: nil, compression: .zlibStream,
                    reason: "the first message starts with the zlib header \(header) and ends with the "
                        + "sync-flush marker 00 00 ff ff: zlib-stream (the encoding shows after decompression)")
            }
            return MessageFormatGuess(
                encoding: .json, compression: .payload,
                reason: "the first message starts with the zlib header \(header) and does not end with "
                    + "00 00 ff ff: one complete zlib stream per message, i.e. payload compression (JSON only)")
        }
        return MessageFormatGuess(
            encoding: nil, compression: nil,
            reason: "the first message starts with \(hex(bytes.prefix(4))), which is not JSON, ETF (131), "
                + "zlib (78 xx) or zstd (28 b5 2f fd)")
    }

    /// Guesses what kind of input a file is from its first bytes (at least 2 for a frame).
    public static func sniffInput(_ bytes: some Collection<UInt8>) -> InputFormatGuess {
        let prefix = Array(bytes.prefix(64))
        guard let first = prefix.first else {
            return InputFormatGuess(kind: .unknown, reason: "the input is empty")
        }
        if let magic = PcapFileParser.magic(prefix) {
            return InputFormatGuess(
                kind: .packetCapture,
                reason: "the input starts with \(hex(prefix.prefix(4))), the magic number of a \(magic.description) file: "
                    + "a packet capture, whose WebSocket connections are replayed")
        }
        if first == UInt8(ascii: "{") {
            return InputFormatGuess(
                kind: .captureRecording, reason: "the input starts with '{': a gatewayctl capture recording")
        }
        if prefix.starts(with: Array("HTTP/".utf8)) {
            let statusLine = prefix.prefix { $0 != 0x0D && $0 != 0x0A }
            let printable = String(decoding: statusLine.filter { $0 >= 0x20 && $0 < 0x7F }, as: UTF8.self)
            return InputFormatGuess(
                kind: .rawDumpWithHandshake,
                reason: "the input starts with an HTTP response (\(printable)): a raw inbound dump with the handshake")
        }
        if prefix.count >= 2, let frame = describeFrameHeader(prefix[0], prefix[1]) {
            return InputFormatGuess(
                kind: .rawDumpWithoutHandshake,
                reason: "the input starts with a WebSocket frame header (\(frame)): a raw inbound dump "
                    + "without the handshake")
        }
        return InputFormatGuess(
            kind: .unknown,
            reason: "the input starts with \(hex(prefix.prefix(4))), which is neither a capture recording ('{'), "
                + "an HTTP response, a WebSocket frame header, nor a pcap or pcapng file")
    }

    /// Whether two bytes are a valid zlib header: deflate, window ≤ 32 KiB, no preset dictionary, FCHECK ok.
    static func isZlibHeader(_ cmf: UInt8, _ flg: UInt8) -> Bool {
        cmf & 0x0F == 8 && cmf >> 4 <= 7 && flg & 0x20 == 0 && (UInt16(cmf) << 8 | UInt16(flg)) % 31 == 0
    }

    /// A description of a plausible RFC 6455 frame header, or `nil` when it cannot start a frame.
    package static func describeFrameHeader(_ byte0: UInt8, _ byte1: UInt8) -> String? {
        let fin = byte0 & 0x80 != 0
        let opcode = byte0 & 0x0F
        let masked = byte1 & 0x80 != 0
        let length = byte1 & 0x7F
        guard byte0 & 0x70 == 0 else { return nil }
        let name: String
        switch opcode {
        case 0x0: name = "continuation"
        case 0x1: name = "text"
        case 0x2: name = "binary"
        case 0x8: name = "close"
        case 0x9: name = "ping"
        case 0xA: name = "pong"
        default: return nil
        }
        if opcode >= 0x8 && (!fin || length > 125) { return nil }
        let lengthText = length == 126 ? "16-bit length" : length == 127 ? "64-bit length" : "length \(length)"
        return "\(name), FIN=\(fin ? 1 : 0), \(masked ? "masked" : "unmasked"), \(lengthText)"
    }

    private static func isJSONWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    package static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in bytes {
            if !text.isEmpty { text.append(UInt8(ascii: " ")) }
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
