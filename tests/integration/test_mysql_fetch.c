/* The MariaDB/MySQL native source (libmariadb, binary protocol, unbuffered)
 * against the ODBC cursor, on a real server (tests/integration/with-db.sh
 * mariadb) with the real Connector/ODBC and libmariadb: for every table
 * of a fixture holding every mapped type and of every MySQL sample
 * (restored by my-samples.sh, databases in $B2A_TEST_MY_DATABASES), both
 * paths must hand the sink exactly the same calls with exactly the same
 * values, and as many rows as the exact count. The server's default zone
 * is set to one that is not UTC and not a whole hour away first, so
 * neither path can lean on it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/sink.h"
#include "engine/engine.h"
#include "mysql/mysql.h"
#include "odbc/introspect.h"
#include "odbc/odbc.h"
#include "rec_sink.h"
#include "util/str.h"

#define DB "b2a_m"

/* ---- connections: the product's own ODBC string and libmariadb parameters ---- */
static b2a_odbc_conn *odbc_connect(const char *db)
{
    b2a_vendor_job j;
    memset(&j, 0, sizeof j);
    j.host_port = atoi(getenv("B2A_TEST_DB_PORT"));
    j.user = getenv("B2A_TEST_DB_USER");
    snprintf(j.password, sizeof j.password, "%s", getenv("B2A_TEST_DB_PASSWORD"));
    const b2a_vendor *v = b2a__vendor_by_name("mysql");
    assert_non_null(v);
    j.vendor = v;
    char *cs = NULL;
    b2a_err err = {0};
    if (v->connstr(&j, db, &cs, &err))
        fail_msg("connstr: %s", err.msg);
    b2a_odbc_conn *c = NULL;
    int rc = b2a__odbc_connect(B2A_ODBC_MYSQL, cs, 15, &c, &err);
    free(cs);
    if (rc)
        fail_msg("ODBC connect to %s: %s", db, err.msg);
    return c;
}

static MYSQL *my_connect(const char *db)
{
    b2a_mysql_params p = {"127.0.0.1", atoi(getenv("B2A_TEST_DB_PORT")), getenv("B2A_TEST_DB_USER"),
                          getenv("B2A_TEST_DB_PASSWORD"), db, 15};
    MYSQL *c = NULL;
    b2a_err err = {0};
    if (b2a__mysql_connect(&p, &c, &err))
        fail_msg("libmariadb connect to %s: %s", db, err.msg);
    return c;
}

/* One text value of a query on c. */
static char *query_text(MYSQL *c, const char *sql)
{
    if (mysql_query(c, sql))
        fail_msg("%s: %s", sql, mysql_error(c));
    MYSQL_RES *r = mysql_store_result(c);
    assert_non_null(r);
    MYSQL_ROW row = mysql_fetch_row(r);
    char *v = row && row[0] ? b2a__strdup(row[0]) : NULL;
    mysql_free_result(r);
    return v;
}

/* ---- one table both ways ---- */
typedef struct outcome {
    int rc;
    char msg[B2A_ERRMSG_MAX];
    size_t chunks;
} outcome;

static outcome via_odbc(b2a_odbc_conn *c, const b2a_table_def *t, size_t chunk, rec_sink *s)
{
    outcome o = {0};
    b2a_err err = {0};
    b2a_cursor *cur = NULL;
    o.rc = b2a__odbc_cursor_open(c, B2A_ODBC_MYSQL, t, NULL, &cur, &err);
    for (int eof = 0; o.rc == B2A_OK && !eof; o.chunks++) {
        size_t n = 0;
        o.rc = b2a__odbc_cursor_next(cur, &s->base, chunk, &n, &eof, &err);
    }
    b2a__odbc_cursor_close(cur);
    if (o.rc)
        snprintf(o.msg, sizeof o.msg, "%s", err.msg);
    return o;
}

