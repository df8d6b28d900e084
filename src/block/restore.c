/* The Restore block (include/bak2avro/restore.h), top to bottom:
 *
 *   pre-SQL (ODBC, off the loop) -> the vendor's plan: each step an exec in
 *   the container (uploads after the PREPARE step), its output parsed for
 *   progress and errors -> post-SQL -> the rows' database located -> done
 *
 * A failed step asks the engine whether the container died, which explains
 * a failed restore better than the tool's last words. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "block/container.h"
#include "block/restore.h"
#include "core/cancel.h"
#include "core/ctx.h"
#include "util/str.h"

#define B2A_RESTORE_MAGIC 0xb2a0e5e5u
#define LOGIN_TIMEOUT_S 30

struct b2a_restore {
    uint32_t magic;
    b2a_container *c;
    b2a_ctx *ctx;
    char *pre_sql, *post_sql;
    uint32_t parallel;
    b2a_restore_progress_cb progress_cb;
    b2a_restore_log_cb log_cb;
    b2a_restore_cb done_cb;
    void *userdata;
    b2a_restore_phase_fn phase_fn;   /* internal: a job's step records */
    void *phase_ud;
    int log_output;

    b2a_step phase;
    int running, cancel_requested, free_requested;
    b2a_canceler cancel;               /* b2a_restore_cancel() from any thread */
    b2a_docker_req *req, *bytes_req;
    uv_timer_t timer, bytes_timer;
    int handles_open;
    int probe_in_flight;   /* a progress probe's done callback is still to come */
    size_t probe_step;     /* the plan step the probe in flight looks at */
    uv_work_t work;
    b2a_err work_err;
    char *located, *located_several;   /* locate_work's findings */
    size_t nlocated;
    b2a_vendor_plan plan;
    size_t plan_step, upload_i;
    b2a_vendor_run run;
    unsigned death_checks;
    uint32_t ignored;
    char first_ignored[256];
    b2a_err err;
};

static void phase_begin(b2a_restore *r, b2a_step phase);
static void plan_begin(b2a_restore *r);
static void run_plan_step(b2a_restore *r);
static void post_sql(b2a_restore *r);
static void upload_next(b2a_restore *r);
static void locate(b2a_restore *r);
static void restore_cancel_now(void *handle);

/* ---- handle ---- */

/* A cancel asked (from any thread) counts at once, before the loop has run restore_cancel_now. */
static int cancel_seen(b2a_restore *r)
{
    return r->cancel_requested || b2a__canceler_asked(&r->cancel);
}

int b2a_restore_options_init(b2a_restore_options *o, unsigned int version)
{
    if (!o || version != B2A_RESTORE_OPTIONS_VERSION)
        return B2A_EINVAL;
    memset(o, 0, sizeof(*o));
    o->version = version;
    return B2A_OK;
}

int b2a_restore_new(b2a_container *c, const b2a_restore_options *o, b2a_restore **out)
{
    if (!c || c->magic != B2A_CONTAINER_MAGIC || !o || o->version != B2A_RESTORE_OPTIONS_VERSION || !out)
        return B2A_EINVAL;
    *out = NULL;
    b2a_restore *r = calloc(1, sizeof(*r));
    if (!r)
        return B2A_ENOMEM;
    if (b2a__canceler_init(&r->cancel) != B2A_OK) {
        free(r);
        return B2A_ENOMEM;
    }
    r->magic = B2A_RESTORE_MAGIC;
    r->c = c;
    r->ctx = c->ctx;
    r->log_output = 1;
    r->pre_sql = o->pre_sql && *o->pre_sql ? b2a__strdup(o->pre_sql) : NULL;
    r->post_sql = o->post_sql && *o->post_sql ? b2a__strdup(o->post_sql) : NULL;
    if ((o->pre_sql && *o->pre_sql && !r->pre_sql) || (o->post_sql && *o->post_sql && !r->post_sql)) {
        free(r->pre_sql);
        free(r->post_sql);
        b2a__canceler_destroy(&r->cancel);
        free(r);
        return B2A_ENOMEM;
    }
    r->parallel = o->parallel;
    r->progress_cb = o->progress_cb;
    r->log_cb = o->log_cb;
    r->done_cb = o->done_cb;
    r->userdata = o->userdata;
    uv_timer_init(c->ctx->loop, &r->timer);
    uv_timer_init(c->ctx->loop, &r->bytes_timer);
    r->timer.data = r->bytes_timer.data = r;
    r->handles_open = 2;
    b2a__ctx_hold(c->ctx);
    *out = r;
    return B2A_OK;
}

