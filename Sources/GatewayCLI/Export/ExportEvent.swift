import WebSocketProtocol

/// What an export writes, in the order it happened: the decoded view of a capture that the
/// pcapng and HAR writers both turn into their own format.
enum ExportEvent {
    /// Connection `number` starts at `time` (microseconds since the Unix epoch), to `url`.
    case connectionStarted(number: Int, time: Int64, url: String)
    /// The client's upgrade request, as recorded or `synthesized` (a raw dump has none).
    case upgradeRequest(bytes: [UInt8], time: Int64, synthesized: Bool)
    /// The server's answer to the upgrade, as recorded or `synthesized`; a refused upgrade's
    /// later bytes (its body) come as more of these.
    case upgradeResponse(bytes: [UInt8], time: Int64, synthesized: Bool)
    /// A WebSocket message or control frame.
    case message(ExportMessage)
    /// The connection ends at `time`.
    case connectionEnded(number: Int, time: Int64)
}

/// One message of a connection, its payload decompressed.
struct ExportMessage {
    /// Which way it went: inbound (server to client) or outbound.
    var direction: CaptureDirection
    /// Microseconds since the Unix epoch.
    var time: Int64
    /// Text or binary for a gateway payload; close, ping or pong for a control frame.
    var opcode: WebSocketOpcode
    /// The payload: decompressed for a data message, as it was for a control frame.
    var payload: [UInt8]
    /// The masking key an outbound control frame was recorded with (data frames get a
    /// deterministic one when written).
    var recordedMask: WebSocketMaskingKey?
    /// What the packet comment says about it (`op 0 DISPATCH READY s=1 (...)`).
    var comment: String
}
