/* The Docker client against the real engine (suite 'integration'): exits 77
 * (skip) with a message when no engine answers at DOCKER_HOST or
 * /var/run/docker.sock. Uses bak2avro-test/busybox:latest, built from
 * Debian's busybox-static by make-busybox-image.sh, and host networking
 * (bridge networking is off on the test machines). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "docker/docker.h"

#ifndef B2A_DOCKER_TEST_DIR
#define B2A_DOCKER_TEST_DIR "tests/docker"
#endif

#define IMAGE "bak2avro-test/busybox:latest"

static char job_label[64];      /* bak2avro.job=itest-<pid> */
static char container_name[64];
static char container_id[128];

typedef struct res {
    int calls, rc, exit_code;
    b2a_err err;
    char body[4096];
    char lines[16][256];
    int streams[16];
    int nlines;
    size_t nitems;
    char first_name[128], first_label[64];
    int running;
    uint64_t done_bytes;
} res;

static void on_body(void *ud, int rc, const b2a_err *err, const char *body)
{
    res *r = ud;
    r->calls++;
    r->rc = rc;
    if (err)
        b2a__err_copy(&r->err, err);
    if (body)
        snprintf(r->body, sizeof(r->body), "%s", body);
}

static int on_line(void *ud, int stream, const char *line, size_t len)
{
    res *r = ud;
    if (r->nlines < 16) {
        snprintf(r->lines[r->nlines], sizeof(r->lines[0]), "%.*s", (int)len, line);
        r->streams[r->nlines] = stream;
    }
    r->nlines++;
    return 0;
}

static void on_exec(void *ud, int rc, int exit_code, const b2a_err *err)
{
    res *r = ud;
    r->calls++;
    r->rc = rc;
    r->exit_code = exit_code;
    if (err)
        b2a__err_copy(&r->err, err);
}

static void on_list(void *ud, int rc, const b2a_err *err, const b2a_docker_container_info *it,
                    size_t n)
{
    res *r = ud;
    r->calls++;
    r->rc = rc;
    if (err)
        b2a__err_copy(&r->err, err);
    r->nitems = n;
    if (n) {
        snprintf(r->first_name, sizeof(r->first_name), "%s", it[0].name);
        snprintf(r->first_label, sizeof(r->first_label), "%s", it[0].label_value);
    }
}

static void on_inspect(void *ud, int rc, const b2a_err *err, const b2a_docker_state *st,
                       const char *body)
{
    res *r = ud;
    (void)body;
    r->calls++;
    r->rc = rc;
    if (err)
        b2a__err_copy(&r->err, err);
    if (st)
        r->running = st->running;
}

static int on_bytes(void *ud, uint64_t done, uint64_t total)
{
    (void)total;
    ((res *)ud)->done_bytes = done;
    return 0;
}

typedef struct env {
    uv_loop_t loop;
    b2a_docker *d;
} env;

static void env_open(env *e)
{
    b2a_err err;
    assert_int_equal(uv_loop_init(&e->loop), 0);
    assert_int_equal(b2a__docker_new(&e->loop, NULL, &e->d, &err), B2A_OK);
}

static void env_close(env *e)
{
    b2a__docker_free(e->d);
    uv_run(&e->loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&e->loop), 0);
}

static void run(env *e, res *r)
{
    uv_run(&e->loop, UV_RUN_DEFAULT);
    assert_int_equal(r->calls, 1);
}

static void exec_argv(env *e, res *r, const char *const *argv, size_t argc)
{
    memset(r, 0, sizeof(*r));
    assert_int_equal(b2a__docker_exec(e->d, container_id, argv, argc, NULL, 0, on_line, on_exec, r, NULL), B2A_OK);
    run(e, r);
    if (r->rc != B2A_OK)
        fail_msg("exec failed: %s", r->err.msg);
}

