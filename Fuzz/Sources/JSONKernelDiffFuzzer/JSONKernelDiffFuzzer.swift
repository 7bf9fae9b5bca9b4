import FuzzSupport
@_spi(JSONKernels) import GatewayCodecs

// Property: every vector kernel this machine can run (forced one at a time)
// scans exactly as the scalar kernel: the same envelope, or the same error
// (kind, offset and message). And a kernel's structural walk never vouches
// for input in which the scalar scan finds a JSON syntax error.
//
// The depth cap comes from the first byte (0...63, a space gives 32), so caps inside and
// outside the payload are both reached; the rest is the payload.

private let kernels = JSONScanKernel.supported.filter { $0 != .scalar }

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONKernelDiff(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let whole = FuzzInput.buffer(data, size)
    guard let first = whole.first else { return 0 }
    let limits = CodecLimits(maxNestingDepth: Int(first % 64))
    let input = UnsafeRawBufferPointer(rebasing: whole[1...])
    let scalar = Result { () throws(JSONDecodingError) in
        try GatewayJSON.scanEnvelope(input, limits: limits, kernel: .scalar)
    }
    for kernel in kernels {
        let vector = Result { () throws(JSONDecodingError) in
            try GatewayJSON.scanEnvelope(input, limits: limits, kernel: kernel)
        }
        FuzzCheck.expect(vector == scalar, "\(kernel) gives \(vector), scalar \(scalar)")
        if case .failure(let error) = scalar, error.kind != .notAnObject, error.kind != .invalidEnvelope {
            FuzzCheck.expect(
                !kernel.vouches(for: input, limits: limits), "\(kernel) vouched for invalid JSON (\(error))")
        }
    }
    return 0
}