void b2a__restore_set_phase(b2a_restore *r, b2a_restore_phase_fn fn, void *ud)
{
    r->phase_fn = fn;
    r->phase_ud = ud;
}

void b2a__restore_log_output(b2a_restore *r, int on)
{
    r->log_output = on;
}

static void rlog(b2a_restore *r, b2a_log_level level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void rlog(b2a_restore *r, b2a_log_level level, const char *fmt, ...)
{
    if (!r->log_cb)
        return;
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    r->log_cb(r, level, buf, r->userdata);
}

static void report(b2a_restore *r, double percent, int64_t done, int64_t expected)
{
    if (!r->progress_cb || cancel_seen(r))
        return;
    b2a_progress p = B2A__PROGRESS_INIT(r->phase, percent, NULL, done, expected);
    /* A bytes count is the dump's bytes the tool consumed. */
    if (r->phase == B2A_STEP_RESTORE && r->run.step && r->run.step->progress == B2A_VENDOR_PROGRESS_BYTES &&
        expected >= 0) {
        p.bytes_done = done;
        p.bytes_expected = expected;
    } else if (r->phase == B2A_STEP_RESTORE && r->run.step && r->run.read_pos) {
        /* items are the percent; the read probe, the dump's bytes */
        p.bytes_done = (int64_t)r->run.read_pos;
        p.bytes_expected = (int64_t)r->c->vjob->inputs[r->run.step->input].size;
    }
    if (r->progress_cb(r, &p, r->userdata) != 0)
        restore_cancel_now(r);
}

/* ---- ending ---- */

static void phase_end(b2a_restore *r, b2a_state state, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void phase_end(b2a_restore *r, b2a_state state, const char *fmt, ...)
{
    char msg[B2A_ERRMSG_MAX] = "";
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
    }
    if (state == B2A_STATE_OK)
        report(r, 100.0, 0, -1);
    if (r->phase_fn)
        r->phase_fn(r->phase_ud, r->phase, state, fmt ? msg : NULL);
}

static void finish(b2a_restore *r, int rc)
{
    if (r->bytes_req) {
        b2a__docker_cancel(r->bytes_req);
        r->bytes_req = NULL;
    }
    uv_timer_stop(&r->bytes_timer);
    r->running = 0;
    b2a__canceler_disarm(&r->cancel);
    r->c->users--;
    if (r->done_cb)
        r->done_cb(r, rc, r->userdata);
    /* A container freed while we used it waited for us. */
    if (r->c->free_requested && r->c->users == 0 && !r->c->starting && !r->c->stopping)
        b2a_container_free(r->c);
    if (r->free_requested)
        b2a_restore_free(r);
}

static void fail(b2a_restore *r, const b2a_err *err)
{
    b2a__err_copy(&r->err, err);
    if (cancel_seen(r) && r->err.code != B2A_EUSER)
        r->err.code = B2A_ECANCELED;
    phase_end(r, cancel_seen(r) ? B2A_STATE_CANCELED : B2A_STATE_FAILED, "%s", err->msg);
    finish(r, r->err.code ? r->err.code : B2A_EFATAL);
}

static void failf(b2a_restore *r, int code, b2a_error_class klass, const char *fmt, const char *arg)
{
    b2a_err e;
    b2a__err_set(&e, code, klass, fmt, arg);
    fail(r, &e);
}

static int canceled(b2a_restore *r)
{
    if (!cancel_seen(r))
        return 0;
    failf(r, B2A_ECANCELED, B2A_ERRCLASS_USAGE, "%s", "restore canceled");
    return 1;
}

static void phase_begin(b2a_restore *r, b2a_step phase)
{
    r->phase = phase;
    if (r->phase_fn)
        r->phase_fn(r->phase_ud, phase, B2A_STATE_RUNNING, NULL);
    report(r, 0.0, 0, -1);
}

/* ---- pre-SQL and post-SQL, on the thread pool ---- */

static void sql_work(uv_work_t *w)
{
    b2a_restore *r = w->data;
    b2a__err_clear(&r->work_err);
    int pre = r->phase == B2A_STEP_PRE_SQL;
    b2a_odbc_conn *conn = NULL;
    int rc = b2a__odbc_connect(b2a__container_odbc_vendor(r->c), r->c->connstr, LOGIN_TIMEOUT_S, &conn, &r->work_err);
    if (rc == B2A_OK)
        b2a__odbc_exec_script(conn, pre ? r->pre_sql : r->post_sql, pre ? "pre-SQL" : "post-SQL", &r->work_err);
    b2a__odbc_disconnect(conn);
}

static void sql_after(uv_work_t *w, int status)
{
    b2a_restore *r = w->data;
    if (status == UV_ECANCELED)
        b2a__err_set(&r->work_err, B2A_ECANCELED, B2A_ERRCLASS_USAGE, "canceled");
    if (r->work_err.code != B2A_OK) {
        fail(r, &r->work_err);
        return;
    }
    phase_end(r, B2A_STATE_OK, NULL);
    if (r->phase == B2A_STEP_PRE_SQL)
        plan_begin(r);
    else
        locate(r);
}

static void run_sql(b2a_restore *r, b2a_step phase)
{
    if (canceled(r))
        return;
    phase_begin(r, phase);
    r->work.data = r;
    if (uv_queue_work(r->c->ctx->loop, &r->work, sql_work, sql_after) != 0)
        failf(r, B2A_ENOMEM, B2A_ERRCLASS_OS, "%s", "could not queue work on the loop");
}

static void pre_sql(uv_timer_t *t)
{
    b2a_restore *r = t->data;
    if (r->pre_sql)
        run_sql(r, B2A_STEP_PRE_SQL);
    else
        plan_begin(r);
}

static void post_sql(b2a_restore *r)
{
    if (r->post_sql)
        run_sql(r, B2A_STEP_POST_SQL);
    else
        locate(r);
}

/* ---- where the rows went ---- */

/* A script may create a database of its own and fill that one (pg_dump -C's
 * \connect, mysqldump --databases' USE): the container's database then
 * stays empty, and an endpoint naming it would export nothing. When it has
 * no tables and exactly one other user database exists, the endpoint names
 * that one; several are named in a warning. Only the servers whose restore
 * can go elsewhere are asked. */
static const char *const LOCATE_SQL[][2] = {
    [B2A_ODBC_POSTGRES] = {
        "SELECT count(*) FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')",
        "SELECT datname FROM pg_database WHERE NOT datistemplate AND datname <> 'postgres' "
        "AND datname <> current_database() ORDER BY 1"},
    [B2A_ODBC_MYSQL] = {
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = DATABASE()",
        "SELECT schema_name FROM information_schema.schemata WHERE schema_name NOT IN "
        "('mysql', 'information_schema', 'performance_schema', 'sys') AND schema_name <> DATABASE() ORDER BY 1"},
};

static void locate_work(uv_work_t *w)
{
    b2a_restore *r = w->data;
    b2a_odbc_vendor v = b2a__container_odbc_vendor(r->c);
    b2a__err_clear(&r->work_err);
    b2a_odbc_conn *conn = NULL;
    int64_t tables = 0;
    b2a_odbc_result res = {0};
    if (b2a__odbc_connect(v, r->c->connstr, LOGIN_TIMEOUT_S, &conn, &r->work_err) == B2A_OK &&
        b2a__odbc_query_i64(conn, LOCATE_SQL[v][0], &tables, &r->work_err) == B2A_OK && tables == 0 &&
        b2a__odbc_query(conn, LOCATE_SQL[v][1], &res, &r->work_err) == B2A_OK) {
        if (res.nrows == 1) {
            r->located = b2a__strdup(b2a__odbc_cell(&res, 0, 0));
        } else if (res.nrows > 1) {
            char list[512] = "";
            for (size_t i = 0; i < res.nrows; i++)
                snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "",
                         b2a__odbc_cell(&res, i, 0));
            r->located_several = b2a__strdup(list);
            r->nlocated = res.nrows;
        }
    }
    b2a__odbc_result_clear(&res);
    b2a__odbc_disconnect(conn);
}

