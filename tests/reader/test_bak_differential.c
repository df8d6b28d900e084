/* Differential backups read together with their full backup: the newest
 * image of each extent wins, as RESTORE of the full WITH NORECOVERY then
 * the differential would leave the database. On the real samples: rows
 * only the differential holds, tables a differential did not change read
 * the same, page by page agreement with the newest backup holding each
 * extent, files in any order, and every refusal naming the files. */
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

#include "reader/mssql/backupset.h"
#include "reader/mssql/bak.h"
#include "reader/mssql/logwindow.h"
#include "bak_test.h"
#include "text_sink.h"
#include "util/str.h"

#define CLEAN_FULL "restoretimeclean_sql2008r2_full__dataplat.bak"
#define CLEAN_DIFF "restoretimeclean_sql2008r2_diff__dataplat.bak"
#define DBR_FULL "dbareports_sql2008r2_full__dataplat.bak"
#define DBR_DIFF1 "dbareports_sql2008r2_diff1__dataplat.bak"
#define DBR_DIFF2 "dbareports_sql2008r2_diff2__dataplat.bak"
#define NW2008 "northwind_sql2008_mtf__thuyluv.bak"

static b2a_bak *open_set(const char *const *paths, size_t n)
{
    b2a_bak *b = NULL;
    b2a_err err;
    b2a__err_clear(&err);
    int rc = b2a__bak_open(paths, n, &b, &err);
    if (rc)
        fail_msg("open %s (+%zu): %d %s", paths[0], n - 1, rc, err.msg);
    return b;
}

static int refused(const char *const *paths, size_t n, b2a_err *err)
{
    b2a_bak *b = NULL;
    b2a__err_clear(err);
    int rc = b2a__bak_open(paths, n, &b, err);
    assert_null(b);
    assert_true(rc < 0);
    return rc;
}

/* dbo.steps gets its 30 rows (steps 0..29, 30 s apart) only in the
 * differential: the full alone has none, full + differential in either
 * order has them all, as the differential's catalog counts. */
static void test_rows_only_the_differential_holds(void **state)
{
    (void)state;
    const char *full[1] = { bak_sample(CLEAN_FULL) };
    b2a_bak *b = open_set(full, 1);
    size_t steps = bak_find_table(b, "dbo", "steps");
    assert_int_equal(b2a__bak_table(b, steps)->row_count, 0);
    text_sink ts;
    bak_scan_all(b, steps, &ts, 100);
    assert_int_equal(ts.nrows, 0);
    text_sink_free(&ts);
    b2a__bak_close(b);

    const char *orders[2][2] = { { bak_sample(CLEAN_FULL), bak_sample(CLEAN_DIFF) },
                                 { bak_sample(CLEAN_DIFF), bak_sample(CLEAN_FULL) } };
    for (int o = 0; o < 2; o++) {
        b = open_set(orders[o], 2);
        assert_string_equal(b2a__bak_database_name(b), "RestoreTimeClean");
        assert_int_equal(b2a__bak_table_count(b), 2);
        steps = bak_find_table(b, "dbo", "steps");
        assert_int_equal(b2a__bak_table(b, steps)->row_count, 30);
        bak_scan_all(b, steps, &ts, 100);
        assert_int_equal(ts.nrows, 30);
        /* Each step once, 0..29; dt from 2017-06-01 12:59:12.97 on, 30 s apart. */
        int seen[30] = { 0 };
        for (size_t r = 0; r < ts.nrows; r++) {
            int step = atoi(ts.rows[r]);
            assert_true(step >= 0 && step < 30);
            seen[step]++;
            if (step == 0)
                assert_string_equal(ts.rows[r], "0" TS_SEP_STR "2017-06-01 12:59:12.970000");
            if (step == 29)
                assert_string_equal(ts.rows[r], "29" TS_SEP_STR "2017-06-01 13:13:43.100000");
        }
        for (int k = 0; k < 30; k++)
            assert_int_equal(seen[k], 1);
        text_sink_free(&ts);
        /* table1 was not touched: empty before and after. */
        size_t t1 = bak_find_table(b, "dbo", "table1");
        bak_scan_all(b, t1, &ts, 100);
        assert_int_equal(ts.nrows, 0);
        text_sink_free(&ts);
        b2a__bak_close(b);
    }
}

/* All tables as rows of text, in scan order. */
typedef struct snapshot {
    size_t ntables;
    char *names[32];
    text_sink rows[32];
} snapshot;

