/// Erlang External Term Format (ETF), the gateway's `encoding=etf`: decoding, envelope scanning and encoding.
///
/// Written by hand over raw bytes: no Swift package decodes ETF into an
/// ordered, lossless value, and this is the hot path of every payload.
///
/// Decoding (every tag in the protocol notes):
/// - `SMALL_INTEGER_EXT` (97), `INTEGER_EXT` (98) -> ``GatewayValue/integer(_:)``.
/// - `SMALL_BIG_EXT` (110), `LARGE_BIG_EXT` (111) -> the canonical integer case:
///   `integer`, `unsignedInteger`, or `bigInteger` decimal text beyond 64 bits.
///   Magnitudes over ``maxBigIntegerBytes`` bytes throw `bigIntegerTooLarge`;
///   a sign byte other than 0 or 1 throws `invalidBigInteger`.
/// - `NEW_FLOAT_EXT` (70) -> double; NaN and infinities throw `invalidFloat`.
///   `FLOAT_EXT` (99): the 31-byte string must be `[+-]digits[.digits][e[+-]digits]`
///   followed only by NUL bytes, else `invalidFloat`.
/// - Atoms in all four forms (`ATOM_EXT` 100 and `SMALL_ATOM_EXT` 115 in Latin-1,
///   each byte one Unicode scalar; `ATOM_UTF8_EXT` 118 and `SMALL_ATOM_UTF8_EXT` 119
///   in UTF-8): `nil` -> null, `true`/`false` -> bool, any other atom -> string.
/// - `BINARY_EXT` (109) -> string; bytes that are not UTF-8 throw `invalidUTF8`
///   naming the first bad byte.
/// - `STRING_EXT` (107), Erlang's packing of a list of bytes -> string when the
///   bytes are valid UTF-8 (as erlpack reads it), else an array of small integers.
/// - `SMALL_TUPLE_EXT` (104), `LARGE_TUPLE_EXT` (105) -> array.
/// - `NIL_EXT` (106) -> empty array. `LIST_EXT` (108) -> array; its tail must be
///   `NIL_EXT`: an improper list throws `improperList` at the tail's offset.
/// - `MAP_EXT` (116) -> object in wire order; keys may be atoms, binaries or
///   UTF-8 strings (-> text) or integers (-> decimal text); any other key
///   throws `unsupportedMapKey`.
/// - `COMPRESSED` (80), only right after the version byte: the 32-bit size is
///   checked against ``CodecLimits/maxDecompressedPayloadSize`` before
///   inflating, and the term must inflate to exactly that size.
/// - Pids, ports, references, funs, bit binaries and unknown tags throw `unknownTag`.
///
/// Every length and count is checked against the bytes that remain before
/// anything is allocated for it; lists, tuples and maps (empty ones included)
/// may nest ``CodecLimits/maxNestingDepth`` deep, and the decoder is iterative,
/// so deep input costs no machine stack.
public enum GatewayETF {
    /// The largest big-integer magnitude accepted, in bytes (about 2466 decimal digits).
    ///
    /// Converting a magnitude to decimal text is quadratic in its length; no gateway value comes close.
    public static let maxBigIntegerBytes = 1024

    /// Decodes one ETF payload: the version byte 131, then one term filling the rest.
    public static func decode(
        _ bytes: UnsafeRawBufferPointer, limits: CodecLimits = .init()
    ) throws(ETFDecodingError) -> GatewayValue {
        if let inflated = try inflateIfCompressed(bytes, limits: limits) {
            return try inflated.withETFBytes { buffer throws(ETFDecodingError) in
                try decodeTerm(buffer, range: 0..<buffer.count, limits: limits, isInInflatedTerm: true)
            }
        }
        return try decodeTerm(bytes, range: 1..<bytes.count, limits: limits, isInInflatedTerm: false)
    }

    /// Decodes one ETF payload held in an array.
    public static func decode(_ bytes: [UInt8], limits: CodecLimits = .init()) throws(ETFDecodingError) -> GatewayValue {
        try bytes.withETFBytes { buffer throws(ETFDecodingError) in try decode(buffer, limits: limits) }
    }

    /// Decodes one term (no version byte) that occupies exactly `range` of `bytes`.
    ///
    /// Used to decode `d` lazily from ``GatewayEnvelope/dataRange``; error offsets
    /// count from the start of `bytes`. A `COMPRESSED` term is not accepted here.
    public static func decodeTerm(
        _ bytes: UnsafeRawBufferPointer, range: Range<Int>, limits: CodecLimits = .init()
    ) throws(ETFDecodingError) -> GatewayValue {
        try decodeTerm(bytes, range: range, limits: limits, isInInflatedTerm: false)
    }

