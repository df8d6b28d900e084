#include "reader/oracle/oravalue.h"

#include <stdio.h>
#include <string.h>

#include "util/civil.h"

/* NUMBER: byte 0 holds the sign (bit 7 set = positive) and a base-100
 * exponent biased by 65 (complemented for negatives); each following byte is
 * a base-100 digit, stored +1 (positive) or as 101 - d (negative, with an
 * optional trailing 102). 0x80 alone is zero. */
int b2a__oranum_text(const uint8_t *p, size_t n, char *buf, size_t cap, int *int_digits,
                     int *frac_digits, int *special)
{
    int idig = 1, fdig = 0, spec = 0, len = -1;
    if (n == 0 || n > 22)
        return -1;
    if (n == 1 && p[0] == 0x80) {
        len = snprintf(buf, cap, "0");
    } else if ((n == 1 && p[0] == 0x00) || (n == 2 && p[0] == 0xFF && p[1] == 0x65)) {
        spec = 1;
        len = snprintf(buf, cap, "%s", p[0] == 0xFF ? "Infinity" : "-Infinity");
    } else {
        int neg = !(p[0] & 0x80);
        int e = (neg ? (~p[0] & 0x7F) : (p[0] & 0x7F)) - 65; /* 100^e is the first digit's place */
        size_t k = n - 1;
        if (neg && k > 0 && p[n - 1] == 102)
            k--;
        if (k == 0)
            return -1;
        uint8_t d[21];
        for (size_t i = 0; i < k; i++) {
            int v = neg ? 101 - p[1 + i] : p[1 + i] - 1;
            if (v < 0 || v > 99)
                return -1;
            d[i] = (uint8_t)v;
        }
        /* pairs of decimal digits from place e down to place e-k+1 */
        /* places run from 10^125 (e = 62) down to 10^-130 and 20 digits
         * further (e = -65 with 20 base-100 digits): at most 148 of them */
        char digits[2 * 150];
        int lo = e - (int)k + 1; /* lowest base-100 place present */
        int top = e > 0 ? e : 0, bottom = lo < 0 ? lo : 0;
        if (top - bottom + 1 > 150)
            return -1;
        size_t nd = 0;
        for (int place = top; place >= bottom; place--) {
            int idx = e - place;
            int v = (idx >= 0 && idx < (int)k) ? d[idx] : 0;
            digits[nd++] = (char)('0' + v / 10);
            digits[nd++] = (char)('0' + v % 10);
        }
        size_t ilen = (size_t)(top + 1) * 2; /* digits before the point */
        size_t istart = 0;
        while (istart + 1 < ilen && digits[istart] == '0')
            istart++;
        size_t fend = nd;
        while (fend > ilen && digits[fend - 1] == '0')
            fend--;
        idig = (int)(ilen - istart);
        fdig = (int)(fend - ilen);
        size_t need = (size_t)neg + (ilen - istart) + (fdig ? 1 + (size_t)fdig : 0) + 1;
        if (need > cap)
            return -1;
        size_t o = 0;
        if (neg)
            buf[o++] = '-';
        memcpy(buf + o, digits + istart, ilen - istart);
        o += ilen - istart;
        if (fdig) {
            buf[o++] = '.';
            memcpy(buf + o, digits + ilen, (size_t)fdig);
            o += (size_t)fdig;
        }
        buf[o] = '\0';
        len = (int)o;
    }
    if (len < 0 || (size_t)len >= cap)
        return -1;
    if (int_digits)
        *int_digits = idig;
    if (frac_digits)
        *frac_digits = fdig;
    if (special)
        *special = spec;
    return len;
}

