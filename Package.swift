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
        .library(name: "GatewayCodecs", targets: ["GatewayCodecs"]),
    ],
    targets: [
        // System zlib (zlib1g-dev) with a shim for the inflateInit2 macro.
        .target(name: "CZlib", linkerSettings: [.linkedLibrary("z")]),
        .target(name: "GatewayCodecs", dependencies: ["CZlib"]),
        .testTarget(
            name: "GatewayCodecsTests", dependencies: ["GatewayCodecs"],
            // Generators of the committed ETF vectors (they need Erlang / erlpack, not the build).
            exclude: ["Vectors/make_etf_vectors.escript", "Vectors/make_erlpack_vectors.py"]),
    ],
    swiftLanguageModes: [.v6]
)
