/* The tables and columns a MySQL/MariaDB script declares, version comments included. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <zlib.h>

#include "detect/detect.h"
#include "detect/mysqlddl.h"
#include "helpers.h"

static const b2a_mysql_decl_table *table(const b2a_mysql_decl *d, const char *name)
{
    for (size_t i = 0; i < d->ntables; i++)
        if (strcmp(d->tables[i].name, name) == 0)
            return &d->tables[i];
    fail_msg("table %s is not declared", name);
    return NULL;
}

static void assert_columns(const b2a_mysql_decl_table *t, const char *const *names, size_t n)
{
    assert_int_equal(t->ncolumns, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(t->columns[i].name, names[i]);
}

/* Sakila's address.location sits in {!50705}: declared, with that version. */
static void sakila_schema_declares_location_in_a_version_comment(void **state)
{
    (void)state;
    const char *paths[] = {th_sample("mysql/sakila-schema.sql"), th_sample("mysql/sakila-data.sql")};
    b2a_mysql_decl d;
    b2a_err err;
    assert_int_equal(b2a__mysql_ddl_read(paths, 2, &d, &err), B2A_OK);
    assert_int_equal(d.ntables, 16);
    const b2a_mysql_decl_table *a = table(&d, "address");
    assert_string_equal(a->schema, "sakila"); /* from USE sakila */
    assert_int_equal(a->file, 0);
    assert_int_equal(a->line, 57);
    assert_true(a->columns_known);
    static const char *const cols[] = {"address_id", "address", "address2", "district", "city_id",
                                       "postal_code", "phone", "location", "last_update"};
    assert_columns(a, cols, 9);
    for (size_t i = 0; i < 9; i++)
        assert_int_equal(a->columns[i].cond.version, i == 7 ? 50705 : 0);
    assert_int_equal(a->cond.version, 0);
    const b2a_mysql_decl_table *f = table(&d, "film");
    assert_int_equal(f->ncolumns, 13);
    assert_string_equal(f->columns[12].name, "last_update");
    /* film_text is declared after a trigger body between DELIMITER ;; lines */
    assert_int_equal(table(&d, "film_text")->ncolumns, 3);
    b2a__mysql_decl_free(&d);
}

static const char dump[] =
    "-- MySQL dump 10.13  Distrib 8.0.19, for Linux (x86_64)\n"
    "/*!40101 SET NAMES utf8mb4 */;\n"
    "DROP TABLE IF EXISTS `t1`;\n"
    "/*!40101 SET @saved_cs_client     = @@character_set_client */;\n"
    "CREATE TABLE `t1` (\n"
    "  `id` int NOT NULL, -- the key; a comment with a ; and a ' in it\n"
    "  `odd``name` varchar(10) DEFAULT 'a,b)'' /*!80000 x */',\n"
    "  # hash comment, (\n"
    "  `g` /*!80003 point SRID 4326 */ /*!50705 geometry */,\n"
    "  /*!80023 `inv` int INVISIBLE, */\n"
    "  /*M!100301 `m` int, */\n"
    "  PRIMARY KEY (`id`),\n"
    "  KEY `k` (`odd``name`(3)),\n"
    "  CONSTRAINT `c` CHECK (`id` > 0)\n"
    ") ENGINE=InnoDB COMMENT='x; y';\n"
    "/*!50001 CREATE TABLE `v` (`a` tinyint NOT NULL)*/;\n"
    "CREATE TABLE IF NOT EXISTS `t1` (`other` int);\n"
    "CREATE TEMPORARY TABLE tmp (a int);\n"
    "CREATE TABLE shop.copy LIKE t1;\n"
    "CREATE TABLE sel (a int) SELECT 1 AS b;\n"
    "CREATE TABLE alt (a int, b int);\n"
    "ALTER TABLE alt ADD INDEX (a), DISABLE KEYS;\n"
    "CREATE TABLE alt2 (a int, b int, d int);\n"
    "ALTER TABLE alt2 ADD COLUMN c int, ADD e int FIRST, ADD COLUMN IF NOT EXISTS a int, DROP b,\n"
    "  ADD (f int, g int, KEY (f)), CHANGE d d2 bigint, MODIFY a bigint, ADD PRIMARY KEY (a),\n"
    "  DROP PRIMARY KEY, DROP INDEX k, ADD CONSTRAINT x UNIQUE (c), RENAME COLUMN g TO g2;\n"
    "/*!50705 ALTER TABLE alt2 ADD COLUMN h int */;\n"
    "CREATE TABLE ren (a int);\n"
    "RENAME TABLE ren TO renamed;\n"
    "DELIMITER ;;\n"
    "CREATE PROCEDURE p() BEGIN CREATE TABLE inproc (a int); END ;;\n"
    "DELIMITER ;\n"
    "/*!50001 DROP TABLE IF EXISTS `v`*/;\n"
    "/*!50001 DROP VIEW IF EXISTS `v`*/;\n"
    "-- Dump completed on 2020-02-11 10:00:01\n";

