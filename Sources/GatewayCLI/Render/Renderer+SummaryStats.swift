import GatewayCodecs

// The summary's distributions: heartbeat latency and inter-arrival percentiles, and payload
// sizes per event and opcode, in both formats (Renderer+Summary.swift places them).
extension Renderer {
    /// The percentiles shown, in this order, between the minimum and the maximum.
    private static let shownPercentiles = [50, 90, 99]

    /// The pretty `latency` row's value.
    static func prettyLatency(_ summary: ReplaySummary) -> String {
        guard let text = prettyPercentiles(summary.latency) else { return "not measured" }
        return text + " (\(summary.latency.count) heartbeat\(summary.latency.count == 1 ? "" : "s"))"
    }

    /// The pretty `inter-arrival` row's value.
    static func prettyInterArrival(_ summary: ReplaySummary) -> String {
        // A raw dump's times are all 0: its percentiles would be zeros that mean nothing.
        guard summary.hasTimes else { return "unavailable: a raw dump has no times" }
        guard let text = prettyPercentiles(summary.interArrival) else {
            return "none (no connection received two payloads)"
        }
        return text + " (\(summary.interArrival.count) interval\(summary.interArrival.count == 1 ? "" : "s"))"
    }

    /// `p50 1.000 ms, p90 2.000 ms, p99 3.000 ms, max 3.000 ms`, with `≈` before percentiles
    /// read from the histogram rather than exact.
    private static func prettyPercentiles(_ sketch: PercentileSketch) -> String? {
        guard let max = sketch.max else { return nil }
        let mark = sketch.isExact ? "" : "≈"
        let parts = shownPercentiles.compactMap { percent in
            sketch.percentile(percent).map { "p\(percent) \(mark)\(TimeText.milliseconds(.microseconds($0))) ms" }
        }
        return (parts + ["max \(TimeText.milliseconds(.microseconds(max))) ms"]).joined(separator: ", ")
    }

    /// The JSON `latency` object: with the average, which a sum of round trips makes cheap.
    static func jsonLatency(_ summary: ReplaySummary) -> [UInt8] {
        let average = summary.latency.count > 0 ? summary.latencyTotal / summary.latency.count : .zero
        return jsonPercentiles(summary.latency, average: average)
    }

    /// The JSON `inter_arrival` object; `null` for an input without times.
    static func jsonInterArrival(_ summary: ReplaySummary) -> [UInt8] {
        summary.hasTimes ? jsonPercentiles(summary.interArrival, average: nil) : Array("null".utf8)
    }

    /// `{"count":…,"min":…,"avg":…,"p50":…,"p90":…,"p99":…,"max":…,"exact":…}` in seconds, or `null` when empty.
    private static func jsonPercentiles(_ sketch: PercentileSketch, average: Duration?) -> [UInt8] {
        guard let min = sketch.min, let max = sketch.max else { return Array("null".utf8) }
        var object = JSONLine()
        object.add("count", sketch.count)
        object.add("min", seconds: .microseconds(min))
        if let average { object.add("avg", seconds: average) }
        for percent in shownPercentiles {
            if let value = sketch.percentile(percent) { object.add("p\(percent)", seconds: .microseconds(value)) }
        }
        object.add("max", seconds: .microseconds(max))
        object.add("exact", sketch.isExact)
        var closed = object.bytes
        closed.append(UInt8(ascii: "}"))
        return closed
    }

    /// `{"NAME":{"count":…,"bytes":…,"largest":…},…}`.
    static func jsonSizes(_ table: [(key: String, value: ReplaySummary.PayloadSizes)]) -> GatewayValue {
        var object = GatewayObject()
        for (key, sizes) in table {
            object[key] = [
                "count": GatewayValue(sizes.count), "bytes": GatewayValue(sizes.totalBytes),
                "largest": GatewayValue(sizes.largest),
            ]
        }
        return .object(object)
    }

    /// The sizes table: one row per event name, then one per other opcode, numbers right-aligned.
    static func prettySizes(_ summary: ReplaySummary) -> [String] {
        let events = summary.eventSizes.sorted { $0.key < $1.key }.map { (name: $0.key, sizes: $0.value) }
        let opcodes = summary.opcodeSizes.sorted { $0.key < $1.key }.map { entry in
            (name: "\(opcodeName(entry.key)) (op \(entry.key))", sizes: entry.value)
        }
        guard !events.isEmpty || !opcodes.isEmpty else { return ["  payload sizes  none"] }
        var cells: [[String]] = [["payload", "count", "total", "largest"]]
        for row in events + opcodes {
            cells.append([row.name, String(row.sizes.count), String(row.sizes.totalBytes), String(row.sizes.largest)])
        }
        let widths = (0..<4).map { column in cells.map { $0[column].count }.max() ?? 0 }
        let table = cells.map { cell -> String in
            var line = "    " + cell[0].padding(toLength: widths[0], withPad: " ", startingAt: 0)
            for column in 1..<4 {
                line += String(repeating: " ", count: 2 + widths[column] - cell[column].count) + cell[column]
            }
            return line
        }
        return ["  payload sizes  decompressed bytes"] + table
    }
}
