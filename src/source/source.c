/* The Source building block (bak2avro/source.h): a database named by a
 * DSN, opened (connected, described) and planned, each call on the
 * context's loop with its blocking work on the thread pool. */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>
#include <yajl/yajl_gen.h>

#include "bak2avro.h"
#include "core/ctx.h"
#include "odbc/introspect.h"
#include "source/dbsource.h"
#include "source/dsn.h"
#include "source/plan.h"
#include "source/source_impl.h"
#include "util/str.h"

#define SOURCE_MAGIC B2A_SOURCE_MAGIC
#define PLAN_MAGIC 0xb2a0914eu

static size_t source_options_size(unsigned int version)
{
    return version == 1 ? sizeof(b2a_source_options) : 0;
}

int b2a_source_options_init(b2a_source_options *opts, unsigned int version)
{
    size_t size = source_options_size(version);
    if (!opts || !size)
        return B2A_EINVAL;
    b2a_source_options d = B2A_SOURCE_OPTIONS_INIT;
    memcpy(opts, &d, size);
    opts->version = version;
    return B2A_OK;
}

static void source_destroy(b2a_source *s)
{
    b2a__odbc_tables_free(s->tables, s->ntables);
    free(s->database);
    b2a__strv_free(s->include, s->n_include);
    b2a__strv_free(s->exclude, s->n_exclude);
    b2a__dbsource_clear(&s->db);
    b2a__dsn_clear(&s->dsn);
    b2a__backupsrc_clear(&s->bk);
    b2a__canceler_destroy(&s->cancel);
    s->magic = 0;
    free(s);
}

int b2a_source_new(b2a_ctx *ctx, const b2a_source_options *opts, b2a_source **out)
{
    if (!out)
        return B2A_EINVAL;
    *out = NULL;
    if (!ctx || ctx->magic != B2A_CTX_MAGIC || !opts || !source_options_size(opts->version) ||
        (opts->n_include && !opts->include) || (opts->n_exclude && !opts->exclude) ||
        (opts->via != B2A_VIA_AUTO && opts->via != B2A_VIA_ODBC))
        return B2A_EINVAL;
    b2a_source *s = calloc(1, sizeof(*s));
    if (!s)
        return B2A_ENOMEM;
    if (b2a__canceler_init(&s->cancel) != B2A_OK) {
        free(s);
        return B2A_ENOMEM;
    }
    s->magic = SOURCE_MAGIC;
    s->ctx = ctx;
    s->via = opts->via;
    s->include_views = opts->include_views;
    s->done_cb = opts->done_cb;
    s->userdata = opts->userdata;
    s->include = b2a__strv_dup(opts->include, opts->n_include);
    s->n_include = opts->n_include;
    s->exclude = b2a__strv_dup(opts->exclude, opts->n_exclude);
    s->n_exclude = opts->n_exclude;
    if ((opts->n_include && !s->include) || (opts->n_exclude && !s->exclude)) {
        source_destroy(s);
        return B2A_ENOMEM;
    }
    /* A bad DSN is said now, with its message in the handle. */
    s->is_backup = b2a__dsn_is_file(opts->dsn);
    int rc = s->is_backup ? b2a__backupsrc_parse(opts->dsn, &s->bk, &s->err) : b2a__dsn_parse(opts->dsn, &s->dsn, &s->err);
    if (rc == B2A_OK && !s->is_backup)
        rc = b2a__dbsource_from_dsn(&s->db, &s->dsn, s->via == B2A_VIA_ODBC, opts->login_timeout_s, &s->err);
    *out = s;
    if (rc != B2A_OK)
        s->failed = 1;
    return rc;
}

static int pattern_matches(const char *pattern, const char *qualified, const char *table)
{
    if (fnmatch(pattern, qualified, 0) == 0)
        return 1;
    return strchr(pattern, '.') == NULL && fnmatch(pattern, table, 0) == 0;
}

