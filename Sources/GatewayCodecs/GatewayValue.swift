/// A decoded gateway payload value: what both JSON and ETF decode to and encode from.
///
/// Integers are exact: every signed and unsigned 64-bit value (snowflakes
/// included) is kept as an integer, and wider ETF big integers keep their
/// decimal text in ``bigInteger(_:)``. Objects keep the order in which the
/// peer sent their keys, so an inspector prints exactly what arrived.
///
/// Integers have one canonical form, which every decoder produces: a value
/// that fits `Int64` is always ``integer(_:)``, ``unsignedInteger(_:)`` is only
/// for values above `Int64.max`, and ``bigInteger(_:)`` only for values
/// outside both. ``init(_:)`` picks the right case for any integer.
public enum GatewayValue: Sendable, Hashable {
    /// JSON `null`, ETF atom `nil`.
    case null
    /// JSON `true`/`false`, ETF atoms `true`/`false`.
    case bool(Bool)
    /// An integer that fits in `Int64`.
    case integer(Int64)
    /// An integer above `Int64.max` that fits in `UInt64`.
    case unsignedInteger(UInt64)
    /// An integer outside the 64-bit ranges, as its decimal text (e.g. `"-18446744073709551617"`).
    case bigInteger(String)
    /// A floating-point number.
    case double(Double)
    /// A string (JSON string, ETF binary, string or non-special atom).
    case string(String)
    /// An array (JSON array, ETF list or tuple).
    case array([GatewayValue])
    /// An object whose keys keep their original order.
    case object(GatewayObject)
}

/// An object whose entries keep the order the peer sent them in.
///
/// Lookups are linear: gateway objects are small and ordered output matters
/// more to an inspector than hashed access. Duplicate keys are kept as sent;
/// ``subscript(_:)`` returns the first.
public struct GatewayObject: Sendable, Hashable, RandomAccessCollection, ExpressibleByDictionaryLiteral {
    /// One key/value pair.
    public struct Entry: Sendable, Hashable {
        /// The key.
        public var key: String
        /// The value.
        public var value: GatewayValue

        /// Creates an entry.
        public init(key: String, value: GatewayValue) {
            self.key = key
            self.value = value
        }
    }

    /// The entries, in order.
    public var entries: [Entry]

    /// Creates an object from entries in order.
    public init(_ entries: [Entry] = []) {
        self.entries = entries
    }

    /// Creates an object from key/value pairs in order.
    public init(dictionaryLiteral elements: (String, GatewayValue)...) {
        self.entries = elements.map { Entry(key: $0.0, value: $0.1) }
    }

    public var startIndex: Int { entries.startIndex }
    public var endIndex: Int { entries.endIndex }
    public subscript(position: Int) -> Entry { entries[position] }

    /// The value of the first entry named `key`, or `nil`.
    ///
    /// Setting appends a new entry, or replaces the first entry with that key.
    public subscript(key: String) -> GatewayValue? {
        get {
            for entry in entries where entry.key == key { return entry.value }
            return nil
        }
        set {
            if let index = entries.firstIndex(where: { $0.key == key }) {
                if let newValue {
                    entries[index].value = newValue
                } else {
                    entries.remove(at: index)
                }
            } else if let newValue {
                entries.append(Entry(key: key, value: newValue))
            }
        }
    }

    /// The keys, in order.
    public var keys: [String] { entries.map(\.key) }
}

extension GatewayValue {
    /// The member `key` of an object, or `nil` for a missing key or a non-object.
    public subscript(key: String) -> GatewayValue? {
        guard case .object(let object) = self else { return nil }
        return object[key]
    }

    /// The element at `index` of an array, or `nil` when out of range or not an array.
    public subscript(index: Int) -> GatewayValue? {
        guard case .array(let array) = self, array.indices.contains(index) else { return nil }
        return array[index]
    }

    /// Whether this is `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The Boolean, if this is one.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The value as `Int64` when it is an integer in range (or a double with an exact integer value).
    public var int64Value: Int64? {
        switch self {
        case .integer(let value): return value
        case .double(let value): return Int64(exactly: value)
        default: return nil
        }
    }

    /// The value as `Int` when it is an integer in range.
    public var intValue: Int? {
        int64Value.flatMap { Int(exactly: $0) }
    }

    /// The value as `UInt64` when it is a non-negative integer in range.
    public var uint64Value: UInt64? {
        switch self {
        case .integer(let value): return UInt64(exactly: value)
        case .unsignedInteger(let value): return value
        case .double(let value): return UInt64(exactly: value)
        default: return nil
        }
    }

    /// The value as a `Double` when it is a number (integers converted, possibly rounding).
    public var doubleValue: Double? {
        switch self {
        case .integer(let value): return Double(value)
        case .unsignedInteger(let value): return Double(value)
        case .double(let value): return value
        default: return nil
        }
    }

    /// The string, if this is one.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// A Discord snowflake: a string of decimal digits (JSON) or an unsigned integer (ETF).
    public var snowflakeValue: UInt64? {
        switch self {
        case .string(let text): return UInt64(text)
        default: return uint64Value
        }
    }

    /// The elements, if this is an array.
    public var arrayValue: [GatewayValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The object, if this is one.
    public var objectValue: GatewayObject? {
        if case .object(let value) = self { return value }
        return nil
    }
}

extension GatewayValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: GatewayValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, GatewayValue)...) {
        self = .object(GatewayObject(elements.map { GatewayObject.Entry(key: $0.0, value: $0.1) }))
    }
}

extension GatewayValue {
    /// Creates an integer value from any binary integer, choosing the exact representation.
    public init(_ value: some BinaryInteger) {
        if let signed = Int64(exactly: value) {
            self = .integer(signed)
        } else if let unsigned = UInt64(exactly: value) {
            self = .unsignedInteger(unsigned)
        } else {
            self = .bigInteger(String(value))
        }
    }
}
