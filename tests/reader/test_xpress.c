/* XPRESS Huffman decoder: round trips through a small reference encoder
 * written here from [MS-XCA] (so every token kind is exercised with known
 * output), long codes through the subtables, and hostile input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bak2avro/errors.h"
#include "reader/mssql/xpress.h"

/* ---- reference encoder --------------------------------------------------
 * The decoder reads 16-bit words lazily (one as soon as fewer than 16 bits
 * are spare) and extended match lengths as bytes at its current position,
 * so the encoder reserves word slots in exactly that order. */
typedef struct enc {
    uint8_t *buf;
    size_t cap, pos;
    uint8_t len[512];
    uint32_t code[512];
    uint64_t bits;        /* bits written in this block */
    size_t nwords;        /* word slots reserved in this block */
    size_t slot[70000];   /* byte position of each word slot */
    uint8_t *bitv;        /* bit values of this block, MSB-first order */
    size_t out;           /* decoded bytes so far (for block ends) */
    size_t block_end;
} enc;

static void enc_table(enc *e, const uint8_t len[512])
{
    memcpy(e->len, len, 512);
    unsigned count[16] = { 0 };
    for (int s = 0; s < 512; s++)
        count[len[s]]++;
    count[0] = 0;
    uint32_t next[16], c = 0;
    for (int l = 1; l <= 15; l++) {
        next[l] = c;
        c = (c + count[l]) << 1;
    }
    for (int l = 1; l <= 15; l++)
        for (int s = 0; s < 512; s++)
            if (len[s] == l)
                e->code[s] = next[l]++;
}

static void reserve(enc *e)
{
    while (e->bits > 16 * (e->nwords - 1)) {
        e->slot[e->nwords++] = e->pos;
        e->pos += 2;
    }
}

static void put_bits(enc *e, uint32_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        e->bitv[e->bits++] = (uint8_t)((v >> (n - 1 - i)) & 1);
    reserve(e);
}

static void block_begin(enc *e, const uint8_t len[512])
{
    enc_table(e, len);
    for (int i = 0; i < 256; i++)
        e->buf[e->pos + i] = (uint8_t)(len[2 * i] | len[2 * i + 1] << 4);
    e->pos += 256;
    e->bits = 0;
    e->nwords = 0;
    memset(e->bitv, 0, 70000 * 16);
    e->slot[e->nwords++] = e->pos;
    e->slot[e->nwords++] = e->pos + 2;
    e->pos += 4;
    e->block_end = e->out + 65536;
}

static void block_flush(enc *e)
{
    for (size_t w = 0; w < e->nwords; w++) {
        uint16_t v = 0;
        for (int i = 0; i < 16; i++)
            v = (uint16_t)(v << 1 | e->bitv[16 * w + (size_t)i]);
        e->buf[e->slot[w]] = (uint8_t)v;
        e->buf[e->slot[w] + 1] = (uint8_t)(v >> 8);
    }
}

static void put_sym(enc *e, unsigned s)
{
    assert_true(e->len[s] > 0);
    put_bits(e, e->code[s], e->len[s]);
}

static void lit(enc *e, uint8_t *ref, uint8_t b)
{
    put_sym(e, b);
    ref[e->out++] = b;
}

static void match(enc *e, uint8_t *ref, size_t mlen, size_t off)
{
    assert_true(mlen >= 3 && off >= 1 && off <= e->out && off < 65536);
    unsigned obits = 0;
    while ((off >> (obits + 1)) != 0)
        obits++;
    size_t l = mlen - 3;
    put_sym(e, 256 + obits * 16 + (l < 15 ? (unsigned)l : 15));
    if (l >= 15) {
        if (l - 15 < 255) {
            e->buf[e->pos++] = (uint8_t)(l - 15);
        } else if (l + 3 <= 0xFFFF) {
            e->buf[e->pos++] = 255;
            e->buf[e->pos++] = (uint8_t)(l + 0);
            e->buf[e->pos++] = (uint8_t)((l + 0) >> 8);
        } else {
            e->buf[e->pos++] = 255;
            e->buf[e->pos++] = 0;
            e->buf[e->pos++] = 0;
            for (int i = 0; i < 4; i++)
                e->buf[e->pos++] = (uint8_t)(l >> (8 * i));
        }
    }
    put_bits(e, (uint32_t)(off - ((size_t)1 << obits)), obits);
    for (size_t i = 0; i < mlen; i++, e->out++)
        ref[e->out] = ref[e->out - off];
}

static void eof(enc *e)
{
    put_sym(e, 256);
    block_flush(e);
}

static enc *enc_new(size_t cap)
{
    enc *e = calloc(1, sizeof *e);
    e->buf = calloc(1, cap);
    e->cap = cap;
    e->bitv = calloc(70000, 16);
    return e;
}

static void enc_free(enc *e)
{
    free(e->buf);
    free(e->bitv);
    free(e);
}

