import DiscordGateway
import GatewayServer
import SeededRandom
import WebSocketProtocol

// Theory of operation
//
// The runner is `proxy`'s whole logic as a value, with no socket or clock, as
// ScenarioRunner is `serve`'s: the NIO driver reports each bot connection's and
// each upstream connection's bytes, ends and the time, and performs the actions
// the runner returns (write to either side, close either side, open an
// upstream). Each bot connection is one `GatewayProxyConnection`, numbered in
// the order bots connected. The runner learns the resume hosts READY names, so
// a bot resuming at `/via/<host>` is relayed to that host, and fires the
// `--inject` faults: each once, on the first connection that reaches its point.

/// What the driver must do for the proxy runner.
enum ProxyAction: Sendable, Hashable {
    /// Write these bytes to this connection's bot.
    case writeBot(connection: Int, bytes: [UInt8])
    /// Write these bytes to this connection's upstream.
    case writeUpstream(connection: Int, bytes: [UInt8])
    /// Close this connection's bot socket (after what was written).
    case closeBot(connection: Int)
    /// Close this connection's upstream socket (after what was written).
    case closeUpstream(connection: Int)
    /// Open TCP (TLS for `wss`) to `url`'s host and port for this connection, then report
    /// ``ProxyRunner/upstreamConnected(_:now:)`` or ``ProxyRunner/upstreamFailed(_:reason:now:)``.
    case openUpstream(connection: Int, url: WebSocketURL)
}

/// What the proxy runner reports, in order, for rendering.
enum ProxyRunnerEvent: Sendable {
    /// Something on one connection, either leg.
    case connection(Int, GatewayProxyEvent)
    /// A fault was made on this connection.
    case injected(Int, ProxyInjection)
}

/// Relays every bot connection to the upstream gateway and makes the `--inject` faults.
struct ProxyRunner {
    /// Where bots are relayed, the proxy's own URL, and the resume hosts learnt so far.
    var configuration: GatewayProxyConfiguration
    /// The faults not made yet.
    private(set) var pendingInjections: [ProxyInjection]
    private var connections: [Int: GatewayProxyConnection] = [:]
    private var random: any RandomNumberGenerator
    private var events = EventQueue<ProxyRunnerEvent>()
    /// Dispatch names passed to each connection's bot during the current input, for `@on=EVENT`.
    private var passedEvents: [Int: Set<String>] = [:]

    /// A runner relaying as `configuration` says, with these faults to make.
    init(configuration: GatewayProxyConfiguration, injections: [ProxyInjection], random: some RandomNumberGenerator) {
        self.configuration = configuration
        pendingInjections = injections
        self.random = random
    }

    /// The connections still relaying or closing.
    var openConnections: Int { connections.count }

    /// The next thing to render, or nil.
    mutating func nextEvent() -> ProxyRunnerEvent? {
        events.removeFirst()
    }

    /// When ``handleDeadline(now:)`` must be called next.
    var nextDeadline: Duration? {
        var earliest = connections.values.compactMap(\.nextDeadline).min()
        for injection in pendingInjections {
            if case .at(let time) = injection.point, connections.values.contains(where: { $0.state == .relaying }) {
                earliest = min(earliest ?? time, time)
            }
        }
        return earliest
    }

    // MARK: - Driver input

    /// A bot connected as connection `id`.
    mutating func opened(_ id: Int, now: Duration) -> [ProxyAction] {
        connections[id] = GatewayProxyConnection(configuration: configuration, random: SplitMix64(seed: random.next()))
        return []
    }

    /// Bytes from connection `id`'s bot.
    mutating func fromBot(_ id: Int, _ bytes: UnsafeRawBufferPointer, now: Duration) -> [ProxyAction] {
        run(id, now: now) { $0.receiveFromBot(bytes, now: now) }
    }

    /// Connection `id`'s bot socket ended.
    mutating func botEnded(_ id: Int, now: Duration) -> [ProxyAction] {
        run(id, now: now) { $0.botEndOfInput(now: now) }
    }

    /// Connection `id`'s upstream socket is open.
    mutating func upstreamConnected(_ id: Int, now: Duration) -> [ProxyAction] {
        run(id, now: now) { $0.upstreamConnected(now: now) }
    }

    /// Connection `id`'s upstream socket could not be opened.
    mutating func upstreamFailed(_ id: Int, reason: String, now: Duration) -> [ProxyAction] {
        run(id, now: now) { $0.upstreamFailed(reason, now: now) }
    }

    /// Bytes from connection `id`'s upstream.
    mutating func fromUpstream(_ id: Int, _ bytes: UnsafeRawBufferPointer, now: Duration) -> [ProxyAction] {
        run(id, now: now) { $0.receiveFromUpstream(bytes, now: now) }
    }

