/* The classic exp direct reader: an Oracle `exp` dump read without Oracle.
 * Opening walks the whole file once (its statements and, to find where each
 * table's rows end, every row), keeping for each table its columns and the
 * offsets of its row sections (one per partition); a scan then seeks to
 * those offsets and streams rows in bounded chunks. Memory is bounded by
 * the widest row and the number of tables, never by the dump's size.
 * Unbounded NUMBER/FLOAT columns are profiled during that walk and typed by
 * the rule of avro-type-mapping.md ("Unbounded numbers"). */
#ifndef B2A_READER_ORACLE_EXP_H
#define B2A_READER_ORACLE_EXP_H

#include <stddef.h>
#include <stdint.h>
#include "core/column.h"
#include "core/error.h"
#include "core/sink.h"

typedef struct b2a_exp b2a_exp;
typedef struct b2a_exp_scan b2a_exp_scan;

/* One file (exp writes one). Errors name the file: B2A_EIO/B2A_ENOTFOUND,
 * B2A_EFORMAT (not an exp file, truncated, a row that does not parse),
 * B2A_EINVAL (more than one file). */
int b2a__exp_open(const char *const *paths, size_t n, b2a_exp **out, b2a_err *err);

/* The exporting user from the header ("SYSTEM", "ALPHA"): an exp file names no database. */
const char *b2a__exp_database_name(const b2a_exp *x);
size_t b2a__exp_table_count(const b2a_exp *x);
/* row_count is the number of rows the walk at open counted. */
const b2a_table_def *b2a__exp_table(const b2a_exp *x, size_t i);
/* "table", or "partitioned table" when the rows come in several sections. */
const char *b2a__exp_table_kind(const b2a_exp *x, size_t i);
/* Partition or subpartition names of table i, in dump order (0 if none). */
size_t b2a__exp_partition_count(const b2a_exp *x, size_t i);
const char *b2a__exp_partition_name(const b2a_exp *x, size_t i, size_t k);

/* Table i's primary key (from exp's ALTER TABLE ... PRIMARY KEY) as column
 * indexes in key order; NULL with *n = 0 when it has none. */
const size_t *b2a__exp_primary_key(const b2a_exp *x, size_t i, size_t *n);

/* File offsets of rows section k of table i: its first row and its closing
 * 0xFFFF (for tools such as the bench that build larger dumps). -1 if none. */
int b2a__exp_rows_span(const b2a_exp *x, size_t i, size_t k, uint64_t *start, uint64_t *end);

/* B2A_EUNSUPPORTED naming the column and its type for what cannot be
 * decoded (object types, collections, XMLTYPE). */
int b2a__exp_scan_open(b2a_exp *x, size_t table, b2a_exp_scan **out, b2a_err *err);
/* Rows are atomic: a row that fails to decode reaches the sink not at all. */
int b2a__exp_scan_next(b2a_exp_scan *s, b2a_sink *sink, size_t max_rows, size_t *rows_out, int *eof,
                       b2a_err *err);
/* Bytes of the rows scanned so far that had no character in their column's
 * character set (each written as U+FFFD). */
uint64_t b2a__exp_scan_replaced(const b2a_exp_scan *s);
void b2a__exp_scan_close(b2a_exp_scan *s);
/* Part `part` of `nparts` of table i: its row segments (one per partition)
 * part, part+nparts, ...; B2A_EINVAL unless part < nparts. */
int b2a__exp_scan_open_part(b2a_exp *x, size_t table, size_t part, size_t nparts, b2a_exp_scan **out, b2a_err *err);
/* Row segments of table i (parts beyond them would be empty). */
size_t b2a__exp_segments(const b2a_exp *x, size_t table);
void b2a__exp_close(b2a_exp *x);

#endif