static void take(b2a_bak *b, snapshot *s)
{
    s->ntables = b2a__bak_table_count(b);
    assert_true(s->ntables <= 32);
    for (size_t i = 0; i < s->ntables; i++) {
        const b2a_table_def *d = b2a__bak_table(b, i);
        s->names[i] = b2a__asprintf("%s.%s", d->schema, d->name);
        bak_scan_all(b, i, &s->rows[i], 100);
    }
}

static void same(const snapshot *a, const snapshot *b)
{
    assert_int_equal(a->ntables, b->ntables);
    for (size_t i = 0; i < a->ntables; i++) {
        assert_string_equal(a->names[i], b->names[i]);
        assert_int_equal(a->rows[i].nrows, b->rows[i].nrows);
        for (size_t r = 0; r < a->rows[i].nrows; r++)
            assert_string_equal(a->rows[i].rows[r], b->rows[i].rows[r]);
    }
}

static void drop(snapshot *s)
{
    for (size_t i = 0; i < s->ntables; i++) {
        free(s->names[i]);
        text_sink_free(&s->rows[i]);
    }
}

/* Page by page, a stack reads each extent from the newest backup holding
 * it: layers[0] is the full, the last the newest differential. Returns how
 * many pages came from a differential. */
static unsigned newest_wins(b2a_bak_pages *stack, b2a_bak_pages *const *layers, size_t n)
{
    unsigned from_diff = 0, pages = 0;
    uint8_t got[B2A_BAK_PAGE_SIZE], want[B2A_BAK_PAGE_SIZE];
    uint32_t lim = b2a__bak_pages_limit(stack, 1);
    for (size_t k = 0; k < n; k++)
        assert_true(b2a__bak_pages_limit(layers[k], 1) <= lim);
    for (uint32_t pg = 0; pg < lim; pg++) {
        size_t k = n;
        while (k > 0 && !b2a__bak_pages_has(layers[k - 1], 1, pg))
            k--;
        b2a_err e1, e2;
        int rs = b2a__bak_pages_get(stack, 1, pg, got, &e1);
        if (k == 0) {
            assert_int_equal(rs, B2A_ENOTFOUND);
            continue;
        }
        int rw = b2a__bak_pages_get(layers[k - 1], 1, pg, want, &e2);
        assert_int_equal(rs, rw);
        if (rs == B2A_OK) {
            assert_memory_equal(got, want, sizeof got);
            pages++;
            from_diff += k > 1;
        }
    }
    assert_true(pages > 0);
    return from_diff;
}

static b2a_bak_pages *pages1(const char *path)
{
    b2a_bak_pages *p = NULL;
    b2a_err err;
    if (b2a__bak_pages_open(&path, 1, &p, &err))
        fail_msg("%s", err.msg);
    return p;
}

/* Two differentials of dbareports changed no user row: every table reads
 * the same through them as from the full alone, whatever the order of the
 * files; the pages come from the newest backup holding their extent. */
static void test_two_differentials(void **state)
{
    (void)state;
    const char *full[1] = { bak_sample(DBR_FULL) };
    b2a_bak *b = open_set(full, 1);
    assert_int_equal(b2a__bak_table_count(b), 14);
    snapshot base;
    take(b, &base);
    b2a__bak_close(b);
    assert_string_equal(base.names[2], "dbo.InstanceList");
    assert_int_equal(base.rows[2].nrows, 2);

    static const unsigned perm[6][3] = { { 0, 1, 2 }, { 0, 2, 1 }, { 1, 0, 2 },
                                         { 1, 2, 0 }, { 2, 0, 1 }, { 2, 1, 0 } };
    const char *files[3] = { bak_sample(DBR_FULL), bak_sample(DBR_DIFF1), bak_sample(DBR_DIFF2) };
    for (int q = 0; q < 6; q++) {
        const char *given[3] = { files[perm[q][0]], files[perm[q][1]], files[perm[q][2]] };
        b = open_set(given, 3);
        snapshot s;
        take(b, &s);
        same(&base, &s);
        drop(&s);
        b2a__bak_close(b);
    }
    /* Full + the first differential only is a database too (the state then). */
    const char *two[2] = { files[1], files[0] };
    b = open_set(two, 2);
    snapshot s;
    take(b, &s);
    same(&base, &s);
    drop(&s);
    b2a__bak_close(b);
    drop(&base);

    /* Page level: the stack of full, diff1, diff2 against each alone. */
    b2a_bak_pages *stack = NULL, *layers[3];
    b2a_err err;
    const char *shuffled[3] = { files[2], files[0], files[1] };
    assert_int_equal(b2a__backupset_open(shuffled, 3, &stack, &err), B2A_OK);
    for (int k = 0; k < 3; k++)
        layers[k] = pages1(files[k]);
    /* The stack's header is the newest differential's. */
    assert_memory_equal(b2a__bak_pages_header(stack)->backup_set_guid,
                        b2a__bak_pages_header(layers[2])->backup_set_guid, 16);
    assert_int_equal(b2a__bak_pages_header(stack)->backup_type, B2A_BAK_TYPE_DIFFERENTIAL);
    unsigned from_diff = newest_wins(stack, layers, 3);
    assert_true(from_diff >= 8);   /* the boot page's extent at least */
    for (int k = 0; k < 3; k++)
        b2a__bak_pages_close(layers[k]);
    b2a__bak_pages_close(stack);
}

