/* The compressed-table path of the .bak reader, end to end on a real file.
 *
 * No sample backup has a ROW- or PAGE-compressed table, so this test makes
 * one: it copies northwind_sql2008 (MTF, uncompressed), sets the
 * compression level of a table's rowset in sysrowsets, rewrites the
 * table's data pages so each row is the CD record of the same values
 * (and, for PAGE, puts a CI structure with an anchor record and a
 * dictionary on the page), then scans the copy through b2a__bak_open and
 * compares every row with the scan of the original file.
 *
 * The CD bytes are written from the same documented layouts the decoder
 * follows (tests/reader/test_mssql_compressed.c cites them), so this tests
 * our understanding of the format against itself, not against SQL Server.
 * What it does prove: the catalog's cmprlevel byte reaches the scan, the
 * scan hands real pages (torn-page bits restored, IAM/PFS walk, slot
 * arrays) to the row decoder, and a bad compressed record fails its table
 * with a message naming the table and page. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bak2avro/errors.h"
#include "reader/mssql/bak.h"
#include "reader/mssql/catalog.h"
#include "reader/mssql/iam.h"
#include "reader/mssql/page.h"
#include "reader/mssql/page_dict.h"
#include "reader/mssql/pagestore.h"
#include "reader/mssql/record.h"
#include "reader/mssql/types.h"
#include "util/str.h"
#include "text_sink.h"

#define NW "sqlserver/northwind_sql2008_mtf__thuyluv.bak"
#define OBJ_SYSROWSETS 5
#define RS_CMPR_OFF (4 + 35) /* catalog.c on_rs: fixed column at record offset 39 */

static const char *samples;
static char nw_path[4096];
static char tmpdir[] = "/tmp/b2a_cscan_XXXXXX";

static void put16(uint8_t *p, unsigned v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, v & 0xFFFF); put16(p + 2, v >> 16); }

/* --- the backup image in memory -------------------------------------------- */

typedef struct image {
    uint8_t *p;
    size_t n;
} image;

static void slurp(const char *path, image *im)
{
    im->p = (uint8_t *)b2a__read_file(path, SIZE_MAX, &im->n);
    assert_non_null(im->p);
}

static void write_image(const image *im, const char *path)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(im->p, 1, im->n, f), im->n);
    assert_int_equal(fclose(f), 0);
}

/* Replace every copy in the file of the page whose (untorn) image is old
 * by img. A page image in an MTF backup is 8 KB contiguous; its 96-byte
 * header (LSN included) is untouched by torn-page bits, so it finds the
 * page. When the page uses torn-page detection (flag 0x100), the last
 * byte of sectors 1..15 keeps its torn pattern and m_tornBits gets the
 * new original bits, as SQL Server writes it. Returns copies replaced. */
static int put_page(image *im, const uint8_t *old, const uint8_t *img_in)
{
    uint8_t img[B2A_PG_SIZE];
    int hits = 0;
    for (size_t o = 0; o + B2A_PG_SIZE <= im->n; o++) {
        if (im->p[o] != old[0] || memcmp(im->p + o, old, B2A_PG_HDR) != 0)
            continue;
        uint8_t *raw = im->p + o;
        memcpy(img, img_in, B2A_PG_SIZE);
        if (b2a__rd16(img + 4) & 0x100) {
            uint32_t tb = b2a__rd32(img + 60);
            for (unsigned s = 1; s < 16; s++) {
                uint8_t *b = img + s * 512 + 511;
                tb = (tb & ~(3u << (2 * s))) | ((uint32_t)(*b & 3u) << (2 * s));
                *b = (uint8_t)((*b & ~3u) | (raw[s * 512 + 511] & 3u));
            }
            put32(img + 60, tb);
        }
        memcpy(raw, img, B2A_PG_SIZE);
        hits++;
        o += B2A_PG_SIZE - 1;
    }
    return hits;
}

/* --- CD records (layout: see test_mssql_compressed.c cd_build) ------------- */

typedef struct cval {
    int cd;                /* 0 NULL, 1 empty, 0xC symbol, -1 derive from n */
    uint8_t b[128];
    size_t n;
} cval;

static int desc_of(const cval *v)
{
    if (v->cd >= 0)
        return v->cd;
    return v->n == 0 ? 0x1 : v->n > 8 ? 0xA : (int)v->n + 1;
}

