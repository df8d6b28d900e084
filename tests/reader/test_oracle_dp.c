/* The Data Pump reader on the real Oracle samples: tables, row counts and
 * values of SCOTT (12.1), IT.TABLA1 (19c) and rjschof_modern (23ai, checked
 * against the same tables read by the exp reader), the refusals (compressed or encrypted data, a table whose segment is not in the file
 * given, several files), and robustness: every truncation is a clear error
 * naming the file, flipped bytes never crash or hang. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "reader/oracle/dp.h"
#include "reader/oracle/exp.h"
#include "text_sink.h"

static const char *samples;
static char path_buf[4096];

static const char *sample(const char *rel)
{
    snprintf(path_buf, sizeof path_buf, "%s/oracle/%s", samples, rel);
    return path_buf;
}

static int open_path(const char *p, b2a_dp **x, b2a_err *err)
{
    b2a__err_clear(err);
    *x = NULL;
    return b2a__dp_open(&p, 1, x, err);
}

static b2a_dp *open_sample(const char *rel)
{
    b2a_err err;
    b2a_dp *x;
    int rc = open_path(sample(rel), &x, &err);
    if (rc != 0)
        fprintf(stderr, "%s\n", err.msg);
    assert_int_equal(rc, 0);
    return x;
}

static size_t find_table(const b2a_dp *x, const char *schema, const char *name)
{
    for (size_t i = 0; i < b2a__dp_table_count(x); i++) {
        const b2a_table_def *t = b2a__dp_table(x, i);
        if (strcmp(t->schema, schema) == 0 && strcmp(t->name, name) == 0)
            return i;
    }
    fail_msg("table %s.%s not found", schema, name);
    return 0;
}

static int scan(b2a_dp *x, size_t i, text_sink *ts, size_t chunk, b2a_err *err)
{
    b2a_dp_scan *s = NULL;
    text_sink_init(ts, b2a__dp_table(x, i));
    b2a__err_clear(err);
    int rc = b2a__dp_scan_open(x, i, &s, err);
    int eof = 0;
    while (rc == 0 && !eof) {
        size_t got;
        rc = b2a__dp_scan_next(s, &ts->base, chunk, &got, &eof, err);
    }
    b2a__dp_scan_close(s);
    return rc;
}

static void scan_ok(b2a_dp *x, size_t i, text_sink *ts)
{
    b2a_err err;
    int rc = scan(x, i, ts, 3, &err);
    if (rc != 0)
        fprintf(stderr, "%s\n", err.msg);
    assert_int_equal(rc, 0);
    assert_int_equal(ts->errors, 0);
}

static const b2a_column *column(const b2a_table_def *t, const char *name)
{
    for (size_t i = 0; i < t->ncolumns; i++)
        if (strcmp(t->columns[i].name, name) == 0)
            return &t->columns[i];
    fail_msg("column %s not found", name);
    return NULL;
}

/* The k-th value of a text-sink row. */
static void field(const char *row, int k, char *out, size_t cap)
{
    while (k-- > 0 && (row = strchr(row, TS_SEP)))
        row++;
    assert_non_null(row);
    size_t n = strcspn(row, TS_SEP_STR);
    assert_true(n < cap);
    memcpy(out, row, n);
    out[n] = '\0';
}

/* The README: SCOTT: DEPT 4, EMP 14, SALGRADE 5, BONUS 0. */
static void test_scott(void **state)
{
    (void)state;
    b2a_dp *x = open_sample("jliverse_datapump_scott.dmp");
    assert_int_equal(b2a__dp_table_count(x), 4);
    size_t dept = find_table(x, "SCOTT", "DEPT"), emp = find_table(x, "SCOTT", "EMP");
    size_t salgrade = find_table(x, "SCOTT", "SALGRADE"), bonus = find_table(x, "SCOTT", "BONUS");
    assert_int_equal(b2a__dp_table(x, dept)->row_count, 4);
    assert_int_equal(b2a__dp_table(x, emp)->row_count, 14);
    assert_int_equal(b2a__dp_table(x, salgrade)->row_count, 5);
    assert_int_equal(b2a__dp_table(x, bonus)->row_count, 0);

    /* the types the exp reader gives the same declarations */
    const b2a_table_def *e = b2a__dp_table(x, emp);
    assert_int_equal(e->ncolumns, 8);
    assert_string_equal(column(e, "EMPNO")->source_type, "NUMBER(4, 0)");
    assert_int_equal(column(e, "EMPNO")->vtype, B2A_V_LONG);
    assert_int_equal(column(e, "EMPNO")->nullable, 0);
    assert_int_equal(column(e, "SAL")->vtype, B2A_V_DECIMAL);
    assert_int_equal(column(e, "SAL")->precision, 7);
    assert_int_equal(column(e, "SAL")->scale, 2);
    assert_int_equal(column(e, "HIREDATE")->vtype, B2A_V_LOCAL_TIMESTAMP_MICROS);
    assert_string_equal(column(e, "ENAME")->source_type, "VARCHAR2(10)");
    assert_int_equal(column(e, "ENAME")->vtype, B2A_V_STRING);

    text_sink ts;
    scan_ok(x, dept, &ts);
    assert_int_equal(ts.nrows, 4);
    /* 3c 00 1b 03 | 02 c1 0b | 0a 'ACCOUNTING' | 08 'NEW YORK' */
    assert_string_equal(ts.rows[0], "10" TS_SEP_STR "ACCOUNTING" TS_SEP_STR "NEW YORK");
    assert_string_equal(ts.rows[3], "40" TS_SEP_STR "OPERATIONS" TS_SEP_STR "BOSTON");
    text_sink_free(&ts);

    scan_ok(x, emp, &ts);
    assert_int_equal(ts.nrows, 14);
    assert_string_equal(ts.rows[0], "7369" TS_SEP_STR "SMITH" TS_SEP_STR "CLERK" TS_SEP_STR "7902" TS_SEP_STR
                                    "1980-12-17 00:00:00.000000" TS_SEP_STR "800.00" TS_SEP_STR "NULL" TS_SEP_STR "20");
    long cents = 0;
    for (size_t r = 0; r < ts.nrows; r++) {
        char sal[64];
        field(ts.rows[r], 5, sal, sizeof sal);
        char *dot = strchr(sal, '.');
        assert_non_null(dot);
        cents += strtol(sal, NULL, 10) * 100 + strtol(dot + 1, NULL, 10);
    }
    assert_int_equal(cents, 2902500); /* SUM(SAL) = 29,025.00 */
    text_sink_free(&ts);

    scan_ok(x, salgrade, &ts);
    assert_int_equal(ts.nrows, 5);
    assert_string_equal(ts.rows[4], "5" TS_SEP_STR "3001" TS_SEP_STR "9999");
    text_sink_free(&ts);

    /* BONUS has no data segment, and its columns are only in the compressed metadata */
    b2a_err err;
    assert_int_equal(scan(x, bonus, &ts, 3, &err), B2A_EUNSUPPORTED);
    assert_non_null(strstr(err.msg, "SCOTT.BONUS"));
    assert_non_null(strstr(err.msg, "0 rows"));
    text_sink_free(&ts);
    b2a__dp_close(x);
}