int b2a__oranum_i64(const uint8_t *p, size_t n, int64_t *out)
{
    if (n == 1 && p[0] == 0x80) {
        *out = 0;
        return 0;
    }
    if (n < 2 || n > 11)
        return -1;
    int neg = !(p[0] & 0x80);
    int e = (neg ? (~p[0] & 0x7F) : (p[0] & 0x7F)) - 65;
    size_t k = n - 1;
    if (neg && p[n - 1] == 102)
        k--;
    if (k == 0 || e < 0 || e > 8 || (int)k > e + 1)
        return -1; /* a fraction, or 10^18 and above */
    int64_t v = 0;
    for (int place = e, i = 0; place >= 0; place--, i++) {
        int d = 0;
        if (i < (int)k) {
            d = neg ? 101 - p[1 + i] : p[1 + i] - 1;
            if (d < 0 || d > 99)
                return -1;
        }
        v = v * 100 + d;
    }
    if (e == 8 && v >= INT64_C(1000000000000000000))
        return -1;
    *out = neg ? -v : v;
    return 0;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The 7 date bytes: century+100, year+100, month, day, hour+1, minute+1, second+1. */
static int date7(const uint8_t *p, int64_t *micros)
{
    int c = p[0] - 100, y = p[1] - 100;
    unsigned mo = p[2], d = p[3], h = p[4] - 1u, mi = p[5] - 1u, s = p[6] - 1u;
    if (p[0] < 1 || p[1] < 1 || p[1] > 199 || mo < 1 || mo > 12 || d < 1 || d > 31 || p[4] < 1 ||
        h > 23 || p[5] < 1 || mi > 59 || p[6] < 1 || s > 59)
        return -1;
    int64_t year = (int64_t)c * 100 + y;
    if (year <= 0)
        year++; /* Oracle's years BC are -1, -2...: no year 0, unlike the proleptic count */
    int64_t days = b2a__days_from_civil(year, mo, d);
    *micros = ((days * 24 + h) * 60 + mi) * 60 * INT64_C(1000000) + (int64_t)s * 1000000;
    return 0;
}

int b2a__oradate_micros(const uint8_t *p, size_t n, int64_t *out)
{
    if (n != 7 && n != 11)
        return -1;
    if (date7(p, out) != 0)
        return -1;
    if (n == 11) {
        uint32_t ns = be32(p + 7);
        if (ns > 999999999u)
            return -1;
        *out += ns / 1000;
    }
    return 0;
}

int b2a__oratstz_micros(const uint8_t *p, size_t n, int64_t *out, char zone[16])
{
    zone[0] = '\0';
    if (n == 7 || n == 11)
        return b2a__oradate_micros(p, n, out);
    if (n != 13 || b2a__oradate_micros(p, 11, out) != 0)
        return -1;
    if (p[11] & 0x80) {
        /* a region id in the low 12 bits of the two zone bytes (decoders.pyx) */
        unsigned region = ((unsigned)(p[11] & 0x7F) << 6) | (unsigned)(p[12] >> 2);
        snprintf(zone, 16, "region:%u", region);
    } else {
        int h = p[11] - 20, m = p[12] - 60;
        if (h < -15 || h > 15 || m < -59 || m > 59)
            return -1;
        snprintf(zone, 16, "%c%02d:%02d", h < 0 || (h == 0 && m < 0) ? '-' : '+', h < 0 ? -h : h,
                 m < 0 ? -m : m);
    }
    return 0;
}

/* Seconds with up to 9 fractional digits, trailing zeros dropped: "6.78". */
static int secs_text(char *buf, size_t cap, uint32_t s, uint32_t ns)
{
    if (!ns)
        return snprintf(buf, cap, "%u", s);
    char frac[16];
    snprintf(frac, sizeof(frac), "%09u", ns);
    size_t f = 9;
    while (f > 0 && frac[f - 1] == '0')
        f--;
    frac[f] = '\0';
    return snprintf(buf, cap, "%u.%s", s, frac);
}

int b2a__oraiym_text(const uint8_t *p, size_t n, char *buf, size_t cap)
{
    if (n != 5)
        return -1;
    int64_t years = (int64_t)be32(p) - INT64_C(0x80000000);
    int64_t months = (int64_t)p[4] - 60;
    if (months < -11 || months > 11 || (years > 0 && months < 0) || (years < 0 && months > 0))
        return -1;
    int neg = years < 0 || months < 0;
    int64_t y = years < 0 ? -years : years, m = months < 0 ? -months : months;
    int len = snprintf(buf, cap, "%sP%lldY%lldM", neg ? "-" : "", (long long)y, (long long)m);
    return len < 0 || (size_t)len >= cap ? -1 : len;
}

int b2a__oraids_text(const uint8_t *p, size_t n, char *buf, size_t cap)
{
    if (n != 11)
        return -1;
    int64_t days = (int64_t)be32(p) - INT64_C(0x80000000);
    int h = p[4] - 60, mi = p[5] - 60, s = p[6] - 60;
    int64_t ns = (int64_t)be32(p + 7) - INT64_C(0x80000000);
    if (h < -23 || h > 23 || mi < -59 || mi > 59 || s < -59 || s > 59 || ns < -999999999 || ns > 999999999)
        return -1;
    int neg = days < 0 || h < 0 || mi < 0 || s < 0 || ns < 0;
    if (neg && (days > 0 || h > 0 || mi > 0 || s > 0 || ns > 0))
        return -1; /* mixed signs: not a value Oracle writes */
    uint64_t ad = (uint64_t)(days < 0 ? -days : days);
    unsigned ah = (unsigned)(h < 0 ? -h : h), am = (unsigned)(mi < 0 ? -mi : mi),
             as = (unsigned)(s < 0 ? -s : s);
    uint32_t ans = (uint32_t)(ns < 0 ? -ns : ns);
    char secs[32];
    secs_text(secs, sizeof(secs), as, ans);
    int len;
    if (!ah && !am && !as && !ans)
        len = snprintf(buf, cap, "%sP%lluD", neg ? "-" : "", (unsigned long long)ad);
    else
        len = snprintf(buf, cap, "%sP%lluDT%uH%uM%sS", neg ? "-" : "", (unsigned long long)ad, ah, am, secs);
    return len < 0 || (size_t)len >= cap ? -1 : len;
}

/* Undo the sortable encoding: positives have the sign bit set, negatives are inverted. */
static void unsort(const uint8_t *p, size_t n, uint8_t *out)
{
    if (p[0] & 0x80) {
        memcpy(out, p, n);
        out[0] &= 0x7F;
    } else {
        for (size_t i = 0; i < n; i++)
            out[i] = (uint8_t)~p[i];
    }
}

int b2a__orafloat(const uint8_t *p, size_t n, float *out)
{
    if (n != 4)
        return -1;
    uint8_t b[4];
    unsort(p, 4, b);
    uint32_t u = be32(b);
    memcpy(out, &u, sizeof(*out));
    return 0;
}

int b2a__oradouble(const uint8_t *p, size_t n, double *out)
{
    if (n != 8)
        return -1;
    uint8_t b[8];
    unsort(p, 8, b);
    uint64_t u = (uint64_t)be32(b) << 32 | be32(b + 4);
    memcpy(out, &u, sizeof(*out));
    return 0;
}
