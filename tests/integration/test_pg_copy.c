/* The PostgreSQL COPY (FORMAT binary) source against the ODBC cursor, on a
 * real server (tests/integration/with-db.sh postgres) with the real
 * psqlODBC and libpq: for every table of a fixture holding every mapped
 * type and of every PostgreSQL sample backup (restored by pg-samples.sh,
 * databases in $B2A_TEST_PG_DATABASES), both paths must hand the sink
 * exactly the same calls with exactly the same values, and as many rows
 * as the exact count. The server's defaults are set to a non-UTC zone and
 * non-ISO styles first, so neither path can lean on them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/sink.h"
#include "engine/engine.h"
#include "odbc/introspect.h"
#include "odbc/odbc.h"
#include "pg/pg.h"
#include "util/str.h"

#include "rec_sink.h"

/* ---- connections: the product's own ODBC string and libpq parameters ---- */
static char *odbc_connstr(const char *db)
{
    b2a_vendor_job j;
    memset(&j, 0, sizeof j);
    j.host_port = atoi(getenv("B2A_TEST_DB_PORT"));
    j.user = getenv("B2A_TEST_DB_USER");
    snprintf(j.password, sizeof j.password, "%s", getenv("B2A_TEST_DB_PASSWORD"));
    const b2a_vendor *v = b2a__vendor_by_name("postgresql");
    assert_non_null(v);
    j.vendor = v;
    char *cs = NULL;
    b2a_err err = {0};
    if (v->connstr(&j, db, &cs, &err))
        fail_msg("connstr: %s", err.msg);
    return cs;
}

static b2a_odbc_conn *odbc_connect(const char *db)
{
    char *cs = odbc_connstr(db);
    b2a_odbc_conn *c = NULL;
    b2a_err err = {0};
    int rc = b2a__odbc_connect(B2A_ODBC_POSTGRES, cs, 15, &c, &err);
    free(cs);
    if (rc)
        fail_msg("ODBC connect to %s: %s", db, err.msg);
    return c;
}

static PGconn *pg_connect(const char *db)
{
    b2a_pg_params p = {"127.0.0.1", atoi(getenv("B2A_TEST_DB_PORT")), getenv("B2A_TEST_DB_USER"),
                       getenv("B2A_TEST_DB_PASSWORD"), db, 15, NULL};
    PGconn *c = NULL;
    b2a_err err = {0};
    if (b2a__pg_connect(&p, &c, &err))
        fail_msg("libpq connect to %s: %s", db, err.msg);
    return c;
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
    o.rc = b2a__odbc_cursor_open(c, B2A_ODBC_POSTGRES, t, NULL, &cur, &err);
    for (int eof = 0; o.rc == B2A_OK && !eof; o.chunks++) {
        size_t n = 0;
        o.rc = b2a__odbc_cursor_next(cur, &s->base, chunk, &n, &eof, &err);
    }
    b2a__odbc_cursor_close(cur);
    if (o.rc)
        snprintf(o.msg, sizeof o.msg, "%s", err.msg);
    return o;
}

static outcome via_copy(PGconn *c, const b2a_table_def *t, size_t chunk, rec_sink *s)
{
    outcome o = {0};
    b2a_err err = {0};
    b2a_pg_copy *cur = NULL;
    o.rc = b2a__pg_copy_open(c, t, &cur, &err);
    for (int eof = 0; o.rc == B2A_OK && !eof; o.chunks++) {
        size_t n = 0;
        o.rc = b2a__pg_copy_next(cur, &s->base, chunk, &n, &eof, &err);
        if (o.rc == B2A_OK)
            assert_true(n == chunk || eof); /* a short chunk only at the end */
    }
    b2a__pg_copy_close(cur);
    if (o.rc)
        snprintf(o.msg, sizeof o.msg, "%s", err.msg);
    return o;
}

typedef struct tally {
    size_t tables, rows, failed_alike;
    size_t nonnull[B2A_V_JSON + 1];
} tally;

/* Both paths on one table: same outcome; when it succeeds, the same calls
 * for every row and as many rows as the exact count. */
