/* Job lifecycle: options, start, cancel, free, steps, progress, completion. */
#include "core/job_impl.h"

#include <errno.h>
#include <fnmatch.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ctx.h"
#include "core/output.h"
#include "util/file.h"
#include "util/str.h"

/* Size of b2a_job_options as each published version defines it. */
static size_t options_size(unsigned int version)
{
    switch (version) {
    case 1: return offsetof(b2a_job_options, include_views);
    case 2: return offsetof(b2a_job_options, overwrite);
    case 3: return offsetof(b2a_job_options, via);
    case 4: return offsetof(b2a_job_options, naive_timestamps);
    case 5: return sizeof(b2a_job_options);
    default: return 0;
    }
}

int b2a_job_options_init(b2a_job_options *opts, unsigned int version)
{
    size_t size = options_size(version);
    if (!opts || size == 0)
        return B2A_EINVAL;
    b2a_job_options defaults = B2A_JOB_OPTIONS_INIT;
    memcpy(opts, &defaults, size);
    opts->version = version;
    return B2A_OK;
}

static int job_alloc(b2a_ctx *ctx, b2a_job **out)
{
    if (!ctx || ctx->magic != B2A_CTX_MAGIC || !out)
        return B2A_EINVAL;
    *out = NULL;
    b2a_job *job = calloc(1, sizeof(*job));
    if (!job)
        return B2A_ENOMEM;
    job->magic = B2A_JOB_MAGIC;
    job->ctx = ctx;
    job->codec = B2A_CODEC_SNAPPY;
    job->network = B2A_NETWORK_AUTO;
    job->parallel = 2;
    if (b2a__random_hex(job->id, 16) != 0) {
        free(job);
        return B2A_EINVAL;
    }
    *out = job;
    return B2A_OK;
}

static int copy_options(b2a_job *job, const b2a_job_options *in)
{
    size_t size = options_size(in->version);
    if (size == 0)
        return B2A_EINVAL;
    /* Copy only the prefix the caller's version defines; the rest stays default. */
    b2a_job_options o;
    b2a_job_options_init(&o, B2A_JOB_OPTIONS_VERSION);
    memcpy(&o, in, size);

    if ((o.n_inputs && !o.inputs) || (o.n_include && !o.include) || (o.n_exclude && !o.exclude) ||
        (o.via != B2A_VIA_AUTO && o.via != B2A_VIA_ODBC) || (unsigned)o.naive_timestamps > B2A_NAIVE_STRING)
        return B2A_EINVAL;
    job->inputs = b2a__strv_dup(o.inputs, o.n_inputs);
    job->n_inputs = o.n_inputs;
    job->include = b2a__strv_dup(o.include, o.n_include);
    job->n_include = o.n_include;
    job->exclude = b2a__strv_dup(o.exclude, o.n_exclude);
    job->n_exclude = o.n_exclude;
    job->output_dir = b2a__strdup(o.output_dir);
    job->vendor = b2a__strdup(o.vendor);
    job->image = b2a__strdup(o.image);
    job->docker_host = b2a__strdup(o.docker_host);
    job->pre_sql = b2a__strdup(o.pre_sql);
    job->post_sql = b2a__strdup(o.post_sql);
    job->job_json_path = b2a__strdup(o.job_json_path);
    job->network = o.network;
    job->parallel = o.parallel ? o.parallel : 2;
    job->codec = o.codec;
    job->keep_container = o.keep_container;
    job->restore_mode = o.restore_mode;
    job->accept_eula = o.accept_eula;
    job->include_views = o.include_views;
    job->delivery = o.delivery;
    job->overwrite = o.overwrite;
    job->ignore_checksums = o.ignore_checksums;
    job->allow_column_loss = o.allow_column_loss;
    job->via = o.via;
    job->naive_timestamps = o.naive_timestamps;
    job->dsn = b2a__strdup(o.dsn);
    job->splits = o.splits;
    job->max_file_bytes = o.max_file_bytes;
    job->max_file_rows = o.max_file_rows;
    job->progress_cb = o.progress_cb;
    job->log_cb = o.log_cb;
    job->done_cb = o.done_cb;
    job->userdata = o.userdata;
    if ((o.n_inputs && !job->inputs) || (o.output_dir && !job->output_dir) || (o.dsn && !job->dsn))
        return B2A_ENOMEM;
    return B2A_OK;
}

