/* Unit tests of the SQL Server reader's layers that need no sample:
 * slot arrays, FixedVar records, and value decoding on hand-made bytes
 * (expected values worked out from the documented encodings). */
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
#include "reader/mssql/catalog.h"
#include "reader/mssql/page.h"
#include "reader/mssql/readahead.h"
#include "reader/mssql/record.h"
#include "reader/mssql/types.h"
#include "text_sink.h"

/* --- pages and records -------------------------------------------------- */

static void put16(uint8_t *p, unsigned v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }

static void test_page_slots(void **state)
{
    (void)state;
    static uint8_t pg[B2A_PG_SIZE];
    memset(pg, 0, sizeof pg);
    put16(pg + 22, 3);                    /* three slots */
    put16(pg + B2A_PG_SIZE - 2, 96);      /* slot 0 */
    put16(pg + B2A_PG_SIZE - 4, 0);       /* slot 1: empty (a heap delete) */
    put16(pg + B2A_PG_SIZE - 6, 8190);    /* slot 2: inside the slot array */
    const uint8_t *r;
    size_t n;
    assert_int_equal(b2a__page_record(pg, 0, &r, &n), 0);
    assert_ptr_equal(r, pg + 96);
    assert_int_equal(n, B2A_PG_SIZE - 6 - 96);
    assert_int_equal(b2a__page_record(pg, 1, &r, &n), 1);
    assert_int_equal(b2a__page_record(pg, 2, &r, &n), -1);
    assert_int_equal(b2a__page_record(pg, 3, &r, &n), -1);
    put16(pg + 22, 5000);                 /* slot array larger than the page body */
    assert_int_equal(b2a__page_record(pg, 0, &r, &n), -1);
}

static void test_record_fixedvar(void **state)
{
    (void)state;
    /* status 0x30 (bitmap + var), fixed int 7 at offset 4, 3 columns,
     * bitmap 0x02 (column 2 NULL), 2 var columns "ab" and "cde". */
    uint8_t rec[] = { 0x30, 0x00, 0x08, 0x00, 0x07, 0x00, 0x00, 0x00, 0x03, 0x00, 0x02,
                      0x02, 0x00, 0x13, 0x00, 0x16, 0x00, 'a', 'b', 'c', 'd', 'e' };
    b2a_rec r;
    assert_int_equal(b2a__rec_parse(&r, rec, sizeof rec), 0);
    assert_int_equal(r.type, B2A_REC_PRIMARY);
    assert_int_equal(r.ncols, 3);
    assert_int_equal(r.nvar, 2);
    assert_int_equal(b2a__rec_is_null(&r, 1), 0);
    assert_int_equal(b2a__rec_is_null(&r, 2), 1);
    assert_int_equal(b2a__rec_is_null(&r, 4), 1); /* added after the row was written */
    const uint8_t *f = b2a__rec_fixed(&r, 4, 4);
    assert_non_null(f);
    assert_int_equal(b2a__rd32(f), 7);
    assert_null(b2a__rec_fixed(&r, 6, 4));        /* runs past the fixed part */
    const uint8_t *p;
    size_t n;
    int cx;
    assert_int_equal(b2a__rec_var(&r, 0, &p, &n, &cx), 0);
    assert_int_equal(n, 2);
    assert_memory_equal(p, "ab", 2);
    assert_int_equal(b2a__rec_var(&r, 1, &p, &n, &cx), 0);
    assert_int_equal(n, 3);
    assert_false(cx);
    assert_int_equal(b2a__rec_var(&r, 2, &p, &n, &cx), 1); /* trailing column left out */
    /* Complex bit on the second offset. */
    rec[15] = 0x16; rec[16] = 0x80;
    assert_int_equal(b2a__rec_parse(&r, rec, sizeof rec), 0);
    assert_int_equal(b2a__rec_var(&r, 1, &p, &n, &cx), 0);
    assert_true(cx);
    /* An end offset past the record is refused, not read. */
    rec[15] = 0x40; rec[16] = 0x00;
    assert_int_equal(b2a__rec_parse(&r, rec, sizeof rec), -1);
    /* Offsets running backwards are corrupt. */
    rec[13] = 0x15; rec[15] = 0x14;
    assert_int_equal(b2a__rec_parse(&r, rec, sizeof rec), 0);
    assert_int_equal(b2a__rec_var(&r, 1, &p, &n, &cx), -1);
    /* Fixed-part end beyond the record. */
    uint8_t shortrec[] = { 0x10, 0x00, 0x40, 0x00, 1, 2 };
    assert_int_equal(b2a__rec_parse(&r, shortrec, sizeof shortrec), -1);
}

