#ifndef BAK2AVRO_CONTAINER_H
#define BAK2AVRO_CONTAINER_H

#include "common.h"
#include "types.h"
#include "errors.h"
#include "job.h"

B2A_BEGIN_DECL

/**
 * The Container building block: a throw-away database server of a backup's
 * vendor, in a container of the Docker engine, with a random password.
 *
 *   b2a_container_new -> b2a_container_start (done: ready or failed)
 *   -> use it (b2a_restore_start, b2a_container_dsn)
 *   -> b2a_container_stop (done: stopped and removed) -> b2a_container_free
 *
 * Callbacks run on the context's loop thread, never inside the call that
 * started the operation. Each started operation calls its callback exactly
 * once; a call that returns an error never does. Errors are read from the
 * handle (b2a_container_errcode, b2a_container_errmsg).
 */
typedef struct b2a_container b2a_container;

/** A started operation ended: rc is B2A_OK or the error (details on the handle). */
typedef void (*b2a_container_cb)(b2a_container *c, int rc, void *userdata);
typedef void (*b2a_container_log_cb)(b2a_container *c, b2a_log_level level, const char *message, void *userdata);

/** Options of a container. Set version with b2a_container_options_init(). */
typedef struct b2a_container_options {
    unsigned int version;
    const char *const *inputs;    /**< the backups it is for: vendor, default image, bind mounts */
    uint32_t n_inputs;
    const char *vendor;           /**< "postgresql", "mysql", "sqlserver"; NULL detects from inputs */
    const char *image;            /**< NULL: the vendor's default for these inputs */
    const char *docker_host;      /**< NULL honours DOCKER_HOST, else /var/run/docker.sock */
    b2a_network network;
    b2a_delivery delivery;
    int64_t memory_bytes;         /**< memory limit of the container; 0: none */
    const char *data_dir;         /**< host folder for the server's data files; NULL: inside the container */
    const char *listen;           /**< address the server listens on; NULL is 127.0.0.1 (loopback only).
                                       Anything else exposes the database, with its password, to whoever
                                       reaches that address */
    int32_t accept_eula;          /**< required for SQL Server: you accept Microsoft's licence */
    uint32_t ready_tries;         /**< readiness probes before giving up; 0: the vendor's default */
    uint32_t ready_delay_ms;      /**< between probes; 0: the vendor's default */
    const char *job_id;           /**< label bak2avro.job=ID; NULL: a random id */
    b2a_container_log_cb log_cb;
    b2a_container_cb done_cb;     /**< the start ended: ready (B2A_OK) or failed */
    void *userdata;
} b2a_container_options;

#define B2A_CONTAINER_OPTIONS_VERSION 1

/** Fill @p opts with defaults for @p version. */
B2A_API int b2a_container_options_init(b2a_container_options *opts, unsigned int version);

/** A container handle from options (strings are copied); nothing is started yet. */
B2A_API int b2a_container_new(b2a_ctx *ctx, const b2a_container_options *opts, b2a_container **out);

/**
 * Check the inputs, pull the image if needed, create and start the
 * container, and probe it until the server answers (bounded retries with a
 * delay). done_cb runs once. After a failure a created container is still
 * named by b2a_container_id(): b2a_container_stop() or b2a_container_free()
 * removes it.
 */
B2A_API int b2a_container_start(b2a_container *c);

/**
 * Take hold of a container an earlier process started with this library
 * (`bak2avro restore`): its full id, an id prefix of 12 or more characters,
 * or its name. Only a container carrying the bak2avro.job label is taken:
 * anything else ends with B2A_ENOTFOUND and is not touched. done_cb runs
 * once; then b2a_container_stop() removes it. The endpoint getters stay
 * NULL (the password is not kept anywhere). Freeing the handle leaves the
 * container running.
 */
B2A_API int b2a_container_attach(b2a_container *c, const char *id);

/**
 * Stop the start (or attach) in flight; its callback still runs once, with
 * B2A_ECANCELED. May be called from any thread (the cancel is carried to
 * the loop thread), while the handle is not freed; a no-op when nothing runs.
 */
B2A_API int b2a_container_cancel(b2a_container *c);

/**
 * Stop and remove the container (also one whose start failed). @p cb runs
 * once, with B2A_OK when the container is gone. B2A_EBUSY while the start
 * is still running (cancel it first).
 */
B2A_API int b2a_container_stop(b2a_container *c, b2a_container_cb cb, void *userdata);

/**
 * Leave the container running when the handle is freed (a database kept
 * for later; `bak2avro stop ID` removes it).
 */
B2A_API int b2a_container_keep(b2a_container *c);

/**
 * Free the handle. A container still there is stopped and removed first
 * (on the loop, in the background) unless b2a_container_keep() was called;
 * an operation in flight is canceled and its callback runs before the free.
 * NULL is fine.
 */
B2A_API void b2a_container_free(b2a_container *c);

/** The endpoint, once ready (NULL or 0 before). The password is random per container. */
B2A_API const char *b2a_container_id(const b2a_container *c);
B2A_API const char *b2a_container_vendor(const b2a_container *c);
B2A_API const char *b2a_container_image(const b2a_container *c);
B2A_API const char *b2a_container_host(const b2a_container *c);
B2A_API int b2a_container_port(const b2a_container *c);
B2A_API const char *b2a_container_user(const b2a_container *c);
B2A_API const char *b2a_container_password(const b2a_container *c);
/** The database holding the restored rows: the container's own, or the one a restored script
 *  created and filled when it left the container's empty (also in b2a_container_dsn()). */
B2A_API const char *b2a_container_database(const b2a_container *c);

/**
 * A connection string for the database, holding the password:
 * "postgresql://user:pass@127.0.0.1:PORT/db", "mysql://user:pass@127.0.0.1:PORT/db",
 * or an ODBC connection string (SQL Server). Free with b2a_free(); NULL before ready.
 */
B2A_API char *b2a_container_dsn(const b2a_container *c);

B2A_API int b2a_container_errcode(const b2a_container *c);
B2A_API b2a_error_class b2a_container_errclass(const b2a_container *c);
B2A_API const char *b2a_container_errmsg(const b2a_container *c);

B2A_END_DECL

#endif
