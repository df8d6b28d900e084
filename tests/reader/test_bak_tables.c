/* The SQL Server .bak reader end to end on the real samples: every table
 * compared value by value with the vendors' install scripts (parsed by
 * truth.c), plus type decoding on hand-made bytes, chunked scans, the
 * stripe refusal, inspect JSON, and truncation/bit-flip robustness. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>

#include "reader/mssql/bak.h"
#include "reader/reader.h"
#include "reader/mssql/types.h"
#include "bak_test.h"
#include "text_sink.h"
#include "truth.h"

static const char *samples;
static char path_buf[4096];

static const char *sample(const char *rel)
{
    snprintf(path_buf, sizeof path_buf, "%s/%s", samples, rel);
    return path_buf;
}

static b2a_bak *open_one(const char *rel)
{
    b2a_err err;
    b2a__err_clear(&err);
    const char *p = sample(rel);
    b2a_bak *b = NULL;
    int rc = b2a__bak_open(&p, 1, &b, &err);
    if (rc != 0)
        fprintf(stderr, "open %s: %d %s\n", rel, rc, err.msg);
    assert_int_equal(rc, 0);
    return b;
}

/* One table against the truth; returns decoded rows. */
static size_t check_table(b2a_bak *b, const truth *t, size_t i, size_t want_missing, size_t want_extra)
{
    text_sink ts;
    bak_scan_all(b, i, &ts, 500);
    const b2a_table_def *d = b2a__bak_table(b, i);
    size_t missing, extra;
    size_t ntruth = truth_compare(t, d, ts.rows, ts.nrows, &missing, &extra, 3);
    if (missing != want_missing || extra != want_extra)
        fprintf(stderr, "%s.%s: truth %zu decoded %zu missing %zu extra %zu\n", d->schema, d->name, ntruth,
                ts.nrows, missing, extra);
    assert_int_equal(missing, want_missing);
    assert_int_equal(extra, want_extra);
    /* sysrowsets' count agrees with the rows found. */
    assert_int_equal((int64_t)ts.nrows, d->row_count);
    size_t n = ts.nrows;
    text_sink_free(&ts);
    return n;
}

static truth nw_truth;
static size_t check_keys(const b2a_bak *b, const char *script);

static void test_northwind_2008_all_tables(void **state)
{
    (void)state;
    b2a_bak *b = open_one("sqlserver/northwind_sql2008_mtf__thuyluv.bak");
    assert_string_equal(b2a__bak_database_name(b), "Northwind");
    assert_int_equal(b2a__bak_table_count(b), 13);
    size_t total = 0;
    for (size_t i = 0; i < b2a__bak_table_count(b); i++)
        total += check_table(b, &nw_truth, i, 0, 0);
    /* 8+0+0+91+49+9+2155+830+77+4+3+29+53 */
    assert_int_equal(total, 3308);
    /* Column descriptions users see. */
    const b2a_table_def *od = b2a__bak_table(b, bak_find_table(b, "dbo", "Order Details"));
    assert_int_equal(od->ncolumns, 5);
    assert_string_equal(od->columns[2].source_type, "money");
    assert_int_equal(od->columns[2].vtype, B2A_V_DECIMAL);
    assert_int_equal(od->columns[2].precision, 19);
    assert_int_equal(od->columns[2].scale, 4);
    assert_string_equal(od->columns[4].source_type, "real");
    const b2a_table_def *cu = b2a__bak_table(b, bak_find_table(b, "dbo", "Customers"));
    assert_string_equal(cu->columns[0].source_type, "nchar(5)");
    assert_string_equal(cu->columns[1].source_type, "nvarchar(40)");
    const b2a_table_def *em = b2a__bak_table(b, bak_find_table(b, "dbo", "Employees"));
    assert_string_equal(em->columns[14].name, "Photo");
    assert_string_equal(em->columns[14].source_type, "image");
    assert_string_equal(em->columns[15].source_type, "ntext");
    assert_int_equal(em->columns[5].vtype, B2A_V_LOCAL_TIMESTAMP_MICROS);
    b2a__bak_close(b);
}

