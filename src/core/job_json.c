/* The Job JSON document: what downstream systems read after a run, and
 * what `bak2avro run JOB.json` reads before one (the same keys). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "avro/names.h"
#include "core/job_impl.h"
#include "util/str.h"

static const char *codec_name(b2a_codec c)
{
    switch (c) {
    case B2A_CODEC_NULL: return "null";
    case B2A_CODEC_DEFLATE: return "deflate";
    default: return "snappy";
    }
}

static const char *restore_name(b2a_restore_mode m)
{
    switch (m) {
    case B2A_RESTORE_DIRECT: return "direct";
    case B2A_RESTORE_CONTAINER: return "container";
    default: return "auto";
    }
}

static const char *errclass_name(b2a_error_class k)
{
    static const char *const names[] = {"none", "os", "docker", "odbc", "avro", "reader", "io", "restore", "usage"};
    return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "unknown";
}

static const char *job_status_name(b2a_job_status s)
{
    switch (s) {
    case B2A_JOB_PENDING: return "Pending";
    case B2A_JOB_RUNNING: return "Running";
    case B2A_JOB_SUCCESS: return "Success";
    case B2A_JOB_CANCELED: return "Canceled";
    default: return "Failed";
    }
}

static void str(yajl_gen g, const char *s)
{
    if (s)
        yajl_gen_string(g, (const unsigned char *)s, strlen(s));
    else
        yajl_gen_null(g);
}

static void key(yajl_gen g, const char *k)
{
    yajl_gen_string(g, (const unsigned char *)k, strlen(k));
}

static void kv(yajl_gen g, const char *k, const char *v)
{
    key(g, k);
    str(g, v);
}

static void kint(yajl_gen g, const char *k, long long v)
{
    key(g, k);
    yajl_gen_integer(g, v);
}

static void strv(yajl_gen g, const char *k, char *const *v, size_t n)
{
    key(g, k);
    yajl_gen_array_open(g);
    for (size_t i = 0; i < n; i++)
        str(g, v[i]);
    yajl_gen_array_close(g);
}

static const char *naive_name(b2a_naive_timestamps n)
{
    return n == B2A_NAIVE_UTC ? "utc" : n == B2A_NAIVE_STRING ? "string" : "local";
}

/* The Avro type (and logical type) a value type becomes. */
static const char *vtype_name(b2a_vtype v)
{
    static const char *const names[] = {"boolean", "int", "long", "float", "double", "decimal", "string",
                                        "bytes", "date", "time-micros", "timestamp-micros",
                                        "local-timestamp-micros", "uuid", "json", "string"};
    return (unsigned)v < sizeof(names) / sizeof(names[0]) ? names[v] : "unknown";
}

