/* PostgreSQL binary COPY: header, numeric and uuid decoding. */
#include "pg/binary.h"

#include <stdio.h>
#include <string.h>

static int too_short(b2a_err *err, const char *what, size_t n)
{
    return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_ODBC, "PostgreSQL COPY: %s of %zu bytes is malformed", what, n);
}

int b2a__pg_copy_header(const uint8_t *p, size_t n, size_t *len, b2a_err *err)
{
    if (n < B2A_PG_COPY_SIGNATURE_LEN + 8 || memcmp(p, B2A_PG_COPY_SIGNATURE, B2A_PG_COPY_SIGNATURE_LEN) != 0)
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_ODBC,
                            "PostgreSQL COPY: the stream does not start with the binary COPY signature");
    uint32_t flags = b2a__pg_be32(p + B2A_PG_COPY_SIGNATURE_LEN);
    uint32_t ext = b2a__pg_be32(p + B2A_PG_COPY_SIGNATURE_LEN + 4);
    /* bit 16: OIDs in every tuple; 17-31: incompatible changes */
    if (flags & 0xFFFF0000u)
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_ODBC,
                            "PostgreSQL COPY: header flags 0x%08x ask for a format this reader does not know",
                            (unsigned)flags);
    size_t total = B2A_PG_COPY_SIGNATURE_LEN + 8 + (size_t)ext;
    if (ext > n || total > n)
        return too_short(err, "header", n);
    *len = total;
    return B2A_OK;
}

/* numeric's four header fields; B2A_EFORMAT when n does not match them */
static int numeric_head(const uint8_t *p, size_t n, int *ndigits, int *weight, unsigned *sign, int *dscale,
                        b2a_err *err)
{
    *ndigits = *weight = *dscale = 0; /* defined on every return, which -O3 cannot see otherwise */
    *sign = 0;
    if (n < 8)
        return too_short(err, "numeric value", n);
    *ndigits = (int16_t)b2a__pg_be16(p);
    *weight = (int16_t)b2a__pg_be16(p + 2);
    *sign = b2a__pg_be16(p + 4);
    *dscale = (int16_t)b2a__pg_be16(p + 6);
    if (*ndigits < 0 || *dscale < 0 || n != 8 + 2 * (size_t)*ndigits)
        return too_short(err, "numeric value", n);
    for (int i = 0; i < *ndigits; i++)
        if (b2a__pg_be16(p + 8 + 2 * i) > 9999)
            return too_short(err, "numeric value", n);
    return B2A_OK;
}

int b2a__pg_numeric_text(const uint8_t *p, size_t n, char *buf, size_t cap, b2a_err *err)
{
    int nd, weight, dscale;
    unsigned sign;
    int rc = numeric_head(p, n, &nd, &weight, &sign, &dscale, err);
    if (rc)
        return rc;
    const char *special = sign == B2A_PG_NUMERIC_NAN    ? "NaN"
                          : sign == B2A_PG_NUMERIC_PINF ? "Infinity"
                          : sign == B2A_PG_NUMERIC_NINF ? "-Infinity"
                                                        : NULL;
    if (special || (sign != B2A_PG_NUMERIC_POS && sign != B2A_PG_NUMERIC_NEG)) {
        if (!special)
            return too_short(err, "numeric value", n);
        snprintf(buf, cap, "%s", special);
        return B2A_OK;
    }
    size_t o = 0;
#define PUT(ch) do { if (o + 1 < cap) buf[o++] = (ch); } while (0)
    if (sign == B2A_PG_NUMERIC_NEG)
        PUT('-');
    if (weight < 0) {
        PUT('0');
    } else {
        for (int i = 0; i <= weight; i++) {
            int d = i < nd ? b2a__pg_be16(p + 8 + 2 * i) : 0;
            char t[8];
            int tl = snprintf(t, sizeof t, i == 0 ? "%d" : "%04d", d);
            for (int k = 0; k < tl; k++)
                PUT(t[k]);
        }
    }
    if (dscale > 0) {
        PUT('.');
        /* digit i of the base-10000 array holds 10000^(weight - i) */
        int written = 0;
        for (int i = weight + 1; written < dscale; i++) {
            int d = i >= 0 && i < nd ? b2a__pg_be16(p + 8 + 2 * i) : 0;
            char t[8];
            snprintf(t, sizeof t, "%04d", d);
            for (int k = 0; k < 4 && written < dscale; k++, written++)
                PUT(t[k]);
        }
    }
#undef PUT
    if (cap)
        buf[o] = '\0';
    return B2A_OK;
}

