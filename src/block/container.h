/* The Container block's internals, shared with the Restore block and the
 * job's chain (src/pipeline/container.c). */
#ifndef B2A_BLOCK_CONTAINER_H
#define B2A_BLOCK_CONTAINER_H

#include <uv.h>
#include "bak2avro.h"
#include "core/error.h"
#include "docker/docker.h"
#include "core/cancel.h"
#include "engine/engine.h"
#include "odbc/odbc.h"

#define B2A_CONTAINER_MAGIC 0xb2a0c0c0u

/* How far the start has come, for a job's progress (0..100). */
typedef void (*b2a_container_progress_fn)(void *ud, double percent, unsigned attempt, unsigned attempts);

struct b2a_container {
    uint32_t magic;
    b2a_ctx *ctx;
    /* options, owned copies */
    char **paths;
    uint32_t npaths;
    char *vendor_name, *image, *docker_host, *data_dir, *listen, *job_id;
    b2a_network network;
    b2a_delivery delivery;
    int64_t memory;
    int accept_eula;
    unsigned ready_tries, ready_delay_ms;
    b2a_container_log_cb log_cb;
    b2a_container_cb done_cb;
    void *userdata;
    b2a_container_progress_fn progress_fn; /* internal: the job's progress */
    void *progress_ud;

    /* what the inputs are */
    const b2a_vendor *vendor;
    b2a_vendor_input *inputs;
    size_t ninputs;
    int described;               /* inputs set (by the start, or given by a job) */
    char *database_hint;         /* the database a pg_dump archive names */
    char *data_database;         /* set by a restore whose script filled a database of its own */
    char *data_databases;        /* ... or several, left the container's empty: their names, ", "-joined */
    size_t ndata_databases;      /* how many those are (0: none) */

    /* run state */
    b2a_docker *docker;
    b2a_docker_req *req;         /* the engine call in flight, to cancel */
    b2a_vendor_job *vjob;        /* spec, password, port */
    char *id;                    /* the container, once created */
    char *attach_id;             /* what b2a_container_attach was given */
    char *connstr;               /* ODBC, holds the password: never logged */
    b2a_vendor_probe probe;
    unsigned probe_try;
    uv_timer_t timer;
    uv_work_t work;
    b2a_err work_err;
    int timer_open;
    int starting, stopping;      /* an operation is in flight */
    int ready, kept, stopped;
    int cancel_requested, free_requested;
    b2a_canceler cancel;         /* b2a_container_cancel() from any thread */
    b2a_container_cb op_cb;      /* the operation's callback */
    void *op_ud;
    int users;                   /* restores using it: the free waits */
    b2a_err err;
};

/* The job hands over inputs it has described already (the block takes
 * ownership of inputs; paths must outlive the block). */
void b2a__container_adopt_inputs(b2a_container *c, const b2a_vendor *v, b2a_vendor_input *inputs, size_t n);
void b2a__container_set_progress(b2a_container *c, b2a_container_progress_fn fn, void *ud);

/* The ODBC dialect of the container's server. */
b2a_odbc_vendor b2a__container_odbc_vendor(const b2a_container *c);

void b2a__container_log(b2a_container *c, b2a_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
