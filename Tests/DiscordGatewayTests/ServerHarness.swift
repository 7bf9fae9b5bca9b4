import DiscordGateway
import GatewayCodecs
import GatewayServer
import SeededRandom

/// A client connection wired to the library's gateway server (`GatewayServerConnection`) in
/// memory, with a clock the test moves by hand: the flows a correct gateway produces.
///
/// Nothing reaches the client on its own. What the server writes, answering the client or told
/// to by the test, waits in ``unread`` until the test delivers it (``deliver(_:)``,
/// ``deliverUnread()``), so a test decides when an ACK or a close's echo arrives, or that it
/// never does. What the client writes back reaches the server at once.
struct ServerHarness {
    var connection: GatewayConnection
    /// The server side of the current connection; a new one for every ``open()``. HELLO waits for
    /// ``openWithHello()`` (or `sendHello`), as the byte-level fake's did.
    var server: GatewayServerConnection
    var serverConfiguration: GatewayServerConfiguration
    var now: Duration = .zero
    /// What the server wrote that the client has not read yet.
    private(set) var unread: [UInt8] = []
    /// Every byte the client wrote on the current connection, its request included.
    private(set) var clientBytes: [UInt8] = []
    /// The server's events on the current connection, in order.
    private(set) var serverEvents: [GatewayServerEvent] = []
    private var serverRandom = SplitMix64(seed: 77)

    init(
        encoding: GatewayEncoding = .json, compression: GatewayCompression = .none, seed: UInt64 = 1,
        configure: (inout GatewayConfiguration) -> Void = { _ in },
        configureServer: (inout GatewayServerConfiguration) -> Void = { _ in }
    ) throws {
        var configuration = GatewayConfiguration(url: "wss://gateway.discord.gg", encoding: encoding, compression: compression)
        configuration.deliversHandledPayloads = true
        configure(&configuration)
        connection = try GatewayConnection(configuration: configuration, random: SplitMix64(seed: seed))
        var serverConfiguration = GatewayServerConfiguration(resumeURL: "wss://resume.discord.gg")
        serverConfiguration.reportsFrames = true
        configureServer(&serverConfiguration)
        self.serverConfiguration = serverConfiguration
        server = Self.makeServer(serverConfiguration, random: &serverRandom)
    }

    private static func makeServer(
        _ configuration: GatewayServerConfiguration, random: inout SplitMix64
    ) -> GatewayServerConnection {
        var server = GatewayServerConnection(configuration: configuration, random: SplitMix64(seed: random.next()))
        server.holdsHello = true
        return server
    }

    /// Opens a connection to a new server connection: the client's request goes to it, the `101` comes back.
    mutating func open() throws {
        server = Self.makeServer(serverConfiguration, random: &serverRandom)
        unread = []
        clientBytes = []
        serverEvents = []
        send(connection.connect())
        deliverUnread()
    }

    /// Opens a connection and delivers HELLO (with the server configuration's interval).
    mutating func openWithHello() throws {
        try open()
        deliver(try server.sendHello(now: now))
    }

    /// Client bytes to the server; its answer waits in ``unread``.
    mutating func send(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        clientBytes += bytes
        unread += server.receive(bytes, now: now)
        drainServer()
    }

    /// What the server wrote so far, then `bytes` (what a server command returned), to the client;
    /// the client's answers go back to the server.
    mutating func deliver(_ bytes: [UInt8]) {
        let incoming = unread + bytes
        unread = []
        guard !incoming.isEmpty else { return }
        send(connection.receive(incoming, now: now))
    }

    /// What the server wrote so far (an ACK, READY, the echo of a close) to the client.
    mutating func deliverUnread() {
        deliver([])
    }

    /// Moves the clock to the client's next deadline (if any, and not past `limit`) and handles
    /// it, and the server's deadlines due by then.
    @discardableResult
    mutating func advanceToDeadline(limit: Duration = .seconds(3600)) -> Bool {
        guard let deadline = connection.nextDeadline, deadline <= limit else { return false }
        now = max(now, deadline)
        if let due = server.nextDeadline, due <= now {
            unread += server.handleDeadline(now: now)
            drainServer()
        }
        send(connection.handleDeadline(now: now))
        return true
    }

    /// Drains the client's events.
    mutating func events() -> [GatewayEvent] {
        connection.events()
    }

    /// The client's events drained, as short strings (see ``GatewayEvent/summary``).
    mutating func transcript() -> [String] {
        events().map(\.summary)
    }

    private mutating func drainServer() {
        while let event = server.nextEvent() { serverEvents.append(event) }
    }

    // MARK: What the server saw on the current connection

    /// The gateway payloads the client sent, as the server decoded them, whole (`op`, `d`, ...).
    var clientPayloads: [GatewayValue] {
        serverEvents.compactMap { event in
            guard case .received(let payload) = event else { return nil }
            switch payload.encoding {
            case .json: return try? GatewayJSON.decode(payload.bytes)
            case .etf: return try? GatewayETF.decode(payload.bytes)
            }
        }
    }

    /// The headers of the client's frames, as the server reported them.
    var clientFrames: [WebSocketFrameHeader] {
        serverEvents.compactMap { event in
            if case .frame(let header) = event { return header }
            return nil
        }
    }

    /// The code of the client's close frame (its own close or its echo of the server's), read at
    /// the offsets the server reported and unmasked with the frame's key.
    var clientCloseCode: UInt16? {
        guard let close = clientFrames.first(where: { $0.opcode == .close }), close.payloadLength >= 2,
            close.frameEnd <= clientBytes.count
        else { return nil }
        let start = close.offset + close.headerLength
        let key = close.maskingKey?.bytes ?? [0, 0, 0, 0]
        return UInt16(clientBytes[start] ^ key[0]) << 8 | UInt16(clientBytes[start + 1] ^ key[1])
    }

    /// The session the server connection serves (READY's, or the one resumed).
    var session: GatewayServerSession? { server.session }
}
