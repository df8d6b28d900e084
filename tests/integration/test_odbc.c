/* The ODBC layer against a real server: PostgreSQL or MariaDB, chosen by
 * B2A_TEST_DB_VENDOR and reached through B2A_TEST_DB_{HOST,PORT,USER,
 * PASSWORD,NAME} (tests/integration/with-db.sh sets them; exit 77 without).
 * Creates tables with every mapped type, introspects them, exports them
 * into a sink that renders text and compares exactly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <pthread.h>

#include "avro/decimal.h"
#include "core/sink.h"
#include "odbc/introspect.h"
#include "odbc/odbc.h"
#include "util/str.h"

/* ---- a sink rendering rows as text: "|" between values, "\n" after a row;
 * NULL, true/false, integers, %.9g / %.17g floats, decimals with the
 * column's scale, bytes as \x hex, strings as they are ---- */
typedef struct text_sink {
    b2a_sink base;
    const b2a_table_def *t;
    size_t col;
    char *buf;
    size_t len, cap;
    size_t rows;
    size_t fail_on_row;  /* >0: end_row of that row returns B2A_EUSER */
    unsigned char *seen; /* when set: how often each column-0 integer key was seen */
    size_t nseen;
    size_t bad_keys;
} text_sink;

static void ts_put(text_sink *s, const char *p, size_t n)
{
    if (s->len + n + 1 > s->cap) {
        s->cap = (s->len + n + 1) * 2;
        s->buf = realloc(s->buf, s->cap);
        assert_non_null(s->buf);
    }
    memcpy(s->buf + s->len, p, n);
    s->len += n;
    s->buf[s->len] = '\0';
}

static void ts_sep(text_sink *s)
{
    assert_true(s->col < s->t->ncolumns); /* never more values than columns */
    if (s->col++ > 0)
        ts_put(s, "|", 1);
}

static void ts_key(text_sink *s, int64_t v)
{
    if (s->col != 0 || !s->seen)
        return;
    if (v < 0 || (size_t)v >= s->nseen)
        s->bad_keys++;
    else
        s->seen[v]++;
}

static int ts_null(b2a_sink *b) { text_sink *s = (text_sink *)b; ts_sep(s); ts_put(s, "NULL", 4); return 0; }
static int ts_bool(b2a_sink *b, int v)
{
    text_sink *s = (text_sink *)b;
    assert_int_equal(s->t->columns[s->col].vtype, B2A_V_BOOLEAN);
    ts_sep(s);
    ts_put(s, v ? "true" : "false", v ? 4 : 5);
    return 0;
}
static int ts_i32(b2a_sink *b, int32_t v)
{
    text_sink *s = (text_sink *)b;
    char t[32];
    b2a_vtype vt = s->t->columns[s->col].vtype;
    assert_true(vt == B2A_V_INT || vt == B2A_V_DATE);
    ts_key(s, v);
    ts_sep(s);
    ts_put(s, t, (size_t)snprintf(t, sizeof(t), "%d", v));
    return 0;
}
static int ts_i64(b2a_sink *b, int64_t v)
{
    text_sink *s = (text_sink *)b;
    char t[32];
    b2a_vtype vt = s->t->columns[s->col].vtype;
    assert_true(vt == B2A_V_LONG || vt == B2A_V_TIME_MICROS || vt == B2A_V_TIMESTAMP_MICROS ||
                vt == B2A_V_LOCAL_TIMESTAMP_MICROS);
    ts_key(s, v);
    ts_sep(s);
    ts_put(s, t, (size_t)snprintf(t, sizeof(t), "%lld", (long long)v));
    return 0;
}
static int ts_f32(b2a_sink *b, float v)
{
    text_sink *s = (text_sink *)b;
    char t[64];
    assert_int_equal(s->t->columns[s->col].vtype, B2A_V_FLOAT);
    ts_sep(s);
    ts_put(s, t, (size_t)snprintf(t, sizeof(t), "%.9g", (double)v));
    return 0;
}
static int ts_f64(b2a_sink *b, double v)
{
    text_sink *s = (text_sink *)b;
    char t[64];
    assert_int_equal(s->t->columns[s->col].vtype, B2A_V_DOUBLE);
    ts_sep(s);
    ts_put(s, t, (size_t)snprintf(t, sizeof(t), "%.17g", v));
    return 0;
}
static int ts_bytes(b2a_sink *b, const void *p, size_t n)
{
    text_sink *s = (text_sink *)b;
    assert_int_equal(s->t->columns[s->col].vtype, B2A_V_BYTES);
    ts_sep(s);
    ts_put(s, "\\x", 2);
    for (size_t i = 0; i < n; i++) {
        char t[4];
        snprintf(t, sizeof(t), "%02x", ((const unsigned char *)p)[i]);
        ts_put(s, t, 2);
    }
    return 0;
}
static int ts_string(b2a_sink *b, const char *p, size_t n)
{
    text_sink *s = (text_sink *)b;
    b2a_vtype vt = s->t->columns[s->col].vtype;
    assert_true(vt == B2A_V_STRING || vt == B2A_V_UUID || vt == B2A_V_JSON);
    ts_sep(s);
    ts_put(s, p, n);
    return 0;
}
static int ts_decimal(b2a_sink *b, const uint8_t *be, size_t n)
{
    text_sink *s = (text_sink *)b;
    char t[128];
    const b2a_column *c = &s->t->columns[s->col];
    assert_int_equal(c->vtype, B2A_V_DECIMAL);
    assert_true(b2a__decimal_fits(be, n, c->precision));
    b2a__decimal_to_text(be, n, c->scale, t, sizeof(t));
    ts_sep(s);
    ts_put(s, t, strlen(t));
    return 0;
}
static int ts_end(b2a_sink *b)
{
    text_sink *s = (text_sink *)b;
    assert_int_equal(s->col, s->t->ncolumns); /* one value per column */
    s->rows++;
    s->col = 0;
    ts_put(s, "\n", 1);
    if (s->fail_on_row && s->rows == s->fail_on_row)
        return B2A_EUSER;
    return 0;
}

static const b2a_sink_ops text_sink_ops = {ts_null, ts_bool, ts_i32, ts_i64, ts_f32, ts_f64,
                                           ts_bytes, ts_string, ts_decimal, ts_end};

static void sink_init(text_sink *s, const b2a_table_def *t)
{
    memset(s, 0, sizeof(*s));
    s->base.ops = &text_sink_ops;
    s->t = t;
}

