/* Page verification of SQL Server backups (pagecheck.c, pagestore.c, bak.c):
 * every protected page of every sample passes; single-bit flips are caught;
 * a corrupt data page fails its table with a message naming the page and
 * the table, a corrupt catalog page fails the open, and the salvage flag
 * reads through both while counting what failed. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "bak2avro/errors.h"
#include "reader/mssql/bak.h"
#include "reader/mssql/mtf.h"
#include "reader/mssql/page.h"
#include "reader/mssql/pagecheck.h"
#include "reader/mssql/pagestore.h"
#include "bak_test.h"
#include "text_sink.h"
#include "util/str.h"

#define PUBS "pubs_sql2012_mtf__UGR95.bak"
#define NW2008 "northwind_sql2008_mtf__thuyluv.bak"
#define DBR_FULL "dbareports_sql2008r2_full__dataplat.bak"
#define DBR_DIFF1 "dbareports_sql2008r2_diff1__dataplat.bak"

/* The file offset of page (file:page) in an uncompressed backup, found by
 * the page's self-id in the MQDA regions (the last copy wins, as in the
 * page store). */
static uint64_t page_offset(const char *path, uint16_t file, uint32_t page)
{
    b2a_ra *ra;
    b2a_err err;
    b2a_mtf_info info;
    memset(&info, 0, sizeof(info));
    assert_int_equal(b2a__ra_open(path, &ra, &err), B2A_OK);
    assert_int_equal(b2a__mtf_walk(ra, &info, &err), B2A_OK);
    uint64_t found = 0;
    uint8_t h[96];
    for (size_t r = 0; r < info.nregions; r++)
        for (uint64_t b = 0; b < info.regions[r].nblocks; b++) {
            uint64_t off = info.regions[r].offset + b * 8192;
            assert_int_equal(b2a__ra_read(ra, off, h, sizeof(h), "page", &err), B2A_OK);
            if (h[0] == 1 && b2a__rd32(h + 32) == page && b2a__rd16(h + 36) == file)
                found = off;
        }
    b2a__mtf_info_clear(&info);
    b2a__ra_close(ra);
    assert_true(found != 0);
    return found;
}

/* Every page image in an uncompressed file's MQDA regions, stale copies and
 * the extents of incomplete stripes included: each protected one must pass. */
static void raw_pages(const char *path, b2a_bak_verify_stats *st)
{
    b2a_ra *ra;
    b2a_err err;
    b2a_mtf_info info;
    memset(&info, 0, sizeof(info));
    assert_int_equal(b2a__ra_open(path, &ra, &err), B2A_OK);
    assert_int_equal(b2a__mtf_walk(ra, &info, &err), B2A_OK);
    uint8_t pg[8192];
    for (size_t r = 0; r < info.nregions; r++)
        for (uint64_t b = 0; b < info.regions[r].nblocks; b++) {
            assert_int_equal(b2a__ra_read(ra, info.regions[r].offset + b * 8192, pg, 8192, "page", &err), B2A_OK);
            if (pg[0] != 1 || b2a__rd16(pg + 36) == 0)
                continue; /* unwritten slot or region filler: no page */
            b2a_pgcheck c;
            if (!b2a__page_verify(pg, &c)) {
                char why[128];
                b2a__page_check_describe(&c, why, sizeof(why));
                fail_msg("%s: page (%u:%u) at offset %llu: %s", path, b2a__rd16(pg + 36), b2a__rd32(pg + 32),
                         (unsigned long long)(info.regions[r].offset + b * 8192), why);
            }
            if (c.prot == B2A_PGPROT_CHECKSUM)
                st->checksum++;
            else if (c.prot == B2A_PGPROT_TORN)
                st->torn++;
            else
                st->unprotected++;
        }
    b2a__mtf_info_clear(&info);
    b2a__ra_close(ra);
}

