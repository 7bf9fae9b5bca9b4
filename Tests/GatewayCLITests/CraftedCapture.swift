import Foundation

/// A capture written record by record in the documented format (docs/capture-format.md), for
/// tests whose expected numbers (times, payload sizes) must be known by hand: the server's
/// frames are plain unmasked text frames, so each payload's size is its JSON text's length.
struct CraftedCapture {
    private(set) var lines: [String] = []

    /// A capture of a json connection without compression.
    init() {
        lines.append(
            #"{"type":"header","format":"gatewayctl-capture","version":1,"tool":"tests","url":"wss://gateway.test/?v=10&encoding=json","encoding":"json","compression":"none","started":"2025-01-01T00:00:00.000Z"}"#
        )
    }

    /// The whole file.
    var text: String { lines.map { $0 + "\n" }.joined() }

    /// `t` with six decimals, from milliseconds.
    private static func time(_ milliseconds: Int) -> String {
        String(format: "%d.%06d", milliseconds / 1000, milliseconds % 1000 * 1000)
    }

    /// Connection `connection` starts at `milliseconds`, and the server's `101` arrives 10 ms later.
    mutating func connect(_ connection: Int, at milliseconds: Int) {
        lines.append(#"{"type":"event","kind":"connect","t":\#(Self.time(milliseconds)),"conn":\#(connection)}"#)
        let response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: 0iuNpX33/cdoEu3Gq0O1w0ldGIk=\r\n\r\n"
        chunk(Array(response.utf8), connection, at: milliseconds + 10)
    }

    /// One read holding a text frame for each payload.
    mutating func receive(_ payloads: [String], _ connection: Int, at milliseconds: Int) {
        chunk(payloads.flatMap { Self.frame(opcode: 0x1, Array($0.utf8)) }, connection, at: milliseconds)
    }

    /// The server's close frame with `code`.
    mutating func close(_ code: UInt16, _ connection: Int, at milliseconds: Int) {
        chunk(Self.frame(opcode: 0x8, [UInt8(code >> 8), UInt8(code & 0xFF)]), connection, at: milliseconds)
    }

    /// A payload the client sent.
    mutating func sent(_ payload: String, _ connection: Int, at milliseconds: Int) {
        lines.append(#"{"type":"sent","t":\#(Self.time(milliseconds)),"conn":\#(connection),"payload":\#(payload)}"#)
    }

    private mutating func chunk(_ bytes: [UInt8], _ connection: Int, at milliseconds: Int) {
        let data = Data(bytes).base64EncodedString()
        lines.append(
            #"{"type":"chunk","dir":"in","t":\#(Self.time(milliseconds)),"conn":\#(connection),"data":"\#(data)"}"#)
    }

    /// An unmasked final frame (payloads under 64 KiB).
    private static func frame(opcode: UInt8, _ payload: [UInt8]) -> [UInt8] {
        let length: [UInt8] =
            payload.count < 126 ? [UInt8(payload.count)] : [126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        return [0x80 | opcode] + length + payload
    }
}
