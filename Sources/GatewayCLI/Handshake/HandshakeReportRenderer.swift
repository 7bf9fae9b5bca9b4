import DiscordGatewayClient
import DiscordGateway
import WebSocketProtocol

/// Shows what `handshake` saw over the network through the shared ``Renderer``, and turns the
/// outcome into the exit status (`connect`'s table, ``DisconnectOutcome``): 0 for an upgrade
/// closed cleanly, 69 for a refusal, an unreachable server or a timeout before the upgrade, 76 for
/// a server that breaks the protocol (an invalid answer, a bad frame, no HELLO, no close echo).
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
        var ending: DisconnectOutcome?
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
                ending = DisconnectOutcome(disconnect, timeout: report.timeout, upgraded: report.answered != nil)
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

        if let rejection {
            throw HandshakeError(.refused, DisconnectOutcome.refusal(rejection))
        }
        try fail(with: firstProblem(ending: ending))
    }

    /// The first thing that went wrong, in the order it happened: a failure before the upgrade,
    /// a broken answer or frame, no HELLO, then the way the connection ended.
    private func firstProblem(ending: DisconnectOutcome?) -> ConnectError? {
        if let failure = report.failure, report.answered == nil {
            return ConnectError(.unreachable, failure.message, exitStatus: failure.status)
        }
        if let ending, ending.status == .protocolError, !ending.closeUnanswered {
            return ending.error
        }
        if report.messageTimedOut, report.firstMessage == nil {
            let limit = NetworkFailureText.seconds(report.timeout)
            return ConnectError(
                .protocolViolation, "the server sent no HELLO within \(limit) of the upgrade (--timeout)",
                exitStatus: .protocolError)
        }
        if let failure = report.failure {
            let kind: ConnectError.Kind = failure.status == .protocolError ? .protocolViolation : .unreachable
            return ConnectError(kind, failure.message, exitStatus: failure.status)
        }
        if let ending, ending.status != .ok { return ending.error }
        return nil
    }

    private func fail(with problem: ConnectError?) throws {
        guard let problem else { return }
        if renderer.format == .jsonl { renderer.error(problem.message, offset: nil) }
        throw problem
    }
}
