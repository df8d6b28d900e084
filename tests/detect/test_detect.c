/* Format detection on every sample, plus foreign, empty, random, gzip'd and
 * cut-down inputs made at test time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <zlib.h>

#include "detect/detect.h"
#include "detect/dumpend.h"
#include "detect/mysqlddl.h"
#include "detect/mysqldump.h"
#include "detect/pgdump.h"
#include "detect/pgplain.h"
#include "detect/oradump.h"
#include "helpers.h"

static const struct {
    const char *rel;
    const char *vendor;
    b2a_format_id format;
    const char *format_name;
    const char *version;
} samples[] = {
    {"postgresql/chinook_pg15_custom.dump", "postgresql", B2A_FMT_PG_CUSTOM, "pg_dump custom", "1.14.0"},
    {"postgresql/chinook_pg15_custom_uncompressed.dump", "postgresql", B2A_FMT_PG_CUSTOM, "pg_dump custom", "1.14.0"},
    {"postgresql/chinook_pg15_directory", "postgresql", B2A_FMT_PG_DIRECTORY, "pg_dump directory", "1.14.0"},
    {"postgresql/chinook_pg15_tar.tar", "postgresql", B2A_FMT_PG_TAR, "pg_dump tar", "1.14.0"},
    {"postgresql/dvdrental_NOT-a-tar_pg_dumpall-plain-text.tar", "postgresql", B2A_FMT_PG_DUMPALL, "pg_dumpall plain text", "13.3"},
    {"postgresql/dvdrental_pg11_tar-format.tar", "postgresql", B2A_FMT_PG_TAR, "pg_dump tar", "1.13.0"},
    {"postgresql/northwind_pg10_custom-format.backup", "postgresql", B2A_FMT_PG_CUSTOM, "pg_dump custom", "1.13.0"},
    {"postgresql/pagila_pg9.4_custom-format.backup", "postgresql", B2A_FMT_PG_CUSTOM, "pg_dump custom", "1.12.0"},
    {"postgresql/pagila-data.sql", "postgresql", B2A_FMT_PG_PLAIN, "pg_dump plain SQL", "17.0"},
    {"postgresql/pagila-schema.sql", "postgresql", B2A_FMT_PG_PLAIN, "pg_dump plain SQL", "17.0"},
    {"mysql/sakila-schema.sql", "mysql", B2A_FMT_MYSQL_SQL, "MySQL SQL script", ""},
    {"mysql/sakila-data.sql", "mysql", B2A_FMT_MYSQL_SQL, "MySQL SQL script", ""},
    {"sqlserver/northwind_sql2008_mtf__thuyluv.bak", "sqlserver", B2A_FMT_MSSQL_MTF, "SQL Server MTF", ""},
    {"sqlserver/northwind_sql2014_stripe1of2__CConocimientos.bak", "sqlserver", B2A_FMT_MSSQL_MTF, "SQL Server MTF", ""},
    {"sqlserver/northwinddb_arabic_sql2014_mtf__mina-top3.bak", "sqlserver", B2A_FMT_MSSQL_MTF, "SQL Server MTF", ""},
    {"sqlserver/pubs_sql2012_mtf__UGR95.bak", "sqlserver", B2A_FMT_MSSQL_MTF, "SQL Server MTF", ""},
    {"sqlserver/northwind_sql2016_compressed__Guilderm.bak", "sqlserver", B2A_FMT_MSSQL_COMPRESSED, "SQL Server compressed (MSSQLBAK)", ""},
    {"sqlserver/tsqlv4_sql2016_compressed__JoeyCheung.bak", "sqlserver", B2A_FMT_MSSQL_COMPRESSED, "SQL Server compressed (MSSQLBAK)", ""},
    {"oracle/oracledmpparser_exptest.dmp", "oracle", B2A_FMT_ORACLE_EXP, "Oracle exp", "V12.01.00"},
    {"oracle/alphaoffice_expdat.dmp", "oracle", B2A_FMT_ORACLE_EXP, "Oracle exp", "V12.01.00"},
    {"oracle/rjschof_legacy.dmp", "oracle", B2A_FMT_ORACLE_EXP, "Oracle exp", "V23.00.00"},
    {"oracle/freetic_car.dmp", "oracle", B2A_FMT_ORACLE_EXP, "Oracle exp", "V10.02.01"},
    {"oracle/rjschof_modern.dmp", "oracle", B2A_FMT_ORACLE_DATAPUMP, "Oracle Data Pump", "23.06.00.00.00"},
    {"oracle/jliverse_datapump_scott.dmp", "oracle", B2A_FMT_ORACLE_DATAPUMP, "Oracle Data Pump", "12.01.00.02.00"},
};

static void every_sample_is_detected(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
        b2a_detected d;
        b2a_err err;
        b2a__err_clear(&err);
        int rc = b2a__detect(th_sample(samples[i].rel), &d, &err);
        if (rc != B2A_OK)
            fail_msg("%s: %s", samples[i].rel, err.msg);
        assert_string_equal(b2a__detect_vendor_name(d.vendor), samples[i].vendor);
        assert_int_equal(d.format, samples[i].format);
        assert_string_equal(b2a__detect_format_name(d.format), samples[i].format_name);
        assert_string_equal(d.version, samples[i].version);
        assert_int_equal(d.gzip, 0);
    }
}

static void sizes_and_directory(void **state)
{
    (void)state;
    b2a_detected d;
    assert_int_equal(b2a__detect(th_sample("postgresql/chinook_pg15_custom.dump"), &d, NULL), 0);
    assert_int_equal(d.size, 163342);
    assert_int_equal(d.is_dir, 0);
    assert_int_equal(b2a__detect(th_sample("postgresql/chinook_pg15_directory"), &d, NULL), 0);
    assert_int_equal(d.is_dir, 1);
    /* toc.dat 18760 + the eleven .dat.gz files */
    assert_int_equal(d.size, 162995);
}

