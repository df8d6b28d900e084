/* Unit tests of the SQL Server container vendor (src/engine/sqlserver*.c,
 * src/odbc/introspect_sqlserver.c): RESTORE statements from the real file
 * lists of the sample backups, the licence refusal, secrets kept out of
 * argv and messages, sqlcmd output parsing, T-SQL quoting, the type mapping
 * against the direct reader's, and the container dialogue against the fake
 * Docker Engine (tests/docker/fake_engine.py, cases in tests/engine/cases).
 *
 * No SQL Server ran for any of this: the output lines below are written
 * from Microsoft's documented message formats (RESTORE ... WITH STATS,
 * "Processed N pages ...", "RESTORE DATABASE successfully processed ...",
 * "Msg N, Level L, State S, Server X, Line N" + text), not recorded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dialogue.h"
#include "docker/docker.h"
#include "odbc/introspect_sqlserver.h"
#include "odbc/odbc.h"
#include "reader/mssql/header.h"
#include "reader/mssql/types.h"
#include "engine/sqlserver_tsql.h"
#include "engine/engine.h"

#define DATA B2A_MSSQL_DATA_DIR
#define NW2008 "northwind_sql2008_mtf__thuyluv.bak"
#define STRIPE1 "northwind_sql2014_stripe1of2__CConocimientos.bak"

static char samples[PATH_MAX];

static int have_samples(void)
{
    const char *s = getenv("B2A_SAMPLES");
    snprintf(samples, sizeof samples, "%s/sqlserver", s && *s ? s : "../shared/samples");
    struct stat st;
    if (stat(samples, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "sample backups not found in %s (set B2A_SAMPLES): skipped\n", samples);
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
    in.format = strstr(name, "compressed") ? B2A_FMT_MSSQL_COMPRESSED : B2A_FMT_MSSQL_MTF;
    struct stat st;
    if (stat(p, &st) == 0)
        in.size = (uint64_t)st.st_size;
    return in;
}

/* ---- quoting ---- */

static void test_tsql_quoting(void **state)
{
    (void)state;
    static const struct {
        const char *in, *ident, *nstr;
    } cases[] = {
        {"Northwind", "[Northwind]", "N'Northwind'"},
        {"we]ird", "[we]]ird]", "N'we]ird'"},
        {"O'Brien", "[O'Brien]", "N'O''Brien'"},
        {"]]'';--", "[]]]]'';--]", "N']]'''';--'"},
        {"[x]", "[[x]]]", "N'[x]'"},
        {"", "[]", "N''"},
        {"نورث ويند", "[نورث ويند]", "N'نورث ويند'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *a = b2a__tsql_ident(cases[i].in), *b = b2a__tsql_nstring(cases[i].in);
        char *c = b2a__odbc_quote_ident(B2A_ODBC_SQLSERVER, cases[i].in);
        char *d = b2a__odbc_quote_literal(B2A_ODBC_SQLSERVER, cases[i].in);
        assert_string_equal(a, cases[i].ident);
        assert_string_equal(b, cases[i].nstr);
        assert_string_equal(c, cases[i].ident);
        assert_string_equal(d, cases[i].nstr);
        free(a), free(b), free(c), free(d);
    }
    char *q = b2a__odbc_qualified(B2A_ODBC_SQLSERVER, "my]schema", "Order Details");
    assert_string_equal(q, "[my]]schema].[Order Details]");
    free(q);
    /* the other dialects are unchanged */
    q = b2a__odbc_quote_ident(B2A_ODBC_POSTGRES, "a]b");
    assert_string_equal(q, "\"a]b\"");
    free(q);

    /* a ';' inside [brackets] does not end a statement */
    b2a_sql_stmt *st;
    size_t n;
    assert_int_equal(b2a__odbc_split_script(B2A_ODBC_SQLSERVER,
                                            "UPDATE [a;b]]c] SET x = 1; SELECT N'; ''x'", &st, &n),
                     B2A_OK);
    assert_int_equal(n, 2);
    assert_string_equal(st[0].text, "UPDATE [a;b]]c] SET x = 1");
    assert_string_equal(st[1].text, "SELECT N'; ''x'");
    b2a__odbc_stmts_free(st, n);
}

/* ---- RESTORE statements from the samples' own file lists ---- */

static void expect_restore(const char *name, const char *db, const char *sql)
{
    b2a_vendor_input in = sample_input(name);
    b2a_mssql_chain c;
    b2a_err err;
    int rc = b2a__sqlserver_chain_read(&in, 1, NULL, &c, &err);
    if (rc != B2A_OK)
        fail_msg("%s: %s", name, err.msg);
    assert_string_equal(c.database, db);
    assert_int_equal(c.nsets, 1);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "/backup/0/%s", name);
    char *paths[] = {path};
    char *got = b2a__sqlserver_restore_sql(&c, 0, paths);
    assert_non_null(got);
    assert_string_equal(got, sql);
    free(got);
    b2a__sqlserver_chain_free(&c);
}

