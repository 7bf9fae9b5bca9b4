/// The textual byte formats `decode` reads.
public enum HexdumpFormat: String, Sendable, Hashable, CaseIterable {
    /// Hex digits with any spacing, `0x` prefixes, commas or colons (`xxd -p` too).
    case plain
    /// `xxd` output: `00000000: 817e 0028 ...  ascii`.
    case xxd
    /// `hexdump -C` output: `00000000  81 7e 00 28 ...  |ascii|`, with `*` for repeats.
    case hexdumpCanonical = "hexdump-C"
    /// `od -An -tx1` output: ` 81 7e 00 28 ...`.
    case od
    /// Base64, possibly wrapped (only when asked for: hex digits are valid base64).
    case base64

    /// How messages name the format.
    public var displayName: String {
        switch self {
        case .plain: return "plain hex"
        case .xxd: return "xxd"
        case .hexdumpCanonical: return "hexdump -C"
        case .od: return "od -An -tx1"
        case .base64: return "base64"
        }
    }
}