/* Fewer than 30 columns: no cluster arrays. */
static size_t cd_build(uint8_t *out, const cval *v, size_t ncols)
{
    assert_true(ncols > 0 && ncols < 30);
    size_t pos = 0, nlong = 0;
    for (size_t i = 0; i < ncols; i++)
        nlong += desc_of(&v[i]) == 0xA;
    out[pos++] = (uint8_t)(0x01 | (nlong ? 0x20 : 0)); /* CD, primary, long-data region */
    out[pos++] = (uint8_t)ncols;
    memset(out + pos, 0, (ncols + 1) / 2);
    for (size_t i = 0; i < ncols; i++)
        out[pos + i / 2] |= (uint8_t)(desc_of(&v[i]) << ((i & 1) * 4));
    pos += (ncols + 1) / 2;
    for (size_t i = 0; i < ncols; i++) {
        int d = desc_of(&v[i]);
        if ((d >= 2 && d <= 9) || d == 0xC) {
            memcpy(out + pos, v[i].b, v[i].n);
            pos += v[i].n;
        }
    }
    if (nlong) {
        out[pos++] = 0x01;
        put16(out + pos, (unsigned)nlong);
        pos += 2;
        size_t offs = pos, end = 0, li = 0;
        pos += 2 * nlong;
        for (size_t i = 0; i < ncols; i++) {
            if (desc_of(&v[i]) != 0xA)
                continue;
            memcpy(out + pos + end, v[i].b, v[i].n);
            end += v[i].n;
            put16(out + offs + 2 * li++, (unsigned)end);
        }
        pos += end;
    }
    return pos;
}

/* Row compression of one stored value (uncompressed bytes p, n) of type t:
 * integers big-endian in excess-2^(8k-1) form in the fewest bytes (0 is
 * the empty value); nchar/nvarchar as SCSU when every unit is printable
 * ASCII (odd length, padded with the no-op tag 0x10), else UTF-16LE;
 * char/nchar lose their trailing spaces. Only the types the chosen tables
 * use; anything else fails the test. */
static void row_compress(const b2a_mtype *t, const uint8_t *p, size_t n, cval *v)
{
    v->cd = -1;
    v->n = 0;
    switch (t->xtype) {
    case B2A_MT_TINYINT:
        if (p[0])
            v->b[v->n++] = p[0];
        return;
    case B2A_MT_SMALLINT:
    case B2A_MT_INT:
    case B2A_MT_BIGINT: {
        int64_t x = n == 2 ? (int16_t)b2a__rd16(p) : n == 4 ? (int32_t)b2a__rd32(p) : (int64_t)b2a__rd64(p);
        if (x == 0)
            return;
        size_t k = 1;
        while (k < n && !(x >= -((int64_t)1 << (8 * k - 1)) && x < ((int64_t)1 << (8 * k - 1))))
            k++;
        uint64_t e = (uint64_t)x + (k == 8 ? (uint64_t)1 << 63 : (uint64_t)1 << (8 * k - 1));
        for (size_t i = 0; i < k; i++)
            v->b[v->n++] = (uint8_t)(e >> (8 * (k - 1 - i)));
        return;
    }
    case B2A_MT_NCHAR:
    case B2A_MT_NVARCHAR: {
        if (t->xtype == B2A_MT_NCHAR)
            while (n >= 2 && p[n - 2] == 0x20 && p[n - 1] == 0)
                n -= 2;
        int ascii = 1;
        for (size_t i = 0; i < n; i += 2)
            ascii &= p[i + 1] == 0 && p[i] >= 0x20 && p[i] < 0x7F;
        assert_true(n + 1 <= sizeof v->b);
        if (!ascii) {
            memcpy(v->b, p, n);
            v->n = n;
            return;
        }
        for (size_t i = 0; i < n; i += 2)
            v->b[v->n++] = p[i];
        if (v->n && v->n % 2 == 0)
            v->b[v->n++] = 0x10;
        return;
    }
    default:
        fail_msg("type %u is not covered by this test's CD encoder", t->xtype);
    }
}

/* --- from a FixedVar page to a compressed one ------------------------------ */

typedef struct prow {
    cval v[16];            /* by physical position (null bit - 1) */
} prow;

