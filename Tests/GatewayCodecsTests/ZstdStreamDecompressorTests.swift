import CZstd
import SeededRandom
import Testing
@testable import GatewayCodecs

/// zstd-stream against vectors from the `zstandard` package and the `zstd` CLI (see `CompressionVectors`).
@Suite struct ZstdStreamDecompressorTests {
    typealias Vectors = CompressionVectors

    @Test func decodesOneMessagePerPayload() throws {
        let decompressor = try ZstdStreamDecompressor()
        for (message, payload) in zip(Vectors.zstdStreamMessages, Vectors.payloads) {
            #expect(try decompressor.decompress(message) == payload)
        }
        #expect(decompressor.compressedBytesIn == Vectors.zstdStreamMessages.reduce(0) { $0 + $1.count })
        #expect(decompressor.decompressedBytesOut == Vectors.payloads.reduce(0) { $0 + $1.count })
    }

    @Test func acceptsAFrameThatEndsAndANewOneAfterIt() throws {
        let decompressor = try ZstdStreamDecompressor()
        #expect(try decompressor.decompress(Vectors.zstdCLIFrame) == Vectors.payloads[1])
        #expect(try decompressor.decompress(Vectors.zstdCLIFrame) == Vectors.payloads[1])
    }

    @Test func everyCutInsideABlockIsTruncationAndEveryCutBetweenBlocksAPrefix() throws {
        let cases = Vectors.zstdStreamMessages.indices.map { (Array(Vectors.zstdStreamMessages[..<$0]), $0) }
        for (earlier, index) in cases {
            let message = Vectors.zstdStreamMessages[index]
            try checkTruncations(of: message, after: earlier, payload: Vectors.payloads[index], startsFrame: index == 0)
        }
        try checkTruncations(of: Vectors.zstdCLIFrame, after: [], payload: Vectors.payloads[1], startsFrame: true)
    }