static void locate_after(uv_work_t *w, int status)
{
    b2a_restore *r = w->data;
    char *one = r->located, *several = r->located_several;
    r->located = r->located_several = NULL;
    if (status == UV_ECANCELED)
        b2a__err_set(&r->work_err, B2A_ECANCELED, B2A_ERRCLASS_USAGE, "restore canceled");
    if (r->work_err.code != B2A_OK) {
        free(one);
        free(several);
        fail(r, &r->work_err);
        return;
    }
    if (one) {
        free(r->c->data_database);
        r->c->data_database = one;
        rlog(r, B2A_LOG_INFO, "the backup filled database %s (its own), not %s", one, r->c->vjob->dbname);
    } else if (several) {
        rlog(r, B2A_LOG_WARN, "the backup filled several databases (%s) and left %s empty: name one of them "
             "in the connection string", several, r->c->vjob->dbname);
        /* kept for a job, which exports one database (src/pipeline/container.c) */
        free(r->c->data_databases);
        r->c->data_databases = several;
        r->c->ndata_databases = r->nlocated;
        several = NULL;
    }
    free(several);
    if (!canceled(r))
        finish(r, B2A_OK);
}

static void locate(b2a_restore *r)
{
    b2a_odbc_vendor v = b2a__container_odbc_vendor(r->c);
    if (v != B2A_ODBC_POSTGRES && v != B2A_ODBC_MYSQL) {
        finish(r, B2A_OK);
        return;
    }
    if (canceled(r))
        return;
    r->work.data = r;
    if (uv_queue_work(r->c->ctx->loop, &r->work, locate_work, locate_after) != 0)
        failf(r, B2A_ENOMEM, B2A_ERRCLASS_OS, "%s", "could not queue work on the loop");
}