static void test_samples_tsql(void **state)
{
    (void)state;
    if (!have_samples())
        skip();
    expect_restore(NW2008, "Northwind",
                   "RESTORE DATABASE [Northwind] FROM DISK = N'/backup/0/" NW2008 "' WITH FILE = 1, "
                   "MOVE N'Northwind' TO N'" DATA "b2a_northwnd.mdf', "
                   "MOVE N'Northwind_log' TO N'" DATA "b2a_northwnd.ldf', RECOVERY, STATS = 1");
    expect_restore("northwind_sql2016_compressed__Guilderm.bak", "NORTHWIND",
                   "RESTORE DATABASE [NORTHWIND] FROM DISK = "
                   "N'/backup/0/northwind_sql2016_compressed__Guilderm.bak' WITH FILE = 1, "
                   "MOVE N'Northwind' TO N'" DATA "b2a_NORTHWIND.MDF', "
                   "MOVE N'Northwind_log' TO N'" DATA "b2a_NORTHWIND_log.ldf', RECOVERY, STATS = 1");
    expect_restore("northwinddb_arabic_sql2014_mtf__mina-top3.bak", "NORTHWIND_DB",
                   "RESTORE DATABASE [NORTHWIND_DB] FROM DISK = "
                   "N'/backup/0/northwinddb_arabic_sql2014_mtf__mina-top3.bak' WITH FILE = 1, "
                   "MOVE N'NORTHWND' TO N'" DATA "b2a_NORTHWND.mdf', "
                   "MOVE N'NORTHWND_log' TO N'" DATA "b2a_NORTHWND_log.ldf', RECOVERY, STATS = 1");
    expect_restore("pubs_sql2012_mtf__UGR95.bak", "pubs",
                   "RESTORE DATABASE [pubs] FROM DISK = N'/backup/0/pubs_sql2012_mtf__UGR95.bak' "
                   "WITH FILE = 1, MOVE N'pubs' TO N'" DATA "b2a_pubs.mdf', "
                   "MOVE N'pubs_log' TO N'" DATA "b2a_pubs_log.ldf', RECOVERY, STATS = 1");
    expect_restore("tsqlv4_sql2016_compressed__JoeyCheung.bak", "TSQLV4",
                   "RESTORE DATABASE [TSQLV4] FROM DISK = "
                   "N'/backup/0/tsqlv4_sql2016_compressed__JoeyCheung.bak' WITH FILE = 1, "
                   "MOVE N'TSQLV4' TO N'" DATA "b2a_TSQLV4.mdf', "
                   "MOVE N'TSQLV4_log' TO N'" DATA "b2a_TSQLV4_log.ldf', RECOVERY, STATS = 1");
}

#define STRIPE_MSG(path)                                                                     \
    path " is stripe 1 of 2 of media set {258e4405-8273-410d-aa5f-7f0ff53b9a3e}; stripe 2 is " \
         "missing: give all 2 files together"

static void test_lone_stripe(void **state)
{
    (void)state;
    if (!have_samples())
        skip();
    b2a_vendor_input in = sample_input(STRIPE1);
    char want[PATH_MAX + 256];
    snprintf(want, sizeof want, STRIPE_MSG("%s"), in.path);
    b2a_mssql_chain c;
    b2a_err err;
    assert_int_equal(b2a__sqlserver_chain_read(&in, 1, NULL, &c, &err), B2A_EFORMAT);
    assert_string_equal(err.msg, want);
    assert_int_equal(b2a__sqlserver_check_inputs(&in, 1, NULL, 1, &err), B2A_EFORMAT);
    assert_string_equal(err.msg, want);
    /* alone it is judged with the set, so the per-file check lets it pass ... */
    assert_int_equal(b2a__vendor_check_input(&b2a__vendor_sqlserver, &in, NULL, &err), B2A_OK);
    /* ... and the job refuses it before there is any container spec */
    b2a_vendor_params p = {0};
    p.job_id = "j1";
    p.network = B2A_NETWORK_HOST;
    p.port = 14333;
    p.inputs = &in;
    p.ninputs = 1;
    p.accept_eula = 1;
    b2a_vendor_job *j = (b2a_vendor_job *)1;
    assert_int_equal(b2a__vendor_job_new(&b2a__vendor_sqlserver, &p, &j, &err), B2A_EFORMAT);
    assert_null(j);
    assert_string_equal(err.msg, want);

    /* the same full backup twice, and backups of two databases */
    b2a_vendor_input two[2] = {sample_input(NW2008), sample_input(NW2008)};
    assert_int_equal(b2a__sqlserver_chain_read(two, 2, NULL, &c, &err), B2A_EINVAL);
    snprintf(want, sizeof want, "%s and %s are both full backups: give one full backup and the "
             "differential or log backups taken after it", two[0].path, two[1].path);
    assert_string_equal(err.msg, want);
    two[1] = sample_input("pubs_sql2012_mtf__UGR95.bak");
    assert_int_equal(b2a__sqlserver_chain_read(two, 2, NULL, &c, &err), B2A_EINVAL);
    snprintf(want, sizeof want, "%s is a backup of database pubs, but the other backups given are "
             "of Northwind: give the backups of one database only", two[1].path);
    assert_string_equal(err.msg, want);

    /* an image older than the backup: a 2016 backup on a 2014 image */
    b2a_vendor_input nw16 = sample_input("northwind_sql2016_compressed__Guilderm.bak");
    assert_int_equal(b2a__vendor_check_input(&b2a__vendor_sqlserver, &nw16,
                                             "mcr.microsoft.com/mssql/server:2014-latest", &err),
                     B2A_EUNSUPPORTED);
    snprintf(want, sizeof want, "%s was written by SQL Server 2016; image "
             "mcr.microsoft.com/mssql/server:2014-latest (SQL Server 2014) cannot restore a backup "
             "from a newer release; use --image mcr.microsoft.com/mssql/server:2016-latest",
             nw16.path);
    assert_string_equal(err.msg, want);
    nw16.gzip = 1;
    assert_int_equal(b2a__vendor_check_input(&b2a__vendor_sqlserver, &nw16, NULL, &err),
                     B2A_EUNSUPPORTED);
}

