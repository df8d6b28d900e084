/* The multiplexed output stream (frames of an 8-byte header {stream, 0, 0,
 * 0, big-endian length} then the payload, split anywhere by the transport),
 * cut into lines, and its two users: exec (create, start, read the exit
 * code) and a container's logs. */
#include "docker/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINE_MAX_BYTES (64u * 1024)
#define EXIT_POLLS 40 /* x 50 ms: the engine sets ExitCode before closing the stream */

typedef struct exec_op {
    char *container_esc;
    char *create_body;
    char exec_id[80];
    b2a_docker_line_cb line;
    unsigned char hdr[8];
    size_t hdr_len;
    uint32_t frame_left;
    int frame_stream;
    char *buf[3];          /* partial line per stream (1, 2) */
    size_t len[3];
    int polls;
    int exit_code;
} exec_op;

static void exec_free(b2a_docker_req *r)
{
    exec_op *op = r->op;
    if (!op)
        return;
    free(op->container_esc);
    free(op->create_body);
    free(op->buf[1]);
    free(op->buf[2]);
    free(op);
    r->op = NULL;
}

/* State for one multiplexed stream; NULL on OOM (then nothing to free). */
static exec_op *op_new(const char *container, b2a_docker_line_cb line)
{
    exec_op *op = calloc(1, sizeof(*op));
    if (!op)
        return NULL;
    op->line = line;
    op->buf[1] = malloc(LINE_MAX_BYTES);
    op->buf[2] = malloc(LINE_MAX_BYTES);
    op->container_esc = b2a__durl_escape(container);
    if (!op->buf[1] || !op->buf[2] || !op->container_esc) {
        b2a_docker_req tmp = {.op = op};
        exec_free(&tmp);
        return NULL;
    }
    return op;
}

static int emit(b2a_docker_req *r, int stream, const char *p, size_t n)
{
    exec_op *op = r->op;
    if (op->line && op->line(r->ud, stream, p, n) != 0) {
        b2a__err_set(&r->err, B2A_EUSER, B2A_ERRCLASS_DOCKER, "%s: stopped by the output callback",
                     r->what);
        return -1;
    }
    return 0;
}

/* Payload bytes of one stream: cut into lines, keep the partial tail. */
static int feed(b2a_docker_req *r, int stream, const char *p, size_t n)
{
    exec_op *op = r->op;
    while (n) {
        const char *nl = memchr(p, '\n', n);
        size_t take = nl ? (size_t)(nl - p) : n;
        if (op->len[stream] + take > LINE_MAX_BYTES) {
            /* An endless line: deliver what fits as a piece. */
            size_t room = LINE_MAX_BYTES - op->len[stream];
            memcpy(op->buf[stream] + op->len[stream], p, room);
            if (emit(r, stream, op->buf[stream], LINE_MAX_BYTES))
                return -1;
            op->len[stream] = 0;
            p += room;
            n -= room;
            continue;
        }
        memcpy(op->buf[stream] + op->len[stream], p, take);
        op->len[stream] += take;
        if (!nl)
            return 0;
        size_t len = op->len[stream];
        if (len && op->buf[stream][len - 1] == '\r')
            len--;
        op->len[stream] = 0;
        if (emit(r, stream, op->buf[stream], len))
            return -1;
        p += take + 1;
        n -= take + 1;
    }
    return 0;
}

static int exec_data(b2a_docker_req *r, const char *p, size_t n)
{
    exec_op *op = r->op;
    while (n) {
        if (op->frame_left == 0) {
            size_t want = 8 - op->hdr_len, take = n < want ? n : want;
            memcpy(op->hdr + op->hdr_len, p, take);
            op->hdr_len += take;
            p += take;
            n -= take;
            if (op->hdr_len < 8)
                return 0;
            op->hdr_len = 0;
            op->frame_stream = op->hdr[0];
            op->frame_left = (uint32_t)op->hdr[4] << 24 | (uint32_t)op->hdr[5] << 16 |
                             (uint32_t)op->hdr[6] << 8 | op->hdr[7];
            if (op->frame_stream != 1 && op->frame_stream != 2) {
                b2a__err_set(&r->err, B2A_EDOCKER, B2A_ERRCLASS_DOCKER,
                             "%s: the engine's output stream is garbled (frame for stream %d)",
                             r->what, op->frame_stream);
                return -1;
            }
            continue;
        }
        size_t take = n < op->frame_left ? n : op->frame_left;
        if (feed(r, op->frame_stream, p, take))
            return -1;
        op->frame_left -= (uint32_t)take;
        p += take;
        n -= take;
    }
    return 0;
}

