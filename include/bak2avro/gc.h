#ifndef BAK2AVRO_GC_H
#define BAK2AVRO_GC_H

#include "common.h"
#include "types.h"

B2A_BEGIN_DECL

/**
 * Remove containers left behind by jobs that were killed (those labelled
 * bak2avro.job). Blocks until done. @p docker_host may be NULL (DOCKER_HOST,
 * else /var/run/docker.sock). On failure *errmsg_out (if not NULL) gets a
 * message to free with b2a_free().
 */
B2A_API int b2a_gc(const char *docker_host, uint32_t *removed_out, char **errmsg_out);

/** The same on a context's loop: a handle, a callback once, errors on the handle. */
typedef struct b2a_gc_run b2a_gc_run;
/** rc B2A_OK or the first failure (message from b2a_gc_errmsg); removed: containers removed. */
typedef void (*b2a_gc_cb)(b2a_gc_run *run, int rc, uint32_t removed, void *userdata);

/**
 * Start a gc on @p ctx's loop. @p cb runs exactly once on the loop thread,
 * never inside this call. On an error return it never runs and *out is NULL.
 */
B2A_API int b2a_gc_start(b2a_ctx *ctx, const char *docker_host, b2a_gc_cb cb, void *userdata, b2a_gc_run **out);
/** Abort the engine requests in flight; cb still runs once, with B2A_ECANCELED.
 *  May be called from any thread, while the handle is not freed. */
B2A_API int b2a_gc_cancel(b2a_gc_run *run);
B2A_API const char *b2a_gc_errmsg(const b2a_gc_run *run);
/** Free the handle; a running gc is canceled and freed after its callback. NULL is fine. */
B2A_API void b2a_gc_free(b2a_gc_run *run);

B2A_END_DECL

#endif
