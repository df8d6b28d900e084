/* The vendor layer: for each database vendor whose backups are restored in a
 * container, how to run that container, how to tell it is ready, how to
 * restore into it with progress, and how to reach it over ODBC.
 *
 * Nothing here talks to Docker or ODBC: it builds specs, argv/env lists and
 * connection strings, and parses tool output. The job engine drives:
 *   b2a__vendor_find -> b2a__vendor_check_input (before any container)
 *   -> b2a__vendor_job_new (password, spec) -> create/start
 *   -> probe until ready -> b2a__vendor_plan (restore steps, exec each,
 *   feed output to b2a__vendor_run_line, the probe's to _probe_line,
 *   then b2a__vendor_run_finish) -> b2a__vendor_connstr -> ODBC.
 *
 * Secrets: the password lives in b2a_vendor_job.password, in env entries
 * ("PGPASSWORD=...") and in the connection string only. It is never in an
 * argv, a step label, or an error message built here. */
#ifndef B2A_VENDOR_VENDOR_H
#define B2A_VENDOR_VENDOR_H

#include <stddef.h>
#include <stdint.h>

#include "bak2avro.h"
#include "core/error.h"
#include "detect/detect.h"
#include "docker/docker.h"

/* Random password: letters and digits only (no quoting trouble in SQL,
 * shells or connection strings), first a letter, at least one upper, lower
 * and digit, so SQL Server's and Oracle's policies accept it. */
#define B2A_VENDOR_PASSWORD_LEN 24

/* Where each input appears in the container: /backup/<N>/<basename>. */
#define B2A_VENDOR_BACKUP_DIR "/backup"

typedef struct b2a_vendor b2a_vendor;

/* One input file (or pg_dump directory) as the detect layer saw it. */
typedef struct b2a_vendor_input {
    const char *path;       /* host path */
    b2a_format_id format;
    int gzip;               /* the file is gzip around format */
    int is_dir;             /* pg_dump -Fd directory */
    uint64_t size;          /* bytes (scripts: the progress denominator) */
    int archive_vmaj;       /* pg_dump archive version (1.14 -> 1, 14); 0 unknown */
    int archive_vmin;
    uint32_t toc_items;     /* pg_dump archive: entries pg_restore --verbose will report
                               (TOC minus ACLs and the ENCODING/STDSTRINGS/SEARCHPATH/
                               DATABASE entries); 0: a "pg_restore -l" step counts them */
} b2a_vendor_input;

typedef enum b2a_vendor_delivery {
    B2A_VENDOR_BIND = 0,    /* read-only bind mount of each input's directory */
    B2A_VENDOR_UPLOAD = 1   /* copy into the container (remote engine) */
} b2a_vendor_delivery;

typedef struct b2a_vendor_params {
    const char *job_id;     /* label bak2avro.job=<id>; required */
    const char *image;      /* NULL: the vendor's default image */
    b2a_network network;
    /* B2A_NETWORK_HOST: the free loopback port the server is told to listen
     * on (see b2a__vendor_free_port). B2A_NETWORK_PUBLISH: the host port on
     * 127.0.0.1, 0 to let the engine pick (then b2a__vendor_job_set_host_port). */
    int port;
    b2a_vendor_delivery delivery;
    const b2a_vendor_input *inputs;
    size_t ninputs;
    unsigned jobs;          /* parallel restore workers where the format allows; 0/1 serial */
    int accept_eula;        /* the user accepted the vendor's licence (SQL Server); never assumed */
    const char *listen;     /* address the server listens on (host network) or is published on;
                               NULL: 127.0.0.1, loopback only */
} b2a_vendor_params;

/* A file to copy into the container (B2A_VENDOR_UPLOAD), with
 * b2a__docker_put_file(host_path, dir, name). */
typedef struct b2a_vendor_upload {
    char *host_path;
    char *dir;
    char *name;
} b2a_vendor_upload;

/* One round of an import done in rounds (Oracle Database Free holds at most
 * 12 GB of user data): tables of one owner imported from one input (a Data
 * Pump set: its first file), exported, and dropped when the next round
 * starts. */
typedef struct b2a_vendor_round {
    size_t input;
    char *owner;
    char **tables;
    size_t ntables;
    uint64_t estimate;      /* bytes of user data, estimated from the dump */
} b2a_vendor_round;

/* Oracle: an owner of an input's tables, by the direct readers' list, and
 * the stage user its tables are imported into when the image maintains a
 * user of that name (SYSTEM -> B2A$SYSTEM), else NULL. */