static outcome via_native(MYSQL *c, const b2a_table_def *t, size_t chunk, rec_sink *s)
{
    outcome o = {0};
    b2a_err err = {0};
    b2a_mysql_fetch *f = NULL;
    o.rc = b2a__mysql_fetch_open(c, t, &f, &err);
    for (int eof = 0; o.rc == B2A_OK && !eof; o.chunks++) {
        size_t n = 0;
        o.rc = b2a__mysql_fetch_next(f, &s->base, chunk, &n, &eof, &err);
        if (o.rc == B2A_OK)
            assert_true(n == chunk || eof); /* a short chunk only at the end */
    }
    assert_false(b2a__mysql_fetch_pending(f) && o.rc == B2A_OK);
    b2a__mysql_fetch_close(f);
    if (o.rc)
        snprintf(o.msg, sizeof o.msg, "%s", err.msg);
    return o;
}

typedef struct tally {
    size_t tables, rows;
    size_t nonnull[B2A_V_JSON + 1];
} tally;

/* Both paths on one table: both succeed, with the same calls for every
 * row and as many rows as the exact count. */
static void compare_table(b2a_odbc_conn *oc, MYSQL *mc, const b2a_odbc_table *ot, tally *tl)
{
    const b2a_table_def *t = &ot->def;
    rec_sink a, b;
    rec_init(&a, t);
    rec_init(&b, t);
    outcome oa = via_odbc(oc, t, 1000, &a);
    outcome ob = via_native(mc, t, 1000, &b);
    if (oa.rc || ob.rc)
        fail_msg("%s.%s: ODBC ended %d \"%s\", native %d \"%s\"", t->schema, t->name, oa.rc, oa.msg, ob.rc,
                 ob.msg);
    assert_int_equal(a.rows, (size_t)t->row_count);
    assert_int_equal(b.rows, (size_t)t->row_count);
    /* the ODBC path reads in key order when it pages: compare the rows as sorted multisets */
    assert_same_rows(&a, "ODBC:", &b, "native:");
    tl->rows += a.rows;
    for (int v = 0; v <= B2A_V_JSON; v++)
        tl->nonnull[v] += b.nonnull[v];
    tl->tables++;
    rec_free(&a);
    rec_free(&b);
}

static void introspect(b2a_odbc_conn *oc, const char *schema, b2a_odbc_table **tabs, size_t *n)
{
    b2a_err err = {0};
    b2a_introspect_opts o = B2A_INTROSPECT_OPTS_INIT;
    const char *schemas[] = {schema};
    o.schemas = schemas;
    o.nschemas = 1;
    if (b2a__odbc_introspect(oc, &o, tabs, n, &err))
        fail_msg("introspect %s: %s", schema, err.msg);
}

static void compare_database(const char *db, tally *tl)
{
    b2a_odbc_conn *oc = odbc_connect(db);
    MYSQL *mc = my_connect(db);
    b2a_odbc_table *tabs = NULL;
    size_t n = 0;
    introspect(oc, db, &tabs, &n);
    for (size_t i = 0; i < n; i++)
        if (tabs[i].exported && tabs[i].def.ncolumns)
            compare_table(oc, mc, &tabs[i], tl);
    b2a__odbc_tables_free(tabs, n);
    b2a__mysql_disconnect(mc);
    b2a__odbc_disconnect(oc);
}

