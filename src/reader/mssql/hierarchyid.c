/* hierarchyid decoding from [MS-SSCLRT] §2.4 (HIERARCHYID). The value is a
 * big-endian bit string of labels; each label is a prefix (L) choosing a
 * range, value bits (O) interleaved with fixed bits, and a flag (F): 1 ends
 * the level ("/"), 0 means a "." and another label of the same level follow,
 * in which case the label was stored one greater. Zero bits pad to a byte. */
#include "reader/mssql/hierarchyid.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bak2avro/errors.h"

/* One range: its first value and its bit pattern after the prefix, read
 * left to right ('x' a value bit, '0'/'1' a fixed bit; F follows). The
 * prefixes are prefix-free, so the first whose bits match is the one. */
typedef struct range {
    const char *prefix;
    int64_t min;
    const char *body;
} range;

static const range ranges[] = {
    { "01", 0, "xx" },
    { "100", 4, "xx" },
    { "101", 8, "xxx" },
    { "110", 16, "xx0x1xxx" },
    { "1110", 80, "xxx0xxx0x1xxx" },
    { "11110", 1104, "xxxxx0xxx0x1xxx" },
    { "111110", 5200, "xxxxxxxxxxxxxxxxxxx0xxxxxx0xxx0x1xxx" },
    { "111111", INT64_C(4294972496), "xxxxxxxxxxxxxx0xxxxxxxxxxxxxxxxxxxxx0xxxxxx0xxx0x1xxx" },
    { "00111", -8, "xxx" },
    { "0010", -72, "xx0x1xxx" },
    { "000110", -4168, "xxxxx0xxx0x1xxx" },
    { "000101", INT64_C(-4294971464), "xxxxxxxxxxxxxxxxxxx0xxxxxx0xxx0x1xxx" },
    { "000100", INT64_C(-281479271682120), "xxxxxxxxxxxxxx0xxxxxxxxxxxxxxxxxxxxx0xxxxxx0xxx0x1xxx" },
};

typedef struct bits {
    const uint8_t *p;
    size_t nbits, pos;
} bits;

static int bit_at(const bits *b, size_t i) { return (b->p[i >> 3] >> (7 - (i & 7))) & 1; }

/* 1 when every bit from pos on is zero (the padding after the last label). */
static int rest_is_zero(const bits *b)
{
    for (size_t i = b->pos; i < b->nbits; i++)
        if (bit_at(b, i))
            return 0;
    return 1;
}

static const range *match_prefix(const bits *b)
{
    for (size_t r = 0; r < sizeof ranges / sizeof *ranges; r++) {
        size_t len = strlen(ranges[r].prefix), i;
        if (b->pos + len > b->nbits)
            continue;
        for (i = 0; i < len; i++)
            if (bit_at(b, b->pos + i) != ranges[r].prefix[i] - '0')
                break;
        if (i == len)
            return &ranges[r];
    }
    return NULL;
}

int b2a__hierarchyid_text(const uint8_t *p, size_t n, b2a_mbuf *out, char *why, size_t whylen)
{
    bits b = { p, n * 8, 0 };
    int level_open = 0;
    if (n > 892) { /* the type's own limit */
        snprintf(why, whylen, "hierarchyid value of %zu bytes (the type holds at most 892)", n);
        return B2A_EFORMAT;
    }
    if (n == 0 || rest_is_zero(&b))
        return b2a__mbuf_append(out, "/", 1) < 0 ? B2A_ENOMEM : B2A_OK;
    if (b2a__mbuf_append(out, "/", 1) < 0)
        return B2A_ENOMEM;
    while (!rest_is_zero(&b)) {
        size_t at = b.pos;
        const range *r = match_prefix(&b);
        if (!r) {
            snprintf(why, whylen, "hierarchyid: no label starts with the bits at bit %zu of %zu", at, b.nbits);
            return B2A_EFORMAT;
        }
        b.pos += strlen(r->prefix);
        size_t blen = strlen(r->body);
        if (b.pos + blen + 1 > b.nbits) {
            snprintf(why, whylen, "hierarchyid: truncated label at bit %zu of %zu", at, b.nbits);
            return B2A_EFORMAT;
        }
        uint64_t off = 0;
        for (size_t i = 0; i < blen; i++, b.pos++) {
            int v = bit_at(&b, b.pos);
            if (r->body[i] == 'x')
                off = off << 1 | (uint64_t)v;
            else if (v != r->body[i] - '0') {
                snprintf(why, whylen, "hierarchyid: fixed bit %zu of the label at bit %zu is %d, not %c", i, at, v,
                         r->body[i]);
                return B2A_EFORMAT;
            }
        }
        int end_of_level = bit_at(&b, b.pos++);
        int64_t label = r->min + (int64_t)off;
        if (!end_of_level)
            label -= 1; /* stored one greater so "1.x" sorts between 1 and 2 */
        char num[32];
        int k = snprintf(num, sizeof num, "%" PRId64 "%c", label, end_of_level ? '/' : '.');
        if (b2a__mbuf_append(out, num, (size_t)k) < 0)
            return B2A_ENOMEM;
        level_open = !end_of_level;
    }
    if (level_open) {
        snprintf(why, whylen, "hierarchyid: the last label does not end its level");
        return B2A_EFORMAT;
    }
    return B2A_OK;
}
