import Testing
@testable import GatewayCodecs

/// The error `GatewayETF.decode` throws for `bytes`, or `nil` when it decodes.
func etfDecodeError(_ bytes: [UInt8], limits: CodecLimits = .init()) -> ETFDecodingError? {
    do {
        _ = try GatewayETF.decode(bytes, limits: limits)
        return nil
    } catch {
        return error
    }
}

/// The error `GatewayETF.scanEnvelope` throws for `bytes`, or `nil` when it scans.
func etfScanError(_ bytes: [UInt8], limits: CodecLimits = .init()) -> ETFDecodingError? {
    do {
        _ = try GatewayETF.scanEnvelope(bytes, limits: limits)
        return nil
    } catch {
        return error
    }
}

/// Known answers for bytes made by Erlang's `term_to_binary` (see Vectors/make_etf_vectors.escript).
@Suite struct ETFDecodingTests {
    typealias V = ETFErlangVectors

    @Test(arguments: [
        (V.smallIntegerZero, GatewayValue.integer(0)),
        (V.smallInteger255, .integer(255)),
        (V.integer256, .integer(256)),
        (V.integerMinusOne, .integer(-1)),
        (V.integerInt32Max, .integer(2_147_483_647)),
        (V.integerInt32Min, .integer(-2_147_483_648)),
        (V.bigInt32MaxPlusOne, .integer(2_147_483_648)),
        (V.bigInt32MinMinusOne, .integer(-2_147_483_649)),
        (V.bigSnowflake, .integer(175_928_847_299_117_063)),
        (V.bigInt64Max, .integer(Int64.max)),
        (V.bigInt64Min, .integer(Int64.min)),
        (V.bigInt64MaxPlusOne, .unsignedInteger(9_223_372_036_854_775_808)),
        (V.bigUInt64Max, .unsignedInteger(UInt64.max)),
        (V.bigUInt64MaxPlusOne, .bigInteger("18446744073709551616")),
        (V.bigInt64MinMinusOne, .bigInteger("-9223372036854775809")),
        (V.bigMinusUInt64Max, .bigInteger("-18446744073709551615")),
        (V.bigTwoToThe100, .bigInteger("1267650600228229401496703205376")),
        (V.bigMinusTwoToThe100, .bigInteger("-1267650600228229401496703205376")),
    ])
    func integers(bytes: [UInt8], expected: GatewayValue) throws {
        #expect(try GatewayETF.decode(bytes) == expected)
    }

    @Test func largeBigIntegersKeepEveryDigit() throws {
        #expect(V.largeBigTwoToThe2048[1] == ETFTag.largeBig)
        guard case .bigInteger(let text) = try GatewayETF.decode(V.largeBigTwoToThe2048) else {
            Issue.record("not a big integer")
            return
        }
        // Digits of 2^2048 from Python's arbitrary-precision integers.
        #expect(text.count == 617)
        #expect(text.hasPrefix("32317006071311007300"))
        #expect(text.hasSuffix("55853611059596230656"))

        guard case .bigInteger(let negative) = try GatewayETF.decode(V.largeBigMinusTwoToThe2048PlusOne) else {
            Issue.record("not a big integer")
            return
        }
        #expect(negative.count == 618)
        #expect(negative.hasPrefix("-32317006071311007300"))
        #expect(negative.hasSuffix("55853611059596230655"))

        guard case .bigInteger(let atCap) = try GatewayETF.decode(V.largeBigAtCap) else {
            Issue.record("not a big integer")
            return
        }
        #expect(atCap.count == 2467)
        #expect(atCap.hasPrefix("10907481356194159294"))
        #expect(atCap.hasSuffix("86505665475715792895"))
    }

    @Test func bigIntegersOverTheCapAreRejected() {
        let error = etfDecodeError(V.largeBigOverCap)
        #expect(error?.kind == .bigIntegerTooLarge)
        #expect(error?.offset == 1)
        #expect(error?.tag == ETFTag.largeBig)
    }

