/* MySQL / MariaDB dump headers and CREATE TABLE names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <zlib.h>

#include "detect/mysqldump.h"
#include "helpers.h"

static const char *const sakila_tables[] = {
    "actor", "address", "category", "city", "country", "customer", "film", "film_actor",
    "film_category", "film_text", "inventory", "language", "payment", "rental", "staff", "store"};

static void sakila_schema(void **state)
{
    (void)state;
    b2a_mysqldump_info mi;
    b2a_err err;
    assert_int_equal(b2a__mysqldump_read(th_sample("mysql/sakila-schema.sql"), &mi, &err), 0);
    assert_int_equal(mi.has_header, 0);
    assert_string_equal(mi.server_version, "");
    assert_int_equal(mi.n_tables, 16);
    for (size_t i = 0; i < 16; i++)
        assert_string_equal(mi.tables[i], sakila_tables[i]);
    assert_int_equal(mi.n_data_tables, 0);
    b2a__mysqldump_free(&mi);

    /* the data script creates no tables but fills 15 (film_text is filled by a trigger) */
    assert_int_equal(b2a__mysqldump_read(th_sample("mysql/sakila-data.sql"), &mi, &err), 0);
    assert_int_equal(mi.n_tables, 0);
    assert_int_equal(mi.n_data_tables, 15);
    assert_string_equal(mi.data_tables[0], "actor");
    assert_string_equal(mi.data_tables[1], "address");
    b2a__mysqldump_free(&mi);
}

static const char mysqldump_text[] =
    "-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)\n"
    "--\n"
    "-- Host: localhost    Database: sakila\n"
    "-- ------------------------------------------------------\n"
    "-- Server version\t8.0.36-0ubuntu0.22.04.1\n"
    "\n"
    "/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;\n"
    "DROP TABLE IF EXISTS `actor`;\n"
    "CREATE TABLE `actor` (\n  `actor_id` smallint unsigned NOT NULL AUTO_INCREMENT\n) ENGINE=InnoDB;\n"
    "create table if not exists `shop`.`odd``name` (id int);\n"
    "CREATE TEMPORARY TABLE tmp (id int);\n"
    "DELIMITER ;;\n"
    "CREATE TRIGGER t AFTER INSERT ON actor FOR EACH ROW BEGIN\n"
    "INSERT INTO audit VALUES (NEW.actor_id);\n"
    "END ;;\n"
    "DELIMITER ;\n"
    "  INSERT INTO indented VALUES (1);\n"
    "INSERT INTO `actor` VALUES (1),(2);\n"
    "INSERT IGNORE INTO shop.`odd``name` VALUES (3);\n"
    "INSERT INTO `actor` VALUES (4);\n"
    "-- CREATE TABLE commented (id int);\n";

static void mysqldump_header_plain_and_gzip(void **state)
{
    (void)state;
    b2a_mysqldump_info mi;
    b2a_err err;
    const char *p = th_tmp_path("dump.sql");
    th_write(p, mysqldump_text, sizeof(mysqldump_text) - 1);
    for (int round = 0; round < 2; round++) {
        if (round == 1) {
            p = th_tmp_path("dump.sql.gz");
            gzFile gz = gzopen(p, "wb");
            gzwrite(gz, mysqldump_text, sizeof(mysqldump_text) - 1);
            gzclose(gz);
        }
        assert_int_equal(b2a__mysqldump_read(p, &mi, &err), 0);
        assert_int_equal(mi.has_header, 1);
        assert_int_equal(mi.is_mariadb, 0);
        assert_string_equal(mi.dump_version, "10.13");
        assert_string_equal(mi.client_version, "8.0.36");
        assert_string_equal(mi.server_version, "8.0.36-0ubuntu0.22.04.1");
        assert_string_equal(mi.host, "localhost");
        assert_string_equal(mi.database, "sakila");
        assert_int_equal(mi.n_tables, 2);
        assert_string_equal(mi.tables[0], "actor");
        assert_string_equal(mi.tables[1], "shop.odd`name");
        assert_int_equal(mi.n_data_tables, 2);
        assert_string_equal(mi.data_tables[0], "actor");
        assert_string_equal(mi.data_tables[1], "shop.odd`name");
        b2a__mysqldump_free(&mi);
    }
}