/* ---- fixture: every type the mapping knows, with its edge values ---- */
static const char fixture[] =
    "DROP DATABASE IF EXISTS " DB ";\n"
    "CREATE DATABASE " DB " CHARACTER SET utf8mb4;\n"
    "SET SESSION sql_mode = '';\n"
    "CREATE TABLE " DB ".alltypes (\n"
    "  id int PRIMARY KEY, ti tinyint, t1 tinyint(1), tu tinyint unsigned, si smallint, mi mediumint unsigned,\n"
    "  i int, iu int unsigned, b bigint, bu bigint unsigned, d decimal(10,2), d38 decimal(38,10), dw decimal(65,30),\n"
    "  f float, db double, b1 bit(1), b9 bit(9), b64 bit(64), y year, dt date, dtm datetime(6), ts timestamp(6) NULL,\n"
    "  tm time(6), ch char(5), vc varchar(20), tx text, bn binary(3), vb varbinary(10), bl blob,\n"
    "  en enum('a','b c'), st set('x','y'), js json, g point, gp polygon, gg geometry, u uuid, i6 inet6,\n"
    "  dz decimal(5,2) unsigned zerofill, iz int(6) zerofill);\n"
    "INSERT INTO " DB ".alltypes VALUES\n"
    " (1, -128, 1, 255, -32768, 16777215, -2147483648, 4294967295, -9223372036854775808, 18446744073709551615,\n"
    "  -12345678.90, -1234567890123456789012345678.0123456789,\n"
    "  12345678901234567890123456789012345.123456789012345678901234567890,\n"
    "  -1.5, 1e308, b'1', b'100000001', 18446744073709551615, 1901, '1000-01-01', '1970-01-01 00:00:00.000001',\n"
    "  '2024-02-29 23:59:59.999999', '-838:59:59.000000', 'ab', 'vc ünï', 'héllo €', 'a', x'00ff10', x'cafe',\n"
    "  'b c', 'x,y', '{\"a\": [1, 2]}', POINT(1.5, -2), ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 0))'),\n"
    "  ST_GeomFromText('LINESTRING(0 0,1e-10 2)'), 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '::1', 1.5, 42),\n"
    " (2, 127, 0, 0, 32767, 0, 2147483647, 0, 9223372036854775807, 0, 99999999.99, 0.0000000001,\n"
    "  -0.000000000000000000000000000001, 3.25, -2.5e-300, b'0', b'0', 0, 2155, '9999-12-31',\n"
    "  '9999-12-31 23:59:59.999999', '1970-01-01 00:00:01', '23:59:59.5', '', '', '', '', '', '', 'a', '', '[]',\n"
    "  NULL, NULL, ST_GeomFromText('GEOMETRYCOLLECTION(POINT(1 1))'), '00000000-0000-0000-0000-000000000000',\n"
    "  '2001:db8::ff00:42:8329', 0, 0),\n"
    " (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,\n"
    "  '0000-00-00', '2020-00-15 10:00:00', '0000-00-00 00:00:00', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,\n"
    "  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),\n"
    " (4, 0, 2, 1, 0, 1, 0, 1, 0, 9223372036854775808, 0.01, 1, 0, 1.17549435e-38, 4.9e-324, b'1', b'111111111',\n"
    "  9223372036854775808, 0, '2020-05-00', '0001-01-01 00:00:00', '2038-01-19 03:14:07.999999', '00:00:00',\n"
    "  'é', 'x', REPEAT('long é ', 3000), x'000000', x'00', x'', '', 'y', '\"x\"', POINT(0, 0), NULL, NULL, NULL,\n"
    "  NULL, 999.99, 999999),\n"
    " (5, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, -0.01, NULL, NULL, -0.0, -0.0, NULL, NULL, NULL, NULL,\n"
    "  '0001-01-01', '1969-12-31 23:59:59.5', '1970-01-01 00:00:01', '-00:00:01', NULL, NULL, NULL, NULL, NULL,\n"
    "  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);\n"
    "CREATE TABLE " DB ".`we``ird ünï` (`k``ey` int PRIMARY KEY, `naïve col` text);\n"
    "INSERT INTO " DB ".`we``ird ünï` VALUES (1, 'x\"y''z\\\\'), (2, NULL);\n"
    "CREATE VIEW " DB ".v AS SELECT id, ts FROM " DB ".alltypes;\n"
    "CREATE TABLE " DB ".big (id bigint PRIMARY KEY, payload text, f double, d date, n decimal(12,3));\n"
    "INSERT INTO " DB ".big SELECT seq, REPEAT('p', seq % 50), seq / 4, DATE '2020-01-01' + INTERVAL seq % 1000 DAY,\n"
    "  seq * 1.001 FROM seq_1_to_20000;\n"
    /* values from empty to past the buffer a long value keeps (1 MiB) */
    "CREATE TABLE " DB ".longval (id int PRIMARY KEY, t longtext, b longblob);\n"
    "INSERT INTO " DB ".longval SELECT seq, REPEAT('é', seq * seq * 100), UNHEX(REPEAT('ab', seq * seq * 150))\n"
    "  FROM seq_0_to_9;\n"
    "INSERT INTO " DB ".longval VALUES (10, REPEAT('é', 700000), UNHEX(REPEAT('ab', 1500000))), (11, NULL, NULL),\n"
    "  (12, 'short', x'01');\n"
    /* no key, duplicate rows, more rows than an ODBC page */
    "CREATE TABLE " DB ".nopk (i int, t mediumtext);\n"
    "INSERT INTO " DB ".nopk SELECT seq % 1250, REPEAT('z', seq % 300) FROM seq_1_to_2500;\n"
    "CREATE TABLE " DB ".empty (id int, t text);\n";