/* The pg_dumpall text is named .tar on purpose: the name must not matter. */
static void dumpall_named_tar(void **state)
{
    (void)state;
    b2a_detected d;
    assert_int_equal(
        b2a__detect(th_sample("postgresql/dvdrental_NOT-a-tar_pg_dumpall-plain-text.tar"), &d, NULL),
        0);
    assert_int_equal(d.format, B2A_FMT_PG_DUMPALL);
    assert_string_equal(b2a__detect_format_name(d.format), "pg_dumpall plain text");
    assert_string_equal(b2a__detect_format_key(d.format), "pg_dumpall");
    assert_true(b2a__detect_is_text(d.format));
}

static void random_bytes_are_not_a_backup(void **state)
{
    (void)state;
    unsigned char junk[4096];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof(junk); i++) {
        x = x * 1103515245u + 12345u;
        junk[i] = (unsigned char)(x >> 16);
    }
    junk[0] = 0x9c, junk[1] = 0x00, junk[2] = 0xff, junk[3] = 0x10;
    junk[4] = 0x20, junk[5] = 0x30, junk[6] = 0x40, junk[7] = 0x50;
    const char *p = th_tmp_path("random.bak");
    th_write(p, junk, sizeof(junk));
    b2a_detected d;
    b2a_err err;
    assert_int_equal(b2a__detect(p, &d, &err), B2A_EFORMAT);
    assert_int_equal(err.code, B2A_EFORMAT);
    char want[600];
    snprintf(want, sizeof(want),
             "%s: not a backup this tool knows (first bytes: 9c 00 ff 10 20 30 40 50 ...)", p);
    assert_string_equal(err.msg, want);
    assert_int_equal(d.vendor, B2A_VENDOR_UNKNOWN);
}

