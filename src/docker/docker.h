/* Asynchronous Docker Engine client: HTTP over the engine's UNIX socket,
 * libcurl multi_socket driven by the caller's libuv loop, JSON via yajl.
 *
 * Rules every function here follows (libuv/hiredis):
 * - A call that returns an error never calls its callback. Immediate errors
 *   are only B2A_EINVAL (bad arguments, invalid UTF-8 in a string that goes
 *   into JSON), B2A_ENOMEM and B2A_ECANCELED (the client is being freed).
 * - A call that returns B2A_OK calls its done callback exactly once, on the
 *   loop thread, never from inside the call itself: with B2A_OK, with the
 *   failure, or with B2A_ECANCELED after b2a__docker_cancel() or
 *   b2a__docker_free().
 * - Every failure is a b2a_err of class B2A_ERRCLASS_DOCKER (IO for local
 *   files in put_file) whose message
 *   says what we were doing, the engine's own message and the HTTP status,
 *   e.g. "inspecting image postgres:16: No such image: postgres:16 (HTTP 404)".
 *   err->native holds the HTTP status (0 when there was no reply).
 *   Callers add their own context ("job 3f2a: ") with b2a__err_prefix on a copy.
 * - Codes: B2A_ENOTFOUND for HTTP 404 (no such image/container/exec),
 *   B2A_ETIMEOUT for connect/request timeouts, B2A_EUSER when a progress or
 *   line callback returned non-zero, B2A_EIO for local file errors
 *   (put_file), B2A_EUNSUPPORTED for a tcp:// DOCKER_HOST, B2A_EDOCKER for
 *   everything else the engine refused or broke.
 * - Any call here may be made from inside any of these callbacks, line and
 *   progress callbacks included (new requests then join curl from the loop).
 * - Every string argument is copied at call time.
 * - Pointers handed to callbacks are borrowed: valid until the callback returns.
 */
#ifndef B2A_DOCKER_DOCKER_H
#define B2A_DOCKER_DOCKER_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "core/error.h"

/* API version we speak: Docker Engine >= 20.10. */
#define B2A_DOCKER_API "v1.41"
#define B2A_DOCKER_DEFAULT_SOCKET "/var/run/docker.sock"

typedef struct b2a_docker b2a_docker;         /* one engine connection (a curl multi) */
typedef struct b2a_docker_req b2a_docker_req; /* one in-flight operation */

/* host: "unix:///path", or a plain "/path"; NULL: $DOCKER_HOST, else
 * /var/run/docker.sock. "tcp://..." fails with B2A_EUNSUPPORTED. Nothing is
 * connected yet; use b2a__docker_ping to check the engine answers. */
int b2a__docker_new(uv_loop_t *loop, const char *host, b2a_docker **out, b2a_err *err);

/* Cancels every in-flight operation (their callbacks run, inside this call,
 * with B2A_ECANCELED), then closes the uv handles; the memory goes in their
 * close callbacks, so run the loop afterwards before uv_loop_close().
 * Safe to call from inside any of this handle's callbacks (the free is then
 * deferred until that callback returns). NULL is a no-op. */
void b2a__docker_free(b2a_docker *d);

/* Bounds. connect_ms: connecting to the socket (default 10000).
 * request_ms: whole-request limit for non-streaming calls (default 120000;
 * 0 = none). Streaming calls (pull, exec, put_file) have no whole-request
 * limit; cancel them instead. max_body: cap on buffered replies (default
 * 16 MiB). A 0 argument keeps the current value, except request_ms where
 * 0 means none and -1 keeps it. */
void b2a__docker_set_limits(b2a_docker *d, long connect_ms, long request_ms, size_t max_body);

/* The socket path in use (borrowed). */
const char *b2a__docker_socket(const b2a_docker *d);

/* Stops an operation; its done callback then runs once with B2A_ECANCELED
 * from the loop (not from inside this call). req is invalid once the done
 * callback has run; canceling after that is a use-after-free, so callers
 * clear their pointer in the done callback. */