/* 19c: IT.TABLA1, one NUMBER column, one row holding 1 (c1 02). */
static void test_tabla1_19c(void **state)
{
    (void)state;
    b2a_dp *x = open_sample("it_tabla1_expdp19c__leanzungri.dmp");
    size_t t = find_table(x, "IT", "TABLA1");
    const b2a_table_def *d = b2a__dp_table(x, t);
    assert_int_equal(d->row_count, 1);
    assert_int_equal(d->ncolumns, 1);
    assert_string_equal(d->columns[0].name, "C1");
    assert_int_equal(d->columns[0].vtype, B2A_V_LONG); /* unbounded NUMBER, integral values */
    text_sink ts;
    scan_ok(x, t, &ts);
    assert_int_equal(ts.nrows, 1);
    assert_string_equal(ts.rows[0], "1");
    text_sink_free(&ts);
    b2a__dp_close(x);
}

/* 23ai (rjschof_modern): every table of the four schemas is read or fails
 * naming the column type it cannot decode; partitions make one table. The
 * three tables its master table records with 0 rows and no data segment
 * (the legacy exp file has them with 0 rows too) are listed, failing. */
static void test_modern_23ai(void **state)
{
    (void)state;
    b2a_dp *x = open_sample("rjschof_modern.dmp");
    assert_int_equal(b2a__dp_table_count(x), 33);
    size_t tx = find_table(x, "FINANCE", "TRANSACTIONS");
    assert_int_equal(b2a__dp_table(x, tx)->row_count, 100); /* 23+23+23+23+8 in five partitions */
    assert_string_equal(b2a__dp_table_kind(x, tx), "partitioned table");
    /* TXN_TS is TIMESTAMP WITH TIME ZONE: the UTC instant, and its zone in a
     * TXN_TS__tz field at the end (the dump names a region, by number: d0 04) */
    const b2a_table_def *txd = b2a__dp_table(x, tx);
    const b2a_column *txn_ts = column(txd, "TXN_TS");
    assert_int_equal(txn_ts->vtype, B2A_V_TIMESTAMP_MICROS);
    const b2a_column *zone = &txd->columns[txd->ncolumns - 1];
    assert_string_equal(zone->name, "TXN_TS__tz");
    assert_int_equal(zone->vtype, B2A_V_STRING);
    int ts_at = (int)(txn_ts - txd->columns);
    {
        text_sink ts;
        scan_ok(x, tx, &ts);
        assert_int_equal(ts.nrows, 100);
        char v[64];
        for (size_t r = 0; r < ts.nrows; r++) {
            field(ts.rows[r], (int)txd->ncolumns - 1, v, sizeof v);
            assert_string_equal(v, "region:5121");
        }
        field(ts.rows[0], ts_at, v, sizeof v);
        assert_string_equal(v, "2024-01-01 01:00:00.000000");
        text_sink_free(&ts);
    }
    static const struct { const char *schema, *name, *says; } fails[] = {
        {"FINANCE", "TRANSACTION_DOCS", "column RAW_XML of type XMLTYPE (opaque) is not decoded by this reader"},
        {"HRDATA", "EMP_TAGS", "Data Pump wrote no data segment for this table, which the dump's master table records "
                               "with 0 rows"},
        {"AUDITLOG", "ATTACHMENTS", "records with 0 rows"},
        {"HRDATA", "LONG_TABLE_NAME_" /* 128 characters */, "records with 0 rows"},
    };
    size_t failed = 0, read = 0;
    for (size_t i = 0; i < b2a__dp_table_count(x); i++) {
        text_sink ts;
        b2a_err err;
        int rc = scan(x, i, &ts, 7, &err);
        if (rc == 0) {
            assert_int_equal((int64_t)ts.nrows, b2a__dp_table(x, i)->row_count);
            read++;
        } else {
            assert_int_equal(rc, B2A_EUNSUPPORTED);
            assert_non_null(strstr(err.msg, "rjschof_modern.dmp: table "));
            failed++;
        }
        text_sink_free(&ts);
    }
    assert_int_equal(read, 29);
    assert_int_equal(failed, 4);
    for (size_t k = 0; k < sizeof fails / sizeof fails[0]; k++) {
        text_sink ts;
        b2a_err err;
        size_t t = 0;
        while (t < b2a__dp_table_count(x) && (strcmp(b2a__dp_table(x, t)->schema, fails[k].schema) ||
                                              strncmp(b2a__dp_table(x, t)->name, fails[k].name, strlen(fails[k].name))))
            t++;
        assert_true(t < b2a__dp_table_count(x));
        assert_int_equal(scan(x, t, &ts, 7, &err), B2A_EUNSUPPORTED);
        if (!strstr(err.msg, fails[k].says))
            fprintf(stderr, "%s\n", err.msg);
        assert_non_null(strstr(err.msg, fails[k].says));
        text_sink_free(&ts);
    }
    b2a__dp_close(x);
}

