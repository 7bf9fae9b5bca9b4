import ArgumentParser
import DiscordGateway
import GatewayCodecs

/// How to read a capture when its own bytes do not say: the options `replay` and `export` share,
/// so both read every input the same way.
struct CaptureInputOptions: ParsableArguments {
    @Option(help: "The payload encoding, overriding the header or the sniffed one: json or etf.")
    var encoding: GatewayEncoding?

    @Option(help: "The compression, overriding the header or the sniffed one: none, payload, zlib-stream, zstd-stream.")
    var compression: GatewayCompression?

    @Flag(help: "The raw dump starts directly at the first frame, without the HTTP response.")
    var noHandshake = false

    @Flag(help: "For a proxy recording: what Discord sent the proxy, not what the bot received.")
    var upstream = false
}
