import ArgumentParser
import DiscordGateway
import GatewayCodecs
import WebSocketProtocol

/// What `decode` takes its input to be.
public enum DecodeLayer: String, Sendable, Hashable, CaseIterable, ExpressibleByArgument {
    /// Detect: WebSocket frames, else a payload sniffed from its first bytes.
    case auto
    /// WebSocket frames, masked or not, possibly several and fragmented.
    case frames
    /// A zlib-stream message (ending in `00 00 ff ff`).
    case zlibStream = "zlib-stream"
    /// One complete zlib stream (payload compression).
    case zlib
    /// A zstd-stream message.
    case zstd
    /// An ETF term (version byte 131).
    case etf
    /// JSON text.
    case json
}

/// Peels layers off bytes (frames, then compression, then the encoding) and renders each.
///
/// One decompression context serves all messages of the input, as on a
/// connection, so several zlib-stream messages decode in order.
struct LayerDecoder {
    let renderer: Renderer
    let limits = CodecLimits()
    private var zlibStream: ZlibStreamDecompressor?
    private var zstdStream: ZstdStreamDecompressor?

    init(renderer: Renderer) {
        self.renderer = renderer
    }

    /// Decodes `bytes` as `layer`.
    mutating func decode(_ bytes: [UInt8], as layer: DecodeLayer) throws(DecodeError) {
        switch layer {
        case .frames:
            try decodeFrames(bytes)
        case .auto:
            if bytes.count >= 2, PayloadSniffer.describeFrameHeader(bytes[0], bytes[1]) != nil {
                renderer.info("the input starts with a WebSocket frame header: decoding frames")
                try decodeFrames(bytes)
            } else if !showsUnclaimed(bytes, kind: "bytes", direction: nil) {
                try decodePayload(bytes, as: .auto, direction: nil)
            }
        case .zlibStream, .zlib, .zstd, .etf, .json:
            try decodePayload(bytes, as: layer, direction: nil)
        }
    }

    private mutating func decodeFrames(_ bytes: [UInt8]) throws(DecodeError) {
        var parser = WebSocketFrameParser(framesFrom: .either)
        parser.append(bytes)
        var message: [UInt8] = []
        var messageMasked = false
        var messageOpcode = WebSocketOpcode.text
        while true {
            let frame: WebSocketFrame?
            do {
                frame = try parser.nextFrame()
            } catch {
                throw DecodeError(layer: "websocket", error.message, offset: error.offset)
            }
            guard let frame else { break }
            let header = frame.header
            let direction: Direction = header.isMasked ? .outbound : .inbound
            renderer.frame(nil, direction, header, offset: header.offset)
            switch header.opcode {
            case .text, .binary, .continuation:
                if header.opcode != .continuation {
                    messageMasked = header.isMasked
                    messageOpcode = header.opcode
                }
                message += frame.payload
                if header.fin {
                    let whole = message
                    message = []
                    let direction: Direction = messageMasked ? .outbound : .inbound
                    if !showsUnclaimed(whole, kind: messageOpcode == .text ? "text" : "binary", direction: direction) {
                        try decodePayload(whole, as: .auto, direction: direction)
                    }
                }
            case .close:
                let payload = frame.payload
                if payload.count >= 2 {
                    let code = GatewayCloseCode(rawValue: UInt16(payload[0]) << 8 | UInt16(payload[1]))
                    let reason = payload.count > 2 ? " \"" + String(decoding: payload[2...], as: UTF8.self) + "\"" : ""
                    renderer.info("close \(code)\(reason): \(code.explanation)")
                } else {
                    renderer.info("close without a status code")
                }
            default:
                renderer.rawMessage("\(header.opcode)", frame.payload, direction)
            }
        }
        guard parser.isAtFrameBoundary else {
            throw DecodeError(
                layer: "websocket", "the input ends inside a frame (\(bytes.count) bytes in all)", offset: parser.offset)
        }
        if !message.isEmpty || parser.isInsideFragmentedMessage {
            throw DecodeError(layer: "websocket", "the input ends inside a fragmented message (no FIN frame)", offset: bytes.count)
        }
    }

    /// Shows `bytes` as they are when no gateway layer claims them (not JSON, ETF, zlib or zstd,
    /// and no compression context of this input continues): the layer that carried them decoded
    /// cleanly, so this is a result, not an error. Returns whether it did.
    private mutating func showsUnclaimed(_ bytes: [UInt8], kind: String, direction: Direction?) -> Bool {
        let continuesZlib = zlibStream != nil && bytes.count >= 4 && bytes.suffix(4).elementsEqual([0x00, 0x00, 0xFF, 0xFF])
        guard !continuesZlib, zstdStream == nil else { return false }
        let guess = PayloadSniffer.sniffMessage(bytes)
        guard guess.compression == nil else { return false }
        renderer.rawMessage(kind, bytes, direction)
        let why = bytes.isEmpty
            ? "it is empty"
            : "it starts with \(PayloadSniffer.hex(bytes.prefix(4))), which is not JSON, ETF (131), zlib (78 xx) or zstd (28 b5 2f fd)"
        renderer.info("not a gateway payload: \(why)")
        return true
    }

