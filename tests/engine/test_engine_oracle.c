/* Unit tests of the Oracle container vendor (src/engine/oracle.c) and its
 * ODBC side (src/odbc/introspect_oracle.c): the job and container spec,
 * the refusals made before any container, the scripts it runs (executed
 * here with stand-in sqlplus and imp, on the real samples), secrets kept
 * out of argv and messages, output parsing and progress, the catalog SQL
 * and export expressions, the type mapping against the direct readers',
 * and the container dialogue against the fake Docker Engine
 * (tests/docker/fake_engine.py, cases in tests/engine/cases).
 *
 * No Oracle ran for any of this: the output lines below are written from
 * Oracle's documented message formats (Data Pump and imp messages in the
 * Utilities guide, ORA- texts), not recorded from a server. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dialogue.h"
#include "docker/docker.h"
#include "engine/engine.h"
#include "engine/oracle.h"
#include "odbc/introspect_oracle.h"
#include "odbc/odbc.h"
#include "reader/oracle/dp.h"
#include "reader/oracle/exp.h"
#include "source/dbsource.h"
#include "util/str.h"

#define SCOTT "jliverse_datapump_scott.dmp"
#define EXPTEST "oracledmpparser_exptest.dmp"
#define LEGACY "rjschof_legacy.dmp"
#define MODERN "rjschof_modern.dmp"

static char samples[PATH_MAX];

static int have_samples(void)
{
    const char *s = getenv("B2A_SAMPLES");
    snprintf(samples, sizeof samples, "%s/oracle", s && *s ? s : "../shared/samples");
    struct stat st;
    if (stat(samples, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "sample dumps not found in %s (set B2A_SAMPLES): skipped\n", samples);
        return 0;
    }
    return 1;
}

static b2a_vendor_input sample_input(const char *name)
{
    static char paths[8][PATH_MAX + 128];
    static int next;
    char *p = paths[next++ % 8];
    snprintf(p, PATH_MAX + 128, "%s/%s", samples, name);
    b2a_vendor_input in = {0};
    in.path = p;
    in.format = strstr(name, "datapump") || strstr(name, "modern") || strstr(name, "expdp")
                    ? B2A_FMT_ORACLE_DATAPUMP
                    : B2A_FMT_ORACLE_EXP;
    struct stat st;
    if (stat(p, &st) == 0)
        in.size = (uint64_t)st.st_size;
    return in;
}

static b2a_vendor_job *new_job(const b2a_vendor_input *in, size_t n, b2a_network net, const char *image)
{
    b2a_vendor_params p = {0};
    p.job_id = "or1";
    p.network = net;
    p.port = 15210;
    p.inputs = in;
    p.ninputs = n;
    p.image = image;
    b2a_vendor_job *j = NULL;
    b2a_err err;
    if (b2a__vendor_job_new(&b2a__vendor_oracle, &p, &j, &err) != B2A_OK)
        fail_msg("%s", err.msg);
    return j;
}

static int has(char **v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v[i], s))
            return 1;
    return 0;
}

static void no_password_in(char **v, size_t n, const char *pw)
{
    for (size_t i = 0; i < n; i++)
        if (strstr(v[i], pw))
            fail_msg("the password is in argv[%zu]", i);
}

/* ---- small facts ---- */

static void test_facts(void **state)
{
    (void)state;
    assert_string_equal(b2a__oracle_service("gvenzl/oracle-free:23-faststart"), "FREEPDB1");
    assert_string_equal(b2a__oracle_service("container-registry.oracle.com/database/free:latest"), "FREEPDB1");
    assert_string_equal(b2a__oracle_service("gvenzl/oracle-xe:21-slim"), "XEPDB1");
    char *l = b2a__oracle_literal("it's a.dmp");
    assert_string_equal(l, "'it''s a.dmp'");
    free(l);
    assert_int_equal(b2a__oracle_dump_major("V10.02.01"), 10);
    assert_int_equal(b2a__oracle_dump_major("23.00.00.00.00"), 23);
    assert_int_equal(b2a__oracle_dump_major(""), -1);
    assert_ptr_equal(b2a__vendor_by_name("oracle"), &b2a__vendor_oracle);
    assert_ptr_equal(b2a__vendor_by_id(B2A_VENDOR_ORACLE), &b2a__vendor_oracle);
    assert_true(b2a__vendor_oracle.publish_only);
    assert_string_equal(b2a__vendor_oracle.default_image, "gvenzl/oracle-free:23-faststart");
}

/* ---- refusals before any container ---- */

static void test_check_input(void **state)
{
    (void)state;
    if (!have_samples())
        skip();
    b2a_err err;
    b2a_vendor_input in = sample_input(MODERN);
    char d[64];
    setenv("B2A_ORACLE_ODBC_DRIVER", "", 1);
    if (b2a__odbc_oracle_driver(d, sizeof d) != B2A_OK) {
        /* no driver: refused before any container, naming what to install */
        assert_int_equal(b2a__vendor_check_input(&b2a__vendor_oracle, &in, NULL, &err), B2A_ENOTFOUND);
        char w[PATH_MAX + 400];
        snprintf(w, sizeof w, "%s: exporting an Oracle restore needs Oracle's ODBC driver, which is not installed: "
                              "install Oracle Instant Client's Basic and ODBC packages and register the driver "
                              "(odbc_update_ini.sh), or name it in B2A_ORACLE_ODBC_DRIVER", in.path);
        assert_string_equal(err.msg, w);
    }
    setenv("B2A_ORACLE_ODBC_DRIVER", "Oracle 23 ODBC driver", 1);
    /* a 23ai dump cannot go into 21c */
    assert_int_equal(b2a__vendor_check_input(&b2a__vendor_oracle, &in, "gvenzl/oracle-xe:21-slim", &err),
                     B2A_EUNSUPPORTED);
    char want[PATH_MAX + 512];
    snprintf(want, sizeof want,
             "%s: this dump was written by Oracle 23 (23.06.00.00.00) and cannot be imported into Oracle 21 "
             "(image gvenzl/oracle-xe:21-slim); use a newer image, such as gvenzl/oracle-free:23-faststart",
             in.path);
    assert_string_equal(err.msg, want);
    /* the default image takes it, and an exp file from 10g */
    assert_int_equal(b2a__vendor_check_input(&b2a__vendor_oracle, &in, NULL, &err), B2A_OK);
    b2a_vendor_input ex = sample_input(EXPTEST);
    assert_int_equal(b2a__vendor_check_input(&b2a__vendor_oracle, &ex, "gvenzl/oracle-xe:21-slim", &err), B2A_OK);

    b2a_vendor_input gz = ex;
    gz.gzip = 1;
    assert_int_equal(b2a__vendor_check_input(&b2a__vendor_oracle, &gz, NULL, &err), B2A_EUNSUPPORTED);
    snprintf(want, sizeof want, "%s: Oracle's imp and Data Pump cannot read a gzip'd dump; decompress it first "
                                "(gzip -dk)", ex.path);
    assert_string_equal(err.msg, want);
    b2a_vendor_input q = {"/data/we\"ird.dmp", B2A_FMT_ORACLE_EXP, 0, 0, 10, 0, 0, 0};
    assert_int_equal(b2a__vendor_check_input(&b2a__vendor_oracle, &q, NULL, &err), B2A_EUNSUPPORTED);
    assert_string_equal(err.msg, "/data/we\"ird.dmp: a file name with a double quote or a control character "
                                 "cannot be given to imp or Data Pump; rename the file");
    /* a SQL Server backup is not Oracle's */
    b2a_vendor_input bak = {"/data/x.bak", B2A_FMT_MSSQL_MTF, 0, 0, 10, 0, 0, 0};
    assert_int_equal(b2a__vendor_check_input(&b2a__vendor_oracle, &bak, NULL, &err), B2A_EUNSUPPORTED);
    unsetenv("B2A_ORACLE_ODBC_DRIVER");
}

static void test_host_network_refused(void **state)
{
    (void)state;
    b2a_vendor_input in = {"/tmp", B2A_FMT_ORACLE_EXP, 0, 0, 10, 0, 0, 0};
    b2a_vendor_params p = {0};
    p.job_id = "or1";
    p.network = B2A_NETWORK_HOST;
    p.port = 15211;
    p.inputs = &in;
    p.ninputs = 1;
    b2a_vendor_job *j = NULL;
    b2a_err err;
    assert_int_equal(b2a__vendor_job_new(&b2a__vendor_oracle, &p, &j, &err), B2A_EUNSUPPORTED);
    assert_null(j);
    assert_string_equal(err.msg, "Oracle's images listen on port 1521 on every interface and take no setting to "
                                 "move it, so host networking would put the database on this machine's network: "
                                 "use --network publish (what --network auto picks for Oracle)");
}

/* ---- the job, its spec and its plan ---- */

static void test_job_and_plan(void **state)
{
    (void)state;
    if (!have_samples())
        skip();
    b2a_vendor_input in[2] = {sample_input(SCOTT), sample_input(EXPTEST)};
    b2a_vendor_job *j = new_job(in, 2, B2A_NETWORK_PUBLISH, NULL);
    const char *pw = j->password;
    char e1[64], e2[64];
    snprintf(e1, sizeof e1, "ORACLE_PASSWORD=%s", pw);
    snprintf(e2, sizeof e2, "ORACLE_PWD=%s", pw);
    assert_true(has(j->env, j->nenv, e1));
    assert_true(has(j->env, j->nenv, e2));
    assert_int_equal(j->nenv, 2);
    assert_string_equal(j->user, "SYSTEM");
    assert_string_equal(j->dbname, "FREEPDB1");
    assert_string_equal(j->spec.image, "gvenzl/oracle-free:23-faststart");
    assert_int_equal(j->spec.container_port, 1521);
    assert_int_equal(j->spec.host_port, 15210);
    assert_false(j->spec.host_network);
    assert_true(j->spec.shm_size == (int64_t)1 << 30);
    assert_int_equal(j->server_port, 1521);
    assert_true(has(j->labels, j->nlabels, "bak2avro.vendor=oracle"));
    assert_null(j->cmd); /* the image's own entrypoint */

    b2a_vendor_probe pr;
    b2a_err err;
    assert_int_equal(b2a__vendor_probe(j, &pr, &err), B2A_OK);
    assert_int_equal(pr.tries * pr.delay_ms, 600000);
    assert_string_equal(pr.cmd.argv[0], "sh");
    no_password_in(pr.cmd.argv, pr.cmd.argc, pw);
    char pe[64];
    snprintf(pe, sizeof pe, B2A_ORACLE_PASSWORD_ENV "=%s", pw);
    assert_true(has(pr.cmd.env, pr.cmd.nenv, pe));
    b2a__vendor_probe_free(&pr);

    b2a_vendor_plan plan;
    assert_int_equal(b2a__vendor_plan(j, &plan, &err), B2A_OK);
    assert_int_equal(plan.nsteps, 2);
    b2a_vendor_step *dp = &plan.steps[0], *imp = &plan.steps[1];
    assert_string_equal(dp->label, "Data Pump import " SCOTT);
    assert_int_equal(dp->progress, B2A_VENDOR_PROGRESS_PERCENT);
    assert_int_equal(dp->total, 100);
    assert_string_equal(dp->cmd.argv[dp->cmd.argc - 1], "/backup/0/" SCOTT);
    const char *sql = dp->cmd.argv[2];
    assert_non_null(strstr(sql, "CREATE OR REPLACE DIRECTORY B2A_IN_0 AS '/backup/0';\n"));
    assert_non_null(strstr(sql, "h := DBMS_DATAPUMP.OPEN('IMPORT', 'FULL', NULL, 'B2A_IMPORT');\n"
                                "  DBMS_DATAPUMP.ADD_FILE(h, '" SCOTT "', 'B2A_IN_0');\n"
                                "  DBMS_DATAPUMP.METADATA_TRANSFORM(h, 'SEGMENT_ATTRIBUTES', 0);\n"
                                "  DBMS_DATAPUMP.START_JOB(h);\n"));
    assert_non_null(strstr(sql, "DBMS_APPLICATION_INFO.SET_CLIENT_INFO('b2a:' || pct);"));
    assert_true(has(dp->cmd.env, dp->cmd.nenv, pe));
    assert_true(has(dp->probe.env, dp->probe.nenv, pe));
    assert_string_equal(imp->label, "imp " EXPTEST);
    assert_int_equal(imp->progress, B2A_VENDOR_PROGRESS_BYTES);
    assert_int_equal(imp->total, in[1].size);
    assert_string_equal(imp->cmd.argv[imp->cmd.argc - 1], "/backup/1/" EXPTEST);
    assert_string_equal(imp->probe.argv[3], "/backup/1/" EXPTEST);
    assert_int_equal(imp->probe.nenv, 0);
    for (size_t i = 0; i < plan.nsteps; i++) {
        no_password_in(plan.steps[i].cmd.argv, plan.steps[i].cmd.argc, pw);
        no_password_in(plan.steps[i].probe.argv, plan.steps[i].probe.argc, pw);
        assert_null(strstr(plan.steps[i].label, pw));
    }
    /* by size: the 12 KB exp file's share is small */
    assert_int_equal(dp->pct_from, 0);
    assert_int_equal(imp->pct_to, 100);
    assert_true(dp->pct_to > imp->pct_to - dp->pct_to);
    b2a__vendor_plan_free(&plan);
    b2a__vendor_job_free(j);
}

