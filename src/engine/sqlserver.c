/* SQL Server: Microsoft's mssql/server image, RESTORE through sqlcmd, for
 * the backups the direct reader cannot serve (differential and log chains,
 * ROW/PAGE compression, TDE-free backups it does not decode yet).
 *
 * Contract taken from Microsoft's documentation, not from a live server
 * (none can run where this was written; see doc/sqlserver-container.md):
 * - the container starts only with ACCEPT_EULA set, which we set only when
 *   the user accepted the licence explicitly (--accept-eula);
 * - MSSQL_SA_PASSWORD (policy: 8+ characters from three of upper, lower,
 *   digits, symbols; ours has upper, lower and digits, 24 long),
 *   MSSQL_PID (edition), MSSQL_TCP_PORT and MSSQL_IP_ADDRESS;
 * - sqlcmd in /opt/mssql-tools18/bin (needs -C to trust the self-signed
 *   certificate) or /opt/mssql-tools/bin in older images; it reads the
 *   password from SQLCMDPASSWORD, so it is in no argv;
 * - RESTORE ... WITH STATS = 1 prints "N percent processed." lines;
 *   errors print "Msg N, Level L, State S, Server X, Line 1" then the text.
 *
 * Error policy: every message of severity 11 or more fails the step with
 * SQL Server's own text (RESTORE has no harmless errors to skip). */
#include "engine/engine.h"
#include "engine/sqlserver_tsql.h"
#include "odbc/odbc.h"
#include "reader/mssql/header.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The free edition for non-production use; the user accepted its licence. */
#define MSSQL_PID "Developer"

/* sqlcmd, wherever the image keeps it; "$@" are our arguments. */
#define SQLCMD_WRAPPER                                                                        \
    "if [ -x /opt/mssql-tools18/bin/sqlcmd ]; then exec /opt/mssql-tools18/bin/sqlcmd -C \"$@\"; fi; " \
    "if [ -x /opt/mssql-tools/bin/sqlcmd ]; then exec /opt/mssql-tools/bin/sqlcmd \"$@\"; fi; " \
    "echo \"b2a: error: this image has no sqlcmd in /opt/mssql-tools18/bin or /opt/mssql-tools/bin\" >&2; " \
    "exit 127"

/* Readiness: logins work and tempdb (which RESTORE needs) is online. */
#define PROBE_SQL                                                                             \
    "SET NOCOUNT ON; IF CONVERT(nvarchar(60), DATABASEPROPERTYEX(N'tempdb', 'Status')) <> N'ONLINE' " \
    "RAISERROR(N'tempdb is not online yet', 16, 1)"

static int ss_supports(b2a_format_id f)
{
    return f == B2A_FMT_MSSQL_MTF || f == B2A_FMT_MSSQL_COMPRESSED;
}

/* One file on its own: what can be said without the other inputs (a lone
 * stripe is judged with the whole set, by b2a__sqlserver_check_inputs). */
static int ss_check_input(const b2a_vendor_input *in, const char *image, b2a_err *err)
{
    if (in->gzip)
        return b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_USAGE,
                            "%s: SQL Server's RESTORE cannot read a gzip'd backup; decompress it "
                            "first (gzip -dk)", in->path);
    if (in->is_dir)
        return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "%s: a directory, not a backup file",
                            in->path);
    b2a_mssql_chain c;
    b2a_err e;
    b2a__err_clear(&e);
    int rc = b2a__sqlserver_chain_read(in, 1, image, &c, &e);
    b2a__sqlserver_chain_free(&c);
    /* alone, a differential, a log or one stripe is incomplete, not wrong */
    if (rc == B2A_OK || strstr(e.msg, " is stripe ") || strstr(e.msg, "on top of its full backup"))
        return B2A_OK;
    b2a__err_copy(err, &e);
    return rc;
}

