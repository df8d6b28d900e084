/* The Docker client against tests/docker/fake_engine.py: one fake engine
 * process per test, replaying tests/docker/cases/<case>.json and logging
 * what it was sent. Every test runs on a fresh loop and ends with
 * uv_loop_close() == 0. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "docker/docker.h"
#include "engine/engine.h"
#include "fake_engine_proc.h"

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

/* What callbacks saw. */
typedef struct res {
    int calls;
    int rc;
    b2a_err err;
    char body[8192];
    int has_body;
    int exit_code;
    char lines[32][128];
    int streams[32];
    int nlines;
    double percents[32];
    char statuses[32][128];
    int nprog;
    int stop_after_lines; /* line callback returns 1 after this many */
    b2a_docker_req *req;  /* cancel after the first line when set */
    int cancel_on_line;
    b2a_docker_container_info items[4];
    char ids[4][64], names[4][64], labels[4][64];
    size_t nitems;
    b2a_docker_state state;
    char health[32], status[32];
    uint64_t last_done, last_total;
    int nbytes_cb;
} res;

static void on_body(void *ud, int rc, const b2a_err *err, const char *body)
{
    res *r = ud;
    r->calls++;
    r->rc = rc;
    if (err)
        b2a__err_copy(&r->err, err);
    r->has_body = body != NULL;
    if (body)
        snprintf(r->body, sizeof(r->body), "%s", body);
}

/* Fails with the message, not just the code. */
static void expect_ok(const res *r)
{
    if (r->rc != B2A_OK)
        fail_msg("rc %d: %s", r->rc, r->err.msg);
}

static int on_line(void *ud, int stream, const char *line, size_t len)
{
    res *r = ud;
    if (r->nlines < 32) {
        snprintf(r->lines[r->nlines], sizeof(r->lines[0]), "%.*s", (int)len, line);
        r->streams[r->nlines] = stream;
    }
    r->nlines++;
    if (r->cancel_on_line && r->req)
        b2a__docker_cancel(r->req);
    return r->stop_after_lines && r->nlines >= r->stop_after_lines;
}

static void on_exec(void *ud, int rc, int exit_code, const b2a_err *err)
{
    res *r = ud;
    r->calls++;
    r->rc = rc;
    r->exit_code = exit_code;
    r->req = NULL;
    if (err)
        b2a__err_copy(&r->err, err);
}

static int on_pull_progress(void *ud, double percent, const char *status)
{
    res *r = ud;
    if (r->nprog < 32) {
        r->percents[r->nprog] = percent;
        snprintf(r->statuses[r->nprog], sizeof(r->statuses[0]), "%s", status);
    }
    r->nprog++;
    return 0;
}

static void on_list(void *ud, int rc, const b2a_err *err, const b2a_docker_container_info *items,
                    size_t n)
{
    res *r = ud;
    r->calls++;
    r->rc = rc;
    if (err)
        b2a__err_copy(&r->err, err);
    r->nitems = n;
    for (size_t i = 0; i < n && i < 4; i++) {
        r->items[i] = items[i];
        snprintf(r->ids[i], 64, "%s", items[i].id);
        snprintf(r->names[i], 64, "%s", items[i].name);
        snprintf(r->labels[i], 64, "%s", items[i].label_value);
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
    if (st) {
        r->state = *st;
        snprintf(r->health, sizeof(r->health), "%s", st->health ? st->health : "(none)");
        snprintf(r->status, sizeof(r->status), "%s", st->status);
    }
}

static int on_bytes(void *ud, uint64_t done, uint64_t total)
{
    res *r = ud;
    assert_true(done >= r->last_done);
    r->last_done = done;
    r->last_total = total;
    r->nbytes_cb++;
    return 0;
}

/* A loop and a client on the fake's socket. */
typedef struct env {
    uv_loop_t loop;
    b2a_docker *d;
    fake_engine f;
} env;

static void env_start(env *e, const char *casename)
{
    b2a_err err;
    char host[160];
    memset(e, 0, sizeof(*e));
    fake_engine_start(&e->f, "docker/cases", casename);
    assert_int_equal(uv_loop_init(&e->loop), 0);
    snprintf(host, sizeof(host), "unix://%s", e->f.sock);
    assert_int_equal(b2a__docker_new(&e->loop, host, &e->d, &err), B2A_OK);
    assert_string_equal(b2a__docker_socket(e->d), e->f.sock);
}

static void env_run(env *e) { uv_run(&e->loop, UV_RUN_DEFAULT); }

static void env_stop(env *e)
{
    b2a__docker_free(e->d);
    uv_run(&e->loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&e->loop), 0);
    fake_engine_stop(&e->f);
}

/* ---- tests ---- */

static void test_ping(void **state)
{
    (void)state;
    env e;
    res r = {0};
    env_start(&e, "ping");
    assert_int_equal(b2a__docker_ping(e.d, on_body, &r, NULL), B2A_OK);
    assert_int_equal(r.calls, 0); /* never from inside the call */
    env_run(&e);
    assert_int_equal(r.calls, 1);
    expect_ok(&r);
    assert_string_equal(r.body, "OK");
    char *log = fake_engine_log(&e.f);
    assert_non_null(strstr(log, "\"content-type\": \"application/json\""));
    assert_int_equal(count(log, "\"unexpected\": true"), 0);
    free(log);
    env_stop(&e);
}

