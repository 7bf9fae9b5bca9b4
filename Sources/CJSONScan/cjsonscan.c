// Byte classification for the JSON scan, 64 bytes at a time (the first half
// of simdjson's stage 1: compares and movemasks, no parsing). The Swift scan
// still makes every decision and reports every error; these masks only let
// it jump over plain string bytes and whitespace. See include/cjsonscan.h.
#include "cjsonscan.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#elif defined(__aarch64__)
#include <arm_neon.h>
#endif

typedef void (*block_kernel)(const uint8_t *block, uint64_t *out);

// Scalar: the reference for the vector kernels, and the portable fallback.
static inline int is_special(uint8_t byte) {
    return byte == '"' || byte == '\\' || byte < 0x20 || byte >= 0x80;
}

static inline int is_whitespace(uint8_t byte) {
    return byte == ' ' || byte == '\t' || byte == '\n' || byte == '\r';
}

static void classify_block_scalar(const uint8_t *block, uint64_t *out) {
    uint64_t special = 0, non_whitespace = 0;
    for (unsigned i = 0; i < 64; i++) {
        special |= (uint64_t)is_special(block[i]) << i;
        non_whitespace |= (uint64_t)!is_whitespace(block[i]) << i;
    }
    out[0] = special;
    out[1] = non_whitespace;
}

#if defined(__x86_64__)
// SSE2 is part of x86-64, so this kernel needs no target attribute.
static inline uint64_t sse2_special16(__m128i v) {
    // Signed compare: bytes from 0x80 are negative, so "< 0x20" catches them and the controls.
    __m128i low = _mm_cmplt_epi8(v, _mm_set1_epi8(0x20));
    __m128i quote = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
    __m128i backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'));
    return (uint16_t)_mm_movemask_epi8(_mm_or_si128(low, _mm_or_si128(quote, backslash)));
}

static inline uint64_t sse2_whitespace16(__m128i v) {
    __m128i space = _mm_cmpeq_epi8(v, _mm_set1_epi8(' '));
    __m128i tab = _mm_cmpeq_epi8(v, _mm_set1_epi8('\t'));
    __m128i lf = _mm_cmpeq_epi8(v, _mm_set1_epi8('\n'));
    __m128i cr = _mm_cmpeq_epi8(v, _mm_set1_epi8('\r'));
    return (uint16_t)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(space, tab), _mm_or_si128(lf, cr)));
}

static void classify_block_sse2(const uint8_t *block, uint64_t *out) {
    uint64_t special = 0, whitespace = 0;
    for (unsigned i = 0; i < 4; i++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(block + 16 * i));
        special |= sse2_special16(v) << (16 * i);
        whitespace |= sse2_whitespace16(v) << (16 * i);
    }
    out[0] = special;
    out[1] = ~whitespace;
}

__attribute__((target("avx2"))) static inline uint64_t avx2_special32(__m256i v) {
    __m256i low = _mm256_cmpgt_epi8(_mm256_set1_epi8(0x20), v);
    __m256i quote = _mm256_cmpeq_epi8(v, _mm256_set1_epi8('"'));
    __m256i backslash = _mm256_cmpeq_epi8(v, _mm256_set1_epi8('\\'));
    return (uint32_t)_mm256_movemask_epi8(_mm256_or_si256(low, _mm256_or_si256(quote, backslash)));
}

__attribute__((target("avx2"))) static inline uint64_t avx2_whitespace32(__m256i v) {
    __m256i space = _mm256_cmpeq_epi8(v, _mm256_set1_epi8(' '));
    __m256i tab = _mm256_cmpeq_epi8(v, _mm256_set1_epi8('\t'));
    __m256i lf = _mm256_cmpeq_epi8(v, _mm256_set1_epi8('\n'));
    __m256i cr = _mm256_cmpeq_epi8(v, _mm256_set1_epi8('\r'));
    return (uint32_t)_mm256_movemask_epi8(_mm256_or_si256(_mm256_or_si256(space, tab), _mm256_or_si256(lf, cr)));
}

__attribute__((target("avx2"))) static void classify_block_avx2(const uint8_t *block, uint64_t *out) {
    __m256i first = _mm256_loadu_si256((const __m256i *)(const void *)block);
    __m256i second = _mm256_loadu_si256((const __m256i *)(const void *)(block + 32));
    out[0] = avx2_special32(first) | avx2_special32(second) << 32;
    out[1] = ~(avx2_whitespace32(first) | avx2_whitespace32(second) << 32);
}
#endif

#if defined(__aarch64__)
// NEON has no movemask: keep one bit per lane (its index mod 8) and add pairwise.
static inline uint64_t neon_movemask64(uint8x16_t a, uint8x16_t b, uint8x16_t c, uint8x16_t d) {
    const uint8x16_t weights = {1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128};
    uint8x16_t sum0 = vpaddq_u8(vandq_u8(a, weights), vandq_u8(b, weights));
    uint8x16_t sum1 = vpaddq_u8(vandq_u8(c, weights), vandq_u8(d, weights));
    sum0 = vpaddq_u8(sum0, sum1);
    sum0 = vpaddq_u8(sum0, sum0);
    return vgetq_lane_u64(vreinterpretq_u64_u8(sum0), 0);
}