static void exec_inspect(b2a_docker_req *r);

static void exit_step(b2a_docker_req *r)
{
    exec_op *op = r->op;
    yajl_val v = b2a__djson_parse(r);
    if (!v)
        return;
    int running = b2a__djson_bool(v, "Running");
    yajl_val ec = b2a__djson_get(v, "ExitCode");
    int have = YAJL_IS_INTEGER(ec);
    op->exit_code = have ? (int)YAJL_GET_INTEGER(ec) : -1;
    yajl_tree_free(v);
    if ((running || !have) && ++op->polls < EXIT_POLLS) {
        if (b2a__dreq_after(r, 50, exec_inspect) != B2A_OK)
            b2a__dreq_fail(r, B2A_EDOCKER, "cannot start a timer");
        return;
    }
    if (running || !have) {
        b2a__dreq_fail(r, B2A_EDOCKER, "the command's output ended but it has no exit code");
        return;
    }
    b2a__dreq_finish(r, B2A_OK, NULL);
}

static void exec_inspect(b2a_docker_req *r)
{
    exec_op *op = r->op;
    b2a_err err;
    char *path = b2a__dfmt("/exec/%s/json", op->exec_id);
    r->on_step = exit_step;
    int rc = path ? b2a__dreq_http(r, "GET", path, NULL, 0, &err) : B2A_ENOMEM;
    free(path);
    if (rc != B2A_OK)
        b2a__dreq_fail(r, rc, "cannot read the exit code");
}

/* The end of a multiplexed stream: refuses a cut frame, then hands out the
 * partial last lines. Returns 0, or -1 after finishing r. */
static int stream_end(b2a_docker_req *r, const char *stream_name)
{
    exec_op *op = r->op;
    if (op->frame_left || op->hdr_len) {
        b2a__dreq_fail(r, B2A_EDOCKER, "the %s stream ended mid-frame", stream_name);
        return -1;
    }
    for (int s = 1; s <= 2; s++)
        if (op->len[s]) {
            size_t n = op->len[s];
            op->len[s] = 0;
            if (emit(r, s, op->buf[s], n)) {
                b2a_err e = r->err;
                b2a__dreq_finish(r, e.code, &e);
                return -1;
            }
        }
    return 0;
}

static void stream_step(b2a_docker_req *r)
{
    if (stream_end(r, "output") == 0)
        exec_inspect(r);
}

static void created_step(b2a_docker_req *r)
{
    exec_op *op = r->op;
    b2a_err err;
    yajl_val v = b2a__djson_parse(r);
    if (!v)
        return;
    const char *id = b2a__djson_str(v, "Id");
    if (!id || !*id || strlen(id) >= sizeof(op->exec_id) || strchr(id, '/')) {
        yajl_tree_free(v);
        b2a__dreq_fail(r, B2A_EDOCKER, "the engine's reply has no usable exec Id");
        return;
    }
    memcpy(op->exec_id, id, strlen(id) + 1);
    yajl_tree_free(v);
    char *path = b2a__dfmt("/exec/%s/start", op->exec_id);
    r->on_step = stream_step;
    int rc = path ? b2a__dreq_http(r, "POST", path, "{\"Detach\":false,\"Tty\":false}",
                                   B2A__HTTP_STREAM, &err)
                  : B2A_ENOMEM;
    free(path);
    if (rc != B2A_OK)
        b2a__dreq_fail(r, rc, "cannot start the command");
}

static void exec_done(b2a_docker_req *r, int rc, const b2a_err *err)
{
    b2a_docker_exec_cb cb = (b2a_docker_exec_cb)r->user_cb;
    exec_op *op = r->op;
    cb(r->ud, rc, rc == B2A_OK ? op->exit_code : -1, err);
}