static void test_connstr(void **state)
{
    (void)state;
    char *s = NULL;
    assert_int_equal(b2a__oracle_connstr_for("Oracle 23 ODBC driver", "127.0.0.1", 15210, "FREEPDB1", "SYSTEM",
                                             "Pw1abc", &s), 0);
    assert_string_equal(s, "DRIVER=Oracle 23 ODBC driver;DBQ=//127.0.0.1:15210/FREEPDB1;UID=SYSTEM;PWD=Pw1abc;");
    free(s);
    /* no driver installed: the error names what to install */
    setenv("B2A_ORACLE_ODBC_DRIVER", "", 1);
    char d[64];
    if (b2a__odbc_oracle_driver(d, sizeof d) == B2A_OK)
        skip(); /* someone has Oracle's driver here */
    b2a_vendor_input in = {"/tmp", B2A_FMT_ORACLE_EXP, 0, 0, 10, 0, 0, 0};
    b2a_vendor_job *j = new_job(&in, 1, B2A_NETWORK_PUBLISH, NULL);
    b2a_err err;
    assert_int_equal(b2a__vendor_connstr(j, &s, &err), B2A_ENOTFOUND);
    assert_string_equal(err.msg, "no ODBC driver for Oracle is installed: install Oracle Instant Client's Basic and "
                                 "ODBC packages and register the driver (odbc_update_ini.sh), or name it in "
                                 "B2A_ORACLE_ODBC_DRIVER");
    setenv("B2A_ORACLE_ODBC_DRIVER", "Oracle 21 ODBC driver", 1);
    b2a__vendor_job_set_host_port(j, 40000);
    assert_int_equal(b2a__vendor_connstr(j, &s, &err), B2A_OK);
    char want[200];
    snprintf(want, sizeof want, "DRIVER=Oracle 21 ODBC driver;DBQ=//127.0.0.1:40000/FREEPDB1;UID=SYSTEM;PWD=%s;",
             j->password);
    assert_string_equal(s, want);
    free(s);
    unsetenv("B2A_ORACLE_ODBC_DRIVER");
    b2a__vendor_job_free(j);
}

/* ---- the scripts, run here with stand-ins for sqlplus and imp ---- */

typedef struct stubs {
    char dir[64];
} stubs;

static void write_file(const char *dir, const char *name, const char *text, int mode)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    chmod(p, (mode_t)mode);
}

static char *read_all(const char *dir, const char *name)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "r");
    if (!f)
        return b2a__strdup("");
    char *buf = calloc(1, 1 << 16);
    buf[fread(buf, 1, (1 << 16) - 1, f)] = '\0';
    fclose(f);
    return buf;
}

/* sqlplus: appends its args and stdin to sqlplus.log, says ready; imp:
 * keeps its args and a copy of its parfile, and the parfile's mode. */
static void stubs_make(stubs *s)
{
    snprintf(s->dir, sizeof s->dir, "/tmp/b2a-orastub-XXXXXX");
    assert_non_null(mkdtemp(s->dir));
    write_file(s->dir, "sqlplus",
               "#!/bin/sh\n"
               "echo \"ARGS $*\" >> \"$B2A_STUB/sqlplus.log\"\n"
               "cat >> \"$B2A_STUB/sqlplus.log\"\n"
               "echo B2AREADY\n",
               0755);
    write_file(s->dir, "imp",
               "#!/bin/sh\n"
               "echo \"$*\" > \"$B2A_STUB/imp.args\"\n"
               "par=${1#PARFILE=}\n"
               "cp \"$par\" \"$B2A_STUB/imp.par\"\n"
               "stat -c %a \"$par\" > \"$B2A_STUB/imp.mode\"\n"
               "echo \"${par%/*}\" > \"$B2A_STUB/imp.dir\"\n"
               "echo 'Import terminated successfully without warnings.'\n",
               0755);
}

static void stubs_rm(stubs *s)
{
    static const char *const names[] = {"sqlplus", "imp", "sqlplus.log", "imp.args", "imp.par", "imp.mode",
                                        "imp.dir", "out"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char p[256];
        snprintf(p, sizeof p, "%s/%s", s->dir, names[i]);
        unlink(p);
    }
    rmdir(s->dir);
}

/* Runs cmd as the container would (argv, env), with the stubs first on PATH. */
static int run_cmd(const stubs *s, const b2a_vendor_cmd *c)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char **env = calloc(c->nenv + 3, sizeof *env);
        size_t n = 0;
        for (size_t i = 0; i < c->nenv; i++)
            env[n++] = c->env[i];
        char path[200], stub[100];
        snprintf(path, sizeof path, "PATH=%s:/usr/bin:/bin", s->dir);
        snprintf(stub, sizeof stub, "B2A_STUB=%s", s->dir);
        env[n++] = path;
        env[n++] = stub;
        char out[128];
        snprintf(out, sizeof out, "%s/out", s->dir);
        int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fd, 1);
        dup2(fd, 2);
        execve("/bin/sh", c->argv, env);
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_scripts_run(void **state)
{
    (void)state;
    if (!have_samples())
        skip();
    b2a_vendor_input in[3] = {sample_input(SCOTT), sample_input(LEGACY), sample_input("alphaoffice_expdat.dmp")};
    b2a_vendor_job *j = new_job(in, 3, B2A_NETWORK_PUBLISH, NULL);
    /* the container sees /backup/N/...: point those at the samples */
    for (size_t i = 0; i < 3; i++) {
        free(j->in_paths[i]);
        j->in_paths[i] = b2a__strdup(in[i].path);
    }
    b2a_vendor_plan plan;
    b2a_err err;
    assert_int_equal(b2a__vendor_plan(j, &plan, &err), B2A_OK);
    assert_int_equal(plan.nsteps, 3);
    stubs s;
    stubs_make(&s);
    char connect[200];
    snprintf(connect, sizeof connect, "CONNECT system/%s@//127.0.0.1:1521/FREEPDB1\n", j->password);

    /* Data Pump: SCOTT's owner found in the segment XML and created first
     * (the dump was made by SCOTT: it has no CREATE USER), then the job */
    assert_int_equal(run_cmd(&s, &plan.steps[0].cmd), 0);
    char *log = read_all(s.dir, "sqlplus.log");
    assert_non_null(strstr(log, "ARGS -L -S /nolog\nWHENEVER SQLERROR EXIT FAILURE\n"));
    assert_non_null(strstr(log, connect));
    assert_non_null(strstr(log, "BEGIN\n  mk('SCOTT');\n  mk('SYS');\n  NULL;\nEND;\n/\n"));
    assert_non_null(strstr(log, "EXECUTE IMMEDIATE 'CREATE USER \"' || u || '\" NO AUTHENTICATION DEFAULT "
                                "TABLESPACE USERS QUOTA UNLIMITED ON USERS';"));
    assert_non_null(strstr(log, "DBMS_DATAPUMP.ADD_FILE(h, '" SCOTT "', 'B2A_IN_0');"));
    assert_non_null(strstr(log, "EXIT :rc\n"));
    free(log);
    unlink(strcat(strcpy((char[128]){0}, s.dir), "/sqlplus.log"));

    /* imp on rjschof_legacy: its four schemas from the CONNECT lines and the
     * exporting user; the password only in the parfile, mode 600, removed */
    assert_int_equal(run_cmd(&s, &plan.steps[1].cmd), 0);
    log = read_all(s.dir, "sqlplus.log");
    assert_non_null(strstr(log, "BEGIN\n  mk('AUDITLOG');\n  mk('FINANCE');\n  mk('HRDATA');\n  mk('INVENTORY');\n"
                                "  mk('SYSTEM');\n  NULL;\nEND;\n"));
    free(log);
    char *args = read_all(s.dir, "imp.args"), *par = read_all(s.dir, "imp.par"), *mode = read_all(s.dir, "imp.mode"),
         *dir = read_all(s.dir, "imp.dir");
    assert_null(strstr(args, j->password));
    assert_non_null(strstr(args, " FULL=Y GRANTS=N STATISTICS=NONE COMMIT=Y BUFFER=10485760\n"));
    char want[PATH_MAX + 200];
    snprintf(want, sizeof want, "USERID=system/%s@//127.0.0.1:1521/FREEPDB1\nFILE=\"%s\"\n", j->password, in[1].path);
    assert_string_equal(par, want);
    assert_string_equal(mode, "600\n");
    dir[strcspn(dir, "\n")] = '\0';
    struct stat st;
    assert_int_not_equal(stat(dir, &st), 0); /* the parfile's folder is gone */
    free(args), free(par), free(mode), free(dir);
    unlink(strcat(strcpy((char[128]){0}, s.dir), "/sqlplus.log"));

    /* alphaoffice: a table-mode export by ALPHA, no CONNECT line */
    assert_int_equal(run_cmd(&s, &plan.steps[2].cmd), 0);
    log = read_all(s.dir, "sqlplus.log");
    assert_non_null(strstr(log, "BEGIN\n  mk('ALPHA');\n  NULL;\nEND;\n"));
    free(log);

    /* the probe passes on the ready line; the percent probe's SQL */
    b2a_vendor_probe pr;
    assert_int_equal(b2a__vendor_probe(j, &pr, &err), B2A_OK);
    assert_int_equal(run_cmd(&s, &pr.cmd), 0);
    b2a__vendor_probe_free(&pr);
    char *pct = b2a__oracle_percent_script(j);
    assert_non_null(strstr(pct, "SELECT NVL(MAX(TO_NUMBER(SUBSTR(client_info, 5))), 0) FROM v$session WHERE "
                                "client_info LIKE 'b2a:%';\n"));
    free(pct);
    /* without sqlplus anywhere: a clear line and 127 */
    write_file(s.dir, "sqlplus", "", 0644);
    assert_int_equal(run_cmd(&s, &plan.steps[0].cmd), 127);
    char *out = read_all(s.dir, "out");
    assert_string_equal(out, "b2a: error: this image has no sqlplus on its PATH or in $ORACLE_HOME/bin\n");
    free(out);
    stubs_rm(&s);
    b2a__vendor_plan_free(&plan);
    b2a__vendor_job_free(j);
}

/* ---- output parsing, progress, errors ---- */

