/* libFuzzer target: one 8 KiB data page as the row decoder reads it: torn
 * page bits restored, the slot array, each record as FixedVar (status, null
 * bitmap, variable columns, sparse vector) or as a ROW/PAGE-compressed CD
 * record, and a PAGE-compressed page's anchor record and dictionary. A
 * shorter input is zero-padded to a page. Then the page's rows as two
 * tables' scans read them, with the FixedVar fast path (rowfast.h) and
 * without: the two must give the same values and stop at the same row, or
 * the target aborts. The path without it (general_slot) restates bak.c's
 * locate_row and emit_row: a change there must be made here too. */
#include "fuzz_common.h"
#include "../reader/handmade_table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bak2avro/errors.h"
#include "reader/mssql/catalog.h"
#include "reader/mssql/page.h"
#include "reader/mssql/page_dict.h"
#include "reader/mssql/pagestore.h"
#include "reader/mssql/record.h"
#include "reader/mssql/record_cd.h"
#include "reader/mssql/rowfast.h"
#include "reader/mssql/sparse.h"
#include "reader/mssql/types.h"

enum { MAX_COLS = 64 };

static void fixedvar(const uint8_t *p, size_t maxlen)
{
    b2a_rec r;
    if (b2a__rec_parse(&r, p, maxlen) < 0)
        return;
    for (unsigned bit = 1; bit <= r.ncols && bit <= MAX_COLS; bit++)
        b2a__rec_is_null(&r, bit);
    for (unsigned off = 4; off < r.fixed_end && off < 64; off += 4)
        b2a__rec_fixed(&r, off, 4);
    for (unsigned i = 0; i < r.nvar + 1u && i < MAX_COLS; i++) {
        const uint8_t *v;
        size_t n;
        int complex = 0;
        if (b2a__rec_var(&r, i, &v, &n, &complex) != 0 || !complex)
            continue;
        char why[128];
        if (b2a__sparse_is_vector(v, n) && b2a__sparse_check(v, n, why, sizeof(why)) == 0) {
            const uint8_t *sv;
            size_t sn;
            for (uint16_t colid = 1; colid <= 16; colid++)
                b2a__sparse_find(v, n, colid, &sv, &sn);
        }
    }
}

static void compressed(const uint8_t *p, size_t maxlen, const b2a_pagedict *dict, b2a_mbuf *out)
{
    b2a_cdrec r;
    b2a_cdval vals[MAX_COLS];
    char why[128];
    if (b2a__cdrec_parse(&r, p, maxlen, vals, MAX_COLS, why, sizeof(why)) < 0)
        return;
    for (unsigned c = 0; c < r.ncols && c < MAX_COLS; c++) {
        if (vals[c].cd == B2A_CD_SYMBOL && vals[c].p && vals[c].n > 0) {
            const uint8_t *sp;
            size_t sn;
            b2a__pagedict_symbol(dict, vals[c].p[0], &sp, &sn);
        }
        if (vals[c].p)
            b2a__pagedict_expand(dict, c, vals[c].p, vals[c].n, out, why, sizeof(why));
    }
}

/* --- the fast path against the general one -------------------------------- */

/* Two tables: narrow (int, nvarchar) and wide (every fixed kind, text,
 * binary, xml, a computed column), as handmade_table.h builds them. */

static const hm_col narrow[] = { { B2A_MT_INT, 4, 0, 0, 4, 0, NULL, 0 },
                                { B2A_MT_NVARCHAR, 100, 0, 0, -1, 0, NULL, 0 } };
