/* Avro writer tests: files are read back by two independent readers,
 * python-avro (tests/tools/avro_dump.py) and avro-c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <avro.h>
#include <dirent.h>
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "avro/avsc.h"
#include "avro/decimal.h"
#include "avro/names.h"
#include "avro/ocf.h"
#include "bak2avro/job.h"
#include "core/column.h"

#ifndef B2A_TEST_PYTHON
#define B2A_TEST_PYTHON "/usr/bin/python3"
#endif

static char tmpdir[64];

/* ---- helpers ------------------------------------------------------- */

static char *xstrdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

typedef struct coldesc {
    const char *name, *type;
    b2a_vtype vtype;
    int precision, scale;
    const char *note;
} coldesc;

static void make_table(b2a_table_def *t, const char *schema, const char *name, const coldesc *c,
                       size_t n, int64_t rows)
{
    memset(t, 0, sizeof(*t));
    t->schema = xstrdup(schema);
    t->name = xstrdup(name);
    t->ncolumns = n;
    t->row_count = rows;
    t->columns = calloc(n, sizeof(*t->columns));
    for (size_t i = 0; i < n; i++) {
        t->columns[i].name = xstrdup(c[i].name);
        t->columns[i].source_type = xstrdup(c[i].type);
        t->columns[i].vtype = c[i].vtype;
        t->columns[i].precision = c[i].precision;
        t->columns[i].scale = c[i].scale;
        t->columns[i].nullable = 1;
        t->columns[i].note = xstrdup(c[i].note);
    }
}

static char *path_in_tmp(const char *name)
{
    static char buf[8][512];
    static int k;
    char *p = buf[k++ % 8];
    snprintf(p, 512, "%s/%s", tmpdir, name);
    return p;
}

/* Output of avro_dump.py FILE; fails the test when it exits non-zero. */
static char *dump(const char *file)
{
    const char *root = getenv("B2A_SOURCE_ROOT");
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "'%s' '%s/tests/tools/avro_dump.py' '%s' 2>&1", B2A_TEST_PYTHON,
             root ? root : "../..", file);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    size_t cap = 1 << 16, len = 0;
    char *out = malloc(cap);
    size_t k;
    while ((k = fread(out + len, 1, cap - len - 1, f)) > 0) {
        len += k;
        if (cap - len < 4096)
            out = realloc(out, cap *= 2);
    }
    out[len] = '\0';
    int st = pclose(f);
    if (st != 0)
        fprintf(stderr, "avro_dump.py failed:\n%s\n", out);
    assert_int_equal(st, 0);
    return out;
}

/* Skip the "schema:" and "codec:" lines. */
static const char *records_of(const char *out)
{
    const char *p = strchr(out, '\n');
    assert_non_null(p);
    p = strchr(p + 1, '\n');
    assert_non_null(p);
    return p + 1;
}

static int file_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

/* Names in tmpdir, sorted, joined by spaces. */
static void list_dir(char *out, size_t cap)
{
    DIR *d = opendir(tmpdir);
    assert_non_null(d);
    char *names[64];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 64)
        if (e->d_name[0] != '.')
            names[n++] = strdup(e->d_name);
    closedir(d);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (strcmp(names[i], names[j]) > 0) {
                char *t = names[i];
                names[i] = names[j];
                names[j] = t;
            }
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (i)
            strncat(out, " ", cap - strlen(out) - 1);
        strncat(out, names[i], cap - strlen(out) - 1);
        free(names[i]);
    }
}

static void clean_dir(void)
{
    DIR *d = opendir(tmpdir);
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.')
            unlink(path_in_tmp(e->d_name));
    closedir(d);
}