static void flat_lengths(uint8_t len[512])
{
    memset(len, 9, 512); /* 512 codes of 9 bits: complete */
}

/* ---- tests -------------------------------------------------------------- */

static void test_table_ok(void **state)
{
    (void)state;
    uint8_t t[256];
    memset(t, 0x99, sizeof t);
    assert_int_equal(b2a__xpress_table_ok(t), 1);
    t[7] = 0x98; /* one code 8 bits long: over-subscribed */
    assert_int_equal(b2a__xpress_table_ok(t), 0);
    memset(t, 0, sizeof t);
    assert_int_equal(b2a__xpress_table_ok(t), 0);
    /* The same verdict as the decoder's own check, on tables near complete
     * ones (a flat 9-bit code, then nibbles moved up and down by one). */
    uint8_t in[256 + 64], out[16];
    memset(in, 0, sizeof in);
    srand(4242);
    size_t complete = 0;
    for (int it = 0; it < 20000; it++) {
        if (it % 50 == 0)
            memset(in, 0x99, 256);
        size_t at = (size_t)rand() % 256;
        unsigned sh = rand() % 2 ? 4 : 0, l = in[at] >> sh & 15;
        l = rand() % 2 ? (l + 1) & 15 : (l + 15) & 15;
        in[at] = (uint8_t)((in[at] & ~(15u << sh)) | l << sh);
        size_t n = 0;
        b2a_xpress_fail f;
        int rc = b2a__xpress_decode(in, sizeof in, out, sizeof out, 1, &n, &f);
        int incomplete = rc != B2A_OK && strcmp(f.why, "Huffman table is not a complete prefix code") == 0;
        assert_int_equal(b2a__xpress_table_ok(in), !incomplete);
        complete += !incomplete;
    }
    assert_true(complete >= 400 && complete < 19000); /* both verdicts reached */
}

static void test_literals_and_matches(void **state)
{
    (void)state;
    enc *e = enc_new(1 << 20);
    uint8_t *ref = malloc(65536), *out = malloc(65536);
    uint8_t len[512];
    flat_lengths(len);
    block_begin(e, len);
    const char *hello = "Northwind";
    for (const char *p = hello; *p; p++)
        lit(e, ref, (uint8_t)*p);
    match(e, ref, 9, 9);        /* plain copy: NorthwindNorthwind */
    match(e, ref, 40, 1);       /* overlapping run of 'd' */
    match(e, ref, 18, 3);       /* length 15+3: one extra byte (0) */
    match(e, ref, 300, 7);      /* 255 escape: 16-bit length */
    lit(e, ref, 0x00);
    lit(e, ref, 0xFF);
    match(e, ref, 5, e->out);   /* offset = everything so far */
    eof(e);
    size_t n = 0;
    b2a_xpress_fail f;
    assert_int_equal(b2a__xpress_decode(e->buf, e->pos, out, 65536, 0, &n, &f), B2A_OK);
    assert_int_equal(n, e->out);
    assert_memory_equal(out, ref, n);
    assert_memory_equal(out, "NorthwindNorthwinddddddd", 24);
    /* A buffer one byte short: an error, not a silent cut... */
    assert_int_equal(b2a__xpress_decode(e->buf, e->pos, out, e->out - 1, 0, &n, &f), B2A_EFORMAT);
    assert_string_equal(f.why, "output larger than the buffer");
    /* ...unless the caller asked for a peek. */
    assert_int_equal(b2a__xpress_decode(e->buf, e->pos, out, 12, 1, &n, &f), B2A_OK);
    assert_int_equal(n, 12);
    assert_memory_equal(out, "NorthwindNor", 12);
    free(ref);
    free(out);
    enc_free(e);
}

/* Code lengths 1..14 and two of 15, so lookups go through the subtables. */
static void test_long_codes(void **state)
{
    (void)state;
    static const unsigned syms[16] = { 'a', 256, 'b', 256 + 16 * 2 + 15, 'c', 'd', 256 + 3,
                                       'e', 'f', 256 + 16 * 15 + 0, 'g', 'h', 'i', 'j', 'k', 'l' };
    uint8_t len[512] = { 0 };
    for (int i = 0; i < 14; i++)
        len[syms[i]] = (uint8_t)(i + 1);
    len[syms[14]] = 15;
    len[syms[15]] = 15;
    enc *e = enc_new(1 << 20);
    uint8_t *ref = malloc(1 << 17), *out = malloc(1 << 17);
    block_begin(e, len);
    /* Enough output that a 15-bit offset fits: 0x8000 + 1 back. */
    for (int i = 0; i < 40000; i++)
        lit(e, ref, (uint8_t)"abcdefghijkl"[i % 12]);
    match(e, ref, 3, 0x8000);         /* obits 15, length 3 */
    match(e, ref, 4 + 15 + 2, 5);     /* obits 2, extended length */
    match(e, ref, 6, 1);              /* obits 0 */
    lit(e, ref, 'l');
    lit(e, ref, 'k');
    eof(e);
    size_t n = 0;
    b2a_xpress_fail f;
    assert_int_equal(b2a__xpress_decode(e->buf, e->pos, out, 1 << 17, 0, &n, &f), B2A_OK);
    assert_int_equal(n, e->out);
    assert_memory_equal(out, ref, n);
    free(ref);
    free(out);
    enc_free(e);
}

