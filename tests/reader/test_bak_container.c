/* The .bak container layers and page store: header facts of every SQL
 * Server sample, the boot page through the page store, torn-page bits,
 * striped-set refusal, truncation and byte flips, concurrent reads.
 * Expected header values were read off the sample bytes by hand (MTF SSET /
 * VOLB strings, MQCI SCIN/SFIN strings, RAID stream) and agree with
 * ../shared/samples/README.md (versions, containers, stripe 1 of 2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <unistd.h>
#include <cmocka.h>

#include "bak2avro/errors.h"
#include "reader/mssql/pagestore.h"
#include "util/str.h"
#include "bak_test.h"

#define NW2008 "northwind_sql2008_mtf__thuyluv.bak"
#define NW2016 "northwind_sql2016_compressed__Guilderm.bak"
#define TSQLV4 "tsqlv4_sql2016_compressed__JoeyCheung.bak"
#define ARABIC "northwinddb_arabic_sql2014_mtf__mina-top3.bak"
#define PUBS "pubs_sql2012_mtf__UGR95.bak"
#define STRIPE "northwind_sql2014_stripe1of2__CConocimientos.bak"

typedef struct expect {
    const char *file, *db, *server, *backup_name, *user, *date, *media;
    uint16_t dbver, create;
    int major, compressed;
    uint32_t sfm;
    uint64_t extents;
    const char *data_logical, *data_physical, *log_logical;
    uint64_t data_size;
    uint64_t data_file_size, log_file_size;   /* MQCI SFIN +40 */
} expect;

static const expect EXPECT[] = {
    { NW2008, "Northwind", "B30", "Northwind-Full Database Backup", "sa", "2021-04-28 19:55:38",
      "3af66134-ad66-494f-9906-a3ad0e8628d7", 655, 539, 10, 0, 512, 55, "Northwind",
      "C:\\Program Files\\Microsoft SQL Server\\MSSQL10.MSSQLSERVER\\MSSQL\\DATA\\northwnd.mdf",
      "Northwind_log", 3604480, 3801088, 3538944 },
    { NW2016, "NORTHWIND", "INFORMATICA_07", "NORTHWIND-Full Database Backup",
      "MUNIALAJUELA\\Pablo.Ramos", "2021-10-14 08:10:22", "57628a4c-d629-4d3b-9ef7-a121d3649776",
      852, 539, 13, 1, 512, 135, "Northwind",
      "G:\\SQLServer\\MSSQL13.MSSQLSERVER\\MSSQL\\DATA\\NORTHWIND.MDF", "Northwind_log", 8847360, 9437184, 3932160 },
    { TSQLV4, "TSQLV4", "EC3\\QC", "TSQLV4-Full Database Backup", "EC3\\thehitman",
      "2017-01-10 08:01:42", "5e89de8b-6958-412c-a441-cfc88505645f", 852, 852, 13, 1, 4096, 114,
      "TSQLV4", "D:\\Program Files\\Microsoft SQL Server\\MSSQL13.QC\\MSSQL\\Data\\TSQLV4.mdf",
      "TSQLV4_log", 7471104, 8388608, 75497472 },
    { ARABIC, "NORTHWIND_DB", "DESKTOP-48VGJHJ\\TOPSQL", "NORTHWIND_DB-Full Database Backup",
      "DESKTOP-48VGJHJ\\Mina Top", "2019-04-18 18:07:16", "964d2397-cc30-49ba-92df-d3bdc8f443aa",
      782, 782, 12, 0, 512, 44, "NORTHWND",
      "C:\\Program Files\\Microsoft SQL Server\\MSSQL12.TOPSQL\\MSSQL\\DATA\\NORTHWND.mdf",
      "NORTHWND_log", 2883584, 4390912, 1638400 },
    { PUBS, "pubs", "DESKTOP-7789AN9\\SQLEXPRESS", "pubs-Full Database Backup",
      "DESKTOP-7789AN9\\Uriel", "2024-05-05 19:15:01", "dc935659-6efb-4f7b-94e5-c518fb9d9ad1", 706,
      706, 11, 0, 4096, 49, "pubs",
      "C:\\Program Files\\Microsoft SQL Server\\MSSQL11.UGRSQL\\MSSQL\\DATA\\pubs.mdf", "pubs_log",
      3211264, 4259840, 1064960 },
};

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p) { return (uint32_t)rd16(p) | (uint32_t)rd16(p + 2) << 16; }