static int setup_dir(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/b2a-avro-test-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int clean_each(void **state)
{
    (void)state;
    clean_dir();
    return 0;
}

static int teardown_dir(void **state)
{
    (void)state;
    clean_dir();
    return rmdir(tmpdir);
}

static void dec(b2a_sink *s, const char *text, int p, int sc)
{
    uint8_t be[32];
    size_t n;
    b2a_err err = {0};
    assert_int_equal(b2a__decimal_from_text(text, strlen(text), p, sc, be, &n, &err), B2A_OK);
    assert_int_equal(s->ops->decimal(s, be, n), B2A_OK);
}

static void str(b2a_sink *s, const char *v)
{
    assert_int_equal(s->ops->string(s, v, strlen(v)), B2A_OK);
}

/* ---- names ----------------------------------------------------------- */

static void check_name(const char *in, const char *want)
{
    char *got = b2a__avro_name(in);
    assert_non_null(got);
    assert_string_equal(got, want);
    assert_true(b2a__avro_name_is_valid(got));
    free(got);
}

static void test_names(void **state)
{
    (void)state;
    check_name("Order Details", "Order_Details");
    check_name("1st", "_1st");
    check_name("Größe", "Grosse");
    check_name("Gro\xcc\x88sse", "Grosse");            /* NFD o + U+0308 */
    check_name("Ærø Łódź Œuvre ĳ", "AEro_Lodz_OEuvre_ij");
    check_name("_TABLE_x", "c__TABLE_x");
    check_name("_table_x", "c__table_x");
    check_name("_PARTITIONTIME", "c__PARTITIONTIME");
    check_name("__root__", "c___root__");
    check_name("_CHANGE_TYPE", "c__CHANGE_TYPE");
    check_name("_FILE", "_FILE");                       /* not the reserved "_FILE_" */
    check_name("", "_");
    check_name("!!!", "_");
    check_name("a - b", "a_b");
    check_name("a__b", "a__b");                          /* the database's own underscores stay */
    check_name("a _b", "a_b");
    check_name("\"quoted\" 'name'", "_quoted_name_");
    check_name("price$ (€)", "price_");
    check_name("مرحبا", "_");
    check_name("x\xff\xfey", "x_y");                     /* invalid UTF-8 */
    check_name("Ünïcödé_ok", "Unicode_ok");

    char long_in[400];
    memset(long_in, 'a', sizeof(long_in) - 1);
    long_in[sizeof(long_in) - 1] = '\0';
    char *got = b2a__avro_name(long_in);
    assert_int_equal(strlen(got), 300);
    free(got);

    assert_false(b2a__avro_name_is_valid("1a"));
    assert_false(b2a__avro_name_is_valid("a-b"));
    assert_false(b2a__avro_name_is_valid("_FILE_x"));
    assert_false(b2a__avro_name_is_valid(""));
}

static void test_names_dedup(void **state)
{
    (void)state;
    b2a_avro_names *set = b2a__avro_names_new();
    assert_string_equal(b2a__avro_names_add(set, "a-b"), "a_b");
    assert_string_equal(b2a__avro_names_add(set, "A_B"), "A_B_2");
    assert_string_equal(b2a__avro_names_add(set, "a b"), "a_b_3");
    assert_string_equal(b2a__avro_names_add(set, "a_b_2"), "a_b_2_2");
    assert_string_equal(b2a__avro_names_add(set, "مرحبا"), "_");
    assert_string_equal(b2a__avro_names_add(set, "שלום"), "__2");
    assert_string_equal(b2a__avro_names_add(set, "id"), "id");
    assert_int_equal(b2a__avro_names_count(set), 7);
    assert_string_equal(b2a__avro_names_get(set, 1), "A_B_2");
    assert_null(b2a__avro_names_get(set, 7));

    /* A suffix never pushes a name past 300 characters. */
    char long_in[320];
    memset(long_in, 'q', 310);
    long_in[310] = '\0';
    assert_int_equal(strlen(b2a__avro_names_add(set, long_in)), 300);
    const char *second = b2a__avro_names_add(set, long_in);
    assert_int_equal(strlen(second), 300);
    assert_string_equal(second + 298, "_2");

    /* Many clashes: the set grows and stays exact. */
    char buf[32];
    for (int i = 0; i < 500; i++) {
        snprintf(buf, sizeof(buf), "Col-%d", i);
        b2a__avro_names_add(set, buf);
        snprintf(buf, sizeof(buf), "col_%d", i);
        const char *n = b2a__avro_names_add(set, buf);
        char want[32];
        snprintf(want, sizeof(want), "col_%d_2", i);
        assert_string_equal(n, want);
    }
    b2a__avro_names_free(set);
    b2a__avro_names_free(NULL);
}

/* ---- decimals -------------------------------------------------------- */

static void check_dec(const char *text, int p, int s, const char *hex, const char *back)
{
    uint8_t be[32];
    size_t n = 0;
    b2a_err err = {0};
    int rc = b2a__decimal_from_text(text, strlen(text), p, s, be, &n, &err);
    if (rc)
        fprintf(stderr, "%s: %s\n", text, err.msg);
    assert_int_equal(rc, B2A_OK);
    char h[80] = "";
    for (size_t i = 0; i < n; i++)
        sprintf(h + 2 * i, "%02x", be[i]);
    assert_string_equal(h, hex);
    char t[100];
    assert_int_equal(b2a__decimal_to_text(be, n, s, t, sizeof(t)), 0);
    assert_string_equal(t, back);
    assert_true(b2a__decimal_fits(be, n, p));
}

static void check_dec_fails(const char *text, int p, int s, int code, const char *msg)
{
    uint8_t be[32];
    size_t n = 0;
    b2a_err err = {0};
    assert_int_equal(b2a__decimal_from_text(text, strlen(text), p, s, be, &n, &err), code);
    assert_string_equal(err.msg, msg);
}

static void test_decimal_text(void **state)
{
    (void)state;
    check_dec("0", 1, 0, "00", "0");
    check_dec("-0.00", 5, 2, "00", "0.00");
    check_dec("-12.50", 10, 2, "fb1e", "-12.50");
    check_dec("  12.5 ", 10, 2, "04e2", "12.50");
    check_dec("+.5", 3, 2, "32", "0.50");
    check_dec("7.", 3, 0, "07", "7");
    check_dec("1.500", 5, 2, "0096", "1.50");            /* zeros past scale are exact */
    check_dec("127", 3, 0, "7f", "127");
    check_dec("128", 3, 0, "0080", "128");
    check_dec("-128", 3, 0, "80", "-128");
    check_dec("-129", 3, 0, "ff7f", "-129");
    check_dec("00042", 2, 0, "2a", "42");
    check_dec("99999999999999999999999999999999999999", 38, 0, "4b3b4ca85a86c47a098a223fffffffff",
              "99999999999999999999999999999999999999");
    check_dec("-99999999999999999999999999999999999999", 38, 0, "b4c4b357a5793b85f675ddc000000001",
              "-99999999999999999999999999999999999999");
    check_dec("-999999999999999999999999999999999999.99", 38, 2, "b4c4b357a5793b85f675ddc000000001",
              "-999999999999999999999999999999999999.99");
    check_dec("0.00000000000000000000000000000000000001", 38, 38, "01",
              "0.00000000000000000000000000000000000001");
    /* 76 nines: the widest we encode, 32 bytes. */
    char nines[80];
    memset(nines, '9', 76);
    nines[76] = '\0';
    uint8_t be[32];
    size_t n;
    b2a_err err = {0};
    assert_int_equal(b2a__decimal_from_text(nines, 76, 76, 0, be, &n, &err), B2A_OK);
    assert_int_equal(n, 32);
    char t[100];
    b2a__decimal_to_text(be, n, 0, t, sizeof(t));
    assert_string_equal(t, nines);
    assert_int_equal(b2a__decimal_digits(be, n), 76);

    check_dec_fails("1.505", 5, 2, B2A_EFORMAT,
                    "decimal value \"1.505\" has more than 2 fractional digits; refusing to round it to decimal(5,2)");
    check_dec_fails("1000.0", 5, 2, B2A_EFORMAT, "decimal value \"1000.0\" has more digits than decimal(5,2) allows");
    check_dec_fails("1e3", 5, 0, B2A_EFORMAT, "decimal value \"1e3\" uses exponent notation, which is not supported");
    check_dec_fails("NaN", 5, 0, B2A_EFORMAT, "decimal value \"NaN\" is NaN or infinite, which a decimal cannot hold");
    check_dec_fails("-Infinity", 5, 0, B2A_EFORMAT,
                    "decimal value \"-Infinity\" is NaN or infinite, which a decimal cannot hold");
    check_dec_fails("", 5, 0, B2A_EFORMAT, "decimal value \"\" is not a decimal number");
    check_dec_fails("-.", 5, 0, B2A_EFORMAT, "decimal value \"-.\" is not a decimal number");
    check_dec_fails("1,5", 5, 1, B2A_EFORMAT, "decimal value \"1,5\" is not a decimal number");
    check_dec_fails("12 3", 5, 0, B2A_EFORMAT, "decimal value \"12 3\" is not a decimal number");
    check_dec_fails("1", 0, 0, B2A_EINVAL,
                    "decimal(0,0) is not a supported precision and scale (1 <= precision <= 76, 0 <= scale <= precision)");
    check_dec_fails("1", 5, 6, B2A_EINVAL,
                    "decimal(5,6) is not a supported precision and scale (1 <= precision <= 76, 0 <= scale <= precision)");

    /* fits(): the sink's precision check, fast path and bignum path. */
    const uint8_t v999[] = {0x03, 0xe7}, v1000[] = {0x03, 0xe8}, vm1000[] = {0xfc, 0x18};
    assert_true(b2a__decimal_fits(v999, 2, 3));
    assert_false(b2a__decimal_fits(v1000, 2, 3));
    assert_false(b2a__decimal_fits(vm1000, 2, 3));
    assert_true(b2a__decimal_fits(vm1000, 2, 4));
    const uint8_t i64min[] = {0x80, 0, 0, 0, 0, 0, 0, 0};
    assert_true(b2a__decimal_fits(i64min, 8, 19));
    assert_false(b2a__decimal_fits(i64min, 8, 18));
    assert_false(b2a__decimal_fits(v999, 0, 3));
}

static void test_decimal_le(void **state)
{
    (void)state;
    uint8_t be[32];
    size_t n;
    /* SQL Server numeric: 12345 as a 4-byte little-endian magnitude. */
    const uint8_t m1[] = {0x39, 0x30, 0x00, 0x00};
    assert_int_equal(b2a__decimal_from_le_magnitude(0, m1, 4, be, &n), B2A_OK);
    assert_int_equal(n, 2);
    assert_int_equal(be[0], 0x30);
    assert_int_equal(be[1], 0x39);
    assert_int_equal(b2a__decimal_from_le_magnitude(1, m1, 4, be, &n), B2A_OK);
    assert_int_equal(n, 2);
    assert_int_equal(be[0], 0xcf);
    assert_int_equal(be[1], 0xc7);
    /* 0x80 needs a sign byte; -0x80 does not. */
    const uint8_t m2[] = {0x80, 0, 0, 0, 0, 0, 0, 0};
    assert_int_equal(b2a__decimal_from_le_magnitude(0, m2, 8, be, &n), B2A_OK);
    assert_int_equal(n, 2);
    assert_int_equal(be[0], 0x00);
    assert_int_equal(be[1], 0x80);
    assert_int_equal(b2a__decimal_from_le_magnitude(1, m2, 8, be, &n), B2A_OK);
    assert_int_equal(n, 1);
    assert_int_equal(be[0], 0x80);
    /* Negative zero is zero. */
    const uint8_t z[16] = {0};
    assert_int_equal(b2a__decimal_from_le_magnitude(1, z, 16, be, &n), B2A_OK);
    assert_int_equal(n, 1);
    assert_int_equal(be[0], 0);
    /* 10^38 - 1 in 16 bytes, both signs, round trip through text. */
    const uint8_t m38[16] = {0xff, 0xff, 0xff, 0xff, 0x3f, 0x22, 0x8a, 0x09,
                             0x7a, 0xc4, 0x86, 0x5a, 0xa8, 0x4c, 0x3b, 0x4b};
    char t[100];
    assert_int_equal(b2a__decimal_from_le_magnitude(1, m38, 16, be, &n), B2A_OK);
    b2a__decimal_to_text(be, n, 4, t, sizeof(t));
    assert_string_equal(t, "-9999999999999999999999999999999999.9999");
    /* A magnitude that cannot fit 32 bytes of two's complement. */
    uint8_t huge[33];
    memset(huge, 0xff, sizeof(huge));
    assert_int_equal(b2a__decimal_from_le_magnitude(0, huge, 32, be, &n), B2A_EINVAL);
    assert_int_equal(b2a__decimal_from_le_magnitude(0, huge, 33, be, &n), B2A_EINVAL);
    /* High zero bytes beyond 32 are fine. */
    uint8_t padded[40] = {5};
    assert_int_equal(b2a__decimal_from_le_magnitude(0, padded, 40, be, &n), B2A_OK);
    assert_int_equal(n, 1);
    assert_int_equal(be[0], 5);
}

/* ---- schema ---------------------------------------------------------- */

static const coldesc all_cols[] = {
    {"Flag", "bit", B2A_V_BOOLEAN, 0, 0, NULL},
    {"Qty", "int", B2A_V_INT, 0, 0, NULL},
    {"Big", "bigint", B2A_V_LONG, 0, 0, NULL},
    {"Ratio", "real", B2A_V_FLOAT, 0, 0, NULL},
    {"Score", "float", B2A_V_DOUBLE, 0, 0, NULL},
    {"Amount", "numeric(38,2)", B2A_V_DECIMAL, 38, 2, NULL},
    {"Name", "nvarchar(50)", B2A_V_STRING, 0, 0, NULL},
    {"Blob", "varbinary(max)", B2A_V_BYTES, 0, 0, NULL},
    {"Day", "date", B2A_V_DATE, 0, 0, NULL},
    {"At", "time(7)", B2A_V_TIME_MICROS, 0, 0, "fractional seconds truncated to microseconds"},
    {"Stamp", "datetimeoffset(7)", B2A_V_TIMESTAMP_MICROS, 0, 0, NULL},
    {"Local", "datetime2(6)", B2A_V_LOCAL_TIMESTAMP_MICROS, 0, 0, NULL},
    {"Guid", "uniqueidentifier", B2A_V_UUID, 0, 0, NULL},
    {"Doc", "json", B2A_V_JSON, 0, 0, NULL},
    {"Größe", "int", B2A_V_INT, 0, 0, NULL},
    {"größe", "int", B2A_V_INT, 0, 0, NULL},
};
#define NALL (sizeof(all_cols) / sizeof(all_cols[0]))

static const char all_schema[] =
    "{\"type\":\"record\",\"name\":\"Order_Details\",\"namespace\":\"Northwind.dbo\","
    "\"doc\":\"Table dbo.Order Details of database Northwind; source: unit test; 4 rows\","
    "\"x-source-database\":\"Northwind\",\"x-source-schema\":\"dbo\",\"x-source-table\":\"Order Details\","
    "\"fields\":["
    "{\"name\":\"Flag\",\"type\":[\"null\",\"boolean\"],\"default\":null,\"doc\":\"Flag bit\",\"x-source-name\":\"Flag\",\"x-source-type\":\"bit\"},"
    "{\"name\":\"Qty\",\"type\":[\"null\",\"int\"],\"default\":null,\"doc\":\"Qty int\",\"x-source-name\":\"Qty\",\"x-source-type\":\"int\"},"
    "{\"name\":\"Big\",\"type\":[\"null\",\"long\"],\"default\":null,\"doc\":\"Big bigint\",\"x-source-name\":\"Big\",\"x-source-type\":\"bigint\"},"
    "{\"name\":\"Ratio\",\"type\":[\"null\",\"float\"],\"default\":null,\"doc\":\"Ratio real\",\"x-source-name\":\"Ratio\",\"x-source-type\":\"real\"},"
    "{\"name\":\"Score\",\"type\":[\"null\",\"double\"],\"default\":null,\"doc\":\"Score float\",\"x-source-name\":\"Score\",\"x-source-type\":\"float\"},"
    "{\"name\":\"Amount\",\"type\":[\"null\",{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":38,\"scale\":2}],\"default\":null,\"doc\":\"Amount numeric(38,2)\",\"x-source-name\":\"Amount\",\"x-source-type\":\"numeric(38,2)\"},"
    "{\"name\":\"Name\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"Name nvarchar(50)\",\"x-source-name\":\"Name\",\"x-source-type\":\"nvarchar(50)\"},"
    "{\"name\":\"Blob\",\"type\":[\"null\",\"bytes\"],\"default\":null,\"doc\":\"Blob varbinary(max)\",\"x-source-name\":\"Blob\",\"x-source-type\":\"varbinary(max)\"},"
    "{\"name\":\"Day\",\"type\":[\"null\",{\"type\":\"int\",\"logicalType\":\"date\"}],\"default\":null,\"doc\":\"Day date\",\"x-source-name\":\"Day\",\"x-source-type\":\"date\"},"
    "{\"name\":\"At\",\"type\":[\"null\",{\"type\":\"long\",\"logicalType\":\"time-micros\"}],\"default\":null,\"doc\":\"At time(7); fractional seconds truncated to microseconds\",\"x-source-name\":\"At\",\"x-source-type\":\"time(7)\"},"
    "{\"name\":\"Stamp\",\"type\":[\"null\",{\"type\":\"long\",\"logicalType\":\"timestamp-micros\"}],\"default\":null,\"doc\":\"Stamp datetimeoffset(7)\",\"x-source-name\":\"Stamp\",\"x-source-type\":\"datetimeoffset(7)\"},"
    "{\"name\":\"Local\",\"type\":[\"null\",{\"type\":\"long\",\"logicalType\":\"local-timestamp-micros\"}],\"default\":null,\"doc\":\"Local datetime2(6)\",\"x-source-name\":\"Local\",\"x-source-type\":\"datetime2(6)\"},"
    "{\"name\":\"Guid\",\"type\":[\"null\",{\"type\":\"string\",\"logicalType\":\"uuid\"}],\"default\":null,\"doc\":\"Guid uniqueidentifier\",\"x-source-name\":\"Guid\",\"x-source-type\":\"uniqueidentifier\"},"
    "{\"name\":\"Doc\",\"type\":[\"null\",{\"type\":\"string\",\"sqlType\":\"JSON\"}],\"default\":null,\"doc\":\"Doc json\",\"x-source-name\":\"Doc\",\"x-source-type\":\"json\"},"
    "{\"name\":\"Grosse\",\"type\":[\"null\",\"int\"],\"default\":null,\"doc\":\"Größe int\",\"x-source-name\":\"Größe\",\"x-source-type\":\"int\"},"
    "{\"name\":\"grosse_2\",\"type\":[\"null\",\"int\"],\"default\":null,\"doc\":\"größe int\",\"x-source-name\":\"größe\",\"x-source-type\":\"int\"}"
    "]}";

static void test_schema_json(void **state)
{
    (void)state;
    b2a_table_def t;
    make_table(&t, "dbo", "Order Details", all_cols, NALL, 4);
    b2a_avro_table at = { &t, "Northwind", "unit test" };
    char *json = NULL;
    b2a_avro_names *fields = NULL;
    b2a_err err = {0};
    assert_int_equal(b2a__avro_schema_build(&at, 0, &json, &fields, &err), B2A_OK);
    assert_string_equal(json, all_schema);
    assert_string_equal(b2a__avro_names_get(fields, 14), "Grosse");
    assert_string_equal(b2a__avro_names_get(fields, 15), "grosse_2");
    free(json);
    b2a__avro_names_free(fields);

    /* No database, unknown row count, table named like an Avro primitive. */
    free(t.name);
    t.name = strdup("string");
    t.row_count = -1;
    assert_int_equal(b2a__avro_schema_json(&t, NULL, &json, &err), B2A_OK);
    assert_non_null(strstr(json, "{\"type\":\"record\",\"name\":\"c_string\",\"namespace\":\"dbo\",\"doc\":\"Table dbo.string\","));
    free(json);

    /* Bad decimal parameters name the column. */
    t.columns[5].precision = 0;
    assert_int_equal(b2a__avro_schema_json(&t, NULL, &json, &err), B2A_EINVAL);
    assert_null(json);
    assert_string_equal(err.msg, "column \"Amount\" of dbo.string: decimal(0,2) is not valid in Avro here (need 1 <= precision <= 76, 0 <= scale <= precision)");
    t.columns[5].precision = 38;
    t.columns[3].vtype = (b2a_vtype)99;
    assert_int_equal(b2a__avro_schema_json(&t, NULL, &json, &err), B2A_EINVAL);
    assert_string_equal(err.msg, "column \"Ratio\" (#4) of dbo.string has unknown value type 99");
    t.columns[3].vtype = B2A_V_FLOAT;
    /* Names that are not UTF-8 cannot go into JSON. */
    free(t.columns[6].name);
    t.columns[6].name = strdup("bad\xff");
    assert_int_equal(b2a__avro_schema_json(&t, NULL, &json, &err), B2A_EINVAL);
    assert_string_equal(err.msg, "Avro schema of string: column #7's name or type is not valid UTF-8");
    b2a__table_def_clear(&t);

    /* A table without columns is refused. */
    make_table(&t, NULL, "empty", NULL, 0, 0);
    assert_int_equal(b2a__avro_schema_json(&t, "db", &json, &err), B2A_EINVAL);
    assert_string_equal(err.msg, "Avro schema: table empty has no columns");
    b2a__table_def_clear(&t);
}

/* ---- writing every type --------------------------------------------- */

static void write_all_rows(b2a_sink *s)
{
    const b2a_sink_ops *o = s->ops;
    /* Row 1: all null. */
    for (size_t i = 0; i < NALL; i++)
        assert_int_equal(o->null(s), B2A_OK);
    assert_int_equal(o->end_row(s), B2A_OK);
    /* Row 2: ordinary values. */
    assert_int_equal(o->boolean(s, 1), B2A_OK);
    assert_int_equal(o->i32(s, 42), B2A_OK);
    assert_int_equal(o->i64(s, 1234567890123LL), B2A_OK);
    assert_int_equal(o->f32(s, 1.5f), B2A_OK);
    assert_int_equal(o->f64(s, 3.25), B2A_OK);
    dec(s, "-12.50", 38, 2);
    str(s, "hello");
    assert_int_equal(o->bytes(s, "\x00\xff", 2), B2A_OK);
    assert_int_equal(o->i32(s, 19000), B2A_OK);
    assert_int_equal(o->i64(s, 45296789012LL), B2A_OK);
    assert_int_equal(o->i64(s, 1700000000123456LL), B2A_OK);
    assert_int_equal(o->i64(s, 1700000000123456LL), B2A_OK);
    str(s, "123E4567-E89B-12D3-A456-426614174000");
    str(s, "{\"a\":1}");
    assert_int_equal(o->i32(s, 7), B2A_OK);
    assert_int_equal(o->i32(s, -1), B2A_OK);
    assert_int_equal(o->end_row(s), B2A_OK);
    /* Row 3: lower bounds, NaN, empty values. */
    assert_int_equal(o->boolean(s, 0), B2A_OK);
    assert_int_equal(o->i32(s, INT32_MIN), B2A_OK);
    assert_int_equal(o->i64(s, INT64_MIN), B2A_OK);
    assert_int_equal(o->f32(s, -INFINITY), B2A_OK);
    assert_int_equal(o->f64(s, NAN), B2A_OK);
    dec(s, "999999999999999999999999999999999999.99", 38, 2);
    str(s, "");
    assert_int_equal(o->bytes(s, NULL, 0), B2A_OK);
    assert_int_equal(o->i32(s, -719162), B2A_OK);             /* 0001-01-01 */
    assert_int_equal(o->i64(s, 0), B2A_OK);
    assert_int_equal(o->i64(s, 0), B2A_OK);
    assert_int_equal(o->i64(s, -1), B2A_OK);
    str(s, "00000000-0000-0000-0000-000000000000");
    str(s, "[]");
    assert_int_equal(o->i32(s, INT32_MAX), B2A_OK);
    assert_int_equal(o->null(s), B2A_OK);
    assert_int_equal(o->end_row(s), B2A_OK);
    /* Row 4: upper bounds, Unicode. */
    assert_int_equal(o->boolean(s, 1), B2A_OK);
    assert_int_equal(o->i32(s, INT32_MAX), B2A_OK);
    assert_int_equal(o->i64(s, INT64_MAX), B2A_OK);
    assert_int_equal(o->f32(s, FLT_MAX), B2A_OK);
    assert_int_equal(o->f64(s, -0.0), B2A_OK);
    dec(s, "-999999999999999999999999999999999999.99", 38, 2);
    str(s, "Grüße 日本 🎉 مرحبا \"q\"\\\n");
    uint8_t b300[300];
    for (int i = 0; i < 300; i++)
        b300[i] = (uint8_t)i;
    assert_int_equal(o->bytes(s, b300, 300), B2A_OK);
    assert_int_equal(o->i32(s, 2932896), B2A_OK);             /* 9999-12-31 */
    assert_int_equal(o->i64(s, 86399999999LL), B2A_OK);
    assert_int_equal(o->i64(s, -1), B2A_OK);
    assert_int_equal(o->i64(s, 253402300799999999LL), B2A_OK);
    str(s, "ffffffff-ffff-ffff-ffff-ffffffffffff");
    str(s, "{\"ключ\":\"значение\"}");
    assert_int_equal(o->null(s), B2A_OK);
    assert_int_equal(o->i32(s, 0), B2A_OK);
    assert_int_equal(o->end_row(s), B2A_OK);
}

static const char all_records[] =
    "{\"Flag\":null,\"Qty\":null,\"Big\":null,\"Ratio\":null,\"Score\":null,\"Amount\":null,\"Name\":null,\"Blob\":null,\"Day\":null,\"At\":null,\"Stamp\":null,\"Local\":null,\"Guid\":null,\"Doc\":null,\"Grosse\":null,\"grosse_2\":null}\n"
    "{\"Flag\":true,\"Qty\":42,\"Big\":1234567890123,\"Ratio\":1.5,\"Score\":3.25,\"Amount\":\"-12.50\",\"Name\":\"hello\",\"Blob\":{\"hex\":\"00ff\"},\"Day\":\"2022-01-08\",\"At\":\"12:34:56.789012\",\"Stamp\":\"2023-11-14T22:13:20.123456+00:00\",\"Local\":1700000000123456,\"Guid\":\"123e4567-e89b-12d3-a456-426614174000\",\"Doc\":\"{\\\"a\\\":1}\",\"Grosse\":7,\"grosse_2\":-1}\n"
    "{\"Flag\":false,\"Qty\":-2147483648,\"Big\":-9223372036854775808,\"Ratio\":-Infinity,\"Score\":NaN,\"Amount\":\"999999999999999999999999999999999999.99\",\"Name\":\"\",\"Blob\":{\"hex\":\"\"},\"Day\":\"0001-01-01\",\"At\":\"00:00:00\",\"Stamp\":\"1970-01-01T00:00:00+00:00\",\"Local\":-1,\"Guid\":\"00000000-0000-0000-0000-000000000000\",\"Doc\":\"[]\",\"Grosse\":2147483647,\"grosse_2\":null}\n"
    "{\"Flag\":true,\"Qty\":2147483647,\"Big\":9223372036854775807,\"Ratio\":3.4028234663852886e+38,\"Score\":-0.0,\"Amount\":\"-999999999999999999999999999999999999.99\",\"Name\":\"Grüße 日本 🎉 مرحبا \\\"q\\\"\\\\\\n\",\"Blob\":{\"len\":300,\"crc32\":\"%08lx\"},\"Day\":\"9999-12-31\",\"At\":\"23:59:59.999999\",\"Stamp\":\"1969-12-31T23:59:59.999999+00:00\",\"Local\":253402300799999999,\"Guid\":\"ffffffff-ffff-ffff-ffff-ffffffffffff\",\"Doc\":\"{\\\"ключ\\\":\\\"значение\\\"}\",\"Grosse\":null,\"grosse_2\":0}\n";

static void all_types_with(int codec, const char *codec_name)
{
    b2a_table_def t;
    make_table(&t, "dbo", "Order Details", all_cols, NALL, 4);
    b2a_avro_table at = { &t, "Northwind", "unit test" };
    const char *path = path_in_tmp("all.avro");
    b2a_ocf_writer *w = NULL;
    b2a_err err = {0};
    assert_int_equal(b2a__ocf_open_table(path, &at, codec, 0, &w, &err), B2A_OK);
    b2a__table_def_clear(&t);   /* the writer keeps its own copy */
    assert_string_equal(b2a__ocf_schema_json(w), all_schema);
    assert_string_equal(b2a__ocf_field_name(w, 14), "Grosse");
    assert_false(file_exists(path));        /* only the temp exists until commit */
    write_all_rows(b2a__ocf_sink(w));
    assert_int_equal(b2a__ocf_rows(w), 4);
    assert_int_equal(b2a__ocf_commit(w, &err), B2A_OK);

    char listing[512];
    list_dir(listing, sizeof(listing));
    assert_string_equal(listing, "all.avro");

    char *out = dump(path);
    char want[sizeof(all_schema) + sizeof(all_records) + 256];
    uint8_t b300[300];
    for (int i = 0; i < 300; i++)
        b300[i] = (uint8_t)i;
    int n = snprintf(want, sizeof(want), "schema: %s\ncodec: %s\n", all_schema, codec_name);
    snprintf(want + n, sizeof(want) - (size_t)n, all_records, (unsigned long)crc32(0, b300, 300));
    assert_string_equal(out, want);
    /* The stored schema is ours: logical types, docs and defaults survive. */
    assert_non_null(strstr(out, "\"logicalType\":\"local-timestamp-micros\""));
    assert_non_null(strstr(out, "\"default\":null,\"doc\":\"At time(7); fractional"));
    free(out);
    unlink(path);
}

static void test_all_types_null(void **state)
{
    (void)state;
    all_types_with(B2A_CODEC_NULL, "null");
}

static void test_all_types_deflate(void **state)
{
    (void)state;
    all_types_with(B2A_CODEC_DEFLATE, "deflate");
}

static void test_all_types_snappy(void **state)
{
    (void)state;
    all_types_with(B2A_CODEC_SNAPPY, "snappy");
}

/* ---- huge values: a 100 KB string and a 20 MB bytes value ------------ */

static const coldesc big_cols[] = {
    {"id", "int", B2A_V_INT, 0, 0, NULL},
    {"text", "nvarchar(max)", B2A_V_STRING, 0, 0, NULL},
    {"data", "varbinary(max)", B2A_V_BYTES, 0, 0, NULL},
};

static void big_values_with(int codec)
{
    b2a_table_def t;
    make_table(&t, "dbo", "lobs", big_cols, 3, -1);
    const char *path = path_in_tmp("big.avro");
    b2a_ocf_writer *w = NULL;
    b2a_err err = {0};
    assert_int_equal(b2a__ocf_open(path, &t, "db", codec, 64 * 1024, &w, &err), B2A_OK);
    b2a__table_def_clear(&t);
    b2a_sink *s = b2a__ocf_sink(w);

    size_t tlen = 100 * 1024;
    char *text = malloc(tlen);
    for (size_t i = 0; i < tlen; i++)
        text[i] = (char)('a' + i % 26);
    size_t dlen = 20u << 20;
    uint8_t *data = malloc(dlen);
    uint32_t x = 12345;
    for (size_t i = 0; i < dlen; i++) {
        x = x * 1103515245u + 12345u;   /* poorly compressible */
        data[i] = (uint8_t)(x >> 16);
    }
    for (int row = 0; row < 3; row++) {
        assert_int_equal(s->ops->i32(s, row), B2A_OK);
        assert_int_equal(s->ops->string(s, text, tlen), B2A_OK);
        if (row == 1)
            assert_int_equal(s->ops->bytes(s, data, dlen), B2A_OK);
        else
            assert_int_equal(s->ops->bytes(s, "x", 1), B2A_OK);
        assert_int_equal(s->ops->end_row(s), B2A_OK);
    }
    assert_int_equal(b2a__ocf_commit(w, &err), B2A_OK);

    char *out = dump(path);
    char want[1024];
    unsigned long tc = crc32(0, (const Bytef *)text, (uInt)tlen);
    unsigned long dc = crc32(0, data, (uInt)dlen);
    snprintf(want, sizeof(want),
             "{\"id\":0,\"text\":{\"len\":102400,\"crc32\":\"%08lx\"},\"data\":{\"hex\":\"78\"}}\n"
             "{\"id\":1,\"text\":{\"len\":102400,\"crc32\":\"%08lx\"},\"data\":{\"len\":20971520,\"crc32\":\"%08lx\"}}\n"
             "{\"id\":2,\"text\":{\"len\":102400,\"crc32\":\"%08lx\"},\"data\":{\"hex\":\"78\"}}\n",
             tc, tc, dc, tc);
    assert_string_equal(records_of(out), want);
    free(out);
    free(text);
    free(data);
    unlink(path);
}

static void test_big_values_null(void **state)
{
    (void)state;
    big_values_with(B2A_CODEC_NULL);
}

static void test_big_values_deflate(void **state)
{
    (void)state;
    big_values_with(B2A_CODEC_DEFLATE);
}

static void test_big_values_snappy(void **state)
{
    (void)state;
    big_values_with(B2A_CODEC_SNAPPY);
}

/* ---- many rows over many blocks, and avro-c as a second reader ------- */

static const coldesc many_cols[] = {
    {"id", "bigint", B2A_V_LONG, 0, 0, NULL},
    {"label", "varchar(20)", B2A_V_STRING, 0, 0, NULL},
    {"price", "decimal(12,2)", B2A_V_DECIMAL, 12, 2, NULL},
};
#define MANY_ROWS 20000

/* Sync markers in the file = blocks + 1 (the header's). */
static int count_blocks(const char *path)
{
    size_t len;
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(len);
    assert_int_equal(fread(buf, 1, len, f), len);
    fclose(f);
    int n = 0;
    const uint8_t *sync = buf + len - 16;
    for (const uint8_t *p = buf; p + 16 <= buf + len;) {
        const uint8_t *q = memmem(p, (size_t)(buf + len - p), sync, 16);
        if (!q)
            break;
        n++;
        p = q + 16;
    }
    free(buf);
    return n - 1;
}

static void write_many(const char *path, int codec)
{
    b2a_table_def t;
    make_table(&t, "sales", "items", many_cols, 3, MANY_ROWS);
    b2a_ocf_writer *w = NULL;
    b2a_err err = {0};
    assert_int_equal(b2a__ocf_open(path, &t, NULL, codec, 4096, &w, &err), B2A_OK);
    b2a__table_def_clear(&t);
    b2a_sink *s = b2a__ocf_sink(w);
    char buf[64];
    for (int i = 0; i < MANY_ROWS; i++) {
        assert_int_equal(s->ops->i64(s, (int64_t)i * 1000003 - 5000000), B2A_OK);
        if (i % 7 == 3) {
            assert_int_equal(s->ops->null(s), B2A_OK);
        } else {
            snprintf(buf, sizeof(buf), "item-%d", i);
            str(s, buf);
        }
        snprintf(buf, sizeof(buf), "%d.%02d", i - 10000, i % 100);
        dec(s, buf, 12, 2);
        assert_int_equal(s->ops->end_row(s), B2A_OK);
    }
    assert_int_equal(b2a__ocf_rows(w), MANY_ROWS);
    assert_int_equal(b2a__ocf_commit(w, &err), B2A_OK);
}

static void many_rows_with(int codec)
{
    const char *path = path_in_tmp("many.avro");
    write_many(path, codec);
    int blocks = count_blocks(path);
    assert_true(blocks >= 20);

    size_t cap = MANY_ROWS * 64, len = 0;
    char *want = malloc(cap);
    for (int i = 0; i < MANY_ROWS; i++) {
        char label[32];
        if (i % 7 == 3)
            snprintf(label, sizeof(label), "null");
        else
            snprintf(label, sizeof(label), "\"item-%d\"", i);
        /* -0.xx prints as "-0.xx"; (i - 10000).(i % 100) keeps its sign. */
        len += (size_t)snprintf(want + len, cap - len, "{\"id\":%" PRId64 ",\"label\":%s,\"price\":\"%d.%02d\"}\n",
                                (int64_t)i * 1000003 - 5000000, label, i - 10000, i % 100);
    }
    char *out = dump(path);
    assert_string_equal(records_of(out), want);
    free(out);
    free(want);
    unlink(path);
}

static void test_many_rows_null(void **state)
{
    (void)state;
    many_rows_with(B2A_CODEC_NULL);
}

static void test_many_rows_deflate(void **state)
{
    (void)state;
    many_rows_with(B2A_CODEC_DEFLATE);
}

static void test_many_rows_snappy(void **state)
{
    (void)state;
    many_rows_with(B2A_CODEC_SNAPPY);
}

static void avro_c_reads(int codec)
{
    const char *path = path_in_tmp("avroc.avro");
    write_many(path, codec);
    avro_file_reader_t r;
    assert_int_equal(avro_file_reader(path, &r), 0);
    avro_schema_t ws = avro_file_reader_get_writer_schema(r);
    avro_value_iface_t *iface = avro_generic_class_from_schema(ws);
    avro_value_t rec;
    avro_generic_value_new(iface, &rec);
    int n = 0, rc;
    while ((rc = avro_file_reader_read_value(r, &rec)) == 0) {
        avro_value_t u, v;
        int disc = -1;
        int64_t id = 0;
        assert_int_equal(avro_value_get_by_index(&rec, 0, &u, NULL), 0);
        assert_int_equal(avro_value_get_discriminant(&u, &disc), 0);
        assert_int_equal(disc, 1);
        assert_int_equal(avro_value_get_current_branch(&u, &v), 0);
        assert_int_equal(avro_value_get_long(&v, &id), 0);
        assert_int_equal(id, (int64_t)n * 1000003 - 5000000);

        assert_int_equal(avro_value_get_by_index(&rec, 1, &u, NULL), 0);
        assert_int_equal(avro_value_get_discriminant(&u, &disc), 0);
        if (n % 7 == 3) {
            assert_int_equal(disc, 0);
        } else {
            const char *sv = NULL;
            size_t sl = 0;
            char want[32];
            assert_int_equal(disc, 1);
            assert_int_equal(avro_value_get_current_branch(&u, &v), 0);
            assert_int_equal(avro_value_get_string(&v, &sv, &sl), 0);
            snprintf(want, sizeof(want), "item-%d", n);
            assert_string_equal(sv, want);
            assert_int_equal(sl, strlen(want) + 1);
        }
        /* The decimal's bytes: unscaled (i - 10000) * 100 +/- i % 100. */
        const void *bp = NULL;
        size_t bl = 0;
        assert_int_equal(avro_value_get_by_index(&rec, 2, &u, NULL), 0);
        assert_int_equal(avro_value_get_current_branch(&u, &v), 0);
        assert_int_equal(avro_value_get_bytes(&v, &bp, &bl), 0);
        assert_true(bl > 0);
        int64_t unscaled = (((const uint8_t *)bp)[0] & 0x80) ? -1 : 0;
        for (size_t k = 0; k < bl; k++)
            unscaled = (int64_t)((uint64_t)unscaled << 8) | ((const uint8_t *)bp)[k];
        int64_t whole = n - 10000;
        int64_t want = whole * 100 + (whole < 0 ? -(n % 100) : (n % 100));
        assert_int_equal(unscaled, want);
        n++;
    }
    assert_int_equal(n, MANY_ROWS);
    avro_value_decref(&rec);
    avro_value_iface_decref(iface);
    avro_schema_decref(ws);
    avro_file_reader_close(r);
    unlink(path);
}

static void test_avro_c_null(void **state)
{
    (void)state;
    avro_c_reads(B2A_CODEC_NULL);
}

static void test_avro_c_deflate(void **state)
{
    (void)state;
    avro_c_reads(B2A_CODEC_DEFLATE);
}

/* ---- type discipline and errors ------------------------------------- */

static const coldesc disc_cols[] = {
    {"id", "int", B2A_V_INT, 0, 0, NULL},
    {"price", "numeric(5,2)", B2A_V_DECIMAL, 5, 2, NULL},
    {"name", "text", B2A_V_STRING, 0, 0, NULL},
    {"key", "uuid", B2A_V_UUID, 0, 0, NULL},
};

static b2a_ocf_writer *open_disc(const char *path)
{
    b2a_table_def t;
    make_table(&t, "public", "t", disc_cols, 4, -1);
    b2a_ocf_writer *w = NULL;
    b2a_err err = {0};
    assert_int_equal(b2a__ocf_open(path, &t, "db", B2A_CODEC_DEFLATE, 0, &w, &err), B2A_OK);
    b2a__table_def_clear(&t);
    return w;
}

static void good_row(b2a_sink *s)
{
    assert_int_equal(s->ops->i32(s, 1), B2A_OK);
    dec(s, "999.99", 5, 2);
    str(s, "x");
    str(s, "123e4567-e89b-12d3-a456-426614174000");
    assert_int_equal(s->ops->end_row(s), B2A_OK);
}

static void expect_failure(b2a_ocf_writer *w, int code, const char *msg_suffix)
{
    char msg[B2A_ERRMSG_MAX];
    snprintf(msg, sizeof(msg), "%s: %s", path_in_tmp("disc.avro"), msg_suffix);
    assert_int_equal(b2a__ocf_error(w)->code, code);
    assert_string_equal(b2a__ocf_error(w)->msg, msg);
    /* Sticky: the next call fails the same way, and commit removes the temp. */
    b2a_sink *s = b2a__ocf_sink(w);
    assert_int_equal(s->ops->null(s), code);
    b2a_err err = {0};
    assert_int_equal(b2a__ocf_commit(w, &err), code);
    assert_string_equal(err.msg, msg);
    char listing[256];
    list_dir(listing, sizeof(listing));
    assert_string_equal(listing, "");
}

static void test_type_discipline(void **state)
{
    (void)state;
    const char *path = path_in_tmp("disc.avro");
    b2a_ocf_writer *w;
    b2a_sink *s;

    w = open_disc(path);
    s = b2a__ocf_sink(w);
    good_row(s);
    assert_int_equal(s->ops->i64(s, 1), B2A_EINVAL);
    expect_failure(w, B2A_EINVAL, "row 2, column \"id\" (#1) is int, but the source gave a i64() value");

    w = open_disc(path);
    s = b2a__ocf_sink(w);
    assert_int_equal(s->ops->i32(s, 1), B2A_OK);
    assert_int_equal(s->ops->string(s, "1.00", 4), B2A_EINVAL);
    expect_failure(w, B2A_EINVAL, "row 1, column \"price\" (#2) is decimal, but the source gave a string() value");

    w = open_disc(path);
    s = b2a__ocf_sink(w);
    assert_int_equal(s->ops->i32(s, 1), B2A_OK);
    assert_int_equal(s->ops->end_row(s), B2A_EINVAL);
    expect_failure(w, B2A_EINVAL, "row 1 ended after 1 of the table's 4 values");

    w = open_disc(path);
    s = b2a__ocf_sink(w);
    for (int i = 0; i < 4; i++)
        assert_int_equal(s->ops->null(s), B2A_OK);
    assert_int_equal(s->ops->null(s), B2A_EINVAL);
    expect_failure(w, B2A_EINVAL, "row 1: more values than the table's 4 columns");

    /* 1000.00 has 6 digits: more than numeric(5,2) holds. */
    w = open_disc(path);
    s = b2a__ocf_sink(w);
    assert_int_equal(s->ops->i32(s, 1), B2A_OK);
    const uint8_t v100000[] = {0x01, 0x86, 0xa0};
    assert_int_equal(s->ops->decimal(s, v100000, 3), B2A_EFORMAT);
    expect_failure(w, B2A_EFORMAT, "row 1, column \"price\": value 1000.00 does not fit decimal(5,2)");

    w = open_disc(path);
    s = b2a__ocf_sink(w);
    assert_int_equal(s->ops->i32(s, 1), B2A_OK);
    assert_int_equal(s->ops->decimal(s, v100000, 0), B2A_EINVAL);
    expect_failure(w, B2A_EINVAL, "row 1, column \"price\": empty decimal value");

    w = open_disc(path);
    s = b2a__ocf_sink(w);
    assert_int_equal(s->ops->i32(s, 1), B2A_OK);
    assert_int_equal(s->ops->null(s), B2A_OK);
    assert_int_equal(s->ops->string(s, "ab\xc3(", 4), B2A_EFORMAT);
    expect_failure(w, B2A_EFORMAT, "row 1, column \"name\": text is not valid UTF-8 (byte 3 of 4)");

    w = open_disc(path);
    s = b2a__ocf_sink(w);
    assert_int_equal(s->ops->i32(s, 1), B2A_OK);
    assert_int_equal(s->ops->null(s), B2A_OK);
    assert_int_equal(s->ops->string(s, "\xed\xa0\x80", 3), B2A_EFORMAT);   /* a UTF-16 surrogate */
    expect_failure(w, B2A_EFORMAT, "row 1, column \"name\": text is not valid UTF-8 (byte 1 of 3)");

    w = open_disc(path);
    s = b2a__ocf_sink(w);
    assert_int_equal(s->ops->i32(s, 1), B2A_OK);
    assert_int_equal(s->ops->null(s), B2A_OK);
    assert_int_equal(s->ops->null(s), B2A_OK);
    assert_int_equal(s->ops->string(s, "{123e4567-e89b-12d3-a456-426614174000}", 38), B2A_EFORMAT);
    expect_failure(w, B2A_EFORMAT,
                   "row 1, column \"key\": \"{123e4567-e89b-12d3-a456-426614174000}\" is not a UUID in 8-4-4-4-12 form");

    /* A row left half-written fails the commit. */
    w = open_disc(path);
    s = b2a__ocf_sink(w);
    good_row(s);
    assert_int_equal(s->ops->i32(s, 1), B2A_OK);
    b2a_err err = {0};
    assert_int_equal(b2a__ocf_commit(w, &err), B2A_EINVAL);
    char msg[512];
    snprintf(msg, sizeof(msg), "%s: row 2 was left incomplete (1 of 4 values)", path);
    assert_string_equal(err.msg, msg);
    assert_false(file_exists(path));
}

static void test_open_errors(void **state)
{
    (void)state;
    b2a_table_def t;
    make_table(&t, "public", "t", disc_cols, 4, -1);
    b2a_ocf_writer *w = NULL;
    b2a_err err = {0};
    assert_int_equal(b2a__ocf_open("/nonexistent-dir/x.avro", &t, "db", B2A_CODEC_NULL, 0, &w, &err),
                     B2A_ENOTFOUND);
    assert_null(w);
    assert_string_equal(err.msg, "/nonexistent-dir/x.avro: cannot create the output file: No such file or directory");
    assert_int_equal(b2a__ocf_open(path_in_tmp("x.avro"), &t, "db", 7, 0, &w, &err), B2A_EINVAL);
    assert_string_equal(err.msg + strlen(tmpdir), "/x.avro: unknown Avro codec 7");
    t.columns[1].scale = 9;
    assert_int_equal(b2a__ocf_open(path_in_tmp("x.avro"), &t, "db", B2A_CODEC_NULL, 0, &w, &err), B2A_EINVAL);
    assert_string_equal(err.msg + strlen(tmpdir),
                        "/x.avro: column \"price\" of public.t: decimal(5,9) is not valid in Avro here (need 1 <= precision <= 76, 0 <= scale <= precision)");
    b2a__table_def_clear(&t);
    char listing[256];
    list_dir(listing, sizeof(listing));
    assert_string_equal(listing, "");
}

/* ---- the writer thread ----------------------------------------------- */

/* Threads of this process, from /proc/self/status. */
static int thread_count(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    assert_non_null(f);
    char line[256];
    int n = -1;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "Threads: %d", &n) == 1)
            break;
    fclose(f);
    return n;
}