static void test_image_inspect_404(void **state)
{
    (void)state;
    env e;
    res r = {0};
    env_start(&e, "image_inspect_404");
    assert_int_equal(b2a__docker_image_inspect(e.d, "postgres:16", on_body, &r, NULL), B2A_OK);
    env_run(&e);
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.rc, B2A_ENOTFOUND);
    assert_int_equal(r.err.code, B2A_ENOTFOUND);
    assert_int_equal(r.err.klass, B2A_ERRCLASS_DOCKER);
    assert_int_equal(r.err.native, 404);
    assert_string_equal(r.err.msg, "inspecting image postgres:16: No such image: postgres:16 (HTTP 404)");
    assert_false(r.has_body);
    env_stop(&e);
}

static void test_create_lifecycle(void **state)
{
    (void)state;
    env e;
    res r = {0};
    env_start(&e, "create_lifecycle");
    const char *envv[] = {"ACCEPT_EULA=Y", "MSSQL_SA_PASSWORD=Sup3r-s3cret!"};
    const char *labels[] = {"bak2avro.job=3f2a", "bak2avro.vendor=sqlserver"};
    const char *binds[] = {"/srv/in:/backup:ro"};
    b2a_container_spec spec = {
        .image = "mcr.microsoft.com/mssql/server:2022-latest", .name = "b2a-job-3f2a",
        .env = envv, .nenv = 2, .labels = labels, .nlabels = 2, .binds = binds, .nbinds = 1,
        .container_port = 1433, .host_port = 14330,
    };
    assert_int_equal(b2a__docker_container_create(e.d, &spec, on_body, &r, NULL), B2A_OK);
    env_run(&e);
    expect_ok(&r);
    assert_string_equal(r.body, "c0ffee42");

    memset(&r, 0, sizeof(r));
    assert_int_equal(b2a__docker_container_start(e.d, "c0ffee42", on_body, &r, NULL), B2A_OK);
    env_run(&e);
    assert_int_equal(r.calls, 1);
    expect_ok(&r);
    /* 304: already started is fine */
    memset(&r, 0, sizeof(r));
    assert_int_equal(b2a__docker_container_start(e.d, "c0ffee42", on_body, &r, NULL), B2A_OK);
    env_run(&e);
    expect_ok(&r);

    memset(&r, 0, sizeof(r));
    assert_int_equal(b2a__docker_container_inspect(e.d, "c0ffee42", on_inspect, &r, NULL), B2A_OK);
    env_run(&e);
    expect_ok(&r);
    assert_int_equal(r.state.running, 1);
    assert_int_equal(r.state.exit_code, 0);
    assert_string_equal(r.status, "running");
    assert_string_equal(r.health, "healthy");

    memset(&r, 0, sizeof(r));
    assert_int_equal(b2a__docker_container_stop(e.d, "c0ffee42", 7, on_body, &r, NULL), B2A_OK);
    env_run(&e);
    expect_ok(&r);
    memset(&r, 0, sizeof(r));
    assert_int_equal(b2a__docker_container_remove(e.d, "c0ffee42", 1, 1, on_body, &r, NULL), B2A_OK);
    env_run(&e);
    expect_ok(&r);
    memset(&r, 0, sizeof(r));
    assert_int_equal(b2a__docker_container_remove(e.d, "c0ffee42", 1, 1, on_body, &r, NULL), B2A_OK);
    env_run(&e);
    assert_int_equal(r.rc, B2A_ENOTFOUND);
    assert_string_equal(r.err.msg, "removing container c0ffee42: No such container: c0ffee42 (HTTP 404)");

    char *log = fake_engine_log(&e.f);
    assert_int_equal(count(log, "\"unexpected\": true"), 0);
    /* The create body as the engine got it (JSON inside the log's JSON string). */
    assert_non_null(strstr(log, "\\\"Labels\\\":{\\\"bak2avro.job\\\":\\\"3f2a\\\",\\\"bak2avro.vendor\\\":\\\"sqlserver\\\"}"));
    assert_non_null(strstr(log, "\\\"PortBindings\\\":{\\\"1433/tcp\\\":[{\\\"HostIp\\\":\\\"127.0.0.1\\\",\\\"HostPort\\\":\\\"14330\\\"}]}"));
    assert_non_null(strstr(log, "\\\"ExposedPorts\\\":{\\\"1433/tcp\\\":{}}"));
    assert_non_null(strstr(log, "\\\"Binds\\\":[\\\"/srv/in:/backup:ro\\\"]"));
    assert_null(strstr(log, "0.0.0.0"));
    assert_null(strstr(log, "NetworkMode"));
    free(log);
    env_stop(&e);
}

/* The create bodies the vendor layer's specs become (PostgreSQL and
 * MariaDB, publish and host networking), as the engine receives them: a
 * restored database is published on 127.0.0.1 only, or not at all. */
