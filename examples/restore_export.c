/* Restore a backup once and export two of its tables with two calls, on
 * our own libuv loop, with the public building blocks chained top to bottom:
 *
 *   1 container start -> 2 restore -> 3 source open (the container's dsn)
 *   -> 4 export table 1 and table 2 (two calls, both at once)
 *   -> 5 container stop (always, also after a failed step)
 *
 * Each step starts the next from its callback.
 *
 *   restore_export OUT SCHEMA.TABLE1 SCHEMA.TABLE2 BACKUP...
 *   (B2A_IMAGE names the container image, else the vendor's default)
 */
#include <bak2avro.h>
#include <stdio.h>
#include <stdlib.h>
#include <uv.h>

typedef struct app {
    b2a_ctx *ctx;
    const char *out, *tables[2];
    b2a_container *c;
    b2a_restore *r;
    b2a_source *src;
    b2a_export *exp[2];
    int exports_left, failed;
} app;

static void restored(b2a_restore *r, int rc, void *ud);
static void opened(b2a_source *src, int rc, void *ud);
static void exported(b2a_export *e, int rc, void *ud);
static void stop(app *a);

static void fail(app *a, const char *what, const char *msg)
{
    fprintf(stderr, "restore_export: %s: %s\n", what, msg);
    a->failed = 1;
}

/* 1 -> 2: the server is ready; restore the backups into it */
static void ready(b2a_container *c, int rc, void *ud)
{
    app *a = ud;
    if (rc != B2A_OK) {
        fail(a, "container", b2a_container_errmsg(c));
        stop(a);
        return;
    }
    fprintf(stderr, "container %s ready\n", b2a_container_id(c));
    b2a_restore_options o;
    b2a_restore_options_init(&o, B2A_RESTORE_OPTIONS_VERSION);
    o.done_cb = restored;
    o.userdata = a;
    if (b2a_restore_new(c, &o, &a->r) != B2A_OK || b2a_restore_start(a->r) != B2A_OK) {
        fail(a, "restore", "could not start");
        stop(a);
    }
}

/* 2 -> 3: restored; open the database through the container's dsn */
static void restored(b2a_restore *r, int rc, void *ud)
{
    app *a = ud;
    if (rc != B2A_OK) {
        fail(a, "restore", b2a_restore_errmsg(r));
        stop(a);
        return;
    }
    char *dsn = b2a_container_dsn(a->c); /* holds the password: never printed */
    b2a_source_options o;
    b2a_source_options_init(&o, B2A_SOURCE_OPTIONS_VERSION);
    o.dsn = dsn;
    o.done_cb = opened;
    o.userdata = a;
    int e = b2a_source_new(a->ctx, &o, &a->src);
    if (e == B2A_OK)
        e = b2a_source_open(a->src);
    b2a_free(dsn);
    if (e != B2A_OK) {
        fail(a, "source", a->src ? b2a_source_errmsg(a->src) : b2a_strerror(e));
        stop(a);
    }
}

/* 3 -> 4: open; export the two tables, one call each */
static void opened(b2a_source *src, int rc, void *ud)
{
    app *a = ud;
    if (rc != B2A_OK) {
        fail(a, "source", b2a_source_errmsg(src));
        stop(a);
        return;
    }
    b2a_export_options o;
    b2a_export_options_init(&o, B2A_EXPORT_OPTIONS_VERSION);
    o.output_dir = a->out;
    o.done_cb = exported;
    o.userdata = a;
    for (int i = 0; i < 2; i++) {
        if (b2a_export_new(src, a->tables[i], &o, &a->exp[i]) == B2A_OK && b2a_export_start(a->exp[i]) == B2A_OK)
            a->exports_left++;
        else
            fail(a, a->tables[i], a->exp[i] ? b2a_export_errmsg(a->exp[i]) : "could not start");
    }
    if (a->exports_left == 0)
        stop(a);
}

/* 4 -> 5: when both exports have ended, stop the container */
static void exported(b2a_export *e, int rc, void *ud)
{
    app *a = ud;
    if (rc != B2A_OK)
        fail(a, "export", b2a_export_errmsg(e));
    else
        printf("%s: %lld rows\n", a->tables[e == a->exp[1]], (long long)b2a_export_rows_written(e));
    if (--a->exports_left == 0)
        stop(a);
}

/* 5: stop and remove the container; the loop then runs out of work */
static void stopped(b2a_container *c, int rc, void *ud)
{
    if (rc != B2A_OK)
        fail(ud, "stop", b2a_container_errmsg(c));
}

static void stop(app *a)
{
    if (b2a_container_stop(a->c, stopped, a) != B2A_OK)
        fail(a, "stop", "could not stop the container (the free below removes it)");
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: restore_export OUT SCHEMA.TABLE1 SCHEMA.TABLE2 BACKUP...\n");
        return 2;
    }
    app a = {0};
    a.out = argv[1];
    a.tables[0] = argv[2];
    a.tables[1] = argv[3];
    uv_loop_t loop;
    uv_loop_init(&loop);
    if (b2a_ctx_new(&loop, &a.ctx) != B2A_OK)
        return 3;
    b2a_container_options o;
    b2a_container_options_init(&o, B2A_CONTAINER_OPTIONS_VERSION);
    o.inputs = (const char *const *)argv + 4;
    o.n_inputs = (uint32_t)(argc - 4);
    o.image = getenv("B2A_IMAGE");
    o.done_cb = ready;
    o.userdata = &a;
    if (b2a_container_new(a.ctx, &o, &a.c) != B2A_OK || b2a_container_start(a.c) != B2A_OK) {
        fprintf(stderr, "restore_export: bad options\n");
        return 2;
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    b2a_export_free(a.exp[0]);
    b2a_export_free(a.exp[1]);
    b2a_source_free(a.src);
    b2a_restore_free(a.r);
    b2a_container_free(a.c); /* already removed; else removed now */
    b2a_ctx_free(a.ctx);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    return a.failed ? 3 : 0;
}
