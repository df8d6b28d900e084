/* The Export building block (bak2avro/export.h): one table, or one range
 * of a split plan, into part files, as a chain of bounded chunks on the
 * thread pool (a cancellation point and a progress report between chunks).
 * Files are written under temporary names and put in place together at
 * the end, or removed. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>
#include <yajl/yajl_gen.h>

#include "avro/names.h"
#include "avro/ocf.h"
#include "bak2avro.h"
#include "core/cancel.h"
#include "core/ctx.h"
#include "export/export.h"
#include "source/backupsrc.h"
#include "source/dbsource.h"
#include "source/dsn.h"
#include "source/plan.h"
#include "source/source_impl.h"
#include "util/file.h"
#include "util/str.h"

#define EXPORT_MAGIC 0xb2a0e790u

typedef struct tmp_part {
    char *tmp;
    int64_t rows;
} tmp_part;

typedef enum xstate { X_PENDING = 0, X_RUNNING, X_DONE } xstate;

struct b2a_export {
    uint32_t magic;
    b2a_ctx *ctx;
    b2a_dbsource db;
    int is_backup;            /* rows from backup files (file: DSN) instead of db */
    b2a_backupsrc bk;         /* opened on the worker by the first chunk */
    void *scan;               /* the reader's scan of split part `split_part` of `split_parts` */
    size_t split_part, split_parts;
    b2a_table_def def;        /* as the source reads it */
    b2a_table_def wdef;       /* as the files are written (naive_timestamps) */
    char *database;
    char *vendor;             /* of the plan: a backup's files must be of it */
    char *where, *snapshot;   /* the range, or NULL */
    int is_range;
    uint32_t range, nranges;
    /* options, owned */
    char *output_dir;
    b2a_codec codec;
    uint64_t max_file_bytes, max_file_rows;
    b2a_naive_timestamps naive_timestamps;
    b2a_export_progress_cb progress_cb;
    b2a_export_done_cb done_cb;
    void *userdata;
    /* run */
    xstate state;
    int canceled, free_requested, in_cb;
    b2a_canceler cancel;      /* b2a_export_cancel() from any thread, seen between chunks */
    uv_work_t work;
    b2a_err err;              /* written on the worker during a chunk */
    char *dir, *scratch_stem; /* the table's folder; temp names derive from the stem */
    b2a_dbcursor *cursor;
    b2a_ocf_writer *writer;
    int64_t file_rows, rows;
    tmp_part *parts;
    size_t nparts;
    int opened, eof;
    /* result */
    char **files;             /* final, relative to output_dir */
    size_t nfiles;
    char *schema_file;
};

/* Size of b2a_export_options as each published version defines it. */
static size_t export_options_size(unsigned int version)
{
    switch (version) {
    case 1: return offsetof(b2a_export_options, naive_timestamps);
    case 2: return sizeof(b2a_export_options);
    default: return 0;
    }
}

int b2a_export_options_init(b2a_export_options *opts, unsigned int version)
{
    size_t size = export_options_size(version);
    if (!opts || !size)
        return B2A_EINVAL;
    b2a_export_options d = B2A_EXPORT_OPTIONS_INIT;
    memcpy(opts, &d, size);
    opts->version = version;
    return B2A_OK;
}

static void parts_drop(b2a_export *x)
{
    for (size_t i = 0; i < x->nparts; i++) {
        if (x->parts[i].tmp)
            unlink(x->parts[i].tmp);
        free(x->parts[i].tmp);
    }
    free(x->parts);
    x->parts = NULL;
    x->nparts = 0;
}

/* The rows' cursor, of a database or of a backup's reader. */
static void cursor_close(b2a_export *x)
{
    b2a__dbcursor_close(x->cursor);
    x->cursor = NULL;
    if (x->scan)
        x->bk.reader->scan_close(x->scan);
    x->scan = NULL;
}

static void export_destroy(b2a_export *x)
{
    cursor_close(x);
    b2a__backupsrc_clear(&x->bk);
    b2a__ocf_abort(x->writer);
    parts_drop(x);
    b2a__dbsource_clear(&x->db);
    b2a__table_def_clear(&x->def);
    b2a__table_def_clear(&x->wdef);
    free(x->database);
    free(x->vendor);
    free(x->where);
    free(x->snapshot);
    free(x->output_dir);
    free(x->dir);
    free(x->scratch_stem);
    b2a__strv_free(x->files, x->nfiles);
    free(x->schema_file);
    b2a__canceler_destroy(&x->cancel);
    x->magic = 0;
    free(x);
}

