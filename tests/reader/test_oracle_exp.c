/* The classic exp reader on the real Oracle samples: table lists, row
 * counts and named values from the samples' README and from the bytes the
 * format documents, character sets (Korean in freetic), and robustness:
 * every truncation is a clear error naming the file, flipped bytes never
 * crash or hang. */
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

#include "reader/oracle/exp.h"
#include "reader/oracle/oravalue.h"
#include "text_sink.h"

static const char *samples;
static char path_buf[4096];

static const char *sample(const char *rel)
{
    snprintf(path_buf, sizeof path_buf, "%s/oracle/%s", samples, rel);
    return path_buf;
}

static b2a_exp *open_sample(const char *rel)
{
    b2a_err err;
    b2a__err_clear(&err);
    const char *p = sample(rel);
    b2a_exp *x = NULL;
    int rc = b2a__exp_open(&p, 1, &x, &err);
    if (rc != 0)
        fprintf(stderr, "%s\n", err.msg);
    assert_int_equal(rc, 0);
    return x;
}

static size_t find_table(const b2a_exp *x, const char *schema, const char *name)
{
    for (size_t i = 0; i < b2a__exp_table_count(x); i++) {
        const b2a_table_def *t = b2a__exp_table(x, i);
        if (strcmp(t->schema, schema) == 0 && strcmp(t->name, name) == 0)
            return i;
    }
    fail_msg("table %s.%s not found", schema, name);
    return 0;
}

/* Scan table i in chunks of `chunk` rows into ts. */
static int scan(b2a_exp *x, size_t i, text_sink *ts, size_t chunk, b2a_err *err)
{
    b2a_exp_scan *s = NULL;
    text_sink_init(ts, b2a__exp_table(x, i));
    int rc = b2a__exp_scan_open(x, i, &s, err);
    int eof = 0;
    while (rc == 0 && !eof) {
        size_t got;
        rc = b2a__exp_scan_next(s, &ts->base, chunk, &got, &eof, err);
    }
    b2a__exp_scan_close(s);
    return rc;
}

