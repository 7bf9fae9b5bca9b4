import CaptureFormats
import SeededRandom
import WebSocketProtocol

/// Turns an export's events into pcapng packets: each connection a synthetic TCP conversation
/// (10.0.0.1:50000+N to 10.0.0.2:80, so Wireshark's HTTP dissector takes the upgrade and its
/// WebSocket dissector the frames), each message re-framed with its payload decompressed and
/// a comment saying what it is. Sans-I/O: the bytes wait in ``writer`` for the caller.
struct PcapngExport: ExportSink {
    /// The pcapng file being built.
    private(set) var writer: PcapngWriter
    private var tcp: SyntheticTCP?
    /// Draws the masks of the client's data frames: seeded, so the output is reproducible.
    private var random = SplitMix64(seed: ExportDecoder.seed ^ 0x6D61_736B)

    /// The client and server addresses of every connection.
    static let clientAddress: [UInt8] = [10, 0, 0, 1]
    static let serverAddress: [UInt8] = [10, 0, 0, 2]

    /// A file whose section header names `application`.
    init(application: String) {
        writer = PcapngWriter(application: application, linkType: .ethernet)
    }

    /// Adds a TLS key log as a Decryption Secrets Block, before any packet, where Wireshark wants
    /// secrets to be.
    mutating func embed(_ keyLog: TLSKeyLogText) throws(ExportError) {
        do {
            try writer.writeDecryptionSecrets(tlsKeyLog: keyLog.text)
        } catch {
            throw ExportError(.writeFailed, "--keylog \(keyLog.path): \(error)")
        }
    }

    /// The bytes built so far, forgotten once taken.
    mutating func takeOutput() -> [UInt8] { writer.takeOutput() }

    mutating func handle(_ event: ExportEvent) throws {
        switch event {
        case .connectionStarted(let number, let time, _):
            // Ports 50001...65535, wrapping for captures with more connections than that.
            let port = UInt16(truncatingIfNeeded: 50000 + (number - 1) % 15535 + 1)
            var conversation = SyntheticTCP(
                client: .init(address: Self.clientAddress, port: port), server: .init(address: Self.serverAddress, port: 80))
            try write(conversation.open(at: time), comment: "connection \(number)")
            tcp = conversation
        case .upgradeRequest(let bytes, let time, let synthesized):
            let comment = synthesized
                ? "upgrade request synthesized by the export: the input does not record one" : "upgrade request as recorded"
            try send(bytes, .clientToServer, time, comment: comment)
        case .upgradeResponse(let bytes, let time, let synthesized):
            let comment = synthesized
                ? "101 response synthesized by the export, answering the request's key: the input starts after the handshake"
                : "upgrade response as recorded"
            try send(bytes, .serverToClient, time, comment: comment)
        case .message(let message):
            try send(frame(message), message.direction == .inbound ? .serverToClient : .clientToServer, message.time,
                comment: message.comment)
        case .connectionEnded(_, let time):
            guard var conversation = tcp else { return }
            tcp = nil
            try write(conversation.close(from: .clientToServer, at: time), comment: nil)
        }
    }

    /// The message as one FIN frame: unmasked from the server, masked from the client (with the
    /// recorded key for a recorded control frame, else a seeded one).
    private mutating func frame(_ message: ExportMessage) -> [UInt8] {
        guard message.direction == .outbound else {
            return WebSocketFrameEncoder.encode(opcode: message.opcode, payload: message.payload)
        }
        let mask = message.recordedMask ?? WebSocketMaskingKey.random(using: &random)
        return WebSocketFrameEncoder.encode(opcode: message.opcode, payload: message.payload, maskingKey: mask)
    }

    private mutating func send(_ bytes: [UInt8], _ direction: SyntheticTCP.Direction, _ time: Int64, comment: String?) throws {
        guard var conversation = tcp else { return }
        let packets = conversation.send(bytes, from: direction, at: time)
        tcp = conversation
        // The comment goes on every segment carrying the bytes (not on the receiver's ACK), so it
        // is on the one Wireshark reassembles the frame in.
        try write(packets, comment: comment)
    }

    private mutating func write(_ packets: [SyntheticTCP.Packet], comment: String?) throws {
        for packet in packets {
            try writer.writePacket(
                packet.bytes, timestampMicroseconds: packet.timestampMicroseconds,
                comment: packet.payloadLength > 0 ? comment : nil)
        }
    }
}
