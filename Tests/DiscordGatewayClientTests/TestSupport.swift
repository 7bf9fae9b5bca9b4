import DiscordGateway
import DiscordGatewayClient
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOSSL
import Testing

/// The suites that run clients against loopback gateways, one test at a time: they share the
/// event loops, and a test that decodes megabytes on one would delay another's timing checks
/// (identify pacing, rate windows) by what it holds the loop for.
@Suite(.serialized) struct LoopbackTests {}

/// A logger that drops everything, for the clients whose log lines a test does not check.
let quietLogger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

/// The token every test identifies with; it must reach the server and never a log line.
let testToken = "Bot test-token-4f9c2a"

func testIdentify(shard: GatewayShard? = nil) -> GatewayIdentify {
    GatewayIdentify(
        token: testToken, intents: [.guilds, .guildMessages], properties: GatewayConnectionProperties(os: "linux"),
        shard: shard)
}

/// A client configuration for a loopback gateway: plain JSON, no compression, short timeouts.
func testConfiguration(url: String, configure: (inout GatewayClientConfiguration) -> Void = { _ in }) -> GatewayClientConfiguration {
    var configuration = GatewayClientConfiguration(gateway: GatewayConfiguration(url: url, encoding: .json, compression: .none))
    configuration.timeout = .seconds(5)
    configure(&configuration)
    return configuration
}

/// Log lines kept in memory, every level, metadata rendered: what a test checks the token against.
final class CapturedLog: Sendable {
    private let lines = NIOLockedValueBox<[String]>([])

    /// A logger at trace level writing here.
    func logger(label: String = "test") -> Logger {
        var logger = Logger(label: label) { _ in CapturingLogHandler(log: self) }
        logger.logLevel = .trace
        return logger
    }

    func append(_ line: String) { lines.withLockedValue { $0.append(line) } }

    var all: [String] { lines.withLockedValue { $0 } }

    /// Lines whose message is `message`.
    func lines(_ message: String) -> [String] { all.filter { $0.contains(" \(message)") } }
}

struct CapturingLogHandler: LogHandler {
    let log: CapturedLog
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        let rendered = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        log.append("\(event.level) \(event.message) \(rendered)")
    }
}

/// The test certificates (a copy of GatewayCLITests/TLS: a CA, and a server certificate for 127.0.0.1 and localhost).
enum TestTLS {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static var caPath: String { directory.appendingPathComponent("test-ca.pem").path }

    static func serverContext() throws -> NIOSSLContext {
        let chain = try NIOSSLCertificate.fromPEMFile(directory.appendingPathComponent("server.pem").path)
        let key = try NIOSSLPrivateKey(file: directory.appendingPathComponent("server.key").path, format: .pem)
        return try NIOSSLContext(
            configuration: .makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key)))
    }
}

/// Collects a client's events into an array, from a task of its own.
final class EventCollector: Sendable {
    private let events = NIOLockedValueBox<[GatewayEvent]>([])

    func append(_ event: GatewayEvent) { events.withLockedValue { $0.append(event) } }

    var all: [GatewayEvent] { events.withLockedValue { $0 } }

    /// The names of the dispatches so far.
    var dispatchNames: [String] {
        all.compactMap { if case .dispatch(let payload) = $0 { payload.eventName } else { nil } }
    }

    /// The disconnects so far.
    var disconnects: [GatewayDisconnect] {
        all.compactMap { if case .disconnected(let disconnect) = $0 { disconnect } else { nil } }
    }
}

/// Polls `condition` every 10 ms until it holds, or throws after `timeout`.
func waitFor(_ what: String, timeout: Duration = .seconds(10), _ condition: () async -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if await condition() { return }
        try await Task.sleep(for: .milliseconds(10))
    }
    throw LoopbackTimeout(what: what)
}

/// Runs `client` to its end while a consumer collects its events (calling `onEvent` on each, which
/// may close the client); returns how run ended once the events finished too.
func runSession(
    _ client: GatewayClient, collector: EventCollector,
    onEvent: @escaping @Sendable (GatewayEvent, EventCollector) async -> Void = { _, _ in }
) async -> Result<Void, GatewayClientError> {
    async let consumed: Void = {
        for await event in client.events {
            collector.append(event)
            await onEvent(event, collector)
        }
    }()
    let result: Result<Void, GatewayClientError>
    do {
        try await client.run()
        result = .success(())
    } catch let error as GatewayClientError {
        result = .failure(error)
    } catch {
        result = .failure(.invalidConfiguration("unexpected error \(error)"))
    }
    await consumed
    return result
}

/// Closes with 1000 once `count` dispatches arrived.
func closeAfter(dispatches count: Int, _ client: GatewayClient) -> @Sendable (GatewayEvent, EventCollector) async -> Void {
    { event, collector in
        if case .dispatch = event, collector.dispatchNames.count == count { await client.close() }
    }
}
