import Foundation
import Testing
@testable import GatewayCLI

/// `gatewayctl replay --summary`'s sizes and distributions, run as a user runs it on a capture
/// whose payload sizes and times are known by hand.
@Suite(.enabled(if: CommandRunner.binary != nil)) struct ReplaySummaryStatsTests {
    static let hello = #"{"op":10,"d":{"heartbeat_interval":41250}}"#  // 42 bytes
    static let ack = #"{"op":11}"#  // 9 bytes

    /// Two connections. Received payloads, in milliseconds:
    ///   #1: 20 HELLO, 50 READY, 110 ACK, 150 MC, 230 ACK, 250 MC MC (one read), 1250 TYPING_START, 1320 ACK
    ///   #2: 2020 HELLO, 2120 RESUMED, 2170 MC
    /// Inter-arrival (within a connection): 30 60 40 80 20 0 1000 70, then 100 50: sorted
    /// 0 20 30 40 50 60 70 80 100 1000, so p50 = 50 (rank 5), p90 = 100 (rank 9), p99 = max = 1000.
    /// Heartbeats sent at 100, 200, 1300 and acknowledged 10, 30, 20 ms later: p50 20, p90 = p99 = max 30.
    static var capture: CraftedCapture {
        var capture = CraftedCapture()
        capture.connect(1, at: 0)
        capture.receive([hello], 1, at: 20)
        capture.sent(#"{"op":2,"d":{"token":"[REDACTED]"}}"#, 1, at: 30)
        capture.receive([#"{"op":0,"s":1,"t":"READY","d":{"session_id":"s1","resume_gateway_url":"wss://resume.test"}}"#], 1, at: 50)  // 91
        capture.sent(#"{"op":1,"d":1}"#, 1, at: 100)
        capture.receive([ack], 1, at: 110)
        capture.receive([#"{"op":0,"s":2,"t":"MESSAGE_CREATE","d":{"content":"hi"}}"#], 1, at: 150)  // 56
        capture.sent(#"{"op":1,"d":2}"#, 1, at: 200)
        capture.receive([ack], 1, at: 230)
        capture.receive(
            [
                #"{"op":0,"s":3,"t":"MESSAGE_CREATE","d":{"content":"hello there"}}"#,  // 65
                #"{"op":0,"s":4,"t":"MESSAGE_CREATE","d":{"content":"hey"}}"#,  // 57
            ], 1, at: 250)
        capture.receive([#"{"op":0,"s":5,"t":"TYPING_START","d":{}}"#], 1, at: 1250)  // 40
        capture.sent(#"{"op":1,"d":5}"#, 1, at: 1300)
        capture.receive([ack], 1, at: 1320)
        capture.close(4000, 1, at: 1400)
        capture.connect(2, at: 2000)
        capture.receive([hello], 2, at: 2020)
        capture.sent(#"{"op":6,"d":{"token":"[REDACTED]","session_id":"s1","seq":5}}"#, 2, at: 2030)
        capture.receive([#"{"op":0,"s":6,"t":"RESUMED","d":{}}"#], 2, at: 2120)  // 35
        capture.receive([#"{"op":0,"s":7,"t":"MESSAGE_CREATE","d":{"content":"bye"}}"#], 2, at: 2170)  // 57
        capture.close(1000, 2, at: 2200)
        return capture
    }

    static func run(_ arguments: [String]) throws -> CommandRunner.Result {
        try withTemporaryPath("stats.gwcap") { path in
            try capture.text.write(toFile: path, atomically: true, encoding: .utf8)
            return try CommandRunner.run(["replay"] + arguments + [path])
        }
    }

    @Test func prettySummaryOfAKnownCapture() throws {
        let result = try Self.run(["--summary", "--quiet", "--format", "pretty", "--color", "never"])
        #expect(result.stderr == "")
        #expect(result.status == 0)
        #expect(
            result.stdout == """
                summary
                  connections    2 (1 reconnect)
                  duration       2.200000 s
                  bytes          802 on the wire, 512 decompressed
                  frames         14 received
                  received       DISPATCH 7, HELLO 2, HEARTBEAT_ACK 3
                  events         MESSAGE_CREATE 4, READY 1, RESUMED 1, TYPING_START 1
                  sent           HEARTBEAT 3, IDENTIFY 1, RESUME 1
                  sequence gaps  none
                  latency        p50 20.000 ms, p90 30.000 ms, p99 30.000 ms, max 30.000 ms (3 heartbeats)
                  inter-arrival  p50 50.000 ms, p90 100.000 ms, p99 1000.000 ms, max 1000.000 ms (10 intervals)
                  closes         NORMAL_CLOSURE (1000) 1, UNKNOWN_ERROR (4000) 1
                  payload sizes  decompressed bytes
                    payload                count  total  largest
                    MESSAGE_CREATE             4    235       65
                    READY                      1     91       91
                    RESUMED                    1     35       35
                    TYPING_START               1     40       40
                    HELLO (op 10)              2     84       42
                    HEARTBEAT_ACK (op 11)      3     27        9

                """)
    }

    @Test func jsonSummaryIsOneObjectWithEveryField() throws {
        // Asked for explicitly, the summary is JSON whatever --format says.
        let result = try Self.run(["--summary-format", "json", "--quiet", "--format", "pretty"])
        #expect(result.status == 0)
        #expect(result.lines.count == 1)
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(summary["kind"] as? String == "summary")
        #expect(summary["has_times"] as? Bool == true)
        #expect(summary["decompressed_bytes"] as? Int == 512)
        let latency = try #require(summary["latency"] as? [String: Any])
        #expect(latency["count"] as? Int == 3)
        #expect(latency["min"] as? Double == 0.010)
        #expect(latency["avg"] as? Double == 0.020)
        #expect(latency["p50"] as? Double == 0.020)
        #expect(latency["p90"] as? Double == 0.030)
        #expect(latency["p99"] as? Double == 0.030)
        #expect(latency["max"] as? Double == 0.030)
        #expect(latency["exact"] as? Bool == true)
        let interArrival = try #require(summary["inter_arrival"] as? [String: Any])
        #expect(interArrival["count"] as? Int == 10)
        #expect(interArrival["min"] as? Double == 0)
        #expect(interArrival["avg"] == nil)
        #expect(interArrival["p50"] as? Double == 0.050)
        #expect(interArrival["p90"] as? Double == 0.100)
        #expect(interArrival["p99"] as? Double == 1.0)
        #expect(interArrival["max"] as? Double == 1.0)
        #expect(interArrival["exact"] as? Bool == true)
        let events = try #require(summary["event_sizes"] as? [String: [String: Int]])
        #expect(
            events == [
                "MESSAGE_CREATE": ["count": 4, "bytes": 235, "largest": 65],
                "READY": ["count": 1, "bytes": 91, "largest": 91],
                "RESUMED": ["count": 1, "bytes": 35, "largest": 35],
                "TYPING_START": ["count": 1, "bytes": 40, "largest": 40],
            ])
        let opcodes = try #require(summary["op_sizes"] as? [String: [String: Int]])
        #expect(
            opcodes == [
                "10": ["count": 2, "bytes": 84, "largest": 42],
                "11": ["count": 3, "bytes": 27, "largest": 9],
            ])
    }

    @Test func theJSONLinesSummaryLineIsTheSameObject() throws {
        let json = try Self.run(["--summary-format", "json", "--quiet"])
        let quiet = try Self.run(["--summary", "--quiet", "--format", "jsonl"])
        #expect(quiet.stdout == json.stdout)
        // Without --quiet it ends the stream of events.
        let everything = try Self.run(["--summary", "--format", "jsonl"])
        #expect(everything.lines.count > 1)
        #expect(everything.lines.last.map { $0 + "\n" } == json.stdout)
    }

    @Test func aPrettySummaryCanEndJSONLines() throws {
        let result = try Self.run(["--summary-format", "pretty", "--quiet", "--format", "jsonl", "--color", "never"])
        let pretty = try Self.run(["--summary", "--quiet", "--format", "pretty", "--color", "never"])
        #expect(result.stdout == pretty.stdout)
    }

    @Test func aRawDumpHasNoInterArrivalTimes() throws {
        let pretty = try CommandRunner.run(
            ["replay", "--summary", "--quiet", "--format", "pretty", "--color", "never", "samples/session-conn1.raw"])
        #expect(pretty.status == 0)
        #expect(pretty.lines.contains("  inter-arrival  unavailable: a raw dump has no times"))
        // Its sizes are still known.
        #expect(pretty.lines.contains("    MESSAGE_CREATE             2    537      270"))
        let json = try CommandRunner.run(["replay", "--summary-format", "json", "--quiet", "samples/session-conn1.raw"])
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(summary["has_times"] as? Bool == false)
        #expect(summary["inter_arrival"] is NSNull)
    }

    @Test func manyPayloadsGiveApproximatePercentilesMarkedAsSuch() throws {
        // More intervals than are kept exactly: one ACK every 1 ms, and one 100 ms pause. 1 ms
        // falls in the histogram bucket 1000...1003 µs, shown as its middle: within 1/256.
        var capture = CraftedCapture()
        capture.connect(1, at: 0)
        let count = PercentileSketch.exactCapacity + 1000
        for index in 0..<count { capture.receive([Self.ack], 1, at: 20 + index + (index >= count / 2 ? 100 : 0)) }
        let (pretty, json) = try withTemporaryPath("many.gwcap") { path in
            try capture.text.write(toFile: path, atomically: true, encoding: .utf8)
            return (
                try CommandRunner.run(["replay", "--summary", "--quiet", "--format", "pretty", "--color", "never", path]),
                try CommandRunner.run(["replay", "--summary-format", "json", "--quiet", path])
            )
        }
        #expect(
            pretty.lines.contains(
                "  inter-arrival  p50 ≈1.002 ms, p90 ≈1.002 ms, p99 ≈1.002 ms, max 101.000 ms (\(count - 1) intervals)"))
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let interArrival = try #require(summary["inter_arrival"] as? [String: Any])
        #expect(interArrival["exact"] as? Bool == false)
        #expect(interArrival["p50"] as? Double == 0.001002)
        #expect(interArrival["max"] as? Double == 0.101)
    }
}