/* ---- fixtures ---- */
static const char pg_fixture[] =
    "DROP SCHEMA IF EXISTS b2a_t CASCADE;\n"
    "CREATE SCHEMA b2a_t;\n"
    "CREATE TYPE b2a_t.mood AS ENUM ('sad', 'happy');\n"
    "CREATE DOMAIN b2a_t.posint AS integer CHECK (VALUE > 0);\n"
    "CREATE TABLE b2a_t.alltypes (\n"
    "  id int PRIMARY KEY, s smallint, i int, b bigint, o oid, n numeric(10,2), nu numeric, nbig numeric(50,5),\n"
    "  r real, d double precision, m money, bo boolean, dt date, ts timestamp, tstz timestamptz, t time,\n"
    "  ttz timetz, iv interval, u uuid, j json, jb jsonb, by bytea, tx text, vc varchar(20), ch char(5),\n"
    "  ip inet, arr int[], e b2a_t.mood, dom b2a_t.posint);\n"
    "INSERT INTO b2a_t.alltypes VALUES\n"
    " (1, -32768, -2147483648, -9223372036854775808, 4294967295, -12345678.90, 1.5, 123456789012345678901234567890123456789012345.12345,\n"
    "  -1.5, 1e308, '-92233720368547758.08', true, '0001-01-01', '1970-01-01 00:00:00.000001', '2024-02-29 23:59:59.999999+05:30', '00:00:00',\n"
    "  '12:34:56.789+02', '1 year 2 mons 3 days 04:05:06.7', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', '{\"a\": [1, 2]}', '{\"b\": null, \"a\": 1}', '\\x00ff10', 'héllo €', 'vc ünï', 'ab',\n"
    "  '192.168.0.1/24', '{1,NULL,3}', 'happy', 7),\n"
    " (2, 32767, 2147483647, 9223372036854775807, 0, 99999999.99, -12.25, -0.00001,\n"
    "  'NaN', '-Infinity', '92233720368547758.07', false, '9999-12-31', '2000-01-01 12:00:00', '1969-12-31 23:59:59+00', '23:59:59.999999',\n"
    "  '00:00:00+00', '-1 second', '00000000-0000-0000-0000-000000000000', '[]', '\"x\"', '\\x', '', '', '',\n"
    "  '::1', '{}', 'sad', 1),\n"
    " (3, NULL, NULL, NULL, NULL, NULL, 3, NULL, NULL, NULL, NULL, NULL, 'infinity', '-infinity', '0044-03-15 12:00:00+00 BC', NULL,\n"
    "  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);\n"
    "CREATE TABLE b2a_t.\"we\"\"ird ünï\" (\"k\"\"ey\" int PRIMARY KEY, \"naïve col\" text);\n"
    "INSERT INTO b2a_t.\"we\"\"ird ünï\" VALUES (1, 'x\"y''z'), (2, NULL);\n"
    "CREATE TABLE b2a_t.specials (id int PRIMARY KEY, nn numeric, ni numeric, nw numeric, ne numeric);\n"
    "INSERT INTO b2a_t.specials VALUES (1, 'NaN', 9223372036854775807, 1e40, NULL), (2, 1.25, -5, 1, NULL);\n"
    "CREATE TABLE b2a_t.part (id int, region text, PRIMARY KEY (id, region)) PARTITION BY LIST (region);\n"
    "CREATE TABLE b2a_t.part_eu PARTITION OF b2a_t.part FOR VALUES IN ('eu');\n"
    "CREATE TABLE b2a_t.part_us PARTITION OF b2a_t.part FOR VALUES IN ('us');\n"
    "INSERT INTO b2a_t.part VALUES (1, 'eu'), (2, 'us'), (3, 'eu');\n"
    "CREATE VIEW b2a_t.v AS SELECT id FROM b2a_t.alltypes;\n"
    "CREATE MATERIALIZED VIEW b2a_t.mv AS SELECT id FROM b2a_t.alltypes;\n"
    "CREATE TABLE b2a_t.big (id bigint PRIMARY KEY, payload text, f double precision);\n"
    "INSERT INTO b2a_t.big SELECT g, repeat('p', g % 50), g / 4.0 FROM generate_series(1, 10000) g;\n"
    "CREATE TABLE b2a_t.narrow (id int PRIMARY KEY, x bigint, y double precision, z date);\n"
    "INSERT INTO b2a_t.narrow SELECT g, g * 3, g / 2.0, date '2020-01-01' + g FROM generate_series(1, 1000) g;\n"
    "CREATE TABLE b2a_t.tkey (code varchar(10) PRIMARY KEY, v int);\n"
    "INSERT INTO b2a_t.tkey SELECT 'k' || lpad(g::text, 4, '0'), g FROM generate_series(1, 500) g;\n"
    "CREATE TABLE b2a_t.longval (id int PRIMARY KEY, t text, b bytea);\n"
    "INSERT INTO b2a_t.longval SELECT g, repeat('é', g * 700), decode(repeat('ab', g * 1500), 'hex') FROM generate_series(0, 6) g;\n"
    "INSERT INTO b2a_t.longval VALUES (7, repeat('é', 150000), decode(repeat('ab', 150000), 'hex')), (8, NULL, NULL);\n"
    "CREATE TABLE b2a_t.ckey (v int, a int, b varchar(10), PRIMARY KEY (a, b));\n"
    "INSERT INTO b2a_t.ckey SELECT g, g % 7, 'b' || g FROM generate_series(1, 2500) g;\n"
    "CREATE TABLE b2a_t.nopk (i int, t text);\n"
    "INSERT INTO b2a_t.nopk SELECT g, repeat('z', g * 1000) FROM generate_series(1, 300) g;\n";

