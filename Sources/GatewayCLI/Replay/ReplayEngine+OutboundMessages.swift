import DiscordGateway
import GatewayCodecs
import WebSocketProtocol

/// The client's side of a connection as a packet capture carries it: masked frames whose
/// messages are the gateway payloads the client sent (IDENTIFY, HEARTBEAT, ...).
struct OutboundMessages {
    /// The parser of the client's frames, kept across writes: a frame may span several segments.
    var parser = WebSocketFrameParser(framesFrom: .client)
    /// The message being assembled from its fragments, and whether it is binary.
    var message: [UInt8] = []
    var isBinary = false
    /// Set when the client's frames stopped making sense: the rest of its bytes are not parsed.
    var broken = false
    /// The start of the client's stream until its upgrade request's head is complete: a request
    /// may span TCP segments, and frames may follow it in the same one.
    var head: [UInt8] = []
    var sawRequest = false

    /// The longest request head waited for; a stream that has not ended its head by then is no
    /// WebSocket client.
    static let maxHeadLength = 64 << 10
}

extension ReplayEngine {
    /// The client's whole stream, as a packet capture has it: the upgrade request (however it
    /// was split), then frames.
    mutating func wroteStream(_ bytes: [UInt8]) {
        guard !current.outbound.broken else { return }
        if current.outbound.sawRequest { return wroteMessages(bytes) }
        current.outbound.head += bytes
        let head = current.outbound.head
        guard let length = HTTPMessageText.headLength(of: head) else {
            if head.count > OutboundMessages.maxHeadLength {
                current.outbound.head = []
                current.outbound.broken = true
                if filter.showsConnectionLines {
                    renderer.info("the client's first \(head.count) bytes hold no complete HTTP request head", context)
                }
            }
            return
        }
        current.outbound.head = []
        current.outbound.sawRequest = true
        if let request = HTTPMessageText(Array(head[..<length])) { showRequest(request) }
        if length < head.count { wroteMessages(Array(head[length...])) }
    }

    /// Bytes the client wrote, parsed as frames: each frame shown, each data message decoded and
    /// shown as a sent payload (its token redacted first), a close passed on to the connection.
    mutating func wroteMessages(_ bytes: [UInt8]) {
        guard !current.outbound.broken else { return }
        var outbound = current.outbound
        current.outbound = OutboundMessages()  // So the parser's buffer is mutated in place.
        defer { current.outbound = outbound }
        outbound.parser.append(bytes)
        while true {
            let frame: WebSocketFrame?
            do {
                frame = try outbound.parser.nextFrame()
            } catch {
                outbound.broken = true
                if filter.showsConnectionLines {
                    renderer.info("the client's frames cannot be read from here on: \(error)", context)
                }
                return
            }
            guard let frame else { return }
            if filter.showsFrames { renderer.frame(context, .outbound, frame.header, offset: frame.header.offset) }
            switch frame.header.opcode {
            case .text, .binary:
                outbound.message = frame.payload
                outbound.isBinary = frame.header.opcode == .binary
            case .continuation:
                outbound.message += frame.payload
            case .close:
                clientClosed(frame.payload)
                continue
            default:
                continue
            }
            if frame.header.fin {
                sentMessage(outbound.message, binary: outbound.isBinary)
                outbound.message = []
            }
        }
    }

    /// One whole message the client sent: JSON text or ETF binary (clients never compress what
    /// they send), shown with its token redacted, like a recording's `sent` record.
    private mutating func sentMessage(_ message: [UInt8], binary: Bool) {
        let payload: GatewayPayload
        do {
            payload = try GatewayPayload(decoding: message, encoding: binary ? .etf : .json)
        } catch {
            if filter.showsConnectionLines {
                renderer.info("the client sent a \(message.count)-byte message that is not a gateway payload (not shown: it may hold a token)", context)
            }
            return
        }
        // The token must never reach the output: IDENTIFY's and RESUME's are replaced first.
        showSent(ServeServer.redactingToken(payload), at: time)
    }
}
