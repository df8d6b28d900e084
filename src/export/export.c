#include "export/export.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "avro/ocf.h"
#include "avro/names.h"
#include "util/file.h"
#include "util/str.h"

typedef struct exporter exporter;

/* A finished part file, still under its temporary name. */
typedef struct part {
    char *tmp;
    int64_t rows;
} part;

/* One stream: a table, or one range of a split table, read by one cursor
 * into one or more part files (a new one past max_file_bytes/rows). */
typedef struct stream {
    uv_work_t req;
    exporter *ex;
    size_t table;            /* into job->tables */
    size_t range;            /* into the table's split; 0 when not split */
    void *cursor;
    b2a_ocf_writer *writer;
    int64_t file_rows;       /* rows in the open writer */
    part *parts;             /* finished files, in order */
    size_t nparts;
    int opened, eof;
    int64_t rows;            /* over all its files */
    int64_t bytes_closed;    /* size of its finished files */
    int64_t bytes_reported;  /* its bytes in the step's total so far */
    size_t chunk_rows;
    b2a_err err;             /* written on the worker, read on the loop after the chunk */
} stream;

typedef enum tphase { T_IDLE = 0, T_PLANNING, T_STREAMING, T_ENDED } tphase;

/* A table's export: its plan, its streams, what they made. */
typedef struct tstate {
    tphase phase;
    uv_work_t plan_req;
    exporter *ex;
    size_t index;
    b2a_table_def wdef;      /* the table's def with the types written (b2a__table_def_written) */
    b2a_split split;         /* when planned (method SINGLE otherwise) */
    int planned;
    b2a_err plan_err;
    stream *streams;
    size_t nstreams, next_stream, ended;
    int64_t rows_done;
} tstate;

struct exporter {
    b2a_job *job;
    const b2a_source_ops *ops;
    void *source;
    b2a_exporter_done_cb done;
    void *userdata;
    size_t next_table;       /* next index to consider */
    int64_t rows_done, rows_expected; /* over all selected tables, for the step's progress */
    int64_t bytes_done;      /* Avro bytes written over all tables */
    unsigned running;        /* streams and plans in flight */
    tstate *ts;              /* one per table */
};

static int64_t total_expected(const b2a_job *job)
{
    int64_t n = 0;
    for (size_t i = 0; i < job->ntables; i++)
        if (job->tables[i].selected && job->tables[i].def.row_count > 0)
            n += job->tables[i].def.row_count;
    return n;
}

static uint32_t splits_for(const b2a_job *job, const b2a_table_job *t)
{
    if (job->splits > 1)
        return job->splits;
    if (job->splits == 0 && job->parallel > 1 && t->def.row_count >= B2A_AUTO_SPLIT_ROWS)
        return job->parallel;
    return 1;
}

static void parts_unlink(stream *s)
{
    for (size_t i = 0; i < s->nparts; i++) {
        if (s->parts[i].tmp)
            unlink(s->parts[i].tmp);
        free(s->parts[i].tmp);
    }
    free(s->parts);
    s->parts = NULL;
    s->nparts = 0;
}

