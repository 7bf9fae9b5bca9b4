import FuzzSupport
import GatewayCodecs

// Properties of ZlibStreamDecompressor. The first decision picks one of two
// checks.
//
// Arbitrary compressed bytes, cut into messages by the fuzzer, are fed to a
// decompressor with a small cap (0...4096) and one with a large cap; and the
// same bytes, one message each, to a third with the large cap:
// - the capped one never returns more than its cap; while both succeed they
//   return the same payloads; a payload over the cap fails the capped one
//   with limitExceeded; input the large one rejects is rejected by the
//   capped one too;
// - how the bytes are cut does not change whether they inflate: the
//   one-message decompressor fails exactly when the cut one does (unless a
//   cut payload exceeds the large cap), and when the last message ends with
//   00 00 ff ff both give the same bytes in all;
// - after an error every call throws unusableAfterError, until reset(),
//   after which a fresh stream decompresses again;
// - compressedBytesIn / decompressedBytesOut count the successful messages.
//
// Payloads the fuzzer gives (split at fuzzer-chosen points, so the sync-flush
// suffix lands anywhere, across messages too) are compressed as a zlib-stream
// server would, and every payload comes back exactly once, in order.
//
// Input: the bytes from the front; decisions from the back.

private let largeCap = 1 << 20

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzZlibStream(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzedData(FuzzInput.buffer(data, size))
    if input.decisionBool() {
        checkArbitraryMessages(&input)
    } else {
        checkRoundTrip(&input)
    }
    return 0
}

private func makeDecompressor(limit: Int) -> ZlibStreamDecompressor {
    do {
        return try ZlibStreamDecompressor(limit: limit)
    } catch {
        FuzzCheck.fail("cannot create a zlib-stream decompressor: \(error)")
    }
}

private func checkArbitraryMessages(_ input: inout FuzzedData) {
    let cap = input.decision(in: 0...4096)
    let messages = input.chunkedRemainder(maxChunk: 1024)
    let capped = makeDecompressor(limit: cap)
    let large = makeDecompressor(limit: largeCap)

    var compressedIn = 0
    var decompressedOut = 0
    var largeOutput: [UInt8] = []
    var largeError: DecompressionError?
    var cappedFailed = false
    for message in messages {
        let reference = Result { () throws(DecompressionError) in try large.decompress(message) }
        let result = cappedFailed ? nil : Result { () throws(DecompressionError) in try capped.decompress(message) }
        switch (reference, result) {
        case (.success(let expected), .success(let payload)?):
            FuzzCheck.expect(
                (payload?.count ?? 0) <= cap, "returned \(payload?.count ?? 0) bytes under a cap of \(cap)")
            FuzzCheck.expect(payload == expected, "capped and uncapped outputs differ under a cap of \(cap)")
            compressedIn += message.count
            decompressedOut += payload?.count ?? 0
        case (.success(let expected), .failure(let error)?):
            // The capped output is still pending: the payload so far exceeds the cap.
            FuzzCheck.expect(
                error.kind == .limitExceeded && (expected == nil || (expected?.count ?? 0) > cap),
                "a message the uncapped decompressor takes failed under a cap of \(cap): \(error)")
            cappedFailed = true
        case (.failure(let error), .success(let payload)?):
            FuzzCheck.fail(
                "the capped decompressor returned \(payload?.count ?? 0) bytes the uncapped one rejects: \(error)")
        case (.failure, .failure?):
            cappedFailed = true
        case (_, nil):
            break
        }
        switch reference {
        case .success(let payload?): largeOutput += payload
        case .success(nil): break
        case .failure(let error): largeError = error
        }
        if largeError != nil { break }
    }
    if !cappedFailed {
        FuzzCheck.expect(
            capped.compressedBytesIn == compressedIn && capped.decompressedBytesOut == decompressedOut,
            "counters \(capped.compressedBytesIn)/\(capped.decompressedBytesOut), expected \(compressedIn)/\(decompressedOut)")
    } else {
        checkUnusableThenReset(capped, freshMessage: freshMessage, freshPayload: freshPayload)
    }
    if largeError?.kind != .limitExceeded {
        checkSameAsOneMessage(messages, cutError: largeError, cutOutput: largeOutput)
    }
}

/// The concatenated messages as one message inflate exactly when the cut ones do.
private func checkSameAsOneMessage(
    _ messages: [UnsafeRawBufferPointer], cutError: DecompressionError?, cutOutput: [UInt8]
) {
    var whole: [UInt8] = []
    for message in messages { whole += message }
    let single = makeDecompressor(limit: largeCap)
    let result = Result { () throws(DecompressionError) in try single.decompress(whole) }
    switch (result, cutError) {
    case (.success(let payload), nil):
        if let payload {
            FuzzCheck.expect(payload == cutOutput, "one message gives \(payload.count) bytes, the cut ones \(cutOutput.count)")
        }
    case (.success, let error?):
        FuzzCheck.fail("the cut messages failed (\(error)) but the same bytes as one message inflate")
    case (.failure(let error), nil):
        // One message holds every payload at once, so only its size may fail it.
        FuzzCheck.expect(
            error.kind == .limitExceeded, "one message failed (\(error)) but the same bytes cut into messages inflate")
    case (.failure, _?):
        break
    }
}

private func checkRoundTrip(_ input: inout FuzzedData) {
    let payloadCount = input.decision(in: 1...8)
    var payloads: [[UInt8]] = []
    for _ in 0..<payloadCount {
        payloads.append(Array(input.payload(upTo: input.decision(in: 0...512))))
    }
    let compressor: ZlibStreamCompressor
    do {
        compressor = try ZlibStreamCompressor()
    } catch {
        FuzzCheck.fail("cannot create a zlib-stream compressor: \(error)")
    }
    var stream: [UInt8] = []
    for payload in payloads { stream += compressor.compress(payload) }

    let decompressor = makeDecompressor(limit: largeCap)
    var received: [[UInt8]] = []
    var offset = 0
    while offset < stream.count {
        let size = min(stream.count - offset, input.decision(in: 1...64))
        let message = Array(stream[offset..<(offset + size)])
        offset += size
        do {
            if let payload = try decompressor.decompress(message) { received.append(payload) }
        } catch {
            FuzzCheck.fail("a compressed stream fails to inflate at byte \(offset - size): \(error)")
        }
    }
    // A payload whose compressed form ends with 00 00 ff ff before its own
    // flush is delivered early, in pieces; what counts is every byte, in order.
    FuzzCheck.expect(
        received.flatMap { $0 } == payloads.flatMap { $0 },
        "payloads \(payloads.map(\.count)) came back as \(received.map(\.count))")
    FuzzCheck.expect(
        decompressor.decompressedBytesOut == payloads.reduce(0) { $0 + $1.count },
        "decompressedBytesOut \(decompressor.decompressedBytesOut)")
}

/// A fresh stream's first message, compressed once.
private let freshPayload = Array(#"{"op":11,"d":null}"#.utf8)
private let freshMessage: [UInt8] = {
    do {
        return try ZlibStreamCompressor().compress(freshPayload)
    } catch {
        FuzzCheck.fail("cannot compress the reset check's message: \(error)")
    }
}()