static void test_lifecycle(void **state)
{
    (void)state;
    env e;
    res r = {0};
    env_open(&e);

    assert_int_equal(b2a__docker_image_inspect(e.d, IMAGE, on_body, &r, NULL), B2A_OK);
    run(&e, &r);
    assert_int_equal(r.rc, B2A_OK);
    assert_non_null(strstr(r.body, "\"RepoTags\":[\"" IMAGE "\"]"));

    const char *labels[] = {job_label, "bak2avro.test=docker"};
    const char *cmd[] = {"/bin/busybox", "sh", "-c", "echo started; echo warn >&2; exec busybox sleep 600"};
    b2a_container_spec spec = {.image = IMAGE, .name = container_name, .labels = labels,
                               .nlabels = 2, .cmd = cmd, .ncmd = 4, .host_network = 1};
    memset(&r, 0, sizeof(r));
    assert_int_equal(b2a__docker_container_create(e.d, &spec, on_body, &r, NULL), B2A_OK);
    run(&e, &r);
    if (r.rc != B2A_OK)
        fail_msg("create failed: %s", r.err.msg);
    assert_int_equal(strlen(r.body), 64);
    memcpy(container_id, r.body, 64); /* checked above: 64 hex digits */
    container_id[64] = '\0';

    memset(&r, 0, sizeof(r));
    assert_int_equal(b2a__docker_container_start(e.d, container_id, on_body, &r, NULL), B2A_OK);
    run(&e, &r);
    if (r.rc != B2A_OK)
        fail_msg("start failed: %s", r.err.msg);

    memset(&r, 0, sizeof(r));
    assert_int_equal(b2a__docker_container_inspect(e.d, container_id, on_inspect, &r, NULL), B2A_OK);
    run(&e, &r);
    assert_int_equal(r.rc, B2A_OK);
    assert_int_equal(r.running, 1);

    const char *echo[] = {"busybox", "echo", "hello"};
    exec_argv(&e, &r, echo, 3);
    assert_int_equal(r.exit_code, 0);
    assert_int_equal(r.nlines, 1);
    assert_int_equal(r.streams[0], 1);
    assert_string_equal(r.lines[0], "hello");

    /* the container's own output, by stream */
    memset(&r, 0, sizeof(r));
    assert_int_equal(b2a__docker_container_logs(e.d, container_id, 10, on_line, on_body, &r, NULL), B2A_OK);
    run(&e, &r);
    if (r.rc != B2A_OK)
        fail_msg("logs failed: %s", r.err.msg);
    assert_int_equal(r.nlines, 2);
    int out = strcmp(r.lines[0], "started") == 0 ? 0 : 1;
    assert_string_equal(r.lines[out], "started");
    assert_int_equal(r.streams[out], 1);
    assert_string_equal(r.lines[1 - out], "warn");
    assert_int_equal(r.streams[1 - out], 2);

    const char *fail3[] = {"busybox", "sh", "-c", "echo err >&2; exit 3"};
    exec_argv(&e, &r, fail3, 4);
    assert_int_equal(r.exit_code, 3);
    assert_int_equal(r.nlines, 1);
    assert_int_equal(r.streams[0], 2);
    assert_string_equal(r.lines[0], "err");

    /* 5 MB through put_file, checked inside the container */
    char path[] = "/tmp/b2a-itest-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *fp = fdopen(fd, "wb");
    for (size_t i = 0; i < 5u * 1000 * 1000; i++)
        fputc((int)((i * 31 + (i >> 12)) & 0xff), fp);
    fclose(fp);
    char cmdline[128], want[80] = {0};
    snprintf(cmdline, sizeof(cmdline), "sha256sum %s", path);
    FILE *p = popen(cmdline, "r");
    assert_int_equal(fscanf(p, "%64s", want), 1);
    pclose(p);
    memset(&r, 0, sizeof(r));
    assert_int_equal(b2a__docker_put_file(e.d, container_id, path, "/tmp", "data.bin", on_bytes, on_body, &r, NULL), B2A_OK);
    run(&e, &r);
    unlink(path);
    if (r.rc != B2A_OK)
        fail_msg("put_file failed: %s", r.err.msg);
    assert_int_equal(r.done_bytes, 5u * 1000 * 1000);
    const char *sum[] = {"busybox", "sha256sum", "/tmp/data.bin"};
    exec_argv(&e, &r, sum, 3);
    assert_int_equal(r.exit_code, 0);
    assert_int_equal(r.nlines, 1);
    strcat(want, "  /tmp/data.bin");
    assert_string_equal(r.lines[0], want);
    const char *ls[] = {"busybox", "stat", "-c", "%a %s", "/tmp/data.bin"};
    exec_argv(&e, &r, ls, 5);
    assert_string_equal(r.lines[0], "644 5000000");

    /* a missing directory: the engine's message comes through */
    memset(&r, 0, sizeof(r));
    assert_int_equal(b2a__docker_put_file(e.d, container_id, "/etc/hostname", "/no/such/dir", "x", NULL, on_body, &r, NULL), B2A_OK);
    run(&e, &r);
    assert_int_equal(r.rc, B2A_ENOTFOUND);
    assert_non_null(strstr(r.err.msg, "/no/such/dir"));
    assert_non_null(strstr(r.err.msg, "(HTTP 404)"));

    memset(&r, 0, sizeof(r));
    assert_int_equal(b2a__docker_container_list_by_label(e.d, job_label, on_list, &r, NULL), B2A_OK);
    run(&e, &r);
    assert_int_equal(r.rc, B2A_OK);
    assert_int_equal(r.nitems, 1);
    assert_string_equal(r.first_name, container_name);
    assert_string_equal(r.first_label, strchr(job_label, '=') + 1);

    memset(&r, 0, sizeof(r));
    assert_int_equal(b2a__docker_container_stop(e.d, container_id, 1, on_body, &r, NULL), B2A_OK);
    run(&e, &r);
    if (r.rc != B2A_OK)
        fail_msg("stop failed: %s", r.err.msg);
    memset(&r, 0, sizeof(r));
    assert_int_equal(b2a__docker_container_remove(e.d, container_id, 1, 1, on_body, &r, NULL), B2A_OK);
    run(&e, &r);
    if (r.rc != B2A_OK)
        fail_msg("remove failed: %s", r.err.msg);

    memset(&r, 0, sizeof(r));
    assert_int_equal(b2a__docker_container_list_by_label(e.d, job_label, on_list, &r, NULL), B2A_OK);
    run(&e, &r);
    assert_int_equal(r.rc, B2A_OK);
    assert_int_equal(r.nitems, 0);

    memset(&r, 0, sizeof(r));
    assert_int_equal(b2a__docker_container_inspect(e.d, container_id, on_inspect, &r, NULL), B2A_OK);
    run(&e, &r);
    assert_int_equal(r.rc, B2A_ENOTFOUND);
    env_close(&e);
}