static const hm_col wide[] = {
    { B2A_MT_INT, 4, 0, 0, 4, 0, NULL, 0 },        { B2A_MT_SMALLINT, 2, 0, 0, 8, 0, NULL, 0 },
    { B2A_MT_TINYINT, 1, 0, 0, 10, 0, NULL, 0 },   { B2A_MT_BIT, 1, 0, 0, 11, 0, NULL, 0 },
    { B2A_MT_BIT, 1, 0, 0, 11, 3, NULL, 0 },       { B2A_MT_DATETIME, 8, 0, 0, 12, 0, NULL, 0 },
    { B2A_MT_MONEY, 8, 19, 4, 20, 0, NULL, 0 },    { B2A_MT_DECIMAL, 9, 18, 2, 28, 0, NULL, 0 },
    { B2A_MT_REAL, 4, 0, 0, 37, 0, NULL, 0 },      { B2A_MT_FLOAT, 8, 0, 0, 41, 0, NULL, 0 },
    { B2A_MT_NCHAR, 4, 0, 0, 49, 0, NULL, 0 },     { B2A_MT_DATE, 3, 0, 0, 53, 0, NULL, 0 },
    { B2A_MT_DATETIME2, 8, 0, 7, 56, 0, NULL, 0 }, { B2A_MT_INT, 4, 0, 0, 0, 0, NULL, 0 },
    { B2A_MT_BIGINT, 8, 0, 0, 64, 0, NULL, 0 },    { B2A_MT_SMALLMONEY, 4, 10, 4, 72, 0, NULL, 0 },
    { B2A_MT_NVARCHAR, 100, 0, 0, -1, 0, NULL, 0 }, { B2A_MT_VARCHAR, 50, 0, 0, -2, 0, NULL, 0 },
    { B2A_MT_VARBINARY, 50, 0, 0, -3, 0, NULL, 0 }, { B2A_MT_XML, -1, 0, 0, -4, 0, NULL, 0 },
};


/* A sink that writes every call down: a tag byte and the value's bytes. */
typedef struct log_sink {
    b2a_sink base;
    b2a_mbuf b;
} log_sink;

static int logv(b2a_sink *s, char tag, const void *p, size_t n)
{
    b2a_mbuf *b = &((log_sink *)s)->b;
    if (b2a__mbuf_append(b, &tag, 1) < 0 || b2a__mbuf_append(b, &n, sizeof(n)) < 0 || b2a__mbuf_append(b, p, n) < 0)
        abort();
    return 0;
}
static int l_null(b2a_sink *s) { return logv(s, 'N', "", 0); }
static int l_bool(b2a_sink *s, int v) { return logv(s, 'B', &v, sizeof(v)); }
static int l_i32(b2a_sink *s, int32_t v) { return logv(s, 'I', &v, sizeof(v)); }
static int l_i64(b2a_sink *s, int64_t v) { return logv(s, 'L', &v, sizeof(v)); }
static int l_f32(b2a_sink *s, float v) { return logv(s, 'F', &v, sizeof(v)); }
static int l_f64(b2a_sink *s, double v) { return logv(s, 'D', &v, sizeof(v)); }
static int l_bytes(b2a_sink *s, const void *p, size_t n) { return logv(s, 'Y', p, n); }
static int l_str(b2a_sink *s, const char *p, size_t n) { return logv(s, 'S', p, n); }
static int l_dec(b2a_sink *s, const uint8_t *p, size_t n) { return logv(s, 'M', p, n); }
static int l_end(b2a_sink *s) { return logv(s, '\n', "", 0); }
static const b2a_sink_ops log_ops = { l_null, l_bool, l_i32, l_i64, l_f32, l_f64, l_bytes, l_str, l_dec, l_end };

/* The scan's general path for one slot (bak.c: the row decoder, every value
 * checked, then emitted): 1 row, 0 none, < 0 the row stops the scan (an
 * off-row value stops it too: the general path would read a LOB). */
static int general_slot(const hm_table *T, b2a_rowdec *d, unsigned slot, b2a_sink *sink, b2a_mbuf *sc)
{
    b2a_err err;
    const b2a_rcell *c;
    int st = b2a__rowdec_row(d, slot, &c, &err);
    if (st <= 0)
        return st;
    char why[256];
    for (size_t k = 0; k < T->t.def.ncolumns; k++) {
        if (c[k].null)
            continue;
        if (c[k].complex || b2a__mtype_emit(&T->ty[k], c[k].p, c[k].n, c[k].bitpos, NULL, sc, why, sizeof(why)) < 0)
            return -1;
    }
    for (size_t k = 0; k < T->t.def.ncolumns; k++)
        if ((c[k].null ? sink->ops->null(sink)
                       : b2a__mtype_emit(&T->ty[k], c[k].p, c[k].n, c[k].bitpos, sink, sc, why, sizeof(why))) < 0)
            abort(); /* checked above */
    sink->ops->end_row(sink);
    return 1;
}

