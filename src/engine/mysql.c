/* MySQL and MariaDB: official mariadb (or mysql) image contract, SQL
 * scripts (.sql, .sql.gz) through the image's own command-line client.
 *
 * Error policy: the client's default, stop at the first error. A MySQL
 * script that fails half-way leaves tables half-filled with nothing to say
 * which, so the step fails with the client's "ERROR nnnn at line N" and
 * the file name. The client itself handles DELIMITER, triggers, views and
 * procedures (Sakila has all of them). */
#include "engine/engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MY_USER "root"
#define MY_DB "b2a"

static int my_supports(b2a_format_id f)
{
    return f == B2A_FMT_MYSQLDUMP || f == B2A_FMT_MARIADB_DUMP || f == B2A_FMT_MYSQL_SQL;
}

static int my_check_input(const b2a_vendor_input *in, const char *image, b2a_err *err)
{
    (void)in;
    (void)image;
    (void)err;
    return B2A_OK; /* any recent client runs a script; errors are reported per line */
}

/* MySQL's own images (mysql:8, mysql/mysql-server) name their tools
 * mysql/mysqladmin and their variables MYSQL_*; everything else is MariaDB. */
static int is_mysql_image(const char *image)
{
    const char *slash = strrchr(image, '/');
    const char *name = slash ? slash + 1 : image;
    if (strstr(image, "mariadb"))
        return 0;
    return !strncmp(name, "mysql", 5) || strstr(image, "mysql/") != NULL;
}

static const char *client(const b2a_vendor_job *j)
{
    return j->mysql_flavour ? "mysql" : "mariadb";
}

static int my_setup(b2a_vendor_job *j, b2a_err *err)
{
    j->mysql_flavour = is_mysql_image(j->image);
    const char *pfx = j->mysql_flavour ? "MYSQL" : "MARIADB";
    j->user = strdup(MY_USER);
    j->dbname = strdup(MY_DB);
    if (!j->user || !j->dbname ||
        b2a__vendor_strv_pushf(&j->env, &j->nenv, "%s_ROOT_PASSWORD=%s", pfx, j->password) ||
        b2a__vendor_strv_pushf(&j->env, &j->nenv, "%s_DATABASE=%s", pfx, MY_DB))
        goto oom;
    /* Args starting with '-' go to the server. Host mode: our port, loopback
     * only (and MySQL's X plugin off, its port 33060 would clash). */
    if (j->network == B2A_NETWORK_HOST) {
        if (b2a__vendor_strv_pushf(&j->cmd, &j->ncmd, "--port=%d", j->server_port) ||
            b2a__vendor_strv_pushf(&j->cmd, &j->ncmd, "--bind-address=%s", j->listen))
            goto oom;
        if (j->mysql_flavour && b2a__vendor_strv_pushf(&j->cmd, &j->ncmd, "--mysqlx=OFF"))
            goto oom;
    }
    /* Throw-away database: speed over durability; dumps have big INSERTs. */
    if (b2a__vendor_strv_pushf(&j->cmd, &j->ncmd, "--innodb-flush-log-at-trx-commit=0") ||
        b2a__vendor_strv_pushf(&j->cmd, &j->ncmd, "--max-allowed-packet=1073741824"))
        goto oom;
    if (j->mysql_flavour && b2a__vendor_strv_pushf(&j->cmd, &j->ncmd, "--skip-log-bin"))
        goto oom;
    return B2A_OK;
oom:
    return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
}

static int push_client(b2a_vendor_cmd *c, const b2a_vendor_job *j)
{
    if (b2a__vendor_strv_pushf(&c->argv, &c->argc, "%s", client(j)) ||
        b2a__vendor_strv_pushf(&c->argv, &c->argc, "--protocol=TCP") ||
        b2a__vendor_strv_pushf(&c->argv, &c->argc, "-h") ||
        b2a__vendor_strv_pushf(&c->argv, &c->argc, "127.0.0.1") ||
        b2a__vendor_strv_pushf(&c->argv, &c->argc, "-P") ||
        b2a__vendor_strv_pushf(&c->argv, &c->argc, "%d", j->server_port) ||
        b2a__vendor_strv_pushf(&c->argv, &c->argc, "-u") ||
        b2a__vendor_strv_pushf(&c->argv, &c->argc, "%s", j->user))
        return B2A_ENOMEM;
    return B2A_OK;
}