/* The first row of a column as text (by name), from a table's scan. */
static void first_value(b2a_dp *x, const char *schema, const char *name, const char *col, char *out, size_t cap)
{
    size_t i = find_table(x, schema, name);
    const b2a_table_def *d = b2a__dp_table(x, i);
    int k = (int)(column(d, col) - d->columns);
    text_sink ts;
    scan_ok(x, i, &ts);
    assert_true(ts.nrows > 0);
    field(ts.rows[0], k, out, cap);
    text_sink_free(&ts);
}

/* 23ai rows in pieces (flag 0x08 first piece, 0x00 middle, 0x04 last; 0x0C
 * a whole row without a length word), LOB columns after the others: the
 * values as the bytes hold them (CLOBs and NCLOBs as UTF-16BE). */
static void test_modern_lob_and_long_pieces(void **state)
{
    (void)state;
    b2a_dp *x = open_sample("rjschof_modern.dmp");
    char v[65536];
    /* 08 07 <7 columns> 04 01 fe 00 60 <96 bytes>: NOTES moved after INTERNAL_NOTE */
    first_value(x, "FINANCE", "ACCOUNTS", "NOTES", v, sizeof v);
    assert_string_equal(v, "Account 1: type=CHECKING, opened for employee 1.");
    first_value(x, "FINANCE", "ACCOUNTS", "INTERNAL_NOTE", v, sizeof v);
    assert_string_equal(v, "internal:1");
    /* two CLOBs: 08 07 <7 columns> 00 01 <OLD_VALUES> 04 01 <NEW_VALUES> */
    first_value(x, "AUDITLOG", "CHANGE_LOG", "OLD_VALUES", v, sizeof v);
    assert_string_equal(v, "{\"id\": 2, \"status\": \"OLD\"}");
    first_value(x, "AUDITLOG", "CHANGE_LOG", "NEW_VALUES", v, sizeof v);
    assert_string_equal(v, "{\"id\": 2, \"status\": \"NEW\"}");
    first_value(x, "AUDITLOG", "CHANGE_LOG", "ROW_ID", v, sizeof v);
    assert_string_equal(v, "IN000002");
    /* 0c 0e: one piece; the NCLOB BIO (196 bytes) after KANJI_NAME (5c 71 75 30) */
    first_value(x, "HRDATA", "EMPLOYEES", "KANJI_NAME", v, sizeof v);
    assert_string_equal(v, "\xe5\xb1\xb1\xe7\x94\xb0"); /* 山田 */
    first_value(x, "HRDATA", "EMPLOYEES", "BIO", v, sizeof v);
    assert_int_equal(strlen(v), 98);
    assert_true(strncmp(v, "Employee 1 works in Engineering. Employee 1 works i", 51) == 0);
    first_value(x, "AUDITLOG", "LONG_NOTES", "NOTE", v, sizeof v);
    assert_int_equal(strlen(v), 0x44);
    assert_true(strncmp(v, "Long note content xxxx", 22) == 0);
    first_value(x, "AUDITLOG", "LONG_BLOBS", "PAYLOAD", v, sizeof v);
    assert_string_equal(v, "0x62696E6172792D7061796C6F61642D79797979797979797979"); /* binary-payload-y*10 */
    b2a__dp_close(x);
}

/* The JSON type (23ai): INVENTORY.PRODUCT_SPECS.SPEC is OSON, in the rows'
 * LOB piece (08 02 <SPEC_ID> <PRODUCT_ID> 04 01 fe 00 48 ff 4a 5a 01 ...).
 * Expected values: rjschof/oracle-dmp-converter
 * scripts/create_full_combined_dump.py, which inserts for i in 1..10
 * (i, i, f'{{"weight_kg": {0.5 + i * 0.1:.2f}, "color": "blue", "tags": ["a", "b"]}}');
 * written as JSON_SERIALIZE writes the stored value: no blanks, and the
 * NUMBER 0.60 as 0.6 (an Oracle NUMBER keeps no trailing zeros). */
static void test_modern_json(void **state)
{
    (void)state;
    b2a_dp *x = open_sample("rjschof_modern.dmp");
    size_t ps = find_table(x, "INVENTORY", "PRODUCT_SPECS");
    const b2a_table_def *d = b2a__dp_table(x, ps);
    /* SYS_IME_OSON_..., the hidden virtual column Oracle adds, is not a field */
    assert_int_equal(d->ncolumns, 3);
    const b2a_column *spec = column(d, "SPEC");
    assert_string_equal(spec->source_type, "JSON");
    assert_int_equal(spec->vtype, B2A_V_JSON);
    assert_int_equal(spec->nullable, 1);
    text_sink ts;
    scan_ok(x, ps, &ts);
    assert_int_equal(ts.nrows, 10);
    for (int i = 1; i <= 10; i++) {
        char w[32], want[128], v[256];
        snprintf(w, sizeof w, "%.2f", 0.5 + i * 0.1);
        size_t k = strlen(w);
        while (w[k - 1] == '0')
            w[--k] = '\0';
        if (w[k - 1] == '.')
            w[--k] = '\0';
        snprintf(want, sizeof want, "{\"weight_kg\":%s,\"color\":\"blue\",\"tags\":[\"a\",\"b\"]}", w);
        char id[8];
        snprintf(id, sizeof id, "%d", i);
        field(ts.rows[i - 1], 0, v, sizeof v);
        assert_string_equal(v, id);
        field(ts.rows[i - 1], 1, v, sizeof v);
        assert_string_equal(v, id);
        field(ts.rows[i - 1], 2, v, sizeof v);
        assert_string_equal(v, want);
    }
    text_sink_free(&ts);
    b2a__dp_close(x);
}