/* The thread count once a joined writer thread has left it. pthread_join
 * returns when the kernel clears the thread's tid, slightly before the
 * thread stops being counted in /proc; a leaked thread never leaves, so
 * waiting up to 2 s keeps the assertion able to fail. */
static int thread_count_settled(int want)
{
    int n = thread_count();
    for (int i = 0; i < 200 && n != want; i++) {
        usleep(10000);
        n = thread_count();
    }
    return n;
}

static off_t file_size(const char *p)
{
    struct stat st;
    assert_int_equal(stat(p, &st), 0);
    return st.st_size;
}

/* One many_cols row (i as in write_many). */
static int many_row(b2a_sink *s, int i)
{
    char buf[64];
    int rc;
    if ((rc = s->ops->i64(s, (int64_t)i * 1000003 - 5000000)))
        return rc;
    snprintf(buf, sizeof(buf), "item-%d", i);
    if ((rc = s->ops->string(s, buf, strlen(buf))))
        return rc;
    if ((rc = s->ops->null(s)))
        return rc;
    return s->ops->end_row(s);
}

static b2a_ocf_writer *open_many(const char *path, int codec, size_t block)
{
    b2a_table_def t;
    make_table(&t, "sales", "items", many_cols, 3, -1);
    b2a_ocf_writer *w = NULL;
    b2a_err err = {0};
    assert_int_equal(b2a__ocf_open(path, &t, NULL, codec, block, &w, &err), B2A_OK);
    b2a__table_def_clear(&t);
    return w;
}

