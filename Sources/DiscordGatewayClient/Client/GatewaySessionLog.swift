import DiscordGateway
import Logging

/// What a session tells its logger, one report at a time: connecting, READY and RESUMED at info,
/// reconnects at notice, transport failures at warning, a fatal end at error, each dispatch at
/// trace. Metadata: the logger's own (`shard`), plus `session_id`, `sequence`, close codes and
/// delays. The token never reaches a log line: IDENTIFY and RESUME are never logged, and sent
/// payloads are not logged at all.
struct GatewaySessionLog {
    var logger: Logger

    func report(_ report: GatewaySessionReport, connection: GatewayConnection) {
        switch report {
        case .connecting(let number, let url):
            logger.info("connecting", metadata: ["connection": "\(number)", "url": "\(url)"])
        case .gateway(let event):
            gateway(event, connection: connection)
        case .transportFailed(let problem):
            logger.warning("transport failed", metadata: ["problem": "\(problem.sentence())"])
        case .ended(let number, let problem, let disconnect, let upgraded):
            var metadata: Logger.Metadata = ["connection": "\(number)", "upgraded": "\(upgraded)"]
            if let problem { metadata["problem"] = "\(problem.sentence())" }
            if let code = disconnect?.code { metadata["close_code"] = "\(code.rawValue)" }
            logger.debug("connection ended", metadata: metadata)
        case .reconnecting(let delay, let willResume, let attempt):
            logger.notice(
                "reconnecting",
                metadata: session(connection).merging(
                    ["delay": "\(delay)", "will_resume": "\(willResume)", "attempt": "\(attempt)"]) { $1 })
        case .stopping(let reason):
            logger.info("stopping", metadata: ["reason": "\(reason)"])
        }
    }

    func finished(_ failure: GatewaySessionFailure?, connection: GatewayConnection) {
        guard let failure else {
            logger.info("session ended", metadata: session(connection))
            return
        }
        logger.error(
            "session failed",
            metadata: session(connection).merging(["error": "\(GatewayClientError.sessionFailed(failure))"]) { $1 })
    }

    private func gateway(_ event: GatewayEvent, connection: GatewayConnection) {
        switch event {
        case .dispatch(let payload):
            switch payload.eventName {
            case "READY": logger.info("ready", metadata: session(connection))
            case "RESUMED": logger.info("resumed", metadata: session(connection))
            default:
                if logger.logLevel <= .trace {
                    logger.trace(
                        "dispatch",
                        metadata: ["event": "\(payload.eventName ?? "")", "sequence": "\(payload.sequence ?? 0)"])
                }
            }
        case .disconnected(let disconnect):
            var metadata = session(connection)
            if let code = disconnect.code { metadata["close_code"] = "\(code.rawValue)" }
            metadata["initiator"] = "\(disconnect.initiator.rawValue)"
            metadata["will_resume"] = "\(disconnect.willResume)"
            logger.info("disconnected: \(disconnect.cause)", metadata: metadata)
        case .rejected(let rejection):
            logger.warning("upgrade refused", metadata: ["status": "\(rejection.statusCode)"])
        case .hello(let interval, _):
            logger.debug("hello", metadata: ["heartbeat_interval": "\(interval)"])
        case .upgraded, .frame, .heartbeatRequested, .heartbeatAcknowledged, .reconnectRequested, .invalidSession,
            .payload, .sent:
            // Sent payloads stay out of logs entirely (IDENTIFY and RESUME are redacted in them, but
            // a log is no place for what the bot sends); the rest are routine.
            break
        }
    }

    private func session(_ connection: GatewayConnection) -> Logger.Metadata {
        var metadata: Logger.Metadata = [:]
        if let id = connection.sessionID { metadata["session_id"] = "\(id)" }
        if let sequence = connection.sequence { metadata["sequence"] = "\(sequence)" }
        return metadata
    }
}
