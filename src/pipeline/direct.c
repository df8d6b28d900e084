/* The direct pipeline: read a backup with one of our own readers
 * (reader/reader.h), no container and no database server. Steps: detect,
 * read (catalog), export. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ctx.h"
#include "pipeline/pipeline.h"
#include "detect/detect.h"
#include "export/export.h"
#include "reader/reader.h"
#include "util/str.h"

typedef struct direct_state {
    uv_work_t req;
    b2a_job *job;
    const b2a_reader_ops *reader;
    void *handle;             /* the reader's, once open */
    b2a_err err;
} direct_state;

/* The exporter hands back only the cursor, so each cursor remembers its reader. */
typedef struct direct_cursor {
    const b2a_reader_ops *reader;
    void *scan;
    b2a_table_job *table;     /* where the scan's salvage and replaced-byte counts go */
} direct_cursor;

static int source_open(void *source, const b2a_table_job *t, size_t index, void **cursor, b2a_err *err)
{
    (void)t;
    direct_state *st = source;
    direct_cursor *c = calloc(1, sizeof(*c));
    if (!c)
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    c->reader = st->reader;
    c->table = &st->job->tables[index];
    /* tables were added in reader order, so the job index is the reader index */
    int rc = st->reader->scan_open(st->handle, index, &c->scan, err);
    if (rc != B2A_OK) {
        free(c);
        return rc;
    }
    *cursor = c;
    return B2A_OK;
}

static int source_next(void *cursor, b2a_sink *sink, size_t max_rows, size_t *rows, int *eof, b2a_err *err)
{
    direct_cursor *c = cursor;
    return c->reader->scan_next(c->scan, sink, max_rows, rows, eof, err);
}

static void source_close(void *cursor)
{
    direct_cursor *c = cursor;
    if (!c)
        return;
    if (c->reader->scan_salvaged)
        c->table->salvaged_pages += c->reader->scan_salvaged(c->scan); /* parts of a table add up */
    if (c->reader->scan_replaced)
        c->table->replaced_bytes += c->reader->scan_replaced(c->scan);
    c->reader->scan_close(c->scan);
    free(c);
}

static const b2a_source_ops reader_source = {source_open, source_next, source_close, NULL, NULL};

/* What the reader verified, into the Job, while its handle is open. */
static void record_verification(direct_state *st)
{
    b2a_reader_verification v;
    b2a_page_verification *jv = &st->job->verification;
    if (!st->handle || !st->reader->verification || !st->reader->verification(st->handle, &v))
        return;
    jv->known = 1;
    snprintf(jv->page_verify, sizeof(jv->page_verify), "%s", v.page_verify);
    jv->checksum = v.checksum;
    jv->torn = v.torn;
    jv->unprotected = v.unprotected;
    jv->failed = v.failed;
    jv->failures = b2a__strv_dup(v.failures, v.nfailures);
    jv->nfailures = jv->failures ? v.nfailures : 0;
    if (v.failed && st->job->ignore_checksums)
        b2a__job_log(st->job, B2A_LOG_WARN,
                     "%llu page(s) failed checksum or torn-page verification and were exported anyway "
                     "(--ignore-checksums); the first: %s",
                     (unsigned long long)v.failed, v.nfailures ? v.failures[0] : "?");
}

static void finish(direct_state *st)
{
    b2a_job *job = st->job;
    record_verification(st);
    if (st->handle)
        st->reader->close(st->handle);
    job->pipeline_state = NULL;
    free(st);
    b2a__job_complete(job);
}

/* A table exported from pages that failed verification (--ignore-checksums)
 * is salvage, not a verified export: it ends Failed, so the job does too
 * (exit 1), and its files stay, listed in the Job, for the user who asked. */