static int my_probe(const b2a_vendor_job *j, b2a_vendor_probe *out, b2a_err *err)
{
    /* A real query, not "admin ping": ping says "alive" even when our
     * password is refused. The entrypoint's setup server has no TCP. */
    out->tries = 240;
    out->delay_ms = 500;
    if (push_client(&out->cmd, j) ||
        b2a__vendor_strv_pushf(&out->cmd.argv, &out->cmd.argc, "-N") ||
        b2a__vendor_strv_pushf(&out->cmd.argv, &out->cmd.argc, "-e") ||
        b2a__vendor_strv_pushf(&out->cmd.argv, &out->cmd.argc, "SELECT 1") ||
        b2a__vendor_strv_pushf(&out->cmd.argv, &out->cmd.argc, "%s", j->dbname) ||
        b2a__vendor_strv_pushf(&out->cmd.env, &out->cmd.nenv, "MYSQL_PWD=%s", j->password))
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    return B2A_OK;
}

static int my_connstr(const b2a_vendor_job *j, const char *dbname, char **out, b2a_err *err)
{
    char port[16];
    snprintf(port, sizeof port, "%d", j->host_port);
    /* NO_CACHE=1 with FORWARDONLY=1 asks newer Connector/ODBC to stream
     * rows; Debian 12's 3.1.15 ignores both (measured), so the cursor reads
     * every table in keyset pages instead (odbc/cursor.c).
     * NO_PROMPT: never open a dialog. */
    const char *kv[][2] = {
        {"Server", "127.0.0.1"}, {"Port", port}, {"Database", dbname}, {"UID", j->user},
        {"PWD", j->password}, {"NO_CACHE", "1"}, {"FORWARDONLY", "1"},
        {"CHARSET", "utf8mb4"}, {"NO_PROMPT", "1"},
    };
    char *s = strdup("Driver={MariaDB Unicode};");
    size_t len = s ? strlen(s) : 0;
    int rc = s ? B2A_OK : B2A_ENOMEM;
    for (size_t i = 0; rc == B2A_OK && i < sizeof kv / sizeof *kv; i++)
        rc = b2a__vendor_connstr_add(&s, &len, kv[i][0], kv[i][1]);
    if (rc) {
        free(s);
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    }
    *out = s;
    return B2A_OK;
}

static int my_plan(const b2a_vendor_job *j, b2a_vendor_plan *p, b2a_err *err)
{
    for (size_t i = 0; i < j->ninputs; i++) {
        const b2a_vendor_input *in = &j->inputs[i];
        if (!my_supports(in->format))
            return b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_USAGE,
                                "%s: not a MySQL/MariaDB SQL script", in->path);
        b2a_vendor_step *s = b2a__vendor_plan_add(p);
        b2a_vendor_cmd tool = {0};
        int rc = B2A_ENOMEM;
        if (!s)
            goto oom;
        s->kind = B2A_VENDOR_STEP_RESTORE;
        s->input = i;
        s->total = in->size;
        /* the script picks its database with USE; ours is the fallback */
        if (asprintf(&s->label, "%s < %s", client(j), b2a__vendor_basename(in->path)) < 0) {
            s->label = NULL;
            goto oom;
        }
        if (!push_client(&tool, j) &&
            !b2a__vendor_strv_pushf(&tool.argv, &tool.argc, "--default-character-set=utf8mb4") &&
            !b2a__vendor_strv_pushf(&tool.argv, &tool.argc, "--max-allowed-packet=1073741824") &&
            !b2a__vendor_strv_pushf(&tool.argv, &tool.argc, "%s", j->dbname) &&
            !b2a__vendor_stdin_pipeline(&s->cmd, tool.argv, tool.argc, in->gzip, NULL,
                                        j->in_paths[i]) &&
            !b2a__vendor_strv_pushf(&s->cmd.env, &s->cmd.nenv, "MYSQL_PWD=%s", j->password) &&
            !b2a__vendor_bytes_probe(s, j->in_paths[i]))
            rc = B2A_OK;
        b2a__vendor_cmd_free(&tool);
        if (rc)
            goto oom;
    }
    return B2A_OK;
oom:
    return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
}

static int starts(const char *s, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && !memcmp(s, prefix, n);
}

static void my_line(b2a_vendor_run *r, int stream, const char *line, size_t len)
{
    /* "ERROR 1146 (42S02) at line 3: Table 'b2a.nope' doesn't exist", and
     * client-side failures ("mariadb: unknown option", gzip via the pipeline) */
    if (!line || !len)
        return;
    int err = starts(line, len, "ERROR ") || starts(line, len, "b2a: error:") ||
              (stream == 2 && (starts(line, len, "mysql:") || starts(line, len, "mariadb:")) &&
               !memmem(line, len, "[Warning]", 9) && !memmem(line, len, "Deprecated", 10));
    if (!err || r->errors++)
        return;
    char tmp[512];
    size_t n = len < sizeof tmp - 1 ? len : sizeof tmp - 1;
    memcpy(tmp, line, n);
    tmp[n] = '\0';
    b2a__vendor_redact(r->job, tmp, r->first_error, sizeof r->first_error);
}

