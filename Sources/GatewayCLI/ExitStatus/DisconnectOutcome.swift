import DiscordGatewayClient
import DiscordGateway

/// What the end of a gateway connection means for the process: the exit status and the one
/// sentence that says why, naming the first thing that went wrong (the violation with its byte
/// offset, the wait that expired with its length), not a consequence of it.
///
/// One table for `connect` and `handshake`: 76 when the server broke the WebSocket or gateway
/// protocol, 69 when it went away or stopped answering, 77/78 for Discord's fatal close codes,
/// 0 only for a close we asked for that the server answered or ended the connection after
/// (a server that lets the wait for its echo run out breaks the close handshake: 76).
struct DisconnectOutcome: Sendable, Hashable {
    /// The status the process ends with when this disconnect stops it.
    var status: ProcessExitStatus
    /// What happened, in one sentence.
    var cause: String
    /// Whether the only thing wrong is that the server did not answer our close.
    var closeUnanswered = false

    /// Judges `disconnect`; `timeout` is the `--timeout` the waits ran with, `upgraded` whether
    /// the server had answered the upgrade on that connection.
    init(_ disconnect: GatewayDisconnect, timeout: Duration, upgraded: Bool = true) {
        let limit = NetworkFailureText.seconds(timeout)
        switch disconnect.cause {
        case .protocolViolation(let error):
            status = .protocolError
            // Where, without the close code the description adds: an answer to the upgrade gets
            // none, and the close line shows the one a frame got.
            cause = "the server broke the WebSocket protocol: \(error.message) (at byte \(error.offset))"
        case .undecodablePayload(let error):
            status = .protocolError
            cause = "the server sent a payload that cannot be decoded: \(error)"
        case .helloTimeout:
            status = .protocolError
            cause = "the server sent no HELLO within \(limit) of the upgrade (--timeout)"
        case .zombieConnection:
            status = .unavailable
            cause = "the server did not acknowledge a heartbeat before the next one was due (zombie connection)"
        case .endOfInput:
            status = .unavailable
            if !upgraded {
                var received = 0
                if case .handshake(let count)? = disconnect.truncation { received = count }
                cause = "the server closed the connection before answering the upgrade"
                    + (received > 0 ? " (\(received) bytes of its answer arrived)" : "")
            } else if let truncation = disconnect.truncation {
                cause = "the server dropped the connection " + Self.describe(truncation)
            } else {
                cause = "the server dropped the connection without a close frame"
            }
        case .serverClosed:
            let code = disconnect.code
            status = code.flatMap { ProcessExitStatus.forCloseCode(Int($0.rawValue)) } ?? .unavailable
            let reason = disconnect.reason.isEmpty ? "" : " \"\(disconnect.reason)\""
            cause = "the server closed the connection with \(code.map { "\($0)" } ?? "no code")\(reason)"
            if let code, !code.canReconnect { cause += ": \(code.explanation)" }
        case .reconnectRequested:
            status = .unavailable
            cause = "the server asked for a reconnect (op 7 RECONNECT)"
        case .invalidSession(let resumable):
            status = .unavailable
            cause = "the server invalidated the session (op 9 INVALID_SESSION, \(resumable ? "resumable" : "not resumable"))"
        case .upgradeRejected(let code):
            status = .unavailable
            cause = "the server refused the WebSocket upgrade with HTTP \(code) \(disconnect.reason)"
        case .requested:
            status = .ok
            cause = "closed as asked"
        }
        if disconnect.closeTimedOut && status == .ok {
            status = .protocolError
            cause = "the server did not answer our close within \(limit) (--timeout)"
            closeUnanswered = true
        }
    }

    /// A refused upgrade in one line: the status, and the start of the body with its line
    /// breaks folded (the whole body is on standard output, in the `rejected` line).
    static func refusal(_ rejection: WebSocketRejection) -> String {
        var text = "the server refused the WebSocket upgrade with HTTP \(rejection.statusCode) \(rejection.reason)"
        let words = String(decoding: rejection.body.prefix(4096), as: UTF8.self).split(whereSeparator: \.isWhitespace)
        guard !words.isEmpty else { return text }
        let body = words.joined(separator: " ")
        let limit = 200
        text += ": " + (body.count > limit ? body.prefix(limit) + "…" : body)
        if rejection.isBodyTruncated && body.count <= limit { text += " [body truncated]" }
        return text
    }

    /// Where the input stopped, as the end of a sentence.
    static func describe(_ truncation: WebSocketTruncation) -> String {
        switch truncation {
        case .handshake(let received):
            "before the end of its upgrade response (\(received) bytes of it arrived)"
        case .frameHeader(let offset, let received):
            "inside a frame header at byte \(offset) (\(received) of its bytes arrived)"
        case .framePayload(let header, let missing):
            "inside the frame at byte \(header.offset) (\(missing) of its \(header.payloadLength) payload bytes missing)"
        }
    }

    /// The outcome as the error a command ends with.
    var error: ConnectError {
        ConnectError(status == .protocolError ? .protocolViolation : .unreachable, cause, exitStatus: status)
    }
}
