/* libFuzzer target: the Docker Engine's replies as the client reads them,
 * over HTTP on a UNIX socket, through the client's own calls on a libuv
 * loop. A thread in this process plays the engine: request i gets reply i
 * of the input, packed as in fuzz_common.h with the HTTP status as each
 * member's name ("B2AFILE:200\n{...}"); an input that is not packed is the
 * body of every reply, status 200. Byte 0 of the input, before the replies,
 * picks the call: 0 container inspect, 1 list by label, 2 create, 3 image
 * inspect, 4 image pull (a JSON-lines stream), 5 exec (an exec id, a
 * multiplexed stream, the exit code), 6 logs, 7 ping. */
#include "fuzz_common.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "docker/docker.h"

enum { MAX_REPLIES = 8 };

typedef struct reply {
    int status;
    const uint8_t *body;
    size_t len;
} reply;

/* Shared with the engine thread; the loop thread waits for each exchange. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static reply replies[MAX_REPLIES];
static size_t nreplies, served;
static char sock_path[108];

/* send, not write: a client that gave up has closed its end (no SIGPIPE). */
static int write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
        if (w <= 0)
            return -1;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Read one request (headers, then Content-Length bytes of body) and answer it. */
static void serve(int fd)
{
    char buf[65536];
    size_t got = 0;
    char *end = NULL;
    while (!end && got < sizeof(buf) - 1) {
        ssize_t r = read(fd, buf + got, sizeof(buf) - 1 - got);
        if (r <= 0)
            return;
        got += (size_t)r;
        buf[got] = '\0';
        end = strstr(buf, "\r\n\r\n");
    }
    if (!end)
        return;
    const char *cl = strcasestr(buf, "\r\nContent-Length:");
    size_t body = cl && cl < end ? strtoul(cl + 17, NULL, 10) : 0;
    size_t have = got - (size_t)(end + 4 - buf);
    while (have < body) {
        ssize_t r = read(fd, buf, sizeof(buf));
        if (r <= 0)
            return;
        have += (size_t)r;
    }
    /* A copy: the input may be gone by the time a late reply is written. */
    pthread_mutex_lock(&lock);
    reply rp = nreplies ? replies[served < nreplies ? served : nreplies - 1] : (reply){ 200, NULL, 0 };
    served++;
    uint8_t *copy = rp.len ? malloc(rp.len) : NULL;
    if (copy)
        memcpy(copy, rp.body, rp.len);
    pthread_mutex_unlock(&lock);
    if (rp.len && !copy)
        return;
    char head[256];
    int n = snprintf(head, sizeof(head),
                     "HTTP/1.1 %d Fuzz\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n", rp.status, rp.len);
    if (write_all(fd, head, (size_t)n) == 0 && rp.len)
        write_all(fd, copy, rp.len);
    free(copy);
}

static void *engine(void *arg)
{
    int ls = *(int *)arg;
    for (;;) {
        int fd = accept(ls, NULL, NULL);
        if (fd < 0)
            continue;
        serve(fd);
        close(fd);
    }
    return NULL;
}

/* The socket and its folder go when the run ends (libFuzzer exits normally). */
static void engine_remove(void)
{
    unlink(sock_path);
    char *slash = strrchr(sock_path, '/');
    if (slash) {
        *slash = '\0';
        rmdir(sock_path);
    }
}

static void engine_start(void)
{
    static int ls;
    char dir[] = "/tmp/b2a-fuzz-docker-XXXXXX";
    if (!mkdtemp(dir))
        abort();
    snprintf(sock_path, sizeof(sock_path), "%s/engine.sock", dir);
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    snprintf(a.sun_path, sizeof(a.sun_path), "%s", sock_path);
    ls = socket(AF_UNIX, SOCK_STREAM, 0);
    if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(ls, 16) < 0)
        abort();
    pthread_t t;
    if (pthread_create(&t, NULL, engine, &ls) != 0)
        abort();
    pthread_detach(t);
    atexit(engine_remove);
}

