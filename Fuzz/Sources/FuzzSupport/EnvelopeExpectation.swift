import GatewayCodecs

// What the JSON and ETF envelope targets expect of scanEnvelope, from the
// fully decoded value.

/// What the envelope of a decoded value must be, or `nil` when scanEnvelope must reject it.
public func expectedEnvelope(
    of value: GatewayValue
) -> (op: Int, sequence: Int64?, eventName: String?, data: GatewayValue?)? {
    guard case .object(let object) = value else { return nil }
    guard case .integer(let rawOp)? = first("op", in: object), let op = Int(exactly: rawOp) else { return nil }
    var sequence: Int64?
    switch first("s", in: object) {
    case nil, .null?: sequence = nil
    case .integer(let value)?: sequence = value
    default: return nil
    }
    var eventName: String?
    switch first("t", in: object) {
    case nil, .null?: eventName = nil
    case .string(let name)?: eventName = name
    default: return nil
    }
    return (op, sequence, eventName, first("d", in: object))
}

/// The first member named exactly `key` (scalar by scalar, not by canonical equivalence).
public func first(_ key: String, in object: GatewayObject) -> GatewayValue? {
    object.entries.first { $0.key.unicodeScalars.elementsEqual(key.unicodeScalars) }?.value
}

public func sameScalars(_ lhs: String?, _ rhs: String?) -> Bool {
    switch (lhs, rhs) {
    case (nil, nil): return true
    case (let lhs?, let rhs?): return lhs.unicodeScalars.elementsEqual(rhs.unicodeScalars)
    default: return false
    }
}