/* The thread starts only when a first block fills, and is joined by commit. */
static void test_thread_lifecycle(void **state)
{
    (void)state;
    const char *path = path_in_tmp("life.avro");
    int base = thread_count();
    b2a_ocf_writer *w = open_many(path, B2A_CODEC_DEFLATE, 4096);
    b2a_sink *s = b2a__ocf_sink(w);
    for (int i = 0; i < 10; i++)
        assert_int_equal(many_row(s, i), B2A_OK);
    assert_int_equal(thread_count(), base);
    int i = 10;
    for (; i < 1000; i++)
        assert_int_equal(many_row(s, i), B2A_OK);
    assert_int_equal(thread_count(), base + 1);
    b2a_err err = {0};
    assert_int_equal(b2a__ocf_commit(w, &err), B2A_OK);
    assert_int_equal(thread_count_settled(base), base);
    assert_true(count_blocks(path) >= 5);
    /* every row is there, in order */
    char *out = dump(path);
    const char *r = records_of(out);
    for (int k = 0; k < 1000; k++) {
        char want[128];
        int n = snprintf(want, sizeof(want), "{\"id\":%" PRId64 ",\"label\":\"item-%d\",\"price\":null}\n",
                         (int64_t)k * 1000003 - 5000000, k);
        assert_int_equal(strncmp(r, want, (size_t)n), 0);
        r += n;
    }
    assert_string_equal(r, "");
    free(out);
    unlink(path);
}