static void statements_comments_and_version_comments(void **state)
{
    (void)state;
    b2a_mysql_decl d;
    assert_int_equal(b2a__mysql_ddl_parse(dump, sizeof(dump) - 1, &d), B2A_OK);
    const b2a_mysql_decl_table *t = table(&d, "t1");
    assert_null(t->schema);
    assert_int_equal(t->line, 5);
    assert_true(t->columns_known);
    static const char *const cols[] = {"id", "odd`name", "g", "inv", "m"};
    assert_columns(t, cols, 5); /* IF NOT EXISTS does not replace it */
    assert_int_equal(t->columns[2].cond.version, 0); /* the name is plain text */
    assert_int_equal(t->columns[3].cond.version, 80023);
    assert_int_equal(t->columns[3].cond.mariadb_only, 0);
    assert_int_equal(t->columns[4].cond.version, 100301);
    assert_int_equal(t->columns[4].cond.mariadb_only, 1);
    /* LIKE: the source's columns, conditions included */
    const b2a_mysql_decl_table *c = table(&d, "copy");
    assert_string_equal(c->schema, "shop");
    assert_true(c->columns_known);
    assert_columns(c, cols, 5);
    assert_int_equal(c->columns[3].cond.version, 80023);
    /* (...) SELECT: the listed columns must exist; the SELECT's are not checked */
    static const char *const sel[] = {"a"};
    assert_true(table(&d, "sel")->columns_known);
    assert_columns(table(&d, "sel"), sel, 1);
    /* an index change keeps the columns; column changes are followed */
    assert_true(table(&d, "alt")->columns_known);
    assert_int_equal(table(&d, "alt")->ncolumns, 2);
    const b2a_mysql_decl_table *a2 = table(&d, "alt2");
    assert_true(a2->columns_known);
    static const char *const alt2[] = {"a", "d2", "c", "e", "f", "g2", "h"};
    assert_columns(a2, alt2, 7);
    assert_int_equal(a2->columns[6].cond.version, 50705); /* added inside a version comment */
    assert_int_equal(table(&d, "renamed")->ncolumns, 1);
    /* not declared: the temporary table, the view's stand-in (dropped), the
     * table inside the procedure body, the renamed one's old name */
    assert_int_equal(d.ntables, 7);
    b2a__mysql_decl_free(&d);

    /* the same script gzip'd, read as a file */
    const char *p = th_tmp_path("dump.sql.gz");
    gzFile gz = gzopen(p, "wb");
    gzwrite(gz, dump, sizeof(dump) - 1);
    gzclose(gz);
    const char *paths[] = {p};
    b2a_err err;
    assert_int_equal(b2a__mysql_ddl_read(paths, 1, &d, &err), B2A_OK);
    assert_int_equal(d.ntables, 7);
    assert_int_equal(table(&d, "t1")->ncolumns, 5);
    b2a__mysql_decl_free(&d);

    /* the same pass checks the closing line: whole, then cut before it
     * (the tail is kept across many reads: 10,000 filler lines first) */
    b2a_detected det = {.format = B2A_FMT_MARIADB_DUMP, .gzip = 1};
    assert_int_equal(b2a__mysql_ddl_read_checked(paths, &det, 1, &d, &err), B2A_OK);
    assert_int_equal(d.ntables, 7);
    b2a__mysql_decl_free(&d);
    gz = gzopen(p, "wb");
    for (int i = 0; i < 10000; i++)
        gzprintf(gz, "INSERT INTO t1 VALUES (%d, 'filler line to push the closing one far away');\n", i);
    gzwrite(gz, dump, sizeof(dump) - 1);
    gzclose(gz);
    assert_int_equal(b2a__mysql_ddl_read_checked(paths, &det, 1, &d, &err), B2A_OK);
    assert_int_equal(d.ntables, 7);
    b2a__mysql_decl_free(&d);
    const char *last = strstr(dump, "-- Dump completed");
    gz = gzopen(p, "wb");
    gzwrite(gz, dump, (unsigned)(last - dump));
    gzclose(gz);
    assert_int_equal(b2a__mysql_ddl_read_checked(paths, &det, 1, &d, &err), B2A_EFORMAT);
    char want[600];
    snprintf(want, sizeof want, "%s: truncated MariaDB dump: it does not end with the \"-- Dump completed\" line", p);
    assert_string_equal(err.msg, want);
    assert_int_equal(d.ntables, 0);
    /* without a detection, no closing line is asked for */
    assert_int_equal(b2a__mysql_ddl_read(paths, 1, &d, &err), B2A_OK);
    b2a__mysql_decl_free(&d);

    const char *none[] = {th_tmp_path("none.sql")};
    assert_int_equal(b2a__mysql_ddl_read(none, 1, &d, &err), B2A_ENOTFOUND);
    assert_non_null(strstr(err.msg, "none.sql: cannot open"));
}

/* Untrusted bytes: every prefix of the script, and of Sakila's schema, parses
 * without reading past its end (run under ASan), and a table cut before its
 * column list closes has its columns unknown. */
static void every_prefix(void **state)
{
    (void)state;
    size_t len;
    char *sakila = (char *)th_slurp(th_sample("mysql/sakila-schema.sql"), &len);
    const struct { const char *s; size_t n; } texts[] = {{dump, sizeof(dump) - 1}, {sakila, len}};
    for (size_t k = 0; k < 2; k++)
        for (size_t n = 0; n <= texts[k].n; n += k ? 7 : 1) {
            char *copy = malloc(n ? n : 1); /* exactly n bytes, so ASan sees any overread */
            memcpy(copy, texts[k].s, n);
            b2a_mysql_decl d;
            assert_int_equal(b2a__mysql_ddl_parse(copy, n, &d), B2A_OK);
            b2a__mysql_decl_free(&d);
            free(copy);
        }
    const char *cut = strstr(dump, "PRIMARY KEY");
    b2a_mysql_decl d;
    assert_int_equal(b2a__mysql_ddl_parse(dump, (size_t)(cut - dump), &d), B2A_OK);
    assert_false(table(&d, "t1")->columns_known);
    b2a__mysql_decl_free(&d);
    free(sakila);
}

int main(void)
{
    th_require_samples();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sakila_schema_declares_location_in_a_version_comment),
        cmocka_unit_test(statements_comments_and_version_comments),
        cmocka_unit_test(every_prefix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
