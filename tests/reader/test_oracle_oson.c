/* The OSON decoder (oson.h) on hand-made images: each node type the
 * python-oracledb decoder reads (oson.pyx), absolute and relative offsets,
 * shared field-id lists, version 3's long field names, a scalar image; and
 * broken images: every truncation, loops, ids and offsets outside the
 * image, bytes that are not UTF-8. The real 23ai values are checked in
 * test_oracle_dp.c (INVENTORY.PRODUCT_SPECS). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reader/oracle/oson.h"

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
    size_t n = 0;
    for (; h[0] && h[1]; h += 2) {
        unsigned v;
        assert_int_equal(sscanf(h, "%2x", &v), 1);
        assert_true(n < cap);
        out[n++] = (uint8_t)v;
    }
    return n;
}

/* The JSON text of an image, or NULL with *why. */
static char *decode(const uint8_t *p, size_t n, const char **why)
{
    char *out = NULL;
    size_t cap = 0, len = 0;
    *why = NULL;
    int rc = b2a__oson_to_json(p, n, &out, &cap, &len, why);
    if (rc != 0) {
        assert_int_equal(rc, -1);
        assert_non_null(*why);
        assert_int_equal(len, 0);
        free(out);
        return NULL;
    }
    char *s = malloc(len + 1);
    assert_non_null(s);
    memcpy(s, out, len);
    s[len] = '\0';
    free(out);
    return s;
}

static void expect_json(const char *hex, const char *want)
{
    uint8_t img[4096];
    size_t n = unhex(hex, img, sizeof img);
    const char *why;
    char *got = decode(img, n, &why);
    if (!got)
        fail_msg("%s: %s", want, why);
    assert_string_equal(got, want);
    free(got);
}

static void expect_refused(const uint8_t *img, size_t n, const char *says)
{
    const char *why;
    char *got = decode(img, n, &why);
    if (got)
        fail_msg("decoded as %s", got);
    if (says && !strstr(why, says))
        fail_msg("\"%s\" does not say \"%s\"", why, says);
}

/* v1, absolute u16 offsets, one object of every scalar type:
 * ff4a5a 01 | flags 0000 | 14 names | names segment 28 bytes | tree 135 |
 * 0 tiny nodes | 14 hash ids | 14 name offsets | the names | the tree:
 * 84 0e <ids 1..14> <14 offsets> then the values. */
static const char *IMG_SCALARS =
    "ff4a5a0100000e001c00870000111111111111111111111111111100000002000400060008000a000c000e0010001200140016"
    "0018001a016101620163016401650166016701680169016a016b016c016d016e840e0102030405060708090a0b0c0d0e002c00"
    "2d002e002f003300410049005500630069006e0077008300843031320378220ac0020039003c21c102233e6333663c787c010f"
    "0b1f0139787c010f0b1f011dcd65007c787c010f0b1f0100000000143c3a0003dead017fbfc0000036bfb999999999999a3e80"
    "000003404142ae7ddb0000340180";

static void test_scalars(void **state)
{
    (void)state;
    /* a null, true, false, a string that needs escapes, an array of the
     * NUMBERs 1 and -2.5 (21 c1 02, 23 3e 63 33 66), a DATE, a TIMESTAMP
     * (.5 s), a TIMESTAMP WITH TIME ZONE (+00:00), binary de ad 01, the
     * BINARY_FLOAT 1.5, the BINARY_DOUBLE 0.1, an INTERVAL DAY TO SECOND, the
     * empty string, the NUMBER 0 (34 01 80) */
    expect_json(IMG_SCALARS, "{\"a\":null,\"b\":true,\"c\":false,\"d\":\"x\\\"\\n\",\"e\":[1,-2.5],"
                             "\"f\":\"2024-01-15T10:30:00\",\"g\":\"2024-01-15T10:30:00.5\","
                             "\"h\":\"2024-01-15T10:30:00Z\",\"i\":\"DEAD01\",\"j\":1.5,\"k\":0.1,"
                             "\"l\":\"P3DT4H5M6.78S\",\"m\":\"\",\"n\":0}");
}

