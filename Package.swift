// swift-tools-version:6.0
import PackageDescription

// Layering (enforced by target dependencies):
//   WebSocketProtocol   RFC 6455 client, knows nothing of Discord
//   GatewayCodecs       payload values, JSON, ETF, zlib/zstd decompressors
//   DiscordGateway      the gateway state machine, built on the two above
//   GatewayServer       the gateway's side of a connection (a mock gateway's, a proxy's), on the same layers
//   DiscordGatewayClient the async/await client on SwiftNIO: the session driver's actions performed,
//                       events as an AsyncSequence, shards; gatewayctl connect and proxy run on it
//   CaptureFormats      the files gatewayctl reads and writes: captures, raw dumps, hexdumps,
//                       and the sniffer that tells them apart; pcap/pcapng read by hand (no Swift library reads pcapng)
//   GatewayCLI          gatewayctl's commands, rendering, the NIO driver
//   SeededRandom        the one seeded generator (SplitMix64) for replays, the sample, the benchmark, tests
// Only the executables perform I/O.
let package = Package(
    name: "swift-discord-gateway",
    products: [
        .library(name: "DiscordGateway", targets: ["DiscordGateway"]),
        .library(name: "GatewayCodecs", targets: ["GatewayCodecs"]),
        .library(name: "WebSocketProtocol", targets: ["WebSocketProtocol"]),
        .library(name: "GatewayServer", targets: ["GatewayServer"]),
        .library(name: "DiscordGatewayClient", targets: ["DiscordGatewayClient"]),
        // For the fuzz package; not a supported API.
        .library(name: "CaptureFormats", targets: ["CaptureFormats"]),
        .executable(name: "gatewayctl", targets: ["gatewayctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        // The subject and issuer of a server's certificate for `--verbose` (NIOSSL does not expose them).
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // System zlib (zlib1g-dev) with a shim for the inflateInit2 macro.
        .target(name: "CZlib", linkerSettings: [.linkedLibrary("z")]),
        // Byte classification for the JSON scan: SSE2/AVX2 (chosen at run time) on x86-64, NEON on arm64,
        // scalar elsewhere. No Swift package offers a sans-I/O SIMD JSON structural scan.
        .target(name: "CJSONScan"),
        // libzstd, loaded at run time (machines have the library but not its header).
        .target(name: "CZstd", linkerSettings: [.linkedLibrary("dl", .when(platforms: [.linux]))]),
        // RFC 6455 client: no Foundation, and no dependency but CJSONScan's vector ASCII check for text frames.
        .target(name: "WebSocketProtocol", dependencies: ["CJSONScan"]),
        // libm: Double rounding calls into it, and a client that imports no C library must still link.
        .target(
            name: "GatewayCodecs", dependencies: ["CZlib", "CZstd", "CJSONScan"],
            linkerSettings: [.linkedLibrary("m", .when(platforms: [.linux]))]),
        .target(
            name: "DiscordGateway", dependencies: ["WebSocketProtocol", "GatewayCodecs"],
            linkerSettings: [.linkedLibrary("m", .when(platforms: [.linux]))]),
        // The server side: what a mock gateway (`gatewayctl serve`) and a proxy stand on.
        .target(name: "GatewayServer", dependencies: ["WebSocketProtocol", "GatewayCodecs", "DiscordGateway"]),
        // The async/await client: NIO performs the session driver's actions.
        .target(
            name: "DiscordGatewayClient",
            dependencies: [
                "DiscordGateway",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        // Capture files, raw dumps, hexdumps and sniffing: plain byte parsing with no dependencies, so the
        // fuzz targets build it without NIO.
        .target(name: "CaptureFormats"),
        // SplitMix64, for everything that must draw the same values on every run (never a live connection).
        .target(name: "SeededRandom"),
        // The CLI's building blocks (commands, sniffing, rendering, the NIO driver).
        .target(
            name: "GatewayCLI",
            dependencies: [
                "CaptureFormats", "GatewayCodecs", "DiscordGateway", "DiscordGatewayClient", "GatewayServer",
                "SeededRandom",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]),
        .executableTarget(name: "gatewayctl", dependencies: ["GatewayCLI"]),
        // Regenerates samples/ from the library's own client and gateway side (Scripts/make-sample.sh).
        .executableTarget(name: "make-sample", dependencies: ["GatewayCLI"]),
        .executableTarget(
            name: "blocking-loop-example", dependencies: ["DiscordGateway"], path: "Examples/BlockingLoop"),
        // The README's "A bot in 20 lines": the async client's smallest useful program.
        .executableTarget(name: "bot-example", dependencies: ["DiscordGatewayClient"], path: "Examples/Bot"),
        // Replay and codec throughput on raw inbound dumps (see Benchmarks/README.md).
        .executableTarget(
            name: "gateway-bench", dependencies: ["DiscordGateway", "GatewayServer", "SeededRandom"], path: "Sources/GatewayBench"),
        .testTarget(name: "WebSocketProtocolTests", dependencies: ["WebSocketProtocol", "SeededRandom"]),
        .testTarget(
            name: "GatewayCodecsTests", dependencies: ["GatewayCodecs", "CJSONScan", "SeededRandom"],
            // Generators of the committed ETF vectors (they need Erlang / erlpack, not the build).
            exclude: ["Vectors/make_etf_vectors.escript", "Vectors/make_erlpack_vectors.py"]),
        .testTarget(name: "DiscordGatewayTests", dependencies: ["DiscordGateway", "GatewayServer", "SeededRandom"]),
        .testTarget(name: "GatewayServerTests", dependencies: ["GatewayServer", "DiscordGateway", "SeededRandom"]),
        // The async client against a loopback gateway (GatewayServer on NIO), and the session driver's exact actions.
        .testTarget(
            name: "DiscordGatewayClientTests",
            dependencies: [
                "DiscordGatewayClient", "DiscordGateway", "GatewayServer", "SeededRandom",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // The loopback TLS gateway's certificates (a copy of GatewayCLITests/TLS's), read by path.
            exclude: ["Fixtures"]),
        .testTarget(
            name: "GatewayCLITests",
            dependencies: [
                "CaptureFormats", "GatewayCLI", "gatewayctl", "DiscordGateway", "DiscordGatewayClient", "GatewayServer",
                "WebSocketProtocol", "SeededRandom",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            // TLS: the live-gateway tests' certificates and the script that made them.
            exclude: ["Fixtures", "TLS"]),
    ],
    swiftLanguageModes: [.v6]
)
