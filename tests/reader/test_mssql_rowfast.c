/* The scan's fast path for FixedVar rows (rowfast.h) against the general
 * path (the row decoder, every value checked, then emitted), on pages built
 * by hand and on thousands of bit-flipped and truncated copies of them: the
 * two must hand the sink the same rows in the same order and stop at the
 * same error, and the fast path must take the common rows itself (so these
 * tests compare something) while leaving to the general path every row it
 * must not decide: forwarded records, rows written before a column was
 * added, off-row values, a datetime out of range, corrupt offsets.
 * Record layout: docs/mssql-bak-format.md §2.7 (status bytes, fixed part,
 * column count, null bitmap, variable-column end offsets).
 * The general path here (general_slot) restates bak.c's locate_row and
 * emit_row, without their off-row reads: a change there is not seen here,
 * only by the sample tests that assert exact values of real scans. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bak2avro/errors.h"
#include "reader/mssql/catalog.h"
#include "reader/mssql/page.h"
#include "reader/mssql/record.h"
#include "reader/mssql/rowfast.h"
#include "reader/mssql/types.h"
#include "handmade_table.h"
#include "text_sink.h"

/* --- a hand-made table (handmade_table.h) ------------------------------------ */

enum { NC = 13 };
/* Fixed part: id @4, big @8, b0/b1 @16 (bits 0 and 1), dt @17, m @25,
 * d @33 (decimal(10,2): 9 bytes), ch @42 (nchar(2)), ends at 46. */
static const hm_col cols[NC] = {
    { B2A_MT_INT, 4, 0, 0, 4, 0, "id", 0 },
    { B2A_MT_BIGINT, 8, 0, 0, 8, 0, "big", 0 },
    { B2A_MT_BIT, 1, 0, 0, 16, 0, "b0", 0 },
    { B2A_MT_BIT, 1, 0, 0, 16, 1, "b1", 0 },
    { B2A_MT_DATETIME, 8, 0, 0, 17, 0, "dt", 0 },
    { B2A_MT_MONEY, 8, 19, 4, 25, 0, "m", 0 },
    { B2A_MT_DECIMAL, 9, 10, 2, 33, 0, "d", 0 },
    { B2A_MT_NCHAR, 4, 0, 0, 42, 0, "ch", 0 },
    { B2A_MT_NVARCHAR, 40, 0, 0, -1, 0, "name", 0 },
    { B2A_MT_VARBINARY, 10, 0, 0, -2, 0, "bin", 0 },
    { B2A_MT_VARCHAR, 10, 0, 0, -3, 0, "vc", 0 },
    { B2A_MT_INT, 4, 0, 0, 0, 0, "calc", 0 },       /* computed: no physical column */
    { B2A_MT_REAL, 4, 0, 0, 46, 0, "r", 0 },
};
#define FIXED_END 50

/* --- records and pages -------------------------------------------------------- */

static void put16(uint8_t *p, unsigned v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, v & 0xFFFF); put16(p + 2, v >> 16); }

typedef struct row {
    int32_t id;
    int64_t big;
    int b0, b1;
    int32_t days, ticks;   /* datetime */
    int64_t money;
    int neg;
    uint64_t mag;          /* decimal */
    const char *ch;        /* 2 ASCII chars as nchar(2) */
    const char *name;      /* UTF-8 of ASCII/Latin-1 only; NULL: SQL NULL */
    const char *bin;       /* NULL: SQL NULL */
    const char *vc;        /* NULL: SQL NULL */
    unsigned nulls;        /* more NULL columns: bit i = column i */
    unsigned nvar;         /* variable columns stored (trailing ones may be left out) */
    unsigned ncols;        /* the record's column count (0: all 13) */
    uint8_t type;          /* record type (0 primary, 1 forwarded) */
    int complex_name;      /* the name's end offset has the complex (off-row) bit */
} row;

