/* What the Container and Restore blocks need to know of the backups before
 * any container starts: format, size, archive version, and every check that
 * can refuse an input without a server (cut-short dumps, archives newer than
 * the image's server, a SQL Server media set without its licence). */
#ifndef B2A_BLOCK_BACKUP_H
#define B2A_BLOCK_BACKUP_H

#include "core/error.h"
#include "engine/engine.h"

/* The vendor of inputs (all one vendor), checked against a vendor name the
 * caller gave (NULL: none); NULL with err set when none fits. */
const b2a_vendor *b2a__backup_vendor(char *const *paths, size_t n, const char *vendor_name, b2a_err *err);

/* Describe each input for the vendor layer (inputs[i].path points into
 * paths). *database gets the database name a pg_dump archive records, when
 * it has one (free it). Checks the tail of plain dumps; gzip'd ones need
 * b2a__backup_check_gzip_ends, which inflates them (blocking: run it off
 * the loop). */
int b2a__backup_describe(const b2a_vendor *v, char *const *paths, size_t n, const char *image,
                         int accept_eula, b2a_vendor_input **inputs, char **database, b2a_err *err);

/* 1 when some input is gzip'd (b2a__backup_check_gzip_ends has work). */
int b2a__backup_has_gzip(const b2a_vendor_input *inputs, size_t n);
int b2a__backup_check_gzip_ends(const b2a_vendor_input *inputs, size_t n, b2a_err *err);

#endif
