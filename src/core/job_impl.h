/* Job internals shared by the core, the pipelines and the exporter.
 * Everything here is touched on the loop thread only, except where a
 * comment says a worker thread owns a field for the duration of a chunk. */
#ifndef B2A_CORE_JOB_IMPL_H
#define B2A_CORE_JOB_IMPL_H

#include <uv.h>
#include "bak2avro.h"
#include "core/column.h"
#include "core/error.h"

#define B2A_JOB_MAGIC 0xb2a0b0b5u
#define B2A_NSTEPS 9

typedef enum b2a_state {
    B2A_STATE_PENDING = 0,
    B2A_STATE_RUNNING = 1,
    B2A_STATE_OK = 2,
    B2A_STATE_FAILED = 3,
    B2A_STATE_SKIPPED = 4,
    B2A_STATE_CANCELED = 5
} b2a_state;

const char *b2a__state_name(b2a_state s);
const char *b2a__step_name(b2a_step s);

typedef struct b2a_step_rec {
    int used;                 /* the pipeline runs this step */
    int seq;                  /* order in which steps began, for the Job JSON */
    b2a_state state;
    char started[32], ended[32];
    uint64_t t0_ms, t1_ms;
    char *message;
} b2a_step_rec;

/* A column the backup declares that the restored database lacks, and why. */
typedef struct b2a_lost_column {
    char *name;
    char *reason;
} b2a_lost_column;

typedef struct b2a_table_job {
    b2a_table_def def;        /* owned copy of what the source described */
    char *kind;               /* "table", "partitioned table", "view", ... */
    char **primary_key;
    size_t nprimary_key;
    char **partitions;        /* (sub)partitions whose rows the table holds, or none */
    size_t npartitions;
    int selected;             /* include/exclude said yes */
    b2a_state state;
    int64_t rows_written;
    uint64_t replaced_bytes;  /* source bytes written as U+FFFD (no character in their set) */
    char *avro_path;          /* final path of part-00000.avro */
    char **files;             /* final paths of every part, once exported */
    size_t nfiles;
    char *avsc_path;
    const char *schema_dir;   /* exporter scratch while assigning paths */
    char *message;            /* why it failed or was skipped */
    b2a_lost_column *lost_columns; /* declared by the backup, not created by the restore */
    size_t nlost_columns;
    uint64_t salvaged_pages;  /* page reads that failed verification, exported anyway (--ignore-checksums) */
    char started[32], ended[32];
    uint64_t t0_ms, t1_ms;
} b2a_table_job;

struct b2a_pipeline_ops;

/* Page verification of a direct read, for the Job (see reader/reader.h). */
typedef struct b2a_page_verification {
    int known;                /* the reader reported it */
    char page_verify[24];     /* the database's PAGE_VERIFY setting */
    uint64_t checksum, torn, unprotected, failed; /* distinct pages read */
    char **failures;          /* the first failed pages, described */
    size_t nfailures;
} b2a_page_verification;

struct b2a_job {
    uint32_t magic;
    b2a_ctx *ctx;
    struct b2a_job *ctx_next, *ctx_prev;
    char id[33];

    /* configuration, owned copies */
    char **inputs;
    uint32_t n_inputs;
    char *output_dir, *vendor, *image, *docker_host, *job_json_path;
    char **include, **exclude;
    uint32_t n_include, n_exclude;
    char *pre_sql, *post_sql;
    b2a_network network;
    uint32_t parallel;
    b2a_codec codec;
    int keep_container;
    b2a_restore_mode restore_mode;
    int accept_eula;
    int include_views;
    b2a_delivery delivery;
    int overwrite;         /* replace an earlier bak2avro output in output_dir */
    int ignore_checksums;  /* export pages that fail verification (recorded in the Job) */
    int allow_column_loss; /* accept columns the server skipped at restore (recorded in the Job) */
    b2a_via via;           /* how rows leave a restored database */
    b2a_naive_timestamps naive_timestamps; /* how wall-clock timestamps are written (b2a__vtype_written) */
    uint32_t splits;       /* ranges per table: 0 auto (big tables by parallel), 1 none */
    uint64_t max_file_bytes, max_file_rows; /* part file roll-over, 0: none */
    char *dsn;             /* a database to export from instead of backups (holds the password) */
    char *dsn_display;     /* the same with the password as *** */
    b2a_progress_cb progress_cb;
    b2a_log_cb log_cb;
    b2a_done_cb done_cb;
    void *userdata;

