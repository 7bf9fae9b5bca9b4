/// A stack of finished values (or object keys) waiting for their container to close.
///
/// Elements are moved, not copied, into the finished array or object:
/// slicing an `Array` instead would cost a retain and a release per element
/// on the decoder's hottest path.
final class MoveStack<Element> {
    fileprivate var base: UnsafeMutablePointer<Element>
    private var capacity: Int
    fileprivate(set) var count = 0

    init() {
        capacity = 64
        base = .allocate(capacity: capacity)
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }

    @inline(__always)
    func push(_ element: Element) {
        if count == capacity { grow() }
        (base + count).initialize(to: element)
        count += 1
    }

    private func grow() {
        let newCapacity = capacity * 2
        let newBase = UnsafeMutablePointer<Element>.allocate(capacity: newCapacity)
        newBase.moveInitialize(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    /// Moves the elements from `start` to the top into a new array.
    func popArray(from start: Int) -> [Element] {
        let length = count - start
        let source = base + start
        count = start
        return [Element](unsafeUninitializedCapacity: length) { buffer, initialized in
            guard let destination = buffer.baseAddress else {
                source.deinitialize(count: length)
                initialized = 0
                return
            }
            destination.moveInitialize(from: source, count: length)
            initialized = length
        }
    }
}

extension MoveStack where Element == GatewayValue {
    /// Moves the values from `start` to the top, and as many keys from `keyStart`, into object entries.
    func popEntries(from start: Int, keys: MoveStack<String>, keyStart: Int) -> [GatewayObject.Entry] {
        let length = count - start
        let source = base + start
        count = start
        let keySource = keys.base + keyStart
        let keyCount = keys.count - keyStart
        keys.count = keyStart
        return [GatewayObject.Entry](unsafeUninitializedCapacity: length) { buffer, initialized in
            guard let destination = buffer.baseAddress, keyCount == length else {
                source.deinitialize(count: length)
                keySource.deinitialize(count: keyCount)
                initialized = 0
                return
            }
            for offset in 0..<length {
                (destination + offset).initialize(
                    to: GatewayObject.Entry(key: (keySource + offset).move(), value: (source + offset).move()))
            }
            initialized = length
        }
    }
}