static void test_create_vendor_specs(void **state)
{
    (void)state;
    char dump[] = "/tmp/b2a-spec-XXXXXX";
    int fd = mkstemp(dump);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "PGDMP", 5), 5);
    close(fd);
    const struct {
        const b2a_vendor *v;
        b2a_format_id fmt;
        b2a_network net;
        int port;
        const char *bind; /* expected PortBindings, NULL: host network */
    } cases[] = {
        {&b2a__vendor_postgres, B2A_FMT_PG_CUSTOM, B2A_NETWORK_PUBLISH, 45432,
         "\\\"PortBindings\\\":{\\\"5432/tcp\\\":[{\\\"HostIp\\\":\\\"127.0.0.1\\\",\\\"HostPort\\\":\\\"45432\\\"}]}"},
        {&b2a__vendor_postgres, B2A_FMT_PG_CUSTOM, B2A_NETWORK_HOST, 45433, NULL},
        {&b2a__vendor_mysql, B2A_FMT_MYSQL_SQL, B2A_NETWORK_PUBLISH, 0,
         "\\\"PortBindings\\\":{\\\"3306/tcp\\\":[{\\\"HostIp\\\":\\\"127.0.0.1\\\",\\\"HostPort\\\":\\\"\\\"}]}"},
        {&b2a__vendor_mysql, B2A_FMT_MYSQL_SQL, B2A_NETWORK_HOST, 43306, NULL},
    };
    env e;
    env_start(&e, "create_vendor_specs");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        b2a_vendor_input in = {.path = dump, .format = cases[i].fmt, .size = 5};
        b2a_vendor_params p = {.job_id = "spec1", .image = NULL, .network = cases[i].net, .port = cases[i].port,
                               .delivery = B2A_VENDOR_BIND, .inputs = &in, .ninputs = 1};
        b2a_vendor_job *j = NULL;
        b2a_err err;
        b2a__err_clear(&err);
        if (b2a__vendor_job_new(cases[i].v, &p, &j, &err) != B2A_OK)
            fail_msg("vendor job %zu: %s", i, err.msg);
        res r = {0};
        assert_int_equal(b2a__docker_container_create(e.d, &j->spec, on_body, &r, NULL), B2A_OK);
        env_run(&e);
        expect_ok(&r);
        b2a__vendor_job_free(j);
    }
    unlink(dump);
    char *log = fake_engine_log(&e.f);
    assert_int_equal(count(log, "\"unexpected\": true"), 0);
    assert_int_equal(count(log, "\"method\": \"POST\""), 4);
    /* no address but loopback, anywhere, ever */
    assert_null(strstr(log, "0.0.0.0"));
    assert_null(strstr(log, "::"));
    char *line = log;
    for (size_t i = 0; i < 4; i++) {
        char *end = strchr(line, '\n');
        assert_non_null(end);
        *end = '\0';
        if (cases[i].bind) {
            if (!strstr(line, cases[i].bind))
                fail_msg("case %zu: no %s in %s", i, cases[i].bind, line);
            assert_int_equal(count(line, "HostIp"), 1);
            assert_null(strstr(line, "NetworkMode"));
        } else {
            assert_non_null(strstr(line, "\\\"NetworkMode\\\":\\\"host\\\""));
            assert_null(strstr(line, "PortBindings"));
            assert_null(strstr(line, "ExposedPorts"));
            assert_null(strstr(line, "HostIp"));
        }
        line = end + 1;
    }
    free(log);
    env_stop(&e);
}

static void test_create_500_no_secret(void **state)
{
    (void)state;
    env e;
    res r = {0};
    env_start(&e, "create_500");
    const char *envv[] = {"MSSQL_SA_PASSWORD=Sup3r-s3cret!"};
    const char *labels[] = {"bak2avro.job"};
    b2a_container_spec spec = {.image = "postgres:16", .env = envv, .nenv = 1, .labels = labels,
                               .nlabels = 1, .host_network = 1, .container_port = 5432};
    assert_int_equal(b2a__docker_container_create(e.d, &spec, on_body, &r, NULL), B2A_OK);
    env_run(&e);
    assert_int_equal(r.rc, B2A_EDOCKER);
    assert_int_equal(r.err.native, 500);
    assert_string_equal(r.err.msg, "creating container from image postgres:16: driver failed "
                                   "programming external connectivity on endpoint b2a: port is "
                                   "already allocated (HTTP 500)");
    assert_null(strstr(r.err.msg, "s3cret"));
    char *log = fake_engine_log(&e.f);
    /* host network: no port publishing at all, an empty-valued label */
    assert_non_null(strstr(log, "\\\"NetworkMode\\\":\\\"host\\\""));
    assert_null(strstr(log, "PortBindings"));
    assert_non_null(strstr(log, "\\\"Labels\\\":{\\\"bak2avro.job\\\":\\\"\\\"}"));
    free(log);
    env_stop(&e);
}

static void test_create_bad_json(void **state)
{
    (void)state;
    env e;
    res r = {0};
    env_start(&e, "create_bad_json");
    b2a_container_spec spec = {.image = "postgres:16"};
    assert_int_equal(b2a__docker_container_create(e.d, &spec, on_body, &r, NULL), B2A_OK);
    env_run(&e);
    assert_int_equal(r.rc, B2A_EDOCKER);
    assert_non_null(strstr(r.err.msg, "creating container from image postgres:16: the engine's reply is not valid JSON"));
    env_stop(&e);
}

static void test_create_invalid_spec(void **state)
{
    (void)state;
    env e;
    res r = {0};
    env_start(&e, "ping");
    const char *bad_env[] = {"X=\xff\xfe"};
    b2a_container_spec spec = {.image = "postgres:16", .env = bad_env, .nenv = 1};
    assert_int_equal(b2a__docker_container_create(e.d, &spec, on_body, &r, NULL), B2A_EINVAL);
    b2a_container_spec noimage = {.image = NULL};
    assert_int_equal(b2a__docker_container_create(e.d, &noimage, on_body, &r, NULL), B2A_EINVAL);
    env_run(&e);
    assert_int_equal(r.calls, 0); /* refused calls never call back */
    env_stop(&e);
}

