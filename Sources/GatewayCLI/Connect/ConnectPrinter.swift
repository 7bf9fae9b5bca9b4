import DiscordGateway
import Foundation
import NIOConcurrencyHelpers

/// Shows a live session through the shared ``Renderer``, as `replay` shows a recording, and keeps
/// a one-line status on standard error when that is a terminal.
///
/// The session calls ``print(_:)`` on its event loop, one event at a time; ``finish()`` runs on
/// the caller's thread once the session has ended. The renderer is not thread-safe, so every use
/// of it (and of the status line) holds `lock`. Output is flushed after each event, so a live
/// session's lines appear as they happen.
final class ConnectPrinter: @unchecked Sendable {
    private let lock = NIOLock()
    private let renderer: Renderer
    private let filter: OutputFilter
    private let showsStatus: Bool
    private var statusShown = false
    /// The connection number of the last event, for lines about the session as a whole.
    private var connection = 1

    init(renderer: Renderer, filter: OutputFilter, showsStatus: Bool) {
        self.renderer = renderer
        self.filter = filter
        self.showsStatus = showsStatus
    }

    func print(_ event: GatewaySessionEvent) {
        lock.withLock {
            if case .status(let status) = event {
                if showsStatus { showStatus(status) }
                return
            }
            clearStatus()
            render(event)
            renderer.flush()
        }
    }

    /// Flushes the output and clears the status line before the process ends.
    func finish() {
        lock.withLock {
            renderer.flush()
            clearStatus()
        }
    }

    private func render(_ event: GatewaySessionEvent) {
        let lines = filter.showsConnectionLines
        switch event {
        case .connecting(let number, let url, let time):
            connection = number
            if lines { renderer.info("connecting to \(url)", RenderContext(time: time, connection: number)) }
        case .transportError(let message, let number, let time):
            if !filter.quiet { renderer.error(message, offset: nil, RenderContext(time: time, connection: number)) }
        case .detail(let message, let number, let time):
            renderer.info(message, RenderContext(time: time, connection: number))
        case .reconnecting(let delay, let willResume, let attempt, let reason, let time):
            if lines {
                renderer.reconnect(
                    RenderContext(time: time, connection: connection), delay: delay, willResume: willResume,
                    attempt: attempt, reason: reason)
            }
        case .stopping(let reason, let time):
            if lines { renderer.info("stopping: \(reason)", RenderContext(time: time, connection: connection)) }
        case .status:
            break
        case .gateway(let gatewayEvent, let number, let time):
            connection = number
            render(gatewayEvent, RenderContext(time: time, connection: number))
        }
    }

    private func render(_ event: GatewayEvent, _ context: RenderContext) {
        switch event {
        case .upgraded(let response):
            if filter.showsConnectionLines {
                renderer.upgradeResponse(context, response, note: "accept value matches the request key")
            }
        case .rejected(let rejection):
            if filter.showsConnectionLines { renderer.rejected(context, rejection) }
        case .frame(let header):
            if filter.showsFrames { renderer.frame(context, .inbound, header, offset: header.offset) }
        case .hello(_, let payload), .dispatch(let payload), .heartbeatRequested(let payload),
            .reconnectRequested(let payload), .invalidSession(_, let payload), .payload(let payload):
            show(.event, context, .inbound, payload, latency: nil)
        case .heartbeatAcknowledged(let latency, let payload):
            show(.event, context, .inbound, payload, latency: latency)
        case .sent(let payload):
            show(.sent, context, .outbound, payload, latency: nil)
        case .disconnected(let disconnect):
            if filter.showsConnectionLines { renderer.close(context, disconnect) }
        }
    }

    private func show(
        _ kind: Renderer.PayloadKind, _ context: RenderContext, _ direction: Direction, _ payload: GatewayPayload,
        latency: Duration?
    ) {
        guard filter.shows(opcode: payload.opcode.rawValue, eventName: payload.eventName) else { return }
        renderer.payload(kind, context, direction, payload, latency: latency)
    }

    private func showStatus(_ status: GatewaySessionStatus) {
        var text = "\r\u{1B}[K\(status.dispatches) events (\(String(format: "%.1f", status.dispatchesPerSecond))/s)"
        text += " seq \(status.sequence.map(String.init) ?? "-")"
        text += " latency \(status.latency.map { TimeText.milliseconds($0) + " ms" } ?? "-")"
        text += " conn \(status.connection)"
        statusShown = true
        FileHandle.standardError.write(Data(text.utf8))
    }

    private func clearStatus() {
        guard statusShown else { return }
        statusShown = false
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