static char *copy_to_tmp(const char *src, size_t *len);
static void poke(const char *path, off_t at, const void *bytes, size_t n);

/* Object columns: the row holds a one-byte null indicator (0) and the
 * attributes as hidden columns (ATTRNAME "ADDR"."STREET"). An object of
 * scalar attributes is a JSON object, an SDO_GEOMETRY point WKT. The same
 * values are in rjschof_legacy.dmp's pickled images (STORE_LOCATIONS row 1:
 * 84 01 fe 0000001c | 03 c2 15 02 (2001) | 03 c2 2c 1b (4326) |
 * 05 3d 64 50 0b 66 (-121.9) | 03 c1 26 3d (37.6) | ff ff ff). */
static void test_modern_objects(void **state)
{
    (void)state;
    b2a_dp *x = open_sample("rjschof_modern.dmp");
    size_t sl = find_table(x, "INVENTORY", "STORE_LOCATIONS");
    const b2a_table_def *d = b2a__dp_table(x, sl);
    assert_int_equal(d->ncolumns, 3); /* STORE_ID, STORE_NAME, LOCATION: its attributes are not columns */
    const b2a_column *loc = column(d, "LOCATION");
    assert_string_equal(loc->source_type, "MDSYS.SDO_GEOMETRY");
    assert_int_equal(loc->vtype, B2A_V_STRING);
    text_sink ts;
    scan_ok(x, sl, &ts);
    assert_int_equal(ts.nrows, 3);
    assert_string_equal(ts.rows[0], "1" TS_SEP_STR "Store-1" TS_SEP_STR "POINT (-121.9 37.6)");
    assert_string_equal(ts.rows[1], "2" TS_SEP_STR "Store-2" TS_SEP_STR "POINT (-121.8 37.7)");
    assert_string_equal(ts.rows[2], "3" TS_SEP_STR "Store-3" TS_SEP_STR "POINT (-121.7 37.8)");
    text_sink_free(&ts);

    size_t cp = find_table(x, "FINANCE", "CUSTOMER_PROFILE");
    d = b2a__dp_table(x, cp);
    assert_int_equal(d->ncolumns, 3);
    const b2a_column *addr = column(d, "ADDR");
    assert_string_equal(addr->source_type, "FINANCE.ADDRESS_T");
    scan_ok(x, cp, &ts);
    assert_int_equal(ts.nrows, 5);
    assert_string_equal(ts.rows[0], "1" TS_SEP_STR "1" TS_SEP_STR
                        "{\"STREET\":\"1 Main St\",\"CITY\":\"Springfield\",\"COUNTRY\":\"US\",\"POSTAL\":\"00001\"}");
    assert_string_equal(ts.rows[4], "5" TS_SEP_STR "5" TS_SEP_STR
                        "{\"STREET\":\"5 Main St\",\"CITY\":\"Springfield\",\"COUNTRY\":\"US\",\"POSTAL\":\"00005\"}");
    text_sink_free(&ts);
    b2a__dp_close(x);
}

/* An object value the reader does not decode fails its table naming the
 * column, its type and why: STORE_LOCATIONS row 1's SDO_GTYPE made 2002 (a
 * line), and its null indicator made 1. */