/* RLIMIT_FSIZE makes the writer thread's write(2) fail with EFBIG. */
static struct rlimit saved_fsize;

static void limit_file_size(rlim_t bytes)
{
    signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved_fsize), 0);
    struct rlimit r = saved_fsize;
    r.rlim_cur = bytes;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &r), 0);
}

static void unlimit_file_size(void)
{
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved_fsize), 0);
    signal(SIGXFSZ, SIG_DFL);
}

/* "<path>: writing <path>.tmp-XXXXXXXX failed: File too large" */
static void assert_efbig_msg(const char *msg, const char *path)
{
    char head[600];
    snprintf(head, sizeof(head), "%s: writing %s.tmp-", path, path);
    assert_int_equal(strncmp(msg, head, strlen(head)), 0);
    assert_string_equal(msg + strlen(head) + 8, " failed: File too large");
}

/* A failure on the writer thread surfaces at a later append, stays
 * sticky, fails the commit with the same message, and leaves no file. */
static void test_thread_error_at_append(void **state)
{
    (void)state;
    const char *path = path_in_tmp("efbig.avro");
    char listing[256];
    b2a_ocf_writer *w = open_many(path, B2A_CODEC_NULL, 4096);
    list_dir(listing, sizeof(listing));
    char tmp[600];
    snprintf(tmp, sizeof(tmp), "%s/%s", tmpdir, listing);
    limit_file_size((rlim_t)file_size(tmp) + 10000);
    b2a_sink *s = b2a__ocf_sink(w);
    int rc = B2A_OK, i = 0;
    for (; i < 100000 && rc == B2A_OK; i++)
        rc = many_row(s, i);
    unlimit_file_size();
    assert_int_equal(rc, B2A_EIO);
    /* 10000 bytes hold 2 blocks; the filler learns at most 3 blocks later */
    assert_true(i > 100 && i < 2000);
    assert_efbig_msg(b2a__ocf_error(w)->msg, path);
    assert_int_equal(b2a__ocf_error(w)->code, B2A_EIO);
    assert_int_equal(s->ops->null(s), B2A_EIO);
    assert_int_equal(s->ops->end_row(s), B2A_EIO);
    b2a_err err = {0};
    assert_int_equal(b2a__ocf_commit(w, &err), B2A_EIO);
    assert_int_equal(err.klass, B2A_ERRCLASS_IO);
    assert_efbig_msg(err.msg, path);
    list_dir(listing, sizeof(listing));
    assert_string_equal(listing, "");
}

