/* The container pipeline: restore a backup in the vendor's own database in
 * a temporary container, then introspect and export it over ODBC.
 *
 *   detect -> container (engine, image, create, start, ready) -> pre-sql
 *   -> restore (vendor tool, progress) -> post-sql -> introspect -> export
 *   -> cleanup (stop, remove; also after a failure or a cancel)
 *
 * Docker traffic runs on the loop; ODBC work runs on the thread pool. Each
 * step ends in next_step() or fail(); cleanup always runs, then the job
 * completes. */
#include <stdlib.h>
#include <string.h>

#include "core/ctx.h"
#include "core/pipeline.h"
#include "detect/detect.h"
#include "detect/dumpdb.h"
#include "detect/dumpend.h"
#include "detect/pgdump.h"
#include "docker/docker.h"
#include "export/export.h"
#include "odbc/introspect.h"
#include "odbc/odbc.h"
#include "mysql/mysql.h"
#include "pg/pg.h"
#include "util/str.h"
#include "engine/sqlserver_tsql.h"
#include "engine/engine.h"
#include "pipeline/declared.h"

#define LOGIN_TIMEOUT_S 30
#define STOP_TIMEOUT_S 10

typedef struct cstate cstate;
typedef int (*blocking_fn)(cstate *st, b2a_err *err);
typedef void (*after_fn)(cstate *st, int rc);

struct cstate {
    b2a_job *job;
    const b2a_vendor *vendor;
    b2a_odbc_vendor odbc_vendor;
    b2a_vendor_input *inputs;
    size_t ninputs;
    b2a_docker *docker;
    b2a_docker_req *req;          /* the Docker operation in flight, to cancel */
    b2a_vendor_job *vjob;
    char *container_id;
    char *connstr;                /* holds the password: never logged */
    b2a_vendor_probe probe;
    unsigned probe_try;
    uv_timer_t timer;             /* deferred starts, probe delays */
    uv_timer_t bytes_timer;       /* restore progress probes */
    int bytes_timer_on;
    b2a_docker_req *bytes_req;
    b2a_vendor_plan plan;
    size_t plan_step;
    size_t upload_i;        /* next input to upload (upload delivery) */
    b2a_vendor_run run;
    uv_work_t work;
    blocking_fn work_fn;
    after_fn work_after;
    b2a_err work_err;
    int work_rc;
    b2a_odbc_table *otables;
    size_t notables;
    b2a_step step;                /* the step running now */
    unsigned death_checks;        /* inspections after a failed restore */
    uint32_t ignored;             /* restore errors judged harmless, over all steps */
    char *restored_db;            /* the database a pg_dump -C script made, when not ours */
    b2a_mysql_decl declared;      /* MySQL: tables and columns the scripts declare */
    char *server_version;         /* MySQL: the server's VERSION() */
    b2a_mysql_source *mysql_src;  /* MySQL: the native row source's server */
    char first_ignored[256];
    int cleaning;
    int handles_open;
    void (*deferred)(cstate *st);
};

static void cleanup(cstate *st);
static void step_container(cstate *st);

/* ---- small helpers ---- */

static void defer_cb(uv_timer_t *t)
{
    cstate *st = t->data;
    void (*fn)(cstate *) = st->deferred;
    st->deferred = NULL;
    fn(st);
}

/* Run fn on the loop after delay_ms (0: next iteration), never inside the caller. */
static void defer(cstate *st, uint64_t delay_ms, void (*fn)(cstate *))
{
    st->deferred = fn;
    uv_timer_start(&st->timer, defer_cb, delay_ms, 0);
}

static void fail(cstate *st, const b2a_err *err)
{
    b2a_job *job = st->job;
    b2a__job_set_error(job, err);
    if (job->steps[st->step].state == B2A_STATE_RUNNING)
        b2a__job_step_end(job, st->step, job->cancel_requested ? B2A_STATE_CANCELED : B2A_STATE_FAILED,
                          "%s", err->msg);
    cleanup(st);
}

static void failf(cstate *st, int code, b2a_error_class klass, const char *fmt, const char *arg)
{
    b2a_err e;
    b2a__err_set(&e, code, klass, fmt, arg);
    fail(st, &e);
}

/* Between steps: a cancel goes straight to cleanup. */
static int canceled(cstate *st)
{
    if (!st->job->cancel_requested)
        return 0;
    b2a_err e;
    b2a__err_set(&e, B2A_ECANCELED, B2A_ERRCLASS_USAGE, "job %s was canceled", st->job->id);
    fail(st, &e);
    return 1;
}

static void begin(cstate *st, b2a_step step)
{
    st->step = step;
    b2a__job_step_begin(st->job, step);
}

static void work_cb(uv_work_t *w)
{
    cstate *st = w->data;
    b2a__err_clear(&st->work_err);
    st->work_rc = st->work_fn(st, &st->work_err);
}

static void work_after_cb(uv_work_t *w, int status)
{
    cstate *st = w->data;
    if (status == UV_ECANCELED) {
        st->work_rc = B2A_ECANCELED;
        b2a__err_set(&st->work_err, B2A_ECANCELED, B2A_ERRCLASS_USAGE, "canceled");
    }
    st->work_after(st, st->work_rc);
}

/* Blocking ODBC work off the loop thread. */
static void run_blocking(cstate *st, blocking_fn fn, after_fn after)
{
    st->work_fn = fn;
    st->work_after = after;
    st->work.data = st;
    if (uv_queue_work(st->job->ctx->loop, &st->work, work_cb, work_after_cb) != 0)
        failf(st, B2A_ENOMEM, B2A_ERRCLASS_OS, "%s", "could not queue work on the loop");
}

static int connect_db(cstate *st, b2a_odbc_conn **conn, b2a_err *err)
{
    return b2a__odbc_connect(st->odbc_vendor, st->connstr, LOGIN_TIMEOUT_S, conn, err);
}