    /// Connection `id`'s upstream socket ended.
    mutating func upstreamEnded(_ id: Int, now: Duration) -> [ProxyAction] {
        run(id, now: now) { $0.upstreamEndOfInput(now: now) }
    }

    /// Does what is due at `now`: delayed payloads, closing handshakes that took too long, and
    /// `@at=SECONDS` faults.
    mutating func handleDeadline(now: Duration) -> [ProxyAction] {
        var actions: [ProxyAction] = []
        for id in connections.keys.sorted() {
            actions += run(id, now: now) { $0.handleDeadline(now: now) }
        }
        return actions
    }

    /// Ctrl-C: every bot is closed with 1001 (each upstream with 4000, so Discord keeps the
    /// session), and the connections not yet relaying are cut.
    mutating func closeAll(now: Duration) -> [ProxyAction] {
        pendingInjections = []
        var actions: [ProxyAction] = []
        for id in connections.keys.sorted() {
            actions += run(id, now: now) { connection in
                if let closing = try? connection.closeBot(code: .goingAway, reason: "gatewayctl proxy is stopping", now: now) {
                    return closing
                }
                return connection.dropBot(now: now)
            }
        }
        return actions
    }

    // MARK: - Internals

    /// Runs an input on connection `id`, drains its events, and makes the faults now due.
    private mutating func run(
        _ id: Int, now: Duration, _ input: (inout GatewayProxyConnection) -> GatewayProxyOutput
    ) -> [ProxyAction] {
        guard var connection = connections.removeValue(forKey: id) else { return [] }
        let output = input(&connection)
        connections[id] = connection
        var actions = self.actions(for: id, output)
        actions += drain(id)
        actions += injectDue(on: id, now: now)
        if connections[id]?.state == .closed {
            connections[id] = nil
            passedEvents[id] = nil
        }
        return actions
    }

    private mutating func drain(_ id: Int) -> [ProxyAction] {
        var actions: [ProxyAction] = []
        while let event = connections[id]?.nextEvent() {
            events.append(.connection(id, event))
            switch event {
            case .upstreamNeeded(let url, _):
                actions.append(.openUpstream(connection: id, url: url))
            case .resumeURLRewritten(let real, _):
                if let host = try? WebSocketURL(real).hostHeader { configuration.resumeHosts.insert(host) }
            case .fromDiscord(let payload):
                if let name = payload.eventName { passedEvents[id, default: []].insert(name) }
            default:
                break
            }
        }
        return actions
    }

    /// Makes the faults whose point connection `id` has reached, once each.
    private mutating func injectDue(on id: Int, now: Duration) -> [ProxyAction] {
        guard let connection = connections[id], connection.state == .relaying else {
            passedEvents[id] = nil
            return []
        }
        let passed = passedEvents.removeValue(forKey: id) ?? []
        var actions: [ProxyAction] = []
        var remaining: [ProxyInjection] = []
        for injection in pendingInjections {
            let due: Bool
            switch injection.point {
            case .afterDispatches(let count): due = connection.dispatchesPassed >= count
            case .at(let time): due = now >= time
            case .onEvent(let name): due = passed.contains(name)
            }
            guard due, connections[id]?.state == .relaying else {
                remaining.append(injection)
                continue
            }
            events.append(.injected(id, injection))
            actions += apply(injection.action, on: id, now: now)
        }
        pendingInjections = remaining
        return actions
    }

    private mutating func apply(_ action: ProxyInjection.Action, on id: Int, now: Duration) -> [ProxyAction] {
        guard var connection = connections.removeValue(forKey: id) else { return [] }
        var output = GatewayProxyOutput()
        switch action {
        case .reconnect:
            output = (try? connection.sendToBot(opcode: .reconnect, data: .null, now: now)) ?? output
        case .invalidSession(let resumable):
            output = (try? connection.sendToBot(opcode: .invalidSession, data: .bool(resumable), now: now)) ?? output
        case .drop:
            output = connection.dropBot(now: now)
        case .close(let code):
            output = (try? connection.closeBot(code: GatewayCloseCode(rawValue: code), reason: "gatewayctl proxy --inject", now: now)) ?? output
        case .zombie:
            connection.passesHeartbeatACKs = false
        case .delay(let delay):
            connection.delay = delay
        }
        connections[id] = connection
        return actions(for: id, output) + drain(id)
    }

    private func actions(for id: Int, _ output: GatewayProxyOutput) -> [ProxyAction] {
        var actions: [ProxyAction] = []
        if !output.toUpstream.isEmpty { actions.append(.writeUpstream(connection: id, bytes: output.toUpstream)) }
        if output.closesUpstreamTransport { actions.append(.closeUpstream(connection: id)) }
        if !output.toBot.isEmpty { actions.append(.writeBot(connection: id, bytes: output.toBot)) }
        if output.closesBotTransport { actions.append(.closeBot(connection: id)) }
        return actions
    }
}
