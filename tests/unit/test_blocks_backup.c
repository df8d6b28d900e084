/* The Source and Export blocks over backup files (a file: DSN), on the
 * loop as a C caller uses them, with the real samples: a table planned in
 * parts (a .bak by extent, an Oracle Data Pump dump by row segment) and
 * each range exported on a context of its own, as another process would,
 * adds up to the table's recorded count with disjoint files; refused DSNs,
 * plans of other files and missing files say what is wrong. Skips without
 * the samples. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "bak2avro.h"

static char tsqlv4[1024], rjschof[1024], outdir[64];

static void done_open(b2a_source *s, int rc, void *ud) { (void)s; *(int *)ud = rc + 1000; }
static void done_plan(b2a_split_plan *p, int rc, void *ud) { (void)p; *(int *)ud = rc + 1000; }
static void done_export(b2a_export *x, int rc, void *ud) { (void)x; *(int *)ud = rc + 1000; }

/* An opened source over dsn, or NULL with *rc its error. */
static b2a_source *open_source(b2a_ctx *ctx, const char *dsn, int *rc)
{
    b2a_source_options o;
    b2a_source_options_init(&o, B2A_SOURCE_OPTIONS_VERSION);
    o.dsn = dsn;
    int called = 0;
    o.done_cb = done_open;
    o.userdata = &called;
    b2a_source *s = NULL;
    *rc = b2a_source_new(ctx, &o, &s);
    if (*rc == B2A_OK && (*rc = b2a_source_open(s)) == B2A_OK) {
        b2a_ctx_run(ctx);
        assert_int_equal(called, 1000 + b2a_source_errcode(s));
        *rc = b2a_source_errcode(s);
    }
    return s;
}

/* Export range r of plan on a context of its own; its rows, or -1 with msg set. */
static int64_t export_range(const char *dsn, const char *plan, uint32_t r, char *msg, size_t msglen)
{
    b2a_ctx *ctx;
    assert_int_equal(b2a_ctx_new(NULL, &ctx), B2A_OK);
    b2a_export_options xo;
    b2a_export_options_init(&xo, B2A_EXPORT_OPTIONS_VERSION);
    xo.output_dir = outdir;
    int called = 0;
    xo.done_cb = done_export;
    xo.userdata = &called;
    b2a_export *x = NULL;
    int rc = b2a_export_range_new(ctx, dsn, plan, r, &xo, &x);
    if (rc == B2A_OK && (rc = b2a_export_start(x)) == B2A_OK) {
        b2a_ctx_run(ctx);
        assert_int_equal(called, 1000 + b2a_export_errcode(x));
        rc = b2a_export_errcode(x);
    }
    snprintf(msg, msglen, "%s", b2a_export_errmsg(x));
    int64_t rows = rc == B2A_OK ? b2a_export_rows_written(x) : -1;
    b2a_export_free(x);
    b2a_ctx_free(ctx);
    return rows;
}

/* Plan schema.table of dsn in n ranges, export each apart; the plan's JSON
 * must name method, and the ranges add up to want. */
static void split_adds_up(const char *dsn, const char *table, uint32_t n, const char *method, int64_t want)
{
    b2a_ctx *ctx;
    assert_int_equal(b2a_ctx_new(NULL, &ctx), B2A_OK);
    int rc;
    b2a_source *s = open_source(ctx, dsn, &rc);
    assert_int_equal(rc, B2A_OK);
    int called = 0;
    b2a_split_plan *p = NULL;
    assert_int_equal(b2a_split_plan_new(s, table, n, done_plan, &called, &p), B2A_OK);
    b2a_ctx_run(ctx);
    assert_int_equal(called, 1000);
    assert_int_equal(b2a_split_plan_ranges(p), n);
    char *json = b2a_split_plan_json(p);
    char m[64];
    snprintf(m, sizeof m, "\"method\":\"%s\"", method);
    assert_non_null(strstr(json, m));
    int64_t total = 0;
    char msg[1024];
    for (uint32_t r = 0; r < n; r++) {
        int64_t rows = export_range(dsn, json, r, msg, sizeof msg);
        assert_true(rows > 0);   /* the split does split */
        total += rows;
    }
    assert_int_equal(total, want);
    /* a range of this plan from a database DSN is refused before anything runs */
    assert_int_equal(export_range("postgresql://u@127.0.0.1:1/d", json, 0, msg, sizeof msg), -1);
    assert_non_null(strstr(msg, "splits a backup's table: give the file: DSN of its backup files"));
    b2a_free(json);
    b2a_split_plan_free(p);
    b2a_source_free(s);
    b2a_ctx_free(ctx);
}