typedef struct b2a_vendor_owner {
    size_t input;           /* the input (a Data Pump set: its first file) */
    char *owner;
    char *stage;
} b2a_vendor_owner;

/* Per-job state: owned strings, and the container spec viewing them. */
typedef struct b2a_vendor_job {
    const b2a_vendor *vendor;
    char *job_id;
    char *image;
    int image_major;        /* from the image tag, -1 when it does not say */
    int mysql_flavour;      /* mysql vendor: 1 for MySQL images, 0 for MariaDB */
    char *user;
    char *dbname;
    char password[B2A_VENDOR_PASSWORD_LEN + 1];
    b2a_network network;
    int server_port;        /* where the server listens in its network namespace */
    int host_port;          /* where the host connects (0: not known yet) */
    b2a_vendor_delivery delivery;
    unsigned jobs;
    int accept_eula;
    char listen[64];        /* where the server listens: 127.0.0.1 unless asked */
    size_t ninputs;
    b2a_vendor_input *inputs;   /* copies; path owned */
    char **in_paths;            /* input i inside the container */
    b2a_vendor_upload *uploads;
    size_t nuploads;
    /* rounds (see b2a_vendor_round): 0 for one import of everything; the
     * container pipeline exports after each and plans the next */
    b2a_vendor_round *rounds;
    size_t nrounds;
    size_t round;           /* the round b2a__vendor_plan plans */
    /* Oracle: tables of the dump owned by SYS, which the container path
     * cannot import; owner and table name in turn (2 entries a table),
     * from the direct readers' list */
    char **unexported;
    size_t nunexported;
    /* Oracle: the owners of the dump's tables, by the readers' list (empty
     * when they cannot list it), with their stage users (oracle_owners.c) */
    b2a_vendor_owner *owners;
    size_t nowners;
    /* spec arrays */
    char **env, **cmd, **labels, **binds;
    size_t nenv, ncmd, nlabels, nbinds;
    b2a_container_spec spec;
} b2a_vendor_job;

/* An exec: argv, plus env that may hold secrets (never log env values). */
typedef struct b2a_vendor_cmd {
    char **argv;
    size_t argc;
    char **env;
    size_t nenv;
} b2a_vendor_cmd;

typedef enum b2a_vendor_progress_kind {
    B2A_VENDOR_PROGRESS_NONE = 0,
    B2A_VENDOR_PROGRESS_ITEMS = 1,  /* count output lines against total (TOC entries) */
    B2A_VENDOR_PROGRESS_BYTES = 2,  /* bytes of the input consumed (probe) against total */
    B2A_VENDOR_PROGRESS_PERCENT = 3 /* the tool's own percent (probe) against a total of 100 */
} b2a_vendor_progress_kind;

typedef enum b2a_vendor_step_kind {
    B2A_VENDOR_STEP_PREPARE = 0,    /* mkdir before uploads; no progress */
    B2A_VENDOR_STEP_COUNT = 1,      /* pg_restore -l: its lines set the next step's total */
    B2A_VENDOR_STEP_RESTORE = 2
} b2a_vendor_step_kind;

typedef struct b2a_vendor_step {
    b2a_vendor_step_kind kind;
    char *label;            /* "pg_restore chinook.dump" (for logs; no secrets) */
    b2a_vendor_cmd cmd;
    size_t input;           /* index of the input it works on */
    b2a_vendor_progress_kind progress;
    uint64_t total;         /* items or bytes; 0 unknown */
    b2a_vendor_cmd probe;   /* BYTES: exec every probe_ms, prints bytes consumed */
    unsigned probe_ms;
    int pct_from, pct_to;   /* the span of the whole restore this step covers */
} b2a_vendor_step;

typedef struct b2a_vendor_plan {
    b2a_vendor_step *steps;
    size_t nsteps;
} b2a_vendor_plan;

/* Watching one step run: fed its output lines and the probe's. */
typedef struct b2a_vendor_run {
    const b2a_vendor_job *job;
    b2a_vendor_step *step;
    uint64_t done;          /* items seen, or bytes consumed */
    uint64_t counted;       /* COUNT step: TOC lines seen */
    int percent;            /* overall restore percent (pct_from..pct_to), -1 unknown */
    uint32_t errors;        /* errors that fail the step */
    uint32_t ignored;       /* errors judged harmless (see the vendor file) */
    char first_error[512];
    char first_ignored[256];
    char last_line[256];    /* last output line, for a failure with no error line */
    int vstate;             /* the vendor's own line-parsing state */
    uint64_t read_pos;      /* ITEMS step with a read probe: bytes of the input its tools have read
                               (shown, not the percent); 0 unknown */
} b2a_vendor_run;

