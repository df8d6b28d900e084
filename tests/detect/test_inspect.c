/* b2a_inspect(): the JSON document, parsed back and checked field by field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <yajl/yajl_tree.h>
#include <zlib.h>

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
    /* the tables as the direct reader reads them: row counts and columns */
    t = get(ora, "contents", "tables", NULL);
    assert_int_equal(t->u.array.len, 19);
    yajl_val addresses = NULL, images = NULL;
    for (size_t i = 0; i < t->u.array.len; i++) {
        const char *name = str_at(t->u.array.values[i], "name", NULL, NULL);
        if (strcmp(name, "ADDRESSES") == 0)
            addresses = t->u.array.values[i];
        if (strcmp(name, "PRODUCT_IMAGES") == 0)
            images = t->u.array.values[i];
    }
    assert_non_null(addresses);
    assert_string_equal(str_at(addresses, "schema", NULL, NULL), "ALPHA");
    assert_int_equal(int_at(addresses, "rows", NULL, NULL), 119);
    assert_null(get(addresses, "error", NULL, NULL));
    assert_non_null(images);
    assert_int_equal(int_at(images, "rows", NULL, NULL), 0);
    yajl_val cols = get(images, "columns", NULL, NULL);
    int blob = 0;
    for (size_t i = 0; i < cols->u.array.len; i++)
        blob |= strcmp(str_at(cols->u.array.values[i], "type", NULL, NULL), "BLOB") == 0;
    assert_true(blob);
    assert_true(YAJL_IS_TRUE(get(ora, "contents", "tables_complete", NULL)));

    yajl_val dp = input(doc, 2);
    assert_string_equal(str_at(dp, "format_id", NULL, NULL), "oracle_datapump");
    assert_string_equal(str_at(dp, "versions", "database", NULL), "12.01.00.02.00");
    assert_string_equal(str_at(dp, "versions", "file_version", NULL), "0x0401");
    assert_string_equal(str_at(dp, "contents", "job_name", NULL), "\"SYS\".\"SYS_EXPORT_SCHEMA_01\"");
    assert_int_equal(int_at(dp, "contents", "file_number", NULL), 1);
    t = get(dp, "contents", "tables", NULL);
    assert_int_equal(t->u.array.len, 4);
    yajl_val emp = t->u.array.values[1];
    assert_string_equal(str_at(emp, "schema", NULL, NULL), "SCOTT");
    assert_string_equal(str_at(emp, "name", NULL, NULL), "EMP");
    assert_int_equal(int_at(emp, "rows", NULL, NULL), 14);
    yajl_val empno = get(emp, "columns", NULL, NULL)->u.array.values[0];
    assert_string_equal(str_at(empno, "name", NULL, NULL), "EMPNO");
    assert_string_equal(str_at(empno, "type", NULL, NULL), "NUMBER(4, 0)");
    assert_true(YAJL_IS_FALSE(get(empno, "nullable", NULL, NULL)));
    /* BONUS: listed with its 0 rows, and why `run` cannot read it */
    yajl_val bonus = t->u.array.values[3];
    assert_string_equal(str_at(bonus, "name", NULL, NULL), "BONUS");
    assert_int_equal(int_at(bonus, "rows", NULL, NULL), 0);
    assert_non_null(strstr(str_at(bonus, "error", NULL, NULL), "compressed metadata"));
    assert_true(YAJL_IS_TRUE(get(dp, "contents", "tables_complete", NULL)));
    /* GET_DUMPFILE_INFO's flags, from the job's parameters in its master
     * table: expdp's default COMPRESSION=METADATA_ONLY, no ENCRYPTION */
    assert_string_equal(str_at(dp, "contents", "job_compression", NULL), "METADATA_ONLY");
    assert_true(YAJL_IS_TRUE(get(dp, "contents", "metadata_compressed", NULL)));
    assert_true(YAJL_IS_FALSE(get(dp, "contents", "data_compressed", NULL)));
    assert_string_equal(str_at(dp, "contents", "compression_algorithm", NULL), "BASIC");
    assert_string_equal(str_at(dp, "contents", "job_encryption", NULL), "NONE");
    assert_true(YAJL_IS_FALSE(get(dp, "contents", "metadata_encrypted", NULL)));
    assert_true(YAJL_IS_FALSE(get(dp, "contents", "data_encrypted", NULL)));
    assert_true(YAJL_IS_FALSE(get(dp, "contents", "columns_encrypted", NULL)));
    assert_string_equal(str_at(dp, "contents", "encryption_mode", NULL), "NONE");
    yajl_val files = get(dp, "contents", "dump_files", NULL);
    assert_int_equal(files->u.array.len, 1);
    assert_string_equal(files->u.array.values[0]->u.string, "scott.dmp");

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
 * reader's reason in "error"; it cannot be read whole, so the call fails with
 * the same message (the job refuses it later, with the same text). */
