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
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // System zlib (zlib1g-dev) with a shim for the inflateInit2 macro.
        .target(name: "CZlib", linkerSettings: [.linkedLibrary("z")]),
        .target(name: "GatewayCodecs", dependencies: ["CZlib"]),
        .testTarget(name: "GatewayCodecsTests", dependencies: ["GatewayCodecs"]),
        // The CLI's building blocks (capture files, hexdumps, sniffing); Foundation allowed here.
        .target(
            name: "GatewayCLI",
            dependencies: ["GatewayCodecs", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "gatewayctl", dependencies: ["GatewayCLI"]),
        .testTarget(
            name: "GatewayCLITests", dependencies: ["GatewayCLI"],
            exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v6]
)