static size_t build(uint8_t *out, const row *r)
{
    unsigned nulls = r->nulls;
    if (!r->name)
        nulls |= 1u << 8;
    if (!r->bin)
        nulls |= 1u << 9;
    if (!r->vc)
        nulls |= 1u << 10;
    unsigned ncols = r->ncols ? r->ncols : NC;
    size_t fe = ncols >= NC ? FIXED_END : 46; /* an old row lacks r */
    memset(out, 0, 512);
    out[0] = (uint8_t)(0x10 | (r->type << 1) | (r->nvar ? 0x20 : 0));
    put16(out + 2, (unsigned)fe);
    put32(out + 4, (uint32_t)r->id);
    put32(out + 8, (uint32_t)r->big);
    put32(out + 12, (uint32_t)((uint64_t)r->big >> 32));
    out[16] = (uint8_t)((r->b0 ? 1 : 0) | (r->b1 ? 2 : 0));
    put32(out + 17, (uint32_t)r->ticks);
    put32(out + 21, (uint32_t)r->days);
    put32(out + 25, (uint32_t)r->money);
    put32(out + 29, (uint32_t)((uint64_t)r->money >> 32));
    out[33] = r->neg ? 0 : 1;
    put32(out + 34, (uint32_t)r->mag);
    put32(out + 38, (uint32_t)(r->mag >> 32));
    for (int i = 0; i < 2; i++)
        out[42 + 2 * i] = (uint8_t)r->ch[i];
    if (fe > 46) {
        float f = (float)r->id / 4;
        memcpy(out + 46, &f, 4);
    }
    size_t pos = fe;
    put16(out + pos, ncols);
    pos += 2;
    for (unsigned i = 0; i < ncols; i++)
        if (nulls & (1u << i))
            out[pos + i / 8] |= (uint8_t)(1u << (i % 8));
    pos += (ncols + 7) / 8;
    if (r->nvar) {
        put16(out + pos, r->nvar);
        pos += 2;
        size_t offs = pos;
        pos += 2 * r->nvar;
        const char *v[3] = { r->name ? r->name : "", r->bin ? r->bin : "", r->vc ? r->vc : "" };
        for (unsigned i = 0; i < r->nvar; i++) {
            size_t n = strlen(v[i]);
            if (i == 0) { /* nvarchar: UTF-16LE of Latin-1 */
                for (size_t j = 0; j < n; j++)
                    out[pos + 2 * j] = (uint8_t)v[i][j];
                n *= 2;
            } else {
                memcpy(out + pos, v[i], n);
            }
            pos += n;
            put16(out + offs + 2 * i, (unsigned)pos | (i == 0 && r->complex_name ? 0x8000 : 0));
        }
    }
    return pos;
}

static void pg_init(uint8_t *pg)
{
    memset(pg, 0, B2A_PG_SIZE);
    pg[0] = 1;
    pg[1] = B2A_PG_DATA;
    put16(pg + 30, B2A_PG_HDR);
}

static void pg_add(uint8_t *pg, const uint8_t *rec, size_t n)
{
    unsigned slot = b2a__rd16(pg + 22), off = b2a__rd16(pg + 30);
    memcpy(pg + off, rec, n);
    put16(pg + B2A_PG_SIZE - 2 - 2 * slot, off);
    put16(pg + 22, slot + 1);
    put16(pg + 30, off + (unsigned)n);
}

static void pg_add_row(uint8_t *pg, const row *r)
{
    uint8_t rec[512];
    pg_add(pg, rec, build(rec, r));
}

static void pg_add_empty_slot(uint8_t *pg)
{
    unsigned slot = b2a__rd16(pg + 22);
    put16(pg + B2A_PG_SIZE - 2 - 2 * slot, 0);
    put16(pg + 22, slot + 1);
}

/* --- the two paths ---------------------------------------------------------- */

typedef struct run {
    text_sink ts;
    int rc;                /* 0, or the first error */
    char msg[B2A_ERRMSG_MAX];
    size_t fast_rows;      /* rows the fast path emitted */
} run;

/* bak.c's general path for one slot: the row decoder, every value checked
 * (pass 1), then emitted (pass 2). 1 row, 0 no row, < 0 error. */
