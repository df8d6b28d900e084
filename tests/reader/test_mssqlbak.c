/* MSSQLBAK container on the real compressed samples: record walk, decoded
 * MTF layout, extents holding 8 consecutive pages, agreement with libwim's
 * independent XPRESS decoder, truncation at every 512-byte boundary and
 * random byte flips. Counts below were measured on the samples with this
 * walker and cross-checked by decoding every record with libwim. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#ifdef B2A_HAVE_WIM
#include <wimlib.h>
#endif

#include "bak2avro/errors.h"
#include "reader/mssql/mssqlbak.h"
#include "util/str.h"

static char samples[4096];
static char tmpdir[] = "/tmp/b2a_test_mssqlbak_XXXXXX";

static void sample(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/sqlserver/%s", samples, name);
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint8_t *slurp(const char *path, size_t *n)
{
    uint8_t *d = (uint8_t *)b2a__read_file(path, SIZE_MAX, n);
    assert_non_null(d);
    return d;
}

static void spit(const char *path, const uint8_t *d, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(d, 1, n, f), n);
    fclose(f);
}

typedef struct expect {
    const char *file;
    int records, extents, raw;
    uint32_t tape_ulen, sset_ulen;
    uint64_t sset_offset;
    int data_extents;      /* MQDA extents (first run of extent records) */
    uint32_t last_page;    /* highest page id in the MQDA extents */
} expect;