static void mark_salvaged(direct_state *st)
{
    b2a_job *job = st->job;
    b2a_reader_verification v;
    memset(&v, 0, sizeof(v));
    if (!st->handle || !st->reader->verification || !st->reader->verification(st->handle, &v))
        v.nfailures = 0;
    for (size_t i = 0; i < job->ntables; i++) {
        b2a_table_job *t = &job->tables[i];
        if (t->state != B2A_STATE_OK || t->salvaged_pages == 0)
            continue;
        /* its first failed page, when it is among the ones the reader kept */
        char owner[600];
        snprintf(owner, sizeof(owner), " of %s.%s: ", t->def.schema, t->def.name);
        const char *first = NULL;
        for (size_t k = 0; k < v.nfailures && !first; k++)
            if (strstr(v.failures[k], owner))
                first = v.failures[k];
        t->state = B2A_STATE_FAILED;
        free(t->message);
        t->message = b2a__asprintf("salvaged, not verified: %llu page read(s) of this table failed checksum or "
                                   "torn-page verification and were exported anyway (--ignore-checksums)%s%s; "
                                   "its files are kept",
                                   (unsigned long long)t->salvaged_pages, first ? "; the first: " : "",
                                   first ? first : "");
        b2a__job_log(job, B2A_LOG_ERROR, "%s.%s: Failed: %s", t->def.schema, t->def.name,
                     t->message ? t->message : "salvaged, not verified");
    }
}

static void export_done(b2a_job *job, void *ud)
{
    direct_state *st = ud;
    if (job->ignore_checksums && !job->cancel_requested)
        mark_salvaged(st);
    uint32_t failed = b2a_job_tables_failed(job);
    if (job->cancel_requested)
        b2a__job_step_end(job, B2A_STEP_EXPORT, B2A_STATE_CANCELED, "canceled");
    else if (failed)
        b2a__job_step_end(job, B2A_STEP_EXPORT, B2A_STATE_FAILED, "%u of %zu tables failed", failed, job->ntables);
    else
        b2a__job_step_end(job, B2A_STEP_EXPORT, B2A_STATE_OK, "%u tables", b2a_job_tables_ok(job));
    finish(st);
}

static void open_work(uv_work_t *req)
{
    direct_state *st = req->data;
    b2a_job *job = st->job;
    b2a_reader_opts opts = {job->ignore_checksums};
    st->reader->open((const char *const *)job->inputs, job->n_inputs, &opts, &st->handle, &st->err);
}

/* What the reader cannot serve (e.g. TDE, an old catalog) is restored in a
 * container of its database instead, when the user let the tool choose. Returns 1
 * when the container pipeline took the job over. */
static int fall_back_to_container(direct_state *st)
{
    b2a_job *job = st->job;
    b2a_detected d;
    b2a_err e;
    b2a__err_clear(&e);
    if (b2a__detect(job->inputs[0], &d, &e) != B2A_OK)
        return 0;
    const b2a_pipeline_ops *p = b2a__pipeline_container_for(job, &d, &e);
    if (!p) {
        char reader[B2A_ERRMSG_MAX];
        snprintf(reader, sizeof(reader), "%s", st->err.msg);
        b2a__err_set(&st->err, B2A_EUNSUPPORTED, st->err.klass,
                     "%s; restoring it in a container instead is not possible: %s", reader, e.msg);
        return 0;
    }
    b2a__job_step_end(job, B2A_STEP_READ, B2A_STATE_SKIPPED,
                      "the direct reader cannot serve this backup (%s): restoring it in a container", st->err.msg);
    job->pipeline = p;
    job->pipeline_state = NULL;
    free(st);
    if (p->start(job) != B2A_OK) {
        b2a__err_set(&e, B2A_ENOMEM, B2A_ERRCLASS_OS, "could not start the container pipeline");
        b2a__job_set_error(job, &e);
        b2a__job_complete(job);
    }
    return 1;
}

/* The Job's primary_key of table i: its key columns' names, when the
 * reader knows keys. 0, or -1 on out of memory. */
static int set_primary_key(direct_state *st, size_t i, b2a_table_job *t)
{
    size_t n = 0;
    const size_t *pk = st->reader->primary_key ? st->reader->primary_key(st->handle, i, &n) : NULL;
    if (!pk || n == 0)
        return 0;
    if (!(t->primary_key = calloc(n, sizeof *t->primary_key)))
        return -1;
    for (size_t k = 0; k < n; k++) {
        if (!(t->primary_key[k] = b2a__strdup(t->def.columns[pk[k]].name)))
            return -1;
        t->nprimary_key++;
    }
    return 0;
}