static void test_offsets_and_names(void **state)
{
    (void)state;
    /* relative offsets (flag 0001): the inner object's child offset 5
     * counts from the inner object, itself at 5 */
    expect_json("ff4a5a010001020004000d0000111100000002016f01708401010005840102000521c102", "{\"o\":{\"p\":1}}");
    /* the second object (9c) shares the first's field-id list (at 6) */
    expect_json("ff4a5a0100000200040021000011110000000201610162c0020006001484020102000e001121c10221c1039c0006001b00"
                "1e21c10421c105",
                "[{\"a\":1,\"b\":2},{\"a\":3,\"b\":4}]");
    /* a scalar image (flag 0010): no dictionary */
    expect_json("ff4a5a0100100006330568656c6c6f", "\"hello\"");
    /* version 3: one short name and one of 300 bytes (u16 length), whose
     * field id follows the short names' */
    uint8_t img[512];
    size_t n = unhex("ff4a5a0300000100020100000000010000012e000d0000110000017322220000012c", img, sizeof img);
    memset(img + n, 'k', 300);
    n += 300;
    n += unhex("840201020008000a017621c103", img + n, sizeof img - n);
    const char *why;
    char *got = decode(img, n, &why);
    assert_non_null(got);
    char want[400];
    snprintf(want, sizeof want, "{\"s\":\"v\",\"%.300s\":2}",
             "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
             "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
             "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk");
    assert_string_equal(got, want);
    free(got);
}

/* Text already in the buffer stays; a refused image adds nothing. */
static void test_appends(void **state)
{
    (void)state;
    uint8_t img[64];
    size_t n = unhex("ff4a5a0100100006330568656c6c6f", img, sizeof img);
    char *out = malloc(4);
    size_t cap = 4, len = 3;
    memcpy(out, "ab,", 3);
    const char *why;
    assert_int_equal(b2a__oson_to_json(img, n, &out, &cap, &len, &why), 0);
    assert_int_equal(b2a__oson_to_json(img, n - 1, &out, &cap, &len, &why), -1);
    assert_int_equal(len, 10);
    assert_memory_equal(out, "ab,\"hello\"", 10);
    free(out);
}

static void test_refused(void **state)
{
    (void)state;
    uint8_t img[4096];
    size_t n = unhex(IMG_SCALARS, img, sizeof img);
    /* every truncation: refused, never read past */
    for (size_t k = 0; k < n; k++) {
        uint8_t *cut = malloc(k ? k : 1);
        memcpy(cut, img, k);
        expect_refused(cut, k, NULL);
        free(cut);
    }
    expect_refused((const uint8_t *)"{\"a\":1}", 7, "magic bytes");
    uint8_t bad[64];
    size_t m;
    /* version 2 */
    m = unhex("ff4a5a0200100006330568656c6c6f", bad, sizeof bad);
    expect_refused(bad, m, "version");
    /* a string that is not UTF-8 (c3 28) */
    m = unhex("ff4a5a01001000043302c328", bad, sizeof bad);
    expect_refused(bad, m, "not UTF-8");
    /* an array whose child is itself: refused, not a loop */
    m = unhex("ff4a5a0100100004c0010000", bad, sizeof bad); /* its child offset 0 is its own */
    expect_refused(bad, m, "reached more than once");
    /* an object whose field id (2) is not in the one-name dictionary */
    m = unhex("ff4a5a01000001000200060000110000016184010200050030", bad, sizeof bad);
    expect_refused(bad, m, "field id");
    /* an object in a scalar image, which has no dictionary (found by fuzz_oson: it divided by zero) */
    m = unhex("ff4a5a0100100006840101000530", bad, sizeof bad);
    expect_refused(bad, m, "field id");
    /* a child offset past the tree */
    m = unhex("ff4a5a01000001000200060000110000016184010100ff0030", bad, sizeof bad);
    expect_refused(bad, m, "outside the image");
    /* INTERVAL YEAR TO MONTH, whose form python-oracledb does not decode either */
    m = unhex("ff4a5a010010000e3d800000013e", bad, sizeof bad);
    expect_refused(bad, m, "INTERVAL YEAR TO MONTH");
    /* an extended scalar (a VECTOR) */
    m = unhex("ff4a5a010010000a7b0100000000", bad, sizeof bad);
    expect_refused(bad, m, "VECTOR");
    /* a number whose bytes are no NUMBER (length 0) */
    m = unhex("ff4a5a010010000140", bad, sizeof bad);
    expect_refused(bad, m, "NUMBER");
}

