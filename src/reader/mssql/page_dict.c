/* The CI structure of a PAGE-compressed page. Layout from mssqlbak-tests
 * docs/spec/04_ROWSTORE_COMPRESSED.md §3.6 (checked there against
 * DBCC PAGE): flags byte (0x01 must be clear, 0x02 anchor record, 0x04
 * dictionary), u16 page modification count, u16 dictionary offset (only
 * with a dictionary), u16 total CI size, the anchor record (a CD record),
 * then the dictionary: u16 count, u16 cumulative end offsets, entries.
 * Offsets are relative to the CI start; dictionary end offsets to the
 * dictionary start (our reading of "from dict_start"). Prefix expansion
 * (length byte(s) then suffix; an empty value is the whole anchor) and
 * dictionary entries holding prefix-encoded bytes: InternalsViewer's
 * CompressedRecordField. The header flag B2A_PG_HAS_CI: the page-header
 * table in docs/mssql-bak-format.md §2.5. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bak2avro/errors.h"
#include "reader/mssql/page.h"
#include "reader/mssql/page_dict.h"

#define CI_ANCHOR 0x02
#define CI_DICT 0x04

static int fail(char *why, size_t whylen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *why, size_t whylen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
    return -1;
}

int b2a__pagedict_load(b2a_pagedict *d, const uint8_t *pg, char *why, size_t whylen)
{
    d->present = 0;
    d->dict = NULL;
    d->dict_len = 0;
    d->nsym = 0;
    memset(&d->anchor, 0, sizeof d->anchor);
    if (!(pg[2] & B2A_PG_HAS_CI))
        return 0;
    const uint8_t *ci = pg + B2A_PG_HDR;
    /* The CI may not reach into the slot array. */
    size_t room = B2A_PG_SIZE - B2A_PG_HDR - 2 * (size_t)b2a__page_slots(pg);
    if ((size_t)b2a__page_slots(pg) * 2 > B2A_PG_SIZE - B2A_PG_HDR)
        return fail(why, whylen, "compression info: the slot array overlaps the page header");
    uint8_t flags = ci[0];
    if (flags & 0x01)
        return fail(why, whylen, "compression info: offset 96 holds a record, not a CI header (flags 0x%02X)", flags);
    size_t hdr = flags & CI_DICT ? 7 : 5;
    if (room < hdr)
        return fail(why, whylen, "compression info: header cut off");
    size_t dict_off = flags & CI_DICT ? b2a__rd16(ci + 3) : 0;
    size_t total = b2a__rd16(ci + hdr - 2);
    if (total < hdr || total > room)
        return fail(why, whylen, "compression info: size %zu outside the page (room %zu)", total, room);
    if ((flags & CI_DICT) && (dict_off < hdr || dict_off + 2 > total))
        return fail(why, whylen, "compression info: dictionary offset %zu outside its %zu bytes", dict_off, total);
    d->present = 1;
    size_t anchor_end = flags & CI_DICT ? dict_off : total;
    if (flags & CI_ANCHOR) {
        /* Size the value array from the anchor's column count first. */
        unsigned nc = 0;
        if (anchor_end > hdr + 1)
            b2a__cd_varlen(ci + hdr + 1, anchor_end - hdr - 1, &nc);
        if (nc > d->acap) {
            b2a_cdval *nv = realloc(d->avals, nc * sizeof *nv);
            if (!nv)
                return B2A_ENOMEM;
            d->avals = nv;
            d->acap = nc;
        }
        char w2[160];
        if (b2a__cdrec_parse(&d->anchor, ci + hdr, anchor_end - hdr, d->avals, d->acap, w2, sizeof w2) < 0)
            return fail(why, whylen, "compression info: anchor record: %s", w2);
        if (d->anchor.type != B2A_CDREC_PRIMARY)
            return fail(why, whylen, "compression info: the anchor record has type %d", d->anchor.type);
    }
    if (flags & CI_DICT) {
        const uint8_t *dict = ci + dict_off;
        size_t len = total - dict_off;
        unsigned cnt = b2a__rd16(dict);
        size_t first = 2 + 2 * (size_t)cnt, prev = first;
        if (first > len)
            return fail(why, whylen, "compression info: %u dictionary offsets run past the CI", cnt);
        for (unsigned k = 0; k < cnt; k++) {
            size_t end = b2a__rd16(dict + 2 + 2 * (size_t)k);
            if (end < prev || end > len)
                return fail(why, whylen, "compression info: dictionary entry %u ends at %zu (previous %zu, size %zu)", k,
                            end, prev, len);
            prev = end;
        }
        d->dict = dict;
        d->dict_len = len;
        d->nsym = cnt;
    }
    return 0;
}

void b2a__pagedict_free(b2a_pagedict *d)
{
    free(d->avals);
    memset(d, 0, sizeof *d);
}

int b2a__pagedict_symbol(const b2a_pagedict *d, unsigned idx, const uint8_t **p, size_t *n)
{
    if (!d->dict || idx >= d->nsym)
        return -1;
    size_t start = idx ? b2a__rd16(d->dict + 2 * (size_t)idx) : 2 + 2 * (size_t)d->nsym;
    size_t end = b2a__rd16(d->dict + 2 + 2 * (size_t)idx);
    *p = d->dict + start;
    *n = end - start; /* ordered and bounded when loaded */
    return 0;
}

int b2a__pagedict_expand(const b2a_pagedict *d, unsigned col, const uint8_t *raw, size_t n, b2a_mbuf *out,
                         char *why, size_t whylen)
{
    out->n = 0;
    const b2a_cdval *a = d->present && col < d->anchor.ncols && col < d->acap ? &d->avals[col] : NULL;
    if (!a || a->cd == B2A_CD_NULL || a->cd == B2A_CD_TRUE || a->cd == B2A_CD_SYMBOL || a->complex)
        return b2a__mbuf_append(out, raw, n) < 0 ? B2A_ENOMEM : 0;
    if (n == 0)
        return b2a__mbuf_append(out, a->p, a->n) < 0 ? B2A_ENOMEM : 0;
    unsigned plen;
    size_t k = b2a__cd_varlen(raw, n, &plen);
    if (!k)
        return fail(why, whylen, "prefix length cut off");
    if (plen > a->n)
        return fail(why, whylen, "prefix of %u bytes but the anchor value has %u", plen, a->n);
    if (b2a__mbuf_append(out, a->p, plen) < 0 || b2a__mbuf_append(out, raw + k, n - k) < 0)
        return B2A_ENOMEM;
    return 0;
}
