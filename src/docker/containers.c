/* Container life cycle: create, start, stop, remove, inspect, list. */
#include "docker/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int gen_labels(yajl_gen g, const char *const *labels, size_t n)
{
    if (b2a__djson_key(g, "Labels") || yajl_gen_map_open(g) != yajl_gen_status_ok)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (!labels[i])
            return -1;
        const char *eq = strchr(labels[i], '=');
        size_t klen = eq ? (size_t)(eq - labels[i]) : strlen(labels[i]);
        if (yajl_gen_string(g, (const unsigned char *)labels[i], klen) != yajl_gen_status_ok ||
            b2a__djson_s(g, eq ? eq + 1 : ""))
            return -1;
    }
    return yajl_gen_map_close(g) == yajl_gen_status_ok ? 0 : -1;
}

static char *create_body(const b2a_container_spec *s)
{
    yajl_gen g = b2a__djson_gen();
    char port[32];
    int bad = !g;
    if (bad)
        return NULL;
    snprintf(port, sizeof(port), "%d/tcp", s->container_port);
    bad |= yajl_gen_map_open(g) != yajl_gen_status_ok;
    bad |= b2a__djson_kv(g, "Image", s->image);
    if (s->user)
        bad |= b2a__djson_kv(g, "User", s->user);
    bad |= b2a__djson_karr(g, "Env", s->env, s->nenv);
    if (s->cmd)
        bad |= b2a__djson_karr(g, "Cmd", s->cmd, s->ncmd);
    if (s->entrypoint)
        bad |= b2a__djson_karr(g, "Entrypoint", s->entrypoint, s->nentrypoint);
    bad |= gen_labels(g, s->labels, s->nlabels);
    bad |= b2a__djson_kb(g, "Tty", 0);
    if (s->container_port > 0) {
        bad |= b2a__djson_key(g, "ExposedPorts") || yajl_gen_map_open(g) != yajl_gen_status_ok;
        bad |= b2a__djson_key(g, port) || yajl_gen_map_open(g) != yajl_gen_status_ok ||
               yajl_gen_map_close(g) != yajl_gen_status_ok;
        bad |= yajl_gen_map_close(g) != yajl_gen_status_ok;
    }
    bad |= b2a__djson_key(g, "HostConfig") || yajl_gen_map_open(g) != yajl_gen_status_ok;
    bad |= b2a__djson_karr(g, "Binds", s->binds, s->nbinds);
    if (s->host_network)
        bad |= b2a__djson_kv(g, "NetworkMode", "host");
    if (s->shm_size > 0)
        bad |= b2a__djson_ki(g, "ShmSize", s->shm_size);
    if (s->memory > 0)
        bad |= b2a__djson_ki(g, "Memory", s->memory);
    if (s->container_port > 0 && !s->host_network) {
        char hp[16];
        snprintf(hp, sizeof(hp), "%d", s->host_port > 0 ? s->host_port : 0);
        bad |= b2a__djson_key(g, "PortBindings") || yajl_gen_map_open(g) != yajl_gen_status_ok;
        bad |= b2a__djson_key(g, port) || yajl_gen_array_open(g) != yajl_gen_status_ok;
        bad |= yajl_gen_map_open(g) != yajl_gen_status_ok;
        /* Loopback unless the caller named an address: a restored database
         * faces the network only when asked. */
        bad |= b2a__djson_kv(g, "HostIp", s->host_ip && *s->host_ip ? s->host_ip : "127.0.0.1");
        bad |= b2a__djson_kv(g, "HostPort", s->host_port > 0 ? hp : "");
        bad |= yajl_gen_map_close(g) != yajl_gen_status_ok;
        bad |= yajl_gen_array_close(g) != yajl_gen_status_ok;
        bad |= yajl_gen_map_close(g) != yajl_gen_status_ok;
    }
    bad |= yajl_gen_map_close(g) != yajl_gen_status_ok; /* HostConfig */
    bad |= yajl_gen_map_close(g) != yajl_gen_status_ok;
    if (bad) {
        yajl_gen_free(g);
        return NULL;
    }
    return b2a__djson_done(g);
}

static void create_step(b2a_docker_req *r)
{
    yajl_val v = b2a__djson_parse(r);
    if (!v)
        return;
    const char *id = b2a__djson_str(v, "Id");
    if (!id || !*id) {
        yajl_tree_free(v);
        b2a__dreq_fail(r, B2A_EDOCKER, "the engine's reply has no container Id");
        return;
    }
    /* The body becomes the id for the caller. */
    size_t n = strlen(id);
    memmove(r->body, id, n + 1);
    r->body_len = n;
    yajl_tree_free(v);
    b2a__dreq_finish(r, B2A_OK, NULL);
}

static void body_done(b2a_docker_req *r, int rc, const b2a_err *err)
{
    b2a_docker_cb cb = (b2a_docker_cb)r->user_cb;
    cb(r->ud, rc, err, rc == B2A_OK ? r->body : NULL);
}

