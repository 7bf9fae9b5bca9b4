import ArgumentParser
import DiscordGateway
import Foundation
import GatewayCodecs

extension GatewayEncoding: ExpressibleByArgument {}
extension GatewayCompression: ExpressibleByArgument {}

/// `gatewayctl replay FILE`: feeds a capture or raw dump through the gateway state machine.
public struct ReplayCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay a capture or raw dump through the gateway state machine, offline.",
        discussion: """
            FILE is a gatewayctl capture recording (JSON Lines, see docs/capture-format.md), \
            a raw dump of the bytes a client read (starting with the server's HTTP/1.1 101 \
            response), a raw dump starting at the first frame (--no-handshake), or a packet \
            capture (pcap or pcapng, from tcpdump, tshark or Wireshark). The kind is detected \
            from the first bytes. Encoding and compression come from the recording's header, \
            a packet capture's upgrade URL (encoding=, compress=), from --encoding/--compression, \
            or from the first message.

            A packet capture is read whole (up to 1 GiB); its TCP is reassembled and each \
            connection that starts with a WebSocket upgrade is replayed in turn: the server's \
            bytes as events, the client's frames as sent payloads, the token redacted. Other \
            connections are skipped and counted; TLS (port 443) cannot be read without \
            decrypting it first. Bytes the capture lacks end that connection's replay with a \
            warning naming the stream offset.

            The bytes go through the same GatewayConnection a live client uses, with the \
            recording's clock (raw dumps have none: their times are 0). Frames, events, \
            sent payloads, heartbeat latency and close codes are shown as they happen.

            Output: --format pretty for people (the default on a terminal), --format jsonl \
            for scripts (the default otherwise): one JSON object per line, described in \
            docs/jsonl-output.md. --summary adds totals at the end: counts, payload sizes \
            per event and opcode, heartbeat latency and inter-arrival percentiles; \
            --summary-format json prints them as one JSON object, whatever --format is. \
            A raw dump whose first message is not a gateway payload (another WebSocket \
            session) is not an error: its messages are shown as they are, text quoted, binary \
            as a hex dump. Corrupt or truncated input: everything before the fault \
            is shown, then the error with its byte offset, and the exit status is 65.

            --realtime replays a recording at its own pace, so a session can be watched as it \
            happened; --speed X at X times that pace (2 twice as fast, 0.5 half as fast; --speed \
            alone implies --realtime). The output is the same as without them, only spread out. \
            A single wait is capped at 60 seconds and time going backwards is not waited for, \
            so a recording with an absurd clock cannot stall the replay. A raw dump records no \
            times: it is replayed at once, with a note on standard error.

            --follow reads a capture (or raw dump) that is still being written, such as the \
            file of a running connect --record, like tail -f: what is there, then records as \
            they are appended (a partial last line waits for its end). Recordings have no end \
            record, so it runs until Ctrl-C. A file truncated, replaced or removed under it is \
            an error (74). It cannot read standard input, which already streams.

            Ctrl-C during --realtime, --speed or --follow stops cleanly: the output so far and \
            the --summary so far are printed, and the exit status is 130 (143 for SIGTERM).

            Examples:
              gatewayctl replay samples/session.gwcap
              gatewayctl replay --event MESSAGE_CREATE --format jsonl samples/session.gwcap | jq .d.content
              gatewayctl replay --summary --quiet samples/session.gwcap
              gatewayctl replay --summary-format json --quiet samples/session.gwcap | jq .event_sizes
              gatewayctl replay --no-handshake --compression zlib-stream frames.bin
              gatewayctl replay --speed 4 --format pretty samples/session.gwcap
              gatewayctl replay --follow --event MESSAGE_CREATE session.gwcap
              gatewayctl replay --format pretty session.pcapng
            """)

    @Argument(help: "The capture, raw dump or pcap/pcapng file to replay ('-' for standard input).", completion: .file())
    var file: String

    @OptionGroup var output: OutputOptions

    @OptionGroup var filters: FilterOptions

    @Flag(
        help: """
            Print totals at the end: payloads per op and event, payload sizes, sequence gaps, reconnects, \
            duration, latency and inter-arrival percentiles.
            """)
    var summary = false

    @Option(
        help: """
            The summary's format: pretty or json (one JSON object). Implies --summary. \
            Default: pretty with --format pretty, json with --format jsonl.
            """)
    var summaryFormat: SummaryFormat?

    @Flag(name: .shortAndLong, help: "Print nothing but the summary and errors.")
    var quiet = false

    @Option(help: "Feed the bytes in pieces of at most N bytes (the output does not change).")
    var chunkSize: Int?

    @OptionGroup var input: CaptureInputOptions

    @Flag(help: "Replay at the recording's own pace, as it happened (capture recordings have times).")
    var realtime = false

    // Unconditional, so `--speed -1` reaches validation and its message rather than "missing value".
    @Option(parsing: .unconditional, help: "Replay at this multiple of the recorded pace: 2 twice as fast, 0.5 half as fast (implies --realtime).")
    var speed: Double?

    @Flag(help: "Keep reading a capture that is still being written (connect --record), like tail -f, until Ctrl-C.")
    var follow = false

    /// The slowest and fastest `--speed`: beyond them every wait is capped or none is left.
    static let speeds: ClosedRange<Double> = 0.001...1_000_000

    public init() {}

    public func validate() throws {
        if let chunkSize, chunkSize < 1 { throw ValidationError("--chunk-size must be at least 1") }
        if let speed, !Self.speeds.contains(speed) {
            // NaN is in no range, so it is refused here too.
            throw ValidationError(
                "--speed must be a factor from 0.001 to 1000000 (2 twice as fast, 0.5 half as fast), not \(speed)")
        }
        if follow && (realtime || speed != nil) {
            throw ValidationError("--follow shows records as they are written; it does not go with --realtime or --speed")
        }
        if follow && file == "-" {
            throw ValidationError("--follow polls a file that is still being written; standard input already streams, so drop --follow")
        }
    }

    /// When records are shown, from --realtime, --speed and --follow.
    var timing: ReplayTiming {
        if follow { return .following }
        if let speed { return .paced(speed: speed) }
        return realtime ? .paced(speed: 1) : .atOnce
    }

    public func run() throws {
        let (format, colors) = output.resolved()
        let renderer = Renderer(format: format, colors: colors)
        defer { renderer.flush() }
        let filter = filters.filter(quiet: quiet, framesByDefault: true)
        var replay = Replay(
            path: file, renderer: renderer, filter: filter, chunkSize: chunkSize, encoding: input.encoding,
            compression: input.compression, startsWithFrame: input.noHandshake, upstreamLeg: input.upstream, timing: timing)
        replay.note = { FileHandle.standardError.write(Data("gatewayctl: \($0)\n".utf8)) }
        // Only a replay that waits turns Ctrl-C into a clean stop; one at once ends as fast as it can.
        let stop = replay.stop
        let interrupt = timing.waits ? InterruptSignal { stop.request($0) } : nil
        defer { interrupt?.cancel() }
        // The summary may be in another format than the rest, so it has its own renderer,
        // writing to the same buffer to stay last.
        let summaryRenderer = summaryRenderer(following: format, output: renderer.output)
        var result: ReplaySummary?
        do {
            result = try replay.run()
        } catch {
            summaryRenderer?.summary(error.summary)
            throw error.error
        }
        if let result { summaryRenderer?.summary(result) }
    }

    /// The renderer of the summary, or nil when none is asked for.
    private func summaryRenderer(following format: OutputFormat, output buffer: OutputBuffer) -> Renderer? {
        guard summary || summaryFormat != nil else { return nil }
        var options = output
        options.format = (summaryFormat ?? SummaryFormat(following: format)).outputFormat
        let (summaryFormat, colors) = options.resolved()
        return Renderer(format: summaryFormat, colors: colors, output: buffer)
    }
}
