/// The caller's random number generator behind one concrete type.
///
/// Keeping the generator as `any RandomNumberGenerator` and passing it
/// `inout` to generic functions makes this toolchain miscompile (crashes in
/// IR generation, and at run time in copies of the enclosing struct), so the
/// generator lives in a closure instead. Copies of a connection share it.
struct RandomSource: RandomNumberGenerator {
    private let nextValue: () -> UInt64

    init(_ generator: some RandomNumberGenerator) {
        var generator = generator
        nextValue = { generator.next() }
    }

    mutating func next() -> UInt64 { nextValue() }
}