static b2a_vendor_job fake_job(b2a_vendor_input *in)
{
    b2a_vendor_job j;
    memset(&j, 0, sizeof j);
    j.vendor = &b2a__vendor_oracle;
    j.inputs = in;
    j.ninputs = 1;
    snprintf(j.password, sizeof j.password, "Sekret9Sekret9Sekret9Abc");
    return j;
}

static int run_lines(b2a_vendor_job *j, const char *label, const char *const *lines, size_t n, int exit_code,
                     b2a_err *err)
{
    b2a_vendor_plan plan = {0};
    b2a_vendor_step *st = b2a__vendor_plan_add(&plan);
    st->kind = B2A_VENDOR_STEP_RESTORE;
    st->label = b2a__strdup(label);
    st->progress = B2A_VENDOR_PROGRESS_BYTES;
    st->total = 100;
    st->pct_to = 100;
    b2a_vendor_run r;
    b2a__vendor_run_init(&r, j, &plan, 0);
    for (size_t i = 0; i < n; i++)
        b2a__vendor_run_line(&r, 1, lines[i], strlen(lines[i]));
    int rc = b2a__vendor_run_finish(&r, &plan, 0, exit_code, err);
    b2a__vendor_plan_free(&plan);
    return rc;
}

static void test_datapump_output(void **state)
{
    (void)state;
    b2a_vendor_input in = {"/data/scott.dmp", B2A_FMT_ORACLE_DATAPUMP, 0, 0, 1000, 0, 0, 0};
    b2a_vendor_job j = fake_job(&in);
    b2a_err err;
    static const char *const ok[] = {
        "Master table \"SYSTEM\".\"B2A_IMPORT\" successfully loaded/unloaded",
        "Starting \"SYSTEM\".\"B2A_IMPORT\":",
        "Processing object type SCHEMA_EXPORT/USER",
        "ORA-31684: Object type USER:\"SCOTT\" already exists",
        "Processing object type SCHEMA_EXPORT/ROLE_GRANT",
        "ORA-39083: Object type ROLE_GRANT failed to create with error:",
        "ORA-01919: role 'APP_ROLE' does not exist",
        "Failing sql is:",
        " GRANT \"APP_ROLE\" TO \"SCOTT\"",
        "Processing object type SCHEMA_EXPORT/TABLE/TABLE_DATA",
        ". . imported \"SCOTT\".\"DEPT\"                              6.023 KB       4 rows",
        ". . imported \"SCOTT\".\"EMP\"                               8.773 KB      14 rows",
        "Job \"SYSTEM\".\"B2A_IMPORT\" completed with 2 error(s) at Mon Dec 7 03:00:00 2026 elapsed 0 00:00:05",
        "b2a: Data Pump job COMPLETED",
    };
    assert_int_equal(run_lines(&j, "Data Pump import scott.dmp", ok, sizeof ok / sizeof *ok, 0, &err), B2A_OK);
    /* the same without the closing line: not complete */
    assert_int_equal(run_lines(&j, "Data Pump import scott.dmp", ok, sizeof ok / sizeof *ok - 1, 0, &err),
                     B2A_ERESTORE);
    assert_string_equal(err.msg, "/data/scott.dmp: Data Pump import scott.dmp did not complete (exit code 0): Job "
                                 "\"SYSTEM\".\"B2A_IMPORT\" completed with 2 error(s) at Mon Dec 7 03:00:00 2026 "
                                 "elapsed 0 00:00:05");
    static const char *const table_failed[] = {
        "Processing object type SCHEMA_EXPORT/TABLE/TABLE",
        "ORA-39083: Object type TABLE:\"SCOTT\".\"EMP\" failed to create with error:",
        "ORA-00959: tablespace 'SCOTT_DATA' does not exist",
        "Failing sql is:",
        " CREATE TABLE \"SCOTT\".\"EMP\" (\"EMPNO\" NUMBER(4,0), ...",
        "ORA-31684: Object type USER:\"SCOTT\" already exists",
        "ORA-31693: Table data object \"SCOTT\".\"BONUS\" failed to load/unload and is being skipped due to error:",
        "ORA-02354: error in exporting/importing data",
        "b2a: Data Pump job COMPLETED",
    };
    assert_int_equal(run_lines(&j, "Data Pump import scott.dmp", table_failed, 9, 0, &err), B2A_ERESTORE);
    assert_string_equal(err.msg, "/data/scott.dmp: Data Pump import scott.dmp failed: ORA-39083: Object type "
                                 "TABLE:\"SCOTT\".\"EMP\" failed to create with error: / ORA-00959: tablespace "
                                 "'SCOTT_DATA' does not exist (2 errors, 1 harmless ignored, exit 0)");
    /* the dump unreadable by the server: the whole error stack and the hint */
    static const char *const unreadable[] = {
        "b2a: error: ORA-39001: invalid argument value",
        "ORA-39000: bad dump file specification",
        "ORA-31640: unable to open dump file \"/backup/0/scott.dmp\" for read",
        "ORA-27037: unable to obtain file status",
        "Linux-x86_64 Error: 13: Permission denied",
        "Additional information: 7",
    };
    assert_int_equal(run_lines(&j, "Data Pump import scott.dmp", unreadable, 6, 1, &err), B2A_ERESTORE);
    assert_string_equal(err.msg, "/data/scott.dmp: Data Pump import scott.dmp failed: b2a: error: ORA-39001: invalid "
                                 "argument value / ORA-39000: bad dump file specification / ORA-31640: unable to "
                                 "open dump file \"/backup/0/scott.dmp\" for read / ORA-27037: unable to obtain file "
                                 "status / Linux-x86_64 Error: 13: Permission denied (1 error, 0 harmless ignored, "
                                 "exit 1); the database runs as user oracle (uid 54321) in the container: make the "
                                 "dump readable by others (chmod o+r) and its directory searchable");
    /* Free's 12 GB */
    static const char *const full[] = {
        "ORA-31693: Table data object \"BIG\".\"FACTS\" failed to load/unload and is being skipped due to error:",
        "ORA-12954: The request exceeds the maximum allowed database size of 12 GB.",
        "b2a: Data Pump job COMPLETED",
    };
    assert_int_equal(run_lines(&j, "Data Pump import big.dmp", full, 3, 0, &err), B2A_ERESTORE);
    assert_string_equal(err.msg, "/data/scott.dmp: Data Pump import big.dmp failed: ORA-31693: Table data object "
                                 "\"BIG\".\"FACTS\" failed to load/unload and is being skipped due to error: / "
                                 "ORA-12954: The request exceeds the maximum allowed database size of 12 GB. (1 error, "
                                 "0 harmless ignored, exit 0); Oracle Database Free holds at most 12 GB of user data: "
                                 "dumps larger than that are imported table by table, but these are smaller (a "
                                 "compressed Data Pump dump holds more than its size)");
    /* a wrong password never shows: sqlplus' own error, redacted anyway */
    char bad[128];
    snprintf(bad, sizeof bad, "SP2-0306: Invalid option. %s", j.password);
    const char *const login[] = {"ORA-01017: invalid username/password; logon denied", bad};
    assert_int_equal(run_lines(&j, "Data Pump import scott.dmp", login, 2, 1, &err), B2A_ERESTORE);
    assert_null(strstr(err.msg, j.password));
    assert_string_equal(err.msg, "/data/scott.dmp: Data Pump import scott.dmp failed: ORA-01017: invalid "
                                 "username/password; logon denied (2 errors, 0 harmless ignored, exit 1)");
}

static void test_imp_output(void **state)
{
    (void)state;
    b2a_vendor_input in = {"/data/legacy.dmp", B2A_FMT_ORACLE_EXP, 0, 0, 1000, 0, 0, 0};
    b2a_vendor_job j = fake_job(&in);
    b2a_err err;
    static const char *const warn[] = {
        "Export file created by EXPORT:V23.00.00 via conventional path",
        "import done in AL32UTF8 character set and AL16UTF16 NCHAR character set",
        ". importing SYSTEM's objects into SYSTEM",
        ". importing HRDATA's objects into HRDATA",
        ". . importing table                    \"EMPLOYEES\"         25 rows imported",
        "IMP-00017: following statement failed with ORACLE error 1917:",
        " \"GRANT SELECT ON \"EMPLOYEES\" TO \"REPORTING\"\"",
        "IMP-00003: ORACLE error 1917 encountered",
        "ORA-01917: user or role 'REPORTING' does not exist",
        "IMP-00041: Warning: object created with compilation warnings",
        ". . importing partition \"CHANGE_LOG\":\"P2024\"         40 rows imported",
        "Import terminated successfully with warnings.",
    };
    assert_int_equal(run_lines(&j, "imp legacy.dmp", warn, sizeof warn / sizeof *warn, 0, &err), B2A_OK);
    /* imp says how it ended: a non-zero exit with that line is still fine */
    assert_int_equal(run_lines(&j, "imp legacy.dmp", warn, sizeof warn / sizeof *warn, 1, &err), B2A_OK);
    static const char *const table[] = {
        ". importing FINANCE's objects into FINANCE",
        "IMP-00017: following statement failed with ORACLE error 1917:",
        " \"GRANT SELECT ON \"LEDGER\" TO \"AUDITOR\"\"",
        "IMP-00003: ORACLE error 1917 encountered",
        "ORA-01917: user or role 'AUDITOR' does not exist",
        "IMP-00017: following statement failed with ORACLE error 959:",
        " \"CREATE TABLE \"LEDGER\" (\"ID\" NUMBER(10, 0), \"AMOUNT\" NUMBER(12, 2))  PCTFREE 10\"",
        " \" TABLESPACE \"FIN_DATA\" LOGGING NOCOMPRESS\"",
        "IMP-00003: ORACLE error 959 encountered",
        "ORA-00959: tablespace 'FIN_DATA' does not exist",
        ". . importing table                       \"ACCOUNTS\"          5 rows imported",
        "IMP-00019: row rejected due to ORACLE error 12899",
        "Import terminated successfully with warnings.",
    };
    assert_int_equal(run_lines(&j, "imp legacy.dmp", table, sizeof table / sizeof *table, 0, &err), B2A_ERESTORE);
    assert_string_equal(err.msg, "/data/legacy.dmp: imp legacy.dmp failed: IMP-00017: following statement failed "
                                 "with ORACLE error 959: \"CREATE TABLE \"LEDGER\" (\"ID\" NUMBER(10, 0), \"AMOUNT\" "
                                 "NUMBER(12, 2))  PCTFREE 10\" / IMP-00003: ORACLE error 959 encountered / ORA-00959: "
                                 "tablespace 'FIN_DATA' does not exist (2 errors, 1 harmless ignored, exit 0)");
    static const char *const dead[] = {
        "IMP-00058: ORACLE error 12514 encountered",
        "ORA-12514: Cannot connect to database. Service FREEPDB1 is not registered with the listener",
        "IMP-00000: Import terminated unsuccessfully",
    };
    assert_int_equal(run_lines(&j, "imp legacy.dmp", dead, 3, 1, &err), B2A_ERESTORE);
    assert_string_equal(err.msg, "/data/legacy.dmp: imp legacy.dmp failed: IMP-00058: ORACLE error 12514 encountered / "
                                 "ORA-12514: Cannot connect to database. Service FREEPDB1 is not registered with the "
                                 "listener (2 errors, 0 harmless ignored, exit 1)");
    /* killed before its closing line */
    static const char *const cut[] = {". . importing table \"A\"  3 rows imported"};
    assert_int_equal(run_lines(&j, "imp legacy.dmp", cut, 1, 137, &err), B2A_ERESTORE);
    assert_string_equal(err.msg, "/data/legacy.dmp: imp legacy.dmp did not complete (exit code 137): . . importing "
                                 "table \"A\"  3 rows imported");
}