static void scan_ok(b2a_exp *x, size_t i, text_sink *ts)
{
    b2a_err err;
    b2a__err_clear(&err);
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

/* The README: schema EXPTEST, TABLE1 (NUMBER, VARCHAR2, DATE, BLOB all
 * NULL, TIMESTAMP; 7 rows), TABLE2 (4 rows), two empty tables; values
 * include 123 and 3.56789. */
static void test_exptest(void **state)
{
    (void)state;
    b2a_exp *x = open_sample("oracledmpparser_exptest.dmp");
    assert_int_equal(b2a__exp_table_count(x), 4);
    size_t t1 = find_table(x, "EXPTEST", "TABLE1"), t2 = find_table(x, "EXPTEST", "TABLE2");
    assert_int_equal(b2a__exp_table(x, find_table(x, "EXPTEST", "IGNORE"))->row_count, 0);
    assert_int_equal(b2a__exp_table(x, find_table(x, "EXPTEST", "IGNORE2"))->row_count, 0);
    const b2a_table_def *d1 = b2a__exp_table(x, t1);
    assert_int_equal(d1->row_count, 7);
    assert_int_equal(b2a__exp_table(x, t2)->row_count, 4);

    const b2a_column *num = column(d1, "NUMCOL1");
    assert_string_equal(num->source_type, "NUMBER(22, 0)");
    assert_int_equal(num->vtype, B2A_V_DECIMAL);
    assert_int_equal(num->precision, 22);
    assert_int_equal(num->scale, 0);
    assert_int_equal(column(d1, "KEYCOL")->nullable, 0);
    assert_int_equal(column(d1, "BLOBCOL1")->vtype, B2A_V_BYTES);
    assert_int_equal(column(d1, "DATECOL1")->vtype, B2A_V_LOCAL_TIMESTAMP_MICROS);
    /* ALTER TABLE "TABLE1" ADD  CONSTRAINT "TABLE1_PK" PRIMARY KEY ("KEYCOL") */
    size_t npk;
    const size_t *pk = b2a__exp_primary_key(x, t1, &npk);
    assert_int_equal(npk, 1);
    assert_string_equal(d1->columns[pk[0]].name, "KEYCOL");
    assert_null(b2a__exp_primary_key(x, find_table(x, "EXPTEST", "IGNORE"), &npk));
    assert_int_equal(npk, 0);

    text_sink ts;
    scan_ok(x, t1, &ts);
    assert_int_equal(ts.nrows, 7);
    /* row 1: c1 02 | c2 02 18 | c1 04 39 4f 5b | "STRING 1 TEST" | 78 7b 0b 01 09 29 1d | NULL | NULL */
    assert_string_equal(ts.rows[0], "1" TS_SEP_STR "123" TS_SEP_STR "3.56789000000" TS_SEP_STR "STRING 1 TEST"
                                    TS_SEP_STR "2023-11-01 08:40:28.000000" TS_SEP_STR "NULL" TS_SEP_STR "NULL");
    for (size_t r = 0; r < ts.nrows; r++) /* the BLOB column is NULL in every row */
        assert_non_null(strstr(ts.rows[r], TS_SEP_STR "NULL" TS_SEP_STR));
    /* row 6: TIMESTAMP 78 7a 06 02 09 2e 29 + ns 0x14ad5d90 = 346906000 */
    assert_non_null(strstr(ts.rows[5], "2022-06-02 08:45:40.346906"));
    text_sink_free(&ts);

    scan_ok(x, t2, &ts);
    assert_int_equal(ts.nrows, 4);
    /* FLOAT1 c0 15 = 20 x 100^-1; DEC1 NUMBER(22,5) c1 03 64 64 15 = 2 | 99 99 20 */
    assert_string_equal(ts.rows[1], "K2" TS_SEP_STR "0.2" TS_SEP_STR "2.99992");
    assert_string_equal(ts.rows[3], "K4" TS_SEP_STR "NULL" TS_SEP_STR "NULL");
    text_sink_free(&ts);
    b2a__exp_close(x);
}

/* The README: schema ALPHA, 19 tables, SALES_ORDER_HEADER 21,456 rows,
 * COUNTRY_CODES 244, ADDRESSES 119, PRODUCTS 57; PRODUCT_IMAGES (BLOB, 0
 * rows). The header: US7ASCII client, WE8MSWIN1252 database. */
static void test_alphaoffice(void **state)
{
    (void)state;
    b2a_exp *x = open_sample("alphaoffice_expdat.dmp");
    assert_int_equal(b2a__exp_table_count(x), 19);
    static const struct { const char *name; int64_t rows; } want[] = {
        {"SALES_ORDER_HEADER", 21456}, {"SALES_ORDER_LINE_ITEM", 21456}, {"COUNTRY_CODES", 244},
        {"ADDRESSES", 119}, {"PRODUCTS", 57}, {"PRODUCT_IMAGES", 0},
    };
    for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
        size_t i = find_table(x, "ALPHA", want[k].name);
        assert_int_equal(b2a__exp_table(x, i)->row_count, want[k].rows);
        text_sink ts;
        scan_ok(x, i, &ts);
        assert_int_equal(ts.nrows, (size_t)want[k].rows);
        text_sink_free(&ts);
    }
    /* a two-column key: ... PRIMARY KEY ("SERVICE_NAME", "FUNCTION_NAME") */
    size_t st = find_table(x, "ALPHA", "ALPHA_SERVICES_STATS"), npk;
    const size_t *pk = b2a__exp_primary_key(x, st, &npk);
    assert_int_equal(npk, 2);
    assert_string_equal(b2a__exp_table(x, st)->columns[pk[0]].name, "SERVICE_NAME");
    assert_string_equal(b2a__exp_table(x, st)->columns[pk[1]].name, "FUNCTION_NAME");
    const b2a_table_def *img = b2a__exp_table(x, find_table(x, "ALPHA", "PRODUCT_IMAGES"));
    assert_string_equal(column(img, "IMAGE")->source_type, "BLOB");
    assert_int_equal(column(img, "IMAGE")->vtype, B2A_V_BYTES);

    /* ADDRESSES row 1 as stored: c2 02 02 (101), "1717 Harrison St", NULL,
     * "San Francisco", "94103", "CA", "US" (CHAR(2)) ... */
    size_t a = find_table(x, "ALPHA", "ADDRESSES");
    text_sink ts;
    scan_ok(x, a, &ts);
    assert_true(strncmp(ts.rows[0], "101" TS_SEP_STR "1717 Harrison St" TS_SEP_STR "NULL" TS_SEP_STR "San Francisco"
                                    TS_SEP_STR "94103" TS_SEP_STR "CA" TS_SEP_STR "US" TS_SEP_STR,
                        strlen("101" TS_SEP_STR "1717 Harrison St" TS_SEP_STR "NULL" TS_SEP_STR "San Francisco"
                               TS_SEP_STR "94103" TS_SEP_STR "CA" TS_SEP_STR "US" TS_SEP_STR)) == 0);
    text_sink_free(&ts);
    b2a__exp_close(x);
}