/* ---- cleanup and completion ---- */

static void handle_closed(uv_handle_t *h)
{
    cstate *st = h->data;
    if (--st->handles_open > 0)
        return;
    b2a_job *job = st->job;
    b2a__odbc_tables_free(st->otables, st->notables);
    b2a__vendor_plan_free(&st->plan);
    b2a__vendor_probe_free(&st->probe);
    b2a__vendor_job_free(st->vjob);
    if (st->connstr) {
        memset(st->connstr, 0, strlen(st->connstr));
        free(st->connstr);
    }
    free(st->container_id);
    free(st->restored_db);
    b2a__mysql_decl_free(&st->declared);
    free(st->server_version);
    b2a__mysql_source_free(st->mysql_src);
    free(st->inputs);
    free(st);
    job->pipeline_state = NULL;
    b2a__job_complete(job);
}

static void finish(cstate *st)
{
    if (st->docker) {
        b2a__docker_free(st->docker);
        st->docker = NULL;
    }
    uv_close((uv_handle_t *)&st->timer, handle_closed);
    uv_close((uv_handle_t *)&st->bytes_timer, handle_closed);
}

static void removed_cb(void *ud, int rc, const b2a_err *err, const char *body)
{
    (void)body;
    cstate *st = ud;
    st->req = NULL;
    if (rc != B2A_OK && rc != B2A_ENOTFOUND) {
        b2a__job_step_end(st->job, B2A_STEP_CLEANUP, B2A_STATE_FAILED,
                          "could not remove container %.12s: %s (run `bak2avro gc`)", st->container_id, err->msg);
        b2a__job_set_error(st->job, err);
    } else {
        b2a__job_step_end(st->job, B2A_STEP_CLEANUP, B2A_STATE_OK, "container %.12s removed", st->container_id);
    }
    finish(st);
}

static void stopped_cb(void *ud, int rc, const b2a_err *err, const char *body)
{
    (void)body, (void)err, (void)rc;
    cstate *st = ud;
    st->req = NULL;
    /* Remove whatever stop said: force covers a container that would not stop. */
    if (b2a__docker_container_remove(st->docker, st->container_id, 1, 1, removed_cb, st, &st->req) != B2A_OK)
        removed_cb(st, B2A_EDOCKER, &(b2a_err){.code = B2A_EDOCKER, .msg = "remove refused"}, NULL);
}

static void cleanup_start(cstate *st)
{
    b2a_job *job = st->job;
    st->step = B2A_STEP_CLEANUP;
    if (!st->container_id) {
        b2a__job_step_end(job, B2A_STEP_CLEANUP, B2A_STATE_OK, "no container was created");
        finish(st);
        return;
    }
    if (job->keep_container && !job->cancel_requested) {
        b2a__job_step_end(job, B2A_STEP_CLEANUP, B2A_STATE_SKIPPED,
                          "container %.12s kept (--keep-container): 127.0.0.1:%d, user %s, database %s; "
                          "remove it with `docker rm -f %.12s` or `bak2avro gc`",
                          st->container_id, st->vjob ? st->vjob->host_port : 0,
                          st->vjob ? st->vjob->user : "?", st->vjob ? st->vjob->dbname : "?", st->container_id);
        finish(st);
        return;
    }
    if (b2a__docker_container_stop(st->docker, st->container_id, STOP_TIMEOUT_S, stopped_cb, st, &st->req) != B2A_OK)
        stopped_cb(st, B2A_EDOCKER, NULL, NULL);
}

static void cleanup(cstate *st)
{
    if (st->cleaning)
        return;
    st->cleaning = 1;
    if (st->bytes_timer_on) {
        uv_timer_stop(&st->bytes_timer);
        st->bytes_timer_on = 0;
    }
    if (st->bytes_req) {
        b2a__docker_cancel(st->bytes_req);
        st->bytes_req = NULL;
    }
    uv_timer_stop(&st->timer);
    b2a__job_step_begin(st->job, B2A_STEP_CLEANUP);
    /* Let a canceled request's callback run first, then clean up from the loop. */
    defer(st, 0, cleanup_start);
}

/* ---- export ---- */

typedef struct odbc_cursor {
    b2a_odbc_conn *conn;
    b2a_cursor *cur;
} odbc_cursor;

static int source_open(void *source, const b2a_table_job *t, size_t index, void **cursor, b2a_err *err)
{
    (void)index;
    cstate *st = source;
    odbc_cursor *oc = calloc(1, sizeof(*oc));
    if (!oc)
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    int rc = connect_db(st, &oc->conn, err);
    if (rc == B2A_OK)
        rc = b2a__odbc_cursor_open(oc->conn, st->odbc_vendor, &t->def, NULL, &oc->cur, err);
    if (rc != B2A_OK) {
        b2a__odbc_disconnect(oc->conn);
        free(oc);
        return rc;
    }
    *cursor = oc;
    return B2A_OK;
}

static int source_next(void *cursor, b2a_sink *sink, size_t max_rows, size_t *rows, int *eof, b2a_err *err)
{
    return b2a__odbc_cursor_next(((odbc_cursor *)cursor)->cur, sink, max_rows, rows, eof, err);
}

static void source_close(void *cursor)
{
    odbc_cursor *oc = cursor;
    b2a__odbc_cursor_close(oc->cur);
    b2a__odbc_disconnect(oc->conn);
    free(oc);
}

static const b2a_source_ops odbc_source = {source_open, source_next, source_close, NULL, NULL};

/* PostgreSQL: the same tables through COPY (FORMAT binary) over libpq, one
 * connection per table like the ODBC source. */
typedef struct pg_cursor {
    PGconn *conn;
    b2a_pg_copy *cur;
} pg_cursor;

