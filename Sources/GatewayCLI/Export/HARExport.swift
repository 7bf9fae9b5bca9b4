import Foundation
import WebSocketProtocol

/// Turns an export's events into a HAR 1.2 log (the format browsers' network panels import):
/// one entry per connection, its upgrade request and response, and its messages in Chrome's
/// `_webSocketMessages`, each payload decompressed: JSON as text (opcode 1), ETF and other
/// binary as base64 (opcode 2), as Chrome writes them. Control frames are not messages there,
/// so they are left out. An `Authorization` header's value is redacted.
struct HARExport: ExportSink {
    /// One connection's entry as it is being built.
    private struct Entry {
        var started: Int64
        var url: String
        var ended: Int64?
        var request: HTTPMessageText?
        var requestSize = -1
        var requestTime: Int64?
        var response: HTTPMessageText?
        var responseSize = -1
        var responseTime: Int64?
        var messages: [[String: Any]] = []
    }

    private let version: String
    private var entries: [Entry] = []

    /// A log whose creator is gatewayctl `version`.
    init(version: String) { self.version = version }

    mutating func handle(_ event: ExportEvent) throws {
        switch event {
        case .connectionStarted(_, let time, let url):
            entries.append(Entry(started: time, url: url))
        case .upgradeRequest(let bytes, let time, _):
            update { entry in
                guard entry.request == nil else { return }
                entry.request = HTTPMessageText(bytes)
                entry.requestSize = HTTPMessageText.headLength(of: bytes) ?? bytes.count
                entry.requestTime = time
            }
        case .upgradeResponse(let bytes, let time, _):
            update { entry in
                guard entry.response == nil else { return }
                entry.response = HTTPMessageText(bytes)
                entry.responseSize = HTTPMessageText.headLength(of: bytes) ?? bytes.count
                entry.responseTime = time
            }
        case .message(let message):
            guard message.opcode == .text || message.opcode == .binary else { return }
            let isText = message.opcode == .text
            let data = isText ? String(decoding: message.payload, as: UTF8.self) : Data(message.payload).base64EncodedString()
            let record: [String: Any] = [
                "type": message.direction == .outbound ? "send" : "receive",
                "time": Double(message.time) / 1_000_000,
                "opcode": isText ? 1 : 2,
                "data": data,
            ]
            update { $0.messages.append(record) }
        case .connectionEnded(_, let time):
            update { $0.ended = time }
        }
    }

    private mutating func update(_ body: (inout Entry) -> Void) {
        guard !entries.isEmpty else { return }
        body(&entries[entries.count - 1])
    }

    /// The log as JSON: keys sorted, so the same capture always gives the same bytes.
    func json() throws -> [UInt8] {
        let log: [String: Any] = [
            "log": [
                "version": "1.2",
                "creator": ["name": "gatewayctl", "version": version],
                "pages": [] as [Any],
                "entries": entries.map(Self.entry),
            ] as [String: Any]
        ]
        let data = try JSONSerialization.data(
            withJSONObject: log, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return [UInt8](data) + [0x0A]
    }

    private static func entry(_ entry: Entry) -> [String: Any] {
        let requestTime = entry.requestTime ?? entry.started
        let responseTime = entry.responseTime ?? requestTime
        let ended = entry.ended ?? responseTime
        let status = entry.response.flatMap { Int($0.startLine.split(separator: " ").dropFirst().first ?? "") } ?? 0
        let statusText = entry.response.map { $0.startLine.split(separator: " ", maxSplits: 2).dropFirst(2).joined() } ?? ""
        return [
            "startedDateTime": isoTime(entry.started),
            "time": milliseconds(ended - entry.started),
            "request": [
                "method": "GET",
                "url": entry.url,
                "httpVersion": httpVersion(entry.request?.startLine.split(separator: " ").last),
                "headers": headers(entry.request),
                "queryString": query(of: entry.url),
                "cookies": [] as [Any],
                "headersSize": entry.requestSize,
                "bodySize": 0,
            ] as [String: Any],
            "response": [
                "status": status,
                "statusText": statusText,
                "httpVersion": httpVersion(entry.response?.startLine.split(separator: " ").first),
                "headers": headers(entry.response),
                "cookies": [] as [Any],
                "content": ["size": 0, "mimeType": "x-unknown"] as [String: Any],
                "redirectURL": "",
                "headersSize": entry.responseSize,
                "bodySize": 0,
            ] as [String: Any],
            "cache": [:] as [String: Any],
            "timings": [
                "blocked": -1, "dns": -1, "connect": -1, "ssl": -1, "send": 0,
                "wait": milliseconds(responseTime - requestTime), "receive": 0,
            ] as [String: Any],
            "_resourceType": "websocket",
            "_webSocketMessages": entry.messages,
        ]
    }

    /// The head's headers as name/value pairs, credentials (`Authorization`, `Cookie`) redacted.
    private static func headers(_ head: HTTPMessageText?) -> [[String: String]] {
        (head?.shownHeaders ?? []).map { ["name": $0.name, "value": $0.value] }
    }

    /// The URL's query as name/value pairs, percent-decoding left as it is.
    private static func query(of url: String) -> [[String: String]] {
        guard let mark = url.firstIndex(of: "?") else { return [] }
        return url[url.index(after: mark)...].split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return ["name": String(parts[0]), "value": parts.count > 1 ? String(parts[1]) : ""]
        }
    }

    private static func httpVersion(_ word: Substring?) -> String {
        guard let word, word.hasPrefix("HTTP/") else { return "HTTP/1.1" }
        return String(word)
    }

    private static func milliseconds(_ microseconds: Int64) -> Double { Double(microseconds) / 1000 }

    /// `2025-01-01T00:00:00.049Z`.
    private static func isoTime(_ microseconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: Double(microseconds) / 1_000_000))
    }
}
