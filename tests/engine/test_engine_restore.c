/* Integration: the vendor plans run for real. A container is started from
 * the job's spec with the docker CLI, probed until ready, every plan step
 * is exec'd with its env (the password reaches docker through its
 * environment, never argv), output and the bytes probe are fed to the
 * parsers, and the restored rows are counted over ODBC with the vendor's
 * connection string. Skips (77) without docker, the test images or samples. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sql.h>
#include <sqlext.h>

#include "engine/engine.h"

extern char **environ;

#define PG_IMAGE "bak2avro-test/postgres:15"
#define MY_IMAGE "bak2avro-test/mariadb:10.11"

static const char *samples;

/* ---- running docker ---- */

typedef void (*line_fn)(void *ud, int stream, const char *line, size_t len);

/* Runs argv with extra env entries ("K=V") added to ours; lines of stdout
 * (1) and stderr (2) go to fn; every tick_ms with no output tick() runs.
 * Returns the exit status, or -1. */
static int run(char **argv, char **env, size_t nenv, line_fn fn, void *ud, void (*tick)(void *),
               int tick_ms)
{
    int po[2], pe[2];
    if (pipe(po) || pipe(pe))
        return -1;
    size_t ne = 0;
    while (environ[ne])
        ne++;
    char **envp = calloc(ne + nenv + 1, sizeof *envp);
    memcpy(envp, environ, ne * sizeof *envp);
    for (size_t i = 0; i < nenv; i++)
        envp[ne + i] = env[i];
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, po[1], 1);
    posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
    posix_spawn_file_actions_addclose(&fa, po[0]);
    posix_spawn_file_actions_addclose(&fa, pe[0]);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    free(envp);
    close(po[1]);
    close(pe[1]);
    if (rc) {
        close(po[0]);
        close(pe[0]);
        return -1;
    }
    char buf[2][65536];
    size_t have[2] = {0, 0};
    struct pollfd pf[2] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}};
    int open_fds = 2;
    while (open_fds) {
        int n = poll(pf, 2, tick ? tick_ms : -1);
        if (n == 0) {
            tick(ud);
            continue;
        }
        for (int k = 0; k < 2; k++) {
            if (pf[k].fd < 0 || !(pf[k].revents & (POLLIN | POLLHUP)))
                continue;
            ssize_t r = read(pf[k].fd, buf[k] + have[k], sizeof buf[k] - 1 - have[k]);
            if (r <= 0) {
                if (have[k] && fn)
                    fn(ud, k + 1, buf[k], have[k]);
                have[k] = 0;
                close(pf[k].fd);
                pf[k].fd = -1;
                open_fds--;
                continue;
            }
            have[k] += (size_t)r;
            char *start = buf[k], *nl;
            while ((nl = memchr(start, '\n', have[k] - (size_t)(start - buf[k])))) {
                if (fn)
                    fn(ud, k + 1, start, (size_t)(nl - start));
                start = nl + 1;
            }
            have[k] -= (size_t)(start - buf[k]);
            memmove(buf[k], start, have[k]);
            if (have[k] == sizeof buf[k] - 1) { /* overlong line: deliver a piece */
                if (fn)
                    fn(ud, k + 1, buf[k], have[k]);
                have[k] = 0;
            }
        }
    }
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* "docker exec -e K1 -e K2 CID argv..." with env values in docker's env */
static char **exec_argv(const char *cid, const b2a_vendor_cmd *c)
{
    char **v = calloc(4 + 2 * c->nenv + c->argc + 1, sizeof *v);
    size_t n = 0;
    v[n++] = strdup("docker");
    v[n++] = strdup("exec");
    for (size_t i = 0; i < c->nenv; i++) {
        v[n++] = strdup("-e");
        v[n++] = strndup(c->env[i], strcspn(c->env[i], "="));
    }
    v[n++] = strdup(cid);
    for (size_t i = 0; i < c->argc; i++)
        v[n++] = strdup(c->argv[i]);
    return v;
}

