/* Cancel from any thread: a b2a_*_cancel() called off the loop thread must
 * not touch the loop's handles (engine requests, timers, work requests).
 * It wakes a uv_async_t instead, whose callback runs the cancel on the loop
 * thread. The async handle lives only while an operation runs (armed at its
 * start, disarmed before its done callback) so it never keeps a loop alive;
 * the mutex makes "wake it" and "close it" exclusive. */
#ifndef B2A_CORE_CANCEL_H
#define B2A_CORE_CANCEL_H

#include <stdatomic.h>
#include <uv.h>

typedef void (*b2a_cancel_fn)(void *handle);

typedef struct b2a_canceler {
    uv_mutex_t mu;
    struct cancel_async *async; /* while armed, when there is in-flight work to cancel */
    int armed;                  /* an operation runs */
    atomic_int asked;           /* a cancel was asked since the operation started */
    int ok;                     /* mu is initialised */
} b2a_canceler;

/* With the handle (any thread): 0, or B2A_ENOMEM. */
int b2a__canceler_init(b2a_canceler *k);
/* With the handle, once no operation runs. Safe on a never-initialised (zeroed) one. */
void b2a__canceler_destroy(b2a_canceler *k);
/* Loop thread, as the operation starts (clears asked): later requests run
 * fn(handle) on the loop. fn NULL: the operation only polls asked. */
int b2a__canceler_arm(b2a_canceler *k, uv_loop_t *loop, b2a_cancel_fn fn, void *handle);
/* Loop thread, before the done callback: fn is not run after this. Idempotent. */
void b2a__canceler_disarm(b2a_canceler *k);
/* Any thread: mark the operation canceled and wake the loop to cancel what
 * is in flight; a no-op when no operation runs. */
void b2a__canceler_request(b2a_canceler *k);
/* Loop thread: was a cancel asked since the arm? Steps check it as they go,
 * so a cancel asked on the loop thread is seen before the wake-up runs. */
int b2a__canceler_asked(b2a_canceler *k);

#endif
