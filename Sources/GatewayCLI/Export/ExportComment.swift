import DiscordGateway
import GatewayCodecs
import WebSocketProtocol

/// The words a packet comment uses for a gateway payload.
enum ExportComment {
    /// `op 0 DISPATCH MESSAGE_CREATE s=42`, for a payload's envelope; `sent ` first for the
    /// client's.
    static func payload(_ envelope: GatewayEnvelope, sent: Bool) -> String {
        var words = sent ? "sent op \(envelope.op)" : "op \(envelope.op)"
        let name = GatewayOpcode(rawValue: envelope.op).name ?? "UNKNOWN"
        words += " \(name)"
        if let event = envelope.eventName { words += " \(event)" }
        if let sequence = envelope.sequence { words += " s=\(sequence)" }
        return words
    }

    /// ` (312 bytes compressed, zlib-stream)` or ` (60 bytes)`: the message as it was on the wire.
    static func wire(compressedBytes: Int, compression: GatewayCompression?, wasCompressed: Bool) -> String {
        guard let compression, wasCompressed, compression != .none else { return " (\(compressedBytes) bytes)" }
        return " (\(compressedBytes) bytes compressed, \(compression.rawValue))"
    }

    /// `close`, `ping`, `pong`, `text`, `binary` or `continuation`: a frame's kind in words.
    static func frameName(_ opcode: WebSocketOpcode) -> String {
        switch opcode {
        case .close: "close"
        case .ping: "ping"
        case .pong: "pong"
        case .text: "text"
        case .binary: "binary"
        case .continuation: "continuation"
        default: "opcode \(opcode.rawValue)"
        }
    }
}