static void free_v(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

static void collect(void *ud, int stream, const char *line, size_t len)
{
    (void)stream;
    char *out = ud;
    size_t o = strlen(out);
    if (o + len + 2 < 4096) {
        memcpy(out + o, line, len);
        out[o + len] = '\n';
        out[o + len + 1] = '\0';
    }
}

static int docker_ok(void)
{
    char out[4096] = "";
    char *argv[] = {"docker", "version", "--format", "{{.Server.Version}}", NULL};
    return run(argv, NULL, 0, collect, out, NULL, 0) == 0;
}

static int image_ok(const char *image)
{
    char out[4096] = "";
    char *argv[] = {"docker", "image", "inspect", (char *)image, NULL};
    return run(argv, NULL, 0, collect, out, NULL, 0) == 0;
}

/* docker run -d from the spec; env values through docker's environment */
static char *start_container(const b2a_vendor_job *j)
{
    const b2a_container_spec *s = &j->spec;
    char **v = calloc(16 + 2 * (s->nenv + s->nlabels + s->nbinds) + s->ncmd, sizeof *v);
    size_t n = 0;
    v[n++] = strdup("docker");
    v[n++] = strdup("run");
    v[n++] = strdup("-d");
    assert_true(s->host_network);
    v[n++] = strdup("--network");
    v[n++] = strdup("host");
    for (size_t i = 0; i < s->nenv; i++) {
        v[n++] = strdup("-e");
        v[n++] = strndup(s->env[i], strcspn(s->env[i], "="));
    }
    for (size_t i = 0; i < s->nlabels; i++) {
        v[n++] = strdup("--label");
        v[n++] = strdup(s->labels[i]);
    }
    for (size_t i = 0; i < s->nbinds; i++) {
        v[n++] = strdup("-v");
        v[n++] = strdup(s->binds[i]);
    }
    v[n++] = strdup(s->image);
    for (size_t i = 0; i < s->ncmd; i++)
        v[n++] = strdup(s->cmd[i]);
    for (size_t i = 0; i < n; i++) /* the password never goes on a command line */
        assert_null(strstr(v[i], j->password));
    char out[4096] = "";
    int rc = run(v, (char **)s->env, s->nenv, collect, out, NULL, 0);
    free_v(v);
    if (rc != 0) {
        print_error("docker run failed: %s\n", out);
        return NULL;
    }
    out[strcspn(out, "\n")] = '\0';
    return strdup(out);
}

static void remove_container(char *cid)
{
    if (!cid)
        return;
    char out[4096] = "";
    char *argv[] = {"docker", "rm", "-f", cid, NULL};
    run(argv, NULL, 0, collect, out, NULL, 0);
    free(cid);
}

static int wait_ready(const b2a_vendor_job *j, const char *cid)
{
    b2a_vendor_probe pr;
    assert_int_equal(b2a__vendor_probe(j, &pr, NULL), B2A_OK);
    int ok = 0;
    char out[4096] = "";
    for (unsigned t = 0; t < pr.tries && !ok; t++) {
        char **v = exec_argv(cid, &pr.cmd);
        out[0] = '\0';
        ok = run(v, pr.cmd.env, pr.cmd.nenv, collect, out, NULL, 0) == 0;
        free_v(v);
        if (ok)
            break;
        char state[4096] = "";
        char *insp[] = {"docker", "inspect", "-f", "{{.State.Running}}", (char *)cid, NULL};
        run(insp, NULL, 0, collect, state, NULL, 0);
        if (strncmp(state, "true", 4))
            break; /* the container died: no point waiting */
        usleep(pr.delay_ms * 1000);
    }
    if (!ok) {
        char logs[4096] = "";
        char *lv[] = {"docker", "logs", "--tail", "20", (char *)cid, NULL};
        run(lv, NULL, 0, collect, logs, NULL, 0);
        print_error("last probe output:\n%s\ncontainer log:\n%s\n", out, logs);
    }
    b2a__vendor_probe_free(&pr);
    return ok;
}

/* ---- running a plan ---- */

typedef struct runner {
    b2a_vendor_run r;
    const char *cid;
    int percent_changes;
    int probes;
    char log[4096];
} runner;

static void on_line(void *ud, int stream, const char *line, size_t len)
{
    runner *x = ud;
    x->percent_changes += b2a__vendor_run_line(&x->r, stream, line, len);
}

static void on_probe_line(void *ud, int stream, const char *line, size_t len)
{
    (void)stream;
    runner *x = ud;
    x->percent_changes += b2a__vendor_run_probe_line(&x->r, line, len);
}

static void on_tick(void *ud)
{
    runner *x = ud;
    if (x->r.step->progress != B2A_VENDOR_PROGRESS_BYTES)
        return;
    char **v = exec_argv(x->cid, &x->r.step->probe);
    run(v, NULL, 0, on_probe_line, x, NULL, 0);
    free_v(v);
    x->probes++;
}

static int run_plan(const b2a_vendor_job *j, const char *cid, b2a_err *err, int *changes)
{
    b2a_vendor_plan p;
    assert_int_equal(b2a__vendor_plan(j, &p, err), B2A_OK);
    int rc = B2A_OK;
    *changes = 0;
    for (size_t i = 0; i < p.nsteps && rc == B2A_OK; i++) {
        runner x;
        memset(&x, 0, sizeof x);
        x.cid = cid;
        b2a__vendor_run_init(&x.r, j, &p, i);
        char **v = exec_argv(cid, &p.steps[i].cmd);
        for (size_t k = 0; v[k]; k++)
            assert_null(strstr(v[k], j->password));
        int code = run(v, p.steps[i].cmd.env, p.steps[i].cmd.nenv, on_line, &x, on_tick, 200);
        free_v(v);
        rc = b2a__vendor_run_finish(&x.r, &p, i, code, err);
        if (rc == B2A_OK && x.r.percent != p.steps[i].pct_to)
            rc = b2a__err_set(err, B2A_EFATAL, B2A_ERRCLASS_NONE, "step %zu ended at %d%%, not %d%%",
                              i, x.r.percent, p.steps[i].pct_to);
        *changes += x.percent_changes;
        if (x.r.ignored)
            print_message("  %s: %u harmless error(s) ignored, first: %s\n", p.steps[i].label,
                          x.r.ignored, x.r.first_ignored);
    }
    b2a__vendor_plan_free(&p);
    return rc;
}

/* ---- ODBC with the vendor's connection string ---- */

static long long odbc_count(const b2a_vendor_job *j, const char *db, const char *sql)
{
    char *cs = NULL;
    assert_int_equal(db ? b2a__vendor_connstr_db(j, db, &cs, NULL) : b2a__vendor_connstr(j, &cs, NULL),
                     B2A_OK);
    SQLHENV env;
    SQLHDBC dbc;
    SQLHSTMT st;
    long long v = -1;
    SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &env);
    SQLSetEnvAttr(env, SQL_ATTR_ODBC_VERSION, (void *)SQL_OV_ODBC3, 0);
    SQLAllocHandle(SQL_HANDLE_DBC, env, &dbc);
    SQLRETURN r = SQLDriverConnect(dbc, NULL, (SQLCHAR *)cs, SQL_NTS, NULL, 0, NULL,
                                   SQL_DRIVER_NOPROMPT);
    free(cs);
    if (!SQL_SUCCEEDED(r)) {
        SQLCHAR state[6], msg[512];
        SQLINTEGER native;
        SQLSMALLINT ml;
        SQLGetDiagRec(SQL_HANDLE_DBC, dbc, 1, state, &native, msg, sizeof msg, &ml);
        print_error("SQLDriverConnect: %s %s\n", state, msg);
        goto out;
    }
    SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
    if (SQL_SUCCEEDED(SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS)) &&
        SQL_SUCCEEDED(SQLFetch(st))) {
        SQLBIGINT n = 0;
        SQLLEN ind;
        if (SQL_SUCCEEDED(SQLGetData(st, 1, SQL_C_SBIGINT, &n, sizeof n, &ind)))
            v = n;
    }
    SQLFreeHandle(SQL_HANDLE_STMT, st);
    SQLDisconnect(dbc);