/* ---- the vendor's restore plan ---- */

static void plan_begin(b2a_restore *r)
{
    if (canceled(r))
        return;
    phase_begin(r, B2A_STEP_RESTORE);
    b2a_err e;
    r->c->vjob->jobs = r->parallel;
    b2a__vendor_plan_free(&r->plan);
    if (b2a__vendor_plan(r->c->vjob, &r->plan, &e) != B2A_OK) {
        fail(r, &e);
        return;
    }
    r->plan_step = 0;
    run_plan_step(r);
}

static int restore_line(void *ud, int stream, const char *line, size_t len)
{
    b2a_restore *r = ud;
    if (b2a__vendor_run_line(&r->run, stream, line, len) && r->run.percent >= 0)
        report(r, r->run.percent, (int64_t)r->run.done, (int64_t)r->run.step->total);
    if (r->log_cb && r->log_output) {
        char buf[1024], safe[1024];
        size_t n = len < sizeof(buf) - 1 ? len : sizeof(buf) - 1;
        memcpy(buf, line, n);
        buf[n] = '\0';
        b2a__vendor_redact(r->c->vjob, buf, safe, sizeof(safe));
        rlog(r, B2A_LOG_DEBUG, "%s: %s", r->run.step->label, safe);
    }
    return cancel_seen(r);
}

static int probe_line(void *ud, int stream, const char *line, size_t len)
{
    (void)stream;
    b2a_restore *r = ud;
    /* a probe's answer that comes after its step ended would feed the next one */
    if (r->probe_step != r->plan_step)
        return 0;
    if (b2a__vendor_run_probe_line(&r->run, line, len) && r->run.percent >= 0)
        report(r, r->run.percent, (int64_t)r->run.done, (int64_t)r->run.step->total);
    return 0;
}

static void release(b2a_restore *r);

/* A probe canceled by finish() still calls back, maybe after the restore
 * was freed and its handles closed: the last of the two frees it. */
static void probe_done(void *ud, int rc, int exit_code, const b2a_err *err)
{
    (void)rc, (void)exit_code, (void)err;
    b2a_restore *r = ud;
    r->bytes_req = NULL;
    r->probe_in_flight = 0;
    if (r->handles_open == 0)
        release(r);
}

static void bytes_tick(uv_timer_t *t)
{
    b2a_restore *r = t->data;
    b2a_vendor_step *s = r->run.step;
    if (r->bytes_req || !s || !r->running)
        return;
    if (b2a__docker_exec(r->c->docker, r->c->id, (const char *const *)s->probe.argv, s->probe.argc,
                         (const char *const *)s->probe.env, s->probe.nenv, probe_line, probe_done, r,
                         &r->bytes_req) == B2A_OK) {
        r->probe_in_flight = 1;
        r->probe_step = r->plan_step;
    }
}

/* A tool that exited 0 has consumed its input: say so, or a restore done
 * before the probe's first look would never show its bytes. */