static int ss_setup(b2a_vendor_job *j, b2a_err *err)
{
    /* the licence first: nothing else matters if the server may not run */
    b2a_mssql_chain c;
    if (!j->accept_eula)
        return b2a__sqlserver_check_inputs(j->inputs, j->ninputs, j->image, 0, err);
    int rc = b2a__sqlserver_chain_read(j->inputs, j->ninputs, j->image, &c, err);
    if (rc != B2A_OK)
        return rc;
    j->user = strdup(B2A_MSSQL_USER);
    j->dbname = strdup(c.database);
    b2a__sqlserver_chain_free(&c);
    if (!j->user || !j->dbname ||
        b2a__vendor_strv_pushf(&j->env, &j->nenv, "ACCEPT_EULA=Y") ||
        b2a__vendor_strv_pushf(&j->env, &j->nenv, "MSSQL_SA_PASSWORD=%s", j->password) ||
        b2a__vendor_strv_pushf(&j->env, &j->nenv, "MSSQL_PID=%s", MSSQL_PID))
        goto oom;
    /* Host network: our free port, and the server told to take 127.0.0.1
     * only (MSSQL_IP_ADDRESS, documented as "the IP address", IPv4 only).
     * Publish mode: the default 1433 inside; the engine binds 127.0.0.1. */
    if (j->network == B2A_NETWORK_HOST &&
        (b2a__vendor_strv_pushf(&j->env, &j->nenv, "MSSQL_TCP_PORT=%d", j->server_port) ||
         b2a__vendor_strv_pushf(&j->env, &j->nenv, "MSSQL_IP_ADDRESS=%s", j->listen)))
        goto oom;
    return B2A_OK;
oom:
    return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
}

/* sh -c WRAPPER sqlcmd -S ... -Q SQL, the password in SQLCMDPASSWORD. */
static int sqlcmd_cmd(b2a_vendor_cmd *c, const b2a_vendor_job *j, int login_timeout_s,
                      const char *sql)
{
    char server[64], lt[16];
    snprintf(server, sizeof server, "127.0.0.1,%d", j->server_port);
    snprintf(lt, sizeof lt, "%d", login_timeout_s);
    /* -b: exit 1 on an error; -x: no $(var) substitution in our names;
     * -h -1: no headers */
    const char *argv[] = {"sh", "-c", SQLCMD_WRAPPER, "sqlcmd", "-S", server, "-U", j->user,
                          "-d", "master", "-b", "-x", "-h", "-1", "-l", lt, "-Q", sql};
    for (size_t i = 0; i < sizeof argv / sizeof *argv; i++)
        if (b2a__vendor_strv_pushf(&c->argv, &c->argc, "%s", argv[i]))
            return B2A_ENOMEM;
    return b2a__vendor_strv_pushf(&c->env, &c->nenv, "SQLCMDPASSWORD=%s", j->password);
}

static int ss_probe(const b2a_vendor_job *j, b2a_vendor_probe *out, b2a_err *err)
{
    /* A first start sets up the system databases: allow three minutes. */
    out->tries = 180;
    out->delay_ms = 1000;
    if (sqlcmd_cmd(&out->cmd, j, 5, PROBE_SQL))
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    return B2A_OK;
}

static int ss_connstr(const b2a_vendor_job *j, const char *dbname, char **out, b2a_err *err)
{
    char driver[128];
    if (b2a__odbc_sqlserver_driver(driver, sizeof driver) != B2A_OK)
        return b2a__err_set(err, B2A_ENOTFOUND, B2A_ERRCLASS_ODBC,
                            "no ODBC driver for SQL Server is installed: install Debian's tdsodbc "
                            "(FreeTDS) or Microsoft's msodbcsql18");
    if (b2a__sqlserver_connstr_for(driver, "127.0.0.1", j->host_port, j->user, j->password, dbname,
                                   out))
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    return B2A_OK;
}

static int ss_plan(const b2a_vendor_job *j, b2a_vendor_plan *p, b2a_err *err)
{
    b2a_mssql_chain c;
    int rc = b2a__sqlserver_chain_read(j->inputs, j->ninputs, j->image, &c, err);
    if (rc != B2A_OK)
        return rc;
    for (size_t i = 0; i < c.nsets && rc == B2A_OK; i++) {
        const b2a_mssql_set *s = &c.sets[i];
        char *sql = b2a__sqlserver_restore_sql(&c, i, j->in_paths);
        b2a_vendor_step *st = sql ? b2a__vendor_plan_add(p) : NULL;
        rc = B2A_ENOMEM;
        if (!st) {
            free(sql);
            break;
        }
        st->kind = B2A_VENDOR_STEP_RESTORE;
        st->input = s->inputs[0];
        /* STATS = 1: "N percent processed." lines, N of 100 */
        st->progress = B2A_VENDOR_PROGRESS_ITEMS;
        st->total = 100;
        if (asprintf(&st->label, "RESTORE %s %s%s", s->backup_type == B2A_BAK_TYPE_LOG ? "LOG" : "DATABASE",
                     b2a__vendor_basename(j->inputs[s->inputs[0]].path),
                     s->ninputs > 1 ? " (striped)" : "") < 0)
            st->label = NULL;
        if (st->label && sqlcmd_cmd(&st->cmd, j, 30, sql) == B2A_OK)
            rc = B2A_OK;
        free(sql);
    }
    b2a__sqlserver_chain_free(&c);
    if (rc == B2A_ENOMEM)
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    return rc;
}

