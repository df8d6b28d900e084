/* The direct readers: one const vtable per backup format that our own code
 * reads without the database (libarchive's format readers). A reader opens
 * the set of files of one backup, lists its tables as b2a_table_def (owner,
 * name, columns with source types and nullability, a row-count hint) and
 * scans one table into a b2a_sink in bounded chunks.
 *
 * Handles: open() gives a reader handle that is read-only after open, so
 * scans of different tables may run on different threads at once (one scan
 * handle per thread). Errors name the file and the problem. */
#ifndef B2A_READER_READER_H
#define B2A_READER_READER_H

#include <stddef.h>
#include <stdint.h>
#include "core/column.h"
#include "core/error.h"
#include "core/sink.h"

struct b2a_detected;

/* How a reader opens a backup. */
typedef struct b2a_reader_opts {
    int ignore_checksums;   /* read pages that fail their checksum (salvage) instead of failing */
} b2a_reader_opts;

/* Page verification done so far by a reader of a format whose pages carry
 * checksums (SQL Server): the database's setting and distinct pages read. */
typedef struct b2a_reader_verification {
    const char *page_verify;     /* "CHECKSUM", "TORN_PAGE_DETECTION", "NONE"; static */
    uint64_t checksum;           /* pages that carried a checksum */
    uint64_t torn;               /* pages that carried torn-page bits */
    uint64_t unprotected;        /* pages that carried neither: not verifiable */
    uint64_t failed;             /* of those verified, pages that failed (read only when ignored) */
    const char *failures[20];    /* the first of them, described; borrowed until close() */
    size_t nfailures;
} b2a_reader_verification;

typedef struct b2a_reader_ops {
    const char *name;   /* "mssql-bak", "oracle-exp": for logs */

    /* 1 when this reader reads a backup detected as d (by magic bytes). */
    int (*probe)(const struct b2a_detected *d);

    /* Open every file of one backup (stripes or dump pieces given together).
     * B2A_EUNSUPPORTED for what the reader cannot serve but a container
     * restore could (the direct pipeline then falls back when allowed). */
    int (*open)(const char *const *paths, size_t n, const b2a_reader_opts *opts, void **out, b2a_err *err);

    /* UTF-8, never NULL: the database name, or what stands for it. */
    const char *(*database_name)(const void *r);

    size_t (*table_count)(const void *r);

    /* Borrowed until close(); NULL if i is out of range. row_count is a
     * hint from the backup's own metadata, -1 when it has none. */
    const b2a_table_def *(*table)(const void *r, size_t i);

    /* "table", "partitioned table", ...: the Job's kind for table i. */
    const char *(*table_kind)(const void *r, size_t i);

    /* Scan table i: at most max_rows rows per next() call (one value per
     * column, then end_row); *eof = 1 once the table is exhausted. */
    int (*scan_open)(void *r, size_t table, void **scan, b2a_err *err);
    int (*scan_next)(void *scan, b2a_sink *sink, size_t max_rows, size_t *rows_out, int *eof,
                     b2a_err *err);
    void (*scan_close)(void *scan);

    void (*close)(void *r);

    /* Table i's primary key as indexes into its def's columns, in key
     * order; *n = 0 when it has none. Borrowed until close(). NULL when
     * the format carries no keys. */
    const size_t *(*primary_key)(const void *r, size_t i, size_t *n);

    /* NULL for formats without page checks. Fills *out; 0 when the reader
     * has nothing to report (no catalog read). Safe while scans run. */
    int (*verification)(const void *r, b2a_reader_verification *out);

    /* Name of the k-th (sub)partition whose rows table i holds, in backup
     * order; NULL past the last. NULL when the format has no partitions. */
    const char *(*partition_name)(const void *r, size_t i, size_t k);

    /* Page reads of this scan so far that failed verification and were
     * used anyway (ignore_checksums): the table is salvage, not a verified
     * export. NULL for formats without page checks. */
    uint64_t (*scan_salvaged)(const void *scan);

    /* Bytes of the scan's rows so far that had no character in their
     * character set and were written as U+FFFD (the Job reports them per
     * table). NULL for formats whose text is never replaced. */
    uint64_t (*scan_replaced)(const void *scan);
} b2a_reader_ops;

/* Splitting one table among workers that each open the same backup files
 * (issue 11's scale-out of direct reads): an extension beside the vtable, so
 * readers that cannot split need no change. */
typedef struct b2a_reader_split_ops {
    /* Like scan_open, for part `part` (0-based) of `nparts` of table i: the
     * parts are disjoint and together the whole table, whichever process
     * reads each. Advanced with scan_next, closed with scan_close.
     * B2A_EINVAL unless part < nparts. */
    int (*scan_open_part)(void *r, size_t table, size_t part, size_t nparts, void **scan,
                          b2a_err *err);
    /* The most parts table i splits into that are not empty by construction
     * (an Oracle dump: its row segments); NULL: as many as asked (a .bak's
     * extents are dealt out among any number of parts). */
    size_t (*max_parts)(const void *r, size_t table);
} b2a_reader_split_ops;

/* The split operations of a reader, or NULL when it cannot split a table. */
const b2a_reader_split_ops *b2a__reader_split(const b2a_reader_ops *ops);

extern const b2a_reader_ops b2a__reader_mssql_bak;
extern const b2a_reader_split_ops b2a__reader_mssql_bak_split;
extern const b2a_reader_ops b2a__reader_oracle_exp;
extern const b2a_reader_split_ops b2a__reader_oracle_exp_split;
extern const b2a_reader_ops b2a__reader_oracle_datapump;
extern const b2a_reader_split_ops b2a__reader_oracle_datapump_split;

/* The direct reader for a detected backup, or NULL when there is none. */
const b2a_reader_ops *b2a__reader_for(const struct b2a_detected *d);

#endif