static void report_input_consumed(b2a_restore *r)
{
    b2a_vendor_run *run = &r->run;
    const b2a_vendor_step *s = run->step;
    uint64_t size = r->c->vjob->inputs[s->input].size;
    if (s->kind != B2A_VENDOR_STEP_RESTORE || !s->probe.argc || !size)
        return;
    if (s->progress == B2A_VENDOR_PROGRESS_BYTES)
        run->done = s->total;
    else if (s->progress == B2A_VENDOR_PROGRESS_ITEMS)
        run->read_pos = size;
    else
        return;
    /* the phase's 100 is said when it ends: the last step's is not yet */
    if (run->percent >= 0)
        report(r, run->percent < 100 ? run->percent : 99, (int64_t)run->done, (int64_t)s->total);
}

static void inspect_after_failure(uv_timer_t *t);

static void died_cb(void *ud, int rc, const b2a_err *err, const b2a_docker_state *state, const char *body)
{
    (void)body, (void)err;
    b2a_restore *r = ud;
    r->req = NULL;
    /* A killed container can still read as running for a moment: look again, a few times. */
    if (rc == B2A_OK && state && state->running && ++r->death_checks < 5) {
        uv_timer_start(&r->timer, inspect_after_failure, 200, 0);
        return;
    }
    b2a_err e;
    b2a__err_copy(&e, &r->work_err);
    if (rc == B2A_OK && state && !state->running)
        b2a__err_prefix(&e, "the container stopped (exit code %d%s%s%s): ", state->exit_code,
                        state->oom_killed ? ", killed for lack of memory" : "",
                        state->error && *state->error ? ", " : "", state->error ? state->error : "");
    else if (rc == B2A_ENOTFOUND)
        b2a__err_prefix(&e, "the container is gone: ");
    fail(r, &e);
}

static void inspect_after_failure(uv_timer_t *t)
{
    b2a_restore *r = t->data;
    if (b2a__docker_container_inspect(r->c->docker, r->c->id, died_cb, r, &r->req) != B2A_OK)
        fail(r, &r->work_err);
}

static void restore_exec_done(void *ud, int rc, int exit_code, const b2a_err *err)
{
    b2a_restore *r = ud;
    r->req = NULL;
    uv_timer_stop(&r->bytes_timer);
    if (rc == B2A_OK)
        rc = b2a__vendor_run_finish(&r->run, &r->plan, r->plan_step, exit_code, &r->work_err);
    else
        b2a__err_copy(&r->work_err, err);
    if (rc != B2A_OK) {
        if (canceled(r))
            return;
        r->death_checks = 0;
        inspect_after_failure(&r->timer);
        return;
    }
    if (r->run.ignored) {
        rlog(r, B2A_LOG_WARN, "%s: %u errors judged harmless, the first: %s", r->run.step->label, r->run.ignored,
             r->run.first_ignored);
        if (!r->ignored)
            snprintf(r->first_ignored, sizeof(r->first_ignored), "%s", r->run.first_ignored);
        r->ignored += r->run.ignored;
    }
    report_input_consumed(r);
    int prepared = r->run.step->kind == B2A_VENDOR_STEP_PREPARE;
    r->plan_step++;
    if (prepared) {
        /* The target folders exist now: copy the inputs in (upload delivery). */
        r->upload_i = 0;
        upload_next(r);
        return;
    }
    run_plan_step(r);
}

static void uploaded_cb(void *ud, int rc, const b2a_err *err, const char *body)
{
    (void)body;
    b2a_restore *r = ud;
    r->req = NULL;
    if (rc != B2A_OK) {
        fail(r, err);
        return;
    }
    r->upload_i++;
    upload_next(r);
}

static void upload_next(b2a_restore *r)
{
    if (canceled(r))
        return;
    b2a_vendor_job *vj = r->c->vjob;
    if (r->upload_i >= vj->nuploads) {
        run_plan_step(r);
        return;
    }
    b2a_vendor_upload *u = &vj->uploads[r->upload_i];
    rlog(r, B2A_LOG_INFO, "restore: uploading %s into the container (%zu of %zu)", u->host_path, r->upload_i + 1,
         vj->nuploads);
    if (b2a__docker_put_file(r->c->docker, r->c->id, u->host_path, u->dir, u->name, NULL, uploaded_cb, r, &r->req) !=
        B2A_OK)
        failf(r, B2A_EDOCKER, B2A_ERRCLASS_DOCKER, "could not upload %s into the container", u->host_path);
}

