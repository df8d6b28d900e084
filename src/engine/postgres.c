/* PostgreSQL: official postgres image contract, pg_restore for archives,
 * psql for plain SQL.
 *
 * Error policy (decided for issue "PG17 SET transaction_timeout on a 15
 * server"): a user wants the data, so restores run to the end rather than
 * stop at the first error (no --exit-on-error, no ON_ERROR_STOP), and every
 * error line is judged. Errors that cannot cost data are counted as ignored:
 * unknown SET parameters from a newer pg_dump, objects that already exist
 * (schema public, plpgsql, the postgres role of a pg_dumpall), missing roles,
 * ownership, and psql's \restrict lines. Any other error fails the step with
 * the first such error and the counts. --no-owner --no-privileges keep role
 * errors from happening at all in the common case. */
#include "engine/engine.h"

#include "detect/pgdump.h"
#include "util/str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PG_USER "postgres"
#define PG_DB "b2a"
#define PG_SOCKET_DIR "/var/run/postgresql"

/* CREATE DATABASE in pg_dumpall and pg_dump -C scripts names the dumping
 * system's locale ("English_United States.1252" from Windows), which this
 * server may not have: the database would not be created and its data would
 * go nowhere. Only those clauses of CREATE DATABASE lines are dropped, so
 * the server default (C.UTF-8 or en_US.utf8) applies. */
#define LOCALE_FILTER                                                                     \
    "sed -E -e \"/^CREATE DATABASE /s/ (LOCALE|LC_COLLATE|LC_CTYPE|ICU_LOCALE|ICU_RULES) "    \
    "= '[^']*'//g\" -e \"/^CREATE DATABASE /s/ LOCALE_PROVIDER = '?[a-z]+'?//g\""

/* Newest archive minor this table knows (1.16 = PostgreSQL 17). */
#define PG_ARCHIVE_NEWEST 16

static int pg_supports(b2a_format_id f)
{
    return f == B2A_FMT_PG_CUSTOM || f == B2A_FMT_PG_TAR || f == B2A_FMT_PG_DIRECTORY ||
           f == B2A_FMT_PG_PLAIN || f == B2A_FMT_PG_DUMPALL;
}

/* Oldest PostgreSQL major whose pg_restore reads archive 1.<vmin>
 * (pg_backup_archiver.h K_VERS_*): up to 1.13 every supported release
 * (1.13 came with the 2018-03 minors of 9.3..10), 1.14 = 12, 1.15 = 16,
 * 1.16 = 17. -1 for a version newer than this table. */
static int archive_min_major(int vmaj, int vmin)
{
    if (vmaj != 1)
        return vmaj < 1 ? 9 : -1;
    if (vmin <= 13)
        return 9;
    if (vmin == 14)
        return 12;
    if (vmin == 15)
        return 16;
    if (vmin == 16)
        return 17;
    return -1;
}

/* "repo/postgres:15-alpine" -> "repo/postgres" + ":" + major */
static void suggest_image(const char *image, int major, char *out, size_t outlen)
{
    const char *slash = strrchr(image, '/');
    const char *colon = strrchr(slash ? slash : image, ':');
    size_t n = colon ? (size_t)(colon - image) : strlen(image);
    snprintf(out, outlen, "%.*s:%d", (int)n, image, major);
}

