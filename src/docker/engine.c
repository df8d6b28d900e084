/* The engine handle: curl's multi_socket interface driven by libuv (one
 * uv_poll per socket curl opens, one uv_timer for curl's timeouts, as in
 * curl's multi-uv.c), and the life cycle of one operation. */
#include "docker/internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct b2a_docker_sock {
    uv_poll_t poll;
    curl_socket_t fd;
    b2a_docker *d;
    b2a_docker_sock *next, *prev;
};

static void really_free(b2a_docker *d);
static void check_multi_info(b2a_docker *d);
static void on_defer(uv_timer_t *t);

/* Every entry from the loop goes through enter/leave so that a
 * b2a__docker_free from inside a user callback waits until we are out. */
static void enter(b2a_docker *d) { d->depth++; }

static void leave(b2a_docker *d)
{
    if (--d->depth == 0 && d->free_pending && !d->freeing)
        really_free(d);
}

/* ---- sockets and timer (multi-uv.c) ---- */

static void sock_closed(uv_handle_t *h) { free(h->data); }

static void sock_close(b2a_docker *d, b2a_docker_sock *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        d->socks = c->next;
    if (c->next)
        c->next->prev = c->prev;
    uv_poll_stop(&c->poll);
    uv_close((uv_handle_t *)&c->poll, sock_closed);
}

static void on_poll(uv_poll_t *h, int status, int events)
{
    b2a_docker_sock *c = h->data;
    b2a_docker *d = c->d;
    int flags = 0, running;
    if (status < 0)
        flags = CURL_CSELECT_ERR;
    if (events & UV_READABLE)
        flags |= CURL_CSELECT_IN;
    if (events & UV_WRITABLE)
        flags |= CURL_CSELECT_OUT;
    enter(d);
    d->in_curl++;
    curl_multi_socket_action(d->multi, c->fd, flags, &running);
    d->in_curl--;
    check_multi_info(d);
    leave(d);
}

static int on_socket(CURL *easy, curl_socket_t s, int action, void *userp, void *socketp)
{
    (void)easy;
    b2a_docker *d = userp;
    b2a_docker_sock *c = socketp;
    if (action == CURL_POLL_REMOVE) {
        if (c) {
            sock_close(d, c);
            curl_multi_assign(d->multi, s, NULL);
        }
        return 0;
    }
    if (!c) {
        c = calloc(1, sizeof(*c));
        if (!c)
            return -1;
        if (uv_poll_init_socket(d->loop, &c->poll, s) != 0) {
            free(c);
            return -1;
        }
        c->fd = s;
        c->d = d;
        c->poll.data = c;
        c->next = d->socks;
        if (d->socks)
            d->socks->prev = c;
        d->socks = c;
        curl_multi_assign(d->multi, s, c);
    }
    int ev = 0;
    if (action & CURL_POLL_IN)
        ev |= UV_READABLE;
    if (action & CURL_POLL_OUT)
        ev |= UV_WRITABLE;
    return uv_poll_start(&c->poll, ev, on_poll) == 0 ? 0 : -1;
}

static void on_timeout(uv_timer_t *t)
{
    b2a_docker *d = t->data;
    int running;
    enter(d);
    d->in_curl++;
    curl_multi_socket_action(d->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    d->in_curl--;
    check_multi_info(d);
    leave(d);
}

static int on_timer_set(CURLM *multi, long timeout_ms, void *userp)
{
    (void)multi;
    b2a_docker *d = userp;
    if (timeout_ms < 0)
        uv_timer_stop(&d->timer);
    else
        uv_timer_start(&d->timer, on_timeout, (uint64_t)timeout_ms, 0);
    return 0;
}

/* ---- handle ---- */

static int socket_from_host(const char *host, char **out, b2a_err *err)
{
    const char *from = "the host option";
    if (!host || !*host) {
        host = getenv("DOCKER_HOST");
        from = "DOCKER_HOST";
        if (!host || !*host)
            host = B2A_DOCKER_DEFAULT_SOCKET, from = "the default";
    }
    const char *path = host;
    if (strncmp(host, "unix://", 7) == 0)
        path = host + 7;
    else if (strstr(host, "://"))
        return b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_DOCKER,
                            "Docker host \"%s\" (from %s) is not supported: only unix:///path "
                            "sockets are", host, from);
    if (*path != '/')
        return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_DOCKER,
                            "Docker host \"%s\" (from %s) is not an absolute socket path",
                            host, from);
    *out = strdup(path);
    if (!*out)
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_DOCKER, "out of memory");
    return B2A_OK;
}

