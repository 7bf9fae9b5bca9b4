import DiscordGateway
import GatewayCodecs
import GatewayServer
import SeededRandom

// Theory of operation
//
// The runner is `serve`'s whole logic as a value, with no socket or clock: the
// NIO driver reports connections, bytes and time, and performs the actions the
// runner returns (write bytes, cut a connection), as postgres-nio's state
// machines return actions to a thin channel handler.
//
// It keeps every live `GatewayServerConnection` by connection number and the
// sessions they started (so a RESUME on a new connection finds its session),
// and plays the scenarios in turn against each bot it judges. A bot is told
// apart by the token and shard of its IDENTIFY; a connection belongs to the
// bot whose IDENTIFY or RESUME it carries (READY is held until then, so
// `large-ready` can pick its content for that bot). The first `botLimit`
// bots are judged, each on its own; later ones are served, not judged.
//
// For each bot, a scenario starts when the bot has a live session (after
// IDENTIFY, or after it came back and resumed), does its one misbehaviour,
// then waits for the bot's answer: a heartbeat, a close, a RESUME or IDENTIFY
// on a new connection, or staying away. Each expectation is decided as a
// verdict (pass or fail, with what was expected and what the bot did), with
// `timeout` bounding every wait. Broken gateway rules (a violation the server
// connection reports) fail the scenario running for that connection's bot.
//
// `slow-hello` holds HELLO on a connection before anything says whose it is:
// it holds the next connection opened after the scenario starts, which is the
// bot's own unless several bots reconnect at that moment.

/// What the driver must do for the runner.
enum ServeAction: Sendable, Hashable {
    /// Write these bytes to this connection.
    case write(connection: Int, bytes: [UInt8])
    /// Close this connection's socket now (after our close handshake, or to drop it).
    case closeTransport(connection: Int)
}

/// What the runner reports, in order, for rendering.
enum ServeEvent: Sendable {
    /// Something on one connection, either direction.
    case connection(Int, GatewayServerEvent)
    /// A scenario started for a bot (numbered when several are judged).
    case scenarioStarted(Scenario, bot: Int?)
    /// A check was decided.
    case verdict(ServeVerdict)
}

/// Plays scenarios against each bot across its connections and judges what it does.
struct ScenarioRunner {
    /// What a scenario waits for.
    enum Expectation: Sendable, Hashable {
        /// Two more heartbeats on time (normal).
        case heartbeats(seen: Int)
        /// The answer to our HEARTBEAT request, sent at `sentAt`.
        case heartbeatAnswer(sentAt: Duration)
        /// The bot closing this connection without ending its session.
        case botClose
        /// The bot coming back: with RESUME from `sequence`, or with IDENTIFY after `minimumWait`.
        case comeback(resumes: Bool, sessionID: String?, sequence: Int64?, minimumWait: Duration?, since: Duration)
        /// The bot staying away until the deadline.
        case stayingAway
        /// A heartbeat carrying at least `sequence`: the bot took everything up to it.
        case digest(sequence: Int64, bytes: Int)
        /// A script at step `index` (a `wait` or an `expect`), since `since`.
        case scriptStep(index: Int, since: Duration)
        /// One rate window watched from `since`: `payloads` so far.
        case payloadRate(since: Duration, payloads: Int)
    }

    /// Where a bot stands.
    enum Stage: Sendable, Hashable {
        /// Waiting for the bot to have a live session; `deadline` once it has had one.
        case awaitingSession(deadline: Duration?)
        /// A scenario runs on `connection`, waiting for `expectation` until `deadline`.
        case running(Scenario, Expectation, connection: Int, deadline: Duration)
        /// Every scenario was played.
        case finished
    }

    /// One bot being judged.
    struct JudgedBot: Sendable {
        /// How the bot is told apart: the token and shard of its IDENTIFY (the token as a hash,
        /// so the runner keeps no secret).
        struct Key: Hashable, Sendable {
            var tokenHash: Int
            var shard: GatewayShard?
        }

        let key: Key
        var stage: Stage = .awaitingSession(deadline: nil)
        /// The scenarios still to play, the running one first.
        var pending: [Scenario]
        /// Set by `large-ready`: the bot's next IDENTIFY gets a huge READY, fragmented.
        var largeReadyArmed = false
    }

