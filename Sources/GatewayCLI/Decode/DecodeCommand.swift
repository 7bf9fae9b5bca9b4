import ArgumentParser

/// `gatewayctl decode [HEX | -]`: decodes bytes given as a hexdump or base64.
public struct DecodeCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decode gateway bytes given as a hexdump: frames, compression, JSON or ETF.",
        discussion: """
            The bytes come from the HEX argument, from --file, or from standard input \
            (no argument, or '-'). Accepted: plain hex (any spacing, 0x prefixes, commas, \
            colons), xxd output, hexdump -C output, od -An -tx1 output, and base64 with \
            --base64.

            The layers are detected (WebSocket frames, masked or not, possibly several and \
            fragmented; a zlib-stream message; a standalone zlib payload; zstd; ETF; JSON) \
            or named with --as. Each layer peeled off is printed (frame headers, sizes \
            before and after decompression), then the payload as pretty JSON. What no layer \
            claims is shown for what it is and is not an error (exit 0): a message as a quoted \
            string when it is text, else as a hex dump with ASCII, with one line saying why it \
            goes no further; ping and pong payloads likewise, a close's code and reason. Bad \
            hex names its line and column; bytes broken at the layer that claims them (a bad \
            frame header, a corrupt zlib stream, invalid JSON or ETF) name the layer and the \
            byte offset; both exit with status 65.

            Examples:
              gatewayctl decode '81 12 7b 22 6f 70 22 3a 31 31 2c 22 64 22 3a 6e 75 6c 6c 7d'
              xxd frame.bin | gatewayctl decode
              gatewayctl decode --file dump.hexdump --format jsonl
              gatewayctl decode --base64 'eJyqVsovULIyNNRRSlGyyivNyakFAAAA//8=' --as zlib-stream
            """)

    @Argument(help: "The hexdump, or '-' for standard input (the default when no --file is given).")
    var hex: String?

    @Option(help: "Read the hexdump from FILE.", completion: .file())
    var file: String?

    @Flag(help: "The input is base64, not hex.")
    var base64 = false

    @Option(name: .customLong("as"), help: "What the bytes are: auto, frames, zlib-stream, zlib, zstd, etf, json.")
    var layer: DecodeLayer = .auto

    @OptionGroup var output: OutputOptions

    public init() {}

    public func validate() throws {
        if file != nil, let hex, hex != "-" { throw ValidationError("give the bytes either as an argument or with --file, not both") }
    }

    public func run() throws {
        let text: [UInt8]
        if let file {
            text = try InputFile(path: file).readAll()
        } else if let hex, hex != "-" {
            text = Array(hex.utf8)
        } else {
            text = try InputFile(path: "-").readAll()
        }
        let parsed = try HexdumpParser.parse(text, format: base64 ? .base64 : nil)
        let (format, colors) = output.resolved()
        let renderer = Renderer(format: format, colors: colors)
        defer { renderer.flush() }
        renderer.info("\(parsed.bytes.count) bytes read as \(parsed.format.displayName)")
        var decoder = LayerDecoder(renderer: renderer)
        do {
            try decoder.decode(parsed.bytes, as: layer)
        } catch {
            if format == .jsonl { renderer.error(error.description, offset: error.offset) }
            throw error
        }
    }
}