static int pg_source_open(void *source, const b2a_table_job *t, size_t index, void **cursor, b2a_err *err)
{
    (void)index;
    cstate *st = source;
    pg_cursor *pc = calloc(1, sizeof(*pc));
    if (!pc)
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    b2a_pg_params p = {"127.0.0.1", st->vjob->host_port, st->vjob->user, st->vjob->password,
                       st->restored_db ? st->restored_db : st->vjob->dbname, LOGIN_TIMEOUT_S, NULL};
    int rc = b2a__pg_connect(&p, &pc->conn, err);
    if (rc == B2A_OK)
        rc = b2a__pg_copy_open(pc->conn, &t->def, &pc->cur, err);
    if (rc != B2A_OK) {
        b2a__pg_disconnect(pc->conn);
        free(pc);
        return rc;
    }
    *cursor = pc;
    return B2A_OK;
}

static int pg_source_next(void *cursor, b2a_sink *sink, size_t max_rows, size_t *rows, int *eof, b2a_err *err)
{
    return b2a__pg_copy_next(((pg_cursor *)cursor)->cur, sink, max_rows, rows, eof, err);
}

static void pg_source_close(void *cursor)
{
    pg_cursor *pc = cursor;
    b2a__pg_copy_close(pc->cur);
    b2a__pg_disconnect(pc->conn);
    free(pc);
}

static const b2a_source_ops pg_copy_source = {pg_source_open, pg_source_next, pg_source_close, NULL, NULL};

static void export_done(b2a_job *job, void *ud)
{
    cstate *st = ud;
    uint32_t failed = b2a_job_tables_failed(job);
    if (job->cancel_requested)
        b2a__job_step_end(job, B2A_STEP_EXPORT, B2A_STATE_CANCELED, "canceled");
    else if (failed)
        b2a__job_step_end(job, B2A_STEP_EXPORT, B2A_STATE_FAILED, "%u of the selected tables failed", failed);
    else
        b2a__job_step_end(job, B2A_STEP_EXPORT, B2A_STATE_OK, "%u tables", b2a_job_tables_ok(job));
    cleanup(st);
}

static void step_export(cstate *st)
{
    if (canceled(st))
        return;
    begin(st, B2A_STEP_EXPORT);
    /* Introspection was over ODBC either way; the rows come the fastest way
     * the database offers unless the job asks for ODBC. */
    const b2a_source_ops *ops = &odbc_source;
    void *source = st;
    if (st->vendor && st->vendor->id == B2A_VENDOR_POSTGRESQL && st->job->via != B2A_VIA_ODBC)
        ops = &pg_copy_source;
    if (st->vendor && st->vendor->id == B2A_VENDOR_MYSQL && st->job->via != B2A_VIA_ODBC) {
        b2a_mysql_params p = {"127.0.0.1", st->vjob->host_port, st->vjob->user, st->vjob->password,
                              st->vjob->dbname, LOGIN_TIMEOUT_S};
        b2a_err e;
        if (b2a__mysql_source_new(&p, &st->mysql_src, &e) != B2A_OK) {
            fail(st, &e);
            return;
        }
        ops = &b2a__mysql_source_ops;
        source = st->mysql_src;
    }
    b2a__job_log(st->job, B2A_LOG_INFO, "export: rows through %s",
                 ops == &pg_copy_source ? "COPY (FORMAT binary) over libpq"
                 : ops == &odbc_source ? "ODBC" : "libmariadb (unbuffered, binary protocol)");
    if (b2a__export_start(st->job, ops, source, export_done, st) != B2A_OK)
        fail(st, &st->job->err);
}

/* ---- introspect ---- */

/* A PostgreSQL script made with pg_dump -C creates its own database and
 * connects to it: when ours is empty and exactly one other database exists,
 * the data is there. Several: say which, rather than export nothing. */
static int find_restored_database(b2a_odbc_conn *conn, char **dbname, b2a_err *err)
{
    b2a_odbc_result res = {0};
    int rc = b2a__odbc_query(conn, "SELECT datname FROM pg_database WHERE NOT datistemplate AND "
                                   "datname <> 'postgres' AND datname <> current_database() ORDER BY 1", &res, err);
    if (rc != B2A_OK)
        return rc;
    if (res.nrows == 1) {
        *dbname = b2a__strdup(b2a__odbc_cell(&res, 0, 0));
    } else if (res.nrows > 1) {
        char list[512] = "";
        for (size_t i = 0; i < res.nrows; i++)
            snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "",
                     b2a__odbc_cell(&res, i, 0));
        rc = b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_RESTORE,
                          "the backup restored %zu databases (%s); a job exports one database", res.nrows, list);
    }
    b2a__odbc_result_clear(&res);
    return rc;
}

static size_t exportable(const b2a_odbc_table *t, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += t[i].exported;
    return k;
}

/* What the scripts declare and which server read them, for
 * b2a__check_declared: a server skips version comments it does not take
 * without a word. */
static int mysql_declared_work(cstate *st, b2a_odbc_conn *conn, b2a_err *err)
{
    b2a_odbc_result res = {0};
    int rc = b2a__odbc_query(conn, "SELECT VERSION()", &res, err);
    if (rc != B2A_OK)
        return rc;
    st->server_version = res.nrows == 1 ? b2a__strdup(b2a__odbc_cell(&res, 0, 0)) : NULL;
    b2a__odbc_result_clear(&res);
    if (!st->server_version)
        return b2a__err_set(err, B2A_EODBC, B2A_ERRCLASS_ODBC, "SELECT VERSION() gave no row");
    return b2a__mysql_ddl_read((const char *const *)st->job->inputs, st->job->n_inputs,
                               &st->declared, err);
}