void b2a__docker_cancel(b2a_docker_req *req);

/* Generic completion. body: the reply (JSON), a short result (see each
 * function), or NULL on failure. */
typedef void (*b2a_docker_cb)(void *ud, int rc, const b2a_err *err, const char *body);

/* GET /_ping. body "OK". */
int b2a__docker_ping(b2a_docker *d, b2a_docker_cb cb, void *ud, b2a_docker_req **req_out);

/* GET /images/{name}/json. body: the inspect JSON; rc B2A_ENOTFOUND when absent. */
int b2a__docker_image_inspect(b2a_docker *d, const char *image, b2a_docker_cb cb, void *ud,
                              b2a_docker_req **req_out);

/* Pull progress. percent: 0..100 over the layers' byte counts seen so far,
 * or -1 when not known yet. status: the engine's status line, e.g.
 * "3f2a1b: Downloading". Return non-zero to stop (done gets B2A_EUSER). */
typedef int (*b2a_docker_pull_progress_cb)(void *ud, double percent, const char *status);

/* POST /images/create?fromImage=..&tag=.. (tag "latest" when the reference
 * has neither tag nor digest). Reads the JSON-lines progress stream; an
 * {"error": ...} line fails the pull with that message. body on success:
 * the last status line ("Status: Downloaded newer image for ..."). */
int b2a__docker_image_pull(b2a_docker *d, const char *image, b2a_docker_pull_progress_cb progress,
                           b2a_docker_cb done, void *ud, b2a_docker_req **req_out);

typedef struct b2a_container_spec {
    const char *image;                 /* required */
    const char *name;                  /* NULL: the engine picks one */
    const char *const *env;            /* "K=V" */
    size_t nenv;
    const char *const *cmd;            /* NULL: the image's CMD */
    size_t ncmd;
    const char *const *entrypoint;     /* NULL: the image's ENTRYPOINT */
    size_t nentrypoint;
    const char *const *labels;         /* "k=v" (or "k" for an empty value) */
    size_t nlabels;
    const char *const *binds;          /* "host:container[:ro]" */
    size_t nbinds;
    const char *user;                  /* NULL: the image's USER */
    int host_network;                  /* NetworkMode "host" */
    int container_port;                /* >0: publish this TCP port ... */
    int host_port;                     /* ... on host_ip:host_port (0: engine picks) */
    const char *host_ip;               /* NULL: 127.0.0.1, loopback only */
    int64_t shm_size;                  /* bytes of /dev/shm, 0: engine default */
    int64_t memory;                    /* memory limit in bytes, 0: none */
} b2a_container_spec;

/* POST /containers/create. body on success: the new container's id. */
int b2a__docker_container_create(b2a_docker *d, const b2a_container_spec *spec, b2a_docker_cb cb,
                                 void *ud, b2a_docker_req **req_out);

/* POST /containers/{id}/start. Already running counts as success. body: NULL. */
int b2a__docker_container_start(b2a_docker *d, const char *container, b2a_docker_cb cb, void *ud,
                                b2a_docker_req **req_out);

/* POST /containers/{id}/stop?t=timeout_s (SIGTERM, then SIGKILL after
 * timeout_s). Already stopped counts as success. body: NULL. */
int b2a__docker_container_stop(b2a_docker *d, const char *container, int timeout_s,
                               b2a_docker_cb cb, void *ud, b2a_docker_req **req_out);

/* DELETE /containers/{id}?force=..&v=... B2A_ENOTFOUND when it is gone. body: NULL. */
int b2a__docker_container_remove(b2a_docker *d, const char *container, int force, int volumes,
                                 b2a_docker_cb cb, void *ud, b2a_docker_req **req_out);

typedef struct b2a_docker_state {
    const char *id;
    const char *name;      /* without the leading '/' */
    const char *status;    /* "created", "running", "exited", ... */
    int running;
    int oom_killed;
    int exit_code;
    const char *error;     /* State.Error, "" when none */
    const char *health;    /* State.Health.Status, NULL when no healthcheck */
} b2a_docker_state;