static void job_destroy(b2a_job *job)
{
    b2a__strv_free(job->inputs, job->n_inputs);
    b2a__strv_free(job->include, job->n_include);
    b2a__strv_free(job->exclude, job->n_exclude);
    free(job->output_dir);
    if (job->dsn)
        memset(job->dsn, 0, strlen(job->dsn));
    free(job->dsn);
    free(job->dsn_display);
    free(job->vendor);
    free(job->image);
    free(job->docker_host);
    free(job->pre_sql);
    free(job->post_sql);
    free(job->job_json_path);
    for (int i = 0; i < B2A_NSTEPS; i++)
        free(job->steps[i].message);
    free(job->format);
    free(job->format_version);
    free(job->database);
    free(job->image_used);
    free(job->container_id);
    b2a__strv_free(job->verification.failures, job->verification.nfailures);
    for (size_t i = 0; i < job->ntables; i++) {
        b2a_table_job *t = &job->tables[i];
        b2a__table_def_clear(&t->def);
        free(t->kind);
        b2a__strv_free(t->primary_key, t->nprimary_key);
        b2a__strv_free(t->partitions, t->npartitions);
        free(t->avro_path);
        free(t->avsc_path);
        b2a__strv_free(t->files, t->nfiles);
        free(t->message);
        for (size_t k = 0; k < t->nlost_columns; k++) {
            free(t->lost_columns[k].name);
            free(t->lost_columns[k].reason);
        }
        free(t->lost_columns);
    }
    free(job->tables);
    job->magic = 0;
    free(job);
}

static int validate(const b2a_job *job)
{
    /* backups or a database, one of the two */
    if ((job->n_inputs == 0) == (job->dsn == NULL) || !job->output_dir)
        return B2A_EINVAL;
    if (job->codec != B2A_CODEC_NULL && job->codec != B2A_CODEC_DEFLATE && job->codec != B2A_CODEC_SNAPPY)
        return B2A_EINVAL;
    if (job->restore_mode > B2A_RESTORE_CONTAINER || job->network > B2A_NETWORK_AUTO ||
        job->delivery > B2A_DELIVERY_UPLOAD)
        return B2A_EINVAL;
    return B2A_OK;
}

int b2a_job_new(b2a_ctx *ctx, const b2a_job_options *opts, b2a_job **out)
{
    if (!opts)
        return B2A_EINVAL;
    b2a_job *job;
    int rc = job_alloc(ctx, &job);
    if (rc != B2A_OK)
        return rc;
    if ((rc = copy_options(job, opts)) != B2A_OK || (rc = validate(job)) != B2A_OK) {
        job_destroy(job);
        return rc;
    }
    *out = job;
    return B2A_OK;
}

int b2a_job_new_from_json(b2a_ctx *ctx, const char *json, const b2a_job_options *callbacks, b2a_job **out,
                          char **errmsg_out)
{
    if (errmsg_out)
        *errmsg_out = NULL;
    if (!json)
        return B2A_EINVAL;
    b2a_job *job;
    int rc = job_alloc(ctx, &job);
    if (rc != B2A_OK)
        return rc;
    if (callbacks) {
        job->progress_cb = callbacks->progress_cb;
        job->log_cb = callbacks->log_cb;
        job->done_cb = callbacks->done_cb;
        job->userdata = callbacks->userdata;
    }
    if ((rc = b2a__job_load_json(job, json, &job->err)) != B2A_OK || (rc = validate(job)) != B2A_OK) {
        if (errmsg_out)
            *errmsg_out = b2a__strdup(job->err.msg[0] ? job->err.msg : "job JSON: invalid option values");
        job_destroy(job);
        return rc;
    }
    *out = job;
    return B2A_OK;
}

int b2a__job_run(b2a_job *job, const b2a_pipeline_ops *p)
{
    /* Before anything is written: a used output folder is refused, or with
     * overwrite, the earlier output there is removed whole. */
    size_t removed = 0;
    int prc = b2a__output_prepare(job->output_dir, job->job_json_path, job->overwrite, &removed, &job->err);
    if (prc != B2A_OK)
        return prc;
    if (removed)
        b2a__job_log(job, B2A_LOG_INFO, "--overwrite: removed the %zu files of the earlier output in %s", removed,
                     job->output_dir);
    job->pipeline = p;
    job->started = 1;
    job->status = B2A_JOB_RUNNING;
    job->t0_ms = b2a__now_ms();
    b2a__now_iso(job->started_at);
    b2a__ctx_job_started(job->ctx, job);
    int rc = p->start(job);
    if (rc != B2A_OK) {
        /* Contract: a start that fails never calls the done callback. */
        b2a__ctx_job_finished(job->ctx, job);
        job->started = 0;
        job->status = B2A_JOB_PENDING;
        return rc;
    }
    return B2A_OK;
}

int b2a_job_cancel(b2a_job *job)
{
    if (!job || job->magic != B2A_JOB_MAGIC)
        return B2A_EINVAL;
    if (!job->started || job->completed)
        return B2A_OK;
    if (!job->cancel_requested) {
        job->cancel_requested = 1;
        b2a__job_log(job, B2A_LOG_WARN, "job %s: cancel requested", job->id);
        if (job->pipeline && job->pipeline->cancel)
            job->pipeline->cancel(job);
    }
    return B2A_OK;
}

