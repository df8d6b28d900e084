/* LOB trees (docs/mssql-bak-format.md §2.7 "LOB storage"). Node layout,
 * after the 4-byte record header: blob id u64 @4, type u16 @12, then
 * SMALL_ROOT: length u16 @14, data @20; DATA: data @14 to the record's end;
 * LARGE_ROOT (SQL 2000 and 2005+): curlinks u16 @16, level u16 @18, links
 * @24 of {u32 cumulative end, u32 page, u16 file, u16 slot}; INTERNAL:
 * curlinks @16, links @20 of {u64 cumulative end, page, file, slot}. */
#include <stdint.h>
#include <string.h>

#include "reader/mssql/lob.h"
#include "reader/mssql/page.h"

enum { LOB_SMALL_ROOT = 0, LOB_LARGE_ROOT = 1, LOB_INTERNAL = 2, LOB_DATA = 3,
       LOB_LARGE_ROOT_SHILOH = 4, LOB_LARGE_ROOT_YUKON = 5, LOB_SUPER_LARGE_ROOT = 6, LOB_NULL = 8 };

#define LOB_MAX_DEPTH 16

static int bad(b2a_err *err, uint16_t file, uint32_t page, uint16_t slot, const char *what)
{
    return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER, "LOB node (%u:%u:%u): %s",
                        file, page, slot, what);
}

static int append_checked(b2a_mbuf *out, const uint8_t *p, size_t n, b2a_err *err)
{
    if (out->n + n > B2A_LOB_MAX)
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER, "LOB value larger than 2 GB");
    if (b2a__mbuf_append(out, p, n) < 0)
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_READER, "out of memory reading a LOB value");
    return 0;
}

/* Follow links: each {end offset (lw bytes), page u32, file u16, slot u16}. */
static int follow_links(b2a_bak_pages *ps, const uint8_t *links, size_t nlinks, size_t lw,
                        size_t base, size_t want, unsigned depth, b2a_mbuf *out, b2a_err *err)
{
    uint64_t prev = 0;
    for (size_t i = 0; i < nlinks; i++) {
        const uint8_t *l = links + i * (lw + 8);
        uint64_t end = lw == 8 ? b2a__rd64(l) : b2a__rd32(l);
        if (end < prev || end - prev > B2A_LOB_MAX)
            return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER, "LOB link sizes run backwards");
        size_t before = out->n;
        int rc = b2a__lob_node(ps, b2a__rd16(l + lw + 4), b2a__rd32(l + lw), b2a__rd16(l + lw + 6),
                               (size_t)(end - prev), depth + 1, out, err);
        if (rc < 0)
            return rc;
        if (out->n - before != end - prev)
            return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                                "LOB fragment holds %zu bytes, its parent says %llu",
                                out->n - before, (unsigned long long)(end - prev));
        prev = end;
    }
    (void)base;
    if (want != SIZE_MAX && prev != want)
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                            "LOB node holds %llu bytes, its parent says %zu", (unsigned long long)prev, want);
    return 0;
}

int b2a__lob_node(b2a_bak_pages *ps, uint16_t file, uint32_t page, uint16_t slot, size_t want,
                  unsigned depth, b2a_mbuf *out, b2a_err *err)
{
    if (depth > LOB_MAX_DEPTH)
        return bad(err, file, page, slot, "LOB tree too deep (a loop?)");
    uint8_t pg[B2A_PG_SIZE];
    int rc = b2a__bak_pages_get(ps, file, page, pg, err);
    if (rc == B2A_ENOTFOUND)
        return bad(err, file, page, slot, "page not in the backup");
    if (rc < 0)
        return rc;
    if (b2a__page_type(pg) != B2A_PG_TEXTMIX && b2a__page_type(pg) != B2A_PG_TEXTTREE)
        return bad(err, file, page, slot, "page is not a text page");
    const uint8_t *r;
    size_t maxlen;
    if (b2a__page_record(pg, slot, &r, &maxlen) != 0 || maxlen < 14)
        return bad(err, file, page, slot, "no such record");
    size_t rlen = b2a__rd16(r + 2);
    if (rlen < 14 || rlen > maxlen)
        return bad(err, file, page, slot, "bad record length");
    unsigned type = b2a__rd16(r + 12);
    switch (type) {
    case LOB_SMALL_ROOT: {
        if (rlen < 20)
            return bad(err, file, page, slot, "short SMALL_ROOT");
        size_t n = b2a__rd16(r + 14);
        if (20 + n > rlen)
            return bad(err, file, page, slot, "SMALL_ROOT length beyond its record");
        return append_checked(out, r + 20, n, err);
    }
    case LOB_DATA: {
        size_t n = rlen - 14;
        if (want != SIZE_MAX && want < n)
            n = want; /* the parent's size is authoritative */
        return append_checked(out, r + 14, n, err);
    }
    case LOB_LARGE_ROOT: case LOB_LARGE_ROOT_SHILOH: case LOB_LARGE_ROOT_YUKON: {
        if (rlen < 24)
            return bad(err, file, page, slot, "short LARGE_ROOT");
        size_t cur = b2a__rd16(r + 16);
        if (24 + cur * 12 > rlen)
            return bad(err, file, page, slot, "LARGE_ROOT links beyond its record");
        return follow_links(ps, r + 24, cur, 4, 0, want, depth, out, err);
    }
    case LOB_INTERNAL: {
        if (rlen < 20)
            return bad(err, file, page, slot, "short INTERNAL node");
        size_t cur = b2a__rd16(r + 16);
        if (20 + cur * 16 > rlen)
            return bad(err, file, page, slot, "INTERNAL links beyond its record");
        return follow_links(ps, r + 20, cur, 8, 0, want, depth, out, err);
    }
    case LOB_NULL:
        return 0;
    default:
        return bad(err, file, page, slot, "unknown LOB node type");
    }
}

int b2a__lob_textptr(b2a_bak_pages *ps, const uint8_t *ptr, size_t n, b2a_mbuf *out, b2a_err *err)
{
    if (n != 16)
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                            "text pointer of %zu bytes (16 expected)", n);
    return b2a__lob_node(ps, b2a__rd16(ptr + 12), b2a__rd32(ptr + 8), b2a__rd16(ptr + 14),
                         SIZE_MAX, 0, out, err);
}

int b2a__lob_complex(b2a_bak_pages *ps, const uint8_t *p, size_t n, b2a_mbuf *out, b2a_err *err)
{
    if (n < 1)
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER, "empty complex column");
    if (p[0] == 2) {
        /* Row-overflow pointer, 24 bytes: type, level, unused, update
         * seq u32, timestamp u64 @4... then one link {u32 length, page,
         * file, slot} @12. */
        if (n != 24)
            return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                                "row-overflow pointer of %zu bytes (24 expected)", n);
        return follow_links(ps, p + 12, 1, 4, 0, SIZE_MAX, 0, out, err);
    }
    if (p[0] == 4 || p[0] == 1) {
        /* BLOB inline root: 12-byte header then links of 12 bytes. */
        if (n < 12 || (n - 12) % 12 != 0)
            return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                                "BLOB inline root of %zu bytes", n);
        return follow_links(ps, p + 12, (n - 12) / 12, 4, 0, SIZE_MAX, 0, out, err);
    }
    /* Sparse columns are read from the vector by the row decoder (record.c);
     * a vector here sits where a LOB pointer belongs. */
    if (p[0] == 5)
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                            "a sparse vector where a LOB or row-overflow pointer was expected");
    return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER, "unknown complex column type %u", p[0]);
}