static int setup(void **state)
{
    (void)state;
    b2a_odbc_conn *c = odbc_connect(getenv("B2A_TEST_DB_NAME"));
    b2a_err err = {0};
    /* every new session's default: a zone not UTC and not a whole hour away */
    if (b2a__odbc_exec(c, "SET GLOBAL time_zone = '+05:45'", &err) ||
        b2a__odbc_exec_script(c, fixture, "fixture", &err)) {
        fprintf(stderr, "setup: %s\n", err.msg);
        b2a__odbc_disconnect(c);
        return -1;
    }
    b2a__odbc_disconnect(c);
    return 0;
}

/* The default really is in force for a session that sets nothing, and
 * the native connection sets UTC as the ODBC one does. */
static void test_server_zone_is_not_utc(void **state)
{
    (void)state;
    MYSQL *raw = mysql_init(NULL);
    assert_non_null(mysql_real_connect(raw, "127.0.0.1", getenv("B2A_TEST_DB_USER"), getenv("B2A_TEST_DB_PASSWORD"),
                                       DB, (unsigned)atoi(getenv("B2A_TEST_DB_PORT")), NULL, 0));
    char *z = query_text(raw, "SELECT @@session.time_zone");
    assert_string_equal(z, "+05:45");
    free(z);
    mysql_close(raw);
    MYSQL *c = my_connect(DB);
    z = query_text(c, "SELECT CONCAT(@@session.time_zone, ' ', @@character_set_client, ' ', @@character_set_results)");
    assert_string_equal(z, "+00:00 utf8mb4 utf8mb4");
    free(z);
    b2a__mysql_disconnect(c);
}

static void test_fixture_same_values(void **state)
{
    (void)state;
    tally tl = {0};
    compare_database(DB, &tl);
    assert_int_equal(tl.tables, 6); /* alltypes, weird, big, longval, nopk, empty; not the view */
    assert_int_equal(tl.rows, 5 + 2 + 20000 + 13 + 2500);
    /* every value type the mapping gives MariaDB was seen non-NULL */
    const b2a_vtype seen[] = {B2A_V_BOOLEAN, B2A_V_INT, B2A_V_LONG, B2A_V_FLOAT, B2A_V_DOUBLE, B2A_V_DECIMAL,
                              B2A_V_STRING, B2A_V_BYTES, B2A_V_DATE, B2A_V_TIMESTAMP_MICROS,
                              B2A_V_LOCAL_TIMESTAMP_MICROS, B2A_V_UUID, B2A_V_JSON};
    for (size_t i = 0; i < sizeof seen / sizeof *seen; i++)
        if (!tl.nonnull[seen[i]])
            fail_msg("no non-NULL value of vtype %d in the fixture", (int)seen[i]);
}

/* Values checked against what they are, not only against the other path. */
static const b2a_odbc_table *find(b2a_odbc_table *tabs, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(tabs[i].def.name, name))
            return &tabs[i];
    fail_msg("no table %s", name);
    return NULL;
}

/* Rows first.. of t read natively, given for the listed columns only. */
static void expect_rows(MYSQL *mc, const b2a_odbc_table *t, size_t first, const char *const *cols,
                        const char *const *want)
{
    rec_sink s;
    rec_init(&s, &t->def);
    outcome o = via_native(mc, &t->def, 2, &s);
    assert_int_equal(o.rc, B2A_OK);
    assert_rows_are(&s, first, cols, want);
    rec_free(&s);
}