    private mutating func decodePayload(_ bytes: [UInt8], as layer: DecodeLayer, direction: Direction?)
        throws(DecodeError)
    {
        var chosen = layer
        if chosen == .auto || chosen == .frames, zlibStream != nil, bytes.count >= 4,
            bytes.suffix(4).elementsEqual([0x00, 0x00, 0xFF, 0xFF])
        {
            // Later messages of a zlib-stream continue the stream: no zlib header of their own.
            chosen = .zlibStream
        } else if chosen == .auto || chosen == .frames, zstdStream != nil, bytes.first != UInt8(ascii: "{"),
            bytes.first != 131
        {
            chosen = .zstd
        }
        if chosen == .auto || chosen == .frames {
            let guess = PayloadSniffer.sniffMessage(bytes)
            switch guess.compression {
            case .zlibStream?: chosen = .zlibStream
            case .payload?: chosen = .zlib
            case .zstdStream?: chosen = .zstd
            case .none?: chosen = guess.encoding == .etf ? .etf : .json
            case nil: throw DecodeError(layer: "input", guess.reason, offset: 0)
            }
        }
        switch chosen {
        case .zlibStream:
            do {
                if zlibStream == nil { zlibStream = try ZlibStreamDecompressor(limit: limits.maxDecompressedPayloadSize) }
                guard let inflated = try zlibStream?.decompress(bytes) else {
                    renderer.layer(
                        "zlib-stream", inputBytes: bytes.count, outputBytes: nil,
                        detail: "no 00 00 ff ff yet: buffered for the next message")
                    return
                }
                renderer.layer("zlib-stream", inputBytes: bytes.count, outputBytes: inflated.count)
                try decodePayload(inflated, as: .auto, direction: direction)
            } catch let error as DecompressionError {
                throw DecodeError(layer: "zlib-stream", error.message, offset: error.offset)
            } catch {
                throw DecodeError(layer: "zlib-stream", "\(error)")
            }
        case .zlib:
            do {
                let inflated = try ZlibStandalone.decompress(bytes, limit: limits.maxDecompressedPayloadSize)
                renderer.layer("zlib", inputBytes: bytes.count, outputBytes: inflated.count)
                try decodePayload(inflated, as: .auto, direction: direction)
            } catch let error as DecompressionError {
                throw DecodeError(layer: "zlib", error.message, offset: error.offset)
            } catch {
                throw DecodeError(layer: "zlib", "\(error)")
            }
        case .zstd:
            do {
                if zstdStream == nil { zstdStream = try ZstdStreamDecompressor(limit: limits.maxDecompressedPayloadSize) }
                let inflated = try zstdStream?.decompress(bytes) ?? []
                renderer.layer("zstd", inputBytes: bytes.count, outputBytes: inflated.count)
                try decodePayload(inflated, as: .auto, direction: direction)
            } catch let error as DecompressionError {
                throw DecodeError(layer: "zstd", error.message, offset: error.offset)
            } catch {
                throw DecodeError(layer: "zstd", "\(error)")
            }
        case .json, .etf:
            try render(bytes, encoding: chosen == .etf ? .etf : .json, direction: direction)
        case .auto, .frames:
            preconditionFailure("the layer was resolved above")
        }
    }

    /// The final layer: a gateway payload when it has `op`, else any value.
    private func render(_ bytes: [UInt8], encoding: GatewayEncoding, direction: Direction?) throws(DecodeError) {
        let value: GatewayValue
        do {
            switch encoding {
            case .json: value = try GatewayJSON.decode(bytes, limits: limits)
            case .etf: value = try GatewayETF.decode(bytes, limits: limits)
            }
        } catch let error as JSONDecodingError {
            throw DecodeError(layer: "json", error.message, offset: error.offset)
        } catch let error as ETFDecodingError {
            throw DecodeError(layer: "etf", error.description, offset: error.offset)
        } catch {
            throw DecodeError(layer: encoding.rawValue, "\(error)")
        }
        renderer.layer(encoding.rawValue, inputBytes: bytes.count, outputBytes: nil)
        if value["op"] != nil, let payload = try? GatewayPayload(decoding: bytes, encoding: encoding, limits: limits) {
            renderer.payload(direction == .outbound ? .sent : .event, nil, direction, payload)
        } else {
            renderer.value(value, encoding: encoding.rawValue)
        }
    }
}