/* SQL Server 2005 keeps the rows' physical layout in sysrowsetcolumns and
 * syshobtcolumns instead of sysrscols: the same 13 tables as the 2008
 * backup, value by value against instnwnd.sql, with the same keys. The
 * backup's owner edited Products: 64 of its rows are the script's, 13 were
 * changed (product 1 renamed "Chai2" at 16.50, stock counts moved, ...)
 * and 6 added (78 "choc chips", 99 "GreenTea", ...). */
static void test_northwind_2005(void **state)
{
    (void)state;
    b2a_bak *b = open_one("sqlserver/northwind_sql2005_mtf__gabrujo.bak");
    assert_string_equal(b2a__bak_database_name(b), "Northwind");
    /* dtproperties is shipped by the server (sys.objects.is_ms_shipped): left out. */
    assert_int_equal(b2a__bak_table_count(b), 13);
    size_t total = 0;
    for (size_t i = 0; i < b2a__bak_table_count(b); i++) {
        const b2a_table_def *d = b2a__bak_table(b, i);
        int products = strcmp(d->name, "Products") == 0;
        total += check_table(b, &nw_truth, i, products ? 13 : 0, products ? 13 + 6 : 0);
    }
    assert_int_equal(total, 3308 + 6);
    text_sink ts;
    bak_scan_all(b, bak_find_table(b, "dbo", "Products"), &ts, 100);
    int chai2 = 0, greentea = 0;
    for (size_t r = 0; r < ts.nrows; r++) {
        chai2 += strcmp(ts.rows[r], "1\x1f" "Chai2\x1f" "1\x1f" "1\x1f" "10 boxes x 20 bags\x1f" "16.5000\x1f" "17\x1f" "0\x1f" "10\x1f" "0") == 0;
        greentea += strncmp(ts.rows[r], "99\x1f" "GreenTea\x1f", 12) == 0;
    }
    assert_int_equal(chai2, 1);
    assert_int_equal(greentea, 1);
    text_sink_free(&ts);
    assert_int_equal(check_keys(b, "truth/instnwnd.sql"), 13);
    b2a__bak_close(b);
}

static void test_northwind_2016_compressed(void **state)
{
    (void)state;
    b2a_bak *b = open_one("sqlserver/northwind_sql2016_compressed__Guilderm.bak");
    assert_string_equal(b2a__bak_database_name(b), "NORTHWIND");
    for (size_t i = 0; i < b2a__bak_table_count(b); i++) {
        const b2a_table_def *d = b2a__bak_table(b, i);
        /* Known user edits in this backup: one extra category, Products row 13. */
        if (strcmp(d->name, "Categories") == 0)
            check_table(b, &nw_truth, i, 0, 1);
        else if (strcmp(d->name, "Products") == 0)
            check_table(b, &nw_truth, i, 1, 1);
        else
            check_table(b, &nw_truth, i, 0, 0);
    }
    /* The edited product is number 13, nothing else of Products differs. */
    text_sink ts;
    bak_scan_all(b, bak_find_table(b, "dbo", "Products"), &ts, 100);
    int found = 0;
    for (size_t r = 0; r < ts.nrows; r++)
        if (strncmp(ts.rows[r], "13\x1f", 3) == 0)
            found = 1;
    assert_true(found);
    text_sink_free(&ts);
    b2a__bak_close(b);
}