static int introspect_work(cstate *st, b2a_err *err)
{
    b2a_odbc_conn *conn = NULL;
    int rc = connect_db(st, &conn, err);
    if (rc != B2A_OK)
        return rc;
    b2a_introspect_opts o = B2A_INTROSPECT_OPTS_INIT;
    o.include_views = st->job->include_views;
    rc = b2a__odbc_introspect(conn, &o, &st->otables, &st->notables, err);
    if (rc == B2A_OK && st->odbc_vendor == B2A_ODBC_MYSQL)
        rc = mysql_declared_work(st, conn, err);
    char *other = NULL;
    if (rc == B2A_OK && st->odbc_vendor == B2A_ODBC_POSTGRES && exportable(st->otables, st->notables) == 0)
        rc = find_restored_database(conn, &other, err);
    b2a__odbc_disconnect(conn);
    if (rc != B2A_OK || !other)
        return rc;
    /* Reconnect there; export uses the same connection string. */
    char *connstr = NULL;
    rc = b2a__vendor_connstr_db(st->vjob, other, &connstr, err);
    if (rc == B2A_OK) {
        memset(st->connstr, 0, strlen(st->connstr));
        free(st->connstr);
        st->connstr = connstr;
        free(st->restored_db);
        st->restored_db = other;
        other = NULL;
        b2a__odbc_tables_free(st->otables, st->notables);
        st->otables = NULL;
        st->notables = 0;
        rc = connect_db(st, &conn, err);
        if (rc == B2A_OK) {
            rc = b2a__odbc_introspect(conn, &o, &st->otables, &st->notables, err);
            b2a__odbc_disconnect(conn);
        }
    }
    free(other);
    return rc;
}

static void introspect_after(cstate *st, int rc)
{
    b2a_job *job = st->job;
    if (rc != B2A_OK) {
        fail(st, &st->work_err);
        return;
    }
    if (st->restored_db) {
        b2a__job_log(job, B2A_LOG_INFO, "the backup created database %s: exporting it", st->restored_db);
        free(job->database);
        job->database = b2a__strdup(st->restored_db);
    }
    size_t exported = 0;
    for (size_t i = 0; i < st->notables; i++) {
        b2a_odbc_table *ot = &st->otables[i];
        b2a_table_job *t = b2a__job_add_table(job, &ot->def, b2a__odbc_table_kind_name(ot->kind));
        if (!t) {
            failf(st, B2A_ENOMEM, B2A_ERRCLASS_OS, "%s", "out of memory");
            return;
        }
        t->primary_key = ot->pk;
        t->nprimary_key = ot->npk;
        ot->pk = NULL;
        ot->npk = 0;
        if (!ot->exported) {
            t->selected = 0;
            t->state = B2A_STATE_SKIPPED;
            t->message = b2a__asprintf("%s: not exported", t->kind);
        }
        exported += t->selected;
    }
    if (st->odbc_vendor == B2A_ODBC_MYSQL &&
        b2a__check_declared(job, &st->declared, st->vjob->dbname, st->server_version) != B2A_OK) {
        failf(st, B2A_ENOMEM, B2A_ERRCLASS_OS, "%s", "out of memory");
        return;
    }
    b2a__job_step_end(job, B2A_STEP_INTROSPECT, B2A_STATE_OK, "%zu tables and views, %zu selected for export",
                      st->notables, exported);
    step_export(st);
}

static void step_introspect(cstate *st)
{
    if (canceled(st))
        return;
    begin(st, B2A_STEP_INTROSPECT);
    run_blocking(st, introspect_work, introspect_after);
}

/* ---- pre-SQL and post-SQL ---- */

static int script_work(cstate *st, b2a_err *err)
{
    const char *sql = st->step == B2A_STEP_PRE_SQL ? st->job->pre_sql : st->job->post_sql;
    b2a_odbc_conn *conn = NULL;
    int rc = connect_db(st, &conn, err);
    if (rc == B2A_OK)
        rc = b2a__odbc_exec_script(conn, sql, st->step == B2A_STEP_PRE_SQL ? "pre-SQL" : "post-SQL", err);
    b2a__odbc_disconnect(conn);
    return rc;
}

static void step_restore(cstate *st);

static void script_after(cstate *st, int rc)
{
    if (rc != B2A_OK) {
        fail(st, &st->work_err);
        return;
    }
    b2a__job_step_end(st->job, st->step, B2A_STATE_OK, NULL);
    if (st->step == B2A_STEP_PRE_SQL)
        step_restore(st);
    else
        step_introspect(st);
}

static void run_script_step(cstate *st, b2a_step step, const char *sql)
{
    if (canceled(st))
        return;
    if (!sql || !*sql) {
        if (step == B2A_STEP_PRE_SQL)
            step_restore(st);
        else
            step_introspect(st);
        return;
    }
    begin(st, step);
    run_blocking(st, script_work, script_after);
}

/* ---- restore ---- */

static void run_plan_step(cstate *st);
static void upload_next(cstate *st);

/* Restore progress: the tool's count, and with a bytes count the dump's bytes consumed. */
static void restore_progress(cstate *st)
{
    b2a_progress p = B2A__PROGRESS_INIT(B2A_STEP_RESTORE, st->run.percent, NULL, (int64_t)st->run.done,
                                        (int64_t)st->run.step->total);
    if (st->run.step->progress == B2A_VENDOR_PROGRESS_BYTES) {
        p.bytes_done = (int64_t)st->run.done;
        p.bytes_expected = (int64_t)st->run.step->total;
    } else if (st->run.read_pos) { /* items are the percent; the read probe, the bytes */
        p.bytes_done = (int64_t)st->run.read_pos;
        p.bytes_expected = (int64_t)st->vjob->inputs[st->run.step->input].size;
    }
    b2a__job_progress_report(st->job, &p);
}

static int restore_line(void *ud, int stream, const char *line, size_t len)
{
    cstate *st = ud;
    if (b2a__vendor_run_line(&st->run, stream, line, len) && st->run.percent >= 0)
        restore_progress(st);
    if (st->job->log_cb) {
        char buf[1024], safe[1024];
        size_t n = len < sizeof(buf) - 1 ? len : sizeof(buf) - 1;
        memcpy(buf, line, n);
        buf[n] = '\0';
        b2a__vendor_redact(st->vjob, buf, safe, sizeof(safe));
        b2a__job_log(st->job, B2A_LOG_DEBUG, "%s: %s", st->run.step->label, safe);
    }
    return st->job->cancel_requested;
}

