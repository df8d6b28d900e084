#ifndef BAK2AVRO_SOURCE_H
#define BAK2AVRO_SOURCE_H

#include "common.h"
#include "types.h"
#include "errors.h"
#include "job.h"

B2A_BEGIN_DECL

/**
 * Source: a database to export from, named by a DSN, connected to and
 * described (the table list with columns, keys and exact row counts, as
 * in the Job), and split plans of its tables.
 *
 * DSN forms (nothing else is accepted):
 *   - postgresql://[USER[:PASSWORD]@]HOST[:PORT][/DBNAME][?KEY=VALUE&...]
 *     (also postgres://): rows through libpq's COPY (FORMAT binary), the
 *     catalog through psqlODBC; query keys go to libpq (sslmode=...).
 *   - mysql://[USER[:PASSWORD]@]HOST[:PORT][/DBNAME] (also mariadb://):
 *     rows through libmariadb's unbuffered fetch, the catalog through
 *     MariaDB Connector/ODBC.
 *   - an ODBC connection string with Driver={...} (or DSN=...) of a
 *     PostgreSQL, MariaDB/MySQL or SQL Server driver.
 *   - file:PATH[,PATH...]: the files of one backup (stripes, dump pieces)
 *     that this library reads itself, without a database: SQL Server .bak,
 *     Oracle exp and Data Pump dumps. Each PATH is percent-decoded (%2C for
 *     a comma, %25 for a percent sign). Its plans split a table by the
 *     backup's extents (.bak) or row segments (Oracle dumps), so processes
 *     that see the same files export disjoint parts of it.
 * USER, PASSWORD and DBNAME are percent-decoded. The password is never
 * logged nor put in a document: "***" stands for it.
 *
 * Every asynchronous call runs on the context's loop and calls its done
 * callback exactly once, on the loop thread, unless it returned an error
 * itself. Errors are read from the handle.
 */
typedef struct b2a_source b2a_source;
typedef struct b2a_split_plan b2a_split_plan;

/** rc is B2A_OK or the negative error (also in b2a_source_errcode()). */
typedef void (*b2a_source_done_cb)(b2a_source *src, int rc, void *userdata);
typedef void (*b2a_split_plan_done_cb)(b2a_split_plan *plan, int rc, void *userdata);

typedef struct b2a_source_options {
    unsigned int version;
    const char *dsn;              /**< required, see above */
    b2a_via via;                  /**< B2A_VIA_ODBC: rows through ODBC even for postgresql:// and mysql:// */
    const char *const *include;   /**< glob patterns on "schema.table"; none means all */
    uint32_t n_include;
    const char *const *exclude;
    uint32_t n_exclude;
    int32_t include_views;        /**< non-zero: views and materialized views are selected too */
    int32_t login_timeout_s;      /**< 0: 30 s */
    b2a_source_done_cb done_cb;   /**< the end of b2a_source_open() */
    void *userdata;
} b2a_source_options;

#define B2A_SOURCE_OPTIONS_VERSION 1
#define B2A_SOURCE_OPTIONS_INIT { B2A_SOURCE_OPTIONS_VERSION, 0, B2A_VIA_AUTO, 0, 0, 0, 0, 0, 0, 0, 0 }

B2A_API int b2a_source_options_init(b2a_source_options *opts, unsigned int version);

/** A source handle; the DSN is checked here (B2A_EINVAL, message in the handle if *out is set). */
B2A_API int b2a_source_new(b2a_ctx *ctx, const b2a_source_options *opts, b2a_source **out);

/** Connect and introspect (exact counts); done_cb once. B2A_EBUSY if already opened. */
B2A_API int b2a_source_open(b2a_source *src);
/**
 * The open then ends with B2A_ECANCELED (a connect under way runs to its
 * end first). May be called from any thread, while the handle is not freed.
 */
B2A_API int b2a_source_cancel(b2a_source *src);
/** Free; a call in flight is canceled and the free happens after its callback. NULL is fine. */
B2A_API void b2a_source_free(b2a_source *src);

B2A_API int b2a_source_errcode(const b2a_source *src);
B2A_API const char *b2a_source_errmsg(const b2a_source *src);
B2A_API const char *b2a_source_sqlstate(const b2a_source *src);

/**
 * After a successful open: {"dsn" (password as ***), "vendor", "database",
 * "via" ("copy", "mariadb", "odbc", or "reader" with "format" and "inputs"
 * for a file: source), "tables": [...]} where each table is as in the Job JSON's "tables" (schema,
 * name, kind, selected, rows_expected, primary_key, columns). Free with b2a_free().
 */
B2A_API char *b2a_source_json(const b2a_source *src);

/**
 * Plan the export of table "schema.table" in at most @p splits ranges
 * (fewer when the table has fewer keys or blocks), each exportable on its
 * own, here or in another process: by the primary key (else a NOT NULL
 * unique key; a nullable unique key's NULLs get their own range), or for a
 * PostgreSQL table without one by ctid block ranges. On PostgreSQL the plan
 * holds a transaction open with an exported snapshot (pg_export_snapshot)
 * that every range reads, so all ranges see one state of the table; it stays
 * valid while the plan handle lives. rows_expected is the source's exact
 * count. Of a file: source, range k of N is the k-th of N disjoint parts of
 * the table's extents (.bak, method "extents") or row segments (an Oracle
 * dump, "segments"; at most one range per segment), and rows_expected the
 * count the backup records (-1 when it records none). done_cb runs once,
 * unless this returns an error.
 */
B2A_API int b2a_split_plan_new(b2a_source *src, const char *table, uint32_t splits,
                               b2a_split_plan_done_cb done_cb, void *userdata, b2a_split_plan **out);
/** As b2a_source_cancel(): may be called from any thread. */
B2A_API int b2a_split_plan_cancel(b2a_split_plan *plan);
/** Ends the snapshot's transaction. NULL is fine. */
B2A_API void b2a_split_plan_free(b2a_split_plan *plan);
B2A_API int b2a_split_plan_errcode(const b2a_split_plan *plan);
B2A_API const char *b2a_split_plan_errmsg(const b2a_split_plan *plan);
/** Number of ranges once planned (0 before). */
B2A_API uint32_t b2a_split_plan_ranges(const b2a_split_plan *plan);
/**
 * The plan as JSON, to hold, store or ship (see doc/split-plan.md): the
 * table with its columns, "method" ("single", "key", "ctid", "extents",
 * "segments"), "key",
 * "snapshot", "rows_expected" and "ranges" [{"index", "where"}]. It holds no
 * password: b2a_export_range_new() takes the DSN beside it. Free with b2a_free().
 */
B2A_API char *b2a_split_plan_json(const b2a_split_plan *plan);

B2A_END_DECL

#endif
