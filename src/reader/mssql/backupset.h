/* Opening the backups given together: one full backup (striped or not),
 * optionally with its differential backups, as one page store. */
#ifndef B2A_READER_MSSQL_BACKUPSET_H
#define B2A_READER_MSSQL_BACKUPSET_H

#include <stddef.h>
#include "core/error.h"
#include "reader/mssql/pagestore.h"

/* Files are grouped by media set, in any order. One group: as
 * b2a__bak_pages_open. Several: exactly one full backup and differentials
 * of it (each one's DifferentialBaseLSN and base GUID must be the full's
 * CheckpointLSN and BackupSetGUID), laid over the full in LSN order; the
 * header is the newest differential's. Refused, naming the files: two full
 * backups, a differential of another full, the same differential twice
 * (B2A_EINVAL), a differential without its full (B2A_EFORMAT, naming the
 * full it needs, as half a striped set is), a log backup among them
 * (B2A_EUNSUPPORTED). A log backup alone
 * is opened as it is: the caller decides. */
int b2a__backupset_open(const char *const *paths, size_t n, b2a_bak_pages **out, b2a_err *err);

#endif
