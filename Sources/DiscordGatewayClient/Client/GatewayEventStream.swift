import DiscordGateway
import NIOConcurrencyHelpers
import NIOCore

/// The events of a ``GatewayClient``'s session, in order: `for await event in client.events`.
///
/// Every ``GatewayEvent`` the gateway connection reports (HELLO, dispatches, disconnects, and what
/// ``GatewayConfiguration`` turns on) arrives here; the sequence finishes when the session ends for
/// good. It has one consumer: a second iterator finishes at once.
///
/// Back-pressure: when ``GatewayClientConfiguration/eventBufferHighWatermark`` events wait, the
/// client stops reading the socket (the server's bytes wait in the kernel, and TCP slows the server
/// down) until the consumer brings the buffer below ``GatewayClientConfiguration/eventBufferLowWatermark``.
/// What one read already holds is still delivered, so the buffer can pass the high watermark by
/// one read's events. A consumer that stops for longer than a heartbeat interval leaves the
/// heartbeat ACKs unread too: the connection then counts as a zombie, is closed and resumed (no
/// event is lost, RESUME replays them). A client whose events nobody reads stalls the same way.
public struct GatewayEventStream: AsyncSequence, Sendable {
    /// A gateway event.
    public typealias Element = GatewayEvent

    typealias Producer = NIOAsyncSequenceProducer<
        GatewayEvent, NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark, GatewayEventStreamDelegate
    >

    let producer: Producer
    let buffer: GatewayEventBuffer

    /// The iterator; the first one made reads the events, any other finishes at once.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(inner: buffer.claimIterator() ? producer.makeAsyncIterator() : nil, buffer: buffer)
    }

    /// Reads the events of a ``GatewayEventStream``.
    public struct AsyncIterator: AsyncIteratorProtocol {
        var inner: Producer.AsyncIterator?
        let buffer: GatewayEventBuffer

        /// The next event, or nil when the session is over.
        public mutating func next() async -> GatewayEvent? {
            guard let inner, let event = await inner.next() else { return nil }
            buffer.consumed()
            return event
        }
    }
}

/// Counts what waits in the stream, for tests and for the one-iterator rule. The producer keeps its
/// own count for the watermarks; this one is only observed.
final class GatewayEventBuffer: Sendable {
    private struct Counts {
        var waiting = 0
        var peak = 0
        var iteratorClaimed = false
    }

    private let counts = NIOLockedValueBox(Counts())

    /// One more event waits.
    func yielded() {
        counts.withLockedValue { counts in
            counts.waiting += 1
            counts.peak = max(counts.peak, counts.waiting)
        }
    }

    /// The consumer took one.
    func consumed() {
        counts.withLockedValue { $0.waiting -= 1 }
    }

    /// Whether this is the first iterator.
    func claimIterator() -> Bool {
        counts.withLockedValue { counts in
            defer { counts.iteratorClaimed = true }
            return !counts.iteratorClaimed
        }
    }

    /// The most events that ever waited at once.
    var peak: Int { counts.withLockedValue(\.peak) }
}

/// Tells the client's event loop when the consumer wants more (reads resume) or is gone (reads
/// go on: events are then dropped rather than holding the connection up).
struct GatewayEventStreamDelegate: NIOAsyncSequenceProducerDelegate {
    let eventLoop: any EventLoop
    let core: NIOLoopBoundBox<GatewayClientCore>

    func produceMore() {
        eventLoop.execute { core.value.consumerWantsMore(true) }
    }

    func didTerminate() {
        eventLoop.execute { core.value.consumerGone() }
    }
}