static void test_missing_image(void **state)
{
    (void)state;
    env e;
    res r = {0};
    env_open(&e);
    assert_int_equal(b2a__docker_image_inspect(e.d, "bak2avro-test/no-such-image:1", on_body, &r, NULL), B2A_OK);
    run(&e, &r);
    assert_int_equal(r.rc, B2A_ENOTFOUND);
    /* The engine's wording varies by version ("no such image: X: No such image: X" on 20.10). */
    assert_non_null(strstr(r.err.msg, "inspecting image bak2avro-test/no-such-image:1: "));
    assert_non_null(strstr(r.err.msg, "No such image: bak2avro-test/no-such-image:1"));
    assert_non_null(strstr(r.err.msg, " (HTTP 404)"));
    assert_int_equal(r.err.native, 404);

    const char *cmd[] = {"true"};
    b2a_container_spec spec = {.image = "bak2avro-test/no-such-image:1", .cmd = cmd, .ncmd = 1};
    memset(&r, 0, sizeof(r));
    assert_int_equal(b2a__docker_container_create(e.d, &spec, on_body, &r, NULL), B2A_OK);
    run(&e, &r);
    assert_int_equal(r.rc, B2A_ENOTFOUND);
    assert_non_null(strstr(r.err.msg, "creating container from image bak2avro-test/no-such-image:1: "));
    assert_non_null(strstr(r.err.msg, "No such image: bak2avro-test/no-such-image:1"));
    env_close(&e);
}

