/* Unit tests of src/engine: container specs, exec argv/env, connection
 * strings, restore plans, and progress/error parsing of tool output
 * recorded from the bak2avro-test images (tests/engine/data/). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "detect/pgdump.h"
#include "engine/engine.h"

/* the CREATE DATABASE locale filter of postgres.c, as the shell sees it */
#define SED_FILTER                                                                       \
    "sed -E -e \"/^CREATE DATABASE /s/ (LOCALE|LC_COLLATE|LC_CTYPE|ICU_LOCALE|ICU_RULES) " \
    "= '[^']*'//g\" -e \"/^CREATE DATABASE /s/ LOCALE_PROVIDER = '?[a-z]+'?//g\""

static char tmpdir[PATH_MAX];
static char dump_path[PATH_MAX + 64], sql_path[PATH_MAX + 64], dir_path[PATH_MAX + 64];

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int setup_files(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "%s/b2a-vendor-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(tmpdir))
        return -1;
    snprintf(dump_path, sizeof dump_path, "%s/chinook.dump", tmpdir);
    snprintf(sql_path, sizeof sql_path, "%s/my data.sql", tmpdir);
    snprintf(dir_path, sizeof dir_path, "%s/chinook_dir", tmpdir);
    write_file(dump_path, "PGDMP");
    write_file(sql_path, "select 1;\n");
    mkdir(dir_path, 0755);
    char p[PATH_MAX + 128];
    snprintf(p, sizeof p, "%s/toc.dat", dir_path);
    write_file(p, "PGDMP");
    snprintf(p, sizeof p, "%s/3422.dat.gz", dir_path);
    write_file(p, "x");
    return 0;
}

static int teardown_files(void **state)
{
    (void)state;
    char cmd[PATH_MAX + 32];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* ---- helpers ---- */

static int has(char **v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v[i], s))
            return 1;
    return 0;
}

