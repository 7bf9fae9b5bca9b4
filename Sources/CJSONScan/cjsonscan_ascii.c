// The ASCII fast path of the WebSocket text-frame UTF-8 check: how many bytes
// from the start are below 0x80, a vector of bytes at a time. The multi-byte
// sequences after that stay with the Swift validator.
#include "cjsonscan.h"

#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#elif defined(__aarch64__)
#include <arm_neon.h>
#endif

// 8 bytes at a time, then byte by byte: the scalar kernel, and every kernel's tail.
static size_t ascii_prefix_scalar(const uint8_t *bytes, size_t length, size_t index) {
    while (length - index >= 8) {
        uint64_t word;
        memcpy(&word, bytes + index, 8);
        if (word & 0x8080808080808080ULL) break;
        index += 8;
    }
    while (index < length && bytes[index] < 0x80) index++;
    return index;
}

#if defined(__x86_64__)
static size_t ascii_prefix_sse2(const uint8_t *bytes, size_t length) {
    size_t index = 0;
    while (length - index >= 32) {
        __m128i first = _mm_loadu_si128((const __m128i *)(const void *)(bytes + index));
        __m128i second = _mm_loadu_si128((const __m128i *)(const void *)(bytes + index + 16));
        if (_mm_movemask_epi8(_mm_or_si128(first, second)) != 0) break;
        index += 32;
    }
    return ascii_prefix_scalar(bytes, length, index);
}

__attribute__((target("avx2"))) static size_t ascii_prefix_avx2(const uint8_t *bytes, size_t length) {
    size_t index = 0;
    while (length - index >= 64) {
        __m256i first = _mm256_loadu_si256((const __m256i *)(const void *)(bytes + index));
        __m256i second = _mm256_loadu_si256((const __m256i *)(const void *)(bytes + index + 32));
        if (_mm256_movemask_epi8(_mm256_or_si256(first, second)) != 0) break;
        index += 64;
    }
    return ascii_prefix_scalar(bytes, length, index);
}
#endif

#if defined(__aarch64__)
static size_t ascii_prefix_neon(const uint8_t *bytes, size_t length) {
    size_t index = 0;
    while (length - index >= 32) {
        uint8x16_t either = vorrq_u8(vld1q_u8(bytes + index), vld1q_u8(bytes + index + 16));
        if (vmaxvq_u8(either) >= 0x80) break;
        index += 32;
    }
    return ascii_prefix_scalar(bytes, length, index);
}
#endif

size_t cjsonscan_ascii_prefix(const uint8_t *bytes, size_t length) {
    if (bytes == NULL) return 0;
    switch (cjsonscan_default_kernel()) {
#if defined(__x86_64__)
    case CJSONSCAN_SSE2:
        return ascii_prefix_sse2(bytes, length);
    case CJSONSCAN_AVX2:
        return ascii_prefix_avx2(bytes, length);
#endif
#if defined(__aarch64__)
    case CJSONSCAN_NEON:
        return ascii_prefix_neon(bytes, length);
#endif
    default:
        return ascii_prefix_scalar(bytes, length, 0);
    }
}