static void test_native_values_exact(void **state)
{
    (void)state;
    b2a_odbc_conn *oc = odbc_connect(DB);
    MYSQL *mc = my_connect(DB);
    b2a_odbc_table *tabs = NULL;
    size_t n = 0;
    introspect(oc, DB, &tabs, &n);
    /* bigint unsigned and bit(64) as decimal(20,0): 2^64-1 and 2^63 as
     * unscaled bytes; bit(1) boolean, bit(9) long; year int. dates: days
     * since 1970 (1000-01-01 is -354285); zero and partly zero dates NULL.
     * datetime: wall clock; timestamp: UTC micros whatever the server's
     * zone (2024-02-29 23:59:59.999999 was written in a UTC session). */
    expect_rows(mc, find(tabs, n, "alltypes"), 0,
                (const char *const[]){"bu", "b1", "b9", "b64", "y", "dt", "dtm", "ts", "tm", NULL},
                (const char *const[]){
                    "D00ffffffffffffffff b1 l257 D00ffffffffffffffff i1901 i-354285 l1 l1709251199999999 "
                    "s17:-838:59:59.000000",
                    "D00 b0 l0 D00 i2155 i2932896 l253402300799999999 l1000000 s15:23:59:59.500000",
                    "N N N N N N N N N",
                    "D008000000000000000 b1 l511 D008000000000000000 i0 N l-62135596800000000 "
                    "l2147483647999999 s15:00:00:00.000000",
                    "N N N N N i-719162 l-500000 l1000000 s16:-00:00:01.000000",
                    NULL});
    /* enum and set as their text, json as text, geometry as WKT, uuid and
     * inet6 as the server prints them; float -1.5 and double 1e308 as IEEE
     * bits; zerofill columns as their values (int zerofill is unsigned: long) */
    expect_rows(mc, find(tabs, n, "alltypes"), 0,
                (const char *const[]){"f", "db", "en", "st", "js", "g", "gp", "u", "i6", "dz", "iz", NULL},
                (const char *const[]){
                    "fbfc00000(-1.5) d7fe1ccf385ebc8a0(1e+308) s3:b c s3:x,y s13:{\"a\": [1, 2]} s13:POINT(1.5 -2) "
                    "s26:POLYGON((0 0,1 0,1 1,0 0)) s36:a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11 s3:::1 D0096 l42",
                    NULL});
    /* longtext and longblob, from empty to past 1 MiB */
    rec_sink s;
    const b2a_odbc_table *lv = find(tabs, n, "longval");
    rec_init(&s, &lv->def);
    outcome o = via_native(mc, &lv->def, 5, &s);
    assert_int_equal(o.rc, B2A_OK);
    assert_int_equal(s.rows, 13);
    for (size_t i = 0; i <= 10; i++) {
        size_t nrow, nt = i == 10 ? 700000 : i * i * 100, nb = i == 10 ? 1500000 : i * i * 150;
        const char *row = rec_row(&s, i, &nrow);
        char head[64];
        int hl = snprintf(head, sizeof head, "i%zu\x1fs%zu:", i, nt * 2);
        assert_memory_equal(row, head, (size_t)hl);
        for (size_t k = 0; k < nt; k++)
            assert_memory_equal(row + hl + 2 * k, "é", 2);
        const char *bp = row + hl + 2 * nt;
        int bl = snprintf(head, sizeof head, "\x1f" "B%zu:", nb);
        assert_memory_equal(bp, head, (size_t)bl);
        for (size_t k = 0; k < nb; k++)
            assert_memory_equal(bp + bl + 2 * k, "ab", 2);
        assert_int_equal(nrow, (size_t)hl + 2 * nt + (size_t)bl + 2 * nb + 1);
    }
    size_t nrow;
    const char *row = rec_row(&s, 11, &nrow);
    assert_memory_equal(row, "i11\x1fN\x1fN\n", nrow);
    row = rec_row(&s, 12, &nrow);
    assert_memory_equal(row, "i12\x1fs5:short\x1f" "B1:01\n", nrow);
    rec_free(&s);
    b2a__odbc_tables_free(tabs, n);
    b2a__mysql_disconnect(mc);
    b2a__odbc_disconnect(oc);
}

static int64_t count_columns_named(MYSQL *c, const char *table, const char *column)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '" DB
             "' AND TABLE_NAME = '%s' AND COLUMN_NAME = '%s'", table, column);
    char *v = query_text(c, sql);
    int64_t n = strtoll(v, NULL, 10);
    free(v);
    return n;
}

/* A keyless table bigger than an ODBC page is read natively in one pass
 * and left as it is; the ODBC path (which Connector/ODBC's buffering
 * forces to page) still adds its page key, only there. */