    /// The rules and READY's content for every connection opened from now on.
    var configuration: GatewayServerConfiguration
    /// The bound on every wait for a bot.
    let timeout: Duration
    /// How many bots are judged; later ones are served without verdicts.
    let botLimit: Int
    private let scenarios: [Scenario]
    private(set) var bots: [JudgedBot] = []
    private(set) var verdicts: [ServeVerdict] = []
    private var botIndex: [JudgedBot.Key: Int] = [:]
    /// The judged bot each connection belongs to, once its IDENTIFY or RESUME said so.
    private var owner: [Int: Int] = [:]
    /// The judged bot each session belongs to.
    private var sessionOwner: [String: Int] = [:]
    /// The hash of the token of each connection's IDENTIFY, from the payload (the identified
    /// event does not carry the token).
    private var identifyTokenHash: [Int: Int] = [:]
    private var connections: [Int: GatewayServerConnection] = [:]
    private var heartbeatsSeen: [Int: Int] = [:]
    /// When each connection's first heartbeat came after HELLO: many bots send it before their
    /// session starts, so `normal` judges it from here.
    private var firstHeartbeat: [Int: Duration] = [:]
    private var sessions: [String: GatewayServerSession] = [:]
    private var random: any RandomNumberGenerator
    private var events = EventQueue<ServeEvent>()
    /// `--capture`: the recorded dispatches every identified connection gets, and the pace.
    private let playback: CapturePlayback?
    private let speed: Double
    /// Per connection playing the capture: the next dispatch, and when playback started.
    private var playing: [Int: (next: Int, start: Duration)] = [:]
    /// The bots whose `slow-hello` waits for a connection to hold HELLO on, oldest first.
    private var slowHelloArmed: [Int] = []
    /// The connections whose HELLO is held: for which bot, until when, since when.
    private var heldHello: [Int: (bot: Int, until: Duration, since: Duration)] = [:]
    /// Set by ``closeAll(now:)``: nothing is judged after it.
    private var stopped = false

    /// A runner for `scenarios`, in order, played against each of the first `bots` bots.
    init(
        scenarios: [Scenario], configuration: GatewayServerConfiguration, timeout: Duration,
        random: some RandomNumberGenerator, playback: CapturePlayback? = nil, speed: Double = 1, bots: Int = 1
    ) {
        self.playback = playback
        self.speed = speed
        self.scenarios = scenarios
        self.configuration = configuration
        self.timeout = timeout
        self.random = random
        botLimit = max(1, bots)
    }

    /// Whether every judged bot played every scenario (at once, without scenarios).
    var isFinished: Bool {
        scenarios.isEmpty || stopped || (bots.count == botLimit && bots.allSatisfy { $0.stage == .finished })
    }

    /// The next thing to render, or nil.
    mutating func nextEvent() -> ServeEvent? {
        events.removeFirst()
    }

    /// When ``handleDeadline(now:)`` must be called next.
    var nextDeadline: Duration? {
        var earliest: Duration?
        func consider(_ deadline: Duration) { earliest = min(earliest ?? deadline, deadline) }
        for connection in connections.values {
            if let deadline = connection.nextDeadline { consider(deadline) }
        }
        for bot in bots {
            switch bot.stage {
            case .awaitingSession(let deadline?), .running(_, _, _, let deadline): consider(deadline)
            case .awaitingSession(nil), .finished: break
            }
        }
        for held in heldHello.values { consider(held.until) }
        for id in playing.keys {
            if let due = nextPlaybackTime(id) { consider(due) }
        }
        return earliest
    }

    // MARK: - Driver input

    /// A bot opened connection `id`.
    mutating func opened(_ id: Int, now: Duration) -> [ServeAction] {
        let seed = random.next()
        var connection = GatewayServerConnection(configuration: configuration, random: SplitMix64(seed: seed))
        // READY waits until the IDENTIFY says which bot this is (see `identified`).
        connection.holdsReady = true
        if !slowHelloArmed.isEmpty, !stopped {
            connection.holdsHello = true
            heldHello[id] = (slowHelloArmed.removeFirst(), now + Scenario.slowHelloDelay, now)
        }
        connections[id] = connection
        heartbeatsSeen[id] = 0
        return []
    }

    /// Bytes connection `id` read at `now`.
    mutating func received(_ id: Int, _ bytes: UnsafeRawBufferPointer, now: Duration) -> [ServeAction] {
        guard var connection = connections.removeValue(forKey: id) else { return [] }
        let output = connection.receive(bytes, now: now)
        connections[id] = connection
        var actions = write(output, to: id)
        actions += drain(id, now: now)
        return actions
    }

    /// Connection `id`'s socket ended at `now`.
    mutating func endOfInput(_ id: Int, now: Duration) -> [ServeAction] {
        guard var connection = connections.removeValue(forKey: id) else { return [] }
        connection.receiveEndOfInput(now: now)
        connections[id] = connection
        return drain(id, now: now)
    }

    /// Does what is due at `now`: held HELLOs, playback, the connections' deadlines, then each
    /// bot's running expectation's.
    mutating func handleDeadline(now: Duration) -> [ServeAction] {
        var actions: [ServeAction] = []
        for (id, held) in heldHello.sorted(by: { $0.key < $1.key }) where now >= held.until {
            heldHello[id] = nil
            decide(
                bot: held.bot, .slowHello, "waits for a slow HELLO", passed: true, expected: "the connection open until HELLO",
                observed: "still open after \(now - held.since)", now: now)
            actions += send(on: id, now: now) { try $0.sendHello(now: now) }
        }
        for id in playing.keys.sorted() { actions += play(id, now: now) }
        for id in connections.keys.sorted() {
            guard var connection = connections.removeValue(forKey: id) else { continue }
            let output = connection.handleDeadline(now: now)
            connections[id] = connection
            actions += write(output, to: id)
            actions += drain(id, now: now)
        }
        for bot in bots.indices {
            switch bots[bot].stage {
            case .awaitingSession(let deadline?) where now >= deadline:
                let scenario = bots[bot].pending.first
                decide(
                    bot: bot, scenario, "the bot comes back", passed: false, expected: "a new connection within \(timeout)",
                    observed: "none", now: now)
                actions += finishScenario(bot: bot, now: now, liveConnection: nil)
            case .running(let scenario, let expectation, let connection, let deadline) where now >= deadline:
                actions += expired(bot: bot, scenario, expectation, connection: connection, now: now)
            default:
                break
            }
        }
        return actions
    }