int b2a__docker_new(uv_loop_t *loop, const char *host, b2a_docker **out, b2a_err *err)
{
    if (!loop || !out)
        return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_DOCKER, "b2a__docker_new: NULL argument");
    *out = NULL;
    /* curl_global_init is refcounted and idempotent; the first call is
     * not thread-safe, which is the caller's init-time concern. */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return b2a__err_set(err, B2A_EDOCKER, B2A_ERRCLASS_DOCKER, "curl_global_init failed");
    b2a_docker *d = calloc(1, sizeof(*d));
    if (!d)
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_DOCKER, "out of memory");
    int rc = socket_from_host(host, &d->socket, err);
    if (rc != B2A_OK) {
        free(d);
        return rc;
    }
    d->multi = curl_multi_init();
    if (!d->multi) {
        free(d->socket);
        free(d);
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_DOCKER, "curl_multi_init failed");
    }
    d->loop = loop;
    d->connect_ms = 10000;
    d->request_ms = 120000;
    d->max_body = 16u << 20;
    uv_timer_init(loop, &d->timer);
    uv_timer_init(loop, &d->defer);
    d->timer.data = d->defer.data = d;
    d->open_handles = 2;
    curl_multi_setopt(d->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(d->multi, CURLMOPT_SOCKETDATA, d);
    curl_multi_setopt(d->multi, CURLMOPT_TIMERFUNCTION, on_timer_set);
    curl_multi_setopt(d->multi, CURLMOPT_TIMERDATA, d);
    *out = d;
    return B2A_OK;
}

void b2a__docker_set_limits(b2a_docker *d, long connect_ms, long request_ms, size_t max_body)
{
    if (!d)
        return;
    if (connect_ms > 0)
        d->connect_ms = connect_ms;
    if (request_ms >= 0)
        d->request_ms = request_ms;
    if (max_body > 0)
        d->max_body = max_body;
}

const char *b2a__docker_socket(const b2a_docker *d) { return d ? d->socket : NULL; }

static void timer_closed(uv_handle_t *h)
{
    b2a_docker *d = h->data;
    if (--d->open_handles == 0)
        free(d);
}

static void detach_easy(b2a_docker_req *r)
{
    r->add_pending = 0;
    if (!r->easy)
        return;
    curl_multi_remove_handle(r->d->multi, r->easy);
    curl_easy_cleanup(r->easy);
    r->easy = NULL;
    curl_slist_free_all(r->hdrs);
    r->hdrs = NULL;
}

static void really_free(b2a_docker *d)
{
    d->freeing = 1;
    while (d->reqs) {
        b2a_docker_req *r = d->reqs;
        detach_easy(r);
        b2a__dreq_fail(r, B2A_ECANCELED, "canceled (the Docker client was closed)");
    }
    curl_multi_cleanup(d->multi);
    d->multi = NULL;
    while (d->socks)
        sock_close(d, d->socks);
    free(d->socket);
    d->socket = NULL;
    uv_timer_stop(&d->timer);
    uv_timer_stop(&d->defer);
    uv_close((uv_handle_t *)&d->timer, timer_closed);
    uv_close((uv_handle_t *)&d->defer, timer_closed);
}

void b2a__docker_free(b2a_docker *d)
{
    if (!d || d->freeing || d->free_pending)
        return;
    if (d->depth > 0)
        d->free_pending = 1;
    else
        really_free(d);
}

/* ---- operations ---- */

b2a_docker_req *b2a__dreq_new(b2a_docker *d, const char *what, b2a_err *err)
{
    if (!d || d->freeing || d->free_pending) {
        b2a__err_set(err, B2A_ECANCELED, B2A_ERRCLASS_DOCKER,
                     "%s: the Docker client is being closed", what);
        return NULL;
    }
    b2a_docker_req *r = calloc(1, sizeof(*r));
    if (r)
        r->what = strdup(what);
    if (!r || !r->what) {
        free(r);
        b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_DOCKER, "%s: out of memory", what);
        return NULL;
    }
    r->d = d;
    return r;
}

static void req_closed(uv_handle_t *h) { free(h->data); }

static void req_free(b2a_docker_req *r)
{
    if (r->on_free)
        r->on_free(r);
    free(r->what);
    free(r->send);
    free(r->body);
    if (r->delay_inited) {
        uv_close((uv_handle_t *)&r->delay, req_closed);
        return;
    }
    free(r);
}

