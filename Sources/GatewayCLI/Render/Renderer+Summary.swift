import DiscordGateway
import GatewayCodecs

extension Renderer {
    /// The totals of a replay.
    public func summary(_ summary: ReplaySummary) {
        emit(pretty: { prettySummary(summary) }, json: { jsonSummary(summary) })
    }

    static func opcodeName(_ opcode: Int) -> String {
        GatewayOpcode(rawValue: opcode).name ?? "UNKNOWN(\(opcode))"
    }

    private static func counts(_ table: [Int: Int]) -> String {
        table.isEmpty ? "none" : table.sorted { $0.key < $1.key }.map { "\(opcodeName($0.key)) \($0.value)" }
            .joined(separator: ", ")
    }

    private func prettySummary(_ summary: ReplaySummary) -> String {
        var lines = [style.bold("summary")]
        func row(_ name: String, _ value: String) {
            lines.append("  " + name.padding(toLength: 15, withPad: " ", startingAt: 0) + value)
        }
        row("connections", "\(summary.connections) (\(summary.reconnects) reconnect\(summary.reconnects == 1 ? "" : "s"))")
        row("duration", TimeText.seconds(summary.duration) + " s")
        row("bytes", "\(summary.wireBytes) on the wire, \(summary.decompressedBytes) decompressed")
        row("frames", "\(summary.frames) received")
        row("received", Self.counts(summary.receivedPerOpcode))
        row(
            "events",
            summary.dispatchesPerName.isEmpty
                ? "none"
                : summary.dispatchesPerName.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
                    .joined(separator: ", "))
        row("sent", Self.counts(summary.sentPerOpcode))
        if summary.sequenceGapCount == 0 {
            row("sequence gaps", "none")
        } else {
            let shown = summary.sequenceGaps.map { "#\($0.connection) \($0.after) -> \($0.next)" }.joined(separator: ", ")
            let more = summary.sequenceGapCount - summary.sequenceGaps.count
            row("sequence gaps", "\(summary.sequenceGapCount): \(shown)\(more > 0 ? ", and \(more) more" : "")")
        }
        row("latency", Self.prettyLatency(summary))
        row("inter-arrival", Self.prettyInterArrival(summary))
        row(
            "closes",
            summary.closeCodes.isEmpty
                ? "none"
                : summary.closeCodes.sorted { ($0.key ?? 0) < ($1.key ?? 0) }
                    .map { ($0.key.map { GatewayCloseCode(rawValue: $0).description } ?? "no close code") + " \($0.value)" }
                    .joined(separator: ", "))
        lines += Self.prettySizes(summary)
        return lines.joined(separator: "\n")
    }

    private func jsonSummary(_ summary: ReplaySummary) -> JSONLine {
        var line = object("summary", nil)
        line.add("connections", summary.connections)
        line.add("reconnects", summary.reconnects)
        line.add("duration", seconds: summary.duration)
        line.add("has_times", summary.hasTimes)
        line.add("wire_bytes", summary.wireBytes)
        line.add("decompressed_bytes", summary.decompressedBytes)
        line.add("frames", summary.frames)
        func table(_ counts: [Int: Int]) -> GatewayValue {
            var object = GatewayObject()
            for (key, value) in counts.sorted(by: { $0.key < $1.key }) { object[String(key)] = GatewayValue(value) }
            return .object(object)
        }
        line.add("ops", table(summary.receivedPerOpcode))
        var events = GatewayObject()
        for (key, value) in summary.dispatchesPerName.sorted(by: { $0.key < $1.key }) { events[key] = GatewayValue(value) }
        line.add("events", .object(events))
        line.add("sent_ops", table(summary.sentPerOpcode))
        line.add("sequence_gap_count", summary.sequenceGapCount)
        line.add(
            "sequence_gaps",
            .array(
                summary.sequenceGaps.map {
                    ["conn": GatewayValue($0.connection), "after": GatewayValue($0.after), "next": GatewayValue($0.next)]
                }))
        line.add("latency", rawJSON: Self.jsonLatency(summary))
        line.add("inter_arrival", rawJSON: Self.jsonInterArrival(summary))
        var closes = GatewayObject()
        for (key, value) in summary.closeCodes.sorted(by: { ($0.key ?? 0) < ($1.key ?? 0) }) {
            closes[key.map { String($0) } ?? "none"] = GatewayValue(value)
        }
        line.add("close_codes", .object(closes))
        line.add("event_sizes", Self.jsonSizes(summary.eventSizes.sorted { $0.key < $1.key }))
        line.add("op_sizes", Self.jsonSizes(summary.opcodeSizes.sorted { $0.key < $1.key }.map { (String($0.key), $0.value) }))
        return line
    }
}
