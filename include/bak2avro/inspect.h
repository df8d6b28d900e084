#ifndef BAK2AVRO_INSPECT_H
#define BAK2AVRO_INSPECT_H

#include "common.h"
#include "errors.h"
#include "types.h"

B2A_BEGIN_DECL

/**
 * Look into backup files without starting anything: format (from magic
 * bytes), version, and what is inside where it can be told.
 *
 * Returns B2A_OK only when every input was read whole. An input that cannot
 * be (truncated, half a striped set, missing, foreign) makes the call return
 * that input's negative code (the first such input's), with its message in
 * *errmsg_out (if not NULL), and *json_out still holds the document: each
 * input with what could be read and, for those not read whole, an "error".
 * *json_out is NULL only for B2A_EINVAL and B2A_ENOMEM. Free both with
 * b2a_free().
 */
B2A_API int b2a_inspect(const char *const *paths, uint32_t n_paths, char **json_out, char **errmsg_out);

/** The same on a context's loop (the reading runs on libuv's thread pool). */
typedef struct b2a_inspect_run b2a_inspect_run;
/** rc as b2a_inspect returns it; the document from b2a_inspect_json, the message from b2a_inspect_errmsg. */
typedef void (*b2a_inspect_cb)(b2a_inspect_run *run, int rc, void *userdata);

/**
 * Start inspecting @p paths (copied). @p cb runs exactly once on the loop
 * thread, never inside this call; on an error return it never runs.
 */
B2A_API int b2a_inspect_start(b2a_ctx *ctx, const char *const *paths, uint32_t n_paths, b2a_inspect_cb cb,
                              void *userdata, b2a_inspect_run **out);
/** cb then gets B2A_ECANCELED (a read already running finishes first; its result is dropped).
 *  May be called from any thread, while the handle is not freed. */
B2A_API int b2a_inspect_cancel(b2a_inspect_run *run);
/** The JSON document (owned by the handle), NULL when there is none. */
B2A_API const char *b2a_inspect_json(const b2a_inspect_run *run);
B2A_API const char *b2a_inspect_errmsg(const b2a_inspect_run *run);
/** Free the handle; a running inspect is canceled and freed after its callback. NULL is fine. */
B2A_API void b2a_inspect_free(b2a_inspect_run *run);

B2A_END_DECL

#endif
