/* A container vendor's dialogue with the fake Docker Engine, for the
 * vendors' tests (test_engine_oracle.c, test_engine_sqlserver.c): the
 * fake replays tests/engine/cases/<case>.json, a client on a fresh loop
 * creates and starts the container, and each exec feeds its output
 * lines to the vendor's run (or probe) parser. */
#ifndef B2A_TEST_ENGINE_DIALOGUE_H
#define B2A_TEST_ENGINE_DIALOGUE_H

#include <uv.h>

#include "docker/docker.h"
#include "engine/engine.h"
#include "fake_engine_proc.h"

/* What one request's callbacks saw. */
typedef struct dlg {
    int calls, rc, exit_code;
    b2a_err err;
    char body[256];
    b2a_vendor_run *run; /* output lines go to it, when set */
    int probe;           /* ... as the percent probe's lines */
    int percents[16];    /* run->percent after each line that changed it */
    int npct;
} dlg;

typedef struct dialogue {
    fake_engine f;
    uv_loop_t loop;
    b2a_docker *d;
    const char *id; /* the container's, as the case answers the create */
} dialogue;

/* Fake up, client on it, container of spec created (its id must be id)
 * and started; each step must succeed. */
void dialogue_open(dialogue *g, const char *casename, const b2a_container_spec *spec, const char *id);
/* Runs c in the container to its end; the request must succeed (r has the exit code). */
void dialogue_exec(dialogue *g, const b2a_vendor_cmd *c, dlg *r);
/* Client freed, loop closed, fake stopped: the requests it got (malloc'd). */
char *dialogue_close(dialogue *g);

#endif