/* A chain as the reader would give it for full (striped) + diff + 2 logs,
 * with hostile names: the statement text, NORECOVERY until the last. */
static void test_chain_statements(void **state)
{
    (void)state;
    size_t full_in[] = {1, 0}, diff_in[] = {2}, log1_in[] = {3}, log2_in[] = {4};
    b2a_mssql_move moves[] = {
        {"it's]", DATA "b2a_a.mdf", 'D'},
        {"log ]]", DATA "b2a_a_log.ldf", 'L'},
    };
    b2a_mssql_set sets[] = {
        {B2A_BAK_TYPE_DATABASE, full_in, 2, "2024-01-01 00:00:00"},
        {B2A_BAK_TYPE_DIFFERENTIAL, diff_in, 1, "2024-01-02 00:00:00"},
        {B2A_BAK_TYPE_LOG, log1_in, 1, "2024-01-02 01:00:00"},
        {B2A_BAK_TYPE_LOG, log2_in, 1, "2024-01-02 02:00:00"},
    };
    b2a_mssql_chain c = {"x", "x]'; DROP DATABASE master; --", 13, moves, 2, sets, 4};
    char *paths[] = {"/backup/0/s1.bak", "/backup/1/s2.bak", "/backup/2/o'brien.bak",
                     "/backup/3/log1.trn", "/backup/4/log2.trn"};
    static const char *const want[] = {
        "RESTORE DATABASE [x]]'; DROP DATABASE master; --] FROM DISK = N'/backup/1/s2.bak', "
        "DISK = N'/backup/0/s1.bak' WITH FILE = 1, MOVE N'it''s]' TO N'" DATA "b2a_a.mdf', "
        "MOVE N'log ]]' TO N'" DATA "b2a_a_log.ldf', NORECOVERY, STATS = 1",
        "RESTORE DATABASE [x]]'; DROP DATABASE master; --] FROM DISK = N'/backup/2/o''brien.bak' "
        "WITH FILE = 1, NORECOVERY, STATS = 1",
        "RESTORE LOG [x]]'; DROP DATABASE master; --] FROM DISK = N'/backup/3/log1.trn' "
        "WITH FILE = 1, NORECOVERY, STATS = 1",
        "RESTORE LOG [x]]'; DROP DATABASE master; --] FROM DISK = N'/backup/4/log2.trn' "
        "WITH FILE = 1, RECOVERY, STATS = 1",
    };
    for (size_t i = 0; i < 4; i++) {
        char *s = b2a__sqlserver_restore_sql(&c, i, paths);
        assert_string_equal(s, want[i]);
        free(s);
    }
    assert_null(b2a__sqlserver_restore_sql(&c, 4, paths));
}

/* ---- the licence, the spec, the plan ---- */