static int take_options(b2a_export *x, const b2a_export_options *o)
{
    if (!o || !export_options_size(o->version) || !o->output_dir || !*o->output_dir ||
        (o->codec != B2A_CODEC_NULL && o->codec != B2A_CODEC_DEFLATE && o->codec != B2A_CODEC_SNAPPY))
        return B2A_EINVAL;
    /* version 1 callers get the default: local-timestamp-micros */
    x->naive_timestamps = o->version >= 2 ? o->naive_timestamps : B2A_NAIVE_LOCAL;
    if ((unsigned)x->naive_timestamps > B2A_NAIVE_STRING)
        return B2A_EINVAL;
    x->output_dir = b2a__strdup(o->output_dir);
    x->codec = o->codec;
    x->max_file_bytes = o->max_file_bytes;
    x->max_file_rows = o->max_file_rows;
    x->progress_cb = o->progress_cb;
    x->done_cb = o->done_cb;
    x->userdata = o->userdata;
    return x->output_dir ? B2A_OK : B2A_ENOMEM;
}

static b2a_export *export_alloc(b2a_ctx *ctx)
{
    b2a_export *x = calloc(1, sizeof(*x));
    if (x && b2a__canceler_init(&x->cancel) != B2A_OK) {
        free(x);
        x = NULL;
    }
    if (x) {
        x->magic = EXPORT_MAGIC;
        x->ctx = ctx;
        x->work.data = x;
    }
    return x;
}

int b2a_export_new(b2a_source *src, const char *table, const b2a_export_options *opts, b2a_export **out)
{
    if (!out)
        return B2A_EINVAL;
    *out = NULL;
    if (!src || src->magic != B2A_SOURCE_MAGIC || !table)
        return B2A_EINVAL;
    if (!src->opened)
        return B2A_EBUSY;
    const b2a_odbc_table *t = b2a__source_find(src, table);
    if (!t)
        return B2A_ENOTFOUND;
    b2a_export *x = export_alloc(src->ctx);
    if (!x)
        return B2A_ENOMEM;
    int rc = take_options(x, opts);
    if (rc == B2A_OK && (b2a__table_def_copy(&x->def, &t->def) != 0 ||
                         (src->database && !(x->database = b2a__strdup(src->database)))))
        rc = B2A_ENOMEM;
    x->is_backup = src->is_backup;
    x->split_parts = 1;
    if (rc == B2A_OK && x->is_backup)   /* the export opens the files again: it may outlive the source */
        rc = b2a__backupsrc_parse(src->bk.display, &x->bk, &x->err);
    else if (rc == B2A_OK)
        rc = b2a__dbsource_copy(&x->db, &src->db, &x->err);
    if (rc != B2A_OK) {
        export_destroy(x);
        return rc;
    }
    *out = x;
    return B2A_OK;
}

