/* Oracle's internal value encodings and character sets on hand-made bytes
 * (no samples needed): the examples oracle-dump-format.md gives, NUMBER's
 * edges (negative terminator, infinities, 38 digits, 1E-130), dates BC,
 * time zones, intervals, BINARY_FLOAT/DOUBLE, and text with bytes that
 * have no character in their set. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "reader/oracle/exp_ddl.h"
#include "reader/oracle/oracharset.h"
#include "reader/oracle/oravalue.h"

#define B(...) ((const uint8_t[]){__VA_ARGS__}), sizeof((const uint8_t[]){__VA_ARGS__})

static const char *num(const uint8_t *p, size_t n)
{
    static char buf[B2A_ORANUM_TEXT_MAX];
    return b2a__oranum_text(p, n, buf, sizeof buf, NULL, NULL, NULL) < 0 ? "ERR" : buf;
}

static void test_number(void **state)
{
    (void)state;
    assert_string_equal(num(B(0x80)), "0");
    assert_string_equal(num(B(0xc2, 0x02, 0x02)), "101");
    assert_string_equal(num(B(0x3d, 0x64, 0x4f, 0x3c, 0x44, 0x34, 0x66)), "-122.413349");
    assert_string_equal(num(B(0xc1, 0x26, 0x4d, 0x5d, 0x3f)), "37.769262");
    assert_string_equal(num(B(0x3e, 0x64, 0x66)), "-1");
    assert_string_equal(num(B(0xc0, 0x15)), "0.2");
    assert_string_equal(num(B(0xc1, 0x03, 0x64, 0x64, 0x15)), "2.99992");
    assert_string_equal(num(B(0xc3, 0x02, 0x01, 0x5d)), "10092"); /* 1|00|92 */
    assert_string_equal(num(B(0x00)), "-Infinity");
    assert_string_equal(num(B(0xff, 0x65)), "Infinity");
    /* 38 nines: exponent 18 (0xc1 + 18), nineteen digits 99 (stored 100) */
    uint8_t n38[20] = {0xd3};
    memset(n38 + 1, 0x64, 19);
    assert_string_equal(num(n38, 20), "99999999999999999999999999999999999999");
    /* 1E-130: the smallest magnitude, exponent byte 0x80 + digit 1 */
    char want[140] = "0.";
    memset(want + 2, '0', 129);
    strcpy(want + 131, "1");
    assert_string_equal(num(B(0x80, 0x02)), want);
    int idig, fdig, special;
    char buf[B2A_ORANUM_TEXT_MAX];
    assert_int_equal(b2a__oranum_text(B(0x3d, 0x64, 0x4f, 0x3c, 0x44, 0x34, 0x66), buf, sizeof buf, &idig, &fdig, &special), 11);
    assert_int_equal(idig, 3);
    assert_int_equal(fdig, 6);
    assert_int_equal(special, 0);
    /* malformed: a digit byte out of range, an exponent with no digits */
    assert_string_equal(num(B(0xc1, 0x00)), "ERR");
    assert_string_equal(num(B(0xc1)), "ERR");

    int64_t v;
    assert_int_equal(b2a__oranum_i64(B(0xc2, 0x02, 0x02), &v), 0);
    assert_int_equal(v, 101);
    assert_int_equal(b2a__oranum_i64(B(0x3e, 0x64, 0x66), &v), 0);
    assert_int_equal(v, -1);
    assert_int_equal(b2a__oranum_i64(B(0x80), &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(b2a__oranum_i64(B(0xc1, 0x26, 0x4d, 0x5d, 0x3f), &v), -1); /* a fraction */
    assert_int_equal(b2a__oranum_i64(n38, 20, &v), -1); /* 38 digits */
}

static void test_dates(void **state)
{
    (void)state;
    int64_t us;
    assert_int_equal(b2a__oradate_micros(B(0x78, 0x72, 0x01, 0x0a, 0x0e, 0x05, 0x15), &us), 0);
    assert_int_equal(us, INT64_C(1389359060000000)); /* 2014-01-10 13:04:20 */
    /* TIMESTAMP: 2022-06-02 08:45:40 + 346906000 ns, truncated to micros */
    assert_int_equal(b2a__oradate_micros(B(0x78, 0x7a, 0x06, 0x02, 0x09, 0x2e, 0x29, 0x14, 0xad, 0x5d, 0x90), &us), 0);
    assert_int_equal(us, INT64_C(1654159540346906));
    /* 4712-01-01 BC, Oracle's first date (century 53, year 88). Its labels
     * are kept, read as proleptic Gregorian as drivers do (Oracle itself
     * counts Julian before 1582): astronomical year -4711, JDN 404 by the
     * Fliegel-Van Flandern formula, 404 - 2440588 = -2440184 days. */
    assert_int_equal(b2a__oradate_micros(B(53, 88, 1, 1, 1, 1, 1), &us), 0);
    assert_int_equal(us, INT64_C(-2440184) * 86400 * 1000000);
    /* invalid month */
    assert_int_equal(b2a__oradate_micros(B(0x78, 0x72, 0x0d, 0x0a, 0x0e, 0x05, 0x15), &us), -1);

    char zone[16];
    /* 2024-01-01 00:00 UTC at +05:30 (hour + 20, minute + 60) */
    assert_int_equal(b2a__oratstz_micros(B(0x78, 0x7c, 1, 1, 1, 1, 1, 0, 0, 0, 0, 25, 90), &us, zone), 0);
    assert_int_equal(us, INT64_C(1704067200000000));
    assert_string_equal(zone, "+05:30");
    assert_int_equal(b2a__oratstz_micros(B(0x78, 0x7c, 1, 1, 2, 1, 1, 0, 0, 0, 0, 0xd0, 0x04), &us, zone), 0);
    assert_int_equal(us, INT64_C(1704070800000000));
    assert_string_equal(zone, "region:5121");
}

static void test_intervals_and_floats(void **state)
{
    (void)state;
    char t[64];
    assert_int_equal(b2a__oraiym_text(B(0x80, 0, 0, 1, 62), t, sizeof t), 5);
    assert_string_equal(t, "P1Y2M");
    b2a__oraiym_text(B(0x7f, 0xff, 0xff, 0xff, 58), t, sizeof t);
    assert_string_equal(t, "-P1Y2M");
    /* 3 days 4:05:06.78 (each part + its bias, ns + 0x80000000) */
    uint32_t ns = 780000000u + 0x80000000u;
    b2a__oraids_text(B(0x80, 0, 0, 3, 64, 65, 66, (uint8_t)(ns >> 24), (uint8_t)(ns >> 16), (uint8_t)(ns >> 8), (uint8_t)ns), t, sizeof t);
    assert_string_equal(t, "P3DT4H5M6.78S");
    b2a__oraids_text(B(0x80, 0, 0, 0, 60, 60, 97, 0x80, 0, 0, 0), t, sizeof t);
    assert_string_equal(t, "P0DT0H0M37S");
    assert_int_equal(b2a__oraids_text(B(0x80, 0, 0, 0, 60, 60, 97, 0x80, 0, 0), t, sizeof t), -1);

    float f;
    double d;
    assert_int_equal(b2a__orafloat(B(0xbf, 0xc0, 0, 0), &f), 0);
    assert_true(f == 1.5f);
    assert_int_equal(b2a__orafloat(B(0x3f, 0xff, 0xff, 0xff), &f), 0);
    assert_true(f == -2.0f);
    assert_int_equal(b2a__oradouble(B(0xbf, 0xf0, 0, 0, 0, 0, 0, 0), &d), 0);
    assert_true(d == 1.0);
    assert_int_equal(b2a__oradouble(B(0x40, 0x0f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), &d), 0);
    assert_true(d == -1.0);
}

static char *conv(int cs, const uint8_t *p, size_t n, long *bad)
{
    b2a_oracs *c = b2a__oracs_new(cs);
    assert_non_null(c);
    char *out = NULL;
    size_t cap = 0, len = 0;
    *bad = b2a__oracs_to_utf8(c, p, n, &out, &cap, &len);
    b2a__oracs_free(c);
    out = realloc(out, len + 1);
    out[len] = '\0';
    return out;
}

static void test_charsets(void **state)
{
    (void)state;
    long bad;
    char *s;
    /* WE8MSWIN1252: 0x80 is the euro sign; 0x81 has no character and maps as Windows does, to U+0081 */
    s = conv(B2A_ORACS_WE8MSWIN1252, B(0x80, 0x81, 'a'), &bad);
    assert_string_equal(s, "\xe2\x82\xac\xc2\x81" "a");
    assert_int_equal(bad, 0);
    free(s);
    s = conv(B2A_ORACS_WE8ISO8859P1, B(0xe9), &bad);
    assert_string_equal(s, "\xc3\xa9");
    free(s);
    /* US7ASCII: a high byte has no character; it becomes U+FFFD and is counted */
    s = conv(B2A_ORACS_US7ASCII, B('o', 0xe9, 'k'), &bad);
    assert_string_equal(s, "o\xef\xbf\xbdk");
    assert_int_equal(bad, 1);
    free(s);
    /* KO16MSWIN949 "\xc7\xd1" is U+D55C (han) */
    s = conv(B2A_ORACS_KO16MSWIN949, B(0xc7, 0xd1, 0xff), &bad);
    assert_string_equal(s, "\xed\x95\x9c\xef\xbf\xbd");
    assert_int_equal(bad, 1);
    free(s);
    /* ZHS16GBK "\xd6\xd0" is U+4E2D */
    s = conv(B2A_ORACS_ZHS16GBK, B(0xd6, 0xd0), &bad);
    assert_string_equal(s, "\xe4\xb8\xad");
    free(s);
    /* AL16UTF16: a surrogate pair, and a lone high surrogate */
    s = conv(B2A_ORACS_AL16UTF16, B(0xd8, 0x3d, 0xde, 0x00, 0xd8, 0x00, 0x00, 0x41), &bad);
    assert_string_equal(s, "\xf0\x9f\x98\x80\xef\xbf\xbd" "A");
    assert_int_equal(bad, 1);
    free(s);
    /* UTF8 is CESU-8: U+1F600 as two three-byte surrogates */
    s = conv(B2A_ORACS_UTF8, B(0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80), &bad);
    assert_string_equal(s, "\xf0\x9f\x98\x80");
    assert_int_equal(bad, 0);
    free(s);
    /* AL32UTF8: invalid bytes replaced, valid text kept */
    s = conv(B2A_ORACS_AL32UTF8, B(0xea, 0xb0, 0x80, 0xc0, 0xaf), &bad);
    assert_string_equal(s, "\xea\xb0\x80\xef\xbf\xbd\xef\xbf\xbd");
    assert_int_equal(bad, 2);
    free(s);
    assert_int_equal(b2a__oracs_supported(9999), 0);
    assert_null(b2a__oracs_new(9999));
}

/* NOT NULL makes a required Avro field, so only a constraint that holds
 * counts: a disabled or NOVALIDATE one lets NULLs in. */
static void test_create_not_null(void **state)
{
    (void)state;
    b2a_exp_ddl d;
    assert_int_equal(b2a__exp_parse_create(
        "CREATE TABLE \"T\" (\"A\" NUMBER(4, 0) NOT NULL ENABLE, \"B\" VARCHAR2(10), "
        "\"C\" DATE NOT NULL DISABLE, \"D\" NUMBER NOT NULL ENABLE NOVALIDATE, \"E\" CHAR(1) NOT NULL)  "
        "PCTFREE 10", &d), 0);
    assert_int_equal(d.ncols, 5);
    int want[] = {1, 0, 0, 0, 1};
    for (size_t i = 0; i < 5; i++)
        if (d.cols[i].not_null != want[i])
            fail_msg("column %s: not_null %d, want %d", d.cols[i].name, d.cols[i].not_null, want[i]);
    b2a__exp_ddl_clear(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_number),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_intervals_and_floats),
        cmocka_unit_test(test_charsets),
        cmocka_unit_test(test_create_not_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
