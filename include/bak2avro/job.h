#ifndef BAK2AVRO_JOB_H
#define BAK2AVRO_JOB_H

#include "common.h"
#include "types.h"
#include "errors.h"

B2A_BEGIN_DECL

/** Steps of a job, in the order they run. Appended only. */
typedef enum b2a_step {
    B2A_STEP_DETECT = 0,
    B2A_STEP_CONTAINER = 1,
    B2A_STEP_PRE_SQL = 2,
    B2A_STEP_RESTORE = 3,
    B2A_STEP_POST_SQL = 4,
    B2A_STEP_INTROSPECT = 5,
    B2A_STEP_EXPORT = 6,
    B2A_STEP_CLEANUP = 7,
    B2A_STEP_READ = 8 /**< direct read of a backup, no database involved */
} b2a_step;

typedef enum b2a_job_status {
    B2A_JOB_PENDING = 0,
    B2A_JOB_RUNNING = 1,
    B2A_JOB_SUCCESS = 2,
    B2A_JOB_FAILED = 3,  /**< finished, some tables or steps failed */
    B2A_JOB_CANCELED = 4
} b2a_job_status;

typedef enum b2a_codec {
    B2A_CODEC_NULL = 0,
    B2A_CODEC_DEFLATE = 1,
    B2A_CODEC_SNAPPY = 2     /**< the default, as Spark's: compresses at a small fraction of the fetch's cost */
} b2a_codec;

typedef enum b2a_network {
    B2A_NETWORK_PUBLISH = 0, /**< bridge network, port published on 127.0.0.1 (needs the engine's bridge) */
    B2A_NETWORK_HOST = 1,    /**< host network, the server listens on 127.0.0.1:<free port> */
    B2A_NETWORK_AUTO = 2     /**< the default: host networking, which every Linux engine has (publish for Oracle, whose server listens on every interface) */
} b2a_network;

/** How the backup files reach the container. */
typedef enum b2a_delivery {
    B2A_DELIVERY_BIND = 0,   /**< read-only bind mount of each file's folder: no copy (the engine must see the host's files) */
    B2A_DELIVERY_UPLOAD = 1  /**< copied into the container through the Engine API (an engine that cannot see them) */
} b2a_delivery;

/** How rows leave a restored database. */
typedef enum b2a_via {
    B2A_VIA_AUTO = 0,  /**< the default: the database's own bulk protocol where the library has it
                            (PostgreSQL: COPY (FORMAT binary) through libpq; MariaDB/MySQL:
                            libmariadb, unbuffered), else ODBC */
    B2A_VIA_ODBC = 1   /**< ODBC for every database (the generic path) */
} b2a_via;

/** How a timestamp without time zone (a wall-clock value: SQL Server datetime/datetime2,
 *  PostgreSQL timestamp, MySQL datetime, Oracle DATE/TIMESTAMP) is written. */
typedef enum b2a_naive_timestamps {
    B2A_NAIVE_LOCAL = 0,   /**< the default: long + local-timestamp-micros (Avro 1.10+, Spark 3.4+, BigQuery) */
    B2A_NAIVE_UTC = 1,     /**< long + timestamp-micros, the wall clock taken as UTC (Hive, Spark before 3.4,
                                python3-avro 1.11, which know no local-timestamp-micros) */
    B2A_NAIVE_STRING = 2   /**< string "YYYY-MM-DD HH:MM:SS.ffffff" (any reader) */
} b2a_naive_timestamps;

typedef enum b2a_restore_mode {
    B2A_RESTORE_AUTO = 0,      /**< read directly where a reader can, else restore in a container */
    B2A_RESTORE_DIRECT = 1,    /**< direct reader only */
    B2A_RESTORE_CONTAINER = 2  /**< always restore in a container */
} b2a_restore_mode;

typedef enum b2a_log_level {
    B2A_LOG_DEBUG = 0,
    B2A_LOG_INFO = 1,
    B2A_LOG_WARN = 2,
    B2A_LOG_ERROR = 3
} b2a_log_level;

/** Progress of a job, passed to the progress callback; valid during the call only. */
typedef struct b2a_progress {
    unsigned int version;     /**< B2A_PROGRESS_VERSION at the library's build */
    b2a_step step;
    double percent;           /**< 0..100 for the step (or the table, when table is set); -1 when unknown */
    const char *table;        /**< "schema.table" during export, else NULL */
    int64_t rows_done;
    int64_t rows_expected;    /**< -1 when unknown */
    /* version 2: read these only when version >= 2 (a library built before them passes 1) */
    int64_t bytes_done;       /**< export: Avro bytes written (the table's, or the step's when table is NULL);
                                   restore: bytes of the dump its tool has consumed; -1 when unknown */
    int64_t bytes_expected;   /**< restore: the dump's size in bytes; -1 when unknown */
    uint32_t attempt;         /**< container: the readiness probe's attempt n of attempts; 0 when not waiting */
    uint32_t attempts;
} b2a_progress;
#define B2A_PROGRESS_VERSION 2

/** Return non-zero to cancel the job. */
typedef int (*b2a_progress_cb)(b2a_job *job, const b2a_progress *progress, void *userdata);
typedef void (*b2a_log_cb)(b2a_job *job, b2a_log_level level, const char *message, void *userdata);
/** Runs exactly once for every started job. */
typedef void (*b2a_done_cb)(b2a_job *job, b2a_job_status status, void *userdata);