static void test_tsqlv4_compressed(void **state)
{
    (void)state;
    truth t;
    assert_int_equal(truth_load(sample("truth/TSQLV4.sql"), &t), 0);
    b2a_bak *b = open_one("sqlserver/tsqlv4_sql2016_compressed__JoeyCheung.bak");
    assert_string_equal(b2a__bak_database_name(b), "TSQLV4");
    static const struct { const char *s, *n; int64_t rows; } want[] = {
        { "Sales", "Orders", 830 }, { "Sales", "OrderDetails", 2155 }, { "Sales", "Customers", 91 },
        { "Production", "Products", 77 }, { "Production", "Suppliers", 29 }, { "Sales", "Shippers", 3 },
        { "Stats", "Scores", 19 }, { "dbo", "Nums", 100000 }, { "HR", "Employees", 9 },
        { "Production", "Categories", 8 },
    };
    for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
        size_t i = bak_find_table(b, want[k].s, want[k].n);
        assert_int_equal(b2a__bak_table(b, i)->row_count, want[k].rows);
        if (strcmp(want[k].n, "Nums") == 0) {
            /* Nums is filled by a loop, not INSERTs: 1..100000 each once. */
            text_sink ts;
            bak_scan_all(b, i, &ts, 4096);
            assert_int_equal(ts.nrows, 100000);
            char *seen = calloc(100001, 1);
            for (size_t r = 0; r < ts.nrows; r++) {
                long v = strtol(ts.rows[r], NULL, 10);
                assert_true(v >= 1 && v <= 100000);
                assert_false(seen[v]);
                seen[v] = 1;
            }
            free(seen);
            text_sink_free(&ts);
        } else {
            check_table(b, &t, i, 0, 0);
        }
    }
    /* Sampled values checked against TSQLV4.sql by eye as well. */
    text_sink ts;
    bak_scan_all(b, bak_find_table(b, "Sales", "Orders"), &ts, 1000);
    int ok = 0;
    for (size_t r = 0; r < ts.nrows; r++)
        if (strcmp(ts.rows[r], "10248\x1f" "85\x1f" "5\x1f" "2014-07-04\x1f" "2014-08-01\x1f" "2014-07-16\x1f"
                               "3\x1f" "32.3800\x1f" "Ship to 85-B\x1f" "6789 rue de l'Abbaye\x1f"
                               "Reims\x1f" "NULL\x1f" "10345\x1f" "France") == 0)
            ok = 1;
    assert_true(ok);
    text_sink_free(&ts);
    truth_free(&t);
    b2a__bak_close(b);
}

/* A table split into parts (issue 11: workers sharing one backup file):
 * TSQLV4's Nums read as 1, 3 and 4 parts, each part from its own open of
 * the file as another process would, gives 1..100000 exactly once; the
 * parts are not empty (the split does split) and through the reader
 * vtable's split extension as well. */
static void test_parts_union_is_the_table(void **state)
{
    (void)state;
    const char *rel = "sqlserver/tsqlv4_sql2016_compressed__JoeyCheung.bak";
    static const size_t splits[] = { 1, 3, 4 };
    for (size_t k = 0; k < sizeof splits / sizeof splits[0]; k++) {
        size_t n = splits[k], total = 0, nonempty = 0;
        char *seen = calloc(100001, 1);
        assert_non_null(seen);
        for (size_t part = 0; part < n; part++) {
            b2a_bak *b = open_one(rel);
            size_t i = bak_find_table(b, "dbo", "Nums");
            const b2a_reader_split_ops *sp = b2a__reader_split(&b2a__reader_mssql_bak);
            assert_non_null(sp);
            void *scan = NULL;
            b2a_err err;
            assert_int_equal(sp->scan_open_part(b, i, part, n, &scan, &err), B2A_OK);
            text_sink ts;
            text_sink_init(&ts, b2a__bak_table(b, i));
            int eof = 0;
            while (!eof) {
                size_t got = 0;
                assert_int_equal(b2a__reader_mssql_bak.scan_next(scan, &ts.base, 1000, &got, &eof, &err), B2A_OK);
            }
            b2a__reader_mssql_bak.scan_close(scan);
            assert_int_equal(ts.errors, 0);
            for (size_t r = 0; r < ts.nrows; r++) {
                long v = strtol(ts.rows[r], NULL, 10);
                assert_true(v >= 1 && v <= 100000);
                assert_false(seen[v]); /* no row in two parts */
                seen[v] = 1;
            }
            total += ts.nrows;
            nonempty += ts.nrows > 0;
            text_sink_free(&ts);
            b2a__bak_close(b);
        }
        assert_int_equal(total, 100000); /* none missing */
        assert_int_equal(nonempty, n);
        free(seen);
    }
    /* A part outside the split is refused. */
    b2a_bak *b = open_one(rel);
    b2a_bak_scan *s = NULL;
    b2a_err err;
    assert_int_equal(b2a__bak_scan_open_part(b, 0, 3, 3, &s, &err), B2A_EINVAL);
    assert_string_equal(err.msg, "part 3 of 3: a table splits into 1 or more parts, numbered from 0");
    assert_int_equal(b2a__bak_scan_open_part(b, 0, 0, 0, &s, &err), B2A_EINVAL);
    assert_null(s);
    b2a__bak_close(b);
}