int b2a_export_range_new(b2a_ctx *ctx, const char *dsn, const char *plan_json, uint32_t range,
                         const b2a_export_options *opts, b2a_export **out)
{
    if (!out)
        return B2A_EINVAL;
    *out = NULL;
    if (!ctx || ctx->magic != B2A_CTX_MAGIC || !dsn || !plan_json)
        return B2A_EINVAL;
    b2a_export *x = export_alloc(ctx);
    if (!x)
        return B2A_ENOMEM;
    /* From here on the handle carries the message of a refusal. */
    *out = x;
    int rc = take_options(x, opts);
    if (rc != B2A_OK) {
        b2a__err_set(&x->err, rc, B2A_ERRCLASS_USAGE, "export options: %s",
                     rc == B2A_EINVAL ? "output_dir is required, codec must be null, deflate or snappy, "
                                                            "naive_timestamps local, utc or string"
                                      : "out of memory");
        return rc;
    }
    if (opts->via != B2A_VIA_AUTO && opts->via != B2A_VIA_ODBC)
        return b2a__err_set(&x->err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "export options: via must be auto or odbc");
    b2a_plan_doc doc;
    rc = b2a__plan_parse(plan_json, &doc, &x->err);
    if (rc != B2A_OK)
        return rc;
    b2a_dsn d;
    if (range >= doc.nranges)
        rc = b2a__err_set(&x->err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "range %u: the plan of %s.%s has %zu ranges (0..%zu)",
                          range, doc.def.schema, doc.def.name, doc.nranges, doc.nranges - 1);
    x->is_backup = b2a__dsn_is_file(dsn);
    int parts = doc.method == B2A_SPLIT_EXTENTS || doc.method == B2A_SPLIT_SEGMENTS;
    if (rc == B2A_OK && (parts ? !x->is_backup : x->is_backup && (doc.method != B2A_SPLIT_SINGLE || doc.where[range])))
        rc = b2a__err_set(&x->err, B2A_EINVAL, B2A_ERRCLASS_USAGE,
                          parts ? "the plan of %s.%s splits a backup's table: give the file: DSN of its backup files"
                                : "the plan of %s.%s is of a database, not of backup files",
                          doc.def.schema, doc.def.name);
    /* a backup's vendor is checked when its files are opened, on the worker */
    if (rc == B2A_OK && x->is_backup) {
        rc = b2a__backupsrc_parse(dsn, &x->bk, &x->err);
        x->split_part = parts ? range : 0;
        x->split_parts = parts ? doc.nranges : 1;
    } else if (rc == B2A_OK && (rc = b2a__dsn_parse(dsn, &d, &x->err)) == B2A_OK) {
        if (strcmp(b2a__dsn_vendor_name(d.vendor), doc.vendor) != 0)
            rc = b2a__err_set(&x->err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "%s is a %s database but the plan is of %s",
                              d.display, b2a__dsn_vendor_name(d.vendor), doc.vendor);
        /* a snapshot is read through libpq only: without it, ODBC */
        const char *pg = opts->via == B2A_VIA_ODBC ? NULL : d.pg_conninfo;
        if (rc == B2A_OK && doc.snapshot && !pg)
            rc = b2a__err_set(&x->err, B2A_EINVAL, B2A_ERRCLASS_USAGE,
                              "the plan's ranges read one PostgreSQL snapshot, which needs the libpq path: "
                              "give a postgresql:// DSN (or psqlODBC Server/Port/Database/UID/PWD) and via auto");
        if (rc == B2A_OK)
            rc = b2a__dbsource_from_dsn(&x->db, &d, opts->via == B2A_VIA_ODBC, 0, &x->err);
        b2a__dsn_clear(&d);
    }
    if (rc == B2A_OK) {
        x->def = doc.def;
        memset(&doc.def, 0, sizeof(doc.def));
        x->database = doc.database;
        doc.database = NULL;
        x->where = doc.where[range];
        doc.where[range] = NULL;
        x->snapshot = doc.snapshot;
        doc.snapshot = NULL;
        x->vendor = doc.vendor;
        doc.vendor = NULL;
        x->is_range = 1;
        x->range = range;
        x->nranges = (uint32_t)doc.nranges;
        x->def.row_count = -1;  /* a range has no count of its own */
    }
    b2a__plan_doc_clear(&doc);
    return rc;
}

/* Worker: open the backup's files, find the table, and open a scan of the
 * export's part of it. Its columns are the reader's own (the same types a
 * single-machine run writes); a plan made from other files is refused. */