static void compare_table(b2a_odbc_conn *oc, PGconn *pc, const b2a_odbc_table *ot, tally *tl)
{
    const b2a_table_def *t = &ot->def;
    rec_sink a, b;
    rec_init(&a, t);
    rec_init(&b, t);
    outcome oa = via_odbc(oc, t, 1000, &a);
    outcome ob = via_copy(pc, t, 1000, &b);
    if (oa.rc != ob.rc || strcmp(oa.msg, ob.msg))
        fail_msg("%s.%s: ODBC ended %d \"%s\", COPY %d \"%s\"", t->schema, t->name, oa.rc, oa.msg, ob.rc, ob.msg);
    if (oa.rc == B2A_OK) {
        assert_int_equal(a.rows, (size_t)t->row_count);
        assert_int_equal(b.rows, (size_t)t->row_count);
        /* Row order is the plan's (a cursor and a COPY may join views
         * differently): compare the rows as sorted multisets. */
        assert_same_rows(&a, "ODBC:", &b, "COPY:");
        tl->rows += a.rows;
        for (int v = 0; v <= B2A_V_JSON; v++)
            tl->nonnull[v] += b.nonnull[v];
    } else {
        tl->failed_alike++;
    }
    tl->tables++;
    rec_free(&a);
    rec_free(&b);
}

/* Views too when asked: only where their rows do not depend on the plan
 * (a sample's film_list aggregates actor names in whatever order it meets them). */
static void compare_database(const char *db, const char *schema, int views, tally *tl)
{
    b2a_odbc_conn *oc = odbc_connect(db);
    PGconn *pc = pg_connect(db);
    b2a_odbc_table *tabs = NULL;
    size_t n = 0;
    b2a_err err = {0};
    b2a_introspect_opts o = B2A_INTROSPECT_OPTS_INIT;
    o.include_views = views;
    const char *schemas[] = {schema};
    if (schema) {
        o.schemas = schemas;
        o.nschemas = 1;
    }
    if (b2a__odbc_introspect(oc, &o, &tabs, &n, &err))
        fail_msg("introspect %s: %s", db, err.msg);
    for (size_t i = 0; i < n; i++)
        if (tabs[i].exported && tabs[i].def.ncolumns)
            compare_table(oc, pc, &tabs[i], tl);
    b2a__odbc_tables_free(tabs, n);
    b2a__pg_disconnect(pc);
    b2a__odbc_disconnect(oc);
}

