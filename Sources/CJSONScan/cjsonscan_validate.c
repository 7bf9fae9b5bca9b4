// The structural walk over a classified payload: it checks everything the
// byte-by-byte Swift scan checks, but only answers "valid" or "not sure".
// Errors are always reported by the Swift scan, which reruns on "not sure",
// so their kind and offset cannot depend on this code.
#include "cjsonscan.h"

#include <string.h>

#define FAIL ((size_t)-1)
// Containers tracked here; deeper payloads go to the Swift scan.
#define STACK_DEPTH 128

typedef struct {
    const uint8_t *bytes;
    size_t length;
    const uint64_t *masks;
} scan;

#define ALWAYS_INLINE static inline __attribute__((always_inline))

// The first offset at or after `position` (at most `length`) whose bit is set in mask word
// `word`; `length` if none. Bits past the end are set and a sentinel block of ones follows
// the last block (see cjsonscan_mask_words), so the search always stops by `length`
// without a bounds check: `position <= length` keeps every index inside the masks.
ALWAYS_INLINE size_t next_set(const scan *s, size_t position, unsigned word) {
    const uint64_t *mask = s->masks + (position / 64) * CJSONSCAN_WORDS_PER_BLOCK + word;
    uint64_t bits = *mask >> (position % 64);
    if (bits != 0) return position + (size_t)__builtin_ctzll(bits);
    size_t base = position - position % 64;
    for (;;) {
        mask += CJSONSCAN_WORDS_PER_BLOCK;
        base += 64;
        if (*mask != 0) {
            size_t found = base + (size_t)__builtin_ctzll(*mask);
            return found < s->length ? found : s->length;
        }
    }
}

ALWAYS_INLINE size_t skip_whitespace(const scan *s, size_t position) {
    // Compact JSON: the next byte is usually significant, and every byte above ' ' is.
    if (position < s->length && s->bytes[position] > ' ') return position;
    return next_set(s, position, 1);
}

static inline int hex_value(uint8_t byte) {
    if (byte >= '0' && byte <= '9') return byte - '0';
    if (byte >= 'A' && byte <= 'F') return byte - 'A' + 10;
    if (byte >= 'a' && byte <= 'f') return byte - 'a' + 10;
    return -1;
}

// The four hex digits after the "\u" at `position`, or -1.
static int hex_quad(const scan *s, size_t position) {
    if (s->length - position < 6) return -1;
    int value = 0;
    for (size_t i = position + 2; i < position + 6; i++) {
        int digit = hex_value(s->bytes[i]);
        if (digit < 0) return -1;
        value = value << 4 | digit;
    }
    return value;
}

// The escape whose backslash is at `position`; returns the offset after it.
static size_t escape(const scan *s, size_t position) {
    if (s->length - position < 2) return FAIL;
    switch (s->bytes[position + 1]) {
    case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
        return position + 2;
    case 'u': {
        int unit = hex_quad(s, position);
        if (unit < 0 || (unit >= 0xDC00 && unit <= 0xDFFF)) return FAIL;
        if (unit < 0xD800 || unit > 0xDBFF) return position + 6;
        size_t next = position + 6;
        if (s->length - next < 2 || s->bytes[next] != '\\' || s->bytes[next + 1] != 'u') return FAIL;
        int low = hex_quad(s, next);
        if (low < 0xDC00 || low > 0xDFFF) return FAIL;
        return next + 6;
    }
    default:
        return FAIL;
    }
}

// The multi-byte UTF-8 sequence whose lead byte is at `position` (RFC 3629 table 3-7).
static size_t utf8_sequence(const scan *s, size_t position) {
    uint8_t lead = s->bytes[position];
    size_t length;
    uint8_t low = 0x80, high = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) length = 2;
    else if (lead == 0xE0) { length = 3; low = 0xA0; }
    else if ((lead >= 0xE1 && lead <= 0xEC) || lead == 0xEE || lead == 0xEF) length = 3;
    else if (lead == 0xED) { length = 3; high = 0x9F; }
    else if (lead == 0xF0) { length = 4; low = 0x90; }
    else if (lead >= 0xF1 && lead <= 0xF3) length = 4;
    else if (lead == 0xF4) { length = 4; high = 0x8F; }
    else return FAIL;
    if (s->length - position < length) return FAIL;
    uint8_t second = s->bytes[position + 1];
    if (second < low || second > high) return FAIL;
    for (size_t i = 2; i < length; i++) {
        uint8_t byte = s->bytes[position + i];
        if (byte < 0x80 || byte > 0xBF) return FAIL;
    }
    return position + length;
}