out:
    SQLFreeHandle(SQL_HANDLE_DBC, dbc);
    SQLFreeHandle(SQL_HANDLE_ENV, env);
    return v;
}

/* ---- cases ---- */

static uint64_t size_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

static char *sample(const char *rel)
{
    char *p = NULL;
    if (asprintf(&p, "%s/%s", samples, rel) < 0)
        return NULL;
    return p;
}

static void restore_case(const b2a_vendor *v, const char *image, b2a_vendor_input *in, size_t n,
                         unsigned jobs, const char *db, const char *count_sql, long long want,
                         int min_changes)
{
    int port = 0;
    assert_int_equal(b2a__vendor_free_port(&port, NULL), B2A_OK);
    b2a_vendor_params p = {.job_id = "itest", .image = image, .network = B2A_NETWORK_HOST,
                           .port = port, .delivery = B2A_VENDOR_BIND, .inputs = in,
                           .ninputs = n, .jobs = jobs};
    b2a_vendor_job *j = NULL;
    b2a_err err;
    b2a__err_clear(&err);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(b2a__vendor_check_input(v, &in[i], image, &err), B2A_OK);
    assert_int_equal(b2a__vendor_job_new(v, &p, &j, &err), B2A_OK);
    char *cid = start_container(j);
    assert_non_null(cid);
    int ready = wait_ready(j, cid);
    int rc = B2A_EFATAL, changes = 0;
    if (ready)
        rc = run_plan(j, cid, &err, &changes);
    long long got = rc == B2A_OK ? odbc_count(j, db, count_sql) : -2;
    remove_container(cid);
    b2a__vendor_job_free(j);
    if (!ready)
        fail_msg("%s container never became ready", v->name);
    if (rc != B2A_OK)
        fail_msg("restore failed: %s", err.msg);
    print_message("  %s: %lld rows, %d progress updates\n", count_sql, got, changes);
    /* item progress is deterministic; a fast script may finish between
     * two byte probes, so scripts ask for none */
    assert_true(changes >= min_changes);
    assert_int_equal(got, want);
}

