#include "export/export.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "avro/ocf.h"
#include "avro/names.h"
#include "util/str.h"

typedef struct exporter exporter;

typedef struct table_task {
    uv_work_t req;
    exporter *ex;
    size_t index;            /* into job->tables */
    void *cursor;
    b2a_ocf_writer *writer;
    int opened, eof, committed;
    size_t chunk_rows;
    b2a_table_def wdef;      /* t->def with the types written (b2a__table_def_written) */
    int64_t bytes_final;     /* the committed file's size */
    int64_t bytes_reported;  /* the table's bytes in the step's total so far */
    b2a_err err;             /* written on the worker, read on the loop after the chunk */
} table_task;

struct exporter {
    b2a_job *job;
    const b2a_source_ops *ops;
    void *source;
    b2a_export_done_cb done;
    void *userdata;
    size_t next_table;       /* next index to consider */
    int64_t rows_done, rows_expected; /* over all selected tables, for the step's progress */
    int64_t bytes_done;      /* Avro bytes written over all tables */
    unsigned running;
    table_task *tasks;       /* one per table */
};

static int64_t total_expected(const b2a_job *job)
{
    int64_t n = 0;
    for (size_t i = 0; i < job->ntables; i++)
        if (job->tables[i].selected && job->tables[i].def.row_count > 0)
            n += job->tables[i].def.row_count;
    return n;
}