static void test_progress(void **state)
{
    (void)state;
    if (!have_samples())
        skip();
    b2a_vendor_input in[2] = {sample_input(SCOTT), sample_input(EXPTEST)};
    b2a_vendor_job *j = new_job(in, 2, B2A_NETWORK_PUBLISH, NULL);
    b2a_vendor_plan plan;
    b2a_err err;
    assert_int_equal(b2a__vendor_plan(j, &plan, &err), B2A_OK);
    b2a_vendor_run r;
    /* Data Pump: the probe prints percent_done */
    b2a__vendor_run_init(&r, j, &plan, 0);
    int span = plan.steps[0].pct_to - plan.steps[0].pct_from;
    assert_int_equal(b2a__vendor_run_probe_line(&r, "0", 1), 0);
    assert_int_equal(b2a__vendor_run_probe_line(&r, "         50", 11), 1);
    assert_int_equal(r.percent, plan.steps[0].pct_from + span / 2);
    assert_int_equal(b2a__vendor_run_probe_line(&r, "40", 2), 0); /* never backwards */
    assert_int_equal(b2a__vendor_run_probe_line(&r, "100", 3), 1);
    assert_int_equal(r.percent, plan.steps[0].pct_to - 1); /* 100 is said by finish */
    const char *done = "b2a: Data Pump job COMPLETED";
    b2a__vendor_run_line(&r, 1, done, strlen(done));
    assert_int_equal(b2a__vendor_run_finish(&r, &plan, 0, 0, &err), B2A_OK);
    assert_int_equal(r.percent, plan.steps[0].pct_to);
    /* imp: bytes of the file read against its size */
    b2a__vendor_run_init(&r, j, &plan, 1);
    char half[32];
    snprintf(half, sizeof half, "%llu", (unsigned long long)(in[1].size / 2));
    assert_int_equal(b2a__vendor_run_probe_line(&r, half, strlen(half)), plan.steps[1].pct_to - plan.steps[1].pct_from >= 2);
    assert_true(r.percent >= plan.steps[1].pct_from && r.percent < plan.steps[1].pct_to);
    b2a__vendor_plan_free(&plan);
    b2a__vendor_job_free(j);
}

/* The fd probe finds a reader of the file by any descriptor: this process's. */
static void test_fd_probe(void **state)
{
    (void)state;
    char path[] = "/tmp/b2a-fdprobe-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "0123456789", 10), 10);
    assert_int_equal(lseek(fd, 7, SEEK_SET), 7);
    int pipefd[2];
    assert_int_equal(pipe(pipefd), 0);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(pipefd[1], 1);
        execl("/bin/sh", "sh", "-c", b2a__oracle_fd_probe, path, (char *)NULL);
        _exit(127);
    }
    close(pipefd[1]);
    char buf[64] = {0};
    ssize_t n = read(pipefd[0], buf, sizeof buf - 1);
    (void)n;
    waitpid(pid, NULL, 0);
    close(pipefd[0]);
    close(fd);
    unlink(path);
    /* this process holds it at 7; the probe's own shell may show it too */
    assert_string_equal(strtok(buf, "\n"), "7");
}

/* ---- catalog SQL and export expressions ---- */

static void test_catalog_sql(void **state)
{
    (void)state;
    char *s = b2a__oracle_tables_sql(" AND owner IN ('SCOTT')", 0);
    assert_string_equal(s, "SELECT t.owner, t.table_name, 'T' FROM all_tables t WHERE t.owner IN (SELECT username "
                           "FROM all_users WHERE oracle_maintained = 'N') AND owner IN ('SCOTT') AND t.nested = 'NO' "
                           "AND t.secondary = 'N' AND t.temporary = 'N' AND t.dropped = 'NO' AND (t.iot_type IS NULL "
                           "OR t.iot_type = 'IOT') ORDER BY 1, 2");
    free(s);
    s = b2a__oracle_tables_sql("", 1);
    assert_non_null(strstr(s, " UNION ALL SELECT v.owner, v.view_name, 'V' FROM all_views v WHERE v.owner IN "
                              "(SELECT username FROM all_users WHERE oracle_maintained = 'N') ORDER BY 1, 2"));
    free(s);
    s = b2a__oracle_columns_sql("");
    assert_string_equal(s, "SELECT c.owner, c.table_name, c.column_name, c.data_type, c.data_type_owner, "
                           "c.data_length, c.data_precision, c.data_scale, c.nullable FROM all_tab_cols c WHERE "
                           "c.owner IN (SELECT username FROM all_users WHERE oracle_maintained = 'N') AND "
                           "c.hidden_column = 'NO' AND c.virtual_column = 'NO' ORDER BY c.owner, c.table_name, "
                           "c.column_id");
    free(s);
    s = b2a__oracle_pk_sql("");
    assert_string_equal(s, "SELECT k.owner, k.table_name, kc.column_name FROM all_constraints k JOIN "
                           "all_cons_columns kc ON kc.owner = k.owner AND kc.constraint_name = k.constraint_name "
                           "WHERE k.constraint_type = 'P' AND k.owner IN (SELECT username FROM all_users WHERE "
                           "oracle_maintained = 'N') ORDER BY k.owner, k.table_name, kc.position");
    free(s);
    const char *cols[] = {"LAT", "we\"ird"};
    s = b2a__oracle_profile_sql("ALPHA", "ADDRESSES", cols, 2);
    assert_string_equal(s, "SELECT NVL(MAX(CASE WHEN TRUNC(ABS(\"LAT\")) = 0 THEN 0 ELSE LENGTH(TO_CHAR(TRUNC(ABS("
                           "\"LAT\")), 'TM9')) END), 0), NVL(MAX(LENGTH(TO_CHAR(ABS(\"LAT\") - TRUNC(ABS(\"LAT\")), "
                           "'TM9')) - 1), 0), NVL(MAX(CASE WHEN TRUNC(ABS(\"we\"\"ird\")) = 0 THEN 0 ELSE LENGTH("
                           "TO_CHAR(TRUNC(ABS(\"we\"\"ird\")), 'TM9')) END), 0), NVL(MAX(LENGTH(TO_CHAR(ABS("
                           "\"we\"\"ird\") - TRUNC(ABS(\"we\"\"ird\")), 'TM9')) - 1), 0) FROM \"ALPHA\".\"ADDRESSES\"");
    free(s);
    /* the exact count every vendor gets (b2a__introspect_count) reads this FROM */
    s = b2a__odbc_qualified(B2A_ODBC_ORACLE, "SCOTT", "EMP");
    assert_string_equal(s, "\"SCOTT\".\"EMP\"");
    free(s);
    s = b2a__odbc_quote_literal(B2A_ODBC_ORACLE, "O'Brien\\");
    assert_string_equal(s, "'O''Brien\\'");
    free(s);
}

static void expect_expr(const char *dt, const char *owner, long len, int hp, long p, int hs, long sc, const char *want)
{
    b2a_oracle_coltype t = {dt, owner, len, hp, p, hs, sc};
    b2a_column c;
    memset(&c, 0, sizeof c);
    assert_true(b2a__oracle_map_column(&t, 3, 2, &c) >= 0);
    char *e = b2a__select_expr_oracle(&c, "\"C\"");
    assert_string_equal(e, want);
    free(e), free(c.source_type), free(c.note);
}

static void test_select_exprs(void **state)
{
    (void)state;
    expect_expr("TIMESTAMP(6) WITH TIME ZONE", NULL, 13, 0, 0, 1, 6, "SYS_EXTRACT_UTC(\"C\")");
    expect_expr("TIMESTAMP(6) WITH LOCAL TIME ZONE", NULL, 11, 0, 0, 1, 6,
                "SYS_EXTRACT_UTC(CAST(\"C\" AS TIMESTAMP WITH TIME ZONE))");
    expect_expr("TIMESTAMP(6)", NULL, 11, 0, 0, 1, 6, "\"C\"");
    expect_expr("DATE", NULL, 7, 0, 0, 0, 0, "\"C\"");
    expect_expr("NUMBER", NULL, 22, 1, 10, 1, 2, "\"C\"");
    expect_expr("INTERVAL YEAR(2) TO MONTH", NULL, 5, 1, 2, 1, 0,
                "CASE WHEN \"C\" IS NOT NULL THEN CASE WHEN \"C\" < INTERVAL '0' MONTH THEN '-' END || 'P' || "
                "ABS(EXTRACT(YEAR FROM \"C\")) || 'Y' || ABS(EXTRACT(MONTH FROM \"C\")) || 'M' END");
    expect_expr("INTERVAL DAY(2) TO SECOND(6)", NULL, 11, 1, 2, 1, 6,
                "CASE WHEN \"C\" IS NOT NULL THEN CASE WHEN \"C\" < INTERVAL '0' SECOND THEN '-' END || 'P' || "
                "ABS(EXTRACT(DAY FROM \"C\")) || 'D' || CASE WHEN EXTRACT(HOUR FROM \"C\") = 0 AND EXTRACT(MINUTE "
                "FROM \"C\") = 0 AND EXTRACT(SECOND FROM \"C\") = 0 THEN NULL ELSE 'T' || ABS(EXTRACT(HOUR FROM "
                "\"C\")) || 'H' || ABS(EXTRACT(MINUTE FROM \"C\")) || 'M' || RTRIM(TO_CHAR(ABS(EXTRACT(SECOND FROM "
                "\"C\")), 'FM90.999999999'), '.') || 'S' END END");
    expect_expr("ROWID", NULL, 10, 0, 0, 0, 0, "ROWIDTOCHAR(\"C\")");
    expect_expr("XMLTYPE", "SYS", 2000, 0, 0, 0, 0, "XMLSERIALIZE(CONTENT \"C\" AS CLOB)");
    expect_expr("SDO_GEOMETRY", "MDSYS", 1, 0, 0, 0, 0, "SDO_UTIL.TO_WKTGEOMETRY(\"C\")");
    expect_expr("JSON", NULL, 8200, 0, 0, 0, 0, "JSON_SERIALIZE(\"C\" RETURNING CLOB)");
    expect_expr("BOOLEAN", NULL, 1, 0, 0, 0, 0, "CASE WHEN \"C\" THEN 1 WHEN NOT \"C\" THEN 0 END");
    expect_expr("CLOB", NULL, 4000, 0, 0, 0, 0, "\"C\"");
    /* the zone of a TIMESTAMP WITH TIME ZONE: the readers' "+05:30" or
     * "region:N" (N from the stored bytes 12 and 13, as DUMP lists them) */
    b2a_column z = {0};
    z.name = "C__tz";
    z.vtype = B2A_V_STRING;
    z.source_type = "time zone of C";
    char *e = b2a__select_expr_oracle(&z, "\"C__tz\"");
    assert_string_equal(e, "CASE WHEN \"C\" IS NULL THEN NULL WHEN TO_NUMBER(REGEXP_SUBSTR(DUMP(\"C\"), '[0-9]+', 1, 14))"
                           " >= 128 THEN 'region:' || TO_CHAR((TO_NUMBER(REGEXP_SUBSTR(DUMP(\"C\"), '[0-9]+', 1, 14)) -"
                           " 128) * 64 + TRUNC(TO_NUMBER(REGEXP_SUBSTR(DUMP(\"C\"), '[0-9]+', 1, 15)) / 4)) ELSE"
                           " TO_CHAR(\"C\", 'TZH:TZM') END");
    free(e);
    /* a name with a doubled quote keeps it */
    e = b2a__select_expr_oracle(&z, "\"A\"\"B__tz\"");
    assert_non_null(strstr(e, "DUMP(\"A\"\"B\")"));
    free(e);
    expect_expr("BLOB", NULL, 4000, 0, 0, 0, 0, "\"C\"");
}

/* ---- the type mapping: the same as the direct readers' ---- */

/* The ALL_TAB_COLS row Oracle keeps for a type as a reader writes it
 * (Data Pump "NUMBER(8, 2)", exp "NUMBER(*,0)", "TIMESTAMP (6) WITH TIME
 * ZONE", "INTERVAL DAY (2) TO SECOND (0)"...). 0 for the types that have
 * no such row here (objects, collections). */