static int selects(const b2a_source *s, const b2a_odbc_table *t)
{
    char *q = b2a__asprintf("%s.%s", t->def.schema ? t->def.schema : "", t->def.name ? t->def.name : "");
    if (!q)
        return 0;
    int yes = s->n_include == 0;
    for (uint32_t i = 0; !yes && i < s->n_include; i++)
        yes = pattern_matches(s->include[i], q, t->def.name);
    for (uint32_t i = 0; yes && i < s->n_exclude; i++)
        yes = !pattern_matches(s->exclude[i], q, t->def.name);
    free(q);
    return yes && t->exported;
}

const char *b2a__source_display(const b2a_source *s)
{
    return s->is_backup ? s->bk.display : s->dsn.display;
}

/* A backup is described by its reader: the tables its catalog lists. */
static void open_backup(b2a_source *s)
{
    if (b2a__backupsrc_open(&s->bk, &s->err) == B2A_OK &&
        b2a__backupsrc_tables(&s->bk, &s->tables, &s->ntables, &s->err) == B2A_OK &&
        !(s->database = b2a__strdup(s->bk.reader->database_name(s->bk.handle))))
        b2a__err_set(&s->err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
}

static void open_work(uv_work_t *req)
{
    b2a_source *s = req->data;
    if (s->is_backup) {
        open_backup(s);
        return;
    }
    b2a__dbsource_introspect(&s->db, s->dsn.dbname, s->include_views, &s->tables, &s->ntables, &s->database,
                             &s->err);
}

static void open_after(uv_work_t *req, int status)
{
    b2a_source *s = req->data;
    s->busy = 0;
    b2a__canceler_disarm(&s->cancel);
    if (status == UV_ECANCELED || ((s->canceled || b2a__canceler_asked(&s->cancel)) && s->err.code == B2A_OK))
        b2a__err_set(&s->err, B2A_ECANCELED, B2A_ERRCLASS_NONE, "canceled");
    if (s->err.code == B2A_OK) {
        s->opened = 1;
    } else {
        s->failed = 1;
        if (s->err.code != B2A_ECANCELED && !s->is_backup)  /* a reader's messages name the file */
            b2a__err_prefix(&s->err, "%s: ", s->dsn.display);
    }
    b2a_ctx *ctx = s->ctx;
    /* a free from inside the callback is deferred to its end */
    s->in_cb = 1;
    if (s->done_cb)
        s->done_cb(s, s->err.code, s->userdata);
    s->in_cb = 0;
    if (s->free_requested)
        source_destroy(s);
    b2a__ctx_release(ctx);
}

/* On the loop thread: a connect under way runs to its end. */
static void source_cancel_now(void *handle)
{
    b2a_source *s = handle;
    if (s->busy) {
        s->canceled = 1;
        uv_cancel((uv_req_t *)&s->work);
    }
}

int b2a_source_open(b2a_source *s)
{
    if (!s || s->magic != SOURCE_MAGIC)
        return B2A_EINVAL;
    if (s->failed && !s->opened && !s->tried)
        return s->err.code;   /* the DSN was refused by b2a_source_new */
    if (s->busy || s->opened || s->tried)
        return B2A_EBUSY;
    if (b2a__canceler_arm(&s->cancel, s->ctx->loop, source_cancel_now, s) != B2A_OK)
        return B2A_ENOMEM;
    s->tried = 1;
    s->busy = 1;
    s->work.data = s;
    if (uv_queue_work(s->ctx->loop, &s->work, open_work, open_after) != 0) {
        s->busy = 0;
        b2a__canceler_disarm(&s->cancel);
        return B2A_ENOMEM;
    }
    b2a__ctx_hold(s->ctx);
    return B2A_OK;
}

int b2a_source_cancel(b2a_source *s)
{
    if (!s || s->magic != SOURCE_MAGIC)
        return B2A_EINVAL;
    b2a__canceler_request(&s->cancel); /* any thread: the loop runs source_cancel_now */
    return B2A_OK;
}

void b2a_source_free(b2a_source *s)
{
    if (!s || s->magic != SOURCE_MAGIC)
        return;
    if (s->busy || s->in_cb) {
        s->free_requested = 1;
        source_cancel_now(s);
        return;
    }
    source_destroy(s);
}

B2A_ERRCODE_ACCESSOR(b2a_source_errcode, b2a_source, SOURCE_MAGIC)
B2A_ERRMSG_ACCESSOR(b2a_source_errmsg, b2a_source, SOURCE_MAGIC)
B2A_SQLSTATE_ACCESSOR(b2a_source_sqlstate, b2a_source, SOURCE_MAGIC)

static char *gen_take(yajl_gen g)
{
    const unsigned char *buf;
    size_t len;
    char *out = NULL;
    if (yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok)
        out = b2a__strndup((const char *)buf, len);
    yajl_gen_free(g);
    return out;
}

static void gstr(yajl_gen g, const char *s)
{
    if (s)
        yajl_gen_string(g, (const unsigned char *)s, strlen(s));
    else
        yajl_gen_null(g);
}

/* "partitions" of a backup's table i (tables are in reader order), as the
 * Job lists them, when its reader names any. */
static void backup_partitions(yajl_gen g, const b2a_source *s, size_t i)
{
    const b2a_reader_ops *r = s->bk.reader;
    if (!r->partition_name || !r->partition_name(s->bk.handle, i, 0))
        return;
    gstr(g, "partitions");
    yajl_gen_array_open(g);
    for (size_t k = 0; r->partition_name(s->bk.handle, i, k); k++)
        gstr(g, r->partition_name(s->bk.handle, i, k));
    yajl_gen_array_close(g);
}

char *b2a_source_json(const b2a_source *s)
{
    if (!s || s->magic != SOURCE_MAGIC || !s->opened)
        return NULL;
    yajl_gen g = yajl_gen_alloc(NULL);
    if (!g)
        return NULL;
    yajl_gen_config(g, yajl_gen_beautify, 1);
    yajl_gen_map_open(g);
    gstr(g, "dsn");
    gstr(g, b2a__source_display(s));
    gstr(g, "vendor");
    gstr(g, s->is_backup ? s->bk.vendor : b2a__dsn_vendor_name(s->dsn.vendor));
    gstr(g, "database");
    gstr(g, s->database);
    gstr(g, "via");
    gstr(g, s->is_backup ? "reader" : s->db.pg_conninfo ? "copy" : s->db.my_host ? "mariadb" : "odbc");
    if (s->is_backup) {
        gstr(g, "format");
        gstr(g, s->bk.format);
        gstr(g, "inputs");
        yajl_gen_array_open(g);
        for (size_t i = 0; i < s->bk.npaths; i++)
            gstr(g, s->bk.paths[i]);
        yajl_gen_array_close(g);
    }
    gstr(g, "tables");
    yajl_gen_array_open(g);
    for (size_t i = 0; i < s->ntables; i++) {
        const b2a_odbc_table *t = &s->tables[i];
        yajl_gen_map_open(g);
        gstr(g, "kind");
        gstr(g, b2a__odbc_table_kind_name(t->kind));
        gstr(g, "selected");
        yajl_gen_bool(g, selects(s, t));
        b2a__json_table_fields(g, &t->def, t->pk, t->npk);
        if (s->is_backup)
            backup_partitions(g, s, i);
        yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
    yajl_gen_map_close(g);
    return gen_take(g);
}

const b2a_odbc_table *b2a__source_find(const b2a_source *s, const char *qualified)
{
    for (size_t i = 0; qualified && i < s->ntables; i++) {
        const b2a_table_def *d = &s->tables[i].def;
        size_t ls = strlen(d->schema ? d->schema : "");
        if (strncmp(qualified, d->schema ? d->schema : "", ls) == 0 && qualified[ls] == '.' &&
            strcmp(qualified + ls + 1, d->name ? d->name : "") == 0)
            return &s->tables[i];
    }
    return NULL;
}

/* ---- split plans ---- */

struct b2a_split_plan {
    uint32_t magic;
    b2a_ctx *ctx;
    b2a_dbsource db;          /* own copy: the plan outlives nothing of the source */
    b2a_plan_doc doc;         /* the table, and the ranges once planned */
    uint32_t splits;
    b2a_split split;
    int is_backup;            /* split already made: parts of a backup's table */
    int busy, planned, canceled, free_requested, in_cb;
    b2a_canceler cancel;      /* b2a_split_plan_cancel() from any thread */
    b2a_split_plan_done_cb done_cb;
    void *userdata;
    uv_work_t work;
    b2a_err err;
};

static void plan_destroy(b2a_split_plan *p)
{
    b2a__split_clear(&p->split);    /* ends the snapshot's transaction */
    b2a__plan_doc_clear(&p->doc);
    b2a__dbsource_clear(&p->db);
    b2a__canceler_destroy(&p->cancel);
    p->magic = 0;
    free(p);
}

static void plan_work(uv_work_t *req)
{
    b2a_split_plan *p = req->data;
    if (p->is_backup)
        return;
    b2a__split_plan(&p->db, &p->doc.def, p->doc.pk, p->doc.npk, p->splits, &p->split, &p->err);
}

static void plan_after(uv_work_t *req, int status)
{
    b2a_split_plan *p = req->data;
    p->busy = 0;
    b2a__canceler_disarm(&p->cancel);
    if (status == UV_ECANCELED || ((p->canceled || b2a__canceler_asked(&p->cancel)) && p->err.code == B2A_OK)) {
        b2a__split_clear(&p->split);
        b2a__err_set(&p->err, B2A_ECANCELED, B2A_ERRCLASS_NONE, "canceled");
    }
    if (p->err.code == B2A_OK) {
        /* the ranges and the snapshot's count become the plan's data */
        p->doc.method = p->split.method;
        p->doc.key = b2a__strdup(p->split.key);
        p->doc.snapshot = b2a__strdup(p->split.snapshot);
        p->doc.where = b2a__strv_dup((const char *const *)p->split.where, p->split.nranges);
        if (p->doc.where)
            for (size_t i = 0; i < p->split.nranges; i++)
                if (!p->split.where[i]) {
                    free(p->doc.where[i]);
                    p->doc.where[i] = NULL;
                }
        p->doc.nranges = p->doc.where ? p->split.nranges : 0;
        if (p->split.rows_expected >= 0)
            p->doc.def.row_count = p->split.rows_expected;
        if (!p->doc.where || (p->split.key && !p->doc.key) || (p->split.snapshot && !p->doc.snapshot))
            b2a__err_set(&p->err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
        else
            p->planned = 1;
    }
    b2a_ctx *ctx = p->ctx;
    p->in_cb = 1;
    if (p->done_cb)
        p->done_cb(p, p->err.code, p->userdata);
    p->in_cb = 0;
    if (p->free_requested)
        plan_destroy(p);
    b2a__ctx_release(ctx);
}

/* On the loop thread: only a plan not yet started on the pool stops early. */
static void plan_cancel_now(void *handle)
{
    b2a_split_plan *p = handle;
    if (p->busy) {
        p->canceled = 1;
        uv_cancel((uv_req_t *)&p->work);
    }
}

/* A backup's table in parts of its extents or row segments: no I/O, the
 * reader knows how many parts are worth having. Each range is part k of N,
 * read by whichever process opens the same files (b2a_export_range_new). */
static int plan_backup(b2a_split_plan *p, const b2a_source *src, const b2a_odbc_table *t, uint32_t splits)
{
    long i = b2a__backupsrc_find(&src->bk, t->def.schema, t->def.name);
    size_t n = i < 0 ? 1 : b2a__backupsrc_parts(&src->bk, (size_t)i, splits);
    p->is_backup = 1;
    p->split.method = n <= 1 ? B2A_SPLIT_SINGLE
                      : src->bk.reader == &b2a__reader_mssql_bak ? B2A_SPLIT_EXTENTS : B2A_SPLIT_SEGMENTS;
    p->split.rows_expected = t->def.row_count;
    p->split.where = calloc(n, sizeof(*p->split.where));   /* no condition: part k of n */
    p->split.nranges = p->split.where ? n : 0;
    return p->split.where ? B2A_OK : B2A_ENOMEM;
}

int b2a_split_plan_new(b2a_source *src, const char *table, uint32_t splits, b2a_split_plan_done_cb done_cb,
                       void *userdata, b2a_split_plan **out)
{
    if (!out)
        return B2A_EINVAL;
    *out = NULL;
    if (!src || src->magic != SOURCE_MAGIC || !table || splits < 1 || splits > 4096)
        return B2A_EINVAL;
    if (!src->opened)
        return B2A_EBUSY;
    const b2a_odbc_table *t = b2a__source_find(src, table);
    if (!t)
        return B2A_ENOTFOUND;
    b2a_split_plan *p = calloc(1, sizeof(*p));
    if (!p)
        return B2A_ENOMEM;
    if (b2a__canceler_init(&p->cancel) != B2A_OK) {
        free(p);
        return B2A_ENOMEM;
    }
    p->magic = PLAN_MAGIC;
    p->ctx = src->ctx;
    p->splits = splits;
    p->done_cb = done_cb;
    p->userdata = userdata;
    p->doc.vendor = b2a__strdup(src->is_backup ? src->bk.vendor : b2a__dsn_vendor_name(src->dsn.vendor));
    p->doc.database = b2a__strdup(src->database);
    p->doc.kind = b2a__strdup(b2a__odbc_table_kind_name(t->kind));
    p->doc.pk = b2a__strv_dup((const char *const *)t->pk, t->npk);
    p->doc.npk = p->doc.pk ? t->npk : 0;
    int rc = b2a__table_def_copy(&p->doc.def, &t->def) == 0 && p->doc.vendor && p->doc.kind &&
                     (!t->npk || p->doc.pk) ? B2A_OK : B2A_ENOMEM;
    if (rc == B2A_OK && src->is_backup)
        rc = plan_backup(p, src, t, splits);
    else if (rc == B2A_OK)
        rc = b2a__dbsource_copy(&p->db, &src->db, &p->err);
    p->work.data = p;
    if (rc == B2A_OK)
        rc = b2a__canceler_arm(&p->cancel, p->ctx->loop, plan_cancel_now, p);
    if (rc == B2A_OK && uv_queue_work(p->ctx->loop, &p->work, plan_work, plan_after) != 0)
        rc = B2A_ENOMEM;
    if (rc != B2A_OK) {
        plan_destroy(p);
        return rc;
    }
    p->busy = 1;
    b2a__ctx_hold(p->ctx);
    *out = p;
    return B2A_OK;
}

int b2a_split_plan_cancel(b2a_split_plan *p)
{
    if (!p || p->magic != PLAN_MAGIC)
        return B2A_EINVAL;
    b2a__canceler_request(&p->cancel); /* any thread: the loop runs plan_cancel_now */
    return B2A_OK;
}

void b2a_split_plan_free(b2a_split_plan *p)
{
    if (!p || p->magic != PLAN_MAGIC)
        return;
    if (p->busy || p->in_cb) {
        p->free_requested = 1;
        plan_cancel_now(p);
        return;
    }
    plan_destroy(p);
}

B2A_ERRCODE_ACCESSOR(b2a_split_plan_errcode, b2a_split_plan, PLAN_MAGIC)
B2A_ERRMSG_ACCESSOR(b2a_split_plan_errmsg, b2a_split_plan, PLAN_MAGIC)

uint32_t b2a_split_plan_ranges(const b2a_split_plan *p)
{
    return p && p->magic == PLAN_MAGIC && p->planned ? (uint32_t)p->doc.nranges : 0;
}

char *b2a_split_plan_json(const b2a_split_plan *p)
{
    if (!p || p->magic != PLAN_MAGIC || !p->planned)
        return NULL;
    return b2a__plan_render(&p->doc);
}
