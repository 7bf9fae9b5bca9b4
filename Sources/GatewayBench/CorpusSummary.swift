import DiscordGateway
import Foundation

/// The expected figures of a corpus, from the `FILE.json` sidecar written next to it.
struct CorpusSummary {
    var encoding: GatewayEncoding
    var compression: GatewayCompression
    var messages: Int
    var ops: [String: Int]
    var events: [String: Int]
    var lastSequence: Int64?
    var sessionID: String?
    var closeCode: Int?
    var decompressedBytes: Int
    var wireBytes: Int

    /// Reads `file.json`, or returns nil when there is none.
    static func load(besides file: String) throws -> CorpusSummary? {
        let url = URL(fileURLWithPath: file + ".json")
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url))
        guard let json = object as? [String: Any],
            let encoding = (json["encoding"] as? String).flatMap(GatewayEncoding.init(rawValue:)),
            let compression = (json["compress"] as? String).flatMap(GatewayCompression.init(rawValue:)),
            let messages = json["messages"] as? Int,
            let ops = json["ops"] as? [String: Int],
            let events = json["events"] as? [String: Int]
        else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: url.path])
        }
        return CorpusSummary(
            encoding: encoding, compression: compression, messages: messages, ops: ops, events: events,
            lastSequence: (json["last_sequence"] as? Int).map(Int64.init), sessionID: json["session_id"] as? String,
            closeCode: json["close_code"] as? Int, decompressedBytes: json["decompressed_bytes"] as? Int ?? 0,
            wireBytes: json["wire_bytes"] as? Int ?? 0)
    }

    /// Guesses the encoding and compression from a corpus file name such as `etf-zlib-stream.bin`.
    static func sniff(_ file: String) -> (GatewayEncoding?, GatewayCompression?) {
        let name = file.split(separator: "/").last.map(String.init) ?? file
        let encoding: GatewayEncoding? = name.contains("etf") ? .etf : name.contains("json") ? .json : nil
        let compression = GatewayCompression.allCases.first { $0 != .none && name.contains($0.rawValue) }
        return (encoding, compression ?? (name.contains("none") ? GatewayCompression.none : nil))
    }

    /// What differs between these expectations and a replay's tally (empty when all match).
    /// `readyGrowth`: how many bytes longer the run's READY may be (a proxy rewrites its resume URL).
    func mismatches(_ tally: ReplayTally, readyGrowth: ClosedRange<Int> = 0...0) -> [String] {
        var problems: [String] = []
        if tally.messages != messages { problems.append("messages \(tally.messages) != \(messages)") }
        let ourOps = Dictionary(uniqueKeysWithValues: tally.ops.map { (String($0.key), $0.value) })
        if ourOps != ops { problems.append("ops \(ourOps.sorted { $0.key < $1.key }) != \(ops.sorted { $0.key < $1.key })") }
        if tally.events != events { problems.append("events \(tally.events) != \(events)") }
        if tally.lastSequence != lastSequence {
            problems.append("last sequence \(tally.lastSequence.map(String.init) ?? "nil") != \(lastSequence.map(String.init) ?? "nil")")
        }
        if tally.sessionID != sessionID { problems.append("session_id \(tally.sessionID ?? "nil") != \(sessionID ?? "nil")") }
        if tally.closeCode != closeCode {
            problems.append("close code \(tally.closeCode.map(String.init) ?? "nil") != \(closeCode.map(String.init) ?? "nil")")
        }
        if !readyGrowth.contains(tally.decompressedBytes - decompressedBytes) {
            problems.append("decompressed bytes \(tally.decompressedBytes) != \(decompressedBytes)")
        }
        if wireBytes != 0 && tally.wireBytes != wireBytes { problems.append("wire bytes \(tally.wireBytes) != \(wireBytes)") }
        return problems
    }
}
