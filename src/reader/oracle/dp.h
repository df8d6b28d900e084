/* The Data Pump direct reader: an uncompressed, unencrypted `expdp` dump
 * read without Oracle (oracle-dump-format.md §2.2). Opening walks the
 * file's blocks once: each table data segment is announced by a
 * descriptor block (ff ff 24 24 0a 00, then u64 XML length, block size,
 * data length); the segment is a charset id, the STRMTABLE_T XML (owner,
 * table, columns and types) and the direct-path row stream. The walk keeps
 * each table's columns and segment offsets, counts rows and profiles
 * unbounded NUMBERs; scans stream rows in bounded chunks. Memory is
 * bounded by the largest XML, the widest row and the number of tables. */
#ifndef B2A_READER_ORACLE_DP_H
#define B2A_READER_ORACLE_DP_H

#include <stddef.h>
#include <stdint.h>
#include "core/column.h"
#include "core/error.h"
#include "core/sink.h"

typedef struct b2a_dp b2a_dp;

/* What the job's master table records of the options that decide whether
 * the rows are readable (DBMS_DATAPUMP.GET_DUMPFILE_INFO reports the same
 * from the header, whose flag bytes are not decoded: oracle-dump-format.md).
 * Empty strings: the master table does not name the parameter. */
#define B2A_DP_PARAM_MAX 32
#define B2A_DP_MAX_FILES 8
typedef struct b2a_dp_params {
    int read;                                   /* 1: the master table's rows were read to their end */
    char compression[B2A_DP_PARAM_MAX];         /* NONE, METADATA_ONLY, DATA_ONLY, ALL */
    char compression_algorithm[B2A_DP_PARAM_MAX];
    char encryption[B2A_DP_PARAM_MAX];          /* NONE, ALL, DATA_ONLY, METADATA_ONLY, ENCRYPTED_COLUMNS_ONLY */
    char encryption_mode[B2A_DP_PARAM_MAX];
    char encryption_algorithm[B2A_DP_PARAM_MAX];
    size_t nfiles;                              /* dump files the job wrote (the first B2A_DP_MAX_FILES named) */
    char files[B2A_DP_MAX_FILES][64];
} b2a_dp_params;
typedef struct b2a_dp_scan b2a_dp_scan;

/* One file. Errors name the file: B2A_EFORMAT (truncated, a segment or row
 * that does not parse), B2A_EUNSUPPORTED (compressed or encrypted data, a
 * layout not decoded yet: a container restore can read it), B2A_EINVAL
 * (several files: multi-file sets are not read yet). */
int b2a__dp_open(const char *const *paths, size_t n, b2a_dp **out, b2a_err *err);
/* inspect's open: a dump refused for compressed or encrypted data opens
 * all the same, every table failing with the refusal, which
 * b2a__dp_refusal gives (NULL for a readable dump). */
int b2a__dp_open_lenient(const char *const *paths, size_t n, b2a_dp **out, b2a_err *err);
const char *b2a__dp_refusal(const b2a_dp *x);
const b2a_dp_params *b2a__dp_params(const b2a_dp *x);

/* The job's owner, from the header's job name ("SYSTEM"). */
const char *b2a__dp_database_name(const b2a_dp *x);
size_t b2a__dp_table_count(const b2a_dp *x);
/* row_count is the number of rows the walk at open counted. */
const b2a_table_def *b2a__dp_table(const b2a_dp *x, size_t i);
/* "table", or "partitioned table" when the rows come in several segments. */
const char *b2a__dp_table_kind(const b2a_dp *x, size_t i);

/* B2A_EUNSUPPORTED naming the column and its type for what is not decoded. */
int b2a__dp_scan_open(b2a_dp *x, size_t table, b2a_dp_scan **out, b2a_err *err);
/* Rows are atomic: a row that fails to decode reaches the sink not at all. */
int b2a__dp_scan_next(b2a_dp_scan *s, b2a_sink *sink, size_t max_rows, size_t *rows_out, int *eof,
                      b2a_err *err);
/* Bytes written as U+FFFD so far (no character in their set). */
uint64_t b2a__dp_scan_replaced(const b2a_dp_scan *s);
void b2a__dp_scan_close(b2a_dp_scan *s);
/* Part `part` of `nparts` of table i: its row segments (one per partition)
 * part, part+nparts, ...; B2A_EINVAL unless part < nparts. */
int b2a__dp_scan_open_part(b2a_dp *x, size_t table, size_t part, size_t nparts, b2a_dp_scan **out, b2a_err *err);
/* Row segments of table i (parts beyond them would be empty). */
size_t b2a__dp_segments(const b2a_dp *x, size_t table);
void b2a__dp_close(b2a_dp *x);

#endif