static void render_steps(yajl_gen g, const b2a_job *job)
{
    /* In the order they ran. */
    int order[B2A_NSTEPS], n = 0;
    for (int i = 0; i < B2A_NSTEPS; i++)
        if (job->steps[i].used)
            order[n++] = i;
    for (int a = 1; a < n; a++)
        for (int b = a; b > 0 && job->steps[order[b]].seq < job->steps[order[b - 1]].seq; b--) {
            int tmp = order[b];
            order[b] = order[b - 1];
            order[b - 1] = tmp;
        }
    key(g, "steps");
    yajl_gen_array_open(g);
    for (int k = 0; k < n; k++) {
        int i = order[k];
        const b2a_step_rec *r = &job->steps[i];
        yajl_gen_map_open(g);
        kv(g, "name", b2a__step_name((b2a_step)i));
        kv(g, "status", b2a__state_name(r->state));
        kv(g, "started", r->started);
        kv(g, "ended", r->ended[0] ? r->ended : NULL);
        kint(g, "duration_ms", r->t1_ms >= r->t0_ms && r->ended[0] ? (long long)(r->t1_ms - r->t0_ms) : 0);
        kv(g, "message", r->message);
        yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
}

/* "page_verification": what a direct reader checked of the backup's pages,
 * null when the input has no page checks (or nothing was read). */
static void render_verification(yajl_gen g, const b2a_page_verification *v)
{
    key(g, "page_verification");
    if (!v->known) {
        yajl_gen_null(g);
        return;
    }
    yajl_gen_map_open(g);
    kv(g, "database_page_verify", v->page_verify);
    kint(g, "pages_read", (long long)(v->checksum + v->torn + v->unprotected));
    kint(g, "pages_checksum_verified", (long long)v->checksum);
    kint(g, "pages_torn_bits_verified", (long long)v->torn);
    kint(g, "pages_unprotected", (long long)v->unprotected);
    kint(g, "pages_failed_verification", (long long)v->failed);
    strv(g, "failures", v->failures, v->nfailures);
    yajl_gen_map_close(g);
}

/* A table file's path relative to the output folder, so the Job JSON can be
 * read from anywhere; every table file is made under output_dir (export.c). */
static const char *below_output(const b2a_job *job, const char *path)
{
    if (!path)
        return NULL;
    size_t n = strlen(job->output_dir);
    if (strncmp(path, job->output_dir, n) != 0 || (path[n] != '/' && (n == 0 || path[n - 1] != '/')))
        return path;
    path += n;
    while (*path == '/')
        path++;
    return path;
}

/* The output folder as an absolute path: realpath once it exists, else
 * joined to the working directory. Caller frees. */
static char *output_absolute(const char *dir)
{
    char *abs = realpath(dir, NULL);
    if (abs || dir[0] == '/')
        return abs ? abs : b2a__strdup(dir);
    char cwd[4096];
    return getcwd(cwd, sizeof(cwd)) ? b2a__asprintf("%s/%s", cwd, dir) : NULL;
}

static void render_table(yajl_gen g, const b2a_job *job, const b2a_table_job *t)
{
    yajl_gen_map_open(g);
    kv(g, "schema", t->def.schema);
    kv(g, "name", t->def.name);
    kv(g, "kind", t->kind);
    key(g, "selected");
    yajl_gen_bool(g, t->selected);
    kv(g, "status", b2a__state_name(t->state));
    kint(g, "rows_expected", t->def.row_count);
    kint(g, "rows_written", t->rows_written);
    key(g, "files");
    yajl_gen_array_open(g);
    /* a salvaged table is Failed but its files were written (and are ours to list) */
    int has_files = t->state == B2A_STATE_OK || (t->state == B2A_STATE_FAILED && t->salvaged_pages);
    for (size_t i = 0; has_files && i < t->nfiles; i++)
        str(g, below_output(job, t->files[i]));
    if (t->avro_path && has_files && t->nfiles == 0)
        str(g, below_output(job, t->avro_path));
    yajl_gen_array_close(g);
    kv(g, "schema_file", has_files ? below_output(job, t->avsc_path) : NULL);
    strv(g, "primary_key", t->primary_key, t->nprimary_key);
    if (t->npartitions)
        strv(g, "partitions", t->partitions, t->npartitions);
    if (t->replaced_bytes)
        kint(g, "replaced_bytes", (long long)t->replaced_bytes);
    /* The same deterministic mapping the Avro writer applies to field names. */
    b2a_avro_names *names = b2a__avro_names_new();
    key(g, "columns");
    yajl_gen_array_open(g);
    for (size_t i = 0; i < t->def.ncolumns; i++) {
        const b2a_column *c = &t->def.columns[i];
        yajl_gen_map_open(g);
        kv(g, "name", c->name);
        kv(g, "avro_name", names ? b2a__avro_names_add(names, c->name ? c->name : "") : NULL);
        kv(g, "source_type", c->source_type);
        kv(g, "avro_type", vtype_name(b2a__vtype_written(c->vtype, job->naive_timestamps)));
        if (c->vtype == B2A_V_DECIMAL) {
            kint(g, "precision", c->precision);
            kint(g, "scale", c->scale);
        }
        if (c->note)
            kv(g, "note", c->note);
        yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
    b2a__avro_names_free(names);
    if (t->started[0]) {
        kv(g, "started", t->started);
        kv(g, "ended", t->ended[0] ? t->ended : NULL);
        kint(g, "duration_ms", t->ended[0] ? (long long)(t->t1_ms - t->t0_ms) : 0);
    }
    kv(g, "message", t->message);
    if (t->salvaged_pages)
        kint(g, "salvaged_pages", (long long)t->salvaged_pages);
    if (t->nlost_columns) {
        key(g, "lost_columns");
        yajl_gen_array_open(g);
        for (size_t i = 0; i < t->nlost_columns; i++) {
            yajl_gen_map_open(g);
            kv(g, "name", t->lost_columns[i].name);
            kv(g, "reason", t->lost_columns[i].reason);
            yajl_gen_map_close(g);
        }
        yajl_gen_array_close(g);
    }
    yajl_gen_map_close(g);
}

char *b2a__job_render_json(const b2a_job *job)
{
    yajl_gen g = yajl_gen_alloc(NULL);
    if (!g)
        return NULL;
    yajl_gen_config(g, yajl_gen_beautify, 1);
    yajl_gen_map_open(g);
    kv(g, "job_id", job->id);
    kv(g, "status", job_status_name(job->status));
    kv(g, "started", job->started_at[0] ? job->started_at : NULL);
    kv(g, "ended", job->ended_at[0] ? job->ended_at : NULL);
    strv(g, "inputs", job->inputs, job->n_inputs);
    kv(g, "dsn", job->dsn ? (job->dsn_display ? job->dsn_display : "***") : NULL);
    kv(g, "output_dir", job->output_dir);
    char *abs = job->output_dir ? output_absolute(job->output_dir) : NULL;
    kv(g, "output_dir_absolute", abs);
    free(abs);
    kv(g, "vendor", job->vendor);
    kv(g, "format", job->format);
    kv(g, "format_version", job->format_version);
    kv(g, "database", job->database);
    kv(g, "image", job->image_used);
    kv(g, "container_id", job->container_id);

    key(g, "options");
    yajl_gen_map_open(g);
    strv(g, "include", job->include, job->n_include);
    strv(g, "exclude", job->exclude, job->n_exclude);
    kint(g, "parallel", job->parallel);
    kv(g, "codec", codec_name(job->codec));
    kv(g, "network", job->network == B2A_NETWORK_HOST ? "host" : job->network == B2A_NETWORK_PUBLISH ? "publish" : "auto");
    kv(g, "restore", restore_name(job->restore_mode));
    key(g, "keep_container");
    yajl_gen_bool(g, job->keep_container);
    key(g, "include_views");
    yajl_gen_bool(g, job->include_views);
    kv(g, "delivery", job->delivery == B2A_DELIVERY_UPLOAD ? "upload" : "bind");
    key(g, "overwrite");
    yajl_gen_bool(g, job->overwrite);
    key(g, "ignore_checksums");
    yajl_gen_bool(g, job->ignore_checksums);
    key(g, "allow_column_loss");
    yajl_gen_bool(g, job->allow_column_loss);
    kv(g, "via", job->via == B2A_VIA_ODBC ? "odbc" : "auto");
    kv(g, "naive_timestamps", naive_name(job->naive_timestamps));
    kint(g, "splits", job->splits);
    kint(g, "max_file_bytes", (long long)job->max_file_bytes);
    kint(g, "max_file_rows", (long long)job->max_file_rows);
    yajl_gen_map_close(g);

    render_verification(g, &job->verification);

    key(g, "error");
    if (job->err.code != B2A_OK) {
        yajl_gen_map_open(g);
        kint(g, "code", job->err.code);
        kv(g, "class", errclass_name(job->err.klass));
        kv(g, "message", job->err.msg);
        kv(g, "sqlstate", job->err.sqlstate[0] ? job->err.sqlstate : NULL);
        yajl_gen_map_close(g);
    } else {
        yajl_gen_null(g);
    }

    render_steps(g, job);

    key(g, "tables");
    yajl_gen_array_open(g);
    for (size_t i = 0; i < job->ntables; i++)
        render_table(g, job, &job->tables[i]);
    yajl_gen_array_close(g);

    /* While the job runs: the final names its tables may be writing, so that
     * the output of a run that was killed is still known to be ours. */
    key(g, "incomplete_files");
    yajl_gen_array_open(g);
    for (size_t i = 0; i < job->ntables; i++) {
        const b2a_table_job *t = &job->tables[i];
        if (t->selected && t->avro_path && (t->state == B2A_STATE_PENDING || t->state == B2A_STATE_RUNNING)) {
            str(g, below_output(job, t->avro_path));
            str(g, below_output(job, t->avsc_path));
        }
    }
    yajl_gen_array_close(g);

    key(g, "summary");
    yajl_gen_map_open(g);
    kint(g, "tables_ok", b2a_job_tables_ok(job));
    kint(g, "tables_failed", b2a_job_tables_failed(job));
    long long rows = 0;
    for (size_t i = 0; i < job->ntables; i++)
        rows += job->tables[i].rows_written;
    kint(g, "rows_written", rows);
    yajl_gen_map_close(g);
    yajl_gen_map_close(g);

    const unsigned char *buf;
    size_t len;
    char *out = NULL;
    if (yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok)
        out = b2a__strndup((const char *)buf, len);
    yajl_gen_free(g);
    return out;
}

/* ---- reading a job document ---- */

static int load_strv(yajl_val root, const char *name, char ***out, uint32_t *n, b2a_err *err)
{
    const char *path[] = {name, NULL};
    yajl_val v = yajl_tree_get(root, path, yajl_t_any);
    if (!v)
        return B2A_OK;
    if (YAJL_IS_STRING(v)) {
        const char *one = YAJL_GET_STRING(v);
        *out = b2a__strv_dup(&one, 1);
        *n = 1;
        return *out ? B2A_OK : B2A_ENOMEM;
    }
    if (!YAJL_IS_ARRAY(v))
        return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "job JSON: \"%s\" must be an array of strings", name);
    size_t len = YAJL_GET_ARRAY(v)->len;
    if (len == 0)
        return B2A_OK;
    char **a = calloc(len, sizeof(*a));
    if (!a)
        return B2A_ENOMEM;
    for (size_t i = 0; i < len; i++) {
        yajl_val e = YAJL_GET_ARRAY(v)->values[i];
        if (!YAJL_IS_STRING(e)) {
            b2a__strv_free(a, len);
            return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "job JSON: \"%s\" must be an array of strings", name);
        }
        a[i] = b2a__strdup(YAJL_GET_STRING(e));
    }
    *out = a;
    *n = (uint32_t)len;
    return B2A_OK;
}