/* The README: SCOTT, 24 tables with Korean text, ZIPCODE 51,925 rows, a
 * CLOB column. The text columns say AL32UTF8 (873); the CLOB is stored
 * as AL16UTF16. Expected strings are the dump's own UTF-8 bytes and, for
 * the CLOB, its UTF-16BE bytes c778 cc9c c2dc c5d0 ... decoded by hand. */
static void test_freetic_korean(void **state)
{
    (void)state;
    b2a_exp *x = open_sample("freetic_car.dmp");
    assert_int_equal(b2a__exp_table_count(x), 24);
    size_t z = find_table(x, "SCOTT", "ZIPCODE");
    assert_int_equal(b2a__exp_table(x, z)->row_count, 51925);
    text_sink ts;
    scan_ok(x, z, &ts);
    assert_int_equal(ts.nrows, 51925);
    assert_string_equal(ts.rows[0], "137-150" TS_SEP_STR "\xec\x84\x9c\xec\x9a\xb8" TS_SEP_STR
                                    "\xec\x84\x9c\xec\xb4\x88\xea\xb5\xac" TS_SEP_STR
                                    "\xec\x9b\x90\xec\xa7\x80\xeb\x8f\x99" TS_SEP_STR "NULL" TS_SEP_STR "4831");
    text_sink_free(&ts);

    size_t e = find_table(x, "SCOTT", "EX_PREPARED");
    assert_int_equal(column(b2a__exp_table(x, e), "SPEC")->vtype, B2A_V_STRING);
    scan_ok(x, e, &ts);
    assert_int_equal(ts.nrows, 2);
    assert_non_null(strstr(ts.rows[0], TS_SEP_STR "\xec\x9d\xb4\xea\xb4\x91\xec\x97\xb4" TS_SEP_STR "F" TS_SEP_STR "NULL" TS_SEP_STR));
    /* "인천시에 살고 있는 잘생긴 사람.." */
    assert_non_null(strstr(ts.rows[1], TS_SEP_STR "\xec\x9d\xb8\xec\xb2\x9c\xec\x8b\x9c\xec\x97\x90 "
                                       "\xec\x82\xb4\xea\xb3\xa0 \xec\x9e\x88\xeb\x8a\x94 "
                                       "\xec\x9e\x98\xec\x83\x9d\xea\xb8\xb4 \xec\x82\xac\xeb\x9e\x8c.." TS_SEP_STR));
    text_sink_free(&ts);
    b2a__exp_close(x);
}

/* Oracle's HR sample schema (EMPLOYEES 107, DEPARTMENTS 27, JOBS 19,
 * LOCATIONS 23, COUNTRIES 25, REGIONS 4, JOB_HISTORY 10) plus the owner's
 * own tables, 24 in all. */
static void test_hr(void **state)
{
    (void)state;
    b2a_exp *x = open_sample("hr_exp10g_classic__momaresh.dmp");
    assert_int_equal(b2a__exp_table_count(x), 24);
    static const struct { const char *name; int64_t rows; } want[] = {
        {"EMPLOYEES", 107}, {"DEPARTMENTS", 27}, {"JOBS", 19}, {"LOCATIONS", 23},
        {"COUNTRIES", 25}, {"REGIONS", 4}, {"JOB_HISTORY", 10},
    };
    for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
        size_t i = find_table(x, "HR", want[k].name);
        text_sink ts;
        scan_ok(x, i, &ts);
        assert_int_equal(ts.nrows, (size_t)want[k].rows);
        text_sink_free(&ts);
    }
    b2a__exp_close(x);
}

/* The README: four schemas (HRDATA, INVENTORY, FINANCE, AUDITLOG) from
 * 23ai's exp, partitions, CLOB/NCLOB, BFILE, SDO_GEOMETRY, nested table and
 * VARRAY, time zones, intervals, NUMBER edge cases. Every table is either
 * read or fails naming the column whose type the reader cannot decode. */