static void test_object_not_decoded(void **state)
{
    (void)state;
    static const struct { const uint8_t from[8], to[8]; size_t n; const char *says; } edits[] = {
        {{0x01, 0x00, 0x03, 0xc2, 0x15, 0x02}, {0x01, 0x00, 0x03, 0xc2, 0x15, 0x03}, 6,
         "column LOCATION (MDSYS.SDO_GEOMETRY): an SDO_GEOMETRY whose SDO_GTYPE is not 2001"},
        {{0x01, 0x00, 0x03, 0xc2, 0x15, 0x02}, {0x01, 0x01, 0x03, 0xc2, 0x15, 0x02}, 6,
         "column LOCATION (MDSYS.SDO_GEOMETRY): its null indicator is not the one byte 0"},
    };
    for (size_t k = 0; k < 2; k++) {
        size_t len;
        char *tmp = copy_to_tmp(sample("rjschof_modern.dmp"), &len);
        FILE *f = fopen(tmp, "rb");
        uint8_t *buf = malloc(len);
        assert_int_equal(fread(buf, 1, len, f), len);
        fclose(f);
        static const char name[] = "\x07Store-1";
        uint8_t *row = memmem(buf, len, name, sizeof name - 1);
        assert_non_null(row);
        assert_memory_equal(row + 8, edits[k].from, edits[k].n);
        poke(tmp, (off_t)(row + 8 - buf), edits[k].to, edits[k].n);
        free(buf);
        b2a_dp *x = NULL;
        b2a_err err;
        assert_int_equal(open_path(tmp, &x, &err), 0);
        text_sink ts;
        assert_int_equal(scan(x, find_table(x, "INVENTORY", "STORE_LOCATIONS"), &ts, 3, &err), B2A_EUNSUPPORTED);
        if (!strstr(err.msg, edits[k].says))
            fprintf(stderr, "%s\n", err.msg);
        assert_non_null(strstr(err.msg, "table INVENTORY.STORE_LOCATIONS, row 1"));
        assert_non_null(strstr(err.msg, edits[k].says));
        text_sink_free(&ts);
        b2a__dp_close(x);
        unlink(tmp);
        free(tmp);
    }
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Row text with only the columns `to` has, found by name in `from` (Data
 * Pump also writes invisible columns, which exp leaves out). */
static void project(text_sink *ts, const b2a_table_def *from, const b2a_table_def *to)
{
    for (size_t r = 0; r < ts->nrows; r++) {
        size_t cap = strlen(ts->rows[r]) + 1, o = 0;
        char *row = malloc(cap), v[65536];
        for (size_t c = 0; c < to->ncolumns; c++) {
            size_t k = 0;
            while (k < from->ncolumns && strcmp(from->columns[k].name, to->columns[c].name) != 0)
                k++;
            assert_true(k < from->ncolumns);
            field(ts->rows[r], (int)k, v, sizeof v);
            o += (size_t)snprintf(row + o, cap - o, "%s%s", c ? TS_SEP_STR : "", v);
        }
        free(ts->rows[r]);
        ts->rows[r] = row;
    }
}

/* The tables legacy (exp) and modern (Data Pump) both read: the same
 * columns, Avro types and values, row for row (in sorted order). */
static void test_modern_equals_legacy(void **state)
{
    (void)state;
    b2a_dp *dp = open_sample("rjschof_modern.dmp");
    b2a_exp *ex = NULL;
    b2a_err err;
    b2a__err_clear(&err);
    const char *lp = sample("rjschof_legacy.dmp");
    assert_int_equal(b2a__exp_open(&lp, 1, &ex, &err), 0);
    size_t compared = 0;
    for (size_t i = 0; i < b2a__dp_table_count(dp); i++) {
        const b2a_table_def *d = b2a__dp_table(dp, i);
        size_t j = 0;
        while (j < b2a__exp_table_count(ex) &&
               (strcmp(b2a__exp_table(ex, j)->schema, d->schema) || strcmp(b2a__exp_table(ex, j)->name, d->name)))
            j++;
        if (j == b2a__exp_table_count(ex))
            continue;
        text_sink a, b;
        b2a_exp_scan *s = NULL;
        int rc_dp = scan(dp, i, &a, 100, &err);
        text_sink_init(&b, b2a__exp_table(ex, j));
        int rc_ex = b2a__exp_scan_open(ex, j, &s, &err), eof = 0;
        while (rc_ex == 0 && !eof) {
            size_t got;
            rc_ex = b2a__exp_scan_next(s, &b.base, 100, &got, &eof, &err);
        }
        b2a__exp_scan_close(s);
        if (rc_dp == 0 && rc_ex == 0) {
            const b2a_table_def *e = b2a__exp_table(ex, j);
            /* the same columns, but for the invisible INTERNAL_NOTE that
             * only Data Pump wrote (23ai's exp leaves invisible columns out) */
            int invisible = strcmp(d->name, "ACCOUNTS") == 0;
            assert_int_equal(d->ncolumns, e->ncolumns + (invisible ? 1 : 0));
            if (invisible) {
                assert_string_equal(d->columns[d->ncolumns - 1].name, "INTERNAL_NOTE");
                project(&a, d, e);
            }
            for (size_t c = 0; c < e->ncolumns; c++) {
                assert_string_equal(d->columns[c].name, e->columns[c].name);
                assert_int_equal(d->columns[c].vtype, e->columns[c].vtype);
                assert_int_equal(d->columns[c].precision, e->columns[c].precision);
                assert_int_equal(d->columns[c].scale, e->columns[c].scale);
            }
            assert_int_equal(a.nrows, b.nrows);
            qsort(a.rows, a.nrows, sizeof(char *), cmp_str);
            qsort(b.rows, b.nrows, sizeof(char *), cmp_str);
            for (size_t r = 0; r < a.nrows; r++)
                assert_string_equal(a.rows[r], b.rows[r]);
            compared++;
        }
        text_sink_free(&a);
        text_sink_free(&b);
    }
    /* 19 tables of scalar columns, ACCOUNTS (CLOB) since LOB row pieces are read, and
     * CUSTOMER_PROFILE (ADDRESS_T as JSON) and STORE_LOCATIONS (SDO_GEOMETRY as WKT): exp's
     * pickled images and Data Pump's hidden attribute columns give the same text */
    assert_int_equal(compared, 22);
    b2a__exp_close(ex);
    b2a__dp_close(dp);
}

static void test_several_files_refused(void **state)
{
    (void)state;
    const char *p[2] = {sample("jliverse_datapump_scott.dmp"), sample("jliverse_datapump_scott.dmp")};
    b2a_dp *x = NULL;
    b2a_err err;
    b2a__err_clear(&err);
    assert_int_equal(b2a__dp_open(p, 2, &x, &err), B2A_EINVAL);
    assert_non_null(strstr(err.msg, "multi-file"));
}

/* ---- altered copies ---- */

static char *copy_to_tmp(const char *src, size_t *len)
{
    FILE *f = fopen(src, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc(*len);
    assert_int_equal(fread(buf, 1, *len, f), *len);
    fclose(f);
    char *tmpl = strdup("/tmp/b2a_dp_test_XXXXXX");
    int fd = mkstemp(tmpl);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, buf, *len), (ssize_t)*len);
    close(fd);
    free(buf);
    return tmpl;
}

static void poke(const char *path, off_t at, const void *bytes, size_t n)
{
    int fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, bytes, n, at), (ssize_t)n);
    close(fd);
}

/* File 2 of a %U set given alone (its header's file number, u32 at 0x1f):
 * refused, saying it is part of a set and what is missing. */
static void test_later_file_of_a_set_refused(void **state)
{
    (void)state;
    size_t len;
    char *tmp = copy_to_tmp(sample("jliverse_datapump_scott.dmp"), &len);
    FILE *f = fopen(tmp, "rb");
    uint8_t num[4];
    assert_int_equal(fseek(f, 0x1f, SEEK_SET), 0);
    assert_int_equal(fread(num, 1, 4, f), 4);
    fclose(f);
    assert_memory_equal(num, "\x00\x00\x00\x01", 4);
    poke(tmp, 0x22, "\x02", 1);
    b2a_dp *x = NULL;
    b2a_err err;
    assert_int_equal(open_path(tmp, &x, &err), B2A_EUNSUPPORTED);
    assert_non_null(strstr(err.msg, tmp));
    assert_non_null(strstr(err.msg, "is file 2 of a multi-file Data Pump set"));
    assert_non_null(strstr(err.msg, "file 1 and the other files of the set are missing"));
    unlink(tmp);
    free(tmp);
}

