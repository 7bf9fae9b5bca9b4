import DiscordGateway
import WebSocketProtocol

/// Shows what `handshake` saw over the network through the shared ``Renderer``, and turns the
/// outcome into the exit status: 0 for an upgrade closed cleanly, 69 for a refusal, an
/// unreachable server or a timeout, 65 for an invalid answer.
struct HandshakeReportRenderer {
    var renderer: Renderer
    var report: HandshakeProbeReport

    private func context(_ time: Duration) -> RenderContext { RenderContext(time: time, connection: 1) }

    func render() throws {
        let request = HTTPMessageText(report.request)
        if let request {
            renderer.upgradeRequest(context(.zero), requestLine: request.startLine, headers: request.headers)
        }
        let expected = request?.value(of: "Sec-WebSocket-Key").map { WebSocketHandshake.acceptValue(forKey: $0) }
        var notes = report.notes[...]
        var rejection: WebSocketRejection?
        var invalid: String?
        var closedCleanly = false
        for (time, event) in report.events {
            while let note = notes.first, note.time <= time {
                renderer.info(note.text, context(note.time))
                notes = notes.dropFirst()
            }
            switch event {
            case .upgraded(let response):
                let actual = response.headers.first { $0.name.lowercased() == "sec-websocket-accept" }?.value
                let matched = actual != nil && actual == expected
                let note =
                    matched
                    ? "accept value matches the request key"
                    : "accept value \(actual ?? "missing") does not match \(expected ?? "?")"
                renderer.upgradeResponse(context(time), response, note: note, acceptMatched: matched)
            case .rejected(let refused):
                rejection = refused
                renderer.rejected(context(time), refused)
            case .hello(_, let payload), .dispatch(let payload), .heartbeatRequested(let payload),
                .reconnectRequested(let payload), .invalidSession(_, let payload), .payload(let payload),
                .heartbeatAcknowledged(_, let payload):
                renderer.payload(.event, context(time), .inbound, payload)
            case .disconnected(let disconnect):
                renderer.close(context(time), disconnect)
                switch disconnect.cause {
                case .protocolViolation, .undecodablePayload:
                    invalid = disconnect.description
                default:
                    closedCleanly = disconnect.initiator == .client && disconnect.code?.rawValue == 1000
                }
            case .frame, .sent:
                break
            }
        }
        for note in notes { renderer.info(note.text, context(note.time)) }
        var phases: [(name: String, time: Duration)] = []
        if let time = report.tcpConnected { phases.append(("tcp", time)) }
        if let time = report.tlsEstablished { phases.append(("tls", time)) }
        if let time = report.answered { phases.append(("upgrade", time)) }
        if let time = report.firstMessage { phases.append(("first_message", time)) }
        if let time = report.ended { phases.append(("closed", time)) }
        if !phases.isEmpty { renderer.timing(context(report.ended ?? phases.last?.time ?? .zero), phases) }

        if let failure = report.failure {
            if renderer.format == .jsonl { renderer.error(failure, offset: nil) }
            throw ConnectError(.unreachable, failure, exitStatus: .unavailable)
        }
        if let rejection {
            throw HandshakeError(
                .refused, "the server refused the upgrade with HTTP \(rejection.statusCode) \(rejection.reason)")
        }
        if let invalid {
            if renderer.format == .jsonl { renderer.error(invalid, offset: nil) }
            throw HandshakeError(.invalid, "invalid answer: \(invalid)")
        }
        if !closedCleanly {
            let message = "the connection did not close cleanly with 1000"
            if renderer.format == .jsonl { renderer.error(message, offset: nil) }
            throw ConnectError(.unreachable, message, exitStatus: .unavailable)
        }
    }
}