static int probe_line(void *ud, int stream, const char *line, size_t len)
{
    (void)stream;
    cstate *st = ud;
    if (b2a__vendor_run_probe_line(&st->run, line, len) && st->run.percent >= 0)
        restore_progress(st);
    return 0;
}

static void probe_done(void *ud, int rc, int exit_code, const b2a_err *err)
{
    (void)rc, (void)exit_code, (void)err;
    ((cstate *)ud)->bytes_req = NULL;
}

static void bytes_tick(uv_timer_t *t)
{
    cstate *st = t->data;
    b2a_vendor_step *s = st->run.step;
    if (st->bytes_req || !s || !st->docker)
        return;
    b2a__docker_exec(st->docker, st->container_id, (const char *const *)s->probe.argv, s->probe.argc,
                     (const char *const *)s->probe.env, s->probe.nenv, probe_line, probe_done, st, &st->bytes_req);
}

static void inspect_after_failure(cstate *st);

static void died_cb(void *ud, int rc, const b2a_err *err, const b2a_docker_state *state, const char *body)
{
    (void)body, (void)err;
    cstate *st = ud;
    st->req = NULL;
    /* A killed container can still read as running for a moment: look again, a few times. */
    if (rc == B2A_OK && state && state->running && ++st->death_checks < 5) {
        defer(st, 200, inspect_after_failure);
        return;
    }
    b2a_err e;
    b2a__err_copy(&e, &st->work_err);
    if (rc == B2A_OK && state && !state->running)
        b2a__err_prefix(&e, "the container stopped (exit code %d%s%s%s): ", state->exit_code,
                        state->oom_killed ? ", killed for lack of memory" : "",
                        state->error && *state->error ? ", " : "", state->error ? state->error : "");
    else if (rc == B2A_ENOTFOUND)
        b2a__err_prefix(&e, "the container is gone: ");
    fail(st, &e);
}

static void inspect_after_failure(cstate *st)
{
    if (b2a__docker_container_inspect(st->docker, st->container_id, died_cb, st, &st->req) != B2A_OK)
        fail(st, &st->work_err);
}

static void restore_exec_done(void *ud, int rc, int exit_code, const b2a_err *err)
{
    cstate *st = ud;
    st->req = NULL;
    if (st->bytes_timer_on) {
        uv_timer_stop(&st->bytes_timer);
        st->bytes_timer_on = 0;
    }
    if (rc == B2A_OK)
        rc = b2a__vendor_run_finish(&st->run, &st->plan, st->plan_step, exit_code, &st->work_err);
    else
        b2a__err_copy(&st->work_err, err);
    if (rc != B2A_OK) {
        if (st->job->cancel_requested) {
            canceled(st);
            return;
        }
        /* A dead container explains a failed restore better than the tool's last words. */
        st->death_checks = 0;
        inspect_after_failure(st);
        return;
    }
    if (st->run.ignored) {
        b2a__job_log(st->job, B2A_LOG_WARN, "%s: %u errors judged harmless, the first: %s", st->run.step->label,
                     st->run.ignored, st->run.first_ignored);
        if (!st->ignored)
            snprintf(st->first_ignored, sizeof(st->first_ignored), "%s", st->run.first_ignored);
        st->ignored += st->run.ignored;
    }
    int prepared = st->run.step->kind == B2A_VENDOR_STEP_PREPARE;
    st->plan_step++;
    if (prepared) {
        /* The target folders exist now: copy the inputs in (upload delivery). */
        st->upload_i = 0;
        upload_next(st);
        return;
    }
    run_plan_step(st);
}

static void uploaded_cb(void *ud, int rc, const b2a_err *err, const char *body)
{
    (void)body;
    cstate *st = ud;
    st->req = NULL;
    if (rc != B2A_OK) {
        fail(st, err);
        return;
    }
    st->upload_i++;
    upload_next(st);
}

static void upload_next(cstate *st)
{
    if (canceled(st))
        return;
    if (st->upload_i >= st->vjob->nuploads) {
        run_plan_step(st);
        return;
    }
    b2a_vendor_upload *u = &st->vjob->uploads[st->upload_i];
    b2a__job_log(st->job, B2A_LOG_INFO, "restore: uploading %s into the container (%zu of %zu)", u->host_path,
                 st->upload_i + 1, st->vjob->nuploads);
    if (b2a__docker_put_file(st->docker, st->container_id, u->host_path, u->dir, u->name, NULL, uploaded_cb, st,
                             &st->req) != B2A_OK)
        failf(st, B2A_EDOCKER, B2A_ERRCLASS_DOCKER, "could not upload %s into the container", u->host_path);
}

static void run_plan_step(cstate *st)
{
    if (canceled(st))
        return;
    if (st->plan_step >= st->plan.nsteps) {
        if (st->ignored)
            b2a__job_step_end(st->job, B2A_STEP_RESTORE, B2A_STATE_OK,
                              "%zu inputs restored; %u errors judged harmless, the first: %s", st->ninputs,
                              st->ignored, st->first_ignored);
        else
            b2a__job_step_end(st->job, B2A_STEP_RESTORE, B2A_STATE_OK, "%zu inputs restored", st->ninputs);
        run_script_step(st, B2A_STEP_POST_SQL, st->job->post_sql);
        return;
    }
    b2a__vendor_run_init(&st->run, st->vjob, &st->plan, st->plan_step);
    b2a_vendor_step *s = &st->plan.steps[st->plan_step];
    b2a__job_log(st->job, B2A_LOG_INFO, "restore: %s", s->label);
    int rc = b2a__docker_exec(st->docker, st->container_id, (const char *const *)s->cmd.argv, s->cmd.argc,
                              (const char *const *)s->cmd.env, s->cmd.nenv, restore_line, restore_exec_done, st,
                              &st->req);
    if (rc != B2A_OK) {
        failf(st, rc, B2A_ERRCLASS_DOCKER, "could not run %s in the container", s->label);
        return;
    }
    if (s->progress != B2A_VENDOR_PROGRESS_NONE && s->probe.argc > 0) {
        uv_timer_start(&st->bytes_timer, bytes_tick, s->probe_ms, s->probe_ms ? s->probe_ms : 1000);
        st->bytes_timer_on = 1;
    }
}