    @Test(arguments: [
        (V.newFloatOneAndAHalf, 1.5),
        (V.newFloatTenToThe300, 1.0e300),
        (V.newFloatSmallestSubnormal, Double.leastNonzeroMagnitude),
        (V.newFloatOneTenth, 0.1),
        (V.oldFloatOneAndAHalf, 1.5),
        (V.oldFloatNegativeSmall, -2.25e-10),
        (V.oldFloatOneTenth, 0.1),
        (V.oldFloatLarge, 123_456_789.0),
    ])
    func floats(bytes: [UInt8], expected: Double) throws {
        #expect(try GatewayETF.decode(bytes) == .double(expected))
    }

    @Test func floatTagsAreTheOnesUnderTest() {
        #expect(V.newFloatOneAndAHalf[1] == ETFTag.newFloat)
        #expect(V.oldFloatOneAndAHalf[1] == ETFTag.float)
    }

    @Test func negativeZeroKeepsItsSign() throws {
        guard case .double(let value) = try GatewayETF.decode(V.newFloatNegativeZero) else {
            Issue.record("not a double")
            return
        }
        #expect(value == 0 && value.sign == .minus)
    }

    @Test func oldFloatStringsAreParsedStrictly() {
        // FLOAT_EXT: 31 bytes of "%.20e" text, NUL padded.
        func oldFloat(_ text: String) -> [UInt8] {
            let bytes = Array(text.utf8)
            return [131, 99] + bytes + [UInt8](repeating: 0, count: 31 - bytes.count)
        }
        for bad in ["inf", "nan", "0x1p3", "1.5e", ".5", "1.", " 1.5", "1e999", "", "--1"] {
            #expect(etfDecodeError(oldFloat(bad))?.kind == .invalidFloat, "\(bad)")
        }
        var garbageAfterPadding = oldFloat("1.5")
        garbageAfterPadding[30] = 0x31
        #expect(etfDecodeError(garbageAfterPadding)?.kind == .invalidFloat)
        #expect(etfDecodeError(Array(oldFloat("1.5").prefix(20)))?.kind == .lengthExceedsInput)
    }

    @Test func nonFiniteNewFloatsAreRejected() {
        for bits: UInt64 in [0x7FF0_0000_0000_0000, 0xFFF0_0000_0000_0000, 0x7FF8_0000_0000_0000] {
            var bytes: [UInt8] = [131, 70]
            withUnsafeBytes(of: bits.bigEndian) { bytes += $0 }
            let error = etfDecodeError(bytes)
            #expect(error?.kind == .invalidFloat)
            #expect(error?.offset == 1)
        }
    }

    @Test(arguments: [
        (V.atomNil, GatewayValue.null),
        (V.atomTrue, .bool(true)),
        (V.atomFalse, .bool(false)),
        (V.atomHello, .string("hello")),
        (V.atomLatin1, .string("h\u{E9}llo")),
        (V.smallAtomUTF8Nil, .null),
        (V.smallAtomUTF8True, .bool(true)),
        (V.smallAtomUTF8Latin1, .string("h\u{E9}llo")),
        (V.smallAtomUTF8CJK, .string("\u{4E2D}\u{6587}")),
        (V.atomUTF8Long, .string(String(repeating: "\u{4E2D}", count: 100))),
    ])
    func atoms(bytes: [UInt8], expected: GatewayValue) throws {
        #expect(try GatewayETF.decode(bytes) == expected)
    }

    @Test func allFourAtomTagsAreCovered() throws {
        #expect(V.atomHello[1] == ETFTag.atom)
        #expect(V.smallAtomUTF8Nil[1] == ETFTag.smallAtomUTF8)
        #expect(V.atomUTF8Long[1] == ETFTag.atomUTF8)
        // Erlang no longer writes SMALL_ATOM_EXT; erlpack does, for nil/true/false.
        #expect(ETFErlpackVectors.heartbeatNullBytes.suffix(5) == [ETFTag.smallAtom, 3, 0x6E, 0x69, 0x6C])
        #expect(try GatewayETF.decode([131, 115, 2, 0x68, 0xE9]) == .string("h\u{E9}"))
    }