/* No registry is reachable here: the pull must fail fast and name the image. */
static void test_pull_fails_clearly(void **state)
{
    (void)state;
    env e;
    res r = {0};
    env_open(&e);
    uint64_t t0 = uv_hrtime();
    assert_int_equal(b2a__docker_image_pull(e.d, "bak2avro-test/no-such-image:1", NULL, on_body, &r, NULL), B2A_OK);
    run(&e, &r);
    uint64_t secs = (uv_hrtime() - t0) / 1000000000u;
    print_message("pull failed after %llu s: %s\n", (unsigned long long)secs, r.err.msg);
    assert_int_not_equal(r.rc, B2A_OK);
    assert_int_equal(r.err.klass, B2A_ERRCLASS_DOCKER);
    assert_non_null(strstr(r.err.msg, "pulling image bak2avro-test/no-such-image:1: "));
    assert_true(secs < 60);
    env_close(&e);
}

/* Whatever happened above, leave no container behind. */
static int cleanup(void **state)
{
    (void)state;
    env e;
    res r = {0};
    if (!container_id[0])
        return 0;
    env_open(&e);
    if (b2a__docker_container_remove(e.d, container_id, 1, 1, on_body, &r, NULL) == B2A_OK)
        uv_run(&e.loop, UV_RUN_DEFAULT);
    env_close(&e);
    return 0;
}

/* Skip (77) unless an engine answers and the test image can be made. */
static void require_engine(void)
{
    uv_loop_t loop;
    b2a_docker *d;
    b2a_err err;
    res r = {0};
    uv_loop_init(&loop);
    if (b2a__docker_new(&loop, NULL, &d, &err) != B2A_OK) {
        printf("skipping: %s\n", err.msg);
        exit(77);
    }
    b2a__docker_set_limits(d, 5000, 10000, 0);
    if (b2a__docker_ping(d, on_body, &r, NULL) == B2A_OK)
        uv_run(&loop, UV_RUN_DEFAULT);
    b2a__docker_free(d);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    if (r.rc != B2A_OK) {
        printf("skipping: no Docker engine answers (%s)\n", r.err.msg);
        exit(77);
    }
    char script[4200];
    const char *root = getenv("B2A_SOURCE_ROOT");
    if (root && *root)
        snprintf(script, sizeof(script), "sh '%s/tests/docker/make-busybox-image.sh'", root);
    else
        snprintf(script, sizeof(script), "sh '%s/make-busybox-image.sh'", B2A_DOCKER_TEST_DIR);
    int st = system(script);
    if (WIFEXITED(st) && (WEXITSTATUS(st) == 2 || WEXITSTATUS(st) == 3)) {
        printf("skipping: cannot build the test image (see the message above)\n");
        exit(77);
    }
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        printf("make-busybox-image.sh failed (status %d)\n", st);
        exit(1);
    }
}

int main(void)
{
    require_engine();
    snprintf(job_label, sizeof(job_label), "bak2avro.job=itest-%ld", (long)getpid());
    snprintf(container_name, sizeof(container_name), "b2a-itest-%ld", (long)getpid());
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lifecycle),
        cmocka_unit_test(test_missing_image),
        cmocka_unit_test(test_pull_fails_clearly),
    };
    alarm(300);
    return cmocka_run_group_tests(tests, NULL, cleanup);
}