static void test_record_kinds(void **state)
{
    (void)state;
    /* Forwarding stub: status 0x04, page 0x1234, file 1, slot 2. */
    uint8_t stub[] = { 0x04, 0x34, 0x12, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00 };
    b2a_rec r;
    assert_int_equal(b2a__rec_parse(&r, stub, sizeof stub), 0);
    assert_int_equal(r.type, B2A_REC_FORWARDING_STUB);
    assert_int_equal(b2a__rec_parse(&r, stub, 5), -1);
    /* Ghost data record (type 6). */
    uint8_t ghost[] = { 0x1C, 0x00, 0x04, 0x00, 0x00, 0x00 };
    assert_int_equal(b2a__rec_parse(&r, ghost, sizeof ghost), 0);
    assert_int_equal(r.type, B2A_REC_GHOST_DATA);
}

/* --- type decoding on hand-made bytes ---------------------------------- */

static char *emit1(const b2a_mtype *t, const uint8_t *p, size_t n, b2a_vtype vt, int scale)
{
    b2a_column col = { 0 };
    col.vtype = vt;
    col.scale = scale;
    col.source_type = (char *)"x";
    b2a_table_def def = { 0 };
    def.ncolumns = 1;
    def.columns = &col;
    text_sink ts;
    text_sink_init(&ts, &def);
    b2a_mbuf sc = { 0 };
    char why[128];
    assert_int_equal(b2a__mtype_emit(t, p, n, 0, &ts.base, &sc, why, sizeof why), 0);
    ts.base.ops->end_row(&ts.base);
    char *r = strdup(ts.rows[0]);
    text_sink_free(&ts);
    b2a__mbuf_free(&sc);
    return r;
}

#define EXPECT(t, bytes, vt, scale, want)                                   \
    do {                                                                    \
        static const uint8_t b_[] = bytes;                                  \
        char *got_ = emit1(t, b_, sizeof b_, vt, scale);                    \
        assert_string_equal(got_, want);                                    \
        free(got_);                                                         \
    } while (0)
#define B(...) { __VA_ARGS__ }