/* The input as replies: packed members named by their status, or one body. */
static void take_replies(const uint8_t *data, size_t size)
{
    const size_t mlen = strlen(FUZZ_FILE_MARKER);
    nreplies = served = 0;
    if (size < mlen || memcmp(data, FUZZ_FILE_MARKER, mlen) != 0) {
        replies[nreplies++] = (reply){ 200, data, size };
        return;
    }
    const uint8_t *p = data, *end = data + size;
    while (p < end && nreplies < MAX_REPLIES) {
        p += mlen;
        const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
        int status = 0;
        for (const uint8_t *d = p; d < (nl ? nl : end) && *d >= '0' && *d <= '9' && status < 1000; d++)
            status = status * 10 + (*d - '0');
        const uint8_t *body = nl ? nl + 1 : end;
        const uint8_t *next = memmem(body, (size_t)(end - body), FUZZ_FILE_MARKER, mlen);
        if (!next)
            next = end;
        replies[nreplies++] = (reply){ status >= 100 && status <= 599 ? status : 200, body,
                                       (size_t)(next - body) };
        p = next;
    }
}

static int done;
static void on_body(void *ud, int rc, const b2a_err *err, const char *body)
{
    (void)ud; (void)rc; (void)err; (void)body;
    done = 1;
}
static void on_inspect(void *ud, int rc, const b2a_err *err, const b2a_docker_state *st, const char *body)
{
    (void)ud; (void)rc; (void)err; (void)st; (void)body;
    done = 1;
}
static void on_list(void *ud, int rc, const b2a_err *err, const b2a_docker_container_info *it, size_t n)
{
    (void)ud; (void)rc; (void)err; (void)it; (void)n;
    done = 1;
}
static void on_exec(void *ud, int rc, int exit_code, const b2a_err *err)
{
    (void)ud; (void)rc; (void)exit_code; (void)err;
    done = 1;
}
static int on_line(void *ud, int stream, const char *line, size_t len)
{
    (void)ud; (void)stream; (void)line; (void)len;
    return 0;
}
static int on_pull(void *ud, double percent, const char *status)
{
    (void)ud; (void)percent; (void)status;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uv_loop_t loop;
    if (!sock_path[0]) {
        engine_start();
        if (uv_loop_init(&loop) != 0)
            abort();
    }
    if (size < 1)
        return 0;
    int op = data[0] % 8;
    pthread_mutex_lock(&lock);
    take_replies(data + 1, size - 1);
    pthread_mutex_unlock(&lock);

    b2a_err err;
    b2a_docker *d = NULL;
    if (b2a__docker_new(&loop, sock_path, &d, &err) != B2A_OK)
        abort();
    b2a__docker_set_limits(d, 2000, 5000, 1 << 20);
    static const char *const argv[] = { "psql", "-c", "select 1" };
    static const char *const env[] = { "PGPASSWORD=x" };
    b2a_container_spec spec = { .image = "postgres:15", .name = "fuzz", .container_port = 5432 };
    int rc;
    done = 0;
    switch (op) {
    case 0: rc = b2a__docker_container_inspect(d, "c0ffee", on_inspect, NULL, NULL); break;
    case 1: rc = b2a__docker_container_list_by_label(d, "b2a.job", on_list, NULL, NULL); break;
    case 2: rc = b2a__docker_container_create(d, &spec, on_body, NULL, NULL); break;
    case 3: rc = b2a__docker_image_inspect(d, "postgres:15", on_body, NULL, NULL); break;
    case 4: rc = b2a__docker_image_pull(d, "postgres:15", on_pull, on_body, NULL, NULL); break;
    case 5: rc = b2a__docker_exec(d, "c0ffee", argv, 3, env, 1, on_line, on_exec, NULL, NULL); break;
    case 6: rc = b2a__docker_container_logs(d, "c0ffee", 50, on_line, on_body, NULL, NULL); break;
    default: rc = b2a__docker_ping(d, on_body, NULL, NULL); break;
    }
    if (rc == B2A_OK)
        while (!done && uv_run(&loop, UV_RUN_ONCE))
            ;
    b2a__docker_free(d);
    uv_run(&loop, UV_RUN_DEFAULT);
    pthread_mutex_lock(&lock);
    nreplies = 0; /* a late request must not read this input once it is freed */
    pthread_mutex_unlock(&lock);
    return 0;
}
