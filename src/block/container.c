/* The Container block (include/bak2avro/container.h): a vendor's server in
 * a throw-away container. The start, top to bottom:
 *
 *   check inputs -> engine answers -> image there (else pull) -> create
 *   -> start -> probe until ready (bounded tries, a delay apart) -> done
 *
 * and the stop: stop -> remove (forced) -> done. Every step starts one
 * engine call and continues in its callback; a failure or a cancel ends
 * the operation through finish(), which calls the caller back once. */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "block/backup.h"
#include "block/container.h"
#include "core/ctx.h"
#include "util/str.h"

#define STOP_TIMEOUT_S 10

static void finish(b2a_container *c, int rc);
static void engine_ping(b2a_container *c);
static void probe_try(uv_timer_t *t);
static void destroy(b2a_container *c);

/* ---- options ---- */

int b2a_container_options_init(b2a_container_options *o, unsigned int version)
{
    if (!o || version != B2A_CONTAINER_OPTIONS_VERSION)
        return B2A_EINVAL;
    memset(o, 0, sizeof(*o));
    o->version = version;
    o->network = B2A_NETWORK_AUTO;
    o->delivery = B2A_DELIVERY_BIND;
    return B2A_OK;
}

int b2a_container_new(b2a_ctx *ctx, const b2a_container_options *o, b2a_container **out)
{
    if (!ctx || ctx->magic != B2A_CTX_MAGIC || !o || !out || o->version != B2A_CONTAINER_OPTIONS_VERSION ||
        (o->n_inputs && !o->inputs) || o->network > B2A_NETWORK_AUTO ||
        o->delivery > B2A_DELIVERY_UPLOAD || o->memory_bytes < 0)
        return B2A_EINVAL;
    *out = NULL;
    b2a_container *c = calloc(1, sizeof(*c));
    if (!c)
        return B2A_ENOMEM;
    if (b2a__canceler_init(&c->cancel) != B2A_OK) {
        free(c);
        return B2A_ENOMEM;
    }
    c->magic = B2A_CONTAINER_MAGIC;
    c->ctx = ctx;
    c->paths = b2a__strv_dup(o->inputs, o->n_inputs);
    c->npaths = o->n_inputs;
    c->vendor_name = b2a__strdup(o->vendor);
    c->image = b2a__strdup(o->image);
    c->docker_host = b2a__strdup(o->docker_host);
    c->data_dir = o->data_dir ? realpath(o->data_dir, NULL) : NULL;
    c->listen = b2a__strdup(o->listen);
    c->network = o->network;
    c->delivery = o->delivery;
    c->memory = o->memory_bytes;
    c->accept_eula = o->accept_eula;
    c->ready_tries = o->ready_tries;
    c->ready_delay_ms = o->ready_delay_ms;
    c->log_cb = o->log_cb;
    c->done_cb = o->done_cb;
    c->userdata = o->userdata;
    char hex[33];
    c->job_id = o->job_id ? b2a__strdup(o->job_id) : (b2a__random_hex(hex, 16) == 0 ? b2a__strdup(hex) : NULL);
    if ((o->n_inputs && !c->paths) || !c->job_id) {
        destroy(c);
        return B2A_ENOMEM;
    }
    if (o->data_dir && !c->data_dir) {
        destroy(c);
        return B2A_ENOTFOUND;
    }
    uv_timer_init(ctx->loop, &c->timer);
    c->timer.data = c;
    c->timer_open = 1;
    b2a__ctx_hold(ctx);
    *out = c;
    return B2A_OK;
}

void b2a__container_adopt_inputs(b2a_container *c, const b2a_vendor *v, b2a_vendor_input *inputs, size_t n)
{
    c->vendor = v;
    free(c->inputs);
    c->inputs = inputs;
    c->ninputs = n;
    c->described = 1;
}

