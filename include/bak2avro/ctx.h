#ifndef BAK2AVRO_CTX_H
#define BAK2AVRO_CTX_H

#include "common.h"
#include "types.h"

struct uv_loop_s;

B2A_BEGIN_DECL

/**
 * Create a context on the caller's libuv loop, or on an internal loop when
 * @p loop is NULL (drive it with b2a_ctx_run()). All callbacks of the jobs
 * of this context run on that loop's thread.
 */
B2A_API int b2a_ctx_new(struct uv_loop_s *loop, b2a_ctx **out);

/** Run the internal loop until no job is left. B2A_EINVAL on a caller's loop. */
B2A_API int b2a_ctx_run(b2a_ctx *ctx);

/** Run the internal loop once without blocking; 0 when nothing is left to do. */
B2A_API int b2a_ctx_run_nowait(b2a_ctx *ctx);

/** File descriptor to poll for readiness of the internal loop (embedding). */
B2A_API int b2a_ctx_backend_fd(b2a_ctx *ctx);

/**
 * Free the context. Live jobs are canceled and the free is deferred until
 * their completion callbacks have run. Safe to call from a callback. NULL is fine.
 */
B2A_API void b2a_ctx_free(b2a_ctx *ctx);

B2A_END_DECL

#endif
