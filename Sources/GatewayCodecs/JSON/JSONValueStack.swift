/// Finished values waiting for their array or object to close.
///
/// Elements are moved, not copied, into the finished container: slicing an
/// `Array` instead would cost a retain and a release per element, on the
/// decoder's hottest path.
final class ValueStack {
    private var base: UnsafeMutablePointer<GatewayValue>
    private var capacity: Int
    private(set) var count = 0

    init() {
        capacity = 64
        base = .allocate(capacity: capacity)
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }

    func push(_ value: GatewayValue) {
        if count == capacity { grow() }
        (base + count).initialize(to: value)
        count += 1
    }

    private func grow() {
        let newCapacity = capacity * 2
        let newBase = UnsafeMutablePointer<GatewayValue>.allocate(capacity: newCapacity)
        newBase.moveInitialize(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    /// Moves the values from `start` to the top into a new array.
    func popArray(from start: Int) -> [GatewayValue] {
        let length = count - start
        let source = base + start
        count = start
        return [GatewayValue](unsafeUninitializedCapacity: length) { buffer, initialized in
            guard let destination = buffer.baseAddress else {
                source.deinitialize(count: length)
                initialized = 0
                return
            }
            destination.moveInitialize(from: source, count: length)
            initialized = length
        }
    }

    /// Moves the values from `start` to the top into object entries, pairing them with `keys` in order.
    func popEntries(from start: Int, keys: ArraySlice<String>) -> [GatewayObject.Entry] {
        let length = count - start
        let source = base + start
        count = start
        return [GatewayObject.Entry](unsafeUninitializedCapacity: length) { buffer, initialized in
            guard let destination = buffer.baseAddress, keys.count == length else {
                source.deinitialize(count: length)
                initialized = 0
                return
            }
            var key = keys.startIndex
            for offset in 0..<length {
                (destination + offset).initialize(to: GatewayObject.Entry(key: keys[key], value: (source + offset).move()))
                key += 1
            }
            initialized = length
        }
    }
}