static int my_finish(b2a_vendor_run *r, int exit_code, b2a_err *err)
{
    const char *path = r->job->inputs[r->step->input].path;
    if (r->errors)
        return b2a__err_set(err, B2A_ERESTORE, B2A_ERRCLASS_RESTORE,
                            "%s: %s stopped at an error (exit %d): %s", path, r->step->label,
                            exit_code, r->first_error);
    if (exit_code != 0)
        return b2a__err_set(err, B2A_ERESTORE, B2A_ERRCLASS_RESTORE,
                            "%s: %s failed with exit code %d: %s", path, r->step->label,
                            exit_code, r->last_line[0] ? r->last_line : "no output");
    return B2A_OK;
}

/* The official image for the dump's own server: the header tells a
 * mysqldump ("-- MySQL dump 10.13  Distrib 8.0.19") from a MariaDB dump
 * ("-- MariaDB dump", or an older mysqldump "Distrib 10.3.22-MariaDB", which
 * detection files as a MariaDB dump). MySQL-only syntax in a MySQL dump
 * (version comments {!50700} to {!99999}, see detect/mysqlddl.h) is skipped
 * by MariaDB. Anything else (a MariaDB dump, a script without a header)
 * gets NULL: default_image, MariaDB's. */
static const char *my_image_for(const b2a_vendor_input *in, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (in[i].format == B2A_FMT_MYSQLDUMP || in[i].format == B2A_FMT_MARIADB_DUMP)
            return in[i].format == B2A_FMT_MYSQLDUMP ? "mysql:8.0" : NULL;
    return NULL;
}

/* "10.11.6-MariaDB-0+deb12u1" -> 101106; "8.0.36" -> 80036; 0 when unreadable. */
static uint32_t version_num(const char *v)
{
    unsigned a = 0, b = 0, c = 0;
    if (!v || sscanf(v, "%u.%u.%u", &a, &b, &c) < 2 || a > 99 || b > 99 || c > 99)
        return 0;
    return a * 10000 + b * 100 + c;
}

/* "MariaDB 10.11.6" or "MySQL 8.0.36" from a VERSION() string. */
static void server_name(const char *v, char *out, size_t n)
{
    size_t len = strcspn(v ? v : "", "-");
    snprintf(out, n, "%s %.*s", v && strstr(v, "MariaDB") ? "MariaDB" : "MySQL", (int)len,
             v ? v : "");
}

int b2a__mysql_comment_skipped(uint32_t version, int mariadb_only, const char *server_version,
                               char *why, size_t n)
{
    int maria = server_version && strstr(server_version, "MariaDB") != NULL;
    uint32_t have = version_num(server_version);
    char name[80];
    server_name(server_version, name, sizeof name);
    if (mariadb_only && !maria) {
        snprintf(why, n, "declared in a /*M!%u */ comment, which only MariaDB runs (the server is %s)",
                 version, name);
        return 1;
    }
    if (mariadb_only) {
        if (version && have && have < version) {
            snprintf(why, n, "declared in a /*M!%u */ comment, which %s skips (it needs MariaDB %u.%u.%u)",
                     version, name, version / 10000, version / 100 % 100, version % 100);
            return 1;
        }
        return 0;
    }
    if (!version)
        return 0;
    /* MariaDB treats {!50700} to {!99999} as plain comments: MySQL 5.7 and
     * later syntax it has not taken over (MariaDB's "Comment Syntax" page). */
    if (maria && version >= 50700 && version <= 99999) {
        snprintf(why, n, "declared in a /*!%u */ version comment, which %s skips (MariaDB ignores "
                         "/*!50700 */ to /*!99999 */: MySQL 5.7 and later syntax)",
                 version, name);
        return 1;
    }
    if (have && have < version) {
        snprintf(why, n, "declared in a /*!%u */ version comment, which %s skips (it needs %u.%u.%u)",
                 version, name, version / 10000, version / 100 % 100, version % 100);
        return 1;
    }
    return 0;
}

const b2a_vendor b2a__vendor_mysql = {
    .name = "mysql",
    .id = B2A_VENDOR_MYSQL,
    .default_image = "mariadb:11",
    .default_port = 3306,
    .odbc_driver = "MariaDB Unicode",
    .supports = my_supports,
    .check_input = my_check_input,
    .setup = my_setup,
    .probe = my_probe,
    .connstr = my_connstr,
    .plan = my_plan,
    .line = my_line,
    .finish = my_finish,
    .image_for = my_image_for,
};