static b2a_bak_pages *open1(const char *path)
{
    b2a_bak_pages *p = NULL;
    b2a_err err;
    b2a__err_clear(&err);
    int rc = b2a__bak_pages_open(&path, 1, &p, &err);
    if (rc)
        fail_msg("open %s: %d %s", path, rc, err.msg);
    return p;
}

/* The boot page's record 0 holds the database name as nchar(128) at +48. */
static void boot_name(const uint8_t *pg, char *out, size_t cap)
{
    const uint8_t *r = pg + rd16(pg + 8190) + 4 + 48;
    size_t k = 0;
    for (int i = 0; i < 128 && k + 1 < cap; i++) {
        uint16_t c = rd16(r + 2 * i);
        if (c == 0 || c == 0x2020 || c == ' ')
            break;
        out[k++] = c < 0x80 ? (char)c : '?';
    }
    out[k] = '\0';
}

static void test_headers(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(EXPECT) / sizeof(EXPECT[0]); i++) {
        const expect *x = &EXPECT[i];
        const char *path = bak_sample(x->file);
        b2a_bak_pages *p = open1(path);
        const b2a_bak_header *h = b2a__bak_pages_header(p);
        assert_string_equal(h->database_name, x->db);
        assert_string_equal(h->server_name, x->server);
        assert_string_equal(h->backup_name, x->backup_name);
        assert_string_equal(h->backup_description, "");
        assert_string_equal(h->user_name, x->user);
        assert_string_equal(h->backup_date, x->date);
        assert_int_equal(h->backup_type, B2A_BAK_TYPE_DATABASE);
        assert_int_equal(h->copy_only, 0);
        assert_int_equal(h->compressed, x->compressed);
        assert_int_equal(h->database_version, x->dbver);
        assert_int_equal(h->create_version, x->create);
        assert_int_equal(h->software_major, x->major);
        assert_int_equal(h->soft_filemark, x->sfm);
        assert_string_equal(h->media_set_id, x->media);
        assert_int_equal(h->family_count, 1);
        assert_int_equal(h->nfamilies, 1);
        assert_int_equal(h->families[0].sequence, 1);
        assert_int_equal(h->families[0].compressed, x->compressed);
        assert_string_equal(h->families[0].path, path);
        assert_int_equal(h->extents, x->extents);
        assert_int_equal(h->data_regions, 1);
        assert_int_equal(h->nfiles, 2);
        assert_string_equal(h->files[0].logical_name, x->data_logical);
        assert_string_equal(h->files[0].physical_name, x->data_physical);
        assert_int_equal(h->files[0].type, 'D');
        assert_int_equal(h->files[0].file_id, 1);
        assert_int_equal(h->files[0].backup_size_bytes, x->data_size);
        assert_int_equal(h->backup_sets, 1);
        assert_string_equal(h->files[1].logical_name, x->log_logical);
        assert_int_equal(h->files[1].type, 'L');
        assert_int_equal(h->files[1].file_id, 2);
        assert_int_equal(h->files[0].size_bytes, x->data_file_size);
        assert_int_equal(h->files[1].size_bytes, x->log_file_size);
        assert_int_equal(h->files[1].backup_size_bytes, 0);
        /* The data file is at least as large as the highest page held. */
        assert_true((uint64_t)b2a__bak_pages_limit(p, 1) * 8192 <= h->files[0].size_bytes);
        b2a__bak_pages_close(p);
    }
}

