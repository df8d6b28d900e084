/* The scan's cheap paths for common values give exactly what the general
 * code gives: UTF-16 and code-page text (ASCII a word at a time), money and
 * decimals (straight from a 64-bit integer). Each is compared with a plain
 * reference written here, unit by unit or byte by byte, on the edge cases
 * (non-ASCII right after ASCII, odd lengths, surrogate pairs across the
 * 4-unit steps, lone surrogates, the extreme values) and on random input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bak2avro/errors.h"
#include "reader/mssql/codepages.h"
#include "reader/mssql/types.h"

/* ---- references ---- */

static size_t ref_put(uint8_t *o, uint32_t c)
{
    if (c < 0x80) {
        o[0] = (uint8_t)c;
        return 1;
    }
    if (c < 0x800) {
        o[0] = (uint8_t)(0xC0 | (c >> 6));
        o[1] = (uint8_t)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        o[0] = (uint8_t)(0xE0 | (c >> 12));
        o[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
        o[2] = (uint8_t)(0x80 | (c & 0x3F));
        return 3;
    }
    o[0] = (uint8_t)(0xF0 | (c >> 18));
    o[1] = (uint8_t)(0x80 | ((c >> 12) & 0x3F));
    o[2] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
    o[3] = (uint8_t)(0x80 | (c & 0x3F));
    return 4;
}

/* One unit at a time; a lone surrogate and an odd last byte are U+FFFD. */
static size_t ref_utf16(const uint8_t *p, size_t n, uint8_t *o)
{
    size_t k = 0, units = n / 2;
    for (size_t i = 0; i < units; i++) {
        uint32_t c = p[2 * i] | (uint32_t)p[2 * i + 1] << 8;
        if (c >= 0xD800 && c < 0xDC00 && i + 1 < units) {
            uint32_t d = p[2 * i + 2] | (uint32_t)p[2 * i + 3] << 8;
            if (d >= 0xDC00 && d < 0xE000) {
                c = 0x10000 + ((c - 0xD800) << 10) + (d - 0xDC00);
                i++;
            } else {
                c = 0xFFFD;
            }
        } else if (c >= 0xD800 && c < 0xE000) {
            c = 0xFFFD;
        }
        k += ref_put(o + k, c);
    }
    if (n % 2)
        k += ref_put(o + k, 0xFFFD);
    return k;
}

static size_t ref_cp(int cp, const uint8_t *p, size_t n, uint8_t *o)
{
    const uint16_t *hi = b2a__codepage_high(cp);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += ref_put(o + k, p[i] < 0x80 ? p[i] : hi ? hi[p[i] - 0x80] : p[i]);
    return k;
}

/* Sign and little-endian magnitude to minimal big-endian two's complement,
 * by negating the whole magnitude as bytes (the Avro decimal encoding). */
static size_t ref_twos(int neg, const uint8_t *le, size_t n, uint8_t *out)
{
    uint8_t t[24] = { 0 };
    for (size_t i = 0; i < n; i++)
        t[1 + i] = le[n - 1 - i];
    size_t m = n + 1;
    if (neg) {
        unsigned carry = 1;
        for (size_t i = m; i-- > 0;) {
            unsigned v = (uint8_t)~t[i] + carry;
            t[i] = (uint8_t)v;
            carry = v >> 8;
        }
    }
    size_t s = 0;
    while (s + 1 < m && ((t[s] == 0 && !(t[s + 1] & 0x80)) || (t[s] == 0xFF && (t[s + 1] & 0x80))))
        s++;
    memcpy(out, t + s, m - s);
    return m - s;
}

/* ---- a sink that keeps the last value ---- */

typedef struct last_sink {
    b2a_sink base;
    uint8_t v[64];
    size_t n;
    int kind; /* 1 string, 2 decimal */
} last_sink;

static int l_null(b2a_sink *s) { (void)s; return B2A_OK; }
static int l_bool(b2a_sink *s, int v) { (void)s; (void)v; return B2A_OK; }
static int l_i32(b2a_sink *s, int32_t v) { (void)s; (void)v; return B2A_OK; }
static int l_i64(b2a_sink *s, int64_t v) { (void)s; (void)v; return B2A_OK; }
static int l_f32(b2a_sink *s, float v) { (void)s; (void)v; return B2A_OK; }
static int l_f64(b2a_sink *s, double v) { (void)s; (void)v; return B2A_OK; }
static int l_bytes(b2a_sink *s, const void *p, size_t n) { (void)s; (void)p; (void)n; return B2A_OK; }
static int l_keep(b2a_sink *s, const void *p, size_t n, int kind)
{
    last_sink *l = (last_sink *)s;
    assert_true(n <= sizeof l->v);
    memcpy(l->v, p, n);
    l->n = n;
    l->kind = kind;
    return B2A_OK;
}
static int l_string(b2a_sink *s, const char *p, size_t n) { return l_keep(s, p, n, 1); }
static int l_dec(b2a_sink *s, const uint8_t *p, size_t n) { return l_keep(s, p, n, 2); }
static const b2a_sink_ops last_ops = { l_null, l_bool, l_i32, l_i64, l_f32, l_f64, l_bytes, l_string, l_dec, l_null };

/* ---- text ---- */

static void expect_utf16(const uint8_t *p, size_t n)
{
    static uint8_t want[3 * 4096 + 8];
    b2a_mbuf out = { 0 };
    assert_int_equal(b2a__mbuf_append(&out, "pre", 3), 0); /* appends after what is there */
    assert_int_equal(b2a__utf16le_to_utf8(p, n, &out), 0);
    size_t wn = ref_utf16(p, n, want);
    assert_int_equal(out.n, 3 + wn);
    assert_memory_equal(out.p, "pre", 3);
    if (wn)
        assert_memory_equal(out.p + 3, want, wn);
    b2a__mbuf_free(&out);
}

/* s: UTF-16 units as a list ending in 0xFFFFFFFF; returns the byte count. */
static size_t units(uint8_t *b, const uint32_t *s)
{
    size_t n = 0;
    for (; *s != 0xFFFFFFFF; s++) {
        b[n++] = (uint8_t)*s;
        b[n++] = (uint8_t)(*s >> 8);
    }
    return n;
}

static void utf16_is(const uint32_t *s, int odd_byte, const char *want)
{
    uint8_t b[256];
    size_t n = units(b, s);
    if (odd_byte)
        b[n++] = 'z';
    b2a_mbuf out = { 0 };
    assert_int_equal(b2a__utf16le_to_utf8(b, n, &out), 0);
    assert_int_equal(out.n, strlen(want));
    if (out.n)
        assert_memory_equal(out.p, want, out.n);
    b2a__mbuf_free(&out);
    expect_utf16(b, n);
}

#define U(...) ((const uint32_t[]){ __VA_ARGS__, 0xFFFFFFFF })

static void test_utf16_edges(void **state)
{
    (void)state;
    utf16_is(U(0xFFFFFFFF), 0, "");
    utf16_is(U('a', 'b', 'c', 'd'), 0, "abcd");
    utf16_is(U('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'), 0, "abcdefghi");
    /* non-ASCII right after a 4-unit ASCII step, and inside one */
    utf16_is(U('a', 'b', 'c', 'd', 0xE9), 0, "abcd\xC3\xA9");
    utf16_is(U('a', 'b', 0xE9, 'd', 'e', 'f', 'g', 'h'), 0, "ab\xC3\xA9" "defgh");
    utf16_is(U('a', 'b', 'c', 0x7F, 0x80), 0, "abc\x7F\xC2\x80");
    utf16_is(U('a', 'b', 'c', 'd', 0x20AC, 'x', 'y', 'z', 'w', 0x4E2D), 0,
             "abcd\xE2\x82\xAC" "xyzw\xE4\xB8\xAD");
    /* the 8-unit steps: non-ASCII at each place of one, after one, and a pair across two */
    utf16_is(U('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 0xE9), 0, "abcdefgh\xC3\xA9");
    utf16_is(U('a', 'b', 'c', 'd', 'e', 'f', 'g', 0xE9, 'i', 'j', 'k', 'l'), 0, "abcdefg\xC3\xA9" "ijkl");
    utf16_is(U(0xE9, 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'), 0, "\xC3\xA9" "bcdefghi");
    utf16_is(U('a', 'b', 'c', 'd', 'e', 'f', 'g', 0xD83D, 0xDE00, 'j', 'k', 'l', 'm', 'n', 'o', 'p', 'q'), 0,
             "abcdefg\xF0\x9F\x98\x80" "jklmnopq");
    utf16_is(U('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p', 'q', 'r', 's', 't'),
             1, "abcdefghijklmnopqrst\xEF\xBF\xBD");
    utf16_is(U('a', 'b', 'c', 'd', 'e', 'f', 'g', 0x0100, 'i'), 0, "abcdefg\xC4\x80" "i");
    /* a unit whose low byte is ASCII but high byte is not */
    utf16_is(U('a', 'b', 'c', 0x0141, 'e', 'f', 'g', 'h'), 0, "abc\xC5\x81" "efgh");
    /* odd byte counts: the last byte is U+FFFD */
    utf16_is(U('a', 'b', 'c', 'd'), 1, "abcd\xEF\xBF\xBD");
    utf16_is(U(0xFFFFFFFF), 1, "\xEF\xBF\xBD");
    utf16_is(U('a', 'b', 'c', 'd', 'e', 'f', 'g'), 1, "abcdefg\xEF\xBF\xBD");
    /* a surrogate pair across a 4-unit step, and at its start */
    utf16_is(U('a', 'b', 'c', 0xD83D, 0xDE00, 'x'), 0, "abc\xF0\x9F\x98\x80x");
    utf16_is(U('a', 'b', 'c', 'd', 0xD83D, 0xDE00, 'e', 'f', 'g', 'h'), 0, "abcd\xF0\x9F\x98\x80" "efgh");
    utf16_is(U(0xDBFF, 0xDFFF), 0, "\xF4\x8F\xBF\xBF");
    /* lone surrogates: high at the end, high before ASCII, low alone */
    utf16_is(U('a', 'b', 'c', 'd', 0xD800), 0, "abcd\xEF\xBF\xBD");
    utf16_is(U(0xD800, 'a', 'b', 'c', 'd'), 0, "\xEF\xBF\xBD" "abcd");
    utf16_is(U('a', 0xDC00, 'b', 'c', 'd', 'e'), 0, "a\xEF\xBF\xBD" "bcde");
    utf16_is(U('a', 'b', 'c', 'd', 0xD83D), 1, "abcd\xEF\xBF\xBD\xEF\xBF\xBD");
}

static void test_utf16_random(void **state)
{
    (void)state;
    static uint8_t b[4096];
    srand(7);
    /* Mostly ASCII with some of every other kind, every length up to 64 bytes and some long ones. */
    static const uint16_t odd[] = { 0x00E9, 0x0080, 0x07FF, 0x0800, 0x20AC, 0xFFFF, 0xD83D, 0xDE00, 0xDBFF, 0xDC00, 0x0100 };
    for (int round = 0; round < 4000; round++) {
        size_t n = round < 2000 ? (size_t)(round % 65) : (size_t)(rand() % (int)sizeof b);
        for (size_t i = 0; i + 1 < n; i += 2) {
            uint16_t u = (uint16_t)(0x20 + rand() % 0x5F);
            int r = rand() % 16;
            if (r == 0)
                u = odd[rand() % (int)(sizeof odd / sizeof *odd)];
            else if (r == 1)
                u = (uint16_t)rand();
            b[i] = (uint8_t)u;
            b[i + 1] = (uint8_t)(u >> 8);
        }
        if (n % 2)
            b[n - 1] = (uint8_t)rand();
        expect_utf16(b, n);
    }
}

/* Text mostly in other scripts: runs of 1..20 units of ASCII, Cyrillic, CJK,
 * surrogate pairs or lone surrogates, so every kind of unit meets every
 * other at every offset of a step. */
static void test_utf16_script_runs(void **state)
{
    (void)state;
    static uint8_t b[2 * 400];
    srand(13);
    for (int round = 0; round < 3000; round++) {
        size_t units = 0, cap = 1 + (size_t)(rand() % 400);
        while (units < cap) {
            int kind = rand() % 5;
            size_t len = 1 + (size_t)(rand() % 20);
            for (size_t j = 0; j < len && units < cap; j++) {
                uint16_t u = kind == 0 ? (uint16_t)(0x20 + rand() % 0x5F)
                           : kind == 1 ? (uint16_t)(0x0400 + rand() % 0x100)
                           : kind == 2 ? (uint16_t)(0x4E00 + rand() % 0x5200)
                           : kind == 3 ? (uint16_t)((j % 2 ? 0xDC00 : 0xD800) + rand() % 0x400)
                                       : (uint16_t)(0xD800 + rand() % 0x800);
                b[2 * units] = (uint8_t)u;
                b[2 * units + 1] = (uint8_t)(u >> 8);
                units++;
            }
        }
        expect_utf16(b, 2 * units - (size_t)(round % 7 == 0)); /* some odd lengths too */
    }
}

static void test_codepage_text(void **state)
{
    (void)state;
    static const int cps[] = { 1252, 1250, 1251, 1256, 437, 850, 12345 };
    static uint8_t b[600], want[1800];
    srand(11);
    for (size_t c = 0; c < sizeof cps / sizeof *cps; c++) {
        for (int round = 0; round < 600; round++) {
            size_t n = (size_t)(round % 300);
            for (size_t i = 0; i < n; i++)
                b[i] = (uint8_t)(rand() % 12 == 0 ? 0x80 + rand() % 0x80 : 0x20 + rand() % 0x5F);
            b2a_mbuf out = { 0 };
            assert_int_equal(b2a__mbuf_append(&out, "x", 1), 0);
            assert_int_equal(b2a__cp_to_utf8(cps[c], b, n, &out), 0);
            size_t wn = ref_cp(cps[c], b, n, want);
            assert_int_equal(out.n, 1 + wn);
            if (wn)
                assert_memory_equal(out.p + 1, want, wn);
            b2a__mbuf_free(&out);
        }
    }
    /* Mostly high bytes, in runs of 1..20 with ASCII runs between. */
    for (size_t c = 0; c < sizeof cps / sizeof *cps; c++) {
        for (int round = 0; round < 600; round++) {
            size_t n = 0, cap = (size_t)(round % 300);
            while (n < cap) {
                int high = rand() % 3 != 0;
                size_t len = 1 + (size_t)(rand() % 20);
                for (size_t j = 0; j < len && n < cap; j++)
                    b[n++] = (uint8_t)(high ? 0x80 + rand() % 0x80 : 0x20 + rand() % 0x5F);
            }
            b2a_mbuf out = { 0 };
            assert_int_equal(b2a__cp_to_utf8(cps[c], b, n, &out), 0);
            size_t wn = ref_cp(cps[c], b, n, want);
            assert_int_equal(out.n, wn);
            if (wn)
                assert_memory_equal(out.p, want, wn);
            b2a__mbuf_free(&out);
        }
    }
    /* a high byte right after eight ASCII ones (1252: 0x80 is the euro sign) */
    b2a_mbuf out = { 0 };
    assert_int_equal(b2a__cp_to_utf8(1252, (const uint8_t *)"abcdefgh\x80i", 10, &out), 0);
    assert_int_equal(out.n, 12);
    assert_memory_equal(out.p, "abcdefgh\xE2\x82\xAC" "i", 12);
    b2a__mbuf_free(&out);
}

/* ---- money and decimals ---- */

static void expect_dec(const b2a_mtype *t, const uint8_t *p, size_t n, const uint8_t *want, size_t wn)
{
    last_sink ls = { { &last_ops }, { 0 }, 0, 0 };
    b2a_mbuf sc = { 0 };
    char why[128] = "";
    assert_int_equal(b2a__mtype_emit(t, p, n, 0, &ls.base, &sc, why, sizeof why), B2A_OK);
    assert_int_equal(ls.kind, 2);
    assert_int_equal(ls.n, wn);
    assert_memory_equal(ls.v, want, wn);
    b2a__mbuf_free(&sc);
}

static void money_is(int64_t v, int small)
{
    b2a_mtype t = { small ? B2A_MT_SMALLMONEY : B2A_MT_MONEY, small ? 4 : 8, small ? 10 : 19, 4, 0 };
    uint8_t p[8], le[8], want[16];
    uint64_t u = (uint64_t)v;
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(u >> (8 * i));
    uint64_t mag = v < 0 ? (uint64_t)0 - u : u;
    for (int i = 0; i < 8; i++)
        le[i] = (uint8_t)(mag >> (8 * i));
    size_t wn = ref_twos(v < 0, le, 8, want);
    expect_dec(&t, p, small ? 4 : 8, want, wn);
}

/* decimal(prec, s): [sign 1 = +][magnitude, LE, 4/8/12/16 bytes by precision] */
static void decimal_is(int neg, const uint8_t *mag, size_t mn)
{
    b2a_mtype t = { B2A_MT_DECIMAL, (int16_t)(mn + 1), 38, 2, 0 };
    uint8_t p[17], want[24];
    p[0] = neg ? 0 : 1;
    memcpy(p + 1, mag, mn);
    size_t wn = ref_twos(neg, mag, mn, want);
    expect_dec(&t, p, mn + 1, want, wn);
}

static void test_money_decimal(void **state)
{
    (void)state;
    static const int64_t edges[] = { 0, 1, -1, 127, 128, -128, -129, 255, 256, 32767, 32768, -32768, -32769,
                                     8388607, 8388608, -8388608, -8388609, INT32_MAX, INT32_MIN,
                                     (int64_t)INT32_MAX + 1, (int64_t)INT32_MIN - 1, INT64_C(549755813887),
                                     INT64_C(549755813888), -INT64_C(549755813888), -INT64_C(549755813889),
                                     INT64_MAX, INT64_MIN, INT64_MAX - 1, INT64_MIN + 1, 12345678, -12345678 };
    for (size_t i = 0; i < sizeof edges / sizeof *edges; i++) {
        money_is(edges[i], 0);
        if (edges[i] >= INT32_MIN && edges[i] <= INT32_MAX)
            money_is(edges[i], 1);
    }
    /* every power of two and its neighbours, both signs */
    for (int b = 0; b < 63; b++) {
        for (int64_t d = -1; d <= 1; d++) {
            int64_t v = (INT64_C(1) << b) + d;
            money_is(v, 0), money_is(-v, 0);
            if (b < 31)
                money_is(v, 1), money_is(-v, 1);
        }
    }
    /* SQL Server's money limits: -922,337,203,685,477.5808 and 922,337,203,685,477.5807 */
    money_is(INT64_MIN, 0), money_is(INT64_MAX, 0);
    /* smallmoney: -214,748.3648 and 214,748.3647 */
    money_is(INT32_MIN, 1), money_is(INT32_MAX, 1);

    /* decimals of every storage size; magnitudes at the 63- and 64-bit edges,
     * "negative zero", the maximum of decimal(38) (10^38 - 1) */
    static const uint8_t zero8[8] = { 0 }, one4[4] = { 1 }, max4[4] = { 0xFF, 0xC9, 0x9A, 0x3B }; /* 999999999 */
    static const uint8_t i63[8] = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F };
    static const uint8_t i63p1[8] = { 0, 0, 0, 0, 0, 0, 0, 0x80 };
    static const uint8_t u64[8] = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };
    static const uint8_t max19[8] = { 0xFF, 0xFF, 0xE7, 0x89, 0x04, 0x23, 0xC7, 0x8A }; /* 10^19 - 1 */
    static const uint8_t max38[16] = { 0xFF, 0xFF, 0xFF, 0xFF, 0x3F, 0x22, 0x8A, 0x09,
                                       0x7A, 0xC4, 0x86, 0x5A, 0xA8, 0x4C, 0x3B, 0x4B }; /* 10^38 - 1 */
    for (int neg = 0; neg <= 1; neg++) {
        decimal_is(neg, zero8, 4), decimal_is(neg, zero8, 8);
        decimal_is(neg, one4, 4), decimal_is(neg, max4, 4);
        decimal_is(neg, i63, 8), decimal_is(neg, i63p1, 8), decimal_is(neg, u64, 8), decimal_is(neg, max19, 8);
        decimal_is(neg, max38, 12), decimal_is(neg, max38, 16);
    }
    srand(3);
    for (int round = 0; round < 20000; round++) {
        static const size_t sizes[] = { 4, 8, 12, 16 };
        uint8_t mag[16];
        size_t mn = sizes[round % 4];
        int top = rand() % (int)mn; /* random magnitude size within the storage */
        for (size_t i = 0; i < mn; i++)
            mag[i] = (int)i <= top ? (uint8_t)rand() : 0;
        decimal_is(rand() & 1, mag, mn);
        int64_t v = (int64_t)((uint64_t)rand() << 62 ^ (uint64_t)rand() << 31 ^ (uint64_t)rand()) >> (rand() % 64);
        money_is(v, 0);
        money_is((int32_t)v, 1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf16_edges),
        cmocka_unit_test(test_utf16_random),
        cmocka_unit_test(test_utf16_script_runs),
        cmocka_unit_test(test_codepage_text),
        cmocka_unit_test(test_money_decimal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
