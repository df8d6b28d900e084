/* SQL text helpers of the ODBC layer: quoting and script splitting. No
 * server needed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <stdio.h>
#include <unistd.h>

#include "odbc/odbc.h"
#include "util/str.h"

static void test_quote_ident(void **state)
{
    (void)state;
    char *s = b2a__odbc_quote_ident(B2A_ODBC_POSTGRES, "we\"ird ünï");
    assert_string_equal(s, "\"we\"\"ird ünï\"");
    free(s);
    s = b2a__odbc_quote_ident(B2A_ODBC_MYSQL, "a`b");
    assert_string_equal(s, "`a``b`");
    free(s);
    s = b2a__odbc_qualified(B2A_ODBC_POSTGRES, "pub\"lic", "t");
    assert_string_equal(s, "\"pub\"\"lic\".\"t\"");
    free(s);
    s = b2a__odbc_qualified(B2A_ODBC_MYSQL, "db", "t`1");
    assert_string_equal(s, "`db`.`t``1`");
    free(s);
}

static void test_quote_literal(void **state)
{
    (void)state;
    char *s = b2a__odbc_quote_literal(B2A_ODBC_POSTGRES, "it's a\\b");
    assert_string_equal(s, "'it''s a\\b'");
    free(s);
    /* MariaDB: backslash escapes unless NO_BACKSLASH_ESCAPES, so double it */
    s = b2a__odbc_quote_literal(B2A_ODBC_MYSQL, "it's a\\b");
    assert_string_equal(s, "'it''s a\\\\b'");
    free(s);
}