static void test_plain_text_error(void **state)
{
    (void)state;
    env e;
    res r = {0};
    env_start(&e, "plain_502");
    assert_int_equal(b2a__docker_ping(e.d, on_body, &r, NULL), B2A_OK);
    env_run(&e);
    assert_int_equal(r.rc, B2A_EDOCKER);
    assert_string_equal(r.err.msg, "pinging the Docker engine: <html> <body>Bad Gateway</body> </html> (HTTP 502)");
    env_stop(&e);
}

static void test_list_by_label(void **state)
{
    (void)state;
    env e;
    res r = {0};
    env_start(&e, "list_by_label");
    assert_int_equal(b2a__docker_container_list_by_label(e.d, "bak2avro.job", on_list, &r, NULL), B2A_OK);
    env_run(&e);
    expect_ok(&r);
    assert_int_equal(r.nitems, 2);
    assert_string_equal(r.ids[0], "aaa111");
    assert_string_equal(r.names[0], "b2a-job-3f2a");
    assert_string_equal(r.labels[0], "3f2a");
    assert_int_equal(r.items[0].created, 1700000000);
    assert_string_equal(r.ids[1], "bbb222");
    assert_string_equal(r.labels[1], "77");
    env_stop(&e);
}

/* A list reply that is not JSON fails the call once (found by fuzz_docker:
 * the failure freed the request, then the parse result was stored in it). */
static void test_list_bad_json(void **state)
{
    (void)state;
    env e;
    res r = {0};
    env_start(&e, "list_bad_json");
    assert_int_equal(b2a__docker_container_list_by_label(e.d, "bak2avro.job", on_list, &r, NULL), B2A_OK);
    env_run(&e);
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.rc, B2A_EDOCKER);
    assert_non_null(strstr(r.err.msg, "the engine's reply is not valid JSON"));
    env_stop(&e);
}

static void test_exec_split_frames(void **state)
{
    (void)state;
    env e;
    res r = {0};
    env_start(&e, "exec_split");
    const char *argv[] = {"/opt/mssql-tools/bin/sqlcmd", "-P", "Sup3r-s3cret!"};
    const char *envv[] = {"SQLCMDPASSWORD=Sup3r-s3cret!"};
    assert_int_equal(b2a__docker_exec(e.d, "c0ffee42", argv, 3, envv, 1, on_line, on_exec, &r, NULL), B2A_OK);
    env_run(&e);
    assert_int_equal(r.calls, 1);
    expect_ok(&r);
    assert_int_equal(r.exit_code, 0);
    assert_int_equal(r.nlines, 4);
    assert_int_equal(r.streams[0], 1);
    assert_string_equal(r.lines[0], "hello");
    assert_int_equal(r.streams[1], 2);
    assert_string_equal(r.lines[1], "oops");
    assert_int_equal(r.streams[2], 1);
    assert_string_equal(r.lines[2], "world");
    assert_int_equal(r.streams[3], 1);
    assert_string_equal(r.lines[3], "tail without newline");
    char *log = fake_engine_log(&e.f);
    assert_int_equal(count(log, "\"unexpected\": true"), 0);
    assert_non_null(strstr(log, "\\\"AttachStdout\\\":true,\\\"AttachStderr\\\":true"));
    assert_non_null(strstr(log, "\\\"Detach\\\":false,\\\"Tty\\\":false"));
    free(log);
    env_stop(&e);
}

static void test_exec_137(void **state)
{
    (void)state;
    env e;
    res r = {0};
    env_start(&e, "exec_137");
    const char *argv[] = {"restore.sh"};
    assert_int_equal(b2a__docker_exec(e.d, "c0ffee42", argv, 1, NULL, 0, on_line, on_exec, &r, NULL), B2A_OK);
    env_run(&e);
    assert_int_equal(r.calls, 1);
    expect_ok(&r);
    assert_int_equal(r.exit_code, 137);
    assert_int_equal(r.nlines, 1);
    assert_string_equal(r.lines[0], "restoring...");
    env_stop(&e);
}

static void test_exec_dropped(void **state)
{
    (void)state;
    env e;
    res r = {0};
    env_start(&e, "exec_dropped");
    const char *argv[] = {"pg_restore", "--password=Sup3r-s3cret!"};
    assert_int_equal(b2a__docker_exec(e.d, "c0ffee42", argv, 2, NULL, 0, on_line, on_exec, &r, NULL), B2A_OK);
    env_run(&e);
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.rc, B2A_EDOCKER);
    assert_int_equal(r.exit_code, -1);
    assert_int_equal(r.nlines, 1);
    assert_string_equal(r.lines[0], "first line");
    assert_string_equal(r.err.msg, "running pg_restore in container c0ffee42: the output stream ended mid-frame");
    env_stop(&e);
}

static void test_exec_409_no_secret(void **state)
{
    (void)state;
    env e;
    res r = {0};
    env_start(&e, "exec_409");
    const char *argv[] = {"sqlcmd", "-P", "Sup3r-s3cret!"};
    const char *envv[] = {"SQLCMDPASSWORD=Sup3r-s3cret!"};
    assert_int_equal(b2a__docker_exec(e.d, "c0ffee42", argv, 3, envv, 1, on_line, on_exec, &r, NULL), B2A_OK);
    env_run(&e);
    assert_int_equal(r.rc, B2A_EDOCKER);
    assert_int_equal(r.err.native, 409);
    assert_string_equal(r.err.msg, "running sqlcmd in container c0ffee42: Container c0ffee42 is not running (HTTP 409)");
    env_stop(&e);
}

