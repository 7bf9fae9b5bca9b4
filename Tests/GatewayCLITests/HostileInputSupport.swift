import Foundation
import SeededRandom
import Testing
@testable import GatewayCLI

/// A seeded generator, so every hostile input is the same on every run.
typealias SeededGenerator = SplitMix64

extension SplitMix64 {
    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) }
    }
}

/// One line of `--format jsonl` output, with the fields the hostile-input checks look at.
struct OutputLine {
    var text: String
    var kind: String
    var offset: Int?
    var time: Double?

    init(_ text: String) {
        self.text = text
        let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
        kind = object?["kind"] as? String ?? "?"
        offset = (object?["offset"] as? NSNumber)?.intValue
        time = (object?["time"] as? NSNumber)?.doubleValue
    }

    /// The lines of a run's output, without the `info` lines: they name the input file and how
    /// its format was found, which a damaged copy may legitimately change.
    static func parse(_ run: MeasuredRun) -> [OutputLine] {
        run.lines.map(OutputLine.init).filter { $0.kind != "info" }
    }
}

/// What the intact input printed, to check that a damaged copy still prints everything before its fault.
struct IntactReplay {
    let lines: [OutputLine]
    let inputSize: Int

    /// For a raw dump: where each frame starts and ends in the file, and the output line showing it.
    var frames: [(line: Int, start: Int, end: Int)] {
        let starts = lines.enumerated().compactMap { index, line in
            line.kind == "frame" ? line.offset.map { (line: index, start: $0) } : nil
        }
        return starts.enumerated().map { index, frame in
            (frame.line, frame.start, index + 1 < starts.count ? starts[index + 1].start : inputSize)
        }
    }

    /// How many leading output lines a raw dump damaged at byte `fault` must still print: those
    /// up to the first frame that does not end before the fault (none when that is the first frame).
    func linesBefore(rawDumpFault fault: Int) -> Int {
        let frames = self.frames
        guard let first = frames.first, fault >= first.end else { return 0 }
        return frames.first { $0.end > fault }?.line ?? lines.count
    }

    /// The same for a capture damaged in a record recorded at `time`: every line shown for an earlier time.
    func linesBefore(captureTime time: Double) -> Int {
        lines.prefix { ($0.time ?? 0) < time }.count
    }
}

/// How many leading lines two outputs share.
func commonPrefixCount(_ a: [OutputLine], _ b: [OutputLine]) -> Int {
    zip(a, b).prefix { $0.text == $1.text }.count
}

/// The checks every hostile input must pass: the process ended by itself (no signal, no trap,
/// no hang); with 0, or with 65, an error naming a byte offset or line on standard error and,
/// in JSON Lines, an `error` line last.
func expectHandled(_ run: MeasuredRun, _ label: @autoclosure () -> String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(run.endedNormally, "\(label()): \(run)", sourceLocation: sourceLocation)
    #expect(run.status == 0 || run.status == 65, "\(label()): \(run)", sourceLocation: sourceLocation)
    if run.status == 65 {
        let namesPlace = run.stderr.range(of: #"(byte|line) [0-9]+"#, options: .regularExpression) != nil
        #expect(namesPlace, "\(label()): the error names no offset: \(run.stderr)", sourceLocation: sourceLocation)
        if run.lines.first?.hasPrefix("{") == true {
            #expect(run.lines.last?.hasPrefix("{\"kind\":\"error\"") == true, "\(label())", sourceLocation: sourceLocation)
        }
    }
}

/// The lines of a capture file: where each starts, and its record's time.
struct CaptureLines {
    private let starts: [Int]
    private let times: [Double]
    private let size: Int

    init(_ bytes: [UInt8]) {
        var starts = [0]
        for index in bytes.indices where bytes[index] == 0x0A && index + 1 < bytes.count { starts.append(index + 1) }
        self.starts = starts
        size = bytes.count
        times = starts.indices.map { number in
            let end = number + 1 < starts.count ? starts[number + 1] : bytes.count
            let object = (try? JSONSerialization.jsonObject(with: Data(bytes[starts[number]..<end]))) as? [String: Any]
            return (object?["t"] as? NSNumber)?.doubleValue ?? 0
        }
    }

    /// The 0-based line holding byte `offset`.
    func line(containing offset: Int) -> Int { (starts.lastIndex { $0 <= offset }) ?? 0 }

    /// The record time of 0-based line `number` (0 for the header).
    func time(ofLine number: Int) -> Double { times[number] }

    /// The length of 0-based line `number`, newline included.
    func length(ofLineAt number: Int) -> Int {
        (number + 1 < starts.count ? starts[number + 1] : size) - starts[number]
    }
}

/// Server frames built by hand, with any length field.
enum HostileFrames {
    /// An unmasked frame header announcing `length` bytes, in the shortest form.
    static func header(opcode: UInt8, length: UInt64, fin: Bool = true) -> [UInt8] {
        let first = (fin ? 0x80 : 0) | opcode
        if length < 126 { return [first, UInt8(length)] }
        if length <= 0xFFFF { return [first, 126, UInt8(length >> 8), UInt8(truncatingIfNeeded: length)] }
        return [first, 127] + (0..<8).reversed().map { UInt8(truncatingIfNeeded: length >> ($0 * 8)) }
    }

    /// An unmasked frame carrying `payload`.
    static func frame(opcode: UInt8, _ payload: [UInt8], fin: Bool = true) -> [UInt8] {
        header(opcode: opcode, length: UInt64(payload.count), fin: fin) + payload
    }
}
