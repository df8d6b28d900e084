/* Job options, selection, Job JSON and lifecycle contracts of the core. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <uv.h>
#include <yajl/yajl_tree.h>

#include "bak2avro.h"
#include "core/job_impl.h"

static b2a_ctx *new_ctx(uv_loop_t *loop)
{
    b2a_ctx *ctx = NULL;
    assert_int_equal(uv_loop_init(loop), 0);
    assert_int_equal(b2a_ctx_new(loop, &ctx), B2A_OK);
    return ctx;
}

static void free_ctx(b2a_ctx *ctx, uv_loop_t *loop)
{
    b2a_ctx_free(ctx);
    uv_run(loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(loop), 0);
}

static void options_init_rejects_unknown_versions(void **state)
{
    (void)state;
    b2a_job_options o;
    assert_int_equal(b2a_job_options_init(&o, 0), B2A_EINVAL);
    assert_int_equal(b2a_job_options_init(&o, 99), B2A_EINVAL);
    assert_int_equal(b2a_job_options_init(&o, B2A_JOB_OPTIONS_VERSION), B2A_OK);
    assert_int_equal(o.version, B2A_JOB_OPTIONS_VERSION);
    assert_int_equal(o.codec, B2A_CODEC_SNAPPY);
    assert_null(o.output_dir);
}

/* A program built against version 1 of the options has a shorter struct:
 * the library must neither write nor read past it. */
static void options_version_1_callers_keep_their_size(void **state)
{
    (void)state;
    uv_loop_t loop;
    b2a_ctx *ctx = new_ctx(&loop);
    unsigned char buf[sizeof(b2a_job_options)];
    size_t v1 = offsetof(b2a_job_options, include_views);
    memset(buf, 0xA5, sizeof(buf));
    b2a_job_options *o = (b2a_job_options *)(void *)buf;
    assert_int_equal(b2a_job_options_init(o, 1), B2A_OK);
    for (size_t i = v1; i < sizeof(buf); i++)
        assert_int_equal(buf[i], 0xA5);
    const char *inputs[] = {"x.dump"};
    o->inputs = inputs;
    o->n_inputs = 1;
    o->output_dir = "/tmp/out";
    b2a_job *job = NULL;
    assert_int_equal(b2a_job_new(ctx, o, &job), B2A_OK);
    assert_false(job->include_views); /* the 0xA5 bytes beyond version 1 are not read */
    b2a_job_free(job);

    o->version = 2;
    o->include_views = 1;
    assert_int_equal(b2a_job_new(ctx, o, &job), B2A_EINVAL); /* delivery is 0xA5A5A5A5 */
    o->delivery = B2A_DELIVERY_UPLOAD;
    assert_int_equal(b2a_job_new(ctx, o, &job), B2A_OK);
    assert_true(job->include_views);
    assert_int_equal(job->delivery, B2A_DELIVERY_UPLOAD);
    assert_false(job->overwrite); /* nor the 0xA5 bytes beyond version 2 */
    assert_false(job->ignore_checksums);
    assert_false(job->allow_column_loss);
    b2a_job_free(job);

    o->version = 3;
    o->overwrite = 1;
    o->ignore_checksums = 0;
    o->allow_column_loss = 1;
    assert_int_equal(b2a_job_new(ctx, o, &job), B2A_OK);
    assert_true(job->overwrite);
    assert_false(job->ignore_checksums);
    assert_true(job->allow_column_loss);
    assert_int_equal(job->via, B2A_VIA_AUTO); /* nor the 0xA5 bytes beyond version 3 */
    b2a_job_free(job);

    o->version = 4;
    assert_int_equal(b2a_job_new(ctx, o, &job), B2A_EINVAL); /* via is 0xA5A5A5A5 */
    o->via = B2A_VIA_ODBC;
    assert_int_equal(b2a_job_new(ctx, o, &job), B2A_OK);
    assert_int_equal(job->via, B2A_VIA_ODBC);
    b2a_job_free(job);
    free_ctx(ctx, &loop);
}

static void job_new_copies_strings_and_validates(void **state)
{
    (void)state;
    uv_loop_t loop;
    b2a_ctx *ctx = new_ctx(&loop);
    b2a_job_options o;
    b2a_job_options_init(&o, B2A_JOB_OPTIONS_VERSION);
    b2a_job *job = NULL;
    assert_int_equal(b2a_job_new(ctx, &o, &job), B2A_EINVAL); /* no inputs, no output */
    assert_null(job);

    char in[] = "/tmp/x.bak", out[] = "/tmp/out";
    const char *inputs[] = {in};
    o.inputs = inputs;
    o.n_inputs = 1;
    o.output_dir = out;
    o.codec = (b2a_codec)7;
    assert_int_equal(b2a_job_new(ctx, &o, &job), B2A_EINVAL); /* unknown codec */
    o.codec = B2A_CODEC_SNAPPY;
    assert_int_equal(b2a_job_new(ctx, &o, &job), B2A_OK);
    in[1] = 'X'; /* the job must hold its own copy */
    assert_string_equal(job->inputs[0], "/tmp/x.bak");
    assert_int_equal(job->parallel, 2);
    assert_int_equal(strlen(b2a_job_id(job)), 32);
    b2a_job_free(job);
    free_ctx(ctx, &loop);
}

