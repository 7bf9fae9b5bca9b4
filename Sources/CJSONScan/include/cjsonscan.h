#ifndef CJSONSCAN_H
#define CJSONSCAN_H

#include <stddef.h>
#include <stdint.h>

// Why this is hand-written C: no Swift package offers a sans-I/O SIMD
// structural scan for JSON, and Swift's portable SIMD types have no movemask,
// which is what turns 64 byte compares into one 64-bit mask.

/// The kernels that classify bytes. `CJSONSCAN_SCALAR` is the portable
/// reference; the others exist only on their architecture.
enum {
    CJSONSCAN_SCALAR = 0,
    CJSONSCAN_SSE2 = 1,
    CJSONSCAN_AVX2 = 2,
    CJSONSCAN_NEON = 3,
};

/// Mask words per 64-byte block written by `cjsonscan_classify`.
#define CJSONSCAN_WORDS_PER_BLOCK 2

/// Whether `kernel` can run on this machine (the scalar kernel always can).
int cjsonscan_kernel_supported(int kernel);

/// The kernel used by default: `GATEWAY_JSON_KERNEL` (`scalar`, `sse2`,
/// `avx2` or `neon`), read once, when set and supported; otherwise the best
/// kernel this machine supports. An unknown or unsupported name gives the
/// scalar kernel.
int cjsonscan_default_kernel(void);

/// The number of 64-bit words `cjsonscan_classify` writes for `length` bytes: two per
/// 64-byte block, and two more for a sentinel block with every bit set.
size_t cjsonscan_mask_words(size_t length);

/// Classifies `length` bytes in 64-byte blocks. For block `b` (bytes
/// `64*b ..< 64*b+64`), bit `i` of `masks[2*b]` is set when byte `64*b+i` is
/// a string-special byte (`"`, `\`, below 0x20 or from 0x80) and bit `i` of
/// `masks[2*b+1]` when it is not JSON whitespace (space, tab, LF, CR). Bits
/// past `length` are set in both words, and so are all bits of the sentinel block
/// after the last one. `masks` must hold
/// `cjsonscan_mask_words(length)` words. An unsupported kernel runs as scalar.
/// Never reads outside `bytes[0 ..< length]`.
void cjsonscan_classify(int kernel, const uint8_t *bytes, size_t length, uint64_t *masks);

/// The number of leading ASCII bytes (below 0x80) of `bytes[0 ..< length]`, found
/// 32 or 64 bytes at a time with the default kernel (the text-frame UTF-8 check's
/// fast path). Never reads outside the input.
size_t cjsonscan_ascii_prefix(const uint8_t *bytes, size_t length);

/// One member of the top-level object: offsets of its key's opening quote,
/// of its value's first byte, and just past its value.
typedef struct {
    size_t key;
    size_t value;
    size_t value_end;
} cjsonscan_member;

/// Validates a gateway payload with the byte classes from `cjsonscan_classify`:
/// one RFC 8259 object (strings, escapes, surrogate pairs, UTF-8 as RFC 3629,
/// numbers, literals), nested at most `max_depth` deep (the object itself is
/// depth 1), with only whitespace around it.
///
/// Returns the number of top-level members written to `members` (their order
/// in the input) and the offset of the closing brace in `*closing_brace`.
/// Returns -1 when it cannot vouch for the payload: it is invalid, or the top
/// level is not an object, or it has more than `max_members` members, nests
/// deeper than this scanner tracks, or holds a number with an exponent (whose
/// range only the caller checks). The caller then scans byte by byte, which
/// finds the error and its offset. Never reads outside `bytes[0 ..< length]`.
long cjsonscan_validate_object(
    const uint8_t *bytes, size_t length, const uint64_t *masks, size_t max_depth, cjsonscan_member *members,
    long max_members, size_t *closing_brace);

#endif