static int general_slot(hm_table *T, b2a_rowdec *d, unsigned slot, run *R, b2a_mbuf *sc)
{
    b2a_err err;
    b2a__err_clear(&err);
    const b2a_rcell *c;
    int st = b2a__rowdec_row(d, slot, &c, &err);
    if (st < 0) {
        snprintf(R->msg, sizeof R->msg, "%s", err.msg);
        return st;
    }
    if (st == 0)
        return 0;
    char why[256];
    for (size_t k = 0; k < T->t.def.ncolumns; k++) {
        if (c[k].null)
            continue;
        if (c[k].complex) { /* off-row: a LOB the scan would read; here, an error to compare */
            snprintf(R->msg, sizeof R->msg, "slot %u column %zu off-row", slot, k);
            return B2A_EUNSUPPORTED;
        }
        why[0] = 0;
        int rc = b2a__mtype_emit(&T->ty[k], c[k].p, c[k].n, c[k].bitpos, NULL, sc, why, sizeof why);
        if (rc < 0) {
            snprintf(R->msg, sizeof R->msg, "slot %u column %zu: %s", slot, k, why);
            return rc;
        }
    }
    for (size_t k = 0; k < T->t.def.ncolumns; k++) {
        if (c[k].null)
            R->ts.base.ops->null(&R->ts.base);
        else
            assert_int_equal(b2a__mtype_emit(&T->ty[k], c[k].p, c[k].n, c[k].bitpos, &R->ts.base, sc, why, sizeof why), 0);
    }
    R->ts.base.ops->end_row(&R->ts.base);
    return 1;
}

/* A page the way a scan reads it: fast (the fast path first, the general
 * path for the slots it leaves, max_rows at a time) or general only. */
static void scan_page(hm_table *T, const uint8_t *pg, int fast, size_t max_rows, run *R)
{
    memset(R, 0, sizeof *R);
    text_sink_init(&R->ts, &T->t.def);
    b2a_rowdec *d;
    b2a_err err;
    b2a__err_clear(&err);
    assert_int_equal(b2a__rowdec_open(&T->t, &d, &err), B2A_OK);
    b2a_pgid id = { 100, 1 };
    assert_int_equal(b2a__rowdec_page(d, pg, id, &err), B2A_OK);
    b2a_rowfast f;
    assert_int_equal(b2a__rowfast_init(&f, T->t.def.ncolumns), 0);
    b2a__rowfast_partition(&f, &T->t, d);
    assert_true(f.on); /* this table's rows can take the fast path */
    b2a_mbuf sc = { 0 };
    unsigned slot = 0;
    for (;;) {
        if (fast) {
            size_t got = 0, col = 0;
            char why[256];
            int rc = b2a__rowfast_rows(&f, pg, &slot, max_rows, &R->ts.base, &sc, &got, &col, why, sizeof why);
            assert_true(rc == 0 || rc == 1); /* the text sink never refuses */
            assert_true(got <= max_rows);
            R->fast_rows += got;
            if (rc == 0 && got == max_rows)
                continue;
        }
        if (slot >= b2a__page_slots(pg))
            break;
        int rc = general_slot(T, d, slot, R, &sc);
        if (rc < 0) {
            R->rc = rc;
            break;
        }
        slot++;
    }
    b2a__mbuf_free(&sc);
    b2a__rowfast_free(&f);
    b2a__rowdec_close(d);
}

static void free_run(run *R) { text_sink_free(&R->ts); }

/* Both ways give the same rows and the same stop; the fast path's share. */
static size_t compare(hm_table *T, const uint8_t *pg, size_t max_rows)
{
    run g, f;
    scan_page(T, pg, 0, max_rows, &g);
    scan_page(T, pg, 1, max_rows, &f);
    assert_int_equal(f.ts.nrows, g.ts.nrows);
    for (size_t i = 0; i < g.ts.nrows; i++)
        assert_string_equal(f.ts.rows[i], g.ts.rows[i]);
    assert_int_equal(f.ts.errors, 0);
    assert_int_equal(f.rc, g.rc);
    assert_string_equal(f.msg, g.msg);
    size_t n = f.fast_rows;
    free_run(&g);
    free_run(&f);
    return n;
}