static void test_bak_split_by_extent(void **state)
{
    (void)state;
    char dsn[1100];
    snprintf(dsn, sizeof dsn, "file:%s", tsqlv4);
    split_adds_up(dsn, "dbo.Nums", 3, "extents", 100000);
    /* part files of ranges 0..2 of 3 never collide */
    char f[256];
    for (int r = 0; r < 3; r++) {
        struct stat st;
        snprintf(f, sizeof f, "%s/dbo/Nums/part-%05d.avro", outdir, r);
        assert_int_equal(stat(f, &st), 0);
    }
}

static void test_datapump_split_by_segment(void **state)
{
    (void)state;
    char dsn[1100];
    snprintf(dsn, sizeof dsn, "file:%s", rjschof);
    split_adds_up(dsn, "FINANCE.TRANSACTIONS", 4, "segments", 100);  /* 5 partitions */
}

static void test_whole_table_and_its_document(void **state)
{
    (void)state;
    b2a_ctx *ctx;
    assert_int_equal(b2a_ctx_new(NULL, &ctx), B2A_OK);
    char dsn[1100];
    snprintf(dsn, sizeof dsn, "file:%s", tsqlv4);
    int rc;
    b2a_source *s = open_source(ctx, dsn, &rc);
    assert_int_equal(rc, B2A_OK);
    char *doc = b2a_source_json(s);
    assert_non_null(strstr(doc, "\"vendor\": \"sqlserver\""));
    assert_non_null(strstr(doc, "\"via\": \"reader\""));
    assert_non_null(strstr(doc, "\"database\": \"TSQLV4\""));
    b2a_free(doc);
    b2a_export_options xo;
    b2a_export_options_init(&xo, B2A_EXPORT_OPTIONS_VERSION);
    xo.output_dir = outdir;
    b2a_export *x = NULL;
    assert_int_equal(b2a_export_new(s, "Sales.Shippers", &xo, &x), B2A_OK);
    b2a_source_free(s);   /* the export opens the files itself */
    assert_int_equal(b2a_export_start(x), B2A_OK);
    b2a_ctx_run(ctx);
    assert_int_equal(b2a_export_errcode(x), B2A_OK);
    assert_int_equal(b2a_export_rows_written(x), 3);  /* checked against the backup's count */
    b2a_export_free(x);
    b2a_ctx_free(ctx);
}

static void test_refusals(void **state)
{
    (void)state;
    b2a_ctx *ctx;
    assert_int_equal(b2a_ctx_new(NULL, &ctx), B2A_OK);
    static const struct { const char *dsn, *msg; } bad[] = {
        {"file:", "file:PATH[,PATH...]"},
        {"file:/a.bak,,/b.bak", "an empty path"},
        {"file:/a%zz.bak", "a bad %-escape"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc;
        b2a_source *s = open_source(ctx, bad[i].dsn, &rc);
        assert_int_equal(rc, B2A_EINVAL);
        assert_non_null(strstr(b2a_source_errmsg(s), bad[i].msg));
        b2a_source_free(s);
    }
    int rc;
    b2a_source *s = open_source(ctx, "file:/nonexistent-b2a/x%2C1.bak", &rc);
    assert_int_not_equal(rc, B2A_OK);
    assert_non_null(strstr(b2a_source_errmsg(s), "/nonexistent-b2a/x,1.bak"));
    b2a_source_free(s);
    b2a_ctx_free(ctx);
}

int main(void)
{
    const char *samples = getenv("B2A_SAMPLES");
    struct stat st;
    snprintf(tsqlv4, sizeof tsqlv4, "%s/sqlserver/tsqlv4_sql2016_compressed__JoeyCheung.bak", samples ? samples : "");
    snprintf(rjschof, sizeof rjschof, "%s/oracle/rjschof_modern.dmp", samples ? samples : "");
    if (!samples || stat(tsqlv4, &st) != 0 || stat(rjschof, &st) != 0) {
        printf("SKIP: samples absent (set B2A_SAMPLES to ../shared/samples)\n");
        return 77;
    }
    snprintf(outdir, sizeof outdir, "/tmp/b2a-blocks-backup-XXXXXX");
    if (!mkdtemp(outdir))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bak_split_by_extent),
        cmocka_unit_test(test_datapump_split_by_segment),
        cmocka_unit_test(test_whole_table_and_its_document),
        cmocka_unit_test(test_refusals),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", outdir);
    if (system(cmd) != 0)
        failed++;
    return failed;
}
