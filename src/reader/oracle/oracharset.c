#include "reader/oracle/oracharset.h"

#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

#include "reader/mssql/codepages.h"

struct b2a_oracs {
    int cs;
    const uint16_t *high; /* single-byte sets: bytes 0x80-0xFF */
    iconv_t cd;           /* East Asian multi-byte sets, through glibc */
};

/* glibc's names for the multi-byte sets Oracle calls by these ids. */
static const char *iconv_name(int cs)
{
    switch (cs) {
    case B2A_ORACS_JA16SJIS: return "CP932";
    case B2A_ORACS_KO16MSWIN949: return "CP949";
    case B2A_ORACS_ZHS16GBK: return "GBK";
    default: return NULL;
    }
}

static int windows_cp(int cs)
{
    switch (cs) {
    case B2A_ORACS_EE8MSWIN1250: return 1250;
    case B2A_ORACS_CL8MSWIN1251: return 1251;
    case B2A_ORACS_WE8MSWIN1252: return 1252;
    default: return 0;
    }
}

int b2a__oracs_supported(int cs)
{
    return cs == B2A_ORACS_US7ASCII || cs == B2A_ORACS_WE8ISO8859P1 || cs == B2A_ORACS_UTF8 ||
           cs == B2A_ORACS_AL32UTF8 || cs == B2A_ORACS_AL16UTF16 || iconv_name(cs) ||
           (windows_cp(cs) && b2a__codepage_high(windows_cp(cs)));
}

int b2a__oracs_multibyte(int cs)
{
    return cs == B2A_ORACS_UTF8 || cs == B2A_ORACS_AL32UTF8 || cs == B2A_ORACS_AL16UTF16 || iconv_name(cs);
}

b2a_oracs *b2a__oracs_new(int cs)
{
    if (!b2a__oracs_supported(cs))
        return NULL;
    b2a_oracs *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->cs = cs;
    c->cd = (iconv_t)-1;
    if (windows_cp(cs))
        c->high = b2a__codepage_high(windows_cp(cs));
    if (iconv_name(cs)) {
        c->cd = iconv_open("UTF-8", iconv_name(cs));
        if (c->cd == (iconv_t)-1) {
            free(c);
            return NULL;
        }
    }
    return c;
}

void b2a__oracs_free(b2a_oracs *c)
{
    if (!c)
        return;
    if (c->cd != (iconv_t)-1)
        iconv_close(c->cd);
    free(c);
}

static int reserve(char **out, size_t *cap, size_t len, size_t more)
{
    if (len + more <= *cap)
        return 0;
    size_t n = *cap ? *cap : 256;
    while (n < len + more)
        n *= 2;
    char *p = realloc(*out, n);
    if (!p)
        return -1;
    *out = p;
    *cap = n;
    return 0;
}

static size_t put_cp(char *o, uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12);
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | cp >> 18);
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

#define REPLACEMENT 0xFFFDu

/* One UTF-8 (or, with cesu, CESU-8) sequence at in[0..n): its code point
 * and length, or 0 when the bytes are not a well-formed sequence. */
static size_t utf8_seq(const uint8_t *in, size_t n, uint32_t *cp)
{
    uint8_t b = in[0];
    size_t len;
    uint32_t v, min;
    if (b < 0x80) {
        *cp = b;
        return 1;
    } else if ((b & 0xE0) == 0xC0) {
        len = 2, v = b & 0x1F, min = 0x80;
    } else if ((b & 0xF0) == 0xE0) {
        len = 3, v = b & 0x0F, min = 0x800;
    } else if ((b & 0xF8) == 0xF0) {
        len = 4, v = b & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((in[i] & 0xC0) != 0x80)
            return 0;
        v = v << 6 | (in[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF)
        return 0;
    *cp = v;
    return len;
}

static long from_utf8(const uint8_t *in, size_t n, int cesu, char **out, size_t *cap, size_t *len)
{
    long bad = 0;
    if (reserve(out, cap, *len, n * 3 + 4) != 0)
        return -1;
    char *o = *out + *len;
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        size_t k = utf8_seq(in + i, n - i, &cp);
        if (k == 3 && cp >= 0xD800 && cp <= 0xDBFF && cesu) {
            uint32_t lo;
            size_t k2 = i + 3 < n ? utf8_seq(in + i + 3, n - i - 3, &lo) : 0;
            if (k2 == 3 && lo >= 0xDC00 && lo <= 0xDFFF) {
                o += put_cp(o, 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00));
                i += 6;
                continue;
            }
            k = 0;
        }
        if (k == 0 || (cp >= 0xD800 && cp <= 0xDFFF)) {
            o += put_cp(o, REPLACEMENT);
            bad++;
            i++;
            continue;
        }
        memcpy(o, in + i, k);
        o += k;
        i += k;
    }
    *len = (size_t)(o - *out);
    return bad;
}