void b2a__container_set_progress(b2a_container *c, b2a_container_progress_fn fn, void *ud)
{
    c->progress_fn = fn;
    c->progress_ud = ud;
}

b2a_odbc_vendor b2a__container_odbc_vendor(const b2a_container *c)
{
    if (c->vendor && c->vendor->id == B2A_VENDOR_MYSQL)
        return B2A_ODBC_MYSQL;
    if (c->vendor && c->vendor->id == B2A_VENDOR_SQLSERVER)
        return B2A_ODBC_SQLSERVER;
    if (c->vendor && c->vendor->id == B2A_VENDOR_ORACLE)
        return B2A_ODBC_ORACLE;
    return B2A_ODBC_POSTGRES;
}

void b2a__container_log(b2a_container *c, b2a_log_level level, const char *fmt, ...)
{
    if (!c->log_cb)
        return;
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    c->log_cb(c, level, buf, c->userdata);
}

static void progress(b2a_container *c, double percent)
{
    if (c->progress_fn)
        c->progress_fn(c->progress_ud, percent, 0, 0);
}

/* ---- ending an operation ---- */

static void fail(b2a_container *c, const b2a_err *err)
{
    b2a__err_copy(&c->err, err);
    finish(c, err->code ? err->code : B2A_EFATAL);
}

static void failf(b2a_container *c, int code, const char *fmt, const char *arg)
{
    b2a_err e;
    b2a__err_set(&e, code, B2A_ERRCLASS_DOCKER, fmt, arg);
    fail(c, &e);
}

/* After an engine call: a cancel ends the operation here. */
static int canceled(b2a_container *c)
{
    if (!c->cancel_requested && !b2a__canceler_asked(&c->cancel))
        return 0;
    b2a_err e;
    b2a__err_set(&e, B2A_ECANCELED, B2A_ERRCLASS_USAGE, "canceled");
    fail(c, &e);
    return 1;
}

static void finish(b2a_container *c, int rc)
{
    c->starting = c->stopping = 0;
    c->cancel_requested = 0;
    b2a__canceler_disarm(&c->cancel);
    b2a_container_cb cb = c->op_cb;
    void *ud = c->op_ud;
    c->op_cb = NULL;
    if (cb)
        cb(c, rc, ud);
    if (c->free_requested && !c->starting && !c->stopping)
        b2a_container_free(c);
}

static void defer(b2a_container *c, uint64_t delay_ms, uv_timer_cb fn)
{
    uv_timer_start(&c->timer, fn, delay_ms, 0);
}

/* ---- start: check the inputs ---- */

static void gzip_work(uv_work_t *w)
{
    b2a_container *c = w->data;
    b2a__err_clear(&c->work_err);
    b2a__backup_check_gzip_ends(c->inputs, c->ninputs, &c->work_err);
}

static void gzip_after(uv_work_t *w, int status)
{
    b2a_container *c = w->data;
    if (status == UV_ECANCELED || canceled(c)) {
        if (status == UV_ECANCELED)
            canceled(c);
        return;
    }
    if (c->work_err.code != B2A_OK) {
        fail(c, &c->work_err);
        return;
    }
    engine_ping(c);
}

static void check_inputs(uv_timer_t *t)
{
    b2a_container *c = t->data;
    if (canceled(c))
        return;
    b2a_err e;
    b2a__err_clear(&e);
    if (!c->described) {
        c->vendor = c->npaths ? b2a__backup_vendor(c->paths, c->npaths, c->vendor_name, &e)
                              : b2a__vendor_by_name(c->vendor_name);
        if (!c->vendor) {
            if (!e.code)
                b2a__err_set(&e, B2A_EUNSUPPORTED, B2A_ERRCLASS_USAGE, "no container for vendor %s", c->vendor_name);
            fail(c, &e);
            return;
        }
        c->ninputs = c->npaths;
        if (b2a__backup_describe(c->vendor, c->paths, c->npaths, c->image, c->accept_eula, &c->inputs,
                                 &c->database_hint, &e) != B2A_OK) {
            fail(c, &e);
            return;
        }
        c->described = 1;
        if (b2a__backup_has_gzip(c->inputs, c->ninputs)) {
            c->work.data = c;
            if (uv_queue_work(c->ctx->loop, &c->work, gzip_work, gzip_after) != 0)
                failf(c, B2A_ENOMEM, "%s", "could not queue work on the loop");
            return;
        }
    }
    engine_ping(c);
}

