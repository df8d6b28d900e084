/* The SQL Server .bak direct reader: a backup (one file or all stripes of a
 * media set) opened without SQL Server, its user tables described as
 * b2a_table_def and scanned row by row into a b2a_sink.
 *
 * The catalog is read once at open and is read-only afterwards, so scans of
 * different tables may run on different threads at the same time (one scan
 * handle per thread). Memory stays bounded: pages are fetched on demand. */
#ifndef B2A_READER_MSSQL_BAK_H
#define B2A_READER_MSSQL_BAK_H

#include <stddef.h>
#include <stdint.h>
#include "core/error.h"
#include "core/column.h"
#include "core/sink.h"
#include "reader/mssql/pagestore.h"

typedef struct b2a_bak b2a_bak;
typedef struct b2a_bak_scan b2a_bak_scan;

/* Open all files of one backup (TAPE or MSSQLBAK, striped sets given
 * together) and read its catalog. Errors name the file and the problem:
 * B2A_EIO, B2A_EFORMAT (not a backup, truncated, catalog unreadable, half
 * a striped set: the message names the missing stripe), B2A_EUNSUPPORTED
 * (TDE, log backup, a catalog older than SQL Server 2005), B2A_EINVAL. */
int b2a__bak_open(const char *const *paths, size_t n, b2a_bak **out, b2a_err *err);

/* Like b2a__bak_open, with flags. B2A_BAK_IGNORE_CHECKSUMS: pages that
 * fail their checksum or torn-page check are read anyway (salvage); they
 * are counted in b2a__bak_verify_stats' failed. Without it such a page
 * fails the catalog (so the open) or the table that reads it. */
#define B2A_BAK_IGNORE_CHECKSUMS 1u
int b2a__bak_open_flags(const char *const *paths, size_t n, unsigned flags, b2a_bak **out, b2a_err *err);

/* The database's PAGE_VERIFY option as the boot page records it:
 * "CHECKSUM", "TORN_PAGE_DETECTION" or "NONE"; NULL without a catalog. */
const char *b2a__bak_page_verify_mode(const b2a_bak *b);

/* Pages read so far (catalog and scans), counted once each, by the
 * protection they carried. Safe while scans run. */
void b2a__bak_verify_stats(const b2a_bak *b, b2a_bak_verify_stats *out);

/* The i-th page that failed verification (see b2a__bak_pages_failure). */
const char *b2a__bak_verify_failure(const b2a_bak *b, size_t i);

/* Like b2a__bak_open, but only the media and backup-set headers: no catalog
 * is read, log or differential backups and half a striped set are not
 * refused. For inspect, which reports what RESTORE HEADERONLY would say of
 * any backup next to the reason it cannot be read; the handle has no tables. */
int b2a__bak_open_header(const char *const *paths, size_t n, b2a_bak **out, b2a_err *err);

/* UTF-8, from the boot page (or the backup header), never NULL. */
const char *b2a__bak_database_name(const b2a_bak *b);

/* User tables (sysschobjs type 'U'), sorted by schema then name. */
size_t b2a__bak_table_count(const b2a_bak *b);

/* Borrowed, valid until b2a__bak_close; NULL if i is out of range.
 * Columns are mapped per avro-type-mapping.md §4.2; source_type reads like
 * "nvarchar(40)", "decimal(10,2)"; row_count is sysrowsets' count summed
 * over the heap/clustered partitions (-1 if unknown). */
const b2a_table_def *b2a__bak_table(const b2a_bak *b, size_t i);

/* Table i's PRIMARY KEY, from sysidxstats/sysiscols: column indexes into
 * its def, in key order; *n = 0 when the table has none. Borrowed, valid
 * until b2a__bak_close. NOT NULL is each column's def.nullable = 0. */
const size_t *b2a__bak_table_primary_key(const b2a_bak *b, size_t i, size_t *n);

/* Write one JSON object into the yajl_gen passed as void * (so this header
 * needs no yajl.h): {"database", "header":{...}, "files":[...],
 * "tables":[{"schema","name","rows","primary_key":[...],"columns":[{"name","type","nullable"}]}]}. */
int b2a__bak_inspect(const b2a_bak *b, void *yajl_gen_handle, b2a_err *err);

/* Start a scan of table i. B2A_EUNSUPPORTED with a clear message for what
 * cannot be decoded (columnstore indexes, sparse column sets). */
int b2a__bak_scan_open(b2a_bak *b, size_t table, b2a_bak_scan **out, b2a_err *err);

/* Part `part` (0-based) of `nparts` of table i: the rows of the data pages
 * whose extent number modulo nparts is part. The parts are disjoint and
 * together the whole table, so workers that each open the same backup can
 * share a table; pages of other parts are not read (nor decompressed).
 * B2A_EINVAL unless part < nparts. nparts = 1 is the whole table. */
int b2a__bak_scan_open_part(b2a_bak *b, size_t table, size_t part, size_t nparts, b2a_bak_scan **out,
                            b2a_err *err);

/* Decode at most max_rows rows into sink (one value per column, then
 * end_row). *rows_out = rows delivered by this call; *eof = 1 once the table
 * is exhausted. Rows are atomic: a corrupt row fails before the sink sees
 * any of its values; rows already given stay given. Messages name the
 * file, table, page, slot and column. Sink errors keep their code. */
int b2a__bak_scan_next(b2a_bak_scan *s, b2a_sink *sink, size_t max_rows,
                       size_t *rows_out, int *eof, b2a_err *err);

/* Page reads of this scan that failed verification and were used anyway
 * (B2A_BAK_IGNORE_CHECKSUMS): its rows are salvage, not verified. */
uint64_t b2a__bak_scan_salvaged(const b2a_bak_scan *s);

void b2a__bak_scan_close(b2a_bak_scan *s);
void b2a__bak_close(b2a_bak *b);

#endif