/* ---- output ---- */

/* vstate: 1 when the next line is the text of the first error, 2 of a later one */
static void note_text(b2a_vendor_run *r, const char *line, size_t len)
{
    size_t used = strlen(r->first_error);
    char tmp[sizeof r->first_error];
    size_t n = len < sizeof tmp - 1 - used ? len : sizeof tmp - 1 - used;
    memcpy(tmp, r->first_error, used);
    memcpy(tmp + used, line, n);
    tmp[used + n] = '\0';
    b2a__vendor_redact(r->job, tmp, r->first_error, sizeof r->first_error);
}

static void ss_line(b2a_vendor_run *r, int stream, const char *line, size_t len)
{
    (void)stream;
    int pct = b2a__sqlserver_line_percent(line, len);
    if (pct >= 0) {
        if ((uint64_t)pct > r->done)
            r->done = (uint64_t)pct;
        r->vstate = 0;
        return;
    }
    long num;
    int level;
    if (b2a__sqlserver_line_msg(line, len, &num, &level)) {
        r->vstate = 0;
        if (level >= 11) {
            if (!r->errors++) {
                snprintf(r->first_error, sizeof r->first_error, "Msg %ld, Level %d: ", num, level);
                r->vstate = 1;
            } else {
                r->vstate = 2;
            }
        }
        return;
    }
    if (r->vstate == 1) {
        note_text(r, line, len);
        r->vstate = 0;
        return;
    }
    r->vstate = 0;
    /* sqlcmd's own failures (login, driver) and our wrapper's */
    if ((len >= 14 && !memcmp(line, "Sqlcmd: Error:", 14)) || (len >= 11 && !memcmp(line, "b2a: error:", 11))) {
        if (!r->errors++)
            note_text(r, line, len);
    }
}

static int ss_finish(b2a_vendor_run *r, int exit_code, b2a_err *err)
{
    const char *path = r->job->inputs[r->step->input].path;
    if (r->errors) {
        /* Operating system error 5: the server (uid 10001, mssql) may not read the file */
        const char *hint = strstr(r->first_error, "Operating system error 5(")
                               ? "; the server runs as user mssql (uid 10001) in the container: make "
                                 "the backup readable by others (chmod o+r) and its directory searchable"
                               : "";
        return b2a__err_set(err, B2A_ERESTORE, B2A_ERRCLASS_RESTORE,
                            "%s: %s failed: %s (%u error message%s, sqlcmd exit %d)%s", path,
                            r->step->label, r->first_error, r->errors, r->errors == 1 ? "" : "s",
                            exit_code, hint);
    }
    if (exit_code != 0)
        return b2a__err_set(err, B2A_ERESTORE, B2A_ERRCLASS_RESTORE,
                            "%s: %s failed with exit code %d: %s", path, r->step->label, exit_code,
                            r->last_line[0] ? r->last_line : "no output");
    return B2A_OK;
}

const b2a_vendor b2a__vendor_sqlserver = {
    .name = "sqlserver",
    .id = B2A_VENDOR_SQLSERVER,
    .default_image = "mcr.microsoft.com/mssql/server:2022-latest",
    .default_port = 1433,
    .odbc_driver = "ODBC Driver 18 for SQL Server",
    .supports = ss_supports,
    .check_input = ss_check_input,
    .setup = ss_setup,
    .probe = ss_probe,
    .connstr = ss_connstr,
    .plan = ss_plan,
    .line = ss_line,
    .finish = ss_finish,
};
