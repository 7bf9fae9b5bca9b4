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
            docs/jsonl-output.md. Corrupt or truncated input: everything before the fault \
            is shown, then the error with its byte offset, and the exit status is 65.

            Examples:
              gatewayctl replay samples/session.gwcap
              gatewayctl replay --event MESSAGE_CREATE --format jsonl samples/session.gwcap | jq .d.content
              gatewayctl replay --summary --quiet samples/session.gwcap
              gatewayctl replay --no-handshake --compression zlib-stream frames.bin
            """)

    @Argument(help: "The capture or raw dump to replay ('-' for standard input).", completion: .file())
    var file: String

    @OptionGroup var output: OutputOptions

    @OptionGroup var filters: FilterOptions

    @Flag(help: "Print counts at the end: payloads per op and event, bytes, sequence gaps, reconnects, duration.")
    var summary = false

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
        var result: ReplaySummary?
        do {
            result = try replay.run()
        } catch {
            if summary { renderer.summary(error.summary) }
            throw error.error
        }
        if summary, let result { renderer.summary(result) }
    }
}
