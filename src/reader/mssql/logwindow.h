/* What the log a backup carries says about changes made while it ran.
 * A backup copies extents while the database stays open, then appends the
 * log from FirstLSN to LastLSN; RESTORE replays (redo) that log over the
 * copied pages and rolls back what was not committed (undo). This reader
 * does neither, so it only agrees with a restore when that log window
 * holds no transaction's work. */
#ifndef B2A_READER_MSSQL_LOGWINDOW_H
#define B2A_READER_MSSQL_LOGWINDOW_H

#include <stdint.h>
#include "core/error.h"
#include "reader/mssql/pagestore.h"

typedef struct b2a_log_window {
    uint64_t records;         /* log records after FirstLSN and before LastLSN */
    uint64_t in_transaction;  /* of those, records of a transaction (non-zero transaction id) */
    b2a_lsn first_change;     /* the first of those */
    int active_at_start;      /* FirstLSN < CheckpointLSN: transactions were open when it began */
    int unreadable;           /* a log block could not be parsed: the window is unknown */
} b2a_log_window;

/* Walk the log blocks of backup p (its own, not an overlaid base's).
 * Errors: B2A_EIO, B2A_EFORMAT reading the backup; a log it cannot parse
 * is not an error but out->unreadable. */
int b2a__log_window(b2a_bak_pages *p, b2a_log_window *out, b2a_err *err);

#endif