    // MARK: - Connection events

    private mutating func drain(_ id: Int, now: Duration) -> [ServeAction] {
        var actions: [ServeAction] = []
        while let event = connections[id]?.nextEvent() {
            events.append(.connection(id, event))
            actions += react(to: event, on: id, now: now)
        }
        if connections[id]?.state == .closed {
            if let held = heldHello.removeValue(forKey: id) {
                decide(
                    bot: held.bot, .slowHello, "waits for a slow HELLO", passed: false,
                    expected: "the connection open until HELLO", observed: "closed after \(now - held.since)", now: now)
            }
            if let session = connections[id]?.session { sessions[session.id] = session }
            connections[id] = nil
            heartbeatsSeen[id] = nil
            firstHeartbeat[id] = nil
            playing[id] = nil
            owner[id] = nil
            identifyTokenHash[id] = nil
            actions.append(.closeTransport(connection: id))
        }
        return actions
    }

    private mutating func react(to event: GatewayServerEvent, on id: Int, now: Duration) -> [ServeAction] {
        switch event {
        case .identified(let request, let sessionID):
            let key = JudgedBot.Key(tokenHash: identifyTokenHash.removeValue(forKey: id) ?? 0, shard: request.shard)
            let bot = judgedBot(for: key)
            owner[id] = bot
            if let bot { sessionOwner[sessionID] = bot }
            var actions = sendReady(on: id, largeReady: bot.map { bots[$0].largeReadyArmed } ?? false, now: now)
            if let session = connections[id]?.session { sessions[sessionID] = session }
            if let bot {
                actions += observeComeback(bot: bot, resumed: false, sessionID: sessionID, sequence: nil, on: id, now: now)
            }
            if playback != nil {
                playing[id] = (0, now)
                actions += play(id, now: now)
            }
            return actions
        case .resumeRequested(let sessionID, let sequence):
            owner[id] = sessionOwner[sessionID]
            var actions: [ServeAction] = []
            if let bot = owner[id] {
                actions += observeComeback(bot: bot, resumed: true, sessionID: sessionID, sequence: sequence, on: id, now: now)
            }
            actions += answerResume(sessionID, on: id, now: now)
            return actions
        case .violation(let violation):
            guard let bot = owner[id] ?? soleBot else { return [] }
            if case .running(.rateLimit, .payloadRate(let since, _), id, _) = bots[bot].stage,
                violation.code == .rateLimited
            {
                return rateLimited(bot: bot, since: since, on: id, now: now)
            }
            if case .running(let scenario, _, _, _) = bots[bot].stage {
                decide(
                    bot: bot, scenario, "keeps to the gateway's rules", passed: false, expected: "no violation",
                    observed: "\(violation)", now: now)
            }
            return []
        case .received(let payload) where payload.opcode == .identify:
            identifyTokenHash[id] = payload.data["token"]?.stringValue?.hashValue
        case .connected, .refused, .frame, .sent:
            return []
        case .resumed, .heartbeat, .received, .disconnected:
            break
        }
        guard let bot = owner[id] else { return [] }
        switch event {
        case .resumed:
            return sessionIsLive(bot: bot, on: id, now: now)
        case .heartbeat(let sequence, let sinceLast, _):
            heartbeatsSeen[id, default: 0] += 1
            if heartbeatsSeen[id] == 1 { firstHeartbeat[id] = sinceLast }
            return observeHeartbeat(bot: bot, sinceLast: sinceLast, sequence: sequence, on: id, now: now)
        case .received(let payload):
            return observePayload(bot: bot, opcode: Int(payload.opcode.rawValue), on: id, now: now)
        case .disconnected(let disconnect):
            return observeClose(bot: bot, disconnect, on: id, now: now)
        default:
            return []
        }
    }

    /// The judged bot with this key: a known one, a new one while fewer than `botLimit` are
    /// judged, or nil (served, not judged).
    private mutating func judgedBot(for key: JudgedBot.Key) -> Int? {
        if let index = botIndex[key] { return index }
        guard bots.count < botLimit, !scenarios.isEmpty, !stopped else { return nil }
        bots.append(JudgedBot(key: key, pending: scenarios))
        botIndex[key] = bots.count - 1
        return bots.count - 1
    }

    /// The one bot judged, when only one is: a connection that breaks a rule before it
    /// identifies is then that bot's too.
    private var soleBot: Int? { botLimit == 1 && bots.count == 1 ? 0 : nil }

    /// READY for the session just identified on `id`: the huge one when the bot's
    /// `large-ready` waits for it.
    private mutating func sendReady(on id: Int, largeReady: Bool, now: Duration) -> [ServeAction] {
        send(on: id, now: now) { connection in
            if largeReady {
                connection.readyContent.guildIDs = ServeSampleData.largeReadyGuildIDs
                connection.fragmentSize = ServeSampleData.largeFragmentSize
            }
            return try connection.sendReady(now: now)
        }
    }