typedef struct b2a_vendor_probe {
    b2a_vendor_cmd cmd;
    unsigned tries;         /* bounded retries ... */
    unsigned delay_ms;      /* ... this far apart */
} b2a_vendor_probe;

struct b2a_vendor {
    const char *name;           /* "postgresql", "mysql" */
    b2a_vendor_id id;
    const char *default_image;  /* "postgres:16" */
    int default_port;           /* 5432 */
    const char *odbc_driver;    /* "PostgreSQL Unicode" (odbcinst.ini name) */
    /* 1: the image's server listens on default_port on every interface with
     * no setting to change it, so only publish mode keeps it on 127.0.0.1
     * (--network auto picks publish; host is refused). */
    int publish_only;
    /* 1 when this vendor restores that format */
    int (*supports)(b2a_format_id f);
    /* Refuse before any container starts an input the image cannot restore. */
    int (*check_input)(const b2a_vendor_input *in, const char *image, b2a_err *err);
    /* Fill user, dbname, env and cmd for the job (the common code did the rest). */
    int (*setup)(b2a_vendor_job *j, b2a_err *err);
    int (*probe)(const b2a_vendor_job *j, b2a_vendor_probe *out, b2a_err *err);
    int (*connstr)(const b2a_vendor_job *j, const char *dbname, char **out, b2a_err *err);
    int (*plan)(const b2a_vendor_job *j, b2a_vendor_plan *out, b2a_err *err);
    /* Classify one output line of a running step. */
    void (*line)(b2a_vendor_run *r, int stream, const char *line, size_t len);
    /* After the exec: B2A_OK, or B2A_ERESTORE with what went wrong. */
    int (*finish)(b2a_vendor_run *r, int exit_code, b2a_err *err);
    /* The default image for these inputs when it depends on them; NULL: default_image. */
    const char *(*image_for)(const b2a_vendor_input *in, size_t n);
};

extern const b2a_vendor b2a__vendor_postgres;
extern const b2a_vendor b2a__vendor_mysql;
extern const b2a_vendor b2a__vendor_sqlserver;
extern const b2a_vendor b2a__vendor_oracle;

/* By name ("postgresql", "postgres", "pg", "mysql", "mariadb") or NULL. */
const b2a_vendor *b2a__vendor_by_name(const char *name);
/* By detected vendor, or NULL. */
const b2a_vendor *b2a__vendor_by_id(b2a_vendor_id id);
/* The vendor list, NULL-terminated. */
const b2a_vendor *const *b2a__vendor_all(void);

/* Checks an input before any container starts: format supported, archive
 * not newer than the image's server. image NULL: the default. */
int b2a__vendor_check_input(const b2a_vendor *v, const b2a_vendor_input *in, const char *image,
                            b2a_err *err);

/* The image used when none is named: the vendor's choice for these inputs
 * (a MySQL dump gets mysql:8.0, a MariaDB dump mariadb:11), else default_image. */
const char *b2a__vendor_default_image(const b2a_vendor *v, const b2a_vendor_input *in, size_t n);

/* MySQL/MariaDB: 1 when a server with this VERSION() skips what a version
 * comment {!version} (or MariaDB's {M!version} when mariadb_only) holds, with
 * why ("declared in a ... version comment, which MariaDB 10.11.6 skips ...");
 * 0 when it runs it. */
int b2a__mysql_comment_skipped(uint32_t version, int mariadb_only, const char *server_version,
                               char *why, size_t n);

/* Builds the job: random password, env, labels bak2avro.job/bak2avro.vendor,
 * binds or uploads, network. j->spec is ready for b2a__docker_container_create. */
int b2a__vendor_job_new(const b2a_vendor *v, const b2a_vendor_params *p, b2a_vendor_job **out,
                        b2a_err *err);
void b2a__vendor_job_free(b2a_vendor_job *j); /* NULL is fine; wipes the password */
/* Publish mode with host port 0: the port the engine picked. */
void b2a__vendor_job_set_host_port(b2a_vendor_job *j, int port);

/* Readiness probe exec. */
int b2a__vendor_probe(const b2a_vendor_job *j, b2a_vendor_probe *out, b2a_err *err);
void b2a__vendor_probe_free(b2a_vendor_probe *p);