static void mariadb_headers(void **state)
{
    (void)state;
    b2a_mysqldump_info mi;
    b2a_err err;
    static const char old[] = "-- MariaDB dump 10.19  Distrib 10.11.6-MariaDB, for debian-linux-gnu (x86_64)\n"
                              "--\n-- Host: db    Database: shop\n-- Server version\t10.11.6-MariaDB-0+deb12u1\n";
    const char *p = th_tmp_path("maria.sql");
    th_write(p, old, sizeof(old) - 1);
    assert_int_equal(b2a__mysqldump_read(p, &mi, &err), 0);
    assert_int_equal(mi.is_mariadb, 1);
    assert_string_equal(mi.dump_version, "10.19");
    assert_string_equal(mi.client_version, "10.11.6-MariaDB");
    assert_string_equal(mi.server_version, "10.11.6-MariaDB-0+deb12u1");
    assert_string_equal(mi.database, "shop");
    b2a__mysqldump_free(&mi);

    /* MariaDB 11 writes "10.19-11.4.2-MariaDB" with no Distrib */
    static const char v11[] = "-- MariaDB dump 10.19-11.4.2-MariaDB, for debian-linux-gnu (x86_64)\n";
    p = th_tmp_path("maria11.sql");
    th_write(p, v11, sizeof(v11) - 1);
    assert_int_equal(b2a__mysqldump_read(p, &mi, &err), 0);
    assert_string_equal(mi.dump_version, "10.19");
    assert_string_equal(mi.client_version, "11.4.2-MariaDB");
    b2a__mysqldump_free(&mi);

    /* missing file */
    assert_int_equal(b2a__mysqldump_read(th_tmp_path("none.sql"), &mi, &err), B2A_ENOTFOUND);
    assert_non_null(strstr(err.msg, "none.sql: cannot open"));
}

/* The database a script's rows go into: the USE target current at the first
 * INSERT, else the header's, else the one CREATE DATABASE/SCHEMA name. */
static void script_database(void **state)
{
    (void)state;
    b2a_err err;
    char db[128];
    assert_int_equal(b2a__mysqldump_read_database(th_sample("mysql/sakila-schema.sql"), db, sizeof(db), &err), 0);
    assert_string_equal(db, "sakila");
    assert_int_equal(b2a__mysqldump_read_database(th_sample("mysql/sakila-data.sql"), db, sizeof(db), &err), 0);
    assert_string_equal(db, "sakila");
    static const struct {
        const char *script, *want;
    } cases[] = {
        /* mysqldump --databases */
        {"-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)\n--\n-- Host: localhost    Database: shop\n"
         "CREATE DATABASE /*!32312 IF NOT EXISTS*/ `shop` /*!40100 DEFAULT CHARACTER SET utf8mb4 */;\n"
         "USE `shop`;\nINSERT INTO `t` VALUES (1);\nUSE `other`;\n",
         "shop"},
        /* without --databases: the header alone */
        {"-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)\n--\n-- Host: localhost    Database: shop\n"
         "INSERT INTO `t` VALUES (1);\n",
         "shop"},
        {"CREATE SCHEMA IF NOT EXISTS `we``ird`;\nCREATE TABLE t (a int);\n", "we`ird"},
        {"CREATE DATABASE a;\nCREATE DATABASE b;\n", ""},
        {"INSERT INTO t VALUES (1);\nUSE late;\n", ""},
        /* a USE inside a routine body is not the script's */
        {"DELIMITER ;;\nUSE inner;;\nDELIMITER ;\nuse outer;\n", "outer"},
    };
    b2a_mysqldump_info mi;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *p = th_tmp_path("db.sql");
        th_write(p, cases[i].script, strlen(cases[i].script));
        assert_int_equal(b2a__mysqldump_read_database(p, db, sizeof(db), &err), 0);
        if (strcmp(db, cases[i].want) != 0)
            fail_msg("case %zu: got '%s', want '%s'", i, db, cases[i].want);
        assert_int_equal(b2a__mysqldump_read(p, &mi, &err), 0);
        if (strcmp(mi.database, cases[i].want) != 0)
            fail_msg("case %zu (whole read): got '%s', want '%s'", i, mi.database, cases[i].want);
        b2a__mysqldump_free(&mi);
    }
}

int main(void)
{
    th_require_samples();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sakila_schema),
        cmocka_unit_test(mysqldump_header_plain_and_gzip),
        cmocka_unit_test(mariadb_headers),
        cmocka_unit_test(script_database),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