int b2a__docker_exec(b2a_docker *d, const char *container, const char *const *argv, size_t argc,
                     const char *const *env, size_t nenv, b2a_docker_line_cb line,
                     b2a_docker_exec_cb done, void *ud, b2a_docker_req **req_out)
{
    if (!d || !container || !*container || !argv || !argc || !argv[0] || !done)
        return B2A_EINVAL;
    b2a_err err;
    exec_op *op = op_new(container, line);
    if (!op)
        return B2A_ENOMEM;
    yajl_gen g = b2a__djson_gen();
    int bad = !g;
    if (g) {
        bad |= yajl_gen_map_open(g) != yajl_gen_status_ok;
        bad |= b2a__djson_kb(g, "AttachStdin", 0);
        bad |= b2a__djson_kb(g, "AttachStdout", 1);
        bad |= b2a__djson_kb(g, "AttachStderr", 1);
        bad |= b2a__djson_kb(g, "Tty", 0);
        bad |= b2a__djson_karr(g, "Cmd", argv, argc);
        if (nenv)
            bad |= b2a__djson_karr(g, "Env", env, nenv);
        bad |= yajl_gen_map_close(g) != yajl_gen_status_ok;
        if (bad)
            yajl_gen_free(g);
        else
            op->create_body = b2a__djson_done(g);
    }
    /* The message names the program only: arguments and env may hold secrets. */
    char *what = b2a__dfmt("running %s in container %s", argv[0], container);
    char *path = b2a__dfmt("/containers/%s/exec", op->container_esc);
    b2a_docker_req *r = NULL;
    int rc = bad ? B2A_EINVAL : B2A_ENOMEM;
    if (!bad && op->create_body && what && path) {
        r = b2a__dreq_new(d, what, &err);
        if (!r) {
            rc = err.code;
        } else {
            r->op = op;
            op = NULL;
            r->on_free = exec_free;
            r->on_data = exec_data;
            r->on_step = created_step;
            r->on_done = exec_done;
            r->user_cb = (void *)done;
            r->ud = ud;
            rc = b2a__dreq_http(r, "POST", path, ((exec_op *)r->op)->create_body, 0, &err);
            if (rc != B2A_OK)
                b2a__dreq_discard(r);
        }
    }
    if (op) {
        r = NULL;
        b2a_docker_req tmp = {.op = op};
        exec_free(&tmp);
    }
    free(what);
    free(path);
    if (rc == B2A_OK && req_out)
        *req_out = r;
    return rc;
}

static void logs_step(b2a_docker_req *r)
{
    if (stream_end(r, "log") == 0)
        b2a__dreq_finish(r, B2A_OK, NULL);
}

static void logs_done(b2a_docker_req *r, int rc, const b2a_err *err)
{
    b2a_docker_cb cb = (b2a_docker_cb)r->user_cb;
    cb(r->ud, rc, err, NULL);
}

int b2a__docker_container_logs(b2a_docker *d, const char *container, int tail,
                               b2a_docker_line_cb line, b2a_docker_cb done, void *ud,
                               b2a_docker_req **req_out)
{
    if (!d || !container || !*container || !line || !done)
        return B2A_EINVAL;
    b2a_err err;
    exec_op *op = op_new(container, line);
    if (!op)
        return B2A_ENOMEM;
    char tailbuf[24] = "all";
    if (tail > 0)
        snprintf(tailbuf, sizeof(tailbuf), "%d", tail);
    char *what = b2a__dfmt("reading the logs of container %s", container);
    char *path =
        b2a__dfmt("/containers/%s/logs?stdout=1&stderr=1&tail=%s", op->container_esc, tailbuf);
    b2a_docker_req *r = NULL;
    int rc = B2A_ENOMEM;
    if (what && path) {
        r = b2a__dreq_new(d, what, &err);
        if (!r) {
            rc = err.code;
        } else {
            r->op = op;
            op = NULL;
            r->on_free = exec_free;
            r->on_data = exec_data;
            r->on_step = logs_step;
            r->on_done = logs_done;
            r->user_cb = (void *)done;
            r->ud = ud;
            rc = b2a__dreq_http(r, "GET", path, NULL, B2A__HTTP_STREAM, &err);
            if (rc != B2A_OK) {
                b2a__dreq_discard(r);
                r = NULL;
            }
        }
    }
    if (op) {
        b2a_docker_req tmp = {.op = op};
        exec_free(&tmp);
    }
    free(what);
    free(path);
    if (rc == B2A_OK && req_out)
        *req_out = r;
    return rc;
}