static void empty_and_missing_files(void **state)
{
    (void)state;
    const char *p = th_tmp_path("empty.dump");
    th_write(p, "", 0);
    b2a_detected d;
    b2a_err err;
    char want[600];
    assert_int_equal(b2a__detect(p, &d, &err), B2A_EFORMAT);
    snprintf(want, sizeof(want), "%s: not a backup this tool knows (empty)", p);
    assert_string_equal(err.msg, want);

    const char *missing = th_tmp_path("no-such.bak");
    assert_int_equal(b2a__detect(missing, &d, &err), B2A_ENOTFOUND);
    snprintf(want, sizeof(want), "%s: no such file or directory", missing);
    assert_string_equal(err.msg, want);

    /* a few bytes of a magic are not the magic */
    p = th_tmp_path("short.dump");
    th_write(p, "PGD", 3);
    assert_int_equal(b2a__detect(p, &d, &err), B2A_EFORMAT);
    snprintf(want, sizeof(want), "%s: not a backup this tool knows (first bytes: 50 47 44)", p);
    assert_string_equal(err.msg, want);
}

/* A FIFO, a socket, a device, or a pg_dump directory whose toc.dat is a
 * FIFO: refused at once, naming the path and what it is. Opening a FIFO
 * for reading waits for a writer, so alarm() turns a hang into a failure. */
static void odd_file_types_are_refused_without_blocking(void **state)
{
    (void)state;
    b2a_detected d;
    b2a_err err;
    char want[1400];
    alarm(20);

    const char *fifo = th_tmp_path("backup.fifo");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    assert_int_equal(b2a__detect(fifo, &d, &err), B2A_EFORMAT);
    snprintf(want, sizeof(want), "%s: is a FIFO (named pipe), not a backup file; give a regular file "
             "(or a pg_dump directory archive)", fifo);
    assert_string_equal(err.msg, want);

    const char *sock = th_tmp_path("backup.sock");
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
    assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(b2a__detect(sock, &d, &err), B2A_EFORMAT);
    assert_non_null(strstr(err.msg, ": is a socket, not a backup file"));
    close(s);

    assert_int_equal(b2a__detect("/dev/null", &d, &err), B2A_EFORMAT);
    assert_string_equal(err.msg, "/dev/null: is a character device, not a backup file; give a regular "
                        "file (or a pg_dump directory archive)");

    const char *dir = th_tmp_path("fifo_toc_dir");
    assert_int_equal(mkdir(dir, 0700), 0);
    char toc[700];
    snprintf(toc, sizeof(toc), "%s/toc.dat", dir);
    assert_int_equal(mkfifo(toc, 0600), 0);
    assert_int_equal(b2a__detect(dir, &d, &err), B2A_EFORMAT);
    snprintf(want, sizeof(want), "%s: is a FIFO (named pipe), not a backup file; give a regular file "
             "(or a pg_dump directory archive)", toc);
    assert_string_equal(err.msg, want);
    alarm(0);
}

/* The readers that run after detection open the path again: a FIFO put
 * there since (or given to them directly) is refused at once, naming it,
 * instead of blocking in open() for a writer that never comes. */
static void readers_after_detection_refuse_a_fifo(void **state)
{
    (void)state;
    alarm(20);
    const char *fifo = th_tmp_path("swapped.fifo");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    char want[1400];
    snprintf(want, sizeof(want), "%s: is a FIFO (named pipe), not a backup file; give a regular file "
             "(or a pg_dump directory archive)", fifo);
    b2a_err err;

    b2a_detected d = {.format = B2A_FMT_MYSQLDUMP};
    assert_int_equal(b2a__dump_check_end(fifo, &d, &err), B2A_EFORMAT);
    assert_string_equal(err.msg, want);
    b2a_mysqldump_info mi;
    assert_int_equal(b2a__mysqldump_read(fifo, &mi, &err), B2A_EFORMAT);
    assert_string_equal(err.msg, want);
    b2a__mysqldump_free(&mi);
    b2a_mysql_decl decl;
    assert_int_equal(b2a__mysql_ddl_read(&fifo, 1, &decl, &err), B2A_EFORMAT);
    assert_string_equal(err.msg, want);
    b2a__mysql_decl_free(&decl);
    b2a_pgplain_info pp;
    assert_int_equal(b2a__pgplain_read(fifo, &pp, &err), B2A_EFORMAT);
    assert_string_equal(err.msg, want);
    b2a__pgplain_free(&pp);
    b2a_pgdump_info pi;
    assert_int_equal(b2a__pgdump_read(fifo, &pi, &err), B2A_EFORMAT);
    assert_string_equal(err.msg, want);
    b2a__pgdump_free(&pi);
    b2a_oradump_info oi = {.datapump = 0};
    assert_int_equal(b2a__oradump_check_end(fifo, &oi, &err), B2A_EFORMAT);
    assert_string_equal(err.msg, want);
    b2a_oradump_tables t;
    assert_int_equal(b2a__oradump_tables(fifo, &oi, 0, &t, &err), B2A_EFORMAT);
    assert_string_equal(err.msg, want);
    b2a__oradump_tables_free(&t);
    alarm(0);
}

