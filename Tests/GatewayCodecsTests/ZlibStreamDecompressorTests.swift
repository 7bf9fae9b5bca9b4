import SeededRandom
import Testing
@testable import GatewayCodecs

/// zlib-stream against vectors from Python's zlib (see `CompressionVectors`).
@Suite struct ZlibStreamDecompressorTests {
    typealias Vectors = CompressionVectors

    /// Feeds `messages` in order; returns what each call returned.
    static func feed(_ messages: [[UInt8]], to decompressor: ZlibStreamDecompressor) throws -> [[UInt8]?] {
        try messages.map { try decompressor.decompress($0) }
    }

    /// The compressed stream cut at `cuts` (sorted positions) into messages.
    static func split(_ stream: [UInt8], at cuts: [Int]) -> [[UInt8]] {
        var messages: [[UInt8]] = []
        var start = 0
        for cut in cuts + [stream.count] where cut >= start {
            messages.append(Array(stream[start..<cut]))
            start = cut
        }
        return messages
    }

    static var stream: [UInt8] { Vectors.zlibStreamMessages.flatMap { $0 } }

    @Test func emitsEachPayloadWhenItsSuffixArrives() throws {
        let decompressor = try ZlibStreamDecompressor()
        let results = try Self.feed(Vectors.zlibStreamMessages, to: decompressor)
        #expect(results.count == Vectors.zlibStreamCompletes.count)
        for (result, completes) in zip(results, Vectors.zlibStreamCompletes) {
            #expect(result == completes.map { Vectors.payloads[$0] })
        }
        #expect(decompressor.compressedBytesIn == Self.stream.count)
        #expect(decompressor.decompressedBytesOut == Vectors.payloads.reduce(0) { $0 + $1.count })
    }

    @Test func anyExtraCutGivesTheSamePayloads() throws {
        // Message boundaries of the vector plus one more at every position (the
        // generator checked that 00 00 ff ff occurs only at payload ends).
        let stream = Self.stream
        var boundaries: [Int] = []
        for message in Vectors.zlibStreamMessages { boundaries.append((boundaries.last ?? 0) + message.count) }
        for cut in 0...stream.count {
            let cuts = (boundaries.dropLast() + [cut]).sorted()
            let decompressor = try ZlibStreamDecompressor()
            let payloads = try Self.feed(Self.split(stream, at: cuts), to: decompressor).compactMap { $0 }
            #expect(payloads == Vectors.payloads, "extra cut at \(cut)")
        }
    }

    @Test func byteAtATime() throws {
        let decompressor = try ZlibStreamDecompressor()
        let payloads = try Self.stream.compactMap { try decompressor.decompress([$0]) }
        #expect(payloads == Vectors.payloads)
    }

    @Test func emptyMessagesChangeNothing() throws {
        let decompressor = try ZlibStreamDecompressor()
        #expect(try decompressor.decompress([]) == nil)
        let messages = Vectors.zlibStreamMessages.flatMap { [$0, []] }
        let payloads = try Self.feed(messages, to: decompressor).compactMap { $0 }
        #expect(payloads == Vectors.payloads)
    }

    @Test func resetStartsANewConnection() throws {
        let decompressor = try ZlibStreamDecompressor()
        _ = try Self.feed(Array(Vectors.zlibStreamMessages.prefix(2)), to: decompressor)
        decompressor.reset()
        #expect(decompressor.compressedBytesIn == 0)
        let payloads = try Self.feed(Vectors.zlibStreamMessages, to: decompressor).compactMap { $0 }
        #expect(payloads == Vectors.payloads)
    }