static void step_restore(cstate *st)
{
    if (canceled(st))
        return;
    begin(st, B2A_STEP_RESTORE);
    b2a_err e;
    if (b2a__vendor_plan(st->vjob, &st->plan, &e) != B2A_OK) {
        fail(st, &e);
        return;
    }
    st->plan_step = 0;
    run_plan_step(st);
}

/* ---- container: engine, image, create, start, ready ---- */

static void probe_try(cstate *st);

static void ready(cstate *st)
{
    b2a_err e;
    if (b2a__vendor_connstr(st->vjob, &st->connstr, &e) != B2A_OK) {
        fail(st, &e);
        return;
    }
    b2a__job_step_end(st->job, B2A_STEP_CONTAINER, B2A_STATE_OK, "%s ready on 127.0.0.1:%d (container %.12s)",
                      st->vjob->image, st->vjob->host_port, st->container_id);
    run_script_step(st, B2A_STEP_PRE_SQL, st->job->pre_sql);
}

static void probe_state_cb(void *ud, int rc, const b2a_err *err, const b2a_docker_state *state, const char *body)
{
    (void)body;
    cstate *st = ud;
    st->req = NULL;
    if (rc != B2A_OK) {
        fail(st, err);
        return;
    }
    if (!state->running) {
        b2a_err e;
        b2a__err_set(&e, B2A_EDOCKER, B2A_ERRCLASS_DOCKER,
                     "container %.12s of %s stopped before it was ready (exit code %d%s); see `docker logs %.12s`",
                     st->container_id, st->vjob->image, state->exit_code,
                     state->oom_killed ? ", killed for lack of memory" : "", st->container_id);
        fail(st, &e);
        return;
    }
    if (st->probe_try >= st->probe.tries) {
        b2a_err e;
        b2a__err_set(&e, B2A_ETIMEOUT, B2A_ERRCLASS_DOCKER,
                     "%s did not become ready after %u tries %u ms apart", st->vjob->image, st->probe.tries,
                     st->probe.delay_ms);
        fail(st, &e);
        return;
    }
    defer(st, st->probe.delay_ms, probe_try);
}

static void probe_exec_done(void *ud, int rc, int exit_code, const b2a_err *err)
{
    (void)err;
    cstate *st = ud;
    st->req = NULL;
    if (canceled(st))
        return;
    if (rc == B2A_OK && exit_code == 0) {
        ready(st);
        return;
    }
    /* Not ready yet: is the container still alive? */
    if (b2a__docker_container_inspect(st->docker, st->container_id, probe_state_cb, st, &st->req) != B2A_OK)
        failf(st, B2A_EDOCKER, B2A_ERRCLASS_DOCKER, "%s", "could not inspect the container");
}

static int ignore_line(void *ud, int stream, const char *line, size_t len)
{
    (void)ud, (void)stream, (void)line, (void)len;
    return 0;
}

static void probe_try(cstate *st)
{
    if (canceled(st))
        return;
    st->probe_try++;
    b2a_progress p = B2A__PROGRESS_INIT(B2A_STEP_CONTAINER, 50.0 + 45.0 * st->probe_try / (st->probe.tries + 1),
                                        NULL, 0, -1);
    p.attempt = (uint32_t)st->probe_try;
    p.attempts = (uint32_t)st->probe.tries;
    b2a__job_progress_report(st->job, &p);
    if (b2a__docker_exec(st->docker, st->container_id, (const char *const *)st->probe.cmd.argv, st->probe.cmd.argc,
                         (const char *const *)st->probe.cmd.env, st->probe.cmd.nenv, ignore_line, probe_exec_done, st,
                         &st->req) != B2A_OK)
        failf(st, B2A_EDOCKER, B2A_ERRCLASS_DOCKER, "%s", "could not run the readiness probe");
}

static void started_cb(void *ud, int rc, const b2a_err *err, const char *body)
{
    (void)body;
    cstate *st = ud;
    st->req = NULL;
    if (rc != B2A_OK) {
        fail(st, err);
        return;
    }
    b2a__job_log(st->job, B2A_LOG_INFO, "container %.12s started from %s, waiting until it is ready",
                 st->container_id, st->vjob->image);
    b2a__job_progress(st->job, B2A_STEP_CONTAINER, 50.0, NULL, 0, -1);
    st->probe_try = 0;
    b2a_err e;
    if (b2a__vendor_probe(st->vjob, &st->probe, &e) != B2A_OK) {
        fail(st, &e);
        return;
    }
    probe_try(st);
}

static void created_cb(void *ud, int rc, const b2a_err *err, const char *body)
{
    cstate *st = ud;
    st->req = NULL;
    if (rc != B2A_OK) {
        fail(st, err);
        return;
    }
    st->container_id = b2a__strdup(body);
    st->job->container_id = b2a__strdup(body);
    if (canceled(st))
        return;
    if (b2a__docker_container_start(st->docker, st->container_id, started_cb, st, &st->req) != B2A_OK)
        failf(st, B2A_EDOCKER, B2A_ERRCLASS_DOCKER, "%s", "could not start the container");
}