static int pg_check_input(const b2a_vendor_input *in, const char *image, b2a_err *err)
{
    if (in->format == B2A_FMT_PG_PLAIN || in->format == B2A_FMT_PG_DUMPALL)
        return B2A_OK; /* psql of any version runs the script; see the error policy */
    if (!in->archive_vmaj)
        return B2A_OK; /* version unknown: pg_restore will say */
    int need = archive_min_major(in->archive_vmaj, in->archive_vmin);
    int have = b2a__vendor_image_major(image);
    if (need < 0) {
        if (have > 0 && have <= 17)
            return b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_RESTORE,
                                "%s: archive format %d.%d is newer than PostgreSQL 17's pg_restore "
                                "reads; image %s has %d; use --image with a newer PostgreSQL",
                                in->path, in->archive_vmaj, in->archive_vmin, image, have);
        return B2A_OK;
    }
    if (have > 0 && have < need) {
        char sug[256];
        suggest_image(image, need, sug, sizeof sug);
        return b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_RESTORE,
                            "%s: archive format %d.%d needs pg_restore from PostgreSQL %d or "
                            "later; image %s has %d; use --image %s",
                            in->path, in->archive_vmaj, in->archive_vmin, need, image, have, sug);
    }
    return B2A_OK;
}

static int pg_setup(b2a_vendor_job *j, b2a_err *err)
{
    j->user = strdup(PG_USER);
    j->dbname = strdup(PG_DB);
    if (!j->user || !j->dbname ||
        b2a__vendor_strv_pushf(&j->env, &j->nenv, "POSTGRES_PASSWORD=%s", j->password) ||
        b2a__vendor_strv_pushf(&j->env, &j->nenv, "POSTGRES_USER=%s", PG_USER) ||
        b2a__vendor_strv_pushf(&j->env, &j->nenv, "POSTGRES_DB=%s", PG_DB))
        goto oom;
    /* Args starting with '-' go to postgres. In host mode they choose the
     * port and keep the server on loopback. The database is thrown away
     * after the export, so durability is traded for restore speed. */
    if (j->network == B2A_NETWORK_HOST &&
        (b2a__vendor_strv_pushf(&j->cmd, &j->ncmd, "-p") ||
         b2a__vendor_strv_pushf(&j->cmd, &j->ncmd, "%d", j->server_port) ||
         b2a__vendor_strv_pushf(&j->cmd, &j->ncmd, "-c") ||
         b2a__vendor_strv_pushf(&j->cmd, &j->ncmd, "listen_addresses=%s", j->listen)))
        goto oom;
    static const char *const fast[] = {"fsync=off", "synchronous_commit=off",
                                       "full_page_writes=off"};
    for (size_t i = 0; i < sizeof fast / sizeof *fast; i++)
        if (b2a__vendor_strv_pushf(&j->cmd, &j->ncmd, "-c") ||
            b2a__vendor_strv_pushf(&j->cmd, &j->ncmd, "%s", fast[i]))
            goto oom;
    return B2A_OK;
oom:
    return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
}

static int pg_probe(const b2a_vendor_job *j, b2a_vendor_probe *out, b2a_err *err)
{
    /* The entrypoint's setup server listens on the socket only, so TCP
     * answering means the real server is up. */
    out->tries = 240;
    out->delay_ms = 500;
    char port[16];
    snprintf(port, sizeof port, "%d", j->server_port);
    const char *argv[] = {"pg_isready", "-h", "127.0.0.1", "-p", port, "-U", j->user, "-d",
                          j->dbname};
    for (size_t i = 0; i < sizeof argv / sizeof *argv; i++)
        if (b2a__vendor_strv_pushf(&out->cmd.argv, &out->cmd.argc, "%s", argv[i]))
            return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    return B2A_OK;
}

static int pg_connstr(const b2a_vendor_job *j, const char *dbname, char **out, b2a_err *err)
{
    char *s = NULL;
    size_t len = 0;
    char port[16];
    snprintf(port, sizeof port, "%d", j->host_port);
    /* UseDeclareFetch+Fetch: a cursor fetched 10000 rows at a time instead
     * of the whole result in memory. BoolsAsChar=0: booleans as SQL_BIT.
     * ByteaAsLongVarBinary=1: bytea as binary, not escaped text. */
    const char *kv[][2] = {
        {"Server", "127.0.0.1"}, {"Port", port}, {"Database", dbname}, {"UID", j->user},
        {"PWD", j->password}, {"UseDeclareFetch", "1"}, {"Fetch", "10000"},
        {"BoolsAsChar", "0"}, {"ByteaAsLongVarBinary", "1"}, {"sslmode", "disable"},
    };
    int rc = (s = strdup("Driver={PostgreSQL Unicode};")) ? B2A_OK : B2A_ENOMEM;
    len = s ? strlen(s) : 0;
    for (size_t i = 0; rc == B2A_OK && i < sizeof kv / sizeof *kv; i++)
        rc = b2a__vendor_connstr_add(&s, &len, kv[i][0], kv[i][1]);
    if (rc) {
        free(s);
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    }
    *out = s;
    return B2A_OK;
}

