/* The fast XPRESS decoder (src/reader/mssql/xpress.c) against the previous
 * one (xpress_ref.c, kept verbatim): on every compressed record of the
 * MSSQLBAK samples and on mutated copies of them (byte flips, cut chunks,
 * flipped table nibbles), whole and as peeks, both must give the same
 * result code, the same output length and bytes, and the same failure
 * reason and input position. The table-free peek (b2a__xpress_peek) must
 * give the fast decoder's bytes wherever it answers, and answer the page
 * header peek of every sample record. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "bak2avro/errors.h"
#include "reader/mssql/mssqlbak.h"
#include "util/str.h"
#include "xpress_ref.h"

static char samples[4096];

static const char *const files[] = {
    "northwind_sql2016_compressed__Guilderm.bak",
    "tsqlv4_sql2016_compressed__JoeyCheung.bak",
};

typedef struct stats {
    size_t runs, ok, failed;
    size_t peeks, peeks_answered;
} stats;

/* Both decoders on one input: identical outcome or the test fails. */
static void agree(const uint8_t *in, size_t n, size_t cap, int stop, stats *s)
{
    /* Exact-size buffers, so ASan sees any write past out_cap and any
     * read past the input. */
    uint8_t *a = malloc(cap ? cap : 1), *b = malloc(cap ? cap : 1);
    assert_true(a && b);
    uint8_t *copy = malloc(n ? n : 1);
    assert_non_null(copy);
    memcpy(copy, in, n);
    size_t la = 0, lb = 0;
    b2a_xpress_fail fa, fb;
    int ra = b2a__xpress_decode(copy, n, a, cap, stop, &la, &fa);
    int rb = b2a__xpress_ref_decode(copy, n, b, cap, stop, &lb, &fb);
    free(copy);
    assert_int_equal(ra, rb);
    assert_int_equal(la, lb);
    if (ra == B2A_OK) {
        assert_memory_equal(a, b, la);
        s->ok++;
    } else {
        assert_string_equal(fa.why, fb.why);
        assert_int_equal(fa.in_pos, fb.in_pos);
        s->failed++;
    }
    free(a), free(b);
    s->runs++;
}

/* The table-free peek (b2a__xpress_peek) against the full decoder: where
 * it answers, the full decoder gives OK and the same out_cap bytes; where
 * it does not, the full decoder is what answers. Returns whether it did. */
static int agree_peek(const uint8_t *in, size_t n, size_t cap)
{
    uint8_t *a = malloc(cap ? cap : 1), *b = malloc(cap ? cap : 1);
    uint8_t *copy = malloc(n ? n : 1);
    assert_true(a && b && copy);
    memcpy(copy, in, n);
    int answered = b2a__xpress_peek(copy, n, a, cap);
    if (answered) {
        size_t lb = 0;
        b2a_xpress_fail fb;
        assert_int_equal(b2a__xpress_decode(copy, n, b, cap, 1, &lb, &fb), B2A_OK);
        assert_int_equal(lb, cap);
        assert_memory_equal(a, b, cap);
    }
    free(copy), free(a), free(b);
    return answered;
}

/* Paused and resumed at page boundaries (as the page cache does) and at odd
 * points: the same outcome as one whole decode by the reference. */
static void agree_in_steps(const uint8_t *in, size_t n, size_t cap, unsigned seed)
{
    /* exact-size buffers: a write past out_cap is an ASan error */
    uint8_t *a = malloc(cap ? cap : 1), *b = malloc(cap ? cap : 1);
    assert_true(a && b);
    size_t lb = 0, la = 0;
    b2a_xpress_fail fa, fb;
    int rb = b2a__xpress_ref_decode(in, n, b, cap, 0, &lb, &fb);
    b2a_xpress_resume rs;
    memset(&rs, 0, sizeof rs);
    int ra = B2A_OK;
    size_t until = 0;
    while (ra == B2A_OK && !rs.done) {
        size_t prev = rs.op;
        until += seed % 2 ? 8192 : 1 + (size_t)rand() % 20000;
        ra = b2a__xpress_decode_until(in, n, a, cap, until, &rs, &la, &fa);
        if (ra == B2A_OK) {
            assert_int_equal(la, rs.op);
            assert_true(rs.done || la >= until);
            assert_true(la >= prev);
            if (rb == B2A_OK) /* what is decoded so far is final */
                assert_memory_equal(a, b, la < lb ? la : lb);
        }
    }
    assert_int_equal(ra, rb);
    if (rb == B2A_OK) {
        assert_int_equal(la, lb);
        assert_memory_equal(a, b, la);
    } else {
        assert_string_equal(fa.why, fb.why);
        assert_int_equal(fa.in_pos, fb.in_pos);
    }
    free(a), free(b);
}