/* SCOTT's EMP segment is the one whose descriptor is the block at 0x12000
 * (its XML at 0x13000). Without that descriptor (as when the segment is in
 * another file of a %U set), EMP fails naming the 14 rows it misses. */
static void test_missing_segment_fails_the_table(void **state)
{
    (void)state;
    size_t len;
    char *tmp = copy_to_tmp(sample("jliverse_datapump_scott.dmp"), &len);
    static const uint8_t zero[6] = {0};
    poke(tmp, 0x12000, zero, sizeof zero);
    b2a_dp *x;
    b2a_err err;
    int rc = open_path(tmp, &x, &err);
    if (rc != 0)
        fprintf(stderr, "%s\n", err.msg);
    assert_int_equal(rc, 0);
    size_t emp = find_table(x, "SCOTT", "EMP");
    text_sink ts;
    assert_int_equal(scan(x, emp, &ts, 3, &err), B2A_EUNSUPPORTED);
    assert_non_null(strstr(err.msg, "records 14 rows"));
    assert_non_null(strstr(err.msg, "multi-file set"));
    text_sink_free(&ts);
    scan_ok(x, find_table(x, "SCOTT", "DEPT"), &ts); /* the others still read */
    assert_int_equal(ts.nrows, 4);
    text_sink_free(&ts);
    b2a__dp_close(x);
    unlink(tmp);
    free(tmp);
}

/* A byte with no character in AL32UTF8 (0xFF over the A of ACCOUNTING,
 * found by DEPT's row bytes) is written as U+FFFD and counted, and the table
 * is still read whole. */
static void test_replaced_bytes_counted(void **state)
{
    (void)state;
    size_t len;
    char *tmp = copy_to_tmp(sample("jliverse_datapump_scott.dmp"), &len);
    FILE *f = fopen(tmp, "rb");
    char *buf = malloc(len);
    assert_int_equal(fread(buf, 1, len, f), len);
    fclose(f);
    static const char row[] = "\x0a" "ACCOUNTING" "\x08" "NEW YORK";
    char *at = memmem(buf, len, row, sizeof row - 1);
    assert_non_null(at);
    assert_null(memmem(at + 1, len - (size_t)(at + 1 - buf), row, sizeof row - 1)); /* one row holds it */
    poke(tmp, (off_t)(at - buf) + 1, "\xff", 1);
    free(buf);

    b2a_dp *x = NULL;
    b2a_err err;
    assert_int_equal(open_path(tmp, &x, &err), 0);
    size_t dept = find_table(x, "SCOTT", "DEPT");
    text_sink ts;
    text_sink_init(&ts, b2a__dp_table(x, dept));
    b2a_dp_scan *s = NULL;
    assert_int_equal(b2a__dp_scan_open(x, dept, &s, &err), 0);
    int eof = 0;
    while (!eof) {
        size_t got;
        assert_int_equal(b2a__dp_scan_next(s, &ts.base, 2, &got, &eof, &err), 0);
    }
    assert_int_equal(ts.nrows, 4);
    assert_string_equal(ts.rows[0], "10" TS_SEP_STR "\xef\xbf\xbd" "CCOUNTING" TS_SEP_STR "NEW YORK");
    assert_int_equal(b2a__dp_scan_replaced(s), 1);
    b2a__dp_scan_close(s);
    text_sink_free(&ts);
    b2a__dp_close(x);
    unlink(tmp);
    free(tmp);
}

/* Data that is not readable XML where a segment starts (compressed or
 * encrypted) is refused naming the options and --restore. */
static void test_packed_data_refused(void **state)
{
    (void)state;
    size_t len;
    char *tmp = copy_to_tmp(sample("jliverse_datapump_scott.dmp"), &len);
    poke(tmp, 0x11002, "KGC\x80\x01", 5); /* DEPT's "<?xml" */
    b2a_dp *x;
    b2a_err err;
    assert_int_equal(open_path(tmp, &x, &err), B2A_EUNSUPPORTED);
    assert_non_null(strstr(err.msg, "COMPRESSION=ALL"));
    assert_non_null(strstr(err.msg, "ENCRYPTION"));
    assert_non_null(strstr(err.msg, "--restore"));
    /* what the job says it did, for the reader of the message */
    assert_non_null(strstr(err.msg, "(its master table records COMPRESSION=METADATA_ONLY and no ENCRYPTION)"));
    unlink(tmp);
    free(tmp);
}

/* Rewrite one of the job's parameters in a copy's master table: the row
 * whose NAME cell is name and whose VALUE_T cell (the row's last) is value
 * gets new_name and new_value. The row keeps its size: the NULL cell just
 * before VALUE_T (VALUE_N) takes the bytes left over. */
static char *with_param(const char *name, const char *value, const char *new_name, const char *new_value)
{
    size_t len;
    char *tmp = copy_to_tmp(sample("jliverse_datapump_scott.dmp"), &len);
    FILE *f = fopen(tmp, "rb");
    uint8_t *buf = malloc(len);
    assert_int_equal(fread(buf, 1, len, f), len);
    fclose(f);
    uint8_t cell[64];
    size_t nl = strlen(name), vl = strlen(value);
    cell[0] = (uint8_t)nl;
    memcpy(cell + 1, name, nl);
    uint8_t *a = memmem(buf, len, cell, nl + 1);
    assert_non_null(a);
    assert_null(memmem(a + 1, len - (size_t)(a + 1 - buf), cell, nl + 1)); /* one row names it */
    cell[0] = (uint8_t)vl;
    memcpy(cell + 1, value, vl);
    uint8_t *b = memmem(a, 600, cell, vl + 1);
    assert_non_null(b);
    assert_int_equal(b[-1], 0xFF);
    size_t orig = (size_t)(b + 1 + vl - a), mid = (size_t)(b - 1 - (a + 1 + nl));
    size_t nnl = strlen(new_name), nvl = strlen(new_value);
    assert_true(orig > 1 + nnl + mid + 1 + nvl);
    size_t filler = orig - (1 + nnl + mid + 1 + nvl);
    assert_true(filler < 0xFE);
    uint8_t *out = malloc(orig), *o = out;
    *o++ = (uint8_t)nnl;
    memcpy(o, new_name, nnl);
    o += nnl;
    memcpy(o, a + 1 + nl, mid);
    o += mid;
    if (filler == 1) {
        *o++ = 0xFF;
    } else {
        *o++ = (uint8_t)(filler - 1);
        memset(o, 'x', filler - 1);
        o += filler - 1;
    }
    *o++ = (uint8_t)nvl;
    memcpy(o, new_value, nvl);
    o += nvl;
    assert_int_equal((size_t)(o - out), orig);
    poke(tmp, (off_t)(a - buf), out, orig);
    free(out);
    free(buf);
    return tmp;
}

