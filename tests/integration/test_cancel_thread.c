/* b2a_export_cancel() from another thread (bak2avro/export.h: "may be
 * called from any thread"): a table of 200000 rows in the with-db.sh
 * PostgreSQL, exported whole on a loop this thread runs; after the first
 * chunk a second thread cancels while the loop is busy in the progress
 * callback, and once more while the loop waits for the next chunk. The
 * export ends ECANCELED, "Canceled", with no file left, after far fewer
 * rows than the table holds. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <libpq-fe.h>
#include <uv.h>

#include "bak2avro.h"

#define ROWS 200000

typedef struct run {
    b2a_export *x;
    uv_sem_t go, canceled;
    int progress_calls, done_calls, rc, cancel_rc;
    int64_t rows_at_cancel, last_rows;
} run;

static void setup_table(void)
{
    char conninfo[512];
    snprintf(conninfo, sizeof conninfo, "host=127.0.0.1 port=%s user=%s password=%s dbname=%s",
             getenv("B2A_TEST_DB_PORT"), getenv("B2A_TEST_DB_USER"), getenv("B2A_TEST_DB_PASSWORD"),
             getenv("B2A_TEST_DB_NAME"));
    PGconn *c = PQconnectdb(conninfo);
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    PGresult *r = PQexec(c, "DROP TABLE IF EXISTS cancel_big; "
                            "CREATE TABLE cancel_big AS SELECT g AS id, md5(g::text) AS t "
                            "FROM generate_series(1, 200000) g");
    assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
    PQclear(r);
    PQfinish(c);
}

static void source_done(b2a_source *s, int rc, void *ud)
{
    (void)s;
    *(int *)ud = rc;
}

static void canceller(void *arg)
{
    run *r = arg;
    uv_sem_wait(&r->go);
    r->cancel_rc = b2a_export_cancel(r->x); /* the loop is busy: in the callback, or polling */
    uv_sem_post(&r->canceled);
}

static int progress(b2a_export *x, int64_t done, int64_t expected, void *ud)
{
    (void)x;
    run *r = ud;
    assert_int_equal(expected, ROWS);
    r->last_rows = done;
    if (r->progress_calls++ == 0) {
        r->rows_at_cancel = done;
        uv_sem_post(&r->go);
        uv_sem_wait(&r->canceled);
    }
    return 0;
}

static void export_done(b2a_export *x, int rc, void *ud)
{
    (void)x;
    run *r = ud;
    r->done_calls++;
    r->rc = rc;
}

static int files_under(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(path, &st) == 0)
            n += S_ISDIR(st.st_mode) ? files_under(path) : 1;
    }
    closedir(d);
    return n;
}

static void test_a_thread_cancels_a_running_export(void **state)
{
    (void)state;
    setup_table();
    char dsn[512], tmpl[] = "/tmp/b2a-cancel-XXXXXX";
    snprintf(dsn, sizeof dsn, "postgresql://%s:%s@127.0.0.1:%s/%s", getenv("B2A_TEST_DB_USER"),
             getenv("B2A_TEST_DB_PASSWORD"), getenv("B2A_TEST_DB_PORT"), getenv("B2A_TEST_DB_NAME"));
    char *out = mkdtemp(tmpl);
    assert_non_null(out);

    uv_loop_t loop;
    uv_loop_init(&loop);
    b2a_ctx *ctx;
    assert_int_equal(b2a_ctx_new(&loop, &ctx), B2A_OK);
    int src_rc = 1;
    const char *include[] = {"public.cancel_big"};
    b2a_source_options so;
    b2a_source_options_init(&so, B2A_SOURCE_OPTIONS_VERSION);
    so.dsn = dsn;
    so.include = include;
    so.n_include = 1;
    so.done_cb = source_done;
    so.userdata = &src_rc;
    b2a_source *src;
    assert_int_equal(b2a_source_new(ctx, &so, &src), B2A_OK);
    assert_int_equal(b2a_source_open(src), B2A_OK);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(src_rc, B2A_OK);

    run r = {0};
    uv_sem_init(&r.go, 0);
    uv_sem_init(&r.canceled, 0);
    b2a_export_options eo;
    b2a_export_options_init(&eo, B2A_EXPORT_OPTIONS_VERSION);
    eo.output_dir = out;
    eo.progress_cb = progress;
    eo.done_cb = export_done;
    eo.userdata = &r;
    assert_int_equal(b2a_export_new(src, "public.cancel_big", &eo, &r.x), B2A_OK);
    uv_thread_t t;
    assert_int_equal(uv_thread_create(&t, canceller, &r), 0);
    assert_int_equal(b2a_export_start(r.x), B2A_OK);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_thread_join(&t);

    assert_int_equal(r.cancel_rc, B2A_OK);
    assert_int_equal(r.done_calls, 1);
    assert_int_equal(r.rc, B2A_ECANCELED);
    assert_int_equal(b2a_export_errcode(r.x), B2A_ECANCELED);
    assert_int_equal(b2a_export_rows_written(r.x), 0);
    assert_true(r.rows_at_cancel > 0 && r.rows_at_cancel < ROWS);
    /* the cancel was seen as the next chunk ended: no further progress call */
    assert_int_equal(r.progress_calls, 1);
    char *json = b2a_export_json(r.x);
    assert_non_null(strstr(json, "\"status\":\"Canceled\""));
    assert_non_null(strstr(json, "\"files\":[]"));
    b2a_free(json);
    assert_int_equal(files_under(out), 0);
    /* cancel after the end is harmless, from any thread */
    assert_int_equal(b2a_export_cancel(r.x), B2A_OK);
    b2a_export_free(r.x);

    /* A cancel while the loop waits in poll for the chunk on the pool: the
     * thread's wake-up is not needed for the export to see it. */
    run r2 = {0};
    uv_sem_init(&r2.go, 0);
    uv_sem_init(&r2.canceled, 0);
    eo.userdata = &r2;
    eo.progress_cb = NULL;
    assert_int_equal(b2a_export_new(src, "public.cancel_big", &eo, &r2.x), B2A_OK);
    assert_int_equal(b2a_export_start(r2.x), B2A_OK);
    assert_int_equal(uv_thread_create(&t, canceller, &r2), 0);
    uv_sem_post(&r2.go);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_thread_join(&t);
    assert_int_equal(r2.cancel_rc, B2A_OK);
    assert_int_equal(r2.done_calls, 1);
    assert_int_equal(r2.rc, B2A_ECANCELED);
    assert_int_equal(files_under(out), 0);
    b2a_export_free(r2.x);

    b2a_source_free(src);
    b2a_ctx_free(ctx);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
    uv_sem_destroy(&r.go);
    uv_sem_destroy(&r.canceled);
    uv_sem_destroy(&r2.go);
    uv_sem_destroy(&r2.canceled);
    rmdir(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_thread_cancels_a_running_export),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