static void test_samples_and_mutations(void **state)
{
    (void)state;
    stats s = { 0, 0, 0, 0, 0 };
    size_t records = 0;
    srand(9091);
    for (size_t fi = 0; fi < sizeof files / sizeof *files; fi++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/sqlserver/%s", samples, files[fi]);
        size_t fsize = 0;
        uint8_t *file = (uint8_t *)b2a__read_file(path, SIZE_MAX, &fsize);
        assert_non_null(file);
        b2a_mssqlbak *m;
        b2a_err err;
        assert_int_equal(b2a__mssqlbak_open(path, &m, &err), B2A_OK);
        uint64_t cur = 0;
        b2a_mssqlbak_rec r;
        int rc;
        uint8_t *mut = malloc(70000);
        assert_non_null(mut);
        while ((rc = b2a__mssqlbak_next(m, &cur, &r, &err)) == 1) {
            if (r.raw)
                continue;
            const uint8_t *in = file + r.offset + B2A_MSSQLBAK_REC_HDR;
            records++;
            /* As read: whole, and peeks of a header, a page, three pages. */
            agree(in, r.clen, r.ulen, 0, &s);
            agree(in, r.clen, 96, 1, &s);
            agree(in, r.clen, 8192, 1, &s);
            agree(in, r.clen, 3 * 8192, 1, &s);
            agree(in, r.clen, r.ulen ? r.ulen - 1 : 0, 0, &s); /* one byte short */
            agree_in_steps(in, r.clen, r.ulen, 1);
            agree_in_steps(in, r.clen, r.ulen, 2);
            /* The cheap peek: a page header (as the page index peeks every
             * extent) must be answered on every record, whole and from the
             * first bytes the reader reads for it; other sizes where it can. */
            assert_true(agree_peek(in, r.clen, 96));
            assert_true(agree_peek(in, r.clen < 708 ? r.clen : 708, 96));
            agree_peek(in, r.clen, 4);
            agree_peek(in, r.clen, 8192);
            agree_peek(in, r.clen, r.ulen ? r.ulen - 1 : 0);
            /* Mutated: flips in the bitstream, in the table, and cuts. */
            for (int k = 0; k < 12; k++) {
                memcpy(mut, in, r.clen);
                size_t at = (size_t)rand() % r.clen;
                if (k % 4 == 3)
                    at %= 256; /* a table byte */
                mut[at] ^= (uint8_t)(1u << (rand() % 8));
                if (k % 3 == 0)
                    mut[(size_t)rand() % r.clen] = (uint8_t)rand();
                agree(mut, r.clen, B2A_MSSQLBAK_OUT_MAX, 0, &s);
                agree(mut, r.clen, 8192, 1, &s);
                s.peeks += 2;
                s.peeks_answered += (size_t)agree_peek(mut, r.clen, 96) + (size_t)agree_peek(mut, r.clen, 8192);
                if (k < 4)
                    agree_in_steps(mut, r.clen, B2A_MSSQLBAK_OUT_MAX, (unsigned)k);
                size_t cut = 256 + (size_t)rand() % (r.clen - 255);
                agree(in, cut, B2A_MSSQLBAK_OUT_MAX, 0, &s);
            }
        }
        assert_int_equal(rc, 0);
        free(mut);
        b2a__mssqlbak_close(m);
        free(file);
    }
    printf("xpress agree: %zu records, %zu decodes (%zu OK, %zu failed alike)\n", records, s.runs,
           s.ok, s.failed);
    assert_int_equal(records, 261); /* both samples' compressed records (test_mssqlbak) */
    assert_true(s.failed > 100);    /* the mutations do reach the error paths */
    printf("xpress agree: mutated peeks: %zu of %zu answered without the full decoder\n",
           s.peeks_answered, s.peeks);
    assert_true(s.peeks_answered > 0 && s.peeks_answered < s.peeks);
}