static void test_dump(void **state)
{
    (void)state;
    b2a_bak_pages *p = open1(bak_sample(TSQLV4));
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    b2a__bak_pages_dump(p, f);
    fclose(f);
    assert_non_null(strstr(text, "database TSQLV4 on EC3\\QC, dbi_version 852 (SQL Server 13)"));
    assert_non_null(strstr(text, "114 extents indexed in 1 MQDA region(s)"));
    assert_non_null(strstr(text, "(MSSQLBAK)"));
    free(text);
    b2a__bak_pages_close(p);
}

static void test_boot_page(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(EXPECT) / sizeof(EXPECT[0]); i++) {
        b2a_bak_pages *p = open1(bak_sample(EXPECT[i].file));
        uint8_t pg[B2A_BAK_PAGE_SIZE];
        b2a_err err;
        assert_int_equal(b2a__bak_pages_get(p, 1, 9, pg, &err), B2A_OK);
        assert_int_equal(pg[1], 13);                  /* boot page */
        assert_int_equal(rd32(pg + 32), 9);
        assert_int_equal(rd16(pg + 36), 1);
        assert_int_equal(rd16(pg + 8190), 96);        /* slot 0, torn bits restored */
        char name[130];
        boot_name(pg, name, sizeof(name));
        assert_string_equal(name, EXPECT[i].db);
        assert_int_equal(rd16(pg + rd16(pg + 8190) + 4), EXPECT[i].dbver);  /* dbi_version */
        /* (1:0) is the file header page, (1:1) the first PFS page. */
        assert_int_equal(b2a__bak_pages_get(p, 1, 0, pg, &err), B2A_OK);
        assert_int_equal(pg[1], 15);
        assert_int_equal(b2a__bak_pages_get(p, 1, 1, pg, &err), B2A_OK);
        assert_int_equal(pg[1], 11);
        /* Pages the backup does not hold. */
        assert_int_equal(b2a__bak_pages_get(p, 1, 10000000, pg, &err), B2A_ENOTFOUND);
        assert_non_null(strstr(err.msg, "(1:10000000)"));
        assert_int_equal(b2a__bak_pages_get(p, 7, 9, pg, &err), B2A_ENOTFOUND);
        assert_int_equal(b2a__bak_pages_has(p, 1, 9), 1);
        assert_int_equal(b2a__bak_pages_has(p, 3, 9), 0);
        /* The highest held extent bounds the file; it is held. */
        uint32_t lim = b2a__bak_pages_limit(p, 1);
        assert_true(lim >= EXPECT[i].extents * 8);
        assert_int_equal(lim % 8, 0);
        assert_int_equal(b2a__bak_pages_has(p, 1, lim - 1), 1);
        assert_int_equal(b2a__bak_pages_has(p, 1, lim), 0);
        b2a__bak_pages_close(p);
    }
}

/* The 2008 Northwind carries torn-page bits (flag 0x100): every held page
 * must come back with its last sector bytes restored, which the raw bytes
 * in the file do not show. */
