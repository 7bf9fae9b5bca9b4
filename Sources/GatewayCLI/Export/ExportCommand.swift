import ArgumentParser
import DiscordGateway
import Foundation
import GatewayCodecs

/// `gatewayctl export`: a capture or raw dump as a pcapng file for Wireshark and/or a HAR file
/// for browsers' developer tools.
public struct ExportCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a capture or raw dump as pcapng for Wireshark, or HAR for browser devtools.",
        discussion: """
            CAPTURE is a capture recording (every connection in it; a proxy recording shows the \
            bot's side, --upstream Discord's) or a raw dump (with or without the HTTP response; \
            --no-handshake, --encoding and --compression as for replay). A packet capture (pcap, \
            pcapng) is refused (64): Wireshark opens it as it is, and replay decodes it. \
            It is decoded through the same layers a client uses (WebSocket frames, then the \
            connection's decompressor, fresh for each connection), and every payload is written \
            decompressed.

            --pcapng FILE writes a pcapng file that Wireshark and tshark dissect as HTTP and \
            WebSocket: each connection is a synthetic TCP conversation from 10.0.0.1:50000+N to \
            10.0.0.2:80 (handshake, 1460-byte segments, FIN at the end) carrying the upgrade \
            request and response as recorded (synthesized, and commented so, when the input has \
            none), then each payload re-framed: the server's unmasked, the client's masked with a \
            fixed seed (so output is reproducible), text for JSON, binary for ETF. Each packet's \
            comment names the payload: op 0 DISPATCH MESSAGE_CREATE s=42 (312 bytes compressed, \
            zlib-stream). Times are the recording's; a raw dump has no clock, so its packets start \
            at the Unix epoch, a microsecond apart.

            --har FILE writes a HAR 1.2 log, one entry per connection, with the messages in \
            _webSocketMessages as Chrome writes them (JSON as text, ETF as base64); import it in \
            the Network panel of a browser's developer tools. In both files the token is redacted \
            (again: recordings already hold it redacted, but a file from elsewhere may not), and \
            so are Authorization and Cookie headers; a client data frame that is no gateway \
            payload is left out, as it may hold anything.

            --keylog FILE embeds a TLS key log (the file connect --keylog or SSLKEYLOGFILE wrote \
            for the same session) in the pcapng as a Decryption Secrets Block. The exported \
            packets are plain already; the block travels with them so that a capture of the real \
            TLS connection merged in (mergecap -w both.pcapng export.pcapng tcpdump.pcap) opens \
            decrypted in Wireshark, beside the decoded view. The secrets decrypt that session, \
            token included: the file is created readable by its owner only.

            Both may be given at once. An existing output is refused (exit 73) unless --force. \
            Outputs are written beside their final name and moved into place at the end, so \
            corrupt or truncated input (the error with its byte offset, exit 65) leaves no partial file.

            Examples:
              gatewayctl export --pcapng session.pcapng samples/session.gwcap
              wireshark session.pcapng
              tshark -r session.pcapng -Y websocket
              gatewayctl export --har session.har --pcapng session.pcapng samples/session.gwcap
              gatewayctl export --pcapng session.pcapng --keylog keys.txt session.gwcap
              gatewayctl export --pcapng conn1.pcapng --force samples/session-conn1.raw
              gatewayctl export --pcapng frames.pcapng --no-handshake --compression zlib-stream frames.bin
            """)

    @Argument(help: "The capture or raw dump to export ('-' for standard input).", completion: .file())
    var capture: String

    @Option(help: "Write a pcapng file (Wireshark, tshark) here.", completion: .file())
    var pcapng: String?

    @Option(help: "Write a HAR 1.2 file (browser developer tools) here.", completion: .file())
    var har: String?

    @Option(
        help: "Embed this TLS key log (connect --keylog) in the pcapng as a Decryption Secrets Block.",
        completion: .file())
    var keylog: String?

    @Flag(help: "Overwrite output files that exist.")
    var force = false

    @OptionGroup var input: CaptureInputOptions

    public init() {}

    public func validate() throws {
        guard pcapng != nil || har != nil else {
            throw ValidationError("say what to write: --pcapng FILE, --har FILE, or both")
        }
        if let pcapng, let har, pcapng == har {
            throw ValidationError("--pcapng and --har name the same file, \(pcapng)")
        }
        if keylog != nil && pcapng == nil {
            throw ValidationError("--keylog embeds the secrets in the pcapng file: give --pcapng FILE too")
        }
        for output in [pcapng, har].compactMap({ $0 }) where output == "-" || output.isEmpty {
            throw ValidationError("an output must be a file name, not '\(output)'")
        }
    }

    public func run() throws {
        let tool = "gatewayctl \(Gatewayctl.version)"
        let secrets = try keylog.map { try TLSKeyLogText(path: $0) }
        var targets = ExportTargets(
            pcapng: try pcapng.map { path in
                var export = PcapngExport(application: tool)
                if let secrets { try export.embed(secrets) }
                return (export, try ExportOutputFile(path: path, force: force, secret: secrets != nil))
            },
            har: try har.map { (HARExport(version: Gatewayctl.version), try ExportOutputFile(path: $0, force: force)) })
        let decoder = ExportDecoder(
            encoding: input.encoding, compression: input.compression, startsWithFrame: input.noHandshake, upstreamLeg: input.upstream)
        _ = try decoder.run(try InputFile(path: capture), into: &targets)
        try targets.commit()
    }
}

/// The outputs an export writes: each sink's bytes go to its file as they are made (the HAR,
/// one JSON document, at the end).
struct ExportTargets: ExportSink {
    var pcapng: (PcapngExport, ExportOutputFile)?
    var har: (HARExport, ExportOutputFile)?

    mutating func handle(_ event: ExportEvent) throws {
        if case (var export, let file)? = pcapng {
            pcapng = nil  // So the writer's buffer is not shared while it grows.
            try export.handle(event)
            try file.write(export.takeOutput())
            pcapng = (export, file)
        }
        if case (var export, let file)? = har {
            har = nil
            try export.handle(event)
            har = (export, file)
        }
    }

    /// Finishes both files and moves them into place.
    mutating func commit() throws {
        if case (var export, let file)? = pcapng {
            try file.write(export.takeOutput())
            try file.commit()
        }
        if case (let export, let file)? = har {
            try file.write(try export.json())
            try file.commit()
        }
    }
}