    /// Validates a whole payload without building values and returns `op`, `s`, `t` and the range of `d`.
    ///
    /// Checks everything ``decode(_:limits:)`` checks (bounds, tags, depth,
    /// UTF-8 of every text, list tails, map keys), so decoding `d` from the
    /// returned range cannot fail. The payload must be a map; its keys may be
    /// atoms in any form, binaries or strings. `op` must be an integer, `s` an
    /// integer or `nil`, `t` a binary, string, non-Boolean atom or `nil`; the first
    /// occurrence of a key counts. Anything else throws `invalidEnvelope`.
    ///
    /// A `COMPRESSED` payload is inflated first (within
    /// ``CodecLimits/maxDecompressedPayloadSize``); the result then carries the
    /// inflated term, to which `dataRange` refers. Apart from that inflate, the
    /// scan allocates only `t` (when longer than a small string) and one small
    /// stack of element counts when `d` holds containers.
    public static func scanEnvelope(
        _ bytes: UnsafeRawBufferPointer, limits: CodecLimits = .init()
    ) throws(ETFDecodingError) -> ETFEnvelopeScan {
        if let inflated = try inflateIfCompressed(bytes, limits: limits) {
            let envelope = try inflated.withETFBytes { buffer throws(ETFDecodingError) in
                try scanTerm(buffer, range: 0..<buffer.count, limits: limits, isInInflatedTerm: true)
            }
            return ETFEnvelopeScan(envelope: envelope, inflatedTerm: inflated)
        }
        let envelope = try scanTerm(bytes, range: 1..<bytes.count, limits: limits, isInInflatedTerm: false)
        return ETFEnvelopeScan(envelope: envelope)
    }

    /// Scans a payload held in an array; see ``scanEnvelope(_:limits:)``.
    public static func scanEnvelope(
        _ bytes: [UInt8], limits: CodecLimits = .init()
    ) throws(ETFDecodingError) -> ETFEnvelopeScan {
        try bytes.withETFBytes { buffer throws(ETFDecodingError) in try scanEnvelope(buffer, limits: limits) }
    }

    /// Decodes `d` of a scanned payload, or returns `nil` when the payload had no `d`.
    ///
    /// `payload` must be the bytes that were scanned; for a compressed payload
    /// the scan's ``ETFEnvelopeScan/inflatedTerm`` is used instead.
    public static func decodeData(
        of scan: ETFEnvelopeScan, payload: UnsafeRawBufferPointer, limits: CodecLimits = .init()
    ) throws(ETFDecodingError) -> GatewayValue? {
        guard let range = scan.envelope.dataRange else { return nil }
        if let inflated = scan.inflatedTerm {
            return try inflated.withETFBytes { buffer throws(ETFDecodingError) in
                try decodeTerm(buffer, range: range, limits: limits, isInInflatedTerm: true)
            }
        }
        return try decodeTerm(payload, range: range, limits: limits, isInInflatedTerm: false)
    }

    /// Appends the compact JSON of the term (no version byte) that occupies exactly `range`
    /// of `bytes`: the same bytes as ``GatewayJSON/encode(_:into:)`` of
    /// ``decodeTerm(_:range:limits:)``'s value, without building it.
    ///
    /// For rendering `d` as JSON. On error `output` is left as it was.
    public static func appendJSON(
        ofTerm bytes: UnsafeRawBufferPointer, range: Range<Int>, limits: CodecLimits = .init(),
        to output: inout [UInt8]
    ) throws(ETFDecodingError) {
        var transcoder = ETFJSONTranscoder(
            reader: try reader(bytes, range: range, isInInflatedTerm: false), limits: limits)
        let start = output.count
        var writer = JSONWriter(output: output, pretty: false)
        output = []  // hand the storage to the writer so appends do not copy it
        do {
            try transcoder.transcodeWholeRange(into: &writer)
        } catch {
            output = writer.output
            output.removeSubrange(start...)
            throw error
        }
        output = writer.output
    }

    /// Encodes a value as Discord's erlpack does, after the version byte 131.
    ///
    /// `nil`/`true`/`false` as `SMALL_ATOM_EXT`; integers 0...255 as
    /// `SMALL_INTEGER_EXT`, other `Int32` values as `INTEGER_EXT`, wider ones as
    /// `SMALL_BIG_EXT` with the fewest magnitude bytes (`LARGE_BIG_EXT` past 255
    /// bytes); doubles as `NEW_FLOAT_EXT`; strings as `BINARY_EXT`; objects as
    /// `MAP_EXT` with binary keys in order; arrays as `LIST_EXT` with a `NIL_EXT`
    /// tail, and the empty array as `NIL_EXT`. Never `COMPRESSED`.
    ///
    /// Throws for ``GatewayValue/bigInteger(_:)`` text that is not an integer,
    /// for NaN or infinite doubles, and for lengths beyond 32 bits.
    public static func encode(_ value: GatewayValue) throws(ETFEncodingError) -> [UInt8] {
        var encoder = ETFEncoder()
        try encoder.append(value)
        return encoder.bytes
    }