static char *line(const char *s)
{
    static char b[512];
    snprintf(b, sizeof b, "%s", s);
    for (char *q = b; *q; q++)
        if (*q == '|')
            *q = TS_SEP;
    return b;
}

/* --- tests -------------------------------------------------------------------- */

static const row base = { 7, -5, 1, 0, 40000, 300, -123456, 0, 12345, "ab", "Zo\xEB", "\x01\x02", "xyz", 0, 3, 0, 0, 0 };

static void test_common_rows_take_the_fast_path(void **state)
{
    (void)state;
    hm_table T;
    assert_int_equal(hm_table_make(&T, cols, NC), 0);
    static uint8_t pg[B2A_PG_SIZE];
    pg_init(pg);
    row r = base;
    pg_add_row(pg, &r);
    r.id = 8, r.name = NULL, r.b1 = 1, r.neg = 1, r.money = INT64_MIN;
    pg_add_row(pg, &r);
    pg_add_empty_slot(pg);
    r = base;
    r.id = 9, r.nulls = (1u << 0) | (1u << 4) | (1u << 5) | (1u << 12), r.nvar = 2; /* trailing vc left out */
    pg_add_row(pg, &r);
    r = base;
    r.id = 10, r.nvar = 0, r.name = NULL, r.bin = NULL, r.vc = NULL; /* no variable part at all */
    pg_add_row(pg, &r);
    r = base;
    r.id = 11, r.nvar = 1, r.bin = NULL, r.vc = NULL, r.name = "abcdefghijklmnopqrstuvwxyz";
    pg_add_row(pg, &r);
    for (size_t max = 1; max <= 6; max++)
        assert_int_equal(compare(&T, pg, max), 5);

    run R;
    scan_page(&T, pg, 1, 100, &R);
    assert_int_equal(R.ts.nrows, 5);
    assert_string_equal(R.ts.rows[0], line("7|-5|1|0|2009-07-08 00:00:01.000000|-12.3456|123.45|ab|Zoë|0x0102|xyz|NULL|1.75"));
    assert_string_equal(R.ts.rows[1], line("8|-5|1|1|2009-07-08 00:00:01.000000|-922337203685477.5808|-123.45|ab|NULL|0x0102|xyz|NULL|2"));
    /* a trailing variable column left out of the record is empty, not NULL */
    assert_string_equal(R.ts.rows[2], line("NULL|-5|1|0|NULL|NULL|123.45|ab|Zoë|0x0102||NULL|NULL"));
    assert_string_equal(R.ts.rows[3], line("10|-5|1|0|2009-07-08 00:00:01.000000|-12.3456|123.45|ab|NULL|NULL|NULL|NULL|2.5"));
    assert_string_equal(R.ts.rows[4], line("11|-5|1|0|2009-07-08 00:00:01.000000|-12.3456|123.45|ab|abcdefghijklmnopqrstuvwxyz|NULL|NULL|NULL|2.75"));
    free_run(&R);
    hm_table_free(&T);
}

/* Each of these rows is the general path's to decide; the rows around
 * them stay on the fast path. */