static void test_torn_pages(void **state)
{
    (void)state;
    b2a_bak_pages *p = open1(bak_sample(NW2008));
    uint8_t pg[B2A_BAK_PAGE_SIZE];
    b2a_err err;
    unsigned torn = 0, held = 0;
    for (uint32_t i = 0; i < b2a__bak_pages_limit(p, 1); i++) {
        if (b2a__bak_pages_get(p, 1, i, pg, &err) != B2A_OK)
            continue;
        held++;
        if (rd16(pg + 4) & 0x100) {
            torn++;
            uint32_t tb = rd32(pg + 60);
            for (unsigned s = 1; s < 16; s++)
                assert_int_equal(pg[s * 512 + 511] & 3, (tb >> (2 * s)) & 3);
        }
    }
    assert_int_equal(held, 416);
    assert_int_equal(torn, 412);  /* mssql-bak-format.md: 412 of 416 in thuyluv */
    b2a__bak_pages_close(p);

    /* Synthetic page: pattern 01 written into every sector, originals in tornBits. */
    memset(pg, 0, sizeof(pg));
    pg[0] = 1;
    pg[4] = 0x00;
    pg[5] = 0x01;
    uint32_t tb = 0x1;  /* sector 0 slot: the pattern */
    for (unsigned s = 1; s < 16; s++) {
        tb |= (uint32_t)(s % 4) << (2 * s);
        pg[s * 512 + 511] = 0xA5 | 1;  /* low bits replaced by the pattern 01 */
    }
    pg[60] = (uint8_t)tb;
    pg[61] = (uint8_t)(tb >> 8);
    pg[62] = (uint8_t)(tb >> 16);
    pg[63] = (uint8_t)(tb >> 24);
    b2a__bak_page_untear(pg);
    for (unsigned s = 1; s < 16; s++)
        assert_int_equal(pg[s * 512 + 511], (0xA5 & ~3) | (s % 4));
    /* Without the flag nothing changes. */
    pg[5] = 0;
    pg[1023] = 0xFF;
    b2a__bak_page_untear(pg);
    assert_int_equal(pg[1023], 0xFF);
}

static void test_stripe_refused(void **state)
{
    (void)state;
    const char *path = bak_sample(STRIPE);
    b2a_bak_pages *p = NULL;
    b2a_err err;
    b2a__err_clear(&err);
    assert_int_equal(b2a__bak_pages_open(&path, 1, &p, &err), B2A_EFORMAT);
    assert_null(p);
    char want[1400];
    snprintf(want, sizeof(want),
             "%s is stripe 1 of 2 of media set {258e4405-8273-410d-aa5f-7f0ff53b9a3e}; stripe 2 is missing: give all 2 files together",
             path);
    assert_string_equal(err.msg, want);

    /* The same stripe twice is not a set either. */
    const char *twice[2] = { path, path };
    assert_int_equal(b2a__bak_pages_open(twice, 2, &p, &err), B2A_EINVAL);
    assert_non_null(strstr(err.msg, "stripe 1 of 2"));
    assert_non_null(strstr(err.msg, "given twice"));

    /* Files of different backups. */
    const char *mixed[2] = { path, bak_sample(PUBS) };
    assert_int_equal(b2a__bak_pages_open(mixed, 2, &p, &err), B2A_EINVAL);
    assert_non_null(strstr(err.msg, "dc935659-6efb-4f7b-94e5-c518fb9d9ad1"));
    assert_non_null(strstr(err.msg, "258e4405-8273-410d-aa5f-7f0ff53b9a3e"));
}

