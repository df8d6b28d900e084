/* bak2avro gc: remove containers left by jobs that were killed. Every job
 * labels its container bak2avro.owner=host:pid:starttime; a container whose
 * owner still runs on this host belongs to a live job and is left alone, and
 * so is one made on another host (we cannot tell whether its job lives).
 *
 * b2a_gc_start runs on a context's loop (list, then one removal per dead
 * owner's container, the callback once they have all answered); b2a_gc is
 * the same on a private loop, blocking. */
#include <stdlib.h>
#include <string.h>

#include "bak2avro.h"
#include "core/cancel.h"
#include "core/ctx.h"
#include "docker/docker.h"
#include "util/str.h"

#define GC_MAGIC 0xb2a06c6cu

struct b2a_gc_run {
    uint32_t magic;
    b2a_ctx *ctx;
    b2a_docker *docker;
    b2a_docker_req *list_req;
    b2a_gc_cb cb;
    void *userdata;
    uv_timer_t timer;        /* calls back from the loop, never inside a call */
    unsigned pending;        /* removals not answered yet */
    uint32_t removed;
    b2a_err err;
    int rc, running, canceled, free_requested, in_cb;
    b2a_canceler cancel;     /* b2a_gc_cancel() from any thread */
};

static void closed(uv_handle_t *h)
{
    b2a_gc_run *g = h->data;
    b2a_ctx *ctx = g->ctx;
    b2a__canceler_destroy(&g->cancel);
    free(g);
    b2a__ctx_release(ctx);
}

static void destroy(b2a_gc_run *g)
{
    g->magic = 0;
    b2a__docker_free(g->docker);
    g->docker = NULL;
    uv_close((uv_handle_t *)&g->timer, closed);
}

static void done(uv_timer_t *t)
{
    b2a_gc_run *g = t->data;
    g->running = 0;
    b2a__canceler_disarm(&g->cancel);
    if ((g->canceled || b2a__canceler_asked(&g->cancel)) && g->rc == B2A_OK) {
        g->rc = B2A_ECANCELED;
        b2a__err_set(&g->err, B2A_ECANCELED, B2A_ERRCLASS_USAGE, "gc canceled");
    }
    g->in_cb = 1;
    if (g->cb)
        g->cb(g, g->rc, g->removed, g->userdata);
    g->in_cb = 0;
    if (g->free_requested)
        destroy(g);
}

static void note(b2a_gc_run *g, int rc, const b2a_err *err)
{
    if (g->rc == B2A_OK) {
        g->rc = rc;
        b2a__err_copy(&g->err, err);
    }
}

static void removed_cb(void *ud, int rc, const b2a_err *err, const char *body)
{
    (void)body;
    b2a_gc_run *g = ud;
    if (rc == B2A_OK || rc == B2A_ENOTFOUND)
        g->removed += rc == B2A_OK;
    else
        note(g, rc, err);
    if (--g->pending == 0)
        uv_timer_start(&g->timer, done, 0, 0);
}

static void listed_cb(void *ud, int rc, const b2a_err *err, const b2a_docker_container_info *items, size_t n)
{
    b2a_gc_run *g = ud;
    g->list_req = NULL;
    g->pending = 1; /* held until every removal is asked for */
    if (rc != B2A_OK)
        note(g, rc, err);
    for (size_t i = 0; rc == B2A_OK && !g->canceled && !b2a__canceler_asked(&g->cancel) && i < n; i++) {
        if (!items[i].label_value || b2a__owner_alive(items[i].label_value) != 0)
            continue;
        g->pending++;
        int r = b2a__docker_container_remove(g->docker, items[i].id, 1, 1, removed_cb, g, NULL);
        if (r != B2A_OK) {
            g->pending--;
            b2a_err e;
            b2a__err_set(&e, r, B2A_ERRCLASS_DOCKER, "cannot remove container %s: %s", items[i].id, b2a_strerror(r));
            note(g, r, &e);
        }
    }
    if (--g->pending == 0)
        uv_timer_start(&g->timer, done, 0, 0);
}

