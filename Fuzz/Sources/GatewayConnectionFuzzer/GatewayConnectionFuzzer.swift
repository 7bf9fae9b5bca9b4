import DiscordGateway
import FuzzSupport
import GatewayCodecs
import WebSocketProtocol

// Properties of GatewayConnection, for a fuzzer-chosen encoding and
// compression (json or etf with none, zlib-stream or zstd-stream, and json
// with payload compression): after connect() and a valid 101, any server
// bytes in any reads, at any (monotonic) times, with every deadline handled
// when it falls due,
// - never crash, and handling a due deadline moves the deadline on;
// - after the end of input the state is closed, nextDeadline is nil, and
//   the last event drained is the one and only disconnected event;
// - everything the connection wrote after its upgrade request parses as
//   masked client frames, with nothing after a close frame.
//
// Input: server bytes (WebSocket frames) from the front; decisions from the
// back: the encoding and compression, then for each read its size
// (1...256) and the time that passed before it (a byte of milliseconds; 250
// and up jump 5 to 30 seconds, so hello, heartbeat and close timeouts fire).

private let setups: [(GatewayEncoding, GatewayCompression)] = [
    (.json, .none), (.json, .zlibStream), (.json, .zstdStream), (.json, .payload),
    (.etf, .none), (.etf, .zlibStream), (.etf, .zstdStream),
]

/// A valid 101 for the key in `request`.
private func upgradeResponse(to request: [UInt8]) -> [UInt8] {
    let prefix = Array("Sec-WebSocket-Key: ".utf8)
    let text = request.split(separator: UInt8(ascii: "\r"))
        .map { $0.drop { $0 == UInt8(ascii: "\n") } }
        .first { $0.starts(with: prefix) }
    guard let line = text else { FuzzCheck.fail("no Sec-WebSocket-Key in the request") }
    let key = String(decoding: line.dropFirst(prefix.count), as: UTF8.self)
    let accept = WebSocketHandshake.acceptValue(forKey: key)
    return Array(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: \(accept)\r\n\r\n"
            .utf8)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGatewayConnection(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzedData(FuzzInput.buffer(data, size))
    let (encoding, compression) = setups[Int(input.decisionByte()) % setups.count]
    var configuration = GatewayConfiguration(
        url: "wss://gateway.discord.gg", encoding: encoding, compression: compression)
    configuration.codecLimits = CodecLimits(maxNestingDepth: 32, maxDecompressedPayloadSize: 64 << 10)
    configuration.webSocket = WebSocketConfiguration(maxFrameSize: 64 << 10, maxMessageSize: 64 << 10)
    configuration.deliversHandledPayloads = true
    configuration.reportsSentPayloads = true
    configuration.helloTimeout = .seconds(10)
    configuration.closeTimeout = .seconds(2)

    var connection: GatewayConnection
    do {
        connection = try GatewayConnection(configuration: configuration, random: FuzzGenerator())
    } catch {
        FuzzCheck.fail("cannot create a \(encoding)/\(compression) connection: \(error)")
    }
    var run = Run()
    let response = upgradeResponse(to: connection.connect())
    run.receive(response[...], into: &connection)
    FuzzCheck.expect(connection.state == .awaitingHello, "a valid 101 left the connection \(connection.state)")

    while input.remainingCount > 0 {
        let size = input.decision(in: 1...256)
        let step = input.decisionByte()
        run.advanceClock(by: step, connection: &connection)
        let read = input.payload(upTo: size)
        run.receive(Array(read)[...], into: &connection)
    }
    connection.receiveEndOfInput(now: run.now)
    run.drain(&connection)
    run.checkEnd(connection)
    return 0
}

/// The clock, the bytes written and the events seen of one fuzzed connection.
private struct Run {
    var now: Duration = .zero
    var written: [UInt8] = []
    var disconnects = 0
    var lastEvent: GatewayEvent?

    /// Moves the clock on and handles every deadline that fell due.
    mutating func advanceClock(by step: UInt8, connection: inout GatewayConnection) {
        now += step < 250 ? .milliseconds(Int(step)) : .seconds(5 * Int(step - 249))
        var handled = 0
        while let deadline = connection.nextDeadline, deadline <= now {
            written += connection.handleDeadline(now: now)
            drain(&connection)
            handled += 1
            FuzzCheck.expect(
                handled < 1000, "handleDeadline(now: \(now)) leaves the deadline \(deadline) due; state \(connection.state)")
        }
    }

    mutating func receive(_ bytes: ArraySlice<UInt8>, into connection: inout GatewayConnection) {
        written += bytes.withUnsafeBytes { connection.receive($0, now: now) }
        drain(&connection)
    }

    mutating func drain(_ connection: inout GatewayConnection) {
        while let event = connection.nextEvent() {
            if case .disconnected = event { disconnects += 1 }
            lastEvent = event
        }
    }

    func checkEnd(_ connection: GatewayConnection) {
        FuzzCheck.expect(connection.state == .closed, "state \(connection.state) after the end of input")
        FuzzCheck.expect(
            connection.nextDeadline == nil, "deadline \(String(describing: connection.nextDeadline)) after the end")
        guard case .disconnected? = lastEvent else {
            FuzzCheck.fail("the last event is \(String(describing: lastEvent)), not disconnected")
        }
        FuzzCheck.expect(disconnects == 1, "\(disconnects) disconnected events for one connection")
        checkWrittenFrames()
    }

    /// What the connection wrote after its request: masked client frames, nothing after a close.
    func checkWrittenFrames() {
        var parser = WebSocketFrameParser(framesFrom: .client)
        parser.append(written)
        var sawClose = false
        do {
            while let frame = try parser.nextFrame() {
                FuzzCheck.expect(!sawClose, "the connection wrote \(frame.header) after its close frame")
                if frame.header.opcode == .close { sawClose = true }
            }
        } catch {
            FuzzCheck.fail("the connection wrote bytes that are not valid client frames: \(error)")
        }
        FuzzCheck.expect(parser.isAtFrameBoundary, "the connection's output ends inside a frame")
    }
}
