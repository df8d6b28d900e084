/* Exact decimal conversions for the Avro decimal logical type. A small
 * fixed-size bignum (little-endian 32-bit words) is enough: precision is
 * capped at 76 digits, below 2^256. */
#include "avro/decimal.h"

#include <stdio.h>
#include <string.h>

#define WORDS 9   /* 288 bits: a 33-byte magnitude */
#define MAG_BYTES 33

static void mul_add(uint32_t w[WORDS], uint32_t mul, uint32_t add)
{
    uint64_t carry = add;
    for (int i = 0; i < WORDS; i++) {
        uint64_t v = (uint64_t)w[i] * mul + carry;
        w[i] = (uint32_t)v;
        carry = v >> 32;
    }
}

/* Divide in place; returns the remainder. */
static uint32_t div_small(uint32_t w[WORDS], uint32_t d)
{
    uint64_t rem = 0;
    for (int i = WORDS - 1; i >= 0; i--) {
        uint64_t cur = (rem << 32) | w[i];
        w[i] = (uint32_t)(cur / d);
        rem = cur % d;
    }
    return (uint32_t)rem;
}

static int is_zero(const uint32_t w[WORDS])
{
    for (int i = 0; i < WORDS; i++)
        if (w[i])
            return 0;
    return 1;
}

/* Magnitude m (little-endian, MAG_BYTES) with a sign to minimal big-endian
 * two's complement; -1 when it needs more than 32 bytes. */
static int to_twos(int negative, const uint8_t m[MAG_BYTES], uint8_t *out, size_t *outlen)
{
    uint8_t t[MAG_BYTES + 1];
    memcpy(t, m, MAG_BYTES);
    t[MAG_BYTES] = 0;
    int zero = 1;
    for (int i = 0; i < MAG_BYTES; i++)
        if (m[i])
            zero = 0;
    if (zero)
        negative = 0;   /* "-0.00" is plain zero */
    if (negative) {
        unsigned carry = 1;
        for (int i = 0; i <= MAG_BYTES; i++) {
            unsigned v = (uint8_t)~t[i] + carry;
            t[i] = (uint8_t)v;
            carry = v >> 8;
        }
    }
    uint8_t ext = negative ? 0xFF : 0x00;
    size_t k = MAG_BYTES + 1;
    while (k > 1 && t[k - 1] == ext && ((t[k - 2] & 0x80) == (ext & 0x80)))
        k--;
    if (k > B2A_DECIMAL_MAX_BYTES)
        return -1;
    for (size_t i = 0; i < k; i++)
        out[i] = t[k - 1 - i];
    *outlen = k;
    return 0;
}

static void words_to_bytes(const uint32_t w[WORDS], uint8_t m[MAG_BYTES])
{
    memset(m, 0, MAG_BYTES);
    for (int i = 0; i < MAG_BYTES; i++)
        m[i] = (uint8_t)(w[i / 4] >> (8 * (i % 4)));
}

