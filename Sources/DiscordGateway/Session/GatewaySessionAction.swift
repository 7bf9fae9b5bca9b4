import WebSocketProtocol

/// What a ``GatewaySessionDriver`` asks its I/O layer to do, in order.
public enum GatewaySessionAction: Sendable {
    /// Open a TCP connection (TLS in front when `usesTLS`) and write `upgradeRequest` once it is up.
    case openConnection(host: String, port: Int, usesTLS: Bool, upgradeRequest: [UInt8])
    /// Write these bytes to the open connection.
    case write([UInt8])
    /// Close the socket (after what was written). Its end comes back as
    /// ``GatewaySessionDriver/endOfInput(now:)``.
    case closeConnection
    /// Call ``GatewaySessionDriver/reconnectTimerFired(now:)`` after this long.
    case scheduleReconnect(after: Duration)
    /// Ask whoever paces identifies (a shard manager's `max_concurrency` bucket) for a turn, then call
    /// ``GatewaySessionDriver/identifyPermitted(now:)``. Only with ``GatewaySessionDriver/Policy/identifyNeedsPermission``.
    case requestIdentifyPermission
    /// Tell the user: see ``GatewaySessionReport``.
    case report(GatewaySessionReport)
    /// The session is over: nil after a stop that was asked for, else why it failed. Cancel
    /// every timer and close the socket, if one is still open.
    case finish(GatewaySessionFailure?)
}

/// Something a session driver tells its user, beside the bytes.
public enum GatewaySessionReport: Sendable {
    /// Connection number `connection` (from 1) is being opened to `url`.
    case connecting(connection: Int, url: String)
    /// Something the gateway connection reported.
    case gateway(GatewayEvent)
    /// The transport failed (TCP, TLS, a wait before the upgrade ran out); said once per connection.
    case transportFailed(GatewayTransportProblem)
    /// Connection number `connection` ended: the transport's problem if it had one, else the
    /// disconnect the gateway connection reported (nil when it never started), and whether the
    /// server had answered the upgrade.
    case ended(connection: Int, problem: GatewayTransportProblem?, disconnect: GatewayDisconnect?, upgraded: Bool)
    /// The next connection starts after `delay` and will RESUME or IDENTIFY; `attempt` counts the
    /// connections since the last READY or RESUMED (1 for the first reconnect after a healthy one).
    case reconnecting(delay: Duration, willResume: Bool, attempt: Int)
    /// The session is stopping cleanly, for this reason.
    case stopping(GatewaySessionStopReason)
}

/// Why a session stops cleanly.
public enum GatewaySessionStopReason: Sendable, Hashable {
    /// ``GatewaySessionDriver/stop(closeCode:now:)`` was called.
    case requested
    /// ``GatewaySessionDriver/Policy/maxDispatches`` dispatches arrived.
    case maxDispatches(Int)
    /// IDENTIFY or RESUME could not be built (an identify the connection refuses).
    case identifyRefused(GatewaySendError)
}

/// Why a session ended without being asked to.
public enum GatewaySessionFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// Discord closed with a code that forbids reconnecting (4004, 4010-4014).
    case fatalCloseCode(GatewayCloseCode)
    /// The server refused the WebSocket upgrade, permanently or on the first connection.
    case upgradeRejected(WebSocketRejection)
    /// The TCP connection or TLS failed, or a wait before the upgrade ran out, where retrying will
    /// not help (a refused certificate, a first connection, no reconnects).
    case unreachable(GatewayTransportProblem)
    /// A connection ended and the session will not go on (no reconnects, or a first connection that
    /// never upgraded): what ended it, and whether the server had answered the upgrade.
    case disconnected(GatewayDisconnect, upgraded: Bool)
    /// IDENTIFY or RESUME could not be built.
    case identifyRefused(GatewaySendError)
    /// A stop that was asked for, whose close the server never answered.
    case closeUnanswered(GatewayDisconnect)

    /// The failure in one sentence.
    public var description: String {
        switch self {
        case .fatalCloseCode(let code): "the gateway closed with \(code): \(code.explanation)"
        case .upgradeRejected(let rejection):
            "the gateway refused the upgrade with HTTP \(rejection.statusCode)"
                + (rejection.reason.isEmpty ? "" : " \(rejection.reason)")
        case .unreachable(let problem): problem.sentence()
        case .disconnected(let disconnect, _): "the connection ended: \(disconnect)"
        case .identifyRefused(let error): "IDENTIFY or RESUME could not be sent: \(error)"
        case .closeUnanswered(let disconnect): "the gateway did not answer our close: \(disconnect)"
        }
    }
}

/// What went wrong with a connection below the WebSocket: told by the I/O layer, or a wait the
/// driver bounds itself.
public enum GatewayTransportProblem: Sendable, Hashable, CustomStringConvertible {
    /// The I/O layer's sentence for a failed TCP connection, TLS handshake or socket.
    case failed(String)
    /// A wait before the upgrade answer ran out: `wait` at `place` (`host:port`), after `limit`.
    case waitExpired(GatewayTransportWait, place: String, limit: Duration)

    /// The problem in one sentence; `option` names the setting that bounds waits (e.g. `--timeout`), if any.
    public func sentence(naming option: String? = nil) -> String {
        switch self {
        case .failed(let text):
            return text
        case .waitExpired(let wait, let place, let limit):
            let suffix = option.map { " (\($0))" } ?? ""
            let within = Self.seconds(limit)
            switch wait {
            case .tcpConnect: return "no TCP connection to \(place) within \(within)\(suffix)"
            case .tlsHandshake: return "the TLS handshake with \(place) did not finish within \(within)\(suffix)"
            case .upgradeResponse: return "no answer to the upgrade from \(place) within \(within)\(suffix)"
            }
        }
    }

    public var description: String { sentence() }

    /// A duration as a person writes it, e.g. `10 s` or `2.5 s`.
    public static func seconds(_ duration: Duration) -> String {
        let value = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return value == value.rounded() && value < 1e9 ? "\(Int(value)) s" : "\(value) s"
    }
}

/// A wait before the upgrade that the I/O layer or the driver bounds.
public enum GatewayTransportWait: Sendable, Hashable {
    /// The TCP connection.
    case tcpConnect
    /// The TLS handshake.
    case tlsHandshake
    /// The server's answer to the upgrade request.
    case upgradeResponse
}