/* Key bounds: numbers of numeric columns unquoted, everything else quoted. */
static void test_value_literal(void **state)
{
    (void)state;
    static const struct {
        b2a_odbc_vendor v;
        b2a_vtype vt;
        const char *in, *out;
    } cases[] = {
        {B2A_ODBC_MYSQL, B2A_V_INT, "42", "42"},
        {B2A_ODBC_MYSQL, B2A_V_LONG, "-9223372036854775808", "-9223372036854775808"},
        {B2A_ODBC_POSTGRES, B2A_V_DECIMAL, "-12.50", "-12.50"},
        {B2A_ODBC_POSTGRES, B2A_V_DECIMAL, ".5", ".5"},
        {B2A_ODBC_POSTGRES, B2A_V_DECIMAL, "5.", "'5.'"},
        {B2A_ODBC_POSTGRES, B2A_V_DECIMAL, "1.2.3", "'1.2.3'"},
        {B2A_ODBC_POSTGRES, B2A_V_LONG, "-", "'-'"},
        {B2A_ODBC_POSTGRES, B2A_V_LONG, "1e5", "'1e5'"},
        {B2A_ODBC_MYSQL, B2A_V_INT, "1 OR 1=1", "'1 OR 1=1'"},
        {B2A_ODBC_MYSQL, B2A_V_STRING, "42", "'42'"},
        {B2A_ODBC_MYSQL, B2A_V_STRING, "it's\\", "'it''s\\\\'"},
        {B2A_ODBC_SQLSERVER, B2A_V_STRING, "k1", "N'k1'"},
        {B2A_ODBC_SQLSERVER, B2A_V_DATE, "2024-02-29", "N'2024-02-29'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *s = b2a__odbc_value_literal(cases[i].v, cases[i].vt, cases[i].in);
        assert_non_null(s);
        if (strcmp(s, cases[i].out))
            fail_msg("value_literal(%s): %s, expected %s", cases[i].in, s, cases[i].out);
        free(s);
    }
}

/* The native paths' SELECT lists: every column's expression, comma-joined,
 * past the first buffer size; a failing expression fails the list. */
static char *tagged(const b2a_column *col)
{
    return strcmp(col->name, "bad") ? b2a__asprintf("f(%s)", col->name) : NULL;
}

static void test_select_list(void **state)
{
    (void)state;
    b2a_column cols[60];
    char names[60][48];
    memset(cols, 0, sizeof(cols));
    for (int i = 0; i < 60; i++) {
        snprintf(names[i], sizeof(names[i]), "a_rather_long_column_name_%02d", i);
        cols[i].name = names[i];
    }
    b2a_table_def t = {.columns = cols, .ncolumns = 2};
    char *s = b2a__sql_select_list(&t, tagged);
    assert_string_equal(s, "f(a_rather_long_column_name_00),f(a_rather_long_column_name_01)");
    free(s);
    t.ncolumns = 60;
    s = b2a__sql_select_list(&t, tagged);
    assert_int_equal(strlen(s), 60 * strlen("f(a_rather_long_column_name_00)") + 59);
    assert_non_null(strstr(s, ",f(a_rather_long_column_name_59)"));
    free(s);
    t.ncolumns = 0;
    s = b2a__sql_select_list(&t, tagged);
    assert_string_equal(s, "");
    free(s);
    t.ncolumns = 60;
    cols[40].name = "bad";
    assert_null(b2a__sql_select_list(&t, tagged));
}

static void test_split_postgres(void **state)
{
    (void)state;
    const char *script =
        "-- leading comment; not a statement\n"
        "CREATE TABLE t (a text DEFAULT 'x;y');\n"
        "/* block; comment */ INSERT INTO \"we;ird\" VALUES (1);\n"
        "CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;\n"
        "DO $$ BEGIN PERFORM 1; END $$;\n"
        "SELECT E'a\\';b';   \n"
        "SELECT 'a\\'  ;\n"
        "  ;;  \n"
        "SELECT 2";
    b2a_sql_stmt *st;
    size_t n;
    assert_int_equal(b2a__odbc_split_script(B2A_ODBC_POSTGRES, script, &st, &n), 0);
    assert_int_equal(n, 7);
    assert_string_equal(st[0].text, "-- leading comment; not a statement\nCREATE TABLE t (a text DEFAULT 'x;y')");
    assert_int_equal(st[0].line, 1);
    assert_string_equal(st[1].text, "/* block; comment */ INSERT INTO \"we;ird\" VALUES (1)");
    assert_int_equal(st[1].line, 3);
    assert_string_equal(st[2].text, "CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql");
    assert_int_equal(st[2].line, 4);
    assert_string_equal(st[3].text, "DO $$ BEGIN PERFORM 1; END $$");
    assert_string_equal(st[4].text, "SELECT E'a\\';b'");
    /* standard strings: the backslash is an ordinary character */
    assert_string_equal(st[5].text, "SELECT 'a\\'");
    assert_string_equal(st[6].text, "SELECT 2");
    assert_int_equal(st[6].line, 9);
    b2a__odbc_stmts_free(st, n);
}

static void test_split_mysql(void **state)
{
    (void)state;
    const char *script =
        "# hash comment; here\n"
        "INSERT INTO `a;b` VALUES ('it\\'s;', \"q;\");\n"
        "DELIMITER //\n"
        "CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END//\n"
        "DELIMITER ;\n"
        "SELECT 3;\n";
    b2a_sql_stmt *st;
    size_t n;
    assert_int_equal(b2a__odbc_split_script(B2A_ODBC_MYSQL, script, &st, &n), 0);
    assert_int_equal(n, 3);
    assert_string_equal(st[0].text, "# hash comment; here\nINSERT INTO `a;b` VALUES ('it\\'s;', \"q;\")");
    assert_string_equal(st[1].text, "CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END");
    assert_int_equal(st[1].line, 4);
    assert_string_equal(st[2].text, "SELECT 3");
    assert_int_equal(st[2].line, 6);
    b2a__odbc_stmts_free(st, n);
}

/* ntile came in MySQL 8.0 and MariaDB 10.2: before, key ranges are cut without it */
static void test_window_functions_by_version(void **state)
{
    (void)state;
    assert_false(b2a__odbc_mysql_has_window_functions("5.7.44"));
    assert_false(b2a__odbc_mysql_has_window_functions("5.7.44-log"));
    assert_true(b2a__odbc_mysql_has_window_functions("8.0.36"));
    assert_true(b2a__odbc_mysql_has_window_functions("8.4.0"));
    assert_false(b2a__odbc_mysql_has_window_functions("10.1.48-MariaDB"));
    assert_false(b2a__odbc_mysql_has_window_functions("5.5.68-MariaDB"));
    assert_false(b2a__odbc_mysql_has_window_functions("5.5.5-10.1.48-MariaDB"));
    assert_true(b2a__odbc_mysql_has_window_functions("10.2.0-MariaDB"));
    assert_true(b2a__odbc_mysql_has_window_functions("5.5.5-10.11.6-MariaDB-0+deb12u1"));
    assert_true(b2a__odbc_mysql_has_window_functions("11.4.2-MariaDB-ubu2404"));
    assert_true(b2a__odbc_mysql_has_window_functions(NULL));
    assert_true(b2a__odbc_mysql_has_window_functions("unknown"));
}

static void test_split_empty(void **state)
{
    (void)state;
    b2a_sql_stmt *st;
    size_t n;
    assert_int_equal(b2a__odbc_split_script(B2A_ODBC_POSTGRES, " \n ; \n", &st, &n), 0);
    assert_int_equal(n, 0);
    b2a__odbc_stmts_free(st, n);
    /* unterminated quote: one statement, no overrun */
    assert_int_equal(b2a__odbc_split_script(B2A_ODBC_POSTGRES, "SELECT 'abc", &st, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(st[0].text, "SELECT 'abc");
    b2a__odbc_stmts_free(st, n);
}

static void test_driver_package(void **state)
{
    (void)state;
    assert_string_equal(b2a__odbc_driver_package("PostgreSQL Unicode"), "odbc-postgresql");
    assert_string_equal(b2a__odbc_driver_package("MariaDB Unicode"), "odbc-mariadb");
    assert_null(b2a__odbc_driver_package("FreeTDS"));
}

/* A machine without the driver package: unixODBC reads the driver list
 * from $ODBCSYSINI/odbcinst.ini, here an empty one. */
static void test_missing_driver(void **state)
{
    (void)state;
    char dir[] = "/tmp/b2a-odbcinst-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *ini = b2a__asprintf("%s/odbcinst.ini", dir);
    FILE *f = fopen(ini, "w");
    assert_non_null(f);
    fclose(f);
    setenv("ODBCSYSINI", dir, 1);
    setenv("ODBCINSTINI", "odbcinst.ini", 1);

    b2a_err err = {0};
    b2a_odbc_conn *c = NULL;
    int rc = b2a__odbc_connect(B2A_ODBC_POSTGRES,
                               "Driver={PostgreSQL Unicode};Server=127.0.0.1;Port=1;UID=u;PWD=secret",
                               5, &c, &err);
    assert_int_equal(rc, B2A_ENOTFOUND);
    assert_null(c);
    assert_int_equal(err.klass, B2A_ERRCLASS_ODBC);
    assert_string_equal(err.sqlstate, "IM002");
    assert_string_equal(err.msg, "ODBC driver \"PostgreSQL Unicode\" is not installed: install the Debian "
                                 "package odbc-postgresql ([unixODBC][Driver Manager]Can't open lib "
                                 "'PostgreSQL Unicode' : file not found)");

    rc = b2a__odbc_connect(B2A_ODBC_MYSQL, "DRIVER={MariaDB Unicode};SERVER=127.0.0.1;PWD={se;cret}", 5, &c, &err);
    assert_int_equal(rc, B2A_ENOTFOUND);
    assert_string_equal(err.sqlstate, "IM002");
    assert_non_null(strstr(err.msg, "\"MariaDB Unicode\" is not installed: install the Debian package odbc-mariadb"));
    assert_null(strstr(err.msg, "cret"));

    unsetenv("ODBCSYSINI");
    unsetenv("ODBCINSTINI");
    unlink(ini);
    rmdir(dir);
    free(ini);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quote_ident),
        cmocka_unit_test(test_quote_literal),
        cmocka_unit_test(test_value_literal),
        cmocka_unit_test(test_select_list),
        cmocka_unit_test(test_split_postgres),
        cmocka_unit_test(test_split_mysql),
        cmocka_unit_test(test_split_empty),
        cmocka_unit_test(test_window_functions_by_version),
        cmocka_unit_test(test_driver_package),
        cmocka_unit_test(test_missing_driver),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
