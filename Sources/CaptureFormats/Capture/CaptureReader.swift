/// Reads a capture file record by record, holding at most one line in memory.
///
/// The header is read when the reader is created. A last line cut short (the
/// writer crashed mid-record) ends the records with a ``warning``; a broken
/// line anywhere else is a ``CaptureError`` naming its line and byte offset.
public struct CaptureReader<Source: ByteSource> {
    /// The default cap on one line: a 48 MiB chunk in base64, plus room.
    public static var defaultMaxRecordLength: Int { 64 << 20 }

    /// The file's header record.
    public let header: CaptureHeader
    /// Set when the file ended inside a record; the records before it were all returned.
    public private(set) var warning: CaptureWarning?
    /// How many records of types this reader does not know were skipped.
    public private(set) var skippedRecordCount = 0
    /// The number of the last line read (1-based).
    public private(set) var lineNumber = 0

    private var input: BufferedByteReader<Source>
    private let maxRecordLength: Int
    private var finished = false

    /// Starts reading `source` and reads its header.
    ///
    /// - Throws: ``CaptureError/Kind/notACapture`` when the first line is not a
    ///   header, ``CaptureError/Kind/unsupportedVersion`` for a newer format.
    public init(source: Source, maxRecordLength: Int = defaultMaxRecordLength) throws(CaptureError) {
        try self.init(input: BufferedByteReader(source: source), maxRecordLength: maxRecordLength)
    }

    init(input: BufferedByteReader<Source>, maxRecordLength: Int) throws(CaptureError) {
        self.input = input
        self.maxRecordLength = maxRecordLength
        var headerFound: CaptureHeader?
        while headerFound == nil {
            switch try Self.nextLine(&self.input, maxRecordLength: maxRecordLength, number: &lineNumber) {
            case nil:
                throw CaptureError(.notACapture, "the file is empty: no capture header", line: 1, offset: 0)
            case .some(let line):
                if line.isBlank { continue }
                let decoded: Result<CaptureRecord?, CaptureError> = self.input.withBytes(in: line.range) { bytes in
                    do throws(CaptureError) {
                        return .success(try Self.decodeHeader(bytes, line))
                    } catch {
                        return .failure(error)
                    }
                }
                guard case .header(let header)? = try decoded.get() else {
                    throw CaptureError(.notACapture, "the first record is not a capture header", line: line.number)
                }
                headerFound = header
            }
        }
        guard let headerFound else { throw CaptureError(.notACapture, "no capture header") }
        self.header = headerFound
    }

    private static func decodeHeader(_ bytes: UnsafeRawBufferPointer, _ line: Line) throws(CaptureError) -> CaptureRecord? {
        let decoder: CaptureRecordDecoder
        do {
            decoder = try CaptureRecordDecoder(line: bytes, number: line.number, offset: line.offset)
        } catch {
            if !line.terminated {
                throw CaptureError(
                    .malformedRecord, "the file ends inside its header record", line: line.number, offset: line.offset)
            }
            throw CaptureError(
                .notACapture, "the first line is not a capture header (\(error.message))", line: line.number,
                offset: error.offset ?? line.offset)
        }
        guard decoder.isHeader else {
            throw CaptureError(
                .notACapture, "the first record is not a capture header", line: line.number, offset: line.offset)
        }
        return try decoder.record()
    }

    /// Bytes of the file consumed so far.
    public var offset: Int { input.offset }

    /// The next record after the header, or `nil` at the end of the file.
    public mutating func next() throws(CaptureError) -> CaptureRecord? {
        while !finished {
            guard let line = try Self.nextLine(&input, maxRecordLength: maxRecordLength, number: &lineNumber) else {
                finished = true
                return nil
            }
            if line.isBlank { continue }
            let result: Result<CaptureRecord?, CaptureError> = input.withBytes(in: line.range) { bytes in
                do throws(CaptureError) {
                    let decoder = try CaptureRecordDecoder(line: bytes, number: line.number, offset: line.offset)
                    if decoder.isHeader {
                        throw CaptureError(
                            .malformedRecord, "a second header record", line: line.number, offset: line.offset)
                    }
                    return .success(try decoder.record())
                } catch {
                    return .failure(error)
                }
            }
            switch result {
            case .success(let record?):
                return record
            case .success(nil):
                skippedRecordCount += 1
            case .failure(let error):
                guard line.terminated else {
                    // Only the writer crashing mid-record leaves a last line without its newline.
                    finished = true
                    warning = CaptureWarning(
                        line: line.number, offset: line.offset,
                        message: "the file ends inside a record (\(line.range.count) bytes, \(error.message)); "
                            + "it was probably cut short while recording, and was ignored")
                    return nil
                }
                throw error
            }
        }
        return nil
    }

    /// One line and where it is.
    struct Line {
        var range: Range<Int>
        var number: Int
        var offset: Int
        var terminated: Bool
        var isBlank: Bool
    }

    private static func nextLine(
        _ input: inout BufferedByteReader<Source>, maxRecordLength: Int, number: inout Int
    ) throws(CaptureError) -> Line? {
        let next: BufferedByteReader<Source>.NextLine
        do {
            next = try input.nextLine(maxLength: maxRecordLength)
        } catch {
            throw CaptureError(error)
        }
        switch next {
        case .end:
            return nil
        case .tooLong(let offset):
            throw CaptureError(
                .recordTooLong, "a record is longer than \(maxRecordLength) bytes", line: number + 1, offset: offset)
        case .line(let span):
            number += 1
            let blank = input.withBytes(in: span.range) { bytes in
                bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
            }
            return Line(range: span.range, number: number, offset: span.offset, terminated: span.terminated, isBlank: blank)
        }
    }
}