/* The striped differential of the cake-contrib set over its striped full:
 * six files in a shuffled order stack page by page. Transactions ran while
 * that differential was taken (its log holds 88 of their records), which a
 * restore replays and this reader does not: the set is refused, saying so.
 * The full alone has no user table. */
static void test_striped_differential(void **state)
{
    (void)state;
    char f[3][1024], d[3][1024];
    for (int i = 0; i < 3; i++) {
        char name[128];
        snprintf(name, sizeof name, "cakerestoretest_sql2008r2_full_stripe%dof3__cake-contrib.bak", i + 1);
        snprintf(f[i], sizeof f[i], "%s", bak_sample(name));
        snprintf(name, sizeof name, "cakerestoretest_sql2008r2_diff_stripe%dof3__cake-contrib.bak", i + 1);
        snprintf(d[i], sizeof d[i], "%s", bak_sample(name));
    }
    const char *given[6] = { d[1], f[2], d[0], f[0], d[2], f[1] };
    b2a_err re;
    assert_int_equal(refused(given, 6, &re), B2A_EUNSUPPORTED);
    char want[1400];
    snprintf(want, sizeof want,
             "%s: transactions ran while this backup was taken (88 of the log records it carries belong to "
             "them, the first at LSN 36000000017800001); RESTORE replays that log and this reader does not, so "
             "its rows could differ from a restore's: restore it in a container instead (--restore)", d[0]);
    assert_string_equal(re.msg, want);
    const char *full_only[3] = { f[1], f[0], f[2] };
    b2a_bak *b = open_set(full_only, 3);
    assert_int_equal(b2a__bak_table_count(b), 0);
    b2a__bak_close(b);

    b2a_bak_pages *stack = NULL, *layers[2];
    b2a_err err;
    assert_int_equal(b2a__backupset_open(given, 6, &stack, &err), B2A_OK);
    const char *fs[3] = { f[0], f[1], f[2] }, *ds[3] = { d[2], d[0], d[1] };
    assert_int_equal(b2a__bak_pages_open(fs, 3, &layers[0], &err), B2A_OK);
    assert_int_equal(b2a__bak_pages_open(ds, 3, &layers[1], &err), B2A_OK);
    assert_true(newest_wins(stack, layers, 2) >= 8);
    b2a__bak_pages_close(layers[0]);
    b2a__bak_pages_close(layers[1]);
    b2a__bak_pages_close(stack);

    /* Half of the differential's stripes: refused, naming the missing one. */
    const char *half[5] = { d[1], f[2], d[0], f[0], f[1] };
    b2a_err e;
    assert_int_equal(refused(half, 5, &e), B2A_EFORMAT);
    assert_non_null(strstr(e.msg, "stripe 3 is missing: give all 3 files together"));
}

/* A copy of a sample with one change: offset `at` of the first block
 * named `blk` (an MTF block or stream) gets `n` bytes of `with`. */
static const char *altered(const char *name, const char *blk, size_t at, const void *with, size_t n,
                           const char *as)
{
    size_t len;
    uint8_t *b = (uint8_t *)b2a__read_file(bak_sample(name), SIZE_MAX, &len);
    assert_non_null(b);
    uint8_t *p = memmem(b, len, blk, 4);
    assert_non_null(p);
    memcpy(p + at, with, n);
    static char path[4][600];
    static int k;
    char *out = path[k++ & 3];
    snprintf(out, sizeof path[0], "%s/%s", bak_tmpdir, as);
    bak_put(out, b, len);
    free(b);
    return out;
}

