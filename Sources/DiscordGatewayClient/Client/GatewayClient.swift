import DiscordGateway
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle

// Theory of operation
//
// A GatewayClient is the async face of one GatewaySessionRunner. Everything mutable lives in a
// GatewayClientCore on one event loop of the group; every public method hops there (close, send,
// the snapshots) and run() waits for the runner's end. Events flow from the runner's sink into an
// NIOAsyncSequenceProducer: when its buffer reaches the high watermark the core turns socket reads
// off, and the consumer's demand turns them back on. Cancellation and graceful shutdown are two
// more ways to ask the core to stop; the session's end, whatever caused it, finishes the stream
// and returns from run().

/// A Discord gateway client on SwiftNIO: connects, identifies or resumes, heartbeats, reconnects,
/// and hands out events with `for await`.
///
/// ```swift
/// let client = try GatewayClient(configuration: GatewayClientConfiguration(), identify: identify)
/// try await withThrowingTaskGroup(of: Void.self) { group in
///     group.addTask { try await client.run() }
///     for await event in client.events { ... }
/// }
/// ```
///
/// ``run()`` returns when the session ends for good: after ``close(code:)``, the cancellation of
/// its task or a graceful shutdown (the client is a swift-service-lifecycle `Service`), or with a
/// ``GatewayClientError`` when the session failed (4004 and 4010-4014 among others). One client
/// runs one session.
public final class GatewayClient: Service, Sendable {
    /// What the client runs with.
    public let configuration: GatewayClientConfiguration
    /// The events of the session; see ``GatewayEventStream`` for back-pressure.
    public let events: GatewayEventStream

    private let identify: GatewayIdentify
    private let eventLoop: any EventLoop
    private let logger: Logger
    private let tlsContext: NIOSSLContext
    private let identifyGate: (@Sendable () async -> Void)?
    private let core: NIOLoopBoundBox<GatewayClientCore>
    private let source: GatewayClientCore.Source
    private let started = NIOLockedValueBox(false)