static void test_exec_line_cb_stops(void **state)
{
    (void)state;
    env e;
    res r = {0};
    r.stop_after_lines = 1;
    env_start(&e, "exec_stall");
    const char *argv[] = {"sleep"};
    assert_int_equal(b2a__docker_exec(e.d, "c0ffee42", argv, 1, NULL, 0, on_line, on_exec, &r, NULL), B2A_OK);
    env_run(&e);
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.rc, B2A_EUSER);
    assert_string_equal(r.err.msg, "running sleep in container c0ffee42: stopped by the output callback");
    env_stop(&e);
}

static void test_exec_cancel(void **state)
{
    (void)state;
    env e;
    res r = {0};
    env_start(&e, "exec_stall");
    const char *argv[] = {"sleep"};
    r.cancel_on_line = 1;
    time_t t0 = time(NULL);
    assert_int_equal(b2a__docker_exec(e.d, "c0ffee42", argv, 1, NULL, 0, on_line, on_exec, &r, &r.req), B2A_OK);
    env_run(&e);
    assert_true(time(NULL) - t0 < 10); /* the fake holds the stream 30 s */
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.rc, B2A_ECANCELED);
    assert_int_equal(r.nlines, 1);
    assert_string_equal(r.err.msg, "running sleep in container c0ffee42: canceled");
    env_stop(&e);
}

static void free_in_line(void *ud, int rc, int exit_code, const b2a_err *err)
{
    on_exec(ud, rc, exit_code, err);
}

typedef struct free_ctx {
    res r;
    b2a_docker *d;
} free_ctx;

static int line_then_free(void *ud, int stream, const char *line, size_t len)
{
    free_ctx *c = ud;
    on_line(&c->r, stream, line, len);
    b2a__docker_free(c->d); /* from inside a callback: deferred */
    c->d = NULL;
    return 0;
}

static void test_free_inflight(void **state)
{
    (void)state;
    env e;
    free_ctx c = {0};
    env_start(&e, "exec_stall");
    const char *argv[] = {"sleep"};
    c.d = e.d;
    assert_int_equal(b2a__docker_exec(e.d, "c0ffee42", argv, 1, NULL, 0, line_then_free, free_in_line, &c, NULL), B2A_OK);
    env_run(&e);
    assert_int_equal(c.r.calls, 1);
    assert_int_equal(c.r.rc, B2A_ECANCELED);
    assert_string_equal(c.r.err.msg, "running sleep in container c0ffee42: canceled (the Docker client was closed)");
    e.d = NULL; /* already freed */
    env_stop(&e);
}

/* A request started from inside a line callback (that is, inside curl). */
typedef struct nested_ctx {
    res exec, ping;
    b2a_docker *d;
    int started;
} nested_ctx;

static int line_then_ping(void *ud, int stream, const char *line, size_t len)
{
    nested_ctx *c = ud;
    on_line(&c->exec, stream, line, len);
    c->started = b2a__docker_ping(c->d, on_body, &c->ping, NULL) == B2A_OK;
    return 0;
}

static void nested_exec_done(void *ud, int rc, int exit_code, const b2a_err *err)
{
    on_exec(&((nested_ctx *)ud)->exec, rc, exit_code, err);
}

static void test_request_from_callback(void **state)
{
    (void)state;
    env e;
    nested_ctx c = {0};
    env_start(&e, "exec_nested");
    c.d = e.d;
    const char *argv[] = {"pg_ctl"};
    assert_int_equal(b2a__docker_exec(e.d, "c0ffee42", argv, 1, NULL, 0, line_then_ping, nested_exec_done, &c, NULL), B2A_OK);
    env_run(&e);
    assert_int_equal(c.started, 1);
    assert_int_equal(c.ping.calls, 1);
    expect_ok(&c.ping);
    assert_string_equal(c.ping.body, "OK");
    assert_int_equal(c.exec.calls, 1);
    expect_ok(&c.exec);
    assert_int_equal(c.exec.exit_code, 0);
    char *log = fake_engine_log(&e.f);
    assert_int_equal(count(log, "\"unexpected\": true"), 0);
    free(log);
    env_stop(&e);
}

static void test_free_pending_runs_callbacks(void **state)
{
    (void)state;
    env e;
    res r = {0};
    env_start(&e, "stall");
    assert_int_equal(b2a__docker_ping(e.d, on_body, &r, NULL), B2A_OK);
    uv_run(&e.loop, UV_RUN_NOWAIT);
    b2a__docker_free(e.d);
    assert_int_equal(r.calls, 1); /* inside free */
    assert_int_equal(r.rc, B2A_ECANCELED);
    e.d = NULL;
    env_stop(&e);
}