/* More than 64 KiB: a second table follows where the first block's bits end;
 * also a match length above 65535 through the 32-bit escape. */
static void test_two_blocks(void **state)
{
    (void)state;
    uint8_t len[512];
    flat_lengths(len);
    enc *e = enc_new(1 << 20);
    uint8_t *ref = malloc(1 << 18), *out = malloc(1 << 18);
    block_begin(e, len);
    for (int i = 0; i < 100; i++)
        lit(e, ref, (uint8_t)(i * 7));
    match(e, ref, 65436, 100); /* exactly fills the first 64 KiB block */
    assert_int_equal(e->out, 65536);
    block_flush(e);
    block_begin(e, len);
    lit(e, ref, 'X');
    /* Needs the 32-bit length escape and runs past the block's 64 KiB: the
     * block ends there, and with no further table the stream ends. */
    match(e, ref, 70000, 1);
    block_flush(e);
    size_t n = 0;
    b2a_xpress_fail f;
    assert_int_equal(b2a__xpress_decode(e->buf, e->pos, out, 1 << 18, 0, &n, &f), B2A_OK);
    assert_int_equal(n, 65536 + 70001);
    assert_memory_equal(out, ref, n);
    free(ref);
    free(out);
    enc_free(e);
}

static void test_bad_input(void **state)
{
    (void)state;
    uint8_t out[4096];
    size_t n = 99;
    b2a_xpress_fail f;
    uint8_t buf[512];
    memset(buf, 0, sizeof buf);
    /* Too short for a table. */
    assert_int_equal(b2a__xpress_decode(buf, 100, out, sizeof out, 0, &n, &f), B2A_EFORMAT);
    assert_string_equal(f.why, "chunk shorter than its 256-byte Huffman table");
    /* Incomplete table. */
    assert_int_equal(b2a__xpress_decode(buf, sizeof buf, out, sizeof out, 0, &n, &f), B2A_EFORMAT);
    assert_string_equal(f.why, "Huffman table is not a complete prefix code");
    assert_int_equal(f.in_pos, 0);
    /* A match before any output: offset before the start. */
    uint8_t len[512];
    flat_lengths(len);
    enc *e = enc_new(4096);
    block_begin(e, len);
    put_sym(e, 256 + 16 * 4 + 0); /* offset 16.., nothing decoded yet */
    put_bits(e, 0, 4);
    eof(e);
    assert_int_equal(b2a__xpress_decode(e->buf, e->pos, out, sizeof out, 0, &n, &f), B2A_EFORMAT);
    assert_string_equal(f.why, "match offset before the start of the output");
    enc_free(e);
    /* Stream cut short: error, never a read past the input (ASan checks). */
    e = enc_new(1 << 16);
    uint8_t *ref = malloc(65536);
    block_begin(e, len);
    for (int i = 0; i < 3000; i++)
        lit(e, ref, (uint8_t)i);
    eof(e);
    for (size_t cut = 256; cut < e->pos; cut += 37) {
        uint8_t *in = malloc(cut); /* exact size so ASan sees any overread */
        memcpy(in, e->buf, cut);
        int rc = b2a__xpress_decode(in, cut, out, sizeof out, 0, &n, &f);
        assert_int_equal(rc, B2A_EFORMAT);
        free(in);
    }
    free(ref);
    enc_free(e);
}

/* Random bitstreams behind valid tables: OK or EFORMAT, never a crash. */
static void test_random_garbage(void **state)
{
    (void)state;
    srand(12345);
    uint8_t *out = malloc(65536);
    int ok = 0, bad = 0;
    for (int it = 0; it < 3000; it++) {
        size_t n = 260 + (size_t)(rand() % 3000);
        uint8_t *in = malloc(n);
        memset(in, 0x99, 256); /* flat 9-bit table: every symbol decodable */
        for (size_t i = 256; i < n; i++)
            in[i] = (uint8_t)rand();
        size_t got = 0;
        b2a_xpress_fail f;
        int rc = b2a__xpress_decode(in, n, out, 65536, it % 3 == 0, &got, &f);
        assert_true(rc == B2A_OK || rc == B2A_EFORMAT);
        assert_true(got <= 65536);
        if (rc == B2A_OK)
            ok++;
        else {
            bad++;
            assert_non_null(f.why);
        }
        free(in);
    }
    assert_int_equal(ok + bad, 3000);
    assert_true(bad > 0);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_ok),
        cmocka_unit_test(test_literals_and_matches),
        cmocka_unit_test(test_long_codes),
        cmocka_unit_test(test_two_blocks),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_random_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