    @Test func tuplesAndListsBecomeArrays() throws {
        #expect(try GatewayETF.decode(V.tupleEmpty) == .array([]))
        #expect(try GatewayETF.decode(V.tuplePair) == [1, "a"])
        #expect(V.largeTuple300[1] == ETFTag.largeTuple)
        #expect(try GatewayETF.decode(V.largeTuple300) == .array((1...300).map { .integer($0) }))
        #expect(try GatewayETF.decode(V.nilEmptyList) == .array([]))
        #expect(try GatewayETF.decode(V.listMixed) == [1, "a", nil, 2.5])
        #expect(try GatewayETF.decode(V.listOfIntegers) == [1000, 2000])
        // Erlang packs [1] as STRING_EXT "\u{1}", which reads back as text.
        #expect(try GatewayETF.decode(V.listNested) == [[[]], ["\u{1}"]])
    }

    @Test func stringsAreTextWhenValidUTF8AndIntegersOtherwise() throws {
        #expect(V.stringABC[1] == ETFTag.string)
        #expect(try GatewayETF.decode(V.stringABC) == "abc")
        #expect(try GatewayETF.decode(V.stringUTF8Bytes) == "\u{4E2D}")
        #expect(try GatewayETF.decode(V.stringInvalidUTF8) == [200, 201])
    }

    @Test func improperListsAreErrorsAtTheirTail() {
        // 83 6c 00000001 61 01 | 61 02: the tail starts at byte 8.
        let error = etfDecodeError(V.listImproper)
        #expect(error?.kind == .improperList)
        #expect(error?.offset == 8)
        #expect(error?.tag == ETFTag.smallInteger)
        #expect(etfDecodeError(V.listImproperBinaryTail)?.kind == .improperList)
    }

    @Test func binariesMustBeUTF8() throws {
        #expect(try GatewayETF.decode(V.binaryUTF8) == "h\u{E9}llo \u{1F600}")
        #expect(try GatewayETF.decode(V.binaryEmpty) == "")
        // 83 6d 00000003 61 ff fe: the first bad byte is at offset 7.
        let error = etfDecodeError(V.binaryInvalidUTF8)
        #expect(error?.kind == .invalidUTF8)
        #expect(error?.offset == 7)
        #expect(error?.tag == ETFTag.binary)
        #expect(etfDecodeError(V.binaryLoneSurrogate)?.kind == .invalidUTF8)
        #expect(etfDecodeError(V.binaryLoneSurrogate)?.offset == 6)
    }

    @Test func mapsKeepWireOrderAndAcceptTextAndIntegerKeys() throws {
        #expect(try GatewayETF.decode(V.mapEmpty) == .object([:]))
        #expect(try GatewayETF.decode(V.mapBinaryKey) == ["a": 1])
        // Erlang sorts small maps: d before op.
        #expect(try GatewayETF.decode(V.mapAtomKeys) == ["d": nil, "op": 11])
        let integerKeys = try #require(try GatewayETF.decode(V.mapIntegerKeys).objectValue)
        #expect(integerKeys.count == 3)
        #expect(integerKeys["1"] == "x")
        #expect(integerKeys["175928847299117063"] == "y")
        #expect(integerKeys["-5"] == true)
        let large = try #require(try GatewayETF.decode(V.mapLarge40).objectValue)
        #expect(large.count == 40)
        for entry in large {
            let key = try #require(Int64(entry.key))
            #expect(entry.value == .integer(key * key))
        }
        #expect(try GatewayETF.decode(V.mapNested) == ["a": [["b": [1, [2.5]]]]])
    }