/* The last block's failure, after every append succeeded, fails the commit. */
static void test_thread_error_at_commit(void **state)
{
    (void)state;
    const char *path = path_in_tmp("efbig.avro");
    char listing[256];
    b2a_ocf_writer *w = open_many(path, B2A_CODEC_SNAPPY, 4096);
    list_dir(listing, sizeof(listing));
    char tmp[600];
    snprintf(tmp, sizeof(tmp), "%s/%s", tmpdir, listing);
    limit_file_size((rlim_t)file_size(tmp));   /* the header, and not a byte more */
    b2a_sink *s = b2a__ocf_sink(w);
    /* Appends until the first block is handed over (the writer thread
     * starts): nothing was queued before, so no failure can be known yet. */
    int base = thread_count();
    for (int i = 0; thread_count() == base; i++) {
        assert_true(i < 100000);
        assert_int_equal(many_row(s, i), B2A_OK);
    }
    b2a_err err = {0};
    assert_int_equal(b2a__ocf_commit(w, &err), B2A_EIO);
    unlimit_file_size();
    assert_efbig_msg(err.msg, path);
    list_dir(listing, sizeof(listing));
    assert_string_equal(listing, "");
}

/* Abort while blocks are queued or being written: they are dropped, the
 * thread is joined, and nothing is left in the folder. */