void b2a__dreq_discard(b2a_docker_req *r)
{
    if (!r)
        return;
    detach_easy(r);
    if (r->prev || r->d->reqs == r) {
        if (r->prev)
            r->prev->next = r->next;
        else
            r->d->reqs = r->next;
        if (r->next)
            r->next->prev = r->prev;
    }
    req_free(r);
}

void b2a__dreq_finish(b2a_docker_req *r, int rc, const b2a_err *err)
{
    b2a_docker *d = r->d;
    if (r->finished)
        return;
    r->finished = 1;
    detach_easy(r);
    if (r->prev)
        r->prev->next = r->next;
    else if (d->reqs == r)
        d->reqs = r->next;
    if (r->next)
        r->next->prev = r->prev;
    r->next = r->prev = NULL;
    if (r->delay_inited)
        uv_timer_stop(&r->delay);
    enter(d);
    r->on_done(r, rc, rc == B2A_OK ? NULL : err);
    req_free(r);
    leave(d);
}

void b2a__dreq_fail(b2a_docker_req *r, int code, const char *fmt, ...)
{
    b2a_err err;
    char msg[B2A_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    b2a__err_set(&err, code, B2A_ERRCLASS_DOCKER, "%s: %s", r->what, msg);
    err.native = r->status;
    b2a__dreq_finish(r, code, &err);
}

static void on_delay(uv_timer_t *t)
{
    b2a_docker_req *r = t->data;
    b2a_docker *d = r->d;
    enter(d);
    if (r->canceled)
        b2a__dreq_fail(r, B2A_ECANCELED, "canceled");
    else
        r->delay_fn(r);
    leave(d);
}

int b2a__dreq_after(b2a_docker_req *r, uint64_t ms, b2a__dreq_step_fn fn)
{
    if (!r->delay_inited) {
        if (uv_timer_init(r->d->loop, &r->delay) != 0)
            return B2A_EDOCKER;
        r->delay.data = r;
        r->delay_inited = 1;
    }
    r->delay_fn = fn;
    return uv_timer_start(&r->delay, on_delay, ms, 0) == 0 ? B2A_OK : B2A_EDOCKER;
}

static size_t on_write(char *p, size_t size, size_t nmemb, void *ud)
{
    b2a_docker_req *r = ud;
    size_t n = size * nmemb;
    if (r->canceled)
        return 0;
    if (!r->status)
        curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &r->status);
    if (r->streaming && r->status < 300)
        return r->on_data(r, p, n) == 0 ? n : 0;
    if (r->body_len + n > r->d->max_body) {
        b2a__err_set(&r->err, B2A_EDOCKER, B2A_ERRCLASS_DOCKER,
                     "%s: the engine's reply is larger than %zu bytes", r->what, r->d->max_body);
        r->err.native = r->status;
        return 0;
    }
    if (r->body_len + n + 1 > r->body_cap) {
        size_t cap = r->body_cap ? r->body_cap : 4096;
        while (cap < r->body_len + n + 1)
            cap *= 2;
        char *nb = realloc(r->body, cap);
        if (!nb) {
            b2a__err_set(&r->err, B2A_ENOMEM, B2A_ERRCLASS_DOCKER, "%s: out of memory", r->what);
            return 0;
        }
        r->body = nb;
        r->body_cap = cap;
    }
    memcpy(r->body + r->body_len, p, n);
    r->body_len += n;
    r->body[r->body_len] = '\0';
    return n;
}

static size_t on_read(char *buf, size_t size, size_t nmemb, void *ud)
{
    b2a_docker_req *r = ud;
    if (r->canceled)
        return CURL_READFUNC_ABORT;
    return r->on_read(r, buf, size * nmemb);
}

static int on_xfer(void *ud, curl_off_t dlt, curl_off_t dln, curl_off_t ult, curl_off_t uln)
{
    (void)dlt, (void)dln, (void)ult;
    b2a_docker_req *r = ud;
    if (r->canceled)
        return 1;
    if (!r->on_upload || uln <= 0)
        return 0;
    uint64_t done = (uint64_t)uln > r->upload_skip ? (uint64_t)uln - r->upload_skip : 0;
    if (done > r->upload_report)
        done = r->upload_report;
    if (done == r->upload_last)
        return 0;
    r->upload_last = done;
    if (r->on_upload(r->ud, done, r->upload_report) != 0) {
        b2a__err_set(&r->err, B2A_EUSER, B2A_ERRCLASS_DOCKER, "%s: stopped by the progress callback",
                     r->what);
        return 1;
    }
    return 0;
}

