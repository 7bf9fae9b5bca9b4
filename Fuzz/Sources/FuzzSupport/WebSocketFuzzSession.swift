import WebSocketProtocol

/// A `WebSocketClient` driven by a fuzz target, recording everything it
/// reported and wrote, and the checks every such session must pass.
///
/// The client never calls `close()` itself here, so the only close frames it
/// may write are the echo of the server's and the one that reports the
/// server's violation.
public struct WebSocketFuzzSession {
    /// The client under test.
    public private(set) var client: WebSocketClient
    /// Every event drained, in order.
    public private(set) var events: [WebSocketEvent] = []
    /// Every byte the client returned for writing (after its upgrade request).
    public private(set) var written: [UInt8] = []
    /// Bytes fed so far.
    public private(set) var inputCount = 0
    private let configuration: WebSocketConfiguration
    private var generator = FuzzGenerator()

    /// A client for a fixed gateway URL; its key is the RFC 6455 sample key.
    public init(configuration: WebSocketConfiguration) {
        self.configuration = configuration
        do {
            client = try WebSocketClient(
                url: WebSocketURL("wss://gateway.discord.gg/?v=10&encoding=json"), configuration: configuration,
                using: &generator)
        } catch {
            FuzzCheck.fail("cannot create the client: \(error)")
        }
    }

    /// Feeds one read and drains the events it caused.
    public mutating func receive(_ bytes: UnsafeRawBufferPointer) {
        inputCount += bytes.count
        written += client.receive(bytes, using: &generator)
        while let event = client.nextEvent() { events.append(event) }
    }

    /// Ends the input, then checks every property of the finished session.
    public mutating func finish() {
        client.receiveEndOfInput()
        while let event = client.nextEvent() { events.append(event) }
        checkEvents()
        checkWritten()
        checkIgnoresLateInput()
    }

    /// Whether the server's upgrade was accepted.
    public var wasAccepted: Bool {
        if case .accepted? = events.first { return true }
        return false
    }

    // MARK: Properties

    /// One terminal event, last, matching the state; error offsets within the input; messages within limits.
    private func checkEvents() {
        let terminal = events.indices.filter { index in
            switch events[index] {
            case .closed, .rejected: return true
            default: return false
            }
        }
        FuzzCheck.expect(
            terminal.count == 1 && terminal.first == events.count - 1,
            "expected exactly one closed/rejected event, last; got \(events.count) events, terminal at \(terminal): \(summary)")
        switch events.last {
        case .closed(let closure)?:
            FuzzCheck.expect(client.state == .closed, "closed event but state \(client.state)")
            if let error = closure.error {
                FuzzCheck.expect(
                    error.offset >= 0 && error.offset <= inputCount,
                    "error offset \(error.offset) outside the \(inputCount) input bytes: \(error)")
            }
        case .rejected(let rejection)?:
            FuzzCheck.expect(client.state == .rejected, "rejected event but state \(client.state)")
            FuzzCheck.expect(
                rejection.body.count <= configuration.maxRejectionBodySize,
                "rejection body of \(rejection.body.count) bytes over the cap \(configuration.maxRejectionBodySize)")
            FuzzCheck.expect(rejection.statusCode != 101 || !wasAccepted, "rejected after accepting")
        default:
            break
        }
        for (index, event) in events.enumerated() {
            switch event {
            case .accepted:
                FuzzCheck.expect(index == 0, "accepted event at position \(index): \(summary)")
            case .message(let message):
                FuzzCheck.expect(wasAccepted, "message before the upgrade: \(summary)")
                FuzzCheck.expect(
                    message.bytes.count <= configuration.maxMessageSize,
                    "message of \(message.bytes.count) bytes over the cap \(configuration.maxMessageSize)")
                if case .text(let bytes) = message {
                    FuzzCheck.expect(
                        String(validating: bytes, as: UTF8.self) != nil, "text message that is not UTF-8: \(bytes)")
                }
            case .ping(let payload), .pong(let payload):
                FuzzCheck.expect(wasAccepted, "control frame before the upgrade: \(summary)")
                FuzzCheck.expect(payload.count <= 125, "control payload of \(payload.count) bytes")
            case .frame, .closed, .rejected:
                break
            }
        }
    }

    /// What was written parses as masked client frames: a pong per ping, then the close the closure calls for.
    private func checkWritten() {
        guard wasAccepted else {
            FuzzCheck.expect(written.isEmpty, "wrote \(written.count) bytes without an accepted upgrade")
            return
        }
        var parser = WebSocketFrameParser(framesFrom: .client)
        parser.append(written)
        var frames: [WebSocketFrame] = []
        do {
            while let frame = try parser.nextFrame() { frames.append(frame) }
        } catch {
            FuzzCheck.fail("the client wrote bytes that are not valid client frames: \(error)")
        }
        FuzzCheck.expect(parser.isAtFrameBoundary, "the client's output ends inside a frame")
        FuzzCheck.expect(frames.allSatisfy { $0.header.isMasked }, "the client wrote an unmasked frame")

        var closeFrame: WebSocketFrame?
        var pongs: [[UInt8]] = []
        for frame in frames {
            FuzzCheck.expect(closeFrame == nil, "the client wrote \(frame.header) after its close frame")
            switch frame.header.opcode {
            case .pong: pongs.append(frame.payload)
            case .close: closeFrame = frame
            default: FuzzCheck.fail("the client wrote an unexpected \(frame.header)")
            }
        }
        let pings = events.compactMap { event -> [UInt8]? in
            if case .ping(let payload) = event { return payload }
            return nil
        }
        FuzzCheck.expect(pongs == pings, "pongs \(pongs) do not answer pings \(pings)")

        guard case .closed(let closure)? = events.last else { return }
        let writtenCode: UInt16?? = closeFrame.map { frame in
            frame.payload.count >= 2 ? UInt16(frame.payload[0]) << 8 | UInt16(frame.payload[1]) : nil
        }
        switch closure.initiator {
        case .remote:
            FuzzCheck.expect(
                writtenCode == .some(closure.code), "server's close \(closure) echoed as \(String(describing: writtenCode))")
        case .local:
            guard let error = closure.error else { FuzzCheck.fail("local close without a cause: \(closure)") }
            FuzzCheck.expect(
                closure.code == error.closeCode && writtenCode == .some(error.closeCode),
                "violation \(error) closed as \(closure), wrote code \(String(describing: writtenCode))")
        case .abnormal:
            FuzzCheck.expect(closeFrame == nil, "abnormal closure \(closure) but the client wrote a close frame")
        }
    }

    /// Input after the end is ignored: nothing written, no event.
    private mutating func checkIgnoresLateInput() {
        let late: [UInt8] = [0x89, 0x00, 0x88, 0x00]
        let output = client.receive(late, using: &generator)
        FuzzCheck.expect(output.isEmpty && client.nextEvent() == nil, "the client reacted to input after its end")
    }

    private var summary: String {
        events.map { event -> String in
            switch event {
            case .accepted: "accepted"
            case .rejected(let rejection): "rejected(\(rejection.statusCode))"
            case .frame(let header): "frame(\(header))"
            case .message(let message): "message(\(message.bytes.count))"
            case .ping: "ping"
            case .pong: "pong"
            case .closed(let closure): "closed(\(closure))"
            }
        }.joined(separator: ", ")
    }
}
