import CJSONScan
import SeededRandom
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@_spi(JSONKernels) @testable import GatewayCodecs

/// What one kernel makes of a payload: the envelope, or the whole error (kind, offset and message).
private func outcome(
    _ bytes: [UInt8], kernel: JSONScanKernel, limits: CodecLimits = .init()
) -> Result<GatewayEnvelope, JSONDecodingError> {
    bytes.withUnsafeBytes { buffer in
        Result { () throws(JSONDecodingError) in try GatewayJSON.scanEnvelope(buffer, limits: limits, kernel: kernel) }
    }
}

/// The vector kernels this machine can run (the scalar kernel is the reference).
private let vectorKernels = JSONScanKernel.supported.filter { $0 != .scalar }

/// Bytes that matter to the scan, for mutations and generated content.
private let interestingBytes: [UInt8] = Array(#""\{}[],: 0-1.eEtfnu/"#.utf8) + [0x00, 0x01, 0x09, 0x0A, 0x0D, 0x1F, 0x7F, 0x80, 0xBF, 0xC0, 0xC3, 0xE2, 0xED, 0xF0, 0xF4, 0xF5, 0xFF]

/// Checks that `kernel` and the scalar scan agree on `bytes`, and that the kernel's
/// structural walk never vouches for a payload with a JSON syntax error.
private func expectSameOutcome(
    _ bytes: [UInt8], kernel: JSONScanKernel, limits: CodecLimits = .init(), sourceLocation: SourceLocation = #_sourceLocation
) {
    let scalar = outcome(bytes, kernel: .scalar, limits: limits)
    let vector = outcome(bytes, kernel: kernel, limits: limits)
    #expect(vector == scalar, "\(kernel) differs from scalar on \(String(decoding: bytes, as: UTF8.self).debugDescription)", sourceLocation: sourceLocation)
    if case .failure(let error) = scalar, error.kind != .notAnObject, error.kind != .invalidEnvelope {
        let vouched = bytes.withUnsafeBytes { kernel.vouches(for: $0, limits: limits) }
        #expect(!vouched, "\(kernel) vouched for invalid JSON (\(error))", sourceLocation: sourceLocation)
    }
}

/// Random gateway-like payloads whose strings cross 16-, 32- and 64-byte block edges,
/// with escapes, multi-byte UTF-8 and (rarely) raw control characters at random places.
private struct PayloadGenerator {
    var random: SplitMix64

    mutating func number(_ bound: Int) -> Int { Int(random.next() % UInt64(bound)) }

    mutating func string(into out: inout [UInt8]) {
        out.append(.quote)
        let length = number(4) == 0 ? number(200) : number(40)
        for _ in 0..<length {
            switch number(40) {
            case 0: out += Array(#"\n"#.utf8)
            case 1: out += Array(#"\""#.utf8)
            case 2: out += Array(#"\\"#.utf8)
            case 3: out += Array(#"\u00e9"#.utf8)
            case 4: out += Array(#"\ud83d\udc4b"#.utf8)
            case 5: out += Array("é".utf8)
            case 6: out += Array("状".utf8)
            case 7: out += Array("👋".utf8)
            case 8 where number(8) == 0: out.append(UInt8(number(0x20)))  // raw control character
            default:
                let byte = UInt8(0x20 + number(0x5F))
                out.append(byte == .quote || byte == .backslash ? 0x61 : byte)
            }
        }
        out.append(.quote)
    }

    mutating func whitespace(into out: inout [UInt8]) {
        guard number(6) == 0 else { return }
        for _ in 0..<number(70) { out.append([0x20, 0x09, 0x0A, 0x0D][number(4)]) }
    }

    mutating func value(into out: inout [UInt8], depth: Int) {
        whitespace(into: &out)
        switch number(depth > 3 ? 6 : 9) {
        case 0, 1: string(into: &out)
        case 2: out += Array(String(Int64(bitPattern: random.next()) >> number(64)).utf8)
        case 3: out += Array("\(number(100_000)).\(number(1000))".utf8)
        case 4: out += Array(["true", "false", "null", "-0", "0", "1e5", "-2.5E-3"][number(7)].utf8)
        case 5: out += Array(String(UInt64.max - random.next() % 1000).utf8)
        case 6, 7:
            out.append(.openBrace)
            let count = number(6)
            for index in 0..<count {
                if index > 0 { out.append(.comma) }
                whitespace(into: &out)
                string(into: &out)
                whitespace(into: &out)
                out.append(.colon)
                value(into: &out, depth: depth + 1)
            }
            whitespace(into: &out)
            out.append(.closeBrace)
        default:
            out.append(.openBracket)
            let count = number(6)
            for index in 0..<count {
                if index > 0 { out.append(.comma) }
                value(into: &out, depth: depth + 1)
            }
            whitespace(into: &out)
            out.append(.closeBracket)
        }
        whitespace(into: &out)
    }

    mutating func payload() -> [UInt8] {
        var out: [UInt8] = []
        whitespace(into: &out)
        out += Array(#"{"t":"#.utf8)
        if number(2) == 0 { string(into: &out) } else { out += Array("null".utf8) }
        out += Array(#","s":\#(number(1_000_000)),"op":\#(number(12)),"d":"#.utf8)
        value(into: &out, depth: 1)
        if number(5) == 0 {
            out += Array(#","extra":"#.utf8)
            value(into: &out, depth: 1)
        }
        out.append(.closeBrace)
        whitespace(into: &out)
        return out
    }
}

@Suite("JSON scan kernels")
struct JSONKernelTests {
    @Test("the vector kernels classify bytes exactly as the scalar kernel", arguments: vectorKernels)
    func masksMatchScalar(kernel: JSONScanKernel) {
        var random = SplitMix64(seed: 0x4B45_524E)
        for length in 0..<260 {
            let bytes = (0..<length).map { _ in
                random.next() % 3 == 0 ? UInt8(truncatingIfNeeded: random.next()) : interestingBytes[Int(random.next() % UInt64(interestingBytes.count))]
            }
            let words = cjsonscan_mask_words(length)
            var expected = [UInt64](repeating: 0, count: words)
            var found = [UInt64](repeating: 0, count: words)
            bytes.withUnsafeBufferPointer { input in
                cjsonscan_classify(JSONScanKernel.scalar.rawValue, input.baseAddress, length, &expected)
                cjsonscan_classify(kernel.rawValue, input.baseAddress, length, &found)
            }
            #expect(found == expected, "length \(length)")
            // Spot-check the scalar masks against the definition, padding and sentinel included.
            for position in 0..<(words / 2 * 64) {
                let byte: UInt8? = position < length ? bytes[position] : nil
                let special = byte.map { $0 == .quote || $0 == .backslash || $0 < 0x20 || $0 >= 0x80 } ?? true
                let nonWhitespace = byte.map { !($0 == .space || $0 == .tab || $0 == .lineFeed || $0 == .carriageReturn) } ?? true
                let bit = UInt64(1) << UInt64(position % 64)
                #expect((expected[position / 64 * 2] & bit != 0) == special, "special bit \(position) of \(length)")
                #expect((expected[position / 64 * 2 + 1] & bit != 0) == nonWhitespace, "whitespace bit \(position) of \(length)")
            }
        }
    }

    @Test("the test vectors, every truncation and every one-byte mutation", arguments: vectorKernels)
    func vectorsTruncationsAndMutations(kernel: JSONScanKernel) {
        let vectors = [JSONTestVectors.messageCreateCompact, JSONTestVectors.messageCreatePretty].map { Array($0.utf8) }
        for vector in vectors {
            expectSameOutcome(vector, kernel: kernel)
            for length in 0..<vector.count { expectSameOutcome(Array(vector[..<length]), kernel: kernel) }
            for position in vector.indices {
                for byte in interestingBytes where byte != vector[position] {
                    var mutated = vector
                    mutated[position] = byte
                    expectSameOutcome(mutated, kernel: kernel)
                }
            }
        }
    }

    @Test("the walk vouches for plain gateway payloads, so the vector path runs", arguments: vectorKernels)
    func vouchesForValidPayloads(kernel: JSONScanKernel) {
        // No exponent and no deep nesting: nothing the walk hands back to the byte-by-byte scan.
        let payload = Array(JSONTestVectors.messageCreateCompact.replacing("1e-05", with: "0.00001").utf8)
        #expect(payload.withUnsafeBytes { kernel.vouches(for: $0) })
        #expect(outcome(payload, kernel: kernel) == outcome(payload, kernel: .scalar))
        let pretty = Array(JSONTestVectors.messageCreatePretty.replacing("1e-05", with: "0.00001").utf8)
        #expect(pretty.withUnsafeBytes { kernel.vouches(for: $0) })
        #expect(!Array(#"{"op":1,"d":[1e5],"pad":"................................................................"}"#.utf8)
            .withUnsafeBytes { kernel.vouches(for: $0) })
    }

    @Test("random payloads and their mutations: same envelope or the same error", arguments: vectorKernels)
    func randomPayloads(kernel: JSONScanKernel) {
        var generator = PayloadGenerator(random: SplitMix64(seed: 0x5CA1_AB1E))
        var vouched = 0
        for round in 0..<1500 {
            let payload = generator.payload()
            expectSameOutcome(payload, kernel: kernel)
            if payload.withUnsafeBytes({ kernel.vouches(for: $0) }) { vouched += 1 }
            // Small depth caps put the limit inside the payload.
            if round % 10 == 0 { expectSameOutcome(payload, kernel: kernel, limits: CodecLimits(maxNestingDepth: round % 4)) }
            for _ in 0..<8 {
                var mutated = payload
                let position = generator.number(mutated.count)
                switch generator.number(4) {
                case 0: mutated.remove(at: position)
                case 1: mutated.insert(interestingBytes[generator.number(interestingBytes.count)], at: position)
                default: mutated[position] = interestingBytes[generator.number(interestingBytes.count)]
                }
                expectSameOutcome(mutated, kernel: kernel)
            }
        }
        // Most generated payloads are valid and exponent-free: the fast path must have taken them.
        #expect(vouched > 500, "the walk vouched for only \(vouched) of 1500 payloads")
    }

    @Test("escapes, UTF-8 and control characters at every offset around the 16-, 32- and 64-byte edges", arguments: vectorKernels)
    func blockEdges(kernel: JSONScanKernel) {
        let pieces = [#"\""#, #"\\"#, #"\u0041"#, #"\ud83d\udc4b"#, #"\ud83d"#, #"\x"#, "é", "👋", "\u{1}", "\u{1F}"].map { Array($0.utf8) }
            + [[0xC3], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0x80], [0x5C]]
        for piece in pieces {
            for offset in 0..<140 {
                let prefix = Array(#"{"op":0,"d":""#.utf8)
                let filler = [UInt8](repeating: 0x61, count: max(0, offset - prefix.count))
                var payload = prefix + filler + piece + Array(#"tail","s":1}"#.utf8)
                expectSameOutcome(payload, kernel: kernel)
                payload = Array(#"{"op":0,"d":["#.utf8) + [UInt8](repeating: 0x20, count: offset) + Array(#""x"]}"#.utf8)
                expectSameOutcome(payload, kernel: kernel)
                expectSameOutcome(Array(payload.dropLast()), kernel: kernel)
            }
        }
    }

    @Test("GATEWAY_JSON_KERNEL chooses the default kernel; an unsupported one falls back to scalar")
    func defaultKernel() {
        let best = JSONScanKernel.supported.last ?? .scalar
        guard let name = getenv("GATEWAY_JSON_KERNEL").map({ String(cString: $0) }), !name.isEmpty else {
            #expect(JSONScanKernel.default == best)
            return
        }
        let forced = JSONScanKernel.allCases.first { $0.description == name }
        #expect(JSONScanKernel.default == (forced.flatMap { $0.isSupported ? $0 : nil } ?? .scalar))
    }

    @Test("every kernel name, support and the scalar fallback for an unsupported kernel")
    func supportAndFallback() {
        #expect(JSONScanKernel.scalar.isSupported)
        #expect(JSONScanKernel.supported.first == .scalar)
        #if arch(x86_64)
        #expect(JSONScanKernel.sse2.isSupported)
        #expect(!JSONScanKernel.neon.isSupported)
        #elseif arch(arm64)
        #expect(JSONScanKernel.neon.isSupported)
        #endif
        // An unsupported kernel classifies as scalar and scans to the same result.
        for kernel in JSONScanKernel.allCases where !kernel.isSupported {
            let payload = Array(JSONTestVectors.messageCreateCompact.utf8)
            #expect(outcome(payload, kernel: kernel) == outcome(payload, kernel: .scalar))
        }
    }
}
