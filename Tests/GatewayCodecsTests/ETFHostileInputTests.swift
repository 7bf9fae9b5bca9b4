import SeededRandom
import Testing
@testable import GatewayCodecs

/// Truncated, corrupted, hostile and bomb inputs: always an error, never a crash, quickly.
@Suite struct ETFHostileInputTests {
    typealias V = ETFErlangVectors

    /// Every well-formed vector, from both real implementations.
    static let validVectors: [[UInt8]] = [
        V.smallIntegerZero, V.integerInt32Min, V.bigSnowflake, V.bigUInt64MaxPlusOne, V.largeBigTwoToThe2048,
        V.newFloatOneTenth, V.oldFloatNegativeSmall, V.atomLatin1, V.smallAtomUTF8CJK, V.atomUTF8Long,
        V.tuplePair, V.largeTuple300, V.stringABC, V.stringInvalidUTF8, V.listMixed, V.listNested, V.binaryUTF8,
        V.mapIntegerKeys, V.mapLarge40, V.mapNested, V.hello, V.heartbeatAck, V.invalidSession,
        V.dispatchMessageCreate, V.dispatchBinaryKeys, V.dispatchUTF8Atoms, V.compressedGuildMembers,
        V.compressedList,
    ] + ETFErlpackVectors.all.map(\.bytes)

    static func elapsed(_ body: () -> Void) -> Duration {
        let clock = ContinuousClock()
        let start = clock.now
        body()
        return clock.now - start
    }

    @Test func everyTruncationThrows() {
        for vector in Self.validVectors {
            for length in 0..<vector.count {
                let prefix = Array(vector.prefix(length))
                #expect(etfDecodeError(prefix) != nil, "decode of \(length)/\(vector.count) bytes of \(vector.prefix(12))")
                #expect(etfScanError(prefix) != nil, "scan of \(length)/\(vector.count) bytes of \(vector.prefix(12))")
            }
        }
    }

    /// Random byte edits with a fixed seed; scan and decode must agree on every input.
    @Test func mutationSweepNeverCrashesAndScanAgreesWithDecode() throws {
        var random = SplitMix64(seed: 0x5EED_E7F0)
        var decoded = 0
        for iteration in 0..<6000 {
            var bytes = Self.validVectors[Int(random.next() % UInt64(Self.validVectors.count))]
            for _ in 0...(random.next() % 4) where !bytes.isEmpty {
                let index = Int(random.next() % UInt64(bytes.count))
                switch random.next() % 4 {
                case 0: bytes[index] = UInt8(truncatingIfNeeded: random.next())
                case 1: bytes[index] ^= 1 << UInt8(random.next() % 8)
                case 2: bytes.remove(at: index)
                default: bytes.insert(UInt8(truncatingIfNeeded: random.next()), at: index)
                }
            }
            let value: GatewayValue?
            do {
                value = try GatewayETF.decode(bytes)
                decoded += 1
            } catch {
                value = nil
            }
            do {
                let scan = try GatewayETF.scanEnvelope(bytes)
                let whole = try #require(value, "iteration \(iteration): scanned but did not decode")
                #expect(whole["op"]?.intValue == scan.envelope.op, "iteration \(iteration)")
                let data = try bytes.withUnsafeBytes { try GatewayETF.decodeData(of: scan, payload: $0) }
                #expect(data == whole["d"], "iteration \(iteration)")
            } catch let error as ETFDecodingError {
                if value != nil {
                    #expect(error.kind == .invalidEnvelope, "iteration \(iteration): decoded but scan said \(error)")
                }
            }
        }
        #expect(decoded > 100)
    }

    /// Lengths announcing gigabytes in a few bytes fail at once, before any allocation.
    @Test(arguments: [
        ([131, 108, 0xFF, 0xFF, 0xFF, 0xFF, 106], ETFDecodingError.Kind.lengthExceedsInput),
        ([131, 105, 0xFF, 0xFF, 0xFF, 0xFF, 97, 1], .lengthExceedsInput),
        ([131, 116, 0xFF, 0xFF, 0xFF, 0xFF, 97, 1, 97, 1], .lengthExceedsInput),
        ([131, 116, 0x80, 0, 0, 0, 97, 1, 97, 1], .lengthExceedsInput),
        ([131, 109, 0xFF, 0xFF, 0xFF, 0xFF, 97], .lengthExceedsInput),
        ([131, 107, 0xFF, 0xFF, 97], .lengthExceedsInput),
        ([131, 118, 0xFF, 0xFF, 97], .lengthExceedsInput),
        ([131, 104, 0xFF, 97], .lengthExceedsInput),
        ([131, 111, 0xFF, 0xFF, 0xFF, 0xFF, 0, 1], .bigIntegerTooLarge),
        ([131, 110, 0xFF, 0, 1], .lengthExceedsInput),
        ([131, 108, 0, 0, 0, 2, 108, 0xFF, 0xFF, 0xFF, 0xFF, 106, 106], .lengthExceedsInput),
        ([131, 80, 0xFF, 0xFF, 0xFF, 0xFF, 0x78, 0x9C], .decompressionFailed),
    ] as [([UInt8], ETFDecodingError.Kind)])
    func hostileLengthsAreRejectedAtOnce(bytes: [UInt8], kind: ETFDecodingError.Kind) {
        var decodeError: ETFDecodingError?
        var scanError: ETFDecodingError?
        let time = Self.elapsed {
            decodeError = etfDecodeError(bytes)
            scanError = etfScanError(bytes)
        }
        #expect(decodeError?.kind == kind)
        #expect(scanError?.kind == kind || scanError?.kind == .invalidEnvelope)
        #expect(time < .milliseconds(50))
    }