static int backup_open(b2a_export *x)
{
    if (b2a__backupsrc_open(&x->bk, &x->err) != B2A_OK)
        return x->err.code;
    if (x->vendor && strcmp(x->vendor, x->bk.vendor) != 0)
        return b2a__err_set(&x->err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "%s is a %s backup but the plan is of %s",
                            x->bk.paths[0], x->bk.vendor, x->vendor);
    long i = b2a__backupsrc_find(&x->bk, x->def.schema, x->def.name);
    const b2a_table_def *t = i < 0 ? NULL : x->bk.reader->table(x->bk.handle, (size_t)i);
    if (!t || t->ncolumns != x->def.ncolumns)
        return b2a__err_set(&x->err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "%s: %s %s.%s%s", x->bk.paths[0],
                            t ? "the table" : "no table", x->def.schema, x->def.name,
                            t ? " has other columns than the plan's: a plan of other backup files?" : " in this backup");
    b2a_table_def own;
    if (b2a__table_def_copy(&own, t) != 0)
        return b2a__err_set(&x->err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    own.row_count = x->def.row_count;   /* a range has none; a whole table the source's */
    b2a__table_def_clear(&x->def);
    x->def = own;
    return b2a__backupsrc_scan_open(&x->bk, (size_t)i, x->split_part, x->split_parts, &x->scan, &x->err);
}

/* Worker: the folder, the cursor, then one chunk into the open part file. */
static void chunk_work(uv_work_t *req)
{
    b2a_export *x = req->data;
    size_t chunk = 0;
    if (!x->opened) {
        x->opened = 1;
        /* the rows first: a refused source leaves no empty folder behind */
        if (x->is_backup ? backup_open(x) != B2A_OK
                         : b2a__dbcursor_open(&x->db, &x->def, x->where, x->snapshot, &x->cursor, &x->err) != B2A_OK)
            return;
        if (b2a__mkdir_p(x->dir) != 0) {
            b2a__err_set(&x->err, B2A_EIO, B2A_ERRCLASS_IO, "cannot create %s: %s", x->dir, strerror(errno));
            return;
        }
    }
    if (!x->writer) {
        char *scratch = b2a__asprintf("%s-%05zu.avro", x->scratch_stem, x->nparts);
        int rc = scratch ? b2a__ocf_open(scratch, &x->wdef, x->database, x->codec, 0, &x->writer, &x->err)
                         : b2a__err_set(&x->err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
        free(scratch);
        if (rc != B2A_OK)
            return;
    }
    size_t max_rows = B2A_EXPORT_CHUNK_ROWS;
    if (x->max_file_rows && (uint64_t)x->file_rows + max_rows > x->max_file_rows)
        max_rows = (size_t)(x->max_file_rows - (uint64_t)x->file_rows);
    int eof = 0;
    b2a_sink *sink = b2a__ocf_sink(x->writer);
    if ((x->is_backup ? x->bk.reader->scan_next(x->scan, sink, max_rows, &chunk, &eof, &x->err)
                      : b2a__dbcursor_next(x->cursor, sink, max_rows, &chunk, &eof, &x->err)) != B2A_OK)
        return;
    x->file_rows += (int64_t)chunk;
    x->rows += (int64_t)chunk;
    x->eof = eof;
    int full = (x->max_file_rows && (uint64_t)x->file_rows >= x->max_file_rows) ||
               (x->max_file_bytes && b2a__ocf_bytes(x->writer) >= x->max_file_bytes);
    if (!eof && !full)
        return;
    tmp_part *np = realloc(x->parts, (x->nparts + 1) * sizeof(*np));
    if (!np) {
        b2a__err_set(&x->err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
        return;
    }
    x->parts = np;
    char *tmp = NULL;
    int rc = b2a__ocf_finish(x->writer, &tmp, &x->err);
    x->writer = NULL;
    if (rc != B2A_OK)
        return;
    x->parts[x->nparts].tmp = tmp;
    x->parts[x->nparts++].rows = x->file_rows;
    x->file_rows = 0;
}

/* Loop: the count, the schema, then every part under its final name. */
static int put_in_place(b2a_export *x)
{
    if (x->def.row_count >= 0 && x->rows != x->def.row_count)
        return b2a__err_set(&x->err, B2A_EMISMATCH, B2A_ERRCLASS_AVRO,
                            "%s.%s: %lld rows written but the source counts %lld", x->def.schema, x->def.name,
                            (long long)x->rows, (long long)x->def.row_count);
    char *avsc = b2a__asprintf("%s/part-00000.avsc", x->dir);
    if (!avsc)
        return b2a__err_set(&x->err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    int rc = b2a__ocf_write_avsc(avsc, &x->wdef, x->database, &x->err);
    x->files = calloc(x->nparts ? x->nparts : 1, sizeof(*x->files));
    if (rc == B2A_OK && !x->files)
        rc = b2a__err_set(&x->err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    size_t outlen = strlen(x->output_dir) + 1;
    for (size_t k = 0, n = 0; rc == B2A_OK && k < x->nparts; k++) {
        tmp_part *p = &x->parts[k];
        /* a range's empty files are left out; a whole table keeps one */
        if (p->rows == 0 && (x->is_range || n > 0 || k + 1 < x->nparts))
            continue;
        size_t number = x->is_range ? (size_t)x->range + n * x->nranges : n;
        char *final = b2a__asprintf("%s/part-%05zu.avro", x->dir, number);
        if (!final || rename(p->tmp, final) != 0) {
            rc = b2a__err_set(&x->err, B2A_EIO, B2A_ERRCLASS_IO, "%s: cannot put the file in place: %s",
                              final ? final : x->dir, final ? strerror(errno) : "out of memory");
            free(final);
            break;
        }
        free(p->tmp);
        p->tmp = NULL;
        x->files[x->nfiles++] = final;
        n++;
    }
    if (rc == B2A_OK) {
        b2a__file_fsync_parent(avsc);
        for (size_t i = 0; i < x->nfiles; i++)
            memmove(x->files[i], x->files[i] + outlen, strlen(x->files[i] + outlen) + 1);
        x->schema_file = b2a__strdup(avsc + outlen);
    } else {
        for (size_t i = 0; i < x->nfiles; i++)
            unlink(x->files[i]);
        b2a__strv_free(x->files, x->nfiles);
        x->files = NULL;
        x->nfiles = 0;
        if (!x->is_range)
            unlink(avsc);
    }
    free(avsc);
    return rc;
}

static void chunk_after(uv_work_t *req, int status)
{
    b2a_export *x = req->data;
    int done = 0;
    if (status == UV_ECANCELED || x->canceled || b2a__canceler_asked(&x->cancel)) {
        if (x->err.code == B2A_OK)
            b2a__err_set(&x->err, B2A_ECANCELED, B2A_ERRCLASS_NONE, "canceled");
        done = 1;
    } else if (x->err.code != B2A_OK) {
        done = 1;
    } else if (x->progress_cb && x->progress_cb(x, x->rows, x->def.row_count, x->userdata)) {
        b2a__err_set(&x->err, B2A_EUSER, B2A_ERRCLASS_NONE, "the progress callback asked to stop");
        done = 1;
    } else if (x->eof) {
        done = 1;
        cursor_close(x);
        put_in_place(x);
    } else if (uv_queue_work(x->ctx->loop, &x->work, chunk_work, chunk_after) != 0) {
        b2a__err_set(&x->err, B2A_ENOMEM, B2A_ERRCLASS_OS, "could not queue work on the loop");
        done = 1;
    }
    if (!done)
        return;
    cursor_close(x);
    b2a__ocf_abort(x->writer);
    x->writer = NULL;
    parts_drop(x);  /* only files not put in place are left: a failure's */
    if (x->err.code != B2A_OK && x->err.code != B2A_ECANCELED && x->err.code != B2A_EUSER && x->is_range &&
        !strstr(x->err.msg, "range "))
        b2a__err_prefix(&x->err, "range %u of %s.%s: ", x->range, x->def.schema, x->def.name);
    x->state = X_DONE;
    b2a__canceler_disarm(&x->cancel);
    b2a_ctx *ctx = x->ctx;
    x->in_cb = 1;   /* a free from inside the callback is deferred to its end */
    if (x->done_cb)
        x->done_cb(x, x->err.code, x->userdata);
    x->in_cb = 0;
    if (x->free_requested)
        export_destroy(x);
    b2a__ctx_release(ctx);
}

/* What b2a_export_start made before it failed: a start retried after
 * B2A_ENOMEM makes them again, and must not leak the first ones. */
static int start_undo(b2a_export *x, int rc)
{
    free(x->dir);
    free(x->scratch_stem);
    x->dir = x->scratch_stem = NULL;
    b2a__table_def_clear(&x->wdef);
    return rc;
}

int b2a_export_start(b2a_export *x)
{
    if (!x || x->magic != EXPORT_MAGIC)
        return B2A_EINVAL;
    if (x->state != X_PENDING)
        return B2A_EBUSY;
    if (x->err.code != B2A_OK)
        return x->err.code;   /* refused when made */
    /* OUT/<schema>/<table>, Avro-safe, as a job names them */
    b2a_avro_names *sn = b2a__avro_names_new(), *tn = b2a__avro_names_new();
    const char *sd = sn ? b2a__avro_names_add(sn, x->def.schema ? x->def.schema : "") : NULL;
    const char *td = tn ? b2a__avro_names_add(tn, x->def.name ? x->def.name : "") : NULL;
    x->dir = sd && td ? b2a__asprintf("%s/%s/%s", x->output_dir, sd, td) : NULL;
    b2a__avro_names_free(sn);
    b2a__avro_names_free(tn);
    x->scratch_stem = x->dir ? b2a__asprintf("%s/part-r%05u", x->dir, x->range) : NULL;
    if (!x->dir || !x->scratch_stem || b2a__table_def_written(&x->wdef, &x->def, (int)x->naive_timestamps) != 0)
        return start_undo(x, B2A_ENOMEM);
    b2a__export_heap_prepare();
    /* nothing to wake: the flag is read when the chunk under way ends */
    if (b2a__canceler_arm(&x->cancel, x->ctx->loop, NULL, x) != B2A_OK)
        return start_undo(x, B2A_ENOMEM);
    x->state = X_RUNNING;
    if (uv_queue_work(x->ctx->loop, &x->work, chunk_work, chunk_after) != 0) {
        x->state = X_PENDING;
        b2a__canceler_disarm(&x->cancel);
        return start_undo(x, B2A_ENOMEM);
    }
    b2a__ctx_hold(x->ctx);
    return B2A_OK;
}

int b2a_export_cancel(b2a_export *x)
{
    if (!x || x->magic != EXPORT_MAGIC)
        return B2A_EINVAL;
    b2a__canceler_request(&x->cancel);  /* any thread; seen between chunks */
    return B2A_OK;
}

void b2a_export_free(b2a_export *x)
{
    if (!x || x->magic != EXPORT_MAGIC)
        return;
    if (x->state == X_RUNNING || x->in_cb) {
        x->free_requested = 1;
        x->canceled = 1;
        return;
    }
    export_destroy(x);
}

B2A_ERRCODE_ACCESSOR(b2a_export_errcode, b2a_export, EXPORT_MAGIC)
B2A_ERRMSG_ACCESSOR(b2a_export_errmsg, b2a_export, EXPORT_MAGIC)
B2A_SQLSTATE_ACCESSOR(b2a_export_sqlstate, b2a_export, EXPORT_MAGIC)

int64_t b2a_export_rows_written(const b2a_export *x)
{
    return x && x->magic == EXPORT_MAGIC && x->state == X_DONE && x->err.code == B2A_OK ? x->rows : 0;
}

static void gstr(yajl_gen g, const char *s)
{
    if (s)
        yajl_gen_string(g, (const unsigned char *)s, strlen(s));
    else
        yajl_gen_null(g);
}

char *b2a_export_json(const b2a_export *x)
{
    if (!x || x->magic != EXPORT_MAGIC)
        return NULL;
    yajl_gen g = yajl_gen_alloc(NULL);
    if (!g)
        return NULL;
    int ok = x->state == X_DONE && x->err.code == B2A_OK;
    yajl_gen_map_open(g);
    gstr(g, "schema");
    gstr(g, x->def.schema);
    gstr(g, "name");
    gstr(g, x->def.name);
    gstr(g, "range");
    if (x->is_range)
        yajl_gen_integer(g, x->range);
    else
        yajl_gen_null(g);
    gstr(g, "status");
    gstr(g, x->state == X_PENDING ? "Pending" : x->state == X_RUNNING ? "Running" : ok ? "Success"
            : x->err.code == B2A_ECANCELED || x->err.code == B2A_EUSER ? "Canceled" : "Failed");
    gstr(g, "rows_written");
    yajl_gen_integer(g, ok ? x->rows : 0);
    gstr(g, "rows_expected");
    yajl_gen_integer(g, x->def.row_count);
    gstr(g, "files");
    yajl_gen_array_open(g);
    for (size_t i = 0; ok && i < x->nfiles; i++)
        gstr(g, x->files[i]);
    yajl_gen_array_close(g);
    gstr(g, "schema_file");
    gstr(g, ok ? x->schema_file : NULL);
    gstr(g, "error");
    gstr(g, x->err.code != B2A_OK ? x->err.msg : NULL);
    yajl_gen_map_close(g);
    const unsigned char *buf;
    size_t len;
    char *out = NULL;
    if (yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok)
        out = b2a__strndup((const char *)buf, len);
    yajl_gen_free(g);
    return out;
}
