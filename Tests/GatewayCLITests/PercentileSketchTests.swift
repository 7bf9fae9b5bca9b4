import SeededRandom
import Testing
@testable import GatewayCLI

/// The summary's percentile structure: exact up to its capacity, within 1/256 past it, and the
/// same size however many values go in.
struct PercentileSketchTests {
    /// The nearest-rank percentile of sorted values: what the sketch promises to match.
    static func exactPercentile(_ sorted: [Int64], _ percent: Int) -> Int64 {
        let rank = (sorted.count * percent + 99) / 100
        return sorted[rank - 1]
    }

    /// Values spread over many orders of magnitude (0 to about 2^40 µs, 12 days), as durations are.
    static func values(_ count: Int, seed: UInt64) -> [Int64] {
        var random = SplitMix64(seed: seed)
        return (0..<count).map { _ in
            let magnitude = Int64(random.next() % 41)
            return Int64(random.next() % UInt64(1 << magnitude))
        }
    }

    @Test func emptyHasNoPercentiles() {
        let sketch = PercentileSketch()
        #expect(sketch.percentile(50) == nil)
        #expect(sketch.min == nil && sketch.max == nil && sketch.count == 0)
    }

    @Test func exactUpToTheCapacity() {
        var sketch = PercentileSketch()
        let values = Self.values(PercentileSketch.exactCapacity, seed: 1)
        for value in values { sketch.add(value) }
        #expect(sketch.isExact)
        let sorted = values.sorted()
        for percent in 1...100 { #expect(sketch.percentile(percent) == Self.exactPercentile(sorted, percent), "p\(percent)") }
        #expect(sketch.min == sorted.first && sketch.max == sorted.last)
    }

    @Test func nearestRankOnFewValues() {
        var sketch = PercentileSketch()
        for value: Int64 in [30, 10, 20, 40] { sketch.add(value) }
        #expect(sketch.percentile(50) == 20)
        #expect(sketch.percentile(51) == 30)
        #expect(sketch.percentile(90) == 40)
        #expect(sketch.percentile(1) == 10)
    }

    @Test func withinARelativeErrorOf1In256On100kValues() {
        var sketch = PercentileSketch()
        let values = Self.values(100_000, seed: 0x5EED)
        for value in values { sketch.add(value) }
        #expect(!sketch.isExact)
        #expect(sketch.count == 100_000)
        let sorted = values.sorted()
        #expect(sketch.min == sorted.first && sketch.max == sorted.last)
        for percent in 1...100 {
            let exact = Self.exactPercentile(sorted, percent)
            let estimate = sketch.percentile(percent) ?? -1
            #expect(abs(estimate - exact) * 256 <= exact, "p\(percent): \(estimate) for \(exact)")
        }
    }

    @Test func theSizeIsFixedWhateverTheCount() {
        var sketch = PercentileSketch()
        var random = SplitMix64(seed: 7)
        for _ in 0..<(PercentileSketch.exactCapacity + 1) { sketch.add(Int64(random.next() >> 1)) }
        let slots = sketch.storedSlots
        // The allocator may round the counters' array up by a few slots.
        #expect(slots >= PercentileSketch.bucketCount && slots <= PercentileSketch.bucketCount + 8)
        for _ in 0..<200_000 { sketch.add(Int64(random.next() >> 1)) }
        #expect(sketch.storedSlots == slots)
    }

    @Test func bucketsCoverEveryValue() {
        // Below 128 each value is its own bucket; the largest value lands in the last one.
        for value: Int64 in [0, 1, 127] { #expect(PercentileSketch.middle(of: PercentileSketch.bucket(of: value)) == value) }
        #expect(PercentileSketch.bucket(of: .max) == PercentileSketch.bucketCount - 1)
        for value: Int64 in [128, 255, 256, 257, 1000, 1 << 40, (1 << 62) - 1, 1 << 62, .max] {
            let middle = PercentileSketch.middle(of: PercentileSketch.bucket(of: value))
            #expect(PercentileSketch.bucket(of: middle) == PercentileSketch.bucket(of: value), "\(value)")
            #expect(abs(middle - value) <= value / 256, "\(value): \(middle)")
        }
    }

    @Test func negativeValuesCountAsZero() {
        var sketch = PercentileSketch()
        sketch.add(-5)
        #expect(sketch.min == 0 && sketch.percentile(100) == 0)
    }
}