static void null_done(b2a_docker_req *r, int rc, const b2a_err *err)
{
    b2a_docker_cb cb = (b2a_docker_cb)r->user_cb;
    cb(r->ud, rc, err, NULL);
}

static void ok_step(b2a_docker_req *r) { b2a__dreq_finish(r, B2A_OK, NULL); }

int b2a__docker_container_create(b2a_docker *d, const b2a_container_spec *spec, b2a_docker_cb cb,
                                 void *ud, b2a_docker_req **req_out)
{
    if (!d || !spec || !spec->image || !*spec->image || !cb)
        return B2A_EINVAL;
    char *body = create_body(spec);
    if (!body)
        return B2A_EINVAL; /* NULL entry or invalid UTF-8 in the spec (or OOM) */
    char *what = NULL, *path = NULL, *name = spec->name ? b2a__durl_escape(spec->name) : NULL;
    int rc = B2A_ENOMEM;
    if ((!spec->name || name) &&
        (what = b2a__dfmt("creating container %s%sfrom image %s", spec->name ? spec->name : "",
                          spec->name ? " " : "", spec->image)) &&
        (path = b2a__dfmt("/containers/create%s%s", name ? "?name=" : "", name ? name : "")))
        rc = b2a__dreq_launch(d, what, "POST", path, body, 0, create_step, body_done, (void *)cb,
                              ud, req_out);
    free(body);
    free(what);
    free(path);
    free(name);
    return rc;
}

/* For the one-container calls: "<verb> container <id>" and "/containers/<id><suffix>". */
static int one(b2a_docker *d, const char *verb, const char *container, const char *method,
               const char *suffix, long extra_ms, b2a__dreq_step_fn step, b2a__dreq_done_fn done, void *cb,
               void *ud, b2a_docker_req **req_out)
{
    if (!d || !container || !*container || !cb)
        return B2A_EINVAL;
    char *what = NULL, *path = NULL, *id = b2a__durl_escape(container);
    int rc = B2A_ENOMEM;
    if (id && (what = b2a__dfmt("%s container %s", verb, container)) &&
        (path = b2a__dfmt("/containers/%s%s", id, suffix)))
        rc = b2a__dreq_launch(d, what, method, path, strcmp(method, "POST") == 0 ? "" : NULL,
                              extra_ms, step, done, cb, ud, req_out);
    free(what);
    free(path);
    free(id);
    return rc;
}

int b2a__docker_container_start(b2a_docker *d, const char *container, b2a_docker_cb cb, void *ud,
                                b2a_docker_req **req_out)
{
    return one(d, "starting", container, "POST", "/start", 0, ok_step, null_done, (void *)cb, ud,
               req_out);
}

int b2a__docker_container_stop(b2a_docker *d, const char *container, int timeout_s,
                               b2a_docker_cb cb, void *ud, b2a_docker_req **req_out)
{
    char suffix[32];
    if (timeout_s < 0)
        timeout_s = 0;
    snprintf(suffix, sizeof(suffix), "/stop?t=%d", timeout_s);
    /* The engine answers only after the grace period: allow that much more. */
    return one(d, "stopping", container, "POST", suffix, (long)timeout_s * 1000, ok_step,
               null_done, (void *)cb, ud, req_out);
}

int b2a__docker_container_remove(b2a_docker *d, const char *container, int force, int volumes,
                                 b2a_docker_cb cb, void *ud, b2a_docker_req **req_out)
{
    char suffix[32];
    snprintf(suffix, sizeof(suffix), "?force=%d&v=%d", force ? 1 : 0, volumes ? 1 : 0);
    return one(d, "removing", container, "DELETE", suffix, 0, ok_step, null_done, (void *)cb, ud,
               req_out);
}

static void inspect_step(b2a_docker_req *r)
{
    yajl_val v = b2a__djson_parse(r);
    if (!v)
        return;
    yajl_val st = b2a__djson_get(v, "State");
    if (!YAJL_IS_OBJECT(st)) {
        yajl_tree_free(v);
        b2a__dreq_fail(r, B2A_EDOCKER, "the engine's reply has no State");
        return;
    }
    r->op = v; /* kept alive for the callback, freed in inspect_free */
    b2a__dreq_finish(r, B2A_OK, NULL);
}

static void tree_free(b2a_docker_req *r)
{
    yajl_tree_free(r->op);
    r->op = NULL;
}

static void inspect_done(b2a_docker_req *r, int rc, const b2a_err *err)
{
    b2a_docker_inspect_cb cb = (b2a_docker_inspect_cb)r->user_cb;
    if (rc != B2A_OK) {
        cb(r->ud, rc, err, NULL, NULL);
        return;
    }
    yajl_val v = r->op, st = b2a__djson_get(v, "State");
    b2a_docker_state s = {0};
    const char *name = b2a__djson_str(v, "Name");
    s.id = b2a__djson_str(v, "Id");
    s.name = name ? (name[0] == '/' ? name + 1 : name) : "";
    s.status = b2a__djson_str(st, "Status");
    s.running = b2a__djson_bool(st, "Running");
    s.oom_killed = b2a__djson_bool(st, "OOMKilled");
    s.exit_code = (int)b2a__djson_int(st, "ExitCode", -1);
    s.error = b2a__djson_str(st, "Error");
    s.health = b2a__djson_str2(st, "Health", "Status");
    if (!s.id)
        s.id = "";
    if (!s.status)
        s.status = "";
    if (!s.error)
        s.error = "";
    cb(r->ud, rc, NULL, &s, r->body);
}