    // MARK: Internals

    /// Checks the version byte; for a `COMPRESSED` payload returns the inflated term, else `nil`.
    private static func inflateIfCompressed(
        _ bytes: UnsafeRawBufferPointer, limits: CodecLimits
    ) throws(ETFDecodingError) -> [UInt8]? {
        guard let base = bytes.baseAddress, !bytes.isEmpty else {
            throw ETFDecodingError(.unexpectedEndOfInput, offset: 0, message: "the payload is empty")
        }
        let version = base.load(as: UInt8.self)
        guard version == ETFTag.version else {
            throw ETFDecodingError(.badVersion, offset: 0, message: "version byte is \(version), not 131")
        }
        guard bytes.count >= 2, base.load(fromByteOffset: 1, as: UInt8.self) == ETFTag.compressed else { return nil }
        guard bytes.count >= 6 else {
            throw ETFDecodingError(
                .unexpectedEndOfInput, offset: bytes.count, tag: ETFTag.compressed,
                message: "input ends inside the uncompressed size")
        }
        let size = Int(exactly: UInt32(bigEndian: base.loadUnaligned(fromByteOffset: 2, as: UInt32.self))) ?? Int.max
        guard size <= limits.maxDecompressedPayloadSize else {
            throw ETFDecodingError(
                .decompressionFailed, offset: 1, tag: ETFTag.compressed,
                decompression: DecompressionError(
                    .limitExceeded,
                    "announced decompressed size \(size) exceeds the limit of \(limits.maxDecompressedPayloadSize) bytes"),
                message:
                    "the compressed term announces \(size) bytes, over the limit of \(limits.maxDecompressedPayloadSize)")
        }
        do {
            // The announced size is the cap: a term that inflates to more stops as soon as it passes it.
            return try ZlibStandalone.decompress(
                UnsafeRawBufferPointer(rebasing: bytes[6...]), limit: size, expectedSize: size)
        } catch {
            throw ETFDecodingError(
                .decompressionFailed, offset: 6 + (error.offset ?? 0), tag: ETFTag.compressed, decompression: error,
                message: "the compressed term does not inflate to its announced \(size) bytes: \(error)")
        }
    }

    private static func decodeTerm(
        _ bytes: UnsafeRawBufferPointer, range: Range<Int>, limits: CodecLimits, isInInflatedTerm: Bool
    ) throws(ETFDecodingError) -> GatewayValue {
        var decoder = ETFValueDecoder(
            reader: try reader(bytes, range: range, isInInflatedTerm: isInInflatedTerm), limits: limits)
        return try decoder.decodeWholeRange()
    }

    private static func scanTerm(
        _ bytes: UnsafeRawBufferPointer, range: Range<Int>, limits: CodecLimits, isInInflatedTerm: Bool
    ) throws(ETFDecodingError) -> GatewayEnvelope {
        var scanner = ETFEnvelopeScanner(
            reader: try reader(bytes, range: range, isInInflatedTerm: isInInflatedTerm), limits: limits)
        return try scanner.scan()
    }

    private static func reader(
        _ bytes: UnsafeRawBufferPointer, range: Range<Int>, isInInflatedTerm: Bool
    ) throws(ETFDecodingError) -> ETFReader {
        guard range.lowerBound >= 0, range.upperBound <= bytes.count else {
            throw ETFDecodingError(
                .rangeOutOfBounds, offset: range.lowerBound, isInInflatedTerm: isInInflatedTerm,
                message: "range \(range) lies outside the \(bytes.count)-byte buffer")
        }
        guard let base = bytes.baseAddress, !range.isEmpty else {
            throw ETFDecodingError(
                .unexpectedEndOfInput, offset: range.lowerBound, isInInflatedTerm: isInInflatedTerm,
                message: "input ends where a term should start")
        }
        return ETFReader(base: base, range: range, isInInflatedTerm: isInInflatedTerm)
    }
}

extension Array where Element == UInt8 {
    /// `withUnsafeBytes` for a body that throws ``ETFDecodingError``, keeping the typed error.
    func withETFBytes<Result>(
        _ body: (UnsafeRawBufferPointer) throws(ETFDecodingError) -> Result
    ) throws(ETFDecodingError) -> Result {
        let outcome: Swift.Result<Result, ETFDecodingError> = withUnsafeBytes { buffer in
            Swift.Result { () throws(ETFDecodingError) in try body(buffer) }
        }
        return try outcome.get()
    }
}