/* Worker thread: open on the first chunk, then one chunk of rows; commit at the end. */
static void chunk_work(uv_work_t *req)
{
    table_task *tt = req->data;
    b2a_table_job *t = &tt->ex->job->tables[tt->index];
    b2a_job *job = tt->ex->job;
    tt->chunk_rows = 0;
    if (!tt->opened) {
        tt->opened = 1;
        /* the source first: its reason for refusing a table (a type it
         * cannot decode, no columns known) is the one users need */
        int rc = tt->ex->ops->open(tt->ex->source, t, tt->index, &tt->cursor, &tt->err);
        if (rc != B2A_OK)
            return;
        /* the writer's types: wall-clock timestamps as the job says */
        if (b2a__table_def_written(&tt->wdef, &t->def, (int)job->naive_timestamps) != 0) {
            b2a__err_set(&tt->err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
            return;
        }
        rc = b2a__ocf_open(t->avro_path, &tt->wdef, job->database, job->codec, 0, &tt->writer, &tt->err);
        if (rc != B2A_OK)
            return;
    }
    int eof = 0;
    int rc = tt->ex->ops->next(tt->cursor, b2a__ocf_sink(tt->writer), B2A_EXPORT_CHUNK_ROWS,
                               &tt->chunk_rows, &eof, &tt->err);
    if (rc != B2A_OK)
        return;
    tt->eof = eof;
    if (!eof)
        return;
    int64_t written = b2a__ocf_rows(tt->writer);
    if (t->def.row_count >= 0 && written != t->def.row_count) {
        b2a__err_set(&tt->err, B2A_EMISMATCH, B2A_ERRCLASS_AVRO,
                     "%s.%s: %lld rows written but the source counts %lld", t->def.schema, t->def.name,
                     (long long)written, (long long)t->def.row_count);
        return;
    }
    /* The .avsc and the Avro file are a pair: the schema first, then the
     * data's rename, which is what makes the table visible; if that fails
     * the schema goes too, so no final name of a failed table is left. */
    if (b2a__ocf_write_avsc(t->avsc_path, &tt->wdef, job->database, &tt->err) != B2A_OK)
        return;
    rc = b2a__ocf_commit(tt->writer, &tt->err);
    tt->writer = NULL;
    if (rc != B2A_OK) {
        unlink(t->avsc_path);
        return;
    }
    struct stat sb;
    tt->bytes_final = stat(t->avro_path, &sb) == 0 ? (int64_t)sb.st_size : 0;
    t->rows_written = written;
    tt->committed = 1;
}

static void schedule_more(exporter *ex);

static void table_end(exporter *ex, table_task *tt, b2a_state state, const char *message)
{
    b2a_table_job *t = &ex->job->tables[tt->index];
    if (tt->cursor) {
        ex->ops->close(tt->cursor);
        tt->cursor = NULL;
    }
    if (tt->writer) {
        /* Nothing half-written may look complete: the temp file goes. */
        b2a__ocf_abort(tt->writer);
        tt->writer = NULL;
    }
    b2a__table_def_clear(&tt->wdef);
    t->state = state;
    t->t1_ms = b2a__now_ms();
    b2a__now_iso(t->ended);
    free(t->message);
    t->message = b2a__strdup(message);
    if (state == B2A_STATE_OK)
        b2a__job_log(ex->job, B2A_LOG_INFO, "%s.%s: %lld rows -> %s", t->def.schema, t->def.name,
                     (long long)t->rows_written, t->avro_path);
    else
        b2a__job_log(ex->job, B2A_LOG_ERROR, "%s.%s: %s: %s", t->def.schema, t->def.name,
                     b2a__state_name(state), message ? message : "");
    ex->running--;
    schedule_more(ex);
}

static void chunk_after(uv_work_t *req, int status)
{
    table_task *tt = req->data;
    exporter *ex = tt->ex;
    b2a_job *job = ex->job;
    b2a_table_job *t = &job->tables[tt->index];
    char qualified[512];
    snprintf(qualified, sizeof(qualified), "%s.%s", t->def.schema, t->def.name);

    if (status == UV_ECANCELED || (job->cancel_requested && !tt->committed)) {
        table_end(ex, tt, B2A_STATE_CANCELED, "canceled");
        return;
    }
    if (tt->err.code != B2A_OK && !tt->committed) {
        table_end(ex, tt, B2A_STATE_FAILED, tt->err.msg);
        return;
    }
    int64_t done = tt->writer ? b2a__ocf_rows(tt->writer) : t->rows_written;
    double pct = t->def.row_count > 0 ? 100.0 * (double)done / (double)t->def.row_count : (tt->eof ? 100.0 : -1.0);
    int64_t bytes = tt->writer ? (int64_t)b2a__ocf_bytes(tt->writer) : tt->bytes_final;
    b2a_progress p = B2A__PROGRESS_INIT(B2A_STEP_EXPORT, pct, qualified, done, t->def.row_count);
    p.bytes_done = bytes;
    b2a__job_progress_report(job, &p);
    /* And the step as a whole: rows done over rows expected in the selected tables. */
    ex->rows_done += tt->chunk_rows;
    ex->bytes_done += bytes - tt->bytes_reported;
    tt->bytes_reported = bytes;
    b2a_progress all = B2A__PROGRESS_INIT(B2A_STEP_EXPORT,
                                          ex->rows_expected > 0 ? 100.0 * (double)ex->rows_done / (double)ex->rows_expected
                                                                : -1.0,
                                          NULL, ex->rows_done, ex->rows_expected > 0 ? ex->rows_expected : -1);
    all.bytes_done = ex->bytes_done;
    b2a__job_progress_report(job, &all);
    if (tt->eof) {
        table_end(ex, tt, B2A_STATE_OK, NULL);
        return;
    }
    if (job->cancel_requested) {
        table_end(ex, tt, B2A_STATE_CANCELED, "canceled");
        return;
    }
    if (uv_queue_work(job->ctx->loop, &tt->req, chunk_work, chunk_after) != 0)
        table_end(ex, tt, B2A_STATE_FAILED, "could not queue work on the loop");
}

/* OUT/<schema>/<table>/part-00000.avro with Avro-safe folder names, unique
 * case-insensitively (two tables "a-b" and "a_b" must not share a folder). */
static int assign_paths(b2a_job *job, b2a_err *err)
{
    b2a_avro_names *schemas = b2a__avro_names_new();
    int rc = schemas ? B2A_OK : B2A_ENOMEM;
    for (size_t i = 0; rc == B2A_OK && i < job->ntables; i++) {
        b2a_table_job *t = &job->tables[i];
        if (!t->selected || t->avro_path)
            continue;
        /* Same schema, same folder: look for an earlier table of this schema. */
        const char *sdir = NULL;
        for (size_t k = 0; k < i && !sdir; k++)
            if (job->tables[k].selected && strcmp(job->tables[k].def.schema, t->def.schema) == 0)
                sdir = job->tables[k].schema_dir;
        if (!sdir)
            sdir = b2a__avro_names_add(schemas, t->def.schema ? t->def.schema : "");
        t->schema_dir = sdir;
        if (!sdir) {
            rc = B2A_ENOMEM;
            break;
        }
    }
    /* Tables: unique within their schema folder. */
    for (size_t i = 0; rc == B2A_OK && i < job->ntables; i++) {
        b2a_table_job *t = &job->tables[i];
        if (!t->selected || t->avro_path)
            continue;
        b2a_avro_names *tables = b2a__avro_names_new();
        if (!tables) {
            rc = B2A_ENOMEM;
            break;
        }
        const char *tdir = NULL;
        for (size_t k = 0; k <= i; k++) {
            b2a_table_job *o = &job->tables[k];
            if (!o->selected || o->schema_dir != t->schema_dir)
                continue;
            tdir = b2a__avro_names_add(tables, o->def.name ? o->def.name : "");
        }
        char *dir = tdir ? b2a__asprintf("%s/%s/%s", job->output_dir, t->schema_dir, tdir) : NULL;
        b2a__avro_names_free(tables);
        if (!dir) {
            rc = B2A_ENOMEM;
            break;
        }
        int mk = b2a__mkdir_p(dir);
        if (mk != 0) {
            rc = b2a__err_set(err, B2A_EIO, B2A_ERRCLASS_IO, "cannot create %s: %s", dir, strerror(-mk));
            free(dir);
            break;
        }
        t->avro_path = b2a__asprintf("%s/part-00000.avro", dir);
        t->avsc_path = b2a__asprintf("%s/part-00000.avsc", dir);
        free(dir);
        if (!t->avro_path || !t->avsc_path)
            rc = B2A_ENOMEM;
    }
    for (size_t i = 0; i < job->ntables; i++)
        job->tables[i].schema_dir = NULL;
    b2a__avro_names_free(schemas);
    if (rc == B2A_ENOMEM)
        b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    return rc;
}

/* A folder is what Spark and Hive read as a table: an empty one would read
 * as a table with no rows. Remove the folders of tables that did not end
 * in Success (rmdir: only when empty), and their schema's when it is empty. */
static void remove_empty_folders(b2a_job *job)
{
    for (size_t i = 0; i < job->ntables; i++) {
        b2a_table_job *t = &job->tables[i];
        if (t->state == B2A_STATE_OK || !t->avro_path)
            continue;
        char *dir = b2a__strdup(t->avro_path);
        char *slash = dir ? strrchr(dir, '/') : NULL;
        if (slash) {
            *slash = '\0';
            if (rmdir(dir) == 0 && (slash = strrchr(dir, '/')) != NULL) {
                *slash = '\0';
                rmdir(dir);
            }
        }
        free(dir);
    }
}

static void finish(exporter *ex)
{
    b2a_job *job = ex->job;
    remove_empty_folders(job);
    b2a_export_done_cb done = ex->done;
    void *ud = ex->userdata;
    free(ex->tasks);
    free(ex);
    done(job, ud);
}

static void schedule_more(exporter *ex)
{
    b2a_job *job = ex->job;
    while (ex->running < job->parallel && ex->next_table < job->ntables && !job->cancel_requested) {
        size_t i = ex->next_table++;
        b2a_table_job *t = &job->tables[i];
        if (!t->selected) {
            t->state = B2A_STATE_SKIPPED;
            if (!t->message)
                t->message = b2a__strdup("not selected by --include/--exclude");
            continue;
        }
        if (t->state != B2A_STATE_PENDING)
            continue; /* a source may have marked it failed or skipped already */
        table_task *tt = &ex->tasks[i];
        tt->ex = ex;
        tt->index = i;
        tt->req.data = tt;
        t->state = B2A_STATE_RUNNING;
        t->t0_ms = b2a__now_ms();
        b2a__now_iso(t->started);
        ex->running++;
        if (uv_queue_work(job->ctx->loop, &tt->req, chunk_work, chunk_after) != 0) {
            table_end(ex, tt, B2A_STATE_FAILED, "could not queue work on the loop");
            return;
        }
    }
    if (job->cancel_requested) {
        for (size_t i = ex->next_table; i < job->ntables; i++)
            if (job->tables[i].state == B2A_STATE_PENDING)
                job->tables[i].state = job->tables[i].selected ? B2A_STATE_CANCELED : B2A_STATE_SKIPPED;
        ex->next_table = job->ntables;
    }
    if (ex->running == 0 && ex->next_table >= job->ntables)
        finish(ex);
}

static void heap_prepare_once(void)
{
    /* Just over 2 MB, so glibc serves it with mmap and, on free, moves
     * its thresholds up; touched so the compiler keeps the pair. */
    volatile char *p = malloc((2u << 20) + 4096);
    if (p) {
        p[0] = 0;
        free((void *)p);
    }
}

void b2a__export_heap_prepare(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, heap_prepare_once);
}