/* Every page the page store holds, read through it (compressed backups). */
static void store_pages(const char *path, b2a_bak_verify_stats *st)
{
    b2a_bak_pages *p;
    b2a_err err;
    assert_int_equal(b2a__bak_pages_open(&path, 1, &p, &err), B2A_OK);
    uint8_t pg[8192];
    for (uint16_t f = 1; f < 16; f++)
        for (uint32_t i = 0; i < b2a__bak_pages_limit(p, f); i++) {
            int rc = b2a__bak_pages_get(p, f, i, pg, &err);
            if (rc == B2A_ENOTFOUND)
                continue;
            if (rc != B2A_OK)
                fail_msg("%s: %s", path, err.msg);
        }
    b2a__bak_pages_verify_stats(p, st);
    b2a__bak_pages_close(p);
}

static void test_every_sample_page_passes(void **state)
{
    (void)state;
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s/sqlserver", bak_samples);
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *de;
    unsigned files = 0;
    b2a_bak_verify_stats all = { 0, 0, 0, 0 };
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (len < 4 || strcmp(de->d_name + len - 4, ".bak") != 0)
            continue;
        const char *path = bak_sample(de->d_name);
        uint8_t head[8];
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        assert_int_equal(fread(head, 1, 8, f), 8);
        fclose(f);
        b2a_bak_verify_stats st = { 0, 0, 0, 0 };
        if (memcmp(head, "TAPE", 4) == 0)
            raw_pages(path, &st);
        else
            store_pages(path, &st);
        assert_int_equal(st.failed, 0);
        /* Each sample's database protects its pages one way or the other. */
        assert_true(st.checksum + st.torn > 0);
        printf("%-58s checksum %5llu  torn %5llu  unprotected %3llu  (all passed)\n", de->d_name,
               (unsigned long long)st.checksum, (unsigned long long)st.torn, (unsigned long long)st.unprotected);
        all.checksum += st.checksum;
        all.torn += st.torn;
        all.unprotected += st.unprotected;
        files++;
    }
    closedir(d);
    /* The figures doc/sqlserver-reader.md and doc/verification.md give. */
    assert_int_equal(files, 20);
    assert_int_equal(all.checksum, 2417);
    assert_int_equal(all.torn, 1477);
    assert_int_equal(all.unprotected, 41);
}

/* Every single-bit flip of a CHECKSUM page is caught, including the one
 * that clears the page's own "has a checksum" flag (0x200 of flagBits):
 * the header then claims no protection but still holds a checksum. */
