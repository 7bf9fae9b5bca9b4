import DiscordGateway
import SeededRandom

/// Times each layer alone on the messages and payloads stripped (untimed) from a capture:
/// WebSocket framing, decompression, the envelope scan and the full decode.
struct CodecBench {
    let source: CaptureSource
    let encoding: GatewayEncoding
    let compression: GatewayCompression
    let warmup: Int
    let repeats: Int

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    func run() throws {
        let messages = try strippedMessages()
        let payloads = try decompressAll(messages)
        let wireBytes = Double(source.size)
        let messageBytes = Double(messages.reduce(0) { $0 + $1.bytes.count })
        let payloadBytes = Double(payloads.reduce(0) { $0 + $1.count })
        print("messages=\(messages.count) wire_MB=\(mb(wireBytes)) message_MB=\(mb(messageBytes)) payload_MB=\(mb(payloadBytes))")

        report("websocket framing", inputBytes: wireBytes, outputBytes: messageBytes) {
            _ = try strippedMessages()
        }
        if compression != .none {
            report("\(compression.rawValue) decompression", inputBytes: messageBytes, outputBytes: payloadBytes) {
                _ = try decompressAll(messages)
            }
        }
        let limits = CodecLimits()
        switch encoding {
        case .json:
            report("json scanEnvelope", inputBytes: payloadBytes, outputBytes: payloadBytes) {
                for payload in payloads { _ = try GatewayJSON.scanEnvelope(payload, limits: limits) }
            }
            report("json decode", inputBytes: payloadBytes, outputBytes: payloadBytes) {
                for payload in payloads { _ = try GatewayJSON.decode(payload, limits: limits) }
            }
        case .etf:
            report("etf scanEnvelope", inputBytes: payloadBytes, outputBytes: payloadBytes) {
                for payload in payloads { _ = try GatewayETF.scanEnvelope(payload, limits: limits) }
            }
            report("etf decode", inputBytes: payloadBytes, outputBytes: payloadBytes) {
                for payload in payloads { _ = try GatewayETF.decode(payload, limits: limits) }
            }
        }
    }

    private func report(_ name: String, inputBytes: Double, outputBytes: Double, _ body: () throws -> Void) {
        do {
            let seconds = Measurement.median(try Measurement.time(warmup: warmup, repeats: repeats, body))
            let padded = name.padding(toLength: 28, withPad: " ", startingAt: 0)
            print(
                "codec \(padded) seconds=\(Measurement.format(seconds, decimals: 4)) "
                    + "in_MB_per_s=\(Measurement.format(inputBytes / 1e6 / seconds, decimals: 1)) "
                    + "out_MB_per_s=\(Measurement.format(outputBytes / 1e6 / seconds, decimals: 1))")
        } catch {
            print("codec \(name) FAILED: \(error)")
        }
    }

    private func mb(_ bytes: Double) -> String { Measurement.format(bytes / 1e6, decimals: 2) }

    /// The data messages of the capture, as the WebSocket layer delivers them.
    private func strippedMessages() throws -> [WebSocketMessage] {
        var configuration = WebSocketConfiguration()
        configuration.verifiesAcceptValue = false
        var random = SplitMix64(seed: 1)
        let url = try WebSocketURL("wss://gateway.discord.gg/?v=10")
        var client = try WebSocketClient(url: url, configuration: configuration, using: &random)
        var messages: [WebSocketMessage] = []
        var failure: String?
        try source.forEachChunk { chunk in
            _ = client.receive(chunk, using: &random)
            while let event = client.nextEvent() {
                switch event {
                case .message(let message): messages.append(message)
                case .closed(let closure): failure = failure ?? closure.error.map { "\($0)" }
                case .rejected(let rejection): failure = failure ?? "upgrade rejected with HTTP \(rejection.statusCode)"
                case .accepted, .frame, .ping, .pong: break
                }
            }
        }
        if let failure { throw Failure(description: "the capture's WebSocket stream failed: \(failure)") }
        return messages
    }

    private func decompressAll(_ messages: [WebSocketMessage]) throws -> [[UInt8]] {
        let decompressor = try GatewayDecompressor(compression)
        var payloads: [[UInt8]] = []
        payloads.reserveCapacity(messages.count)
        for message in messages {
            let payload: [UInt8]?
            switch message {
            case .text(let bytes): payload = try decompressor.decompress(message: bytes, isBinary: false)
            case .binary(let bytes): payload = try decompressor.decompress(message: bytes, isBinary: true)
            }
            if let payload { payloads.append(payload) }
        }
        return payloads
    }
}