static const char my_fixture[] =
    "DROP DATABASE IF EXISTS b2a_t;\n"
    "CREATE DATABASE b2a_t CHARACTER SET utf8mb4;\n"
    "SET SESSION sql_mode = '';\n"
    "CREATE TABLE b2a_t.alltypes (\n"
    "  id int PRIMARY KEY, ti tinyint, t1 tinyint(1), tu tinyint unsigned, si smallint, mi mediumint unsigned,\n"
    "  i int, iu int unsigned, b bigint, bu bigint unsigned, d decimal(10,2), dw decimal(65,30),\n"
    "  f float, db double, b1 bit(1), b9 bit(9), y year, dt date, dtm datetime(6), ts timestamp(6) NULL,\n"
    "  tm time(6), ch char(5), vc varchar(20), tx text, bn binary(3), vb varbinary(10), bl blob,\n"
    "  en enum('a','b c'), st set('x','y'), js json, g point, u uuid, i6 inet6);\n"
    "INSERT INTO b2a_t.alltypes VALUES\n"
    " (1, -128, 1, 255, -32768, 16777215, -2147483648, 4294967295, -9223372036854775808, 18446744073709551615, -12345678.90,\n"
    "  12345678901234567890123456789012345.123456789012345678901234567890,\n"
    "  -1.5, 1e308, b'1', b'100000001', 1901, '1000-01-01', '1970-01-01 00:00:00.000001', '2024-02-29 23:59:59.999999',\n"
    "  '-838:59:59.000000', 'ab', 'vc ünï', 'héllo €', 'a', x'00ff10', x'cafe', 'b c', 'x,y', '{\"a\": [1, 2]}', POINT(1.5, -2),\n"
    "  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '::1'),\n"
    " (2, 127, 0, 0, 32767, 0, 2147483647, 0, 9223372036854775807, 0, 99999999.99, -0.000000000000000000000000000001,\n"
    "  3.25, -2.5e-300, b'0', b'0', 2155, '9999-12-31', '9999-12-31 23:59:59.999999', '1970-01-01 00:00:01',\n"
    "  '23:59:59.5', '', '', '', '', '', '', 'a', '', '[]', NULL, NULL, NULL),\n"
    " (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '0000-00-00',\n"
    "  '2020-00-15 10:00:00', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);\n"
    "CREATE TABLE b2a_t.`we``ird ünï` (`k``ey` int PRIMARY KEY, `naïve col` text);\n"
    "INSERT INTO b2a_t.`we``ird ünï` VALUES (1, 'x\"y''z\\\\'), (2, NULL);\n"
    "CREATE VIEW b2a_t.v AS SELECT id FROM b2a_t.alltypes;\n"
    "CREATE TABLE b2a_t.big (id bigint PRIMARY KEY, payload text, f double);\n"
    "INSERT INTO b2a_t.big SELECT seq, REPEAT('p', seq % 50), seq / 4 FROM seq_1_to_10000;\n"
    "CREATE TABLE b2a_t.narrow (id int PRIMARY KEY, x bigint, y double, z date);\n"
    "INSERT INTO b2a_t.narrow SELECT seq, seq * 3, seq / 2, DATE '2020-01-01' + INTERVAL seq DAY FROM seq_1_to_1000;\n"
    "CREATE TABLE b2a_t.tkey (code varchar(10) PRIMARY KEY, v int);\n"
    "INSERT INTO b2a_t.tkey SELECT CONCAT('k', LPAD(seq, 4, '0')), seq FROM seq_1_to_500;\n"
    "CREATE TABLE b2a_t.longval (id int PRIMARY KEY, t mediumtext, b mediumblob);\n"
    "INSERT INTO b2a_t.longval SELECT seq, REPEAT('é', seq * 700), UNHEX(REPEAT('ab', seq * 1500)) FROM seq_0_to_6;\n"
    "INSERT INTO b2a_t.longval VALUES (7, REPEAT('é', 150000), UNHEX(REPEAT('ab', 150000))), (8, NULL, NULL);\n"
    "CREATE TABLE b2a_t.ckey (v int, a int, b varchar(10), PRIMARY KEY (a, b));\n"
    "INSERT INTO b2a_t.ckey SELECT seq, seq % 7, CONCAT('b', seq) FROM seq_1_to_2500;\n"
    "CREATE TABLE b2a_t.nopk (i int, t mediumtext);\n"
    "INSERT INTO b2a_t.nopk SELECT seq, REPEAT('z', seq * 1000) FROM seq_1_to_300;\n"
    /* keyless tables bigger than a page (the tests set the page size):
     * whole-row duplicates, a nullable unique key, long values */
    "CREATE TABLE b2a_t.dups (i int, t varchar(20));\n"
    "INSERT INTO b2a_t.dups SELECT seq % 1250 + 1, CONCAT('d', seq % 1250 + 1) FROM seq_0_to_2499;\n"
    "CREATE TABLE b2a_t.unull (i int, u int UNIQUE);\n"
    "INSERT INTO b2a_t.unull SELECT seq, IF(seq % 3 = 0, NULL, seq) FROM seq_1_to_1000;\n"
    "CREATE TABLE b2a_t.ukey (i int, code varchar(10) NOT NULL, UNIQUE KEY (code));\n"
    "INSERT INTO b2a_t.ukey SELECT seq, CONCAT('c', LPAD(seq, 5, '0')) FROM seq_1_to_1000;\n"
    "CREATE TABLE b2a_t.nopkwide (i int, t mediumtext);\n"
    "INSERT INTO b2a_t.nopkwide SELECT seq, REPEAT('w', seq * 10) FROM seq_1_to_300;\n";

/* ---- test state ---- */
typedef struct fx {
    b2a_odbc_vendor v;
    b2a_odbc_conn *c;
    b2a_odbc_table *tabs;
    size_t ntabs;
} fx;

static fx F;

static char *connstr(const char *password)
{
    const char *host = getenv("B2A_TEST_DB_HOST"), *port = getenv("B2A_TEST_DB_PORT");
    const char *user = getenv("B2A_TEST_DB_USER"), *db = getenv("B2A_TEST_DB_NAME");
    if (!host)
        host = "127.0.0.1";
    /* the options a vendor layer must pass for bounded memory */
    if (F.v == B2A_ODBC_POSTGRES)
        return b2a__asprintf("Driver={PostgreSQL Unicode};Server=%s;Port=%s;Database=%s;UID=%s;PWD={%s};"
                             "UseDeclareFetch=1;Fetch=1000", host, port, db, user, password);
    return b2a__asprintf("Driver={MariaDB Unicode};Server=%s;Port=%s;Database=%s;UID=%s;PWD={%s};"
                         "NO_CACHE=1;FORWARDONLY=1;CHARSET=utf8mb4", host, port, db, user, password);
}

static const b2a_odbc_table *table(const char *name)
{
    for (size_t i = 0; i < F.ntabs; i++)
        if (!strcmp(F.tabs[i].def.schema, "b2a_t") && !strcmp(F.tabs[i].def.name, name))
            return &F.tabs[i];
    fail_msg("table b2a_t.%s not introspected", name);
    return NULL;
}

static const b2a_column *column(const b2a_odbc_table *t, const char *name)
{
    for (size_t i = 0; i < t->def.ncolumns; i++)
        if (!strcmp(t->def.columns[i].name, name))
            return &t->def.columns[i];
    fail_msg("column %s not in %s", name, t->def.name);
    return NULL;
}

