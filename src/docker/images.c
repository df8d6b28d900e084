/* Images: inspect, and pull with its JSON-lines progress stream parsed by
 * yajl's streaming parser as it arrives (a pull can run for many minutes). */
#include "docker/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

int b2a__docker_image_inspect(b2a_docker *d, const char *image, b2a_docker_cb cb, void *ud,
                              b2a_docker_req **req_out)
{
    if (!d || !image || !*image || !cb)
        return B2A_EINVAL;
    char *what = b2a__dfmt("inspecting image %s", image), *esc = b2a__durl_escape(image);
    char *path = esc ? b2a__dfmt("/images/%s/json", esc) : NULL;
    int rc = what && path ? b2a__docker_simple(d, what, "GET", path, NULL, cb, ud, req_out)
                          : B2A_ENOMEM;
    free(what);
    free(esc);
    free(path);
    return rc;
}

#define MAX_LAYERS 256
#define FIELD_MAX 1024

typedef struct layer {
    char id[72];
    int64_t current, total;
} layer;

/* One JSON object of the stream: {"status","id","progressDetail":{"current","total"},"error",...}. */
typedef struct pull_op {
    yajl_handle parser;
    b2a_docker_pull_progress_cb progress;
    int depth;
    char key1[32], key2[32];  /* current keys at depth 1 and 2 */
    char status[FIELD_MAX], id[72], error[FIELD_MAX], last[FIELD_MAX + 80];
    int64_t current, total;
    int has_error;
    layer layers[MAX_LAYERS];
    size_t nlayers;
    size_t line_bytes; /* since the last newline */
} pull_op;

static void copy_field(char *dst, size_t cap, const unsigned char *s, size_t n)
{
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
}

static int p_start_map(void *ctx)
{
    pull_op *op = ctx;
    if (++op->depth == 1) {
        op->status[0] = op->id[0] = op->error[0] = '\0';
        op->current = op->total = -1;
        op->key1[0] = '\0';
    }
    return 1;
}

static int p_key(void *ctx, const unsigned char *k, size_t n)
{
    pull_op *op = ctx;
    if (op->depth == 1)
        copy_field(op->key1, sizeof(op->key1), k, n), op->key2[0] = '\0';
    else if (op->depth == 2)
        copy_field(op->key2, sizeof(op->key2), k, n);
    return 1;
}

static int p_string(void *ctx, const unsigned char *s, size_t n)
{
    pull_op *op = ctx;
    if (op->depth == 1) {
        if (!strcmp(op->key1, "status"))
            copy_field(op->status, sizeof(op->status), s, n);
        else if (!strcmp(op->key1, "id"))
            copy_field(op->id, sizeof(op->id), s, n);
        else if (!strcmp(op->key1, "error"))
            copy_field(op->error, sizeof(op->error), s, n), op->has_error = 1;
    } else if (op->depth == 2 && !strcmp(op->key1, "errorDetail") && !strcmp(op->key2, "message") &&
               !op->error[0]) {
        copy_field(op->error, sizeof(op->error), s, n);
        op->has_error = 1;
    }
    return 1;
}

static int p_integer(void *ctx, long long v)
{
    pull_op *op = ctx;
    if (op->depth == 2 && !strcmp(op->key1, "progressDetail")) {
        if (!strcmp(op->key2, "current"))
            op->current = v;
        else if (!strcmp(op->key2, "total"))
            op->total = v;
    }
    return 1;
}

static layer *find_layer(pull_op *op, const char *id)
{
    for (size_t i = 0; i < op->nlayers; i++)
        if (!strcmp(op->layers[i].id, id))
            return &op->layers[i];
    if (op->nlayers == MAX_LAYERS)
        return NULL;
    layer *l = &op->layers[op->nlayers++];
    snprintf(l->id, sizeof(l->id), "%s", id);
    l->current = 0;
    l->total = -1;
    return l;
}

static double percent(const pull_op *op)
{
    int64_t cur = 0, tot = 0;
    for (size_t i = 0; i < op->nlayers; i++)
        if (op->layers[i].total > 0) {
            cur += op->layers[i].current;
            tot += op->layers[i].total;
        }
    return tot > 0 ? 100.0 * (double)cur / (double)tot : -1.0;
}