/* ---- fixture: every type the mapping knows, with its edge values ---- */
static const char fixture[] =
    "DROP SCHEMA IF EXISTS b2a_t CASCADE;\n"
    "CREATE SCHEMA b2a_t;\n"
    "CREATE TYPE b2a_t.mood AS ENUM ('sad', 'happy', 'ça va');\n"
    "CREATE TYPE b2a_t.pair AS (x int, label text, at timestamptz);\n"
    "CREATE DOMAIN b2a_t.posint AS integer CHECK (VALUE > 0);\n"
    "CREATE DOMAIN b2a_t.tags AS text[];\n"
    "CREATE TABLE b2a_t.scalars (\n"
    "  id int PRIMARY KEY, s smallint, i int, b bigint, o oid, n numeric(10,2), nneg numeric(5,-2),\n"
    "  r real, d double precision, m money, bo boolean, u uuid, by bytea, dom b2a_t.posint,\n"
    "  tx text, vc varchar(20), ch char(5), nm name, qc \"char\", j json, jb jsonb, xm xml);\n"
    "INSERT INTO b2a_t.scalars VALUES\n"
    " (1, -32768, -2147483648, -9223372036854775808, 4294967295, -12345678.90, 12345,\n"
    "  -1.5, 1e308, '-92233720368547758.08', true, 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', '\\x00ff10', 7,\n"
    "  'héllo €', 'vc ünï', 'ab', 'a name', 'x', '{\"a\": [1, 2.50]}', '{\"b\": null, \"a\": 1}', '<a>é</a>'),\n"
    " (2, 32767, 2147483647, 9223372036854775807, 0, 99999999.99, -99900,\n"
    "  'NaN', '-Infinity', '92233720368547758.07', false, '00000000-0000-0000-0000-000000000000', '\\x', 1,\n"
    "  '', '', '', '', ' ', '[]', '\"x\"', ''),\n"
    " (3, 0, 0, 0, 1, 0, 0, 'Infinity', 'NaN', 0, NULL, NULL, NULL, NULL,\n"
    "  E'tab\\there\\nnewline', 'x', 'abcde', 'n', '7', 'null', 'null', NULL),\n"
    " (4, NULL, NULL, NULL, NULL, -0.01, NULL, '-0', '-0', NULL, NULL, NULL, NULL, NULL,\n"
    "  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),\n"
    " (5, 1, 1, 1, 1, 0.5, 100, 1.17549435e-38, 4.9e-324, 0.01, true, 'ffffffff-ffff-ffff-ffff-ffffffffffff', '\\xdeadbeef', 2,\n"
    "  repeat('long é ', 3000), 'v', 'é', 'z', 'A', '{\"deep\": {\"k\": [true, false, null]}}', '[1, \"two\", 3.0]', '<r/>');\n"
    /* numeric without precision: profiled as long, as decimal, and as text (NaN) */
    "CREATE TABLE b2a_t.numerics (id int PRIMARY KEY, nl numeric, nd numeric, nn numeric, nw numeric(50,5), nx numeric);\n"
    "INSERT INTO b2a_t.numerics VALUES\n"
    " (1, 9223372036854775807, 1.5, 'NaN', 123456789012345678901234567890123456789012345.12345, 1e40),\n"
    " (2, -9223372036854775808, -0.000001, 'Infinity', -0.00001, 1),\n"
    " (3, 0, 12345678901234567890123456789012.123456, '-Infinity', 0, NULL),\n"
    " (4, NULL, 0.000000, 42, NULL, 0.5),\n"
    " (5, 10, 100, 3.14159, 1, 2);\n"
    "CREATE TABLE b2a_t.times (id int PRIMARY KEY, dt date, ts timestamp, tstz timestamptz, t time, ttz timetz, iv interval);\n"
    "INSERT INTO b2a_t.times VALUES\n"
    " (1, '0001-01-01', '0001-01-01 00:00:00', '0001-01-01 00:00:00+00', '00:00:00', '12:34:56.789+02', '1 year 2 mons 3 days 04:05:06.7'),\n"
    " (2, '9999-12-31', '9999-12-31 23:59:59.999999', '2024-02-29 23:59:59.999999+05:30', '23:59:59.999999', '00:00:00+00', '-1 second'),\n"
    " (3, 'infinity', 'infinity', 'infinity', '24:00:00', '23:59:59-14:59', '0'),\n"
    " (4, '-infinity', '-infinity', '-infinity', NULL, NULL, '-2 years 3 days -00:00:00.000001'),\n"
    " (5, '0044-03-15 BC', '0044-03-15 12:00:00 BC', '0044-03-15 12:00:00+00 BC', '12:00:00', NULL, '1000000 hours'),\n"
    " (6, '1969-12-31', '1970-01-01 00:00:00.000001', '1969-12-31 23:59:59+00', '00:00:00.000001', NULL, NULL),\n"
    " (7, '2000-01-01', '2000-01-01 00:00:00', '2000-01-01 00:00:00-08', '13:14:15', NULL, '3 days'),\n"
    " (8, '0001-12-31 BC', '0001-12-31 23:59:59.999999 BC', '0001-12-31 23:59:59.999999+00 BC', NULL, NULL, NULL),\n"
    " (9, '1582-10-04', '1582-10-15 01:02:03', '1900-01-01 00:00:00+01:30', NULL, NULL, NULL),\n"
    " (10, NULL, NULL, NULL, NULL, NULL, NULL),\n"
    " (11, '9999-12-31', '9999-12-31 23:59:59.999999', '9999-12-31 23:59:59.999999+00', NULL, NULL, NULL),\n"
    " (12, '10000-01-01', '10000-01-01 00:00:00', '10000-01-01 00:00:00+00', NULL, NULL, NULL),\n"
    " (13, '12000-06-01', '12000-06-01 10:00:00', '9999-12-31 23:00:00-05', NULL, NULL, NULL);\n"
    "CREATE TABLE b2a_t.texts (id int PRIMARY KEY, ip inet, cd cidr, mac macaddr, bits bit(4), vb varbit,\n"
    "  tsv tsvector, e b2a_t.mood, lsn pg_lsn, pt point, ln line, ls lseg, bx box, pa path, pg polygon, ci circle,\n"
    "  ir int4range, tr tsrange, tzr tstzrange, dr daterange, nr numrange, mr int4multirange, ttz timetz);\n"
    "INSERT INTO b2a_t.texts VALUES\n"
    " (1, '192.168.0.1/24', '10.0.0.0/8', '08:00:2b:01:02:03', B'1010', B'101', 'a fat cat:1 sat:2', 'happy', '16/B374D848',\n"
    "  '(1.5,-2)', '{1,-1,0}', '[(0,0),(1,1)]', '((0,0),(2,3))', '[(0,0),(1,1),(2,0)]', '((0,0),(1,1),(1,0))', '<(0,0),1.5>',\n"
    "  '[1,10)', '[2020-01-01 10:00,2020-01-02)', '[2020-01-01 10:00+00,infinity)', '[2020-01-01,2020-02-01)', '(0.5,1.25]', '{[1,3),[5,7)}', '10:00+05:45'),\n"
    " (2, '::1', '2001:db8::/32', 'ff:ff:ff:ff:ff:ff', B'0000', B'', '', 'ça va', '0/0',\n"
    "  '(0,0)', '{0,1,0}', '[(1e-10,2),(3,4)]', '((1,1),(1,1))', '((0,0),(1,1))', '((0,0))', '<(1,2),0>',\n"
    "  'empty', '(,)', '(-infinity,2020-01-01 00:00+00]', '[0044-01-01 BC,2020-01-01)', 'empty', '{}', NULL),\n"
    " (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,\n"
    "  NULL, NULL, NULL, NULL, NULL, NULL, NULL);\n"
    "CREATE TABLE b2a_t.arrays (id int PRIMARY KEY, ai int[], at text[], atz timestamptz[], an numeric[], ad date[],\n"
    "  a2 int[][], af float8[], ab bytea[], au uuid[], ae b2a_t.mood[], aj jsonb[], tags b2a_t.tags, comp b2a_t.pair,\n"
    "  acomp b2a_t.pair[], ats timestamp[], aiv interval[]);\n"
    "INSERT INTO b2a_t.arrays VALUES\n"
    " (1, '{1,NULL,3}', '{\"a b\",\"c\\\"d\",NULL,\"\"}', '{\"2020-06-01 12:00+02\",infinity}', '{1.50,NaN,-0.001}',\n"
    "  '{2020-01-01,infinity,0044-03-15 BC}', '{{1,2},{3,4}}', '{1.5,NaN,-Infinity,1e-300}', '{\"\\\\x00ff\",NULL}',\n"
    "  '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}', '{happy,\"ça va\"}', ARRAY['{\"a\":1}'::jsonb, 'null'], '{x,y}',\n"
    "  ROW(1, 'one', '2020-01-01 00:00+00'), ARRAY[ROW(2, 'two', '1999-12-31 23:00-05')::b2a_t.pair, NULL],\n"
    "  '{\"2020-01-01 10:00:00.5\",-infinity}', '{\"1 day\",\"-3 hours\"}'),\n"
    " (2, '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', ROW(NULL, NULL, NULL), '{}', '{}', '{}'),\n"
    " (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);\n"
    /* inheritance: the parent's own rows only (ONLY), the child's with the child */
    "CREATE TABLE b2a_t.parent (id int PRIMARY KEY, v text);\n"
    "CREATE TABLE b2a_t.child (extra int) INHERITS (b2a_t.parent);\n"
    "INSERT INTO b2a_t.parent VALUES (1, 'p');\n"
    "INSERT INTO b2a_t.child VALUES (2, 'c', 9);\n"
    "CREATE TABLE b2a_t.part (id int, region text, PRIMARY KEY (id, region)) PARTITION BY LIST (region);\n"
    "CREATE TABLE b2a_t.part_eu PARTITION OF b2a_t.part FOR VALUES IN ('eu');\n"
    "CREATE TABLE b2a_t.part_us PARTITION OF b2a_t.part FOR VALUES IN ('us');\n"
    "INSERT INTO b2a_t.part VALUES (1, 'eu'), (2, 'us'), (3, 'eu');\n"
    "CREATE VIEW b2a_t.v AS SELECT id, tstz FROM b2a_t.times;\n"
    "CREATE MATERIALIZED VIEW b2a_t.mv AS SELECT id, n FROM b2a_t.scalars;\n"
    "CREATE TABLE b2a_t.\"we\"\"ird ünï\" (\"k\"\"ey\" int PRIMARY KEY, \"naïve col\" text);\n"
    "INSERT INTO b2a_t.\"we\"\"ird ünï\" VALUES (1, 'x\"y''z'), (2, NULL);\n"
    "CREATE TABLE b2a_t.big (id bigint PRIMARY KEY, payload text, f double precision, d date, n numeric(12,3));\n"
    "INSERT INTO b2a_t.big SELECT g, repeat('p', g % 50), g / 4.0, date '2020-01-01' + g % 1000, g * 1.001\n"
    "  FROM generate_series(1, 20000) g;\n"
    "CREATE TABLE b2a_t.empty (id int, t text);\n";

