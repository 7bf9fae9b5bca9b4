/// Events waiting to be drained, first in, first out.
///
/// Draining moves each event out of its slot (`take()` leaves `nil`) rather
/// than copying it, so there is no retain and release per event, and the
/// final `removeAll` only sweeps empty slots. The storage keeps its capacity.
///
/// WebSocketProtocol and DiscordGateway each keep their own copy on purpose:
/// sharing one as a `package` type (even `@inlinable`) made a whole replay
/// about 14% slower (gateway-bench, json+none: 25.3 ms -> 28.8 ms). The server
/// side and `gatewayctl`'s runners, off the client's hot path, share this one.
package struct EventQueue<Element> {
    private var slots: [Element?] = []
    private var head = 0

    package init() {}

    package mutating func append(_ element: Element) {
        slots.append(element)
    }

    /// The oldest event, or nil when none is waiting.
    package mutating func removeFirst() -> Element? {
        guard head < slots.count else { return nil }
        let element = slots[head].take()
        head += 1
        if head == slots.count {
            slots.removeAll(keepingCapacity: true)
            head = 0
        }
        return element
    }
}

extension EventQueue: Sendable where Element: Sendable {}