static void test_bad_files(void **state)
{
    (void)state;
    b2a_bak_pages *p = NULL;
    b2a_err err;
    const char *missing = "/nonexistent/dir/x.bak";
    assert_int_equal(b2a__bak_pages_open(&missing, 1, &p, &err), B2A_ENOTFOUND);
    assert_non_null(strstr(err.msg, "/nonexistent/dir/x.bak"));
    assert_int_equal(b2a__bak_pages_open(NULL, 0, &p, &err), B2A_EINVAL);

    /* A text file is not a backup. */
    char path[512];
    snprintf(path, sizeof(path), "%s/not-a-backup.bak", bak_tmpdir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs("-- this is SQL, not a backup\n", f);
    fclose(f);
    const char *pp = path;
    assert_int_equal(b2a__bak_pages_open(&pp, 1, &p, &err), B2A_EFORMAT);
    assert_non_null(strstr(err.msg, "not-a-backup.bak"));
    assert_non_null(strstr(err.msg, "not a SQL Server backup"));
}

/* Every cut must fail with B2A_EFORMAT naming the file; never succeed
 * silently with fewer pages. step = 512 walks every 512-byte boundary. */
static void truncations(const char *name, size_t step)
{
    size_t n;
    uint8_t *b = bak_slurp(bak_sample(name), &n);
    char path[512];
    snprintf(path, sizeof(path), "%s/cut-%s", bak_tmpdir, name);
    const char *pp = path;
    unsigned tried = 0;
    /* Write once, then shrink the same file: cheap for thousands of cuts. */
    bak_put(path, b, n);
    for (size_t cut = (n - 1) / step * step; cut + step > 0; cut -= step) {
        assert_int_equal(truncate(path, (off_t)cut), 0);
        b2a_bak_pages *p = NULL;
        b2a_err err;
        b2a__err_clear(&err);
        int rc = b2a__bak_pages_open(&pp, 1, &p, &err);
        if (rc == B2A_OK)
            fail_msg("%s cut at %zu of %zu opened without error", name, cut, n);
        assert_null(p);
        assert_int_equal(rc, B2A_EFORMAT);
        assert_non_null(strstr(err.msg, path));
        tried++;
    }
    assert_true(tried >= n / step);
    unlink(path);
    free(b);
}

static void test_truncated_mtf(void **state)
{
    (void)state;
    truncations(NW2008, 512);
    truncations(PUBS, 512);
}

static void test_truncated_compressed(void **state)
{
    (void)state;
    truncations(TSQLV4, 512);
    truncations(NW2016, 512);
}

/* Random byte flips: open either fails with a message or succeeds, and then
 * every page read either succeeds or fails cleanly. Run under ASan/UBSan. */
static void flips(const char *name, unsigned rounds)
{
    if (getenv("B2A_SKIP_FUZZ"))
        return;
    size_t n;
    uint8_t *orig = bak_slurp(bak_sample(name), &n), *b = malloc(n);
    assert_non_null(b);
    char path[512];
    snprintf(path, sizeof(path), "%s/flip-%s", bak_tmpdir, name);
    const char *pp = path;
    srand(42);
    for (unsigned r = 0; r < rounds; r++) {
        memcpy(b, orig, n);
        /* Half the rounds aim at the first 64 KiB, where the descriptors live. */
        size_t span = (r & 1) ? n : (n < 65536 ? n : 65536);
        for (unsigned k = 0; k < 1 + (r % 8); k++)
            b[(size_t)rand() % span] ^= (uint8_t)(1 + rand() % 255);
        bak_put(path, b, n);
        b2a_bak_pages *p = NULL;
        b2a_err err;
        b2a__err_clear(&err);
        int rc = b2a__bak_pages_open(&pp, 1, &p, &err);
        if (rc) {
            assert_true(err.msg[0] != '\0');
            assert_null(p);
            continue;
        }
        uint8_t pg[B2A_BAK_PAGE_SIZE];
        uint32_t lim = b2a__bak_pages_limit(p, 1);
        for (uint32_t i = 0; i < lim; i += 3) {
            rc = b2a__bak_pages_get(p, 1, i, pg, &err);
            assert_true(rc == B2A_OK || err.msg[0] != '\0');
        }
        b2a__bak_pages_close(p);
    }
    unlink(path);
    free(b);
    free(orig);
}

static void test_flips(void **state)
{
    (void)state;
    flips(NW2008, 60);
    flips(TSQLV4, 40);
}

/* A striped set is read by merging its families. This one is made from the
 * 2008 Northwind, so the merge can be compared page by page with the whole
 * backup: both copies say FamilyCount 2 in their RAID stream (+20, the
 * stripe's number at +24), and each keeps every other extent of the MQDA
 * region (0x1E00, 55 extents) zeroed. */
static void make_stripe(const uint8_t *orig, size_t n, uint16_t seq, const char *path)
{
    uint8_t *b = malloc(n);
    assert_non_null(b);
    memcpy(b, orig, n);
    uint8_t *raid = memmem(b, 4096, "RAID", 4);
    assert_non_null(raid);
    raid[22 + 20] = 2;
    raid[22 + 24] = (uint8_t)seq;
    for (size_t e = 0; e < 55; e++)
        if (e % 2 == seq - 1u)
            memset(b + 0x1E00 + e * 65536, 0, 65536);
    bak_put(path, b, n);
    free(b);
}

static void test_stripes_merged(void **state)
{
    (void)state;
    size_t n;
    uint8_t *orig = bak_slurp(bak_sample(NW2008), &n);
    char s1[512], s2[512];
    snprintf(s1, sizeof(s1), "%s/nw-stripe1.bak", bak_tmpdir);
    snprintf(s2, sizeof(s2), "%s/nw-stripe2.bak", bak_tmpdir);
    make_stripe(orig, n, 1, s1);
    make_stripe(orig, n, 2, s2);
    free(orig);

    /* Alone, each is refused and names the other stripe. */
    b2a_bak_pages *p = NULL, *whole = open1(bak_sample(NW2008));
    b2a_err err;
    const char *one = s2;
    assert_int_equal(b2a__bak_pages_open(&one, 1, &p, &err), B2A_EFORMAT);
    assert_non_null(strstr(err.msg, "nw-stripe2.bak is stripe 2 of 2 of media set {3af66134-ad66-494f-9906-a3ad0e8628d7}; stripe 1 is missing: give all 2 files together"));

    /* Together, in either order, they hold exactly the original's pages. */
    const char *both[2] = { s2, s1 };
    b2a__err_clear(&err);
    assert_int_equal(b2a__bak_pages_open(both, 2, &p, &err), B2A_OK);
    const b2a_bak_header *h = b2a__bak_pages_header(p);
    assert_int_equal(h->family_count, 2);
    assert_int_equal(h->nfamilies, 2);
    assert_int_equal(h->families[0].sequence, 1);
    assert_string_equal(h->families[0].path, s1);
    assert_int_equal(h->families[1].sequence, 2);
    assert_int_equal(h->extents, 55);
    assert_int_equal(h->data_regions, 2);
    uint8_t a[B2A_BAK_PAGE_SIZE], w[B2A_BAK_PAGE_SIZE];
    unsigned same = 0;
    for (uint32_t i = 0; i < 440; i++) {
        int ra = b2a__bak_pages_get(p, 1, i, a, &err);
        int rw = b2a__bak_pages_get(whole, 1, i, w, &err);
        assert_int_equal(ra, rw);
        if (ra == B2A_OK) {
            assert_memory_equal(a, w, sizeof(a));
            same++;
        }
    }
    assert_int_equal(same, 416);
    b2a__bak_pages_close(p);
    b2a__bak_pages_close(whole);
    unlink(s1);
    unlink(s2);
}

/* The complete striped sets SQL Server wrote: every order of their files
 * opens as one set, families sorted by stripe number; every proper subset
 * is refused naming the missing stripe(s). The stripe's number is the RAID
 * field at +24; +22 is 1 in every file, so reading +22 made every complete
 * set look like "stripe 1 given twice". */
typedef struct stripe_set {
    const char *files[3];   /* stripe 1, 2, 3 */
    unsigned n;
    const char *media;
    const char *db;
    int type;
} stripe_set;

static const stripe_set SETS[] = {
    { { "cakerestoretest_sql2008r2_full_stripe1of3__cake-contrib.bak",
        "cakerestoretest_sql2008r2_full_stripe2of3__cake-contrib.bak",
        "cakerestoretest_sql2008r2_full_stripe3of3__cake-contrib.bak" }, 3,
      "", "CakeRestoreTest", B2A_BAK_TYPE_DATABASE },
    { { "cakerestoretest_sql2008r2_diff_stripe1of3__cake-contrib.bak",
        "cakerestoretest_sql2008r2_diff_stripe2of3__cake-contrib.bak",
        "cakerestoretest_sql2008r2_diff_stripe3of3__cake-contrib.bak" }, 3,
      "", "CakeRestoreTest", B2A_BAK_TYPE_DIFFERENTIAL },
    { { "restoretimestripe_sql2008r2_stripe1of2__dataplat.bak",
        "restoretimestripe_sql2008r2_stripe2of2__dataplat.bak" }, 2,
      "dba99816-9a6c-4ab6-b68c-76b2a726823d", "RestoreTimeStripe", B2A_BAK_TYPE_DATABASE },
};

static const unsigned PERM3[6][3] = { { 0, 1, 2 }, { 0, 2, 1 }, { 1, 0, 2 },
                                      { 1, 2, 0 }, { 2, 0, 1 }, { 2, 1, 0 } };
static const unsigned PERM2[2][3] = { { 0, 1, 0 }, { 1, 0, 0 } };

static void test_real_stripe_sets(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof(SETS) / sizeof(SETS[0]); k++) {
        const stripe_set *set = &SETS[k];
        const unsigned (*perm)[3] = set->n == 3 ? PERM3 : PERM2;
        unsigned nperm = set->n == 3 ? 6 : 2;
        char paths[3][1024];
        for (unsigned i = 0; i < set->n; i++)
            snprintf(paths[i], sizeof(paths[i]), "%s", bak_sample(set->files[i]));
        uint64_t extents = 0;
        for (unsigned q = 0; q < nperm; q++) {
            const char *given[3];
            for (unsigned i = 0; i < set->n; i++)
                given[i] = paths[perm[q][i]];
            b2a_bak_pages *p = NULL;
            b2a_err err;
            b2a__err_clear(&err);
            int rc = b2a__bak_pages_open(given, set->n, &p, &err);
            if (rc)
                fail_msg("%s, order %u: %d %s", set->files[0], q, rc, err.msg);
            const b2a_bak_header *h = b2a__bak_pages_header(p);
            assert_string_equal(h->database_name, set->db);
            assert_int_equal(h->backup_type, set->type);
            assert_int_equal(h->family_count, set->n);
            assert_int_equal(h->nfamilies, set->n);
            if (set->media[0])
                assert_string_equal(h->media_set_id, set->media);
            for (unsigned i = 0; i < set->n; i++) {
                assert_int_equal(h->families[i].sequence, i + 1);
                assert_string_equal(h->families[i].path, paths[i]);
            }
            /* Every stripe carries data, so the merge has one region per stripe. */
            assert_int_equal(h->data_regions, set->n);
            /* The boot page is held, and the order does not change what is. */
            assert_int_equal(b2a__bak_pages_has(p, 1, 9), 1);
            if (q == 0)
                extents = h->extents;
            assert_int_equal(h->extents, extents);
            b2a__bak_pages_close(p);
        }

        /* Each proper subset is half a set: refused, naming what is missing. */
        for (unsigned mask = 1; mask + 1 < (1u << set->n); mask++) {
            const char *given[3];
            unsigned ng = 0, first = 0;
            char missing[64] = "";
            size_t ml = 0, nmiss = 0;
            for (unsigned i = 0; i < set->n; i++) {
                if (mask & (1u << i)) {
                    if (!ng)
                        first = i;
                    given[ng++] = paths[i];
                } else {
                    ml += (size_t)snprintf(missing + ml, sizeof(missing) - ml, "%s%u", nmiss ? ", " : "", i + 1);
                    nmiss++;
                }
            }
            b2a_bak_pages *p = NULL;
            b2a_err err;
            b2a__err_clear(&err);
            assert_int_equal(b2a__bak_pages_open(given, ng, &p, &err), B2A_EFORMAT);
            assert_null(p);
            char want[1100];
            snprintf(want, sizeof(want), "%.1024s is stripe %u of %u of media set {", paths[first], first + 1, set->n);
            assert_non_null(strstr(err.msg, want));
            snprintf(want, sizeof(want), "}; stripe%s %s %s missing: give all %u files together",
                     nmiss > 1 ? "s" : "", missing, nmiss > 1 ? "are" : "is", set->n);
            assert_non_null(strstr(err.msg, want));
        }
    }
}

