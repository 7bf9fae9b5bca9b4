/// A frame's 4-bit opcode (RFC 6455 §5.2, §11.8).
///
/// A struct rather than an enum so reserved values can be encoded (to test a
/// peer) and shown by an inspector; the parser refuses them.
public struct WebSocketOpcode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// The opcode's value, 0...15.
    public let rawValue: UInt8

    /// Creates an opcode; nil when `rawValue` does not fit in 4 bits.
    public init?(rawValue: UInt8) {
        guard rawValue <= 0x0F else { return nil }
        self.rawValue = rawValue
    }

    private init(known rawValue: UInt8) { self.rawValue = rawValue }

    /// A later fragment of a fragmented message.
    public static let continuation = WebSocketOpcode(known: 0x0)
    /// The first (or only) frame of a text message.
    public static let text = WebSocketOpcode(known: 0x1)
    /// The first (or only) frame of a binary message.
    public static let binary = WebSocketOpcode(known: 0x2)
    /// A close frame.
    public static let close = WebSocketOpcode(known: 0x8)
    /// A ping frame.
    public static let ping = WebSocketOpcode(known: 0x9)
    /// A pong frame.
    public static let pong = WebSocketOpcode(known: 0xA)

    /// Control frames (close, ping, pong and the reserved 0xB...0xF) have the high bit set.
    public var isControl: Bool { rawValue & 0x08 != 0 }

    /// True for the six opcodes RFC 6455 defines; the others are reserved.
    public var isDefined: Bool {
        switch rawValue {
        case 0x0, 0x1, 0x2, 0x8, 0x9, 0xA: return true
        default: return false
        }
    }

    public var description: String {
        switch rawValue {
        case 0x0: return "continuation"
        case 0x1: return "text"
        case 0x2: return "binary"
        case 0x8: return "close"
        case 0x9: return "ping"
        case 0xA: return "pong"
        default: return "reserved(0x\(String(rawValue, radix: 16)))"
        }
    }
}
