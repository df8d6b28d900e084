/* b2a_inspect_start, b2a_gc_start and the Container block's callback
 * contract without an engine: the callback runs once, on the loop, never
 * inside the start; errors are read from the handle; cancel and free from
 * the callback are safe; a context freed with live handles waits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "bak2avro.h"

typedef struct seen {
    int calls, rc, inside;
    uint32_t removed;
    char json_head[64];
    char msg[512];
} seen;

static void inspected(b2a_inspect_run *run, int rc, void *ud)
{
    seen *s = ud;
    s->calls++;
    s->rc = rc;
    const char *j = b2a_inspect_json(run);
    snprintf(s->json_head, sizeof(s->json_head), "%s", j ? j : "");
    snprintf(s->msg, sizeof(s->msg), "%s", b2a_inspect_errmsg(run));
    b2a_inspect_free(run); /* from the callback */
}

static const char *sample(const char *rel, char *buf, size_t n)
{
    const char *root = getenv("B2A_SAMPLES");
    snprintf(buf, n, "%s/%s", root ? root : "../shared/samples", rel);
    return access(buf, R_OK) == 0 ? buf : NULL;
}

static void test_inspect_start_calls_back_once_with_the_document(void **state)
{
    (void)state;
    char path[4096];
    if (!sample("postgresql/chinook_pg15_custom.dump", path, sizeof(path)))
        skip();
    uv_loop_t loop;
    uv_loop_init(&loop);
    b2a_ctx *ctx;
    assert_int_equal(b2a_ctx_new(&loop, &ctx), B2A_OK);
    seen s = {0};
    b2a_inspect_run *run;
    const char *paths[] = {path};
    assert_int_equal(b2a_inspect_start(ctx, paths, 1, inspected, &s, &run), B2A_OK);
    assert_int_equal(s.calls, 0); /* never inside the start */
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(s.calls, 1);
    assert_int_equal(s.rc, B2A_OK);
    assert_true(s.json_head[0] == '{' || s.json_head[0] == '[');
    b2a_ctx_free(ctx);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
}

static void test_inspect_start_missing_file_names_it(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    b2a_ctx *ctx;
    assert_int_equal(b2a_ctx_new(&loop, &ctx), B2A_OK);
    seen s = {0};
    b2a_inspect_run *run;
    const char *paths[] = {"/nonexistent/b2a-no-such.dump"};
    assert_int_equal(b2a_inspect_start(ctx, paths, 1, inspected, &s, &run), B2A_OK);
    /* The ctx's free waits for the handle. */
    b2a_ctx_free(ctx);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(s.calls, 1);
    assert_int_equal(s.rc, B2A_ENOTFOUND);
    assert_non_null(strstr(s.msg, "/nonexistent/b2a-no-such.dump"));
    assert_int_equal(uv_loop_close(&loop), 0);
    assert_int_equal(b2a_inspect_start(NULL, paths, 1, inspected, &s, &run), B2A_EINVAL);
}

static void gc_done(b2a_gc_run *run, int rc, uint32_t removed, void *ud)
{
    seen *s = ud;
    s->calls++;
    s->rc = rc;
    s->removed = removed;
    snprintf(s->msg, sizeof(s->msg), "%s", b2a_gc_errmsg(run));
    b2a_gc_free(run);
}

static void test_gc_start_reports_an_engine_that_does_not_answer(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    b2a_ctx *ctx;
    assert_int_equal(b2a_ctx_new(&loop, &ctx), B2A_OK);
    seen s = {0}, t = {0};
    b2a_gc_run *run;
    assert_int_equal(b2a_gc_start(ctx, "unix:///nonexistent/b2a-docker.sock", gc_done, &s, &run), B2A_OK);
    assert_int_equal(b2a_gc_start(ctx, "tcp://127.0.0.1:2375", gc_done, &t, &run), B2A_OK);
    assert_int_equal(s.calls + t.calls, 0);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(s.calls, 1);
    assert_int_equal(s.rc, B2A_EDOCKER);
    assert_int_equal(s.removed, 0);
    assert_non_null(strstr(s.msg, "/nonexistent/b2a-docker.sock"));
    assert_int_equal(t.calls, 1);
    assert_int_equal(t.rc, B2A_EUNSUPPORTED);
    assert_non_null(strstr(t.msg, "tcp://"));
    b2a_ctx_free(ctx);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
}