static void test_pubs_2012(void **state)
{
    (void)state;
    truth t;
    assert_int_equal(truth_load(sample("truth/instpubs.sql"), &t), 0);
    b2a_bak *b = open_one("sqlserver/pubs_sql2012_mtf__UGR95.bak");
    assert_string_equal(b2a__bak_database_name(b), "pubs");
    /* Tables this backup's owner left as instpubs.sql made them. */
    static const char *const same[] = { "discounts", "jobs", "roysched", "stores" };
    for (size_t k = 0; k < sizeof same / sizeof same[0]; k++)
        check_table(b, &t, bak_find_table(b, "dbo", same[k]), 0, 0);
    /* pub_info.pr_info: in this backup every line break of the long texts
     * is doubled (CR LF CR LF; 474 times in the .bak's own bytes for 0736),
     * so undo that before comparing; logos and the rest must be exact. */
    {
        text_sink ts;
        size_t i = bak_find_table(b, "dbo", "pub_info");
        bak_scan_all(b, i, &ts, 10);
        size_t fixed = 0;
        for (size_t r = 0; r < ts.nrows; r++) {
            char *p;
            while ((p = strstr(ts.rows[r], "\r\n\r\n")) != NULL) {
                memmove(p + 2, p + 4, strlen(p + 4) + 1);
                fixed++;
            }
        }
        assert_true(fixed > 474);
        size_t missing, extra;
        assert_int_equal(truth_compare(&t, b2a__bak_table(b, i), ts.rows, ts.nrows, &missing, &extra, 3), 8);
        assert_int_equal(missing, 0);
        assert_int_equal(extra, 0);
        text_sink_free(&ts);
    }
    /* Modified ones: the counts of differing rows were checked by hand
     * (3 authors added, 2 sales edited and 2 added, title AR1544 added
     * with its titleauthor row; the rest as in instpubs.sql). */
    check_table(b, &t, bak_find_table(b, "dbo", "titleauthor"), 0, 1);
    check_table(b, &t, bak_find_table(b, "dbo", "authors"), 0, 3);
    check_table(b, &t, bak_find_table(b, "dbo", "employee"), 0, 0);
    check_table(b, &t, bak_find_table(b, "dbo", "sales"), 2, 4);
    /* MC3026 and PC9999 are inserted with a column list; the server filled
     * the rest with defaults (type UNDECIDED, pubdate getdate()). */
    check_table(b, &t, bak_find_table(b, "dbo", "titles"), 2, 3);
    check_table(b, &t, bak_find_table(b, "dbo", "publishers"), 0, 0);
    /* publishers.city of 9901 is the single byte 0x81, which cp1252 leaves
     * undefined: Windows maps it to U+0081. */
    text_sink ts;
    bak_scan_all(b, bak_find_table(b, "dbo", "publishers"), &ts, 10);
    int found = 0;
    for (size_t r = 0; r < ts.nrows; r++)
        if (strcmp(ts.rows[r], "9901\x1fGGG&G\x1fM\xC2\x81nchen\x1fNULL\x1fGermany") == 0)
            found = 1;
    assert_true(found);
    text_sink_free(&ts);
    /* Alias types keep their base type and say so. */
    const b2a_table_def *au = b2a__bak_table(b, bak_find_table(b, "dbo", "authors"));
    assert_string_equal(au->columns[0].source_type, "varchar(11)");
    assert_string_equal(au->columns[0].note, "alias type id");
    truth_free(&t);
    b2a__bak_close(b);
}