/* The Job's partitions of table i, when the reader names them. 0, or -1 on
 * out of memory. */
static int set_partitions(direct_state *st, size_t i, b2a_table_job *t)
{
    size_t n = 0;
    while (st->reader->partition_name && st->reader->partition_name(st->handle, i, n))
        n++;
    if (n == 0)
        return 0;
    if (!(t->partitions = calloc(n, sizeof *t->partitions)))
        return -1;
    for (size_t k = 0; k < n; k++) {
        if (!(t->partitions[k] = b2a__strdup(st->reader->partition_name(st->handle, i, k))))
            return -1;
        t->npartitions++;
    }
    return 0;
}

static void open_after(uv_work_t *req, int status)
{
    direct_state *st = req->data;
    b2a_job *job = st->job;
    if (status == UV_ECANCELED || job->cancel_requested) {
        b2a__job_step_end(job, B2A_STEP_READ, B2A_STATE_CANCELED, "canceled");
        finish(st);
        return;
    }
    if (!st->handle && st->err.code == B2A_EUNSUPPORTED && job->restore_mode == B2A_RESTORE_AUTO &&
        fall_back_to_container(st))
        return;
    if (!st->handle) {
        b2a__job_set_error(job, &st->err);
        b2a__job_step_end(job, B2A_STEP_READ, B2A_STATE_FAILED, "%s", st->err.msg);
        finish(st);
        return;
    }
    free(job->database);
    job->database = b2a__strdup(st->reader->database_name(st->handle));
    size_t n = st->reader->table_count(st->handle);
    for (size_t i = 0; i < n; i++) {
        b2a_table_def def;
        b2a_table_job *t = NULL;
        if (b2a__table_def_copy(&def, st->reader->table(st->handle, i)) != 0 ||
            !(t = b2a__job_add_table(job, &def, st->reader->table_kind(st->handle, i))) ||
            set_primary_key(st, i, t) != 0 || set_partitions(st, i, t) != 0) {
            b2a__table_def_clear(&def); /* empty once moved into the job */
            b2a__err_set(&st->err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
            b2a__job_set_error(job, &st->err);
            b2a__job_step_end(job, B2A_STEP_READ, B2A_STATE_FAILED, "out of memory");
            finish(st);
            return;
        }
    }
    b2a__job_step_end(job, B2A_STEP_READ, B2A_STATE_OK, "database %s, %zu tables", job->database, n);
    b2a__job_step_begin(job, B2A_STEP_EXPORT);
    int rc = b2a__export_start(job, &reader_source, st, export_done, st);
    if (rc != B2A_OK) {
        b2a__job_step_end(job, B2A_STEP_EXPORT, B2A_STATE_FAILED, "%s", job->err.msg);
        finish(st);
    }
}

static int direct_start(b2a_job *job)
{
    /* select.c chose this pipeline because a reader claims the first input */
    b2a_detected d;
    b2a_err e;
    if (b2a__detect(job->inputs[0], &d, &e) != B2A_OK) {
        b2a__job_set_error(job, &e);
        return e.code;
    }
    const b2a_reader_ops *reader = b2a__reader_for(&d);
    if (!reader)
        return B2A_EUNSUPPORTED;
    direct_state *st = calloc(1, sizeof(*st));
    if (!st)
        return B2A_ENOMEM;
    st->job = job;
    st->reader = reader;
    st->req.data = st;
    job->pipeline_state = st;
    b2a__job_step_begin(job, B2A_STEP_DETECT);
    b2a__job_step_end(job, B2A_STEP_DETECT, B2A_STATE_OK, "%s (%s)", job->vendor, job->format);
    b2a__job_step_begin(job, B2A_STEP_READ);
    if (uv_queue_work(job->ctx->loop, &st->req, open_work, open_after) != 0) {
        free(st);
        job->pipeline_state = NULL;
        return B2A_ENOMEM;
    }
    return B2A_OK;
}

static void direct_cancel(b2a_job *job)
{
    direct_state *st = job->pipeline_state;
    if (st)
        uv_cancel((uv_req_t *)&st->req); /* only stops it if still queued */
}

const b2a_pipeline_ops b2a__pipeline_direct = {"direct", direct_start, direct_cancel};
