// swift-tools-version:6.0
import PackageDescription

// Layering (enforced by target dependencies):
//   WebSocketProtocol   RFC 6455 client, knows nothing of Discord
//   GatewayCodecs       payload values, JSON, ETF, zlib/zstd decompressors
//   DiscordGateway      the gateway state machine, built on the two above
// Only the gatewayctl executable performs I/O.
let package = Package(
    name: "swift-discord-gateway",
    products: [
        .library(name: "DiscordGateway", targets: ["DiscordGateway"]),
        .library(name: "GatewayCodecs", targets: ["GatewayCodecs"]),
        .library(name: "WebSocketProtocol", targets: ["WebSocketProtocol"]),
    ],
    targets: [
        // System zlib (zlib1g-dev) with a shim for the inflateInit2 macro.
        .target(name: "CZlib", linkerSettings: [.linkedLibrary("z")]),
        // libzstd, loaded at run time (machines have the library but not its header).
        .target(name: "CZstd", linkerSettings: [.linkedLibrary("dl", .when(platforms: [.linux]))]),
        // RFC 6455 client: no dependencies, no Foundation.
        .target(name: "WebSocketProtocol"),
        .target(name: "GatewayCodecs", dependencies: ["CZlib", "CZstd"]),
        .target(name: "DiscordGateway", dependencies: ["WebSocketProtocol", "GatewayCodecs"]),
        .executableTarget(
            name: "blocking-loop-example", dependencies: ["DiscordGateway"], path: "Examples/BlockingLoop"),
        // Replay and codec throughput on raw inbound dumps (see Benchmarks/README.md).
        .executableTarget(name: "gateway-bench", dependencies: ["DiscordGateway"], path: "Sources/GatewayBench"),
        .testTarget(name: "WebSocketProtocolTests", dependencies: ["WebSocketProtocol"]),
        .testTarget(
            name: "GatewayCodecsTests", dependencies: ["GatewayCodecs"],
            // Generators of the committed ETF vectors (they need Erlang / erlpack, not the build).
            exclude: ["Vectors/make_etf_vectors.escript", "Vectors/make_erlpack_vectors.py"]),
        .testTarget(name: "DiscordGatewayTests", dependencies: ["DiscordGateway"]),
    ],
    swiftLanguageModes: [.v6]
)