int b2a__dreq_http(b2a_docker_req *r, const char *method, const char *path, const char *body,
                   int flags, b2a_err *err)
{
    b2a_docker *d = r->d;
    char *url = b2a__dfmt("http://docker/%s%s", B2A_DOCKER_API, path);
    if (!url)
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_DOCKER, "%s: out of memory", r->what);
    free(r->send);
    r->send = NULL;
    r->send_len = 0;
    if (body && !(r->send = strdup(body))) {
        free(url);
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_DOCKER, "%s: out of memory", r->what);
    }
    r->send_len = body ? strlen(body) : 0;
    r->status = 0;
    r->body_len = 0;
    if (r->body)
        r->body[0] = '\0';
    r->streaming = (flags & B2A__HTTP_STREAM) != 0;
    r->errbuf[0] = '\0';

    CURL *e = curl_easy_init();
    if (!e) {
        free(url);
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_DOCKER, "%s: curl_easy_init failed", r->what);
    }
    r->easy = e;
    struct curl_slist *h = NULL;
    int upload = (flags & B2A__HTTP_UPLOAD) != 0;
    h = curl_slist_append(h, upload ? "Content-Type: application/x-tar"
                                    : "Content-Type: application/json");
    if (h)
        h = curl_slist_append(h, "Expect:"); /* no 100-continue round trip */
    r->hdrs = h;
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_UNIX_SOCKET_PATH, d->socket);
    curl_easy_setopt(e, CURLOPT_PRIVATE, r);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, d->connect_ms);
    if (!(flags & (B2A__HTTP_STREAM | B2A__HTTP_UPLOAD | B2A__HTTP_NOTIMEOUT)))
        if (d->request_ms > 0)
            curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, d->request_ms + r->extra_ms);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_xfer);
    curl_easy_setopt(e, CURLOPT_XFERINFODATA, r);
    curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
    if (upload) {
        curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(e, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(e, CURLOPT_READDATA, r);
        curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)r->upload_total);
        curl_easy_setopt(e, CURLOPT_UPLOAD_BUFFERSIZE, 256L * 1024);
        if (strcmp(method, "PUT") != 0)
            curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
    } else if (strcmp(method, "POST") == 0) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->send ? r->send : "");
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->send_len);
    } else if (strcmp(method, "GET") != 0) {
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
    }
    free(url);
    if (!h) {
        detach_easy(r);
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_DOCKER, "%s: out of memory", r->what);
    }
    if (!r->finished && !r->prev && d->reqs != r) {
        r->next = d->reqs;
        if (d->reqs)
            d->reqs->prev = r;
        d->reqs = r;
    }
    if (d->in_curl) {
        /* Called from a line or progress callback, inside curl: curl refuses
         * recursive calls, so the handle is added from the loop instead. */
        r->add_pending = 1;
        uv_timer_start(&d->defer, on_defer, 0, 0);
        return B2A_OK;
    }
    CURLMcode mc = curl_multi_add_handle(d->multi, e);
    if (mc != CURLM_OK) {
        detach_easy(r);
        return b2a__err_set(err, B2A_EDOCKER, B2A_ERRCLASS_DOCKER, "%s: %s", r->what,
                            curl_multi_strerror(mc));
    }
    return B2A_OK;
}