static int push_conn_args(b2a_vendor_cmd *c, const b2a_vendor_job *j, int via_socket)
{
    char port[16];
    snprintf(port, sizeof port, "%d", j->server_port);
    if (b2a__vendor_strv_pushf(&c->argv, &c->argc, "-h") ||
        b2a__vendor_strv_pushf(&c->argv, &c->argc, "%s", via_socket ? PG_SOCKET_DIR : "127.0.0.1") ||
        b2a__vendor_strv_pushf(&c->argv, &c->argc, "-p") ||
        b2a__vendor_strv_pushf(&c->argv, &c->argc, "%s", port) ||
        b2a__vendor_strv_pushf(&c->argv, &c->argc, "-U") ||
        b2a__vendor_strv_pushf(&c->argv, &c->argc, "%s", j->user) ||
        b2a__vendor_strv_pushf(&c->argv, &c->argc, "-d") ||
        b2a__vendor_strv_pushf(&c->argv, &c->argc, "%s", j->dbname))
        return B2A_ENOMEM;
    return B2A_OK;
}

static int push_password_env(b2a_vendor_cmd *c, const b2a_vendor_job *j)
{
    return b2a__vendor_strv_pushf(&c->env, &c->nenv, "PGPASSWORD=%s", j->password);
}

static int plan_archive(const b2a_vendor_job *j, size_t i, b2a_vendor_plan *p)
{
    const b2a_vendor_input *in = &j->inputs[i];
    const char *path = j->in_paths[i];
    const char *base = b2a__vendor_basename(in->path);
    b2a_vendor_step *s;
    /* pg_restore reads a gzip'd archive only from stdin, without --jobs */
    int from_stdin = in->gzip && !in->is_dir;
    if (!in->toc_items && !from_stdin) {
        if (!(s = b2a__vendor_plan_add(p)))
            return B2A_ENOMEM;
        s->kind = B2A_VENDOR_STEP_COUNT;
        s->input = i;
        if (asprintf(&s->label, "pg_restore -l %s", base) < 0 ||
            b2a__vendor_strv_pushf(&s->cmd.argv, &s->cmd.argc, "pg_restore") ||
            b2a__vendor_strv_pushf(&s->cmd.argv, &s->cmd.argc, "-l") ||
            /* the same filters as the restore: then the list has exactly the
             * entries --verbose will report (ACLs dropped: pagila 232 -> 203) */
            b2a__vendor_strv_pushf(&s->cmd.argv, &s->cmd.argc, "--no-owner") ||
            b2a__vendor_strv_pushf(&s->cmd.argv, &s->cmd.argc, "--no-privileges") ||
            b2a__vendor_strv_pushf(&s->cmd.argv, &s->cmd.argc, "%s", path))
            return B2A_ENOMEM;
    }
    if (!(s = b2a__vendor_plan_add(p)))
        return B2A_ENOMEM;
    s->kind = B2A_VENDOR_STEP_RESTORE;
    s->input = i;
    s->progress = B2A_VENDOR_PROGRESS_ITEMS;
    s->total = in->toc_items;
    if (asprintf(&s->label, "pg_restore %s", base) < 0)
        return B2A_ENOMEM;
    b2a_vendor_cmd tool = {0};
    int rc = B2A_ENOMEM;
    if (b2a__vendor_strv_pushf(&tool.argv, &tool.argc, "pg_restore") ||
        b2a__vendor_strv_pushf(&tool.argv, &tool.argc, "--verbose") ||
        b2a__vendor_strv_pushf(&tool.argv, &tool.argc, "--no-owner") ||
        b2a__vendor_strv_pushf(&tool.argv, &tool.argc, "--no-privileges") ||
        push_conn_args(&tool, j, 0))
        goto out;
    /* --jobs needs random access: custom files and directories, not tar or stdin */
    if (j->jobs > 1 && !from_stdin &&
        (in->format == B2A_FMT_PG_CUSTOM || in->format == B2A_FMT_PG_DIRECTORY) &&
        (b2a__vendor_strv_pushf(&tool.argv, &tool.argc, "--jobs") ||
         b2a__vendor_strv_pushf(&tool.argv, &tool.argc, "%u", j->jobs)))
        goto out;
    if (from_stdin) {
        if (b2a__vendor_stdin_pipeline(&s->cmd, tool.argv, tool.argc, 1, NULL, path))
            goto out;
    } else {
        if (b2a__vendor_strv_pushf(&tool.argv, &tool.argc, "%s", path))
            goto out;
        s->cmd.argv = tool.argv;
        s->cmd.argc = tool.argc;
        tool.argv = NULL;
        tool.argc = 0;
    }
    if (push_password_env(&s->cmd, j))
        goto out;
    /* the archive's bytes read so far; a directory's files are not the path */
    if (!in->is_dir && b2a__vendor_read_probe(s, path))
        goto out;
    rc = B2A_OK;
out:
    b2a__strv_free(tool.argv, tool.argc);
    return rc;
}

