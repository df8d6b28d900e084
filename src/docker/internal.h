/* Shared between the files of src/docker: the engine handle, one operation
 * (b2a_docker_req, possibly several HTTP exchanges in a row) and the JSON
 * helpers. Not for use outside src/docker. */
#ifndef B2A_DOCKER_INTERNAL_H
#define B2A_DOCKER_INTERNAL_H

#include <curl/curl.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "docker/docker.h"

typedef struct b2a_docker_sock b2a_docker_sock;

struct b2a_docker {
    uv_loop_t *loop;
    CURLM *multi;
    char *socket;              /* UNIX socket path */
    uv_timer_t timer;          /* curl's timeout */
    uv_timer_t defer;          /* runs cancellations outside curl callbacks */
    b2a_docker_req *reqs;      /* in-flight operations */
    b2a_docker_sock *socks;    /* polled sockets */
    long connect_ms, request_ms;
    size_t max_body;
    int depth;                 /* > 0 while we are inside a dispatch */
    int in_curl;               /* > 0 inside curl_multi_socket_action */
    int free_pending;          /* b2a__docker_free was called inside a dispatch */
    int freeing;
    int open_handles;          /* timers not yet closed; d is freed at 0 */
};

/* How an operation reacts to the end of one HTTP exchange that got a
 * status below 400: start the next exchange or call b2a__dreq_finish. */
typedef void (*b2a__dreq_step_fn)(b2a_docker_req *r);
/* Streaming reply data (2xx only); return non-zero after setting r->err to stop. */
typedef int (*b2a__dreq_data_fn)(b2a_docker_req *r, const char *p, size_t n);
/* Calls the user's callback exactly once. err is NULL when rc is B2A_OK. */
typedef void (*b2a__dreq_done_fn)(b2a_docker_req *r, int rc, const b2a_err *err);
/* Upload data; same contract as CURLOPT_READFUNCTION. */
typedef size_t (*b2a__dreq_read_fn)(b2a_docker_req *r, char *buf, size_t n);

struct b2a_docker_req {
    b2a_docker *d;
    b2a_docker_req *next, *prev;
    char *what;                /* "inspecting image postgres:16", for messages */
    CURL *easy;                /* current exchange, NULL between exchanges */
    struct curl_slist *hdrs;
    char errbuf[CURL_ERROR_SIZE];
    char *send;                /* request body (JSON) */
    size_t send_len;
    long status;
    char *body;                /* buffered reply, always NUL-terminated */
    size_t body_len, body_cap;
    int streaming;             /* 2xx replies go to on_data, not to body */
    int canceled, finished;
    int add_pending;           /* easy waits for on_defer to join the multi */
    long extra_ms;             /* added to the request timeout (stop's grace period) */
    b2a__dreq_step_fn on_step;
    b2a__dreq_data_fn on_data;
    b2a__dreq_done_fn on_done;
    b2a__dreq_read_fn on_read;
    void (*on_free)(b2a_docker_req *r);
    b2a_docker_bytes_cb on_upload; /* upload progress, may be NULL */
    uint64_t upload_total;     /* bytes in the request body */
    uint64_t upload_skip;      /* body bytes before the payload (tar header) */
    uint64_t upload_report;    /* payload bytes, the total the caller sees */
    uint64_t upload_last;
    void *user_cb;             /* the caller's callback, cast by the operation */
    void *ud;
    void *op;                  /* operation state, freed by on_free */
    b2a_err err;               /* set by data/read callbacks before stopping */
    uv_timer_t delay;          /* for b2a__dreq_after */
    int delay_inited;
    b2a__dreq_step_fn delay_fn;
};

/* New operation (not started). NULL on OOM or when d is being freed (err set). */
b2a_docker_req *b2a__dreq_new(b2a_docker *d, const char *what, b2a_err *err);
/* Frees an operation that never started (no callback will run). */
void b2a__dreq_discard(b2a_docker_req *r);

enum { B2A__HTTP_STREAM = 1, B2A__HTTP_UPLOAD = 2, B2A__HTTP_NOTIMEOUT = 4 };

/* Starts one HTTP exchange. path starts after the API version ("/containers/x/json").
 * body (copied) may be NULL. Returns B2A_OK or an error (in err). */
int b2a__dreq_http(b2a_docker_req *r, const char *method, const char *path, const char *body,
                   int flags, b2a_err *err);

/* Ends the operation: calls on_done once, then frees r. */
void b2a__dreq_finish(b2a_docker_req *r, int rc, const b2a_err *err);
/* Ends with an error formatted like the engine's: "<what>: <msg>". */
void b2a__dreq_fail(b2a_docker_req *r, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Runs fn(r) after ms milliseconds on the loop. */
int b2a__dreq_after(b2a_docker_req *r, uint64_t ms, b2a__dreq_step_fn fn);

/* New operation of one buffered exchange, started: step and done as in
 * b2a_docker_req, cb the caller's callback (cast by done). On error nothing
 * is left behind and cb is never called. */
int b2a__dreq_launch(b2a_docker *d, const char *what, const char *method, const char *path,
                     const char *body, long extra_ms, b2a__dreq_step_fn step,
                     b2a__dreq_done_fn done, void *cb, void *ud, b2a_docker_req **req_out);

/* Starts a generic buffered request whose user callback is a b2a_docker_cb
 * getting the reply body. Used by the simple calls. */
int b2a__docker_simple(b2a_docker *d, const char *what, const char *method, const char *path,
                       const char *body, b2a_docker_cb cb, void *ud, b2a_docker_req **req_out);

/* --- json.c --- */

/* Parses r->body; on failure fails r and returns NULL. */
yajl_val b2a__djson_parse(b2a_docker_req *r);
/* Member lookups; NULL / dflt when missing or of another type. */
const char *b2a__djson_str(yajl_val v, const char *key);
const char *b2a__djson_str2(yajl_val v, const char *k1, const char *k2);
int64_t b2a__djson_int(yajl_val v, const char *key, int64_t dflt);
int b2a__djson_bool(yajl_val v, const char *key);
yajl_val b2a__djson_get(yajl_val v, const char *key);

/* The engine's {"message": ...} (or the body text, trimmed) into out. */
void b2a__djson_message(const char *body, size_t len, char *out, size_t outsz);

/* yajl_gen helpers: all return 0 or -1 (invalid UTF-8 / OOM). */
yajl_gen b2a__djson_gen(void);
int b2a__djson_key(yajl_gen g, const char *k);
int b2a__djson_s(yajl_gen g, const char *s);
int b2a__djson_kv(yajl_gen g, const char *k, const char *v);
int b2a__djson_kb(yajl_gen g, const char *k, int b);
int b2a__djson_ki(yajl_gen g, const char *k, long long v);
int b2a__djson_karr(yajl_gen g, const char *k, const char *const *v, size_t n);
/* Finished text (malloc'd), frees g. NULL on failure. */
char *b2a__djson_done(yajl_gen g);

/* printf into a new string; NULL on OOM. */
char *b2a__dfmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* URL-escaped copy of s (malloc'd), NULL on OOM. */
char *b2a__durl_escape(const char *s);

#endif
