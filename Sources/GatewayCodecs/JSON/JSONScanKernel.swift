import CJSONScan

/// Which byte classifier the JSON scan uses (the `CJSONScan` target).
///
/// `scalar` is the scan as it was before the vector kernels: it reads every
/// byte itself and is the reference the others are tested against. The
/// vector kernels only classify bytes; the scan still makes every decision,
/// so errors keep their kind and offset whatever the kernel.
///
/// Tests and the differential fuzz target choose a kernel per call through this
/// SPI (`@_spi(JSONKernels) import GatewayCodecs`); everything else uses
/// ``default``. It is not a supported API.
@_spi(JSONKernels)
public enum JSONScanKernel: Int32, CaseIterable, Sendable, CustomStringConvertible {
    case scalar = 0
    case sse2 = 1
    case avx2 = 2
    case neon = 3

    /// The kernel payloads are scanned with: `GATEWAY_JSON_KERNEL` when set and supported
    /// (read once), else the best one this machine has.
    public static let `default`: JSONScanKernel = JSONScanKernel(rawValue: cjsonscan_default_kernel()) ?? .scalar

    /// The kernels this machine can run, `scalar` first.
    public static var supported: [JSONScanKernel] { allCases.filter(\.isSupported) }

    /// Whether this machine can run the kernel.
    public var isSupported: Bool { cjsonscan_kernel_supported(rawValue) != 0 }

    /// The name `GATEWAY_JSON_KERNEL` takes.
    public var description: String {
        switch self {
        case .scalar: "scalar"
        case .sse2: "sse2"
        case .avx2: "avx2"
        case .neon: "neon"
        }
    }

    /// Payloads shorter than this are scanned byte by byte: classifying them costs more than it saves.
    static let minimumLength = 64

    /// The most top-level members the vector path records (a gateway payload has four).
    static let maximumMembers = 16

    /// Whether this kernel's structural walk vouches for `bytes` (so the byte-by-byte scan
    /// does not run). False for the scalar kernel, short payloads and anything the walk
    /// cannot vouch for; tests use it to check the walk never vouches for invalid JSON.
    public func vouches(for bytes: UnsafeRawBufferPointer, limits: CodecLimits = .init()) -> Bool {
        guard self != .scalar, bytes.count >= Self.minimumLength, let base = bytes.baseAddress else { return false }
        return withUnsafeTemporaryAllocation(of: UInt64.self, capacity: cjsonscan_mask_words(bytes.count)) { masks in
            withUnsafeTemporaryAllocation(of: cjsonscan_member.self, capacity: Self.maximumMembers) { members in
                guard let masksBase = masks.baseAddress, let membersBase = members.baseAddress else { return false }
                let bytePointer = base.assumingMemoryBound(to: UInt8.self)
                cjsonscan_classify(rawValue, bytePointer, bytes.count, masksBase)
                var closingBrace = 0
                return cjsonscan_validate_object(
                    bytePointer, bytes.count, masksBase, max(limits.maxNestingDepth, 0), membersBase,
                    Self.maximumMembers, &closingBrace) >= 0
            }
        }
    }

    /// Scans `bytes` with this kernel: classify, then the C structural walk, which
    /// either vouches for the payload (and lists its top-level members) or defers to
    /// the byte-by-byte scan. Every error therefore comes from the byte-by-byte scan.
    func scanEnvelope(
        _ bytes: UnsafeRawBufferPointer, limits: CodecLimits
    ) throws(JSONDecodingError) -> GatewayEnvelope {
        guard self != .scalar, bytes.count >= Self.minimumLength, let base = bytes.baseAddress else {
            var scanner = JSONEnvelopeScanner(bytes, limits: limits)
            return try scanner.scan()
        }
        let bytePointer = base.assumingMemoryBound(to: UInt8.self)
        // The masks and members live in temporary allocations (on the stack for ordinary payloads).
        let result = withUnsafeTemporaryAllocation(of: UInt64.self, capacity: cjsonscan_mask_words(bytes.count)) {
            masks in
            withUnsafeTemporaryAllocation(of: cjsonscan_member.self, capacity: Self.maximumMembers) { members in
                Result { () throws(JSONDecodingError) -> GatewayEnvelope in
                    var scanner = JSONEnvelopeScanner(bytes, limits: limits)
                    guard let masksBase = masks.baseAddress, let membersBase = members.baseAddress else {
                        return try scanner.scan()
                    }
                    cjsonscan_classify(rawValue, bytePointer, bytes.count, masksBase)
                    var closingBrace = 0
                    let found = cjsonscan_validate_object(
                        bytePointer, bytes.count, masksBase, max(limits.maxNestingDepth, 0), membersBase,
                        Self.maximumMembers, &closingBrace)
                    guard found >= 0, found <= Self.maximumMembers else { return try scanner.scan() }
                    return try scanner.envelope(
                        members: UnsafeBufferPointer(rebasing: members[0..<found]), closingBrace: closingBrace)
                }
            }
        }
        return try result.get()
    }
}