    /// Forgets the session of connection `id` when a command ended it (INVALID_SESSION false,
    /// a close code after which Discord does not resume): a RESUME for it must then be refused,
    /// as Discord refuses it.
    private mutating func forgetSessionIfEnded(on id: Int, had sessionID: String?) {
        guard let sessionID, connections[id]?.session?.id != sessionID else { return }
        sessions[sessionID] = nil
    }

    private mutating func answerResume(_ sessionID: String, on id: Int, now: Duration) -> [ServeAction] {
        guard var connection = connections.removeValue(forKey: id) else { return [] }
        defer { connections[id] = connection }
        let output: [UInt8]
        if let session = sessions[sessionID] {
            output = (try? connection.resume(session, now: now)) ?? []
        } else {
            output = (try? connection.invalidateSession(resumable: false, now: now)) ?? []
        }
        return write(output, to: id)
    }

    // MARK: - Scenarios

    /// The bot has a live session on `id`: start the next scenario if one waits for that.
    private mutating func sessionIsLive(bot: Int, on id: Int, now: Duration) -> [ServeAction] {
        guard case .awaitingSession = bots[bot].stage, let scenario = bots[bot].pending.first else { return [] }
        events.append(.scenarioStarted(scenario, bot: label(bot)))
        return start(bot: bot, scenario, on: id, now: now)
    }

    private mutating func start(bot: Int, _ scenario: Scenario, on id: Int, now: Duration) -> [ServeAction] {
        let deadline = now + timeout
        switch scenario {
        case .normal:
            if let first = firstHeartbeat[id] { decideJitter(bot: bot, scenario, first, now: now) }
            let output = send(on: id, now: now) { connection in
                try connection.dispatch("GUILD_CREATE", ServeSampleData.guildCreate, now: now)
            }
            bots[bot].stage = .running(scenario, .heartbeats(seen: 0), connection: id, deadline: now + heartbeatWait(count: 2))
            return output
        case .serverHeartbeat:
            let output = send(on: id, now: now) { try $0.requestHeartbeat(now: now) }
            bots[bot].stage = .running(scenario, .heartbeatAnswer(sentAt: now), connection: id, deadline: now + .seconds(1))
            return output
        case .reconnect:
            var output = send(on: id, now: now) { try $0.dispatch("MESSAGE_CREATE", ServeSampleData.messageCreate, now: now) }
            output += send(on: id, now: now) { try $0.requestReconnect(now: now) }
            bots[bot].stage = .running(scenario, .botClose, connection: id, deadline: deadline)
            return output
        case .invalidSession:
            let output = send(on: id, now: now) { try $0.invalidateSession(resumable: false, now: now) }
            bots[bot].stage = .running(
                scenario, .comeback(resumes: false, sessionID: nil, sequence: nil, minimumWait: .seconds(1), since: now),
                connection: id, deadline: deadline)
            return output
        case .invalidSessionResumable:
            let session = connections[id]?.session
            let output = send(on: id, now: now) { try $0.invalidateSession(resumable: true, now: now) }
            bots[bot].stage = .running(
                scenario,
                .comeback(resumes: true, sessionID: session?.id, sequence: session?.sequence, minimumWait: nil, since: now),
                connection: id, deadline: deadline)
            return output
        case .zombie:
            connections[id]?.acknowledgesHeartbeats = false
            bots[bot].stage = .running(scenario, .botClose, connection: id, deadline: now + heartbeatWait(count: 2) + timeout)
            return []
        case .drop:
            let session = connections[id]?.session
            bots[bot].stage = .running(
                scenario,
                .comeback(resumes: true, sessionID: session?.id, sequence: session?.sequence, minimumWait: nil, since: now),
                connection: id, deadline: deadline)
            return [.closeTransport(connection: id)]
        case .script:
            return runScript(bot: bot, scenario, from: 0, on: id, now: now)
        case .rateLimit:
            bots[bot].stage = .running(
                scenario, .payloadRate(since: now, payloads: 0), connection: id, deadline: now + configuration.receiveWindow)
            return []
        case .slowHello:
            slowHelloArmed.append(bot)
            let session = connections[id]?.session
            let output = send(on: id, now: now) { try $0.requestReconnect(now: now) }
            bots[bot].stage = .running(
                scenario,
                .comeback(resumes: true, sessionID: session?.id, sequence: session?.sequence, minimumWait: nil, since: now),
                connection: id, deadline: deadline + Scenario.slowHelloDelay)
            return output
        case .largeReady:
            bots[bot].largeReadyArmed = true
            let output = send(on: id, now: now) { try $0.invalidateSession(resumable: false, now: now) }
            bots[bot].stage = .running(
                scenario, .comeback(resumes: false, sessionID: nil, sequence: nil, minimumWait: nil, since: now),
                connection: id, deadline: deadline)
            return output
        case .close(let code):
            let session = connections[id]?.session
            let output = send(on: id, now: now) { try $0.close(code: code, reason: "scenario \(scenario.name)", now: now) }
            if scenario.keepsBotAway {
                bots[bot].stage = .running(scenario, .stayingAway, connection: id, deadline: deadline)
            } else {
                bots[bot].stage = .running(
                    scenario,
                    .comeback(
                        resumes: code.canResume, sessionID: session?.id, sequence: session?.sequence, minimumWait: nil,
                        since: now),
                    connection: id, deadline: deadline)
            }
            return output
        }
    }