static void test_pg_custom_counted(void **state)
{
    (void)state;
    char *path = sample("postgresql/chinook_pg15_custom.dump");
    b2a_vendor_input in = {.path = path, .format = B2A_FMT_PG_CUSTOM, .size = size_of(path),
                           .archive_vmaj = 1, .archive_vmin = 14};
    restore_case(&b2a__vendor_postgres, PG_IMAGE, &in, 1, 0, NULL,
                 "SELECT count(*) FROM public.invoice_line", 2240, 50);
    free(path);
}

static void test_pg_directory_parallel(void **state)
{
    (void)state;
    char *path = sample("postgresql/chinook_pg15_directory");
    b2a_vendor_input in = {.path = path, .format = B2A_FMT_PG_DIRECTORY, .is_dir = 1,
                           .size = 1000, .toc_items = 55};
    restore_case(&b2a__vendor_postgres, PG_IMAGE, &in, 1, 2, NULL, "SELECT count(*) FROM public.track",
                 3503, 50);
    free(path);
}

static void test_pg_plain_pg17_on_15(void **state)
{
    (void)state;
    char *a = sample("postgresql/pagila-schema.sql"), *b = sample("postgresql/pagila-data.sql");
    b2a_vendor_input in[] = {
        {.path = a, .format = B2A_FMT_PG_PLAIN, .size = size_of(a)},
        {.path = b, .format = B2A_FMT_PG_PLAIN, .size = size_of(b)},
    };
    restore_case(&b2a__vendor_postgres, PG_IMAGE, in, 2, 0, NULL, "SELECT count(*) FROM public.rental",
                 16044, 0);
    free(a);
    free(b);
}

static void test_mariadb_sakila(void **state)
{
    (void)state;
    char *a = sample("mysql/sakila-schema.sql"), *b = sample("mysql/sakila-data.sql");
    b2a_vendor_input in[] = {
        {.path = a, .format = B2A_FMT_MYSQL_SQL, .size = size_of(a)},
        {.path = b, .format = B2A_FMT_MYSQL_SQL, .size = size_of(b)},
    };
    restore_case(&b2a__vendor_mysql, MY_IMAGE, in, 2, 0, NULL, "SELECT count(*) FROM sakila.rental",
                 16044, 0);
    free(a);
    free(b);
}