static void half_a_stripe_set(void **state)
{
    (void)state;
    const char *paths[] = {th_sample("sqlserver/northwind_sql2014_stripe1of2__CConocimientos.bak")};
    char *json = NULL, *msg = NULL;
    assert_int_not_equal(b2a_inspect(paths, 1, &json, &msg), B2A_OK);
    assert_non_null(json);
    yajl_val doc = parse(json);
    yajl_val in = input(doc, 0);
    assert_string_equal(str_at(in, "format", NULL, NULL), "SQL Server MTF");
    /* the header facts are shown next to the error */
    assert_string_equal(str_at(in, "contents", "database", NULL), "Northwind");
    assert_int_equal(int_at(in, "contents", "labels", "family_count"), 2);
    const char *e = str_at(in, "error", NULL, NULL);
    assert_non_null(strstr(e, paths[0]));
    assert_non_null(strstr(e, "stripe 1 of 2"));
    assert_string_equal(msg, e);
    yajl_tree_free(doc);
    b2a_free(json);
    b2a_free(msg);
}

/* The rule for every format: an input cut at `cut` bytes fails the call with
 * a message naming it, and the document still holds its format and an
 * "error" with that message; an Oracle table list never claims to be
 * complete. Returns the document for more checks (free with yajl_tree_free). */
static yajl_val inspect_cut(const char *sample, size_t cut, const char *name)
{
    const char *p = th_prefix_copy(th_sample(sample), cut, name);
    const char *paths[] = {p};
    char *json = NULL, *msg = NULL;
    int rc = b2a_inspect(paths, 1, &json, &msg);
    if (rc == B2A_OK)
        fail_msg("%s cut at %zu bytes: inspect says it was read whole", sample, cut);
    assert_non_null(json);
    assert_non_null(msg);
    assert_non_null(strstr(msg, p));
    yajl_val doc = parse(json);
    yajl_val in = input(doc, 0);
    assert_string_equal(str_at(in, "path", NULL, NULL), p);
    assert_string_equal(str_at(in, "error", NULL, NULL), msg);
    yajl_val complete = get(in, "contents", "tables_complete", NULL);
    if (complete && !YAJL_IS_FALSE(complete))
        fail_msg("%s cut at %zu bytes: tables_complete is not false", sample, cut);
    b2a_free(json);
    b2a_free(msg);
    return doc;
}