static void check_sample(const expect *x)
{
    char path[4200];
    sample(path, sizeof path, x->file);
    b2a_mssqlbak *m = NULL;
    b2a_err err;
    memset(&err, 0, sizeof err);
    assert_int_equal(b2a__mssqlbak_open(path, &m, &err), B2A_OK);
    size_t fsize = 0;
    uint8_t *file = slurp(path, &fsize);
    assert_int_equal(b2a__mssqlbak_size(m), fsize);
#ifdef B2A_HAVE_WIM
    struct wimlib_decompressor *wd = NULL;
    assert_int_equal(wimlib_create_decompressor(WIMLIB_COMPRESSION_TYPE_XPRESS, 65536, &wd), 0);
    uint8_t *wout = malloc(65536);
#endif
    uint8_t *out = malloc(B2A_MSSQLBAK_OUT_MAX);
    uint64_t cur = 0;
    b2a_mssqlbak_rec r;
    int rc, nrec = 0, next = 0, nraw = 0, idx = 0, run = 0, runs[8] = { 0 }, nruns = 0;
    int64_t mqda_len = -1;
    int64_t prev_extent = -1;
    uint32_t max_page = 0;
    while ((rc = b2a__mssqlbak_next(m, &cur, &r, &err)) == 1) {
        size_t n = 0;
        assert_int_equal(b2a__mssqlbak_read(m, r.offset, out, B2A_MSSQLBAK_OUT_MAX, &n, &err), B2A_OK);
        assert_int_equal(n, r.ulen);
        if (r.raw) {
            nraw++;
            assert_memory_equal(out, "SFMB", 4);
            assert_int_equal(r.offset % 512, 0);
        } else {
            nrec++;
            assert_int_equal(r.clen, r.tag >> 16);
            assert_int_equal(r.ulen, ((r.tag >> 8) & 0xFF) * 512);
#ifdef B2A_HAVE_WIM
            /* libwim needs the size; ours found the end by itself. */
            assert_int_equal(wimlib_decompress(file + r.offset + B2A_MSSQLBAK_REC_HDR, r.clen,
                                               wout, n, wd), 0);
            assert_memory_equal(out, wout, n);
#endif
        }
        if (idx == 0) {
            assert_int_equal(r.offset, 0x1E0);
            assert_int_equal(r.raw, 0);
            assert_int_equal(r.ulen, x->tape_ulen);
            assert_memory_equal(out, "TAPE", 4);
        } else if (idx == 1) {
            assert_int_equal(r.raw, 1);
        } else if (idx == 2) {
            assert_int_equal(r.offset, x->sset_offset);
            assert_int_equal(r.ulen, x->sset_ulen);
            assert_memory_equal(out, "SSET", 4);
            /* The chunk ends with the MQDA stream header (22 bytes) and the
             * stream's 2 lead bytes; its length covers the extents to come. */
            const uint8_t *h = out + n - 24;
            assert_memory_equal(h, "MQDA", 4);
            mqda_len = (int64_t)(rd32(h + 8) | (uint64_t)rd32(h + 12) << 32);
        }
        if (b2a__mssqlbak_is_extent(&r)) {
            next++;
            run++;
            assert_int_equal(n, B2A_MSSQLBAK_EXTENT);
            size_t decoded = 0;
            uint8_t *ext = malloc(B2A_MSSQLBAK_EXTENT);
            assert_int_equal(b2a__mssqlbak_read_extent(m, r.offset, ext, &decoded, &err), B2A_OK);
            assert_memory_equal(ext, out, B2A_MSSQLBAK_EXTENT);
            assert_true(decoded > 0 && decoded <= B2A_MSSQLBAK_EXTENT);
            free(ext);
            if (nruns == 0) {
                /* MQDA: 8 pages of one extent; an unused page has a zero header. */
                int64_t base = -1;
                for (int j = 0; j < 8; j++) {
                    const uint8_t *pg = out + j * 8192;
                    uint32_t id = rd32(pg + 32);
                    unsigned fid = pg[36] | pg[37] << 8;
                    if (fid == 0 && id == 0) {
                        static const uint8_t zero[96];
                        assert_memory_equal(pg, zero, 96);
                        continue;
                    }
                    assert_int_equal(fid, 1);
                    assert_int_equal(pg[0], 1); /* header version */
                    if (base < 0)
                        base = (int64_t)id - j;
                    assert_int_equal(id, base + j);
                    if (id > max_page)
                        max_page = id;
                }
                assert_true(base >= 0);
                assert_int_equal(base % 8, 0);
                assert_true(base / 8 > prev_extent); /* ascending extent order */
                prev_extent = base / 8;
            }
        } else if (run) {
            runs[nruns++] = run;
            run = 0;
        }
        idx++;
    }
    assert_int_equal(rc, 0);
    assert_int_equal(cur, fsize);
    assert_int_equal(nrec, x->records);
    assert_int_equal(next, x->extents);
    assert_int_equal(nraw, x->raw);
    assert_int_equal(nruns, 2); /* MQDA extents, then the log (MQTL) */
    assert_int_equal(runs[0], x->data_extents);
    assert_int_equal(runs[0] + runs[1], x->extents);
    assert_int_equal(mqda_len, 2 + (int64_t)x->data_extents * 65536);
    assert_int_equal(max_page, x->last_page);
    /* Peek decodes just a page header: the first extent holds page 1:0. */
    uint8_t head[96];
    size_t got = 0;
    cur = x->sset_offset;
    assert_int_equal(b2a__mssqlbak_next(m, &cur, &r, &err), 1);
    assert_int_equal(b2a__mssqlbak_next(m, &cur, &r, &err), 1);
    assert_true(b2a__mssqlbak_is_extent(&r));
    assert_int_equal(b2a__mssqlbak_peek(m, r.offset, head, sizeof head, &got, &err), B2A_OK);
    assert_int_equal(got, 96);
    assert_int_equal(head[1], 15); /* file header page */
    assert_int_equal(rd32(head + 32), 0);
    /* A descriptor chunk is not an extent. */
    assert_int_equal(b2a__mssqlbak_read_extent(m, 0x1E0, out, NULL, &err), B2A_EFORMAT);
    assert_non_null(strstr(err.msg, "not an extent record"));
#ifdef B2A_HAVE_WIM
    wimlib_free_decompressor(wd);
    free(wout);
#endif
    free(out);
    free(file);
    b2a__mssqlbak_close(m);
}

static void test_guilderm(void **state)
{
    (void)state;
    static const expect x = { "northwind_sql2016_compressed__Guilderm.bak", 141, 136, 3,
                              1024, 7168, 0x600, 135, 1088 };
    check_sample(&x);
}

static void test_tsqlv4(void **state)
{
    (void)state;
    static const expect x = { "tsqlv4_sql2016_compressed__JoeyCheung.bak", 120, 115, 3,
                              4096, 8192, 0x2000, 114, 929 };
    check_sample(&x);
}

