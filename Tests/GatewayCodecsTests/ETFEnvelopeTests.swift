import Testing
@testable import GatewayCodecs

/// `scanEnvelope` finds op/s/t and the exact range of d, and validates exactly what `decode` validates.
@Suite struct ETFEnvelopeTests {
    typealias V = ETFErlangVectors

    func scan(_ bytes: [UInt8], limits: CodecLimits = .init()) throws -> ETFEnvelopeScan {
        try GatewayETF.scanEnvelope(bytes, limits: limits)
    }

    func data(_ scan: ETFEnvelopeScan, _ bytes: [UInt8]) throws -> GatewayValue? {
        try bytes.withUnsafeBytes { buffer in try GatewayETF.decodeData(of: scan, payload: buffer) }
    }

    @Test func heartbeatRangeIsExact() throws {
        // 83 74 00000002 | 6d 00000002 "op" 61 01 | 6d 00000001 "d" | 61 fb
        let result = try scan(ETFErlpackVectors.heartbeatBytes)
        #expect(result.envelope == GatewayEnvelope(op: 1, sequence: nil, eventName: nil, dataRange: 21..<23))
        #expect(result.inflatedTerm == nil)
        #expect(try data(result, ETFErlpackVectors.heartbeatBytes) == 251)
    }

    @Test func helloWithAtomKeys() throws {
        let result = try scan(V.hello)
        #expect(result.envelope.op == 10)
        #expect(result.envelope.sequence == nil)
        #expect(result.envelope.eventName == nil)
        #expect(try data(result, V.hello) == ["heartbeat_interval": 41250])
    }

    @Test func heartbeatAckHasNoData() throws {
        let result = try scan(V.heartbeatAck)
        #expect(result.envelope == GatewayEnvelope(op: 11))
        #expect(try data(result, V.heartbeatAck) == nil)
    }

    @Test func invalidSessionCarriesABool() throws {
        let result = try scan(V.invalidSession)
        #expect(result.envelope.op == 9)
        #expect(try data(result, V.invalidSession) == false)
    }

    @Test(arguments: [
        (V.dispatchMessageCreate, 42 as Int64, "MESSAGE_CREATE"),
        (V.dispatchBinaryKeys, 7, "READY"),
        (V.dispatchUTF8Atoms, 3, "GUILD_CREATE"),
        (ETFErlpackVectors.realisticDispatchBytes, 42, "MESSAGE_CREATE"),
    ])
    func dispatches(bytes: [UInt8], sequence: Int64, event: String) throws {
        let result = try scan(bytes)
        #expect(result.envelope.op == 0)
        #expect(result.envelope.sequence == sequence)
        #expect(result.envelope.eventName == event)
        let full = try GatewayETF.decode(bytes)
        #expect(try data(result, bytes) == full["d"])
    }

    @Test func compressedPayloadsCarryTheirInflatedTerm() throws {
        let result = try scan(V.compressedGuildMembers)
        #expect(result.envelope.op == 0)
        #expect(result.envelope.sequence == 5)
        #expect(result.envelope.eventName == "GUILD_MEMBERS_CHUNK")
        let inflated = try #require(result.inflatedTerm)
        let range = try #require(result.envelope.dataRange)
        #expect(range.upperBound <= inflated.count)
        // decodeData reads the inflated term, whatever payload it is given.
        let value = try data(result, V.compressedGuildMembers)
        #expect(value?["members"]?.arrayValue?.count == 40)
        #expect(value == (try GatewayETF.decode(V.compressedGuildMembers))["d"])
    }

    @Test func everyClientPayloadScans() throws {
        let ops: [String: Int] = [
            "heartbeat": 1, "heartbeatNull": 1, "heartbeatWideSequence": 1, "identify": 2, "presenceUpdate": 3,
            "voiceStateUpdate": 4, "resume": 6, "requestGuildMembers": 8, "requestSoundboardSounds": 31,
        ]
        for vector in ETFErlpackVectors.all {
            guard let op = ops[vector.name] else { continue }
            let result = try scan(vector.bytes)
            #expect(result.envelope.op == op, "\(vector.name)")
            #expect(try data(result, vector.bytes) == vector.value["d"], "\(vector.name)")
        }
    }