static void test_arabic_2014(void **state)
{
    (void)state;
    b2a_bak *b = open_one("sqlserver/northwinddb_arabic_sql2014_mtf__mina-top3.bak");
    assert_string_equal(b2a__bak_database_name(b), "NORTHWIND_DB");
    text_sink ts;
    /* Values cross-checked by finding their UTF-16LE bytes in the file. */
    bak_scan_all(b, bak_find_table(b, "dbo", "Categories"), &ts, 10);
    assert_int_equal(ts.nrows, 2);
    assert_string_equal(ts.rows[0], "1\x1f" "البان\x1f" "كميات كبيره\x1fNULL\x1f" "الرف رقم 5");
    assert_string_equal(ts.rows[1], "3\x1f" "لحوم\x1f" "بالكيلو\x1fNULL\x1f" "رف رقم 2");
    text_sink_free(&ts);
    bak_scan_all(b, bak_find_table(b, "dbo", "Suppliers"), &ts, 10);
    assert_int_equal(ts.nrows, 2);
    assert_string_equal(ts.rows[1], "2\x1f" "التوب\x1f" "فادي ابو خليل\x1fNULL\x1f" "سوهاج\x1fNULL\x1fNULL\x1fNULL\x1fNULL\x1f"
                                    "01111698733\x1fNULL\x1fNULL");
    text_sink_free(&ts);
    b2a__bak_close(b);
}

static void test_stripe_refused(void **state)
{
    (void)state;
    b2a_err err;
    b2a__err_clear(&err);
    const char *p = sample("sqlserver/northwind_sql2014_stripe1of2__CConocimientos.bak");
    b2a_bak *b = NULL;
    int rc = b2a__bak_open(&p, 1, &b, &err);
    assert_true(rc < 0);
    assert_null(b);
    assert_non_null(strstr(err.msg, "stripe 2 is missing"));
    assert_non_null(strstr(err.msg, "northwind_sql2014_stripe1of2__CConocimientos.bak"));
}

/* Complete striped sets read as one backup, files in any order: the
 * catalog lists what the set's database holds (CakeRestoreTest has no user
 * table; RestoreTimeStripe has dbo.steps, empty in this full backup, as its
 * sysrowsets count says). */
static void test_striped_sets_read(void **state)
{
    (void)state;
    char p1[4096], p2[4096], p3[4096];
    snprintf(p1, sizeof p1, "%s", sample("sqlserver/cakerestoretest_sql2008r2_full_stripe1of3__cake-contrib.bak"));
    snprintf(p2, sizeof p2, "%s", sample("sqlserver/cakerestoretest_sql2008r2_full_stripe2of3__cake-contrib.bak"));
    snprintf(p3, sizeof p3, "%s", sample("sqlserver/cakerestoretest_sql2008r2_full_stripe3of3__cake-contrib.bak"));
    const char *cake[3] = { p3, p1, p2 };
    b2a_err err;
    b2a__err_clear(&err);
    b2a_bak *b = NULL;
    int rc = b2a__bak_open(cake, 3, &b, &err);
    if (rc)
        fail_msg("%s", err.msg);
    assert_string_equal(b2a__bak_database_name(b), "CakeRestoreTest");
    assert_int_equal(b2a__bak_table_count(b), 0);
    b2a__bak_close(b);

    snprintf(p1, sizeof p1, "%s", sample("sqlserver/restoretimestripe_sql2008r2_stripe1of2__dataplat.bak"));
    snprintf(p2, sizeof p2, "%s", sample("sqlserver/restoretimestripe_sql2008r2_stripe2of2__dataplat.bak"));
    const char *rts[2] = { p2, p1 };
    rc = b2a__bak_open(rts, 2, &b, &err);
    if (rc)
        fail_msg("%s", err.msg);
    assert_string_equal(b2a__bak_database_name(b), "restoretimestripe"); /* the boot page; MQCI says RestoreTimeStripe */
    assert_int_equal(b2a__bak_table_count(b), 1);
    const b2a_table_def *d = b2a__bak_table(b, 0);
    assert_string_equal(d->schema, "dbo");
    assert_string_equal(d->name, "steps");
    assert_int_equal(d->ncolumns, 2);
    assert_string_equal(d->columns[0].name, "step");
    assert_string_equal(d->columns[0].source_type, "int");
    assert_string_equal(d->columns[1].name, "dt");
    assert_string_equal(d->columns[1].source_type, "datetime2(7)");
    assert_int_equal(d->row_count, 0);
    text_sink ts;
    bak_scan_all(b, 0, &ts, 100);
    assert_int_equal(ts.nrows, 0);
    text_sink_free(&ts);
    b2a__bak_close(b);
}

