/// One captured packet as the file stores it, before any protocol is decoded.
struct PcapPacket {
    /// The link type of the interface it was captured on (LINKTYPE_* value, FCS bits removed).
    var linkType: UInt32
    /// When it was captured, in microseconds since the Unix epoch (or the previous packet's time
    /// for a Simple Packet Block, which records none).
    var microseconds: Int64
    /// The captured bytes (a slice of the file).
    var data: ArraySlice<UInt8>
    /// The packet's length on the wire; more than `data.count` when the snap length cut it.
    var originalLength: Int
    /// Where its block or record starts in the file.
    var fileOffset: Int
}

/// Converts capture timestamps to microseconds with checked arithmetic.
enum PcapTime {
    /// `seconds` and a fraction in units of 10^-`fractionDigits` as microseconds.
    static func microseconds(seconds: UInt32, fraction: UInt32, nanoseconds: Bool) -> Int64 {
        let fractionMicroseconds = nanoseconds ? Int64(fraction) / 1000 : Int64(fraction)
        return Int64(seconds) * 1_000_000 + fractionMicroseconds
    }

    /// A pcapng timestamp of `units` at the interface's resolution, as microseconds
    /// (saturating at `Int64.max`: an absurd clock must not trap).
    static func microseconds(units: UInt64, resolution: PcapngResolution) -> Int64 {
        switch resolution {
        case .decimal(let exponent):
            if exponent >= 6 {
                let shift = Int(exponent) - 6
                guard shift < 20 else { return 0 }
                var divisor: UInt64 = 1
                for _ in 0..<shift { divisor = divisor &* 10 }
                return clamp(units / divisor)
            }
            var value = units
            for _ in 0..<(6 - Int(exponent)) {
                let (next, overflow) = value.multipliedReportingOverflow(by: 10)
                if overflow { return .max }
                value = next
            }
            return clamp(value)
        case .binary(let exponent):
            // units × 10^6 / 2^exponent, in 128 bits so the product cannot overflow.
            let (high, low) = units.multipliedFullWidth(by: 1_000_000)
            let shift = Int(exponent)
            if shift == 0 { return high == 0 ? clamp(low) : .max }
            if shift >= 64 { return clamp(high >> (shift - 64)) }
            guard high >> shift == 0 else { return .max }
            return clamp(high << (64 - shift) | low >> shift)
        }
    }

    private static func clamp(_ value: UInt64) -> Int64 { value > UInt64(Int64.max) ? .max : Int64(value) }
}

/// The resolution of a pcapng interface's timestamps (`if_tsresol`).
enum PcapngResolution: Sendable, Hashable {
    /// Units of 10^-n seconds (the default is microseconds, n = 6).
    case decimal(UInt8)
    /// Units of 2^-n seconds.
    case binary(UInt8)

    /// The option's one byte: the top bit picks base 2, the rest is the exponent.
    init(optionByte: UInt8) {
        self = optionByte & 0x80 != 0 ? .binary(optionByte & 0x7F) : .decimal(optionByte)
    }
}