static void test_pull_ok(void **state)
{
    (void)state;
    env e;
    res r = {0};
    env_start(&e, "pull_ok");
    assert_int_equal(b2a__docker_image_pull(e.d, "postgres:16", on_pull_progress, on_body, &r, NULL), B2A_OK);
    env_run(&e);
    assert_int_equal(r.calls, 1);
    expect_ok(&r);
    assert_string_equal(r.body, "Status: Downloaded newer image for postgres:16");
    assert_int_equal(r.nprog, 8);
    assert_string_equal(r.statuses[0], "16: Pulling from library/postgres");
    assert_true(r.percents[0] < 0);
    assert_string_equal(r.statuses[1], "aaa: Downloading");
    assert_true(r.percents[1] == 25.0);  /* 100 of 400 */
    assert_true(r.percents[2] == 10.0);  /* 100 of 1000 */
    assert_string_equal(r.statuses[3], "bbb: Downloading"); /* a line split across chunks */
    assert_true(r.percents[3] == 40.0);  /* 400 of 1000 */
    assert_true(r.percents[4] == 70.0);  /* aaa complete */
    assert_true(r.percents[5] == 100.0);
    assert_string_equal(r.statuses[7], "Status: Downloaded newer image for postgres:16");
    env_stop(&e);
}

static void test_pull_error_line(void **state)
{
    (void)state;
    env e;
    res r = {0};
    env_start(&e, "pull_error_line");
    assert_int_equal(b2a__docker_image_pull(e.d, "registry.example:5000/team/pg:16", on_pull_progress, on_body, &r, NULL), B2A_OK);
    env_run(&e);
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.rc, B2A_EDOCKER);
    assert_int_equal(r.nprog, 2);
    assert_string_equal(r.err.msg, "pulling image registry.example:5000/team/pg:16: unexpected EOF");
    env_stop(&e);
}

static void test_pull_500(void **state)
{
    (void)state;
    env e;
    res r = {0};
    env_start(&e, "pull_500");
    assert_int_equal(b2a__docker_image_pull(e.d, "postgres", NULL, on_body, &r, NULL), B2A_OK);
    env_run(&e);
    assert_int_equal(r.rc, B2A_EDOCKER);
    assert_string_equal(r.err.msg, "pulling image postgres: Get \"https://registry-1.docker.io/v2/\": "
                                   "dial tcp: lookup registry-1.docker.io: no such host (HTTP 500)");
    env_stop(&e);
}

static void test_pull_dropped(void **state)
{
    (void)state;
    env e;
    res r = {0};
    env_start(&e, "pull_dropped");
    assert_int_equal(b2a__docker_image_pull(e.d, "postgres:16", on_pull_progress, on_body, &r, NULL), B2A_OK);
    env_run(&e);
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.rc, B2A_EDOCKER);
    assert_int_equal(r.nprog, 1);
    assert_non_null(strstr(r.err.msg, "pulling image postgres:16: connection to the Docker engine at "));
    assert_non_null(strstr(r.err.msg, " failed mid-reply: "));
    env_stop(&e);
}

static void test_timeout(void **state)
{
    (void)state;
    env e;
    res r = {0};
    env_start(&e, "stall");
    b2a__docker_set_limits(e.d, 0, 300, 0);
    uint64_t t0 = uv_hrtime();
    assert_int_equal(b2a__docker_ping(e.d, on_body, &r, NULL), B2A_OK);
    env_run(&e);
    uint64_t ms = (uv_hrtime() - t0) / 1000000;
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.rc, B2A_ETIMEOUT);
    assert_true(ms >= 250 && ms < 3000);
    assert_non_null(strstr(r.err.msg, "pinging the Docker engine: the Docker engine at "));
    assert_non_null(strstr(r.err.msg, "did not answer in time"));
    env_stop(&e);
}

static void test_truncated_reply(void **state)
{
    (void)state;
    env e;
    res r = {0};
    env_start(&e, "truncated");
    assert_int_equal(b2a__docker_image_inspect(e.d, "postgres:16", on_body, &r, NULL), B2A_OK);
    env_run(&e);
    assert_int_equal(r.rc, B2A_EDOCKER);
    assert_non_null(strstr(r.err.msg, "inspecting image postgres:16: connection to the Docker engine at "));
    assert_non_null(strstr(r.err.msg, "failed mid-reply"));
    env_stop(&e);
}

static void test_body_cap(void **state)
{
    (void)state;
    env e;
    res r = {0};
    env_start(&e, "big_reply");
    b2a__docker_set_limits(e.d, 0, -1, 100);
    assert_int_equal(b2a__docker_image_inspect(e.d, "postgres:16", on_body, &r, NULL), B2A_OK);
    env_run(&e);
    assert_int_equal(r.rc, B2A_EDOCKER);
    assert_string_equal(r.err.msg, "inspecting image postgres:16: the engine's reply is larger than 100 bytes");
    env_stop(&e);
}

static void test_connect_refused(void **state)
{
    (void)state;
    uv_loop_t loop;
    b2a_docker *d;
    b2a_err err;
    res r = {0};
    assert_int_equal(uv_loop_init(&loop), 0);
    assert_int_equal(b2a__docker_new(&loop, "/nonexistent/b2a/docker.sock", &d, &err), B2A_OK);
    assert_int_equal(b2a__docker_ping(d, on_body, &r, NULL), B2A_OK);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.rc, B2A_EDOCKER);
    assert_int_equal(r.err.native, 0);
    assert_string_equal(r.err.msg, "pinging the Docker engine: cannot connect to the Docker engine "
                                   "at /nonexistent/b2a/docker.sock: No such file or directory");
    b2a__docker_free(d);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
}