/* NOT NULL and the PRIMARY KEY of every table that the install script
 * creates, as its DDL states them; returns how many tables were checked. */
static size_t check_keys(const b2a_bak *b, const char *script)
{
    truth_ddl ddl;
    assert_int_equal(truth_load_ddl(sample(script), &ddl), 0);
    size_t checked = 0, pks = 0;
    for (size_t i = 0; i < b2a__bak_table_count(b); i++) {
        const b2a_table_def *d = b2a__bak_table(b, i);
        const truth_table *t = truth_ddl_table(&ddl, d->schema, d->name);
        if (!t)
            continue;
        assert_int_equal(d->ncolumns, t->ncols);
        for (size_t k = 0; k < d->ncolumns; k++) {
            assert_string_equal(d->columns[k].name, t->cols[k]);
            if (d->columns[k].nullable != !t->not_null[k])
                fail_msg("%s.%s: nullable %d, the script says %s", d->name, t->cols[k], d->columns[k].nullable,
                         t->not_null[k] ? "NOT NULL" : "NULL");
        }
        size_t npk;
        const size_t *pk = b2a__bak_table_primary_key(b, i, &npk);
        if (npk != t->npk)
            fail_msg("%s: %zu primary-key columns, the script says %zu", d->name, npk, t->npk);
        for (size_t k = 0; k < npk; k++)
            assert_string_equal(d->columns[pk[k]].name, t->pk[k]);
        checked++;
        pks += npk > 0;
    }
    assert_true(pks > 0);
    truth_ddl_free(&ddl);
    return checked;
}

static void test_keys_and_not_null(void **state)
{
    (void)state;
    b2a_bak *b = open_one("sqlserver/northwind_sql2008_mtf__thuyluv.bak");
    assert_int_equal(check_keys(b, "truth/instnwnd.sql"), 13);
    /* Two the issue names: Categories' key, Order Details' two-column key. */
    size_t n;
    const size_t *pk = b2a__bak_table_primary_key(b, bak_find_table(b, "dbo", "Categories"), &n);
    assert_int_equal(n, 1);
    assert_string_equal(b2a__bak_table(b, bak_find_table(b, "dbo", "Categories"))->columns[pk[0]].name, "CategoryID");
    pk = b2a__bak_table_primary_key(b, bak_find_table(b, "dbo", "Order Details"), &n);
    assert_int_equal(n, 2);
    assert_int_equal(pk[0], 0);
    assert_int_equal(pk[1], 1);
    b2a__bak_close(b);
    /* pubs: its keys are named UPKCL_*, and its extra tables are not in the script. */
    b = open_one("sqlserver/pubs_sql2012_mtf__UGR95.bak");
    assert_int_equal(check_keys(b, "truth/instpubs.sql"), 11);
    b2a__bak_close(b);
    b = open_one("sqlserver/tsqlv4_sql2016_compressed__JoeyCheung.bak");
    assert_int_equal(check_keys(b, "truth/TSQLV4.sql"), 11);
    b2a__bak_close(b);
}

static void test_chunks_and_inspect(void **state)
{
    (void)state;
    b2a_bak *b = open_one("sqlserver/northwind_sql2008_mtf__thuyluv.bak");
    text_sink ts;
    bak_scan_all(b, bak_find_table(b, "dbo", "Orders"), &ts, 7); /* asserts each chunk <= 7 */
    assert_int_equal(ts.nrows, 830);
    text_sink_free(&ts);
    yajl_gen g = yajl_gen_alloc(NULL);
    b2a_err err;
    assert_int_equal(b2a__bak_inspect(b, g, &err), 0);
    const unsigned char *buf;
    size_t len;
    assert_int_equal(yajl_gen_get_buf(g, &buf, &len), yajl_gen_status_ok);
    assert_non_null(strstr((const char *)buf, "\"database\":\"Northwind\""));
    assert_non_null(strstr((const char *)buf, "\"name\":\"Order Details\",\"rows\":2155"));
    yajl_gen_free(g);
    /* Out-of-range table. */
    b2a_bak_scan *s = NULL;
    assert_int_equal(b2a__bak_scan_open(b, 99, &s, &err), B2A_EINVAL);
    assert_null(b2a__bak_table(b, 99));
    b2a__bak_close(b);
}