/* pg_dumpall from Windows: its ALTER ROLE postgres PASSWORD and its
 * CREATE DATABASE ... LOCALE 'English_United States.1252' must not stop us */
static void test_pg_dumpall(void **state)
{
    (void)state;
    char *a = sample("postgresql/dvdrental_NOT-a-tar_pg_dumpall-plain-text.tar");
    b2a_vendor_input in = {.path = a, .format = B2A_FMT_PG_DUMPALL, .size = size_of(a)};
    restore_case(&b2a__vendor_postgres, PG_IMAGE, &in, 1, 0, "dvdrental",
                 "SELECT count(*) FROM public.rental", 16044, 0);
    free(a);
}

/* .sql.gz through gzip -dc, bytes progress read from gzip's stdin */
static void test_mariadb_gzip(void **state)
{
    (void)state;
    char dir[] = "/tmp/b2a-vendor-gz-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char cmd[PATH_MAX * 4], gz1[64], gz2[64];
    snprintf(gz1, sizeof gz1, "%s/sakila-schema.sql.gz", dir);
    snprintf(gz2, sizeof gz2, "%s/sakila-data.sql.gz", dir);
    snprintf(cmd, sizeof cmd, "gzip -c '%s/mysql/sakila-schema.sql' > '%s' && "
             "gzip -c '%s/mysql/sakila-data.sql' > '%s'", samples, gz1, samples, gz2);
    assert_int_equal(system(cmd), 0);
    b2a_vendor_input in[] = {
        {.path = gz1, .format = B2A_FMT_MYSQL_SQL, .gzip = 1, .size = size_of(gz1)},
        {.path = gz2, .format = B2A_FMT_MYSQL_SQL, .gzip = 1, .size = size_of(gz2)},
    };
    restore_case(&b2a__vendor_mysql, MY_IMAGE, in, 2, 0, "sakila",
                 "SELECT count(*) FROM payment", 16044, 0);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* a gzip'd custom archive: pg_restore reads it from stdin, no --jobs */
static void test_pg_custom_gzip(void **state)
{
    (void)state;
    char dir[] = "/tmp/b2a-vendor-pgz-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char cmd[PATH_MAX * 4], gz[64];
    snprintf(gz, sizeof gz, "%s/chinook.dump.gz", dir);
    snprintf(cmd, sizeof cmd, "gzip -c '%s/postgresql/chinook_pg15_custom_uncompressed.dump' > '%s'",
             samples, gz);
    assert_int_equal(system(cmd), 0);
    b2a_vendor_input in = {.path = gz, .format = B2A_FMT_PG_CUSTOM, .gzip = 1,
                           .size = size_of(gz), .toc_items = 55};
    restore_case(&b2a__vendor_postgres, PG_IMAGE, &in, 1, 4, NULL,
                 "SELECT count(*) FROM public.customer", 59, 50);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    samples = getenv("B2A_SAMPLES");
    struct stat st;
    if (!samples || stat(samples, &st) != 0) {
        printf("SKIP: samples folder %s not found (set B2A_SAMPLES)\n",
               samples ? samples : "(unset)");
        return 77;
    }
    if (!docker_ok()) {
        printf("SKIP: no Docker engine reachable\n");
        return 77;
    }
    if (!image_ok(PG_IMAGE) || !image_ok(MY_IMAGE)) {
        printf("SKIP: test images missing; run scripts/build-test-images.sh\n");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pg_custom_counted),
        cmocka_unit_test(test_pg_directory_parallel),
        cmocka_unit_test(test_pg_plain_pg17_on_15),
        cmocka_unit_test(test_mariadb_sakila),
        cmocka_unit_test(test_pg_dumpall),
        cmocka_unit_test(test_mariadb_gzip),
        cmocka_unit_test(test_pg_custom_gzip),
    };
    if (getenv("B2A_TEST_FILTER")) /* run one case: B2A_TEST_FILTER=test_mariadb_gzip */
        cmocka_set_test_filter(getenv("B2A_TEST_FILTER"));
    return cmocka_run_group_tests(tests, NULL, NULL);
}