static void sql_scripts_of_other_vendors_are_refused(void **state)
{
    (void)state;
    /* T-SQL (UTF-8 and UTF-16) and Oracle install scripts are not backups. */
    const char *const rel[] = {"truth/TSQLV4.sql", "truth/instnwnd.sql", "truth/instpubs.sql",
                               "truth/Chinook_SqlServer.sql", "truth/Chinook_Oracle.sql",
                               "postgresql/LICENSE.pagila.txt"};
    for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
        b2a_detected d;
        b2a_err err;
        int rc = b2a__detect(th_sample(rel[i]), &d, &err);
        if (rc != B2A_EFORMAT)
            fail_msg("%s detected as %s", rel[i], b2a__detect_format_name(d.format));
        assert_non_null(strstr(err.msg, "not a backup this tool knows"));
        assert_non_null(strstr(err.msg, rel[i]));
    }
}

static void gzip_file(const char *src, size_t max, const char *dst)
{
    size_t len;
    unsigned char *b = th_slurp(src, &len);
    gzFile gz = gzopen(dst, "wb");
    assert_non_null(gz);
    assert_int_equal(gzwrite(gz, b, (unsigned)(len < max ? len : max)), (int)(len < max ? len : max));
    assert_int_equal(gzclose(gz), Z_OK);
    free(b);
}

static void gzip_inner_format(void **state)
{
    (void)state;
    b2a_detected d;
    b2a_err err;
    const char *p = th_tmp_path("pagila-schema.sql.gz");
    gzip_file(th_sample("postgresql/pagila-schema.sql"), SIZE_MAX, p);
    assert_int_equal(b2a__detect(p, &d, &err), 0);
    assert_int_equal(d.format, B2A_FMT_PG_PLAIN);
    assert_int_equal(d.gzip, 1);
    assert_string_equal(d.version, "17.0");

    p = th_tmp_path("sakila.sql.gz");
    gzip_file(th_sample("mysql/sakila-schema.sql"), SIZE_MAX, p);
    assert_int_equal(b2a__detect(p, &d, &err), 0);
    assert_int_equal(d.format, B2A_FMT_MYSQL_SQL);
    assert_int_equal(d.gzip, 1);

    /* gzip'd T-SQL: a gzip stream, but nothing we know inside */
    p = th_tmp_path("tsql.sql.gz");
    gzip_file(th_sample("truth/TSQLV4.sql"), 100000, p);
    assert_int_equal(b2a__detect(p, &d, &err), B2A_EFORMAT);
    char want[600];
    snprintf(want, sizeof(want),
             "%s: not a backup this tool knows (gzip stream whose content has first bytes: "
             "2d 2d 2d 2d 2d 2d 2d 2d ...)",
             p);
    assert_string_equal(err.msg, want);

    /* a gzip magic followed by garbage */
    p = th_tmp_path("bad.gz");
    th_write(p, "\x1f\x8b\x08\x00garbage-garbage-garbage", 27);
    assert_int_equal(b2a__detect(p, &d, &err), B2A_EFORMAT);
    snprintf(want, sizeof(want), "%s: gzip data that does not inflate (corrupt or truncated)", p);
    assert_string_equal(err.msg, want);
}