static inline uint8x16_t neon_special16(uint8x16_t v) {
    uint8x16_t low = vcltq_s8(vreinterpretq_s8_u8(v), vdupq_n_s8(0x20));
    uint8x16_t quote = vceqq_u8(v, vdupq_n_u8('"'));
    uint8x16_t backslash = vceqq_u8(v, vdupq_n_u8('\\'));
    return vorrq_u8(low, vorrq_u8(quote, backslash));
}

static inline uint8x16_t neon_whitespace16(uint8x16_t v) {
    uint8x16_t space = vceqq_u8(v, vdupq_n_u8(' '));
    uint8x16_t tab = vceqq_u8(v, vdupq_n_u8('\t'));
    uint8x16_t lf = vceqq_u8(v, vdupq_n_u8('\n'));
    uint8x16_t cr = vceqq_u8(v, vdupq_n_u8('\r'));
    return vorrq_u8(vorrq_u8(space, tab), vorrq_u8(lf, cr));
}

static void classify_block_neon(const uint8_t *block, uint64_t *out) {
    uint8x16_t v0 = vld1q_u8(block), v1 = vld1q_u8(block + 16);
    uint8x16_t v2 = vld1q_u8(block + 32), v3 = vld1q_u8(block + 48);
    out[0] = neon_movemask64(neon_special16(v0), neon_special16(v1), neon_special16(v2), neon_special16(v3));
    out[1] = ~neon_movemask64(
        neon_whitespace16(v0), neon_whitespace16(v1), neon_whitespace16(v2), neon_whitespace16(v3));
}
#endif

int cjsonscan_kernel_supported(int kernel) {
    switch (kernel) {
    case CJSONSCAN_SCALAR:
        return 1;
#if defined(__x86_64__)
    case CJSONSCAN_SSE2:
        return 1;
    case CJSONSCAN_AVX2:
        return __builtin_cpu_supports("avx2") ? 1 : 0;
#endif
#if defined(__aarch64__)
    case CJSONSCAN_NEON:
        return 1;
#endif
    default:
        return 0;
    }
}

static int best_kernel(void) {
#if defined(__x86_64__)
    return cjsonscan_kernel_supported(CJSONSCAN_AVX2) ? CJSONSCAN_AVX2 : CJSONSCAN_SSE2;
#elif defined(__aarch64__)
    return CJSONSCAN_NEON;
#else
    return CJSONSCAN_SCALAR;
#endif
}

static int kernel_from_environment(void) {
    const char *name = getenv("GATEWAY_JSON_KERNEL");
    if (name == NULL || name[0] == '\0') return best_kernel();
    int kernel;
    if (strcmp(name, "scalar") == 0) kernel = CJSONSCAN_SCALAR;
    else if (strcmp(name, "sse2") == 0) kernel = CJSONSCAN_SSE2;
    else if (strcmp(name, "avx2") == 0) kernel = CJSONSCAN_AVX2;
    else if (strcmp(name, "neon") == 0) kernel = CJSONSCAN_NEON;
    else return CJSONSCAN_SCALAR;
    return cjsonscan_kernel_supported(kernel) ? kernel : CJSONSCAN_SCALAR;
}

int cjsonscan_default_kernel(void) {
    // Racing first calls compute the same value, so a relaxed store is enough.
    static _Atomic int cached = -1;
    int kernel = atomic_load_explicit(&cached, memory_order_relaxed);
    if (kernel < 0) {
        kernel = kernel_from_environment();
        atomic_store_explicit(&cached, kernel, memory_order_relaxed);
    }
    return kernel;
}

size_t cjsonscan_mask_words(size_t length) {
    // One more block than the input needs: the sentinel that stops every search.
    return (length / 64 + (length % 64 != 0) + 1) * CJSONSCAN_WORDS_PER_BLOCK;
}

static block_kernel block_kernel_for(int kernel) {
    if (!cjsonscan_kernel_supported(kernel)) return classify_block_scalar;
    switch (kernel) {
#if defined(__x86_64__)
    case CJSONSCAN_SSE2:
        return classify_block_sse2;
    case CJSONSCAN_AVX2:
        return classify_block_avx2;
#endif
#if defined(__aarch64__)
    case CJSONSCAN_NEON:
        return classify_block_neon;
#endif
    default:
        return classify_block_scalar;
    }
}

void cjsonscan_classify(int kernel, const uint8_t *bytes, size_t length, uint64_t *masks) {
    block_kernel classify_block = block_kernel_for(kernel);
    size_t whole = length / 64;
    for (size_t block = 0; block < whole; block++) {
        classify_block(bytes + 64 * block, masks + CJSONSCAN_WORDS_PER_BLOCK * block);
    }
    size_t tail = length % 64;
    if (tail != 0) {
        // The tail goes through a padded copy so no kernel reads past the input. The
        // padding is '"', which is special and not whitespace; its bits are set again below.
        uint8_t padded[64];
        memset(padded, '"', sizeof padded);
        memcpy(padded, bytes + 64 * whole, tail);
        uint64_t *out = masks + CJSONSCAN_WORDS_PER_BLOCK * whole;
        classify_block(padded, out);
        uint64_t past_end = ~(uint64_t)0 << tail;
        out[0] |= past_end;
        out[1] |= past_end;
    }
    uint64_t *sentinel = masks + cjsonscan_mask_words(length) - CJSONSCAN_WORDS_PER_BLOCK;
    sentinel[0] = ~(uint64_t)0;
    sentinel[1] = ~(uint64_t)0;
}
