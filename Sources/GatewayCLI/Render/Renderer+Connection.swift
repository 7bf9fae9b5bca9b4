import DiscordGateway
import WebSocketProtocol

extension Renderer {
    /// The upgrade request the client wrote.
    public func upgradeRequest(_ context: RenderContext, requestLine: String, headers: [WebSocketHTTPHeader]) {
        emit(
            pretty: { prefix(context, .outbound) + requestLine },
            json: {
                var line = object("upgrade", context, .outbound)
                line.add("request", requestLine)
                line.add("headers", Self.headerValue(headers))
                return line
            })
    }

    /// The server's `101` answer.
    public func upgradeResponse(
        _ context: RenderContext, _ response: WebSocketHandshakeResponse, note: String? = nil, acceptMatched: Bool? = nil
    ) {
        emit(
            pretty: {
                prefix(context, .inbound) + style.good("HTTP \(response.statusCode) \(response.reason)")
                    + (note.map { style.dim(" (\($0))") } ?? "")
            },
            json: {
                var line = object("upgrade", context, .inbound)
                line.add("status", response.statusCode)
                line.add("reason", response.reason)
                line.add("headers", Self.headerValue(response.headers))
                if let note { line.add("note", note) }
                if let acceptMatched { line.add("accept_matched", acceptMatched) }
                return line
            })
    }

    /// A refused upgrade: status, headers and body.
    public func rejected(_ context: RenderContext, _ rejection: WebSocketRejection) {
        let body = String(decoding: rejection.body, as: UTF8.self)
        emit(
            pretty: {
                var text = prefix(context, .inbound) + style.bad("HTTP \(rejection.statusCode) \(rejection.reason)")
                    + " (upgrade refused)"
                for header in rejection.headers { text += "\n    \(header.name): \(header.value)" }
                if !body.isEmpty { text += "\n\n    " + body.split(separator: "\n").joined(separator: "\n    ") }
                return text
            },
            json: {
                var line = object("rejected", context, .inbound)
                line.add("status", rejection.statusCode)
                line.add("reason", rejection.reason)
                line.add("headers", Self.headerValue(rejection.headers))
                line.add("body", body)
                line.add("body_truncated", rejection.isBodyTruncated)
                return line
            })
    }

    /// One WebSocket frame header; `offset` is where it starts in the input.
    public func frame(_ context: RenderContext?, _ direction: Direction, _ header: WebSocketFrameHeader, offset: Int) {
        emit(
            pretty: {
                var text = prefix(context, direction) + style.dim("frame \(header.opcode)")
                text += style.dim("\(header.fin ? " FIN" : "") length=\(header.payloadLength) @\(offset)")
                if let key = header.maskingKey { text += style.dim(" masked key=\(key)") }
                if header.rsv1 || header.rsv2 || header.rsv3 {
                    text += style.dim(" rsv=\(header.rsv1 ? 1 : 0)\(header.rsv2 ? 1 : 0)\(header.rsv3 ? 1 : 0)")
                }
                return text
            },
            json: {
                var line = object("frame", context, direction)
                line.add("offset", offset)
                line.add("opcode", header.opcode.description)
                line.add("fin", header.fin)
                line.add("masked", header.isMasked)
                line.add("length", header.payloadLength)
                return line
            })
    }

    /// The end of a connection: close code with its name and meaning, and what comes next.
    public func close(_ context: RenderContext, _ disconnect: GatewayDisconnect) {
        let explanation = disconnect.initiator == .server ? disconnect.code?.explanation : nil
        emit(
            pretty: {
                var text = prefix(context, nil) + style.bad("✕ ") + disconnect.description
                if let explanation { text += style.dim(" — \(explanation)") }
                return text
            },
            json: {
                var line = object("close", context)
                line.add("by", disconnect.initiator.rawValue)
                if let code = disconnect.code {
                    line.add("code", Int(code.rawValue))
                    line.add("name", code.name)
                } else {
                    line.addNull("code")
                    line.addNull("name")
                }
                line.add("reason", disconnect.reason)
                line.add("cause", disconnect.cause.description)
                if let explanation { line.add("explanation", explanation) }
                line.add("reconnect", disconnect.canReconnect)
                line.add("resume", disconnect.willResume)
                return line
            })
    }

    /// Headers as `[[name, value], ...]`: order and repeats kept.
    static func headerValue(_ headers: [WebSocketHTTPHeader]) -> GatewayValue {
        .array(headers.map { .array([.string($0.name), .string($0.value)]) })
    }
}

extension Renderer {
    /// A live session's next connection: when it starts, whether it resumes, and why (connect only).
    /// `context` is the connection that ended.
    /// `attempt` counts reconnects since the last READY or RESUMED.
    public func reconnect(_ context: RenderContext, delay: Duration, willResume: Bool, attempt: Int, reason: String) {
        emit(
            pretty: {
                prefix(context, nil) + style.dim("↻ reconnecting in \(TimeText.milliseconds(delay)) ms (attempt \(attempt)) with ")
                    + (willResume ? "RESUME" : "IDENTIFY") + style.dim(": \(reason)")
            },
            json: {
                var line = object("reconnect", context)
                line.add("delay", seconds: delay)
                line.add("attempt", attempt)
                line.add("resume", willResume)
                line.add("reason", reason)
                return line
            })
    }
}

extension Renderer {
    /// How long the phases of a connection took, each from the start (handshake only).
    public func timing(_ context: RenderContext, _ phases: [(name: String, time: Duration)]) {
        emit(
            pretty: {
                prefix(context, nil) + style.dim("timing: ")
                    + phases.map { "\($0.name) \(TimeText.milliseconds($0.time)) ms" }.joined(separator: ", ")
            },
            json: {
                var line = object("timing", context)
                for phase in phases { line.add(phase.name, seconds: phase.time) }
                return line
            })
    }
}