static void truncated_inputs_fail_with_what_was_read(void **state)
{
    (void)state;
    yajl_val doc = inspect_cut("sqlserver/northwind_sql2008_mtf__thuyluv.bak", 2000000, "cut.bak");
    assert_string_equal(str_at(input(doc, 0), "format", NULL, NULL), "SQL Server MTF");
    assert_non_null(strstr(str_at(input(doc, 0), "error", NULL, NULL), "truncated"));
    yajl_tree_free(doc);

    doc = inspect_cut("postgresql/chinook_pg15_custom.dump", 3000, "cut.dump");
    assert_non_null(strstr(str_at(input(doc, 0), "error", NULL, NULL),
                           "cut.dump: truncated pg_dump archive: data ends at byte 3000"));
    yajl_tree_free(doc);

    /* a plain pg_dump cut between statements: only the closing comment is missing */
    size_t len;
    char *text = (char *)th_slurp(th_sample("postgresql/pagila-schema.sql"), &len);
    char *end = strstr(text, "\n--\n-- PostgreSQL database dump complete");
    assert_non_null(end);
    doc = inspect_cut("postgresql/pagila-schema.sql", (size_t)(end - text) + 1, "cut.sql");
    assert_non_null(strstr(str_at(input(doc, 0), "error", NULL, NULL),
                           "cut.sql: truncated pg_dump script: it does not end with the "
                           "\"-- PostgreSQL database dump complete\" line"));
    assert_int_equal(get(input(doc, 0), "contents", "tables", NULL)->u.array.len, 0);
    yajl_tree_free(doc);
    free(text);

    /* a pg_dumpall script whose last database is whole but the cluster's end is missing */
    text = (char *)th_slurp(th_sample("postgresql/dvdrental_NOT-a-tar_pg_dumpall-plain-text.tar"), &len);
    end = strstr(text, "\n--\n-- PostgreSQL database cluster dump complete");
    assert_non_null(end);
    doc = inspect_cut("postgresql/dvdrental_NOT-a-tar_pg_dumpall-plain-text.tar",
                      (size_t)(end - text) + 1, "cut_all.sql");
    assert_non_null(strstr(str_at(input(doc, 0), "error", NULL, NULL),
                           "truncated pg_dumpall script"));
    yajl_tree_free(doc);
    free(text);

    /* Data Pump cut to 511 bytes: the header facts, no tables, not complete */
    doc = inspect_cut("oracle/jliverse_datapump_scott.dmp", 511, "cut.dmp");
    assert_string_equal(str_at(input(doc, 0), "format_id", NULL, NULL), "oracle_datapump");
    assert_string_equal(str_at(input(doc, 0), "contents", "job_name", NULL),
                        "\"SYS\".\"SYS_EXPORT_SCHEMA_01\"");
    assert_int_equal(get(input(doc, 0), "contents", "tables", NULL)->u.array.len, 0);
    assert_non_null(strstr(str_at(input(doc, 0), "error", NULL, NULL),
                           "cut.dmp: truncated Data Pump dump: 511 bytes is not a whole number of "
                           "4096-byte blocks"));
    yajl_tree_free(doc);
}

/* Oracle classic and Data Pump dumps cut at 101 points each, and at block
 * boundaries (a cut there leaves whole blocks): never read whole, never
 * tables_complete. A cut in the zero padding after the last record loses
 * nothing and is not counted. */
static void oracle_dumps_cut_anywhere_are_never_complete(void **state)
{
    (void)state;
    static const char *const dumps[] = {
        "oracle/oracledmpparser_exptest.dmp", "oracle/hr_exp10g_classic__momaresh.dmp",
        "oracle/jliverse_datapump_scott.dmp", "oracle/it_tabla1_expdp19c__leanzungri.dmp"};
    for (size_t k = 0; k < sizeof(dumps) / sizeof(*dumps); k++) {
        size_t len;
        unsigned char *b = th_slurp(th_sample(dumps[k]), &len);
        size_t data_end = len;
        while (data_end > 0 && b[data_end - 1] == 0)
            data_end--;
        free(b);
        unsigned checked = 0;
        for (size_t i = 1; i <= 100 + len / 4096; i++) {
            size_t cut = i <= 100 ? len * i / 101 : (i - 100) * 4096;
            if (cut >= data_end)
                continue;
            yajl_tree_free(inspect_cut(dumps[k], cut, "cut_ora.dmp"));
            checked++;
        }
        assert_true(checked >= 70);
    }
}

/* A dump that is whole says so; one that exp did not finish (no closing
 * EXIT records: rjschof_legacy stops after AUDITLOG.CHANGE_LOG, without
 * the tables its Data Pump twin has after it) does not. */
static void oracle_whole_and_unfinished(void **state)
{
    (void)state;
    const char *whole[] = {th_sample("oracle/rjschof_modern.dmp"),
                           th_sample("oracle/it_tabla1_expdp19c__leanzungri.dmp"),
                           th_sample("oracle/hr_exp10g_classic__momaresh.dmp")};
    char *json = NULL, *msg = NULL;
    assert_int_equal(b2a_inspect(whole, 3, &json, &msg), B2A_OK);
    yajl_val doc = parse(json);
    for (size_t i = 0; i < 3; i++)
        assert_true(YAJL_IS_TRUE(get(input(doc, i), "contents", "tables_complete", NULL)));
    assert_int_equal(get(input(doc, 0), "contents", "tables", NULL)->u.array.len, 33);
    yajl_tree_free(doc);
    b2a_free(json);

    const char *legacy[] = {th_sample("oracle/rjschof_legacy.dmp")};
    assert_int_equal(b2a_inspect(legacy, 1, &json, &msg), B2A_EFORMAT);
    char want[700];
    snprintf(want, sizeof(want), "%s: truncated Oracle exp dump: it does not end with exp's "
             "closing EXIT records (188416 bytes)", legacy[0]);
    assert_string_equal(msg, want);
    doc = parse(json);
    assert_true(YAJL_IS_FALSE(get(input(doc, 0), "contents", "tables_complete", NULL)));
    assert_int_equal(get(input(doc, 0), "contents", "tables", NULL)->u.array.len, 27);
    yajl_tree_free(doc);
    b2a_free(json);
    b2a_free(msg);
}