int b2a__decimal_from_text(const char *text, size_t len, int precision, int scale,
                           uint8_t out[B2A_DECIMAL_MAX_BYTES], size_t *outlen, b2a_err *err)
{
    if (precision < 1 || precision > B2A_DECIMAL_MAX_PRECISION || scale < 0 || scale > precision)
        return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_AVRO,
                            "decimal(%d,%d) is not a supported precision and scale (1 <= precision <= %d, 0 <= scale <= precision)",
                            precision, scale, B2A_DECIMAL_MAX_PRECISION);
    /* Keep the original text for messages, shortened. */
    int shown = len > 60 ? 60 : (int)len;
    const char *ell = len > 60 ? "..." : "";
    const char *p = text, *end = text + len;
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    int negative = 0;
    if (p < end && (*p == '-' || *p == '+'))
        negative = *p++ == '-';

    uint32_t w[WORDS] = {0};
    int sig = 0;          /* significant integer digits (no leading zeros) */
    int ndigits = 0;      /* all digits seen, to reject "" and "." */
    for (; p < end && *p >= '0' && *p <= '9'; p++, ndigits++) {
        if (sig == 0 && *p == '0')
            continue;
        if (++sig + scale > precision)
            goto too_many;
        mul_add(w, 10, (uint32_t)(*p - '0'));
    }
    int frac = 0;
    if (p < end && *p == '.') {
        for (p++; p < end && *p >= '0' && *p <= '9'; p++, ndigits++) {
            if (frac < scale) {
                mul_add(w, 10, (uint32_t)(*p - '0'));
                frac++;
            } else if (*p != '0') {
                return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_AVRO,
                                    "decimal value \"%.*s%s\" has more than %d fractional digits; refusing to round it to decimal(%d,%d)",
                                    shown, text, ell, scale, precision, scale);
            }
        }
    }
    if (p != end || ndigits == 0) {
        const char *why = "is not a decimal number";
        if (p < end && (*p == 'e' || *p == 'E') && ndigits)
            why = "uses exponent notation, which is not supported";
        else if (p < end && (*p == 'n' || *p == 'N' || *p == 'i' || *p == 'I'))
            why = "is NaN or infinite, which a decimal cannot hold";
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_AVRO, "decimal value \"%.*s%s\" %s",
                            shown, text, ell, why);
    }
    for (; frac < scale; frac++)
        mul_add(w, 10, 0);
    uint8_t m[MAG_BYTES];
    words_to_bytes(w, m);
    if (to_twos(negative, m, out, outlen) < 0)
        goto too_many;      /* cannot happen for precision <= 76 */
    return B2A_OK;

too_many:
    return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_AVRO,
                        "decimal value \"%.*s%s\" has more digits than decimal(%d,%d) allows",
                        shown, text, ell, precision, scale);
}

int b2a__decimal_from_le_magnitude(int negative, const uint8_t *le, size_t n,
                                   uint8_t out[B2A_DECIMAL_MAX_BYTES], size_t *outlen)
{
    uint8_t m[MAG_BYTES] = {0};
    for (size_t i = 0; i < n; i++) {
        if (i < MAG_BYTES)
            m[i] = le[i];
        else if (le[i])
            return B2A_EINVAL;
    }
    return to_twos(negative, m, out, outlen) < 0 ? B2A_EINVAL : B2A_OK;
}

/* Big-endian two's complement to magnitude words; -1 when too long. */
static int to_words(const uint8_t *be, size_t n, uint32_t w[WORDS], int *negative)
{
    memset(w, 0, WORDS * sizeof(*w));
    *negative = n && (be[0] & 0x80);
    if (n == 0)
        return -1;
    /* Leading sign bytes carry no value. */
    uint8_t ext = *negative ? 0xFF : 0x00;
    while (n > 1 && be[0] == ext)
        be++, n--;
    if (n > MAG_BYTES - 1)
        return -1;
    uint8_t m[MAG_BYTES];
    memset(m, ext, MAG_BYTES);
    for (size_t i = 0; i < n; i++)
        m[i] = be[n - 1 - i];
    if (*negative) {
        unsigned carry = 1;
        for (int i = 0; i < MAG_BYTES; i++) {
            unsigned v = (uint8_t)~m[i] + carry;
            m[i] = (uint8_t)v;
            carry = v >> 8;
        }
    }
    for (int i = 0; i < MAG_BYTES; i++)
        w[i / 4] |= (uint32_t)m[i] << (8 * (i % 4));
    return 0;
}

int b2a__decimal_digits(const uint8_t *be, size_t n)
{
    uint32_t w[WORDS];
    int neg;
    if (to_words(be, n, w, &neg) < 0)
        return -1;
    int digits = 0;
    while (!is_zero(w)) {
        div_small(w, 10);
        digits++;
    }
    return digits ? digits : 1;
}