static void test_types(void **state)
{
    (void)state;
    b2a_mtype t = { 0 };
    t.xtype = B2A_MT_DECIMAL; t.prec = 10; t.scale = 2;
    EXPECT(&t, B(0x00, 0x39, 0x30, 0x00, 0x00), B2A_V_DECIMAL, 2, "-123.45");
    EXPECT(&t, B(0x01, 0x39, 0x30, 0x00, 0x00), B2A_V_DECIMAL, 2, "123.45");
    EXPECT(&t, B(0x01, 0x80, 0x00, 0x00, 0x00), B2A_V_DECIMAL, 2, "1.28"); /* needs a sign byte */
    t.xtype = B2A_MT_MONEY;
    EXPECT(&t, B(0x30, 0xAE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF), B2A_V_DECIMAL, 4, "-2.0944");
    t.xtype = B2A_MT_SMALLMONEY;
    EXPECT(&t, B(0x10, 0x27, 0x00, 0x00), B2A_V_DECIMAL, 4, "1.0000");
    t.xtype = B2A_MT_DATETIME; /* 1900-01-01 + 1 day, 300 ticks = 1 s */
    EXPECT(&t, B(0x2C, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00), B2A_V_LOCAL_TIMESTAMP_MICROS, 0,
           "1900-01-02 00:00:01.000000");
    EXPECT(&t, B(0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00), B2A_V_LOCAL_TIMESTAMP_MICROS, 0,
           "1900-01-01 00:00:00.003333");
    t.xtype = B2A_MT_SMALLDATETIME; /* 61 minutes, day 2 */
    EXPECT(&t, B(0x3D, 0x00, 0x02, 0x00), B2A_V_LOCAL_TIMESTAMP_MICROS, 0, "1900-01-03 01:01:00.000000");
    t.xtype = B2A_MT_DATE; /* 0001-01-01 */
    EXPECT(&t, B(0x00, 0x00, 0x00), B2A_V_DATE, 0, "0001-01-01");
    EXPECT(&t, B(0x3A, 0xF9, 0x0A), B2A_V_DATE, 0, "1970-01-01"); /* day 719162 */
    t.xtype = B2A_MT_TIME; t.scale = 7; /* 1 s + 1234567 ticks of 100 ns */
    EXPECT(&t, B(0x87, 0xD6, 0x12, 0x00, 0x00), B2A_V_TIME_MICROS, 0, "00:00:00.123456");
    t.scale = 0;
    EXPECT(&t, B(0x1F, 0x0E, 0x00), B2A_V_TIME_MICROS, 0, "01:00:15.000000");
    t.xtype = B2A_MT_UNIQUEIDENTIFIER;
    EXPECT(&t, B(0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66, 0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF),
           B2A_V_UUID, 0, "00112233-4455-6677-8899-aabbccddeeff");
    t.xtype = B2A_MT_VARCHAR; t.codepage = 1252;
    EXPECT(&t, B('M', 0x81, 0x80, 0xE9), B2A_V_STRING, 0, "M\xC2\x81\xE2\x82\xAC\xC3\xA9");
    t.codepage = 1256;
    EXPECT(&t, B(0xC7, 0xE1), B2A_V_STRING, 0, "\xD8\xA7\xD9\x84"); /* ال */
    t.xtype = B2A_MT_NVARCHAR; /* a surrogate pair and a lone surrogate */
    EXPECT(&t, B(0x3D, 0xD8, 0x00, 0xDE, 0x00, 0xD8, 'a', 0), B2A_V_STRING, 0, "\xF0\x9F\x98\x80\xEF\xBF\xBD" "a");
    /* sql_variant: [base type][version 1][properties][value], as text. */
    t.xtype = B2A_MT_SQL_VARIANT;
    EXPECT(&t, B(B2A_MT_INT, 1, 0x2A, 0, 0, 0), B2A_V_STRING, 0, "42");
    EXPECT(&t, B(B2A_MT_DECIMAL, 1, 5, 2, 0, 0x39, 0x30, 0, 0), B2A_V_STRING, 0, "-123.45");
    EXPECT(&t, B(B2A_MT_MONEY, 1, 0x10, 0x27, 0, 0, 0, 0, 0, 0), B2A_V_STRING, 0, "1.0000");
    EXPECT(&t, B(B2A_MT_DATETIME, 1, 0x2C, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00), B2A_V_STRING, 0,
           "1900-01-02 00:00:01.000");
    EXPECT(&t, B(B2A_MT_DATE, 1, 0x3A, 0xF9, 0x0A), B2A_V_STRING, 0, "1970-01-01");
    /* datetimeoffset(0): UTC 1970-01-01 00:00:00 shown at +01:30 */
    EXPECT(&t, B(B2A_MT_DATETIMEOFFSET, 1, 0, 0, 0, 0, 0x3A, 0xF9, 0x0A, 90, 0), B2A_V_STRING, 0,
           "1970-01-01 01:30:00 +01:30");
    EXPECT(&t, B(B2A_MT_NVARCHAR, 1, 0x09, 0x04, 0xD0, 0x00, 0x34, 0x00, 'h', 0, 'i', 0), B2A_V_STRING, 0, "hi");
    EXPECT(&t, B(B2A_MT_VARCHAR, 1, 0x09, 0x04, 0xD0, 0x00, 0x34, 0x00, 'M', 0x81), B2A_V_STRING, 0, "M\xC2\x81");
    EXPECT(&t, B(B2A_MT_VARBINARY, 1, 8, 0, 0xDE, 0xAD), B2A_V_STRING, 0, "0xDEAD");
    {
        /* Truncated variants are refused. */
        b2a_column vc = { 0 };
        vc.vtype = B2A_V_STRING;
        b2a_table_def vd = { 0 };
        vd.ncolumns = 1;
        vd.columns = &vc;
        text_sink vs;
        text_sink_init(&vs, &vd);
        b2a_mbuf vsc = { 0 };
        char vwhy[128];
        uint8_t trunc[] = { B2A_MT_BIGINT, 1, 1, 2, 3 };
        assert_int_equal(b2a__mtype_emit(&t, trunc, sizeof trunc, 0, &vs.base, &vsc, vwhy, sizeof vwhy), B2A_EFORMAT);
        assert_non_null(strstr(vwhy, "sql_variant"));
        text_sink_free(&vs);
        b2a__mbuf_free(&vsc);
    }
    /* Bad lengths are errors, not reads past the value. */
    b2a_mtype bad = { 0 };
    bad.xtype = B2A_MT_INT;
    b2a_column col = { 0 };
    col.vtype = B2A_V_INT;
    b2a_table_def def = { 0 };
    def.ncolumns = 1;
    def.columns = &col;
    text_sink ts;
    text_sink_init(&ts, &def);
    b2a_mbuf sc = { 0 };
    char why[128];
    uint8_t three[3] = { 1, 2, 3 };
    assert_int_equal(b2a__mtype_emit(&bad, three, 3, 0, &ts.base, &sc, why, sizeof why), B2A_EFORMAT);
    text_sink_free(&ts);
    /* xml and the shipped CLR types are text (test_mssql_values covers them);
     * other CLR types are kept as their bytes, noted. */
    b2a_mtype x = { 0 };
    b2a_column xc = { 0 };
    x.xtype = B2A_MT_XML;
    assert_int_equal(b2a__mtype_describe(&x, NULL, &xc), 0);
    assert_string_equal(xc.source_type, "xml");
    assert_int_equal(xc.vtype, B2A_V_STRING);
    b2a__column_clear(&xc);
    x.xtype = B2A_MT_UDT;
    assert_int_equal(b2a__mtype_describe(&x, "geography", &xc), 0);
    assert_string_equal(xc.source_type, "geography");
    assert_int_equal(xc.vtype, B2A_V_STRING);
    b2a__column_clear(&xc);
    assert_int_equal(b2a__mtype_describe(&x, "MyClrType", &xc), 0);
    assert_int_equal(xc.vtype, B2A_V_BYTES);
    assert_non_null(strstr(xc.note, "CLR type"));
    b2a__column_clear(&xc);
    x.xtype = B2A_MT_NVARCHAR;
    x.length = -1;
    assert_int_equal(b2a__mtype_describe(&x, NULL, &xc), 0);
    assert_string_equal(xc.source_type, "nvarchar(max)");
    b2a__column_clear(&xc);
    x.xtype = B2A_MT_DATETIMEOFFSET;
    x.scale = 7;
    assert_int_equal(b2a__mtype_describe(&x, NULL, &xc), 0);
    assert_string_equal(xc.source_type, "datetimeoffset(7)");
    assert_int_equal(xc.vtype, B2A_V_TIMESTAMP_MICROS);
    b2a__column_clear(&xc);
    /* Collation ids measured in the samples. */
    assert_int_equal(b2a__collation_codepage(0x3400D008u), 1252); /* SQL_Latin1_General_CP1_CI_AS */
    assert_int_equal(b2a__collation_codepage(0x0000F001u), 1256); /* Arabic (mina-top3 sample) */
    assert_int_equal(b2a__collation_codepage(0x0000D028u), 1252); /* pubs UGR95 */
}