static void include_exclude_patterns(void **state)
{
    (void)state;
    uv_loop_t loop;
    b2a_ctx *ctx = new_ctx(&loop);
    const char *inputs[] = {"x"}, *inc[] = {"dbo.*", "Orders"}, *exc[] = {"dbo.sys*"};
    b2a_job_options o;
    b2a_job_options_init(&o, B2A_JOB_OPTIONS_VERSION);
    o.inputs = inputs;
    o.n_inputs = 1;
    o.output_dir = "/tmp/out";
    o.include = inc;
    o.n_include = 2;
    o.exclude = exc;
    o.n_exclude = 1;
    b2a_job *job = NULL;
    assert_int_equal(b2a_job_new(ctx, &o, &job), B2A_OK);
    assert_true(b2a__job_selects(job, "dbo", "Customers"));
    assert_false(b2a__job_selects(job, "dbo", "sysdiagrams"));
    assert_true(b2a__job_selects(job, "sales", "Orders")); /* no schema part: any schema */
    assert_false(b2a__job_selects(job, "sales", "Customers"));
    b2a_job_free(job);
    free_ctx(ctx, &loop);
}

static void job_json_document_round_trip(void **state)
{
    (void)state;
    uv_loop_t loop;
    b2a_ctx *ctx = new_ctx(&loop);
    const char *doc = "{\"inputs\": [\"a.dump\", \"b \\\"q\\\".dump\"], \"output_dir\": \"/tmp/o\","
                      " \"include\": [\"public.*\"], \"codec\": \"deflate\", \"network\": \"host\","
                      " \"restore\": \"container\", \"parallel\": 4, \"keep_container\": true,"
                      " \"pre_sql\": \"SELECT 1\", \"include_views\": true, \"delivery\": \"upload\"}";
    b2a_job *job = NULL;
    assert_int_equal(b2a_job_new_from_json(ctx, doc, NULL, &job, NULL), B2A_OK);
    assert_int_equal(job->n_inputs, 2);
    assert_string_equal(job->inputs[1], "b \"q\".dump");
    assert_int_equal(job->codec, B2A_CODEC_DEFLATE); /* not the default (snappy) */
    assert_int_equal(job->network, B2A_NETWORK_HOST);
    assert_int_equal(job->restore_mode, B2A_RESTORE_CONTAINER);
    assert_int_equal(job->parallel, 4);
    assert_true(job->keep_container);
    assert_string_equal(job->pre_sql, "SELECT 1");
    assert_true(job->include_views);
    assert_int_equal(job->delivery, B2A_DELIVERY_UPLOAD);

    char *out = b2a_job_json(job);
    assert_non_null(out);
    char err[256];
    yajl_val root = yajl_tree_parse(out, err, sizeof(err));
    assert_non_null(root);
    const char *p_status[] = {"status", NULL}, *p_codec[] = {"options", "codec", NULL},
               *p_inputs[] = {"inputs", NULL}, *p_id[] = {"job_id", NULL},
               *p_views[] = {"options", "include_views", NULL}, *p_deliv[] = {"options", "delivery", NULL};
    assert_string_equal(YAJL_GET_STRING(yajl_tree_get(root, p_status, yajl_t_string)), "Pending");
    assert_string_equal(YAJL_GET_STRING(yajl_tree_get(root, p_codec, yajl_t_string)), "deflate");
    assert_int_equal(YAJL_GET_ARRAY(yajl_tree_get(root, p_inputs, yajl_t_array))->len, 2);
    assert_true(YAJL_IS_TRUE(yajl_tree_get(root, p_views, yajl_t_any)));
    assert_string_equal(YAJL_GET_STRING(yajl_tree_get(root, p_deliv, yajl_t_string)), "upload");
    assert_string_equal(YAJL_GET_STRING(yajl_tree_get(root, p_id, yajl_t_string)), b2a_job_id(job));
    yajl_tree_free(root);
    b2a_free(out);
    b2a_job_free(job);
    free_ctx(ctx, &loop);
}