/* A whole object arrived: account for it and tell the caller. */
static int p_end_map(void *ctx)
{
    b2a_docker_req *r = ctx;
    pull_op *op = r->op;
    if (--op->depth != 0)
        return 1;
    if (op->has_error)
        return 0; /* stop parsing; the step reports op->error */
    if (op->id[0]) {
        layer *l = find_layer(op, op->id);
        if (l && !strcmp(op->status, "Downloading") && op->total > 0) {
            l->total = op->total;
            l->current = op->current > 0 ? op->current : 0;
        } else if (l && (!strcmp(op->status, "Download complete") ||
                         !strcmp(op->status, "Pull complete") ||
                         !strcmp(op->status, "Already exists")) && l->total > 0) {
            l->current = l->total;
        }
    }
    if (!op->status[0])
        return 1;
    snprintf(op->last, sizeof(op->last), "%s%s%s", op->id, op->id[0] ? ": " : "", op->status);
    if (op->progress && op->progress(r->ud, percent(op), op->last) != 0) {
        b2a__err_set(&r->err, B2A_EUSER, B2A_ERRCLASS_DOCKER, "%s: stopped by the progress callback",
                     r->what);
        return 0;
    }
    return 1;
}

static int p_start_array(void *ctx) { ((pull_op *)ctx)->depth++; return 1; }
static int p_end_array(void *ctx) { ((pull_op *)ctx)->depth--; return 1; }

/* The callbacks get the op (ctx) except end_map, which needs the request; a
 * small trampoline keeps both reachable. */
typedef struct pull_ctx {
    pull_op op;
    b2a_docker_req *r;
} pull_ctx;

static int t_end_map(void *ctx) { return p_end_map(((pull_ctx *)ctx)->r); }

static const yajl_callbacks pull_callbacks = {
    .yajl_string = p_string,
    .yajl_integer = p_integer,
    .yajl_start_map = p_start_map,
    .yajl_map_key = p_key,
    .yajl_end_map = t_end_map,
    .yajl_start_array = p_start_array,
    .yajl_end_array = p_end_array,
};

static void pull_fail_error(b2a_docker_req *r)
{
    pull_op *op = r->op;
    b2a__dreq_fail(r, op->error[0] && strstr(op->error, "not found") ? B2A_ENOTFOUND : B2A_EDOCKER,
                   "%s", op->error[0] ? op->error : "the engine reported an error");
}

/* One progress line is a few hundred bytes; yajl buffers a token split
 * across reads, so an endless line would grow without bound. */
#define PULL_LINE_MAX (1u << 20)

static int pull_data(b2a_docker_req *r, const char *p, size_t n)
{
    pull_op *op = r->op;
    const char *nl = memrchr(p, '\n', n);
    op->line_bytes = nl ? (size_t)(p + n - nl - 1) : op->line_bytes + n;
    if (op->line_bytes > PULL_LINE_MAX) {
        b2a__err_set(&r->err, B2A_EDOCKER, B2A_ERRCLASS_DOCKER,
                     "%s: the engine sent a progress line longer than %u bytes", r->what,
                     PULL_LINE_MAX);
        return -1;
    }
    if (yajl_parse(op->parser, (const unsigned char *)p, n) == yajl_status_ok)
        return 0;
    if (op->has_error || r->err.code != B2A_OK) {
        if (r->err.code == B2A_OK) {
            /* Report it from exchange_done via r->err. */
            b2a__err_set(&r->err, op->error[0] && strstr(op->error, "not found") ? B2A_ENOTFOUND
                                                                                  : B2A_EDOCKER,
                         B2A_ERRCLASS_DOCKER, "%s: %s", r->what, op->error);
            r->err.native = r->status;
        }
        return -1;
    }
    unsigned char *e = yajl_get_error(op->parser, 0, (const unsigned char *)p, n);
    char msg[256];
    snprintf(msg, sizeof(msg), "%s", e ? (char *)e : "parse error");
    msg[strcspn(msg, "\n")] = '\0';
    yajl_free_error(op->parser, e);
    b2a__err_set(&r->err, B2A_EDOCKER, B2A_ERRCLASS_DOCKER,
                 "%s: the engine's progress stream is not valid JSON (%s)", r->what, msg);
    return -1;
}