    @Test func mapKeysOtherThanTextOrIntegersAreRejected() {
        let tupleKey = etfDecodeError(V.mapTupleKey)
        #expect(tupleKey?.kind == .unsupportedMapKey)
        #expect(tupleKey?.offset == 6)
        #expect(tupleKey?.tag == ETFTag.smallTuple)
        #expect(etfDecodeError(V.mapFloatKey)?.kind == .unsupportedMapKey)
        #expect(etfDecodeError(V.mapFloatKey)?.tag == ETFTag.newFloat)
    }

    @Test func compressedTermsInflate() throws {
        #expect(V.compressedList[1] == ETFTag.compressed)
        #expect(try GatewayETF.decode(V.compressedList) == .array(Array(repeating: "abc", count: 100)))
        #expect(V.compressedGuildMembers[1] == ETFTag.compressed)
        let payload = try GatewayETF.decode(V.compressedGuildMembers)
        #expect(payload["t"] == "GUILD_MEMBERS_CHUNK")
        let members = try #require(payload["d"]?["members"]?.arrayValue)
        #expect(members.count == 40)
        #expect(members[0]["user"]?["id"] == .integer(80_351_110_224_678_913))
        #expect(members[39]["joined_at"] == "2015-04-26T06:26:56.936000+00:00")
    }

    @Test func compressedTermsAreOnlyAcceptedAfterTheVersionByte() {
        // A list whose element is a compressed term.
        let nested: [UInt8] = [131, 108, 0, 0, 0, 1] + V.compressedList.dropFirst() + [106]
        let error = etfDecodeError(nested)
        #expect(error?.kind == .misplacedCompressedTerm)
        #expect(error?.offset == 6)
    }

    @Test func termsThatAreNotGatewayValuesAreRejected() {
        for (bytes, tag) in [(V.bitBinary, 77), (V.pid, 88), (V.reference, 90), (V.export, 113)] as [([UInt8], UInt8)] {
            let error = etfDecodeError(bytes)
            #expect(error?.kind == .unknownTag)
            #expect(error?.offset == 1)
            #expect(error?.tag == tag, "\(bytes.prefix(2))")
        }
    }

    @Test func versionAndFramingErrors() {
        #expect(etfDecodeError([])?.kind == .unexpectedEndOfInput)
        #expect(etfDecodeError([131])?.kind == .unexpectedEndOfInput)
        #expect(etfDecodeError([130, 97, 1])?.kind == .badVersion)
        let trailing = etfDecodeError(V.smallInteger255 + [0])
        #expect(trailing?.kind == .trailingBytes)
        #expect(trailing?.offset == 3)
        #expect(etfDecodeError([131, 110, 1, 2, 5])?.kind == .invalidBigInteger)
    }

    @Test func errorsNameOffsetAndTag() {
        let error = etfDecodeError([131, 108, 0xFF, 0xFF, 0xFF, 0xFF, 97, 1, 106])
        #expect(error?.kind == .lengthExceedsInput)
        #expect(
            error?.description
                == "ETF decoding failed at byte 1 (tag 108 LIST_EXT): announces 4294967295 elements needing at least 4294967296 bytes, but only 3 bytes remain"
        )
    }

    @Test func decodeTermReadsExactlyTheRange() throws {
        let bytes: [UInt8] = [0xEE, 97, 7, 0xEE]
        let value = try bytes.withUnsafeBytes { try GatewayETF.decodeTerm($0, range: 1..<3) }
        #expect(value == 7)
        let short = bytes.withUnsafeBytes { buffer in
            Result { () throws(ETFDecodingError) in try GatewayETF.decodeTerm(buffer, range: 1..<2) }
        }
        #expect(throws: ETFDecodingError.self) { try short.get() }
        let outside = bytes.withUnsafeBytes { buffer in
            Result { () throws(ETFDecodingError) in try GatewayETF.decodeTerm(buffer, range: 2..<9) }
        }
        #expect(throws: ETFDecodingError(.rangeOutOfBounds, offset: 2, message: "range 2..<9 lies outside the 4-byte buffer")) {
            try outside.get()
        }
    }
}