/* The server's defaults for every new session: a zone that is not UTC and
 * is not a whole hour away, and output styles the export must not get. */
static const char server_defaults[] =
    "ALTER SYSTEM SET timezone = 'Asia/Kathmandu';\n"
    "ALTER SYSTEM SET datestyle = 'SQL, DMY';\n"
    "ALTER SYSTEM SET intervalstyle = 'postgres_verbose';\n"
    "ALTER SYSTEM SET extra_float_digits = -3;\n"
    "SELECT pg_reload_conf();\n";

static const char *db_name(void)
{
    return getenv("B2A_TEST_DB_NAME");
}

static int setup(void **state)
{
    (void)state;
    b2a_odbc_conn *c = odbc_connect(db_name());
    b2a_err err = {0};
    if (b2a__odbc_exec_script(c, server_defaults, "server defaults", &err) ||
        b2a__odbc_exec_script(c, fixture, "fixture", &err)) {
        fprintf(stderr, "setup: %s\n", err.msg);
        b2a__odbc_disconnect(c);
        return -1;
    }
    b2a__odbc_disconnect(c);
    return 0;
}

/* The defaults really are in force for a session that sets nothing. */
static void test_server_defaults_are_not_utc(void **state)
{
    (void)state;
    PGconn *c = PQconnectdbParams((const char *const[]){"host", "port", "user", "password", "dbname", "sslmode", NULL},
                                  (const char *const[]){"127.0.0.1", getenv("B2A_TEST_DB_PORT"), getenv("B2A_TEST_DB_USER"),
                                                        getenv("B2A_TEST_DB_PASSWORD"), db_name(), "disable", NULL},
                                  0);
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    PGresult *r = PQexec(c, "SELECT current_setting('TimeZone'), current_setting('DateStyle')");
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    assert_string_equal(PQgetvalue(r, 0, 0), "Asia/Kathmandu");
    assert_string_equal(PQgetvalue(r, 0, 1), "SQL, DMY");
    PQclear(r);
    PQfinish(c);
}