    /// Feeds `earlier` then every proper prefix of `message` to fresh decompressors.
    func checkTruncations(of message: [UInt8], after earlier: [[UInt8]], payload: [UInt8], startsFrame: Bool) throws {
        let layout = try #require(ZstdBlocks.layout(of: message, startsFrame: startsFrame))
        for length in 1..<message.count {
            let decompressor = try ZstdStreamDecompressor()
            for previous in earlier { _ = try decompressor.decompress(previous) }
            let prefix = Array(message.prefix(length))
            if layout.boundaries.contains(length) || layout.indistinguishableCuts.contains(length) {
                let output = try decompressor.decompress(prefix)
                #expect(payload.starts(with: output), "cut at \(length) between blocks")
            } else {
                let error = #expect(throws: DecompressionError.self, "cut at \(length)") {
                    try decompressor.decompress(prefix)
                }
                #expect(error?.kind == .truncatedZstd, "cut at \(length)")
            }
        }
    }

    @Test func namesZstdsErrorForABadFrameHeader() throws {
        var message = Vectors.zstdStreamMessages[0]
        message[0] ^= 0xff
        let decompressor = try ZstdStreamDecompressor()
        let error = #expect(throws: DecompressionError.self) { try decompressor.decompress(message) }
        #expect(error?.kind == .corruptZstd)
        #expect(error?.message.contains("Unknown frame descriptor") == true)
    }

    @Test func namesZstdsErrorForAReservedBlockTypeWithTheConnectionOffset() throws {
        let decompressor = try ZstdStreamDecompressor()
        _ = try decompressor.decompress(Vectors.zstdStreamMessages[0])
        // Block header: not last, type 3 (reserved), size 0.
        let error = #expect(throws: DecompressionError.self) { try decompressor.decompress([0x06, 0x00, 0x00]) }
        #expect(error?.kind == .corruptZstd)
        #expect(error?.message.contains("Data corruption detected") == true)
        #expect(error?.offset == Vectors.zstdStreamMessages[0].count)
    }

    @Test func aMessageWithoutItsPredecessorsIsAnError() throws {
        // The known failure: carrying a decompressor over, or starting mid-stream.
        let decompressor = try ZstdStreamDecompressor()
        #expect(throws: DecompressionError.self) { try decompressor.decompress(Vectors.zstdStreamMessages[2]) }
    }

    @Test func isUnusableAfterAnErrorUntilReset() throws {
        let decompressor = try ZstdStreamDecompressor()
        _ = try decompressor.decompress(Vectors.zstdStreamMessages[0])
        #expect(throws: DecompressionError.self) { try decompressor.decompress([0x06, 0x00, 0x00]) }
        let error = #expect(throws: DecompressionError.self) { try decompressor.decompress(Vectors.zstdStreamMessages[1]) }
        #expect(error?.kind == .unusableAfterError)
        decompressor.reset()
        #expect(decompressor.compressedBytesIn == 0)
        for (message, payload) in zip(Vectors.zstdStreamMessages, Vectors.payloads) {
            #expect(try decompressor.decompress(message) == payload)
        }
    }

    @Test func resetStartsANewConnection() throws {
        let decompressor = try ZstdStreamDecompressor()
        _ = try decompressor.decompress(Vectors.zstdStreamMessages[0])
        _ = try decompressor.decompress(Vectors.zstdStreamMessages[1])
        decompressor.reset()
        #expect(try decompressor.decompress(Vectors.zstdStreamMessages[0]) == Vectors.payloads[0])
    }

    @Test func refusesAWindowLargerThanAllowed() throws {
        // RFC 8878 frame: no content size, window descriptor 0x90 (2^28 bytes),
        // then one raw last block holding "x".
        let frame: [UInt8] = [0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x90, 0x09, 0x00, 0x00, 0x78]
        let error = #expect(throws: DecompressionError.self) { try ZstdStreamDecompressor().decompress(frame) }
        #expect(error?.kind == .corruptZstd)
        #expect(error?.message.contains("too much memory") == true)
        #expect(try ZstdStreamDecompressor(windowLogMax: 28).decompress(frame) == [0x78])
    }

    @Test func refusesAnImpossibleWindowLogMax() {
        let error = #expect(throws: DecompressionError.self) { try ZstdStreamDecompressor(windowLogMax: 5) }
        #expect(error?.kind == .libraryFailure)
    }

    @Test func acceptsAPayloadExactlyAtTheLimitAndRefusesOneByteMore() throws {
        let size = Vectors.payloads[1].count
        let atLimit = try ZstdStreamDecompressor(limit: size)
        for (message, payload) in zip(Vectors.zstdStreamMessages, Vectors.payloads) {
            #expect(try atLimit.decompress(message) == payload)
        }
        let belowLimit = try ZstdStreamDecompressor(limit: size - 1)
        _ = try belowLimit.decompress(Vectors.zstdStreamMessages[0])
        let error = #expect(throws: DecompressionError.self) { try belowLimit.decompress(Vectors.zstdStreamMessages[1]) }
        #expect(error?.kind == .limitExceeded)
    }

    @Test func roundTripsManyPayloadsThroughTheCompressor() throws {
        let compressor = try ZstdStreamCompressor()
        let decompressor = try ZstdStreamDecompressor()
        var generator = SplitMix64(seed: 3)
        for index in 0..<300 {
            let payload = samplePayload(index: index, using: &generator)
            #expect(try decompressor.decompress(compressor.compress(payload)) == payload)
        }
        #expect(try decompressor.decompress(compressor.compress([])) == [])
    }

    @Test func roundTripsAMultiBlockPayloadAndCatchesCutsInsideIt() throws {
        var generator = SplitMix64(seed: 5)
        let payload = (0..<3000).flatMap { samplePayload(index: $0, using: &generator) }
        let compressor = try ZstdStreamCompressor(level: 1)
        let first = try compressor.compress(Vectors.payloads[0])
        let message = try compressor.compress(payload)
        let decompressor = try ZstdStreamDecompressor()
        _ = try decompressor.decompress(first)
        #expect(try decompressor.decompress(message) == payload)

        let layout = try #require(ZstdBlocks.layout(of: message, startsFrame: false))
        #expect(layout.indistinguishableCuts.isEmpty)
        let boundaries = layout.boundaries.subtracting([message.count])
        #expect(boundaries.count > 4, "a payload over 1 MiB spans several 128 KiB blocks")
        for cut in boundaries.sorted().flatMap({ [$0, $0 + 1, $0 + 3, $0 - 1] }) {
            let fresh = try ZstdStreamDecompressor()
            _ = try fresh.decompress(first)
            do {
                let output = try fresh.decompress(Array(message.prefix(cut)))
                #expect(boundaries.contains(cut) && payload.starts(with: output), "cut at \(cut)")
            } catch {
                #expect(!boundaries.contains(cut) && error.kind == .truncatedZstd, "cut at \(cut): \(error)")
            }
        }
    }

    @Test func theLoaderNamesTheLibraryItTriedAndWhy() {
        var buffer = [CChar](repeating: 0, count: 512)
        let loaded = czstd_probe("libzstd-missing.so.9", &buffer, buffer.count)
        #expect(loaded == 0)
        let reason = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        #expect(reason.contains("libzstd-missing.so.9"))
        #expect(reason.contains("cannot open shared object file") || reason.contains("image not found")
            || reason.contains("no such file"))
        let error = ZstdLibrary.unavailable(reason)
        #expect(error.kind == .zstdUnavailable)
        #expect(error.description.contains("libzstd-missing.so.9"))
    }

    @Test func theInstalledLibraryLoadsWithEverySymbol() throws {
        #expect(czstd_load() == nil)
        var buffer = [CChar](repeating: 0, count: 512)
        #expect(czstd_probe("libzstd.so.1", &buffer, buffer.count) == 1)
    }
}

