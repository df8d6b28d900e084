/* b2a_inspect(): the JSON document, parsed back and checked field by field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <yajl/yajl_tree.h>

#include "bak2avro/inspect.h"
#include "bak2avro/errors.h"
#include "helpers.h"

static yajl_val parse(const char *json)
{
    char errbuf[256];
    yajl_val v = yajl_tree_parse(json, errbuf, sizeof(errbuf));
    if (!v)
        fail_msg("not JSON: %s\n%s", errbuf, json);
    return v;
}

static yajl_val get(yajl_val obj, const char *a, const char *b, const char *c)
{
    const char *path[] = {a, b, c, NULL};
    return yajl_tree_get(obj, path, yajl_t_any);
}

static const char *str_at(yajl_val obj, const char *a, const char *b, const char *c)
{
    yajl_val v = get(obj, a, b, c);
    if (!v || !YAJL_IS_STRING(v))
        fail_msg("%s.%s.%s is not a string", a, b ? b : "", c ? c : "");
    return YAJL_GET_STRING(v);
}

static long long int_at(yajl_val obj, const char *a, const char *b, const char *c)
{
    yajl_val v = get(obj, a, b, c);
    if (!v || !YAJL_IS_INTEGER(v))
        fail_msg("%s.%s.%s is not an integer", a, b ? b : "", c ? c : "");
    return YAJL_GET_INTEGER(v);
}

static yajl_val input(yajl_val doc, size_t i)
{
    yajl_val arr = get(doc, "inputs", NULL, NULL);
    assert_non_null(arr);
    assert_true(YAJL_IS_ARRAY(arr));
    assert_true(i < arr->u.array.len);
    return arr->u.array.values[i];
}

static void chinook_custom_field_by_field(void **state)
{
    (void)state;
    const char *paths[] = {th_sample("postgresql/chinook_pg15_custom.dump")};
    char *json = NULL, *msg = NULL;
    assert_int_equal(b2a_inspect(paths, 1, &json, &msg), B2A_OK);
    assert_null(msg);
    yajl_val doc = parse(json);
    assert_int_equal(get(doc, "inputs", NULL, NULL)->u.array.len, 1);
    yajl_val in = input(doc, 0);
    assert_string_equal(str_at(in, "path", NULL, NULL), paths[0]);
    assert_int_equal(int_at(in, "size", NULL, NULL), 163342);
    assert_string_equal(str_at(in, "vendor", NULL, NULL), "postgresql");
    assert_string_equal(str_at(in, "format", NULL, NULL), "pg_dump custom");
    assert_string_equal(str_at(in, "format_id", NULL, NULL), "pg_custom");
    assert_true(YAJL_IS_FALSE(get(in, "gzip_wrapped", NULL, NULL)));
    assert_string_equal(str_at(in, "compression", NULL, NULL), "gzip");
    assert_string_equal(str_at(in, "versions", "archive", NULL), "1.14.0");
    assert_string_equal(str_at(in, "versions", "server", NULL), "15.18 (Debian 15.18-0+deb12u1)");
    assert_string_equal(str_at(in, "versions", "pg_dump", NULL), "15.18 (Debian 15.18-0+deb12u1)");
    assert_int_equal(int_at(in, "versions", "min_server_major", NULL), 12);
    assert_int_equal(int_at(in, "versions", "min_server_version_num", NULL), 120000);
    assert_string_equal(str_at(in, "contents", "database", NULL), "chinook");
    assert_string_equal(str_at(in, "contents", "created", NULL), "2026-11-24 12:43:23");
    assert_int_equal(int_at(in, "contents", "toc_entries", NULL), 59);
    assert_int_equal(int_at(in, "contents", "table_data_entries", NULL), 11);
    yajl_val tables = get(in, "contents", "tables", NULL);
    assert_true(YAJL_IS_ARRAY(tables));
    assert_int_equal(tables->u.array.len, 11);
    yajl_val t0 = tables->u.array.values[0], t10 = tables->u.array.values[10];
    assert_string_equal(str_at(t0, "schema", NULL, NULL), "public");
    assert_string_equal(str_at(t0, "name", NULL, NULL), "album");
    assert_string_equal(str_at(t0, "owner", NULL, NULL), "postgres");
    assert_int_equal(int_at(t0, "dump_id", NULL, NULL), 3422);
    assert_null(get(t0, "file", NULL, NULL)); /* custom archives have offsets, not files */
    assert_string_equal(str_at(t10, "name", NULL, NULL), "track");
    yajl_tree_free(doc);
    free(json);
}