    /// The first heartbeat of a connection: within one interval of HELLO (Discord's
    /// `interval * jitter`, jitter in [0, 1)), with the same slack as the others.
    private mutating func decideJitter(bot: Int, _ scenario: Scenario, _ sinceHello: Duration, now: Duration) {
        let interval = configuration.heartbeatInterval
        decide(bot: bot, 
            scenario, "the first heartbeat is jittered", passed: sinceHello < interval + interval / 10,
            expected: "within \(interval) of HELLO", observed: "\(sinceHello) after HELLO", now: now)
    }

    /// How long `count` heartbeats may take, the first one jittered.
    private func heartbeatWait(count: Int) -> Duration {
        configuration.heartbeatInterval * (count + 1) + configuration.heartbeatGrace
    }

    private mutating func observeHeartbeat(bot: Int, sinceLast: Duration, sequence: Int64?, on id: Int, now: Duration) -> [ServeAction] {
        guard case .running(let scenario, let expectation, let connection, let deadline) = bots[bot].stage, connection == id else {
            return []
        }
        let interval = configuration.heartbeatInterval
        switch expectation {
        case .heartbeats(let seen):
            // A tenth of the interval either way: timers and the event loop are not exact.
            let slack = interval / 10
            if heartbeatsSeen[id] == 1 {
                decideJitter(bot: bot, scenario, sinceLast, now: now)
            } else {
                decide(bot: bot, 
                    scenario, "heartbeats every interval", passed: sinceLast >= interval - slack && sinceLast <= interval + slack,
                    expected: "\(interval) apart", observed: "\(sinceLast) apart", now: now)
            }
            if seen + 1 >= 2 { return finishScenario(bot: bot, now: now, liveConnection: id) }
            bots[bot].stage = .running(scenario, .heartbeats(seen: seen + 1), connection: id, deadline: deadline)
        case .heartbeatAnswer(let sentAt):
            decide(bot: bot, 
                scenario, "answers a heartbeat request at once", passed: true, expected: "within 1 s",
                observed: "after \(now - sentAt)", now: now)
            return finishScenario(bot: bot, now: now, liveConnection: id)
        case .scriptStep(let index, let since):
            guard case .script(let script) = scenario, case .expect(.heartbeat, _) = script.steps[index].step else { return [] }
            decide(bot: bot, scenario, "line \(script.steps[index].line): expect heartbeat", passed: true, expected: "a heartbeat", observed: "after \(now - since)", now: now)
            return runScript(bot: bot, scenario, from: index + 1, on: id, now: now)
        case .digest(let last, let bytes):
            guard let sequence, sequence >= last else { return [] }
            decide(bot: bot, 
                scenario, "takes a multi-megabyte READY and GUILD_CREATE burst", passed: true,
                expected: "a heartbeat with seq \(last) or later", observed: "seq \(sequence) after \(bytes / 1_000_000) MB of payloads (before compression)",
                now: now)
            return finishScenario(bot: bot, now: now, liveConnection: id)
        case .botClose, .comeback, .stayingAway, .payloadRate:
            break
        }
        return []
    }

    private mutating func observeClose(bot: Int, _ disconnect: GatewayServerDisconnect, on id: Int, now: Duration) -> [ServeAction] {
        guard case .running(let scenario, let expectation, let connection, _) = bots[bot].stage, connection == id else { return [] }
        switch expectation {
        case .botClose:
            let kept: Bool
            let observed: String
            switch disconnect.initiator {
            case .client:
                let code = disconnect.code ?? 1005
                kept = code != 1000 && code != 1001
                observed = "closed with \(code)"
            case .transport:
                kept = true
                observed = "dropped the connection without a close frame"
            case .server:
                kept = false
                observed = "did not close; the server did (\(disconnect))"
            }
            decide(bot: bot, 
                scenario, "closes without ending the session", passed: kept,
                expected: "a close code other than 1000 and 1001", observed: observed, now: now)
            // The bot should come back and resume what the server kept.
            let session = connections[id]?.session
            bots[bot].stage = .running(
                scenario,
                .comeback(resumes: true, sessionID: session?.id, sequence: session?.sequence, minimumWait: nil, since: now),
                connection: id, deadline: now + timeout)
            recordMissedDispatch(session)
            return []
        case .scriptStep(let index, _):
            guard case .script(let script) = scenario, case .expect(.close, _) = script.steps[index].step else { return [] }
            let code = disconnect.code ?? 1005
            let kept = disconnect.initiator == .transport || (disconnect.initiator == .client && code != 1000 && code != 1001)
            decide(bot: bot, 
                scenario, "line \(script.steps[index].line): expect close", passed: kept,
                expected: "a close that keeps the session", observed: "\(disconnect)", now: now)
            return runScript(bot: bot, scenario, from: index + 1, on: id, now: now)
        case .heartbeats, .heartbeatAnswer, .digest, .payloadRate:
            decide(bot: bot, 
                scenario, "keeps the connection", passed: false, expected: "the connection open",
                observed: "\(disconnect)", now: now)
            bots[bot].stage = .awaitingSession(deadline: now + timeout)
            return []
        case .comeback, .stayingAway:
            return []
        }
    }