/* mysqldump writes "-- Dump completed" last: a dump with its header and
 * without that line was cut short; the tables read so far are shown. */
static void mysqldump_without_its_last_line(void **state)
{
    (void)state;
    static const char head[] =
        "-- MySQL dump 10.13  Distrib 8.0.19, for Linux (x86_64)\n"
        "--\n"
        "-- Host: localhost    Database: sakila\n"
        "-- ------------------------------------------------------\n"
        "-- Server version\t8.0.19\n"
        "\n"
        "DROP TABLE IF EXISTS `actor`;\n"
        "CREATE TABLE `actor` (\n  `actor_id` smallint unsigned NOT NULL\n) ENGINE=InnoDB;\n"
        "INSERT INTO `actor` VALUES (1),(2);\n"
        "/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;\n"
        "\n";
    static const char tail[] = "-- Dump completed on 2020-02-11 10:00:01\n";
    char whole[sizeof(head) + sizeof(tail)];
    snprintf(whole, sizeof(whole), "%s%s", head, tail);
    const char *p[] = {th_tmp_path("whole.sql")};
    th_write(p[0], whole, strlen(whole));
    char *json = NULL, *msg = NULL;
    assert_int_equal(b2a_inspect(p, 1, &json, &msg), B2A_OK);
    b2a_free(json);

    th_write(p[0], head, sizeof(head) - 1);
    assert_int_equal(b2a_inspect(p, 1, &json, &msg), B2A_EFORMAT);
    char want[600];
    snprintf(want, sizeof(want), "%s: truncated mysqldump: it does not end with the \"-- Dump "
             "completed\" line", p[0]);
    assert_string_equal(msg, want);
    yajl_val doc = parse(json);
    assert_string_equal(str_at(input(doc, 0), "error", NULL, NULL), want);
    assert_string_equal(str_at(input(doc, 0), "versions", "client", NULL), "8.0.19");
    yajl_tree_free(doc);
    b2a_free(json);
    b2a_free(msg);

    /* cut before it was gzip'd (mysqldump | gzip, and mysqldump died): a
     * valid gzip stream, a dump without its last line */
    p[0] = th_tmp_path("cut.sql.gz");
    gzFile gz = gzopen(p[0], "wb");
    gzwrite(gz, head, sizeof(head) - 1);
    gzclose(gz);
    assert_int_equal(b2a_inspect(p, 1, &json, &msg), B2A_EFORMAT);
    snprintf(want, sizeof(want), "%s: truncated mysqldump: it does not end with the \"-- Dump "
             "completed\" line", p[0]);
    assert_string_equal(msg, want);
    doc = parse(json);
    assert_true(YAJL_IS_TRUE(get(input(doc, 0), "gzip_wrapped", NULL, NULL)));
    assert_int_equal(get(input(doc, 0), "contents", "tables", NULL)->u.array.len, 1);
    yajl_tree_free(doc);
    b2a_free(json);
    b2a_free(msg);
}

/* Several inputs: each is inspected; the first failure gives the code and
 * message, the whole ones are shown as usual. */