static void test_licence_refused(void **state)
{
    (void)state;
    if (!have_samples())
        skip();
    b2a_vendor_input in = sample_input(NW2008);
    b2a_vendor_params p = {0};
    p.job_id = "j1";
    p.network = B2A_NETWORK_HOST;
    p.port = 14333;
    p.inputs = &in;
    p.ninputs = 1;
    b2a_vendor_job *j = NULL;
    b2a_err err;
    assert_int_equal(b2a__vendor_job_new(&b2a__vendor_sqlserver, &p, &j, &err), B2A_EINVAL);
    assert_null(j);
    assert_int_equal(err.klass, B2A_ERRCLASS_USAGE);
    assert_string_equal(err.msg,
                        "restoring a SQL Server backup runs Microsoft's SQL Server image, whose "
                        "licence (EULA) you must accept yourself: pass --accept-eula (accept_eula "
                        "in the job options) if you accept it, or read the backup directly with "
                        "--direct");
    assert_int_equal(b2a__sqlserver_check_inputs(&in, 1, NULL, 0, &err), B2A_EINVAL);
    assert_non_null(strstr(err.msg, "--accept-eula"));
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

#define WRAPPER_PREFIX "if [ -x /opt/mssql-tools18/bin/sqlcmd ]; then exec /opt/mssql-tools18/bin/sqlcmd -C \"$@\"; fi;"

static void check_sqlcmd(const b2a_vendor_cmd *c, const b2a_vendor_job *j, const char *port,
                         const char *login_timeout, const char *sql)
{
    assert_int_equal(c->argc, 18);
    assert_string_equal(c->argv[0], "sh");
    assert_string_equal(c->argv[1], "-c");
    assert_memory_equal(c->argv[2], WRAPPER_PREFIX, strlen(WRAPPER_PREFIX));
    const char *rest[] = {"sqlcmd", "-S", port, "-U", "sa", "-d", "master", "-b", "-x", "-h", "-1",
                          "-l", login_timeout, "-Q"};
    for (size_t i = 0; i < sizeof rest / sizeof *rest; i++)
        assert_string_equal(c->argv[3 + i], rest[i]);
    if (sql)
        assert_string_equal(c->argv[17], sql);
    no_password_in(c->argv, c->argc, j->password);
    assert_int_equal(c->nenv, 1);
    char want[64];
    snprintf(want, sizeof want, "SQLCMDPASSWORD=%s", j->password);
    assert_string_equal(c->env[0], want);
}

static void test_job_and_plan(void **state)
{
    (void)state;
    if (!have_samples())
        skip();
    b2a_vendor_input in = sample_input(NW2008);
    b2a_vendor_params p = {0};
    p.job_id = "j1";
    p.network = B2A_NETWORK_HOST;
    p.port = 14333;
    p.inputs = &in;
    p.ninputs = 1;
    p.accept_eula = 1;
    b2a_vendor_job *j = NULL;
    b2a_err err;
    if (b2a__vendor_job_new(&b2a__vendor_sqlserver, &p, &j, &err) != B2A_OK)
        fail_msg("%s", err.msg);
    assert_string_equal(j->image, "mcr.microsoft.com/mssql/server:2022-latest");
    assert_string_equal(j->user, "sa");
    assert_string_equal(j->dbname, "Northwind");
    char pwenv[64];
    snprintf(pwenv, sizeof pwenv, "MSSQL_SA_PASSWORD=%s", j->password);
    assert_int_equal(j->nenv, 5);
    assert_string_equal(j->env[0], "ACCEPT_EULA=Y");
    assert_string_equal(j->env[1], pwenv);
    assert_string_equal(j->env[2], "MSSQL_PID=Developer");
    assert_string_equal(j->env[3], "MSSQL_TCP_PORT=14333");
    assert_string_equal(j->env[4], "MSSQL_IP_ADDRESS=127.0.0.1");
    assert_int_equal(j->ncmd, 0); /* the image's own command */
    assert_true(j->spec.host_network);
    assert_true(has(j->labels, j->nlabels, "bak2avro.vendor=sqlserver"));
    assert_true(has(j->labels, j->nlabels, "bak2avro.job=j1"));
    assert_int_equal(strlen(j->password), B2A_VENDOR_PASSWORD_LEN);

    b2a_vendor_probe pr;
    assert_int_equal(b2a__vendor_probe(j, &pr, &err), B2A_OK);
    assert_int_equal(pr.tries, 180);
    assert_int_equal(pr.delay_ms, 1000);
    check_sqlcmd(&pr.cmd, j, "127.0.0.1,14333", "5", NULL);
    assert_non_null(strstr(pr.cmd.argv[17], "DATABASEPROPERTYEX(N'tempdb', 'Status')"));
    b2a__vendor_probe_free(&pr);

    b2a_vendor_plan plan;
    assert_int_equal(b2a__vendor_plan(j, &plan, &err), B2A_OK);
    assert_int_equal(plan.nsteps, 1);
    b2a_vendor_step *s = &plan.steps[0];
    assert_int_equal(s->kind, B2A_VENDOR_STEP_RESTORE);
    assert_int_equal(s->progress, B2A_VENDOR_PROGRESS_ITEMS);
    assert_int_equal(s->total, 100);
    assert_int_equal(s->pct_from, 0);
    assert_int_equal(s->pct_to, 100);
    assert_string_equal(s->label, "RESTORE DATABASE " NW2008);
    check_sqlcmd(&s->cmd, j, "127.0.0.1,14333", "30",
                 "RESTORE DATABASE [Northwind] FROM DISK = N'/backup/0/" NW2008 "' WITH FILE = 1, "
                 "MOVE N'Northwind' TO N'" DATA "b2a_northwnd.mdf', "
                 "MOVE N'Northwind_log' TO N'" DATA "b2a_northwnd.ldf', RECOVERY, STATS = 1");
    b2a__vendor_plan_free(&plan);
    b2a__vendor_job_free(j);

    /* publish mode: 1433 inside, no port or address variables */
    p.network = B2A_NETWORK_PUBLISH;
    p.port = 0;
    assert_int_equal(b2a__vendor_job_new(&b2a__vendor_sqlserver, &p, &j, &err), B2A_OK);
    assert_int_equal(j->nenv, 3);
    assert_false(j->spec.host_network);
    assert_int_equal(j->spec.container_port, 1433);
    assert_int_equal(j->spec.host_port, 0);
    assert_int_equal(b2a__vendor_probe(j, &pr, &err), B2A_OK);
    check_sqlcmd(&pr.cmd, j, "127.0.0.1,1433", "5", NULL);
    b2a__vendor_probe_free(&pr);
    b2a__vendor_job_free(j);
}

static void test_connstr(void **state)
{
    (void)state;
    char *s;
    assert_int_equal(b2a__sqlserver_connstr_for("ODBC Driver 18 for SQL Server", "127.0.0.1", 14333,
                                                "sa", "Pw1xY", "North;wind", &s), B2A_OK);
    assert_string_equal(s, "Driver={ODBC Driver 18 for SQL Server};Server=127.0.0.1,14333;"
                           "Database={North;wind};UID=sa;PWD=Pw1xY;Encrypt=yes;"
                           "TrustServerCertificate=yes;");
    free(s);
    assert_int_equal(b2a__sqlserver_connstr_for("FreeTDS", "127.0.0.1", 14333, "sa", "Pw1xY",
                                                "pubs", &s), B2A_OK);
    assert_string_equal(s, "Driver={FreeTDS};Server=127.0.0.1;Port=14333;Database=pubs;UID=sa;"
                           "PWD=Pw1xY;TDS_Version=7.4;ClientCharset=UTF-8;");
    free(s);
    char drv[128];
    setenv("B2A_SQLSERVER_ODBC_DRIVER", "My TDS", 1);
    assert_int_equal(b2a__odbc_sqlserver_driver(drv, sizeof drv), B2A_OK);
    assert_string_equal(drv, "My TDS");
    unsetenv("B2A_SQLSERVER_ODBC_DRIVER");
    /* tdsodbc is in .ci/packages.txt, so at least FreeTDS is registered */
    assert_int_equal(b2a__odbc_sqlserver_driver(drv, sizeof drv), B2A_OK);
    assert_true(!strcmp(drv, "ODBC Driver 18 for SQL Server") ||
                !strcmp(drv, "ODBC Driver 17 for SQL Server") || !strcmp(drv, "FreeTDS"));
}

/* ---- output parsing ---- */

static b2a_vendor_job fake_job(void)
{
    b2a_vendor_job j;
    memset(&j, 0, sizeof j);
    j.vendor = &b2a__vendor_sqlserver;
    snprintf(j.password, sizeof j.password, "Secr3tPassw0rdAbcdefghij");
    return j;
}

static b2a_vendor_input fake_in = {"/data/nw.bak", B2A_FMT_MSSQL_MTF, 0, 0, 1000, 0, 0, 0};

static void feed(b2a_vendor_run *r, const char *const *lines, size_t n, int *pcts)
{
    for (size_t i = 0; i < n; i++) {
        b2a__vendor_run_line(r, 1, lines[i], strlen(lines[i]));
        if (pcts)
            pcts[i] = r->percent;
    }
}

static void test_line_parsers(void **state)
{
    (void)state;
    assert_int_equal(b2a__sqlserver_line_percent("10 percent processed.", 21), 10);
    assert_int_equal(b2a__sqlserver_line_percent("  100 percent processed.\r", 25), 100);
    assert_int_equal(b2a__sqlserver_line_percent("0 percent processed.", 20), 0);
    assert_int_equal(b2a__sqlserver_line_percent("101 percent processed.", 22), -1);
    assert_int_equal(b2a__sqlserver_line_percent("10 percent processed. more", 26), -1);
    assert_int_equal(b2a__sqlserver_line_percent("percent processed.", 18), -1);
    long num;
    int lev;
    const char *m = "Msg 3201, Level 16, State 2, Server 5a1b2c, Line 1";
    assert_int_equal(b2a__sqlserver_line_msg(m, strlen(m), &num, &lev), 1);
    assert_int_equal(num, 3201);
    assert_int_equal(lev, 16);
    m = "Message 1, Level 2";
    assert_int_equal(b2a__sqlserver_line_msg(m, strlen(m), &num, &lev), 0);
}

static void test_progress(void **state)
{
    (void)state;
    b2a_vendor_job j = fake_job();
    j.inputs = &fake_in;
    j.ninputs = 1;
    b2a_vendor_step step = {0};
    step.kind = B2A_VENDOR_STEP_RESTORE;
    step.label = "RESTORE DATABASE nw.bak";
    step.progress = B2A_VENDOR_PROGRESS_ITEMS;
    step.total = 100;
    step.pct_from = 0;
    step.pct_to = 100;
    b2a_vendor_plan plan = {&step, 1};
    b2a_vendor_run r;
    b2a__vendor_run_init(&r, &j, &plan, 0);
    /* RESTORE ... WITH STATS = 1 as the docs show it (not recorded) */
    static const char *const out[] = {
        "1 percent processed.",
        "2 percent processed.",
        "10 percent processed.",
        "50 percent processed.",
        "100 percent processed.",
        "Processed 368 pages for database 'Northwind', file 'Northwind' on file 1.",
        "Processed 2 pages for database 'Northwind', file 'Northwind_log' on file 1.",
        "Converting database 'Northwind' from version 655 to the current version 957.",
        "Database 'Northwind' running the upgrade step from version 655 to version 668.",
        "RESTORE DATABASE successfully processed 370 pages in 0.104 seconds (27.747 MB/sec).",
    };
    int pct[10];
    feed(&r, out, 10, pct);
    assert_int_equal(pct[0], 1);
    assert_int_equal(pct[1], 2);
    assert_int_equal(pct[2], 10);
    assert_int_equal(pct[3], 50);
    assert_int_equal(pct[4], 99); /* 100 is said by finish */
    assert_int_equal(pct[9], 99);
    assert_int_equal(r.errors, 0);
    b2a_err err;
    assert_int_equal(b2a__vendor_run_finish(&r, &plan, 0, 0, &err), B2A_OK);
    assert_int_equal(r.percent, 100);
}

static void test_errors(void **state)
{
    (void)state;
    b2a_vendor_job j = fake_job();
    j.inputs = &fake_in;
    j.ninputs = 1;
    b2a_vendor_step step = {0};
    step.kind = B2A_VENDOR_STEP_RESTORE;
    step.label = "RESTORE DATABASE nw.bak";
    step.progress = B2A_VENDOR_PROGRESS_ITEMS;
    step.total = 100;
    step.pct_to = 100;
    b2a_vendor_plan plan = {&step, 1};
    b2a_vendor_run r;
    b2a_err err;

    /* an unreadable backup: 3201 then 3013, the format of the docs */
    b2a__vendor_run_init(&r, &j, &plan, 0);
    static const char *const denied[] = {
        "Msg 3201, Level 16, State 2, Server 5a1b2c, Line 1",
        "Cannot open backup device '/backup/0/nw.bak'. Operating system error 5(Access is denied.).",
        "Msg 3013, Level 16, State 1, Server 5a1b2c, Line 1",
        "RESTORE DATABASE is terminating abnormally.",
    };
    feed(&r, denied, 4, NULL);
    assert_int_equal(r.errors, 2);
    assert_int_equal(b2a__vendor_run_finish(&r, &plan, 0, 1, &err), B2A_ERESTORE);
    assert_int_equal(err.klass, B2A_ERRCLASS_RESTORE);
    assert_string_equal(err.msg,
                        "/data/nw.bak: RESTORE DATABASE nw.bak failed: Msg 3201, Level 16: Cannot "
                        "open backup device '/backup/0/nw.bak'. Operating system error 5(Access is "
                        "denied.). (2 error messages, sqlcmd exit 1); the server runs as user mssql "
                        "(uid 10001) in the container: make the backup readable by others (chmod o+r) "
                        "and its directory searchable");

    /* a log out of sequence; informational messages before it are no error;
     * a message echoing the password is redacted */
    b2a__vendor_run_init(&r, &j, &plan, 0);
    static const char *const lsn[] = {
        "Changed database context to 'master'.",
        "Msg 4305, Level 16, State 1, Server 5a1b2c, Line 1",
        ("The log in this backup set begins at LSN 42000000012800001, which is too recent to apply "
         "to the database. Secr3tPassw0rdAbcdefghij"), /* one line, split here */
        "Msg 3013, Level 16, State 1, Server 5a1b2c, Line 1",
        "RESTORE LOG is terminating abnormally.",
    };
    feed(&r, lsn, 5, NULL);
    assert_int_equal(b2a__vendor_run_finish(&r, &plan, 0, 1, &err), B2A_ERESTORE);
    assert_string_equal(err.msg,
                        "/data/nw.bak: RESTORE DATABASE nw.bak failed: Msg 4305, Level 16: The log "
                        "in this backup set begins at LSN 42000000012800001, which is too recent to "
                        "apply to the database. ******** (2 error messages, sqlcmd exit 1)");
    assert_null(strstr(err.msg, j.password));

    /* a severity 10 message is information */
    b2a__vendor_run_init(&r, &j, &plan, 0);
    static const char *const info[] = {"Msg 50000, Level 10, State 1, Server x, Line 1", "just saying"};
    feed(&r, info, 2, NULL);
    assert_int_equal(r.errors, 0);
    assert_int_equal(b2a__vendor_run_finish(&r, &plan, 0, 0, &err), B2A_OK);

    /* sqlcmd could not log in */
    b2a__vendor_run_init(&r, &j, &plan, 0);
    static const char *const login[] = {
        "Sqlcmd: Error: Microsoft ODBC Driver 18 for SQL Server : Login timeout expired."};
    feed(&r, login, 1, NULL);
    assert_int_equal(b2a__vendor_run_finish(&r, &plan, 0, 1, &err), B2A_ERESTORE);
    assert_string_equal(err.msg, "/data/nw.bak: RESTORE DATABASE nw.bak failed: Sqlcmd: Error: "
                                 "Microsoft ODBC Driver 18 for SQL Server : Login timeout expired. "
                                 "(1 error message, sqlcmd exit 1)");

    /* a non-zero exit without any message */
    b2a__vendor_run_init(&r, &j, &plan, 0);
    static const char *const killed[] = {"5 percent processed."};
    feed(&r, killed, 1, NULL);
    assert_int_equal(b2a__vendor_run_finish(&r, &plan, 0, 137, &err), B2A_ERESTORE);
    assert_string_equal(err.msg, "/data/nw.bak: RESTORE DATABASE nw.bak failed with exit code "
                                 "137: 5 percent processed.");
}

/* ---- the type mapping: the same as the direct reader's ---- */

/* The alias the reader passes (reader/mssql/catalog.c alias_name). */
static const char *reader_alias(int utype, const char *name)
{
    if (utype == 128 || utype == 129 || utype == 130)
        return name;
    return utype > 256 ? name : NULL;
}

static void test_type_mapping(void **state)
{
    (void)state;
    static const struct {
        int sys, user;
        const char *name;
        int len, prec, scale;
    } types[] = {
        {34, 34, "image", 16, 0, 0}, {35, 35, "text", 16, 0, 0},
        {36, 36, "uniqueidentifier", 16, 0, 0}, {40, 40, "date", 3, 10, 0},
        {41, 41, "time", 5, 16, 7}, {41, 41, "time", 3, 8, 0}, {42, 42, "datetime2", 8, 27, 7},
        {42, 42, "datetime2", 7, 25, 3}, {43, 43, "datetimeoffset", 10, 34, 7},
        {43, 43, "datetimeoffset", 8, 26, 0}, {48, 48, "tinyint", 1, 3, 0},
        {52, 52, "smallint", 2, 5, 0}, {56, 56, "int", 4, 10, 0},
        {58, 58, "smalldatetime", 4, 16, 0}, {59, 59, "real", 4, 24, 0},
        {60, 60, "money", 8, 19, 4}, {61, 61, "datetime", 8, 23, 3}, {62, 62, "float", 8, 53, 0},
        {98, 98, "sql_variant", 8016, 0, 0}, {99, 99, "ntext", 16, 0, 0},
        {104, 104, "bit", 1, 1, 0}, {106, 106, "decimal", 9, 18, 2},
        {108, 108, "numeric", 17, 38, 10}, {122, 122, "smallmoney", 4, 10, 4},
        {127, 127, "bigint", 8, 19, 0}, {165, 165, "varbinary", 50, 0, 0},
        {165, 165, "varbinary", -1, 0, 0}, {167, 167, "varchar", 40, 0, 0},
        {167, 167, "varchar", -1, 0, 0}, {173, 173, "binary", 16, 0, 0},
        {175, 175, "char", 10, 0, 0}, {189, 189, "timestamp", 8, 0, 0},
        {231, 231, "nvarchar", 80, 0, 0}, {231, 231, "nvarchar", -1, 0, 0},
        {231, 256, "sysname", 256, 0, 0}, {231, 257, "Phone", 48, 0, 0},
        {239, 239, "nchar", 10, 0, 0}, {240, 128, "hierarchyid", 892, 0, 0},
        {240, 129, "geometry", -1, 0, 0}, {240, 130, "geography", -1, 0, 0},
        {240, 300, "MyClrType", -1, 0, 0}, {241, 241, "xml", -1, 0, 0},
        {200, 200, "mystery", 4, 0, 0},
    };
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
        b2a_column ours, theirs;
        memset(&ours, 0, sizeof ours);
        memset(&theirs, 0, sizeof theirs);
        b2a_mtype t = {(uint8_t)types[i].sys, (int16_t)types[i].len, (uint8_t)types[i].prec,
                       (uint8_t)types[i].scale, 1252};
        assert_int_equal(b2a__mtype_describe(&t, reader_alias(types[i].user, types[i].name), &theirs), 0);
        assert_int_equal(b2a__sqlserver_map_column(types[i].sys, types[i].user, types[i].name,
                                                   types[i].len, types[i].prec, types[i].scale, &ours),
                         0);
        assert_string_equal(ours.source_type, theirs.source_type);
        /* one mapping for both paths, xml and the CLR types included */
        if (ours.vtype != theirs.vtype)
            fail_msg("%s: vtype %d, the reader's %d", types[i].name, ours.vtype, theirs.vtype);
        assert_int_equal(ours.precision, theirs.precision);
        assert_int_equal(ours.scale, theirs.scale);
        if (ours.note || theirs.note)
            assert_string_equal(ours.note ? ours.note : "(none)", theirs.note ? theirs.note : "(none)");
        free(ours.source_type), free(ours.note), free(theirs.source_type), free(theirs.note);
    }
}