static int dictionary_row(const char *st, char *dt, size_t cap, b2a_oracle_coltype *t)
{
    memset(t, 0, sizeof *t);
    t->data_type = dt;
    long a = 0, b = 0;
    char name[64];
    if (sscanf(st, "%63[A-Z0-9_](%ld", name, &a) == 2 && strncmp(st, "NUMBER", 6) && strncmp(st, "FLOAT", 5)) {
        snprintf(dt, cap, "%s", name); /* VARCHAR2(n), CHAR(n), NVARCHAR2(n), RAW(n) */
        t->data_length = a;
        return 1;
    }
    if (!strncmp(st, "FLOAT", 5)) {
        snprintf(dt, cap, "FLOAT");
        t->has_precision = sscanf(st, "FLOAT(%ld", &t->precision) == 1;
        return 1;
    }
    if (!strncmp(st, "NUMBER", 6)) {
        snprintf(dt, cap, "NUMBER");
        if (sscanf(st, "NUMBER(%ld,%ld", &a, &b) == 2 || sscanf(st, "NUMBER(%ld, %ld", &a, &b) == 2) {
            t->has_precision = t->has_scale = 1;
            t->precision = a;
            t->scale = b;
        } else if (sscanf(st, "NUMBER(*,%ld", &b) == 1 || sscanf(st, "NUMBER(*, %ld", &b) == 1) {
            t->has_scale = 1;
            t->scale = b;
        }
        return 1;
    }
    if (!strncmp(st, "TIMESTAMP", 9)) {
        a = 6;
        sscanf(st, "TIMESTAMP (%ld", &a);
        const char *rest = strchr(st, ')');
        snprintf(dt, cap, "TIMESTAMP(%ld)%s", a, rest ? rest + 1 : strstr(st, " WITH") ? strstr(st, " WITH") : "");
        t->has_scale = 1;
        t->scale = a;
        return 1;
    }
    if (!strncmp(st, "INTERVAL YEAR", 13)) {
        snprintf(dt, cap, "INTERVAL YEAR(2) TO MONTH");
        return 1;
    }
    if (!strncmp(st, "INTERVAL DAY", 12)) {
        snprintf(dt, cap, "INTERVAL DAY(2) TO SECOND(6)");
        return 1;
    }
    if (!strcmp(st, "MDSYS.SDO_GEOMETRY")) {
        snprintf(dt, cap, "SDO_GEOMETRY");
        t->type_owner = "MDSYS";
        return 1;
    }
    static const char *const plain[] = {"DATE", "LONG", "LONG RAW", "ROWID", "UROWID", "BINARY_FLOAT",
                                        "BINARY_DOUBLE", "CLOB", "NCLOB", "BLOB", "JSON"};
    for (size_t i = 0; i < sizeof plain / sizeof *plain; i++)
        if (!strcmp(st, plain[i])) {
            snprintf(dt, cap, "%s", st);
            return 1;
        }
    return 0;
}

/* The profile the reader saw, from its note. */
static void profile_of(const b2a_column *c, int *mi, int *mf)
{
    *mi = *mf = 0;
    const char *p = c->note ? strstr(c->note, "at most ") : NULL;
    if (p)
        assert_int_equal(sscanf(p, "at most %d integer and %d fractional digits", mi, mf), 2);
}

/* The table as the container path defines it: each column the reader
 * read, mapped from the dictionary row Oracle keeps for its declared type,
 * then the zone fields introspection adds (b2a__oracle_add_zone_columns).
 * A column with no such row here (BFILE) keeps the reader's type. */
static void container_def(const b2a_table_def *t, b2a_table_def *ours)
{
    memset(ours, 0, sizeof *ours);
    ours->schema = strdup(t->schema);
    ours->name = strdup(t->name);
    for (size_t k = 0; k < t->ncolumns; k++) {
        const b2a_column *theirs = &t->columns[k];
        if (theirs->source_type && !strncmp(theirs->source_type, "time zone of ", 13))
            continue; /* a reader's zone field: introspection adds its own */
        char dt[64];
        b2a_oracle_coltype ty;
        b2a_column c;
        memset(&c, 0, sizeof c);
        if (theirs->source_type && dictionary_row(theirs->source_type, dt, sizeof dt, &ty)) {
            int mi, mf;
            profile_of(theirs, &mi, &mf);
            assert_int_equal(b2a__oracle_map_column(&ty, mi, mf, &c), 0);
        } else {
            /* BFILE, object types the readers decode as JSON: only the name and place compared */
            c.vtype = theirs->vtype;
            c.precision = theirs->precision;
            c.scale = theirs->scale;
            c.source_type = theirs->source_type ? strdup(theirs->source_type) : NULL;
            c.note = theirs->note ? strdup(theirs->note) : NULL;
        }
        assert_int_equal(b2a__introspect_add_column(ours, theirs->name, c.source_type, c.vtype, c.precision, c.scale,
                                                    theirs->nullable, c.note),
                         0);
        free(c.source_type);
        free(c.note);
    }
    assert_int_equal(b2a__oracle_add_zone_columns(ours), 0);
}

static size_t zone_fields; /* the readers' "<c>__tz" fields compared */

static size_t compare_table(const b2a_table_def *t, int same_text)
{
    size_t n = 0;
    b2a_table_def ours_t;
    container_def(t, &ours_t);
    /* the same fields in the same order: the schemas agree */
    assert_int_equal(ours_t.ncolumns, t->ncolumns);
    for (size_t k = 0; k < t->ncolumns; k++) {
        const b2a_column *theirs = &t->columns[k], *ours = &ours_t.columns[k];
        assert_string_equal(ours->name, theirs->name);
        if (ours->vtype != theirs->vtype || ours->precision != theirs->precision || ours->scale != theirs->scale)
            fail_msg("%s.%s.%s %s: ours %d(%d,%d), the reader's %d(%d,%d)", t->schema, t->name, theirs->name,
                     theirs->source_type, ours->vtype, ours->precision, ours->scale, theirs->vtype, theirs->precision,
                     theirs->scale);
        int zone = theirs->source_type && !strncmp(theirs->source_type, "time zone of ", 13);
        if (same_text || zone) {
            /* the Data Pump reader writes the type as the dictionary gives it */
            assert_string_equal(ours->source_type ? ours->source_type : "(none)",
                                theirs->source_type ? theirs->source_type : "(none)");
            assert_string_equal(ours->note ? ours->note : "(none)", theirs->note ? theirs->note : "(none)");
        }
        if (zone) {
            assert_int_equal(ours->nullable, 1);
            zone_fields++;
            /* the container exports it as the zone of its column */
            char *e = b2a__select_expr_oracle(ours, "\"X__tz\"");
            assert_non_null(e);
            assert_non_null(strstr(e, "TO_CHAR(\"X\", 'TZH:TZM')"));
            free(e);
        }
        n++;
    }
    b2a__table_def_clear(&ours_t);
    return n;
}

static void test_type_mapping(void **state)
{
    (void)state;
    if (!have_samples())
        skip();
    size_t n = 0;
    static const char *const dps[] = {SCOTT, MODERN, "it_tabla1_expdp19c__leanzungri.dmp"};
    for (size_t f = 0; f < sizeof dps / sizeof *dps; f++) {
        char p[PATH_MAX + 64];
        snprintf(p, sizeof p, "%s/%s", samples, dps[f]);
        const char *pp = p;
        b2a_dp *x = NULL;
        b2a_err err;
        assert_int_equal(b2a__dp_open(&pp, 1, &x, &err), 0);
        for (size_t i = 0; i < b2a__dp_table_count(x); i++) {
            /* a table the reader cannot read has no schema to agree with */
            b2a_dp_scan *sc = NULL;
            if (b2a__dp_scan_open(x, i, &sc, &err) == 0)
                n += compare_table(b2a__dp_table(x, i), 1);
            b2a__dp_scan_close(sc);
        }
        b2a__dp_close(x);
    }
    static const char *const exps[] = {LEGACY, "alphaoffice_expdat.dmp", "freetic_car.dmp", EXPTEST,
                                       "hr_exp10g_classic__momaresh.dmp"};
    for (size_t f = 0; f < sizeof exps / sizeof *exps; f++) {
        char p[PATH_MAX + 64];
        snprintf(p, sizeof p, "%s/%s", samples, exps[f]);
        const char *pp = p;
        b2a_exp *x = NULL;
        b2a_err err;
        assert_int_equal(b2a__exp_open(&pp, 1, &x, &err), 0);
        for (size_t i = 0; i < b2a__exp_table_count(x); i++) {
            b2a_exp_scan *sc = NULL;
            if (b2a__exp_scan_open(x, i, &sc, &err) == 0)
                n += compare_table(b2a__exp_table(x, i), 0);
            b2a__exp_scan_close(sc);
        }
        b2a__exp_close(x);
    }
    /* every column of the tables the readers read in these samples (670
     * when this was written; more as the readers learn more types) */
    assert_true(n >= 670);
    /* TIMESTAMP WITH TIME ZONE columns of rjschof's two dumps, each with its zone field */
    assert_true(zone_fields >= 2);

    /* the types the readers cannot decode but a database exports */
    b2a_oracle_coltype obj = {"ADDRESS_T", "HRDATA", 1, 0, 0, 0, 0};
    b2a_column c;
    memset(&c, 0, sizeof c);
    assert_int_equal(b2a__oracle_map_column(&obj, 0, 0, &c), 1);
    assert_string_equal(c.source_type, "HRDATA.ADDRESS_T");
    assert_string_equal(c.note, "HRDATA.ADDRESS_T is an object or collection type, which is not exported");
    free(c.source_type), free(c.note);
    memset(&c, 0, sizeof c);
    b2a_oracle_coltype bf = {"BFILE", NULL, 530, 0, 0, 0, 0};
    assert_int_equal(b2a__oracle_map_column(&bf, 0, 0, &c), 1);
    free(c.source_type), free(c.note);
}

/* ---- Free's 12 GB: table by table ---- */

static void assert_round(const b2a_vendor_round *r, const char *owner, const char *tables, uint64_t estimate)
{
    char got[256] = "";
    for (size_t k = 0; k < r->ntables; k++)
        snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", k ? "," : "", r->tables[k]);
    assert_string_equal(r->owner, owner);
    assert_string_equal(got, tables);
    assert_true(r->estimate == estimate);
}

/* Runs round k's step with the stubs; the sqlplus log (stdin of every call). */
static char *run_round(b2a_vendor_job *j, size_t k, const stubs *s, const char *label)
{
    j->round = k;
    b2a_vendor_plan plan;
    b2a_err err;
    assert_int_equal(b2a__vendor_plan(j, &plan, &err), B2A_OK);
    assert_int_equal(plan.nsteps, 1);
    assert_string_equal(plan.steps[0].label, label);
    char p[128];
    snprintf(p, sizeof p, "%s/sqlplus.log", s->dir);
    unlink(p);
    assert_int_equal(run_cmd(s, &plan.steps[0].cmd), 0);
    b2a__vendor_plan_free(&plan);
    return read_all(s->dir, "sqlplus.log");
}

