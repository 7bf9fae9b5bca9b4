import DiscordGateway
import GatewayCodecs
import WebSocketProtocol

/// The encoding and compression a replay decodes with, and why they were chosen.
public struct ReplayFormat: Sendable, Hashable {
    /// The payload encoding.
    public var encoding: GatewayEncoding
    /// The compression.
    public var compression: GatewayCompression

    /// Creates a format.
    public init(encoding: GatewayEncoding, compression: GatewayCompression) {
        self.encoding = encoding
        self.compression = compression
    }

    /// The format a capture header names.
    init(_ encoding: WireEncoding, _ compression: WireCompression) {
        self.init(encoding: GatewayEncoding(encoding), compression: GatewayCompression(compression))
    }

    /// `json, zlib-stream`.
    public var description: String { "\(encoding.rawValue), \(compression.rawValue)" }
}

/// Finds the format of a raw dump from its first message.
enum ReplayFormatSniffer {
    /// The outcome of looking at the first bytes of a dump.
    enum Outcome {
        /// More bytes are needed to see the first message.
        case needMoreInput
        /// The format, with one sentence on why.
        case found(ReplayFormat, reason: String)
        /// The first message is not a gateway payload (not JSON, ETF, zlib or zstd): the dump is
        /// some other WebSocket session, shown as it is.
        case notGateway(reason: String)
    }

    /// The fallback when nothing tells: what Discord sends without options.
    static let fallback = ReplayFormat(encoding: .json, compression: .none)

    /// Looks for the first data message in `bytes` (a dump's start) and sniffs it.
    /// - Parameter atEnd: whether `bytes` is all there is, so a guess must be made now.
    static func sniff(_ bytes: [UInt8], startsWithHandshake: Bool, atEnd: Bool) -> Outcome {
        var start = 0
        if startsWithHandshake {
            guard let headLength = HTTPMessageText.headLength(of: bytes) else {
                return atEnd ? .found(fallback, reason: "the dump has no complete HTTP response; assuming json, none") : .needMoreInput
            }
            start = headLength
        }
        var parser = WebSocketFrameParser(framesFrom: .either)
        bytes.withUnsafeBytes { parser.append(UnsafeRawBufferPointer(rebasing: $0[start...])) }
        var message: [UInt8] = []
        var inMessage = false
        while true {
            let frame: WebSocketFrame?
            do {
                frame = try parser.nextFrame()
            } catch {
                return .found(fallback, reason: "no first message could be read (\(error)); assuming json, none")
            }
            guard let frame else {
                return atEnd ? .found(fallback, reason: "the dump holds no complete message; assuming json, none") : .needMoreInput
            }
            let opcode = frame.header.opcode
            if opcode == .text || opcode == .binary || (opcode == .continuation && inMessage) {
                inMessage = true
                message += frame.payload
                if frame.header.fin {
                    let guess = PayloadSniffer.sniffMessage(message)
                    if guess.compression == nil { return .notGateway(reason: guess.reason) }
                    let (format, reason) = decide(message)
                    return .found(format, reason: reason)
                }
            }
        }
    }

    /// The format of a first message, decompressing it when needed to see the encoding.
    static func decide(_ message: [UInt8]) -> (ReplayFormat, reason: String) {
        let guess = PayloadSniffer.sniffMessage(message)
        switch guess.compression {
        case nil:
            return (fallback, reason: guess.reason + "; assuming json, none")
        case .none?:
            return (ReplayFormat(encoding: guess.encoding.map(GatewayEncoding.init) ?? .json, compression: .none), guess.reason)
        case .payload?:
            return (ReplayFormat(encoding: .json, compression: .payload), guess.reason)
        case .zlibStream?:
            let inflated = try? ZlibStreamDecompressor().decompress(message)
            return encodingAfter(inflated ?? nil, compression: .zlibStream, reason: guess.reason)
        case .zstdStream?:
            let inflated = try? ZstdStreamDecompressor().decompress(message)
            return encodingAfter(inflated, compression: .zstdStream, reason: guess.reason)
        }
    }

    private static func encodingAfter(_ bytes: [UInt8]?, compression: GatewayCompression, reason: String)
        -> (ReplayFormat, reason: String)
    {
        let encoding: GatewayEncoding = bytes?.first == 131 ? .etf : .json
        let shown = bytes?.first == 131 ? "131: ETF" : bytes?.first == UInt8(ascii: "{") ? "'{': JSON" : "no known byte: assuming JSON"
        return (
            ReplayFormat(encoding: encoding, compression: compression),
            reason + "; decompressed, it starts with " + shown
        )
    }
}
