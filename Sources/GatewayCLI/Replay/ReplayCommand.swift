import ArgumentParser
import DiscordGateway
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
            response), or a raw dump starting at the first frame (--no-handshake). The kind \
            is detected from the first bytes. Encoding and compression come from the \
            recording's header, from --encoding/--compression, or from the first message.

            The bytes go through the same GatewayConnection a live client uses, with the \
            recording's clock (raw dumps have none: their times are 0). Frames, events, \
            sent payloads, heartbeat latency and close codes are shown as they happen.

            Output: --format pretty for people (the default on a terminal), --format jsonl \
            for scripts (the default otherwise): one JSON object per line, described in \
            docs/jsonl-output.md. --summary adds totals at the end: counts, payload sizes \
            per event and opcode, heartbeat latency and inter-arrival percentiles; \
            --summary-format json prints them as one JSON object, whatever --format is. \
            Corrupt or truncated input: everything before the fault \
            is shown, then the error with its byte offset, and the exit status is 65.

            Examples:
              gatewayctl replay samples/session.gwcap
              gatewayctl replay --event MESSAGE_CREATE --format jsonl samples/session.gwcap | jq .d.content
              gatewayctl replay --summary --quiet samples/session.gwcap
              gatewayctl replay --summary-format json --quiet samples/session.gwcap | jq .event_sizes
              gatewayctl replay --no-handshake --compression zlib-stream frames.bin
            """)

    @Argument(help: "The capture or raw dump to replay ('-' for standard input).", completion: .file())
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

    @Option(help: "The payload encoding, overriding the header or the sniffed one: json or etf.")
    var encoding: GatewayEncoding?

    @Option(help: "The compression, overriding the header or the sniffed one: none, payload, zlib-stream, zstd-stream.")
    var compression: GatewayCompression?

    @Flag(help: "The raw dump starts directly at the first frame, without the HTTP response.")
    var noHandshake = false

    @Flag(help: "For a proxy recording: replay what Discord sent the proxy, not what the bot received.")
    var upstream = false

    public init() {}

    public func validate() throws {
        if let chunkSize, chunkSize < 1 { throw ValidationError("--chunk-size must be at least 1") }
    }

    public func run() throws {
        let (format, colors) = output.resolved()
        let renderer = Renderer(format: format, colors: colors)
        defer { renderer.flush() }
        let filter = filters.filter(quiet: quiet, framesByDefault: true)
        let replay = Replay(
            path: file, renderer: renderer, filter: filter, chunkSize: chunkSize, encoding: encoding,
            compression: compression, startsWithFrame: noHandshake, upstreamLeg: upstream)
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