static long from_utf16be(const uint8_t *in, size_t n, char **out, size_t *cap, size_t *len)
{
    long bad = 0;
    if (reserve(out, cap, *len, n * 2 + 4) != 0)
        return -1;
    char *o = *out + *len;
    size_t i = 0;
    while (i + 1 < n) {
        uint32_t u = (uint32_t)in[i] << 8 | in[i + 1];
        i += 2;
        if (u >= 0xD800 && u <= 0xDBFF && i + 1 < n) {
            uint32_t lo = (uint32_t)in[i] << 8 | in[i + 1];
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                o += put_cp(o, 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00));
                i += 2;
                continue;
            }
        }
        if (u >= 0xD800 && u <= 0xDFFF) {
            u = REPLACEMENT;
            bad++;
        }
        o += put_cp(o, u);
    }
    if (i < n) { /* an odd trailing byte */
        o += put_cp(o, REPLACEMENT);
        bad++;
    }
    *len = (size_t)(o - *out);
    return bad;
}

static long from_single(const b2a_oracs *c, const uint8_t *in, size_t n, char **out, size_t *cap,
                        size_t *len)
{
    long bad = 0;
    if (reserve(out, cap, *len, n * 3 + 4) != 0)
        return -1;
    char *o = *out + *len;
    for (size_t i = 0; i < n; i++) {
        uint32_t cp = in[i];
        if (cp >= 0x80) {
            if (c->high)
                cp = c->high[cp - 0x80];
            else if (c->cs == B2A_ORACS_US7ASCII) {
                cp = REPLACEMENT;
                bad++;
            }
        }
        o += put_cp(o, cp);
    }
    *len = (size_t)(o - *out);
    return bad;
}

static long from_iconv(b2a_oracs *c, const uint8_t *in, size_t n, char **out, size_t *cap, size_t *len)
{
    long bad = 0;
    char *ip = (char *)in;
    size_t left = n;
    iconv(c->cd, NULL, NULL, NULL, NULL);
    while (left > 0) {
        if (reserve(out, cap, *len, left * 4 + 8) != 0)
            return -1;
        char *op = *out + *len;
        size_t room = *cap - *len;
        size_t r = iconv(c->cd, &ip, &left, &op, &room);
        *len = (size_t)(op - *out);
        if (r != (size_t)-1)
            break;
        if (errno == E2BIG)
            continue;
        /* EILSEQ or EINVAL (a sequence cut at the end): one byte becomes U+FFFD */
        if (reserve(out, cap, *len, 4) != 0)
            return -1;
        *len += put_cp(*out + *len, REPLACEMENT);
        bad++;
        ip++;
        left--;
        iconv(c->cd, NULL, NULL, NULL, NULL);
    }
    return bad;
}

long b2a__oracs_to_utf8(b2a_oracs *c, const uint8_t *in, size_t n, char **out, size_t *cap, size_t *len)
{
    switch (c->cs) {
    case B2A_ORACS_AL32UTF8: return from_utf8(in, n, 0, out, cap, len);
    case B2A_ORACS_UTF8: return from_utf8(in, n, 1, out, cap, len);
    case B2A_ORACS_AL16UTF16: return from_utf16be(in, n, out, cap, len);
    default: break;
    }
    if (c->cd != (iconv_t)-1)
        return from_iconv(c, in, n, out, cap, len);
    return from_single(c, in, n, out, cap, len);
}