static void test_other_rows_go_the_general_way(void **state)
{
    (void)state;
    hm_table T;
    assert_int_equal(hm_table_make(&T, cols, NC), 0);
    static uint8_t pg[B2A_PG_SIZE];
    struct {
        const char *what;
        row r;
        int error; /* the general path reports it */
    } cases[] = {
        { "forwarded record", base, 0 },
        { "written before r was added", base, 0 },
        { "name off-row", base, 1 },
        { "datetime out of range", base, 1 },
        { "ghost record", base, 0 },
    };
    cases[0].r.type = B2A_REC_FORWARDED;
    cases[1].r.ncols = NC - 1;
    cases[2].r.complex_name = 1;
    cases[3].r.days = 3000000;
    cases[4].r.type = B2A_REC_GHOST_DATA;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        pg_init(pg);
        row r = base;
        pg_add_row(pg, &r);
        pg_add_row(pg, &cases[i].r);
        r.id = 99;
        pg_add_row(pg, &r);
        size_t fast = compare(&T, pg, 100);
        run R;
        scan_page(&T, pg, 1, 100, &R);
        if (cases[i].error) {
            assert_int_equal(fast, 1);
            assert_int_not_equal(R.rc, 0);
            assert_int_equal(R.ts.nrows, 1);
        } else {
            assert_int_equal(fast, 2);
            assert_int_equal(R.rc, 0);
        }
        if (i == 3)
            assert_non_null(strstr(R.msg, "datetime value out of range (day 3000000"));
        free_run(&R);
    }
    /* A corrupt slot array is the general path's to report. */
    pg_init(pg);
    row r = base;
    pg_add_row(pg, &r);
    put16(pg + 22, 5000);
    assert_int_equal(compare(&T, pg, 100), 0);
    hm_table_free(&T);
}

/* Bit flips anywhere in the records and the slot array, and truncated
 * records: every outcome must be the general path's. ASan/UBSan check the
 * fast path reads nothing outside the page. */
static void test_damaged_pages_agree(void **state)
{
    (void)state;
    hm_table T;
    assert_int_equal(hm_table_make(&T, cols, NC), 0);
    static uint8_t good[B2A_PG_SIZE], pg[B2A_PG_SIZE];
    pg_init(good);
    row r = base;
    for (int i = 0; i < 6; i++) {
        r.id = i;
        r.nulls = i & 1 ? 1u << 1 : 0;
        r.nvar = (unsigned)(i % 4);
        r.name = i == 2 ? NULL : "Name";
        pg_add_row(good, &r);
    }
    unsigned used = b2a__rd16(good + 30);
    srand(5);
    size_t fast = 0;
    for (int it = 0; it < 6000; it++) {
        memcpy(pg, good, sizeof pg);
        int flips = 1 + rand() % 3;
        for (int j = 0; j < flips; j++) {
            unsigned at = rand() % 8 ? B2A_PG_HDR + (unsigned)rand() % (used - B2A_PG_HDR)
                                     : B2A_PG_SIZE - 12 + (unsigned)rand() % 12; /* the slot array */
            pg[at] ^= (uint8_t)(1u << (rand() % 8));
        }
        fast += compare(&T, pg, 1 + (size_t)(rand() % 7));
    }
    assert_true(fast > 6000); /* most damaged pages still have rows the fast path takes */
    /* Records cut short: the slot offsets moved to just before the slot array. */
    for (unsigned cut = 1; cut < 80; cut++) {
        memcpy(pg, good, sizeof pg);
        unsigned off = b2a__rd16(pg + B2A_PG_SIZE - 2);
        unsigned to = B2A_PG_SIZE - 2 * 6 - cut;
        memmove(pg + to, pg + off, cut);
        put16(pg + B2A_PG_SIZE - 2, to);
        compare(&T, pg, 100);
    }
    hm_table_free(&T);
}