/* ODBC connection string for 127.0.0.1:host_port (holds the password: never log). */
int b2a__vendor_connstr(const b2a_vendor_job *j, char **out, b2a_err *err);
/* The same for another database of the server (a pg_dumpall or pg_dump -C
 * script restores into the databases it creates; MySQL scripts USE theirs). */
int b2a__vendor_connstr_db(const b2a_vendor_job *j, const char *dbname, char **out, b2a_err *err);

/* Restore plan for the job's inputs, in order. */
int b2a__vendor_plan(const b2a_vendor_job *j, b2a_vendor_plan *out, b2a_err *err);
void b2a__vendor_plan_free(b2a_vendor_plan *p);

/* Running a step: init, feed lines, finish. The step's total may be set by
 * a COUNT step before it (finish of a COUNT step writes it into the next). */
void b2a__vendor_run_init(b2a_vendor_run *r, const b2a_vendor_job *j, b2a_vendor_plan *plan,
                          size_t step);
/* A line of the step's output (stream 1 stdout, 2 stderr). Returns 1 when
 * r->percent changed. */
int b2a__vendor_run_line(b2a_vendor_run *r, int stream, const char *line, size_t len);
/* A line of the BYTES probe's output. Returns 1 when r->percent changed, or
 * for an ITEMS step with a read probe when r->read_pos moved on. */
int b2a__vendor_run_probe_line(b2a_vendor_run *r, const char *line, size_t len);
int b2a__vendor_run_finish(b2a_vendor_run *r, b2a_vendor_plan *plan, size_t step, int exit_code,
                           b2a_err *err);

/* Copy src into dst replacing every occurrence of the job's password with
 * "********" (for tool output echoed to logs). */
void b2a__vendor_redact(const b2a_vendor_job *j, const char *src, char *dst, size_t dstlen);

/* A TCP port free on 127.0.0.1 right now (bind to port 0, read it back). */
int b2a__vendor_free_port(int *port, b2a_err *err);

/* Major version in an image reference's tag: "postgres:16.2-bookworm" -> 16,
 * "bak2avro-test/mariadb:10.11" -> 10; -1 when there is no numeric tag. */
int b2a__vendor_image_major(const char *image);

/* toc_items for a pg_dump archive read by the detect layer: the entries
 * pg_restore --verbose will report, so no "pg_restore -l" step is needed. */
struct b2a_pgdump_info;
uint32_t b2a__vendor_pg_toc_items(const struct b2a_pgdump_info *info);

/* The password generator (exposed for tests). */
int b2a__vendor_password(char out[B2A_VENDOR_PASSWORD_LEN + 1], b2a_err *err);

/* Helpers for the vendor files (engine.c). */
void b2a__vendor_cmd_free(b2a_vendor_cmd *c);
int b2a__vendor_strv_push(char ***v, size_t *n, char *s);  /* takes s; NULL s is ENOMEM */
int b2a__vendor_strv_pushf(char ***v, size_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
b2a_vendor_step *b2a__vendor_plan_add(b2a_vendor_plan *p);
const char *b2a__vendor_basename(const char *path);
/* Append "KEY=value;" to a connection string, bracing values that need it. */
int b2a__vendor_connstr_add(char **s, size_t *len, const char *key, const char *value);
/* Sets the BYTES probe of a step reading input_path on stdin. */
int b2a__vendor_bytes_probe(b2a_vendor_step *st, const char *in_path);
/* Sets a read probe on an ITEMS step whose tool opens input_path itself (its
 * items are the percent; the bytes its processes have read are shown as the
 * dump's bytes consumed). */
int b2a__vendor_read_probe(b2a_vendor_step *st, const char *in_path);
/* argv "sh -c SCRIPT ARG0": ARG0 (a path) arrives as $0, never spliced in. */
int b2a__vendor_sh(b2a_vendor_cmd *c, const char *script, const char *arg0);
/* sh -c running TOOL with PATH on stdin ("exec TOOL < $0"), through gzip
 * -dc (a gzip failure becomes a "b2a: error:" line) and/or through FILTER,
 * a shell command (NULL for none). Whatever reads PATH has it as fd 0, so
 * the bytes probe finds it. */
int b2a__vendor_stdin_pipeline(b2a_vendor_cmd *c, char **tool, size_t ntool, int gzip,
                               const char *filter, const char *path);
/* Shared progress bookkeeping: sets r->percent from r->done/total. */
int b2a__vendor_run_update(b2a_vendor_run *r);

#endif