/* The values of every row on pg, row-compressed, by physical position. */
static size_t page_rows(const b2a_mtable *t, const b2a_mrowset *rs, const uint8_t *pg, prow *rows, size_t *ncols)
{
    unsigned ns = b2a__page_slots(pg);
    *ncols = 0;
    for (size_t k = 0; k < rs->nphys; k++)
        if (rs->phys[k].nullbit > *ncols)
            *ncols = rs->phys[k].nullbit;
    assert_true(*ncols > 0 && *ncols <= 16);
    for (unsigned s = 0; s < ns; s++) {
        const uint8_t *p;
        size_t maxlen;
        b2a_rec r;
        assert_int_equal(b2a__page_record(pg, s, &p, &maxlen), 0);
        assert_int_equal(b2a__rec_parse(&r, p, maxlen), 0);
        assert_int_equal(r.type, B2A_REC_PRIMARY); /* no ghosts or stubs on these pages */
        for (size_t c = 0; c < *ncols; c++)
            rows[s].v[c] = (cval){ .cd = 0 };
        for (size_t k = 0; k < t->def.ncolumns; k++) {
            const b2a_mphys *ph = b2a__rowset_phys(rs, t->colids[k]);
            assert_non_null(ph);
            cval *v = &rows[s].v[ph->nullbit - 1];
            if (b2a__rec_is_null(&r, ph->nullbit))
                continue;
            const uint8_t *cp;
            size_t cn;
            if (ph->leaf_off > 0) {
                cn = (size_t)t->types[k].length;
                cp = b2a__rec_fixed(&r, (unsigned)ph->leaf_off, (unsigned)cn);
                assert_non_null(cp);
            } else {
                int cx;
                assert_int_equal(b2a__rec_var(&r, (unsigned)(-ph->leaf_off - 1), &cp, &cn, &cx), 0);
                assert_false(cx);
            }
            row_compress(&t->types[k], cp, cn, v);
        }
    }
    return ns;
}

/* PAGE compression of the rows of one page, from the documented scheme:
 * each column's anchor is row 0's value (a value equal to it is stored
 * empty, any other as [common prefix length][suffix]); an encoded value
 * that occurs in two or more rows goes to the page dictionary and the
 * rows hold its symbol. Returns the CI size written at ci. */
static size_t page_compress(prow *rows, size_t nrows, size_t ncols, uint8_t *ci, unsigned *nsym_out)
{
    cval anchor[16];
    for (size_t c = 0; c < ncols; c++) {
        anchor[c] = rows[0].v[c];
        if (anchor[c].cd == 1) /* an empty anchor would anchor nothing */
            anchor[c].cd = 0;
    }
    for (size_t r = 0; r < nrows; r++) {
        for (size_t c = 0; c < ncols; c++) {
            cval *v = &rows[r].v[c];
            const cval *a = &anchor[c];
            if (v->cd == 0 || a->cd == 0)
                continue;
            size_t n = v->cd == 1 ? 0 : v->n;
            if (n == a->n && memcmp(v->b, a->b, n) == 0) {
                v->cd = 1;
                v->n = 0;
                continue;
            }
            size_t pl = 0;
            while (pl < n && pl < a->n && v->b[pl] == a->b[pl])
                pl++;
            memmove(v->b + 1, v->b + pl, n - pl);
            v->b[0] = (uint8_t)pl;
            v->n = n - pl + 1;
            v->cd = -1;
        }
    }
    /* Dictionary: repeated non-empty encoded values, in first-seen order. */
    cval ents[64];
    unsigned nent = 0;
    for (size_t r = 0; r < nrows; r++) {
        for (size_t c = 0; c < ncols; c++) {
            cval *v = &rows[r].v[c];
            if (v->cd != -1 || v->n == 0)
                continue;
            size_t same = 0;
            for (size_t r2 = 0; r2 < nrows; r2++)
                for (size_t c2 = 0; c2 < ncols; c2++)
                    same += rows[r2].v[c2].cd == -1 && rows[r2].v[c2].n == v->n &&
                            memcmp(rows[r2].v[c2].b, v->b, v->n) == 0;
            if (same < 2 || nent == 64)
                continue;
            unsigned sym = nent++;
            ents[sym] = *v;
            for (size_t r2 = 0; r2 < nrows; r2++) {
                for (size_t c2 = 0; c2 < ncols; c2++) {
                    cval *w = &rows[r2].v[c2];
                    if (w->cd == -1 && w->n == ents[sym].n && memcmp(w->b, ents[sym].b, w->n) == 0) {
                        w->cd = 0xC;
                        w->b[0] = (uint8_t)sym;
                        w->n = 1;
                    }
                }
            }
        }
    }
    /* CI: flags (0x02 anchor, 0x04 dictionary), u16 modification count,
     * u16 dictionary offset, u16 size, anchor record, dictionary. */
    size_t pos = 7;
    pos += cd_build(ci + pos, anchor, ncols);
    size_t dict = pos, e = 2 + 2 * (size_t)nent;
    put16(ci + dict, nent);
    for (unsigned i = 0; i < nent; i++) {
        memcpy(ci + dict + e, ents[i].b, ents[i].n);
        e += ents[i].n;
        put16(ci + dict + 2 + 2 * i, (unsigned)e);
    }
    pos = dict + e;
    ci[0] = 0x06;
    put16(ci + 1, 1);
    put16(ci + 3, (unsigned)dict);
    put16(ci + 5, (unsigned)pos);
    *nsym_out = nent;
    return pos;
}