    /// A dispatch while the bot is away, so a RESUME has something to replay.
    private mutating func recordMissedDispatch(_ session: GatewayServerSession?) {
        guard let id = session?.id, var kept = sessions[id] ?? session else { return }
        _ = kept.record(name: "MESSAGE_CREATE", data: ServeSampleData.messageCreate)
        sessions[id] = kept
    }

    private mutating func observeComeback(
        bot: Int, resumed: Bool, sessionID: String, sequence: Int64?, on id: Int, now: Duration
    ) -> [ServeAction] {
        switch bots[bot].stage {
        case .awaitingSession:
            // A session starting by IDENTIFY is live at once; a RESUME once it is answered.
            return resumed ? [] : sessionIsLive(bot: bot, on: id, now: now)
        case .finished:
            return []
        case .running(let scenario, let expectation, _, _):
            switch expectation {
            case .comeback(let resumes, let expectedID, let expectedSequence, let minimumWait, let since):
                let what = resumed ? "RESUME" : "IDENTIFY"
                decide(bot: bot, 
                    scenario, resumes ? "resumes the session" : "identifies anew", passed: resumed == resumes,
                    expected: resumes ? "RESUME" : "IDENTIFY", observed: what, now: now)
                if resumes, resumed {
                    decide(bot: bot, 
                        scenario, "resumes the right session", passed: expectedID == nil || expectedID == sessionID,
                        expected: expectedID ?? "any", observed: sessionID, now: now)
                    if let expectedSequence {
                        decide(bot: bot, 
                            scenario, "resumes from the last sequence", passed: sequence == expectedSequence,
                            expected: "seq \(expectedSequence)", observed: "seq \(sequence.map(String.init) ?? "none")",
                            now: now)
                    }
                }
                if scenario == .largeReady, !resumed {
                    return sendLargeBurst(bot: bot, scenario, on: id, now: now)
                }
                if let minimumWait {
                    let waited = now - since
                    decide(bot: bot, 
                        scenario, "waits 1-5 s before IDENTIFY",
                        passed: waited >= minimumWait && waited <= .seconds(5) + .milliseconds(500),
                        expected: "1 to 5 s", observed: "\(waited)", now: now)
                }
                bots[bot].stage = .awaitingSession(deadline: nil)
                bots[bot].pending.removeFirst()
                if bots[bot].pending.isEmpty {
                    bots[bot].stage = .finished
                    return []
                }
                return resumed ? [] : sessionIsLive(bot: bot, on: id, now: now)
            case .stayingAway:
                decide(bot: bot, 
                    scenario, "does not reconnect", passed: false, expected: "no new session",
                    observed: resumed ? "RESUME" : "IDENTIFY", now: now)
                return finishScenario(bot: bot, now: now, liveConnection: resumed ? nil : id)
            case .scriptStep(let index, let since):
                guard case .script(let script) = scenario, case .expect(let what, _) = script.steps[index].step,
                    what == .resume || what == .identify
                else {
                    // The bot came back while the script waits for something else: go on with it here.
                    if case .running(_, _, _, let deadline) = bots[bot].stage {
                        bots[bot].stage = .running(scenario, .scriptStep(index: index, since: since), connection: id, deadline: deadline)
                    }
                    return []
                }
                decide(bot: bot, 
                    scenario, "line \(script.steps[index].line): expect \(what.rawValue)", passed: resumed == (what == .resume),
                    expected: what == .resume ? "RESUME" : "IDENTIFY", observed: "\(resumed ? "RESUME" : "IDENTIFY") after \(now - since)",
                    now: now)
                return runScript(bot: bot, scenario, from: index + 1, on: id, now: now)
            case .heartbeats, .heartbeatAnswer, .botClose, .digest, .payloadRate:
                return []
            }
        }
    }

    /// A payload from the bot: counted by `rate-limit`, and what `expect op N` waits for.
    private mutating func observePayload(bot: Int, opcode: Int, on id: Int, now: Duration) -> [ServeAction] {
        if case .running(let scenario, .payloadRate(let since, let payloads), id, let deadline) = bots[bot].stage {
            bots[bot].stage = .running(scenario, .payloadRate(since: since, payloads: payloads + 1), connection: id, deadline: deadline)
            return []
        }
        guard case .running(let scenario, .scriptStep(let index, let since), let connection, _) = bots[bot].stage, connection == id,
            case .script(let script) = scenario, case .expect(.op, _) = script.steps[index].step,
            script.expectedOpcodes[script.steps[index].line] == opcode
        else { return [] }
        decide(bot: bot, 
            scenario, "line \(script.steps[index].line): expect op \(opcode)", passed: true, expected: "op \(opcode)",
            observed: "after \(now - since)", now: now)
        return runScript(bot: bot, scenario, from: index + 1, on: id, now: now)
    }