/* One exchange ended: map curl's result and the HTTP status to an outcome. */
static void exchange_done(b2a_docker_req *r, CURLcode res)
{
    b2a_docker *d = r->d;
    long oserr = 0;
    if (r->easy) {
        curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &r->status);
        curl_easy_getinfo(r->easy, CURLINFO_OS_ERRNO, &oserr);
    }
    detach_easy(r);
    if (r->canceled) {
        b2a__dreq_fail(r, B2A_ECANCELED, "canceled");
        return;
    }
    if (res != CURLE_OK && r->err.code != B2A_OK) {
        b2a_err e = r->err;
        b2a__dreq_finish(r, e.code, &e);
        return;
    }
    switch (res) {
    case CURLE_OK:
        break;
    case CURLE_OPERATION_TIMEDOUT:
        b2a__dreq_fail(r, B2A_ETIMEOUT, "the Docker engine at %s did not answer in time (%s)",
                       d->socket, r->errbuf[0] ? r->errbuf : "timeout");
        return;
    case CURLE_COULDNT_CONNECT:
        /* curl's own text talks of "port 80"; the socket's errno says more. */
        b2a__dreq_fail(r, B2A_EDOCKER, "cannot connect to the Docker engine at %s: %s%s", d->socket,
                       oserr ? strerror((int)oserr) : curl_easy_strerror(res),
                       oserr == EACCES ? " (is this user allowed to use Docker?)" : "");
        return;
    default:
        b2a__dreq_fail(r, B2A_EDOCKER, "connection to the Docker engine at %s failed%s: %s",
                       d->socket, r->status ? " mid-reply" : "",
                       r->errbuf[0] ? r->errbuf : curl_easy_strerror(res));
        return;
    }
    if (r->status >= 400 || r->status < 200) {
        char msg[768];
        b2a__djson_message(r->body, r->body_len, msg, sizeof(msg));
        b2a__dreq_fail(r, r->status == 404 ? B2A_ENOTFOUND : B2A_EDOCKER, "%s (HTTP %ld)", msg,
                       r->status);
        return;
    }
    r->on_step(r);
}

static void check_multi_info(b2a_docker *d)
{
    CURLMsg *m;
    int pending;
    while (d->multi && (m = curl_multi_info_read(d->multi, &pending))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        b2a_docker_req *r = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
        CURLcode res = m->data.result;
        if (r)
            exchange_done(r, res);
    }
}

static void on_defer(uv_timer_t *t)
{
    b2a_docker *d = t->data;
    enter(d);
    for (b2a_docker_req *r = d->reqs, *next; r; r = next) {
        next = r->next;
        if (r->canceled) {
            /* The loop restarts: a callback may have finished others. */
            b2a__dreq_fail(r, B2A_ECANCELED, "canceled");
            next = d->reqs;
        } else if (r->add_pending && r->easy) {
            r->add_pending = 0;
            CURLMcode mc = curl_multi_add_handle(d->multi, r->easy);
            if (mc != CURLM_OK) {
                b2a__dreq_fail(r, B2A_EDOCKER, "%s", curl_multi_strerror(mc));
                next = d->reqs;
            }
        }
    }
    leave(d);
}

void b2a__docker_cancel(b2a_docker_req *r)
{
    if (!r || r->finished || r->canceled)
        return;
    r->canceled = 1;
    uv_timer_start(&r->d->defer, on_defer, 0, 0);
}

/* ---- simple buffered calls ---- */

static void simple_step(b2a_docker_req *r)
{
    b2a__dreq_finish(r, B2A_OK, NULL);
}

static void simple_done(b2a_docker_req *r, int rc, const b2a_err *err)
{
    b2a_docker_cb cb = (b2a_docker_cb)r->user_cb;
    cb(r->ud, rc, err, rc == B2A_OK ? (r->body ? r->body : "") : NULL);
}

int b2a__dreq_launch(b2a_docker *d, const char *what, const char *method, const char *path,
                     const char *body, long extra_ms, b2a__dreq_step_fn step,
                     b2a__dreq_done_fn done, void *cb, void *ud, b2a_docker_req **req_out)
{
    b2a_err err;
    if (!cb)
        return B2A_EINVAL;
    b2a_docker_req *r = b2a__dreq_new(d, what, &err);
    if (!r)
        return err.code;
    r->on_step = step;
    r->on_done = done;
    r->user_cb = cb;
    r->ud = ud;
    r->extra_ms = extra_ms;
    int rc = b2a__dreq_http(r, method, path, body, 0, &err);
    if (rc != B2A_OK) {
        b2a__dreq_discard(r);
        return rc;
    }
    if (req_out)
        *req_out = r;
    return B2A_OK;
}

int b2a__docker_simple(b2a_docker *d, const char *what, const char *method, const char *path,
                       const char *body, b2a_docker_cb cb, void *ud, b2a_docker_req **req_out)
{
    return b2a__dreq_launch(d, what, method, path, body, 0, simple_step, simple_done, (void *)cb,
                            ud, req_out);
}

int b2a__docker_ping(b2a_docker *d, b2a_docker_cb cb, void *ud, b2a_docker_req **req_out)
{
    return b2a__docker_simple(d, "pinging the Docker engine", "GET", "/_ping", NULL, cb, ud, req_out);
}
