import DiscordGateway
import GatewayCodecs
import WebSocketProtocol

/// The server side of the sample session: a scripted gateway that reads the
/// client's upgrade request and masked frames with the library's parser and
/// writes unmasked frames compressed with its own zlib-stream compressor.
final class SampleGatewayServer {
    private var compressor: ZlibStreamCompressor
    private var parser = WebSocketFrameParser(framesFrom: .client)
    private var request: [UInt8] = []
    private var upgraded = false
    /// The client's `Sec-WebSocket-Key`.
    private(set) var key = ""
    private var sequence: Int64 = 0

    init() throws(DecompressionError) {
        compressor = try ZlibStreamCompressor()
    }

    /// A new connection: fresh framing and compression, as a real server has.
    func newConnection() throws(DecompressionError) {
        compressor = try ZlibStreamCompressor()
        parser = WebSocketFrameParser(framesFrom: .client)
        request = []
        upgraded = false
        key = ""
    }

    /// What the client wrote, as the frames it contained (the request is consumed first).
    func receive(_ bytes: [UInt8]) throws -> [WebSocketFrame] {
        var frames: [WebSocketFrame] = []
        if !upgraded {
            request += bytes
            guard let head = HTTPMessageText(request) else { return [] }
            key = head.value(of: "Sec-WebSocket-Key") ?? ""
            upgraded = true
            parser.append(Array(request[head.headerLength...]))
        } else {
            parser.append(bytes)
        }
        while let frame = try parser.nextFrame() { frames.append(frame) }
        return frames
    }

    /// The `101` answering the request's key.
    func switchingProtocols() -> [UInt8] {
        WebSocketHandshake.switchingProtocolsResponse(forKey: key)
    }

    /// One payload: JSON, zlib-stream compressed, in one binary frame.
    func message(op: Int64, _ data: GatewayValue, event: String? = nil) -> [UInt8] {
        var sequenceValue: GatewayValue = .null
        if event != nil {
            sequence += 1
            sequenceValue = .integer(sequence)
        }
        let payload: GatewayValue = [
            "t": event.map { .string($0) } ?? .null, "s": sequenceValue, "op": .integer(op), "d": data,
        ]
        return WebSocketFrameEncoder.encode(opcode: .binary, payload: compressor.compress(GatewayJSON.encode(payload)))
    }

    /// A close frame with `code`.
    func close(_ code: UInt16, reason: String = "") -> [UInt8] {
        WebSocketFrameEncoder.encode(opcode: .close, payload: WebSocketFrameEncoder.closePayload(code: code, reason: reason))
    }
}