int b2a__export_start(b2a_job *job, const b2a_source_ops *ops, void *source,
                      b2a_export_done_cb done, void *userdata)
{
    exporter *ex = calloc(1, sizeof(*ex));
    if (!ex)
        return B2A_ENOMEM;
    ex->tasks = calloc(job->ntables ? job->ntables : 1, sizeof(*ex->tasks));
    if (!ex->tasks) {
        free(ex);
        return B2A_ENOMEM;
    }
    b2a__export_heap_prepare();
    ex->job = job;
    ex->rows_expected = total_expected(job);
    ex->ops = ops;
    ex->source = source;
    ex->done = done;
    ex->userdata = userdata;
    b2a_err err;
    b2a__err_clear(&err);
    if (assign_paths(job, &err) != B2A_OK) {
        b2a__job_set_error(job, &err);
        free(ex->tasks);
        free(ex);
        return err.code;
    }
    /* Before any table file exists, a Job JSON that lists the files to come:
     * a run killed from here on leaves an output --overwrite can replace. */
    if (b2a__job_write_json(job, &err) != B2A_OK) {
        remove_empty_folders(job);
        b2a__job_set_error(job, &err);
        free(ex->tasks);
        free(ex);
        return err.code;
    }
    size_t selected = 0;
    for (size_t i = 0; i < job->ntables; i++)
        selected += job->tables[i].selected;
    b2a__job_log(job, B2A_LOG_INFO, "exporting %zu of %zu tables, %u at a time, %lld rows expected", selected,
                 job->ntables, job->parallel, (long long)ex->rows_expected);
    schedule_more(ex);
    return B2A_OK;
}