/* ---- start: engine, image, create, start ---- */

/* The image asked for, before the vendor job (which holds it later) exists. */
static const char *image_name(const b2a_container *c)
{
    return c->image ? c->image : b2a__vendor_default_image(c->vendor, c->inputs, c->ninputs);
}

/* Where each vendor's image keeps its data files (for data_dir). */
static const char *data_path(const b2a_vendor *v)
{
    switch (v->id) {
    case B2A_VENDOR_POSTGRESQL: return "/var/lib/postgresql/data";
    case B2A_VENDOR_MYSQL: return "/var/lib/mysql";
    case B2A_VENDOR_SQLSERVER: return "/var/opt/mssql";
    default: return NULL;
    }
}

static void started_cb(void *ud, int rc, const b2a_err *err, const char *body)
{
    (void)body;
    b2a_container *c = ud;
    c->req = NULL;
    if (rc != B2A_OK) {
        fail(c, err);
        return;
    }
    if (canceled(c))
        return;
    b2a__container_log(c, B2A_LOG_INFO, "container %.12s started from %s, waiting until it is ready", c->id,
                       c->vjob->image);
    progress(c, 50.0);
    c->probe_try = 0;
    b2a_err e;
    if (b2a__vendor_probe(c->vjob, &c->probe, &e) != B2A_OK) {
        fail(c, &e);
        return;
    }
    if (c->ready_tries)
        c->probe.tries = c->ready_tries;
    if (c->ready_delay_ms)
        c->probe.delay_ms = c->ready_delay_ms;
    probe_try(&c->timer);
}

static void created_cb(void *ud, int rc, const b2a_err *err, const char *body)
{
    b2a_container *c = ud;
    c->req = NULL;
    if (rc != B2A_OK) {
        fail(c, err);
        return;
    }
    c->id = b2a__strdup(body);
    if (!c->id) {
        failf(c, B2A_ENOMEM, "%s", "out of memory");
        return;
    }
    if (canceled(c))
        return;
    if (b2a__docker_container_start(c->docker, c->id, started_cb, c, &c->req) != B2A_OK)
        failf(c, B2A_EDOCKER, "%s", "could not start the container");
}