/* Every table of the fixture, both ways, and every value type met. */
static void test_fixture_same_values(void **state)
{
    (void)state;
    tally tl = {0};
    compare_database(db_name(), "b2a_t", 1, &tl);
    fprintf(stderr, "fixture: %zu tables, %zu rows the same both ways (%zu failed alike)\n", tl.tables, tl.rows,
            tl.failed_alike);
    assert_int_equal(tl.failed_alike, 0);
    /* scalars numerics times texts arrays parent child part "we""ird ünï" big empty, views v mv */
    assert_int_equal(tl.tables, 13);
    assert_int_equal(tl.rows, 5 + 5 + 13 + 3 + 3 + 1 + 1 + 3 + 2 + 20000 + 0 + 13 + 5);
    for (int v = 0; v <= B2A_V_JSON; v++)
        if (tl.nonnull[v] == 0)
            fail_msg("no non-NULL value of vtype %d in the fixture", v);
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

static void expect_rows(PGconn *pc, const b2a_odbc_table *t, size_t first, const char *const *cols,
                        const char *const *want)
{
    rec_sink s;
    rec_init(&s, &t->def);
    outcome o = via_copy(pc, &t->def, 3, &s);
    assert_int_equal(o.rc, B2A_OK);
    assert_rows_are(&s, first, cols, want);
    rec_free(&s);
}

static void test_copy_values_exact(void **state)
{
    (void)state;
    b2a_odbc_conn *oc = odbc_connect(db_name());
    PGconn *pc = pg_connect(db_name());
    b2a_odbc_table *tabs = NULL;
    size_t n = 0;
    b2a_err err = {0};
    b2a_introspect_opts o = B2A_INTROSPECT_OPTS_INIT;
    const char *schemas[] = {"b2a_t"};
    o.schemas = schemas;
    o.nschemas = 1;
    assert_int_equal(b2a__odbc_introspect(oc, &o, &tabs, &n, &err), B2A_OK);
    /* dates: days since 1970 (0001-01-01 is -719162, 9999-12-31 is 2932896);
     * infinities and BC: NULL. timestamptz: UTC micros whatever the zone,
     * 2024-02-29 23:59:59.999999+05:30 is 1709231399999999. time 24:00 is
     * 86400 s. interval: ISO-8601 text although the server prints verbose. */
    expect_rows(pc, find(tabs, n, "times"), 0, (const char *const[]){"dt", "tstz", "t", "iv", NULL},
                (const char *const[]){
                    "i-719162 l-62135596800000000 l0 s16:P1Y2M3DT4H5M6.7S",
                    "i2932896 l1709231399999999 l86399999999 s5:PT-1S",
                    "N N l86400000000 s4:PT0S",
                    "N N N s17:P-2Y3DT-0.000001S",
                    "N N l43200000000 s10:PT1000000H",
                    NULL});
    /* 9999-12-31 is the last day written; from 10000-01-01 on, NULL (and
     * 9999-12-31 23:00-05 is already 10000-01-01 in UTC) */
    expect_rows(pc, find(tabs, n, "times"), 10, (const char *const[]){"dt", "ts", "tstz", NULL},
                (const char *const[]){"i2932896 l253402300799999999 l253402300799999999", "N N N", "N N N", NULL});
    /* NaN and infinities of float as IEEE bits; numeric(5,-2) is decimal(7,0)
     * (12345 was stored rounded to 12300);
     * money as numeric; uuid lower case; char(5) keeps its padding */
    expect_rows(pc, find(tabs, n, "scalars"), 0, (const char *const[]){"nneg", "r", "d", "m", "u", "ch", NULL},
                (const char *const[]){
                    "D300c fbfc00000(-1.5) d7fe1ccf385ebc8a0(1e+308) D8000000000000000 "
                    "s36:a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11 s5:ab   ",
                    "Dfe79c4 f7fc00000(nan) dfff0000000000000(-inf) D7fffffffffffffff "
                    "s36:00000000-0000-0000-0000-000000000000 s5:     ",
                    NULL});
    b2a__odbc_tables_free(tabs, n);
    b2a__pg_disconnect(pc);
    b2a__odbc_disconnect(oc);
}

/* Closing a COPY half read leaves the connection usable; chunks of one row
 * give the same rows as one big chunk. */
static void test_close_midway_and_chunks(void **state)
{
    (void)state;
    b2a_odbc_conn *oc = odbc_connect(db_name());
    PGconn *pc = pg_connect(db_name());
    b2a_odbc_table *tabs = NULL;
    size_t n = 0;
    b2a_err err = {0};
    b2a_introspect_opts o = B2A_INTROSPECT_OPTS_INIT;
    const char *schemas[] = {"b2a_t"};
    o.schemas = schemas;
    o.nschemas = 1;
    assert_int_equal(b2a__odbc_introspect(oc, &o, &tabs, &n, &err), B2A_OK);
    const b2a_odbc_table *big = find(tabs, n, "big");
    rec_sink s;
    rec_init(&s, &big->def);
    b2a_pg_copy *cur = NULL;
    assert_int_equal(b2a__pg_copy_open(pc, &big->def, &cur, &err), B2A_OK);
    size_t got = 0;
    int eof = 0;
    assert_int_equal(b2a__pg_copy_next(cur, &s.base, 100, &got, &eof, &err), B2A_OK);
    assert_int_equal(got, 100);
    assert_false(eof);
    b2a__pg_copy_close(cur);
    rec_free(&s);
    /* the same connection again, one row per chunk, against one chunk */
    rec_sink one, all;
    rec_init(&one, &big->def);
    rec_init(&all, &big->def);
    outcome a = via_copy(pc, &big->def, 1, &one);
    outcome b = via_copy(pc, &big->def, 1000000, &all);
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
    b2a__pg_disconnect(pc);
    b2a__odbc_disconnect(oc);
}

/* A value the column's decimal cannot hold fails the table with the same
 * words both ways; a server error keeps its SQLSTATE. */
static void test_errors(void **state)
{
    (void)state;
    b2a_odbc_conn *oc = odbc_connect(db_name());
    PGconn *pc = pg_connect(db_name());
    b2a_err err = {0};
    assert_int_equal(b2a__odbc_exec_script(oc,
        "CREATE TABLE b2a_t.badnum (id int PRIMARY KEY, n numeric(10,2));\n"
        "INSERT INTO b2a_t.badnum VALUES (1, 1.5), (2, 'NaN');\n", "badnum", &err), B2A_OK);
    b2a_odbc_table *tabs = NULL;
    size_t n = 0;
    b2a_introspect_opts o = B2A_INTROSPECT_OPTS_INIT;
    const char *schemas[] = {"b2a_t"};
    o.schemas = schemas;
    o.nschemas = 1;
    assert_int_equal(b2a__odbc_introspect(oc, &o, &tabs, &n, &err), B2A_OK);
    const b2a_odbc_table *t = find(tabs, n, "badnum");
    rec_sink a, b;
    rec_init(&a, &t->def);
    rec_init(&b, &t->def);
    outcome oa = via_odbc(oc, &t->def, 10, &a);
    outcome ob = via_copy(pc, &t->def, 10, &b);
    assert_int_equal(ob.rc, B2A_EFORMAT);
    assert_int_equal(oa.rc, ob.rc);
    assert_string_equal(ob.msg, oa.msg);
    assert_non_null(strstr(ob.msg, "b2a_t.badnum, column n (numeric(10,2)): decimal value \"NaN\""));
    rec_free(&a);
    rec_free(&b);
    /* the table dropped between introspection and export */
    assert_int_equal(b2a__odbc_exec(oc, "DROP TABLE b2a_t.badnum", &err), B2A_OK);
    b2a_pg_copy *cur = NULL;
    assert_int_equal(b2a__pg_copy_open(pc, &t->def, &cur, &err), B2A_EODBC);
    assert_null(cur);
    assert_string_equal(err.sqlstate, "42P01");
    assert_non_null(strstr(err.msg, "b2a_t.badnum: looking up the table: ERROR:  relation \"b2a_t.badnum\" does not exist"));
    b2a__odbc_tables_free(tabs, n);
    b2a__pg_disconnect(pc);
    b2a__odbc_disconnect(oc);
}

static void test_bad_password(void **state)
{
    (void)state;
    b2a_pg_params p = {"127.0.0.1", atoi(getenv("B2A_TEST_DB_PORT")), getenv("B2A_TEST_DB_USER"), "wrong-Secret1",
                       db_name(), 15, NULL};
    PGconn *c = NULL;
    b2a_err err = {0};
    assert_int_equal(b2a__pg_connect(&p, &c, &err), B2A_EODBC);
    assert_null(c);
    assert_non_null(strstr(err.msg, "PostgreSQL connect: "));
    assert_non_null(strstr(err.msg, "password authentication failed"));
    assert_null(strstr(err.msg, "wrong-Secret1"));
}

/* Every sample backup pg-samples.sh restored: every table both ways. */
static void test_samples_same_values(void **state)
{
    (void)state;
    const char *list = getenv("B2A_TEST_PG_DATABASES");
    if (!list || !*list) {
        fprintf(stderr, "no sample databases restored (run under pg-samples.sh)\n");
        skip();
    }
    char *dbs = b2a__strdup(list);
    size_t ndb = 0;
    for (char *db = strtok(dbs, " "); db; db = strtok(NULL, " "), ndb++) {
        tally tl = {0};
        compare_database(db, NULL, 0, &tl);
        fprintf(stderr, "%s: %zu tables, %zu rows the same both ways (%zu failed alike)\n", db, tl.tables, tl.rows,
                tl.failed_alike);
        assert_int_equal(tl.failed_alike, 0);
        assert_true(tl.tables >= 8);
        assert_true(tl.rows >= 3000);
    }
    assert_int_equal(ndb, 8);
    free(dbs);
}

int main(void)
{
    if (!getenv("B2A_TEST_DB_PORT") || strcmp(getenv("B2A_TEST_DB_VENDOR") ? getenv("B2A_TEST_DB_VENDOR") : "", "postgres")) {
        fprintf(stderr, "B2A_TEST_DB_* not set for postgres: run under tests/integration/with-db.sh postgres\n");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_server_defaults_are_not_utc),
        cmocka_unit_test(test_fixture_same_values),
        cmocka_unit_test(test_copy_values_exact),
        cmocka_unit_test(test_close_midway_and_chunks),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_bad_password),
        cmocka_unit_test(test_samples_same_values),
    };
    return cmocka_run_group_tests_name("pg-copy", tests, setup, NULL);
}