static void test_open_errors(void **state)
{
    (void)state;
    b2a_mssqlbak *m = NULL;
    b2a_err err;
    char path[4200];
    snprintf(path, sizeof path, "%s/missing.bak", tmpdir);
    assert_int_equal(b2a__mssqlbak_open(path, &m, &err), B2A_ENOTFOUND);
    assert_non_null(strstr(err.msg, path));
    assert_null(m);
    /* An uncompressed (TAPE) backup is not MSSQLBAK. */
    sample(path, sizeof path, "pubs_sql2012_mtf__UGR95.bak");
    assert_int_equal(b2a__mssqlbak_open(path, &m, &err), B2A_EFORMAT);
    assert_non_null(strstr(err.msg, "no MSSQLBAK magic"));
    assert_non_null(strstr(err.msg, "pubs_sql2012_mtf__UGR95.bak"));
    /* Version 1 framing: refused by name. */
    size_t n = 0;
    sample(path, sizeof path, "tsqlv4_sql2016_compressed__JoeyCheung.bak");
    uint8_t *d = slurp(path, &n);
    d[8] = 1;
    snprintf(path, sizeof path, "%s/v1.bak", tmpdir);
    spit(path, d, n);
    assert_int_equal(b2a__mssqlbak_open(path, &m, &err), B2A_EUNSUPPORTED);
    assert_non_null(strstr(err.msg, "MSSQLBAK version 1"));
    /* Not a multiple of 512 bytes. */
    d[8] = 2;
    spit(path, d, n - 100);
    assert_int_equal(b2a__mssqlbak_open(path, &m, &err), B2A_EFORMAT);
    assert_non_null(strstr(err.msg, "truncated"));
    assert_non_null(strstr(err.msg, "v1.bak"));
    free(d);
    unlink(path);
}

/* Cut at every 512-byte boundary: a clear error naming the file, or (cuts
 * inside the closing filemark's padding) the complete walk. Never a short
 * walk that looks successful. */
static void test_truncation(void **state)
{
    (void)state;
    const char *names[] = { "northwind_sql2016_compressed__Guilderm.bak",
                            "tsqlv4_sql2016_compressed__JoeyCheung.bak" };
    const int full[] = { 144, 123 };
    for (int s = 0; s < 2; s++) {
        char path[4200], cut[4200];
        size_t n = 0;
        sample(path, sizeof path, names[s]);
        uint8_t *d = slurp(path, &n);
        snprintf(cut, sizeof cut, "%s/cut.bak", tmpdir);
        int errors = 0, complete = 0;
        spit(cut, d, n);
        for (size_t len = n - 512;; len -= 512) { /* shrinking one copy in place */
            assert_int_equal(truncate(cut, (off_t)len), 0);
            b2a_mssqlbak *m = NULL;
            b2a_err err;
            memset(&err, 0, sizeof err);
            int rc = b2a__mssqlbak_open(cut, &m, &err);
            int count = 0;
            if (rc == B2A_OK) {
                uint64_t cur = 0;
                b2a_mssqlbak_rec r;
                while ((rc = b2a__mssqlbak_next(m, &cur, &r, &err)) == 1)
                    count++;
                b2a__mssqlbak_close(m);
            }
            if (rc < 0) {
                errors++;
                assert_int_equal(rc, B2A_EFORMAT);
                assert_non_null(strstr(err.msg, cut));
                if (!strstr(err.msg, "truncated"))
                    print_error("cut at %zu: %s\n", len, err.msg);
                assert_non_null(strstr(err.msg, "truncated"));
            } else {
                complete++;
                assert_int_equal(count, full[s]);
                assert_true(len >= n - 4096); /* only the final filemark block's padding */
            }
            if (len == 0)
                break;
        }
        assert_int_equal(errors + complete, (int)(n / 512));
        assert_true(complete <= 7);
        free(d);
        unlink(cut);
    }
}

/* Random byte flips: every record read gives OK or a clear EFORMAT naming the
 * file and offset; never a crash (the ASan/UBSan build checks). */
static void test_bit_flips(void **state)
{
    (void)state;
    char path[4200], bad[4200];
    size_t n = 0;
    sample(path, sizeof path, "northwind_sql2016_compressed__Guilderm.bak");
    uint8_t *d = slurp(path, &n);
    snprintf(bad, sizeof bad, "%s/flip.bak", tmpdir);
    uint8_t *out = malloc(B2A_MSSQLBAK_OUT_MAX);
    srand(4242);
    int read_errors = 0;
    spit(bad, d, n);
    int fd = open(bad, O_WRONLY);
    assert_true(fd >= 0);
    for (int it = 0; it < 300; it++) {
        size_t at = 0x1E0 + (size_t)rand() % (n - 0x1E0);
        uint8_t old = d[at];
        uint8_t flipped = (uint8_t)(old ^ (1u << (rand() % 8)));
        assert_int_equal(pwrite(fd, &flipped, 1, (off_t)at), 1);
        b2a_mssqlbak *m = NULL;
        b2a_err err;
        int rc = b2a__mssqlbak_open(bad, &m, &err);
        if (rc == B2A_OK) {
            uint64_t cur = 0;
            b2a_mssqlbak_rec r;
            while ((rc = b2a__mssqlbak_next(m, &cur, &r, &err)) == 1) {
                if (at < r.offset || at >= r.offset + B2A_MSSQLBAK_REC_HDR + r.clen)
                    continue; /* only the damaged record needs decoding */
                size_t got = 0;
                int rr = b2a__mssqlbak_read(m, r.offset, out, B2A_MSSQLBAK_OUT_MAX, &got, &err);
                assert_true(rr == B2A_OK || rr == B2A_EFORMAT);
                if (rr != B2A_OK) {
                    read_errors++;
                    assert_non_null(strstr(err.msg, "flip.bak"));
                    assert_non_null(strstr(err.msg, "offset"));
                }
            }
            b2a__mssqlbak_close(m);
        }
        if (rc < 0) {
            assert_true(rc == B2A_EFORMAT || rc == B2A_EUNSUPPORTED);
            assert_non_null(strstr(err.msg, "flip.bak"));
        }
        assert_int_equal(pwrite(fd, &old, 1, (off_t)at), 1);
    }
    close(fd);
    assert_true(read_errors > 0); /* some flips must be caught by the decoder */
    free(out);
    free(d);
    unlink(bad);
}