static void one_bad_input_among_good_ones(void **state)
{
    (void)state;
    const char *paths[] = {th_sample("postgresql/chinook_pg15_custom.dump"),
                           th_tmp_path("nowhere.bak"),
                           th_sample("oracle/rjschof_legacy.dmp")};
    char *json = NULL, *msg = NULL;
    assert_int_equal(b2a_inspect(paths, 3, &json, &msg), B2A_ENOTFOUND);
    char want[600];
    snprintf(want, sizeof(want), "%s: no such file or directory", paths[1]);
    assert_string_equal(msg, want);
    yajl_val doc = parse(json);
    assert_int_equal(get(doc, "inputs", NULL, NULL)->u.array.len, 3);
    assert_null(get(input(doc, 0), "error", NULL, NULL));
    assert_int_equal(int_at(input(doc, 0), "contents", "table_data_entries", NULL), 11);
    assert_string_equal(str_at(input(doc, 1), "path", NULL, NULL), paths[1]);
    assert_string_equal(str_at(input(doc, 1), "error", NULL, NULL), want);
    assert_null(get(input(doc, 1), "format", NULL, NULL));
    assert_non_null(strstr(str_at(input(doc, 2), "error", NULL, NULL), "closing EXIT records"));
    yajl_tree_free(doc);
    b2a_free(json);
    b2a_free(msg);
}

/* An input refused with B2A_EINVAL (a folder whose toc.dat path would be
 * too long) is that input's error, not the call's: the inputs after it are
 * still inspected and the document comes back. */
static void an_invalid_input_does_not_stop_the_others(void **state)
{
    (void)state;
    static char deep[4200];
    snprintf(deep, sizeof(deep), "%s", th_tmp_path("deep"));
    assert_int_equal(mkdir(deep, 0700), 0);
    char part[201];
    memset(part, 'd', 200);
    part[200] = '\0';
    while (strlen(deep) + 201 < 4090) {
        strcat(deep, "/");
        strcat(deep, part);
        assert_int_equal(mkdir(deep, 0700), 0);
    }
    /* a last component that leaves it just under PATH_MAX, so only "/toc.dat" overflows */
    size_t n = strlen(deep);
    deep[n++] = '/';
    while (n < 4092)
        deep[n++] = 'e';
    deep[n] = '\0';
    assert_int_equal(mkdir(deep, 0700), 0);
    const char *paths[] = {th_sample("postgresql/chinook_pg15_custom.dump"), deep,
                           th_sample("oracle/oracledmpparser_exptest.dmp")};
    char *json = NULL, *msg = NULL;
    assert_int_equal(b2a_inspect(paths, 3, &json, &msg), B2A_EINVAL);
    /* "DEEP: path too long", cut to the error record's size */
    char want[4300];
    snprintf(want, sizeof(want), "%s: path too long", deep);
    assert_true(strlen(msg) > 1000 && strncmp(msg, want, strlen(msg)) == 0);
    assert_non_null(json);
    yajl_val doc = parse(json);
    assert_int_equal(get(doc, "inputs", NULL, NULL)->u.array.len, 3);
    assert_int_equal(int_at(input(doc, 0), "contents", "table_data_entries", NULL), 11);
    assert_string_equal(str_at(input(doc, 1), "error", NULL, NULL), msg);
    assert_null(get(input(doc, 2), "error", NULL, NULL));
    assert_string_equal(str_at(input(doc, 2), "vendor", NULL, NULL), "oracle");
    yajl_tree_free(doc);
    b2a_free(json);
    b2a_free(msg);
}

static void errors_name_the_file(void **state)
{
    (void)state;
    char *json = NULL, *msg = NULL;
    unsigned char junk[64];
    for (size_t i = 0; i < sizeof(junk); i++)
        junk[i] = (unsigned char)(i * 37 + 11);
    const char *rnd[] = {th_tmp_path("junk.dump")};
    th_write(rnd[0], junk, sizeof(junk));
    assert_int_equal(b2a_inspect(rnd, 1, &json, &msg), B2A_EFORMAT);
    char want[600];
    snprintf(want, sizeof(want), "%s: not a backup this tool knows (first bytes: 0b 30 55 7a 9f c4 e9 0e ...)", rnd[0]);
    assert_string_equal(msg, want);
    b2a_free(msg);
    b2a_free(json);

    json = (char *)1;
    assert_int_equal(b2a_inspect(rnd, 0, &json, &msg), B2A_EINVAL);
    assert_null(json);
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
        cmocka_unit_test(truncated_inputs_fail_with_what_was_read),
        cmocka_unit_test(oracle_dumps_cut_anywhere_are_never_complete),
        cmocka_unit_test(oracle_whole_and_unfinished),
        cmocka_unit_test(mysqldump_without_its_last_line),
        cmocka_unit_test(one_bad_input_among_good_ones),
        cmocka_unit_test(an_invalid_input_does_not_stop_the_others),
        cmocka_unit_test(errors_name_the_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
