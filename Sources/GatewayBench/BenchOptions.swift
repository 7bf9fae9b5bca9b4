import DiscordGateway

/// The command line of `gateway-bench`.
struct BenchOptions {
    var file = ""
    var encoding: GatewayEncoding?
    var compression: GatewayCompression?
    var repeatCount = 5
    var warmupCount = 1
    var chunkSize = 64 << 10
    /// Read the file in chunks while timing instead of holding it in memory (always done for big files).
    var streams = false
    var codecOnly = false
    /// Relay the capture through a `GatewayProxyConnection` before the client reads it.
    var proxies = false
    var verifies = true

    static let usage = """
        usage: gateway-bench FILE [--encoding json|etf] [--compress none|zlib-stream|zstd-stream|payload]
                             [--repeat N] [--warmup N] [--chunk BYTES] [--stream] [--codec-only] [--proxy] [--no-verify]

          Feeds a raw inbound gateway dump (the HTTP 101 response, then server frames) through a
          GatewayConnection in --chunk pieces (64 KiB), as `gatewayctl replay --summary` does, after
          --warmup untimed runs (1), --repeat timed runs (5), and prints the median. Encoding and
          compression come from FILE.json (the corpus sidecar) or the file name unless given.
          Counts are checked against FILE.json; exit 1 on a mismatch.
          --stream      read FILE in chunks inside the timed loop (default only above 256 MiB)
          --codec-only  time each codec alone on the payloads stripped from FILE
          --proxy       relay FILE through a GatewayProxyConnection (upstream leg in, bot leg out to
                        the client), as `gatewayctl proxy` does; compare with the plain run
        """

    struct UsageError: Error, CustomStringConvertible {
        var description: String
    }

    init(arguments: [String]) throws(UsageError) {
        var remaining = arguments[...]
        func value(for flag: String) throws(UsageError) -> String {
            guard let next = remaining.popFirst() else { throw UsageError(description: "\(flag) needs a value") }
            return next
        }
        func count(for flag: String, minimum: Int) throws(UsageError) -> Int {
            let text = try value(for: flag)
            guard let number = Int(text), number >= minimum else {
                throw UsageError(description: "\(flag) \(text): expected a whole number of at least \(minimum)")
            }
            return number
        }
        while let argument = remaining.popFirst() {
            switch argument {
            case "--encoding":
                let text = try value(for: argument)
                guard let encoding = GatewayEncoding(rawValue: text) else {
                    throw UsageError(description: "unknown encoding \(text)")
                }
                self.encoding = encoding
            case "--compress":
                let text = try value(for: argument)
                guard let compression = GatewayCompression(rawValue: text) else {
                    throw UsageError(description: "unknown compression \(text)")
                }
                self.compression = compression
            case "--repeat": repeatCount = try count(for: argument, minimum: 1)
            case "--warmup": warmupCount = try count(for: argument, minimum: 0)
            case "--chunk": chunkSize = try count(for: argument, minimum: 1)
            case "--stream": streams = true
            case "--codec-only": codecOnly = true
            case "--proxy": proxies = true
            case "--no-verify": verifies = false
            case "-h", "--help": throw UsageError(description: Self.usage)
            default:
                guard !argument.hasPrefix("-"), file.isEmpty else {
                    throw UsageError(description: "unexpected argument \(argument)\n\(Self.usage)")
                }
                file = argument
            }
        }
        guard !file.isEmpty else { throw UsageError(description: Self.usage) }
    }
}