/* Rebuild pg with the same rows as CD records, in slot order after the
 * header (or the CI). cut > 0 makes the last record that many bytes short
 * and puts it right before the slot array, so nothing follows it. */
static void rebuild_page(const b2a_mtable *t, const b2a_mrowset *rs, uint8_t *pg, int level, size_t cut,
                         unsigned *nsym)
{
    static prow rows[200];
    size_t ncols;
    size_t ns = page_rows(t, rs, pg, rows, &ncols);
    assert_true(ns > 0 && ns <= 200);
    uint8_t body[B2A_PG_SIZE];
    size_t start = B2A_PG_HDR;
    memset(body, 0, sizeof body);
    *nsym = 0;
    if (level == 2) {
        start += page_compress(rows, ns, ncols, body + B2A_PG_HDR, nsym);
        pg[2] |= B2A_PG_HAS_CI;
    }
    size_t off = start, slots_at = B2A_PG_SIZE - 2 * ns;
    for (size_t s = 0; s < ns; s++) {
        uint8_t rec[1024];
        size_t n = cd_build(rec, rows[s].v, ncols);
        size_t at = off;
        if (cut && s == ns - 1) {
            assert_true(cut < n);
            n -= cut;
            at = slots_at - n;
        } else {
            off += n;
        }
        assert_true(at + n <= slots_at);
        memcpy(body + at, rec, n);
        put16(body + B2A_PG_SIZE - 2 - 2 * s, (unsigned)at);
    }
    memcpy(pg + B2A_PG_HDR, body + B2A_PG_HDR, B2A_PG_SIZE - B2A_PG_HDR);
    /* Header: same slot count; freeData after the last record; freeCnt the
     * gap up to the slot array. */
    assert_int_equal(b2a__page_slots(pg), ns);
    put16(pg + 30, (unsigned)off);
    put16(pg + 28, (unsigned)(slots_at - off));
}

/* --- making the copy -------------------------------------------------------- */

typedef struct variant {
    int level;                    /* 1 ROW, 2 PAGE */
    const char *const *tables;    /* dbo.<name> */
    size_t ntables;
    const char *cut_table;        /* malformed: its last page's last record is cut short */
    size_t cut;
} variant;

typedef struct made {
    unsigned pages, rowsets, nsym;
    uint32_t cut_page;
} made;

static const b2a_mtable *cat_table(const b2a_mcatalog *cat, const char *name)
{
    for (size_t i = 0; i < cat->ntables; i++)
        if (strcmp(cat->tables[i].def.schema, "dbo") == 0 && strcmp(cat->tables[i].def.name, name) == 0)
            return &cat->tables[i];
    fail_msg("no table dbo.%s", name);
    return NULL;
}

/* Set the cmprlevel of these rowsets in their sysrowsets records, all in
 * one pass (pages are read from the original, so a second pass would put
 * back the first one's page). */