    @Test func nestingBombsHitTheDepthLimitQuickly() {
        let depth = 100_000
        let bombs: [(bytes: [UInt8], tag: UInt8, headerSize: Int)] = [
            ([131] + repeated([108, 0, 0, 0, 1], depth) + [106], 108, 5),
            ([131] + repeated([104, 1], depth) + [106], 104, 2),
            ([131] + repeated([116, 0, 0, 0, 1, 100, 0, 1, 0x6B], depth) + [106], 116, 9),
            ([131] + repeated([108, 0, 0, 0, 1], 256) + [106] + [UInt8](repeating: 106, count: 256), 106, 5),
        ]
        for bomb in bombs {
            var decodeError: ETFDecodingError?
            var scanError: ETFDecodingError?
            let time = Self.elapsed {
                decodeError = etfDecodeError(bomb.bytes)
                scanError = etfScanError(bomb.bytes)
            }
            #expect(decodeError?.kind == .depthLimitExceeded)
            #expect(decodeError?.offset == 1 + bomb.headerSize * 256)
            #expect(decodeError?.tag == bomb.tag)
            if bomb.tag == 116 {
                #expect(scanError?.kind == .depthLimitExceeded)
            } else {
                #expect(scanError?.kind == .invalidEnvelope)
            }
            #expect(time < .milliseconds(200))
        }
    }

    /// With a generous limit the decoders are iterative: deep input costs no machine stack.
    @Test func deepNestingWithinAGenerousLimitIsFine() throws {
        func payload(depth: Int) -> [UInt8] {
            // {op: 0, d: [[...[]...]]}
            [131, 116, 0, 0, 0, 2, 100, 0, 2, 0x6F, 0x70, 97, 0, 100, 0, 1, 0x64]
                + repeated([108, 0, 0, 0, 1], depth) + [106]
                + [UInt8](repeating: 106, count: depth)
        }
        let deep = payload(depth: 100_000)
        let scan = try GatewayETF.scanEnvelope(deep, limits: CodecLimits(maxNestingDepth: 200_000))
        #expect(scan.envelope.dataRange == 17..<deep.count)
        // A value this deep is built, compared and freed fine.
        let value = try GatewayETF.decode(payload(depth: 2000), limits: CodecLimits(maxNestingDepth: 5000))
        var level = try #require(value["d"])
        var count = 0
        while let inner = level[0] {
            level = inner
            count += 1
        }
        #expect(count == 2000)
        #expect(level == .array([]))
    }

    @Test func decompressionBombsAreRefusedBeforeInflating() {
        let limits = CodecLimits(maxDecompressedPayloadSize: 1 << 20)
        // The term announces 2 000 005 bytes, over the 1 MiB cap.
        var error = etfDecodeError(V.compressedZeros2MB, limits: limits)
        #expect(error?.kind == .decompressionFailed)
        #expect(error?.decompression?.kind == .limitExceeded)
        #expect(error?.offset == 1)
        #expect(etfScanError(V.compressedZeros2MB, limits: limits)?.decompression?.kind == .limitExceeded)

        // A term that lies about its size stops as soon as it inflates past what it announced.
        var lying = V.compressedZeros2MB
        lying.replaceSubrange(2..<6, with: [0, 0, 0x03, 0xE8])  // 1000
        let time = Self.elapsed { error = etfDecodeError(lying) }
        #expect(error?.kind == .decompressionFailed)
        #expect(error?.decompression?.kind == .limitExceeded)
        #expect(time < .milliseconds(100))

        // Announcing more than it inflates to is corrupt too.
        var short = V.compressedList
        short.replaceSubrange(2..<6, with: [0, 0, 0x03, 0x27])
        #expect(etfDecodeError(short)?.decompression?.kind == .corruptZlib)

        // Within the default cap the 2 MB term decodes.
        #expect((try? GatewayETF.decode(V.compressedZeros2MB))?.stringValue?.utf8.count == 2_000_000)
    }

    @Test func corruptCompressedDataNamesTheFailure() {
        var corrupt = V.compressedList
        corrupt[6] = 0x00  // zlib header
        let error = etfDecodeError(corrupt)
        #expect(error?.kind == .decompressionFailed)
        #expect(error?.decompression?.kind == .corruptZlib)
        #expect(error?.description.contains("COMPRESSED") == true)
        #expect(etfDecodeError(V.compressedList + [0])?.decompression?.kind == .trailingData)
    }

    @Test func errorsInsideInflatedTermsSaySo() {
        // zlib.compress(bytes([97, 1, 97])): a complete term followed by a stray byte.
        let bytes: [UInt8] = [131, 80, 0, 0, 0, 3] + hex("789c4b644c0400018900c4")
        let error = etfDecodeError(bytes)
        #expect(error?.kind == .trailingBytes)
        #expect(error?.isInInflatedTerm == true)
        #expect(error?.offset == 2)
        #expect(error?.description.contains("of the inflated term") == true)
    }
}

/// `bytes` repeated `times` times.
func repeated(_ bytes: [UInt8], _ times: Int) -> [UInt8] {
    var result: [UInt8] = []
    result.reserveCapacity(bytes.count * times)
    for _ in 0..<times { result += bytes }
    return result
}
