/* A container vendor's dialogue with the fake Docker Engine (dialogue.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "dialogue.h"

static void on_body(void *ud, int rc, const b2a_err *err, const char *body)
{
    dlg *d = ud;
    d->calls++;
    d->rc = rc;
    if (err)
        b2a__err_copy(&d->err, err);
    snprintf(d->body, sizeof d->body, "%s", body ? body : "");
}

static int on_line(void *ud, int stream, const char *line, size_t len)
{
    dlg *d = ud;
    int changed = d->run && (d->probe ? b2a__vendor_run_probe_line(d->run, line, len)
                                      : b2a__vendor_run_line(d->run, stream, line, len));
    if (changed && d->npct < 16)
        d->percents[d->npct++] = d->run->percent;
    return 0;
}

static void on_exec(void *ud, int rc, int exit_code, const b2a_err *err)
{
    dlg *d = ud;
    d->calls++;
    d->rc = rc;
    d->exit_code = exit_code;
    if (err)
        b2a__err_copy(&d->err, err);
}

void dialogue_open(dialogue *g, const char *casename, const b2a_container_spec *spec, const char *id)
{
    memset(g, 0, sizeof *g);
    g->id = id;
    fake_engine_start(&g->f, "engine/cases", casename);
    assert_int_equal(uv_loop_init(&g->loop), 0);
    char host[200];
    snprintf(host, sizeof host, "unix://%s", g->f.sock);
    b2a_err err;
    assert_int_equal(b2a__docker_new(&g->loop, host, &g->d, &err), B2A_OK);
    dlg r = {0};
    assert_int_equal(b2a__docker_container_create(g->d, spec, on_body, &r, NULL), B2A_OK);
    uv_run(&g->loop, UV_RUN_DEFAULT);
    assert_int_equal(r.rc, B2A_OK);
    assert_string_equal(r.body, id);
    memset(&r, 0, sizeof r);
    assert_int_equal(b2a__docker_container_start(g->d, id, on_body, &r, NULL), B2A_OK);
    uv_run(&g->loop, UV_RUN_DEFAULT);
    assert_int_equal(r.rc, B2A_OK);
}

void dialogue_exec(dialogue *g, const b2a_vendor_cmd *c, dlg *r)
{
    assert_int_equal(b2a__docker_exec(g->d, g->id, (const char *const *)c->argv, c->argc,
                                      (const char *const *)c->env, c->nenv, on_line, on_exec, r, NULL),
                     B2A_OK);
    uv_run(&g->loop, UV_RUN_DEFAULT);
    assert_int_equal(r->rc, B2A_OK);
}

char *dialogue_close(dialogue *g)
{
    b2a__docker_free(g->d);
    uv_run(&g->loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&g->loop), 0);
    char *log = fake_engine_log(&g->f);
    fake_engine_stop(&g->f);
    return log;
}