static void patch_sysrowsets(b2a_bak_pages *ps, image *im, const uint64_t *ids, size_t nids, int level)
{
    uint8_t pg[B2A_PG_SIZE], old[B2A_PG_SIZE];
    b2a_err err;
    int found = 0;
    uint32_t lim = b2a__bak_pages_limit(ps, 1);
    for (uint32_t id = 0; id < lim; id++) {
        if (!b2a__bak_pages_has(ps, 1, id) || b2a__bak_pages_get(ps, 1, id, pg, &err) != 0)
            continue;
        /* sysrowsets' allocation unit is 5 << 16: m_objId 5, index 0. */
        if (b2a__page_type(pg) != B2A_PG_DATA || b2a__page_objid(pg) != OBJ_SYSROWSETS || b2a__rd16(pg + 6) != 0)
            continue;
        memcpy(old, pg, sizeof old);
        int hit = 0;
        for (unsigned s = 0; s < b2a__page_slots(pg); s++) {
            const uint8_t *p;
            size_t maxlen;
            b2a_rec r;
            if (b2a__page_record(pg, s, &p, &maxlen) != 0 || b2a__rec_parse(&r, p, maxlen) != 0 ||
                r.type != B2A_REC_PRIMARY || r.fixed_end < 12)
                continue;
            size_t j = 0;
            while (j < nids && ids[j] != b2a__rd64(p + 4))
                j++;
            if (j == nids)
                continue;
            assert_true(r.fixed_end > RS_CMPR_OFF);
            assert_int_equal(p[RS_CMPR_OFF], 0);
            pg[(size_t)(p - pg) + RS_CMPR_OFF] = (uint8_t)level;
            hit++;
        }
        if (hit) {
            assert_true(put_page(im, old, pg) >= 1);
            found += hit;
        }
    }
    assert_int_equal(found, nids);
}

static void make_copy(const variant *V, const char *out, made *M)
{
    memset(M, 0, sizeof *M);
    const char *p = nw_path;
    b2a_bak_pages *ps;
    b2a_mcatalog cat;
    b2a_err err;
    b2a__err_clear(&err);
    assert_int_equal(b2a__bak_pages_open(&p, 1, &ps, &err), 0);
    memset(&cat, 0, sizeof cat);
    assert_int_equal(b2a__catalog_load(ps, &cat, &err), 0);
    image im;
    slurp(nw_path, &im);
    b2a_iamwalk *w = malloc(sizeof *w);
    assert_non_null(w);
    uint64_t ids[16];
    for (size_t ti = 0; ti < V->ntables; ti++) {
        const b2a_mtable *t = cat_table(&cat, V->tables[ti]);
        for (size_t ri = 0; ri < t->nrowsets; ri++) {
            const b2a_mrowset *rs = &t->rowsets[ri];
            assert_int_equal(rs->cmprlevel, 0);
            assert_true(M->rowsets < 16);
            ids[M->rowsets++] = rs->rowsetid;
            uint32_t pages[64];
            size_t np = 0;
            b2a_pgid id;
            int rc;
            b2a__iam_init(w, ps, rs->first_iam);
            while ((rc = b2a__iam_next(w, &id, &err)) == 0) {
                assert_true(np < 64);
                assert_int_equal(id.file, 1);
                pages[np++] = id.page;
            }
            assert_int_equal(rc, 1);
            for (size_t k = 0; k < np; k++) {
                uint8_t pg[B2A_PG_SIZE], old[B2A_PG_SIZE];
                assert_int_equal(b2a__bak_pages_get(ps, 1, pages[k], pg, &err), 0);
                if (b2a__page_type(pg) != B2A_PG_DATA)
                    continue;
                memcpy(old, pg, sizeof old);
                int cut_here = V->cut_table && strcmp(V->cut_table, t->def.name) == 0 && k == np - 1;
                unsigned nsym;
                rebuild_page(t, rs, pg, V->level, cut_here ? V->cut : 0, &nsym);
                M->nsym += nsym;
                if (cut_here)
                    M->cut_page = pages[k];
                assert_true(put_page(&im, old, pg) >= 1);
                M->pages++;
            }
        }
    }
    free(w);
    patch_sysrowsets(ps, &im, ids, M->rowsets, V->level);
    write_image(&im, out);
    free(im.p);
    b2a__catalog_free(&cat);
    b2a__bak_pages_close(ps);
}

/* --- scanning ---------------------------------------------------------------- */

static b2a_bak *open_path(const char *path)
{
    b2a_err err;
    b2a__err_clear(&err);
    b2a_bak *b = NULL;
    int rc = b2a__bak_open(&path, 1, &b, &err);
    if (rc)
        fail_msg("open %s: %d %s", path, rc, err.msg);
    return b;
}