static int plan_script(const b2a_vendor_job *j, size_t i, b2a_vendor_plan *p)
{
    const b2a_vendor_input *in = &j->inputs[i];
    /* pg_dumpall scripts ALTER ROLE postgres ... PASSWORD and \connect to
     * other databases: go through the socket (trust inside the container)
     * and put our password back afterwards. */
    int dumpall = in->format == B2A_FMT_PG_DUMPALL;
    b2a_vendor_step *s = b2a__vendor_plan_add(p);
    if (!s)
        return B2A_ENOMEM;
    s->kind = B2A_VENDOR_STEP_RESTORE;
    s->input = i;
    s->total = in->size;
    if (asprintf(&s->label, "psql %s", b2a__vendor_basename(in->path)) < 0)
        return B2A_ENOMEM;
    b2a_vendor_cmd tool = {0};
    int rc = B2A_ENOMEM;
    if (b2a__vendor_strv_pushf(&tool.argv, &tool.argc, "psql") ||
        b2a__vendor_strv_pushf(&tool.argv, &tool.argc, "-X") ||
        b2a__vendor_strv_pushf(&tool.argv, &tool.argc, "-q") ||
        b2a__vendor_strv_pushf(&tool.argv, &tool.argc, "--output=/dev/null") ||
        push_conn_args(&tool, j, dumpall) ||
        b2a__vendor_strv_pushf(&tool.argv, &tool.argc, "-f") ||
        b2a__vendor_strv_pushf(&tool.argv, &tool.argc, "-"))
        goto out;
    if (b2a__vendor_stdin_pipeline(&s->cmd, tool.argv, tool.argc, in->gzip, LOCALE_FILTER,
                                   j->in_paths[i]) ||
        push_password_env(&s->cmd, j) || b2a__vendor_bytes_probe(s, j->in_paths[i]))
        goto out;
    if (dumpall) {
        s = b2a__vendor_plan_add(p);
        if (!s)
            goto out;
        s->kind = B2A_VENDOR_STEP_RESTORE;
        s->input = i;
        s->label = strdup("reset password");
        /* the password comes from the environment through printf, a shell
         * builtin, so it is in no process's argv */
        char script[512];
        snprintf(script, sizeof script,
                 "printf \"ALTER ROLE %s PASSWORD '%%s';\\n\" \"$B2A_PW\" | "
                 "psql -X -q -v ON_ERROR_STOP=1 --output=/dev/null -h %s -p %d -U %s -d %s -f -",
                 j->user, PG_SOCKET_DIR, j->server_port, j->user, j->dbname);
        if (!s->label || b2a__vendor_sh(&s->cmd, script, "reset-password") ||
            b2a__vendor_strv_pushf(&s->cmd.env, &s->cmd.nenv, "B2A_PW=%s", j->password))
            goto out;
    }
    rc = B2A_OK;
out:
    b2a__strv_free(tool.argv, tool.argc);
    return rc;
}