/* Worker thread: the open writer's file is complete: keep it for the table's end. */
static int part_finish(stream *s)
{
    part *np = realloc(s->parts, (s->nparts + 1) * sizeof(*np));
    if (!np) {
        b2a__ocf_abort(s->writer);
        s->writer = NULL;
        return b2a__err_set(&s->err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    }
    s->parts = np;
    char *tmp = NULL;
    int64_t bytes = (int64_t)b2a__ocf_bytes(s->writer);
    int rc = b2a__ocf_finish(s->writer, &tmp, &s->err);
    s->writer = NULL;
    if (rc != B2A_OK)
        return rc;
    s->parts[s->nparts].tmp = tmp;
    s->parts[s->nparts].rows = s->file_rows;
    s->nparts++;
    struct stat sb;
    s->bytes_closed += stat(tmp, &sb) == 0 ? (int64_t)sb.st_size : bytes;
    s->file_rows = 0;
    return B2A_OK;
}

/* Worker thread: open on the first chunk, then one chunk of rows into the
 * open part file, which ends at the stream's end or at the roll-over size. */
static void chunk_work(uv_work_t *req)
{
    stream *s = req->data;
    exporter *ex = s->ex;
    b2a_job *job = ex->job;
    tstate *ts = &ex->ts[s->table];
    b2a_table_job *t = &job->tables[s->table];
    s->chunk_rows = 0;
    if (!s->opened) {
        s->opened = 1;
        /* the source first: its reason for refusing a table (a type it
         * cannot decode, no columns known) is the one users need */
        const char *where = ts->planned ? ts->split.where[s->range] : NULL;
        int rc = ts->planned && ex->ops->open_range
                     ? ex->ops->open_range(ex->source, t, where, ts->split.snapshot, &s->cursor, &s->err)
                     : ex->ops->open(ex->source, t, s->table, &s->cursor, &s->err);
        if (rc != B2A_OK)
            return;
    }
    if (!s->writer) {
        /* a name of its own per stream and file; the table's end renames */
        size_t stem = strlen(t->avro_path) - strlen(".avro");
        char *scratch = b2a__asprintf("%.*s.s%05zu-%05zu.avro", (int)stem, t->avro_path, s->range, s->nparts);
        int rc = scratch ? b2a__ocf_open(scratch, &ts->wdef, job->database, job->codec, 0, &s->writer, &s->err)
                         : b2a__err_set(&s->err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
        free(scratch);
        if (rc != B2A_OK)
            return;
    }
    size_t max_rows = B2A_EXPORT_CHUNK_ROWS;
    if (job->max_file_rows && (uint64_t)s->file_rows + max_rows > job->max_file_rows)
        max_rows = (size_t)(job->max_file_rows - (uint64_t)s->file_rows);
    int eof = 0;
    int rc = ex->ops->next(s->cursor, b2a__ocf_sink(s->writer), max_rows, &s->chunk_rows, &eof, &s->err);
    if (rc != B2A_OK)
        return;
    s->file_rows += (int64_t)s->chunk_rows;
    s->rows += (int64_t)s->chunk_rows;
    s->eof = eof;
    int full = (job->max_file_rows && (uint64_t)s->file_rows >= job->max_file_rows) ||
               (job->max_file_bytes && b2a__ocf_bytes(s->writer) >= job->max_file_bytes);
    if (eof || full)
        part_finish(s);
}

static void schedule_more(exporter *ex);

/* The table's streams have all ended: put its files in place, or none. */
static void table_end(exporter *ex, tstate *ts)
{
    b2a_job *job = ex->job;
    b2a_table_job *t = &job->tables[ts->index];
    b2a_state state = B2A_STATE_OK;
    char *message = NULL;
    int64_t total = 0;
    for (size_t i = 0; i < ts->nstreams; i++)
        total += ts->streams[i].rows;
    if (!ts->planned && ts->plan_err.code != B2A_OK) {
        state = B2A_STATE_FAILED;
        message = b2a__strdup(ts->plan_err.msg);
    }
    for (size_t i = 0; state == B2A_STATE_OK && i < ts->nstreams; i++) {
        stream *s = &ts->streams[i];
        if (s->err.code == B2A_ECANCELED || (!s->eof && job->cancel_requested)) {
            state = B2A_STATE_CANCELED;
            message = b2a__strdup("canceled");
        } else if (s->err.code != B2A_OK || !s->eof) {
            state = B2A_STATE_FAILED;
            message = ts->nstreams > 1 && ts->planned && ts->split.where[s->range]
                          ? b2a__asprintf("%s (range %zu of %zu: %s)", s->err.msg, s->range + 1, ts->nstreams,
                                          ts->split.where[s->range])
                          : b2a__strdup(s->err.code ? s->err.msg : "the stream did not end");
        }
    }
    if (state == B2A_STATE_OK && job->cancel_requested) {
        state = B2A_STATE_CANCELED;
        message = b2a__strdup("canceled");
    }
    if (state == B2A_STATE_OK && t->def.row_count >= 0 && total != t->def.row_count) {
        state = B2A_STATE_FAILED;
        message = b2a__asprintf("%s.%s: %lld rows written but the source counts %lld", t->def.schema, t->def.name,
                                (long long)total, (long long)t->def.row_count);
    }
    b2a_err err;
    b2a__err_clear(&err);
    /* The .avsc and the Avro files go together: the schema first, then the
     * data's renames, which make the table visible. Part files with no
     * rows are dropped, except one for a table without rows. */
    if (state == B2A_STATE_OK && b2a__ocf_write_avsc(t->avsc_path, &ts->wdef, job->database, &err) != B2A_OK) {
        state = B2A_STATE_FAILED;
        message = b2a__strdup(err.msg);
    }
    size_t nparts = 0, kept = 0;
    for (size_t i = 0; i < ts->nstreams; i++)
        for (size_t k = 0; k < ts->streams[i].nparts; k++)
            nparts++, kept += ts->streams[i].parts[k].rows > 0;
    if (state == B2A_STATE_OK) {
        char **files = calloc(nparts ? nparts : 1, sizeof(*files));
        size_t nf = 0;
        char *dir = b2a__strdup(t->avro_path);
        char *slash = dir ? strrchr(dir, '/') : NULL;
        if (slash)
            *slash = '\0';
        for (size_t i = 0; files && slash && state == B2A_STATE_OK && i < ts->nstreams; i++) {
            stream *s = &ts->streams[i];
            for (size_t k = 0; state == B2A_STATE_OK && k < s->nparts; k++) {
                part *p = &s->parts[k];
                if (p->rows == 0 && (kept > 0 || nf > 0))
                    continue;  /* unlinked below */
                char *final = b2a__asprintf("%s/part-%05zu.avro", dir, nf);
                if (!final || rename(p->tmp, final) != 0) {
                    state = B2A_STATE_FAILED;
                    message = b2a__asprintf("%s: cannot put the file in place: %s", final ? final : dir,
                                            final ? strerror(errno) : "out of memory");
                    free(final);
                    break;
                }
                free(p->tmp);
                p->tmp = NULL;
                files[nf++] = final;
            }
        }
        if (!files || !slash) {
            state = B2A_STATE_FAILED;
            message = b2a__strdup("out of memory");
        }
        if (state == B2A_STATE_OK) {
            b2a__file_fsync_parent(t->avsc_path);
            t->files = files;
            t->nfiles = nf;
            t->rows_written = total;
        } else {
            /* Nothing of a failed table may stay under a final name. */
            for (size_t i = 0; i < nf; i++)
                unlink(files[i]);
            b2a__strv_free(files, nf);
            unlink(t->avsc_path);
        }
        free(dir);
    }
    for (size_t i = 0; i < ts->nstreams; i++)
        parts_unlink(&ts->streams[i]);
    free(ts->streams);
    ts->streams = NULL;
    b2a__split_clear(&ts->split);
    b2a__table_def_clear(&ts->wdef);
    ts->phase = T_ENDED;
    t->state = state;
    t->t1_ms = b2a__now_ms();
    b2a__now_iso(t->ended);
    free(t->message);
    t->message = message;
    if (state == B2A_STATE_OK) {
        if (t->nfiles > 1)
            b2a__job_log(job, B2A_LOG_INFO, "%s.%s: %lld rows -> %zu files, %s ... part-%05zu.avro", t->def.schema,
                         t->def.name, (long long)t->rows_written, t->nfiles, t->files[0], t->nfiles - 1);
        else
            b2a__job_log(job, B2A_LOG_INFO, "%s.%s: %lld rows -> %s", t->def.schema, t->def.name,
                         (long long)t->rows_written, t->nfiles ? t->files[0] : t->avro_path);
        if (t->replaced_bytes) /* added up as the source's cursors closed (stream_end) */
            b2a__job_log(job, B2A_LOG_WARN,
                         "%s.%s: %llu byte(s) of text had no character in their column's character set and were "
                         "written as U+FFFD (the Job's replaced_bytes)", t->def.schema, t->def.name,
                         (unsigned long long)t->replaced_bytes);
    } else {
        b2a__job_log(job, B2A_LOG_ERROR, "%s.%s: %s: %s", t->def.schema, t->def.name, b2a__state_name(state),
                     message ? message : "");
    }
}

static void stream_end(exporter *ex, stream *s)
{
    tstate *ts = &ex->ts[s->table];
    if (s->cursor) {
        ex->ops->close(s->cursor);
        s->cursor = NULL;
    }
    if (s->writer) {
        /* Nothing half-written may look complete: the temp file goes. */
        b2a__ocf_abort(s->writer);
        s->writer = NULL;
    }
    ex->running--;
    ts->ended++;
    if (ts->ended == ts->nstreams)
        table_end(ex, ts);
    schedule_more(ex);
}

static void chunk_after(uv_work_t *req, int status)
{
    stream *s = req->data;
    exporter *ex = s->ex;
    b2a_job *job = ex->job;
    tstate *ts = &ex->ts[s->table];
    b2a_table_job *t = &job->tables[s->table];
    char qualified[512];
    snprintf(qualified, sizeof(qualified), "%s.%s", t->def.schema, t->def.name);

    if (status == UV_ECANCELED || job->cancel_requested) {
        if (!s->err.code)
            b2a__err_set(&s->err, B2A_ECANCELED, B2A_ERRCLASS_NONE, "canceled");
        s->eof = 0;
        stream_end(ex, s);
        return;
    }
    if (s->err.code != B2A_OK) {
        stream_end(ex, s);
        return;
    }
    ts->rows_done += (int64_t)s->chunk_rows;
    double pct = t->def.row_count > 0 ? 100.0 * (double)ts->rows_done / (double)t->def.row_count
                                      : (ts->ended + 1 == ts->nstreams && s->eof ? 100.0 : -1.0);
    /* bytes: this stream's, into the table's and the step's totals */
    int64_t sbytes = s->bytes_closed + (s->writer ? (int64_t)b2a__ocf_bytes(s->writer) : 0);
    ex->bytes_done += sbytes - s->bytes_reported;
    s->bytes_reported = sbytes;
    int64_t tbytes = 0;
    for (size_t i = 0; i < ts->nstreams; i++)
        tbytes += ts->streams[i].bytes_reported;
    b2a_progress p = B2A__PROGRESS_INIT(B2A_STEP_EXPORT, pct, qualified, ts->rows_done, t->def.row_count);
    p.bytes_done = tbytes;
    b2a__job_progress_report(job, &p);
    /* And the step as a whole: rows done over rows expected in the selected tables. */
    ex->rows_done += (int64_t)s->chunk_rows;
    b2a_progress all = B2A__PROGRESS_INIT(B2A_STEP_EXPORT,
                                          ex->rows_expected > 0 ? 100.0 * (double)ex->rows_done / (double)ex->rows_expected
                                                                : -1.0,
                                          NULL, ex->rows_done, ex->rows_expected > 0 ? ex->rows_expected : -1);
    all.bytes_done = ex->bytes_done;
    b2a__job_progress_report(job, &all);
    if (s->eof || job->cancel_requested) {
        stream_end(ex, s);
        return;
    }
    if (uv_queue_work(job->ctx->loop, &s->req, chunk_work, chunk_after) != 0) {
        b2a__err_set(&s->err, B2A_ENOMEM, B2A_ERRCLASS_OS, "could not queue work on the loop");
        stream_end(ex, s);
    }
}

static int streams_make(tstate *ts, size_t n)
{
    ts->streams = calloc(n ? n : 1, sizeof(*ts->streams));
    if (!ts->streams)
        return B2A_ENOMEM;
    ts->nstreams = n;
    for (size_t i = 0; i < n; i++) {
        ts->streams[i].ex = ts->ex;
        ts->streams[i].table = ts->index;
        ts->streams[i].range = i;
        ts->streams[i].req.data = &ts->streams[i];
    }
    ts->phase = T_STREAMING;
    return B2A_OK;
}

static void plan_work(uv_work_t *req)
{
    tstate *ts = req->data;
    exporter *ex = ts->ex;
    b2a_table_job *t = &ex->job->tables[ts->index];
    if (ex->ops->split(ex->source, t, splits_for(ex->job, t), &ts->split, &ts->plan_err) == B2A_OK)
        ts->planned = 1;
}

static void plan_after(uv_work_t *req, int status)
{
    tstate *ts = req->data;
    exporter *ex = ts->ex;
    b2a_job *job = ex->job;
    b2a_table_job *t = &job->tables[ts->index];
    ex->running--;
    if (status == UV_ECANCELED || job->cancel_requested) {
        ts->planned = 0;
        b2a__split_clear(&ts->split);
        b2a__err_set(&ts->plan_err, B2A_ECANCELED, B2A_ERRCLASS_NONE, "canceled");
    }
    if (ts->planned && streams_make(ts, ts->split.nranges) != B2A_OK) {
        ts->planned = 0;
        b2a__err_set(&ts->plan_err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    }
    if (!ts->planned) {
        table_end(ex, ts);
        if (job->cancel_requested) {
            t->state = B2A_STATE_CANCELED;
            free(t->message);
            t->message = b2a__strdup("canceled");
        }
    } else {
        /* counted in the snapshot every range reads: the exact figure to check */
        if (ts->split.rows_expected >= 0) {
            if (t->def.row_count > 0)
                ex->rows_expected -= t->def.row_count;
            t->def.row_count = ts->split.rows_expected;
            ex->rows_expected += t->def.row_count;
        }
        b2a__job_log(job, B2A_LOG_INFO, "%s.%s: %zu stream%s (%s%s%s%s)", t->def.schema, t->def.name,
                     ts->split.nranges, ts->split.nranges == 1 ? "" : "s", b2a__split_method_name(ts->split.method),
                     ts->split.key ? " on " : "", ts->split.key ? ts->split.key : "",
                     ts->split.snapshot ? ", one snapshot" : "");
    }
    schedule_more(ex);
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
    b2a_exporter_done_cb done = ex->done;
    void *ud = ex->userdata;
    free(ex->ts);
    free(ex);
    done(job, ud);
}

/* A stream of a table already begun that has not started yet, if any. */
static stream *pending_stream(exporter *ex)
{
    for (size_t i = 0; i < ex->next_table; i++) {
        tstate *ts = &ex->ts[i];
        if (ts->phase == T_STREAMING && ts->next_stream < ts->nstreams)
            return &ts->streams[ts->next_stream++];
    }
    return NULL;
}

static void start_stream(exporter *ex, stream *s)
{
    ex->running++;
    if (uv_queue_work(ex->job->ctx->loop, &s->req, chunk_work, chunk_after) != 0) {
        b2a__err_set(&s->err, B2A_ENOMEM, B2A_ERRCLASS_OS, "could not queue work on the loop");
        ex->running--;
        ex->ts[s->table].ended++;
        if (ex->ts[s->table].ended == ex->ts[s->table].nstreams)
            table_end(ex, &ex->ts[s->table]);
    }
}

static int busy(const exporter *ex)
{
    if (ex->running > 0 || ex->next_table < ex->job->ntables)
        return 1;
    for (size_t i = 0; i < ex->job->ntables; i++)
        if (ex->ts[i].phase == T_PLANNING || ex->ts[i].phase == T_STREAMING)
            return 1;
    return 0;
}

static void schedule_more(exporter *ex)
{
    b2a_job *job = ex->job;
    while (ex->running < job->parallel && !job->cancel_requested) {
        stream *s = pending_stream(ex);
        if (s) {
            start_stream(ex, s);
            continue;
        }
        if (ex->next_table >= job->ntables)
            break;
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
        tstate *ts = &ex->ts[i];
        ts->ex = ex;
        ts->index = i;
        t->state = B2A_STATE_RUNNING;
        t->t0_ms = b2a__now_ms();
        b2a__now_iso(t->started);
        /* the writers' types: wall-clock timestamps as the job says */
        if (b2a__table_def_written(&ts->wdef, &t->def, (int)job->naive_timestamps) != 0) {
            b2a__err_set(&ts->plan_err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
            table_end(ex, ts);
            continue;
        }
        if (ex->ops->split && splits_for(job, t) > 1) {
            ts->phase = T_PLANNING;
            ts->plan_req.data = ts;
            ex->running++;
            if (uv_queue_work(job->ctx->loop, &ts->plan_req, plan_work, plan_after) != 0) {
                ex->running--;
                b2a__err_set(&ts->plan_err, B2A_ENOMEM, B2A_ERRCLASS_OS, "could not queue work on the loop");
                table_end(ex, ts);
            }
            continue;
        }
        if (streams_make(ts, 1) != B2A_OK) {
            b2a__err_set(&ts->plan_err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
            table_end(ex, ts);
        }
    }
    if (job->cancel_requested) {
        for (size_t i = ex->next_table; i < job->ntables; i++)
            if (job->tables[i].state == B2A_STATE_PENDING)
                job->tables[i].state = job->tables[i].selected ? B2A_STATE_CANCELED : B2A_STATE_SKIPPED;
        ex->next_table = job->ntables;
        /* streams never started end here; a table with none running ends now */
        for (size_t i = 0; i < job->ntables; i++) {
            tstate *ts = &ex->ts[i];
            if (ts->phase != T_STREAMING || ts->next_stream == ts->nstreams)
                continue;
            ts->ended += ts->nstreams - ts->next_stream;
            ts->next_stream = ts->nstreams;
            if (ts->ended == ts->nstreams)
                table_end(ex, ts);
        }
    }
    if (!busy(ex))
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
                      b2a_exporter_done_cb done, void *userdata)
{
    exporter *ex = calloc(1, sizeof(*ex));
    if (!ex)
        return B2A_ENOMEM;
    ex->ts = calloc(job->ntables ? job->ntables : 1, sizeof(*ex->ts));
    if (!ex->ts) {
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
        free(ex->ts);
        free(ex);
        return err.code;
    }
    /* Before any table file exists, a Job JSON that lists the files to come:
     * a run killed from here on leaves an output --overwrite can replace. */
    if (b2a__job_write_json(job, &err) != B2A_OK) {
        remove_empty_folders(job);
        b2a__job_set_error(job, &err);
        free(ex->ts);
        free(ex);
        return err.code;
    }
    size_t selected = 0;
    for (size_t i = 0; i < job->ntables; i++)
        selected += job->tables[i].selected;
    b2a__job_log(job, B2A_LOG_INFO, "exporting %zu of %zu tables, %u streams at a time, %lld rows expected", selected,
                 job->ntables, job->parallel, (long long)ex->rows_expected);
    schedule_more(ex);
    return B2A_OK;
}

/* ---- a database (source/dbsource.h) as the row source ---- */

static int db_open(void *source, const b2a_table_job *t, size_t index, void **cursor, b2a_err *err)
{
    (void)index;
    return b2a__dbcursor_open(source, &t->def, NULL, NULL, (b2a_dbcursor **)cursor, err);
}

static int db_open_range(void *source, const b2a_table_job *t, const char *where, const char *snapshot,
                         void **cursor, b2a_err *err)
{
    return b2a__dbcursor_open(source, &t->def, where, snapshot, (b2a_dbcursor **)cursor, err);
}

static int db_next(void *cursor, b2a_sink *sink, size_t max_rows, size_t *rows, int *eof, b2a_err *err)
{
    return b2a__dbcursor_next(cursor, sink, max_rows, rows, eof, err);
}

static void db_close(void *cursor)
{
    b2a__dbcursor_close(cursor);
}

static int db_split(void *source, const b2a_table_job *t, uint32_t n, b2a_split *out, b2a_err *err)
{
    return b2a__split_plan(source, &t->def, t->primary_key, t->nprimary_key, n, out, err);
}

const b2a_source_ops b2a__dbsource_ops = {db_open, db_next, db_close, db_split, db_open_range};
const b2a_source_ops b2a__dbsource_ops_unsplit = {db_open, db_next, db_close, NULL, NULL};