static size_t find_table(const b2a_bak *b, const char *name)
{
    for (size_t i = 0; i < b2a__bak_table_count(b); i++)
        if (strcmp(b2a__bak_table(b, i)->schema, "dbo") == 0 && strcmp(b2a__bak_table(b, i)->name, name) == 0)
            return i;
    fail_msg("no table dbo.%s", name);
    return 0;
}

/* Scan table i in chunks of 2 rows; returns the scan's result code, the
 * error text in msg. */
static int scan(b2a_bak *b, size_t i, text_sink *ts, char *msg, size_t msglen)
{
    b2a_err err;
    b2a__err_clear(&err);
    b2a_bak_scan *s = NULL;
    text_sink_init(ts, b2a__bak_table(b, i));
    int rc = b2a__bak_scan_open(b, i, &s, &err);
    int eof = 0;
    while (rc == 0 && !eof) {
        size_t got = 0;
        rc = b2a__bak_scan_next(s, &ts->base, 2, &got, &eof, &err);
    }
    b2a__bak_scan_close(s);
    snprintf(msg, msglen, "%s", rc ? err.msg : "");
    assert_int_equal(ts->errors, 0);
    return rc;
}

static void assert_same_rows(const text_sink *want, const text_sink *got, const char *table)
{
    if (want->nrows != got->nrows)
        fail_msg("%s: %zu rows in the original, %zu in the copy", table, want->nrows, got->nrows);
    for (size_t r = 0; r < want->nrows; r++)
        if (strcmp(want->rows[r], got->rows[r]) != 0)
            fail_msg("%s row %zu: original \"%s\", copy \"%s\"", table, r, want->rows[r], got->rows[r]);
}

/* Every table of the copy equals the original's, row by row. Returns the
 * rows compared in the converted tables. */
static size_t compare_all(const char *copy, const variant *V)
{
    b2a_bak *orig = open_path(nw_path), *b = open_path(copy);
    assert_int_equal(b2a__bak_table_count(b), b2a__bak_table_count(orig));
    size_t converted = 0;
    char msg[B2A_ERRMSG_MAX];
    for (size_t i = 0; i < b2a__bak_table_count(b); i++) {
        const b2a_table_def *d = b2a__bak_table(b, i);
        text_sink want, got;
        assert_int_equal(scan(orig, i, &want, msg, sizeof msg), 0);
        int rc = scan(b, i, &got, msg, sizeof msg);
        if (rc)
            fail_msg("%s.%s in the copy: %d %s", d->schema, d->name, rc, msg);
        assert_same_rows(&want, &got, d->name);
        for (size_t k = 0; k < V->ntables; k++)
            if (strcmp(V->tables[k], d->name) == 0)
                converted += got.nrows;
        text_sink_free(&want);
        text_sink_free(&got);
    }
    b2a__bak_close(orig);
    b2a__bak_close(b);
    return converted;
}

/* The copy's catalog says what the variant set. */
static void check_catalog(const char *copy, const variant *V)
{
    b2a_bak_pages *ps;
    b2a_mcatalog cat;
    b2a_err err;
    assert_int_equal(b2a__bak_pages_open(&copy, 1, &ps, &err), 0);
    memset(&cat, 0, sizeof cat);
    assert_int_equal(b2a__catalog_load(ps, &cat, &err), 0);
    for (size_t i = 0; i < cat.ntables; i++) {
        int want = 0;
        for (size_t k = 0; k < V->ntables; k++)
            if (strcmp(V->tables[k], cat.tables[i].def.name) == 0)
                want = V->level;
        for (size_t r = 0; r < cat.tables[i].nrowsets; r++)
            assert_int_equal(cat.tables[i].rowsets[r].cmprlevel, want);
    }
    b2a__catalog_free(&cat);
    b2a__bak_pages_close(ps);
}

/* --- the tests ------------------------------------------------------------ */

static void copy_path(char *buf, size_t n, const char *name) { snprintf(buf, n, "%s/%s", tmpdir, name); }

