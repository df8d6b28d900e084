#include "core/ctx.h"
#include "core/job_impl.h"

#include <stdlib.h>

static void ctx_destroy(b2a_ctx *ctx)
{
    if (ctx->owns_loop) {
        /* Let close callbacks of handles our modules closed run. */
        uv_run(&ctx->own_loop, UV_RUN_DEFAULT);
        uv_loop_close(&ctx->own_loop);
    }
    ctx->magic = 0;
    free(ctx);
}

int b2a_ctx_new(struct uv_loop_s *loop, b2a_ctx **out)
{
    if (!out)
        return B2A_EINVAL;
    *out = NULL;
    b2a_ctx *ctx = calloc(1, sizeof(*ctx));
    if (!ctx)
        return B2A_ENOMEM;
    ctx->magic = B2A_CTX_MAGIC;
    if (loop) {
        ctx->loop = loop;
    } else {
        if (uv_loop_init(&ctx->own_loop) != 0) {
            free(ctx);
            return B2A_ENOMEM;
        }
        ctx->loop = &ctx->own_loop;
        ctx->owns_loop = 1;
    }
    *out = ctx;
    return B2A_OK;
}

int b2a_ctx_run(b2a_ctx *ctx)
{
    if (!ctx || ctx->magic != B2A_CTX_MAGIC || !ctx->owns_loop)
        return B2A_EINVAL;
    ctx->running = 1;
    uv_run(ctx->loop, UV_RUN_DEFAULT);
    ctx->running = 0;
    if (ctx->free_requested && ctx->live_jobs == 0 && ctx->live_blocks == 0)
        ctx_destroy(ctx);
    return B2A_OK;
}

int b2a_ctx_run_nowait(b2a_ctx *ctx)
{
    if (!ctx || ctx->magic != B2A_CTX_MAGIC || !ctx->owns_loop)
        return B2A_EINVAL;
    ctx->running = 1;
    int more = uv_run(ctx->loop, UV_RUN_NOWAIT);
    ctx->running = 0;
    if (ctx->free_requested && ctx->live_jobs == 0 && ctx->live_blocks == 0) {
        ctx_destroy(ctx);
        return 0;
    }
    return more;
}

int b2a_ctx_backend_fd(b2a_ctx *ctx)
{
    if (!ctx || ctx->magic != B2A_CTX_MAGIC)
        return B2A_EINVAL;
    return uv_backend_fd(ctx->loop);
}

void b2a__ctx_job_started(b2a_ctx *ctx, b2a_job *job)
{
    job->ctx_next = ctx->jobs;
    job->ctx_prev = NULL;
    if (ctx->jobs)
        ctx->jobs->ctx_prev = job;
    ctx->jobs = job;
    ctx->live_jobs++;
}

void b2a__ctx_job_finished(b2a_ctx *ctx, b2a_job *job)
{
    if (job->ctx_prev)
        job->ctx_prev->ctx_next = job->ctx_next;
    else
        ctx->jobs = job->ctx_next;
    if (job->ctx_next)
        job->ctx_next->ctx_prev = job->ctx_prev;
    job->ctx_next = job->ctx_prev = NULL;
    ctx->live_jobs--;
    /* Never run or close our own loop from inside it; b2a_ctx_run finishes the free. */
    if (ctx->live_jobs == 0 && ctx->live_blocks == 0 && ctx->free_requested && !ctx->running)
        ctx_destroy(ctx);
}

void b2a__ctx_hold(b2a_ctx *ctx)
{
    ctx->live_blocks++;
}

void b2a__ctx_release(b2a_ctx *ctx)
{
    ctx->live_blocks--;
    if (ctx->live_jobs == 0 && ctx->live_blocks == 0 && ctx->free_requested && !ctx->running)
        ctx_destroy(ctx);
}

void b2a_ctx_free(b2a_ctx *ctx)
{
    if (!ctx || ctx->magic != B2A_CTX_MAGIC)
        return;
    if (ctx->live_jobs > 0 || ctx->live_blocks > 0) {
        /* Jobs and block calls hold the ctx; the last one to finish frees it. */
        ctx->free_requested = 1;
        for (b2a_job *j = ctx->jobs; j; j = j->ctx_next)
            b2a_job_cancel(j);
        return;
    }
    ctx_destroy(ctx);
}

void b2a_free(void *ptr)
{
    free(ptr);
}

const char *b2a_version(void)
{
    return B2A_VERSION;
}