static void test_refusals(void **state)
{
    (void)state;
    b2a_err e;
    char want[2400];

    /* A differential alone names the full backup it needs. */
    const char *alone[1] = { bak_sample(CLEAN_DIFF) };
    assert_int_equal(refused(alone, 1, &e), B2A_EFORMAT);
    snprintf(want, sizeof want,
             "%s is a differential backup of database RestoreTimeClean taken 2017-06-01 13:14:13: it holds only "
             "the extents changed since its full backup (database RestoreTimeClean, taken before 2017-06-01 "
             "13:14:13; LSN 25000000006200170, backup set {5af3e50d-a4e0-4e9b-8aef-fe52898c6359}: "
             "msdb.dbo.backupset.backup_set_uuid on its server gives its date); "
             "give that full backup together with it", alone[0]);
    assert_string_equal(e.msg, want);
    /* So do two differentials without theirs. */
    const char *diffs[2] = { bak_sample(DBR_DIFF2), bak_sample(DBR_DIFF1) };
    assert_int_equal(refused(diffs, 2, &e), B2A_EFORMAT);
    assert_non_null(strstr(e.msg, "is a differential backup of database dbareports"));
    assert_non_null(strstr(e.msg, "give that full backup together with it"));

    /* A differential of another database's full: both files named. */
    const char *other[2] = { bak_sample(DBR_FULL), bak_sample(CLEAN_DIFF) };
    assert_int_equal(refused(other, 2, &e), B2A_EINVAL);
    snprintf(want, sizeof want,
             "%s is a differential of another full backup than %s: its base is LSN 25000000006200170, "
             "backup set {5af3e50d-a4e0-4e9b-8aef-fe52898c6359}, %s is LSN 28000000003400094, backup set "
             "{2a7c80eb-b664-4423-8ee0-e85818", other[1], other[0], other[0]);
    assert_non_null(strstr(e.msg, want));

    /* Same backup set GUID as its full, but another base LSN (a full taken
     * later, say): refused on the LSN alone. */
    uint8_t lsn[10] = { 0x19, 0, 0, 0, 0x3e, 0, 0, 0, 0xab, 0 };   /* 25:62:171 */
    const char *moved = altered(CLEAN_DIFF, "MQCI", 22 + 62, lsn, sizeof lsn, "diff-moved-base.bak");
    const char *lsnpair[2] = { bak_sample(CLEAN_FULL), moved };
    assert_int_equal(refused(lsnpair, 2, &e), B2A_EINVAL);
    assert_non_null(strstr(e.msg, "diff-moved-base.bak is a differential of another full backup than"));
    assert_non_null(strstr(e.msg, "its base is LSN 25000000006200171"));

    /* Two full backups. */
    const char *fulls[2] = { bak_sample(CLEAN_FULL), bak_sample(DBR_FULL) };
    assert_int_equal(refused(fulls, 2, &e), B2A_EINVAL);
    snprintf(want, sizeof want, "%s and %s are both full backups: give one full backup, with its differentials",
             fulls[0], fulls[1]);
    assert_string_equal(e.msg, want);

    /* The same differential twice is one media set given twice. */
    const char *twice[3] = { bak_sample(DBR_FULL), bak_sample(DBR_DIFF1), bak_sample(DBR_DIFF1) };
    assert_int_equal(refused(twice, 3, &e), B2A_EINVAL);
    assert_non_null(strstr(e.msg, "was given twice"));

    /* A log backup among them (MTF's incremental bit on a copy of a full). */
    uint8_t attr[1];
    size_t len;
    uint8_t *nw = (uint8_t *)b2a__read_file(bak_sample(NW2008), SIZE_MAX, &len);
    assert_non_null(nw);
    attr[0] = (uint8_t)((((uint8_t *)memmem(nw, 65536, "SSET", 4))[52] & ~0x04) | 0x10);
    free(nw);
    const char *log = altered(NW2008, "SSET", 52, attr, 1, "log.bak");
    const char *withlog[2] = { bak_sample(CLEAN_FULL), log };
    assert_int_equal(refused(withlog, 2, &e), B2A_EUNSUPPORTED);
    assert_non_null(strstr(e.msg, "log.bak is a transaction log backup: it holds log records, not tables"));
}