static void test_host_selection(void **state)
{
    (void)state;
    uv_loop_t loop;
    b2a_docker *d = NULL;
    b2a_err err;
    assert_int_equal(uv_loop_init(&loop), 0);
    setenv("DOCKER_HOST", "tcp://10.0.0.1:2375", 1);
    assert_int_equal(b2a__docker_new(&loop, NULL, &d, &err), B2A_EUNSUPPORTED);
    assert_null(d);
    assert_int_equal(err.klass, B2A_ERRCLASS_DOCKER);
    assert_string_equal(err.msg, "Docker host \"tcp://10.0.0.1:2375\" (from DOCKER_HOST) is not "
                                 "supported: only unix:///path sockets are");
    setenv("DOCKER_HOST", "unix:///run/user/1000/docker.sock", 1);
    assert_int_equal(b2a__docker_new(&loop, NULL, &d, &err), B2A_OK);
    assert_string_equal(b2a__docker_socket(d), "/run/user/1000/docker.sock");
    b2a__docker_free(d);
    /* an explicit host wins over DOCKER_HOST */
    assert_int_equal(b2a__docker_new(&loop, "unix:///tmp/x.sock", &d, &err), B2A_OK);
    assert_string_equal(b2a__docker_socket(d), "/tmp/x.sock");
    b2a__docker_free(d);
    unsetenv("DOCKER_HOST");
    assert_int_equal(b2a__docker_new(&loop, NULL, &d, &err), B2A_OK);
    assert_string_equal(b2a__docker_socket(d), "/var/run/docker.sock");
    b2a__docker_free(d);
    assert_int_equal(b2a__docker_new(&loop, "relative.sock", &d, &err), B2A_EINVAL);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
}

static void test_container_logs(void **state)
{
    (void)state;
    env e;
    res r = {0};
    env_start(&e, "logs");
    assert_int_equal(b2a__docker_container_logs(e.d, "c0ffee42", 50, on_line, on_body, &r, NULL), B2A_OK);
    env_run(&e);
    assert_int_equal(r.calls, 1);
    expect_ok(&r);
    assert_int_equal(r.nlines, 2);
    assert_int_equal(r.streams[0], 1);
    assert_string_equal(r.lines[0], "SQL Server is starting");
    assert_int_equal(r.streams[1], 2);
    assert_string_equal(r.lines[1], "sqlservr: This program requires a machine with at least 2000 megabytes of memory.");
    memset(&r, 0, sizeof(r));
    assert_int_equal(b2a__docker_container_logs(e.d, "gone", 0, on_line, on_body, &r, NULL), B2A_OK);
    env_run(&e);
    assert_int_equal(r.rc, B2A_ENOTFOUND);
    assert_string_equal(r.err.msg, "reading the logs of container gone: No such container: gone (HTTP 404)");
    env_stop(&e);
}

static void make_file(const char *path, size_t n)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    for (size_t i = 0; i < n; i++)
        fputc((int)((i * 7 + i / 1000) & 0xff), fp);
    fclose(fp);
}

static void sha256_of(const char *path, char out[65])
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "sha256sum '%s'", path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    assert_int_equal(fscanf(p, "%64s", out), 1);
    pclose(p);
}

static void test_put_file(void **state)
{
    (void)state;
    env e;
    res r = {0};
    env_start(&e, "put_file");
    char path[160], sha[65], want[256];
    snprintf(path, sizeof(path), "%s/db.bak", e.f.dir);
    make_file(path, 3 * 1024 * 1024 + 123);
    sha256_of(path, sha);
    assert_int_equal(b2a__docker_put_file(e.d, "c0ffee42", path, "/var/opt/backup", "input.bak", on_bytes, on_body, &r, NULL), B2A_OK);
    env_run(&e);
    assert_int_equal(r.calls, 1);
    expect_ok(&r);
    assert_int_equal(r.last_done, 3 * 1024 * 1024 + 123);
    assert_int_equal(r.last_total, 3 * 1024 * 1024 + 123);
    assert_true(r.nbytes_cb >= 2);
    char *log = fake_engine_log(&e.f);
    assert_int_equal(count(log, "\"unexpected\": true"), 0);
    snprintf(want, sizeof(want), "\"tar\": [{\"name\": \"input.bak\", \"size\": %d, \"mode\": 420, \"sha256\": \"%s\"}]",
             3 * 1024 * 1024 + 123, sha);
    assert_non_null(strstr(log, want));
    assert_non_null(strstr(log, "\"content-type\": \"application/x-tar\""));
    /* 512 header + data padded to 512 + two zero blocks */
    assert_non_null(strstr(log, "\"body_len\": 3147776,"));
    free(log);
    unlink(path);
    env_stop(&e);
}

static int stop_at_third(void *ud, double percent, const char *status)
{
    res *r = ud;
    on_pull_progress(ud, percent, status);
    return r->nprog == 3;
}

static void test_pull_progress_stops(void **state)
{
    (void)state;
    env e;
    res r = {0};
    env_start(&e, "pull_ok");
    assert_int_equal(b2a__docker_image_pull(e.d, "postgres:16", stop_at_third, on_body, &r, NULL), B2A_OK);
    env_run(&e);
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.rc, B2A_EUSER);
    assert_int_equal(r.nprog, 3);
    assert_string_equal(r.err.msg, "pulling image postgres:16: stopped by the progress callback");
    env_stop(&e);
}