static int pg_plan(const b2a_vendor_job *j, b2a_vendor_plan *p, b2a_err *err)
{
    for (size_t i = 0; i < j->ninputs; i++) {
        const b2a_vendor_input *in = &j->inputs[i];
        int rc;
        if (in->format == B2A_FMT_PG_PLAIN || in->format == B2A_FMT_PG_DUMPALL)
            rc = plan_script(j, i, p);
        else if (pg_supports(in->format))
            rc = plan_archive(j, i, p);
        else
            return b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_USAGE,
                                "%s: not a PostgreSQL dump format", in->path);
        if (rc)
            return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    }
    return B2A_OK;
}

/* Entries pg_restore --no-owner --no-privileges skips or handles silently
 * (pg_backup_archiver.c _tocEntryRequired): no --verbose line for them. */
static int pg_entry_reported(const b2a_pgdump_toc_entry *e)
{
    static const char *const silent[] = {"ENCODING", "STDSTRINGS", "SEARCHPATH", "DATABASE",
                                         "DATABASE PROPERTIES", "ACL", "DEFAULT ACL",
                                         "ACL LANGUAGE"};
    for (size_t i = 0; i < sizeof silent / sizeof *silent; i++)
        if (!strcmp(e->desc, silent[i]))
            return 0;
    /* comments and labels on the database itself need --create */
    if ((!strcmp(e->desc, "COMMENT") || !strcmp(e->desc, "SECURITY LABEL")) &&
        !strncmp(e->tag, "DATABASE ", 9))
        return 0;
    return 1;
}

uint32_t b2a__vendor_pg_toc_items(const b2a_pgdump_info *info)
{
    uint32_t n = 0;
    for (uint32_t i = 0; info && i < info->n_toc; i++)
        n += (uint32_t)pg_entry_reported(&info->toc[i]);
    return n;
}

/* ---- output ---- */

static int contains(const char *s, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (!memcmp(s + i, needle, n))
            return 1;
    return 0;
}

static size_t count_of(const char *s, size_t len, const char *needle)
{
    size_t n = strlen(needle), c = 0;
    for (size_t i = 0; i + n <= len; i++)
        if (!memcmp(s + i, needle, n)) {
            c++;
            i += n - 1;
        }
    return c;
}

static int starts(const char *s, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && !memcmp(s, prefix, n);
}

/* Errors that cannot lose data; see the policy at the top. */
static int harmless(const char *s, size_t len)
{
    return contains(s, len, "unrecognized configuration parameter") ||
           contains(s, len, "already exists") ||
           (contains(s, len, "role \"") && contains(s, len, "does not exist")) ||
           contains(s, len, "must be owner of") ||
           contains(s, len, "invalid command \\restrict") ||
           contains(s, len, "invalid command \\unrestrict");
}

static void note_error(b2a_vendor_run *r, const char *line, size_t len)
{
    char tmp[512];
    size_t n = len < sizeof tmp - 1 ? len : sizeof tmp - 1;
    memcpy(tmp, line, n);
    tmp[n] = '\0';
    if (harmless(line, len)) {
        if (!r->ignored++)
            b2a__vendor_redact(r->job, tmp, r->first_ignored, sizeof r->first_ignored);
    } else {
        if (!r->errors++)
            b2a__vendor_redact(r->job, tmp, r->first_error, sizeof r->first_error);
    }
}