/* --- concurrent scans ---------------------------------------------------- */

typedef struct scan_job {
    b2a_bak *b;
    size_t table;
    size_t rows;
    char *first, *last;
    int rc;
} scan_job;

static void *scan_thread(void *arg)
{
    scan_job *j = arg;
    b2a_err err;
    b2a_bak_scan *s = NULL;
    j->rc = b2a__bak_scan_open(j->b, j->table, &s, &err);
    if (j->rc)
        return NULL;
    text_sink ts;
    text_sink_init(&ts, b2a__bak_table(j->b, j->table));
    int eof = 0;
    while (!eof && j->rc == 0) {
        size_t got;
        j->rc = b2a__bak_scan_next(s, &ts.base, 50, &got, &eof, &err);
    }
    j->rows = ts.nrows;
    j->first = ts.nrows ? strdup(ts.rows[0]) : NULL;
    j->last = ts.nrows ? strdup(ts.rows[ts.nrows - 1]) : NULL;
    text_sink_free(&ts);
    b2a__bak_scan_close(s);
    return NULL;
}

static void test_concurrent_scans(void **state)
{
    (void)state;
    /* The compressed sample shares R1's extent cache between threads. */
    b2a_bak *b = open_one("sqlserver/northwind_sql2016_compressed__Guilderm.bak");
    size_t n = b2a__bak_table_count(b);
    scan_job solo[32], par[4 * 32];
    pthread_t th[4 * 32];
    assert_true(n <= 32);
    for (size_t i = 0; i < n; i++) {
        solo[i] = (scan_job){ b, i, 0, NULL, NULL, 0 };
        scan_thread(&solo[i]);
        assert_int_equal(solo[i].rc, 0);
    }
    for (size_t i = 0; i < 4 * n; i++) {
        par[i] = (scan_job){ b, i % n, 0, NULL, NULL, 0 };
        assert_int_equal(pthread_create(&th[i], NULL, scan_thread, &par[i]), 0);
    }
    for (size_t i = 0; i < 4 * n; i++) {
        pthread_join(th[i], NULL);
        const scan_job *a = &solo[i % n], *c = &par[i];
        assert_int_equal(c->rc, 0);
        assert_int_equal(c->rows, a->rows);
        if (a->rows) {
            assert_string_equal(c->first, a->first);
            assert_string_equal(c->last, a->last);
        }
        free(par[i].first);
        free(par[i].last);
    }
    for (size_t i = 0; i < n; i++) {
        free(solo[i].first);
        free(solo[i].last);
    }
    b2a__bak_close(b);
}

/* --- robustness -------------------------------------------------------- */

/* Open and scan everything; any outcome but a crash or hang is fine, but
 * errors must carry a message. Returns rows decoded. */
static size_t try_all(const char *path)
{
    b2a_err err;
    b2a__err_clear(&err);
    b2a_bak *b = NULL;
    int rc = b2a__bak_open(&path, 1, &b, &err);
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    if (rc < 0) {
        /* Every error names the file. */
        if (!strstr(err.msg, base))
            fprintf(stderr, "open error without the file name: %s\n", err.msg);
        assert_non_null(strstr(err.msg, base));
        return 0;
    }
    size_t rows = 0;
    for (size_t i = 0; i < b2a__bak_table_count(b); i++) {
        b2a_bak_scan *s = NULL;
        if (b2a__bak_scan_open(b, i, &s, &err) < 0) {
            assert_true(err.msg[0] != 0);
            continue;
        }
        text_sink ts;
        text_sink_init(&ts, b2a__bak_table(b, i));
        int eof = 0;
        while (!eof) {
            size_t got = 0;
            if (b2a__bak_scan_next(s, &ts.base, 1000, &got, &eof, &err) < 0) {
                assert_non_null(strstr(err.msg, base));
                /* Rows are atomic: a bad row never reaches the sink in part. */
                assert_int_equal(ts.col, 0);
                break;
            }
            rows += got;
        }
        assert_int_equal(ts.errors, 0);
        text_sink_free(&ts);
        b2a__bak_scan_close(s);
    }
    b2a__bak_close(b);
    return rows;
}

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
    char *tmpl = strdup("/tmp/b2a_bak_fuzz_XXXXXX");
    int fd = mkstemp(tmpl);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, buf, *len), (ssize_t)*len);
    close(fd);
    free(buf);
    return tmpl;
}