static void several_vendors_in_one_call(void **state)
{
    (void)state;
    const char *paths[] = {th_sample("mysql/sakila-schema.sql"),
                           th_sample("oracle/alphaoffice_expdat.dmp"),
                           th_sample("oracle/jliverse_datapump_scott.dmp"),
                           th_sample("sqlserver/tsqlv4_sql2016_compressed__JoeyCheung.bak"),
                           th_sample("postgresql/pagila-schema.sql"),
                           th_sample("postgresql/chinook_pg15_directory")};
    char *json = NULL, *msg = NULL;
    assert_int_equal(b2a_inspect(paths, 6, &json, &msg), B2A_OK);
    yajl_val doc = parse(json);
    assert_int_equal(get(doc, "inputs", NULL, NULL)->u.array.len, 6);

    yajl_val my = input(doc, 0);
    assert_string_equal(str_at(my, "vendor", NULL, NULL), "mysql");
    assert_string_equal(str_at(my, "format", NULL, NULL), "MySQL SQL script");
    assert_true(YAJL_IS_NULL(get(my, "versions", "server", NULL)));
    yajl_val t = get(my, "contents", "tables", NULL);
    assert_int_equal(t->u.array.len, 16);
    assert_string_equal(YAJL_GET_STRING(t->u.array.values[0]), "actor");
    assert_string_equal(YAJL_GET_STRING(t->u.array.values[15]), "store");

    yajl_val ora = input(doc, 1);
    assert_string_equal(str_at(ora, "format", NULL, NULL), "Oracle exp");
    assert_string_equal(str_at(ora, "versions", "export", NULL), "V12.01.00");
    assert_string_equal(str_at(ora, "contents", "user", NULL), "ALPHA");
    assert_string_equal(str_at(ora, "contents", "charset", NULL), "WE8MSWIN1252");
    assert_string_equal(str_at(ora, "contents", "client_charset", NULL), "US7ASCII");
    t = get(ora, "contents", "tables", NULL);
    assert_int_equal(t->u.array.len, 19);
    assert_string_equal(YAJL_GET_STRING(t->u.array.values[0]), "ALPHA.ADDRESSES");
    assert_int_equal(int_at(ora, "contents", "data_segments", NULL), 19);
    assert_true(YAJL_IS_TRUE(get(ora, "contents", "tables_complete", NULL)));

    yajl_val dp = input(doc, 2);
    assert_string_equal(str_at(dp, "format_id", NULL, NULL), "oracle_datapump");
    assert_string_equal(str_at(dp, "versions", "database", NULL), "12.01.00.02.00");
    assert_string_equal(str_at(dp, "versions", "file_version", NULL), "0x0401");
    assert_string_equal(str_at(dp, "contents", "job_name", NULL), "\"SYS\".\"SYS_EXPORT_SCHEMA_01\"");
    t = get(dp, "contents", "tables", NULL);
    assert_int_equal(t->u.array.len, 3);
    assert_string_equal(YAJL_GET_STRING(t->u.array.values[1]), "SCOTT.EMP");
    assert_int_equal(int_at(dp, "contents", "system_segments", NULL), 2);

    yajl_val ms = input(doc, 3);
    assert_string_equal(str_at(ms, "vendor", NULL, NULL), "sqlserver");
    assert_string_equal(str_at(ms, "format", NULL, NULL), "SQL Server compressed (MSSQLBAK)");
    assert_int_equal(int_at(ms, "size", NULL, NULL), 864256);
    /* The .bak reader fills the contents: the database it holds. */
    assert_string_equal(str_at(ms, "contents", "database", NULL), "TSQLV4");

    yajl_val pl = input(doc, 4);
    assert_string_equal(str_at(pl, "format", NULL, NULL), "pg_dump plain SQL");
    assert_string_equal(str_at(pl, "versions", "server", NULL), "17.0");
    assert_int_equal(int_at(pl, "versions", "min_server_major", NULL), 17);
    assert_string_equal(str_at(pl, "versions", "min_server_reason", NULL), "transaction_timeout");

    yajl_val dir = input(doc, 5);
    assert_string_equal(str_at(dir, "format", NULL, NULL), "pg_dump directory");
    t = get(dir, "contents", "tables", NULL);
    assert_int_equal(t->u.array.len, 11);
    assert_string_equal(str_at(t->u.array.values[1], "file", NULL, NULL), "3423.dat");
    yajl_tree_free(doc);
    free(json);
}