/* A resumed decode reads its input anew (the page cache reads the chunk
 * again): input that changed in between is refused, never trusted. */
static void test_resume_on_changed_input(void **state)
{
    (void)state;
    static uint8_t in[4096], out[B2A_MSSQLBAK_OUT_MAX];
    memset(in, 0x99, 256); /* flat 9-bit table */
    memset(in + 256, 0, sizeof in - 256); /* code 0 = literal 0x00: 3400 of them */
    b2a_xpress_resume rs;
    memset(&rs, 0, sizeof rs);
    size_t n = 0;
    b2a_xpress_fail f;
    assert_int_equal(b2a__xpress_decode_until(in, sizeof in, out, sizeof out, 100, &rs, &n, &f), B2A_OK);
    assert_false(rs.done);
    assert_true(n >= 100);
    b2a_xpress_resume again = rs;
    assert_int_equal(b2a__xpress_decode_until(in, 200, out, sizeof out, 1000, &again, &n, &f), B2A_EFORMAT);
    assert_string_equal(f.why, "chunk shorter than its 256-byte Huffman table");
    in[7] = 0x98; /* the table no longer a complete code */
    again = rs;
    assert_int_equal(b2a__xpress_decode_until(in, sizeof in, out, sizeof out, 1000, &again, &n, &f), B2A_EFORMAT);
    assert_string_equal(f.why, "Huffman table is not a complete prefix code");
}

/* Random bitstreams behind valid random tables, not only real ones. */
static void test_random_streams(void **state)
{
    (void)state;
    stats s = { 0, 0, 0, 0, 0 };
    srand(777);
    uint8_t in[4096];
    for (int it = 0; it < 4000; it++) {
        size_t n = 260 + (size_t)rand() % (sizeof in - 260);
        /* Complete tables (Kraft sum 1): all 512 codes 9 bits; or literals
         * 9 bits (1/2), the matches of offset below 256 8 bits (1/2) and
         * the others unused. */
        memset(in, 0x99, 128);
        memset(in + 128, it % 2 ? 0x99 : 0x88, 64);
        memset(in + 192, it % 2 ? 0x99 : 0x00, 64);
        for (size_t i = 256; i < n; i++)
            in[i] = (uint8_t)rand();
        agree(in, n, B2A_MSSQLBAK_OUT_MAX, 0, &s);
        agree(in, n, 1 + (size_t)rand() % 300, 1, &s);
        s.peeks++;
        s.peeks_answered += (size_t)agree_peek(in, n, 1 + (size_t)rand() % 300);
    }
    assert_true(s.ok > 0 && s.failed > 0);
    assert_true(s.peeks_answered > 0 && s.peeks_answered < s.peeks);
}

int main(void)
{
    const char *env = getenv("B2A_SAMPLES");
    snprintf(samples, sizeof samples, "%s", env && *env ? env : "../shared/samples");
    char probe[4200];
    struct stat st;
    snprintf(probe, sizeof probe, "%s/sqlserver/%s", samples, files[0]);
    const struct CMUnitTest with_samples[] = {
        cmocka_unit_test(test_samples_and_mutations),
        cmocka_unit_test(test_random_streams),
        cmocka_unit_test(test_resume_on_changed_input),
    };
    const struct CMUnitTest without[] = {
        cmocka_unit_test(test_random_streams),
        cmocka_unit_test(test_resume_on_changed_input),
    };
    if (stat(probe, &st) != 0) {
        printf("SKIP (samples part): sample backups not found (%s); set B2A_SAMPLES to the samples folder\n",
               probe);
        return cmocka_run_group_tests(without, NULL, NULL);
    }
    return cmocka_run_group_tests(with_samples, NULL, NULL);
}