typedef void (*b2a_docker_inspect_cb)(void *ud, int rc, const b2a_err *err,
                                      const b2a_docker_state *state, const char *body);

/* GET /containers/{id}/json. state and body are NULL on failure. */
int b2a__docker_container_inspect(b2a_docker *d, const char *container, b2a_docker_inspect_cb cb,
                                  void *ud, b2a_docker_req **req_out);

typedef struct b2a_docker_container_info {
    const char *id;
    const char *name;        /* without the leading '/' */
    const char *image;
    const char *state;       /* "running", "exited", ... */
    const char *label_value; /* value of the label that was asked for */
    int64_t created;         /* unix seconds */
} b2a_docker_container_info;

typedef void (*b2a_docker_list_cb)(void *ud, int rc, const b2a_err *err,
                                   const b2a_docker_container_info *items, size_t n);

/* GET /containers/json?all=1&filters={"label":[label]}. label: "key" or
 * "key=value". Lists stopped containers too. */
int b2a__docker_container_list_by_label(b2a_docker *d, const char *label, b2a_docker_list_cb cb,
                                        void *ud, b2a_docker_req **req_out);

/* One line of exec output, without its '\n' (a final unterminated line is
 * delivered too; lines longer than 64 KiB arrive in pieces). stream: 1
 * stdout, 2 stderr. Return non-zero to stop (done gets B2A_EUSER). */
typedef int (*b2a_docker_line_cb)(void *ud, int stream, const char *line, size_t len);
/* rc B2A_OK means the command ran to the end; exit_code is its status
 * (137 = killed). On failure exit_code is -1. */
typedef void (*b2a_docker_exec_cb)(void *ud, int rc, int exit_code, const b2a_err *err);

/* POST /containers/{id}/exec, POST /exec/{eid}/start (multiplexed stream,
 * no request timeout), GET /exec/{eid}/json for the exit code. env: "K=V"
 * (values are never logged or put in error messages). */
int b2a__docker_exec(b2a_docker *d, const char *container, const char *const *argv, size_t argc,
                     const char *const *env, size_t nenv, b2a_docker_line_cb line,
                     b2a_docker_exec_cb done, void *ud, b2a_docker_req **req_out);

/* GET /containers/{id}/logs?stdout=1&stderr=1&tail=N: the container's
 * output so far (tail > 0: only its last tail lines), line by line as for
 * exec; for explaining why a database container died. The container must
 * have been created without a TTY (b2a__docker_container_create never sets
 * one). body: NULL. */
int b2a__docker_container_logs(b2a_docker *d, const char *container, int tail,
                               b2a_docker_line_cb line, b2a_docker_cb done, void *ud,
                               b2a_docker_req **req_out);

/* Upload progress. Return non-zero to stop (done gets B2A_EUSER). */
typedef int (*b2a_docker_bytes_cb)(void *ud, uint64_t done_bytes, uint64_t total_bytes);

/* PUT /containers/{id}/archive?path=dir_in_container: host_path is sent as
 * a one-file tar (name_in_container, mode 0644) streamed from disk, never
 * held in memory. dir_in_container must exist in the container (else
 * B2A_ENOTFOUND with the engine's message). body: NULL. progress may be NULL.
 * A host file that cannot be opened or is not a regular file is reported
 * through done (class B2A_ERRCLASS_IO, B2A_ENOTFOUND or B2A_EIO, naming the
 * file), like every other failure; so are read errors and a file that
 * shrinks while it is sent. B2A_EINVAL at once for a name_in_container that
 * is empty, has a '/', or is 100 bytes or longer, or a relative directory. */
int b2a__docker_put_file(b2a_docker *d, const char *container, const char *host_path,
                         const char *dir_in_container, const char *name_in_container,
                         b2a_docker_bytes_cb progress, b2a_docker_cb done, void *ud,
                         b2a_docker_req **req_out);

#endif