static void create_container(cstate *st)
{
    if (canceled(st))
        return;
    b2a_err e;
    int port = 0;
    if (b2a__vendor_free_port(&port, &e) != B2A_OK) {
        fail(st, &e);
        return;
    }
    b2a_vendor_params p;
    memset(&p, 0, sizeof(p));
    p.job_id = st->job->id;
    p.image = st->job->image;
    /* auto: host networking, which every Linux engine has (a bridge may be disabled);
     * the server is told to listen on 127.0.0.1 only either way. */
    p.network = st->job->network == B2A_NETWORK_PUBLISH ? B2A_NETWORK_PUBLISH : B2A_NETWORK_HOST;
    p.port = port;
    p.delivery = st->job->delivery == B2A_DELIVERY_UPLOAD ? B2A_VENDOR_UPLOAD : B2A_VENDOR_BIND;
    p.inputs = st->inputs;
    p.ninputs = st->ninputs;
    p.jobs = st->job->parallel;
    p.accept_eula = st->job->accept_eula;
    if (b2a__vendor_job_new(st->vendor, &p, &st->vjob, &e) != B2A_OK) {
        fail(st, &e);
        return;
    }
    /* Who owns the container, so `bak2avro gc` never takes a live job's. */
    char owner[320];
    if (b2a__owner_tag(owner, sizeof(owner)) == 0 &&
        b2a__vendor_strv_pushf(&st->vjob->labels, &st->vjob->nlabels, "bak2avro.owner=%s", owner) == B2A_OK) {
        st->vjob->spec.labels = (const char *const *)st->vjob->labels;
        st->vjob->spec.nlabels = st->vjob->nlabels;
    }
    free(st->job->image_used);
    st->job->image_used = b2a__strdup(st->vjob->image);
    b2a__job_progress(st->job, B2A_STEP_CONTAINER, 30.0, NULL, 0, -1);
    if (b2a__docker_container_create(st->docker, &st->vjob->spec, created_cb, st, &st->req) != B2A_OK)
        failf(st, B2A_EDOCKER, B2A_ERRCLASS_DOCKER, "%s", "could not create the container");
}

/* The image asked for, before the vendor job (which holds it later) exists. */
static const char *image_name(const cstate *st)
{
    return st->job->image ? st->job->image
                          : b2a__vendor_default_image(st->vendor, st->inputs, st->ninputs);
}

static int pull_progress(void *ud, double percent, const char *status)
{
    cstate *st = ud;
    b2a__job_progress(st->job, B2A_STEP_CONTAINER, percent < 0 ? -1 : percent * 0.3, NULL, 0, -1);
    b2a__job_log(st->job, B2A_LOG_DEBUG, "pull: %s", status);
    return st->job->cancel_requested;
}

static void pulled_cb(void *ud, int rc, const b2a_err *err, const char *body)
{
    (void)body;
    cstate *st = ud;
    st->req = NULL;
    const char *image = image_name(st);
    if (rc != B2A_OK) {
        b2a_err e;
        b2a__err_copy(&e, err);
        b2a__err_set(&e, rc == B2A_ECANCELED || rc == B2A_EUSER ? rc : B2A_ENOTFOUND, B2A_ERRCLASS_DOCKER,
                     "image %s is not on this Docker engine and could not be pulled (%s); load it with "
                     "`docker load` or `docker pull %s` where a registry is reachable, or name a local image "
                     "with --image",
                     image, err ? err->msg : "no reply", image);
        fail(st, &e);
        return;
    }
    create_container(st);
}

static void image_cb(void *ud, int rc, const b2a_err *err, const char *body)
{
    (void)body;
    cstate *st = ud;
    st->req = NULL;
    const char *image = image_name(st);
    if (canceled(st))
        return;
    if (rc == B2A_ENOTFOUND) {
        b2a__job_log(st->job, B2A_LOG_INFO, "image %s is not present, pulling it", image);
        if (b2a__docker_image_pull(st->docker, image, pull_progress, pulled_cb, st, &st->req) != B2A_OK)
            failf(st, B2A_EDOCKER, B2A_ERRCLASS_DOCKER, "could not pull %s", image);
        return;
    }
    if (rc != B2A_OK) {
        fail(st, err);
        return;
    }
    create_container(st);
}

static void ping_cb(void *ud, int rc, const b2a_err *err, const char *body)
{
    (void)body;
    cstate *st = ud;
    st->req = NULL;
    if (rc != B2A_OK) {
        b2a_err e;
        b2a__err_copy(&e, err);
        b2a__err_prefix(&e, "the Docker engine at %s does not answer (start dockerd, or set DOCKER_HOST): ",
                        b2a__docker_socket(st->docker));
        fail(st, &e);
        return;
    }
    const char *image = image_name(st);
    if (b2a__docker_image_inspect(st->docker, image, image_cb, st, &st->req) != B2A_OK)
        failf(st, B2A_EDOCKER, B2A_ERRCLASS_DOCKER, "could not inspect image %s", image);
}

static void step_container(cstate *st)
{
    b2a_err e;
    begin(st, B2A_STEP_CONTAINER);
    if (b2a__docker_new(st->job->ctx->loop, st->job->docker_host, &st->docker, &e) != B2A_OK) {
        fail(st, &e);
        return;
    }
    if (b2a__docker_ping(st->docker, ping_cb, st, &st->req) != B2A_OK)
        failf(st, B2A_EDOCKER, B2A_ERRCLASS_DOCKER, "%s", "could not reach the Docker engine");
}

/* ---- detect (checks that need no container) ---- */

static void detect_failed(cstate *st)
{
    fail(st, &st->work_err);
}

