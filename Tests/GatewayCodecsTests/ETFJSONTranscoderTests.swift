import SeededRandom
import Testing
@testable import GatewayCodecs

/// Writing an ETF term straight to JSON gives exactly the bytes of decoding it and
/// encoding the value as JSON, and exactly the same errors.
@Suite struct ETFJSONTranscoderTests {
    typealias V = ETFErlangVectors

    /// Every Erlang and erlpack vector that is one plain term after the version byte.
    static let vectors: [[UInt8]] = [
        V.smallIntegerZero, V.smallInteger255, V.integer256, V.integerMinusOne, V.integerInt32Max, V.integerInt32Min, V.bigInt32MaxPlusOne, V.bigInt32MinMinusOne, V.bigSnowflake, V.bigInt64Max, V.bigInt64Min, V.bigInt64MaxPlusOne, V.bigUInt64Max, V.bigUInt64MaxPlusOne, V.bigInt64MinMinusOne, V.bigMinusUInt64Max, V.bigTwoToThe100, V.bigMinusTwoToThe100, V.largeBigTwoToThe2048, V.largeBigMinusTwoToThe2048PlusOne, V.largeBigAtCap, V.largeBigOverCap, V.newFloatOneAndAHalf, V.newFloatNegativeZero, V.newFloatTenToThe300, V.newFloatSmallestSubnormal, V.newFloatOneTenth, V.oldFloatOneAndAHalf, V.oldFloatNegativeSmall, V.oldFloatOneTenth, V.oldFloatLarge, V.atomNil, V.atomTrue, V.atomFalse, V.atomHello, V.atomLatin1, V.smallAtomUTF8Nil, V.smallAtomUTF8True, V.smallAtomUTF8Latin1, V.smallAtomUTF8CJK, V.atomUTF8Long, V.tupleEmpty, V.tuplePair, V.largeTuple300, V.nilEmptyList, V.stringABC, V.stringInvalidUTF8, V.stringUTF8Bytes, V.listMixed, V.listOfIntegers, V.listImproper, V.listImproperBinaryTail, V.listNested, V.binaryUTF8, V.binaryEmpty, V.binaryInvalidUTF8, V.binaryLoneSurrogate, V.mapEmpty, V.mapBinaryKey, V.mapAtomKeys, V.mapIntegerKeys, V.mapTupleKey, V.mapFloatKey, V.mapLarge40, V.mapNested, V.hello, V.heartbeatAck, V.invalidSession, V.dispatchMessageCreate, V.dispatchBinaryKeys, V.dispatchUTF8Atoms, V.bitBinary, V.pid, V.reference, V.export,
    ] + ETFErlpackVectors.all.map(\.bytes)

    /// The reference: decode the term, then encode the value as JSON.
    static func reference(_ payload: [UInt8], limits: CodecLimits = .init()) -> Result<[UInt8], ETFDecodingError> {
        payload.withUnsafeBytes { buffer in
            Result { () throws(ETFDecodingError) in
                GatewayJSON.encode(try GatewayETF.decodeTerm(buffer, range: 1..<buffer.count, limits: limits))
            }
        }
    }

    /// The transcoder, appending after a prefix that must survive errors untouched.
    static func transcoded(_ payload: [UInt8], limits: CodecLimits = .init()) -> Result<[UInt8], ETFDecodingError> {
        let prefix = Array("prefix:".utf8)
        var output = prefix
        return payload.withUnsafeBytes { buffer in
            let result = Result { () throws(ETFDecodingError) in
                try GatewayETF.appendJSON(ofTerm: buffer, range: 1..<buffer.count, limits: limits, to: &output)
            }
            switch result {
            case .success:
                #expect(output.starts(with: prefix))
                return .success(Array(output.dropFirst(prefix.count)))
            case .failure(let error):
                #expect(output == prefix)
                return .failure(error)
            }
        }
    }

    @Test func everyVectorMatchesDecodeThenEncode() {
        for vector in Self.vectors where vector.count > 1 && vector[1] != ETFTag.compressed {
            let expected = Self.reference(vector)
            #expect(Self.transcoded(vector) == expected, "\(vector.prefix(16))")
        }
    }

    @Test func depthLimitsMatch() {
        for depth in 0...4 {
            let limits = CodecLimits(maxNestingDepth: depth)
            for vector in [V.listNested, V.mapNested, V.dispatchMessageCreate, V.tuplePair, V.nilEmptyList] {
                #expect(Self.transcoded(vector, limits: limits) == Self.reference(vector, limits: limits))
            }
        }
    }

    @Test func truncatedAndMutatedInputGiveTheSameResultOrError() {
        var random = SplitMix64(seed: 7)
        for vector in Self.vectors where vector.count > 1 && vector[1] != ETFTag.compressed {
            for length in 1..<vector.count {
                let prefix = Array(vector.prefix(length))
                #expect(Self.transcoded(prefix) == Self.reference(prefix), "\(length)/\(vector.count) of \(vector.prefix(12))")
            }
            for _ in 0..<200 {
                var mutated = vector
                for _ in 0..<Int.random(in: 1...3, using: &random) {
                    let index = Int.random(in: 1..<mutated.count, using: &random)
                    mutated[index] = UInt8.random(in: 0...255, using: &random)
                }
                #expect(Self.transcoded(mutated) == Self.reference(mutated), "\(mutated)")
            }
        }
    }
}
