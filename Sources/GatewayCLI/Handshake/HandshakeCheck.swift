import WebSocketProtocol

/// Checks a server's upgrade response against the key the request carried, and prints
/// the status, the headers and the expected and actual accept values.
struct HandshakeCheck {
    var response: [UInt8]
    var key: String
    var url: WebSocketURL

    func run() throws(HandshakeError) {
        let output = OutputBuffer()
        defer { output.flush() }
        let bytes = Self.withCRLF(response)
        let expected = WebSocketHandshake.acceptValue(forKey: key)
        let head = HTTPMessageText(bytes)
        if let head {
            output.write("status: \(head.startLine)\n")
            for header in head.headers { output.write("header: \(header.name): \(header.value)\n") }
        }
        let actual = head?.value(of: "Sec-WebSocket-Accept")
        output.write("expected accept: \(expected)\n")
        output.write("actual accept:   \(actual ?? "(none)")\(actual == expected ? " (matches)" : "")\n")
        guard let generator = FixedKeyGenerator(key: key) else {
            throw HandshakeError(.invalid, "the key is not base64 of 16 bytes")
        }
        var random = generator
        var client: WebSocketClient
        do {
            client = try WebSocketClient(url: url, using: &random)
        } catch {
            throw HandshakeError(.invalid, "\(error)")
        }
        _ = client.receive(bytes, using: &random)
        if client.state == .connecting { client.receiveEndOfInput() }
        while let event = client.nextEvent() {
            switch event {
            case .accepted:
                output.write("result: valid: the server accepted the upgrade\n")
                return
            case .rejected(let rejection):
                if !rejection.body.isEmpty { output.write("body:\n" + String(decoding: rejection.body, as: UTF8.self) + "\n") }
                throw HandshakeError(.refused, DisconnectOutcome.refusal(rejection))
            case .closed(let closure):
                throw HandshakeError(.invalid, "invalid response: \(closure.error.map { "\($0)" } ?? "\(closure)")")
            case .frame, .message, .ping, .pong:
                continue
            }
        }
        throw HandshakeError(.invalid, "the response is incomplete: no blank line ends its headers")
    }

    /// Responses saved by hand often lose their CRs; HTTP needs them, so bare LFs get one.
    static func withCRLF(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.firstRange(of: [0x0D, 0x0A]) == nil else { return bytes }
        var fixed: [UInt8] = []
        fixed.reserveCapacity(bytes.count + bytes.count / 16)
        for byte in bytes {
            if byte == 0x0A { fixed.append(0x0D) }
            fixed.append(byte)
        }
        return fixed
    }
}
