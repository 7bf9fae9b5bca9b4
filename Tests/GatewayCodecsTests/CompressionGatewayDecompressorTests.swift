import SeededRandom
import Testing
@testable import GatewayCodecs

/// `GatewayDecompressor` in each mode, against the real-implementation vectors.
@Suite struct CompressionGatewayDecompressorTests {
    typealias Vectors = CompressionVectors

    @Test func compressionNamesMatchTheQueryParameter() {
        #expect(GatewayCompression.zlibStream.rawValue == "zlib-stream")
        #expect(GatewayCompression.zstdStream.rawValue == "zstd-stream")
        #expect(GatewayCompression(rawValue: "zstd-stream") == .zstdStream)
        #expect(GatewayCompression.allCases.count == 4)
    }

    @Test func noneReturnsTextAndBinaryMessagesAsTheyAre() throws {
        let decompressor = try GatewayDecompressor(.none)
        for payload in Vectors.payloads {
            #expect(try decompressor.decompress(message: payload, isBinary: false) == payload)
            #expect(try decompressor.decompress(message: payload, isBinary: true) == payload)
        }
        let total = Vectors.payloads.reduce(0) { $0 + $1.count } * 2
        #expect(decompressor.compressedBytesIn == total)
        #expect(decompressor.decompressedBytesOut == total)
    }

    @Test func payloadInflatesBinaryMessagesAndPassesTextThrough() throws {
        let decompressor = try GatewayDecompressor(.payload)
        for (message, payload) in zip(Vectors.standaloneMessages, Vectors.payloads) {
            #expect(try decompressor.decompress(message: message, isBinary: true) == payload)
            #expect(try decompressor.decompress(message: payload, isBinary: false) == payload)
        }
        let compressed = Vectors.standaloneMessages.reduce(0) { $0 + $1.count }
        let plain = Vectors.payloads.reduce(0) { $0 + $1.count }
        #expect(decompressor.compressedBytesIn == compressed + plain)
        #expect(decompressor.decompressedBytesOut == 2 * plain)
    }