/* Every fixed-size number the fast path hands over itself, at its extremes. */
static void test_every_plain_kind(void **state)
{
    (void)state;
    static const hm_col c[] = { { B2A_MT_TINYINT, 1, 0, 0, 4, 0, "ti", 0 },  { B2A_MT_SMALLINT, 2, 0, 0, 5, 0, "si", 0 },
                              { B2A_MT_INT, 4, 0, 0, 7, 0, "i", 0 },       { B2A_MT_BIGINT, 8, 0, 0, 11, 0, "bi", 0 },
                              { B2A_MT_REAL, 4, 0, 0, 19, 0, "r", 0 },     { B2A_MT_FLOAT, 8, 0, 0, 23, 0, "f", 0 },
                              { B2A_MT_SMALLMONEY, 4, 10, 4, 31, 0, "sm", 0 } };
    hm_table T;
    assert_int_equal(hm_table_make(&T, c, 7), 0);
    static uint8_t pg[B2A_PG_SIZE];
    pg_init(pg);
    /* status 0x10, fixed end 35, the values, 7 columns, an empty null bitmap */
    uint8_t rec[40] = { 0x10, 0x00, 35, 0x00 };
    rec[4] = 255;
    put16(rec + 5, 0x8000);                         /* -32768 */
    put32(rec + 7, 0x80000000u);                    /* INT32_MIN */
    put32(rec + 11, 0xFFFFFFFFu), put32(rec + 15, 0x7FFFFFFFu); /* INT64_MAX */
    float r = -1.5f;
    double d = 1048576.5;
    memcpy(rec + 19, &r, 4), memcpy(rec + 23, &d, 8);
    put32(rec + 31, 0x7FFFFFFFu);                   /* 214748.3647 */
    put16(rec + 35, 7);
    pg_add(pg, rec, 38);
    rec[4] = 0, put16(rec + 5, 0x7FFF), put32(rec + 7, 0x7FFFFFFFu), put32(rec + 11, 0), put32(rec + 15, 0x80000000u);
    r = 0.25f, d = -0.0;
    memcpy(rec + 19, &r, 4), memcpy(rec + 23, &d, 8);
    put32(rec + 31, 0x80000000u);                   /* -214748.3648 */
    pg_add(pg, rec, 38);
    assert_int_equal(compare(&T, pg, 100), 2);
    run R;
    scan_page(&T, pg, 1, 100, &R);
    assert_int_equal(R.ts.nrows, 2);
    assert_string_equal(R.ts.rows[0], line("255|-32768|-2147483648|9223372036854775807|-1.5|1048576.5|214748.3647"));
    assert_string_equal(R.ts.rows[1], line("0|32767|2147483647|-9223372036854775808|0.25|-0|-214748.3648"));
    free_run(&R);
    hm_table_free(&T);
}

/* Sparse columns and text pointers keep the whole partition on the general path. */
static void test_partitions_left_to_the_general_path(void **state)
{
    (void)state;
    static const hm_col c[] = { { B2A_MT_INT, 4, 0, 0, 4, 0, "id", 0 }, { B2A_MT_NTEXT, 16, 0, 0, -1, 0, "t", 0 } };
    hm_table T;
    assert_int_equal(hm_table_make(&T, c, 2), 0);
    b2a_rowdec *d;
    b2a_err err;
    assert_int_equal(b2a__rowdec_open(&T.t, &d, &err), B2A_OK);
    b2a_rowfast f;
    assert_int_equal(b2a__rowfast_init(&f, 2), 0);
    b2a__rowfast_partition(&f, &T.t, d);
    assert_false(f.on);
    b2a__rowdec_close(d);
    T.ty[1].xtype = B2A_MT_NVARCHAR;
    T.flags[1] = B2A_MCOL_SPARSE;
    assert_int_equal(b2a__rowdec_open(&T.t, &d, &err), B2A_OK);
    b2a__rowfast_partition(&f, &T.t, d);
    assert_false(f.on);
    b2a__rowdec_close(d);
    T.flags[1] = 0;
    T.rs.cmprlevel = 1; /* ROW compression: CD records */
    assert_int_equal(b2a__rowdec_open(&T.t, &d, &err), B2A_OK);
    b2a__rowfast_partition(&f, &T.t, d);
    assert_false(f.on);
    b2a__rowdec_close(d);
    T.rs.cmprlevel = 0;
    assert_int_equal(b2a__rowdec_open(&T.t, &d, &err), B2A_OK);
    b2a__rowfast_partition(&f, &T.t, d);
    assert_true(f.on);
    b2a__rowdec_close(d);
    b2a__rowfast_free(&f);
    hm_table_free(&T);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_common_rows_take_the_fast_path),
        cmocka_unit_test(test_other_rows_go_the_general_way),
        cmocka_unit_test(test_damaged_pages_agree),
        cmocka_unit_test(test_every_plain_kind),
        cmocka_unit_test(test_partitions_left_to_the_general_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
