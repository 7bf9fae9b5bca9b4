import GatewayCodecs

/// Builds one compact JSON object, key by key, for JSON Lines output.
///
/// Keys are written in the order added, which is the documented order of
/// docs/jsonl-output.md. Strings go through ``GatewayJSON`` so escaping is
/// the codec's, not a second implementation.
struct JSONLine {
    private(set) var bytes: [UInt8] = [UInt8(ascii: "{")]
    private var isEmpty = true

    init() {}

    private mutating func key(_ name: String) {
        if !isEmpty { bytes.append(UInt8(ascii: ",")) }
        isEmpty = false
        GatewayJSON.encode(.string(name), into: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    mutating func add(_ name: String, _ value: String) {
        key(name)
        GatewayJSON.encode(.string(value), into: &bytes)
    }

    mutating func add(_ name: String, _ value: String?) {
        guard let value else { return addNull(name) }
        add(name, value)
    }

    mutating func add(_ name: String, _ value: Int) {
        key(name)
        bytes.append(contentsOf: String(value).utf8)
    }

    mutating func add(_ name: String, _ value: Int64?) {
        key(name)
        bytes.append(contentsOf: (value.map { String($0) } ?? "null").utf8)
    }

    mutating func add(_ name: String, _ value: Bool) {
        key(name)
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    /// A time or duration in seconds with exactly six decimals.
    mutating func add(_ name: String, seconds: Duration) {
        key(name)
        bytes.append(contentsOf: TimeText.seconds(seconds).utf8)
    }

    mutating func add(_ name: String, _ value: GatewayValue) {
        key(name)
        GatewayJSON.encode(value, into: &bytes)
    }

    mutating func addNull(_ name: String) {
        key(name)
        bytes.append(contentsOf: "null".utf8)
    }

    /// Compact JSON from the codecs' writer, which never holds a raw CR or LF, spliced in as is.
    mutating func add(_ name: String, compactJSON: [UInt8]) {
        key(name)
        bytes.append(contentsOf: compactJSON)
    }

    /// JSON text that is already valid, spliced in as is. CR and LF (which valid JSON
    /// can only hold as whitespace) become spaces so the object stays on one line.
    mutating func add(_ name: String, rawJSON: some Collection<UInt8>) {
        key(name)
        let start = bytes.count
        bytes.append(contentsOf: rawJSON)
        for index in start..<bytes.count where bytes[index] == 0x0A || bytes[index] == 0x0D {
            bytes[index] = 0x20
        }
    }

    /// The object and its newline.
    func line() -> [UInt8] {
        var output = bytes
        output.append(UInt8(ascii: "}"))
        output.append(0x0A)
        return output
    }
}

/// How times and durations are written, the same in both formats.
enum TimeText {
    /// Seconds with exactly six decimals (microseconds), e.g. `12.000250`; negative clamps to 0.
    static func seconds(_ duration: Duration) -> String {
        CaptureTimeOffset(microseconds: microseconds(duration)).description
    }

    /// Milliseconds with three decimals, e.g. `30.000`.
    static func milliseconds(_ duration: Duration) -> String {
        let micro = max(0, microseconds(duration))
        let fraction = String(micro % 1000)
        return "\(micro / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
    }

    static func microseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000)
        if overflow { return seconds < 0 ? 0 : .max }
        let (sum, overflowed) = whole.addingReportingOverflow(attoseconds / 1_000_000_000_000)
        return overflowed ? .max : sum
    }
}
