/* Library context internals: the loop jobs run on and the live jobs. */
#ifndef B2A_CORE_CTX_H
#define B2A_CORE_CTX_H

#include <uv.h>
#include "bak2avro.h"

struct b2a_ctx {
    uint32_t magic;
    uv_loop_t *loop;
    uv_loop_t own_loop;     /* used when the caller gave no loop */
    int owns_loop;
    unsigned live_jobs;     /* started and not yet completed */
    unsigned live_blocks;   /* building-block calls (source, plan, export) in flight */
    int free_requested;     /* b2a_ctx_free() was called with live jobs */
    int running;            /* inside b2a_ctx_run*: destroy after uv_run returns */
    struct b2a_job *jobs;   /* live jobs, to cancel them on free */
};

#define B2A_CTX_MAGIC 0xb2a0c7c7u

/* A building block's asynchronous call holds the ctx from its start until
 * its callback has run: a deferred b2a_ctx_free waits for it. */
void b2a__ctx_hold(b2a_ctx *ctx);
void b2a__ctx_release(b2a_ctx *ctx);

void b2a__ctx_job_started(b2a_ctx *ctx, struct b2a_job *job);
/* Called after a job's done callback ran; may free a ctx whose free was deferred. */
void b2a__ctx_job_finished(b2a_ctx *ctx, struct b2a_job *job);

#endif
