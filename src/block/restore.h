/* The Restore block's internals, for the job's chain. */
#ifndef B2A_BLOCK_RESTORE_H
#define B2A_BLOCK_RESTORE_H

#include "bak2avro.h"
#include "core/job_impl.h"

/* A phase (B2A_STEP_PRE_SQL, _RESTORE, _POST_SQL) began (RUNNING) or
 * ended (OK, FAILED, CANCELED, with a message): a job records its steps. */
typedef void (*b2a_restore_phase_fn)(void *ud, b2a_step phase, b2a_state state, const char *message);
void b2a__restore_set_phase(b2a_restore *r, b2a_restore_phase_fn fn, void *ud);

/* The restore's error record (SQLSTATE and native code included). */
const b2a_err *b2a__restore_err(const b2a_restore *r);

/* Send restore output lines to the log (DEBUG, redacted); off by default. */
void b2a__restore_log_output(b2a_restore *r, int on);

#endif
