import Testing
@testable import GatewayCodecs

/// Our encoder against Discord's erlpack (Vectors/make_erlpack_vectors.py) and Erlang's term_to_binary.
@Suite struct ETFEncodingTests {
    static let erlpackVectors = ETFErlpackVectors.all.map { ($0.name, $0.bytes, $0.value) }

    @Test(arguments: erlpackVectors)
    func encodesExactlyAsErlpack(name: String, bytes: [UInt8], value: GatewayValue) throws {
        #expect(try GatewayETF.encode(value) == bytes, "\(name)")
    }

    @Test(arguments: erlpackVectors)
    func decodesWhatErlpackPacks(name: String, bytes: [UInt8], value: GatewayValue) throws {
        #expect(try GatewayETF.decode(bytes) == value, "\(name)")
    }

    /// The same payload read by Python's json module and packed by erlpack decodes to the same ordered tree.
    @Test func jsonAndETFGiveTheSameValue() throws {
        let fromETF = try GatewayETF.decode(ETFErlpackVectors.realisticDispatchBytes)
        #expect(fromETF == ETFErlpackVectors.realisticDispatchValue)
        #expect(fromETF.objectValue?.keys == ["op", "s", "t", "d"])
        #expect(fromETF["d"]?.objectValue?.keys.first == "type")
        #expect(fromETF["d"]?["big"] == .unsignedInteger(12_345_678_901_234_567_890))
        #expect(fromETF["d"]?["content"] == "h\u{E9}llo \u{1F600} \"quoted\"")
        // Our own JSON decoder reads the JSON text of the same payload to the identical tree.
        #expect(try GatewayJSON.decode(Array(ETFErlpackVectors.realisticDispatchJSON.utf8)) == fromETF)
        // And the two encoders round-trip each other's output.
        #expect(try GatewayETF.decode(GatewayETF.encode(GatewayJSON.decode(GatewayJSON.encode(fromETF)))) == fromETF)
    }

    /// Erlang writes integers with the same tags as erlpack, and wider ones as minimal big integers.
    @Test(arguments: [
        ETFErlangVectors.smallIntegerZero, ETFErlangVectors.smallInteger255, ETFErlangVectors.integer256,
        ETFErlangVectors.integerMinusOne, ETFErlangVectors.integerInt32Max, ETFErlangVectors.integerInt32Min,
        ETFErlangVectors.bigInt32MaxPlusOne, ETFErlangVectors.bigInt32MinMinusOne, ETFErlangVectors.bigSnowflake,
        ETFErlangVectors.bigInt64Max, ETFErlangVectors.bigInt64Min, ETFErlangVectors.bigInt64MaxPlusOne,
        ETFErlangVectors.bigUInt64Max, ETFErlangVectors.bigUInt64MaxPlusOne, ETFErlangVectors.bigInt64MinMinusOne,
        ETFErlangVectors.bigMinusUInt64Max, ETFErlangVectors.bigTwoToThe100, ETFErlangVectors.bigMinusTwoToThe100,
        ETFErlangVectors.largeBigTwoToThe2048, ETFErlangVectors.largeBigMinusTwoToThe2048PlusOne,
        ETFErlangVectors.largeBigAtCap,
    ])
    func integersReEncodeToErlangBytes(bytes: [UInt8]) throws {
        #expect(try GatewayETF.encode(GatewayETF.decode(bytes)) == bytes)
    }

    @Test func nonCanonicalIntegerCasesEncodeByValue() throws {
        #expect(try GatewayETF.encode(.unsignedInteger(5)) == [131, 97, 5])
        #expect(try GatewayETF.encode(.bigInteger("-0")) == [131, 97, 0])
        #expect(try GatewayETF.encode(.bigInteger("-1")) == [131, 98, 255, 255, 255, 255])
        #expect(try GatewayETF.encode(.bigInteger("00300")) == [131, 98, 0, 0, 1, 44])
        #expect(try GatewayETF.encode(.bigInteger("-9223372036854775808")) == ETFErlangVectors.bigInt64Min)
    }

    @Test func invalidValuesAreEncodingErrors() {
        for text in ["", "-", "12a", "1.5", "+1", " 1", "0x10"] {
            #expect(throws: ETFEncodingError.self, "\(text)") { try GatewayETF.encode(.bigInteger(text)) }
        }
        do {
            _ = try GatewayETF.encode(["a": .double(.nan)])
            Issue.record("NaN encoded")
        } catch {
            #expect(error.kind == .nonFiniteDouble)
        }
        #expect(throws: ETFEncodingError.self) { try GatewayETF.encode(.double(-.infinity)) }
    }

    @Test func emptyContainersUseErlpackTags() throws {
        #expect(try GatewayETF.encode([]) == [131, 106])
        #expect(try GatewayETF.encode(.object([:])) == [131, 116, 0, 0, 0, 0])
        #expect(try GatewayETF.encode("") == [131, 109, 0, 0, 0, 0])
    }

    @Test func canonicalValuesRoundTrip() throws {
        let values: [GatewayValue] = [
            nil, true, false, 0, -1, 255, 256, .integer(Int64.min), .integer(Int64.max),
            .unsignedInteger(UInt64.max), .bigInteger("-340282366920938463463374607431768211456"),
            .bigInteger(String(repeating: "9", count: 700)), 0.1, -0.0, 1e-300, "", "h\u{E9}llo \u{1F600}",
            [[], [[]], [:], ["": nil]], ["z": 1, "a": 2, "m": ["x", 3.5, ["deep": [true]]]],
        ]
        for value in values {
            #expect(try GatewayETF.decode(GatewayETF.encode(value)) == value, "\(value)")
        }
    }
}