    /* run state */
    b2a_job_status status;
    int started, completed;
    int cancel_requested;
    int free_requested;       /* b2a_job_free() while running: free after done */
    b2a_err err;              /* the first fatal error */
    b2a_step_rec steps[B2A_NSTEPS];
    int step_seq;
    char started_at[32], ended_at[32];
    uint64_t t0_ms;

    /* what we learned */
    char *format;             /* e.g. "sqlserver-mtf", "pg_dump custom" */
    char *format_version;
    char *database;
    char *image_used;
    char *container_id;
    b2a_page_verification verification;
    b2a_table_job *tables;
    size_t ntables;

    const struct b2a_pipeline_ops *pipeline;
    void *pipeline_state;
};

/* A pipeline: the chain of steps for one kind of input. start() begins
 * async work on the loop and must end, exactly once, in b2a__job_complete(). */
typedef struct b2a_pipeline_ops {
    const char *name;
    int (*start)(b2a_job *job);
    void (*cancel)(b2a_job *job);   /* stop at the next chance; still completes */
} b2a_pipeline_ops;

/* Run a started job's pipeline (chosen above the core, in src/pipeline):
 * the output folder prepared, the job live on its ctx, p->start called.
 * An error here means the done callback will never run. */
int b2a__job_run(b2a_job *job, const b2a_pipeline_ops *p);

void b2a__job_step_begin(b2a_job *job, b2a_step step);
void b2a__job_step_end(b2a_job *job, b2a_step step, b2a_state state, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

void b2a__job_log(b2a_job *job, b2a_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Report progress; returns non-zero when the job should stop (callback said so, or canceled). */
int b2a__job_progress(b2a_job *job, b2a_step step, double percent, const char *table,
                      int64_t rows_done, int64_t rows_expected);

/* The same with the version 2 fields (bytes, readiness attempts): start from
 * B2A__PROGRESS_INIT, set what the step knows; the version is filled in. */
#define B2A__PROGRESS_INIT(step, percent, table, rows_done, rows_expected) \
    {B2A_PROGRESS_VERSION, (step), (percent), (table), (rows_done), (rows_expected), -1, -1, 0, 0}
int b2a__job_progress_report(b2a_job *job, b2a_progress *p);

/* Record the job's fatal error (the first one wins). */
void b2a__job_set_error(b2a_job *job, const b2a_err *err);

/* Append a table to the job from a source description (the def is moved in). */
b2a_table_job *b2a__job_add_table(b2a_job *job, b2a_table_def *def_moved, const char *kind);

/* Does include/exclude select "schema.table"? */
int b2a__job_selects(const b2a_job *job, const char *schema, const char *table);

/* The pipeline is done: status, Job JSON, the done callback (once), deferred frees. */
void b2a__job_complete(b2a_job *job);

/* Write the Job JSON as the job stands (temp name, fsync, rename) to
 * job_json_path or output_dir/job.json; B2A_EIO with the reason in err. */
int b2a__job_write_json(b2a_job *job, b2a_err *err);

/* Job JSON document (yajl); NULL on OOM. */
char *b2a__job_render_json(const b2a_job *job);

/* Parse a job JSON document into options-equivalent fields of job. */
int b2a__job_load_json(b2a_job *job, const char *json, b2a_err *err);

#endif
