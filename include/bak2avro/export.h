#ifndef BAK2AVRO_EXPORT_H
#define BAK2AVRO_EXPORT_H

#include "common.h"
#include "types.h"
#include "errors.h"
#include "job.h"
#include "source.h"

B2A_BEGIN_DECL

/**
 * Export: one table, or one range of a split plan, into Avro part files
 * OUTPUT_DIR/<schema>/<table>/part-NNNNN.avro (folder names made Avro-safe
 * as in a job) and the schema beside them (part-00000.avsc). Files are
 * written under temporary names and renamed only when the export succeeds;
 * a failed or canceled export leaves none of its files.
 *
 * A whole table is checked against the source's exact count (B2A_EMISMATCH).
 * A range has no count of its own: the caller sums the ranges' rows and
 * compares with the plan's rows_expected. The files of range r of a plan of
 * R ranges are numbered r, r+R, r+2R... so ranges exported anywhere never
 * collide; a whole table's are 0, 1, 2...
 */
typedef struct b2a_export b2a_export;

typedef void (*b2a_export_done_cb)(b2a_export *exp, int rc, void *userdata);
/** Between chunks of rows; return non-zero to cancel. rows_expected is -1 when unknown. */
typedef int (*b2a_export_progress_cb)(b2a_export *exp, int64_t rows_done, int64_t rows_expected, void *userdata);

typedef struct b2a_export_options {
    unsigned int version;
    const char *output_dir;       /**< required; created when missing */
    b2a_codec codec;
    uint64_t max_file_bytes;      /**< roll over to a new part file past this size; 0: no limit */
    uint64_t max_file_rows;       /**< or past this many rows; 0: no limit */
    b2a_via via;                  /**< for b2a_export_range_new(); b2a_export_new() uses the source's */
    b2a_export_progress_cb progress_cb;
    b2a_export_done_cb done_cb;
    void *userdata;
    /* version 2 */
    b2a_naive_timestamps naive_timestamps; /**< how timestamps without time zone are written, as in a job */
} b2a_export_options;

#define B2A_EXPORT_OPTIONS_VERSION 2
#define B2A_EXPORT_OPTIONS_INIT { B2A_EXPORT_OPTIONS_VERSION, 0, B2A_CODEC_SNAPPY, 0, 0, B2A_VIA_AUTO, 0, 0, 0, \
                                  B2A_NAIVE_LOCAL }

B2A_API int b2a_export_options_init(b2a_export_options *opts, unsigned int version);

/** Export table "schema.table" of an opened source whole, checked against its count. */
B2A_API int b2a_export_new(b2a_source *src, const char *table, const b2a_export_options *opts, b2a_export **out);

/**
 * Export range @p range of a plan given as JSON (b2a_split_plan_json()),
 * reached with @p dsn (the source's DSN; the plan holds no password; for a
 * plan of backup files, the file: DSN of the same files as this process
 * sees them). Any
 * process may do this while the planning process keeps the plan alive (on
 * PostgreSQL its snapshot). Needs no b2a_source. A refused plan, range or
 * DSN returns its error with *out set: read the message with
 * b2a_export_errmsg(), then b2a_export_free() it.
 */
B2A_API int b2a_export_range_new(b2a_ctx *ctx, const char *dsn, const char *plan_json, uint32_t range,
                                 const b2a_export_options *opts, b2a_export **out);

/** Start; done_cb once unless this returns an error. */
B2A_API int b2a_export_start(b2a_export *exp);
/**
 * done_cb then gets B2A_ECANCELED once the chunk of rows under way ends, and
 * no file is left. May be called from any thread, while the handle is not
 * freed; a no-op when no export runs.
 */
B2A_API int b2a_export_cancel(b2a_export *exp);
/** Free; a running export is canceled and freed after its callback. NULL is fine. */
B2A_API void b2a_export_free(b2a_export *exp);

B2A_API int b2a_export_errcode(const b2a_export *exp);
B2A_API const char *b2a_export_errmsg(const b2a_export *exp);
B2A_API const char *b2a_export_sqlstate(const b2a_export *exp);
B2A_API int64_t b2a_export_rows_written(const b2a_export *exp);

/**
 * The result: {"schema", "name", "range" (null for a whole table),
 * "rows_written", "rows_expected" (-1 for a range), "files" [paths relative
 * to output_dir], "schema_file", "status" ("Success", "Failed", "Canceled",
 * "Pending", "Running"), "error" (message or null)}. Free with b2a_free().
 */
B2A_API char *b2a_export_json(const b2a_export *exp);

B2A_END_DECL

#endif