static void job_json_errors_are_clear(void **state)
{
    (void)state;
    uv_loop_t loop;
    b2a_ctx *ctx = new_ctx(&loop);
    b2a_job *job = NULL;
    char *why = NULL;
    assert_int_equal(b2a_job_new_from_json(ctx, "{\"inputs\": [\"a\"]}", NULL, &job, &why), B2A_EINVAL);
    assert_string_equal(why, "job JSON: \"output_dir\" and either \"inputs\" or \"dsn\" are required");
    b2a_free(why);
    assert_int_equal(b2a_job_new_from_json(ctx, "{\"inputs\": [\"a\"], \"output_dir\": \"o\", \"codec\": \"lz4\"}", NULL, &job, &why), B2A_EINVAL);
    assert_string_equal(why, "job JSON: unknown codec \"lz4\" (null, deflate, snappy)");
    b2a_free(why);
    assert_int_equal(b2a_job_new_from_json(ctx, "{\"inputs\": [\"a\"], \"output_dir\": \"o\", \"delivery\": \"scp\"}", NULL, &job, &why), B2A_EINVAL);
    assert_string_equal(why, "job JSON: unknown delivery \"scp\" (bind, upload)");
    b2a_free(why);
    assert_int_equal(b2a_job_new_from_json(ctx, "[1,", NULL, &job, &why), B2A_EINVAL);
    assert_non_null(strstr(why, "job JSON: "));
    b2a_free(why);
    assert_null(job);
    free_ctx(ctx, &loop);
}

static void job_json_output_is_accepted_as_input(void **state)
{
    (void)state;
    uv_loop_t loop;
    b2a_ctx *ctx = new_ctx(&loop);
    const char *doc = "{\"inputs\": [\"a.dump\"], \"output_dir\": \"/tmp/o\", \"include\": [\"s.t\"],"
                      " \"codec\": \"null\", \"network\": \"publish\", \"parallel\": 3,"
                      " \"include_views\": true, \"delivery\": \"upload\", \"overwrite\": true,"
                      " \"ignore_checksums\": true, \"allow_column_loss\": true, \"via\": \"odbc\"}";
    b2a_job *job = NULL, *again = NULL;
    assert_int_equal(b2a_job_new_from_json(ctx, doc, NULL, &job, NULL), B2A_OK);
    char *out = b2a_job_json(job); /* options now nested under "options" */
    assert_int_equal(b2a_job_new_from_json(ctx, out, NULL, &again, NULL), B2A_OK);
    assert_int_equal(again->codec, B2A_CODEC_NULL);
    assert_int_equal(again->network, B2A_NETWORK_PUBLISH);
    assert_int_equal(again->parallel, 3);
    assert_true(again->include_views);
    assert_int_equal(again->delivery, B2A_DELIVERY_UPLOAD);
    assert_true(again->overwrite);
    assert_true(again->ignore_checksums);
    assert_true(again->allow_column_loss);
    assert_int_equal(again->via, B2A_VIA_ODBC);
    assert_int_equal(again->n_include, 1);
    assert_string_equal(again->include[0], "s.t");
    b2a_free(out);
    b2a_job_free(again);
    b2a_job_free(job);
    free_ctx(ctx, &loop);
}

static int done_calls;
static void count_done(b2a_job *job, b2a_job_status st, void *ud)
{
    (void)job, (void)st, (void)ud;
    done_calls++;
}

static void failed_start_never_calls_done(void **state)
{
    (void)state;
    char path[] = "/tmp/b2a-test-foreignXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "hello, not a backup\n", 20), 20);
    close(fd);

    uv_loop_t loop;
    b2a_ctx *ctx = new_ctx(&loop);
    const char *inputs[] = {path};
    b2a_job_options o;
    b2a_job_options_init(&o, B2A_JOB_OPTIONS_VERSION);
    o.inputs = inputs;
    o.n_inputs = 1;
    o.output_dir = "/tmp/b2a-test-out";
    o.done_cb = count_done;
    b2a_job *job = NULL;
    assert_int_equal(b2a_job_new(ctx, &o, &job), B2A_OK);
    done_calls = 0;
    int rc = b2a_job_start(job);
    assert_int_not_equal(rc, B2A_OK);
    assert_non_null(strstr(b2a_job_errmsg(job), path)); /* the message names the file */
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(done_calls, 0);
    b2a_job_free(job);
    free_ctx(ctx, &loop);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(options_init_rejects_unknown_versions),
        cmocka_unit_test(options_version_1_callers_keep_their_size),
        cmocka_unit_test(job_new_copies_strings_and_validates),
        cmocka_unit_test(include_exclude_patterns),
        cmocka_unit_test(job_json_document_round_trip),
        cmocka_unit_test(job_json_errors_are_clear),
        cmocka_unit_test(job_json_output_is_accepted_as_input),
        cmocka_unit_test(failed_start_never_calls_done),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