static int add_label_and_data(b2a_container *c, b2a_err *e)
{
    b2a_vendor_job *j = c->vjob;
    /* Who owns the container, so `bak2avro gc` never takes a live job's. */
    char owner[320];
    if (b2a__owner_tag(owner, sizeof(owner)) == 0 &&
        b2a__vendor_strv_pushf(&j->labels, &j->nlabels, "bak2avro.owner=%s", owner) != B2A_OK)
        return b2a__err_set(e, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    j->spec.labels = (const char *const *)j->labels;
    j->spec.nlabels = j->nlabels;
    if (c->data_dir) {
        const char *inside = data_path(c->vendor);
        if (!inside)
            return b2a__err_set(e, B2A_EUNSUPPORTED, B2A_ERRCLASS_USAGE, "a data folder is not supported for %s",
                                c->vendor->name);
        if (b2a__vendor_strv_pushf(&j->binds, &j->nbinds, "%s:%s", c->data_dir, inside) != B2A_OK)
            return b2a__err_set(e, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
        j->spec.binds = (const char *const *)j->binds;
        j->spec.nbinds = j->nbinds;
    }
    if (c->memory > 0)
        j->spec.memory = c->memory;
    return B2A_OK;
}

static void create_container(b2a_container *c)
{
    if (canceled(c))
        return;
    b2a_err e;
    int port = 0;
    if (b2a__vendor_free_port(&port, &e) != B2A_OK) {
        fail(c, &e);
        return;
    }
    b2a_vendor_params p;
    memset(&p, 0, sizeof(p));
    p.job_id = c->job_id;
    p.image = c->image;
    /* auto: host networking, which every Linux engine has (a bridge may be disabled). */
    p.network = c->network == B2A_NETWORK_PUBLISH || (c->network == B2A_NETWORK_AUTO && c->vendor->publish_only)
                    ? B2A_NETWORK_PUBLISH
                    : B2A_NETWORK_HOST;
    p.port = port;
    p.delivery = c->delivery == B2A_DELIVERY_UPLOAD ? B2A_VENDOR_UPLOAD : B2A_VENDOR_BIND;
    p.inputs = c->inputs;
    p.ninputs = c->ninputs;
    p.accept_eula = c->accept_eula;
    p.listen = c->listen;
    if (b2a__vendor_job_new(c->vendor, &p, &c->vjob, &e) != B2A_OK || add_label_and_data(c, &e) != B2A_OK) {
        fail(c, &e);
        return;
    }
    if (c->listen && strcmp(c->listen, "127.0.0.1") != 0)
        b2a__container_log(c, B2A_LOG_WARN, "the database listens on %s: whoever reaches that address can try its "
                           "password", c->listen);
    progress(c, 30.0);
    if (b2a__docker_container_create(c->docker, &c->vjob->spec, created_cb, c, &c->req) != B2A_OK)
        failf(c, B2A_EDOCKER, "%s", "could not create the container");
}

static int pull_progress(void *ud, double percent, const char *status)
{
    b2a_container *c = ud;
    progress(c, percent < 0 ? -1 : percent * 0.3);
    b2a__container_log(c, B2A_LOG_DEBUG, "pull: %s", status);
    return c->cancel_requested || b2a__canceler_asked(&c->cancel);
}

static void pulled_cb(void *ud, int rc, const b2a_err *err, const char *body)
{
    (void)body;
    b2a_container *c = ud;
    c->req = NULL;
    const char *image = image_name(c);
    if (rc != B2A_OK) {
        b2a_err e;
        b2a__err_copy(&e, err);
        b2a__err_set(&e, rc == B2A_ECANCELED || rc == B2A_EUSER ? rc : B2A_ENOTFOUND, B2A_ERRCLASS_DOCKER,
                     "image %s is not on this Docker engine and could not be pulled (%s); load it with "
                     "`docker load` or `docker pull %s` where a registry is reachable, or name a local image "
                     "with --image",
                     image, err ? err->msg : "no reply", image);
        fail(c, &e);
        return;
    }
    create_container(c);
}

static void image_cb(void *ud, int rc, const b2a_err *err, const char *body)
{
    (void)body;
    b2a_container *c = ud;
    c->req = NULL;
    const char *image = image_name(c);
    if (canceled(c))
        return;
    if (rc == B2A_ENOTFOUND) {
        b2a__container_log(c, B2A_LOG_INFO, "image %s is not present, pulling it", image);
        if (b2a__docker_image_pull(c->docker, image, pull_progress, pulled_cb, c, &c->req) != B2A_OK)
            failf(c, B2A_EDOCKER, "could not pull %s", image);
        return;
    }
    if (rc != B2A_OK) {
        fail(c, err);
        return;
    }
    create_container(c);
}

static void ping_cb(void *ud, int rc, const b2a_err *err, const char *body)
{
    (void)body;
    b2a_container *c = ud;
    c->req = NULL;
    if (rc != B2A_OK) {
        b2a_err e;
        b2a__err_copy(&e, err);
        b2a__err_prefix(&e, "the Docker engine at %s does not answer (start dockerd, or set DOCKER_HOST): ",
                        b2a__docker_socket(c->docker));
        fail(c, &e);
        return;
    }
    if (canceled(c))
        return;
    const char *image = image_name(c);
    if (b2a__docker_image_inspect(c->docker, image, image_cb, c, &c->req) != B2A_OK)
        failf(c, B2A_EDOCKER, "could not inspect image %s", image);
}

static void engine_ping(b2a_container *c)
{
    b2a_err e;
    if (!c->docker && b2a__docker_new(c->ctx->loop, c->docker_host, &c->docker, &e) != B2A_OK) {
        fail(c, &e);
        return;
    }
    if (b2a__docker_ping(c->docker, ping_cb, c, &c->req) != B2A_OK)
        failf(c, B2A_EDOCKER, "%s", "could not reach the Docker engine");
}

/* ---- start: ready ---- */

static void ready(b2a_container *c)
{
    b2a_err e;
    if (b2a__vendor_connstr(c->vjob, &c->connstr, &e) != B2A_OK) {
        fail(c, &e);
        return;
    }
    c->ready = 1;
    finish(c, B2A_OK);
}

static void probe_state_cb(void *ud, int rc, const b2a_err *err, const b2a_docker_state *state, const char *body)
{
    (void)body;
    b2a_container *c = ud;
    c->req = NULL;
    if (rc != B2A_OK) {
        fail(c, err);
        return;
    }
    if (canceled(c))
        return;
    b2a_err e;
    if (!state->running) {
        b2a__err_set(&e, B2A_EDOCKER, B2A_ERRCLASS_DOCKER,
                     "container %.12s of %s stopped before it was ready (exit code %d%s); see `docker logs %.12s`",
                     c->id, c->vjob->image, state->exit_code,
                     state->oom_killed ? ", killed for lack of memory" : "", c->id);
        fail(c, &e);
        return;
    }
    if (c->probe_try >= c->probe.tries) {
        b2a__err_set(&e, B2A_ETIMEOUT, B2A_ERRCLASS_DOCKER, "%s did not become ready after %u tries %u ms apart",
                     c->vjob->image, c->probe.tries, c->probe.delay_ms);
        fail(c, &e);
        return;
    }
    defer(c, c->probe.delay_ms, probe_try);
}

static void probe_exec_done(void *ud, int rc, int exit_code, const b2a_err *err)
{
    (void)err;
    b2a_container *c = ud;
    c->req = NULL;
    if (canceled(c))
        return;
    if (rc == B2A_OK && exit_code == 0) {
        ready(c);
        return;
    }
    /* Not ready yet: is the container still alive? */
    if (b2a__docker_container_inspect(c->docker, c->id, probe_state_cb, c, &c->req) != B2A_OK)
        failf(c, B2A_EDOCKER, "%s", "could not inspect the container");
}

static int ignore_line(void *ud, int stream, const char *line, size_t len)
{
    (void)ud, (void)stream, (void)line, (void)len;
    return 0;
}

static void probe_try(uv_timer_t *t)
{
    b2a_container *c = t->data;
    if (canceled(c))
        return;
    c->probe_try++;
    if (c->progress_fn)
        c->progress_fn(c->progress_ud, 50.0 + 45.0 * c->probe_try / (c->probe.tries + 1), c->probe_try, c->probe.tries);
    if (b2a__docker_exec(c->docker, c->id, (const char *const *)c->probe.cmd.argv, c->probe.cmd.argc,
                         (const char *const *)c->probe.cmd.env, c->probe.cmd.nenv, ignore_line, probe_exec_done, c,
                         &c->req) != B2A_OK)
        failf(c, B2A_EDOCKER, "%s", "could not run the readiness probe");
}

/* On the loop thread: end the start (or attach) at the engine call or wait under way. */
static void container_cancel_now(void *handle)
{
    b2a_container *c = handle;
    if (!c->starting || c->cancel_requested)
        return;
    c->cancel_requested = 1;
    if (c->req) {
        b2a__docker_cancel(c->req); /* its callback sees the cancel */
    } else if (uv_is_active((uv_handle_t *)&c->timer)) {
        uv_timer_stop(&c->timer); /* waiting between probes: end now, from the loop */
        defer(c, 0, check_inputs); /* check_inputs sees the cancel first */
    }
}

int b2a_container_start(b2a_container *c)
{
    if (!c || c->magic != B2A_CONTAINER_MAGIC)
        return B2A_EINVAL;
    if (c->starting || c->stopping || c->id || c->free_requested)
        return B2A_EBUSY;
    if (!c->npaths && !c->vendor_name && !c->described)
        return B2A_EINVAL; /* a container for which vendor? */
    if (b2a__canceler_arm(&c->cancel, c->ctx->loop, container_cancel_now, c) != B2A_OK)
        return B2A_ENOMEM;
    b2a__err_clear(&c->err);
    c->starting = 1;
    c->op_cb = c->done_cb;
    c->op_ud = c->userdata;
    /* Never call back inside the start. */
    defer(c, 0, check_inputs);
    return B2A_OK;
}

int b2a_container_cancel(b2a_container *c)
{
    if (!c || c->magic != B2A_CONTAINER_MAGIC)
        return B2A_EINVAL;
    b2a__canceler_request(&c->cancel); /* any thread: the loop runs container_cancel_now */
    return B2A_OK;
}

/* ---- stop ---- */

static void removed_cb(void *ud, int rc, const b2a_err *err, const char *body)
{
    (void)body;
    b2a_container *c = ud;
    c->req = NULL;
    if (rc != B2A_OK && rc != B2A_ENOTFOUND) {
        b2a_err e;
        b2a__err_copy(&e, err);
        b2a__err_prefix(&e, "could not remove container %.12s (run `bak2avro gc`): ", c->id);
        b2a__err_copy(&c->err, &e);
        finish(c, e.code);
        return;
    }
    c->stopped = 1;
    c->ready = 0;
    finish(c, B2A_OK);
}

static void stopped_cb(void *ud, int rc, const b2a_err *err, const char *body)
{
    (void)body, (void)err, (void)rc;
    b2a_container *c = ud;
    c->req = NULL;
    /* Remove whatever stop said: force covers a container that would not stop. */
    if (b2a__docker_container_remove(c->docker, c->id, 1, 1, removed_cb, c, &c->req) != B2A_OK)
        removed_cb(c, B2A_EDOCKER, &(b2a_err){.code = B2A_EDOCKER, .msg = "remove refused"}, NULL);
}

static void stop_begin(uv_timer_t *t)
{
    b2a_container *c = t->data;
    if (!c->id || c->stopped) {
        finish(c, B2A_OK);
        return;
    }
    b2a_err e;
    if (!c->docker && b2a__docker_new(c->ctx->loop, c->docker_host, &c->docker, &e) != B2A_OK) {
        b2a__err_copy(&c->err, &e);
        finish(c, e.code);
        return;
    }
    if (b2a__docker_container_stop(c->docker, c->id, STOP_TIMEOUT_S, stopped_cb, c, &c->req) != B2A_OK)
        stopped_cb(c, B2A_EDOCKER, NULL, NULL);
}

int b2a_container_stop(b2a_container *c, b2a_container_cb cb, void *userdata)
{
    if (!c || c->magic != B2A_CONTAINER_MAGIC)
        return B2A_EINVAL;
    if (c->starting || c->stopping || c->users)
        return B2A_EBUSY;
    b2a__err_clear(&c->err);
    c->stopping = 1;
    c->op_cb = cb;
    c->op_ud = userdata;
    defer(c, 0, stop_begin);
    return B2A_OK;
}

int b2a_container_keep(b2a_container *c)
{
    if (!c || c->magic != B2A_CONTAINER_MAGIC)
        return B2A_EINVAL;
    c->kept = 1;
    return B2A_OK;
}

/* ---- attach: a container an earlier process started ---- */

static void attach_listed(void *ud, int rc, const b2a_err *err, const b2a_docker_container_info *items, size_t n)
{
    b2a_container *c = ud;
    c->req = NULL;
    if (rc != B2A_OK) {
        fail(c, err);
        return;
    }
    if (canceled(c))
        return;
    /* Only a container this tool labelled: its full id, an id prefix of at
     * least 12 characters (what docker ps shows), or its name. */
    const char *want = c->attach_id;
    size_t wl = strlen(want);
    const b2a_docker_container_info *hit = NULL;
    for (size_t i = 0; i < n && !hit; i++)
        if ((wl >= 12 && strncmp(items[i].id, want, wl) == 0) || (items[i].name && strcmp(items[i].name, want) == 0))
            hit = &items[i];
    if (!hit) {
        b2a_err e;
        b2a__err_set(&e, B2A_ENOTFOUND, B2A_ERRCLASS_USAGE,
                     "no container %s started by bak2avro (none with that id or name carries the bak2avro.job "
                     "label): nothing was touched",
                     want);
        fail(c, &e);
        return;
    }
    c->id = b2a__strdup(hit->id);
    if (!c->id) {
        failf(c, B2A_ENOMEM, "%s", "out of memory");
        return;
    }
    finish(c, B2A_OK);
}

static void attach_begin(uv_timer_t *t)
{
    b2a_container *c = t->data;
    b2a_err e;
    if (canceled(c))
        return;
    if (!c->docker && b2a__docker_new(c->ctx->loop, c->docker_host, &c->docker, &e) != B2A_OK) {
        fail(c, &e);
        return;
    }
    if (b2a__docker_container_list_by_label(c->docker, "bak2avro.job", attach_listed, c, &c->req) != B2A_OK)
        failf(c, B2A_EDOCKER, "%s", "could not list the containers");
}

int b2a_container_attach(b2a_container *c, const char *id)
{
    if (!c || c->magic != B2A_CONTAINER_MAGIC || !id || !*id)
        return B2A_EINVAL;
    if (c->starting || c->stopping || c->id || c->free_requested)
        return B2A_EBUSY;
    free(c->attach_id);
    if (!(c->attach_id = b2a__strdup(id)))
        return B2A_ENOMEM;
    if (b2a__canceler_arm(&c->cancel, c->ctx->loop, container_cancel_now, c) != B2A_OK)
        return B2A_ENOMEM;
    b2a__err_clear(&c->err);
    c->starting = 1;
    c->kept = 1; /* attached: freeing the handle leaves it; b2a_container_stop removes it */
    c->op_cb = c->done_cb;
    c->op_ud = c->userdata;
    defer(c, 0, attach_begin);
    return B2A_OK;
}

/* ---- free ---- */

static void closed(uv_handle_t *h)
{
    b2a_container *c = h->data;
    b2a_ctx *ctx = c->ctx;
    free(c);
    b2a__ctx_release(ctx);
}

static void destroy(b2a_container *c)
{
    c->magic = 0; /* a second free (from a callback) is a no-op */
    if (c->docker)
        b2a__docker_free(c->docker);
    b2a__vendor_probe_free(&c->probe);
    b2a__vendor_job_free(c->vjob);
    if (c->connstr) {
        memset(c->connstr, 0, strlen(c->connstr));
        free(c->connstr);
    }
    b2a__strv_free(c->paths, c->npaths);
    free(c->vendor_name);
    free(c->image);
    free(c->docker_host);
    free(c->data_dir);
    free(c->listen);
    free(c->job_id);
    free(c->attach_id);
    free(c->inputs);
    free(c->database_hint);
    free(c->data_database);
    free(c->data_databases);
    free(c->id);
    b2a__canceler_destroy(&c->cancel);
    if (c->timer_open) {
        uv_close((uv_handle_t *)&c->timer, closed);
        return;
    }
    free(c);
}

void b2a_container_free(b2a_container *c)
{
    if (!c || c->magic != B2A_CONTAINER_MAGIC)
        return;
    c->free_requested = 1;
    if (c->starting || c->stopping || c->users) {
        container_cancel_now(c); /* freed once the operation (or the restore using it) has ended */
        return;
    }
    if (c->id && !c->stopped && !c->kept) {
        /* No container outlives its handle unless kept: remove it first
         * (once: a failed removal is not retried forever). */
        c->free_requested = 0;
        c->kept = 1;
        if (b2a_container_stop(c, NULL, NULL) == B2A_OK) {
            c->free_requested = 1;
            return;
        }
    }
    destroy(c);
}

/* ---- endpoint and errors ---- */

#define GET(expr, none) (c && c->magic == B2A_CONTAINER_MAGIC ? (expr) : (none))

const char *b2a_container_id(const b2a_container *c)
{
    return GET(c->id, NULL);
}

const char *b2a_container_vendor(const b2a_container *c)
{
    return GET(c->vendor ? c->vendor->name : c->vendor_name, NULL);
}

const char *b2a_container_image(const b2a_container *c)
{
    return GET(c->vjob ? c->vjob->image : NULL, NULL);
}

const char *b2a_container_host(const b2a_container *c)
{
    if (!c || c->magic != B2A_CONTAINER_MAGIC || !c->ready)
        return NULL;
    /* A server on every address is reached here on loopback. */
    return c->listen && strcmp(c->listen, "0.0.0.0") != 0 && strcmp(c->listen, "::") != 0 ? c->listen
                                                                                          : "127.0.0.1";
}

int b2a_container_port(const b2a_container *c)
{
    return GET(c->ready ? c->vjob->host_port : 0, 0);
}

const char *b2a_container_user(const b2a_container *c)
{
    return GET(c->ready ? c->vjob->user : NULL, NULL);
}

const char *b2a_container_password(const b2a_container *c)
{
    return GET(c->ready ? c->vjob->password : NULL, NULL);
}

/* Where the rows are: the container's own database, or the one a
 * restored script created and filled (see the Restore block's locate). */
static const char *rows_database(const b2a_container *c)
{
    return c->data_database ? c->data_database : c->vjob->dbname;
}

const char *b2a_container_database(const b2a_container *c)
{
    return GET(c->ready ? rows_database(c) : NULL, NULL);
}

char *b2a_container_dsn(const b2a_container *c)
{
    if (!c || c->magic != B2A_CONTAINER_MAGIC || !c->ready)
        return NULL;
    const char *host = b2a_container_host(c);
    int v6 = strchr(host, ':') != NULL;
    /* The password is letters and digits only: nothing to escape. */
    switch (c->vendor->id) {
    case B2A_VENDOR_POSTGRESQL:
        return b2a__asprintf("postgresql://%s:%s@%s%s%s:%d/%s", c->vjob->user, c->vjob->password, v6 ? "[" : "",
                             host, v6 ? "]" : "", c->vjob->host_port, rows_database(c));
    case B2A_VENDOR_MYSQL:
        return b2a__asprintf("mysql://%s:%s@%s%s%s:%d/%s", c->vjob->user, c->vjob->password, v6 ? "[" : "", host,
                             v6 ? "]" : "", c->vjob->host_port, rows_database(c));
    default:
        return b2a__strdup(c->connstr);
    }
}

B2A_ERRCODE_ACCESSOR(b2a_container_errcode, b2a_container, B2A_CONTAINER_MAGIC)
B2A_ERRCLASS_ACCESSOR(b2a_container_errclass, b2a_container, B2A_CONTAINER_MAGIC)
B2A_ERRMSG_ACCESSOR(b2a_container_errmsg, b2a_container, B2A_CONTAINER_MAGIC)