/* On the loop thread: removals already asked for finish. */
static void gc_cancel_now(void *handle)
{
    b2a_gc_run *g = handle;
    if (g->running && !g->canceled) {
        g->canceled = 1;
        if (g->list_req)
            b2a__docker_cancel(g->list_req);
    }
}

int b2a_gc_start(b2a_ctx *ctx, const char *docker_host, b2a_gc_cb cb, void *userdata, b2a_gc_run **out)
{
    if (out)
        *out = NULL;
    if (!ctx || ctx->magic != B2A_CTX_MAGIC || !out)
        return B2A_EINVAL;
    b2a_gc_run *g = calloc(1, sizeof(*g));
    if (!g)
        return B2A_ENOMEM;
    if (b2a__canceler_init(&g->cancel) != B2A_OK) {
        free(g);
        return B2A_ENOMEM;
    }
    g->magic = GC_MAGIC;
    g->ctx = ctx;
    g->cb = cb;
    g->userdata = userdata;
    uv_timer_init(ctx->loop, &g->timer);
    g->timer.data = g;
    b2a__ctx_hold(ctx);
    g->running = 1;
    int rc = b2a__canceler_arm(&g->cancel, ctx->loop, gc_cancel_now, g);
    if (rc == B2A_OK)
        rc = b2a__docker_new(ctx->loop, docker_host, &g->docker, &g->err);
    if (rc == B2A_OK)
        rc = b2a__docker_container_list_by_label(g->docker, "bak2avro.owner", listed_cb, g, &g->list_req);
    if (rc != B2A_OK) {
        /* Even a refused docker_host comes back through cb, with its message. */
        if (rc == B2A_ENOMEM) {
            destroy(g);
            return rc;
        }
        g->rc = rc;
        uv_timer_start(&g->timer, done, 0, 0);
    }
    *out = g;
    return B2A_OK;
}

int b2a_gc_cancel(b2a_gc_run *g)
{
    if (!g || g->magic != GC_MAGIC)
        return B2A_EINVAL;
    b2a__canceler_request(&g->cancel); /* any thread: the loop runs gc_cancel_now */
    return B2A_OK;
}

const char *b2a_gc_errmsg(const b2a_gc_run *g)
{
    return g && g->magic == GC_MAGIC ? g->err.msg : "";
}

void b2a_gc_free(b2a_gc_run *g)
{
    if (!g || g->magic != GC_MAGIC)
        return;
    if (g->running || g->in_cb) {
        g->free_requested = 1;
        gc_cancel_now(g);
        return;
    }
    destroy(g);
}

/* ---- blocking, on a private loop ---- */

typedef struct gc_sync {
    int rc;
    uint32_t removed;
    char *errmsg;
} gc_sync;

static void sync_done(b2a_gc_run *g, int rc, uint32_t removed, void *ud)
{
    gc_sync *s = ud;
    s->rc = rc;
    s->removed = removed;
    if (rc != B2A_OK)
        s->errmsg = b2a__strdup(b2a_gc_errmsg(g)[0] ? b2a_gc_errmsg(g) : b2a_strerror(rc));
    b2a_gc_free(g);
}

int b2a_gc(const char *docker_host, uint32_t *removed_out, char **errmsg_out)
{
    if (removed_out)
        *removed_out = 0;
    if (errmsg_out)
        *errmsg_out = NULL;
    uv_loop_t loop;
    if (uv_loop_init(&loop) != 0)
        return B2A_ENOMEM;
    b2a_ctx *ctx = NULL;
    gc_sync s = {0};
    b2a_gc_run *g = NULL;
    int rc = b2a_ctx_new(&loop, &ctx);
    if (rc == B2A_OK && (rc = b2a_gc_start(ctx, docker_host, sync_done, &s, &g)) == B2A_OK) {
        uv_run(&loop, UV_RUN_DEFAULT);
        rc = s.rc;
    }
    b2a_ctx_free(ctx);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    if (removed_out)
        *removed_out = s.removed;
    if (rc != B2A_OK && errmsg_out)
        *errmsg_out = s.errmsg ? s.errmsg : b2a__strdup(b2a_strerror(rc));
    else
        free(s.errmsg);
    return rc;
}