static void test_row_compressed(void **state)
{
    (void)state;
    /* Region: int + nchar(50), a heap; Shippers: int + two nvarchar, one
     * nullable, clustered (its leaf page is the root). */
    static const char *const tabs[] = { "Region", "Shippers" };
    variant V = { 1, tabs, 2, NULL, 0 };
    char path[4200];
    copy_path(path, sizeof path, "row.bak");
    made M;
    make_copy(&V, path, &M);
    assert_int_equal(M.rowsets, 2);
    assert_int_equal(M.pages, 2);
    check_catalog(path, &V);
    assert_int_equal(compare_all(path, &V), 4 + 3);
    /* Exact values users rely on, from the compressed pages. */
    b2a_bak *b = open_path(path);
    text_sink ts;
    char msg[B2A_ERRMSG_MAX];
    assert_int_equal(scan(b, find_table(b, "Shippers"), &ts, msg, sizeof msg), 0);
    assert_int_equal(ts.nrows, 3);
    assert_string_equal(ts.rows[0], "1" TS_SEP_STR "Speedy Express" TS_SEP_STR "(503) 555-9831");
    text_sink_free(&ts);
    assert_int_equal(scan(b, find_table(b, "Region"), &ts, msg, sizeof msg), 0);
    assert_int_equal(ts.nrows, 4);
    assert_string_equal(ts.rows[2], "3" TS_SEP_STR "Northern                                          ");
    text_sink_free(&ts);
    b2a__bak_close(b);
    unlink(path);
}

static void test_page_compressed(void **state)
{
    (void)state;
    /* Territories (53 rows: RegionID repeats, so the dictionary is used;
     * TerritoryIDs share digit prefixes with the anchor) and Region. */
    static const char *const tabs[] = { "Territories", "Region" };
    variant V = { 2, tabs, 2, NULL, 0 };
    char path[4200];
    copy_path(path, sizeof path, "page.bak");
    made M;
    make_copy(&V, path, &M);
    assert_int_equal(M.rowsets, 2);
    assert_int_equal(M.pages, 2);
    /* Territories' RegionIDs other than the anchor's repeat, so they and one
     * more repeated value become the page's 4 dictionary entries. */
    assert_int_equal(M.nsym, 4);
    check_catalog(path, &V);
    assert_int_equal(compare_all(path, &V), 53 + 4);
    unlink(path);
}

static void test_cut_record(void **state)
{
    (void)state;
    /* Shippers' last record loses its last 3 bytes (the end of its
     * long-data region) and nothing follows it on the page. */
    static const char *const tabs[] = { "Shippers" };
    variant V = { 1, tabs, 1, "Shippers", 3 };
    char path[4200];
    copy_path(path, sizeof path, "cut.bak");
    made M;
    make_copy(&V, path, &M);
    assert_true(M.cut_page > 0);
    b2a_bak *b = open_path(path);
    text_sink ts;
    char msg[B2A_ERRMSG_MAX], want[300];
    int rc = scan(b, find_table(b, "Shippers"), &ts, msg, sizeof msg);
    assert_int_equal(rc, B2A_EFORMAT);
    /* The rows before it were delivered; the message names file, table, page and slot. */
    assert_int_equal(ts.nrows, 2);
    assert_string_equal(ts.rows[0], "1" TS_SEP_STR "Speedy Express" TS_SEP_STR "(503) 555-9831");
    assert_string_equal(ts.rows[1], "2" TS_SEP_STR "United Package" TS_SEP_STR "(503) 555-3199");
    snprintf(want, sizeof want,
             "cut.bak: table dbo.Shippers: record at page (1:%u) slot 2 is corrupt: the long value of column 3 "
             "(bytes 17..32 of the long data) runs outside the record",
             M.cut_page);
    assert_string_equal(msg, want);
    text_sink_free(&ts);
    /* Other tables of the same backup still read. */
    assert_int_equal(scan(b, find_table(b, "Region"), &ts, msg, sizeof msg), 0);
    assert_int_equal(ts.nrows, 4);
    text_sink_free(&ts);
    b2a__bak_close(b);
    unlink(path);
}

int main(void)
{
    samples = getenv("B2A_SAMPLES");
    struct stat st;
    if (samples)
        snprintf(nw_path, sizeof nw_path, "%s/%s", samples, NW);
    if (!samples || stat(nw_path, &st) != 0) {
        printf("SKIP: sample backup %s not found (B2A_SAMPLES=%s); this test needs ../shared/samples\n", NW,
               samples ? samples : "(unset)");
        return 77;
    }
    if (!mkdtemp(tmpdir)) {
        printf("cannot create a temporary directory\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_row_compressed),
        cmocka_unit_test(test_page_compressed),
        cmocka_unit_test(test_cut_record),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    rmdir(tmpdir);
    return rc;
}