/* A job that compressed its rows (COMPRESSION=ALL or DATA_ONLY in the
 * master table) is refused naming the option and --restore, even where its
 * segments look readable; inspect's open lists the tables, each failing
 * with the refusal, and gives the options. */
static void test_compressed_job_refused(void **state)
{
    (void)state;
    static const char *const opts[] = {"ALL", "DATA_ONLY"};
    for (size_t k = 0; k < 2; k++) {
        char *tmp = with_param("COMPRESSION", "METADATA_ONLY", "COMPRESSION", opts[k]);
        b2a_dp *x = NULL;
        b2a_err err;
        assert_int_equal(open_path(tmp, &x, &err), B2A_EUNSUPPORTED);
        char want[600];
        snprintf(want, sizeof want, "%s: the dump was written with COMPRESSION=%s (COMPRESSION_ALGORITHM=BASIC) "
                 "(its master table records it): its rows are compressed with Oracle's KGC codec, which is not "
                 "documented and which this reader does not decode; read it with --restore (Oracle's own impdp "
                 "in a container)", tmp, opts[k]);
        assert_string_equal(err.msg, want);

        const char *p = tmp;
        assert_int_equal(b2a__dp_open_lenient(&p, 1, &x, &err), 0);
        assert_non_null(b2a__dp_refusal(x));
        assert_string_equal(b2a__dp_params(x)->compression, opts[k]);
        assert_int_equal(b2a__dp_table_count(x), 4);
        for (size_t i = 0; i < 4; i++) {
            text_sink ts;
            assert_int_equal(scan(x, i, &ts, 3, &err), B2A_EUNSUPPORTED);
            assert_non_null(strstr(err.msg, opts[k]));
            assert_non_null(strstr(err.msg, "--restore"));
            text_sink_free(&ts);
        }
        b2a__dp_close(x);
        unlink(tmp);
        free(tmp);
    }
}

/* ENCRYPTION=ALL (a master table row renamed to it) is refused naming the
 * option; ENCRYPTION=METADATA_ONLY leaves the rows readable. */
static void test_encrypted_job_refused(void **state)
{
    (void)state;
    char *tmp = with_param("COMPRESSION_ALGORITHM", "BASIC", "ENCRYPTION", "ALL");
    b2a_dp *x = NULL;
    b2a_err err;
    assert_int_equal(open_path(tmp, &x, &err), B2A_EUNSUPPORTED);
    assert_non_null(strstr(err.msg, tmp));
    assert_non_null(strstr(err.msg, "written with ENCRYPTION=ALL (its master table records it): its rows are "
                                    "encrypted, and this reader does not decrypt them; read it with --restore"));
    unlink(tmp);
    free(tmp);

    tmp = with_param("COMPRESSION_ALGORITHM", "BASIC", "ENCRYPTION", "METADATA_ONLY");
    assert_int_equal(open_path(tmp, &x, &err), 0);
    assert_string_equal(b2a__dp_params(x)->encryption, "METADATA_ONLY");
    assert_null(b2a__dp_refusal(x));
    text_sink ts;
    scan_ok(x, find_table(x, "SCOTT", "EMP"), &ts);
    assert_int_equal(ts.nrows, 14);
    text_sink_free(&ts);
    b2a__dp_close(x);
    unlink(tmp);
    free(tmp);
}

/* A row whose bytes disagree with its length word fails the open, naming the table. */
static void test_rows_checked_against_master(void **state)
{
    (void)state;
    size_t len;
    char *tmp = copy_to_tmp(sample("jliverse_datapump_scott.dmp"), &len);
    /* the descriptor of DEPT says 96 bytes of rows; say 0: no rows, the master says 4 */
    static const uint8_t zero8[8] = {0};
    poke(tmp, 0x10000 + 22, zero8, sizeof zero8);
    b2a_dp *x;
    b2a_err err;
    assert_int_equal(open_path(tmp, &x, &err), 0);
    text_sink ts;
    assert_int_equal(scan(x, find_table(x, "SCOTT", "DEPT"), &ts, 3, &err), B2A_EUNSUPPORTED);
    assert_non_null(strstr(err.msg, "records 4 rows"));
    assert_non_null(strstr(err.msg, "hold 0"));
    text_sink_free(&ts);
    b2a__dp_close(x);
    unlink(tmp);
    free(tmp);
}

/* Open and scan every table; rows read, or -1 when open failed (its
 * message must name the file). */
static long try_all(const char *path, b2a_err *err)
{
    b2a_dp *x = NULL;
    if (open_path(path, &x, err) != 0) {
        const char *base = strrchr(path, '/') + 1;
        if (!strstr(err->msg, base))
            fprintf(stderr, "error without the file name: %s\n", err->msg);
        assert_non_null(strstr(err->msg, base));
        return -1;
    }
    long rows = 0;
    for (size_t i = 0; i < b2a__dp_table_count(x); i++) {
        text_sink ts;
        b2a_err e;
        if (scan(x, i, &ts, 1000, &e) != 0)
            assert_true(e.msg[0] != 0);
        rows += (long)ts.nrows;
        text_sink_free(&ts);
    }
    b2a__dp_close(x);
    return rows;
}