static void test_rjschof_legacy(void **state)
{
    (void)state;
    b2a_exp *x = open_sample("rjschof_legacy.dmp");
    assert_int_equal(b2a__exp_table_count(x), 27);
    static const struct { const char *schema, *name, *why; int code; } fails[] = {
        {"INVENTORY", "PRODUCT_SPECS", "column SPEC, whose type classic exp cannot write", B2A_EUNSUPPORTED},
        /* the file stops after a partition of its last table, with no ENDTABLE and no EXIT */
        {"AUDITLOG", "CHANGE_LOG", "table AUDITLOG.CHANGE_LOG: the dump ends inside this table without exp's closing "
                                   "EXIT records (cut short at 188416 bytes)", B2A_EFORMAT},
    };
    const size_t nfails = sizeof(fails) / sizeof(fails[0]);
    size_t failed = 0;
    for (size_t i = 0; i < b2a__exp_table_count(x); i++) {
        const b2a_table_def *d = b2a__exp_table(x, i);
        text_sink ts;
        b2a_err err;
        b2a__err_clear(&err);
        int rc = scan(x, i, &ts, 7, &err);
        text_sink_free(&ts);
        if (rc == 0)
            continue;
        failed++;
        size_t k = 0;
        while (k < nfails && !(strcmp(fails[k].schema, d->schema) == 0 && strcmp(fails[k].name, d->name) == 0))
            k++;
        if (k == nfails)
            fail_msg("%s.%s failed: %s", d->schema, d->name, err.msg);
        assert_int_equal(rc, fails[k].code);
        assert_non_null(strstr(err.msg, fails[k].why));
        assert_non_null(strstr(err.msg, "rjschof_legacy.dmp"));
    }
    assert_int_equal(failed, nfails);

    /* Objects: pickled images (84 01 <length> <attributes>). ADDRESS_T's
     * attributes from the dump's CREATE TYPE ... AS OBJECT, as JSON; an
     * SDO_GEOMETRY point (84 01 fe 0000001c | 03 c2 15 02 (2001) |
     * 03 c2 2c 1b (4326) | 05 3d 64 50 0b 66 (-121.9) | 03 c1 26 3d (37.6) |
     * ff ff ff) as WKT. */
    {
        b2a_err oerr;
        b2a__err_clear(&oerr);
        size_t cp = find_table(x, "FINANCE", "CUSTOMER_PROFILE");
        assert_string_equal(column(b2a__exp_table(x, cp), "ADDR")->source_type, "FINANCE.ADDRESS_T");
        text_sink ts;
        assert_int_equal(scan(x, cp, &ts, 2, &oerr), 0);
        assert_int_equal(ts.nrows, 5);
        assert_string_equal(ts.rows[0], "1" TS_SEP_STR "1" TS_SEP_STR
                            "{\"STREET\":\"1 Main St\",\"CITY\":\"Springfield\",\"COUNTRY\":\"US\",\"POSTAL\":\"00001\"}");
        text_sink_free(&ts);
        size_t sl = find_table(x, "INVENTORY", "STORE_LOCATIONS");
        assert_string_equal(column(b2a__exp_table(x, sl), "LOCATION")->source_type, "MDSYS.SDO_GEOMETRY");
        assert_int_equal(scan(x, sl, &ts, 2, &oerr), 0);
        assert_int_equal(ts.nrows, 3);
        assert_string_equal(ts.rows[0], "1" TS_SEP_STR "Store-1" TS_SEP_STR "POINT (-121.9 37.6)");
        assert_string_equal(ts.rows[2], "3" TS_SEP_STR "Store-3" TS_SEP_STR "POINT (-121.7 37.8)");
        text_sink_free(&ts);
    }

    /* EMP_TAGS: a VARRAY and a nested table column, and no rows: nothing to
     * decode, so the table is exact with its 0 rows; its columns are strings
     * whose doc says no value was read */
    {
        b2a_err cerr;
        b2a__err_clear(&cerr);
        size_t et = find_table(x, "HRDATA", "EMP_TAGS");
        const b2a_table_def *ed = b2a__exp_table(x, et);
        assert_int_equal(ed->row_count, 0);
        assert_int_equal(column(ed, "TAGS")->vtype, B2A_V_STRING);
        assert_non_null(strstr(column(ed, "HISTORY")->note, "no row of this dump holds a value of it"));
        text_sink ts;
        assert_int_equal(scan(x, et, &ts, 2, &cerr), 0);
        assert_int_equal(ts.nrows, 0);
        text_sink_free(&ts);
    }

    /* NUMBER edge cases as stored: d3 0b = 10 x 100^18; ca 0d 23 39 4f 5b ... */
    size_t ne = find_table(x, "FINANCE", "NUMERIC_EDGE");
    const b2a_table_def *d = b2a__exp_table(x, ne);
    assert_int_equal(column(d, "BIG38")->vtype, B2A_V_DECIMAL);
    assert_int_equal(column(d, "NEG_SCALE")->vtype, B2A_V_LONG);                /* NUMBER(10,-2) */
    assert_int_equal(column(d, "NEG_SCALE_WIDE")->precision, 22);               /* NUMBER(20,-2) */
    assert_int_equal(column(d, "FRAC_SCALE")->precision, 5);                    /* NUMBER(2,5) */
    assert_int_equal(column(d, "FRAC_SCALE")->scale, 5);
    assert_int_equal(column(d, "UNBOUNDED")->scale, 1);                         /* profiled */
    text_sink ts;
    scan_ok(x, ne, &ts);
    assert_int_equal(ts.nrows, 3);
    assert_string_equal(ts.rows[0], "1" TS_SEP_STR "10000000000000000000000000000000000000" TS_SEP_STR
                                    "12345678901234567890" TS_SEP_STR "1.5" TS_SEP_STR "0.0001" TS_SEP_STR "12300"
                                    TS_SEP_STR "1234500" TS_SEP_STR "0.00012" TS_SEP_STR "1.2345678901234");
    text_sink_free(&ts);

    /* five range partitions, one Avro table */
    size_t tx = find_table(x, "FINANCE", "TRANSACTIONS");
    assert_string_equal(b2a__exp_table_kind(x, tx), "partitioned table");
    assert_int_equal(b2a__exp_partition_count(x, tx), 5);
    assert_string_equal(b2a__exp_partition_name(x, tx, 0), "P_2024_Q1");
    assert_string_equal(b2a__exp_partition_name(x, tx, 4), "P_MAX");
    assert_int_equal(b2a__exp_table(x, tx)->row_count, 23 * 4 + 8);
    scan_ok(x, tx, &ts);
    assert_int_equal(ts.nrows, 100);
    /* TIMESTAMP WITH TIME ZONE 78 7c 01 01 02 01 01 (UTC) + region; INTERVAL DS of 37 s */
    assert_non_null(strstr(ts.rows[0], TS_SEP_STR "2024-01-01 01:00:00.000000" TS_SEP_STR "47.41" TS_SEP_STR
                                       "P0DT0H0M37S" TS_SEP_STR "DEPOSIT" TS_SEP_STR));
    text_sink_free(&ts);
    size_t det = find_table(x, "FINANCE", "TRANSACTION_DETAILS");
    assert_int_equal(b2a__exp_partition_count(x, det), 12); /* subpartitions */
    scan_ok(x, det, &ts);
    assert_int_equal(ts.nrows, 80);
    text_sink_free(&ts);

    b2a__exp_close(x);
}