static void test_thread_abort_in_flight(void **state)
{
    (void)state;
    const char *path = path_in_tmp("abort.avro");
    char listing[256];
    int base = thread_count();
    for (int round = 0; round < 20; round++) {
        b2a_ocf_writer *w = open_many(path, B2A_CODEC_DEFLATE, 4096);
        b2a_sink *s = b2a__ocf_sink(w);
        for (int i = 0; i < 300 + round * 50; i++)
            assert_int_equal(many_row(s, i), B2A_OK);
        b2a__ocf_abort(w);
        assert_int_equal(thread_count_settled(base), base);
        list_dir(listing, sizeof(listing));
        assert_string_equal(listing, "");
    }
}

/* ---- commit, abort, avsc --------------------------------------------- */

static void test_commit_abort(void **state)
{
    (void)state;
    const char *path = path_in_tmp("disc.avro");
    char listing[256];

    b2a_ocf_writer *w = open_disc(path);
    good_row(b2a__ocf_sink(w));
    list_dir(listing, sizeof(listing));
    assert_int_equal(strncmp(listing, "disc.avro.tmp-", 14), 0);
    assert_int_equal(strlen(listing), strlen("disc.avro.tmp-") + 8);
    b2a__ocf_abort(w);
    list_dir(listing, sizeof(listing));
    assert_string_equal(listing, "");
    b2a__ocf_abort(NULL);

    /* An empty table still makes a valid file with its schema. */
    w = open_disc(path);
    b2a_err err = {0};
    assert_int_equal(b2a__ocf_commit(w, &err), B2A_OK);
    list_dir(listing, sizeof(listing));
    assert_string_equal(listing, "disc.avro");
    char *out = dump(path);
    assert_string_equal(records_of(out), "");
    const char *head = "schema: {\"type\":\"record\",\"name\":\"t\",\"namespace\":\"db.public\"";
    assert_int_equal(strncmp(out, head, strlen(head)), 0);
    free(out);

    /* Commit replaces an existing file of the same name. */
    w = open_disc(path);
    good_row(b2a__ocf_sink(w));
    assert_int_equal(b2a__ocf_commit(w, &err), B2A_OK);
    list_dir(listing, sizeof(listing));
    assert_string_equal(listing, "disc.avro");
    out = dump(path);
    assert_string_equal(records_of(out),
                        "{\"id\":1,\"price\":\"999.99\",\"name\":\"x\",\"key\":\"123e4567-e89b-12d3-a456-426614174000\"}\n");
    free(out);
    unlink(path);
}

/* ---- NOT NULL columns: required fields -------------------------------- */

