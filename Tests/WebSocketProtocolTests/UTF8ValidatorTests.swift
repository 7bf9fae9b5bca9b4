import SeededRandom
import Testing
@testable import WebSocketProtocol

@Suite struct UTF8ValidatorTests {
    /// Whole-input verdict: nil when valid, else the index of the first bad byte
    /// (or `bytes.count` for a truncated ending).
    func verdict(_ bytes: [UInt8]) -> Int? {
        var validator = UTF8Validator()
        if let bad = validator.validate(bytes) { return bad }
        return validator.isAtCharacterBoundary ? nil : bytes.count
    }

    @Test func acceptsValidText() {
        #expect(verdict(ascii("plain ascii, long enough for the 8-byte fast path")) == nil)
        #expect(verdict(Array("héllo wörld ✓ 𝄞 \u{10FFFF} \u{FFFD}".utf8)) == nil)
        #expect(verdict([0xED, 0x9F, 0xBF]) == nil)  // U+D7FF, just below the surrogates
        #expect(verdict([0xEE, 0x80, 0x80]) == nil)  // U+E000, just above
    }

    @Test func rejectsOverlongs() {
        #expect(verdict([0xC0, 0xAF]) == 0)
        #expect(verdict([0xC1, 0xBF]) == 0)
        #expect(verdict([0xE0, 0x80, 0xAF]) == 1)
        #expect(verdict([0xF0, 0x80, 0x80, 0xAF]) == 1)
    }

    @Test func rejectsSurrogatesAndBeyondUnicode() {
        #expect(verdict([0xED, 0xA0, 0x80]) == 1)  // U+D800
        #expect(verdict([0xED, 0xBF, 0xBF]) == 1)  // U+DFFF
        #expect(verdict([0xF4, 0x90, 0x80, 0x80]) == 1)  // U+110000
        #expect(verdict([0xF5, 0x80, 0x80, 0x80]) == 0)
        #expect(verdict([0xFF]) == 0)
    }

    @Test func rejectsStrayAndMissingContinuations() {
        #expect(verdict(ascii("abcdefghij") + [0x80]) == 10)
        #expect(verdict([0xC3, 0x41]) == 1)
        #expect(verdict([0xE2, 0x9C]) == 2)  // truncated at the end
        #expect(verdict([0xF0, 0x9D, 0x84]) == 3)
    }

    /// Agrees with the standard library's decoder on random bytes, whole and split.
    @Test func agreesWithStandardLibraryOnRandomInput() {
        var rng = SplitMix64(seed: 7)
        let alphabet: [UInt8] = [0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC2, 0xDF, 0xE0, 0xE1, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF4, 0xF5, 0xFF]
        for _ in 0..<3000 {
            let length = Int.random(in: 0...12, using: &rng)
            let bytes = (0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] }
            let expectedValid = String(validating: bytes, as: UTF8.self) != nil
            #expect((verdict(bytes) == nil) == expectedValid, "\(bytes)")
            var split = UTF8Validator()
            var splitValid = true
            for piece in chunks(bytes, randomSplitsSeed: rng.next()) where split.validate(piece) != nil { splitValid = false }
            #expect((splitValid && split.isAtCharacterBoundary) == expectedValid, "split \(bytes)")
        }
    }

    /// The first bad byte is found at the same offset whole, byte by byte, and past the 16-byte ASCII path.
    @Test func findsTheSameBadByteWholeAndByteByByte() {
        var rng = SplitMix64(seed: 11)
        let alphabet: [UInt8] = [0x41, 0x80, 0xBF, 0xC2, 0xE0, 0xE1, 0xED, 0xF0, 0xF4, 0xA0, 0x9F, 0x90, 0x8F]
        for _ in 0..<2000 {
            let padding = ascii(String(repeating: "x", count: Int.random(in: 0...40, using: &rng)))
            let tail = (0..<Int.random(in: 1...8, using: &rng)).map { _ in
                alphabet[Int.random(in: 0..<alphabet.count, using: &rng)]
            }
            let bytes = padding + tail
            var byteByByte = UTF8Validator()
            var firstBad: Int?
            for (index, byte) in bytes.enumerated() where firstBad == nil {
                if byteByByte.validate([byte]) != nil { firstBad = index }
            }
            if firstBad == nil && !byteByByte.isAtCharacterBoundary { firstBad = bytes.count }
            #expect(verdict(bytes) == firstBad, "\(bytes)")
        }
    }

    /// The vector ASCII check (runs of 64 bytes or more) stops exactly at the first
    /// non-ASCII byte: a bad or multi-byte sequence at every offset of long ASCII runs,
    /// whole against byte by byte (which never takes the vector path).
    @Test func longASCIIRunsStopAtTheFirstNonASCIIByte() {
        let tails: [[UInt8]] = [[0xFF], [0x80], [0xC3, 0xA9], [0xE2, 0x9C, 0x93], [0xF0, 0x9D, 0x84, 0x9E], [0xED, 0xA0, 0x80], [0xC3]]
        for length in 0..<200 {
            for tail in tails {
                let bytes = ascii(String(repeating: "a", count: length)) + tail + ascii(String(repeating: "b", count: 70))
                var byteByByte = UTF8Validator()
                var firstBad: Int?
                for (index, byte) in bytes.enumerated() where firstBad == nil {
                    if byteByByte.validate([byte]) != nil { firstBad = index }
                }
                if firstBad == nil && !byteByByte.isAtCharacterBoundary { firstBad = bytes.count }
                #expect(verdict(bytes) == firstBad, "\(length) ASCII bytes then \(tail)")
            }
        }
        #expect(verdict(ascii(String(repeating: "z", count: 1000))) == nil)
    }
}