/* Half a striped set is still inspected: what the magic bytes tell, and the
 * reader's reason in "error" (the job refuses it later, with the same text). */
static void half_a_stripe_set(void **state)
{
    (void)state;
    const char *paths[] = {th_sample("sqlserver/northwind_sql2014_stripe1of2__CConocimientos.bak")};
    char *json = NULL, *msg = NULL;
    assert_int_equal(b2a_inspect(paths, 1, &json, &msg), B2A_OK);
    yajl_val doc = parse(json);
    yajl_val in = input(doc, 0);
    assert_string_equal(str_at(in, "format", NULL, NULL), "SQL Server MTF");
    assert_true(YAJL_IS_NULL(get(in, "contents", NULL, NULL)));
    const char *e = str_at(in, "error", NULL, NULL);
    assert_non_null(strstr(e, paths[0]));
    assert_non_null(strstr(e, "stripe 1 of 2"));
    yajl_tree_free(doc);
    free(json);
}

static void errors_name_the_file(void **state)
{
    (void)state;
    char *json = (char *)1, *msg = NULL;
    const char *missing[] = {th_sample("postgresql/chinook_pg15_custom.dump"),
                             th_tmp_path("nowhere.bak")};
    assert_int_equal(b2a_inspect(missing, 2, &json, &msg), B2A_ENOTFOUND);
    assert_null(json);
    assert_non_null(msg);
    char want[600];
    snprintf(want, sizeof(want), "%s: no such file or directory", missing[1]);
    assert_string_equal(msg, want);
    b2a_free(msg);

    unsigned char junk[64];
    for (size_t i = 0; i < sizeof(junk); i++)
        junk[i] = (unsigned char)(i * 37 + 11);
    const char *rnd[] = {th_tmp_path("junk.dump")};
    th_write(rnd[0], junk, sizeof(junk));
    assert_int_equal(b2a_inspect(rnd, 1, &json, &msg), B2A_EFORMAT);
    snprintf(want, sizeof(want), "%s: not a backup this tool knows (first bytes: 0b 30 55 7a 9f c4 e9 0e ...)", rnd[0]);
    assert_string_equal(msg, want);
    b2a_free(msg);

    /* a truncated archive is an error, not a short listing */
    size_t len;
    unsigned char *b = th_slurp(th_sample("postgresql/chinook_pg15_custom.dump"), &len);
    const char *cut[] = {th_tmp_path("cut.dump")};
    th_write(cut[0], b, 3000);
    free(b);
    assert_int_equal(b2a_inspect(cut, 1, &json, &msg), B2A_EFORMAT);
    assert_non_null(strstr(msg, "cut.dump: truncated pg_dump archive: data ends at byte 3000"));
    b2a_free(msg);

    assert_int_equal(b2a_inspect(rnd, 0, &json, &msg), B2A_EINVAL);
    assert_string_equal(msg, "inspect: no input files");
    b2a_free(msg);
    assert_int_equal(b2a_inspect(rnd, 1, NULL, NULL), B2A_EINVAL);
}

int main(void)
{
    th_require_samples();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(chinook_custom_field_by_field),
        cmocka_unit_test(several_vendors_in_one_call),
        cmocka_unit_test(half_a_stripe_set),
        cmocka_unit_test(errors_name_the_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