    /// Runs a script's steps from `index` on connection `id` until one waits (`wait`, `expect`)
    /// or the script ends.
    private mutating func runScript(bot: Int, _ scenario: Scenario, from start: Int, on id: Int, now: Duration) -> [ServeAction] {
        guard case .script(let script) = scenario else { return [] }
        var actions: [ServeAction] = []
        var index = start
        while index < script.steps.count {
            switch script.steps[index].step {
            case .dispatch(let name, let data):
                actions += send(on: id, now: now) { try $0.dispatch(name, data, now: now) }
            case .send(let opcode, let data):
                actions += send(on: id, now: now) { try $0.send(opcode: GatewayOpcode(rawValue: opcode), data: data, now: now) }
            case .reconnect:
                actions += send(on: id, now: now) { try $0.requestReconnect(now: now) }
            case .invalidSession(let resumable):
                actions += send(on: id, now: now) { try $0.invalidateSession(resumable: resumable, now: now) }
            case .heartbeatRequest:
                actions += send(on: id, now: now) { try $0.requestHeartbeat(now: now) }
            case .acknowledgesHeartbeats(let on):
                connections[id]?.acknowledgesHeartbeats = on
            case .close(let code, let reason):
                actions += send(on: id, now: now) { try $0.close(code: GatewayCloseCode(rawValue: code), reason: reason, now: now) }
            case .drop:
                actions.append(.closeTransport(connection: id))
            case .wait(let duration):
                bots[bot].stage = .running(scenario, .scriptStep(index: index, since: now), connection: id, deadline: now + duration)
                return actions
            case .expect(_, let within):
                bots[bot].stage = .running(scenario, .scriptStep(index: index, since: now), connection: id, deadline: now + (within ?? timeout))
                return actions
            }
            index += 1
        }
        return actions + finishScenario(bot: bot, now: now, liveConnection: id)
    }

    /// `large-ready`, once the bot identified on a connection with the huge READY: the large
    /// GUILD_CREATEs, then wait for a heartbeat that says all of it was taken.
    private mutating func sendLargeBurst(bot: Int, _ scenario: Scenario, on id: Int, now: Duration) -> [ServeAction] {
        bots[bot].largeReadyArmed = false
        var actions: [ServeAction] = []
        var bytes = GatewayJSON.encode(.array(ServeSampleData.largeReadyGuildIDs.map { ["id": .string($0), "unavailable": true] })).count
        for index in 0..<ServeSampleData.largeGuildCount {
            let guild = ServeSampleData.largeGuildCreate(index)
            bytes += GatewayJSON.encode(guild).count
            actions += send(on: id, now: now) { try $0.dispatch("GUILD_CREATE", guild, now: now) }
        }
        let last = connections[id]?.session?.sequence ?? 0
        bots[bot].stage = .running(
            scenario, .digest(sequence: last, bytes: bytes), connection: id, deadline: now + heartbeatWait(count: 2) + timeout)
        return actions
    }

    /// `rate-limit`, when the bot's payload over the limit made the server close with 4008 (as
    /// Discord does): a failed check, then the bot must come back and RESUME, as after any 4008.
    private mutating func rateLimited(bot: Int, since: Duration, on id: Int, now: Duration) -> [ServeAction] {
        decide(bot: bot, 
            .rateLimit, "keeps to \(configuration.receivesPerWindow) payloads per \(configuration.receiveWindow)", passed: false,
            expected: "at most \(configuration.receivesPerWindow) in \(configuration.receiveWindow)",
            observed: "payload \(configuration.receivesPerWindow + 1) within \(configuration.receiveWindow), \(now - since) into the scenario; closed with 4008",
            now: now)
        let session = connections[id]?.session
        bots[bot].stage = .running(
            .rateLimit,
            .comeback(resumes: true, sessionID: session?.id, sequence: session?.sequence, minimumWait: nil, since: now),
            connection: id, deadline: now + timeout)
        recordMissedDispatch(session)
        return []
    }