static char *copy_to_tmp(const char *src, size_t *len);

/* rjschof_legacy stops after the last ENDPARTITION of AUDITLOG.CHANGE_LOG,
 * then zero padding to the end of its last record. The same bytes with exp's closing
 * records written into that padding read CHANGE_LOG whole: its CLOBs of an
 * AL32UTF8 database, stored as AL16UTF16. */
static void test_rjschof_legacy_properly_ended(void **state)
{
    (void)state;
    size_t len;
    char *tmp = copy_to_tmp(sample("rjschof_legacy.dmp"), &len);
    FILE *f = fopen(tmp, "r+b");
    char *buf = malloc(len);
    assert_int_equal(fread(buf, 1, len, f), len);
    size_t end = len;
    while (end > 0 && buf[end - 1] == 0)
        end--;
    assert_memory_equal(buf + end - 12, "ENDPARTITION", 12); /* the last statement, then zeros */
    static const char ending[] = "\nENDTABLE\nEXIT\nEXIT\n";
    assert_true(len - end > sizeof(ending)); /* fits in the padding */
    fseek(f, (long)end, SEEK_SET);
    fputs(ending, f);
    fclose(f);
    free(buf);
    b2a_err err;
    const char *p = tmp;
    b2a_exp *x = NULL;
    assert_int_equal(b2a__exp_open(&p, 1, &x, &err), 0);
    text_sink ts;
    scan_ok(x, find_table(x, "AUDITLOG", "CHANGE_LOG"), &ts);
    assert_int_equal(ts.nrows, 50);
    assert_non_null(strstr(ts.rows[0], TS_SEP_STR "{\"id\": 6, \"status\": \"OLD\"}" TS_SEP_STR "NULL"));
    text_sink_free(&ts);
    b2a__exp_close(x);
    unlink(tmp);
    free(tmp);
}