static void test_rounds(void **state)
{
    (void)state;
    if (!have_samples())
        skip();
    unsetenv("B2A_ORACLE_DATA_LIMIT");
    assert_true(b2a__oracle_data_limit() == ((uint64_t)12 << 30));
    b2a_vendor_input in = sample_input(SCOTT);
    b2a_vendor_job *j = new_job(&in, 1, B2A_NETWORK_PUBLISH, NULL);
    assert_int_equal(j->nrounds, 0); /* 372 KB: one import, as always */
    b2a__vendor_job_free(j);

    /* a limit of 150,000 bytes: SCOTT's 380,928 bytes shared by its row
     * counts (DEPT 4, EMP 14, SALGRADE 5, BONUS 0 of 23 rows); EMP alone
     * is over it and still gets its own round */
    setenv("B2A_ORACLE_DATA_LIMIT", "150000", 1);
    j = new_job(&in, 1, B2A_NETWORK_PUBLISH, NULL);
    free(j->in_paths[0]);
    j->in_paths[0] = b2a__strdup(in.path);
    assert_int_equal(j->nrounds, 3);
    assert_round(&j->rounds[0], "SCOTT", "DEPT", 380928ull * 4 / 23);
    assert_round(&j->rounds[1], "SCOTT", "EMP", 380928ull * 14 / 23);
    assert_round(&j->rounds[2], "SCOTT", "SALGRADE,BONUS", 380928ull * 5 / 23);
    stubs s;
    stubs_make(&s);
    char *log = run_round(j, 0, &s, "Data Pump import " SCOTT " (round 1 of 3: SCOTT.DEPT)");
    assert_non_null(strstr(log, "BEGIN\n  mk('SCOTT');\n  NULL;\nEND;\n"));
    assert_null(strstr(log, "DROP TABLE"));
    assert_non_null(strstr(log, "h := DBMS_DATAPUMP.OPEN('IMPORT', 'TABLE', NULL, 'B2A_IMPORT');\n"
                                "  DBMS_DATAPUMP.ADD_FILE(h, '" SCOTT "', 'B2A_IN_0');\n"
                                "  DBMS_DATAPUMP.METADATA_FILTER(h, 'SCHEMA_EXPR', 'IN (''SCOTT'')');\n"
                                "  DBMS_DATAPUMP.METADATA_FILTER(h, 'NAME_EXPR', 'IN (''DEPT'')');\n"
                                "  DBMS_DATAPUMP.METADATA_TRANSFORM(h, 'SEGMENT_ATTRIBUTES', 0);\n"));
    free(log);
    /* the next round drops the last one's tables first, PURGE: space freed */
    log = run_round(j, 1, &s, "Data Pump import " SCOTT " (round 2 of 3: SCOTT.EMP)");
    const char *drop = strstr(log, "BEGIN\n  EXECUTE IMMEDIATE 'DROP TABLE \"SCOTT\".\"DEPT\" CASCADE CONSTRAINTS "
                                   "PURGE';\nEND;\n/\nEXIT\n");
    const char *imp = strstr(log, "'NAME_EXPR', 'IN (''EMP'')'");
    assert_non_null(drop);
    assert_non_null(imp);
    assert_true(drop < imp);
    free(log);
    log = run_round(j, 2, &s, "Data Pump import " SCOTT " (round 3 of 3: SCOTT.SALGRADE, SCOTT.BONUS)");
    assert_non_null(strstr(log, "'DROP TABLE \"SCOTT\".\"EMP\" CASCADE CONSTRAINTS PURGE'"));
    assert_non_null(strstr(log, "'NAME_EXPR', 'IN (''SALGRADE'', ''BONUS'')'"));
    free(log);

    /* ORA-12954 in a round: the table alone is over the limit, named */
    static const char *const full[] = {
        "ORA-31693: Table data object \"SCOTT\".\"EMP\" failed to load/unload and is being skipped due to error:",
        "ORA-12954: The request exceeds the maximum allowed database size of 12 GB.",
        "b2a: Data Pump job COMPLETED",
    };
    j->round = 1;
    b2a_err err;
    assert_int_equal(run_lines(j, "Data Pump import x (round 2 of 3: SCOTT.EMP)", full, 3, 0, &err), B2A_ERESTORE);
    assert_string_equal(err.msg + strlen(in.path),
                        ": Data Pump import x (round 2 of 3: SCOTT.EMP) failed: ORA-31693: Table data object "
                        "\"SCOTT\".\"EMP\" failed to load/unload and is being skipped due to error: / ORA-12954: The "
                        "request exceeds the maximum allowed database size of 12 GB.; Oracle Database Free holds at "
                        "most 12 GB of user data, and SCOTT.EMP, estimated at 0.0 GB, is over it alone: such a table "
                        "cannot be imported into this image (use one without the limit and set "
                        "B2A_ORACLE_DATA_LIMIT=0)");
    b2a__vendor_job_free(j);

    /* classic exp: imp FROMUSER/TOUSER/TABLES in the parfile, no FULL=Y;
     * EXPTEST's 24,576 bytes by rows IGNORE 0, IGNORE2 0, TABLE1 7, TABLE2 4 */
    setenv("B2A_ORACLE_DATA_LIMIT", "20000", 1);
    b2a_vendor_input ex = sample_input(EXPTEST);
    j = new_job(&ex, 1, B2A_NETWORK_PUBLISH, NULL);
    free(j->in_paths[0]);
    j->in_paths[0] = b2a__strdup(ex.path);
    assert_int_equal(j->nrounds, 2);
    assert_round(&j->rounds[0], "EXPTEST", "IGNORE,IGNORE2,TABLE1", 24576ull * 7 / 11);
    assert_round(&j->rounds[1], "EXPTEST", "TABLE2", 24576ull * 4 / 11);
    log = run_round(j, 0, &s, "imp " EXPTEST " (round 1 of 2: EXPTEST.IGNORE, EXPTEST.IGNORE2, EXPTEST.TABLE1)");
    assert_non_null(strstr(log, "BEGIN\n  mk('EXPTEST');\n  NULL;\nEND;\n"));
    free(log);
    char *args = read_all(s.dir, "imp.args"), *par = read_all(s.dir, "imp.par");
    assert_null(strstr(args, "FULL=Y"));
    assert_non_null(strstr(args, ".par GRANTS=N STATISTICS=NONE COMMIT=Y BUFFER=10485760\n"));
    char want[PATH_MAX + 300];
    snprintf(want, sizeof want, "USERID=system/%s@//127.0.0.1:1521/FREEPDB1\nFILE=\"%s\"\nFROMUSER=EXPTEST\n"
             "TOUSER=EXPTEST\nTABLES=(IGNORE,IGNORE2,TABLE1)\n", j->password, ex.path);
    assert_string_equal(par, want);
    free(args), free(par);
    log = run_round(j, 1, &s, "imp " EXPTEST " (round 2 of 2: EXPTEST.TABLE2)");
    assert_non_null(strstr(log, "BEGIN\n  EXECUTE IMMEDIATE 'DROP TABLE \"EXPTEST\".\"IGNORE\" CASCADE CONSTRAINTS "
                                "PURGE';\n  EXECUTE IMMEDIATE 'DROP TABLE \"EXPTEST\".\"IGNORE2\" CASCADE CONSTRAINTS "
                                "PURGE';\n  EXECUTE IMMEDIATE 'DROP TABLE \"EXPTEST\".\"TABLE1\" CASCADE CONSTRAINTS "
                                "PURGE';\nEND;\n"));
    free(log);
    par = read_all(s.dir, "imp.par");
    assert_non_null(strstr(par, "\nFROMUSER=EXPTEST\nTOUSER=EXPTEST\nTABLES=(TABLE2)\n"));
    free(par);
    b2a__vendor_job_free(j);

    /* tables that cannot be listed without Oracle: refused, naming the limit */
    setenv("B2A_ORACLE_DATA_LIMIT", "1000", 1);
    char dir[] = "/tmp/b2a-orarounds-XXXXXX", cut[64];
    assert_non_null(mkdtemp(dir));
    snprintf(cut, sizeof cut, "%s/cut.dmp", dir);
    FILE *src = fopen(in.path, "rb"), *dst = fopen(cut, "wb");
    char buf[8192];
    size_t got = fread(buf, 1, sizeof buf, src); /* the header and no more */
    assert_int_equal(fwrite(buf, 1, got, dst), got);
    fclose(src), fclose(dst);
    b2a_vendor_input ci = in;
    ci.path = cut;
    ci.size = got;
    b2a_vendor_params vp = {0};
    vp.job_id = "or1";
    vp.network = B2A_NETWORK_PUBLISH;
    vp.port = 15210;
    vp.inputs = &ci;
    vp.ninputs = 1;
    j = NULL;
    assert_int_equal(b2a__vendor_job_new(&b2a__vendor_oracle, &vp, &j, &err), B2A_EUNSUPPORTED);
    assert_null(j);
    assert_non_null(strstr(err.msg, "cut.dmp: the job's dumps hold about 0.0 GB, more than the 0.0 GB of user data "
                                    "Oracle Database Free holds, so they are imported table by table, and this dump's "
                                    "tables cannot be listed without Oracle ("));
    unlink(cut);
    rmdir(dir);
    /* 0: no limit (a licensed image) */
    setenv("B2A_ORACLE_DATA_LIMIT", "0", 1);
    j = new_job(&in, 1, B2A_NETWORK_PUBLISH, NULL);
    assert_int_equal(j->nrounds, 0);
    b2a__vendor_job_free(j);
    unsetenv("B2A_ORACLE_DATA_LIMIT");
    stubs_rm(&s);
}

/* ---- the container dialogue against the fake engine ---- */

/* every occurrence of the password is the value of one of its variables */
static void password_only_in_env(const char *log, const char *pw)
{
    int n = 0;
    static const char *const vars[] = {"ORACLE_PASSWORD=", "ORACLE_PWD=", B2A_ORACLE_PASSWORD_ENV "="};
    for (const char *p = log; (p = strstr(p, pw)); p++, n++) {
        int ok = 0;
        for (size_t i = 0; i < 3; i++) {
            size_t l = strlen(vars[i]);
            ok |= p - log >= (long)l && !memcmp(p - l, vars[i], l);
        }
        if (!ok)
            fail_msg("the password is in the request log outside its environment variables");
    }
    assert_true(n >= 4);
}

static void run_dialogue(const char *casename, int fail_restore)
{
    unsetenv("B2A_ORACLE_DATA_LIMIT");
    if (!have_samples())
        skip();
    b2a_vendor_input in = sample_input(SCOTT);
    b2a_vendor_job *j = new_job(&in, 1, B2A_NETWORK_PUBLISH, NULL);
    dialogue g;
    dialogue_open(&g, casename, &j->spec, "0a1e00d1");
    b2a_err err;
    dlg r;

    /* the probe: not ready (listener up, PDB not registered), then ready */
    b2a_vendor_probe pr;
    assert_int_equal(b2a__vendor_probe(j, &pr, &err), B2A_OK);
    memset(&r, 0, sizeof r);
    dialogue_exec(&g, &pr.cmd, &r);
    assert_int_equal(r.exit_code, 1);
    memset(&r, 0, sizeof r);
    dialogue_exec(&g, &pr.cmd, &r);
    assert_int_equal(r.exit_code, 0);
    b2a__vendor_probe_free(&pr);

    b2a_vendor_plan plan;
    assert_int_equal(b2a__vendor_plan(j, &plan, &err), B2A_OK);
    b2a_vendor_run run;
    b2a__vendor_run_init(&run, j, &plan, 0);
    /* two polls of the percent probe while the job runs (sequential here) */
    for (int k = 0; k < 2; k++) {
        memset(&r, 0, sizeof r);
        r.run = &run;
        r.probe = 1;
        dialogue_exec(&g, &plan.steps[0].probe, &r);
        assert_int_equal(r.npct, 1);
        assert_int_equal(r.percents[0], k ? 99 : 35);
    }
    memset(&r, 0, sizeof r);
    r.run = &run;
    dialogue_exec(&g, &plan.steps[0].cmd, &r);
    int frc = b2a__vendor_run_finish(&run, &plan, 0, r.exit_code, &err);
    if (fail_restore) {
        assert_int_equal(frc, B2A_ERESTORE);
        assert_string_equal(err.msg + strlen(in.path),
                            ": Data Pump import " SCOTT " failed: ORA-39083: Object type TABLE:\"SCOTT\".\"EMP\" "
                            "failed to create with error: / ORA-01950: no privileges on tablespace 'USERS' (1 error, "
                            "0 harmless ignored, exit 0)");
    } else {
        assert_int_equal(frc, B2A_OK);
        assert_int_equal(run.percent, 100);
    }
    b2a__vendor_plan_free(&plan);

    char *log = dialogue_close(&g);
    assert_null(strstr(log, "\"unexpected\": true"));
    assert_non_null(strstr(log, "\\\"Labels\\\":{\\\"bak2avro.job\\\":\\\"or1\\\",\\\"bak2avro.vendor\\\":\\\"oracle\\\"}"));
    assert_non_null(strstr(log, "\\\"Image\\\":\\\"gvenzl/oracle-free:23-faststart\\\""));
    assert_non_null(strstr(log, "\\\"PortBindings\\\":{\\\"1521/tcp\\\":[{\\\"HostIp\\\":\\\"127.0.0.1\\\",\\\"HostPort\\\":\\\"15210\\\"}]}"));
    assert_non_null(strstr(log, "\\\"ShmSize\\\":1073741824"));
    assert_null(strstr(log, "NetworkMode\\\":\\\"host"));
    assert_null(strstr(log, "0.0.0.0"));
    assert_non_null(strstr(log, "\\\"/backup/0/" SCOTT "\\\""));
    password_only_in_env(log, j->password);
    free(log);
    b2a__vendor_job_free(j);
}