static int describe_inputs(cstate *st, b2a_err *err)
{
    b2a_job *job = st->job;
    st->ninputs = job->n_inputs;
    st->inputs = calloc(st->ninputs, sizeof(*st->inputs));
    if (!st->inputs)
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    for (size_t i = 0; i < st->ninputs; i++) {
        b2a_detected d;
        int rc = b2a__detect(job->inputs[i], &d, err);
        if (rc != B2A_OK)
            return rc;
        /* A dump cut short would restore as a smaller database. Its closing
         * line is read from the tail of a plain file here; a gzip'd one is
         * inflated off the loop (check_gzip_dump_ends). */
        if (!d.gzip && (rc = b2a__dump_check_end(job->inputs[i], &d, err)) != B2A_OK)
            return rc;
        b2a_vendor_input *in = &st->inputs[i];
        in->path = job->inputs[i];
        in->format = d.format;
        in->gzip = d.gzip;
        in->is_dir = d.is_dir;
        in->size = d.size;
        if (d.format == B2A_FMT_PG_CUSTOM || d.format == B2A_FMT_PG_TAR || d.format == B2A_FMT_PG_DIRECTORY) {
            b2a_pgdump_info info;
            if ((rc = b2a__pgdump_read(job->inputs[i], &info, err)) != B2A_OK)
                return rc;
            in->archive_vmaj = info.vmaj;
            in->archive_vmin = info.vmin;
            in->toc_items = info.n_toc;
            if (!job->database && info.dbname)
                job->database = b2a__strdup(info.dbname);
            b2a__pgdump_free(&info);
        } else if (!job->database) { /* a script says it with \connect, USE or CREATE DATABASE */
            char db[128];
            if ((rc = b2a__dump_database_name(job->inputs[i], d.format, db, sizeof(db), err)) != B2A_OK)
                return rc;
            job->database = db[0] ? b2a__strdup(db) : NULL;
        }
        if ((rc = b2a__vendor_check_input(st->vendor, in, job->image, err)) != B2A_OK)
            return rc;
    }
    /* The licence and a whole media set, before any image is pulled. */
    if (st->vendor->id == B2A_VENDOR_SQLSERVER)
        return b2a__sqlserver_check_inputs(st->inputs, st->ninputs, job->image, job->accept_eula, err);
    return B2A_OK;
}

/* A gzip'd script's closing line is reached only by inflating it whole:
 * off the loop, still before any container (plain ones were checked from
 * their tail in describe_inputs). */
static int gzip_dump_ends_work(cstate *st, b2a_err *err)
{
    for (size_t i = 0; i < st->ninputs; i++) {
        if (!st->inputs[i].gzip)
            continue;
        b2a_detected d = {.format = st->inputs[i].format, .gzip = 1};
        int rc = b2a__dump_check_end(st->inputs[i].path, &d, err);
        if (rc != B2A_OK)
            return rc;
    }
    return B2A_OK;
}

static void gzip_dump_ends_after(cstate *st, int rc)
{
    if (canceled(st))
        return;
    if (rc != B2A_OK) {
        fail(st, &st->work_err);
        return;
    }
    b2a_job *job = st->job;
    b2a__job_step_end(job, B2A_STEP_DETECT, B2A_STATE_OK, "%s (%s%s%s)", job->vendor, job->format,
                      job->format_version ? " " : "", job->format_version ? job->format_version : "");
    step_container(st);
}

static void check_gzip_dump_ends(cstate *st)
{
    run_blocking(st, gzip_dump_ends_work, gzip_dump_ends_after);
}

static int container_start(b2a_job *job)
{
    cstate *st = calloc(1, sizeof(*st));
    if (!st)
        return B2A_ENOMEM;
    st->job = job;
    uv_timer_init(job->ctx->loop, &st->timer);
    uv_timer_init(job->ctx->loop, &st->bytes_timer);
    st->timer.data = st->bytes_timer.data = st;
    st->handles_open = 2;
    job->pipeline_state = st;
    st->vendor = b2a__vendor_by_name(job->vendor);
    st->odbc_vendor = !st->vendor                            ? B2A_ODBC_POSTGRES
                      : st->vendor->id == B2A_VENDOR_MYSQL     ? B2A_ODBC_MYSQL
                      : st->vendor->id == B2A_VENDOR_SQLSERVER ? B2A_ODBC_SQLSERVER
                                                               : B2A_ODBC_POSTGRES;

    begin(st, B2A_STEP_DETECT);
    b2a__err_clear(&st->work_err);
    /* Everything that can be refused without a container is refused here. */
    if (describe_inputs(st, &st->work_err) != B2A_OK) {
        defer(st, 0, detect_failed); /* the done callback never runs inside b2a_job_start */
        return B2A_OK;
    }
    defer(st, 0, check_gzip_dump_ends);
    return B2A_OK;
}

static void container_cancel(b2a_job *job)
{
    cstate *st = job->pipeline_state;
    if (!st || st->cleaning)
        return;
    if (st->req) /* its callback then sees the cancel and goes to cleanup */
        b2a__docker_cancel(st->req);
    /* ODBC work and export chunks notice the cancel between chunks. */
}

static const b2a_pipeline_ops container_pipeline = {"container", container_start, container_cancel};

const b2a_pipeline_ops *b2a__pipeline_container_for(b2a_job *job, const struct b2a_detected *d, b2a_err *err)
{
    const b2a_vendor *v = b2a__vendor_by_id(d->vendor);
    if (d->format == B2A_FMT_PG_DUMPALL) {
        b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_USAGE,
                     "%s is a pg_dumpall plain-text dump of a whole cluster (roles, tablespaces and every "
                     "database), not one database: restore it with psql yourself, or dump one database with "
                     "pg_dump -Fc and give that to bak2avro",
                     job->inputs[0]);
        return NULL;
    }
    if (!v) {
        b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_USAGE, "%s: restoring %s backups (%s) in a container is not supported yet",
                     job->inputs[0], b2a__detect_vendor_name(d->vendor), b2a__detect_format_name(d->format));
        return NULL;
    }
    if (!v->supports(d->format)) {
        b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_USAGE, "%s: %s cannot restore %s", job->inputs[0], v->name,
                     b2a__detect_format_name(d->format));
        return NULL;
    }
    return &container_pipeline;
}
