/* CD records (docs/mssql-bak-format.md §2.7). Where each layout fact
 * comes from:
 * - header bits (0x01 CD format, 0x02 versioning, bits 2-4 record type,
 *   0x20 long-data region), the 1/2-byte column count, the 4-bit
 *   descriptors (low nibble first), clusters of 30 columns with a length
 *   byte for every cluster but the last, the long-data region (flag byte,
 *   u16 count, u16 cumulative end offsets with 0x8000 = complex, one
 *   cluster byte per cluster but the last): OrcaMDF CompressedRecord.cs,
 *   InternalsViewer CompressedDataRecordLoader, mssqlbak-tests
 *   docs/spec/04_ROWSTORE_COMPRESSED.md §3.4;
 * - integers as excess-2^(8n-1) big-endian, minimal width (OrcaMDF's
 *   integer tests: -1 = 7F, 128 = 80 80), datetime as one such integer
 *   (days << 32 | ticks; OrcaMDF's datetime test bytes);
 * - real/float/smalldatetime with their low zero bytes dropped, the 2008
 *   temporal types with their high zero bytes dropped (04_ROWSTORE §3.4);
 * - vardecimal: sign bit, exponent + 64, 10-bit base-1000 groups
 *   (improve.dk "The Anatomy of Vardecimals");
 * - char/binary trailing padding removed (Microsoft, "Row Compression
 *   Implementation"); nchar/nvarchar odd length = SCSU, even = UTF-16LE
 *   (Microsoft, "Unicode Compression Implementation"; 04_ROWSTORE on the
 *   trailing pad byte); SCSU itself from Unicode Technical Report #6. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bak2avro/errors.h"
#include "reader/mssql/page.h"
#include "reader/mssql/record_cd.h"

#define CLUSTER 30

static int fail(char *why, size_t whylen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *why, size_t whylen, const char *fmt, ...)
{
    if (why && whylen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, whylen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

size_t b2a__cd_varlen(const uint8_t *p, size_t n, unsigned *value)
{
    if (n < 1)
        return 0;
    if (!(p[0] & 0x80)) {
        *value = p[0];
        return 1;
    }
    if (n < 2)
        return 0;
    *value = ((unsigned)(p[0] & 0x7F) << 8) | p[1];
    return 2;
}

static unsigned nibble(const uint8_t *cd, unsigned i) { return (cd[i / 2] >> ((i & 1) * 4)) & 0xF; }

int b2a__cdrec_parse(b2a_cdrec *r, const uint8_t *p, size_t maxlen, b2a_cdval *vals, size_t nvals,
                     char *why, size_t whylen)
{
    memset(r, 0, sizeof *r);
    r->p = p;
    if (maxlen < 1)
        return fail(why, whylen, "empty record");
    r->header = p[0];
    r->len = 1;
    if (!(p[0] & 1))
        return fail(why, whylen, "not a compressed (CD) record (header byte 0x%02X)", p[0]);
    r->type = (p[0] >> 2) & 7;
    if (r->type != B2A_CDREC_PRIMARY && r->type != B2A_CDREC_FORWARDED)
        return 0;
    unsigned ncols;
    size_t pos = 1, k = b2a__cd_varlen(p + 1, maxlen - 1, &ncols);
    if (!k)
        return fail(why, whylen, "the column count is cut off");
    pos += k;
    size_t nb = (ncols + 1) / 2;
    if (nb > maxlen - pos)
        return fail(why, whylen, "the descriptor array of %u columns runs past the record", ncols);
    const uint8_t *cd = p + pos;
    pos += nb;
    size_t nclu = ncols ? (ncols - 1) / CLUSTER + 1 : 0, narr = nclu ? nclu - 1 : 0;
    if (narr > maxlen - pos)
        return fail(why, whylen, "the short-data cluster array runs past the record");
    const uint8_t *sclu = p + pos;
    pos += narr;

    /* Short-data region: values in column order, cluster by cluster. */
    unsigned nlong = 0;
    size_t cstart = pos;
    for (unsigned i = 0; i < ncols; i++) {
        unsigned d = nibble(cd, i);
        if (d > B2A_CD_SYMBOL)
            return fail(why, whylen, "column %u has the undefined descriptor 0x%X", i + 1, d);
        size_t sz = d >= 2 && d <= 9 ? d - 1 : d == B2A_CD_SYMBOL ? 1 : 0;
        if (sz > maxlen - pos)
            return fail(why, whylen, "the short value of column %u runs past the record", i + 1);
        if (i < nvals) {
            vals[i].cd = (uint8_t)d;
            vals[i].p = sz ? p + pos : NULL;
            vals[i].n = (uint16_t)sz;
            vals[i].complex = 0;
        }
        pos += sz;
        nlong += d == B2A_CD_LONG;
        if ((i + 1) % CLUSTER == 0 && i + 1 < ncols) {
            unsigned want = sclu[i / CLUSTER];
            if (pos - cstart != want)
                return fail(why, whylen, "short-data cluster %u holds %zu bytes but its length byte says %u",
                            i / CLUSTER + 1, pos - cstart, want);
            cstart = pos;
        }
    }

    /* Long-data region: values over 8 bytes and LOB pointers. */
    if (p[0] & 0x20) {
        if (3 > maxlen - pos)
            return fail(why, whylen, "the long-data header runs past the record");
        unsigned cnt = b2a__rd16(p + pos + 1);
        pos += 3;
        if (cnt != nlong)
            return fail(why, whylen, "the long-data region lists %u values but the descriptors mark %u", cnt, nlong);
        if (2 * (size_t)cnt > maxlen - pos)
            return fail(why, whylen, "the long-data offsets run past the record");
        const uint8_t *offs = p + pos;
        pos += 2 * (size_t)cnt;
        if (narr > maxlen - pos)
            return fail(why, whylen, "the long-data cluster array runs past the record");
        pos += narr;
        size_t base = pos, prev = 0;
        unsigned li = 0;
        for (unsigned i = 0; i < ncols && li < cnt; i++) {
            if (nibble(cd, i) != B2A_CD_LONG)
                continue;
            uint16_t o = b2a__rd16(offs + 2 * (size_t)li);
            size_t end = o & 0x7FFF;
            if (end < prev || end > maxlen - base)
                return fail(why, whylen, "the long value of column %u (bytes %zu..%zu of the long data) runs outside the record",
                            i + 1, prev, end);
            if (i < nvals) {
                vals[i].p = p + base + prev;
                vals[i].n = (uint16_t)(end - prev);
                vals[i].complex = (uint8_t)(o >> 15);
            }
            prev = end;
            li++;
        }
        pos = base + prev;
    } else if (nlong) {
        return fail(why, whylen, "%u columns are marked long but the record has no long-data region", nlong);
    }
    r->ncols = ncols;
    r->len = pos;
    return 0;
}

