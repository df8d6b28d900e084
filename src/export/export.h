/* The table exporter: runs tables in parallel, each as a chain of bounded
 * chunks on libuv's thread pool, from any row source into Avro files. */
#ifndef B2A_EXPORT_EXPORT_H
#define B2A_EXPORT_EXPORT_H

#include "core/ctx.h"
#include "core/job_impl.h"
#include "core/sink.h"
#include "source/dbsource.h"

/* A row source. open/next/close run on worker threads, one stream each;
 * different streams (tables, or ranges of one table) may run at the same
 * time on different threads. */
typedef struct b2a_source_ops {
    int (*open)(void *source, const b2a_table_job *table, size_t index, void **cursor, b2a_err *err);
    int (*next)(void *cursor, b2a_sink *sink, size_t max_rows, size_t *rows_out, int *eof, b2a_err *err);
    void (*close)(void *cursor);
    /* Optional (NULL: one stream per table). split plans a table in at most
     * n ranges (worker thread); open_range opens the rows of one of them. */
    int (*split)(void *source, const b2a_table_job *table, uint32_t n, b2a_split *out, b2a_err *err);
    int (*open_range)(void *source, const b2a_table_job *table, const char *where, const char *snapshot,
                      void **cursor, b2a_err *err);
} b2a_source_ops;

/* A database source (source/dbsource.h) as the exporter's row source:
 * tables split on their keys or blocks, rows through libpq or ODBC. The
 * source pointer is a b2a_dbsource. */
extern const b2a_source_ops b2a__dbsource_ops;
/* The same, one stream per table: for servers whose split plans were never
 * run against a live one (a restored SQL Server or Oracle). */
extern const b2a_source_ops b2a__dbsource_ops_unsplit;

/* Tables with at least this many rows are split when the job's splits is 0
 * (auto), into as many ranges as the job runs streams. */
#define B2A_AUTO_SPLIT_ROWS 1000000

typedef void (*b2a_exporter_done_cb)(b2a_job *job, void *userdata);

/* Export the selected tables of job, job->parallel streams at a time (a
 * table split in ranges is several streams) into part-NNNNN.avro files per
 * table, put in place together once the table's rows match its count. done runs once, on the loop, when
 * every table has ended (success, failure or cancel). */
int b2a__export_start(b2a_job *job, const b2a_source_ops *ops, void *source,
                      b2a_exporter_done_cb done, void *userdata);

/* Once per process, before rows are fetched: raise glibc's heap trim
 * threshold to about 4 MB the way glibc itself does (freeing a 2 MB
 * block moves its dynamic mmap threshold to 2 MB and the trim threshold
 * to twice that). psqlODBC frees a whole fetch batch (a few MB of small
 * allocations) at every SQLFetch of Fetch=10000 rows; with the default
 * 128 KB threshold the heap was trimmed and re-grown every batch: 80
 * page faults per 1000 rows, 17% of the export's client CPU. Unlike
 * mallopt() it leaves the process's dynamic tuning on. Idempotent and
 * thread-safe; a no-op cost elsewhere. */
void b2a__export_heap_prepare(void);

/* Rows per chunk: a cancellation point and a progress report between chunks. */
#define B2A_EXPORT_CHUNK_ROWS 8192

#endif
