import FuzzSupport
import GatewayCodecs

// Properties of ZstdStreamDecompressor, fed the same messages with a small
// cap (0...4096, chosen by the fuzzer) and with a large one:
// - the capped one never returns more than its cap;
// - while both succeed they return the same bytes; a message the large one
//   decompresses to more than the cap fails the capped one with
//   limitExceeded, and a message the large one rejects is rejected by the
//   capped one too;
// - after an error every call throws unusableAfterError, until reset(),
//   after which a fresh stream decompresses again;
// - compressedBytesIn / decompressedBytesOut count the successful messages.
//
// Input: the messages from the front; decisions from the back: the cap
// (2 bytes), then each message's length (1...1024, 2 bytes). libzstd is
// loaded at run time; the window is capped at 2^22 so a hostile frame header
// cannot make every run allocate 128 MiB.

private let largeCap = 1 << 20
private let windowLogMax: Int32 = 22

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzZstdStream(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzedData(FuzzInput.buffer(data, size))
    let cap = input.decision(in: 0...4096)
    let messages = input.chunkedRemainder(maxChunk: 1024)
    let capped: ZstdStreamDecompressor
    let large: ZstdStreamDecompressor
    do {
        capped = try ZstdStreamDecompressor(limit: cap, windowLogMax: windowLogMax)
        large = try ZstdStreamDecompressor(limit: largeCap, windowLogMax: windowLogMax)
    } catch {
        FuzzCheck.fail("cannot create a zstd decompressor: \(error)")
    }

    var compressedIn = 0
    var decompressedOut = 0
    var failed = false
    for message in messages {
        let reference = Result { () throws(DecompressionError) in try large.decompress(message) }
        let result = Result { () throws(DecompressionError) in try capped.decompress(message) }
        switch (reference, result) {
        case (.success(let expected), .success(let payload)):
            FuzzCheck.expect(payload.count <= cap, "returned \(payload.count) bytes under a cap of \(cap)")
            FuzzCheck.expect(payload == expected, "capped and uncapped outputs differ under a cap of \(cap)")
            compressedIn += message.count
            decompressedOut += payload.count
        case (.success(let expected), .failure(let error)):
            FuzzCheck.expect(
                expected.count > cap && error.kind == .limitExceeded,
                "a message of \(expected.count) bytes failed under a cap of \(cap): \(error)")
            failed = true
        case (.failure(let error), .success(let payload)):
            FuzzCheck.fail("the capped decompressor accepted \(payload.count) bytes the uncapped one rejects: \(error)")
        case (.failure, .failure):
            failed = true
        }
        if failed { break }
    }
    FuzzCheck.expect(
        capped.compressedBytesIn == compressedIn && capped.decompressedBytesOut == decompressedOut,
        "counters \(capped.compressedBytesIn)/\(capped.decompressedBytesOut), expected \(compressedIn)/\(decompressedOut)")
    if failed { checkUnusableThenReset(capped, freshMessage: freshMessage, freshPayload: freshPayload) }
    return 0
}

/// A fresh stream's first message, compressed once (a compressor per run would halve the speed).
private let freshPayload = Array(#"{"op":11,"d":null}"#.utf8)
private let freshMessage: [UInt8] = {
    do {
        return try ZstdStreamCompressor().compress(freshPayload)
    } catch {
        FuzzCheck.fail("cannot compress the reset check's message: \(error)")
    }
}()