// The string whose opening quote is at `position`; returns the offset after its closing quote.
ALWAYS_INLINE size_t string(const scan *s, size_t position) {
    position++;
    for (;;) {
        position = next_set(s, position, 0);
        if (position >= s->length) return FAIL;
        uint8_t byte = s->bytes[position];
        if (byte == '"') return position + 1;
        if (byte == '\\') position = escape(s, position);
        else if (byte >= 0x80) position = utf8_sequence(s, position);
        else return FAIL;  // a raw control character
        if (position == FAIL) return FAIL;
    }
}

static inline int is_digit(uint8_t byte) { return byte >= '0' && byte <= '9'; }

// `-?(0|[1-9][0-9]*)(\.[0-9]+)?` at `position`. An exponent is "not sure": only the
// Swift scan checks that the value fits a Double. Without one, 308 integer digits
// at most keep any fraction below DBL_MAX.
static size_t number(const scan *s, size_t position) {
    const uint8_t *b = s->bytes;
    size_t n = s->length;
    if (b[position] == '-') position++;
    size_t first = position;
    while (position < n && is_digit(b[position])) position++;
    size_t digits = position - first;
    if (digits == 0 || (digits > 1 && b[first] == '0')) return FAIL;
    if (position < n && b[position] == '.') {
        if (digits > 308) return FAIL;
        position++;
        size_t fraction = position;
        while (position < n && is_digit(b[position])) position++;
        if (position == fraction) return FAIL;
    }
    if (position < n && (b[position] == 'e' || b[position] == 'E')) return FAIL;
    return position;
}

static inline size_t literal(const scan *s, size_t position, const char *text, size_t length) {
    if (s->length - position < length || memcmp(s->bytes + position, text, length) != 0) return FAIL;
    return position + length;
}

long cjsonscan_validate_object(
    const uint8_t *bytes, size_t length, const uint64_t *masks, size_t max_depth, cjsonscan_member *members,
    long max_members, size_t *closing_brace) {
    const scan s = {bytes, length, masks};
    const scan *sp = &s;
    uint8_t closers[STACK_DEPTH];
    size_t depth = 0;
    long count = 0;
    cjsonscan_member *member = NULL;

    size_t p = skip_whitespace(sp, 0);
    if (p >= length || bytes[p] != '{' || max_depth < 1) return -1;
    closers[depth++] = '}';
    p = skip_whitespace(sp, p + 1);
    if (p < length && bytes[p] == '}') {
        *closing_brace = p;
        p++;
        goto end;
    }

key:
    if (p >= length || bytes[p] != '"') return -1;
    if (depth == 1) {
        if (count >= max_members) return -1;
        member = &members[count++];
        member->key = p;
    }
    p = string(sp, p);
    if (p == FAIL) return -1;
    if (p >= length || bytes[p] != ':') {  // compact JSON has the colon right after the key
        p = skip_whitespace(sp, p);
        if (p >= length || bytes[p] != ':') return -1;
    }
    p = skip_whitespace(sp, p + 1);
    if (depth == 1 && member != NULL) member->value = p;

value:
    if (p >= length) return -1;
    switch (bytes[p]) {
    case '"':
        p = string(sp, p);
        break;
    case '{':
    case '[': {
        uint8_t closer = bytes[p] == '{' ? '}' : ']';
        if (depth + 1 > max_depth || depth >= STACK_DEPTH) return -1;
        closers[depth++] = closer;
        p = skip_whitespace(sp, p + 1);
        if (p < length && bytes[p] == closer) {
            p++;
            depth--;
            break;
        }
        if (closer == '}') goto key;
        goto value;
    }
    case '-': case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': case '8': case '9':
        p = number(sp, p);
        break;
    case 't':
        p = literal(sp, p, "true", 4);
        break;
    case 'f':
        p = literal(sp, p, "false", 5);
        break;
    case 'n':
        p = literal(sp, p, "null", 4);
        break;
    default:
        return -1;
    }
    if (p == FAIL) return -1;

after_value:
    if (depth == 1 && member != NULL) member->value_end = p;
    p = skip_whitespace(sp, p);
    if (p >= length) return -1;
    if (bytes[p] == ',') {
        p = skip_whitespace(sp, p + 1);
        if (closers[depth - 1] == '}') goto key;
        goto value;
    }
    if (bytes[p] != closers[depth - 1]) return -1;
    depth--;
    if (depth == 0) {
        *closing_brace = p;
        p++;
        goto end;
    }
    p++;
    goto after_value;

end:
    p = skip_whitespace(sp, p);
    return p == length ? count : -1;
}