/* The readers' shared open (SQL Server and Oracle exp) refuses a FIFO at
 * once: detection checked the path earlier, but it may be swapped since, and
 * a blocking open of a FIFO waits for a writer. alarm() turns a hang into a failure. */
/* A SQL Server 2005 syshobtcolumns row: the layout of the 2005 Northwind's
 * Products.Discontinued (hobt 289180401860608, column 10, bit, leaf offset
 * 30, null bit 10) with its bit position set to 3 and an internal null bit,
 * so each field is read from its own bytes. */
static void test_hbc05_layout(void **state)
{
    (void)state;
    uint8_t f[37];
    memset(f, 0, sizeof f);
    uint64_t hobt = 289180401860608ull;
    for (int i = 0; i < 8; i++)
        f[i] = (uint8_t)(hobt >> (8 * i));
    f[8] = 10;                                       /* hobtcolid */
    f[12] = 0x20;                                    /* status */
    uint32_t ti = 16777576u;                         /* bit, 1 byte */
    for (int i = 0; i < 4; i++)
        f[18 + i] = (uint8_t)(ti >> (8 * i));
    f[27] = 30;                                      /* leaf offset */
    f[29] = 7;                                       /* internal offset */
    f[31] = 3;                                       /* leaf bit position */
    f[32] = 5;                                       /* internal bit position */
    f[33] = 10;                                      /* leaf null bit */
    f[35] = 2;                                       /* internal null bit */
    uint64_t h = 0;
    uint32_t col = 0;
    b2a_mphys ph;
    assert_int_equal(b2a__catalog_hbc05_layout(f, sizeof f, &h, &col, &ph), 0);
    assert_true(h == hobt);
    assert_int_equal(col, 10);
    assert_int_equal(ph.ti & 0xFF, 104);
    assert_int_equal(ph.leaf_off, 30);
    assert_int_equal(ph.bitpos, 3);
    assert_int_equal(ph.nullbit, 10);
    assert_int_equal(ph.status, 0x20);
    assert_int_equal(b2a__catalog_hbc05_layout(f, 34, &h, &col, &ph), -1);
}

static void test_readahead_open_refuses_a_fifo_without_blocking(void **state)
{
    (void)state;
    char dir[] = "/tmp/b2a-ra-XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/backup.bak", dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    alarm(20);
    b2a_ra *ra = NULL;
    b2a_err err;
    b2a__err_clear(&err);
    int rc = b2a__ra_open(path, &ra, &err);
    alarm(0);
    unlink(path);
    rmdir(dir);
    assert_int_equal(rc, B2A_EIO);
    assert_null(ra);
    char want[128];
    snprintf(want, sizeof(want), "%s: not a regular file", path);
    assert_string_equal(err.msg, want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_page_slots),
        cmocka_unit_test(test_hbc05_layout),
        cmocka_unit_test(test_readahead_open_refuses_a_fifo_without_blocking),
        cmocka_unit_test(test_record_fixedvar),
        cmocka_unit_test(test_record_kinds),
        cmocka_unit_test(test_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