    @Test func payloadRefusesTruncatedAndTrailingBytes() throws {
        let decompressor = try GatewayDecompressor(.payload)
        let message = Vectors.standaloneMessages[1]
        for length in 0..<message.count {
            let error = #expect(throws: DecompressionError.self, "prefix \(length)") {
                try decompressor.decompress(message: Array(message.prefix(length)), isBinary: true)
            }
            #expect(error.map { [.truncatedZlib, .corruptZlib].contains($0.kind) } == true, "prefix \(length)")
        }
        let error = #expect(throws: DecompressionError.self) {
            try decompressor.decompress(message: message + [0x78], isBinary: true)
        }
        #expect(error?.kind == .trailingData)
        #expect(error?.offset == message.count)
        // Each message stands alone: an error does not spoil the next one.
        #expect(try decompressor.decompress(message: message, isBinary: true) == Vectors.payloads[1])
    }

    @Test func payloadCompressorRoundTripsAndMatchesPython() throws {
        for (message, payload) in zip(Vectors.standaloneMessages, Vectors.payloads) {
            #expect(ZlibStandalone.compress(payload) == message)
            #expect(try ZlibStandalone.decompress(ZlibStandalone.compress(payload, level: 9), limit: 1 << 20) == payload)
        }
        #expect(try ZlibStandalone.decompress(ZlibStandalone.compress([], level: 99), limit: 0) == [])
    }

    @Test func zlibStreamBuffersUntilTheSuffix() throws {
        let decompressor = try GatewayDecompressor(.zlibStream)
        for (message, completes) in zip(Vectors.zlibStreamMessages, Vectors.zlibStreamCompletes) {
            let result = try decompressor.decompress(message: message, isBinary: true)
            #expect(result == completes.map { Vectors.payloads[$0] })
        }
        #expect(decompressor.compressedBytesIn == Vectors.zlibStreamMessages.reduce(0) { $0 + $1.count })
        #expect(decompressor.decompressedBytesOut == Vectors.payloads.reduce(0) { $0 + $1.count })
    }

    @Test func zstdStreamDecodesEachMessage() throws {
        let decompressor = try GatewayDecompressor(.zstdStream)
        for (message, payload) in zip(Vectors.zstdStreamMessages, Vectors.payloads) {
            #expect(try decompressor.decompress(message: message, isBinary: true) == payload)
        }
        #expect(decompressor.decompressedBytesOut == Vectors.payloads.reduce(0) { $0 + $1.count })
    }

    @Test(arguments: [GatewayCompression.zlibStream, .zstdStream])
    func aTextMessageOnAStreamConnectionIsNamedAndLeavesTheStreamIntact(_ compression: GatewayCompression) throws {
        let decompressor = try GatewayDecompressor(compression)
        let messages = compression == .zlibStream ? Vectors.zlibStreamMessages : Vectors.zstdStreamMessages
        _ = try decompressor.decompress(message: messages[0], isBinary: true)
        let error = #expect(throws: DecompressionError.self) {
            try decompressor.decompress(message: Array(#"{"op":11}"#.utf8), isBinary: false)
        }
        #expect(error?.kind == .unexpectedTextMessage)
        #expect(error?.message.contains(compression.rawValue) == true)
        let payloads = try messages.dropFirst().compactMap { try decompressor.decompress(message: $0, isBinary: true) }
        #expect(payloads == Array(Vectors.payloads.dropFirst()))
    }

    @Test(arguments: [GatewayCompression.zlibStream, .zstdStream])
    func resetMakesItReadyForANewConnection(_ compression: GatewayCompression) throws {
        let decompressor = try GatewayDecompressor(compression)
        let messages = compression == .zlibStream ? Vectors.zlibStreamMessages : Vectors.zstdStreamMessages
        #expect(throws: DecompressionError.self) {
            try decompressor.decompress(message: [0x00, 0x01, 0x02, 0x03, 0x00, 0x00, 0xff, 0xff], isBinary: true)
        }
        let error = #expect(throws: DecompressionError.self) {
            try decompressor.decompress(message: messages[0], isBinary: true)
        }
        #expect(error?.kind == .unusableAfterError)
        decompressor.reset()
        #expect(decompressor.compressedBytesIn == 0)
        #expect(decompressor.decompressedBytesOut == 0)
        let payloads = try messages.compactMap { try decompressor.decompress(message: $0, isBinary: true) }
        #expect(payloads == Vectors.payloads)
    }

    @Test(arguments: GatewayCompression.allCases)
    func everyModeAppliesTheLimit(_ compression: GatewayCompression) throws {
        let payload = Vectors.payloads[1]
        let message: [UInt8] =
            switch compression {
            case .none: payload
            case .payload: ZlibStandalone.compress(payload)
            case .zlibStream: try ZlibStreamCompressor().compress(payload)
            case .zstdStream: try ZstdStreamCompressor().compress(payload)
            }
        let exact = try GatewayDecompressor(compression, limit: payload.count)
        #expect(try exact.decompress(message: message, isBinary: true) == payload)
        guard compression != .none else { return }  // nothing is decompressed, so nothing to cap
        let tooSmall = try GatewayDecompressor(compression, limit: payload.count - 1)
        let error = #expect(throws: DecompressionError.self) { try tooSmall.decompress(message: message, isBinary: true) }
        #expect(error?.kind == .limitExceeded)
    }

    @Test func theDefaultLimitFitsLargeReadyPayloads() throws {
        #expect(try GatewayDecompressor(.zlibStream).limit == 64 << 20)
        // An 8 MiB payload (far above real READY sizes) passes with the default.
        var generator = SplitMix64(seed: 9)
        var payload: [UInt8] = []
        while payload.count < 8 << 20 { payload += samplePayload(index: payload.count, using: &generator) }
        let decompressor = try GatewayDecompressor(.zlibStream)
        #expect(try decompressor.decompress(message: ZlibStreamCompressor(level: 1).compress(payload), isBinary: true) == payload)
    }

    @Test func errorsDescribeWhatAndWhere() {
        let error = DecompressionError(.corruptZlib, "corrupt zlib-stream: invalid block type", offset: 42)
        #expect(error.description == "corrupt zlib-stream: invalid block type (at compressed byte 42)")
    }
}