void b2a_job_free(b2a_job *job)
{
    if (!job || job->magic != B2A_JOB_MAGIC)
        return;
    if (job->started && !job->completed) {
        job->free_requested = 1;
        b2a_job_cancel(job);
        return;
    }
    job_destroy(job);
}

b2a_job_status b2a_job_status_get(const b2a_job *job)
{
    return job ? job->status : B2A_JOB_PENDING;
}

const char *b2a_job_id(const b2a_job *job)
{
    return job ? job->id : NULL;
}

int b2a_job_errcode(const b2a_job *job)
{
    return job ? job->err.code : B2A_EINVAL;
}

b2a_error_class b2a_job_errclass(const b2a_job *job)
{
    return job ? job->err.klass : B2A_ERRCLASS_NONE;
}

const char *b2a_job_errmsg(const b2a_job *job)
{
    return job ? job->err.msg : "";
}

const char *b2a_job_sqlstate(const b2a_job *job)
{
    return job ? job->err.sqlstate : "";
}

int64_t b2a_job_native_error(const b2a_job *job)
{
    return job ? job->err.native : 0;
}

char *b2a_job_json(const b2a_job *job)
{
    return job ? b2a__job_render_json(job) : NULL;
}

static uint32_t count_tables(const b2a_job *job, b2a_state state)
{
    uint32_t n = 0;
    for (size_t i = 0; job && i < job->ntables; i++)
        n += job->tables[i].state == state;
    return n;
}

uint32_t b2a_job_tables_ok(const b2a_job *job)
{
    return count_tables(job, B2A_STATE_OK);
}

uint32_t b2a_job_tables_failed(const b2a_job *job)
{
    return count_tables(job, B2A_STATE_FAILED);
}

const char *b2a__state_name(b2a_state s)
{
    static const char *const names[] = {"Pending", "Running", "Success", "Failed", "Skipped", "Canceled"};
    return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "Unknown";
}

const char *b2a__step_name(b2a_step s)
{
    static const char *const names[] = {"detect", "container", "pre-sql", "restore", "post-sql",
                                        "introspect", "export", "cleanup", "read"};
    return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "unknown";
}

void b2a__job_step_begin(b2a_job *job, b2a_step step)
{
    b2a_step_rec *r = &job->steps[step];
    r->used = 1;
    r->seq = ++job->step_seq;
    r->state = B2A_STATE_RUNNING;
    r->t0_ms = b2a__now_ms();
    b2a__now_iso(r->started);
    b2a__job_log(job, B2A_LOG_INFO, "%s: started", b2a__step_name(step));
    b2a__job_progress(job, step, 0.0, NULL, 0, -1);
}

void b2a__job_step_end(b2a_job *job, b2a_step step, b2a_state state, const char *fmt, ...)
{
    b2a_step_rec *r = &job->steps[step];
    if (!r->used) {
        r->used = 1;
        r->seq = ++job->step_seq;
        b2a__now_iso(r->started);
        r->t0_ms = b2a__now_ms();
    }
    r->state = state;
    r->t1_ms = b2a__now_ms();
    b2a__now_iso(r->ended);
    free(r->message);
    r->message = NULL;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        if (vasprintf(&r->message, fmt, ap) < 0)
            r->message = NULL;
        va_end(ap);
    }
    if (state == B2A_STATE_OK)
        b2a__job_progress(job, step, 100.0, NULL, 0, -1);
    b2a__job_log(job, state == B2A_STATE_FAILED ? B2A_LOG_ERROR : B2A_LOG_INFO, "%s: %s%s%s (%.1f s)",
                 b2a__step_name(step), b2a__state_name(state), r->message ? ": " : "",
                 r->message ? r->message : "", (double)(r->t1_ms - r->t0_ms) / 1000.0);
}

void b2a__job_log(b2a_job *job, b2a_log_level level, const char *fmt, ...)
{
    if (!job->log_cb)
        return;
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    job->log_cb(job, level, buf, job->userdata);
}

int b2a__job_progress(b2a_job *job, b2a_step step, double percent, const char *table,
                      int64_t rows_done, int64_t rows_expected)
{
    b2a_progress p = B2A__PROGRESS_INIT(step, percent, table, rows_done, rows_expected);
    return b2a__job_progress_report(job, &p);
}

int b2a__job_progress_report(b2a_job *job, b2a_progress *p)
{
    p->version = B2A_PROGRESS_VERSION;
    if (job->progress_cb && !job->cancel_requested) {
        if (job->progress_cb(job, p, job->userdata) != 0) {
            b2a_err e;
            b2a__err_set(&e, B2A_EUSER, B2A_ERRCLASS_USAGE, "stopped by the progress callback");
            b2a__job_set_error(job, &e);
            b2a_job_cancel(job);
        }
    }
    return job->cancel_requested;
}

