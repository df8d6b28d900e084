/* b2a__check_declared: what a MySQL script declares against what the server
 * created, on a job whose tables stand for a restore. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <uv.h>

#include "bak2avro.h"
#include "core/job_impl.h"
#include "pipeline/declared.h"
#include "util/str.h"

static const char script[] =
    "CREATE DATABASE shop;\n"
    "USE shop;\n"
    "CREATE TABLE t (\n"
    "  a int,\n"
    "  /*!80023 b int INVISIBLE, */\n"
    "  c int\n"
    ");\n"
    "CREATE TABLE gone (x int, y int);\n"
    "/*!80013 CREATE TABLE newer (z int) */;\n"
    "CREATE TABLE al (a int);\n"
    "/*!80023 ALTER TABLE al ADD COLUMN b int */;\n"
    "CREATE TABLE lk LIKE t;\n";

/* What the server made of it: t without b; neither gone nor newer. */
static void add_restored(b2a_job *job)
{
    b2a_table_def def = {0};
    def.schema = b2a__strdup("shop");
    def.name = b2a__strdup("t");
    def.ncolumns = 2;
    def.columns = calloc(2, sizeof(*def.columns));
    def.columns[0].name = b2a__strdup("a");
    def.columns[1].name = b2a__strdup("C"); /* column names compare without case */
    def.row_count = 3;
    assert_non_null(b2a__job_add_table(job, &def, "table"));
    /* al and lk (LIKE t) also lack b: their columns come from ALTER and LIKE */
    const char *const more[] = {"al", "lk"};
    for (size_t i = 0; i < 2; i++) {
        b2a_table_def d2 = {0};
        d2.schema = b2a__strdup("shop");
        d2.name = b2a__strdup(more[i]);
        d2.ncolumns = i ? 2 : 1;
        d2.columns = calloc(d2.ncolumns, sizeof(*d2.columns));
        d2.columns[0].name = b2a__strdup("a");
        if (i)
            d2.columns[1].name = b2a__strdup("c");
        d2.row_count = 0;
        assert_non_null(b2a__job_add_table(job, &d2, "table"));
    }
}

static b2a_job *new_job(b2a_ctx *ctx, int allow)
{
    b2a_job_options o = B2A_JOB_OPTIONS_INIT;
    const char *inputs[] = {"/somewhere/schema.sql"};
    o.inputs = inputs;
    o.n_inputs = 1;
    o.output_dir = "/tmp/b2a-declared-out";
    o.allow_column_loss = allow;
    b2a_job *job = NULL;
    assert_int_equal(b2a_job_new(ctx, &o, &job), B2A_OK);
    add_restored(job);
    return job;
}

static b2a_table_job *table(b2a_job *job, const char *name)
{
    for (size_t i = 0; i < job->ntables; i++)
        if (strcmp(job->tables[i].def.name, name) == 0)
            return &job->tables[i];
    fail_msg("no table %s in the job", name);
    return NULL;
}

static void run(int allow)
{
    uv_loop_t loop;
    b2a_ctx *ctx = NULL;
    assert_int_equal(uv_loop_init(&loop), 0);
    assert_int_equal(b2a_ctx_new(&loop, &ctx), B2A_OK);
    b2a_job *job = new_job(ctx, allow);
    b2a_mysql_decl decl;
    assert_int_equal(b2a__mysql_ddl_parse(script, sizeof(script) - 1, &decl), B2A_OK);
    assert_int_equal(b2a__check_declared(job, &decl, "b2a", "10.11.6-MariaDB-0+deb12u1"), B2A_OK);
    b2a__mysql_decl_free(&decl);

    b2a_table_job *t = table(job, "t");
    assert_int_equal(t->nlost_columns, 1);
    assert_string_equal(t->lost_columns[0].name, "b");
    static const char why_b[] = "declared in a /*!80023 */ version comment, which MariaDB 10.11.6 skips "
                                "(MariaDB ignores /*!50700 */ to /*!99999 */: MySQL 5.7 and later syntax)";
    assert_string_equal(t->lost_columns[0].reason, why_b);
    if (allow) {
        assert_int_equal(t->state, B2A_STATE_PENDING); /* exported without b */
        assert_null(t->message);
    } else {
        assert_int_equal(t->state, B2A_STATE_FAILED);
        char want[1024];
        snprintf(want, sizeof want, "column b, declared by CREATE TABLE t at schema.sql line 3, is "
                 "missing after the restore: %s; restore with a MySQL image (--image mysql:8.0), or "
                 "pass --allow-column-loss to export the table without it", why_b);
        assert_string_equal(t->message, want);
    }

    /* a missing table fails with or without the opt-in, which is for columns only */
    b2a_table_job *g = table(job, "gone");
    assert_string_equal(g->def.schema, "shop");
    assert_int_equal(g->state, B2A_STATE_FAILED);
    assert_int_equal(g->nlost_columns, 2);
    assert_string_equal(g->lost_columns[1].name, "y");
    assert_string_equal(g->message, "table declared by CREATE TABLE gone at schema.sql line 8 is missing after "
                                    "the restore: the server did not create it (the restore reported no error); "
                                    "restore with a MySQL image (--image mysql:8.0); --allow-column-loss accepts "
                                    "missing columns, not a missing table");

    b2a_table_job *n = table(job, "newer");
    assert_int_equal(n->state, B2A_STATE_FAILED);
    assert_non_null(strstr(n->message, "declared in a /*!80013 */ version comment, which MariaDB 10.11.6 skips"));
    /* columns added by ALTER, or copied by LIKE, are checked too */
    b2a_table_job *al = table(job, "al");
    assert_int_equal(al->nlost_columns, 1);
    assert_string_equal(al->lost_columns[0].name, "b");
    assert_string_equal(al->lost_columns[0].reason, why_b);
    assert_int_equal(al->state, allow ? B2A_STATE_PENDING : B2A_STATE_FAILED);
    b2a_table_job *lk = table(job, "lk");
    assert_int_equal(lk->nlost_columns, 1);
    assert_string_equal(lk->lost_columns[0].name, "b");
    assert_int_equal(lk->state, allow ? B2A_STATE_PENDING : B2A_STATE_FAILED);
    if (!allow)
        assert_string_equal(al->message, "column b, declared by CREATE TABLE al at schema.sql line 10, is missing "
                                         "after the restore: declared in a /*!80023 */ version comment, which MariaDB "
                                         "10.11.6 skips (MariaDB ignores /*!50700 */ to /*!99999 */: MySQL 5.7 and "
                                         "later syntax); restore with a MySQL image (--image mysql:8.0), or pass "
                                         "--allow-column-loss to export the table without it");
    assert_int_equal(job->ntables, 5);
    assert_int_equal(b2a_job_tables_failed(job), allow ? 2 : 5);

    /* the Job JSON names the lost columns */
    char *json = b2a_job_json(job);
    assert_non_null(json);
    assert_non_null(strstr(json, "\"lost_columns\""));
    b2a_free(json);

    b2a_job_free(job);
    b2a_ctx_free(ctx);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
}

static void fails_tables_naming_columns_and_why(void **state)
{
    (void)state;
    run(0);
}

static void allow_column_loss_exports_and_records(void **state)
{
    (void)state;
    run(1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fails_tables_naming_columns_and_why),
        cmocka_unit_test(allow_column_loss_exports_and_records),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