static const uint32_t pow10_u32[5] = {1, 10, 100, 1000, 10000};

static const uint64_t pow10_u64[20] = {
    1u, 10u, 100u, 1000u, 10000u, 100000u, 1000000u, 10000000u, 100000000u, 1000000000u, 10000000000u,
    100000000000u, 1000000000000u, 10000000000000u, 100000000000000u, 1000000000000000u,
    10000000000000000u, 100000000000000000u, 1000000000000000000u, 10000000000000000000u};

/* 10^k for 0 <= k <= 38 */
static inline unsigned __int128 p10(int k)
{
    return k <= 19 ? pow10_u64[k] : (unsigned __int128)pow10_u64[k - 19] * pow10_u64[19];
}

static int digits_of(unsigned d)
{
    return d >= 1000 ? 4 : d >= 100 ? 3 : d >= 10 ? 2 : 1;
}

/* The exact unscaled value at scale when it has at most precision (<= 38)
 * digits; 0 when it does not fit, or has a non-zero digit beyond scale. */
static int unscaled(const uint8_t *p, int nd, int weight, int precision, int scale, unsigned __int128 *out)
{
    unsigned __int128 v = 0;
    for (int i = 0; i < nd; i++) {
        unsigned d = b2a__pg_be16(p + 8 + 2 * i);
        if (d == 0)
            continue;
        int e10 = 4 * (weight - i) + scale; /* this digit counts d * 10^e10 units of the scale */
        if (e10 >= 0) {
            if (digits_of(d) + e10 > precision)
                return 0;
            v += (unsigned __int128)d * p10(e10);
            if (v >= p10(precision))
                return 0;
        } else if (e10 > -4) {
            if (d % pow10_u32[-e10])
                return 0;
            v += d / pow10_u32[-e10];
            if (v >= p10(precision))
                return 0;
        } else {
            return 0;
        }
    }
    *out = v;
    return 1;
}

int b2a__pg_numeric_decimal(const uint8_t *p, size_t n, int precision, int scale,
                            uint8_t out[B2A_DECIMAL_MAX_BYTES], size_t *outlen, b2a_err *err)
{
    int nd, weight, dscale;
    unsigned sign;
    int rc = numeric_head(p, n, &nd, &weight, &sign, &dscale, err);
    if (rc)
        return rc;
    unsigned __int128 v;
    if ((sign == B2A_PG_NUMERIC_POS || sign == B2A_PG_NUMERIC_NEG) && precision >= 1 && precision <= 38 &&
        scale >= 0 && scale <= precision && unscaled(p, nd, weight, precision, scale, &v)) {
        if (v <= (unsigned __int128)INT64_MAX) {
            /* the common case, directly: the magnitude's bits plus a sign bit */
            int64_t sv = sign == B2A_PG_NUMERIC_NEG ? -(int64_t)v : (int64_t)v;
            uint64_t mag = (uint64_t)(sv < 0 ? ~sv : sv);
            size_t len = (size_t)((mag ? 64 - __builtin_clzll(mag) : 0) + 8) / 8;
            for (size_t k = 0; k < len; k++)
                out[k] = (uint8_t)((uint64_t)sv >> (8 * (len - 1 - k)));
            *outlen = len;
            return B2A_OK;
        }
        uint8_t le[16];
        for (int k = 0; k < 16; k++)
            le[k] = (uint8_t)(v >> (8 * k));
        if (b2a__decimal_from_le_magnitude(sign == B2A_PG_NUMERIC_NEG && v != 0, le, sizeof le, out, outlen) ==
            B2A_OK)
            return B2A_OK;
    }
    /* Everything else goes through the text form, which refuses it with
     * the same words as a value read as text (or converts a precision
     * above 38, which no column here has). */
    char text[4 * 2000 + 64];
    if ((rc = b2a__pg_numeric_text(p, n, text, sizeof text, err)))
        return rc;
    return b2a__decimal_from_text(text, strlen(text), precision, scale, out, outlen, err);
}

void b2a__pg_uuid_text(const uint8_t *p, char out[36])
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[p[i] >> 4];
        out[o++] = hex[p[i] & 15];
    }
}