/* vstate for pg_restore: 1 once the parallel loop's line style was seen */
static void pg_line(b2a_vendor_run *r, int stream, const char *line, size_t len)
{
    (void)stream;
    const b2a_vendor_step *s = r->step;
    if (s->kind == B2A_VENDOR_STEP_COUNT) {
        /* pg_restore -l: one line per entry, comments start with ';' */
        if (len && line[0] != ';' && line[0] >= '0' && line[0] <= '9')
            r->counted++;
        if (contains(line, len, "pg_restore: error:"))
            note_error(r, line, len);
        return;
    }
    /* Interleaved worker output can split a line anywhere, leaving e.g.
     * " finished item ..." without its prefix: match anywhere in the line. */
    if (contains(line, len, "pg_restore:") || contains(line, len, "finished item ") ||
        contains(line, len, "launching item ")) {
        if (contains(line, len, "pg_restore: error:")) {
            note_error(r, line, len);
            return;
        }
        /* --jobs prints "processing item" before its main loop and
         * "finished item" in it; serial restores print "creating X",
         * "processing data for table" and "executing X". Parallel lines can
         * come two to a line, so count occurrences. */
        if (contains(line, len, "processing item ") || contains(line, len, "launching item ") ||
            contains(line, len, "entering main parallel loop"))
            r->vstate = 1;
        if (r->vstate) {
            if (contains(line, len, "processing item ") &&
                !contains(line, len, " ENCODING ") && !contains(line, len, " STDSTRINGS ") &&
                !contains(line, len, " SEARCHPATH ") && !contains(line, len, " DATABASE "))
                r->done++;
            r->done += count_of(line, len, "finished item ");
        } else if (contains(line, len, "pg_restore: creating ") ||
                   contains(line, len, "pg_restore: processing data for table ") ||
                   contains(line, len, "pg_restore: executing ")) {
            r->done++;
        }
        return;
    }
    /* psql: "psql:<stdin>:11: ERROR:  ..." and "psql: error: ..." */
    if ((starts(line, len, "psql:") &&
         (contains(line, len, "ERROR:") || contains(line, len, "FATAL:") ||
          contains(line, len, " error:"))) ||
        starts(line, len, "b2a: error:"))
        note_error(r, line, len);
}

static int pg_finish(b2a_vendor_run *r, int exit_code, b2a_err *err)
{
    const char *path = r->job->inputs[r->step->input].path;
    if (r->errors)
        return b2a__err_set(err, B2A_ERESTORE, B2A_ERRCLASS_RESTORE,
                            "%s: %s reported %u error%s (%u more ignored as harmless; exit %d); "
                            "first: %s",
                            path, r->step->label, r->errors, r->errors == 1 ? "" : "s", r->ignored,
                            exit_code, r->first_error);
    /* pg_restore exits 1 when it ignored errors: fine when all were harmless */
    if (exit_code != 0 && (exit_code != 1 || !r->ignored))
        return b2a__err_set(err, B2A_ERESTORE, B2A_ERRCLASS_RESTORE,
                            "%s: %s failed with exit code %d: %s", path, r->step->label,
                            exit_code, r->last_line[0] ? r->last_line : "no output");
    return B2A_OK;
}

const b2a_vendor b2a__vendor_postgres = {
    .name = "postgresql",
    .id = B2A_VENDOR_POSTGRESQL,
    .default_image = "postgres:16",
    .default_port = 5432,
    .odbc_driver = "PostgreSQL Unicode",
    .supports = pg_supports,
    .check_input = pg_check_input,
    .setup = pg_setup,
    .probe = pg_probe,
    .connstr = pg_connstr,
    .plan = pg_plan,
    .line = pg_line,
    .finish = pg_finish,
};