/* Where an extent's image appears twice in the data regions, the later one
 * is the page's content (a page changed while the backup ran is written
 * again). Made from the 2008 Northwind: extent slot 3's image, with one
 * byte of its first page's body changed, replaces slot 50 of the region. */
static void test_later_copy_supersedes(void **state)
{
    (void)state;
    size_t n;
    uint8_t *b = bak_slurp(bak_sample(NW2008), &n);
    uint8_t *first = b + 0x1E00 + 3 * 65536, *later = b + 0x1E00 + 50 * 65536;
    uint16_t fid = rd16(first + 36);
    uint32_t pid = rd32(first + 32);
    assert_int_equal(pid & 7, 0);
    uint8_t want[B2A_BAK_PAGE_SIZE];
    memcpy(later, first, 65536);
    later[4000] ^= 0x5A;
    memcpy(want, later, sizeof(want));
    char path[512];
    snprintf(path, sizeof(path), "%s/nw-twice.bak", bak_tmpdir);
    bak_put(path, b, n);
    free(b);

    b2a_bak_pages *p = open1(path);
    b2a_err err;
    uint8_t got[B2A_BAK_PAGE_SIZE];
    assert_int_equal(b2a__bak_pages_get(p, fid, pid, got, &err), B2A_OK);
    b2a__bak_page_untear(want);
    assert_memory_equal(got, want, sizeof(got));
    assert_int_equal(b2a__bak_pages_header(p)->extents, 54);
    b2a__bak_pages_close(p);
    unlink(path);
}

