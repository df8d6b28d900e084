/* Backup files as a source of the Source and Export blocks (issue 11's
 * scale-out without a database): a file: DSN names the files of one
 * backup (stripes or dump pieces together), read with our own readers
 * (reader/reader.h). Workers that see the same files export disjoint parts
 * of a table: SQL Server .bak by extent, Oracle dumps by row segment.
 *
 *   file:PATH[,PATH...]   each PATH percent-decoded (%2C for a comma in a
 *                         name, %25 for a percent sign)
 *
 * The handle's reader is read-only after open: scans may run on several
 * threads at once. Internal. */
#ifndef B2A_SOURCE_BACKUPSRC_H
#define B2A_SOURCE_BACKUPSRC_H

#include <stddef.h>

#include "core/error.h"
#include "reader/reader.h"

struct b2a_odbc_table;

typedef struct b2a_backupsrc {
    char **paths;
    size_t npaths;
    char *display;                  /* the DSN as given: it holds no password */
    const char *vendor;             /* "sqlserver", "oracle" once opened; static */
    const char *format;             /* the detected format's name; static */
    const b2a_reader_ops *reader;   /* once opened */
    void *handle;
} b2a_backupsrc;

/* Parse a file: DSN (b2a__dsn_is_file); B2A_EINVAL naming what is wrong. */
int b2a__backupsrc_parse(const char *dsn, b2a_backupsrc *b, b2a_err *err);
/* Detect and open the files with their reader (blocking: a worker thread).
 * B2A_EUNSUPPORTED for a backup no reader of ours reads (restore it in a
 * container and give the database's DSN instead). */
int b2a__backupsrc_open(b2a_backupsrc *b, b2a_err *err);
void b2a__backupsrc_clear(b2a_backupsrc *b);

/* The opened backup's tables as the Source lists them (exact counts where
 * the backup records them, else -1). */
int b2a__backupsrc_tables(const b2a_backupsrc *b, struct b2a_odbc_table **out, size_t *n, b2a_err *err);
/* The reader's index of table schema.name, or -1. */
long b2a__backupsrc_find(const b2a_backupsrc *b, const char *schema, const char *name);

/* How many parts table i splits into at most when asked for n: n when the
 * reader splits it (a .bak by extent), min(n, its row segments) for an
 * Oracle dump, else 1. */
size_t b2a__backupsrc_parts(const b2a_backupsrc *b, size_t table, size_t n);
/* Open part `part` of `nparts` of table i (nparts 1: the whole table). */
int b2a__backupsrc_scan_open(const b2a_backupsrc *b, size_t table, size_t part, size_t nparts, void **scan,
                             b2a_err *err);

#endif