static void test_native_adds_no_page_key(void **state)
{
    (void)state;
    b2a_odbc_conn *oc = odbc_connect(DB);
    MYSQL *mc = my_connect(DB);
    b2a_err err = {0};
    assert_int_equal(b2a__odbc_exec_script(oc,
        "CREATE TABLE " DB ".keyless (i int, t varchar(20));\n"
        "INSERT INTO " DB ".keyless SELECT seq % 100, CONCAT('k', seq % 100) FROM seq_1_to_3000;\n",
        "keyless", &err), B2A_OK);
    b2a_odbc_table *tabs = NULL;
    size_t n = 0;
    introspect(oc, DB, &tabs, &n);
    const b2a_odbc_table *t = find(tabs, n, "keyless");
    b2a__odbc_set_page_rows(1000);
    rec_sink a, b;
    rec_init(&a, &t->def);
    rec_init(&b, &t->def);
    outcome ob = via_native(mc, &t->def, 700, &b);
    assert_int_equal(ob.rc, B2A_OK);
    assert_int_equal(b.rows, 3000);
    assert_int_equal(count_columns_named(mc, "keyless", "__b2a_page_key"), 0);
    outcome oa = via_odbc(oc, &t->def, 700, &a);
    b2a__odbc_set_page_rows(0);
    assert_int_equal(oa.rc, B2A_OK);
    assert_int_equal(count_columns_named(mc, "keyless", "__b2a_page_key"), 1);
    assert_int_equal(a.rows, 3000);
    row_ref *ra = sorted_rows(&a), *rb = sorted_rows(&b);
    for (size_t i = 0; i < a.rows; i++)
        assert_int_equal(row_cmp(&ra[i], &rb[i]), 0);
    free(ra);
    free(rb);
    rec_free(&a);
    rec_free(&b);
    assert_int_equal(b2a__odbc_exec(oc, "DROP TABLE " DB ".keyless", &err), B2A_OK);
    b2a__odbc_tables_free(tabs, n);
    b2a__mysql_disconnect(mc);
    b2a__odbc_disconnect(oc);
}

/* Is a query on big still running on the server? */
static int big_query_running(MYSQL *c)
{
    char *v = query_text(c, "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT %`big`%'"
                            " AND ID <> CONNECTION_ID()");
    int running = strcmp(v, "0") != 0;
    free(v);
    return running;
}

/* Closing a fetch half read ends the server's query at once (no reading
 * the rest); chunks of one row give the same rows as one big chunk. */
static void test_close_midway_and_chunks(void **state)
{
    (void)state;
    b2a_odbc_conn *oc = odbc_connect(DB);
    b2a_odbc_table *tabs = NULL;
    size_t n = 0;
    introspect(oc, DB, &tabs, &n);
    const b2a_odbc_table *big = find(tabs, n, "big");
    MYSQL *mc = my_connect(DB), *watch = my_connect(DB);
    rec_sink s;
    rec_init(&s, &big->def);
    b2a_mysql_fetch *f = NULL;
    b2a_err err = {0};
    assert_int_equal(b2a__mysql_fetch_open(mc, &big->def, &f, &err), B2A_OK);
    size_t got = 0;
    int eof = 0;
    assert_int_equal(b2a__mysql_fetch_next(f, &s.base, 100, &got, &eof, &err), B2A_OK);
    assert_int_equal(got, 100);
    assert_false(eof);
    assert_true(b2a__mysql_fetch_pending(f));
    b2a__mysql_fetch_close(f);
    b2a__mysql_disconnect(mc);
    rec_free(&s);
    /* the server notices the cut connection: its query goes (within 10 s) */
    int running = 1;
    for (int i = 0; i < 100 && (running = big_query_running(watch)); i++)
        usleep(100000);
    assert_false(running);
    /* one row per chunk against one chunk, on one connection */
    mc = my_connect(DB);
    rec_sink one, all;
    rec_init(&one, &big->def);
    rec_init(&all, &big->def);
    outcome a = via_native(mc, &big->def, 1, &one);
    outcome b = via_native(mc, &big->def, 1000000, &all);
    assert_int_equal(a.rc, B2A_OK);
    assert_int_equal(b.rc, B2A_OK);
    assert_int_equal(a.chunks, 20001); /* the last call finds the end */
    assert_int_equal(b.chunks, 1);
    assert_int_equal(one.rows, 20000);
    assert_int_equal(one.len, all.len);
    assert_memory_equal(one.buf, all.buf, one.len);
    rec_free(&one);
    rec_free(&all);
    b2a__odbc_tables_free(tabs, n);
    b2a__mysql_disconnect(mc);
    b2a__mysql_disconnect(watch);
    b2a__odbc_disconnect(oc);
}