/* Two rounds of a table-by-table import on the fake engine: each round's
 * exec imports its table alone; the second drops the first's table first. */
/* A temp copy of sample name with every "from" replaced by "to" (same length):
 * the sample's tables then belong to another owner. */
static void copy_renamed(const char *name, const char *from, const char *to, const char *dst)
{
    char src[PATH_MAX + 128];
    snprintf(src, sizeof src, "%s/%s", name[0] == '/' ? "" : samples, name);
    FILE *f = fopen(src, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    size_t len = strlen(from);
    assert_int_equal(strlen(to), len);
    for (long i = 0; i + (long)len <= n; i++)
        if (!memcmp(b + i, from, len))
            memcpy(b + i, to, len);
    f = fopen(dst, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    free(b);
}

/* The plan's one step for input 0 of j, its script run with the stubs (the
 * container's path of the input pointed at the host's copy). */
static int run_step(b2a_vendor_job *j, const stubs *s, size_t step, char **script)
{
    for (size_t i = 0; i < j->ninputs; i++) {
        free(j->in_paths[i]);
        j->in_paths[i] = b2a__strdup(j->inputs[i].path);
    }
    b2a_vendor_plan plan;
    b2a_err err;
    assert_int_equal(b2a__vendor_plan(j, &plan, &err), B2A_OK);
    assert_true(step < plan.nsteps);
    int rc = run_cmd(s, &plan.steps[step].cmd);
    if (script)
        *script = b2a__strdup(plan.steps[step].cmd.argv[2]);
    b2a__vendor_plan_free(&plan);
    return rc;
}

static void stubs_clear(const stubs *s)
{
    static const char *const names[] = {"sqlplus.log", "imp.args", "imp.par", "out", "say"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char p[256];
        snprintf(p, sizeof p, "%s/%s", s->dir, names[i]);
        unlink(p);
    }
}

static void test_maintained_owners(void **state)
{
    (void)state;
    assert_true(b2a__oracle_maintained_user("SYSTEM"));
    assert_true(b2a__oracle_maintained_user("SYS"));
    assert_true(b2a__oracle_maintained_user("OUTLN"));
    assert_false(b2a__oracle_maintained_user("SCOTT"));
    assert_false(b2a__oracle_maintained_user("SYSTEMX"));
    assert_false(b2a__oracle_maintained_user("system"));
    /* every maintained user but SYS goes to a stage user */
    assert_true(b2a__oracle_remapped_user("SYSTEM"));
    assert_true(b2a__oracle_remapped_user("XS$NULL"));
    assert_false(b2a__oracle_remapped_user("SYS"));
    assert_false(b2a__oracle_remapped_user("SCOTT"));
    char *stage = b2a__oracle_stage_name("SYSTEM");
    assert_string_equal(stage, "B2A$SYSTEM");
    assert_true(b2a__oracle_plain_name(stage)); /* an unquoted identifier: spliced as such */
    free(stage);
    if (!have_samples())
        skip();
    unsetenv("B2A_ORACLE_DATA_LIMIT");
    char dir[] = "/tmp/b2a-oraowner-XXXXXX", all[64], mixed[64], clash[64];
    assert_non_null(mkdtemp(dir));
    snprintf(all, sizeof all, "%s/outln.dmp", dir);
    snprintf(mixed, sizeof mixed, "%s/mixed.dmp", dir);
    snprintf(clash, sizeof clash, "%s/clash.dmp", dir);
    stubs s;
    stubs_make(&s);

    /* the samples as they are: no stage user, FULL=Y as before */
    b2a_vendor_input in = sample_input(LEGACY);
    b2a_vendor_job *j = new_job(&in, 1, B2A_NETWORK_PUBLISH, NULL);
    assert_int_equal(j->nunexported, 0);
    assert_int_equal(j->nowners, 4);
    for (size_t k = 0; k < j->nowners; k++)
        assert_null(j->owners[k].stage);
    b2a__vendor_job_free(j);

    /* freetic_car's 24 SCOTT tables as OUTLN's: no longer refused; imported
     * FROMUSER=OUTLN TOUSER=B2A$OUTLN into a stage user made first */
    copy_renamed("freetic_car.dmp", "SCOTT", "OUTLN", all);
    b2a_vendor_input ai = sample_input("freetic_car.dmp");
    ai.path = all;
    j = new_job(&ai, 1, B2A_NETWORK_PUBLISH, NULL);
    assert_int_equal(j->nunexported, 0);
    assert_int_equal(j->nowners, 1);
    assert_string_equal(j->owners[0].owner, "OUTLN");
    assert_string_equal(j->owners[0].stage, "B2A$OUTLN");
    assert_string_equal(b2a__oracle_stage_of(j, "OUTLN"), "B2A$OUTLN");
    assert_string_equal(b2a__oracle_stage_of(j, "SCOTT"), "SCOTT");
    char *script;
    assert_int_equal(run_step(j, &s, 0, &script), 0);
    char *par = read_all(s.dir, "imp.par"), *args = read_all(s.dir, "imp.args"), *log = read_all(s.dir, "sqlplus.log");
    char want[PATH_MAX + 300];
    snprintf(want, sizeof want, "USERID=system/%s@//127.0.0.1:1521/FREEPDB1\nFILE=\"%s\"\nFROMUSER=OUTLN\nTOUSER=B2A$OUTLN\n",
             j->password, all);
    assert_string_equal(par, want);
    assert_null(strstr(args, "FULL=Y"));
    assert_null(strstr(args, j->password));
    assert_non_null(strstr(log, "BEGIN\n  mk('B2A$OUTLN');\n  NULL;\nEND;\n"));
    assert_non_null(strstr(log, "EXECUTE IMMEDIATE 'GRANT UNLIMITED TABLESPACE TO \"' || u || '\"';"));
    /* no owner imported under its own name: the server's list is not asked */
    assert_null(strstr(log, "oracle_maintained"));
    /* the tablespace the DDL names, created when missing, by OMF: the
     * parameter is read and set only in the branch for a missing tablespace
     * (USERS exists: nothing set); the block itself only calls mk */
    assert_non_null(strstr(log, "    SELECT COUNT(*) INTO n FROM dba_tablespaces WHERE tablespace_name = t;\n"
                                "    IF n = 0 THEN\n"
                                "      SELECT value INTO dest FROM v$parameter WHERE name = 'db_create_file_dest';\n"
                                "      IF dest IS NULL THEN\n"
                                "        EXECUTE IMMEDIATE 'ALTER SYSTEM SET DB_CREATE_FILE_DEST = "
                                "''/opt/oracle/oradata'' SCOPE = MEMORY';\n"
                                "      END IF;\n"
                                "      EXECUTE IMMEDIATE 'CREATE TABLESPACE \"' || t || '\"';\n"
                                "    END IF;\n"
                                "  END;\n"
                                "BEGIN\n"
                                "  mk('USERS');\n"
                                "END;\n"));
    free(par), free(args), free(log), free(script);
    stubs_clear(&s);
    /* the names the job and the export use: pairs each way */
    char **map;
    size_t nmap;
    assert_int_equal(b2a__oracle_schema_map(j, 1, &map, &nmap), B2A_OK);
    assert_int_equal(nmap, 2);
    assert_string_equal(map[0], "B2A$OUTLN");
    assert_string_equal(map[1], "OUTLN");
    b2a__strv_free(map, nmap);
    assert_int_equal(b2a__oracle_schema_map(j, 0, &map, &nmap), B2A_OK);
    assert_int_equal(nmap, 2);
    assert_string_equal(map[0], "OUTLN");
    assert_string_equal(map[1], "B2A$OUTLN");
    b2a__strv_free(map, nmap);
    b2a__vendor_job_free(j);

    /* jliverse's Data Pump SCOTT as OUTLN: REMAP_SCHEMA to the stage user */
    copy_renamed(SCOTT, "SCOTT", "OUTLN", clash);
    b2a_vendor_input di = sample_input(SCOTT);
    di.path = clash;
    j = new_job(&di, 1, B2A_NETWORK_PUBLISH, NULL);
    assert_int_equal(j->nowners, 1);
    assert_int_equal(run_step(j, &s, 0, &script), 0);
    assert_non_null(strstr(script, "b2a_users \"$owners\"' B2A$OUTLN' || exit 1\n"));
    log = read_all(s.dir, "sqlplus.log");
    assert_non_null(strstr(log, "  mk('OUTLN');\n  mk('SYS');\n  mk('B2A$OUTLN');\n  NULL;\n"));
    assert_non_null(strstr(log, "  h := DBMS_DATAPUMP.OPEN('IMPORT', 'FULL', NULL, 'B2A_IMPORT');\n"));
    assert_non_null(strstr(log, "  DBMS_DATAPUMP.METADATA_REMAP(h, 'REMAP_SCHEMA', 'OUTLN', 'B2A$OUTLN');\n"
                                "  DBMS_DATAPUMP.METADATA_TRANSFORM(h, 'SEGMENT_ATTRIBUTES', 0);\n"));
    free(log), free(script);
    stubs_clear(&s);
    b2a__vendor_job_free(j);
    unlink(clash);

    /* rjschof_legacy with FINANCE's 8 tables as OJVMSYS's: every owner named,
     * OJVMSYS into its stage user; the others checked against the server's
     * own list of the users it maintains */
    copy_renamed(LEGACY, "FINANCE", "OJVMSYS", mixed);
    b2a_vendor_input mi = sample_input(LEGACY);
    mi.path = mixed;
    j = new_job(&mi, 1, B2A_NETWORK_PUBLISH, NULL);
    assert_int_equal(j->nunexported, 0);
    assert_int_equal(j->nowners, 4);
    assert_int_equal(run_step(j, &s, 0, &script), 0);
    par = read_all(s.dir, "imp.par");
    log = read_all(s.dir, "sqlplus.log");
    assert_non_null(strstr(par, "\nFROMUSER=(HRDATA,INVENTORY,OJVMSYS,AUDITLOG)\n"
                                "TOUSER=(HRDATA,INVENTORY,B2A$OJVMSYS,AUDITLOG)\n"));
    assert_non_null(strstr(log, "  mk('HRDATA');\n  mk('INVENTORY');\n  mk('B2A$OJVMSYS');\n  mk('AUDITLOG');\n"));
    assert_non_null(strstr(log, "FROM dba_users WHERE oracle_maintained = 'Y' AND username IN ('HRDATA', "
                                "'INVENTORY', 'AUDITLOG');\n"));
    /* its tablespaces: partitioned and LOB tables need them under imp */
    assert_non_null(strstr(log, "  mk('COMBINED_DATA');\n  mk('COMBINED_IDX');\n  mk('USERS');\nEND;\n"));
    free(par), free(log), free(script);
    stubs_clear(&s);
    /* a user the server maintains and our list lacks: the step fails naming it */
    write_file(s.dir, "say", "b2a: error: HRDATA owns tables in the dump and is a user this image maintains\n", 0644);
    write_file(s.dir, "sqlplus",
               "#!/bin/sh\n"
               "in=$(cat)\n"
               "printf '%s\\n' \"$in\" >> \"$B2A_STUB/sqlplus.log\"\n"
               "case \"$in\" in *oracle_maintained*) cat \"$B2A_STUB/say\"; exit 0;; esac\n"
               "echo B2AREADY\n",
               0755);
    assert_int_equal(run_step(j, &s, 0, NULL), 1);
    char *out = read_all(s.dir, "out");
    /* the stubs' own lines before it, then the server's answer, last */
    const char *line = "b2a: error: HRDATA owns tables in the dump and is a user this image maintains\n";
    assert_true(strlen(out) >= strlen(line));
    assert_string_equal(out + strlen(out) - strlen(line), line);
    free(out);
    par = read_all(s.dir, "imp.par");
    assert_string_equal(par, ""); /* imp did not run */
    free(par);
    stubs_clear(&s);
    b2a__vendor_job_free(j);
    stubs_rm(&s);

    /* a dump owner named like a stage user: refused (its tables would be
     * named after the maintained user) */
    copy_renamed(LEGACY, "FINANCE", "B2A$DIP", clash);
    b2a_vendor_input ci = sample_input(LEGACY);
    ci.path = clash;
    b2a_vendor_params vp = {0};
    vp.job_id = "or1";
    vp.network = B2A_NETWORK_PUBLISH;
    vp.port = 15210;
    vp.inputs = &ci;
    vp.ninputs = 1;
    b2a_err err;
    j = NULL;
    assert_int_equal(b2a__vendor_job_new(&b2a__vendor_oracle, &vp, &j, &err), B2A_EUNSUPPORTED);
    assert_null(j);
    snprintf(want, sizeof want,
             "%s: the dump holds tables of a user named B2A$<name> after a user the Oracle image maintains, the "
             "name bak2avro gives the stage user such tables are imported into: not supported by the container "
             "path", clash);
    assert_string_equal(err.msg, want);

    /* imp names every owner of a dump with a stage user: one that is not a
     * plain name (here Finance, beside HRDATA renamed SYSTEM) is refused */
    copy_renamed(LEGACY, "FINANCE", "Finance", clash);
    copy_renamed(clash, "HRDATA", "SYSTEM", mixed);
    ci.path = mixed;
    j = NULL;
    assert_int_equal(b2a__vendor_job_new(&b2a__vendor_oracle, &vp, &j, &err), B2A_EUNSUPPORTED);
    assert_null(j);
    snprintf(want, sizeof want,
             "%s: the dump holds tables of a user the Oracle image maintains, which imp imports with every owner "
             "named, and the owner \"Finance\" is not a plain name (capitals, digits, _, $ and #): not supported by "
             "the container path", mixed);
    assert_string_equal(err.msg, want);

    /* a # would start a comment in imp's parfile (FROMUSER=(...)): refused */
    copy_renamed(LEGACY, "FINANCE", "FIN#NCE", clash);
    copy_renamed(clash, "HRDATA", "SYSTEM", mixed);
    j = NULL;
    assert_int_equal(b2a__vendor_job_new(&b2a__vendor_oracle, &vp, &j, &err), B2A_EUNSUPPORTED);
    assert_null(j);
    snprintf(want, sizeof want,
             "%s: the dump holds tables of a user the Oracle image maintains, which imp imports with every owner "
             "named in its parameter file, where the # of the owner \"FIN#NCE\" would start a comment: not "
             "supported by the container path", mixed);
    assert_string_equal(err.msg, want);

    /* in rounds (hr_exp10g's HR and the OUTLN copy): OUTLN's rounds import
     * into its stage user, and drop from it */
    b2a_vendor_input two[2] = {sample_input("hr_exp10g_classic__momaresh.dmp"), ai};
    setenv("B2A_ORACLE_DATA_LIMIT", "50000", 1);
    j = new_job(two, 2, B2A_NETWORK_PUBLISH, NULL);
    unsetenv("B2A_ORACLE_DATA_LIMIT");
    assert_int_equal(j->nunexported, 0);
    size_t in_rounds = 0, outln = 0, first = SIZE_MAX;
    for (size_t r = 0; r < j->nrounds; r++) {
        in_rounds += j->rounds[r].ntables;
        if (!strcmp(j->rounds[r].owner, "OUTLN")) {
            outln++;
            if (first == SIZE_MAX)
                first = r;
        }
    }
    assert_int_equal(in_rounds, 24 + 24);
    assert_true(outln > 1 && first + 1 < j->nrounds);
    j->round = first + 1;
    b2a_vendor_plan plan;
    assert_int_equal(b2a__vendor_plan(j, &plan, &err), B2A_OK);
    assert_int_equal(plan.nsteps, 1);
    const char *sc = plan.steps[0].cmd.argv[2];
    char drop[200];
    snprintf(drop, sizeof drop, "DROP TABLE \"B2A$OUTLN\".\"%s\" CASCADE CONSTRAINTS PURGE", j->rounds[first].tables[0]);
    assert_non_null(strstr(sc, drop));
    assert_non_null(strstr(sc, "b2a_users 'B2A$OUTLN' || exit 1\n"));
    assert_non_null(strstr(sc, "printf 'FROMUSER=OUTLN\\nTOUSER=B2A$OUTLN\\n' >> \"$d/imp.par\"\n"));
    b2a__vendor_plan_free(&plan);
    b2a__vendor_job_free(j);
    unlink(all);
    unlink(mixed);
    unlink(clash);
    rmdir(dir);
}

/* Introspection names a stage user's tables after the dump's owner. */
static void test_rename_schemas(void **state)
{
    (void)state;
    b2a_odbc_table *t = calloc(3, sizeof *t);
    const char *names[3][2] = {{"B2A$OUTLN", "T1"}, {"HR", "EMP"}, {"B2A$SYSTEM", "T2"}};
    for (size_t i = 0; i < 3; i++) {
        t[i].def.schema = b2a__strdup(names[i][0]);
        t[i].def.name = b2a__strdup(names[i][1]);
    }
    const char *const pairs[] = {"B2A$SYSTEM", "SYSTEM", "B2A$OUTLN", "OUTLN"};
    assert_int_equal(b2a__introspect_rename_schemas(t, 3, pairs, 4), B2A_OK);
    assert_string_equal(t[0].def.schema, "OUTLN");
    assert_string_equal(t[1].def.schema, "HR");
    assert_string_equal(t[2].def.schema, "SYSTEM");
    assert_string_equal(t[2].def.name, "T2");
    /* no pairs: nothing renamed */
    assert_int_equal(b2a__introspect_rename_schemas(t, 3, NULL, 0), B2A_OK);
    assert_string_equal(t[0].def.schema, "OUTLN");
    b2a__odbc_tables_free(t, 3);

    /* and the export reads OUTLN.T1 from the stage user */
    b2a_dbsource src;
    b2a_err err;
    assert_int_equal(b2a__dbsource_init(&src, B2A_ODBC_ORACLE, "DRIVER=x;", NULL, 0, &err), B2A_OK);
    char *const fwd[] = {"OUTLN", "B2A$OUTLN"};
    assert_int_equal(b2a__dbsource_set_schema_map(&src, fwd, 2, &err), B2A_OK);
    b2a_dbsource copy;
    assert_int_equal(b2a__dbsource_copy(&copy, &src, &err), B2A_OK);
    b2a__dbsource_clear(&src);
    b2a_table_def def = {0}, tmp;
    def.schema = "OUTLN";
    def.name = "T1";
    const b2a_table_def *in = b2a__dbsource_in_database(&copy, &def, &tmp);
    assert_ptr_equal(in, &tmp);
    assert_string_equal(in->schema, "B2A$OUTLN");
    assert_string_equal(in->name, "T1");
    char *q = b2a__odbc_qualified(B2A_ODBC_ORACLE, in->schema, in->name);
    assert_string_equal(q, "\"B2A$OUTLN\".\"T1\"");
    free(q);
    def.schema = "HR";
    assert_ptr_equal(b2a__dbsource_in_database(&copy, &def, &tmp), &def);
    b2a__dbsource_clear(&copy);
}

static void test_rounds_dialogue(void **state)
{
    (void)state;
    if (!have_samples())
        skip();
    setenv("B2A_ORACLE_DATA_LIMIT", "150000", 1);
    b2a_vendor_input in = sample_input(SCOTT);
    b2a_vendor_job *j = new_job(&in, 1, B2A_NETWORK_PUBLISH, NULL);
    unsetenv("B2A_ORACLE_DATA_LIMIT");
    assert_int_equal(j->nrounds, 3);
    dialogue g;
    dialogue_open(&g, "oracle_rounds", &j->spec, "0a1e00d1");
    b2a_err err;
    dlg r;
    for (size_t k = 0; k < 2; k++) {
        j->round = k;
        b2a_vendor_plan plan;
        assert_int_equal(b2a__vendor_plan(j, &plan, &err), B2A_OK);
        assert_int_equal(plan.nsteps, 1);
        b2a_vendor_run run;
        b2a__vendor_run_init(&run, j, &plan, 0);
        memset(&r, 0, sizeof r);
        r.run = &run;
        dialogue_exec(&g, &plan.steps[0].cmd, &r);
        assert_int_equal(b2a__vendor_run_finish(&run, &plan, 0, r.exit_code, &err), B2A_OK);
        b2a__vendor_plan_free(&plan);
    }
    char *log = dialogue_close(&g);
    assert_null(strstr(log, "\"unexpected\": true"));
    /* the two exec bodies, in order: DEPT alone; EMP alone after DEPT's drop */
    const char *e1 = strstr(log, "/containers/0a1e00d1/exec");
    assert_non_null(e1);
    const char *e2 = strstr(e1 + 1, "/containers/0a1e00d1/exec");
    assert_non_null(e2);
    const char *f1 = strstr(e1, "'NAME_EXPR', 'IN (''DEPT'')'");
    assert_true(f1 && f1 < e2);
    const char *drop = strstr(e1, "CASCADE CONSTRAINTS PURGE");
    const char *dept = strstr(e2, "DEPT"); /* the table dropped, in the second exec */
    assert_true(drop && drop > e2 && dept && dept < drop);
    const char *f2 = strstr(e2, "'NAME_EXPR', 'IN (''EMP'')'");
    assert_true(f2 && f2 > drop);
    password_only_in_env(log, j->password);
    free(log);
    b2a__vendor_job_free(j);
}

static void test_dialogue(void **state)
{
    (void)state;
    run_dialogue("oracle_publish", 0);
}

static void test_dialogue_failure(void **state)
{
    (void)state;
    run_dialogue("oracle_table_fail", 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_facts),
        cmocka_unit_test(test_check_input),
        cmocka_unit_test(test_host_network_refused),
        cmocka_unit_test(test_job_and_plan),
        cmocka_unit_test(test_connstr),
        cmocka_unit_test(test_scripts_run),
        cmocka_unit_test(test_datapump_output),
        cmocka_unit_test(test_imp_output),
        cmocka_unit_test(test_progress),
        cmocka_unit_test(test_fd_probe),
        cmocka_unit_test(test_catalog_sql),
        cmocka_unit_test(test_select_exprs),
        cmocka_unit_test(test_type_mapping),
        cmocka_unit_test(test_rounds),
        cmocka_unit_test(test_maintained_owners),
        cmocka_unit_test(test_rename_schemas),
        cmocka_unit_test(test_rounds_dialogue),
        cmocka_unit_test(test_dialogue),
        cmocka_unit_test(test_dialogue_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