    @Test func theFirstOccurrenceOfAKeyWins() throws {
        let payload: GatewayValue = .object(
            GatewayObject([
                .init(key: "op", value: 0), .init(key: "t", value: "A"), .init(key: "s", value: 1),
                .init(key: "d", value: [1]), .init(key: "op", value: "ignored"), .init(key: "t", value: 5),
                .init(key: "d", value: 2),
            ]))
        let bytes = try GatewayETF.encode(payload)
        let result = try scan(bytes)
        #expect(result.envelope.op == 0)
        #expect(result.envelope.eventName == "A")
        #expect(try data(result, bytes) == [1])
        #expect(try GatewayETF.decode(bytes) == payload)
    }

    @Test(arguments: [
        ["d": 1] as GatewayValue,
        ["op": "1"],
        ["op": 1.5],
        ["op": .unsignedInteger(UInt64.max)],
        ["op": [1]],
        ["op": nil],
        ["op": 0, "s": "1"],
        ["op": 0, "s": true],
        ["op": 0, "t": true],
        ["op": 0, "t": 5],
        ["op": 0, "t": ["A"]],
        [1, 2],
        "op",
    ])
    func nonEnvelopesAreRejected(payload: GatewayValue) throws {
        let bytes = try GatewayETF.encode(payload)
        #expect(etfScanError(bytes)?.kind == .invalidEnvelope, "\(payload)")
        // Still a valid value.
        #expect(etfDecodeError(bytes) == nil)
    }

    @Test func stringTagsAndLatin1AtomsWorkAsFields() throws {
        // #{"op" (STRING) => 0, t (SMALL_ATOM, Latin-1) => 'é'}
        let bytes: [UInt8] = [131, 116, 0, 0, 0, 2, 107, 0, 2, 0x6F, 0x70, 97, 0, 115, 1, 0x74, 115, 1, 0xE9]
        let result = try scan(bytes)
        #expect(result.envelope == GatewayEnvelope(op: 0, eventName: "\u{E9}"))
    }

    @Test func scanValidatesWhatDecodeValidates() {
        // {op: 0, d: [<<255>>]}: invalid UTF-8 deep inside d.
        let badText: [UInt8] = [131, 116, 0, 0, 0, 2, 100, 0, 2, 0x6F, 0x70, 97, 0, 100, 0, 1, 0x64,
                                108, 0, 0, 0, 1, 109, 0, 0, 0, 1, 0xFF, 106]
        #expect(etfScanError(badText)?.kind == .invalidUTF8)
        #expect(etfScanError(badText)?.offset == 27)
        #expect(etfDecodeError(badText)?.kind == .invalidUTF8)
        #expect(etfDecodeError(badText)?.offset == 27)

        // {op: 0, d: [1 | 2]}
        let improper: [UInt8] = [131, 116, 0, 0, 0, 2, 100, 0, 2, 0x6F, 0x70, 97, 0, 100, 0, 1, 0x64,
                                 108, 0, 0, 0, 1, 97, 1, 97, 2]
        #expect(etfScanError(improper)?.kind == .improperList)
        #expect(etfScanError(improper)?.offset == 24)
        #expect(etfDecodeError(improper)?.offset == 24)

        #expect(etfScanError(V.hello + [0])?.kind == .trailingBytes)
        #expect(etfScanError([131, 116, 0, 0, 0, 1, 104, 0, 97, 1])?.kind == .unsupportedMapKey)
    }

    @Test func depthCountsTheTopLevelMap() throws {
        // hello: the payload map holds d, a map: two levels.
        #expect(try scan(V.hello, limits: CodecLimits(maxNestingDepth: 2)).envelope.op == 10)
        #expect(etfScanError(V.hello, limits: CodecLimits(maxNestingDepth: 1))?.kind == .depthLimitExceeded)
        #expect(etfDecodeError(V.hello, limits: CodecLimits(maxNestingDepth: 1))?.kind == .depthLimitExceeded)
        #expect(etfDecodeError(V.hello, limits: CodecLimits(maxNestingDepth: 2)) == nil)
        #expect(etfScanError(V.hello, limits: CodecLimits(maxNestingDepth: 0))?.kind == .depthLimitExceeded)
    }
}