/* --- value reconstruction ---------------------------------------------- */

static int put(b2a_mbuf *o, const void *p, size_t n) { return b2a__mbuf_append(o, p, n) < 0 ? B2A_ENOMEM : 0; }

static int pad(b2a_mbuf *o, uint8_t byte, size_t n)
{
    if (b2a__mbuf_reserve(o, o->n + n + 1) < 0)
        return B2A_ENOMEM;
    memset(o->p + o->n, byte, n);
    o->n += n;
    return 0;
}

static int put_le(b2a_mbuf *o, uint64_t v, size_t w)
{
    uint8_t b[8];
    for (size_t i = 0; i < w; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    return put(o, b, w);
}

/* Excess-2^(8n-1) big-endian integer of n <= 8 bytes. */
static int64_t excess(const uint8_t *v, size_t n)
{
    if (n == 0)
        return 0;
    uint64_t u = 0;
    for (size_t i = 0; i < n; i++)
        u = (u << 8) | v[i];
    if (n == 8) {
        int64_t r;
        u ^= UINT64_C(1) << 63;
        memcpy(&r, &u, 8);
        return r;
    }
    return (int64_t)u - (int64_t)(UINT64_C(1) << (8 * n - 1));
}

/* 17-byte little-endian magnitude helpers for vardecimal. */
#define MAG 17
static int mag_muladd(uint8_t *m, unsigned mul, unsigned add)
{
    unsigned carry = add;
    for (int i = 0; i < MAG; i++) {
        unsigned v = m[i] * mul + carry;
        m[i] = (uint8_t)v;
        carry = v >> 8;
    }
    return carry ? -1 : 0;
}
static unsigned mag_div10(uint8_t *m)
{
    unsigned rem = 0;
    for (int i = MAG; i-- > 0;) {
        unsigned cur = rem * 256 + m[i];
        m[i] = (uint8_t)(cur / 10);
        rem = cur % 10;
    }
    return rem;
}
static int mag_zero(const uint8_t *m)
{
    for (int i = 0; i < MAG; i++)
        if (m[i])
            return 0;
    return 1;
}
static int mag_digits(const uint8_t *m)
{
    uint8_t t[MAG];
    int d = 0;
    memcpy(t, m, MAG);
    while (!mag_zero(t)) {
        mag_div10(t);
        d++;
    }
    return d;
}

/* Vardecimal -> [sign: 1 = +][16-byte LE unscaled magnitude]. */
static int vardecimal(const b2a_mtype *t, const uint8_t *v, size_t n, b2a_mbuf *out, char *why, size_t whylen)
{
    uint8_t m[MAG];
    memset(m, 0, sizeof m);
    int neg = 0;
    if (n == 1 || n > 21)
        return fail(why, whylen, "a %zu-byte vardecimal (2 to 21 bytes expected)", n);
    if (n >= 2) {
        neg = !(v[0] & 0x80);
        int e = (v[0] & 0x7F) - 64;
        size_t nbits = (n - 1) * 8, ng = (nbits + 9) / 10;
        unsigned g[16];
        for (size_t k = 0; k < ng; k++) {
            unsigned val = 0;
            for (size_t b = 0; b < 10; b++) {
                size_t bit = k * 10 + b;
                unsigned on = bit < nbits ? (v[1 + bit / 8] >> (7 - bit % 8)) & 1 : 0;
                val = (val << 1) | on;
            }
            if (val > 999)
                return fail(why, whylen, "vardecimal group %zu is %u (over 999)", k + 1, val);
            g[k] = val;
        }
        while (ng > 0 && g[ng - 1] == 0)
            ng--;
        for (size_t k = 0; k < ng; k++)
            if (mag_muladd(m, 1000, g[k]) < 0)
                return fail(why, whylen, "vardecimal mantissa out of range");
        if (ng) {
            /* value = M / 10^(digits(M)-1) * 10^e; we want value * 10^scale. */
            int shift = e - (mag_digits(m) - 1) + t->scale;
            for (; shift < 0; shift++) {
                uint8_t q[MAG];
                memcpy(q, m, MAG);
                if (mag_div10(q) != 0)
                    return fail(why, whylen, "vardecimal has more fractional digits than scale %u", t->scale);
                memcpy(m, q, MAG);
            }
            for (; shift > 0; shift--)
                if (mag_muladd(m, 10, 0) < 0)
                    return fail(why, whylen, "vardecimal out of range");
            int prec = t->prec >= 1 && t->prec <= 38 ? t->prec : 38;
            if (m[16] || mag_digits(m) > prec)
                return fail(why, whylen, "vardecimal value has more than %d digits", prec);
        }
    }
    uint8_t sign = (uint8_t)(neg && !mag_zero(m) ? 0 : 1);
    int rc = put(out, &sign, 1);
    return rc ? rc : put(out, m, 16);
}

static int unicode(const b2a_mtype *t, const uint8_t *v, size_t n, b2a_mbuf *out, char *why, size_t whylen)
{
    /* (max) values are never Unicode-compressed; odd length marks SCSU. */
    if (t->length < 0 || n % 2 == 0)
        return put(out, v, n);
    return b2a__scsu_to_utf16le(v, n, out, why, whylen);
}

static size_t time_bytes(int scale) { return scale <= 2 ? 3 : scale <= 4 ? 4 : 5; }

int b2a__cd_uncompress(const b2a_mtype *t, const uint8_t *v, size_t n, b2a_mbuf *out, char *why, size_t whylen)
{
    out->n = 0;
    size_t w = 0;
    int rc;
    switch (t->xtype) {
    case B2A_MT_TINYINT:
        if (n > 1)
            break;
        return put_le(out, n ? v[0] : 0, 1);
    case B2A_MT_SMALLINT: w = 2; goto integer;
    case B2A_MT_INT: case B2A_MT_SMALLMONEY: w = 4; goto integer;
    case B2A_MT_BIGINT: case B2A_MT_MONEY: case B2A_MT_TIMESTAMP: w = 8;
    integer:
        if (n > w)
            break;
        return put_le(out, (uint64_t)excess(v, n), w);
    case B2A_MT_DATETIME: {
        if (n > 8)
            break;
        int64_t x = excess(v, n);
        uint32_t ticks = (uint32_t)((uint64_t)x & 0xFFFFFFFFu);
        int64_t days = (x - (int64_t)ticks) / (INT64_C(1) << 32);
        if ((rc = put_le(out, ticks, 4)) != 0)
            return rc;
        return put_le(out, (uint64_t)days, 4);
    }
    case B2A_MT_SMALLDATETIME: case B2A_MT_REAL: w = 4; goto low_zeros;
    case B2A_MT_FLOAT: w = 8;
    low_zeros:
        if (n > w)
            break;
        if ((rc = pad(out, 0, w - n)) != 0)
            return rc;
        return put(out, v, n);
    case B2A_MT_DATE: w = 3; goto high_zeros;
    case B2A_MT_TIME: w = time_bytes(t->scale); goto high_zeros;
    case B2A_MT_DATETIME2: w = time_bytes(t->scale) + 3; goto high_zeros;
    case B2A_MT_DATETIMEOFFSET: w = time_bytes(t->scale) + 5;
    high_zeros:
        if (n > w)
            break;
        if ((rc = put(out, v, n)) != 0)
            return rc;
        return pad(out, 0, w - n);
    case B2A_MT_DECIMAL: case B2A_MT_NUMERIC:
        return vardecimal(t, v, n, out, why, whylen);
    case B2A_MT_CHAR: case B2A_MT_BINARY:
        w = t->length > 0 ? (size_t)t->length : n;
        if (n > w)
            break;
        if ((rc = put(out, v, n)) != 0)
            return rc;
        return pad(out, t->xtype == B2A_MT_CHAR ? 0x20 : 0, w - n);
    case B2A_MT_NCHAR:
        if ((rc = unicode(t, v, n, out, why, whylen)) != 0)
            return rc;
        if (t->length > 0 && out->n <= (size_t)t->length) {
            while (out->n + 2 <= (size_t)t->length)
                if ((rc = put(out, "\x20\x00", 2)) != 0)
                    return rc;
            return 0;
        }
        if (t->length > 0)
            return fail(why, whylen, "nchar value of %zu bytes in a column of %d", out->n, t->length);
        return 0;
    case B2A_MT_NVARCHAR:
        return unicode(t, v, n, out, why, whylen);
    case B2A_MT_UNIQUEIDENTIFIER:
        if (n != 16)
            break;
        return put(out, v, n);
    default:
        return put(out, v, n);
    }
    return fail(why, whylen, "a compressed value of %zu bytes is too long for its type", n);
}

/* --- SCSU (Unicode Technical Report #6) ---------------------------------- */

static const uint32_t static_win[8] = { 0x0000, 0x0080, 0x0100, 0x0300, 0x2000, 0x2080, 0x2100, 0x3000 };
static const uint32_t default_dyn[8] = { 0x0080, 0x00C0, 0x0400, 0x0600, 0x0900, 0x3040, 0x30A0, 0xFF00 };

static int win_offset(uint8_t x, uint32_t *off)
{
    static const uint32_t fixed[7] = { 0x00C0, 0x0250, 0x0370, 0x0530, 0x3040, 0x30A0, 0xFF60 };
    if (x == 0 || (x >= 0xA8 && x <= 0xF8))
        return -1;
    *off = x < 0x68 ? x * 0x80u : x < 0xA8 ? x * 0x80u + 0xAC00 : fixed[x - 0xF9];
    return 0;
}

static int put_unit(b2a_mbuf *o, unsigned u)
{
    uint8_t b[2] = { (uint8_t)u, (uint8_t)(u >> 8) };
    return put(o, b, 2);
}

static int put_cp(b2a_mbuf *o, uint32_t c)
{
    if (c < 0x10000)
        return put_unit(o, c);
    c -= 0x10000;
    int rc = put_unit(o, 0xD800 + (c >> 10));
    return rc ? rc : put_unit(o, 0xDC00 + (c & 0x3FF));
}

int b2a__scsu_to_utf16le(const uint8_t *p, size_t n, b2a_mbuf *out, char *why, size_t whylen)
{
    uint32_t dyn[8];
    memcpy(dyn, default_dyn, sizeof dyn);
    unsigned active = 0;
    int unicode_mode = 0, rc = 0;
    size_t i = 0;
    while (i < n && rc == 0) {
        uint8_t b = p[i];
        size_t need;
        if (!unicode_mode) {
            if (b >= 0x80) {
                rc = put_cp(out, dyn[active] + (b - 0x80u));
                i++;
                continue;
            }
            if (b >= 0x20 || b == 0x00 || b == 0x09 || b == 0x0A || b == 0x0D) {
                rc = put_cp(out, b);
                i++;
                continue;
            }
            need = (b >= 0x01 && b <= 0x08) || b >= 0x18 ? 2 : b == 0x0B || b == 0x0E ? 3 : 1;
        } else {
            need = b >= 0xE0 && b <= 0xE7 ? 1 : b >= 0xE8 && b <= 0xEF ? 2 : b == 0xF0 || b == 0xF1 ? 3 : 2;
        }
        if (need > n - i) {
            /* SQL Server pads a compressed value to an odd length: a lone
             * last byte that starts nothing complete is that pad. */
            if (i + 1 == n)
                break;
            return fail(why, whylen, "Unicode-compressed text: tag 0x%02X at byte %zu is cut off", b, i);
        }
        uint32_t off;
        if (!unicode_mode) {
            switch (b) {
            case 0x0B: { /* SDX: define an extended (supplementary-plane) window */
                unsigned x = (unsigned)p[i + 1] << 8 | p[i + 2];
                active = x >> 13;
                dyn[active] = 0x10000 + ((x & 0x1FFFu) << 7);
                break;
            }
            case 0x0C:
                return fail(why, whylen, "Unicode-compressed text: reserved tag 0x0C at byte %zu", i);
            case 0x0E: /* SQU: one UTF-16 unit */
                rc = put_unit(out, (unsigned)p[i + 1] << 8 | p[i + 2]);
                break;
            case 0x0F: /* SCU: to Unicode mode */
                unicode_mode = 1;
                break;
            default:
                if (b <= 0x08) { /* SQn: one character from window n */
                    uint8_t x = p[i + 1];
                    rc = put_cp(out, x < 0x80 ? static_win[b - 1] + x : dyn[b - 1] + (x - 0x80u));
                } else if (b <= 0x17) { /* SCn: select window n */
                    active = b - 0x10u;
                } else { /* SDn: define window n and select it */
                    if (win_offset(p[i + 1], &off) < 0)
                        return fail(why, whylen, "Unicode-compressed text: reserved window offset 0x%02X at byte %zu",
                                    p[i + 1], i + 1);
                    active = b - 0x18u;
                    dyn[active] = off;
                }
                break;
            }
        } else {
            if (b <= 0xE7 && b >= 0xE0) { /* UCn: select window n, back to single-byte mode */
                active = b - 0xE0u;
                unicode_mode = 0;
            } else if (b >= 0xE8 && b <= 0xEF) { /* UDn: define window n, back to single-byte mode */
                if (win_offset(p[i + 1], &off) < 0)
                    return fail(why, whylen, "Unicode-compressed text: reserved window offset 0x%02X at byte %zu",
                                p[i + 1], i + 1);
                active = b - 0xE8u;
                dyn[active] = off;
                unicode_mode = 0;
            } else if (b == 0xF0) { /* UQU: quote one unit */
                rc = put_unit(out, (unsigned)p[i + 1] << 8 | p[i + 2]);
            } else if (b == 0xF1) { /* UDX: extended window, back to single-byte mode */
                unsigned x = (unsigned)p[i + 1] << 8 | p[i + 2];
                active = x >> 13;
                dyn[active] = 0x10000 + ((x & 0x1FFFu) << 7);
                unicode_mode = 0;
            } else if (b == 0xF2) {
                return fail(why, whylen, "Unicode-compressed text: reserved tag 0xF2 at byte %zu", i);
            } else { /* a big-endian UTF-16 unit */
                rc = put_unit(out, (unsigned)b << 8 | p[i + 1]);
            }
        }
        i += need;
    }
    return rc;
}