/* The page as a scan of T reads it, with the fast path or without; the
 * values into out, the slot the scan stopped at (or the slot count). */
static unsigned scan_page(const hm_table *T, const uint8_t *pg, int fast, size_t chunk, b2a_mbuf *out)
{
    b2a_rowdec *d;
    b2a_err err;
    b2a_pgid id = { 100, 1 };
    if (b2a__rowdec_open(&T->t, &d, &err) != B2A_OK || b2a__rowdec_page(d, pg, id, &err) != B2A_OK)
        abort();
    b2a_rowfast f;
    if (b2a__rowfast_init(&f, T->t.def.ncolumns) < 0)
        abort();
    b2a__rowfast_partition(&f, &T->t, d);
    if (!f.on)
        abort();
    log_sink ls = { { &log_ops }, { 0 } };
    b2a_mbuf sc = { 0 };
    unsigned slot = 0;
    for (;;) {
        if (fast) {
            size_t got, col;
            char why[256];
            int rc = b2a__rowfast_rows(&f, pg, &slot, chunk, &ls.base, &sc, &got, &col, why, sizeof(why));
            if (rc < 0 || got > chunk)
                abort();
            if (rc == 0 && got == chunk)
                continue;
        }
        if (slot >= b2a__page_slots(pg) || general_slot(T, d, slot, &ls.base, &sc) < 0)
            break;
        slot++;
    }
    *out = ls.b;
    b2a__mbuf_free(&sc);
    b2a__rowfast_free(&f);
    b2a__rowdec_close(d);
    return slot;
}

static void fast_agrees(const hm_col *c, size_t n, const uint8_t *pg, size_t chunk)
{
    static hm_table T;
    if (hm_table_make(&T, c, n) < 0)
        abort(); /* the tables above describe */
    b2a_mbuf g, f;
    unsigned gs = scan_page(&T, pg, 0, chunk, &g), fs = scan_page(&T, pg, 1, chunk, &f);
    if (gs != fs || g.n != f.n || (g.n && memcmp(g.p, f.p, g.n) != 0)) {
        fprintf(stderr, "fast path and general path differ: stopped at slots %u and %u, %zu and %zu bytes of values\n",
                gs, fs, g.n, f.n);
        abort();
    }
    b2a__mbuf_free(&g);
    b2a__mbuf_free(&f);
    hm_table_free(&T);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t pg[B2A_BAK_PAGE_SIZE];
    memset(pg, 0, sizeof(pg));
    memcpy(pg, data, size < sizeof(pg) ? size : sizeof(pg));
    b2a__bak_page_untear(pg);

    b2a_pagedict dict;
    memset(&dict, 0, sizeof(dict));
    char why[128];
    int have_dict = b2a__pagedict_load(&dict, pg, why, sizeof(why)) == 0;
    b2a_mbuf out = { 0 };
    for (unsigned i = 0; i < b2a__page_slots(pg); i++) {
        const uint8_t *rec;
        size_t maxlen;
        if (b2a__page_record(pg, i, &rec, &maxlen) != 0 || maxlen == 0)
            continue;
        if (b2a__cdrec_is_cd(rec)) {
            if (have_dict)
                compressed(rec, maxlen, &dict, &out);
        } else {
            fixedvar(rec, maxlen);
        }
    }
    b2a__mbuf_free(&out);
    b2a__pagedict_free(&dict);
    size_t chunk = size > 0 ? 1 + data[size - 1] % 8 : 8;
    fast_agrees(narrow, sizeof(narrow) / sizeof(*narrow), pg, chunk);
    fast_agrees(wide, sizeof(wide) / sizeof(*wide), pg, chunk);
    return 0;
}