static void expect_expr(int sys, int user, const char *name, int len, int prec, int scale,
                        const char *want)
{
    b2a_column c;
    memset(&c, 0, sizeof c);
    assert_int_equal(b2a__sqlserver_map_column(sys, user, name, len, prec, scale, &c), 0);
    char *e = b2a__select_expr_sqlserver(&c, "[c]");
    assert_string_equal(e, want);
    free(e), free(c.source_type), free(c.note);
}

static void test_select_exprs(void **state)
{
    (void)state;
    expect_expr(98, 98, "sql_variant", 8016, 0, 0, "CONVERT(nvarchar(max), [c])");
    expect_expr(240, 128, "hierarchyid", 892, 0, 0, "[c].ToString()");
    expect_expr(240, 130, "geography", -1, 0, 0, "[c].STAsText()");
    expect_expr(240, 129, "geometry", -1, 0, 0, "[c].STAsText()");
    expect_expr(241, 241, "xml", -1, 0, 0, "CONVERT(nvarchar(max), [c])");
    expect_expr(43, 43, "datetimeoffset", 10, 34, 7, "CONVERT(datetime2(7), SWITCHOFFSET([c], '+00:00'))");
    expect_expr(36, 36, "uniqueidentifier", 16, 0, 0, "CONVERT(char(36), [c])");
    expect_expr(41, 41, "time", 5, 16, 7,
                "CAST(DATEDIFF(SECOND, CAST('00:00:00' AS time), [c]) AS bigint) * 1000000 + "
                "DATEPART(MICROSECOND, [c])");
    expect_expr(60, 60, "money", 8, 19, 4, "CAST([c] AS decimal(19,4))");
    expect_expr(122, 122, "smallmoney", 4, 10, 4, "CAST([c] AS decimal(10,4))");
    expect_expr(240, 300, "MyClrType", -1, 0, 0, "CONVERT(varbinary(max), [c])");
    expect_expr(231, 231, "nvarchar", 80, 0, 0, "[c]");
    expect_expr(106, 106, "decimal", 9, 18, 2, "[c]");
    expect_expr(189, 189, "timestamp", 8, 0, 0, "[c]");
}

