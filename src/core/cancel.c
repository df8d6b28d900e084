/* Cancel from any thread (see cancel.h). */
#include "core/cancel.h"

#include <stdlib.h>

#include "bak2avro.h"

struct cancel_async {
    uv_async_t async;
    b2a_cancel_fn fn;
    void *handle;
};

int b2a__canceler_init(b2a_canceler *k)
{
    k->async = NULL;
    k->armed = 0;
    atomic_init(&k->asked, 0);
    k->ok = uv_mutex_init(&k->mu) == 0;
    return k->ok ? B2A_OK : B2A_ENOMEM;
}

void b2a__canceler_destroy(b2a_canceler *k)
{
    if (!k->ok)
        return;
    b2a__canceler_disarm(k);
    uv_mutex_destroy(&k->mu);
    k->ok = 0;
}

static void woken(uv_async_t *a)
{
    struct cancel_async *ca = a->data;
    ca->fn(ca->handle);
}

int b2a__canceler_arm(b2a_canceler *k, uv_loop_t *loop, b2a_cancel_fn fn, void *handle)
{
    if (!k->ok)
        return B2A_ENOMEM;
    b2a__canceler_disarm(k);
    struct cancel_async *ca = NULL;
    if (fn) {
        if (!(ca = calloc(1, sizeof(*ca))))
            return B2A_ENOMEM;
        if (uv_async_init(loop, &ca->async, woken) != 0) {
            free(ca);
            return B2A_ENOMEM;
        }
        ca->async.data = ca;
        ca->fn = fn;
        ca->handle = handle;
    }
    uv_mutex_lock(&k->mu);
    atomic_store(&k->asked, 0);
    k->async = ca;
    k->armed = 1;
    uv_mutex_unlock(&k->mu);
    return B2A_OK;
}

static void async_closed(uv_handle_t *h)
{
    free(h->data);
}

void b2a__canceler_disarm(b2a_canceler *k)
{
    if (!k->ok)
        return;
    uv_mutex_lock(&k->mu);
    struct cancel_async *ca = k->async;
    k->async = NULL;
    k->armed = 0;
    uv_mutex_unlock(&k->mu);
    /* No sender holds it now; a wake-up still pending is dropped with the handle. */
    if (ca)
        uv_close((uv_handle_t *)&ca->async, async_closed);
}

void b2a__canceler_request(b2a_canceler *k)
{
    if (!k->ok)
        return;
    uv_mutex_lock(&k->mu);
    if (k->armed) {
        atomic_store(&k->asked, 1);
        if (k->async)
            uv_async_send(&k->async->async);
    }
    uv_mutex_unlock(&k->mu);
}

int b2a__canceler_asked(b2a_canceler *k)
{
    return atomic_load(&k->asked);
}