static int load_str(yajl_val root, const char *name, char **out, b2a_err *err)
{
    const char *path[] = {name, NULL};
    yajl_val v = yajl_tree_get(root, path, yajl_t_any);
    if (!v || YAJL_IS_NULL(v))
        return B2A_OK;
    if (!YAJL_IS_STRING(v))
        return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "job JSON: \"%s\" must be a string", name);
    free(*out);
    *out = b2a__strdup(YAJL_GET_STRING(v));
    return *out ? B2A_OK : B2A_ENOMEM;
}

/* "pre_sql_file": read the SQL from a file (relative paths as given). */
static int load_sql(yajl_val root, const char *text_key, const char *file_key, char **out, b2a_err *err)
{
    int rc = load_str(root, text_key, out, err);
    if (rc != B2A_OK)
        return rc;
    char *file = NULL;
    if ((rc = load_str(root, file_key, &file, err)) != B2A_OK || !file)
        return rc;
    free(*out);
    *out = b2a__read_file(file, 64u << 20, NULL);
    if (!*out)
        rc = b2a__err_set(err, B2A_ENOTFOUND, B2A_ERRCLASS_IO, "job JSON: cannot read %s \"%s\"", file_key, file);
    free(file);
    return rc;
}

static int lookup(const char *v, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (strcmp(v, names[i]) == 0)
            return i;
    return -1;
}