/* ---- the container dialogue against the fake engine ---- */

/* every occurrence of the password is the value of one of its two variables */
static void password_only_in_env(const char *log, const char *pw)
{
    int n = 0;
    for (const char *p = log; (p = strstr(p, pw)); p++, n++) {
        int ok = (p - log >= 18 && !memcmp(p - 18, "MSSQL_SA_PASSWORD=", 18)) ||
                 (p - log >= 15 && !memcmp(p - 15, "SQLCMDPASSWORD=", 15));
        if (!ok)
            fail_msg("the password is in the request log outside its environment variable");
    }
    assert_true(n >= 2);
}

static void run_dialogue(const char *casename, b2a_network net, int port, int fail_restore)
{
    if (!have_samples())
        skip();
    b2a_vendor_input in = sample_input(NW2008);
    b2a_vendor_params p = {0};
    p.job_id = "sq1";
    p.network = net;
    p.port = port;
    p.inputs = &in;
    p.ninputs = 1;
    p.accept_eula = 1;
    b2a_vendor_job *j = NULL;
    b2a_err err;
    if (b2a__vendor_job_new(&b2a__vendor_sqlserver, &p, &j, &err) != B2A_OK)
        fail_msg("%s", err.msg);

    dialogue g;
    dialogue_open(&g, casename, &j->spec, "5e1f00d1");

    b2a_vendor_probe pr;
    assert_int_equal(b2a__vendor_probe(j, &pr, &err), B2A_OK);
    dlg r = {0};
    dialogue_exec(&g, &pr.cmd, &r);
    assert_int_equal(r.exit_code, 0);
    b2a__vendor_probe_free(&pr);

    b2a_vendor_plan plan;
    assert_int_equal(b2a__vendor_plan(j, &plan, &err), B2A_OK);
    b2a_vendor_run run;
    b2a__vendor_run_init(&run, j, &plan, 0);
    memset(&r, 0, sizeof r);
    r.run = &run;
    dialogue_exec(&g, &plan.steps[0].cmd, &r);
    int frc = b2a__vendor_run_finish(&run, &plan, 0, r.exit_code, &err);
    if (fail_restore) {
        assert_int_equal(frc, B2A_ERESTORE);
        assert_string_equal(err.msg + strlen(in.path),
                            ": RESTORE DATABASE " NW2008 " failed: Msg 3159, Level 16: The tail of "
                            "the log for the database \"Northwind\" has not been backed up. Use BACKUP LOG "
                            "WITH NORECOVERY to backup the log if it contains work you do not want to "
                            "lose. Use the WITH REPLACE or WITH STOPAT clause of the RESTORE statement "
                            "to just overwrite the contents of the log. (2 error messages, sqlcmd exit 1)");
    } else {
        assert_int_equal(frc, B2A_OK);
        assert_int_equal(r.npct, 3);
        assert_int_equal(r.percents[0], 10);
        assert_int_equal(r.percents[1], 55);
        assert_int_equal(r.percents[2], 99);
        assert_int_equal(run.percent, 100);
    }
    b2a__vendor_plan_free(&plan);

    char *log = dialogue_close(&g);
    assert_null(strstr(log, "\"unexpected\": true"));
    /* the create request as the engine got it */
    assert_non_null(strstr(log, "\\\"ACCEPT_EULA=Y\\\""));
    assert_non_null(strstr(log, "\\\"Labels\\\":{\\\"bak2avro.job\\\":\\\"sq1\\\",\\\"bak2avro.vendor\\\":\\\"sqlserver\\\"}"));
    assert_non_null(strstr(log, "\\\"Image\\\":\\\"mcr.microsoft.com/mssql/server:2022-latest\\\""));
    assert_null(strstr(log, "0.0.0.0"));
    if (net == B2A_NETWORK_PUBLISH) {
        char pb[200];
        snprintf(pb, sizeof pb, "\\\"PortBindings\\\":{\\\"1433/tcp\\\":[{\\\"HostIp\\\":\\\"127.0.0.1\\\",\\\"HostPort\\\":\\\"%d\\\"}]}", port);
        assert_non_null(strstr(log, pb));
        assert_null(strstr(log, "NetworkMode"));
        assert_null(strstr(log, "MSSQL_TCP_PORT"));
    } else {
        char tp[64];
        snprintf(tp, sizeof tp, "\\\"MSSQL_TCP_PORT=%d\\\"", port);
        assert_non_null(strstr(log, "\\\"NetworkMode\\\":\\\"host\\\""));
        assert_non_null(strstr(log, tp));
        assert_non_null(strstr(log, "\\\"MSSQL_IP_ADDRESS=127.0.0.1\\\""));
        assert_null(strstr(log, "PortBindings"));
    }
    /* the RESTORE went as -Q text, the password only in the environment */
    assert_non_null(strstr(log, "RESTORE DATABASE [Northwind] FROM DISK = N'/backup/0/" NW2008 "'"));
    password_only_in_env(log, j->password);
    free(log);
    b2a__vendor_job_free(j);
}

static void test_dialogue_publish(void **state)
{
    (void)state;
    run_dialogue("sqlserver_publish", B2A_NETWORK_PUBLISH, 14330, 0);
}

static void test_dialogue_host_failure(void **state)
{
    (void)state;
    run_dialogue("sqlserver_host_fail", B2A_NETWORK_HOST, 14333, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tsql_quoting),
        cmocka_unit_test(test_samples_tsql),
        cmocka_unit_test(test_lone_stripe),
        cmocka_unit_test(test_chain_statements),
        cmocka_unit_test(test_licence_refused),
        cmocka_unit_test(test_job_and_plan),
        cmocka_unit_test(test_connstr),
        cmocka_unit_test(test_line_parsers),
        cmocka_unit_test(test_progress),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_type_mapping),
        cmocka_unit_test(test_select_exprs),
        cmocka_unit_test(test_dialogue_publish),
        cmocka_unit_test(test_dialogue_host_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