/* Arrays nested past the depth limit: refused, the stack never overflows. */
static void test_depth(void **state)
{
    (void)state;
    size_t levels = B2A_OSON_MAX_DEPTH + 5, n = 0;
    uint8_t *img = malloc(8 + 4 * levels + 1);
    memcpy(img, "\xff\x4a\x5a\x01\x00\x10\x00\x00", 8);
    n = 8;
    for (size_t i = 0; i < levels; i++) { /* c0 01 <offset of the next level> */
        size_t next = (i + 1) * 4;
        img[n++] = 0xc0;
        img[n++] = 0x01;
        img[n++] = (uint8_t)(next >> 8);
        img[n++] = (uint8_t)next;
    }
    img[n++] = 0x30;
    expect_refused(img, n, "deeper");
    free(img);
}

/* A scalar image whose array (c8: u16 count) points 256 times at one
 * string of 64,000 bytes: 66 KB that would be 16 MB of JSON, refused as a
 * node reached more than once, before the string is written twice. */
static void test_repeated_node(void **state)
{
    (void)state;
    size_t refs = 256, slen = 64000, soff = 3 + 2 * refs, n = 0;
    uint8_t *img = malloc(8 + soff + 3 + slen);
    memcpy(img, "\xff\x4a\x5a\x01\x00\x10\x00\x00", 8);
    n = 8;
    img[n++] = 0xc8;
    img[n++] = (uint8_t)(refs >> 8);
    img[n++] = (uint8_t)refs;
    for (size_t i = 0; i < refs; i++) {
        img[n++] = (uint8_t)(soff >> 8);
        img[n++] = (uint8_t)soff;
    }
    img[n++] = 0x37; /* a string, u16 length */
    img[n++] = (uint8_t)(slen >> 8);
    img[n++] = (uint8_t)slen;
    memset(img + n, 'a', slen);
    n += slen;
    expect_refused(img, n, "reached more than once");
    /* pointing once, the same string is decoded */
    img[9] = 0, img[10] = 1, img[11] = 0, img[12] = 5;
    memmove(img + 13, img + soff + 8, 3 + slen);
    const char *why;
    char *got = decode(img, 13 + 3 + slen, &why);
    assert_non_null(got);
    assert_int_equal(strlen(got), slen + 4);
    assert_memory_equal(got, "[\"aaa", 5);
    free(got);
    free(img);
}

/* Each node reached once, a field name is still written once per member:
 * one object whose 1,000 members all use field id 1, a name of 255 '"'
 * (510 bytes escaped), 4 image bytes per member: 128 times the image's
 * size, refused by the output bound. */
static void test_name_amplification(void **state)
{
    (void)state;
    size_t members = 1000, nlen = 255, tree = 3 + 3 * members + members, n = 0;
    uint8_t *img = malloc(16 + 1 + nlen + tree);
    /* v1, flags 0, 1 name, names segment 1 + nlen, tree length, 0 tiny nodes */
    uint8_t head[] = {0xff, 0x4a, 0x5a, 0x01, 0x00, 0x00, 0x01, (uint8_t)((1 + nlen) >> 8), (uint8_t)(1 + nlen),
                      (uint8_t)(tree >> 8), (uint8_t)tree, 0x00, 0x00, 0x11, 0x00, 0x00};
    memcpy(img, head, sizeof head);
    n = sizeof head;
    img[n++] = (uint8_t)nlen;
    memset(img + n, '"', nlen);
    n += nlen;
    img[n++] = 0x88; /* an object, u16 count, u16 offsets */
    img[n++] = (uint8_t)(members >> 8);
    img[n++] = (uint8_t)members;
    memset(img + n, 1, members); /* field id 1 each time */
    n += members;
    for (size_t i = 0; i < members; i++) { /* each member its own null */
        size_t at = 3 + 3 * members + i;
        img[n++] = (uint8_t)(at >> 8);
        img[n++] = (uint8_t)at;
    }
    memset(img + n, 0x30, members);
    n += members;
    expect_refused(img, n, "times the image's size");
    free(img);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scalars),
        cmocka_unit_test(test_offsets_and_names),
        cmocka_unit_test(test_appends),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_repeated_node),
        cmocka_unit_test(test_name_amplification),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