/* The page index's walk keeps the bytes it read at each record and peeks
 * from them (b2a__mssqlbak_next_head, _peek_head): the same records, and
 * for every record the same peek, bytes or error message, as
 * b2a__mssqlbak_next and _peek reading the file again. Returns how many
 * peeks were served from the walk's bytes. */
static int heads_agree(const char *path)
{
    b2a_mssqlbak *m = NULL;
    b2a_err e1, e2;
    if (b2a__mssqlbak_open(path, &m, &e1) != B2A_OK)
        return 0;
    uint64_t c1 = 0, c2 = 0;
    b2a_mssqlbak_rec r1, r2;
    b2a_mssqlbak_head head, prev = { .n = 0 };
    int rc1, rc2, served = 0;
    do {
        rc1 = b2a__mssqlbak_next(m, &c1, &r1, &e1);
        rc2 = b2a__mssqlbak_next_head(m, &c2, &r2, &head, &e2);
        assert_int_equal(rc1, rc2);
        assert_int_equal(c1, c2);
        if (rc1 < 0)
            assert_string_equal(e1.msg, e2.msg);
        if (rc1 != 1)
            break;
        assert_memory_equal(&r1, &r2, sizeof r1);
        for (size_t want = 4; want <= 96; want += 92) {
            uint8_t a[96], b[96];
            size_t g1 = 0, g2 = 0;
            int p1 = b2a__mssqlbak_peek(m, r1.offset, a, want, &g1, &e1);
            int p2 = b2a__mssqlbak_peek_head(m, r2.offset, &head, b, want, &g2, &e2);
            assert_int_equal(p1, p2);
            assert_int_equal(g1, g2);
            if (p1 == B2A_OK)
                assert_memory_equal(a, b, g1);
            else
                assert_string_equal(e1.msg, e2.msg);
        }
        /* The previous record's bytes are not taken for this one's. */
        if (prev.n) {
            uint8_t a[96], b[96];
            size_t g1 = 0, g2 = 0;
            int p1 = b2a__mssqlbak_peek(m, r1.offset, a, sizeof a, &g1, &e1);
            int p2 = b2a__mssqlbak_peek_head(m, r1.offset, &prev, b, sizeof b, &g2, &e2);
            assert_int_equal(p1, p2);
            assert_int_equal(g1, g2);
            if (p1 == B2A_OK)
                assert_memory_equal(a, b, g1);
        }
        prev = head;
        served += head.n == B2A_MSSQLBAK_HEAD;
    } while (1);
    b2a__mssqlbak_close(m);
    return served;
}

static void test_walk_heads(void **state)
{
    (void)state;
    char path[4200], bad[4200];
    sample(path, sizeof path, "tsqlv4_sql2016_compressed__JoeyCheung.bak");
    assert_true(heads_agree(path) >= 115);
    sample(path, sizeof path, "northwind_sql2016_compressed__Guilderm.bak");
    assert_true(heads_agree(path) >= 136);
    /* Damaged copies: flips anywhere past the first record. */
    size_t n = 0;
    uint8_t *d = slurp(path, &n);
    snprintf(bad, sizeof bad, "%s/heads.bak", tmpdir);
    srand(777);
    for (int it = 0; it < 40; it++) {
        for (int k = 0; k < 4; k++)
            d[0x1E0 + (size_t)rand() % (n - 0x1E0)] ^= (uint8_t)(1u << (rand() % 8));
        spit(bad, d, n);
        heads_agree(bad);
    }
    free(d);
    unlink(bad);
}