static void foreign_tar_and_directories(void **state)
{
    (void)state;
    b2a_detected d;
    b2a_err err;
    char want[600];
    /* a ustar archive whose member is not toc.dat */
    unsigned char tar[1024];
    memset(tar, 0, sizeof(tar));
    strcpy((char *)tar, "hello.txt");
    memcpy(tar + 124, "00000000000", 11);
    memcpy(tar + 257, "ustar", 6);
    const char *p = th_tmp_path("other.tar");
    th_write(p, tar, sizeof(tar));
    assert_int_equal(b2a__detect(p, &d, &err), B2A_EFORMAT);
    snprintf(want, sizeof(want),
             "%s: a tar archive, but not a pg_dump one (no toc.dat member at its start)", p);
    assert_string_equal(err.msg, want);

    /* a directory without toc.dat */
    assert_int_equal(b2a__detect(th_tmp(), &d, &err), B2A_EFORMAT);
    snprintf(want, sizeof(want),
             "%s: a directory, but not a pg_dump directory archive (no toc.dat)", th_tmp());
    assert_string_equal(err.msg, want);

    /* a toc.dat on its own is not a whole archive */
    p = th_prefix_copy(th_sample("postgresql/chinook_pg15_directory/toc.dat"), 4096, "lone-toc.dat");
    assert_int_equal(b2a__detect(p, &d, &err), B2A_EFORMAT);
    assert_non_null(strstr(err.msg, "this is the toc.dat of a pg_dump tar or directory archive"));
    assert_non_null(strstr(err.msg, p));
}

static void text_headers_from_buffers(void **state)
{
    (void)state;
    b2a_detected d;
    static const char mysql[] = "-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)\n"
                                "--\n-- Host: localhost    Database: sakila\n"
                                "-- ------------------------------------------------------\n"
                                "-- Server version\t8.0.36\n";
    assert_int_equal(b2a__detect_buf("m.sql", (const unsigned char *)mysql, sizeof(mysql) - 1, &d, NULL), 0);
    assert_int_equal(d.format, B2A_FMT_MYSQLDUMP);
    assert_string_equal(d.version, "8.0.36");
    static const char maria[] = "-- MariaDB dump 10.19  Distrib 10.11.6-MariaDB, for debian-linux-gnu (x86_64)\n"
                                "--\n-- Host: db    Database: shop\n-- Server version\t10.11.6-MariaDB-0+deb12u1\n";
    assert_int_equal(b2a__detect_buf("m.sql", (const unsigned char *)maria, sizeof(maria) - 1, &d, NULL), 0);
    assert_int_equal(d.format, B2A_FMT_MARIADB_DUMP);
    assert_int_equal(d.vendor, B2A_VENDOR_MYSQL);
    assert_string_equal(d.version, "10.11.6-MariaDB-0+deb12u1");
    /* MariaDB's mysqldump before 10.5 still called itself "MySQL dump" */
    static const char maria_old[] = "-- MySQL dump 10.17  Distrib 10.3.22-MariaDB, for debian-linux-gnu (x86_64)\n"
                                    "--\n-- Host: db    Database: shop\n-- Server version\t10.3.22-MariaDB-0+deb10u1\n";
    assert_int_equal(b2a__detect_buf("m.sql", (const unsigned char *)maria_old, sizeof(maria_old) - 1, &d, NULL), 0);
    assert_int_equal(d.format, B2A_FMT_MARIADB_DUMP);
    /* one weak MySQL sign is not enough; two are */
    static const char weak1[] = "CREATE TABLE t (id INT AUTO_INCREMENT);\n";
    assert_int_equal(b2a__detect_buf("w.sql", (const unsigned char *)weak1, sizeof(weak1) - 1, &d, NULL), B2A_EFORMAT);
    static const char weak2[] = "CREATE TABLE `t` (id INT AUTO_INCREMENT);\n";
    assert_int_equal(b2a__detect_buf("w.sql", (const unsigned char *)weak2, sizeof(weak2) - 1, &d, NULL), 0);
    assert_int_equal(d.format, B2A_FMT_MYSQL_SQL);
    /* UTF-8 BOM before a pg_dump header */
    static const char bom[] = "\xEF\xBB\xBF--\n-- PostgreSQL database dump\n--\n\n-- Dumped by pg_dump version 16.2\n";
    assert_int_equal(b2a__detect_buf("b.sql", (const unsigned char *)bom, sizeof(bom) - 1, &d, NULL), 0);
    assert_int_equal(d.format, B2A_FMT_PG_PLAIN);
    assert_string_equal(d.version, "16.2");
}