/** Options of a job. Set version with B2A_JOB_OPTIONS_INIT or b2a_job_options_init(). */
typedef struct b2a_job_options {
    unsigned int version;
    const char *const *inputs;    /**< backup files (several for a striped set) */
    uint32_t n_inputs;
    const char *output_dir;       /**< required */
    const char *vendor;           /**< "postgresql", "mysql", "sqlserver", "oracle"; NULL detects */
    const char *image;            /**< container image; NULL is the vendor's default */
    const char *docker_host;      /**< "unix:///path"; NULL honours DOCKER_HOST, else /var/run/docker.sock */
    b2a_network network;
    const char *const *include;   /**< glob patterns on "schema.table"; none means all */
    uint32_t n_include;
    const char *const *exclude;
    uint32_t n_exclude;
    const char *pre_sql;          /**< SQL text run before the restore */
    const char *post_sql;         /**< SQL text run after the restore */
    uint32_t parallel;            /**< streams exported at once (a table split in N ranges is N streams); 0 is 2 */
    b2a_codec codec;
    int32_t keep_container;       /**< non-zero: leave the container running at the end */
    const char *job_json_path;    /**< NULL is OUTPUT_DIR/job.json */
    b2a_restore_mode restore_mode;
    int32_t accept_eula;          /**< required for SQL Server containers: you accept Microsoft's licence */
    b2a_progress_cb progress_cb;
    b2a_log_cb log_cb;
    b2a_done_cb done_cb;
    void *userdata;
    /* version 2 */
    int32_t include_views;        /**< non-zero: export views (and PostgreSQL materialized views) too */
    b2a_delivery delivery;        /**< how the backup reaches the container; default bind mount */
    /* version 3 */
    int32_t overwrite;            /**< non-zero: replace an earlier bak2avro output in output_dir (only the files its
                                       job.json lists); zero refuses a non-empty output_dir */
    int32_t ignore_checksums;     /**< non-zero: export pages whose checksum or torn bits do not match (salvage);
                                       the Job records that it was used */
    int32_t allow_column_loss;    /**< non-zero: accept columns the dump declares but the server skipped
                                       (e.g. MySQL-only syntax restored into MariaDB); the Job records the loss */
    /* version 4 */
    b2a_via via;                  /**< how rows leave a restored database; both ways give the same Avro */
    /* version 5 */
    b2a_naive_timestamps naive_timestamps; /**< how timestamps without time zone are written; every path alike */
    const char *dsn;              /**< export from this running database instead of backups (no inputs then):
                                       postgresql:// or mysql:// URL, or an ODBC connection string (source.h) */
    uint32_t splits;              /**< ranges per table, each its own stream: 0 (auto) splits tables of a million
                                       rows or more into `parallel` ranges, 1 never splits, N splits every table
                                       (by its key, or a PostgreSQL table without one by ctid blocks) */
    uint64_t max_file_bytes;      /**< a table's part file rolls over to the next past this size; 0: no limit */
    uint64_t max_file_rows;       /**< or past this many rows; 0: no limit */
} b2a_job_options;

#define B2A_JOB_OPTIONS_VERSION 5
#define B2A_JOB_OPTIONS_INIT { B2A_JOB_OPTIONS_VERSION, 0, 0, 0, 0, 0, 0, B2A_NETWORK_AUTO, 0, 0, 0, 0, 0, 0, 0, B2A_CODEC_SNAPPY, 0, 0, B2A_RESTORE_AUTO, 0, 0, 0, 0, 0, 0, B2A_DELIVERY_BIND, 0, 0, 0, B2A_VIA_AUTO, B2A_NAIVE_LOCAL, 0, 0, 0, 0 }

/** Fill @p opts with defaults for @p version (bindings must call this). */
B2A_API int b2a_job_options_init(b2a_job_options *opts, unsigned int version);

/** Create a job from options; strings and arrays are copied. */
B2A_API int b2a_job_new(b2a_ctx *ctx, const b2a_job_options *opts, b2a_job **out);

/**
 * Create a job from a job JSON document (the keys bak2avro run JOB.json
 * reads; a Job JSON written by an earlier run is accepted too). Callbacks
 * come from @p callbacks (its other fields are ignored), may be NULL. On
 * failure *errmsg_out (if not NULL) gets a message to free with b2a_free().
 */
B2A_API int b2a_job_new_from_json(b2a_ctx *ctx, const char *json, const b2a_job_options *callbacks, b2a_job **out,
                                  char **errmsg_out);

/** Start the job. If this returns an error, the done callback is never called. */
B2A_API int b2a_job_start(b2a_job *job);

/** Ask the job to stop; the done callback still runs once, with B2A_JOB_CANCELED. */
B2A_API int b2a_job_cancel(b2a_job *job);

/** Free the job. A running job is canceled and freed after its done callback. NULL is fine. */
B2A_API void b2a_job_free(b2a_job *job);

B2A_API b2a_job_status b2a_job_status_get(const b2a_job *job);
B2A_API const char *b2a_job_id(const b2a_job *job);

/** Error of the job, if any: code, class, message, SQLSTATE ("" if none), native error. */
B2A_API int b2a_job_errcode(const b2a_job *job);
B2A_API b2a_error_class b2a_job_errclass(const b2a_job *job);
B2A_API const char *b2a_job_errmsg(const b2a_job *job);
B2A_API const char *b2a_job_sqlstate(const b2a_job *job);
B2A_API int64_t b2a_job_native_error(const b2a_job *job);

/** The Job JSON document as it stands now; free with b2a_free(). */
B2A_API char *b2a_job_json(const b2a_job *job);

/** Number of tables exported with success and with failure so far. */
B2A_API uint32_t b2a_job_tables_ok(const b2a_job *job);
B2A_API uint32_t b2a_job_tables_failed(const b2a_job *job);

B2A_END_DECL

#endif