    @Test func aStreamCarriedOverWithoutResetIsRefused() throws {
        // The known failure: a new connection's stream fed to the old decompressor.
        let decompressor = try ZlibStreamDecompressor()
        _ = try Self.feed(Vectors.zlibStreamMessages, to: decompressor)
        #expect(throws: DecompressionError.self) {
            _ = try Self.feed(Vectors.zlibStreamMessages, to: decompressor)
        }
    }

    @Test func reportsABadHeaderWithItsOffset() throws {
        let decompressor = try ZlibStreamDecompressor()
        let error = #expect(throws: DecompressionError.self) { try decompressor.decompress([0x78, 0x00, 0x01, 0x02]) }
        #expect(error?.kind == .corruptZlib)
        #expect(error?.message.contains("incorrect header check") == true)
        #expect(error?.offset == 2)
    }

    @Test func reportsCorruptionLaterInTheConnectionWithTheConnectionOffset() throws {
        let decompressor = try ZlibStreamDecompressor()
        let first = Vectors.zlibStreamMessages[0]
        _ = try decompressor.decompress(first)
        // 0xff after a sync flush starts a final block of the reserved type 3.
        let error = #expect(throws: DecompressionError.self) { try decompressor.decompress([0xff, 0xff]) }
        #expect(error?.kind == .corruptZlib)
        #expect(error?.message.contains("invalid block type") == true)
        #expect(error?.offset == first.count + 1)
    }

    @Test func garbageAfterTheSuffixInOneMessageIsAnError() throws {
        let decompressor = try ZlibStreamDecompressor()
        let error = #expect(throws: DecompressionError.self) {
            try decompressor.decompress(Vectors.zlibStreamMessages[0] + [0xff, 0x00, 0x00, 0xff, 0xff])
        }
        #expect(error?.kind == .corruptZlib)
    }

    @Test func aMessageCutShortIsNeverEmitted() throws {
        // A message cut short is indistinguishable from a payload that continues:
        // it must not be emitted as a payload.
        let message = Vectors.zlibStreamMessages[0]
        for length in 1..<message.count {
            let decompressor = try ZlibStreamDecompressor()
            #expect(try decompressor.decompress(Array(message.prefix(length))) == nil, "prefix \(length)")
        }
    }

    @Test func isUnusableAfterAnErrorUntilReset() throws {
        let decompressor = try ZlibStreamDecompressor()
        #expect(throws: DecompressionError.self) { try decompressor.decompress([0x78, 0x00, 0x01, 0x02]) }
        let error = #expect(throws: DecompressionError.self) { try decompressor.decompress(Vectors.zlibStreamMessages[0]) }
        #expect(error?.kind == .unusableAfterError)
        #expect(error?.message.contains("incorrect header check") == true)
        decompressor.reset()
        #expect(try decompressor.decompress(Vectors.zlibStreamMessages[0]) == Vectors.payloads[0])
    }

    @Test func dataAfterTheEndOfTheStreamIsTrailingData() throws {
        // A server that ends the stream (Z_FINISH) and keeps sending.
        let finished = ZlibStandalone.compress(Vectors.payloads[2])
        let decompressor = try ZlibStreamDecompressor()
        #expect(try decompressor.decompress(finished) == nil)
        let error = #expect(throws: DecompressionError.self) { try decompressor.decompress([0x00, 0x00, 0xff, 0xff]) }
        #expect(error?.kind == .trailingData)
        #expect(error?.offset == finished.count)
    }

    @Test func acceptsAPayloadExactlyAtTheLimitAndRefusesOneByteMore() throws {
        let size = Vectors.payloads[1].count
        let atLimit = try ZlibStreamDecompressor(limit: size)
        let payloads = try Self.feed(Vectors.zlibStreamMessages, to: atLimit).compactMap { $0 }
        #expect(payloads == Vectors.payloads)

        let belowLimit = try ZlibStreamDecompressor(limit: size - 1)
        _ = try belowLimit.decompress(Vectors.zlibStreamMessages[0])
        let error = #expect(throws: DecompressionError.self) {
            _ = try Self.feed(Array(Vectors.zlibStreamMessages[1...3]), to: belowLimit)
        }
        #expect(error?.kind == .limitExceeded)
    }

    @Test func roundTripsManyPayloadsThroughTheCompressor() throws {
        let compressor = try ZlibStreamCompressor()
        let decompressor = try ZlibStreamDecompressor()
        var generator = SplitMix64(seed: 7)
        for index in 0..<300 {
            let payload = samplePayload(index: index, using: &generator)
            let message = compressor.compress(payload)
            #expect(message.suffix(4) == [0x00, 0x00, 0xff, 0xff])
            #expect(try decompressor.decompress(message) == payload)
        }
    }

    @Test func roundTripsAPayloadLargerThanOneInflateChunk() throws {
        // Several 128 KiB scratch chunks per payload, spread over several messages.
        var generator = SplitMix64(seed: 11)
        let payload = (0..<3000).flatMap { samplePayload(index: $0, using: &generator) }
        #expect(payload.count > 1 << 20)
        let message = try ZlibStreamCompressor(level: 1).compress(payload)
        let decompressor = try ZlibStreamDecompressor()
        let pieces = Self.split(message, at: [message.count / 3, message.count - 3])
        let results = try Self.feed(pieces, to: decompressor)
        #expect(results.dropLast().allSatisfy { $0 == nil })
        #expect(results.last == payload)
    }

    @Test func smallPayloadsAfterAHugeOneAreIntact() throws {
        // The huge payload grows the reused output buffer past what is kept; the next ones must not
        // see any of its bytes.
        var generator = SplitMix64(seed: 13)
        let huge = (0..<3000).flatMap { samplePayload(index: $0, using: &generator) }
        let small = (0..<20).map { samplePayload(index: $0, using: &generator) }
        let compressor = try ZlibStreamCompressor()
        let decompressor = try ZlibStreamDecompressor()
        #expect(try decompressor.decompress(compressor.compress(small[0])) == small[0])
        #expect(try decompressor.decompress(compressor.compress(huge)) == huge)
        for payload in small.dropFirst() {
            #expect(try decompressor.decompress(compressor.compress(payload)) == payload)
        }
    }

    @Test func emptyPayloadsRoundTrip() throws {
        let compressor = try ZlibStreamCompressor()
        let decompressor = try ZlibStreamDecompressor()
        #expect(try decompressor.decompress(compressor.compress([])) == [])
        #expect(try decompressor.decompress(compressor.compress([0x7b, 0x7d])) == [0x7b, 0x7d])
    }

    @Test func compressorMatchesPythonZlibByteForByte() throws {
        // Same zlib, same level and flush: the same bytes Python produced.
        let compressor = try ZlibStreamCompressor(level: 6)
        let ours = Vectors.payloads.flatMap { compressor.compress($0) }
        #expect(ours == Self.stream)
    }

    @Test func compressorRefusesABadLevel() {
        let error = #expect(throws: DecompressionError.self) { try ZlibStreamCompressor(level: 42) }
        #expect(error?.kind == .libraryFailure)
    }
}

/// A JSON-like gateway payload of varying size and content.
func samplePayload(index: Int, using generator: inout SplitMix64) -> [UInt8] {
    let words = ["hello", "こんにちは", "👋🏽", "gateway", "zlib", "\u{00e9}t\u{00e9}", "snowflake"]
    var text = #"{"t":"MESSAGE_CREATE","s":\#(index),"op":0,"d":{"id":"\#(generator.next() >> 1)","content":""#
    for _ in 0..<Int.random(in: 0..<200, using: &generator) {
        text += words[Int.random(in: 0..<words.count, using: &generator)] + " "
    }
    text += #""}}"#
    return Array(text.utf8)
}