/* A CREATE TABLE the reader cannot parse must not make its rows vanish:
 * the table is still listed, from its TABLE line, INSERT and descriptors. */
static void test_unreadable_create_table_keeps_the_table(void **state)
{
    (void)state;
    size_t len;
    char *tmp = copy_to_tmp(sample("oracledmpparser_exptest.dmp"), &len);
    FILE *f = fopen(tmp, "r+b");
    char *buf = malloc(len);
    assert_int_equal(fread(buf, 1, len, f), len);
    const char *stmt = "CREATE TABLE \"TABLE2\" (";
    char *at = memmem(buf, len, stmt, strlen(stmt));
    assert_non_null(at);
    fseek(f, (long)(at - buf) + (long)strlen(stmt) - 1, SEEK_SET);
    fputc('X', f); /* no column list any more */
    fclose(f);
    free(buf);
    b2a_err err;
    const char *p = tmp;
    b2a_exp *x = NULL;
    assert_int_equal(b2a__exp_open(&p, 1, &x, &err), 0);
    assert_int_equal(b2a__exp_table_count(x), 4);
    size_t t2 = find_table(x, "EXPTEST", "TABLE2");
    const b2a_table_def *d = b2a__exp_table(x, t2);
    assert_int_equal(d->row_count, 4);
    assert_string_equal(d->columns[0].source_type, "VARCHAR2");
    assert_string_equal(d->columns[2].source_type, "NUMBER");
    text_sink ts;
    scan_ok(x, t2, &ts);
    assert_string_equal(ts.rows[1], "K2" TS_SEP_STR "0.2" TS_SEP_STR "2.99992");
    text_sink_free(&ts);
    b2a__exp_close(x);
    unlink(tmp);
    free(tmp);
}

/* TIMESTAMP WITH LOCAL TIME ZONE is stored in the database time zone; when
 * the dump gives that zone as a region name instead of an offset, those
 * tables fail naming the column and the zone, instead of guessing UTC. */
static void test_local_time_zone_needs_an_offset(void **state)
{
    (void)state;
    size_t len;
    char *tmp = copy_to_tmp(sample("rjschof_legacy.dmp"), &len);
    FILE *f = fopen(tmp, "r+b");
    char *buf = malloc(len);
    assert_int_equal(fread(buf, 1, len, f), len);
    char *at = memmem(buf, len, "\x06\x00+00:00", 8); /* the counted setting record */
    assert_non_null(at);
    fseek(f, (long)(at - buf) + 2, SEEK_SET);
    fputs("Europe", f);
    fclose(f);
    free(buf);
    b2a_err err;
    const char *p = tmp;
    b2a_exp *x = NULL;
    assert_int_equal(b2a__exp_open(&p, 1, &x, &err), 0);
    text_sink ts;
    b2a__err_clear(&err);
    assert_int_equal(scan(x, find_table(x, "AUDITLOG", "CHANGE_LOG"), &ts, 10, &err), B2A_EFORMAT); /* and cut short */
    text_sink_free(&ts);
    assert_non_null(strstr(err.msg, "column CHANGED_AT is TIMESTAMP (6) WITH LOCAL TIME ZONE"));
    assert_non_null(strstr(err.msg, "\"Europe\""));
    scan_ok(x, find_table(x, "FINANCE", "ACCOUNTS"), &ts);
    assert_int_equal(ts.nrows, 20);
    text_sink_free(&ts);
    b2a__exp_close(x);
    unlink(tmp);
    free(tmp);
}