static int setup(void **state)
{
    (void)state;
    b2a_err err = {0};
    char *cs = connstr(getenv("B2A_TEST_DB_PASSWORD"));
    int rc = b2a__odbc_connect(F.v, cs, 15, &F.c, &err);
    free(cs);
    if (rc) {
        fprintf(stderr, "connect: %s\n", err.msg);
        return -1;
    }
    rc = b2a__odbc_exec_script(F.c, F.v == B2A_ODBC_POSTGRES ? pg_fixture : my_fixture, "fixture", &err);
    if (rc) {
        fprintf(stderr, "fixture: %s\n", err.msg);
        return -1;
    }
    const char *schemas[] = {"b2a_t"};
    b2a_introspect_opts o = B2A_INTROSPECT_OPTS_INIT;
    o.schemas = schemas;
    o.nschemas = 1;
    rc = b2a__odbc_introspect(F.c, &o, &F.tabs, &F.ntabs, &err);
    if (rc) {
        fprintf(stderr, "introspect: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    b2a_err err = {0};
    b2a__odbc_tables_free(F.tabs, F.ntabs);
    if (F.c)
        b2a__odbc_exec(F.c, F.v == B2A_ODBC_POSTGRES ? "DROP SCHEMA b2a_t CASCADE" : "DROP DATABASE b2a_t", &err);
    b2a__odbc_disconnect(F.c);
    return 0;
}

/* Every row of an open cursor into s, `chunk` rows per call. */
static void drain(b2a_cursor *cur, const char *name, size_t chunk, text_sink *s)
{
    b2a_err err = {0};
    int eof = 0;
    size_t total = 0, before = s->rows;
    while (!eof) {
        size_t n = 0;
        if (b2a__odbc_cursor_next(cur, &s->base, chunk, &n, &eof, &err))
            fail_msg("cursor_next %s: %s", name, err.msg);
        assert_true(n <= chunk);
        assert_true(eof || n == chunk);
        total += n;
    }
    assert_int_equal(total, s->rows - before);
}

/* Export a table (or a range) in chunks of `chunk` rows into s; returns
 * how many values the cursor wrote as NULL because Avro cannot hold them. */
static uint64_t export(const b2a_odbc_table *t, const char *where, size_t chunk, text_sink *s)
{
    b2a_err err = {0};
    b2a_cursor *cur;
    if (b2a__odbc_cursor_open(F.c, F.v, &t->def, where, &cur, &err))
        fail_msg("cursor_open %s: %s", t->def.name, err.msg);
    drain(cur, t->def.name, chunk, s);
    uint64_t nulled = b2a__odbc_cursor_nulled(cur);
    b2a__odbc_cursor_close(cur);
    return nulled;
}

/* Export with keyset pages of `page` rows (0: the default; only MariaDB
 * pages); returns the export queries the cursor ran. */
static uint64_t export_paged(const b2a_odbc_table *t, size_t page, size_t chunk, text_sink *s)
{
    b2a__odbc_set_page_rows(page);
    b2a_err err = {0};
    b2a_cursor *cur;
    if (b2a__odbc_cursor_open(F.c, F.v, &t->def, NULL, &cur, &err))
        fail_msg("open %s: %s", t->def.name, err.msg);
    drain(cur, t->def.name, chunk, s);
    uint64_t q = b2a__odbc_cursor_queries(cur);
    b2a__odbc_cursor_close(cur);
    b2a__odbc_set_page_rows(0);
    return q;
}

static uint64_t expect_export(const char *name, const char *expected)
{
    const b2a_odbc_table *t = table(name);
    text_sink s;
    sink_init(&s, &t->def);
    uint64_t nulled = export(t, NULL, 2, &s);
    assert_string_equal(s.buf ? s.buf : "", expected);
    free(s.buf);
    return nulled;
}

/* ---- introspection ---- */
static void check_col(const b2a_odbc_table *t, const char *name, const char *src, b2a_vtype vt, int p, int s)
{
    const b2a_column *c = column(t, name);
    assert_string_equal(c->source_type, src);
    if (c->vtype != vt)
        fail_msg("%s.%s: vtype %d, expected %d", t->def.name, name, c->vtype, vt);
    assert_int_equal(c->precision, p);
    assert_int_equal(c->scale, s);
}

static void test_introspect_postgres(void **state)
{
    (void)state;
    const b2a_odbc_table *t = table("alltypes");
    assert_int_equal(t->kind, B2A_TABLE_KIND_TABLE);
    assert_true(t->exported);
    assert_int_equal(t->def.row_count, 3);
    assert_int_equal(t->npk, 1);
    assert_string_equal(t->pk[0], "id");
    assert_int_equal(t->def.ncolumns, 29);
    assert_false(column(t, "id")->nullable);
    assert_true(column(t, "s")->nullable);
    check_col(t, "s", "smallint", B2A_V_INT, 0, 0);
    check_col(t, "i", "integer", B2A_V_INT, 0, 0);
    check_col(t, "b", "bigint", B2A_V_LONG, 0, 0);
    check_col(t, "o", "oid", B2A_V_LONG, 0, 0);
    check_col(t, "n", "numeric(10,2)", B2A_V_DECIMAL, 10, 2);
    check_col(t, "nu", "numeric", B2A_V_DECIMAL, 38, 2);           /* profiled: 1.5, -12.25, 3 */
    check_col(t, "nbig", "numeric(50,5)", B2A_V_STRING, 0, 0);
    check_col(t, "r", "real", B2A_V_FLOAT, 0, 0);
    check_col(t, "d", "double precision", B2A_V_DOUBLE, 0, 0);
    check_col(t, "m", "money", B2A_V_DECIMAL, 19, 2);
    check_col(t, "bo", "boolean", B2A_V_BOOLEAN, 0, 0);
    check_col(t, "dt", "date", B2A_V_DATE, 0, 0);
    check_col(t, "ts", "timestamp without time zone", B2A_V_LOCAL_TIMESTAMP_MICROS, 0, 0);
    check_col(t, "tstz", "timestamp with time zone", B2A_V_TIMESTAMP_MICROS, 0, 0);
    /* infinities become NULL: these fields stay nullable even when NOT NULL */
    assert_true(column(t, "dt")->nulls_values && column(t, "ts")->nulls_values && column(t, "tstz")->nulls_values);
    assert_false(column(t, "id")->nulls_values || column(t, "t")->nulls_values);
    assert_true(b2a__column_required(column(t, "id")));
    assert_false(b2a__column_required(column(t, "s")));
    check_col(t, "t", "time without time zone", B2A_V_TIME_MICROS, 0, 0);
    check_col(t, "ttz", "time with time zone", B2A_V_STRING, 0, 0);
    check_col(t, "iv", "interval", B2A_V_STRING, 0, 0);
    check_col(t, "u", "uuid", B2A_V_UUID, 0, 0);
    check_col(t, "j", "json", B2A_V_JSON, 0, 0);
    check_col(t, "jb", "jsonb", B2A_V_JSON, 0, 0);
    check_col(t, "by", "bytea", B2A_V_BYTES, 0, 0);
    check_col(t, "tx", "text", B2A_V_STRING, 0, 0);
    check_col(t, "vc", "character varying(20)", B2A_V_STRING, 0, 0);
    check_col(t, "ch", "character(5)", B2A_V_STRING, 0, 0);
    check_col(t, "ip", "inet", B2A_V_STRING, 0, 0);
    check_col(t, "arr", "integer[]", B2A_V_STRING, 0, 0);
    check_col(t, "e", "b2a_t.mood", B2A_V_STRING, 0, 0);
    check_col(t, "dom", "b2a_t.posint", B2A_V_INT, 0, 0);        /* domain -> its base type */
    assert_non_null(column(t, "nbig")->note);
    assert_non_null(column(t, "arr")->note);
    assert_null(column(t, "i")->note);

    t = table("specials");
    check_col(t, "nn", "numeric", B2A_V_STRING, 0, 0); /* NaN present */
    check_col(t, "ni", "numeric", B2A_V_LONG, 0, 0);   /* integers within int64 */
    check_col(t, "nw", "numeric", B2A_V_STRING, 0, 0); /* 41 digits */
    check_col(t, "ne", "numeric", B2A_V_STRING, 0, 0); /* nothing to profile */
    assert_string_equal(column(t, "nn")->note, "numeric without precision holds NaN or Infinity: exported as text");

    /* partitioned parent once, with all rows; partitions not listed */
    t = table("part");
    assert_int_equal(t->kind, B2A_TABLE_KIND_PARTITIONED);
    assert_true(t->exported);
    assert_int_equal(t->def.row_count, 3);
    assert_int_equal(t->npk, 2);
    assert_string_equal(t->pk[0], "id");
    assert_string_equal(t->pk[1], "region");
    for (size_t i = 0; i < F.ntabs; i++)
        assert_true(strncmp(F.tabs[i].def.name, "part_", 5) != 0);

    t = table("v");
    assert_int_equal(t->kind, B2A_TABLE_KIND_VIEW);
    assert_false(t->exported);
    assert_int_equal(t->def.row_count, -1);
    t = table("mv");
    assert_int_equal(t->kind, B2A_TABLE_KIND_MATVIEW);
    assert_false(t->exported);

    t = table("we\"ird ünï");
    assert_string_equal(t->pk[0], "k\"ey");
    assert_int_equal(t->def.row_count, 2);
    assert_int_equal(table("big")->def.row_count, 10000);
    assert_int_equal(table("narrow")->def.row_count, 1000);
    assert_int_equal(table("tkey")->def.row_count, 500);
    assert_int_equal(F.ntabs, 12);
}

static void test_introspect_mariadb(void **state)
{
    (void)state;
    const b2a_odbc_table *t = table("alltypes");
    assert_int_equal(t->kind, B2A_TABLE_KIND_TABLE);
    assert_int_equal(t->def.row_count, 3);
    assert_int_equal(t->npk, 1);
    assert_string_equal(t->pk[0], "id");
    assert_int_equal(t->def.ncolumns, 33);
    check_col(t, "ti", "tinyint(4)", B2A_V_INT, 0, 0);
    check_col(t, "t1", "tinyint(1)", B2A_V_INT, 0, 0);           /* not boolean */
    check_col(t, "tu", "tinyint(3) unsigned", B2A_V_INT, 0, 0);
    check_col(t, "mi", "mediumint(8) unsigned", B2A_V_INT, 0, 0);
    check_col(t, "i", "int(11)", B2A_V_INT, 0, 0);
    check_col(t, "iu", "int(10) unsigned", B2A_V_LONG, 0, 0);
    check_col(t, "b", "bigint(20)", B2A_V_LONG, 0, 0);
    check_col(t, "bu", "bigint(20) unsigned", B2A_V_DECIMAL, 20, 0);
    check_col(t, "d", "decimal(10,2)", B2A_V_DECIMAL, 10, 2);
    check_col(t, "dw", "decimal(65,30)", B2A_V_STRING, 0, 0);
    check_col(t, "f", "float", B2A_V_FLOAT, 0, 0);
    check_col(t, "db", "double", B2A_V_DOUBLE, 0, 0);
    check_col(t, "b1", "bit(1)", B2A_V_BOOLEAN, 0, 0);
    check_col(t, "b9", "bit(9)", B2A_V_LONG, 0, 0);
    check_col(t, "y", "year(4)", B2A_V_INT, 0, 0);
    check_col(t, "dt", "date", B2A_V_DATE, 0, 0);
    check_col(t, "dtm", "datetime(6)", B2A_V_LOCAL_TIMESTAMP_MICROS, 0, 0);
    check_col(t, "ts", "timestamp(6)", B2A_V_TIMESTAMP_MICROS, 0, 0);
    /* zero dates become NULL: these fields stay nullable even when NOT NULL */
    assert_true(column(t, "dt")->nulls_values && column(t, "dtm")->nulls_values && column(t, "ts")->nulls_values);
    check_col(t, "tm", "time(6)", B2A_V_STRING, 0, 0);
    check_col(t, "ch", "char(5)", B2A_V_STRING, 0, 0);
    check_col(t, "tx", "text", B2A_V_STRING, 0, 0);
    check_col(t, "bn", "binary(3)", B2A_V_BYTES, 0, 0);
    check_col(t, "bl", "blob", B2A_V_BYTES, 0, 0);
    check_col(t, "en", "enum('a','b c')", B2A_V_STRING, 0, 0);
    check_col(t, "st", "set('x','y')", B2A_V_STRING, 0, 0);
    check_col(t, "js", "longtext", B2A_V_JSON, 0, 0);             /* MariaDB JSON = LONGTEXT + json_valid */
    check_col(t, "g", "point", B2A_V_STRING, 0, 0);
    check_col(t, "u", "uuid", B2A_V_UUID, 0, 0);
    assert_string_equal(column(t, "g")->note, "geometry as WKT (ST_AsText); the SRID is not kept");

    t = table("v");
    assert_int_equal(t->kind, B2A_TABLE_KIND_VIEW);
    assert_false(t->exported);
    assert_int_equal(t->def.row_count, -1);
    t = table("we`ird ünï");
    assert_string_equal(t->pk[0], "k`ey");
    assert_int_equal(t->def.row_count, 2);
    assert_int_equal(table("big")->def.row_count, 10000);
    assert_int_equal(F.ntabs, 13);
}

/* Views are exported (and counted) only when asked. */
static void test_include_views(void **state)
{
    (void)state;
    const char *schemas[] = {"b2a_t"};
    b2a_introspect_opts o = B2A_INTROSPECT_OPTS_INIT;
    o.schemas = schemas;
    o.nschemas = 1;
    o.include_views = 1;
    b2a_odbc_table *t;
    size_t n;
    b2a_err err = {0};
    assert_int_equal(b2a__odbc_introspect(F.c, &o, &t, &n, &err), 0);
    int views = 0;
    for (size_t i = 0; i < n; i++) {
        if (t[i].kind == B2A_TABLE_KIND_VIEW || t[i].kind == B2A_TABLE_KIND_MATVIEW) {
            views++;
            assert_true(t[i].exported);
            assert_int_equal(t[i].def.row_count, 3);
        }
    }
    assert_int_equal(views, F.v == B2A_ODBC_POSTGRES ? 2 : 1);
    b2a__odbc_tables_free(t, n);
}

/* ---- export ---- */
static void test_export_postgres(void **state)
{
    (void)state;
    expect_export("alltypes",
        "1|-32768|-2147483648|-9223372036854775808|4294967295|-12345678.90|1.50|123456789012345678901234567890123456789012345.12345|-1.5|1e+308|-92233720368547758.08|true|-719162|1|1709231399999999|0|12:34:56.789+02|P1Y2M3DT4H5M6.7S|a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11|{\"a\": [1, 2]}|{\"a\": 1, \"b\": null}|\\x00ff10|héllo €|vc ünï|ab   |192.168.0.1/24|[1,null,3]|happy|7\n"
        "2|32767|2147483647|9223372036854775807|0|99999999.99|-12.25|-0.00001|nan|-inf|92233720368547758.07|false|2932896|946728000000000|-1000000|86399999999|00:00:00+00|PT-1S|00000000-0000-0000-0000-000000000000|[]|\"x\"|\\x|||     |::1/128|[]|sad|1\n"
        "3|NULL|NULL|NULL|NULL|NULL|3.00|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL\n");
    /* rows of every partition */
    expect_export("part",
        "1|eu\n"
        "3|eu\n"
        "2|us\n");
    expect_export("specials",
        "1|NaN|9223372036854775807|10000000000000000000000000000000000000000|NULL\n"
        "2|1.25|-5|1|NULL\n");
    expect_export("we\"ird ünï",
        "1|x\"y'z\n"
        "2|NULL\n");
}

static void test_export_mariadb(void **state)
{
    (void)state;
    /* row 3: the zero date 0000-00-00 is NULL and counted; MariaDB's driver
     * itself returns the partial-zero datetime 2020-00-15 as NULL */
    uint64_t nulled = expect_export("alltypes",
        "1|-128|1|255|-32768|16777215|-2147483648|4294967295|-9223372036854775808|18446744073709551615|-12345678.90|12345678901234567890123456789012345.123456789012345678901234567890|-1.5|1e+308|true|257|1901|-354285|1|1709251199999999|-838:59:59.000000|ab|vc ünï|héllo €|\\x610000|\\x00ff10|\\xcafe|b c|x,y|{\"a\": [1, 2]}|POINT(1.5 -2)|a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11|::1\n"
        "2|127|0|0|32767|0|2147483647|0|9223372036854775807|0|99999999.99|-0.000000000000000000000000000001|3.25|-2.5e-300|false|0|2155|2932896|253402300799999999|1000000|23:59:59.500000||||\\x000000|\\x|\\x|a||[]|NULL|NULL|NULL\n"
        "3|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL\n");
    assert_int_equal(nulled, 1);
    expect_export("we`ird ünï",
        "1|x\"y'z\\\n"
        "2|NULL\n");
}

/* 10000 rows with a text column (wide: SQLGetData) and 1000 narrow rows
 * (block fetch only), in odd chunk sizes crossing rowset boundaries. */
static void test_export_chunks(void **state)
{
    (void)state;
    const b2a_odbc_table *t = table("big");
    text_sink s;
    sink_init(&s, &t->def);
    s.seen = calloc(10001, 1);
    s.nseen = 10001;
    export(t, NULL, 333, &s);
    assert_int_equal(s.rows, 10000);
    assert_int_equal(s.bad_keys, 0);
    for (size_t i = 1; i <= 10000; i++)
        assert_int_equal(s.seen[i], 1);
    /* spot-check rows: id|repeat('p', id % 50)|id / 4 */
    assert_non_null(strstr(s.buf, "\n49|ppppppppppppppppppppppppppppppppppppppppppppppppp|12.25\n"));
    assert_non_null(strstr(s.buf, "\n50||12.5\n"));
    assert_non_null(strstr(s.buf, "\n10000||2500\n"));
    free(s.seen);
    free(s.buf);

    t = table("narrow");
    sink_init(&s, &t->def);
    s.seen = calloc(1001, 1);
    s.nseen = 1001;
    export(t, NULL, 1000000, &s);
    assert_int_equal(s.rows, 1000);
    for (size_t i = 1; i <= 1000; i++)
        assert_int_equal(s.seen[i], 1);
    /* id|id*3|id/2|2020-01-01 + id days (18262 = 2020-01-01) */
    assert_true(strncmp(s.buf, "1|3|0.5|18263\n2|6|1|18264\n", 26) == 0);
    assert_non_null(strstr(s.buf, "\n257|771|128.5|18519\n"));
    assert_non_null(strstr(s.buf, "\n1000|3000|500|19262\n"));
    free(s.seen);
    free(s.buf);
}

/* Values from empty to 300 KB: bound prefixes, re-reads and piecewise
 * SQLGetData with a growing buffer, in one rowset. */
static void test_export_long(void **state)
{
    (void)state;
    const b2a_odbc_table *t = table("longval");
    assert_int_equal(t->def.row_count, 9);
    text_sink s;
    sink_init(&s, &t->def);
    export(t, NULL, 4, &s);
    assert_int_equal(s.rows, 9);
    text_sink e; /* the expected text, built the same way */
    sink_init(&e, &t->def);
    for (int g = 0; g <= 7; g++) {
        char head[16];
        size_t nt = g == 7 ? 150000 : (size_t)g * 700, nb = g == 7 ? 150000 : (size_t)g * 1500;
        ts_put(&e, head, (size_t)snprintf(head, sizeof(head), "%d|", g));
        for (size_t i = 0; i < nt; i++)
            ts_put(&e, "é", 2);
        ts_put(&e, "|\\x", 3);
        for (size_t i = 0; i < nb; i++)
            ts_put(&e, "ab", 2);
        ts_put(&e, "\n", 1);
    }
    ts_put(&e, "8|NULL|NULL\n", 12);
    assert_int_equal(s.len, e.len);
    assert_true(memcmp(s.buf, e.buf, e.len) == 0);
    free(s.buf);
    free(e.buf);
}

/* Every row exactly once with small keyset pages (MariaDB pages; PostgreSQL
 * streams and must ignore the setting): page sizes equal to, below and
 * above the 256-row rowset, single and composite keys, wide columns. */
static void check_paged(const char *name, size_t nrows, size_t page)
{
    const b2a_odbc_table *t = table(name);
    text_sink s;
    sink_init(&s, &t->def);
    s.seen = calloc(nrows + 1, 1);
    s.nseen = nrows + 1;
    uint64_t queries = export_paged(t, page, 777, &s);
    assert_int_equal(s.rows, nrows);
    assert_int_equal(s.bad_keys, 0);
    for (size_t i = 1; i <= nrows; i++)
        if (s.seen[i] != 1)
            fail_msg("%s: key %zu seen %d times (page %zu)", name, i, s.seen[i], page);
    if (F.v == B2A_ODBC_MYSQL)
        assert_int_equal(queries, nrows / page + 1);
    else
        assert_int_equal(queries, 1);
    free(s.seen);
    free(s.buf);
}

/* No primary key: no paging, and wide values piecewise (MariaDB: one row
 * per fetch, SQLGetData; PostgreSQL: bound prefix and re-read). */
static void test_export_nopk(void **state)
{
    (void)state;
    const b2a_odbc_table *t = table("nopk");
    assert_int_equal(t->npk, 0);
    assert_int_equal(t->def.row_count, 300);
    text_sink s;
    sink_init(&s, &t->def);
    s.seen = calloc(301, 1);
    s.nseen = 301;
    export(t, NULL, 64, &s);
    assert_int_equal(s.rows, 300);
    size_t total = 0;
    for (size_t i = 1; i <= 300; i++) {
        assert_int_equal(s.seen[i], 1);
        total += 1000 * i;
    }
    /* every z arrived: the sum of lengths plus "i|" and "\n" per row */
    size_t zs = 0;
    for (size_t i = 0; i < s.len; i++)
        zs += s.buf[i] == 'z';
    assert_int_equal(zs, total);
    free(s.seen);
    free(s.buf);
}

static void test_export_paged(void **state)
{
    (void)state;
    check_paged("narrow", 1000, 256);
    check_paged("narrow", 1000, 300);
    check_paged("narrow", 1000, 999);
    check_paged("big", 10000, 1000);   /* text column: one row per fetch on MariaDB */
    check_paged("ckey", 2500, 256);
    check_paged("ckey", 2500, 100);
}

static int64_t my_count(const char *sql)
{
    b2a_err err = {0};
    int64_t n = -1;
    if (b2a__odbc_query_i64(F.c, sql, &n, &err))
        fail_msg("%s: %s", sql, err.msg);
    return n;
}

/* MariaDB's driver (3.1.15) buffers a whole result, so a table with no key
 * to page on gets one: the cursor adds __b2a_page_key to the (private,
 * restored) table and pages on it. Duplicate rows all arrive, once each;
 * the added column is neither exported nor introspected afterwards. */
static void test_export_nokey_paged(void **state)
{
    (void)state;
    const b2a_odbc_table *t = table("dups");
    assert_int_equal(t->npk, 0);
    assert_int_equal(t->def.ncolumns, 2);
    assert_int_equal(my_count("SELECT count(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'b2a_t'"
                              " AND TABLE_NAME = 'dups' AND COLUMN_NAME = '__b2a_page_key'"), 0);
    text_sink s;
    sink_init(&s, &t->def);
    s.seen = calloc(1251, 1);
    s.nseen = 1251;
    assert_int_equal(export_paged(t, 1000, 333, &s), 3);  /* 1000 + 1000 + 500 */
    assert_int_equal(s.rows, 2500);
    assert_int_equal(s.bad_keys, 0);
    for (size_t i = 1; i <= 1250; i++) {
        char line[32];
        snprintf(line, sizeof(line), "%zu|d%zu\n", i, i);
        if (s.seen[i] != 2)
            fail_msg("dups: %zu seen %d times", i, s.seen[i]);
        char *p = strstr(s.buf, line);
        assert_true(p == s.buf || (p && p[-1] == '\n'));
    }
    free(s.buf);
    /* the paging path: the key is there now, unique, and only the cursor's */
    assert_int_equal(my_count("SELECT count(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = 'b2a_t'"
                              " AND TABLE_NAME = 'dups' AND COLUMN_NAME = '__b2a_page_key' AND NON_UNIQUE = 0"), 1);
    const char *schemas[] = {"b2a_t"};
    b2a_introspect_opts o = B2A_INTROSPECT_OPTS_INIT;
    o.schemas = schemas;
    o.nschemas = 1;
    b2a_odbc_table *again;
    size_t n;
    b2a_err err = {0};
    assert_int_equal(b2a__odbc_introspect(F.c, &o, &again, &n, &err), 0);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(again[i].def.name, "dups"))
            assert_int_equal(again[i].def.ncolumns, 2);
    b2a__odbc_tables_free(again, n);
    /* a second export uses the key already there */
    free(s.seen);
    sink_init(&s, &t->def);
    assert_int_equal(export_paged(t, 700, 333, &s), 4);
    assert_int_equal(s.rows, 2500);
    free(s.buf);

    /* a small keyless table (fits a page) is read in one query, untouched */
    t = table("nopk");
    sink_init(&s, &t->def);
    assert_int_equal(export_paged(t, 0, 333, &s), 1);
    assert_int_equal(s.rows, 300);
    free(s.buf);
    assert_int_equal(my_count("SELECT count(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'b2a_t'"
                              " AND TABLE_NAME = 'nopk' AND COLUMN_NAME = '__b2a_page_key'"), 0);
}

/* A UNIQUE key pages when its columns are NOT NULL; a nullable one may
 * hold many NULLs no "k > last" reaches, so the cursor adds its own key. */
static void test_export_unique_keys(void **state)
{
    (void)state;
    const b2a_odbc_table *t = table("ukey");
    text_sink s;
    sink_init(&s, &t->def);
    s.seen = calloc(1001, 1);
    s.nseen = 1001;
    assert_int_equal(export_paged(t, 300, 333, &s), 4);
    assert_int_equal(s.rows, 1000);
    for (size_t i = 1; i <= 1000; i++)
        assert_int_equal(s.seen[i], 1);
    assert_non_null(strstr(s.buf, "1000|c01000\n"));
    free(s.buf);
    free(s.seen);
    assert_int_equal(my_count("SELECT count(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'b2a_t'"
                              " AND TABLE_NAME = 'ukey' AND COLUMN_NAME = '__b2a_page_key'"), 0);

    t = table("unull");
    sink_init(&s, &t->def);
    s.seen = calloc(1001, 1);
    s.nseen = 1001;
    assert_int_equal(export_paged(t, 300, 333, &s), 4);
    assert_int_equal(s.rows, 1000);
    for (size_t i = 1; i <= 1000; i++)
        assert_int_equal(s.seen[i], 1);
    assert_non_null(strstr(s.buf, "999|NULL\n"));
    assert_non_null(strstr(s.buf, "998|998\n"));
    free(s.buf);
    free(s.seen);
    assert_int_equal(my_count("SELECT count(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'b2a_t'"
                              " AND TABLE_NAME = 'unull' AND COLUMN_NAME = '__b2a_page_key'"), 1);
}

/* Long values of a keyless table, paged on the added key: the bound
 * prefix is cut and the value re-read by that key. */
static void test_export_nokey_wide(void **state)
{
    (void)state;
    const b2a_odbc_table *t = table("nopkwide");
    text_sink s;
    sink_init(&s, &t->def);
    s.seen = calloc(301, 1);
    s.nseen = 301;
    assert_int_equal(export_paged(t, 100, 333, &s), 4);
    assert_int_equal(s.rows, 300);
    size_t ws = 0;
    for (size_t i = 0; i < s.len; i++)
        ws += s.buf[i] == 'w';
    assert_int_equal(ws, 10 * 300 * 301 / 2);
    for (size_t i = 1; i <= 300; i++)
        assert_int_equal(s.seen[i], 1);
    free(s.buf);
    free(s.seen);
}

/* A view cannot take a key: read in one query, every row. */
static void test_export_view_unpaged(void **state)
{
    (void)state;
    const b2a_odbc_table *t = table("v");
    text_sink s;
    sink_init(&s, &t->def);
    assert_int_equal(export_paged(t, 1, 333, &s), 1);
    assert_int_equal(s.rows, 3);
    assert_string_equal(s.buf, "1\n2\n3\n");
    free(s.buf);
}

static void export_ranges(const b2a_odbc_table *t, const char *key, int n, size_t expect_ranges, text_sink *s)
{
    b2a_err err = {0};
    b2a_keyrange *r;
    size_t nr;
    int rc = b2a__odbc_keyrange_split(F.c, F.v, &t->def, key, n, &r, &nr, &err);
    if (rc)
        fail_msg("split %s: %s", t->def.name, err.msg);
    assert_int_equal(nr, expect_ranges);
    assert_null(r[0].lo);
    assert_null(r[nr - 1].hi);
    for (size_t i = 0; i + 1 < nr; i++)
        assert_string_equal(r[i].hi, r[i + 1].lo);
    for (size_t i = 0; i < nr; i++) {
        char *w = b2a__odbc_keyrange_where(F.v, &t->def, key, &r[i]);
        assert_non_null(w);
        size_t before = s->rows;
        export(t, w, 100, s);
        assert_true(s->rows > before); /* no empty range on a dense key */
        free(w);
    }
    b2a__odbc_keyranges_free(r, nr);
}

static void test_keyrange(void **state)
{
    (void)state;
    const b2a_odbc_table *t = table("big");
    text_sink s;
    sink_init(&s, &t->def);
    s.seen = calloc(10001, 1);
    s.nseen = 10001;
    export_ranges(t, "id", 4, 4, &s);
    assert_int_equal(s.rows, 10000);
    for (size_t i = 1; i <= 10000; i++)
        assert_int_equal(s.seen[i], 1);
    free(s.buf);

    /* the where text for an integer key is numeric, bounds quoted safely */
    b2a_keyrange kr = {"2501", "5001"};
    char *w = b2a__odbc_keyrange_where(F.v, &t->def, "id", &kr);
    assert_string_equal(w, F.v == B2A_ODBC_POSTGRES ? "\"id\" >= 2501 AND \"id\" < 5001"
                                                     : "`id` >= 2501 AND `id` < 5001");
    free(w);

    /* more ranges than keys: one row each, never an empty range */
    t = table(F.v == B2A_ODBC_POSTGRES ? "we\"ird ünï" : "we`ird ünï");
    unsigned char *seen = s.seen;
    sink_init(&s, &t->def);
    memset(seen, 0, 10001);
    s.seen = seen;
    s.nseen = 10001;
    export_ranges(t, t->pk[0], 8, 2, &s);
    assert_int_equal(s.rows, 2);
    assert_int_equal(s.seen[1] + s.seen[2], 2);
    free(s.buf);
    free(s.seen);

    /* a text key: quantiles */
    t = table("tkey");
    sink_init(&s, &t->def);
    export_ranges(t, "code", 3, 3, &s);
    assert_int_equal(s.rows, 500);
    for (int i = 1; i <= 500; i++) {
        char line[32];
        snprintf(line, sizeof(line), "k%04d|%d\n", i, i);
        char *p = strstr(s.buf, line);
        assert_non_null(p);
        assert_null(strstr(p + 1, line));
    }
    free(s.buf);
}

/* A sink refusing a row stops the export with the sink's code and a
 * message naming the table and the refusal. */
static void test_sink_error(void **state)
{
    (void)state;
    const b2a_odbc_table *t = table("narrow");
    text_sink s;
    sink_init(&s, &t->def);
    s.fail_on_row = 5;
    b2a_err err = {0};
    b2a_cursor *cur;
    assert_int_equal(b2a__odbc_cursor_open(F.c, F.v, &t->def, NULL, &cur, &err), 0);
    size_t n = 0;
    int eof = 0;
    assert_int_equal(b2a__odbc_cursor_next(cur, &s.base, 100, &n, &eof, &err), B2A_EUSER);
    assert_int_equal(n, 4);
    assert_false(eof);
    /* the message every row source gives (core/sink.c) */
    assert_non_null(strstr(err.msg, "b2a_t.narrow: the sink refused the row: "));
    b2a__odbc_cursor_close(cur);
    free(s.buf);
}

/* A failing statement of a script: its number, line and SQLSTATE. */
static void test_bad_sql(void **state)
{
    (void)state;
    b2a_err err = {0};
    int rc = b2a__odbc_exec_script(F.c, "SELECT 1;\n-- two\nSELEC oops;\nSELECT 3;", "pre-SQL", &err);
    assert_int_equal(rc, B2A_EODBC);
    assert_int_equal(err.klass, B2A_ERRCLASS_ODBC);
    assert_string_equal(err.sqlstate, F.v == B2A_ODBC_POSTGRES ? "42601" : "42000");
    if (F.v == B2A_ODBC_MYSQL)
        assert_int_equal(err.native, 1064);
    assert_true(strncmp(err.msg, "pre-SQL: statement 2 at line 2 (-- two SELEC oops): ", 52) == 0);

    /* an export of a table that is gone: the SQLSTATE of "undefined table" */
    b2a_table_def gone = {"b2a_t", "no_such_table", 1, (b2a_column[]){{"id", "integer", B2A_V_INT, 0, 0, 1, NULL, 0}}, -1};
    b2a_cursor *cur = NULL;
    rc = b2a__odbc_cursor_open(F.c, F.v, &gone, NULL, &cur, &err);
    assert_int_equal(rc, B2A_EODBC);
    assert_null(cur);
    assert_string_equal(err.sqlstate, F.v == B2A_ODBC_POSTGRES ? "42P01" : "42S02");
    assert_true(strncmp(err.msg, "b2a_t.no_such_table: ", 21) == 0);
}

static void test_bad_password(void **state)
{
    (void)state;
    b2a_err err = {0};
    b2a_odbc_conn *c = NULL;
    char *cs = connstr("definitely-wrong");
    int rc = b2a__odbc_connect(F.v, cs, 10, &c, &err);
    free(cs);
    assert_int_equal(rc, B2A_EODBC);
    assert_null(c);
    assert_string_equal(err.sqlstate, F.v == B2A_ODBC_POSTGRES ? "08001" : "28000");
    assert_null(strstr(err.msg, "definitely-wrong")); /* never echo the password */
}

/* The shared environment under concurrent connects and disconnects, and
 * again after the last connection released it. */
static void *connect_worker(void *arg)
{
    b2a_err err = {0};
    b2a_odbc_conn *c = NULL;
    int64_t v = 0;
    char *cs = connstr(getenv("B2A_TEST_DB_PASSWORD"));
    intptr_t ok = b2a__odbc_connect(F.v, cs, 15, &c, &err) == 0 &&
                  b2a__odbc_query_i64(c, (const char *)arg, &v, &err) == 0 && v == 42;
    b2a__odbc_disconnect(c);
    free(cs);
    return (void *)ok;
}

static void test_threads(void **state)
{
    (void)state;
    for (int round = 0; round < 2; round++) {
        pthread_t th[4];
        for (int i = 0; i < 4; i++)
            assert_int_equal(pthread_create(&th[i], NULL, connect_worker, "SELECT 40 + 2"), 0);
        for (int i = 0; i < 4; i++) {
            void *ok;
            pthread_join(th[i], &ok);
            assert_true(ok != NULL);
        }
    }
}

int main(void)
{
    const char *vendor = getenv("B2A_TEST_DB_VENDOR");
    if (!getenv("B2A_TEST_DB_PORT") || !vendor || !getenv("B2A_TEST_DB_PASSWORD")) {
        fprintf(stderr, "test_odbc: SKIP: no database (run through tests/integration/with-db.sh "
                        "postgres|mariadb -- test_odbc)\n");
        return 77;
    }
    F.v = !strcmp(vendor, "postgres") ? B2A_ODBC_POSTGRES : B2A_ODBC_MYSQL;
    const struct CMUnitTest pg[] = {
        cmocka_unit_test(test_introspect_postgres),
        cmocka_unit_test(test_include_views),
        cmocka_unit_test(test_export_postgres),
        cmocka_unit_test(test_export_chunks),
        cmocka_unit_test(test_export_long),
        cmocka_unit_test(test_export_paged),
        cmocka_unit_test(test_export_nopk),
        cmocka_unit_test(test_keyrange),
        cmocka_unit_test(test_sink_error),
        cmocka_unit_test(test_bad_sql),
        cmocka_unit_test(test_bad_password),
        cmocka_unit_test(test_threads),
    };
    const struct CMUnitTest my[] = {
        cmocka_unit_test(test_introspect_mariadb),
        cmocka_unit_test(test_include_views),
        cmocka_unit_test(test_export_mariadb),
        cmocka_unit_test(test_export_chunks),
        cmocka_unit_test(test_export_long),
        cmocka_unit_test(test_export_paged),
        cmocka_unit_test(test_export_nopk),
        cmocka_unit_test(test_export_nokey_paged),
        cmocka_unit_test(test_export_unique_keys),
        cmocka_unit_test(test_export_nokey_wide),
        cmocka_unit_test(test_export_view_unpaged),
        cmocka_unit_test(test_keyrange),
        cmocka_unit_test(test_sink_error),
        cmocka_unit_test(test_bad_sql),
        cmocka_unit_test(test_bad_password),
        cmocka_unit_test(test_threads),
    };
    if (F.v == B2A_ODBC_POSTGRES)
        return cmocka_run_group_tests_name("odbc-postgres", pg, setup, teardown);
    return cmocka_run_group_tests_name("odbc-mariadb", my, setup, teardown);
}
