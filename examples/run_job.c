/* Example (CC0): run one job on your own libuv loop and print its progress.
 *   cc run_job.c $(pkg-config --cflags --libs bak2avro libuv) -o run_job
 *   ./run_job northwind.bak out/ */
#include <bak2avro.h>
#include <stdio.h>
#include <uv.h>

static int on_progress(b2a_job *job, const b2a_progress *p, void *ud)
{
    (void)job, (void)ud;
    if (p->table)
        printf("%-40s %6.1f%%  %lld/%lld rows\n", p->table, p->percent, (long long)p->rows_done,
               (long long)p->rows_expected);
    return 0; /* non-zero would cancel */
}

static void on_done(b2a_job *job, b2a_job_status status, void *ud)
{
    (void)ud;
    printf("done: %s, %u tables ok, %u failed %s\n", status == B2A_JOB_SUCCESS ? "Success" : "Failed",
           b2a_job_tables_ok(job), b2a_job_tables_failed(job), b2a_job_errmsg(job));
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s BACKUP OUTDIR\n", argv[0]);
        return 2;
    }
    uv_loop_t loop;
    uv_loop_init(&loop);
    b2a_ctx *ctx;
    b2a_ctx_new(&loop, &ctx);

    const char *inputs[] = {argv[1]};
    b2a_job_options opts = B2A_JOB_OPTIONS_INIT;
    opts.inputs = inputs;
    opts.n_inputs = 1;
    opts.output_dir = argv[2];
    opts.progress_cb = on_progress;
    opts.done_cb = on_done;

    b2a_job *job;
    int rc = b2a_job_new(ctx, &opts, &job);
    if (rc == B2A_OK && (rc = b2a_job_start(job)) != B2A_OK)
        fprintf(stderr, "%s\n", b2a_job_errmsg(job));
    if (rc == B2A_OK)
        uv_run(&loop, UV_RUN_DEFAULT);
    int failed = rc != B2A_OK || b2a_job_status_get(job) != B2A_JOB_SUCCESS;
    b2a_job_free(job);
    b2a_ctx_free(ctx);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    return failed;
}
