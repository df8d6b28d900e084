/* The Source and Export blocks' callback contract, without a database: a
 * source whose server refuses the connection calls its done callback
 * exactly once with the error on the handle (the password not in it), a
 * handle freed from inside its own callback is freed after it, a context
 * freed meanwhile waits, and refused arguments never call back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bak2avro.h"

static int calls;
static int last_rc;

static void opened(b2a_source *src, int rc, void *ud)
{
    (void)ud;
    calls++;
    last_rc = rc;
    assert_int_equal(b2a_source_errcode(src), rc);
    assert_null(strstr(b2a_source_errmsg(src), "Sekr1t"));
    assert_non_null(strstr(b2a_source_errmsg(src), "postgresql://u:***@127.0.0.1:1/d"));
    b2a_source_free(src);   /* from inside its own callback */
}

static void test_refused_connection_calls_back_once(void **state)
{
    (void)state;
    b2a_ctx *ctx;
    assert_int_equal(b2a_ctx_new(NULL, &ctx), B2A_OK);
    b2a_source_options o;
    assert_int_equal(b2a_source_options_init(&o, B2A_SOURCE_OPTIONS_VERSION), B2A_OK);
    o.dsn = "postgresql://u:Sekr1t@127.0.0.1:1/d";
    o.login_timeout_s = 5;
    o.done_cb = opened;
    b2a_source *src;
    assert_int_equal(b2a_source_new(ctx, &o, &src), B2A_OK);
    assert_int_equal(b2a_source_open(src), B2A_OK);
    calls = 0;
    b2a_ctx_free(ctx);      /* deferred: the open holds the context */
    b2a_ctx_run(ctx);       /* runs it to the end, then the deferred free */
    assert_int_equal(calls, 1);
    assert_int_equal(last_rc, B2A_EODBC);
}

static void test_refused_arguments_never_call_back(void **state)
{
    (void)state;
    b2a_ctx *ctx;
    assert_int_equal(b2a_ctx_new(NULL, &ctx), B2A_OK);
    b2a_source_options o;
    b2a_source_options_init(&o, B2A_SOURCE_OPTIONS_VERSION);
    o.dsn = "oracle://x";
    o.done_cb = opened;
    b2a_source *src = NULL;
    calls = 0;
    assert_int_equal(b2a_source_new(ctx, &o, &src), B2A_EINVAL);
    assert_non_null(src);
    assert_non_null(strstr(b2a_source_errmsg(src), "unknown URL scheme"));
    assert_int_equal(b2a_source_open(src), B2A_EINVAL);
    b2a_split_plan *plan = NULL;
    assert_int_equal(b2a_split_plan_new(src, "public.t", 2, NULL, NULL, &plan), B2A_EBUSY);
    assert_null(plan);
    b2a_source_free(src);

    b2a_export_options xo;
    b2a_export_options_init(&xo, B2A_EXPORT_OPTIONS_VERSION);
    xo.output_dir = "/nonexistent-b2a";
    b2a_export *x = NULL;
    assert_int_equal(b2a_export_range_new(ctx, "postgresql://u@h/d", "[1]", 0, &xo, &x), B2A_EINVAL);
    assert_non_null(strstr(b2a_export_errmsg(x), "not a split plan"));
    assert_int_equal(b2a_export_start(x), B2A_EINVAL);
    b2a_export_free(x);
    xo.output_dir = NULL;
    assert_int_equal(b2a_export_range_new(ctx, "postgresql://u@h/d", "{}", 0, &xo, &x), B2A_EINVAL);
    b2a_export_free(x);
    b2a_ctx_run(ctx);
    assert_int_equal(calls, 0);
    b2a_ctx_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refused_connection_calls_back_once),
        cmocka_unit_test(test_refused_arguments_never_call_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