static const uint64_t pow10_u64[20] = {
    1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL,
    100000000ULL, 1000000000ULL, 10000000000ULL, 100000000000ULL, 1000000000000ULL,
    10000000000000ULL, 100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
    100000000000000000ULL, 1000000000000000000ULL, 10000000000000000000ULL,
};

int b2a__decimal_fits(const uint8_t *be, size_t n, int precision)
{
    if (n == 0 || precision < 1)
        return 0;
    if (n <= 8) {
        /* Hot path: sign-extend into 64 bits. */
        uint64_t u = (be[0] & 0x80) ? ~0ULL : 0;
        for (size_t i = 0; i < n; i++)
            u = (u << 8) | be[i];
        uint64_t mag = (be[0] & 0x80) ? (~u + 1) : u;
        return precision >= 20 || mag < pow10_u64[precision];
    }
    int d = b2a__decimal_digits(be, n);
    return d > 0 && d <= precision;
}

int b2a__decimal_to_text(const uint8_t *be, size_t n, int scale, char *buf, size_t cap)
{
    uint32_t w[WORDS];
    int neg;
    char digits[100];
    int nd = 0;
    if (cap == 0)
        return -1;
    if (to_words(be, n, w, &neg) < 0) {
        snprintf(buf, cap, "?");
        return -1;
    }
    do {
        digits[nd++] = (char)('0' + div_small(w, 10));
    } while (!is_zero(w));
    while (nd <= scale)
        digits[nd++] = '0';
    size_t o = 0;
    if (neg && o + 1 < cap)
        buf[o++] = '-';
    for (int i = nd - 1; i >= 0 && o + 1 < cap; i--) {
        buf[o++] = digits[i];
        if (i == scale && scale > 0 && o + 1 < cap)
            buf[o++] = '.';
    }
    buf[o] = '\0';
    return 0;
}

/* The fast path of b2a__decimal_from_text (see decimal.h). */
int b2a__decimal_from_short_text(const char *p, size_t n, int precision, int scale,
                                 uint8_t out[B2A_DECIMAL_MAX_BYTES], size_t *outlen)
{
    static const int64_t pow10[19] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
                                      1000000000, 10000000000, 100000000000, 1000000000000,
                                      10000000000000, 100000000000000, 1000000000000000,
                                      10000000000000000, 100000000000000000, 1000000000000000000};
    if (precision > 18 || scale < 0 || scale > precision || n == 0)
        return 0;
    size_t i = 0;
    int neg = 0, frac = -1, nd = 0;
    if (p[0] == '-' || p[0] == '+') {
        neg = p[0] == '-';
        i++;
    }
    int64_t v = 0;
    for (; i < n; i++) {
        char ch = p[i];
        if (ch >= '0' && ch <= '9') {
            if (++nd > 18)
                return 0;
            v = v * 10 + (ch - '0');
            if (frac >= 0)
                frac++;
        } else if (ch == '.' && frac < 0) {
            frac = 0;
        } else {
            return 0;
        }
    }
    if (nd == 0 || frac > scale)
        return 0;
    int shift = scale - (frac < 0 ? 0 : frac);
    if (v >= pow10[precision - shift >= 0 ? precision - shift : 0] && precision - shift >= 0)
        return 0; /* too many digits: the general routine reports it */
    if (precision - shift < 0 && v != 0)
        return 0;
    v *= pow10[shift];
    if (neg)
        v = -v;
    /* minimal two's complement: the magnitude's bits plus a sign bit */
    uint64_t mag = (uint64_t)(v < 0 ? ~v : v);
    size_t len = (size_t)((mag ? 64 - __builtin_clzll(mag) : 0) + 8) / 8;
    for (size_t k = 0; k < len; k++)
        out[k] = (uint8_t)((uint64_t)v >> (8 * (len - 1 - k)));
    *outlen = len;
    return 1;
}