static void test_single_bit_flips(void **state)
{
    (void)state;
    size_t n;
    uint8_t *bak = bak_slurp(bak_sample(PUBS), &n);
    uint8_t *pg = bak + page_offset(bak_sample(PUBS), 1, 9); /* the boot page */
    b2a_pgcheck c;
    assert_int_equal(b2a__page_verify(pg, &c), 1);
    assert_int_equal(c.prot, B2A_PGPROT_CHECKSUM);
    assert_int_equal(c.computed, b2a__rd32(pg + 60));
    for (unsigned bit = 0; bit < 8192 * 8; bit++) {
        pg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        if (b2a__page_verify(pg, &c))
            fail_msg("flipping bit %u of byte %u of the boot page went unseen", bit % 8, bit / 8);
        assert_int_equal(c.prot, bit == 4 * 8 + 9 ? B2A_PGPROT_FLAGS : B2A_PGPROT_CHECKSUM);
        pg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    char why[160];
    pg[5] ^= 0x02; /* clear 0x200 */
    b2a__page_verify(pg, &c);
    b2a__page_check_describe(&c, why, sizeof(why));
    assert_non_null(strstr(why, "its header claims no checksum and no torn-page bits, yet holds 0x"));
    free(bak);
}

/* Torn-page detection sees a sector whose last two bits disagree with the
 * header's pattern, and nothing else: a flip inside a sector is invisible
 * to it (documented in doc/sqlserver-reader.md). */
static void test_torn_bits(void **state)
{
    (void)state;
    size_t n;
    uint8_t *bak = bak_slurp(bak_sample(NW2008), &n);
    uint8_t *pg = bak + page_offset(bak_sample(NW2008), 1, 9);
    b2a_pgcheck c;
    assert_int_equal(b2a__page_verify(pg, &c), 1);
    assert_int_equal(c.prot, B2A_PGPROT_TORN);
    for (unsigned s = 1; s < 16; s++) {
        pg[s * 512 + 511] ^= 1;
        assert_int_equal(b2a__page_verify(pg, &c), 0);
        assert_int_equal(c.sector, s);
        char why[128];
        b2a__page_check_describe(&c, why, sizeof(why));
        assert_non_null(strstr(why, "torn page (sector"));
        pg[s * 512 + 511] ^= 1;
    }
    pg[4000] ^= 0x10;
    assert_int_equal(b2a__page_verify(pg, &c), 1);
    free(bak);
}

/* The start of the page image that holds file offset at, from the MQDA
 * regions of an uncompressed backup. */
static uint64_t page_start(const char *path, uint64_t at)
{
    b2a_ra *ra;
    b2a_err err;
    b2a_mtf_info info;
    memset(&info, 0, sizeof(info));
    assert_int_equal(b2a__ra_open(path, &ra, &err), B2A_OK);
    assert_int_equal(b2a__mtf_walk(ra, &info, &err), B2A_OK);
    uint64_t start = 0;
    for (size_t r = 0; r < info.nregions; r++) {
        const b2a_mtf_region *g = &info.regions[r];
        if (at >= g->offset && at < g->offset + g->nblocks * 8192)
            start = g->offset + (at - g->offset) / 8192 * 8192;
    }
    b2a__mtf_info_clear(&info);
    b2a__ra_close(ra);
    assert_true(start != 0);
    return start;
}

/* The first place in pubs where the bytes of needle (a value) are, and the
 * page that holds them. */
static uint64_t find_value(const uint8_t *bak, size_t n, const char *needle, uint32_t *page)
{
    size_t len = strlen(needle);
    for (size_t i = 0; i + len <= n; i++)
        if (memcmp(bak + i, needle, len) == 0) {
            uint64_t pg = page_start(bak_sample(PUBS), i);
            *page = b2a__rd32(bak + pg + 32);
            assert_int_equal(b2a__rd16(bak + pg + 36), 1);
            return i;
        }
    fail_msg("value %s not found", needle);
    return 0;
}

/* One flipped bit in a value of dbo.publishers: that table fails naming the
 * page and both checksums; the other tables are still read; with the
 * salvage flag the table is read (with the changed value) and the page is
 * counted as failed. Before page verification this read "New Moon Booksr"
 * and reported nothing. */
static void test_corrupt_data_page(void **state)
{
    (void)state;
    size_t n;
    uint8_t *bak = bak_slurp(bak_sample(PUBS), &n);
    uint32_t page = 0;
    uint64_t at = find_value(bak, n, "New Moon Books", &page);
    bak[at + 13] ^= 0x01; /* 's' -> 'r' */
    char path[512];
    snprintf(path, sizeof(path), "%s/pubs-flip.bak", bak_tmpdir);
    bak_put(path, bak, n);
    const char *pp = path;

    b2a_bak *b;
    b2a_err err;
    b2a__err_clear(&err);
    assert_int_equal(b2a__bak_open(&pp, 1, &b, &err), B2A_OK);
    text_sink ts;
    assert_int_equal(bak_scan(b, bak_find_table(b, "dbo", "publishers"), &ts, 1000, &err), B2A_EFORMAT);
    text_sink_free(&ts);
    char want[128];
    snprintf(want, sizeof(want), "page (1:%u) of dbo.publishers: checksum mismatch (stored 0x", page);
    if (!strstr(err.msg, want))
        fail_msg("message \"%s\" lacks \"%s\"", err.msg, want);
    assert_non_null(strstr(err.msg, ", computed 0x"));
    /* The other tables are untouched. */
    assert_int_equal(bak_scan(b, bak_find_table(b, "dbo", "authors"), &ts, 1000, &err), B2A_OK);
    assert_int_equal(ts.nrows, 26);
    text_sink_free(&ts);
    assert_string_equal(b2a__bak_page_verify_mode(b), "CHECKSUM");
    b2a_bak_verify_stats st;
    b2a__bak_verify_stats(b, &st);
    assert_int_equal(st.failed, 1);
    /* The failure is listed as the error said it, once however often read. */
    assert_non_null(b2a__bak_verify_failure(b, 0));
    assert_non_null(strstr(err.msg, "page (1:"));
    assert_non_null(strstr(b2a__bak_verify_failure(b, 0), want));
    assert_int_equal(bak_scan(b, bak_find_table(b, "dbo", "publishers"), &ts, 1000, &err), B2A_EFORMAT);
    text_sink_free(&ts);
    assert_null(b2a__bak_verify_failure(b, 1));
    b2a__bak_close(b);

    /* Salvage: read anyway, and the changed value comes through. */
    assert_int_equal(b2a__bak_open_flags(&pp, 1, B2A_BAK_IGNORE_CHECKSUMS, &b, &err), B2A_OK);
    assert_int_equal(bak_scan(b, bak_find_table(b, "dbo", "publishers"), &ts, 1000, &err), B2A_OK);
    int changed = 0;
    for (size_t i = 0; i < ts.nrows; i++)
        changed += strstr(ts.rows[i], "New Moon Bookr") != NULL;
    assert_int_equal(changed, 1);
    text_sink_free(&ts);
    b2a__bak_verify_stats(b, &st);
    assert_int_equal(st.failed, 1);
    assert_true(st.checksum > 1);
    b2a__bak_close(b);
    unlink(path);
    free(bak);
}

/* A corrupt catalog page (the boot page) fails the open, naming the file
 * and the page; nothing is exported from a catalog that cannot be trusted. */
static void test_corrupt_catalog_page(void **state)
{
    (void)state;
    size_t n;
    uint8_t *bak = bak_slurp(bak_sample(PUBS), &n);
    uint64_t boot = page_offset(bak_sample(PUBS), 1, 9);
    bak[boot + 96 + 4 + 48] ^= 0x04; /* a letter of the database name */
    char path[512];
    snprintf(path, sizeof(path), "%s/pubs-boot.bak", bak_tmpdir);
    bak_put(path, bak, n);
    const char *pp = path;
    b2a_bak *b = NULL;
    b2a_err err;
    b2a__err_clear(&err);
    assert_int_equal(b2a__bak_open(&pp, 1, &b, &err), B2A_EFORMAT);
    assert_null(b);
    assert_non_null(strstr(err.msg, "pubs-boot.bak: "));
    assert_non_null(strstr(err.msg, "page (1:9): checksum mismatch (stored 0x"));
    assert_int_equal(b2a__bak_open_flags(&pp, 1, B2A_BAK_IGNORE_CHECKSUMS, &b, &err), B2A_OK);
    assert_string_equal(b2a__bak_database_name(b), "tubs");
    b2a__bak_close(b);
    unlink(path);
    free(bak);
}

/* A differential read with its full backup: a corrupt page that only the
 * full holds (info.ServerInfo, unchanged since) fails its table just the
 * same, is counted and listed, and the salvage flag reaches the full too. */
static void test_corrupt_page_of_a_differentials_base(void **state)
{
    (void)state;
    size_t n;
    uint8_t *bak = bak_slurp(bak_sample(DBR_FULL), &n);
    static const char domain[] = "b\0a\0s\0e\0.\0l\0o\0c\0a\0l\0"; /* UTF-16LE "base.local" */
    uint8_t *at = memmem(bak, n, domain, sizeof(domain) - 1);
    assert_non_null(at);
    *at ^= 0x01; /* 'b' -> 'c' */
    char path[512];
    snprintf(path, sizeof(path), "%s/dbareports-full-flip.bak", bak_tmpdir);
    bak_put(path, bak, n);
    /* The differential first: the open names it, so the failure must name
     * the file whose image failed. */
    const char *pp[2] = { bak_sample(DBR_DIFF1), path };

    b2a_bak *b;
    b2a_err err;
    b2a__err_clear(&err);
    assert_int_equal(b2a__bak_open(pp, 2, &b, &err), B2A_OK);
    text_sink ts;
    assert_int_equal(bak_scan(b, bak_find_table(b, "info", "ServerInfo"), &ts, 1000, &err), B2A_EFORMAT);
    text_sink_free(&ts);
    assert_non_null(strstr(err.msg, " of info.ServerInfo: checksum mismatch (stored 0x"));
    char from[600];
    snprintf(from, sizeof from, "), in the image from %s", path);
    assert_non_null(strstr(err.msg, from));
    assert_int_equal(bak_scan(b, bak_find_table(b, "info", "SQLInfo"), &ts, 1000, &err), B2A_OK);
    text_sink_free(&ts);
    b2a_bak_verify_stats st;
    b2a__bak_verify_stats(b, &st);
    assert_int_equal(st.failed, 1);
    assert_non_null(b2a__bak_verify_failure(b, 0));
    assert_non_null(strstr(err.msg, b2a__bak_verify_failure(b, 0))); /* as the error said it */
    assert_null(b2a__bak_verify_failure(b, 1));
    b2a__bak_close(b);

    assert_int_equal(b2a__bak_open_flags(pp, 2, B2A_BAK_IGNORE_CHECKSUMS, &b, &err), B2A_OK);
    assert_int_equal(bak_scan(b, bak_find_table(b, "info", "ServerInfo"), &ts, 1000, &err), B2A_OK);
    int changed = 0;
    for (size_t i = 0; i < ts.nrows; i++)
        changed += strstr(ts.rows[i], "case.local") != NULL;
    assert_int_equal(changed, 1);
    text_sink_free(&ts);
    b2a__bak_verify_stats(b, &st);
    assert_int_equal(st.failed, 1);
    assert_non_null(b2a__bak_verify_failure(b, 0));
    b2a__bak_close(b);
    unlink(path);
    free(bak);
}

/* After a read, every page read is counted once, by its protection. */
static void test_counts_after_read(void **state)
{
    (void)state;
    const char *pp = bak_sample(NW2008);
    b2a_bak *b;
    b2a_err err;
    assert_int_equal(b2a__bak_open(&pp, 1, &b, &err), B2A_OK);
    assert_string_equal(b2a__bak_page_verify_mode(b), "TORN_PAGE_DETECTION");
    b2a_bak_verify_stats before, after;
    b2a__bak_verify_stats(b, &before);
    assert_true(before.torn > 0);
    text_sink ts;
    assert_int_equal(bak_scan(b, bak_find_table(b, "dbo", "Orders"), &ts, 1000, &err), B2A_OK);
    assert_int_equal(ts.nrows, 830);
    text_sink_free(&ts);
    b2a__bak_verify_stats(b, &after);
    assert_true(after.torn > before.torn);
    /* Reading the same table again reads no new page. */
    assert_int_equal(bak_scan(b, bak_find_table(b, "dbo", "Orders"), &ts, 1000, &err), B2A_OK);
    text_sink_free(&ts);
    b2a__bak_verify_stats(b, &before);
    assert_int_equal(before.torn, after.torn);
    assert_int_equal(before.unprotected, after.unprotected);
    assert_int_equal(before.failed, 0);
    b2a__bak_close(b);
}

int main(void)
{
    int ready = bak_test_setup("test_mssql_pagecheck", PUBS, "pagecheck");
    if (ready != 0)
        return ready;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_sample_page_passes),
        cmocka_unit_test(test_single_bit_flips),
        cmocka_unit_test(test_torn_bits),
        cmocka_unit_test(test_corrupt_data_page),
        cmocka_unit_test(test_corrupt_catalog_page),
        cmocka_unit_test(test_corrupt_page_of_a_differentials_base),
        cmocka_unit_test(test_counts_after_read),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    bak_test_teardown();
    return rc;
}
