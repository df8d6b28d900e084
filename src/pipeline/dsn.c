/* The database pipeline: export from a database the caller names with a
 * DSN (source/dsn.h) that is already running: nothing to detect, restore
 * or clean up.
 *
 *   introspect (connect, tables, exact counts) -> export (split, streams)
 *
 * The blocking catalog work runs on the thread pool; the export is the
 * exporter's, with a database (source/dbsource.h) as its row source. */
#include <stdlib.h>
#include <string.h>

#include "core/ctx.h"
#include "pipeline/pipeline.h"
#include "export/export.h"
#include "odbc/introspect.h"
#include "source/dbsource.h"
#include "source/dsn.h"
#include "util/str.h"

#define LOGIN_TIMEOUT_S 30

typedef struct dstate {
    b2a_job *job;
    b2a_dsn dsn;
    b2a_dbsource db;
    uv_work_t work;
    b2a_err err;
    b2a_odbc_table *tables;
    size_t ntables;
    char *database;
} dstate;

static void finish(dstate *st)
{
    b2a_job *job = st->job;
    b2a__odbc_tables_free(st->tables, st->ntables);
    free(st->database);
    b2a__dbsource_clear(&st->db);
    b2a__dsn_clear(&st->dsn);
    free(st);
    job->pipeline_state = NULL;
    b2a__job_complete(job);
}

static void export_done(b2a_job *job, void *ud)
{
    uint32_t failed = b2a_job_tables_failed(job);
    if (job->cancel_requested)
        b2a__job_step_end(job, B2A_STEP_EXPORT, B2A_STATE_CANCELED, "canceled");
    else if (failed)
        b2a__job_step_end(job, B2A_STEP_EXPORT, B2A_STATE_FAILED, "%u of the selected tables failed", failed);
    else
        b2a__job_step_end(job, B2A_STEP_EXPORT, B2A_STATE_OK, "%u tables", b2a_job_tables_ok(job));
    finish(ud);
}

static void introspect_work(uv_work_t *req)
{
    dstate *st = req->data;
    b2a__dbsource_introspect(&st->db, st->dsn.dbname, st->job->include_views, &st->tables, &st->ntables,
                             &st->database, &st->err);
}

static void introspect_after(uv_work_t *req, int status)
{
    dstate *st = req->data;
    b2a_job *job = st->job;
    if (status == UV_ECANCELED || job->cancel_requested) {
        b2a__job_step_end(job, B2A_STEP_INTROSPECT, B2A_STATE_CANCELED, "canceled");
        finish(st);
        return;
    }
    if (st->err.code != B2A_OK) {
        b2a__err_prefix(&st->err, "%s: ", st->dsn.display);
        b2a__job_set_error(job, &st->err);
        b2a__job_step_end(job, B2A_STEP_INTROSPECT, B2A_STATE_FAILED, "%s", st->err.msg);
        finish(st);
        return;
    }
    free(job->database);
    job->database = st->database;
    st->database = NULL;
    size_t selected = 0;
    for (size_t i = 0; i < st->ntables; i++) {
        b2a_odbc_table *ot = &st->tables[i];
        b2a_table_job *t = b2a__job_add_table(job, &ot->def, b2a__odbc_table_kind_name(ot->kind));
        if (!t) {
            b2a__err_set(&st->err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
            b2a__job_set_error(job, &st->err);
            b2a__job_step_end(job, B2A_STEP_INTROSPECT, B2A_STATE_FAILED, "out of memory");
            finish(st);
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
        selected += t->selected;
    }
    b2a__job_step_end(job, B2A_STEP_INTROSPECT, B2A_STATE_OK, "database %s, %zu tables and views, %zu selected",
                      job->database ? job->database : "?", st->ntables, selected);
    b2a__job_step_begin(job, B2A_STEP_EXPORT);
    b2a__job_log(job, B2A_LOG_INFO, "export: rows through %s",
                 st->db.pg_conninfo ? "COPY (FORMAT binary) over libpq"
                 : st->db.my_host   ? "libmariadb (unbuffered, binary protocol)" : "ODBC");
    if (b2a__export_start(job, &b2a__dbsource_ops, &st->db, export_done, st) != B2A_OK) {
        b2a__job_step_end(job, B2A_STEP_EXPORT, B2A_STATE_FAILED, "%s", job->err.msg);
        finish(st);
    }
}

static int dsn_start(b2a_job *job)
{
    dstate *st = calloc(1, sizeof(*st));
    if (!st)
        return B2A_ENOMEM;
    st->job = job;
    st->work.data = st;
    int rc = b2a__dsn_parse(job->dsn, &st->dsn, &job->err);
    if (rc == B2A_OK)
        rc = b2a__dbsource_from_dsn(&st->db, &st->dsn, job->via == B2A_VIA_ODBC, LOGIN_TIMEOUT_S, &job->err);
    if (rc == B2A_OK) {
        job->pipeline_state = st;
        b2a__job_step_begin(job, B2A_STEP_INTROSPECT);
        if (uv_queue_work(job->ctx->loop, &st->work, introspect_work, introspect_after) != 0)
            rc = B2A_ENOMEM;
    }
    if (rc != B2A_OK) {
        job->pipeline_state = NULL;
        b2a__dbsource_clear(&st->db);
        b2a__dsn_clear(&st->dsn);
        free(st);
    }
    return rc;
}

static void dsn_cancel(b2a_job *job)
{
    dstate *st = job->pipeline_state;
    if (st)
        uv_cancel((uv_req_t *)&st->work); /* only stops it if still queued */
}

const b2a_pipeline_ops b2a__pipeline_dsn = {"database", dsn_start, dsn_cancel};

int b2a__pipeline_dsn_prepare(b2a_job *job, b2a_err *err)
{
    b2a_dsn d;
    int rc = b2a__dsn_parse(job->dsn, &d, err);
    if (rc)
        return rc;
    free(job->dsn_display);
    job->dsn_display = b2a__strdup(d.display);
    const char *vendor = b2a__dsn_vendor_name(d.vendor);
    if (job->vendor && strcmp(job->vendor, vendor) != 0)
        rc = b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "%s is a %s database, not %s", d.display, vendor,
                          job->vendor);
    else {
        free(job->vendor);
        job->vendor = b2a__strdup(vendor);
    }
    b2a__dsn_clear(&d);
    return rc;
}