static void assert_argv(const b2a_vendor_cmd *c, const char *const *want, size_t n)
{
    if (c->argc != n) {
        for (size_t i = 0; i < c->argc; i++)
            print_error("argv[%zu] = %s\n", i, c->argv[i]);
    }
    assert_int_equal(c->argc, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(c->argv[i], want[i]);
    assert_null(c->argv[n]);
}

#define ARGV(c, ...)                                                                     \
    do {                                                                                 \
        static const char *const w_[] = {__VA_ARGS__};                                   \
        assert_argv((c), w_, sizeof w_ / sizeof *w_);                                    \
    } while (0)

static b2a_vendor_job *new_job(const b2a_vendor *v, b2a_network net, int port,
                               const b2a_vendor_input *in, size_t nin, unsigned jobs,
                               b2a_vendor_delivery d, const char *image)
{
    b2a_vendor_params p = {.job_id = "3f2a9c", .image = image, .network = net, .port = port,
                           .delivery = d, .inputs = in, .ninputs = nin, .jobs = jobs};
    b2a_vendor_job *j = NULL;
    b2a_err err;
    b2a__err_clear(&err);
    int rc = b2a__vendor_job_new(v, &p, &j, &err);
    if (rc)
        print_error("job_new: %s\n", err.msg);
    assert_int_equal(rc, B2A_OK);
    assert_non_null(j);
    return j;
}

static const char *data_path(const char *name)
{
    static char p[PATH_MAX];
    const char *root = getenv("B2A_SOURCE_ROOT");
    snprintf(p, sizeof p, "%s/tests/engine/data/%s", root ? root : ".", name);
    return p;
}

/* Feeds a recorded output file to a step, checking that percent never goes
 * down; returns how many times it changed. */
static int feed(b2a_vendor_run *r, const char *name, int stream)
{
    FILE *f = fopen(data_path(name), "r");
    if (!f)
        fail_msg("cannot open recorded output %s", data_path(name));
    char line[8192];
    int changes = 0, last = r->percent;
    while (fgets(line, sizeof line, f)) {
        size_t len = strlen(line);
        if (len && line[len - 1] == '\n')
            line[--len] = '\0';
        changes += b2a__vendor_run_line(r, stream, line, len);
        assert_true(r->percent >= last);
        last = r->percent;
    }
    fclose(f);
    return changes;
}

/* ---- registry, password, image tags, ports ---- */

static void test_registry(void **state)
{
    (void)state;
    assert_ptr_equal(b2a__vendor_by_name("postgresql"), &b2a__vendor_postgres);
    assert_ptr_equal(b2a__vendor_by_name("postgres"), &b2a__vendor_postgres);
    assert_ptr_equal(b2a__vendor_by_name("mariadb"), &b2a__vendor_mysql);
    assert_ptr_equal(b2a__vendor_by_name("mysql"), &b2a__vendor_mysql);
    assert_null(b2a__vendor_by_name("sqlite"));
    assert_null(b2a__vendor_by_name(NULL));
    assert_ptr_equal(b2a__vendor_by_id(B2A_VENDOR_POSTGRESQL), &b2a__vendor_postgres);
    assert_ptr_equal(b2a__vendor_by_id(B2A_VENDOR_MYSQL), &b2a__vendor_mysql);
    assert_ptr_equal(b2a__vendor_by_id(B2A_VENDOR_SQLSERVER), &b2a__vendor_sqlserver);
    assert_ptr_equal(b2a__vendor_by_name("sqlserver"), &b2a__vendor_sqlserver);
    assert_ptr_equal(b2a__vendor_by_name("mssql"), &b2a__vendor_sqlserver);
    assert_ptr_equal(b2a__vendor_by_id(B2A_VENDOR_ORACLE), &b2a__vendor_oracle);
    assert_ptr_equal(b2a__vendor_by_name("oracle"), &b2a__vendor_oracle);
    const b2a_vendor *const *all = b2a__vendor_all();
    assert_ptr_equal(all[0], &b2a__vendor_postgres);
    assert_ptr_equal(all[1], &b2a__vendor_mysql);
    assert_ptr_equal(all[2], &b2a__vendor_sqlserver);
    assert_ptr_equal(all[3], &b2a__vendor_oracle);
    assert_null(all[4]);
    assert_string_equal(b2a__vendor_postgres.default_image, "postgres:16");
    assert_string_equal(b2a__vendor_mysql.default_image, "mariadb:11");
    assert_int_equal(b2a__vendor_postgres.default_port, 5432);
    assert_int_equal(b2a__vendor_mysql.default_port, 3306);
}

static void test_password(void **state)
{
    (void)state;
    char a[B2A_VENDOR_PASSWORD_LEN + 1], b[B2A_VENDOR_PASSWORD_LEN + 1];
    for (int k = 0; k < 200; k++) {
        assert_int_equal(b2a__vendor_password(a, NULL), B2A_OK);
        assert_int_equal(strlen(a), B2A_VENDOR_PASSWORD_LEN);
        int up = 0, lo = 0, dig = 0;
        for (size_t i = 0; a[i]; i++) {
            assert_true((a[i] >= 'A' && a[i] <= 'Z') || (a[i] >= 'a' && a[i] <= 'z') ||
                        (a[i] >= '0' && a[i] <= '9'));
            up |= a[i] >= 'A' && a[i] <= 'Z';
            lo |= a[i] >= 'a' && a[i] <= 'z';
            dig |= a[i] >= '0' && a[i] <= '9';
        }
        assert_true(up && lo && dig);
        assert_false(a[0] >= '0' && a[0] <= '9');
    }
    assert_int_equal(b2a__vendor_password(b, NULL), B2A_OK);
    assert_string_not_equal(a, b);
}

static void test_image_major(void **state)
{
    (void)state;
    assert_int_equal(b2a__vendor_image_major("postgres:16"), 16);
    assert_int_equal(b2a__vendor_image_major("postgres:16.2-bookworm"), 16);
    assert_int_equal(b2a__vendor_image_major("bak2avro-test/postgres:15"), 15);
    assert_int_equal(b2a__vendor_image_major("registry:5000/pg/postgres:9.6"), 9);
    assert_int_equal(b2a__vendor_image_major("registry:5000/postgres"), -1);
    assert_int_equal(b2a__vendor_image_major("postgres:latest"), -1);
    assert_int_equal(b2a__vendor_image_major("postgres"), -1);
    assert_int_equal(b2a__vendor_image_major("mariadb:10.11"), 10);
}

static void test_free_port(void **state)
{
    (void)state;
    int port = 0;
    assert_int_equal(b2a__vendor_free_port(&port, NULL), B2A_OK);
    assert_true(port > 0 && port < 65536);
}

static void test_connstr_escape(void **state)
{
    (void)state;
    char *s = NULL;
    size_t len = 0;
    assert_int_equal(b2a__vendor_connstr_add(&s, &len, "UID", "plain"), B2A_OK);
    assert_int_equal(b2a__vendor_connstr_add(&s, &len, "PWD", "a;b}c"), B2A_OK);
    assert_int_equal(b2a__vendor_connstr_add(&s, &len, "Database", " x"), B2A_OK);
    assert_string_equal(s, "UID=plain;PWD={a;b}}c};Database={ x};");
    assert_int_equal(len, strlen(s));
    free(s);
}

static void test_redact(void **state)
{
    (void)state;
    b2a_vendor_input in = {.path = dump_path, .format = B2A_FMT_PG_CUSTOM, .size = 5};
    b2a_vendor_job *j = new_job(&b2a__vendor_postgres, B2A_NETWORK_HOST, 5499, &in, 1, 0,
                                B2A_VENDOR_BIND, NULL);
    char src[256], dst[256];
    snprintf(src, sizeof src, "FATAL: pw=%s end %s", j->password, j->password);
    b2a__vendor_redact(j, src, dst, sizeof dst);
    assert_string_equal(dst, "FATAL: pw=******** end ********");
    b2a__vendor_redact(j, src, dst, 12);
    assert_string_equal(dst, "FATAL: pw=*");
    b2a__vendor_job_free(j);
}

/* ---- container specs ---- */

static void test_pg_spec_host(void **state)
{
    (void)state;
    b2a_vendor_input in = {.path = dump_path, .format = B2A_FMT_PG_CUSTOM, .size = 5};
    b2a_vendor_job *j = new_job(&b2a__vendor_postgres, B2A_NETWORK_HOST, 5499, &in, 1, 0,
                                B2A_VENDOR_BIND, NULL);
    const b2a_container_spec *s = &j->spec;
    assert_string_equal(s->image, "postgres:16");
    assert_int_equal(j->image_major, 16);
    assert_int_equal(s->host_network, 1);
    assert_int_equal(s->container_port, 0);
    assert_int_equal(j->server_port, 5499);
    assert_int_equal(j->host_port, 5499);
    assert_int_equal(s->nenv, 3);
    char want[128];
    snprintf(want, sizeof want, "POSTGRES_PASSWORD=%s", j->password);
    assert_string_equal(s->env[0], want);
    assert_string_equal(s->env[1], "POSTGRES_USER=postgres");
    assert_string_equal(s->env[2], "POSTGRES_DB=b2a");
    static const char *const cmd[] = {"-p", "5499", "-c", "listen_addresses=127.0.0.1",
                                      "-c", "fsync=off", "-c", "synchronous_commit=off",
                                      "-c", "full_page_writes=off"};
    assert_int_equal(s->ncmd, 10);
    for (size_t i = 0; i < 10; i++)
        assert_string_equal(s->cmd[i], cmd[i]);
    assert_int_equal(s->nlabels, 2);
    assert_string_equal(s->labels[0], "bak2avro.job=3f2a9c");
    assert_string_equal(s->labels[1], "bak2avro.vendor=postgresql");
    assert_int_equal(s->nbinds, 1);
    char bind[PATH_MAX + 64];
    char *real = realpath(tmpdir, NULL);
    snprintf(bind, sizeof bind, "%s:/backup/0:ro", real);
    free(real);
    assert_string_equal(s->binds[0], bind);
    assert_string_equal(j->in_paths[0], "/backup/0/chinook.dump");
    assert_int_equal(j->nuploads, 0);
    b2a__vendor_job_free(j);
}

/* A linked input: its own folder holds only the link, which would dangle in
 * the container; the folder of the real file is bound, under its real name. */
static void test_bind_follows_a_link(void **state)
{
    (void)state;
    char linkdir[PATH_MAX + 16], link[PATH_MAX + 64], dangling[PATH_MAX + 64];
    snprintf(linkdir, sizeof linkdir, "%s/links", tmpdir);
    assert_int_equal(mkdir(linkdir, 0755), 0);
    snprintf(link, sizeof link, "%s/latest.dump", linkdir);
    assert_int_equal(symlink(dump_path, link), 0);
    b2a_vendor_input in = {.path = link, .format = B2A_FMT_PG_CUSTOM, .size = 5};
    b2a_vendor_job *j = new_job(&b2a__vendor_postgres, B2A_NETWORK_HOST, 5499, &in, 1, 0, B2A_VENDOR_BIND, NULL);
    char bind[PATH_MAX + 64];
    char *real = realpath(tmpdir, NULL);
    snprintf(bind, sizeof bind, "%s:/backup/0:ro", real);
    free(real);
    assert_int_equal(j->spec.nbinds, 1);
    assert_string_equal(j->spec.binds[0], bind);
    assert_string_equal(j->in_paths[0], "/backup/0/chinook.dump");
    b2a__vendor_job_free(j);

    /* A link to nothing: the error names the link and where it points. */
    snprintf(dangling, sizeof dangling, "%s/gone.dump", linkdir);
    assert_int_equal(symlink("/nonexistent/b2a/old.dump", dangling), 0);
    b2a_vendor_input bad = {.path = dangling, .format = B2A_FMT_PG_CUSTOM, .size = 5};
    b2a_vendor_params p = {.job_id = "3f2a9c", .network = B2A_NETWORK_HOST, .port = 5499,
                           .delivery = B2A_VENDOR_BIND, .inputs = &bad, .ninputs = 1};
    b2a_err err;
    b2a__err_clear(&err);
    assert_int_equal(b2a__vendor_job_new(&b2a__vendor_postgres, &p, &j, &err), B2A_ENOTFOUND);
    char want[PATH_MAX + 160];
    snprintf(want, sizeof want, "%s (a link to /nonexistent/b2a/old.dump): No such file or directory", dangling);
    assert_string_equal(err.msg, want);
    unlink(dangling);
    unlink(link);
    rmdir(linkdir);
}

static void test_pg_spec_publish(void **state)
{
    (void)state;
    b2a_vendor_input in = {.path = dump_path, .format = B2A_FMT_PG_CUSTOM, .size = 5};
    b2a_vendor_job *j = new_job(&b2a__vendor_postgres, B2A_NETWORK_PUBLISH, 0, &in, 1, 0,
                                B2A_VENDOR_BIND, "postgres:15");
    assert_int_equal(j->spec.host_network, 0);
    assert_int_equal(j->spec.container_port, 5432);
    assert_int_equal(j->spec.host_port, 0);
    assert_int_equal(j->server_port, 5432);
    /* no port or listen args: the image listens on 5432 in its own network */
    assert_false(has(j->cmd, j->ncmd, "-p"));
    assert_false(has(j->cmd, j->ncmd, "listen_addresses=127.0.0.1"));
    char *cs = NULL;
    b2a_err err;
    b2a__err_clear(&err);
    assert_int_equal(b2a__vendor_connstr(j, &cs, &err), B2A_EINVAL);
    assert_null(cs);
    assert_string_equal(err.msg, "postgresql container: host port not known yet");
    b2a__vendor_job_set_host_port(j, 49153);
    assert_int_equal(b2a__vendor_connstr(j, &cs, &err), B2A_OK);
    char want[512];
    snprintf(want, sizeof want,
             "Driver={PostgreSQL Unicode};Server=127.0.0.1;Port=49153;Database=b2a;UID=postgres;"
             "PWD=%s;UseDeclareFetch=1;Fetch=10000;BoolsAsChar=0;ByteaAsLongVarBinary=1;"
             "sslmode=disable;",
             j->password);
    assert_string_equal(cs, want);
    free(cs);
    assert_int_equal(b2a__vendor_connstr_db(j, "dvd;rental", &cs, &err), B2A_OK);
    assert_non_null(strstr(cs, ";Database={dvd;rental};UID=postgres;"));
    free(cs);
    assert_int_equal(b2a__vendor_connstr_db(j, "", &cs, &err), B2A_EINVAL);
    /* the probe talks to the server inside its network: 5432 */
    b2a_vendor_probe pr;
    assert_int_equal(b2a__vendor_probe(j, &pr, &err), B2A_OK);
    ARGV(&pr.cmd, "pg_isready", "-h", "127.0.0.1", "-p", "5432", "-U", "postgres", "-d", "b2a");
    assert_int_equal(pr.cmd.nenv, 0);
    assert_int_equal(pr.tries, 240);
    assert_int_equal(pr.delay_ms, 500);
    b2a__vendor_probe_free(&pr);
    b2a__vendor_job_free(j);
}

static void test_my_spec_and_connstr(void **state)
{
    (void)state;
    b2a_vendor_input in = {.path = sql_path, .format = B2A_FMT_MYSQL_SQL, .size = 10};
    b2a_vendor_job *j = new_job(&b2a__vendor_mysql, B2A_NETWORK_HOST, 3399, &in, 1, 0,
                                B2A_VENDOR_BIND, NULL);
    assert_string_equal(j->spec.image, "mariadb:11");
    assert_int_equal(j->mysql_flavour, 0);
    char want[512];
    snprintf(want, sizeof want, "MARIADB_ROOT_PASSWORD=%s", j->password);
    assert_int_equal(j->spec.nenv, 2);
    assert_string_equal(j->spec.env[0], want);
    assert_string_equal(j->spec.env[1], "MARIADB_DATABASE=b2a");
    static const char *const cmd[] = {"--port=3399", "--bind-address=127.0.0.1",
                                      "--innodb-flush-log-at-trx-commit=0",
                                      "--max-allowed-packet=1073741824"};
    assert_int_equal(j->spec.ncmd, 4);
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(j->spec.cmd[i], cmd[i]);
    assert_string_equal(j->spec.labels[1], "bak2avro.vendor=mysql");
    assert_string_equal(j->in_paths[0], "/backup/0/my data.sql");
    char *cs = NULL;
    assert_int_equal(b2a__vendor_connstr(j, &cs, NULL), B2A_OK);
    snprintf(want, sizeof want,
             "Driver={MariaDB Unicode};Server=127.0.0.1;Port=3399;Database=b2a;UID=root;PWD=%s;"
             "NO_CACHE=1;FORWARDONLY=1;CHARSET=utf8mb4;NO_PROMPT=1;",
             j->password);
    assert_string_equal(cs, want);
    free(cs);
    b2a_vendor_probe pr;
    assert_int_equal(b2a__vendor_probe(j, &pr, NULL), B2A_OK);
    ARGV(&pr.cmd, "mariadb", "--protocol=TCP", "-h", "127.0.0.1", "-P", "3399", "-u", "root",
         "-N", "-e", "SELECT 1", "b2a");
    assert_int_equal(pr.cmd.nenv, 1);
    snprintf(want, sizeof want, "MYSQL_PWD=%s", j->password);
    assert_string_equal(pr.cmd.env[0], want);
    b2a__vendor_probe_free(&pr);
    b2a__vendor_job_free(j);

    /* MySQL's own image: MYSQL_* variables, mysql client, X plugin off */
    j = new_job(&b2a__vendor_mysql, B2A_NETWORK_HOST, 3399, &in, 1, 0, B2A_VENDOR_BIND,
                "mysql:8.0");
    assert_int_equal(j->mysql_flavour, 1);
    assert_true(!strncmp(j->spec.env[0], "MYSQL_ROOT_PASSWORD=", 20));
    assert_string_equal(j->spec.env[1], "MYSQL_DATABASE=b2a");
    assert_true(has(j->cmd, j->ncmd, "--mysqlx=OFF"));
    assert_true(has(j->cmd, j->ncmd, "--skip-log-bin"));
    assert_int_equal(b2a__vendor_probe(j, &pr, NULL), B2A_OK);
    assert_string_equal(pr.cmd.argv[0], "mysql");
    b2a__vendor_probe_free(&pr);
    b2a__vendor_job_free(j);
}

/* The dump's header picks the image: a mysqldump gets MySQL's own image (its
 * MYSQL_* environment, mysql client), a MariaDB dump or a bare script MariaDB. */
static void test_my_default_image_by_dump_header(void **state)
{
    (void)state;
    b2a_vendor_input in = {.path = sql_path, .format = B2A_FMT_MYSQLDUMP, .size = 10};
    b2a_vendor_job *j = new_job(&b2a__vendor_mysql, B2A_NETWORK_HOST, 3399, &in, 1, 0,
                                B2A_VENDOR_BIND, NULL);
    assert_string_equal(j->spec.image, "mysql:8.0");
    assert_int_equal(j->mysql_flavour, 1);
    assert_true(!strncmp(j->spec.env[0], "MYSQL_ROOT_PASSWORD=", 20));
    assert_string_equal(j->spec.env[1], "MYSQL_DATABASE=b2a");
    assert_true(has(j->cmd, j->ncmd, "--mysqlx=OFF"));
    b2a_vendor_probe pr;
    assert_int_equal(b2a__vendor_probe(j, &pr, NULL), B2A_OK);
    assert_string_equal(pr.cmd.argv[0], "mysql");
    b2a__vendor_probe_free(&pr);
    b2a__vendor_job_free(j);
    assert_string_equal(b2a__vendor_default_image(&b2a__vendor_mysql, &in, 1), "mysql:8.0");
    in.format = B2A_FMT_MARIADB_DUMP;
    assert_string_equal(b2a__vendor_default_image(&b2a__vendor_mysql, &in, 1), "mariadb:11");
    in.format = B2A_FMT_MYSQL_SQL;
    assert_string_equal(b2a__vendor_default_image(&b2a__vendor_mysql, &in, 1), "mariadb:11");
    /* schema and data scripts: the first with a header decides */
    b2a_vendor_input two[] = {{.path = sql_path, .format = B2A_FMT_MYSQL_SQL},
                              {.path = sql_path, .format = B2A_FMT_MYSQLDUMP}};
    assert_string_equal(b2a__vendor_default_image(&b2a__vendor_mysql, two, 2), "mysql:8.0");
    /* a named image wins */
    j = new_job(&b2a__vendor_mysql, B2A_NETWORK_HOST, 3399, two, 2, 0, B2A_VENDOR_BIND,
                "bak2avro-test/mariadb:10.11");
    assert_int_equal(j->mysql_flavour, 0);
    b2a__vendor_job_free(j);
    assert_string_equal(b2a__vendor_default_image(&b2a__vendor_postgres, two, 2), "postgres:16");
}

/* Which server skips which version comment, and the reason given. */
static void test_my_comment_skipped(void **state)
{
    (void)state;
    char why[512];
    const char *maria = "10.11.6-MariaDB-0+deb12u1", *mysql = "8.0.36";
    assert_int_equal(b2a__mysql_comment_skipped(50705, 0, maria, why, sizeof why), 1);
    assert_string_equal(why, "declared in a /*!50705 */ version comment, which MariaDB 10.11.6 "
                             "skips (MariaDB ignores /*!50700 */ to /*!99999 */: MySQL 5.7 and "
                             "later syntax)");
    assert_int_equal(b2a__mysql_comment_skipped(80023, 0, maria, why, sizeof why), 1);
    assert_int_equal(b2a__mysql_comment_skipped(50604, 0, maria, why, sizeof why), 0);
    assert_int_equal(b2a__mysql_comment_skipped(0, 0, maria, why, sizeof why), 0);
    assert_int_equal(b2a__mysql_comment_skipped(50705, 0, mysql, why, sizeof why), 0);
    assert_int_equal(b2a__mysql_comment_skipped(80040, 0, mysql, why, sizeof why), 1);
    assert_string_equal(why, "declared in a /*!80040 */ version comment, which MySQL 8.0.36 skips "
                             "(it needs 8.0.40)");
    assert_int_equal(b2a__mysql_comment_skipped(100301, 1, mysql, why, sizeof why), 1);
    assert_string_equal(why, "declared in a /*M!100301 */ comment, which only MariaDB runs (the "
                             "server is MySQL 8.0.36)");
    assert_int_equal(b2a__mysql_comment_skipped(100301, 1, maria, why, sizeof why), 0);
    assert_int_equal(b2a__mysql_comment_skipped(110400, 1, maria, why, sizeof why), 1);
    assert_string_equal(why, "declared in a /*M!110400 */ comment, which MariaDB 10.11.6 skips (it "
                             "needs MariaDB 11.4.0)");
}

static void test_job_errors(void **state)
{
    (void)state;
    b2a_vendor_input in = {.path = "/nonexistent-dir/x.dump", .format = B2A_FMT_PG_CUSTOM};
    b2a_vendor_params p = {.job_id = "j1", .network = B2A_NETWORK_HOST, .port = 5000,
                           .inputs = &in, .ninputs = 1};
    b2a_vendor_job *j = (b2a_vendor_job *)1;
    b2a_err err;
    b2a__err_clear(&err);
    assert_int_equal(b2a__vendor_job_new(&b2a__vendor_postgres, &p, &j, &err), B2A_ENOTFOUND);
    assert_null(j);
    assert_string_equal(err.msg, "/nonexistent-dir/x.dump: No such file or directory");
    p.port = 0;
    assert_int_equal(b2a__vendor_job_new(&b2a__vendor_postgres, &p, &j, &err), B2A_EINVAL);
    assert_string_equal(err.msg, "vendor job: host network needs a port, got 0");
    p.port = 5000;
    p.job_id = NULL;
    assert_int_equal(b2a__vendor_job_new(&b2a__vendor_postgres, &p, &j, &err), B2A_EINVAL);
}

/* ---- version checks before any container ---- */

static void test_check_input(void **state)
{
    (void)state;
    b2a_err err;
    b2a__err_clear(&err);
    b2a_vendor_input in = {.path = "x.dump", .format = B2A_FMT_PG_CUSTOM, .archive_vmaj = 1,
                           .archive_vmin = 15};
    assert_int_equal(b2a__vendor_check_input(&b2a__vendor_postgres, &in, "postgres:15", &err),
                     B2A_EUNSUPPORTED);
    assert_string_equal(err.msg, "x.dump: archive format 1.15 needs pg_restore from PostgreSQL "
                                 "16 or later; image postgres:15 has 15; use --image postgres:16");
    assert_int_equal(err.klass, B2A_ERRCLASS_RESTORE);
    in.archive_vmin = 16;
    assert_int_equal(b2a__vendor_check_input(&b2a__vendor_postgres, &in,
                                             "bak2avro-test/postgres:15", &err),
                     B2A_EUNSUPPORTED);
    assert_string_equal(err.msg, "x.dump: archive format 1.16 needs pg_restore from PostgreSQL "
                                 "17 or later; image bak2avro-test/postgres:15 has 15; use "
                                 "--image bak2avro-test/postgres:17");
    /* the default image (16) reads 1.15 but not 1.16 */
    assert_int_equal(b2a__vendor_check_input(&b2a__vendor_postgres, &in, NULL, &err),
                     B2A_EUNSUPPORTED);
    in.archive_vmin = 15;
    assert_int_equal(b2a__vendor_check_input(&b2a__vendor_postgres, &in, NULL, &err), B2A_OK);
    in.archive_vmin = 14;
    assert_int_equal(b2a__vendor_check_input(&b2a__vendor_postgres, &in, "postgres:12", &err),
                     B2A_OK);
    assert_int_equal(b2a__vendor_check_input(&b2a__vendor_postgres, &in, "postgres:11", &err),
                     B2A_EUNSUPPORTED);
    in.archive_vmin = 12; /* pagila 9.4 */
    assert_int_equal(b2a__vendor_check_input(&b2a__vendor_postgres, &in, "postgres:10", &err),
                     B2A_OK);
    in.archive_vmin = 17; /* newer than we know */
    assert_int_equal(b2a__vendor_check_input(&b2a__vendor_postgres, &in, "postgres:17", &err),
                     B2A_EUNSUPPORTED);
    assert_int_equal(b2a__vendor_check_input(&b2a__vendor_postgres, &in, "postgres:18", &err),
                     B2A_OK);
    /* a tag that says nothing: let pg_restore decide */
    in.archive_vmin = 16;
    assert_int_equal(b2a__vendor_check_input(&b2a__vendor_postgres, &in, "postgres:latest", &err),
                     B2A_OK);
    /* plain SQL from PG 17 runs on 15 (unknown SETs are ignored) */
    b2a_vendor_input plain = {.path = "pagila-schema.sql", .format = B2A_FMT_PG_PLAIN};
    assert_int_equal(b2a__vendor_check_input(&b2a__vendor_postgres, &plain, "postgres:15", &err),
                     B2A_OK);
    b2a_vendor_input my = {.path = "sakila.sql", .format = B2A_FMT_MYSQLDUMP};
    assert_int_equal(b2a__vendor_check_input(&b2a__vendor_postgres, &my, NULL, &err),
                     B2A_EUNSUPPORTED);
    assert_non_null(strstr(err.msg, "sakila.sql: "));
    assert_int_equal(b2a__vendor_check_input(&b2a__vendor_mysql, &my, NULL, &err), B2A_OK);
    assert_int_equal(b2a__vendor_check_input(&b2a__vendor_mysql, &in, NULL, &err),
                     B2A_EUNSUPPORTED);
}

/* ---- plans ---- */

static void assert_no_secret_in_plan(const b2a_vendor_job *j, const b2a_vendor_plan *p)
{
    for (size_t i = 0; i < p->nsteps; i++) {
        const b2a_vendor_step *s = &p->steps[i];
        assert_null(strstr(s->label, j->password));
        for (size_t k = 0; k < s->cmd.argc; k++)
            assert_null(strstr(s->cmd.argv[k], j->password));
        for (size_t k = 0; k < s->probe.argc; k++)
            assert_null(strstr(s->probe.argv[k], j->password));
    }
    for (size_t k = 0; k < j->ncmd; k++)
        assert_null(strstr(j->cmd[k], j->password));
    for (size_t k = 0; k < j->nlabels; k++)
        assert_null(strstr(j->labels[k], j->password));
}

static void test_pg_plan_archives(void **state)
{
    (void)state;
    b2a_vendor_input in[] = {
        {.path = dump_path, .format = B2A_FMT_PG_CUSTOM, .size = 300, .archive_vmaj = 1,
         .archive_vmin = 14},
        {.path = dir_path, .format = B2A_FMT_PG_DIRECTORY, .is_dir = 1, .size = 100,
         .toc_items = 55},
        {.path = dump_path, .format = B2A_FMT_PG_TAR, .size = 100, .toc_items = 7},
    };
    b2a_vendor_job *j = new_job(&b2a__vendor_postgres, B2A_NETWORK_HOST, 5499, in, 3, 2,
                                B2A_VENDOR_BIND, "postgres:15");
    assert_string_equal(j->in_paths[1], "/backup/1/chinook_dir");
    b2a_vendor_plan p;
    assert_int_equal(b2a__vendor_plan(j, &p, NULL), B2A_OK);
    assert_int_equal(p.nsteps, 4);
    char pw[64];
    snprintf(pw, sizeof pw, "PGPASSWORD=%s", j->password);

    assert_int_equal(p.steps[0].kind, B2A_VENDOR_STEP_COUNT);
    assert_string_equal(p.steps[0].label, "pg_restore -l chinook.dump");
    ARGV(&p.steps[0].cmd, "pg_restore", "-l", "--no-owner", "--no-privileges",
         "/backup/0/chinook.dump");
    assert_int_equal(p.steps[0].cmd.nenv, 0);

    assert_int_equal(p.steps[1].kind, B2A_VENDOR_STEP_RESTORE);
    assert_string_equal(p.steps[1].label, "pg_restore chinook.dump");
    ARGV(&p.steps[1].cmd, "pg_restore", "--verbose", "--no-owner", "--no-privileges", "-h",
         "127.0.0.1", "-p", "5499", "-U", "postgres", "-d", "b2a", "--jobs", "2",
         "/backup/0/chinook.dump");
    assert_int_equal(p.steps[1].cmd.nenv, 1);
    assert_string_equal(p.steps[1].cmd.env[0], pw);
    assert_int_equal(p.steps[1].progress, B2A_VENDOR_PROGRESS_ITEMS);
    assert_int_equal(p.steps[1].total, 0); /* the count step fills it in */

    ARGV(&p.steps[2].cmd, "pg_restore", "--verbose", "--no-owner", "--no-privileges", "-h",
         "127.0.0.1", "-p", "5499", "-U", "postgres", "-d", "b2a", "--jobs", "2",
         "/backup/1/chinook_dir");
    assert_int_equal(p.steps[2].total, 55);
    /* tar cannot be restored in parallel */
    ARGV(&p.steps[3].cmd, "pg_restore", "--verbose", "--no-owner", "--no-privileges", "-h",
         "127.0.0.1", "-p", "5499", "-U", "postgres", "-d", "b2a", "/backup/2/chinook.dump");
    /* The percent is items; a read probe shows how much of the archive its
     * processes have read (never backwards, never past the file's 300 bytes). */
    assert_int_equal(p.steps[1].probe.argc, 4);
    assert_string_equal(p.steps[1].probe.argv[0], "sh");
    assert_string_equal(p.steps[1].probe.argv[3], "/backup/0/chinook.dump");
    assert_non_null(strstr(p.steps[1].probe.argv[2], "rchar"));
    assert_int_equal(p.steps[2].probe.argc, 0); /* a directory: its files are not the path */
    assert_int_equal(p.steps[3].probe.argc, 4);
    p.steps[1].total = 10;
    b2a_vendor_run r;
    b2a__vendor_run_init(&r, j, &p, 1);
    int pct = r.percent;
    assert_int_equal(b2a__vendor_run_probe_line(&r, "120", 3), 1);
    assert_int_equal(b2a__vendor_run_probe_line(&r, "250", 3), 1);
    assert_int_equal(b2a__vendor_run_probe_line(&r, "200", 3), 0); /* a worker ended */
    assert_int_equal(b2a__vendor_run_probe_line(&r, "junk", 4), 0);
    assert_int_equal(r.read_pos, 250);
    assert_int_equal(b2a__vendor_run_probe_line(&r, "4096", 4), 1);
    assert_int_equal(r.read_pos, 300);
    assert_int_equal(b2a__vendor_run_probe_line(&r, "5000", 4), 0);
    assert_int_equal(r.done, 0);
    assert_int_equal(r.percent, pct);
    /* progress shares by size: 301, 101, 101 of 503 */
    assert_int_equal(p.steps[0].pct_from, 0);
    assert_int_equal(p.steps[0].pct_to, 0);
    assert_int_equal(p.steps[1].pct_from, 0);
    assert_int_equal(p.steps[1].pct_to, 59);
    assert_int_equal(p.steps[2].pct_from, 59);
    assert_int_equal(p.steps[2].pct_to, 79);
    assert_int_equal(p.steps[3].pct_to, 100);
    assert_no_secret_in_plan(j, &p);
    b2a__vendor_plan_free(&p);
    b2a__vendor_job_free(j);
}

static void test_pg_plan_scripts(void **state)
{
    (void)state;
    b2a_vendor_input in[] = {
        {.path = sql_path, .format = B2A_FMT_PG_PLAIN, .size = 1000},
        {.path = sql_path, .format = B2A_FMT_PG_PLAIN, .gzip = 1, .size = 1000},
        {.path = sql_path, .format = B2A_FMT_PG_DUMPALL, .size = 1000},
    };
    b2a_vendor_job *j = new_job(&b2a__vendor_postgres, B2A_NETWORK_HOST, 5499, in, 3, 4,
                                B2A_VENDOR_BIND, NULL);
    b2a_vendor_plan p;
    assert_int_equal(b2a__vendor_plan(j, &p, NULL), B2A_OK);
    assert_int_equal(p.nsteps, 4);
    assert_string_equal(p.steps[0].label, "psql my data.sql");
    ARGV(&p.steps[0].cmd, "sh", "-c",
         SED_FILTER " < \"$0\" | "
         "'psql' '-X' '-q' '--output=/dev/null' '-h' '127.0.0.1' '-p' '5499' '-U' "
         "'postgres' '-d' 'b2a' '-f' '-'",
         "/backup/0/my data.sql");
    assert_int_equal(p.steps[0].progress, B2A_VENDOR_PROGRESS_BYTES);
    assert_int_equal(p.steps[0].total, 1000);
    assert_int_equal(p.steps[0].probe_ms, 1000);
    assert_int_equal(p.steps[0].probe.argc, 4);
    assert_string_equal(p.steps[0].probe.argv[0], "sh");
    assert_string_equal(p.steps[0].probe.argv[3], "/backup/0/my data.sql");
    ARGV(&p.steps[1].cmd, "sh", "-c",
         "{ gzip -dc < \"$0\" || echo \"b2a: error: gzip -d failed with status $?\" >&2; } | "
         SED_FILTER " | "
         "'psql' '-X' '-q' '--output=/dev/null' '-h' '127.0.0.1' '-p' '5499' '-U' "
         "'postgres' '-d' 'b2a' '-f' '-'",
         "/backup/1/my data.sql");
    /* pg_dumpall: over the socket, then the password is put back */
    ARGV(&p.steps[2].cmd, "sh", "-c",
         SED_FILTER " < \"$0\" | "
         "'psql' '-X' '-q' '--output=/dev/null' '-h' '/var/run/postgresql' '-p' '5499' "
         "'-U' 'postgres' '-d' 'b2a' '-f' '-'",
         "/backup/2/my data.sql");
    assert_string_equal(p.steps[3].label, "reset password");
    ARGV(&p.steps[3].cmd, "sh", "-c",
         "printf \"ALTER ROLE postgres PASSWORD '%s';\\n\" \"$B2A_PW\" | psql -X -q -v "
         "ON_ERROR_STOP=1 --output=/dev/null -h /var/run/postgresql -p 5499 -U postgres -d b2a "
         "-f -",
         "reset-password");
    char want[64];
    snprintf(want, sizeof want, "B2A_PW=%s", j->password);
    assert_string_equal(p.steps[3].cmd.env[0], want);
    assert_int_equal(p.steps[3].progress, B2A_VENDOR_PROGRESS_NONE);
    assert_no_secret_in_plan(j, &p);
    b2a__vendor_plan_free(&p);
    b2a__vendor_job_free(j);
}

static void test_my_plan(void **state)
{
    (void)state;
    b2a_vendor_input in[] = {
        {.path = sql_path, .format = B2A_FMT_MYSQL_SQL, .size = 100},
        {.path = sql_path, .format = B2A_FMT_MYSQLDUMP, .gzip = 1, .size = 300},
    };
    b2a_vendor_job *j = new_job(&b2a__vendor_mysql, B2A_NETWORK_HOST, 3399, in, 2, 0,
                                B2A_VENDOR_BIND, "bak2avro-test/mariadb:10.11");
    b2a_vendor_plan p;
    assert_int_equal(b2a__vendor_plan(j, &p, NULL), B2A_OK);
    assert_int_equal(p.nsteps, 2);
    assert_string_equal(p.steps[0].label, "mariadb < my data.sql");
    ARGV(&p.steps[0].cmd, "sh", "-c",
         "exec 'mariadb' '--protocol=TCP' '-h' '127.0.0.1' '-P' '3399' '-u' 'root' "
         "'--default-character-set=utf8mb4' '--max-allowed-packet=1073741824' 'b2a' < \"$0\"",
         "/backup/0/my data.sql");
    char want[64];
    snprintf(want, sizeof want, "MYSQL_PWD=%s", j->password);
    assert_int_equal(p.steps[0].cmd.nenv, 1);
    assert_string_equal(p.steps[0].cmd.env[0], want);
    assert_int_equal(p.steps[0].progress, B2A_VENDOR_PROGRESS_BYTES);
    assert_true(!strncmp(p.steps[1].cmd.argv[2], "{ gzip -dc < \"$0\"", 17));
    assert_int_equal(p.steps[0].pct_to, 25);
    assert_int_equal(p.steps[1].pct_from, 25);
    assert_int_equal(p.steps[1].pct_to, 100);
    assert_no_secret_in_plan(j, &p);
    b2a__vendor_plan_free(&p);
    b2a__vendor_job_free(j);
}

static void test_upload_delivery(void **state)
{
    (void)state;
    b2a_vendor_input in[] = {
        {.path = dump_path, .format = B2A_FMT_PG_CUSTOM, .toc_items = 3, .size = 5},
        {.path = dir_path, .format = B2A_FMT_PG_DIRECTORY, .is_dir = 1, .toc_items = 3},
    };
    b2a_vendor_job *j = new_job(&b2a__vendor_postgres, B2A_NETWORK_HOST, 5499, in, 2, 0,
                                B2A_VENDOR_UPLOAD, NULL);
    assert_int_equal(j->spec.nbinds, 0);
    assert_int_equal(j->nuploads, 3);
    assert_string_equal(j->uploads[0].host_path, dump_path);
    assert_string_equal(j->uploads[0].dir, "/backup/0");
    assert_string_equal(j->uploads[0].name, "chinook.dump");
    /* a directory archive goes file by file, in any order */
    int toc = 0, dat = 0;
    for (size_t i = 1; i < 3; i++) {
        assert_string_equal(j->uploads[i].dir, "/backup/1/chinook_dir");
        toc += !strcmp(j->uploads[i].name, "toc.dat");
        dat += !strcmp(j->uploads[i].name, "3422.dat.gz");
    }
    assert_int_equal(toc + dat, 2);
    b2a_vendor_plan p;
    assert_int_equal(b2a__vendor_plan(j, &p, NULL), B2A_OK);
    assert_int_equal(p.nsteps, 3);
    assert_int_equal(p.steps[0].kind, B2A_VENDOR_STEP_PREPARE);
    ARGV(&p.steps[0].cmd, "mkdir", "-p", "/backup/0", "/backup/1/chinook_dir");
    b2a__vendor_plan_free(&p);
    b2a__vendor_job_free(j);
}

/* ---- progress and errors from recorded output ---- */

static b2a_vendor_job *pg_job_for(b2a_format_id f, uint32_t toc, uint64_t size)
{
    b2a_vendor_input in = {.path = dump_path, .format = f, .toc_items = toc, .size = size};
    return new_job(&b2a__vendor_postgres, B2A_NETWORK_HOST, 5497, &in, 1, 2, B2A_VENDOR_BIND,
                   "bak2avro-test/postgres:15");
}

static void test_pg_restore_serial_progress(void **state)
{
    (void)state;
    /* count step (pg_restore -l) then the restore, as recorded */
    b2a_vendor_input in = {.path = dump_path, .format = B2A_FMT_PG_TAR, .size = 10};
    b2a_vendor_job *j = new_job(&b2a__vendor_postgres, B2A_NETWORK_HOST, 5497, &in, 1, 0,
                                B2A_VENDOR_BIND, NULL);
    b2a_vendor_plan p;
    assert_int_equal(b2a__vendor_plan(j, &p, NULL), B2A_OK);
    assert_int_equal(p.nsteps, 2);
    b2a_vendor_run r;
    b2a__vendor_run_init(&r, j, &p, 0);
    feed(&r, "pg_list_chinook_custom.txt", 1);
    assert_int_equal(r.counted, 55);
    assert_int_equal(b2a__vendor_run_finish(&r, &p, 0, 0, NULL), B2A_OK);
    assert_int_equal(p.steps[1].total, 55);

    b2a__vendor_run_init(&r, j, &p, 1);
    assert_int_equal(r.percent, 0);
    int changes = feed(&r, "pg_restore_chinook_custom.txt", 2);
    assert_int_equal(r.done, 55);
    assert_int_equal(r.percent, 99); /* 100 is for finish to say */
    assert_true(changes >= 50);
    assert_int_equal(r.errors, 0);
    assert_int_equal(b2a__vendor_run_finish(&r, &p, 1, 0, NULL), B2A_OK);
    assert_int_equal(r.percent, 100);
    b2a__vendor_plan_free(&p);
    b2a__vendor_job_free(j);
}

static void test_pg_restore_parallel_progress(void **state)
{
    (void)state;
    b2a_vendor_job *j = pg_job_for(B2A_FMT_PG_DIRECTORY, 55, 10);
    b2a_vendor_plan p;
    assert_int_equal(b2a__vendor_plan(j, &p, NULL), B2A_OK);
    b2a_vendor_run r;
    b2a__vendor_run_init(&r, j, &p, 0);
    /* interleaved worker lines ("pg_restore:pg_restore: finished item") included */
    feed(&r, "pg_restore_chinook_dir_j2.txt", 2);
    assert_int_equal(r.vstate, 1);
    assert_int_equal(r.done, 55);
    assert_int_equal(r.percent, 99);
    assert_int_equal(b2a__vendor_run_finish(&r, &p, 0, 0, NULL), B2A_OK);
    b2a__vendor_plan_free(&p);
    b2a__vendor_job_free(j);
}

static void test_pg_restore_harmless_errors(void **state)
{
    (void)state;
    /* pagila from 9.4: CREATE SCHEMA public fails, pg_restore exits 1 */
    b2a_vendor_job *j = pg_job_for(B2A_FMT_PG_CUSTOM, 0, 10);
    b2a_vendor_plan p;
    assert_int_equal(b2a__vendor_plan(j, &p, NULL), B2A_OK);
    assert_int_equal(p.nsteps, 2);
    b2a_vendor_run r;
    /* the list without ACLs counts exactly what --verbose reports */
    b2a__vendor_run_init(&r, j, &p, 0);
    feed(&r, "pg_list_pagila94_noacl.txt", 1);
    assert_int_equal(b2a__vendor_run_finish(&r, &p, 0, 0, NULL), B2A_OK);
    assert_int_equal(p.steps[1].total, 203);
    b2a__vendor_run_init(&r, j, &p, 1);
    feed(&r, "pg_restore_pagila94.txt", 2);
    assert_int_equal(r.done, 203);
    assert_int_equal(r.percent, 99);
    assert_int_equal(r.errors, 0);
    assert_int_equal(r.ignored, 1);
    assert_string_equal(r.first_ignored, "pg_restore: error: could not execute query: ERROR:  "
                                         "schema \"public\" already exists");
    assert_int_equal(b2a__vendor_run_finish(&r, &p, 1, 1, NULL), B2A_OK);
    assert_int_equal(r.percent, 100);
    b2a__vendor_plan_free(&p);
    b2a__vendor_job_free(j);
}

static void test_pg_restore_failure(void **state)
{
    (void)state;
    b2a_vendor_job *j = pg_job_for(B2A_FMT_PG_CUSTOM, 10, 10);
    b2a_vendor_plan p;
    assert_int_equal(b2a__vendor_plan(j, &p, NULL), B2A_OK);
    b2a_vendor_run r;
    b2a__vendor_run_init(&r, j, &p, 0);
    feed(&r, "pg_restore_missing.txt", 2);
    b2a_err err;
    b2a__err_clear(&err);
    assert_int_equal(b2a__vendor_run_finish(&r, &p, 0, 1, &err), B2A_ERESTORE);
    char want[PATH_MAX + 1024];
    snprintf(want, sizeof want,
             "%s: pg_restore chinook.dump reported 1 error (0 more ignored as harmless; exit 1); "
             "first: pg_restore: error: could not open input file "
             "\"/backup/0/nonexistent.dump\": No such file or directory",
             dump_path);
    assert_string_equal(err.msg, want);
    assert_int_equal(err.klass, B2A_ERRCLASS_RESTORE);

    /* a crash with no error line still fails, naming the last line */
    b2a__vendor_run_init(&r, j, &p, 0);
    b2a__vendor_run_line(&r, 2, "pg_restore: creating TABLE \"public.a\"", 37);
    assert_int_equal(b2a__vendor_run_finish(&r, &p, 0, 137, &err), B2A_ERESTORE);
    snprintf(want, sizeof want,
             "%s: pg_restore chinook.dump failed with exit code 137: pg_restore: creating TABLE "
             "\"public.a\"",
             dump_path);
    assert_string_equal(err.msg, want);

    /* a password in tool output never reaches a message */
    b2a__vendor_run_init(&r, j, &p, 0);
    char line[256];
    snprintf(line, sizeof line, "pg_restore: error: bad thing with %s inside", j->password);
    b2a__vendor_run_line(&r, 2, line, strlen(line));
    assert_int_equal(b2a__vendor_run_finish(&r, &p, 0, 1, &err), B2A_ERESTORE);
    assert_null(strstr(err.msg, j->password));
    assert_non_null(strstr(err.msg, "bad thing with ******** inside"));
    assert_null(strstr(r.last_line, j->password));
    b2a__vendor_plan_free(&p);
    b2a__vendor_job_free(j);
}

static void test_psql_transaction_timeout(void **state)
{
    (void)state;
    /* pagila-schema.sql from PG 17 on a 15 server: the SET fails, data stays */
    b2a_vendor_job *j = pg_job_for(B2A_FMT_PG_PLAIN, 0, 3032927);
    b2a_vendor_plan p;
    assert_int_equal(b2a__vendor_plan(j, &p, NULL), B2A_OK);
    b2a_vendor_run r;
    b2a__vendor_run_init(&r, j, &p, 0);
    feed(&r, "psql_pagila_schema.txt", 2);
    assert_int_equal(r.errors, 0);
    assert_int_equal(r.ignored, 1);
    assert_string_equal(r.first_ignored, "psql:<stdin>:11: ERROR:  unrecognized configuration "
                                         "parameter \"transaction_timeout\"");
    assert_int_equal(b2a__vendor_run_finish(&r, &p, 0, 0, NULL), B2A_OK);

    /* bytes progress from the probe recorded while pagila-data.sql loaded */
    b2a__vendor_run_init(&r, j, &p, 0);
    FILE *f = fopen(data_path("probe_pagila_data.txt"), "r");
    assert_non_null(f);
    char line[64];
    int last = 0, n = 0;
    while (fgets(line, sizeof line, f)) {
        b2a__vendor_run_probe_line(&r, line, strlen(line));
        assert_true(r.percent >= last);
        last = r.percent;
        n++;
    }
    fclose(f);
    assert_true(n >= 5);
    assert_int_equal(r.done, 2912256);
    assert_int_equal(r.percent, 96); /* 2912256 * 100 / 3032927 */
    assert_int_equal(b2a__vendor_run_probe_line(&r, "abc", 3), 0);
    assert_int_equal(b2a__vendor_run_probe_line(&r, "1000", 4), 0); /* never backwards */
    assert_int_equal(r.percent, 96);
    b2a__vendor_plan_free(&p);
    b2a__vendor_job_free(j);
}

static void test_psql_dumpall_failure(void **state)
{
    (void)state;
    b2a_vendor_job *j = pg_job_for(B2A_FMT_PG_DUMPALL, 0, 100);
    b2a_vendor_plan p;
    assert_int_equal(b2a__vendor_plan(j, &p, NULL), B2A_OK);
    b2a_vendor_run r;
    b2a__vendor_run_init(&r, j, &p, 0);
    feed(&r, "psql_dumpall.txt", 2);
    assert_int_equal(r.ignored, 1); /* role "postgres" already exists */
    assert_int_equal(r.errors, 1);
    b2a_err err;
    b2a__err_clear(&err);
    assert_int_equal(b2a__vendor_run_finish(&r, &p, 0, 2, &err), B2A_ERESTORE);
    assert_non_null(strstr(err.msg, "psql chinook.dump reported 1 error (1 more ignored"));
    assert_non_null(strstr(err.msg, "first: psql:<stdin>:32: error: \\connect: connection"));
    b2a__vendor_plan_free(&p);
    b2a__vendor_job_free(j);
}

static void test_mariadb_output(void **state)
{
    (void)state;
    b2a_vendor_input in = {.path = sql_path, .format = B2A_FMT_MYSQL_SQL, .size = 100};
    b2a_vendor_job *j = new_job(&b2a__vendor_mysql, B2A_NETWORK_HOST, 3497, &in, 1, 0,
                                B2A_VENDOR_BIND, "bak2avro-test/mariadb:10.11");
    b2a_vendor_plan p;
    assert_int_equal(b2a__vendor_plan(j, &p, NULL), B2A_OK);
    b2a_vendor_run r;
    /* sakila schema + data: silent success */
    b2a__vendor_run_init(&r, j, &p, 0);
    feed(&r, "mariadb_sakila_schema.txt", 2);
    feed(&r, "mariadb_sakila_data.txt", 2);
    assert_int_equal(r.errors, 0);
    assert_int_equal(b2a__vendor_run_finish(&r, &p, 0, 0, NULL), B2A_OK);
    assert_int_equal(r.percent, 100);
    /* the client stops at the first error */
    b2a__vendor_run_init(&r, j, &p, 0);
    feed(&r, "mariadb_bad.txt", 2);
    assert_int_equal(r.errors, 1);
    b2a_err err;
    b2a__err_clear(&err);
    assert_int_equal(b2a__vendor_run_finish(&r, &p, 0, 1, &err), B2A_ERESTORE);
    char want[PATH_MAX + 1024];
    snprintf(want, sizeof want,
             "%s: mariadb < my data.sql stopped at an error (exit 1): ERROR 1146 (42S02) at line "
             "3: Table 'b2a.nope' doesn't exist",
             sql_path);
    assert_string_equal(err.msg, want);
    /* gzip failure in the pipeline */
    b2a__vendor_run_init(&r, j, &p, 0);
    b2a__vendor_run_line(&r, 2, "gzip: stdin: unexpected end of file", 35);
    b2a__vendor_run_line(&r, 2, "b2a: error: gzip -d failed with status 1", 40);
    assert_int_equal(b2a__vendor_run_finish(&r, &p, 0, 0, &err), B2A_ERESTORE);
    assert_non_null(strstr(err.msg, "b2a: error: gzip -d failed with status 1"));
    b2a__vendor_plan_free(&p);
    b2a__vendor_job_free(j);
}

/* The count from the detect layer's TOC equals what pg_restore -l with the
 * restore's filters lists (recorded: chinook 55, pagila 203, dvdrental 140,
 * northwind 33), so archive progress needs no extra exec. */
static void test_pg_toc_items(void **state)
{
    (void)state;
    const char *samples = getenv("B2A_SAMPLES");
    struct stat st;
    if (!samples || stat(samples, &st) != 0)
        skip();
    static const struct {
        const char *rel;
        uint32_t want;
    } cases[] = {
        {"postgresql/chinook_pg15_custom.dump", 55},
        {"postgresql/chinook_pg15_custom_uncompressed.dump", 55},
        {"postgresql/chinook_pg15_tar.tar", 55},
        {"postgresql/chinook_pg15_directory", 55},
        {"postgresql/pagila_pg9.4_custom-format.backup", 203},
        {"postgresql/dvdrental_pg11_tar-format.tar", 140},
        {"postgresql/northwind_pg10_custom-format.backup", 33},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", samples, cases[i].rel);
        b2a_pgdump_info info;
        b2a_err err;
        b2a__err_clear(&err);
        int rc = b2a__pgdump_read(path, &info, &err);
        if (rc)
            fail_msg("%s: %s", path, err.msg);
        uint32_t got = b2a__vendor_pg_toc_items(&info);
        if (got != cases[i].want)
            print_error("%s: %u items, want %u\n", cases[i].rel, got, cases[i].want);
        assert_int_equal(got, cases[i].want);
        b2a__pgdump_free(&info);
    }
    assert_int_equal(b2a__vendor_pg_toc_items(NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_password),
        cmocka_unit_test(test_image_major),
        cmocka_unit_test(test_free_port),
        cmocka_unit_test(test_connstr_escape),
        cmocka_unit_test(test_redact),
        cmocka_unit_test(test_pg_spec_host),
        cmocka_unit_test(test_bind_follows_a_link),
        cmocka_unit_test(test_pg_spec_publish),
        cmocka_unit_test(test_my_spec_and_connstr),
        cmocka_unit_test(test_job_errors),
        cmocka_unit_test(test_check_input),
        cmocka_unit_test(test_pg_plan_archives),
        cmocka_unit_test(test_pg_plan_scripts),
        cmocka_unit_test(test_my_plan),
        cmocka_unit_test(test_upload_delivery),
        cmocka_unit_test(test_pg_restore_serial_progress),
        cmocka_unit_test(test_pg_restore_parallel_progress),
        cmocka_unit_test(test_pg_restore_harmless_errors),
        cmocka_unit_test(test_pg_restore_failure),
        cmocka_unit_test(test_psql_transaction_timeout),
        cmocka_unit_test(test_psql_dumpall_failure),
        cmocka_unit_test(test_mariadb_output),
        cmocka_unit_test(test_my_default_image_by_dump_header),
        cmocka_unit_test(test_my_comment_skipped),
        cmocka_unit_test(test_pg_toc_items),
    };
    return cmocka_run_group_tests(tests, setup_files, teardown_files);
}
