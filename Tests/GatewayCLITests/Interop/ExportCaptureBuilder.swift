import CaptureFormats
import DiscordGateway
import Foundation
import WebSocketProtocol

/// A capture recording written with the library (the capture writer, the codecs' compressors
/// and ETF encoder), whose decompressed payloads are known, for the export tests.
struct ExportCaptureBuilder {
    /// One payload as an export must show it: direction and the decompressed bytes.
    struct Expected: Equatable {
        var outbound: Bool
        var payload: [UInt8]
        /// Text a packet comment must carry.
        var comment: String
    }

    static let token = "MTIzNDU2Nzg5.secret-token"

    /// Writes a two-connection capture of `encoding` and `compression` to `path`; returns the
    /// payloads in order.
    static func write(
        to path: String, encoding: GatewayEncoding, compression: GatewayCompression
    ) throws -> [Expected] {
        let wireEncoding: WireEncoding = encoding == .etf ? .etf : .json
        let wireCompression: WireCompression =
            switch compression {
            case .none: .none
            case .payload: .payload
            case .zlibStream: .zlibStream
            case .zstdStream: .zstdStream
            }
        let query = "v=10&encoding=\(encoding.rawValue)"
            + (compression == .zlibStream || compression == .zstdStream ? "&compress=\(compression.rawValue)" : "")
        let url = "wss://gateway.discord.gg/?\(query)"
        let writer = try CaptureWriter(
            path: path,
            header: CaptureHeader(
                tool: "tests", url: url, encoding: wireEncoding, compression: wireCompression,
                started: "2025-01-01T00:00:00.000Z"),
            secrets: [token])
        var expected: [Expected] = []
        var time: Int64 = 0
        func at() -> CaptureTimeOffset {
            time += 1500
            return CaptureTimeOffset(microseconds: time)
        }
        for connection in 1...2 {
            // A fresh compression context per connection, as a server has.
            let zlib = try ZlibStreamCompressor()
            let zstd = try ZstdStreamCompressor()
            func frame(_ json: String) throws -> [UInt8] {
                let value = try GatewayJSON.decode(Array(json.utf8))
                let payload = encoding == .etf ? try GatewayETF.encode(value) : Array(json.utf8)
                let envelope = try GatewayJSON.scanEnvelope(Array(json.utf8))
                var comment = "op \(envelope.op) \(GatewayOpcode(rawValue: envelope.op).name ?? "")"
                if let event = envelope.eventName { comment += " \(event)" }
                if let sequence = envelope.sequence { comment += " s=\(sequence)" }
                expected.append(Expected(outbound: false, payload: payload, comment: comment))
                let (opcode, wire): (WebSocketOpcode, [UInt8]) =
                    switch compression {
                    case .none: (encoding == .etf ? .binary : .text, payload)
                    case .payload: (.binary, ZlibStandalone.compress(payload))
                    case .zlibStream: (.binary, zlib.compress(payload))
                    case .zstdStream: (.binary, try zstd.compress(payload))
                    }
                return WebSocketFrameEncoder.encode(opcode: opcode, payload: wire)
            }
            func sent(_ json: String) throws {
                let redacted = json.replacingOccurrences(of: token, with: "[REDACTED]")
                let value = try GatewayJSON.decode(Array(redacted.utf8))
                let payload = encoding == .etf ? try GatewayETF.encode(value) : Array(redacted.utf8)
                let envelope = try GatewayJSON.scanEnvelope(Array(json.utf8))
                expected.append(
                    Expected(outbound: true, payload: payload, comment: "sent op \(envelope.op) \(GatewayOpcode(rawValue: envelope.op).name ?? "")"))
                try writer.append(.sent(CaptureSent(time: at(), connection: connection, payloadJSON: Array(json.utf8))))
            }
            try writer.append(.connectionEvent(CaptureConnectionEvent(kind: .connect, time: at(), connection: connection, detail: url)))
            let key = "dGhlIHNhbXBsZSBub25jZQ=="
            let request = "GET /?\(query) HTTP/1.1\r\nHost: gateway.discord.gg\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n\r\n"
            try writer.append(.chunk(CaptureChunk(direction: .outbound, time: at(), connection: connection, bytes: Array(request.utf8))))
            var first = WebSocketHandshake.switchingProtocolsResponse(forKey: key)
            first += try frame(#"{"op":10,"d":{"heartbeat_interval":41250}}"#)
            try writer.append(.chunk(CaptureChunk(direction: .inbound, time: at(), connection: connection, bytes: first)))
            if connection == 1 {
                try sent(#"{"op":2,"d":{"token":"\#(token)","intents":513,"properties":{"os":"linux"}}}"#)
                let big = String(repeating: "x", count: 5000)
                var ready = try frame(#"{"op":0,"s":1,"t":"READY","d":{"session_id":"abc","v":10,"pad":"\#(big)"}}"#)
                ready += try frame(#"{"op":0,"s":2,"t":"MESSAGE_CREATE","d":{"id":"1","content":"héllo"}}"#)
                // Split across two reads, mid-frame.
                let cut = ready.count / 3
                try writer.append(.chunk(CaptureChunk(direction: .inbound, time: at(), connection: connection, bytes: Array(ready[..<cut]))))
                try writer.append(.chunk(CaptureChunk(direction: .inbound, time: at(), connection: connection, bytes: Array(ready[cut...]))))
                try sent(#"{"op":1,"d":2}"#)
                try writer.append(.chunk(CaptureChunk(direction: .inbound, time: at(), connection: connection, bytes: try frame(#"{"op":11}"#))))
                try writer.append(.chunk(CaptureChunk(direction: .inbound, time: at(), connection: connection, bytes: try frame(#"{"op":7,"d":null}"#))))
                let close = WebSocketFrameEncoder.encode(
                    opcode: .close, payload: WebSocketFrameEncoder.closePayload(code: 4000, reason: "reconnect"),
                    maskingKey: WebSocketMaskingKey(1, 2, 3, 4))
                try writer.append(.chunk(CaptureChunk(direction: .outbound, time: at(), connection: connection, bytes: close)))
            } else {
                try sent(#"{"op":6,"d":{"token":"\#(token)","session_id":"abc","seq":2}}"#)
                try writer.append(.chunk(CaptureChunk(direction: .inbound, time: at(), connection: connection, bytes: try frame(#"{"op":0,"s":3,"t":"RESUMED","d":{}}"#))))
            }
            try writer.append(.connectionEvent(CaptureConnectionEvent(kind: .disconnect, time: at(), connection: connection, detail: "done")))
        }
        try writer.close()
        return expected
    }
}