typedef struct shrink_ctx {
    res r;
    char path[160];
} shrink_ctx;

static int truncate_on_progress(void *ud, uint64_t done, uint64_t total)
{
    shrink_ctx *c = ud;
    (void)done, (void)total;
    if (c->r.nbytes_cb++ == 0)
        assert_int_equal(truncate(c->path, 4096), 0);
    return 0;
}

static void on_shrink_done(void *ud, int rc, const b2a_err *err, const char *body)
{
    on_body(&((shrink_ctx *)ud)->r, rc, err, body);
}

static void test_put_file_shrinks(void **state)
{
    (void)state;
    env e;
    shrink_ctx c = {0};
    env_start(&e, "put_shrink");
    snprintf(c.path, sizeof(c.path), "%s/shrinking.bak", e.f.dir);
    make_file(c.path, 8 * 1024 * 1024);
    assert_int_equal(b2a__docker_put_file(e.d, "c0ffee42", c.path, "/tmp", "s.bak", truncate_on_progress, on_shrink_done, &c, NULL), B2A_OK);
    env_run(&e);
    assert_int_equal(c.r.calls, 1);
    assert_int_equal(c.r.rc, B2A_EIO);
    assert_int_equal(c.r.err.klass, B2A_ERRCLASS_IO);
    assert_non_null(strstr(c.r.err.msg, " shrank while it was being sent ("));
    assert_non_null(strstr(c.r.err.msg, " of 8388608 bytes read)"));
    unlink(c.path);
    env_stop(&e);
}

static void test_put_file_errors(void **state)
{
    (void)state;
    env e;
    res r = {0};
    env_start(&e, "put_404");
    char path[160];
    snprintf(path, sizeof(path), "%s/small.bak", e.f.dir);
    make_file(path, 1000);
    assert_int_equal(b2a__docker_put_file(e.d, "c0ffee42", path, "/nope", "x.bak", NULL, on_body, &r, NULL), B2A_OK);
    env_run(&e);
    assert_int_equal(r.rc, B2A_ENOTFOUND);
    assert_non_null(strstr(r.err.msg, "into container c0ffee42 as /nope/x.bak: Could not find the file /nope in container c0ffee42 (HTTP 404)"));
    unlink(path);

    /* a missing host file: reported through the callback, naming the file */
    memset(&r, 0, sizeof(r));
    assert_int_equal(b2a__docker_put_file(e.d, "c0ffee42", "/nonexistent/in.bak", "/tmp", "in.bak", NULL, on_body, &r, NULL), B2A_OK);
    assert_int_equal(r.calls, 0);
    env_run(&e);
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.rc, B2A_ENOTFOUND);
    assert_string_equal(r.err.msg, "copying /nonexistent/in.bak into container c0ffee42 as /tmp/in.bak: "
                                   "cannot open /nonexistent/in.bak: No such file or directory");
    /* a directory is not a file */
    memset(&r, 0, sizeof(r));
    assert_int_equal(b2a__docker_put_file(e.d, "c0ffee42", "/tmp", "/tmp", "in.bak", NULL, on_body, &r, NULL), B2A_OK);
    env_run(&e);
    assert_int_equal(r.rc, B2A_EIO);
    assert_non_null(strstr(r.err.msg, ": /tmp is not a regular file"));
    /* bad names are refused at once */
    assert_int_equal(b2a__docker_put_file(e.d, "c0ffee42", "/etc/hostname", "/tmp", "a/b", NULL, on_body, &r, NULL), B2A_EINVAL);
    assert_int_equal(b2a__docker_put_file(e.d, "c0ffee42", "/etc/hostname", "tmp", "b", NULL, on_body, &r, NULL), B2A_EINVAL);
    env_stop(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ping),
        cmocka_unit_test(test_image_inspect_404),
        cmocka_unit_test(test_create_lifecycle),
        cmocka_unit_test(test_create_500_no_secret),
        cmocka_unit_test(test_create_vendor_specs),
        cmocka_unit_test(test_create_bad_json),
        cmocka_unit_test(test_create_invalid_spec),
        cmocka_unit_test(test_plain_text_error),
        cmocka_unit_test(test_list_by_label),
        cmocka_unit_test(test_list_bad_json),
        cmocka_unit_test(test_exec_split_frames),
        cmocka_unit_test(test_exec_137),
        cmocka_unit_test(test_exec_dropped),
        cmocka_unit_test(test_exec_409_no_secret),
        cmocka_unit_test(test_exec_line_cb_stops),
        cmocka_unit_test(test_exec_cancel),
        cmocka_unit_test(test_free_inflight),
        cmocka_unit_test(test_free_pending_runs_callbacks),
        cmocka_unit_test(test_request_from_callback),
        cmocka_unit_test(test_container_logs),
        cmocka_unit_test(test_pull_ok),
        cmocka_unit_test(test_pull_error_line),
        cmocka_unit_test(test_pull_500),
        cmocka_unit_test(test_pull_dropped),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_truncated_reply),
        cmocka_unit_test(test_body_cap),
        cmocka_unit_test(test_connect_refused),
        cmocka_unit_test(test_host_selection),
        cmocka_unit_test(test_put_file),
        cmocka_unit_test(test_put_file_errors),
        cmocka_unit_test(test_put_file_shrinks),
        cmocka_unit_test(test_pull_progress_stops),
    };
    /* A hung request must fail the test, not the CI job's timeout. */
    alarm(120);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
