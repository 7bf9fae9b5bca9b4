/// Percentiles of a stream of non-negative integers (durations in microseconds, in a replay's
/// summary) in memory that does not grow with the stream.
///
/// The first ``exactCapacity`` values are kept as they are, and every percentile of them is
/// exact. The value after that moves them all into a fixed log-linear histogram of
/// ``bucketCount`` counters: values below 128 have a bucket each (exact), and each power of two
/// from 128 up is split into 128 equal buckets. A bucket is then at most 1/128 as wide as its
/// lower bound, and a percentile read from it (the middle of its bucket) is within 1/256 (0.4 %)
/// of the exact one. ``count``, ``min`` and ``max`` are always exact.
///
/// A percentile is the nearest rank: the smallest value with at least that share of the values
/// at or below it.
public struct PercentileSketch: Sendable {
    /// How many values are kept exactly before the histogram takes over.
    static let exactCapacity = 4096
    /// Buckets per power of two, as a power of two: 2^7 = 128.
    private static let subBucketBits = 7
    private static let subBuckets = 1 << subBucketBits
    /// 128 exact buckets, then 128 for each power of two from 2^7 to 2^62 (`Int64.max` < 2^63).
    static let bucketCount = subBuckets + (63 - subBucketBits) * subBuckets

    /// How many values were added.
    public private(set) var count = 0
    /// The smallest value added.
    public private(set) var min: Int64?
    /// The largest value added.
    public private(set) var max: Int64?
    /// The values, until there are more than ``exactCapacity``; then empty.
    private var exact: [Int64] = []
    /// Counts per bucket once the values no longer fit in `exact`; empty before.
    private var buckets: [Int] = []

    /// An empty sketch.
    public init() {}

    /// Whether percentiles are exact: no more than ``exactCapacity`` values were added.
    public var isExact: Bool { buckets.isEmpty }

    /// The memory the sketch holds, in values or counters: at most the larger of
    /// ``exactCapacity`` and ``bucketCount``, however many values were added.
    var storedSlots: Int { Swift.max(exact.capacity, buckets.capacity) }

    /// Adds `value` (a negative one counts as 0).
    mutating func add(_ value: Int64) {
        let value = Swift.max(0, value)
        count += 1
        min = Swift.min(min ?? value, value)
        max = Swift.max(max ?? value, value)
        if buckets.isEmpty {
            if exact.count < Self.exactCapacity {
                exact.append(value)
                return
            }
            // The exact values no longer fit: they all move into the histogram, whose size is fixed.
            buckets = [Int](repeating: 0, count: Self.bucketCount)
            for kept in exact { buckets[Self.bucket(of: kept)] += 1 }
            exact = []
        }
        buckets[Self.bucket(of: value)] += 1
    }

    /// The `percent`th percentile (1 to 100) of the values added; nil when there are none.
    public func percentile(_ percent: Int) -> Int64? {
        guard count > 0, let min, let max else { return nil }
        let percent = Swift.min(100, Swift.max(1, percent))
        // ceil(count * percent / 100), without a product that could overflow.
        let rank = count / 100 * percent + (count % 100 * percent + 99) / 100
        if buckets.isEmpty {
            let sorted = exact.sorted()
            return sorted[Swift.min(sorted.count, rank) - 1]
        }
        var seen = 0
        for (index, inBucket) in buckets.enumerated() where inBucket > 0 {
            seen += inBucket
            if seen >= rank { return Swift.min(max, Swift.max(min, Self.middle(of: index))) }
        }
        return max
    }

    /// The histogram bucket of a non-negative value.
    static func bucket(of value: Int64) -> Int {
        guard value >= Int64(subBuckets) else { return Int(Swift.max(0, value)) }
        let exponent = 63 - value.leadingZeroBitCount  // 7...62: the value is in [2^exponent, 2^(exponent+1))
        let shift = exponent - subBucketBits
        let sub = Int(value >> shift) - subBuckets  // The 7 bits after the leading one.
        return subBuckets + shift * subBuckets + sub
    }

    /// The value that stands for bucket `index`: the middle of the values it holds (exact below 128).
    static func middle(of index: Int) -> Int64 {
        guard index >= subBuckets else { return Int64(index) }
        let shift = (index - subBuckets) / subBuckets
        let lower = Int64(subBuckets + (index - subBuckets) % subBuckets) << shift
        return shift == 0 ? lower : lower + (Int64(1) << (shift - 1))
    }
}
