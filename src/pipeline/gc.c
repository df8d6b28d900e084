/* bak2avro gc: remove containers left by jobs that were killed. Every job
 * labels its container bak2avro.owner=host:pid:starttime; a container whose
 * owner still runs on this host belongs to a live job and is left alone, and
 * so is one made on another host (we cannot tell whether its job lives). */
#include <stdlib.h>
#include <string.h>

#include "bak2avro.h"
#include "docker/docker.h"
#include "util/str.h"

typedef struct gc_state {
    b2a_docker *docker;
    uint32_t removed;
    b2a_err err;
    int rc;
} gc_state;

static void removed_cb(void *ud, int rc, const b2a_err *err, const char *body)
{
    (void)body;
    gc_state *st = ud;
    if (rc == B2A_OK || rc == B2A_ENOTFOUND)
        st->removed += rc == B2A_OK;
    else if (st->rc == B2A_OK) {
        st->rc = rc;
        b2a__err_copy(&st->err, err);
    }
}

static void listed_cb(void *ud, int rc, const b2a_err *err, const b2a_docker_container_info *items, size_t n)
{
    gc_state *st = ud;
    if (rc != B2A_OK) {
        st->rc = rc;
        b2a__err_copy(&st->err, err);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (!items[i].label_value || b2a__owner_alive(items[i].label_value) != 0)
            continue;
        int r = b2a__docker_container_remove(st->docker, items[i].id, 1, 1, removed_cb, st, NULL);
        if (r != B2A_OK && st->rc == B2A_OK) {
            st->rc = r;
            b2a__err_set(&st->err, r, B2A_ERRCLASS_DOCKER, "cannot remove container %s: %s",
                         items[i].id, b2a_strerror(r));
        }
    }
}

int b2a_gc(const char *docker_host, uint32_t *removed_out, char **errmsg_out)
{
    if (removed_out)
        *removed_out = 0;
    if (errmsg_out)
        *errmsg_out = NULL;
    gc_state st;
    memset(&st, 0, sizeof(st));
    uv_loop_t loop;
    if (uv_loop_init(&loop) != 0)
        return B2A_ENOMEM;
    int rc = b2a__docker_new(&loop, docker_host, &st.docker, &st.err);
    if (rc == B2A_OK)
        rc = b2a__docker_container_list_by_label(st.docker, "bak2avro.owner", listed_cb, &st, NULL);
    if (rc == B2A_OK) {
        uv_run(&loop, UV_RUN_DEFAULT);
        rc = st.rc;
    }
    b2a__docker_free(st.docker);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    if (removed_out)
        *removed_out = st.removed;
    if (rc != B2A_OK && errmsg_out)
        *errmsg_out = b2a__strdup(st.err.msg[0] ? st.err.msg : b2a_strerror(rc));
    return rc;
}