/* Cut a copy at every step-th byte: every cut is an error naming the file. */
static void truncation_sweep(const char *rel, size_t step)
{
    size_t len;
    char *tmp = copy_to_tmp(sample(rel), &len);
    b2a_err err;
    long full = try_all(tmp, &err);
    assert_true(full > 0);
    for (size_t cut = len - 1; cut > 0; cut = cut > step ? cut - step : 0) {
        assert_int_equal(truncate(tmp, (off_t)cut), 0);
        long rows = try_all(tmp, &err);
        if (rows >= 0)
            fprintf(stderr, "cut at %zu read %ld rows\n", cut, rows);
        assert_true(rows < 0);
    }
    unlink(tmp);
    free(tmp);
}

static void test_truncation(void **state)
{
    (void)state;
    truncation_sweep("jliverse_datapump_scott.dmp", 97);
    truncation_sweep("it_tabla1_expdp19c__leanzungri.dmp", 89);
    truncation_sweep("rjschof_modern.dmp", 1013);
}

static void test_flips(void **state)
{
    (void)state;
    if (getenv("B2A_SKIP_FUZZ")) {
        skip();
        return;
    }
    static const char *const files[] = {"jliverse_datapump_scott.dmp", "it_tabla1_expdp19c__leanzungri.dmp",
                                        "rjschof_modern.dmp"};
    for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
        size_t len;
        char *tmp = copy_to_tmp(sample(files[k]), &len);
        int fd = open(tmp, O_RDWR);
        assert_true(fd >= 0);
        srand(4343 + (unsigned)k);
        int rounds = getenv("B2A_FULL_FUZZ") ? 2000 : 150;
        for (int r = 0; r < rounds; r++) {
            off_t pos[8];
            unsigned char old[8];
            for (int j = 0; j < 8; j++) {
                /* half the flips land in the data segments, where the rows are */
                size_t lo = j % 2 ? 0x10000 : 0;
                pos[j] = (off_t)(lo + ((size_t)rand() * 32768u + (size_t)rand()) % (len - lo));
                assert_int_equal(pread(fd, &old[j], 1, pos[j]), 1);
                unsigned char nb = (unsigned char)(old[j] ^ (1u << (rand() % 8)));
                assert_int_equal(pwrite(fd, &nb, 1, pos[j]), 1);
            }
            b2a_err err;
            try_all(tmp, &err);
            for (int j = 7; j >= 0; j--)
                assert_int_equal(pwrite(fd, &old[j], 1, pos[j]), 1);
        }
        close(fd);
        unlink(tmp);
        free(tmp);
    }
}

/* Flipped bits in the rows of rjschof_modern's tables read in pieces
 * (CHANGE_LOG, EMPLOYEES, ACCOUNTS, PRODUCT_SPECS' OSON, LONG_BLOBS,
 * LONG_NOTES: the offsets where their rows start): never a crash or a hang, a failing table names
 * the file. */
static void test_piece_flips(void **state)
{
    (void)state;
    if (getenv("B2A_SKIP_FUZZ")) {
        skip();
        return;
    }
    static const off_t rows_at[] = {193360, 258136, 278920, 289344, 656960, 665152};
    const int nat = (int)(sizeof rows_at / sizeof rows_at[0]);
    size_t len;
    char *tmp = copy_to_tmp(sample("rjschof_modern.dmp"), &len);
    int fd = open(tmp, O_RDWR);
    assert_true(fd >= 0);
    srand(8117);
    int rounds = getenv("B2A_FULL_FUZZ") ? 2000 : 120;
    for (int r = 0; r < rounds; r++) {
        off_t pos[4];
        unsigned char old[4];
        for (int j = 0; j < 4; j++) {
            pos[j] = rows_at[rand() % nat] + rand() % 600;
            assert_int_equal(pread(fd, &old[j], 1, pos[j]), 1);
            unsigned char nb = (unsigned char)(old[j] ^ (1u << (rand() % 8)));
            assert_int_equal(pwrite(fd, &nb, 1, pos[j]), 1);
        }
        b2a_err err;
        try_all(tmp, &err);
        for (int j = 3; j >= 0; j--)
            assert_int_equal(pwrite(fd, &old[j], 1, pos[j]), 1);
    }
    close(fd);
    unlink(tmp);
    free(tmp);
}

int main(void)
{
    samples = getenv("B2A_SAMPLES");
    struct stat st;
    if (!samples || stat(samples, &st) != 0 || stat(sample(""), &st) != 0) {
        printf("SKIP: sample backups not found (B2A_SAMPLES=%s); these tests need ../shared/samples/oracle\n",
               samples ? samples : "(unset)");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scott),
        cmocka_unit_test(test_tabla1_19c),
        cmocka_unit_test(test_modern_23ai),
        cmocka_unit_test(test_modern_equals_legacy),
        cmocka_unit_test(test_modern_lob_and_long_pieces),
        cmocka_unit_test(test_modern_json),
        cmocka_unit_test(test_several_files_refused),
        cmocka_unit_test(test_later_file_of_a_set_refused),
        cmocka_unit_test(test_missing_segment_fails_the_table),
        cmocka_unit_test(test_packed_data_refused),
        cmocka_unit_test(test_modern_objects),
        cmocka_unit_test(test_object_not_decoded),
        cmocka_unit_test(test_compressed_job_refused),
        cmocka_unit_test(test_encrypted_job_refused),
        cmocka_unit_test(test_replaced_bytes_counted),
        cmocka_unit_test(test_rows_checked_against_master),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_flips),
        cmocka_unit_test(test_piece_flips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