/// Where a zstd message may end cleanly: after the frame header and after each
/// block (RFC 8878 section 3.1.1), for the tests' truncation sweeps.
enum ZstdBlocks {
    struct Layout {
        /// Offsets just after the frame header (if the message starts a frame) and after each block.
        var boundaries: Set<Int> = []
        /// Cuts the decoder cannot tell from a block boundary: in a message that ends
        /// its frame, 3 bytes before the end of the last block and of the checksum
        /// (zstd then asks for exactly 3 more bytes, as it does between blocks).
        /// zstd-stream never ends its frame, so its messages have none.
        var indistinguishableCuts: Set<Int> = []
    }

    /// The layout of `message`, or nil when its bytes do not parse.
    static func layout(of message: [UInt8], startsFrame: Bool) -> Layout? {
        var position = 0
        var layout = Layout()
        var hasChecksum = false
        if startsFrame {
            guard message.count >= 5, message[0..<4] == [0x28, 0xb5, 0x2f, 0xfd] else { return nil }
            let descriptor = message[4]
            let singleSegment = descriptor & 0x20 != 0
            hasChecksum = descriptor & 0x04 != 0
            let dictionaryIDSize = [0, 1, 2, 4][Int(descriptor & 0x03)]
            let contentSizeSize = [singleSegment ? 1 : 0, 2, 4, 8][Int(descriptor >> 6)]
            position = 5 + (singleSegment ? 0 : 1) + dictionaryIDSize + contentSizeSize
            layout.boundaries.insert(position)
        }
        while position + 3 <= message.count {
            let header = Int(message[position]) | Int(message[position + 1]) << 8 | Int(message[position + 2]) << 16
            let isLast = header & 1 != 0
            let size = header >> 3
            let contentSize: Int
            switch (header >> 1) & 3 {
            case 0, 2: contentSize = size
            case 1: contentSize = 1
            default: return nil
            }
            position += 3 + contentSize
            if isLast {
                layout.indistinguishableCuts.insert(position - 3)
                if hasChecksum {
                    position += 4
                    layout.indistinguishableCuts.insert(position - 3)
                }
                layout.boundaries.insert(position)
                return position == message.count ? layout : nil
            }
            layout.boundaries.insert(position)
        }
        return position == message.count ? layout : nil
    }
}
