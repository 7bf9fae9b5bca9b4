import DiscordGateway
import SeededRandom

/// What a replay counted: the figures `FILE.json` predicts.
struct ReplayTally {
    var messages = 0
    /// Payload events per opcode.
    var ops: [Int: Int] = [:]
    /// Dispatches per event name.
    var events: [String: Int] = [:]
    var lastSequence: Int64?
    var sessionID: String?
    /// The server's close code, when it closed with one.
    var closeCode: Int?
    /// The sum of every payload's decompressed size.
    var decompressedBytes = 0
    var wireBytes = 0
}

/// One replay of a capture through a `GatewayConnection`, exactly as `gatewayctl replay --summary`
/// feeds it, without rendering.
struct ReplayRun {
    let source: CaptureSource
    let configuration: GatewayConfiguration

    init(source: CaptureSource, encoding: GatewayEncoding, compression: GatewayCompression) {
        self.source = source
        var configuration = GatewayConfiguration(
            url: "wss://gateway.discord.gg", encoding: encoding, compression: compression)
        // The dump answers a request key we did not draw.
        configuration.webSocket.verifiesAcceptValue = false
        configuration.deliversHandledPayloads = true
        self.configuration = configuration
    }

    func run() throws -> ReplayTally {
        var connection = try GatewayConnection(configuration: configuration, random: SplitMix64(seed: 1))
        _ = connection.connect()
        var counter = EventCounter()
        try source.forEachChunk { chunk in
            counter.tally.wireBytes += chunk.count
            _ = connection.receive(chunk, now: .zero)
            counter.drain(&connection)
        }
        connection.receiveEndOfInput(now: .zero)
        counter.drain(&connection)
        var tally = counter.finish()
        tally.lastSequence = connection.sequence
        tally.sessionID = connection.sessionID
        return tally
    }
}

/// Counts what a replay's events carry, as `replay --summary` does.
struct EventCounter {
    var tally = ReplayTally()
    private var opCounts = [Int](repeating: 0, count: 16)

    mutating func drain(_ connection: inout GatewayConnection) {
        while let event = connection.nextEvent() {
            let payload: GatewayPayload
            switch event {
            case .hello(_, let hello): payload = hello
            case .dispatch(let dispatch):
                payload = dispatch
                if let name = dispatch.eventName { tally.events[name, default: 0] += 1 }
            case .heartbeatRequested(let request): payload = request
            case .heartbeatAcknowledged(_, let ack): payload = ack
            case .reconnectRequested(let request): payload = request
            case .invalidSession(_, let invalid): payload = invalid
            case .payload(let other): payload = other
            case .disconnected(let disconnect):
                if disconnect.initiator == .server, let code = disconnect.code { tally.closeCode = Int(code.rawValue) }
                continue
            case .upgraded, .rejected, .frame, .sent:
                continue
            }
            let op = payload.opcode.rawValue
            if op >= 0 && op < opCounts.count {
                opCounts[op] += 1
            } else {
                tally.ops[op, default: 0] += 1
            }
            tally.messages += 1
            tally.decompressedBytes += payload.bytes.count
        }
    }

    func finish() -> ReplayTally {
        var result = tally
        for (op, count) in opCounts.enumerated() where count > 0 { result.ops[op] = count }
        return result
    }
}

