import Testing
@testable import GatewayCodecs

/// Lengths and nesting that ask for gigabytes or a deep stack are refused at once, before
/// allocating: each case is timed and its peak resident-memory growth bounded (VmHWM,
/// reset first; see ``ProcessMemory``). Serialized so the suite's own cases do not overlap;
/// the memory bound leaves room for other suites running meanwhile.
@Suite(.serialized) struct CodecResourceLimitTests {
    static let peakGrowthBound = 64 << 20

    /// Runs `body`, expecting it within `time` and its peak memory growth under the bound.
    static func expectBounded(
        _ label: String, within time: Duration = .seconds(2), growthBound: Int = peakGrowthBound,
        sourceLocation: SourceLocation = #_sourceLocation, _ body: () -> Void
    ) {
        let reset = ProcessMemory.resetPeak()
        let before = ProcessMemory.kibibytes("VmRSS")
        let clock = ContinuousClock()
        let start = clock.now
        body()
        let elapsed = clock.now - start
        #expect(elapsed < time, "\(label): \(elapsed)", sourceLocation: sourceLocation)
        if reset, let before, let peak = ProcessMemory.kibibytes("VmHWM") {
            let growth = (peak - before) * 1024
            #expect(growth < growthBound, "\(label): peak grew by \(growth >> 20) MiB", sourceLocation: sourceLocation)
        } else {
            #if os(Linux)
            Issue.record("the peak resident size cannot be measured", sourceLocation: sourceLocation)
            #endif
        }
    }

    /// Each ETF tag with the largest length its field holds, and a few bytes where gigabytes should be.
    @Test(arguments: [
        ("BINARY_EXT 4 GiB", [131, 109, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3], ETFDecodingError.Kind.lengthExceedsInput),
        ("STRING_EXT 64 KiB", [131, 107, 0xFF, 0xFF, 1, 2, 3], .lengthExceedsInput),
        ("LIST_EXT 4G elements", [131, 108, 0xFF, 0xFF, 0xFF, 0xFF, 97, 1, 106], .lengthExceedsInput),
        ("MAP_EXT 4G pairs", [131, 116, 0xFF, 0xFF, 0xFF, 0xFF, 97, 1, 97, 2], .lengthExceedsInput),
        ("LARGE_TUPLE_EXT 4G elements", [131, 105, 0xFF, 0xFF, 0xFF, 0xFF, 97, 1], .lengthExceedsInput),
        ("ATOM_EXT 64 KiB", [131, 100, 0xFF, 0xFF, 0x61], .lengthExceedsInput),
        ("ATOM_UTF8_EXT 64 KiB", [131, 118, 0xFF, 0xFF, 0x61], .lengthExceedsInput),
        ("SMALL_ATOM_UTF8_EXT 255", [131, 119, 0xFF, 0x61], .lengthExceedsInput),
        ("SMALL_BIG_EXT 255 digits", [131, 110, 0xFF, 0, 1], .lengthExceedsInput),
        ("LARGE_BIG_EXT 4 GiB of digits", [131, 111, 0xFF, 0xFF, 0xFF, 0xFF, 0, 1], .bigIntegerTooLarge),
        ("COMPRESSED 4 GiB", [131, 80, 0xFF, 0xFF, 0xFF, 0xFF, 0x78, 0x9C, 0x63, 0, 0], .decompressionFailed),
    ] as [(String, [UInt8], ETFDecodingError.Kind)])
    func hugeETFLengthsAreRefusedAtOnce(name: String, bytes: [UInt8], kind: ETFDecodingError.Kind) {
        var decodeError: ETFDecodingError?
        var scanError: ETFDecodingError?
        Self.expectBounded(name, within: .milliseconds(200)) {
            decodeError = etfDecodeError(bytes)
            scanError = etfScanError(bytes)
        }
        #expect(decodeError?.kind == kind, "\(name): \(String(describing: decodeError))")
        #expect((decodeError?.offset ?? .max) < bytes.count, "\(name): names a byte of the input")
        #expect(scanError != nil)
    }

    /// A COMPRESSED term within the cap whose zlib data is a bomb: inflating stops at what it announced.
    @Test func aCompressedTermHidingABombStopsAtItsAnnouncedSize() throws {
        let announced = 16 << 20
        let bomb = try CompressionBombTests.standaloneZlibZeros(mebibytes: 1024)
        let bytes: [UInt8] = [131, 80] + [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: announced >> $0) } + bomb
        var error: ETFDecodingError?
        // The term legitimately inflates up to the 16 MiB it announced (the output array may
        // double past it); the bound must still leave the usual room for suites running
        // meanwhile, and stays far below the gigabyte the bomb holds.
        Self.expectBounded("a 1 GiB bomb announced as 16 MiB", growthBound: Self.peakGrowthBound + 2 * announced) {
            error = etfDecodeError(bytes)
        }
        #expect(error?.kind == .decompressionFailed)
        #expect(error?.decompression?.kind == .limitExceeded)
    }

    @Test func deepETFNestingHitsTheDepthLimit() {
        let depth = 100_000
        let bombs: [(String, [UInt8])] = [
            ("lists", [131] + repeated([108, 0, 0, 0, 1], depth) + [106]),
            ("tuples", [131] + repeated([104, 1], depth) + [106]),
            ("maps", [131] + repeated([116, 0, 0, 0, 1, 100, 0, 1, 0x6B], depth) + [106]),
        ]
        for (name, bytes) in bombs {
            var error: ETFDecodingError?
            Self.expectBounded("100,000 nested \(name)") { error = etfDecodeError(bytes) }
            #expect(error?.kind == .depthLimitExceeded, "\(name)")
        }
    }

    @Test func deepJSONNestingHitsTheDepthLimit() {
        let million = 1_000_000
        let bombs: [(String, [UInt8])] = [
            ("arrays", [UInt8](repeating: UInt8(ascii: "["), count: million)),
            ("arrays, closed", [UInt8](repeating: UInt8(ascii: "["), count: million) + [UInt8](repeating: UInt8(ascii: "]"), count: million)),
            ("objects", repeated(Array(#"{"a":"#.utf8), million)),
            ("arrays inside an envelope", Array(#"{"op":0,"d":"#.utf8) + [UInt8](repeating: UInt8(ascii: "["), count: million)),
        ]
        for (name, bytes) in bombs {
            var decodeError: JSONDecodingError?
            var scanError: JSONDecodingError?
            Self.expectBounded("a million nested \(name)") {
                do { _ = try GatewayJSON.decode(bytes) } catch { decodeError = error as? JSONDecodingError }
                do { _ = try GatewayJSON.scanEnvelope(bytes) } catch { scanError = error as? JSONDecodingError }
            }
            #expect(decodeError?.kind == .depthLimitExceeded, "\(name): \(String(describing: decodeError))")
            // Refused where the limit is crossed, not after reading the million.
            #expect((decodeError?.offset ?? .max) < 4096, "\(name): \(String(describing: decodeError))")
            #expect(scanError != nil, "\(name)")
        }
    }
}