    /// A client that will identify with `identify`; nothing connects before ``run()``.
    ///
    /// - Parameters:
    ///   - configuration: the gateway URL, TLS, timeouts, reconnects and buffering.
    ///   - identify: the token, intents and properties (and shard) of IDENTIFY.
    ///   - eventLoopGroup: where the connection's I/O runs; the client uses one loop of it.
    ///   - logger: receives the session's log lines (`shard` metadata is added when sharded).
    /// - Throws: ``GatewayClientError/invalidConfiguration(_:)`` for a URL that is not `ws://` or
    ///   `wss://`, an encoding/compression pair that cannot work, a TLS setting NIOSSL refuses, or
    ///   watermarks out of order.
    public convenience init(
        configuration: GatewayClientConfiguration, identify: GatewayIdentify,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "discord-gateway")
    ) throws(GatewayClientError) {
        try self.init(
            configuration: configuration, identify: identify, eventLoopGroup: eventLoopGroup, logger: logger,
            identifyGate: nil)
    }

    /// A client whose IDENTIFY waits for `identifyGate` (a shard manager's pacing); RESUME never waits.
    init(
        configuration: GatewayClientConfiguration, identify: GatewayIdentify, eventLoopGroup: any EventLoopGroup,
        logger: Logger, identifyGate: (@Sendable () async -> Void)?
    ) throws(GatewayClientError) {
        try configuration.validate()
        // Made once here so a bad URL or TLS setting fails at once, not inside run().
        _ = try Self.makeConnection(configuration)
        do {
            tlsContext = try NIOSSLContext(configuration: configuration.tls)
        } catch {
            throw .invalidConfiguration("TLS: \(error)")
        }
        self.configuration = configuration
        self.identify = identify
        self.identifyGate = identifyGate
        eventLoop = eventLoopGroup.next()
        var logger = logger
        if let shard = identify.shard { logger[metadataKey: "shard"] = "\(shard)" }
        self.logger = logger
        core = NIOLoopBoundBox.makeBoxSendingValue(GatewayClientCore(), eventLoop: eventLoop)
        let buffer = GatewayEventBuffer()
        let made = GatewayEventStream.Producer.makeSequence(
            backPressureStrategy: .init(
                lowWatermark: configuration.eventBufferLowWatermark, highWatermark: configuration.eventBufferHighWatermark),
            finishOnDeinit: false,
            delegate: GatewayEventStreamDelegate(eventLoop: eventLoop, core: core))
        source = made.source
        events = GatewayEventStream(producer: made.sequence, buffer: buffer)
    }

    /// Runs the session until it ends for good; call once.
    ///
    /// Connects, identifies (or resumes), heartbeats and reconnects with the connection's backoff.
    /// Returns normally after ``close(code:)``, when the calling task is cancelled (the client
    /// closes with 1000 and waits for the close to finish), or after a graceful shutdown (closes
    /// with ``GatewayClientConfiguration/shutdownCloseCode``). ``events`` finishes either way.
    /// - Throws: ``GatewayClientError`` when the session failed, or ``GatewayClientError/alreadyRunning``.
    public func run() async throws {
        let first = started.withLockedValue { started in
            defer { started = true }
            return !started
        }
        guard first else { throw GatewayClientError.alreadyRunning }
        let shutdownCode = configuration.shutdownCloseCode
        let failure = try await withGracefulShutdownHandler {
            try await withTaskCancellationHandler {
                try await eventLoop.flatSubmit { self.startOnLoop() }.get()
            } onCancel: {
                self.stop(code: .normalClosure)
            }
        } onGracefulShutdown: {
            self.stop(code: shutdownCode)
        }
        if let failure { throw GatewayClientError.sessionFailed(failure) }
    }

    /// Stops the session: closes with `code` (1000 ends it; 4000 keeps it resumable for another
    /// client) and returns when the connection has ended. Before ``run()``, run will not connect.
    public func close(code: GatewayCloseCode = .normalClosure) async {
        let end = try? await eventLoop.submit { () -> EventLoopFuture<GatewaySessionFailure?>? in
            self.core.value.stop(code: code)
            return self.core.value.sessionEnd
        }.get()
        _ = try? await end?.get()
    }

    /// The session id from READY, while the session lives.
    public var sessionID: String? {
        get async { await snapshot { $0.sessionID } }
    }

    /// The last sequence number received.
    public var sequence: Int64? {
        get async { await snapshot { $0.sequence } }
    }

    /// The last heartbeat round trip.
    public var latency: Duration? {
        get async { await snapshot { $0.latency } }
    }

    // MARK: - Internals

    /// The most events that waited in ``events`` at once (for tests of back-pressure).
    package var eventBufferPeak: Int { events.buffer.peak }

    /// Asks the core to stop, from any thread.
    func stop(code: GatewayCloseCode) {
        eventLoop.execute { self.core.value.stop(code: code) }
    }

    /// Reads the connection on the loop.
    private func snapshot<Value: Sendable>(_ read: @escaping @Sendable (GatewayConnection) -> Value?) async -> Value? {
        try? await eventLoop.submit { self.core.value.runner.flatMap { read($0.connection) } }.get()
    }

    private func startOnLoop() -> EventLoopFuture<GatewaySessionFailure?> {
        let connection: GatewayConnection
        do {
            connection = try Self.makeConnection(configuration)
        } catch {
            source.finish()
            return eventLoop.makeFailedFuture(error)
        }
        var policy = GatewaySessionDriver.Policy()
        policy.reconnects = configuration.reconnects
        policy.stepTimeout = configuration.timeout
        policy.identifyNeedsPermission = identifyGate != nil
        let driver = GatewaySessionDriver(connection: connection, identify: identify, policy: policy)
        return core.value.start(
            driver: driver, eventLoop: eventLoop, tlsContext: tlsContext, connectTimeout: configuration.timeout,
            identifyGate: identifyGate, source: source, buffer: events.buffer, log: GatewaySessionLog(logger: logger))
    }

    private static func makeConnection(_ configuration: GatewayClientConfiguration) throws(GatewayClientError)
        -> GatewayConnection
    {
        do {
            return try GatewayConnection(configuration: configuration.effectiveGateway, random: SystemRandomNumberGenerator())
        } catch {
            throw .invalidConfiguration(error.message)
        }
    }
}

extension GatewayClient {
    /// One try of a command on the loop.
    func attempt(_ command: @escaping Command) async -> Result<Void, GatewaySendError> {
        let result = try? await eventLoop.submit { () -> Result<Void, GatewaySendError> in
            guard let runner = self.core.value.runner else {
                return .failure(GatewaySendError(.notConnected, "the client is not running"))
            }
            do throws(GatewaySendError) {
                try runner.send(command)
                return .success(())
            } catch {
                return .failure(error)
            }
        }.get()
        return result ?? .failure(GatewaySendError(.notConnected, "the client's event loop is shut down"))
    }

    /// How long until a rate-limited command may go: its `retryAt` on the runner's clock, from now.
    func untilRetry(_ error: GatewaySendError) async -> Duration {
        let wait = try? await eventLoop.submit { () -> Duration in
            guard let retryAt = error.retryAt, let runner = self.core.value.runner else { return .milliseconds(100) }
            return max(.milliseconds(1), retryAt - runner.now())
        }.get()
        return wait ?? .milliseconds(100)
    }
}