/* Concurrent readers of a compressed backup see the same bytes as one. */
typedef struct worker {
    b2a_bak_pages *p;
    uint32_t lim;
    uint64_t sum;
    int errors;
} worker;

static uint64_t page_sum(const uint8_t *pg, uint32_t id)
{
    uint64_t h = 1469598103934665603ULL ^ id;
    for (size_t i = 0; i < B2A_BAK_PAGE_SIZE; i++)
        h = (h ^ pg[i]) * 1099511628211ULL;
    return h;
}

static void *work(void *arg)
{
    worker *w = arg;
    uint8_t pg[B2A_BAK_PAGE_SIZE];
    b2a_err err;
    for (int pass = 0; pass < 2; pass++)
        for (uint32_t i = 0; i < w->lim; i++) {
            uint32_t id = pass ? w->lim - 1 - i : i;
            int rc = b2a__bak_pages_get(w->p, 1, id, pg, &err);
            if (rc == B2A_OK)
                w->sum += page_sum(pg, id);
            else if (rc != B2A_ENOTFOUND)
                w->errors++;
        }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    b2a_bak_pages *p = open1(bak_sample(TSQLV4));
    worker one = { p, b2a__bak_pages_limit(p, 1), 0, 0 };
    work(&one);
    assert_int_equal(one.errors, 0);
    pthread_t t[4];
    worker w[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (worker){ p, one.lim, 0, 0 };
        assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(w[i].errors, 0);
        assert_true(w[i].sum == one.sum);
    }
    b2a__bak_pages_close(p);
}

int main(void)
{
    int ready = bak_test_setup("test_bak_container", NW2008, "container");
    if (ready != 0)
        return ready;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_headers),
        cmocka_unit_test(test_boot_page),
        cmocka_unit_test(test_dump),
        cmocka_unit_test(test_torn_pages),
        cmocka_unit_test(test_stripe_refused),
        cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_stripes_merged),
        cmocka_unit_test(test_real_stripe_sets),
        cmocka_unit_test(test_later_copy_supersedes),
        cmocka_unit_test(test_truncated_mtf),
        cmocka_unit_test(test_truncated_compressed),
        cmocka_unit_test(test_flips),
        cmocka_unit_test(test_threads),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    bak_test_teardown();
    return failed;
}