    private mutating func expired(bot: Int, _ scenario: Scenario, _ expectation: Expectation, connection: Int, now: Duration)
        -> [ServeAction]
    {
        switch expectation {
        case .heartbeats:
            decide(bot: bot, scenario, "heartbeats every interval", passed: false, expected: "two heartbeats", observed: "none in time", now: now)
        case .heartbeatAnswer(let sentAt):
            decide(bot: bot, 
                scenario, "answers a heartbeat request at once", passed: false, expected: "within 1 s",
                observed: "no heartbeat after \(now - sentAt)", now: now)
        case .botClose:
            decide(bot: bot, 
                scenario, "closes without ending the session", passed: false, expected: "a close within \(timeout)",
                observed: "the connection stayed open", now: now)
        case .comeback(let resumes, _, _, _, _):
            decide(bot: bot, 
                scenario, resumes ? "resumes the session" : "identifies anew", passed: false,
                expected: resumes ? "RESUME" : "IDENTIFY", observed: "no new session within \(timeout)", now: now)
        case .digest(let last, _):
            decide(bot: bot, 
                scenario, "takes a multi-megabyte READY and GUILD_CREATE burst", passed: false,
                expected: "a heartbeat with seq \(last) or later", observed: "none in time", now: now)
        case .scriptStep(let index, let since):
            guard case .script(let script) = scenario else { break }
            let (line, step) = script.steps[index]
            if case .expect(let what, _) = step {
                let expected = what == .op ? "op \(script.expectedOpcodes[line] ?? -1)" : what.rawValue
                decide(bot: bot, 
                    scenario, "line \(line): expect \(expected)", passed: false, expected: expected,
                    observed: "nothing in \(now - since)", now: now)
            }
            return runScript(bot: bot, scenario, from: index + 1, on: connection, now: now)
        case .payloadRate(let since, let payloads):
            decide(bot: bot, 
                scenario, "keeps to \(configuration.receivesPerWindow) payloads per \(configuration.receiveWindow)", passed: true,
                expected: "at most \(configuration.receivesPerWindow) in \(configuration.receiveWindow)",
                observed: "\(payloads) in \(now - since)", now: now)
        case .stayingAway:
            decide(bot: bot, scenario, "does not reconnect", passed: true, expected: "no new session", observed: "stayed away", now: now)
            // A bot that did right is gone: the next scenario waits, without a deadline, for it to be started again.
            return finishScenario(bot: bot, now: now, liveConnection: nil, botRestarts: true)
        }
        let live = connections[connection] != nil ? connection : nil
        return finishScenario(bot: bot, now: now, liveConnection: live)
    }

    /// Ends the running scenario; the next one starts on `liveConnection` if the session is live
    /// there. After a scenario the bot must not come back from (`botRestarts`), the next one waits
    /// for a new session however long it takes.
    private mutating func finishScenario(bot: Int, now: Duration, liveConnection: Int?, botRestarts: Bool = false) -> [ServeAction] {
        if !bots[bot].pending.isEmpty { bots[bot].pending.removeFirst() }
        guard !bots[bot].pending.isEmpty else {
            bots[bot].stage = .finished
            return []
        }
        bots[bot].stage = .awaitingSession(deadline: botRestarts ? nil : now + timeout)
        if let liveConnection, connections[liveConnection]?.state == .ready {
            return sessionIsLive(bot: bot, on: liveConnection, now: now)
        }
        return []
    }

    /// When connection `id`'s next recorded dispatch is due, at `--speed` (0: at once).
    private func nextPlaybackTime(_ id: Int) -> Duration? {
        guard let playback, let state = playing[id], state.next < playback.dispatches.count else { return nil }
        guard speed > 0 else { return state.start }
        return state.start + playback.dispatches[state.next].time / speed
    }

    /// Sends connection `id` the recorded dispatches that are due.
    private mutating func play(_ id: Int, now: Duration) -> [ServeAction] {
        guard let playback else { return [] }
        var actions: [ServeAction] = []
        while let due = nextPlaybackTime(id), due <= now, let state = playing[id], connections[id]?.state == .ready {
            let dispatch = playback.dispatches[state.next]
            playing[id] = (state.next + 1, state.start)
            actions += send(on: id, now: now) { try $0.dispatch(dispatch.name, dispatch.data, now: now) }
        }
        if let state = playing[id], state.next >= playback.dispatches.count { playing[id] = nil }
        return actions
    }

    /// Closes every connection still open with 1001 (going away), as a server shutting down does.
    /// Nothing is judged after this: the bots' answers to our own shutdown say nothing about them.
    mutating func closeAll(now: Duration) -> [ServeAction] {
        stopped = true
        for bot in bots.indices { bots[bot].stage = .finished }
        var actions: [ServeAction] = []
        for id in connections.keys.sorted() {
            actions += send(on: id, now: now) { try $0.close(code: .goingAway, reason: "gatewayctl serve is stopping", now: now) }
        }
        return actions
    }

    // MARK: - Helpers

    /// The number shown for a bot: 1, 2, ... when several are judged, nil when one is.
    private func label(_ bot: Int) -> Int? { botLimit > 1 ? bot + 1 : nil }

    private mutating func decide(
        bot: Int, _ scenario: Scenario?, _ check: String, passed: Bool, expected: String, observed: String, now: Duration
    ) {
        let verdict = ServeVerdict(
            bot: label(bot), scenario: scenario?.name ?? "-", check: check, passed: passed, expected: expected,
            observed: observed, time: now)
        verdicts.append(verdict)
        events.append(.verdict(verdict))
    }

    /// Runs a command on connection `id`, and reports what it sent. A command that ended the
    /// session (INVALID_SESSION false, a close that does not resume) also ends it here.
    private mutating func send(
        on id: Int, now: Duration, _ command: (inout GatewayServerConnection) throws -> [UInt8]
    ) -> [ServeAction] {
        guard var connection = connections.removeValue(forKey: id) else { return [] }
        let sessionID = connection.session?.id
        let output = (try? command(&connection)) ?? []
        connections[id] = connection
        forgetSessionIfEnded(on: id, had: sessionID)
        var actions = write(output, to: id)
        actions += drain(id, now: now)
        return actions
    }

    private func write(_ bytes: [UInt8], to id: Int) -> [ServeAction] {
        bytes.isEmpty ? [] : [.write(connection: id, bytes: bytes)]
    }
}