/* Every 512-byte boundary, shrinking one copy from the end. */
static void truncation_sweep(const char *rel)
{
    size_t len;
    char *tmp = copy_to_tmp(sample(rel), &len);
    size_t full = try_all(tmp);
    assert_true(full > 0);
    for (size_t cut = (len - 1) / 512 * 512; cut > 0; cut -= 512) {
        assert_int_equal(truncate(tmp, (off_t)cut), 0);
        size_t rows = try_all(tmp);
        assert_true(rows <= full);
    }
    unlink(tmp);
    free(tmp);
}

static void test_truncation_northwind_2016(void **state)
{
    (void)state;
    truncation_sweep("sqlserver/northwind_sql2016_compressed__Guilderm.bak");
}

static void test_truncation_all_and_flips(void **state)
{
    (void)state;
    if (getenv("B2A_SKIP_FUZZ")) {
        skip();
        return;
    }
    static const char *const files[] = {
        "sqlserver/northwind_sql2008_mtf__thuyluv.bak", "sqlserver/pubs_sql2012_mtf__UGR95.bak",
        "sqlserver/northwinddb_arabic_sql2014_mtf__mina-top3.bak",
        "sqlserver/tsqlv4_sql2016_compressed__JoeyCheung.bak",
    };
    int full = getenv("B2A_FULL_FUZZ") != NULL;
    for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
        if (full)
            truncation_sweep(files[k]);
        /* Random byte flips, 200 rounds of 16 flips each, fixed seed. */
        size_t len;
        char *tmp = copy_to_tmp(sample(files[k]), &len);
        int fd = open(tmp, O_RDWR);
        assert_true(fd >= 0);
        srand(12345 + (unsigned)k);
        int rounds = full ? 2000 : 60;
        for (int r = 0; r < rounds; r++) {
            off_t pos[16];
            unsigned char old[16];
            for (int j = 0; j < 16; j++) {
                pos[j] = (off_t)(((size_t)rand() * 32768u + (size_t)rand()) % len);
                assert_int_equal(pread(fd, &old[j], 1, pos[j]), 1);
                unsigned char nb = (unsigned char)(old[j] ^ (1u << (rand() % 8)));
                assert_int_equal(pwrite(fd, &nb, 1, pos[j]), 1);
            }
            try_all(tmp);
            for (int j = 15; j >= 0; j--)
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
    if (!samples || stat(samples, &st) != 0 || stat(sample("sqlserver"), &st) != 0) {
        printf("SKIP: sample backups not found (B2A_SAMPLES=%s); these tests need ../shared/samples\n",
               samples ? samples : "(unset)");
        return 77;
    }
    if (truth_load(sample("truth/instnwnd.sql"), &nw_truth) != 0) {
        printf("cannot read %s\n", sample("truth/instnwnd.sql"));
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_northwind_2008_all_tables),
        cmocka_unit_test(test_northwind_2016_compressed),
        cmocka_unit_test(test_northwind_2005),
        cmocka_unit_test(test_tsqlv4_compressed),
        cmocka_unit_test(test_parts_union_is_the_table),
        cmocka_unit_test(test_pubs_2012),
        cmocka_unit_test(test_arabic_2014),
        cmocka_unit_test(test_stripe_refused),
        cmocka_unit_test(test_striped_sets_read),
        cmocka_unit_test(test_keys_and_not_null),
        cmocka_unit_test(test_chunks_and_inspect),
        cmocka_unit_test(test_concurrent_scans),
        cmocka_unit_test(test_truncation_northwind_2016),
        cmocka_unit_test(test_truncation_all_and_flips),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    truth_free(&nw_truth);
    return rc;
}