/* The log window of every backup: what it carries between FirstLSN and
 * LastLSN. Only the cake-contrib differential holds transactions' records;
 * the others hold the backup's own one or two records, of no transaction. */
static void test_log_windows(void **state)
{
    (void)state;
    static const struct { const char *file; uint64_t records, in_xact; } W[] = {
        { "cakerestoretest_sql2008r2_diff_stripe1of3__cake-contrib.bak", 90, 88 },
        { "cakerestoretest_sql2008r2_diff_stripe2of3__cake-contrib.bak", 0, 0 },
        { "cakerestoretest_sql2008r2_full_stripe1of3__cake-contrib.bak", 1, 0 },
        { DBR_FULL, 1, 0 }, { DBR_DIFF1, 1, 0 }, { DBR_DIFF2, 1, 0 },
        { CLEAN_FULL, 1, 0 }, { CLEAN_DIFF, 1, 0 }, { NW2008, 1, 0 },
        { "northwind_sql2005_mtf__gabrujo.bak", 1, 0 },
        { "pubs_sql2012_mtf__UGR95.bak", 2, 0 },
        { "northwind_sql2016_compressed__Guilderm.bak", 2, 0 },
        { "tsqlv4_sql2016_compressed__JoeyCheung.bak", 2, 0 },
    };
    for (size_t i = 0; i < sizeof W / sizeof W[0]; i++) {
        const char *path = bak_sample(W[i].file);
        b2a_bak_pages *p = NULL;
        b2a_err err;
        assert_int_equal(b2a__bak_pages_open_incomplete(&path, 1, &p, &err), B2A_OK);
        b2a_log_window w;
        assert_int_equal(b2a__log_window(p, &w, &err), B2A_OK);
        if (w.records != W[i].records || w.in_transaction != W[i].in_xact)
            fail_msg("%s: %llu records, %llu of transactions", W[i].file, (unsigned long long)w.records,
                     (unsigned long long)w.in_transaction);
        assert_int_equal(w.active_at_start, 0);
        assert_int_equal(w.unreadable, 0);
        b2a__bak_pages_close(p);
    }

    /* Made from the 2008 Northwind: a log that starts before its checkpoint
     * (transactions open at the start), and a log block that cannot be parsed. */
    uint8_t first[10] = { 0x25, 0, 0, 0, 0x29, 0x01, 0, 0, 0x48, 0 };   /* 37:297:72 */
    const char *open_at_start = altered(NW2008, "MQCI", 22 + 32, first, sizeof first, "nw-open-xact.bak");
    b2a_err e;
    const char *one[1] = { open_at_start };
    assert_int_equal(refused(one, 1, &e), B2A_EUNSUPPORTED);
    assert_non_null(strstr(e.msg, "nw-open-xact.bak: transactions were open when this backup began (its log "
                                  "starts at LSN 37000000029700072, before its checkpoint at LSN 37000000029700073)"));
    uint8_t bad_size[2] = { 0x34, 0x12 };
    const char *garbled = altered(NW2008, "MQTL", 22 + 2 + 6, bad_size, sizeof bad_size, "nw-bad-log.bak");
    one[0] = garbled;
    assert_int_equal(refused(one, 1, &e), B2A_EUNSUPPORTED);
    assert_non_null(strstr(e.msg, "nw-bad-log.bak: the log this backup carries could not be read"));
    /* The second block (after the first, of 0x3E00 bytes) given a well-formed
     * size of 60 KiB that runs past the end of the 64 KiB log: that block is
     * cut short, the one record of the window in it unseen, so the window is
     * unknown. */
    uint8_t long_size[2] = { 0x00, 0xF0 };
    const char *cut = altered(NW2008, "MQTL", 22 + 2 + 0x3E00 + 6, long_size, sizeof long_size, "nw-cut-log.bak");
    one[0] = cut;
    assert_int_equal(refused(one, 1, &e), B2A_EUNSUPPORTED);
    assert_non_null(strstr(e.msg, "nw-cut-log.bak: the log this backup carries could not be read"));
}

int main(void)
{
    int ready = bak_test_setup("test_bak_differential", CLEAN_DIFF, "diff");
    if (ready != 0)
        return ready;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows_only_the_differential_holds),
        cmocka_unit_test(test_two_differentials),
        cmocka_unit_test(test_striped_differential),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_log_windows),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    bak_test_teardown();
    return failed;
}