/* A walk started anywhere scans forward (in windows of a few KiB) to the
 * next record or raw block: from any later start up to what it found it
 * must find the same, whichever window boundaries the scan crosses. */
static void test_resync_windows(void **state)
{
    (void)state;
    char path[4200];
    sample(path, sizeof path, "northwind_sql2016_compressed__Guilderm.bak");
    b2a_mssqlbak *m = NULL;
    b2a_err err;
    assert_int_equal(b2a__mssqlbak_open(path, &m, &err), B2A_OK);
    uint64_t size = b2a__mssqlbak_size(m), far = 0;
    for (uint64_t c = 0x1E1; c < size && c < 400000; c += 2663) {
        uint64_t cur = c;
        b2a_mssqlbak_rec r;
        assert_int_equal(b2a__mssqlbak_next(m, &cur, &r, &err), 1);
        assert_true(r.offset >= c);
        if (r.offset - c > far)
            far = r.offset - c;
        uint64_t starts[] = { c + 1, (c + r.offset) / 2, r.offset - 4095, r.offset - 4096, r.offset - 4097,
                              r.offset - 4380, r.offset };
        for (size_t k = 0; k < sizeof starts / sizeof *starts; k++) {
            if (starts[k] <= c || starts[k] > r.offset)
                continue;
            uint64_t cur2 = starts[k];
            b2a_mssqlbak_rec r2;
            assert_int_equal(b2a__mssqlbak_next(m, &cur2, &r2, &err), 1);
            assert_int_equal(r2.offset, r.offset);
            assert_int_equal(cur2, cur);
        }
    }
    assert_true(far > 3 * 4096); /* some scans crossed several windows */
    b2a__mssqlbak_close(m);
}

/* Reads from several threads at once (the page store's use): every thread
 * decodes every extent and must see the single-threaded bytes. */
typedef struct par {
    const b2a_mssqlbak *m;
    const uint64_t *offs;
    const uint32_t *sums;
    int n, mismatches, errors;
} par;

static uint32_t fnv(const uint8_t *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

static void *par_main(void *arg)
{
    par *t = arg;
    uint8_t *buf = malloc(B2A_MSSQLBAK_EXTENT);
    for (int i = t->n - 1; i >= 0; i--) {
        b2a_err err;
        if (b2a__mssqlbak_read_extent(t->m, t->offs[i], buf, NULL, &err) != B2A_OK)
            t->errors++;
        else if (fnv(buf, B2A_MSSQLBAK_EXTENT) != t->sums[i])
            t->mismatches++;
    }
    free(buf);
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    char path[4200];
    sample(path, sizeof path, "tsqlv4_sql2016_compressed__JoeyCheung.bak");
    b2a_mssqlbak *m = NULL;
    b2a_err err;
    assert_int_equal(b2a__mssqlbak_open(path, &m, &err), B2A_OK);
    uint64_t offs[256], cur = 0;
    uint32_t sums[256];
    int n = 0;
    b2a_mssqlbak_rec r;
    uint8_t *buf = malloc(B2A_MSSQLBAK_EXTENT);
    while (b2a__mssqlbak_next(m, &cur, &r, &err) == 1)
        if (b2a__mssqlbak_is_extent(&r) && n < 256) {
            assert_int_equal(b2a__mssqlbak_read_extent(m, r.offset, buf, NULL, &err), B2A_OK);
            offs[n] = r.offset;
            sums[n++] = fnv(buf, B2A_MSSQLBAK_EXTENT);
        }
    assert_int_equal(n, 115);
    par t[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        t[i] = (par){ m, offs, sums, n, 0, 0 };
        assert_int_equal(pthread_create(&th[i], NULL, par_main, &t[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(t[i].errors, 0);
        assert_int_equal(t[i].mismatches, 0);
    }
    free(buf);
    b2a__mssqlbak_close(m);
}

int main(void)
{
    const char *env = getenv("B2A_SAMPLES");
    snprintf(samples, sizeof samples, "%s", env && *env ? env : "../shared/samples");
    char probe[4200];
    struct stat st;
    sample(probe, sizeof probe, "northwind_sql2016_compressed__Guilderm.bak");
    if (stat(probe, &st) != 0) {
        printf("SKIP: sample backups not found (%s); set B2A_SAMPLES to the samples folder\n", probe);
        return 77;
    }
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_guilderm),
        cmocka_unit_test(test_tsqlv4),
        cmocka_unit_test(test_open_errors),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_bit_flips),
        cmocka_unit_test(test_walk_heads),
        cmocka_unit_test(test_resync_windows),
        cmocka_unit_test(test_threads),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    rmdir(tmpdir);
    return rc;
}