/* A table dropped between introspection and export: the server's words
 * and SQLSTATE, naming the table. */
static void test_errors(void **state)
{
    (void)state;
    b2a_odbc_conn *oc = odbc_connect(DB);
    MYSQL *mc = my_connect(DB);
    b2a_err err = {0};
    assert_int_equal(b2a__odbc_exec(oc, "CREATE TABLE " DB ".gone (id int)", &err), B2A_OK);
    b2a_odbc_table *tabs = NULL;
    size_t n = 0;
    introspect(oc, DB, &tabs, &n);
    const b2a_odbc_table *t = find(tabs, n, "gone");
    assert_int_equal(b2a__odbc_exec(oc, "DROP TABLE " DB ".gone", &err), B2A_OK);
    b2a_mysql_fetch *f = NULL;
    assert_int_equal(b2a__mysql_fetch_open(mc, &t->def, &f, &err), B2A_EODBC);
    assert_null(f);
    assert_string_equal(err.sqlstate, "42S02");
    assert_string_equal(err.msg, DB ".gone: export query failed: Table '" DB ".gone' doesn't exist");
    /* the connection is still good */
    char *v = query_text(mc, "SELECT 1");
    assert_string_equal(v, "1");
    free(v);
    b2a__odbc_tables_free(tabs, n);
    b2a__mysql_disconnect(mc);
    b2a__odbc_disconnect(oc);
}

static void test_bad_password(void **state)
{
    (void)state;
    b2a_mysql_params p = {"127.0.0.1", atoi(getenv("B2A_TEST_DB_PORT")), getenv("B2A_TEST_DB_USER"),
                          "wrong-Secret1", DB, 15};
    MYSQL *c = NULL;
    b2a_err err = {0};
    assert_int_equal(b2a__mysql_connect(&p, &c, &err), B2A_EODBC);
    assert_null(c);
    assert_non_null(strstr(err.msg, "MariaDB connect: Access denied for user"));
    assert_string_equal(err.sqlstate, "28000");
    assert_null(strstr(err.msg, "wrong-Secret1"));
}

/* Every sample my-samples.sh restored: every table both ways. */
static void test_samples_same_values(void **state)
{
    (void)state;
    const char *list = getenv("B2A_TEST_MY_DATABASES");
    if (!list || !*list) {
        fprintf(stderr, "no sample databases restored (run under my-samples.sh)\n");
        skip();
    }
    char *dbs = b2a__strdup(list);
    size_t ndb = 0;
    for (char *db = strtok(dbs, " "); db; db = strtok(NULL, " "), ndb++) {
        tally tl = {0};
        compare_database(db, &tl);
        fprintf(stderr, "%s: %zu tables, %zu rows the same both ways\n", db, tl.tables, tl.rows);
        assert_true(tl.tables >= 11);
        assert_true(tl.rows >= 15000);
    }
    assert_int_equal(ndb, 2);
    free(dbs);
}

int main(void)
{
    if (!getenv("B2A_TEST_DB_PORT") || strcmp(getenv("B2A_TEST_DB_VENDOR") ? getenv("B2A_TEST_DB_VENDOR") : "", "mariadb")) {
        fprintf(stderr, "B2A_TEST_DB_* not set for mariadb: run under tests/integration/with-db.sh mariadb\n");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_server_zone_is_not_utc),
        cmocka_unit_test(test_fixture_same_values),
        cmocka_unit_test(test_native_values_exact),
        cmocka_unit_test(test_native_adds_no_page_key),
        cmocka_unit_test(test_close_midway_and_chunks),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_bad_password),
        cmocka_unit_test(test_samples_same_values),
    };
    return cmocka_run_group_tests_name("mysql-fetch", tests, setup, NULL);
}