static void container_done(b2a_container *c, int rc, void *ud)
{
    seen *s = ud;
    s->calls++;
    s->rc = rc;
    snprintf(s->msg, sizeof(s->msg), "%s", b2a_container_errmsg(c));
}

static void test_container_without_engine_fails_once_and_names_the_socket(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    b2a_ctx *ctx;
    assert_int_equal(b2a_ctx_new(&loop, &ctx), B2A_OK);
    seen s = {0};
    b2a_container_options o;
    assert_int_equal(b2a_container_options_init(&o, 99), B2A_EINVAL);
    assert_int_equal(b2a_container_options_init(&o, B2A_CONTAINER_OPTIONS_VERSION), B2A_OK);
    o.vendor = "postgresql";
    o.docker_host = "unix:///nonexistent/b2a-docker.sock";
    o.done_cb = container_done;
    o.userdata = &s;
    b2a_container *c;
    assert_int_equal(b2a_container_new(ctx, &o, &c), B2A_OK);
    assert_null(b2a_container_dsn(c)); /* not ready */
    assert_int_equal(b2a_container_start(c), B2A_OK);
    assert_int_equal(b2a_container_start(c), B2A_EBUSY);
    assert_int_equal(b2a_container_stop(c, NULL, NULL), B2A_EBUSY);
    assert_int_equal(s.calls, 0);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(s.calls, 1);
    assert_int_equal(s.rc, B2A_EDOCKER);
    assert_int_equal(b2a_container_errcode(c), B2A_EDOCKER);
    assert_non_null(strstr(s.msg, "does not answer"));
    assert_null(b2a_container_id(c));
    assert_null(b2a_container_password(c));
    /* A restore needs a ready container. */
    b2a_restore_options ro;
    b2a_restore_options_init(&ro, B2A_RESTORE_OPTIONS_VERSION);
    b2a_restore *r;
    assert_int_equal(b2a_restore_new(c, &ro, &r), B2A_OK);
    assert_int_equal(b2a_restore_start(r), B2A_EBUSY);
    b2a_restore_free(r);
    b2a_container_free(c);
    b2a_ctx_free(ctx);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
}

static void test_container_cancel_before_anything_ran(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    b2a_ctx *ctx;
    assert_int_equal(b2a_ctx_new(&loop, &ctx), B2A_OK);
    seen s = {0};
    b2a_container_options o;
    b2a_container_options_init(&o, B2A_CONTAINER_OPTIONS_VERSION);
    o.vendor = "mysql";
    o.docker_host = "unix:///nonexistent/b2a-docker.sock";
    o.done_cb = container_done;
    o.userdata = &s;
    b2a_container *c;
    assert_int_equal(b2a_container_new(ctx, &o, &c), B2A_OK);
    assert_int_equal(b2a_container_start(c), B2A_OK);
    assert_int_equal(b2a_container_cancel(c), B2A_OK);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(s.calls, 1);
    assert_int_equal(s.rc, B2A_ECANCELED);
    b2a_container_free(c);
    b2a_ctx_free(ctx);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inspect_start_calls_back_once_with_the_document),
        cmocka_unit_test(test_inspect_start_missing_file_names_it),
        cmocka_unit_test(test_gc_start_reports_an_engine_that_does_not_answer),
        cmocka_unit_test(test_container_without_engine_fails_once_and_names_the_socket),
        cmocka_unit_test(test_container_cancel_before_anything_ran),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