static void run_plan_step(b2a_restore *r)
{
    if (canceled(r))
        return;
    if (r->plan_step >= r->plan.nsteps) {
        if (r->ignored)
            phase_end(r, B2A_STATE_OK, "%zu inputs restored; %u errors judged harmless, the first: %s",
                      r->c->ninputs, r->ignored, r->first_ignored);
        else
            phase_end(r, B2A_STATE_OK, "%zu inputs restored", r->c->ninputs);
        post_sql(r);
        return;
    }
    b2a__vendor_run_init(&r->run, r->c->vjob, &r->plan, r->plan_step);
    b2a_vendor_step *s = &r->plan.steps[r->plan_step];
    rlog(r, B2A_LOG_INFO, "restore: %s", s->label);
    int rc = b2a__docker_exec(r->c->docker, r->c->id, (const char *const *)s->cmd.argv, s->cmd.argc,
                              (const char *const *)s->cmd.env, s->cmd.nenv, restore_line, restore_exec_done, r,
                              &r->req);
    if (rc != B2A_OK) {
        failf(r, rc, B2A_ERRCLASS_DOCKER, "could not run %s in the container", s->label);
        return;
    }
    if (s->progress != B2A_VENDOR_PROGRESS_NONE && s->probe.argc > 0)
        uv_timer_start(&r->bytes_timer, bytes_tick, s->probe_ms, s->probe_ms ? s->probe_ms : 1000);
}

/* ---- start, cancel, free ---- */

int b2a_restore_start(b2a_restore *r)
{
    if (!r || r->magic != B2A_RESTORE_MAGIC)
        return B2A_EINVAL;
    if (r->running || r->free_requested || !r->c->ready || r->c->starting || r->c->stopping)
        return B2A_EBUSY;
    if (b2a__canceler_arm(&r->cancel, r->ctx->loop, restore_cancel_now, r) != B2A_OK)
        return B2A_ENOMEM;
    b2a__err_clear(&r->err);
    r->running = 1;
    r->cancel_requested = 0;
    r->ignored = 0;
    r->c->users++;
    uv_timer_start(&r->timer, pre_sql, 0, 0); /* never call back inside the start */
    return B2A_OK;
}

/* On the loop thread. SQL on the thread pool ends at its own pace; restore_line stops an exec. */
static void restore_cancel_now(void *handle)
{
    b2a_restore *r = handle;
    if (!r->running || r->cancel_requested)
        return;
    r->cancel_requested = 1;
    if (r->req)
        b2a__docker_cancel(r->req); /* its callback sees the cancel */
}

int b2a_restore_cancel(b2a_restore *r)
{
    if (!r || r->magic != B2A_RESTORE_MAGIC)
        return B2A_EINVAL;
    b2a__canceler_request(&r->cancel); /* any thread: the loop runs restore_cancel_now */
    return B2A_OK;
}

static void closed(uv_handle_t *h)
{
    b2a_restore *r = h->data;
    if (--r->handles_open > 0 || r->probe_in_flight)
        return;
    release(r);
}

static void release(b2a_restore *r)
{
    b2a_ctx *ctx = r->ctx;
    b2a__vendor_plan_free(&r->plan);
    free(r->pre_sql);
    free(r->post_sql);
    b2a__canceler_destroy(&r->cancel);
    r->magic = 0;
    free(r);
    b2a__ctx_release(ctx);
}

void b2a_restore_free(b2a_restore *r)
{
    if (!r || r->magic != B2A_RESTORE_MAGIC)
        return;
    r->free_requested = 1;
    if (r->running) {
        restore_cancel_now(r);
        return;
    }
    r->magic = 0xdead;
    uv_close((uv_handle_t *)&r->timer, closed);
    uv_close((uv_handle_t *)&r->bytes_timer, closed);
}

const b2a_err *b2a__restore_err(const b2a_restore *r)
{
    return &r->err;
}

uint32_t b2a_restore_ignored(const b2a_restore *r)
{
    return r && r->magic == B2A_RESTORE_MAGIC ? r->ignored : 0;
}

B2A_ERRCODE_ACCESSOR(b2a_restore_errcode, b2a_restore, B2A_RESTORE_MAGIC)
B2A_ERRCLASS_ACCESSOR(b2a_restore_errclass, b2a_restore, B2A_RESTORE_MAGIC)
B2A_ERRMSG_ACCESSOR(b2a_restore_errmsg, b2a_restore, B2A_RESTORE_MAGIC)
