#ifndef BAK2AVRO_RESTORE_H
#define BAK2AVRO_RESTORE_H

#include "common.h"
#include "types.h"
#include "errors.h"
#include "job.h"
#include "container.h"

B2A_BEGIN_DECL

/**
 * The Restore building block: restore a container's backups (the inputs it
 * was started for) into its running server, with progress:
 * pre-SQL, then the vendor's restore tool on each input, then post-SQL.
 *
 * Same contract as the other handles: done_cb runs exactly once on the
 * loop thread for a started restore, never inside b2a_restore_start;
 * b2a_restore_cancel() makes it end with B2A_ECANCELED; errors are read
 * from the handle. The container must stay alive until done_cb has run.
 */
typedef struct b2a_restore b2a_restore;

typedef void (*b2a_restore_cb)(b2a_restore *r, int rc, void *userdata);
/** progress->step is B2A_STEP_PRE_SQL, B2A_STEP_RESTORE or B2A_STEP_POST_SQL. Non-zero cancels. */
typedef int (*b2a_restore_progress_cb)(b2a_restore *r, const b2a_progress *progress, void *userdata);
typedef void (*b2a_restore_log_cb)(b2a_restore *r, b2a_log_level level, const char *message, void *userdata);

typedef struct b2a_restore_options {
    unsigned int version;
    const char *pre_sql;          /**< SQL text run before the restore; NULL: none */
    const char *post_sql;         /**< SQL text run after it; NULL: none */
    uint32_t parallel;            /**< restore workers where the format allows; 0: serial */
    b2a_restore_progress_cb progress_cb;
    b2a_restore_log_cb log_cb;
    b2a_restore_cb done_cb;
    void *userdata;
} b2a_restore_options;

#define B2A_RESTORE_OPTIONS_VERSION 1

B2A_API int b2a_restore_options_init(b2a_restore_options *opts, unsigned int version);

/** A restore into @p container, which must be ready (its start succeeded). */
B2A_API int b2a_restore_new(b2a_container *container, const b2a_restore_options *opts, b2a_restore **out);
B2A_API int b2a_restore_start(b2a_restore *r);
/**
 * The restore then ends with B2A_ECANCELED. May be called from any thread
 * (the cancel is carried to the loop thread), while the handle is not
 * freed; a no-op when no restore runs.
 */
B2A_API int b2a_restore_cancel(b2a_restore *r);
/** Free the handle; a running restore is canceled and freed after its done callback. NULL is fine. */
B2A_API void b2a_restore_free(b2a_restore *r);

/** Errors the vendor's tool printed that were judged harmless (restore went on). */
B2A_API uint32_t b2a_restore_ignored(const b2a_restore *r);

B2A_API int b2a_restore_errcode(const b2a_restore *r);
B2A_API b2a_error_class b2a_restore_errclass(const b2a_restore *r);
B2A_API const char *b2a_restore_errmsg(const b2a_restore *r);

B2A_END_DECL

#endif
