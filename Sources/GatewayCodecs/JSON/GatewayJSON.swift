// Why a hand-written JSON codec instead of Foundation's JSONSerialization:
// - key order: an inspector must print objects in the order the server sent
//   them; JSONSerialization returns unordered dictionaries;
// - exact integers: every Int64 and UInt64 (snowflakes) and wider integers
//   must survive; JSONSerialization goes through NSNumber/Double and loses
//   digits past 2^53 on some paths and platforms;
// - strict errors with byte offsets, and a depth cap instead of recursion;
// - speed: this is the hot path, and the envelope scanner validates a whole
//   payload without building any value;
// - the library does not import Foundation at all.

/// Strict RFC 8259 JSON for gateway payloads: decode, scan the envelope, encode.
///
/// **Routing without decoding.** ``scanEnvelope(_:limits:)-(UnsafeRawBufferPointer,_)``
/// validates the whole payload and returns `op`, `s`, `t` and the byte
/// range of `d`, building nothing but the `t` string. Decode `d` later, or
/// never.
///
/// **Typed models.** The bytes of `d` are plain JSON, so `Codable` models
/// need no re-encoding: pass `bytes[envelope.dataRange]` to Foundation's
/// `JSONDecoder`:
///
/// ```swift
/// let envelope = try GatewayJSON.scanEnvelope(payload)
/// if envelope.eventName == "MESSAGE_CREATE", let range = envelope.dataRange {
///     let message = try JSONDecoder().decode(Message.self, from: Data(payload[range]))
/// }
/// ```
///
/// **Decoded values.** ``decode(_:limits:)-(UnsafeRawBufferPointer,_)``
/// builds a ``GatewayValue``: objects keep key order and duplicate keys,
/// integers are exact (``GatewayValue`` documents the canonical forms; `-0`
/// decodes as the integer 0, `-0.0` as the double -0.0, and an integer
/// beyond 64 bits as ``GatewayValue/bigInteger(_:)`` holding its literal
/// text, which the grammar already makes canonical). Numbers with a
/// fraction or exponent are doubles; one too large for a `Double` is an
/// error. Whitespace is space, tab, LF and CR only; the top level may be
/// any value.
///
/// **Rejected.** Trailing data, bad escapes, lone surrogates (escaped) and
/// malformed UTF-8 (overlong forms, encoded surrogates, code points above
/// U+10FFFF, truncated sequences), raw control characters in strings,
/// leading zeros, `+1`, `.5`, `5.`, `1e`, `NaN`, `Infinity`, hex, and
/// nesting beyond ``CodecLimits/maxNestingDepth``. Each error names its
/// byte offset (``JSONDecodingError``).
public enum GatewayJSON {
    /// Decodes one JSON document into a ``GatewayValue``.
    public static func decode(
        _ bytes: UnsafeRawBufferPointer, limits: CodecLimits = .init()
    ) throws(JSONDecodingError) -> GatewayValue {
        var decoder = JSONValueDecoder(bytes, limits: limits)
        return try decoder.decodeDocument()
    }

    /// Decodes one JSON document into a ``GatewayValue``.
    public static func decode(_ bytes: [UInt8], limits: CodecLimits = .init()) throws(JSONDecodingError) -> GatewayValue {
        try bytes.withUnsafeBytes { buffer in
            Result { () throws(JSONDecodingError) in try decode(buffer, limits: limits) }
        }.get()
    }

    /// Validates a whole payload (same rules as ``decode(_:limits:)-(UnsafeRawBufferPointer,_)``)
    /// without building values, and returns its `op`, `s`, `t` and the byte range of `d`.
    ///
    /// Throws ``JSONDecodingError/Kind/notAnObject`` unless the top level is an
    /// object, and ``JSONDecodingError/Kind/invalidEnvelope`` when `op` is missing
    /// or not an integer, `s` is not an integer or `null`, or `t` is not a string
    /// or `null`. When a key repeats, its first occurrence counts (later ones are
    /// still validated). Keys are compared after unescaping.
    public static func scanEnvelope(
        _ bytes: UnsafeRawBufferPointer, limits: CodecLimits = .init()
    ) throws(JSONDecodingError) -> GatewayEnvelope {
        try scanEnvelope(bytes, limits: limits, kernel: .default)
    }

    /// ``scanEnvelope(_:limits:)-(UnsafeRawBufferPointer,_)`` with a chosen byte classifier
    /// (tests compare every kernel with the scalar one). An unsupported kernel runs as scalar.
    @_spi(JSONKernels)
    public static func scanEnvelope(
        _ bytes: UnsafeRawBufferPointer, limits: CodecLimits, kernel: JSONScanKernel
    ) throws(JSONDecodingError) -> GatewayEnvelope {
        try kernel.scanEnvelope(bytes, limits: limits)
    }

    /// Validates a whole payload and returns its envelope; see the `UnsafeRawBufferPointer` overload.
    public static func scanEnvelope(
        _ bytes: [UInt8], limits: CodecLimits = .init()
    ) throws(JSONDecodingError) -> GatewayEnvelope {
        try bytes.withUnsafeBytes { buffer in
            Result { () throws(JSONDecodingError) in try scanEnvelope(buffer, limits: limits) }
        }.get()
    }

    /// Compact JSON (what the client sends): no whitespace, keys in order,
    /// exact integers, non-ASCII as UTF-8, doubles in shortest round-trip form.
    ///
    /// NaN and infinities (possible only from ETF or hand-built values) encode as `null`.
    public static func encode(_ value: GatewayValue) -> [UInt8] {
        var buffer: [UInt8] = []
        encode(value, into: &buffer)
        return buffer
    }

    /// Appends the compact JSON of `value` to `buffer`.
    public static func encode(_ value: GatewayValue, into buffer: inout [UInt8]) {
        var writer = JSONWriter(output: buffer, pretty: false)
        buffer = []  // hand the storage to the writer so appends do not copy it
        writer.write(value)
        buffer = writer.output
    }

    /// Indented JSON for people, laid out like Python's `json.dumps(value, indent=2, ensure_ascii=False)`.
    ///
    /// Each array element and object member on its own line, indented by two
    /// spaces per level; `,` at the end of a line; `": "` after keys; empty
    /// arrays and objects as `[]` and `{}`; no trailing newline. Scalars are
    /// written exactly as by ``encode(_:)``, so the output is stable.
    public static func prettyPrinted(_ value: GatewayValue) -> String {
        var writer = JSONWriter(pretty: true)
        writer.write(value)
        return String(decoding: writer.output, as: UTF8.self)
    }
}

extension GatewayValue: CustomStringConvertible {
    /// The value as compact JSON text.
    public var description: String {
        String(decoding: GatewayJSON.encode(self), as: UTF8.self)
    }
}
