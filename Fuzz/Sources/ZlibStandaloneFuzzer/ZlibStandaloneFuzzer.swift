import FuzzSupport
import GatewayCodecs

// Property: inflating arbitrary bytes ends in output or a DecompressionError
// (offset inside the input), never more than the cap; and the cap and the
// announced size are exact:
// - with a small cap, the output is the uncapped output when that fits,
//   otherwise limitExceeded;
// - a cap of exactly the output size succeeds; one byte less is limitExceeded;
// - announcing the true size succeeds; announcing one byte more fails.
// The "uncapped" run is itself capped at 64 KiB so bombs stay cheap; a
// 4 KiB input can still inflate far beyond that, so the cap path is hit.

private let largeLimit = 64 << 10

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzZlibStandalone(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var fuzzed = FuzzedData(FuzzInput.buffer(data, size))
    let smallLimit = fuzzed.decision(in: 0...4096)
    let input = fuzzed.remainingPayload()

    let large = inflate(input, limit: largeLimit)
    let small = inflate(input, limit: smallLimit)

    switch large {
    case .failure(let error):
        if error.kind == .limitExceeded {
            expectLimitExceeded(small, "a stream beyond \(largeLimit) bytes under a cap of \(smallLimit)")
        } else if case .success(let output) = small {
            FuzzCheck.fail("cap \(smallLimit) accepted (\(output.count) bytes) what the large cap rejects: \(error)")
        }
    case .success(let output):
        FuzzCheck.expect(output.count <= largeLimit, "output of \(output.count) bytes beyond the cap")
        if output.count <= smallLimit {
            FuzzCheck.expect((try? small.get()) == output, "cap \(smallLimit) changed a \(output.count)-byte result: \(small)")
        } else {
            expectLimitExceeded(small, "\(output.count) bytes under a cap of \(smallLimit)")
        }
        checkExactBounds(input, output: output)
    }
    return 0
}

private func checkExactBounds(_ input: UnsafeRawBufferPointer, output: [UInt8]) {
    let exact = inflate(input, limit: output.count)
    FuzzCheck.expect((try? exact.get()) == output, "a cap equal to the output size (\(output.count)) fails: \(exact)")
    if output.count > 0 {
        expectLimitExceeded(inflate(input, limit: output.count - 1), "cap one below \(output.count)")
    }
    let announced = inflate(input, limit: largeLimit, expectedSize: output.count)
    FuzzCheck.expect((try? announced.get()) == output, "announcing the true size \(output.count) fails: \(announced)")
    if case .success = inflate(input, limit: largeLimit, expectedSize: output.count + 1) {
        FuzzCheck.fail("announcing \(output.count + 1) bytes for a \(output.count)-byte stream succeeds")
    }
}

private func inflate(
    _ input: UnsafeRawBufferPointer, limit: Int, expectedSize: Int? = nil
) -> Result<[UInt8], DecompressionError> {
    let result = Result { () throws(DecompressionError) in
        try ZlibStandalone.decompress(input, limit: limit, expectedSize: expectedSize)
    }
    switch result {
    case .success(let output):
        FuzzCheck.expect(output.count <= limit, "\(output.count) bytes returned under a cap of \(limit)")
    case .failure(let error):
        if let offset = error.offset {
            FuzzCheck.expect(offset >= 0 && offset <= input.count, "offset \(offset) outside 0...\(input.count): \(error)")
        }
    }
    return result
}

private func expectLimitExceeded(_ result: Result<[UInt8], DecompressionError>, _ what: String) {
    guard case .failure(let error) = result, error.kind == .limitExceeded else {
        FuzzCheck.fail("\(what): expected limitExceeded, got \(result)")
    }
}
