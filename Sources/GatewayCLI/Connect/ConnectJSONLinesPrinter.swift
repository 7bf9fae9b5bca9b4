import DiscordGateway
import Foundation
import NIOConcurrencyHelpers

/// Prints a live session's events as JSON Lines on standard output, one object per event, and a
/// one-line status on standard error when that is a terminal.
///
/// Stand-in for the shared renderer of `replay`: everything `connect` prints goes through here.
/// Objects carry `kind` (`connect`, `upgraded`, `rejected`, `frame`, `receive`, `send`,
/// `disconnect`, `transport_error`, `reconnect`, `stop`), `conn`, `time` in seconds, and for
/// payloads `op`, `s`, `t`, `d`. Sent payloads show the token as `[redacted]`.
final class ConnectJSONLinesPrinter: Sendable {
    private let showsStatus: Bool
    private let statusShown = NIOLockedValueBox(false)

    init(showsStatus: Bool) {
        self.showsStatus = showsStatus
    }

    func print(_ event: GatewaySessionEvent) {
        if case .status(let status) = event {
            if showsStatus { showStatus(status) }
            return
        }
        guard let object = Self.object(for: event) else { return }
        var line = GatewayJSON.encode(.object(object))
        line.append(UInt8(ascii: "\n"))
        clearStatus()
        FileHandle.standardOutput.write(Data(line))
    }

    /// Clears the status line before the process ends.
    func finish() {
        clearStatus()
    }

    static func object(for event: GatewaySessionEvent) -> GatewayObject? {
        switch event {
        case .connecting(let connection, let url, let time):
            return ["kind": "connect", "conn": GatewayValue(connection), "time": seconds(time), "url": .string(url)]
        case .transportError(let message, let connection, let time):
            return ["kind": "transport_error", "conn": GatewayValue(connection), "time": seconds(time), "message": .string(message)]
        case .reconnecting(let delay, let willResume, let reason, let time):
            return [
                "kind": "reconnect", "time": seconds(time), "delay_ms": .double(milliseconds(delay)),
                "resume": .bool(willResume), "reason": .string(reason),
            ]
        case .stopping(let reason, let time):
            return ["kind": "stop", "time": seconds(time), "reason": .string(reason)]
        case .status:
            return nil
        case .gateway(let gatewayEvent, let connection, let time):
            var object: GatewayObject = ["kind": "receive", "conn": GatewayValue(connection), "time": seconds(time)]
            switch gatewayEvent {
            case .upgraded(let response):
                object["kind"] = "upgraded"
                object["status"] = GatewayValue(response.statusCode)
            case .rejected(let rejection):
                object["kind"] = "rejected"
                object["status"] = GatewayValue(rejection.statusCode)
                object["reason"] = .string(rejection.reason)
                object["body"] = .string(String(decoding: rejection.body, as: UTF8.self))
            case .frame(let header):
                object["kind"] = "frame"
                object["opcode"] = GatewayValue(header.opcode.rawValue)
                object["fin"] = .bool(header.fin)
                object["length"] = GatewayValue(header.payloadLength)
            case .hello(_, let payload), .dispatch(let payload), .heartbeatRequested(let payload),
                .reconnectRequested(let payload), .invalidSession(_, let payload), .payload(let payload):
                add(payload, to: &object)
            case .heartbeatAcknowledged(let latency, let payload):
                add(payload, to: &object)
                if let latency { object["latency_ms"] = .double(milliseconds(latency)) }
            case .sent(let payload):
                object["kind"] = "send"
                add(payload, to: &object)
            case .disconnected(let disconnect):
                object["kind"] = "disconnect"
                object["initiator"] = .string(disconnect.initiator.rawValue)
                object["code"] = disconnect.code.map { GatewayValue($0.rawValue) } ?? .null
                object["reason"] = .string(disconnect.reason)
                object["cause"] = .string(disconnect.cause.description)
                object["reconnect"] = .bool(disconnect.canReconnect)
                object["resume"] = .bool(disconnect.willResume)
            }
            return object
        }
    }

    private static func add(_ payload: GatewayPayload, to object: inout GatewayObject) {
        object["op"] = GatewayValue(payload.opcode.rawValue)
        object["s"] = payload.sequence.map { GatewayValue($0) } ?? .null
        object["t"] = payload.eventName.map { .string($0) } ?? .null
        object["d"] = payload.data
    }

    private static func seconds(_ time: Duration) -> GatewayValue {
        .double((milliseconds(time) * 1000).rounded() / 1_000_000)
    }

    private static func milliseconds(_ time: Duration) -> Double {
        let (seconds, attoseconds) = time.components
        return Double(seconds) * 1000 + Double(attoseconds / 1_000_000_000) / 1_000_000
    }

    private func showStatus(_ status: GatewaySessionStatus) {
        var text = "\r\u{1B}[K\(status.dispatches) events (\(String(format: "%.1f", status.dispatchesPerSecond))/s)"
        text += " seq \(status.sequence.map(String.init) ?? "-")"
        text += " latency \(status.latency.map { "\(Int(Self.milliseconds($0))) ms" } ?? "-")"
        text += " conn \(status.connection)"
        statusShown.withLockedValue { $0 = true }
        FileHandle.standardError.write(Data(text.utf8))
    }

    private func clearStatus() {
        let wasShown = statusShown.withLockedValue { shown -> Bool in
            defer { shown = false }
            return shown
        }
        if wasShown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
