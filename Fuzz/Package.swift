// swift-tools-version:6.0
import PackageDescription

// libFuzzer targets for the library. A separate package so that the normal
// `swift build` / `swift test` of the root package never sees them; build
// and run them with `Scripts/fuzz.sh` (see README.md).
//
// Adding a target: one file in `Sources/<Module>/` with an
// `@_cdecl("LLVMFuzzerTestOneInput")` entry point, and one line below.
// The line format is read by `Scripts/fuzz.sh`: keep it on one line.
let fuzzers: [Fuzzer] = [
    Fuzzer(name: "json-decode", module: "JSONDecodeFuzzer", dictionary: "json", maxLength: 8192),
    Fuzzer(name: "json-envelope", module: "JSONEnvelopeFuzzer", dictionary: "json", maxLength: 8192),
    Fuzzer(name: "json-kernel-diff", module: "JSONKernelDiffFuzzer", dictionary: "json", maxLength: 8192),
    Fuzzer(name: "zlib-standalone", module: "ZlibStandaloneFuzzer", dictionary: "none", maxLength: 4096),
    Fuzzer(name: "websocket-client", module: "WebSocketClientFuzzer", dictionary: "websocket", maxLength: 4096),
    Fuzzer(name: "websocket-handshake", module: "WebSocketHandshakeFuzzer", dictionary: "websocket", maxLength: 4096),
    Fuzzer(name: "websocket-server", module: "WebSocketServerFuzzer", dictionary: "websocket", maxLength: 4096),
    Fuzzer(name: "etf-decode", module: "ETFDecodeFuzzer", dictionary: "etf", maxLength: 4096),
    Fuzzer(name: "zstd-stream", module: "ZstdStreamFuzzer", dictionary: "none", maxLength: 4096),
    Fuzzer(name: "gateway-connection", module: "GatewayConnectionFuzzer", dictionary: "websocket", maxLength: 8192),
    Fuzzer(name: "zlib-stream", module: "ZlibStreamFuzzer", dictionary: "none", maxLength: 8192),
    Fuzzer(name: "hexdump-parse", module: "HexdumpParseFuzzer", dictionary: "hexdump", maxLength: 4096),
    Fuzzer(name: "capture-read", module: "CaptureReadFuzzer", dictionary: "capture", maxLength: 8192),
    Fuzzer(name: "gateway-proxy", module: "GatewayProxyFuzzer", dictionary: "websocket", maxLength: 8192),
    Fuzzer(name: "packet-capture", module: "PacketCaptureFuzzer", dictionary: "none", maxLength: 16384),
]

/// One libFuzzer executable: its product name, module, dictionary and `-max_len`.
struct Fuzzer {
    var name: String
    var module: String
    var dictionary: String
    var maxLength: Int
}

let package = Package(
    name: "swift-discord-gateway-fuzz",
    products: fuzzers.map { .executable(name: $0.name, targets: [$0.module]) },
    dependencies: [.package(name: "swift-discord-gateway", path: "..")],
    targets: [
        .target(
            name: "FuzzSupport",
            dependencies: [
                .product(name: "WebSocketProtocol", package: "swift-discord-gateway"),
                .product(name: "GatewayCodecs", package: "swift-discord-gateway"),
            ]),
    ] + fuzzers.map {
        .executableTarget(
            name: $0.module,
            dependencies: [
                "FuzzSupport",
                .product(name: "GatewayCodecs", package: "swift-discord-gateway"),
                .product(name: "WebSocketProtocol", package: "swift-discord-gateway"),
                .product(name: "DiscordGateway", package: "swift-discord-gateway"),
                .product(name: "GatewayServer", package: "swift-discord-gateway"),
                .product(name: "CaptureFormats", package: "swift-discord-gateway"),
            ],
            // libFuzzer supplies `main`; the module only defines LLVMFuzzerTestOneInput.
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        )
    },
    swiftLanguageModes: [.v6]
)
