import DiscordGateway
import SeededRandom
import WebSocketProtocol

// A dump whose first message no gateway layer claims (not JSON, ETF, zlib or zstd) is some
// other WebSocket session: a gateway connection would close it with 4002 at that message and
// show nothing more. It is replayed through a WebSocket client alone instead, every message
// shown as it is (text quoted, binary as a hex dump), pings, pongs and closes too. A frame
// that breaks RFC 6455 still ends the replay with 65: that is the WebSocket layer itself.

extension ReplayEngine {
    /// A client for one connection of a dump that is not a gateway session.
    static func makePlainClient(verifiesAcceptValue: Bool) -> WebSocketClient {
        var configuration = WebSocketConfiguration()
        configuration.reportsFrames = true
        configuration.verifiesAcceptValue = verifiesAcceptValue
        var random = SplitMix64(seed: 0x5DEE_CE66_D1CE_4E5B)
        do {
            return try WebSocketClient(
                url: WebSocketURL("wss://gateway.discord.gg/"), configuration: configuration, using: &random)
        } catch {
            // A fixed URL and no extra headers: nothing the client can refuse.
            preconditionFailure("the plain replay client was refused: \(error)")
        }
    }

    /// Bytes of a plain WebSocket dump.
    mutating func receivePlain(_ bytes: UnsafeRawBufferPointer) throws(ReplayError) {
        guard case .plain(var client) = mode else { return }
        // Moved out of `mode` first, so the client's buffers stay uniquely referenced and grow
        // in place rather than being copied on every read.
        mode = .sniffing(Sniffing())
        var random = SplitMix64(seed: 0)
        _ = client.receive(bytes, using: &random)
        mode = .plain(client)
        try drainPlain()
    }

    /// The end of a plain WebSocket connection's input.
    mutating func endPlain() throws(ReplayError) {
        guard case .plain(var client) = mode else { return }
        let truncation = client.unfinishedInput
        client.receiveEndOfInput()
        mode = .plain(client)
        if let truncation { try inputStopped(truncation) }
        try drainPlain()
    }

    private mutating func drainPlain() throws(ReplayError) {
        guard case .plain(var client) = mode else { return }
        var events: [WebSocketEvent] = []
        while let event = client.nextEvent() { events.append(event) }
        mode = .plain(client)
        for event in events { try showPlain(event) }
    }

    private mutating func showPlain(_ event: WebSocketEvent) throws(ReplayError) {
        switch event {
        case .accepted(let response):
            showUpgrade(response)
        case .rejected(let rejection):
            showRejection(rejection)
        case .frame(let header):
            showFrame(header)
        case .message(.text(let bytes)):
            if !filter.quiet { renderer.rawMessage("text", bytes, .inbound, context) }
        case .message(.binary(let bytes)):
            if !filter.quiet { renderer.rawMessage("binary", bytes, .inbound, context) }
        case .ping(let payload):
            if !filter.quiet { renderer.rawMessage("ping", payload, .inbound, context) }
        case .pong(let payload):
            if !filter.quiet { renderer.rawMessage("pong", payload, .inbound, context) }
        case .closed(let closure):
            if let error = closure.error, error.kind != .truncatedHandshake {
                throw failure(.corruptInput, error.message, at: error.offset)
            }
            // As in a gateway replay: an end without a close frame has no code.
            summary.closed(code: closure.initiator == .abnormal ? nil : closure.code)
            if filter.showsConnectionLines {
                let code = closure.code.map { " with \(GatewayCloseCode(rawValue: $0))" } ?? ""
                let reason = closure.reason.isEmpty ? "" : " \"\(closure.reason)\""
                switch closure.initiator {
                case .remote: renderer.info("closed by the server\(code)\(reason)", context)
                case .local: renderer.info("closed by the client\(code)\(reason)", context)
                case .abnormal: renderer.info("the connection ended without a close frame", context)
                }
            }
        }
    }
}