int b2a__job_load_json(b2a_job *job, const char *json, b2a_err *err)
{
    char errbuf[512];
    yajl_val root = yajl_tree_parse(json, errbuf, sizeof(errbuf));
    if (!root)
        return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "job JSON: %s", errbuf);
    if (!YAJL_IS_OBJECT(root)) {
        yajl_tree_free(root);
        return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "job JSON: the document must be an object");
    }
    /* A Job JSON written by a run keeps these under "options": read them there too. */
    const char *opath[] = {"options", NULL};
    yajl_val nested = yajl_tree_get(root, opath, yajl_t_object);
    yajl_val o = nested ? nested : root;
    int rc = B2A_OK;
    char *codec = NULL, *network = NULL, *restore = NULL, *delivery = NULL, *via = NULL, *naive = NULL;
    if (rc == B2A_OK) rc = load_strv(root, "inputs", &job->inputs, &job->n_inputs, err);
    if (rc == B2A_OK) rc = load_strv(o, "include", &job->include, &job->n_include, err);
    if (rc == B2A_OK) rc = load_strv(o, "exclude", &job->exclude, &job->n_exclude, err);
    if (rc == B2A_OK) rc = load_str(root, "output_dir", &job->output_dir, err);
    if (rc == B2A_OK) rc = load_str(root, "dsn", &job->dsn, err);
    if (rc == B2A_OK) rc = load_str(root, "vendor", &job->vendor, err);
    if (rc == B2A_OK) rc = load_str(root, "image", &job->image, err);
    if (rc == B2A_OK) rc = load_str(o, "docker_host", &job->docker_host, err);
    if (rc == B2A_OK) rc = load_str(o, "job_json", &job->job_json_path, err);
    if (rc == B2A_OK) rc = load_sql(o, "pre_sql", "pre_sql_file", &job->pre_sql, err);
    if (rc == B2A_OK) rc = load_sql(o, "post_sql", "post_sql_file", &job->post_sql, err);
    if (rc == B2A_OK) rc = load_str(o, "codec", &codec, err);
    if (rc == B2A_OK) rc = load_str(o, "network", &network, err);
    if (rc == B2A_OK) rc = load_str(o, "restore", &restore, err);
    if (rc == B2A_OK) rc = load_str(o, "delivery", &delivery, err);
    if (rc == B2A_OK && delivery) {
        static const char *const names[] = {"bind", "upload"};
        int v = lookup(delivery, names, 2);
        if (v < 0)
            rc = b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "job JSON: unknown delivery \"%s\" (bind, upload)", delivery);
        job->delivery = (b2a_delivery)(v < 0 ? 0 : v);
    }
    if (rc == B2A_OK && codec) {
        static const char *const names[] = {"null", "deflate", "snappy"};
        int v = lookup(codec, names, 3);
        if (v < 0)
            rc = b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "job JSON: unknown codec \"%s\" (null, deflate, snappy)", codec);
        job->codec = (b2a_codec)(v < 0 ? B2A_CODEC_SNAPPY : v);
    }
    if (rc == B2A_OK && network) {
        static const char *const names[] = {"publish", "host", "auto"};
        int v = lookup(network, names, 3);
        if (v < 0)
            rc = b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "job JSON: unknown network \"%s\" (auto, publish, host)", network);
        job->network = (b2a_network)(v < 0 ? B2A_NETWORK_AUTO : v);
    }
    if (rc == B2A_OK) rc = load_str(o, "via", &via, err);
    if (rc == B2A_OK && via) {
        static const char *const names[] = {"auto", "odbc"};
        int v = lookup(via, names, 2);
        if (v < 0)
            rc = b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "job JSON: unknown via \"%s\" (auto, odbc)", via);
        job->via = (b2a_via)(v < 0 ? 0 : v);
    }
    if (rc == B2A_OK) rc = load_str(o, "naive_timestamps", &naive, err);
    if (rc == B2A_OK && naive) {
        static const char *const names[] = {"local", "utc", "string"};
        int v = lookup(naive, names, 3);
        if (v < 0)
            rc = b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE,
                              "job JSON: unknown naive_timestamps \"%s\" (local, utc, string)", naive);
        job->naive_timestamps = (b2a_naive_timestamps)(v < 0 ? 0 : v);
    }
    if (rc == B2A_OK && restore) {
        static const char *const names[] = {"auto", "direct", "container"};
        int v = lookup(restore, names, 3);
        if (v < 0)
            rc = b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "job JSON: unknown restore mode \"%s\" (auto, direct, container)", restore);
        job->restore_mode = (b2a_restore_mode)(v < 0 ? 0 : v);
    }
    if (rc == B2A_OK) {
        const char *pp[] = {"parallel", NULL}, *kp[] = {"keep_container", NULL}, *ep[] = {"accept_eula", NULL},
                   *vp[] = {"include_views", NULL}, *op[] = {"overwrite", NULL},
                   *cp[] = {"ignore_checksums", NULL}, *lp[] = {"allow_column_loss", NULL};
        yajl_val v = yajl_tree_get(o, pp, yajl_t_number);
        if (v && YAJL_IS_INTEGER(v) && YAJL_GET_INTEGER(v) > 0 && YAJL_GET_INTEGER(v) <= 256)
            job->parallel = (uint32_t)YAJL_GET_INTEGER(v);
        else if (v)
            rc = b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "job JSON: \"parallel\" must be an integer from 1 to 256");
        job->keep_container = YAJL_IS_TRUE(yajl_tree_get(o, kp, yajl_t_any));
        job->accept_eula = YAJL_IS_TRUE(yajl_tree_get(o, ep, yajl_t_any));
        job->include_views = YAJL_IS_TRUE(yajl_tree_get(o, vp, yajl_t_any));
        job->overwrite = YAJL_IS_TRUE(yajl_tree_get(o, op, yajl_t_any));
        job->ignore_checksums = YAJL_IS_TRUE(yajl_tree_get(o, cp, yajl_t_any));
        job->allow_column_loss = YAJL_IS_TRUE(yajl_tree_get(o, lp, yajl_t_any));
        /* version 5 */
        const char *sp[] = {"splits", NULL}, *bp[] = {"max_file_bytes", NULL}, *rp[] = {"max_file_rows", NULL};
        v = yajl_tree_get(o, sp, yajl_t_any);
        if (v && (!YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) < 0 || YAJL_GET_INTEGER(v) > 4096))
            rc = b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "job JSON: \"splits\" must be an integer from 0 to 4096");
        else if (v)
            job->splits = (uint32_t)YAJL_GET_INTEGER(v);
        const char **lim[] = {bp, rp};
        uint64_t *dst[] = {&job->max_file_bytes, &job->max_file_rows};
        for (int i = 0; rc == B2A_OK && i < 2; i++) {
            v = yajl_tree_get(o, lim[i], yajl_t_any);
            if (v && (!YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) < 0))
                rc = b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "job JSON: \"%s\" must be a non-negative integer",
                                  lim[i][0]);
            else if (v)
                *dst[i] = (uint64_t)YAJL_GET_INTEGER(v);
        }
    }
    if (rc == B2A_OK && ((job->n_inputs == 0) == (job->dsn == NULL) || !job->output_dir))
        rc = b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE,
                          "job JSON: \"output_dir\" and either \"inputs\" or \"dsn\" are required");
    free(codec);
    free(network);
    free(restore);
    free(delivery);
    free(via);
    free(naive);
    yajl_tree_free(root);
    return rc;
}
