/* tests/docker/fake_engine.py as a child process of a cmocka test: it
 * serves a Docker Engine API on a unix socket in a fresh temp folder,
 * replays the exchanges of one case file and logs every request it got.
 * Failures to start fail the test. */
#ifndef B2A_TEST_FAKE_ENGINE_PROC_H
#define B2A_TEST_FAKE_ENGINE_PROC_H

#include <sys/types.h>

typedef struct fake_engine {
    pid_t pid;
    char dir[64];   /* the temp folder, removed by fake_engine_stop */
    char sock[128]; /* the engine's socket in it: unix://<sock> */
    char log[128];  /* its request log (JSON lines) */
} fake_engine;

/* Starts the fake on tests/<cases>/<casename>.json (cases: "docker/cases",
 * "engine/cases"), under $B2A_SOURCE_ROOT or else the source tree it was
 * built from, and waits for its socket. */
void fake_engine_start(fake_engine *f, const char *cases, const char *casename);

/* The requests logged so far, malloc'd ("" when none came). The fake logs
 * a request before it answers it, so every answered request is there. */
char *fake_engine_log(const fake_engine *f);

/* Stops the fake (if it runs) and removes its folder's files and the folder. */
void fake_engine_stop(fake_engine *f);

#endif