void b2a__job_set_error(b2a_job *job, const b2a_err *err)
{
    if (job->err.code == B2A_OK && err && err->code != B2A_OK)
        b2a__err_copy(&job->err, err);
}

b2a_table_job *b2a__job_add_table(b2a_job *job, b2a_table_def *def, const char *kind)
{
    b2a_table_job *nt = realloc(job->tables, (job->ntables + 1) * sizeof(*nt));
    if (!nt)
        return NULL;
    job->tables = nt;
    b2a_table_job *t = &nt[job->ntables++];
    memset(t, 0, sizeof(*t));
    t->def = *def;
    memset(def, 0, sizeof(*def));
    t->kind = b2a__strdup(kind ? kind : "table");
    t->selected = b2a__job_selects(job, t->def.schema, t->def.name);
    t->state = B2A_STATE_PENDING;
    return t;
}

static int pattern_matches(const char *pattern, const char *qualified, const char *table)
{
    if (fnmatch(pattern, qualified, 0) == 0)
        return 1;
    /* A pattern without a schema part names tables in any schema. */
    return strchr(pattern, '.') == NULL && fnmatch(pattern, table, 0) == 0;
}

int b2a__job_selects(const b2a_job *job, const char *schema, const char *table)
{
    char *q = b2a__asprintf("%s.%s", schema ? schema : "", table ? table : "");
    if (!q)
        return 0;
    int selected = job->n_include == 0;
    for (uint32_t i = 0; !selected && i < job->n_include; i++)
        selected = pattern_matches(job->include[i], q, table);
    for (uint32_t i = 0; selected && i < job->n_exclude; i++)
        selected = !pattern_matches(job->exclude[i], q, table);
    free(q);
    return selected;
}

static b2a_job_status final_status(const b2a_job *job)
{
    if (job->cancel_requested)
        return B2A_JOB_CANCELED;
    if (job->err.code != B2A_OK)
        return B2A_JOB_FAILED;
    for (int i = 0; i < B2A_NSTEPS; i++)
        if (job->steps[i].used && job->steps[i].state == B2A_STATE_FAILED)
            return B2A_JOB_FAILED;
    if (b2a_job_tables_failed(job) > 0)
        return B2A_JOB_FAILED;
    return B2A_JOB_SUCCESS;
}

int b2a__job_write_json(b2a_job *job, b2a_err *err)
{
    char *path = job->job_json_path ? b2a__strdup(job->job_json_path)
                                    : b2a__asprintf("%s/job.json", job->output_dir);
    char *doc = b2a__job_render_json(job);
    int rc = -ENOMEM;
    if (path && doc) {
        b2a__mkdir_p(job->output_dir);
        rc = b2a__write_file_atomic(path, doc, strlen(doc));
    }
    if (rc != 0)
        b2a__err_set(err, rc == -ENOMEM ? B2A_ENOMEM : B2A_EIO, B2A_ERRCLASS_IO,
                     "could not write the Job JSON to %s: %s", path ? path : "job.json", strerror(-rc));
    free(doc);
    free(path);
    return rc == 0 ? B2A_OK : rc == -ENOMEM ? B2A_ENOMEM : B2A_EIO;
}

/* The Job JSON is what says a run is complete, so if it cannot be written
 * the job has failed, whatever its tables did. */
static void write_final_json(b2a_job *job)
{
    b2a_err e;
    b2a__err_clear(&e);
    if (b2a__job_write_json(job, &e) == B2A_OK)
        return;
    b2a__job_log(job, B2A_LOG_ERROR, "%s", e.msg);
    b2a__job_set_error(job, &e);
    if (job->status == B2A_JOB_SUCCESS)
        job->status = B2A_JOB_FAILED;
}

void b2a__job_complete(b2a_job *job)
{
    if (job->completed)
        return;
    job->completed = 1;
    job->status = final_status(job);
    if (job->status == B2A_JOB_CANCELED && job->err.code == B2A_OK) {
        b2a_err e;
        b2a__err_set(&e, B2A_ECANCELED, B2A_ERRCLASS_USAGE, "job %s was canceled", job->id);
        b2a__job_set_error(job, &e);
    }
    b2a__now_iso(job->ended_at);
    write_final_json(job);
    b2a_ctx *ctx = job->ctx;
    if (job->done_cb)
        job->done_cb(job, job->status, job->userdata);
    int free_now = job->free_requested;
    b2a__ctx_job_finished(ctx, job);
    if (free_now)
        job_destroy(job);
}
