/* b2a_inspect_start: b2a_inspect on the thread pool, with a handle and the
 * callback contract of the other blocks. */
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "bak2avro.h"
#include "core/cancel.h"
#include "core/ctx.h"
#include "util/str.h"

#define INSPECT_MAGIC 0xb2a01f5eu

struct b2a_inspect_run {
    uint32_t magic;
    b2a_ctx *ctx;
    char **paths;
    uint32_t npaths;
    b2a_inspect_cb cb;
    void *userdata;
    uv_work_t work;
    int rc, running, canceled, free_requested, in_cb;
    b2a_canceler cancel;      /* b2a_inspect_cancel() from any thread */
    char *json, *errmsg;
};

static void inspect_work(uv_work_t *w)
{
    b2a_inspect_run *r = w->data;
    r->rc = b2a_inspect((const char *const *)r->paths, r->npaths, &r->json, &r->errmsg);
}

static void destroy(b2a_inspect_run *r)
{
    b2a_ctx *ctx = r->ctx;
    b2a__strv_free(r->paths, r->npaths);
    free(r->json);
    free(r->errmsg);
    b2a__canceler_destroy(&r->cancel);
    r->magic = 0;
    free(r);
    b2a__ctx_release(ctx);
}

static void inspect_after(uv_work_t *w, int status)
{
    b2a_inspect_run *r = w->data;
    r->running = 0;
    b2a__canceler_disarm(&r->cancel);
    if (status == UV_ECANCELED || r->canceled || b2a__canceler_asked(&r->cancel)) {
        free(r->json);
        free(r->errmsg);
        r->json = NULL;
        r->errmsg = b2a__strdup("inspect canceled");
        r->rc = B2A_ECANCELED;
    }
    r->in_cb = 1; /* a free from the callback waits until it returns */
    if (r->cb)
        r->cb(r, r->rc, r->userdata);
    r->in_cb = 0;
    if (r->free_requested)
        destroy(r);
}

/* On the loop thread: only work not yet started; a running read finishes. */
static void inspect_cancel_now(void *handle)
{
    b2a_inspect_run *r = handle;
    if (r->running && !r->canceled) {
        r->canceled = 1;
        uv_cancel((uv_req_t *)&r->work);
    }
}

int b2a_inspect_start(b2a_ctx *ctx, const char *const *paths, uint32_t n_paths, b2a_inspect_cb cb, void *userdata,
                      b2a_inspect_run **out)
{
    if (out)
        *out = NULL;
    if (!ctx || ctx->magic != B2A_CTX_MAGIC || !paths || n_paths == 0 || !out)
        return B2A_EINVAL;
    b2a_inspect_run *r = calloc(1, sizeof(*r));
    if (!r)
        return B2A_ENOMEM;
    r->magic = INSPECT_MAGIC;
    r->ctx = ctx;
    r->paths = b2a__strv_dup(paths, n_paths);
    r->npaths = n_paths;
    r->cb = cb;
    r->userdata = userdata;
    r->work.data = r;
    if (!r->paths || b2a__canceler_init(&r->cancel) != B2A_OK) {
        b2a__strv_free(r->paths, r->npaths);
        free(r);
        return B2A_ENOMEM;
    }
    b2a__ctx_hold(ctx);
    if (b2a__canceler_arm(&r->cancel, ctx->loop, inspect_cancel_now, r) != B2A_OK ||
        uv_queue_work(ctx->loop, &r->work, inspect_work, inspect_after) != 0) {
        destroy(r);
        return B2A_ENOMEM;
    }
    r->running = 1;
    *out = r;
    return B2A_OK;
}

int b2a_inspect_cancel(b2a_inspect_run *r)
{
    if (!r || r->magic != INSPECT_MAGIC)
        return B2A_EINVAL;
    b2a__canceler_request(&r->cancel); /* any thread: the loop runs inspect_cancel_now */
    return B2A_OK;
}

const char *b2a_inspect_json(const b2a_inspect_run *r)
{
    return r && r->magic == INSPECT_MAGIC ? r->json : NULL;
}

const char *b2a_inspect_errmsg(const b2a_inspect_run *r)
{
    return r && r->magic == INSPECT_MAGIC && r->errmsg ? r->errmsg : "";
}

void b2a_inspect_free(b2a_inspect_run *r)
{
    if (!r || r->magic != INSPECT_MAGIC)
        return;
    if (r->running || r->in_cb) {
        r->free_requested = 1;
        inspect_cancel_now(r);
        return;
    }
    destroy(r);
}
