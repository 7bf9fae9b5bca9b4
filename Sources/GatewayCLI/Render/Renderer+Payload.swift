import DiscordGateway
import GatewayCodecs

extension Renderer {
    /// What a payload line is.
    public enum PayloadKind: String, Sendable {
        /// Received from the server.
        case event
        /// Sent by the client.
        case sent
    }

    /// A gateway payload: `op`, `t`, `s` and `d` exactly as received (for ETF, the decoded value).
    public func payload(
        _ kind: PayloadKind, _ context: RenderContext?, _ direction: Direction?, _ payload: GatewayPayload,
        latency: Duration? = nil
    ) {
        emit(
            pretty: { prettyPayload(context, direction, payload, latency: latency) },
            json: {
                var line = object(kind.rawValue, context, direction)
                line.add("op", payload.opcode.rawValue)
                line.add("t", payload.eventName)
                line.add("s", payload.sequence)
                switch payload.encoding {
                case .json:
                    if let raw = payload.rawData { line.add("d", rawJSON: raw) } else { line.addNull("d") }
                case .etf:
                    line.add("d", compactJSON: payload.dataJSON())
                }
                if let latency { line.add("latency", seconds: latency) }
                return line
            })
    }

    private func prettyPayload(
        _ context: RenderContext?, _ direction: Direction?, _ payload: GatewayPayload, latency: Duration?
    ) -> String {
        var text = prefix(context, direction)
        let opName = payload.opcode.name ?? "UNKNOWN"
        if payload.opcode == .dispatch {
            text += style.dim("DISPATCH ") + style.name(payload.eventName ?? "(no t)")
            if let sequence = payload.sequence { text += " s=\(sequence)" }
        } else {
            text += style.name(opName) + style.dim(" (op \(payload.opcode.rawValue))")
        }
        if let latency { text += " latency " + TimeText.milliseconds(latency) + " ms" }
        let data = payload.data
        switch data {
        case .null:
            break
        case .object(let object) where object.isEmpty:
            text += " d={}"
        case .array(let array) where array.isEmpty:
            text += " d=[]"
        case .object, .array:
            text += "\n" + indented(data, by: 4)
        default:
            text += " d=" + style.json(GatewayJSON.prettyPrinted(data))
        }
        return text
    }
}