static void oracle_headers(void **state)
{
    (void)state;
    b2a_oradump_info o;
    b2a_err err;
    assert_int_equal(b2a__oradump_read_header(th_sample("oracle/alphaoffice_expdat.dmp"), &o, &err), 0);
    assert_int_equal(o.datapump, 0);
    assert_string_equal(o.version, "V12.01.00");
    assert_string_equal(o.user, "ALPHA");
    assert_string_equal(o.mode, "USERS");
    assert_int_equal(o.record_length, 8192);
    assert_int_equal(o.client_charset_id, 1);
    assert_int_equal(o.db_charset_id, 178);
    assert_int_equal(o.nchar_charset_id, 2000);
    assert_string_equal(o.charset, "WE8MSWIN1252");

    assert_int_equal(b2a__oradump_read_header(th_sample("oracle/freetic_car.dmp"), &o, &err), 0);
    assert_string_equal(o.user, "SCOTT");
    assert_int_equal(o.record_length, 2048);
    assert_string_equal(b2a__oradump_charset_name(o.client_charset_id), "KO16MSWIN949");
    assert_string_equal(o.charset, "AL32UTF8");

    assert_int_equal(b2a__oradump_read_header(th_sample("oracle/jliverse_datapump_scott.dmp"), &o, &err), 0);
    assert_int_equal(o.datapump, 1);
    assert_int_equal(o.file_version, 0x0401);
    assert_int_equal(o.block_size, 4096);
    assert_string_equal(o.job_name, "\"SYS\".\"SYS_EXPORT_SCHEMA_01\"");
    assert_string_equal(o.platform, "x86_64/Linux 2.4.xx");
    assert_string_equal(o.charset, "AL32UTF8");
    assert_string_equal(o.version, "12.01.00.02.00");

    assert_int_equal(b2a__oradump_read_header(th_sample("mysql/sakila-schema.sql"), &o, &err), B2A_EFORMAT);
    assert_non_null(strstr(err.msg, "not an Oracle dump file"));

    /* an exp header cut inside its text lines */
    const char *p = th_prefix_copy(th_sample("oracle/alphaoffice_expdat.dmp"), 30, "cut.dmp");
    assert_int_equal(b2a__oradump_read_header(p, &o, &err), B2A_EFORMAT);
    char want[600];
    snprintf(want, sizeof(want), "%s: truncated Oracle exp header (line 3 missing)", p);
    assert_string_equal(err.msg, want);
}

static void oracle_exp_tables(void **state)
{
    (void)state;
    b2a_oradump_info o;
    b2a_oradump_tables t;
    b2a_err err;
    const char *p = th_sample("oracle/alphaoffice_expdat.dmp");
    assert_int_equal(b2a__oradump_read_header(p, &o, &err), 0);
    assert_int_equal(b2a__oradump_tables(p, &o, 0, &t, &err), 0);
    assert_int_equal(t.n_tables, 19);
    assert_int_equal(t.n_segments, 19);
    assert_int_equal(t.complete, 1);
    assert_string_equal(t.tables[0], "ALPHA.ADDRESSES");
    assert_string_equal(t.tables[18], "ALPHA.SALES_ORDER_LINE_ITEM");
    b2a__oradump_tables_free(&t);

    /* SYSTEM export: owners come from CONNECT lines; partitions are segments */
    p = th_sample("oracle/rjschof_legacy.dmp");
    assert_int_equal(b2a__oradump_read_header(p, &o, &err), 0);
    assert_string_equal(o.user, "SYSTEM");
    assert_int_equal(b2a__oradump_tables(p, &o, 0, &t, &err), 0);
    assert_int_equal(t.n_tables, 27);
    assert_int_equal(t.n_segments, 47);
    assert_string_equal(t.tables[0], "HRDATA.DEPARTMENTS");
    assert_string_equal(t.tables[26], "AUDITLOG.CHANGE_LOG");
    b2a__oradump_tables_free(&t);

    p = th_sample("oracle/freetic_car.dmp");
    assert_int_equal(b2a__oradump_read_header(p, &o, &err), 0);
    assert_int_equal(b2a__oradump_tables(p, &o, 0, &t, &err), 0);
    assert_int_equal(t.n_tables, 24);
    b2a__oradump_tables_free(&t);

    /* Data Pump: from the XML of the data segments */
    p = th_sample("oracle/jliverse_datapump_scott.dmp");
    assert_int_equal(b2a__oradump_read_header(p, &o, &err), 0);
    assert_int_equal(b2a__oradump_tables(p, &o, 0, &t, &err), 0);
    assert_int_equal(t.n_tables, 3); /* BONUS has 0 rows and no segment */
    assert_string_equal(t.tables[0], "SCOTT.DEPT");
    assert_string_equal(t.tables[1], "SCOTT.EMP");
    assert_string_equal(t.tables[2], "SCOTT.SALGRADE");
    assert_int_equal(t.n_segments, 3);
    assert_int_equal(t.n_system, 2); /* SYS.IMPDP_STATS and the master table */
    b2a__oradump_tables_free(&t);
}

