/* The fake Docker Engine as a test's child process (fake_engine_proc.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fake_engine_proc.h"

#ifndef B2A_SOURCE_ROOT_DEFAULT
#define B2A_SOURCE_ROOT_DEFAULT "."
#endif
#ifndef B2A_PYTHON
#define B2A_PYTHON "/usr/bin/python3"
#endif

void fake_engine_start(fake_engine *f, const char *cases, const char *casename)
{
    const char *root = getenv("B2A_SOURCE_ROOT");
    if (!root || !*root)
        root = B2A_SOURCE_ROOT_DEFAULT;
    char script[PATH_MAX], casefile[PATH_MAX];
    snprintf(script, sizeof script, "%s/tests/docker/fake_engine.py", root);
    snprintf(casefile, sizeof casefile, "%s/tests/%s/%s.json", root, cases, casename);
    assert_int_equal(access(casefile, R_OK), 0);
    snprintf(f->dir, sizeof f->dir, "/tmp/b2a-fake-engine-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->sock, sizeof f->sock, "%s/docker.sock", f->dir);
    snprintf(f->log, sizeof f->log, "%s/requests.jsonl", f->dir);
    f->pid = fork();
    assert_true(f->pid >= 0);
    if (f->pid == 0) {
        /* Dies with us even when a failed assertion skips fake_engine_stop,
         * and keeps off our stdout so meson is not left waiting on the pipe. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        char out[160];
        snprintf(out, sizeof out, "%s/fake.out", f->dir);
        int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execl(B2A_PYTHON, B2A_PYTHON, script, f->sock, casefile, f->log, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 500; i++) { /* up to 10 s for python to start */
        if (access(f->sock, F_OK) == 0)
            return;
        int st;
        if (waitpid(f->pid, &st, WNOHANG) == f->pid)
            fail_msg("fake engine exited early (status %d) for case %s", st, casename);
        usleep(20000);
    }
    fail_msg("fake engine did not create %s", f->sock);
}

char *fake_engine_log(const fake_engine *f)
{
    char *buf = calloc(1, 1 << 20);
    assert_non_null(buf);
    FILE *fp = fopen(f->log, "r");
    if (fp) {
        buf[fread(buf, 1, (1 << 20) - 1, fp)] = '\0';
        fclose(fp);
    }
    return buf;
}

void fake_engine_stop(fake_engine *f)
{
    if (f->pid > 0) {
        kill(f->pid, SIGTERM);
        waitpid(f->pid, NULL, 0);
        f->pid = 0;
    }
    char out[160];
    snprintf(out, sizeof out, "%s/fake.out", f->dir);
    unlink(out);
    unlink(f->sock);
    unlink(f->log);
    rmdir(f->dir);
}