/* ---- robustness ---- */

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
    char *tmpl = strdup("/tmp/b2a_exp_fuzz_XXXXXX");
    int fd = mkstemp(tmpl);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, buf, *len), (ssize_t)*len);
    close(fd);
    free(buf);
    return tmpl;
}

/* Open and scan every table; returns rows read, or -1 when open failed
 * (its message must name the file). */
static long try_all(const char *path, b2a_err *err)
{
    b2a_exp *x = NULL;
    b2a__err_clear(err);
    if (b2a__exp_open(&path, 1, &x, err) != 0) {
        const char *base = strrchr(path, '/') + 1;
        if (!strstr(err->msg, base))
            fprintf(stderr, "error without the file name: %s\n", err->msg);
        assert_non_null(strstr(err->msg, base));
        return -1;
    }
    long rows = 0;
    for (size_t i = 0; i < b2a__exp_table_count(x); i++) {
        text_sink ts;
        b2a_err e;
        b2a__err_clear(&e);
        if (scan(x, i, &ts, 1000, &e) != 0)
            assert_true(e.msg[0] != 0);
        rows += (long)ts.nrows;
        text_sink_free(&ts);
    }
    b2a__exp_close(x);
    return rows;
}

/* Cut a copy at every 97th byte: before the EXIT statement every cut is a
 * "truncated" error naming the file; after it the dump reads whole. */
static void truncation_sweep(const char *rel, size_t step)
{
    size_t len;
    char *tmp = copy_to_tmp(sample(rel), &len);
    b2a_err err;
    long full = try_all(tmp, &err);
    assert_true(full > 0);
    size_t cuts = 0, errors = 0;
    /* from the end down to the magic "EXPORT:V" (bytes 3-10): shorter is no exp file at all */
    for (size_t cut = len - 1; cut > 11; cut = cut > step + 11 ? cut - step : 11) {
        assert_int_equal(truncate(tmp, (off_t)cut), 0);
        long rows = try_all(tmp, &err);
        cuts++;
        if (rows < 0) {
            errors++;
            if (!strstr(err.msg, "truncated") && !strstr(err.msg, "header"))
                fprintf(stderr, "cut at %zu: %s\n", cut, err.msg);
            assert_true(strstr(err.msg, "truncated") || strstr(err.msg, "header"));
        } else {
            assert_int_equal(rows, full); /* only cuts in the padding after EXIT */
        }
    }
    assert_true(errors > cuts / 2);
    unlink(tmp);
    free(tmp);
}

static void test_truncation(void **state)
{
    (void)state;
    truncation_sweep("oracledmpparser_exptest.dmp", 7);
    truncation_sweep("hr_exp10g_classic__momaresh.dmp", 97);
    truncation_sweep("rjschof_legacy.dmp", 131);
}

static void test_flips(void **state)
{
    (void)state;
    if (getenv("B2A_SKIP_FUZZ")) {
        skip();
        return;
    }
    static const char *const files[] = {"oracledmpparser_exptest.dmp", "hr_exp10g_classic__momaresh.dmp",
                                        "rjschof_legacy.dmp", "freetic_car.dmp"};
    for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
        size_t len;
        char *tmp = copy_to_tmp(sample(files[k]), &len);
        int fd = open(tmp, O_RDWR);
        assert_true(fd >= 0);
        srand(4242 + (unsigned)k);
        int rounds = getenv("B2A_FULL_FUZZ") ? 2000 : (k == 3 ? 10 : 100);
        for (int r = 0; r < rounds; r++) {
            off_t pos[8];
            unsigned char old[8];
            for (int j = 0; j < 8; j++) {
                pos[j] = (off_t)(((size_t)rand() * 32768u + (size_t)rand()) % len);
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
        cmocka_unit_test(test_exptest),
        cmocka_unit_test(test_alphaoffice),
        cmocka_unit_test(test_freetic_korean),
        cmocka_unit_test(test_hr),
        cmocka_unit_test(test_rjschof_legacy),
        cmocka_unit_test(test_rjschof_legacy_properly_ended),
        cmocka_unit_test(test_unreadable_create_table_keeps_the_table),
        cmocka_unit_test(test_local_time_zone_needs_an_offset),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_flips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