/* Statements every 97 bytes across 3 MB: every read-chunk boundary case. */
static void oracle_exp_tables_chunk_edges(void **state)
{
    (void)state;
    static const char hdr[] = "\x03\x00\x01" "EXPORT:V12.01.00\nDSCOTT\nRUSERS\n8192\n0\n72\n0\n"
                              "\x00\x01\x00\xb2\x07\xd0\x00\x01\n";
    size_t n = 30000, cap = sizeof(hdr) + n * 97 + 64;
    char *b = malloc(cap);
    assert_non_null(b);
    memcpy(b, hdr, sizeof(hdr) - 1);
    size_t len = sizeof(hdr) - 1;
    for (size_t i = 0; i < n; i++) {
        int w = snprintf(b + len, cap - len, "INSERT INTO \"T%05zu\" (\"A\") VALUES (:1)\n", i);
        len += (size_t)w;
        while (len % 97 != 0) {
            b[len] = (char)(0x80 | (len & 0x3f)); /* binary row bytes, no newline */
            len++;
        }
        b[len - 1] = '\n';
    }
    const char *p = th_tmp_path("many.dmp");
    th_write(p, b, len);
    free(b);
    b2a_oradump_info o;
    b2a_oradump_tables t;
    b2a_err err;
    assert_int_equal(b2a__oradump_read_header(p, &o, &err), 0);
    assert_int_equal(b2a__oradump_tables(p, &o, 0, &t, &err), 0);
    assert_int_equal(t.n_tables, n);
    assert_int_equal(t.complete, 1);
    for (size_t i = 0; i < n; i++) {
        char want[32];
        snprintf(want, sizeof(want), "SCOTT.T%05zu", i);
        assert_string_equal(t.tables[i], want);
    }
    b2a__oradump_tables_free(&t);
    /* a capped scan says it is incomplete */
    assert_int_equal(b2a__oradump_tables(p, &o, 1 << 20, &t, &err), 0);
    assert_int_equal(t.complete, 0);
    assert_true(t.n_tables > 10000 && t.n_tables < n);
    b2a__oradump_tables_free(&t);
}

int main(void)
{
    th_require_samples();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_sample_is_detected),
        cmocka_unit_test(sizes_and_directory),
        cmocka_unit_test(dumpall_named_tar),
        cmocka_unit_test(random_bytes_are_not_a_backup),
        cmocka_unit_test(empty_and_missing_files),
        cmocka_unit_test(odd_file_types_are_refused_without_blocking),
        cmocka_unit_test(readers_after_detection_refuse_a_fifo),
        cmocka_unit_test(sql_scripts_of_other_vendors_are_refused),
        cmocka_unit_test(gzip_inner_format),
        cmocka_unit_test(foreign_tar_and_directories),
        cmocka_unit_test(text_headers_from_buffers),
        cmocka_unit_test(oracle_headers),
        cmocka_unit_test(oracle_exp_tables),
        cmocka_unit_test(oracle_exp_tables_chunk_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
