/* b2a__dsn_parse: the three DSN forms, what each becomes (ODBC string,
 * libpq conninfo, display without the password) and the messages for bad ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "source/dsn.h"

static void test_postgres_url(void **state)
{
    (void)state;
    b2a_dsn d;
    b2a_err err;
    assert_int_equal(b2a__dsn_parse("postgresql://al%40ice:p%3Bw@db.example:6543/sh%2Fop?sslmode=require", &d, &err),
                     B2A_OK);
    assert_int_equal(d.kind, B2A_DSN_POSTGRES_URL);
    assert_int_equal(d.vendor, B2A_ODBC_POSTGRES);
    assert_string_equal(d.odbc_connstr,
                        "Driver={PostgreSQL Unicode};Server=db.example;Port=6543;Database=sh/op;UID=al@ice;"
                        "PWD={p;w};UseDeclareFetch=1;Fetch=10000;BoolsAsChar=0;ByteaAsLongVarBinary=1;"
                        "sslmode=require;");
    assert_string_equal(d.pg_conninfo, "postgresql://al%40ice:p%3Bw@db.example:6543/sh%2Fop?sslmode=require");
    assert_string_equal(d.display, "postgresql://al%40ice:***@db.example:6543/sh%2Fop?sslmode=require");
    b2a__dsn_clear(&d);

    /* defaults: port 5432, database = user, sslmode prefer; [v6] host */
    assert_int_equal(b2a__dsn_parse("postgres://bob@[::1]", &d, &err), B2A_OK);
    assert_string_equal(d.odbc_connstr, "Driver={PostgreSQL Unicode};Server=::1;Port=5432;Database=bob;UID=bob;"
                                        "UseDeclareFetch=1;Fetch=10000;BoolsAsChar=0;ByteaAsLongVarBinary=1;"
                                        "sslmode=prefer;");
    assert_string_equal(d.display, "postgres://bob@[::1]");
    b2a__dsn_clear(&d);
}

static void test_mysql_url(void **state)
{
    (void)state;
    b2a_dsn d;
    b2a_err err;
    assert_int_equal(b2a__dsn_parse("mysql://root:s3cret@127.0.0.1:3307/sakila", &d, &err), B2A_OK);
    assert_int_equal(d.kind, B2A_DSN_MYSQL_URL);
    assert_int_equal(d.vendor, B2A_ODBC_MYSQL);
    assert_null(d.pg_conninfo);
    assert_string_equal(d.odbc_connstr, "Driver={MariaDB Unicode};Server=127.0.0.1;Port=3307;Database=sakila;"
                                        "UID=root;PWD=s3cret;NO_CACHE=1;FORWARDONLY=1;CHARSET=utf8mb4;NO_PROMPT=1;");
    assert_string_equal(d.display, "mysql://root:***@127.0.0.1:3307/sakila");
    b2a__dsn_clear(&d);
}

static void test_odbc_string(void **state)
{
    (void)state;
    b2a_dsn d;
    b2a_err err;
    assert_int_equal(b2a__dsn_parse("Driver={PostgreSQL Unicode};Server=h;Port=5;Database=d;UID=u;PWD={a}}b;c}", &d,
                                    &err), B2A_OK);
    assert_int_equal(d.vendor, B2A_ODBC_POSTGRES);
    assert_string_equal(d.pg_conninfo, "host='h' port='5' dbname='d' user='u' password='a}b;c'");
    assert_string_equal(d.display, "Driver={PostgreSQL Unicode};Server=h;Port=5;Database=d;UID=u;PWD=***");
    b2a__dsn_clear(&d);

    assert_int_equal(b2a__dsn_parse("DRIVER={ODBC Driver 18 for SQL Server};Server=x;Pwd=y;", &d, &err), B2A_OK);
    assert_int_equal(d.vendor, B2A_ODBC_SQLSERVER);
    assert_null(d.pg_conninfo);
    assert_string_equal(d.display, "DRIVER={ODBC Driver 18 for SQL Server};Server=x;Pwd=***;");
    b2a__dsn_clear(&d);
}

static void test_bad(void **state)
{
    (void)state;
    b2a_dsn d;
    b2a_err err;
    assert_int_equal(b2a__dsn_parse("oracle://x", &d, &err), B2A_EINVAL);
    assert_non_null(strstr(err.msg, "unknown URL scheme"));
    assert_int_equal(b2a__dsn_parse("postgresql://u:pw@h:99999/d", &d, &err), B2A_EINVAL);
    assert_string_equal(err.msg, "postgresql DSN: the port must be a number from 1 to 65535");
    assert_int_equal(b2a__dsn_parse("mysql://u:pw@/d", &d, &err), B2A_EINVAL);
    assert_null(strstr(err.msg, "pw"));
    assert_int_equal(b2a__dsn_parse("postgresql://u:p%zz@h/d", &d, &err), B2A_EINVAL);
    assert_int_equal(b2a__dsn_parse("Server=h;UID=u", &d, &err), B2A_EINVAL);
    assert_int_equal(b2a__dsn_parse("Driver={Acme ODBC};PWD=zz", &d, &err), B2A_EUNSUPPORTED);
    assert_null(strstr(err.msg, "zz"));
    assert_int_equal(b2a__dsn_parse("", &d, &err), B2A_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_postgres_url),
        cmocka_unit_test(test_mysql_url),
        cmocka_unit_test(test_odbc_string),
        cmocka_unit_test(test_bad),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