static const char req_schema[] =
    "{\"type\":\"record\",\"name\":\"t\",\"namespace\":\"db.public\",\"doc\":\"Table public.t of database db\","
    "\"x-source-database\":\"db\",\"x-source-schema\":\"public\",\"x-source-table\":\"t\",\"fields\":["
    "{\"name\":\"id\",\"type\":\"int\",\"doc\":\"id int\",\"x-source-name\":\"id\",\"x-source-type\":\"int\"},"
    "{\"name\":\"price\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":5,\"scale\":2},"
    "\"doc\":\"price numeric(5,2)\",\"x-source-name\":\"price\",\"x-source-type\":\"numeric(5,2)\"},"
    "{\"name\":\"name\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"name text\",\"x-source-name\":\"name\",\"x-source-type\":\"text\"},"
    "{\"name\":\"key\",\"type\":{\"type\":\"string\",\"logicalType\":\"uuid\"},\"doc\":\"key uuid\",\"x-source-name\":\"key\",\"x-source-type\":\"uuid\"},"
    "{\"name\":\"day\",\"type\":[\"null\",{\"type\":\"int\",\"logicalType\":\"date\"}],\"default\":null,\"doc\":\"day date\",\"x-source-name\":\"day\",\"x-source-type\":\"date\"}"
    "]}";

/* id, price, key NOT NULL; name nullable; day NOT NULL but its mapping
 * writes some values as NULL (zero dates), so it stays nullable. */
static b2a_ocf_writer *open_required(const char *path)
{
    static const coldesc cols[] = {
        {"id", "int", B2A_V_INT, 0, 0, NULL},
        {"price", "numeric(5,2)", B2A_V_DECIMAL, 5, 2, NULL},
        {"name", "text", B2A_V_STRING, 0, 0, NULL},
        {"key", "uuid", B2A_V_UUID, 0, 0, NULL},
        {"day", "date", B2A_V_DATE, 0, 0, NULL},
    };
    b2a_table_def t;
    make_table(&t, "public", "t", cols, 5, -1);
    t.columns[0].nullable = t.columns[1].nullable = t.columns[3].nullable = t.columns[4].nullable = 0;
    t.columns[4].nulls_values = 1;
    b2a_ocf_writer *w = NULL;
    b2a_err err = {0};
    assert_int_equal(b2a__ocf_open(path, &t, "db", B2A_CODEC_DEFLATE, 0, &w, &err), B2A_OK);
    assert_string_equal(b2a__ocf_schema_json(w), req_schema);
    b2a__table_def_clear(&t);
    return w;
}

static void test_not_null_required(void **state)
{
    (void)state;
    const char *path = path_in_tmp("req.avro");
    b2a_ocf_writer *w = open_required(path);
    b2a_sink *s = b2a__ocf_sink(w);
    assert_int_equal(s->ops->i32(s, 1), B2A_OK);
    dec(s, "999.99", 5, 2);
    str(s, "x");
    str(s, "123e4567-e89b-12d3-a456-426614174000");
    assert_int_equal(s->ops->i32(s, 19000), B2A_OK);
    assert_int_equal(s->ops->end_row(s), B2A_OK);
    assert_int_equal(s->ops->i32(s, -2), B2A_OK);
    dec(s, "-0.01", 5, 2);
    assert_int_equal(s->ops->null(s), B2A_OK);
    str(s, "00000000-0000-0000-0000-000000000000");
    assert_int_equal(s->ops->null(s), B2A_OK);
    assert_int_equal(s->ops->end_row(s), B2A_OK);
    b2a_err err = {0};
    assert_int_equal(b2a__ocf_commit(w, &err), B2A_OK);
    /* Debian's python3-avro reads the values back under the stored schema. */
    char *out = dump(path);
    char want[2048];
    snprintf(want, sizeof(want), "schema: %s\ncodec: deflate\n"
             "{\"id\":1,\"price\":\"999.99\",\"name\":\"x\",\"key\":\"123e4567-e89b-12d3-a456-426614174000\",\"day\":\"2022-01-08\"}\n"
             "{\"id\":-2,\"price\":\"-0.01\",\"name\":null,\"key\":\"00000000-0000-0000-0000-000000000000\",\"day\":null}\n",
             req_schema);
    assert_string_equal(out, want);
    free(out);
    unlink(path);

    /* A NULL for a required field fails the file, naming the column; nothing is published. */
    w = open_required(path);
    s = b2a__ocf_sink(w);
    assert_int_equal(s->ops->i32(s, 1), B2A_OK);
    dec(s, "1.00", 5, 2);
    str(s, "y");
    assert_int_equal(s->ops->null(s), B2A_EFORMAT);
    char msg[B2A_ERRMSG_MAX];
    snprintf(msg, sizeof(msg), "%s: row 1, column \"key\" is NOT NULL in the source (a required Avro field), but the source gave a NULL", path);
    assert_string_equal(b2a__ocf_error(w)->msg, msg);
    assert_int_equal(s->ops->end_row(s), B2A_EFORMAT);
    assert_int_equal(b2a__ocf_commit(w, &err), B2A_EFORMAT);
    assert_string_equal(err.msg, msg);
    char listing[256];
    list_dir(listing, sizeof(listing));
    assert_string_equal(listing, "");
}

static void test_avsc(void **state)
{
    (void)state;
    b2a_table_def t;
    make_table(&t, "public", "t", disc_cols, 2, 3);
    const char *path = path_in_tmp("t.avsc");
    b2a_err err = {0};
    assert_int_equal(b2a__ocf_write_avsc(path, &t, NULL, &err), B2A_OK);
    b2a__table_def_clear(&t);
    char listing[256];
    list_dir(listing, sizeof(listing));
    assert_string_equal(listing, "t.avsc");
    FILE *f = fopen(path, "r");
    char buf[4096];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    assert_string_equal(buf,
        "{\n"
        "  \"type\": \"record\",\n"
        "  \"name\": \"t\",\n"
        "  \"namespace\": \"public\",\n"
        "  \"doc\": \"Table public.t; 3 rows\",\n"
        "  \"x-source-schema\": \"public\",\n"
        "  \"x-source-table\": \"t\",\n"
        "  \"fields\": [\n"
        "    {\n"
        "      \"name\": \"id\",\n"
        "      \"type\": [\n"
        "        \"null\",\n"
        "        \"int\"\n"
        "      ],\n"
        "      \"default\": null,\n"
        "      \"doc\": \"id int\",\n"
        "      \"x-source-name\": \"id\",\n"
        "      \"x-source-type\": \"int\"\n"
        "    },\n"
        "    {\n"
        "      \"name\": \"price\",\n"
        "      \"type\": [\n"
        "        \"null\",\n"
        "        {\n"
        "          \"type\": \"bytes\",\n"
        "          \"logicalType\": \"decimal\",\n"
        "          \"precision\": 5,\n"
        "          \"scale\": 2\n"
        "        }\n"
        "      ],\n"
        "      \"default\": null,\n"
        "      \"doc\": \"price numeric(5,2)\",\n"
        "      \"x-source-name\": \"price\",\n"
        "      \"x-source-type\": \"numeric(5,2)\"\n"
        "    }\n"
        "  ]\n"
        "}\n");
    /* And avro-c accepts it as a schema. */
    avro_schema_t sch;
    assert_int_equal(avro_schema_from_json_length(buf, n, &sch), 0);
    avro_schema_decref(sch);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_names, clean_each),
        cmocka_unit_test_setup(test_names_dedup, clean_each),
        cmocka_unit_test_setup(test_decimal_text, clean_each),
        cmocka_unit_test_setup(test_decimal_le, clean_each),
        cmocka_unit_test_setup(test_schema_json, clean_each),
        cmocka_unit_test_setup(test_all_types_null, clean_each),
        cmocka_unit_test_setup(test_all_types_deflate, clean_each),
        cmocka_unit_test_setup(test_all_types_snappy, clean_each),
        cmocka_unit_test_setup(test_big_values_null, clean_each),
        cmocka_unit_test_setup(test_big_values_deflate, clean_each),
        cmocka_unit_test_setup(test_big_values_snappy, clean_each),
        cmocka_unit_test_setup(test_many_rows_null, clean_each),
        cmocka_unit_test_setup(test_many_rows_deflate, clean_each),
        cmocka_unit_test_setup(test_many_rows_snappy, clean_each),
        cmocka_unit_test_setup(test_avro_c_null, clean_each),
        cmocka_unit_test_setup(test_avro_c_deflate, clean_each),
        cmocka_unit_test_setup(test_type_discipline, clean_each),
        cmocka_unit_test_setup(test_open_errors, clean_each),
        cmocka_unit_test_setup(test_commit_abort, clean_each),
        cmocka_unit_test_setup(test_avsc, clean_each),
        cmocka_unit_test_setup(test_not_null_required, clean_each),
        cmocka_unit_test_setup(test_thread_lifecycle, clean_each),
        cmocka_unit_test_setup(test_thread_error_at_append, clean_each),
        cmocka_unit_test_setup(test_thread_error_at_commit, clean_each),
        cmocka_unit_test_setup(test_thread_abort_in_flight, clean_each),
    };
    return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