static void pull_step(b2a_docker_req *r)
{
    pull_op *op = r->op;
    if (yajl_complete_parse(op->parser) != yajl_status_ok && !op->has_error) {
        b2a__dreq_fail(r, B2A_EDOCKER, "the engine's progress stream ended mid-message");
        return;
    }
    if (op->has_error) {
        pull_fail_error(r);
        return;
    }
    /* The body holds the last status for the caller. */
    free(r->body);
    r->body = strdup(op->last);
    if (!r->body) {
        b2a__dreq_fail(r, B2A_ENOMEM, "out of memory");
        return;
    }
    b2a__dreq_finish(r, B2A_OK, NULL);
}

static void pull_done(b2a_docker_req *r, int rc, const b2a_err *err)
{
    b2a_docker_cb cb = (b2a_docker_cb)r->user_cb;
    cb(r->ud, rc, err, rc == B2A_OK ? r->body : NULL);
}

static void pull_free(b2a_docker_req *r)
{
    pull_ctx *c = r->op;
    if (!c)
        return;
    if (c->op.parser)
        yajl_free(c->op.parser);
    free(c);
    r->op = NULL;
}

/* "repo[:tag]" or "repo@digest" -> fromImage and tag; a ':' after the last
 * '/' is a tag, before it a registry port. */
static int split_ref(const char *image, char **repo, char **tag)
{
    const char *at = strchr(image, '@');
    const char *slash = strrchr(image, '/');
    const char *colon = strrchr(image, ':');
    *repo = *tag = NULL;
    if (at) {
        *repo = strdup(image);
        *tag = strdup("");
    } else if (colon && (!slash || colon > slash)) {
        *repo = strndup(image, (size_t)(colon - image));
        *tag = strdup(colon + 1);
    } else {
        *repo = strdup(image);
        *tag = strdup("latest");
    }
    return *repo && *tag ? 0 : -1;
}

int b2a__docker_image_pull(b2a_docker *d, const char *image, b2a_docker_pull_progress_cb progress,
                           b2a_docker_cb done, void *ud, b2a_docker_req **req_out)
{
    if (!d || !image || !*image || !done)
        return B2A_EINVAL;
    b2a_err err;
    char *repo, *tag, *erepo = NULL, *etag = NULL, *path = NULL, *what = NULL;
    int rc = B2A_ENOMEM;
    b2a_docker_req *r = NULL;
    pull_ctx *c = calloc(1, sizeof(*c));
    if (split_ref(image, &repo, &tag) == 0 && c && (erepo = b2a__durl_escape(repo)) &&
        (etag = b2a__durl_escape(tag)) &&
        (path = b2a__dfmt("/images/create?fromImage=%s%s%s", erepo, *tag ? "&tag=" : "", etag)) &&
        (what = b2a__dfmt("pulling image %s", image)) && (r = b2a__dreq_new(d, what, &err))) {
        c->r = r;
        c->op.progress = progress;
        c->op.parser = yajl_alloc(&pull_callbacks, NULL, c);
        if (c->op.parser) {
            /* The stream is one JSON object per line. */
            yajl_config(c->op.parser, yajl_allow_multiple_values, 1);
            r->op = c;
            c = NULL;
            r->on_free = pull_free;
            r->on_data = pull_data;
            r->on_step = pull_step;
            r->on_done = pull_done;
            r->user_cb = (void *)done;
            r->ud = ud;
            rc = b2a__dreq_http(r, "POST", path, "", B2A__HTTP_STREAM, &err);
            if (rc != B2A_OK) {
                b2a__dreq_discard(r);
                r = NULL;
            }
        } else {
            b2a__dreq_discard(r);
            r = NULL;
        }
    } else if (!r && what) {
        rc = err.code;
    }
    if (rc == B2A_OK && req_out)
        *req_out = r;
    free(c);
    free(repo);
    free(tag);
    free(erepo);
    free(etag);
    free(path);
    free(what);
    return rc;
}