int b2a__docker_container_inspect(b2a_docker *d, const char *container, b2a_docker_inspect_cb cb,
                                  void *ud, b2a_docker_req **req_out)
{
    b2a_docker_req *r = NULL;
    int rc = one(d, "inspecting", container, "GET", "/json", 0, inspect_step, inspect_done,
                 (void *)cb, ud, &r);
    if (rc == B2A_OK) {
        r->on_free = tree_free;
        if (req_out)
            *req_out = r;
    }
    return rc;
}

typedef struct list_op {
    yajl_val tree;
    char *key; /* the label's key, to report its value */
    b2a_docker_container_info *items;
    size_t n;
} list_op;

static void list_free(b2a_docker_req *r)
{
    list_op *op = r->op;
    if (!op)
        return;
    yajl_tree_free(op->tree);
    free(op->key);
    free(op->items);
    free(op);
    r->op = NULL;
}

static void list_step(b2a_docker_req *r)
{
    list_op *op = r->op;
    /* A reply that is not JSON fails (and frees) r, op with it: keep the
     * tree only once it parsed. */
    yajl_val tree = b2a__djson_parse(r);
    if (!tree)
        return;
    op->tree = tree;
    if (!YAJL_IS_ARRAY(op->tree)) {
        b2a__dreq_fail(r, B2A_EDOCKER, "the engine's reply is not a list");
        return;
    }
    size_t n = op->tree->u.array.len;
    op->items = calloc(n ? n : 1, sizeof(*op->items));
    if (!op->items) {
        b2a__dreq_fail(r, B2A_ENOMEM, "out of memory");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        yajl_val c = op->tree->u.array.values[i];
        b2a_docker_container_info *it = &op->items[op->n];
        it->id = b2a__djson_str(c, "Id");
        if (!it->id)
            continue;
        yajl_val names = b2a__djson_get(c, "Names");
        it->name = "";
        if (YAJL_IS_ARRAY(names) && names->u.array.len && YAJL_IS_STRING(names->u.array.values[0])) {
            it->name = names->u.array.values[0]->u.string;
            if (it->name[0] == '/')
                it->name++;
        }
        it->image = b2a__djson_str(c, "Image");
        it->state = b2a__djson_str(c, "State");
        it->label_value = b2a__djson_str2(c, "Labels", op->key);
        it->created = b2a__djson_int(c, "Created", 0);
        if (!it->image)
            it->image = "";
        if (!it->state)
            it->state = "";
        if (!it->label_value)
            it->label_value = "";
        op->n++;
    }
    b2a__dreq_finish(r, B2A_OK, NULL);
}

static void list_done(b2a_docker_req *r, int rc, const b2a_err *err)
{
    b2a_docker_list_cb cb = (b2a_docker_list_cb)r->user_cb;
    list_op *op = r->op;
    if (rc != B2A_OK)
        cb(r->ud, rc, err, NULL, 0);
    else
        cb(r->ud, rc, NULL, op->items, op->n);
}

int b2a__docker_container_list_by_label(b2a_docker *d, const char *label, b2a_docker_list_cb cb,
                                        void *ud, b2a_docker_req **req_out)
{
    if (!d || !label || !*label || !cb)
        return B2A_EINVAL;
    list_op *op = calloc(1, sizeof(*op));
    if (!op)
        return B2A_ENOMEM;
    op->key = strndup(label, strcspn(label, "="));
    yajl_gen g = b2a__djson_gen();
    char *filters = NULL, *esc = NULL, *path = NULL, *what = NULL;
    int rc = B2A_ENOMEM;
    if (g && op->key) {
        if (yajl_gen_map_open(g) != yajl_gen_status_ok || b2a__djson_karr(g, "label", &label, 1) ||
            yajl_gen_map_close(g) != yajl_gen_status_ok) {
            yajl_gen_free(g);
            rc = B2A_EINVAL;
        } else {
            filters = b2a__djson_done(g);
        }
    } else if (g) {
        yajl_gen_free(g);
    }
    b2a_docker_req *r = NULL;
    if (filters && (esc = b2a__durl_escape(filters)) &&
        (path = b2a__dfmt("/containers/json?all=1&filters=%s", esc)) &&
        (what = b2a__dfmt("listing containers labeled %s", label)))
        rc = b2a__dreq_launch(d, what, "GET", path, NULL, 0, list_step, list_done, (void *)cb, ud,
                              &r);
    if (rc == B2A_OK) {
        r->op = op;
        r->on_free = list_free;
        if (req_out)
            *req_out = r;
    } else {
        free(op->key);
        free(op);
    }
    free(filters);
    free(esc);
    free(path);
    free(what);
    return rc;
}
