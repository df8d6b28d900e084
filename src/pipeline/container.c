/* The container job: a backup restored in its vendor's own database in a
 * temporary container, then introspected and exported. Written top to
 * bottom as a chain of the public building blocks:
 *
 *   detect      the inputs described and checked; nothing started yet
 *   container   b2a_container_start: engine, image, create, start, ready
 *               (readiness probed with bounded retries a delay apart)
 *   restore     b2a_restore_start: pre-SQL, the vendor's tool, post-SQL
 *   introspect  tables, columns, keys (ODBC, off the loop), in the database
 *               the restore says holds the rows
 *   export      the selected tables to Avro, through the restored server's
 *               endpoint as a database source (source/dbsource.h): big
 *               tables split in ranges as `export --dsn` splits them
 *   cleanup     b2a_container_stop: always, after success, failure or cancel
 *
 * Each step starts its work and ends, exactly once, in step_done(): the
 * chain then runs the next step, or cleanup after a failure or a cancel. */
#include <stdlib.h>
#include <string.h>

#include "block/backup.h"
#include "block/container.h"
#include "block/restore.h"
#include "core/ctx.h"
#include "detect/detect.h"
#include "docker/docker.h"
#include "engine/oracle.h"
#include "export/export.h"
#include "odbc/introspect.h"
#include "odbc/odbc.h"
#include "pipeline/declared.h"
#include "pipeline/pipeline.h"
#include "source/dbsource.h"
#include "util/str.h"

#define LOGIN_TIMEOUT_S 30

typedef struct cstate cstate;
typedef int (*blocking_fn)(cstate *st, b2a_err *err);
typedef void (*after_fn)(cstate *st, int rc);

struct cstate {
    b2a_job *job;
    const b2a_vendor *vendor;
    b2a_odbc_vendor odbc_vendor;
    b2a_vendor_input *inputs;     /* until the container block takes them */
    size_t ninputs;
    b2a_container *c;
    b2a_restore *r;
    size_t at;                    /* the chain step running now */
    b2a_step step;                /* its step in the Job */
    char *connstr;                /* holds the password: never logged */
    uv_timer_t timer;
    uv_work_t work;
    blocking_fn work_fn;
    after_fn work_after;
    b2a_err work_err;
    int work_rc;
    b2a_odbc_table *otables;
    size_t notables;
    b2a_mysql_decl declared;      /* MySQL: tables and columns the scripts declare */
    int declared_read;            /* ... read already, with the closing lines (detect step) */
    char *server_version;         /* MySQL: the server's VERSION() */
    b2a_dbsource db;              /* the export's row source: the restored server */
    int cleaning;
};

/* ---- the chain ---- */

static void step_detect(cstate *st);
static void step_container(cstate *st);
static void step_restore(cstate *st);
static void step_introspect(cstate *st);
static void step_export(cstate *st);
static void cleanup(cstate *st);

static void (*const chain[])(cstate *st) = {step_detect, step_container, step_restore, step_introspect,
                                             step_export};
#define CHAIN_LEN (sizeof(chain) / sizeof(chain[0]))
#define RESTORE_AT 2 /* chain[RESTORE_AT] is step_restore */

/* The end of every step: on to the next, or to cleanup after a failure or a cancel. */
static void step_done(cstate *st, const b2a_err *err)
{
    b2a_job *job = st->job;
    b2a_err e;
    if (job->cancel_requested && (!err || err->code == B2A_ECANCELED)) {
        b2a__err_set(&e, B2A_ECANCELED, B2A_ERRCLASS_USAGE, "job %s was canceled", job->id);
        err = &e;
    }
    if (err && err->code != B2A_OK) {
        b2a__job_set_error(job, err);
        if (job->steps[st->step].state == B2A_STATE_RUNNING)
            b2a__job_step_end(job, st->step, job->cancel_requested ? B2A_STATE_CANCELED : B2A_STATE_FAILED, "%s",
                              err->msg);
        cleanup(st);
        return;
    }
    /* An Oracle import in rounds (engine/oracle_rounds.c): each round's
     * tables are exported before the next round replaces them */
    b2a_vendor_job *vj = st->c ? st->c->vjob : NULL;
    if (st->at == CHAIN_LEN - 1 && vj && vj->round + 1 < vj->nrounds) {
        vj->round++;
        b2a__job_log(job, B2A_LOG_INFO, "round %zu of %zu: the next tables, the last ones dropped first",
                     vj->round + 1, vj->nrounds);
        b2a__odbc_tables_free(st->otables, st->notables); /* the job holds their definitions now */
        st->otables = NULL;
        st->notables = 0;
        st->at = RESTORE_AT;
        chain[st->at](st);
        return;
    }
    if (++st->at < CHAIN_LEN)
        chain[st->at](st);
    else
        cleanup(st);
}

static void step_fail(cstate *st, int code, b2a_error_class klass, const char *msg)
{
    b2a_err e;
    b2a__err_set(&e, code, klass, "%s", msg);
    step_done(st, &e);
}

static void begin(cstate *st, b2a_step step)
{
    st->step = step;
    b2a__job_step_begin(st->job, step);
}

/* Blocking work (ODBC, inflating) off the loop thread. */
static void work_cb(uv_work_t *w)
{
    cstate *st = w->data;
    b2a__err_clear(&st->work_err);
    st->work_rc = st->work_fn(st, &st->work_err);
}

static void work_after_cb(uv_work_t *w, int status)
{
    cstate *st = w->data;
    if (status == UV_ECANCELED) {
        st->work_rc = B2A_ECANCELED;
        b2a__err_set(&st->work_err, B2A_ECANCELED, B2A_ERRCLASS_USAGE, "canceled");
    }
    st->work_after(st, st->work_rc);
}

static void run_blocking(cstate *st, blocking_fn fn, after_fn after)
{
    st->work_fn = fn;
    st->work_after = after;
    st->work.data = st;
    if (uv_queue_work(st->job->ctx->loop, &st->work, work_cb, work_after_cb) != 0)
        step_fail(st, B2A_ENOMEM, B2A_ERRCLASS_OS, "could not queue work on the loop");
}

static int connect_db(cstate *st, b2a_odbc_conn **conn, b2a_err *err)
{
    return b2a__odbc_connect(st->odbc_vendor, st->connstr, LOGIN_TIMEOUT_S, conn, err);
}

/* ---- detect: everything that can be refused without a container ---- */

static int gzip_dump_ends_work(cstate *st, b2a_err *err)
{
    /* MySQL scripts are read whole for what they declare anyway: that pass
     * checks their closing lines too, so a gzip'd one is inflated once here
     * (and once by the restore), not twice. */
    if (st->vendor && st->vendor->id == B2A_VENDOR_MYSQL) {
        b2a_detected *ds = calloc(st->ninputs, sizeof(*ds));
        if (!ds)
            return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
        for (size_t i = 0; i < st->ninputs; i++) {
            ds[i].format = st->inputs[i].format;
            ds[i].gzip = st->inputs[i].gzip;
        }
        int rc = b2a__mysql_ddl_read_checked((const char *const *)st->job->inputs, ds, st->ninputs,
                                             &st->declared, err);
        free(ds);
        st->declared_read = rc == B2A_OK;
        return rc;
    }
    return b2a__backup_check_gzip_ends(st->inputs, st->ninputs, err);
}

static void detect_ok(cstate *st, int rc)
{
    if (rc != B2A_OK) {
        step_done(st, &st->work_err);
        return;
    }
    b2a_job *job = st->job;
    b2a__job_step_end(job, B2A_STEP_DETECT, B2A_STATE_OK, "%s (%s%s%s)", job->vendor, job->format,
                      job->format_version ? " " : "", job->format_version ? job->format_version : "");
    step_done(st, NULL);
}

static void step_detect(cstate *st)
{
    b2a_job *job = st->job;
    begin(st, B2A_STEP_DETECT);
    st->ninputs = job->n_inputs;
    b2a__err_clear(&st->work_err);
    if (b2a__backup_describe(st->vendor, job->inputs, job->n_inputs, job->image, job->accept_eula, &st->inputs,
                             job->database ? NULL : &job->database, &st->work_err) != B2A_OK) {
        step_done(st, &st->work_err);
        return;
    }
    /* A gzip'd script's closing line is reached only by inflating it whole. */
    if (b2a__backup_has_gzip(st->inputs, st->ninputs))
        run_blocking(st, gzip_dump_ends_work, detect_ok);
    else
        detect_ok(st, B2A_OK);
}

/* ---- container ---- */

static void container_progress(void *ud, double percent, unsigned attempt, unsigned attempts)
{
    cstate *st = ud;
    b2a_progress p = B2A__PROGRESS_INIT(B2A_STEP_CONTAINER, percent, NULL, 0, -1);
    p.attempt = attempt; /* the readiness probe's, 0 before it */
    p.attempts = attempts;
    b2a__job_progress_report(st->job, &p);
}

static void container_log(b2a_container *c, b2a_log_level level, const char *message, void *ud)
{
    (void)c;
    b2a__job_log(((cstate *)ud)->job, level, "%s", message);
}

static void container_ready(b2a_container *c, int rc, void *ud)
{
    cstate *st = ud;
    b2a_job *job = st->job;
    if (b2a_container_image(c)) {
        free(job->image_used);
        job->image_used = b2a__strdup(b2a_container_image(c));
    }
    if (b2a_container_id(c) && !job->container_id)
        job->container_id = b2a__strdup(b2a_container_id(c));
    if (rc != B2A_OK) {
        step_done(st, &c->err);
        return;
    }
    st->connstr = b2a__strdup(c->connstr);
    if (!st->connstr) {
        step_fail(st, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
        return;
    }
    b2a__job_step_end(job, B2A_STEP_CONTAINER, B2A_STATE_OK, "%s ready on 127.0.0.1:%d (container %.12s)",
                      b2a_container_image(c), b2a_container_port(c), b2a_container_id(c));
    step_done(st, NULL);
}

static void step_container(cstate *st)
{
    b2a_job *job = st->job;
    begin(st, B2A_STEP_CONTAINER);
    b2a_container_options o;
    b2a_container_options_init(&o, B2A_CONTAINER_OPTIONS_VERSION);
    o.inputs = (const char *const *)job->inputs;
    o.n_inputs = job->n_inputs;
    o.vendor = job->vendor;
    o.image = job->image;
    o.docker_host = job->docker_host;
    o.network = job->network;
    o.delivery = job->delivery;
    o.accept_eula = job->accept_eula;
    o.job_id = job->id;
    o.log_cb = container_log;
    o.done_cb = container_ready;
    o.userdata = st;
    int rc = b2a_container_new(job->ctx, &o, &st->c);
    if (rc != B2A_OK) {
        step_fail(st, rc, B2A_ERRCLASS_USAGE, "could not set up the container");
        return;
    }
    /* The inputs were described by detect: the block need not read them again. */
    b2a__container_adopt_inputs(st->c, st->vendor, st->inputs, st->ninputs);
    st->inputs = NULL;
    b2a__container_set_progress(st->c, container_progress, st);
    if ((rc = b2a_container_start(st->c)) != B2A_OK)
        step_fail(st, rc, B2A_ERRCLASS_USAGE, "could not start the container");
}

/* ---- restore: pre-SQL, the vendor's tool, post-SQL ---- */

static void restore_phase(void *ud, b2a_step phase, b2a_state state, const char *message)
{
    cstate *st = ud;
    if (state == B2A_STATE_RUNNING)
        begin(st, phase);
    else if (message)
        b2a__job_step_end(st->job, phase, state, "%s", message);
    else
        b2a__job_step_end(st->job, phase, state, NULL);
}

static int restore_progress(b2a_restore *r, const b2a_progress *p, void *ud)
{
    (void)r;
    cstate *st = ud;
    b2a_progress copy = *p;
    return b2a__job_progress_report(st->job, &copy);
}

static void restore_log(b2a_restore *r, b2a_log_level level, const char *message, void *ud)
{
    (void)r;
    b2a__job_log(((cstate *)ud)->job, level, "%s", message);
}

static void restored(b2a_restore *r, int rc, void *ud)
{
    cstate *st = ud;
    b2a_err e;
    b2a__err_copy(&e, b2a__restore_err(r));
    b2a_restore_free(r);
    st->r = NULL;
    step_done(st, rc != B2A_OK ? &e : NULL);
}

static void step_restore(cstate *st)
{
    b2a_job *job = st->job;
    st->step = B2A_STEP_RESTORE;
    b2a_restore_options o;
    b2a_restore_options_init(&o, B2A_RESTORE_OPTIONS_VERSION);
    o.pre_sql = job->pre_sql;
    o.post_sql = job->post_sql;
    o.parallel = job->parallel;
    o.progress_cb = restore_progress;
    o.log_cb = job->log_cb ? restore_log : NULL; /* tool output is redacted and formatted only for a reader */
    o.done_cb = restored;
    o.userdata = st;
    int rc = b2a_restore_new(st->c, &o, &st->r);
    if (rc == B2A_OK) {
        b2a__restore_set_phase(st->r, restore_phase, st);
        rc = b2a_restore_start(st->r);
    }
    if (rc != B2A_OK)
        step_fail(st, rc, B2A_ERRCLASS_USAGE, "could not start the restore");
}

/* ---- introspect ---- */

static size_t exportable(const b2a_odbc_table *t, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += t[i].exported;
    return k;
}

/* What the scripts declare and which server read them, for
 * b2a__check_declared: a server skips version comments it does not take
 * without a word. */
static int mysql_declared_work(cstate *st, b2a_odbc_conn *conn, b2a_err *err)
{
    b2a_odbc_result res = {0};
    int rc = b2a__odbc_query(conn, "SELECT VERSION()", &res, err);
    if (rc != B2A_OK)
        return rc;
    st->server_version = res.nrows == 1 ? b2a__strdup(b2a__odbc_cell(&res, 0, 0)) : NULL;
    b2a__odbc_result_clear(&res);
    if (!st->server_version)
        return b2a__err_set(err, B2A_EODBC, B2A_ERRCLASS_ODBC, "SELECT VERSION() gave no row");
    if (st->declared_read)
        return B2A_OK;
    return b2a__mysql_ddl_read((const char *const *)st->job->inputs, st->job->n_inputs,
                               &st->declared, err);
}

static int introspect_work(cstate *st, b2a_err *err)
{
    b2a_odbc_conn *conn = NULL;
    int rc = connect_db(st, &conn, err);
    if (rc != B2A_OK)
        return rc;
    b2a_introspect_opts o = B2A_INTROSPECT_OPTS_INIT;
    o.include_views = st->job->include_views;
    /* Oracle: tables imported into stage users carry the dump's owner */
    char **rename = NULL;
    size_t nrename = 0;
    if (b2a__oracle_schema_map(st->c->vjob, 1, &rename, &nrename) != B2A_OK) {
        b2a__odbc_disconnect(conn);
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    }
    o.rename = (const char *const *)rename;
    o.nrename = nrename;
    rc = b2a__odbc_introspect(conn, &o, &st->otables, &st->notables, err);
    b2a__strv_free(rename, nrename);
    if (rc == B2A_OK && st->odbc_vendor == B2A_ODBC_MYSQL)
        rc = mysql_declared_work(st, conn, err);
    b2a__odbc_disconnect(conn);
    /* A PostgreSQL connection sees one database: a script that filled
     * several (the Restore block named them) leaves nothing to export in
     * the one a job reads. MySQL's catalog shows every database. */
    const b2a_container *c = st->c;
    if (rc == B2A_OK && st->odbc_vendor == B2A_ODBC_POSTGRES && c->ndata_databases > 1 &&
        exportable(st->otables, st->notables) == 0)
        rc = b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_RESTORE,
                          "the backup restored %zu databases (%s); a job exports one database", c->ndata_databases,
                          c->data_databases);
    return rc;
}

/* Oracle: the dump's tables owned by SYS are not imported
 * (engine/oracle_owners.c); they fail by name, so the job does not end
 * Success with them missing. Once, not on every round. */
static int add_unexported(b2a_job *job, const b2a_vendor_job *vj)
{
    for (size_t i = 0; vj && vj->round == 0 && i + 1 < vj->nunexported; i += 2) {
        b2a_table_def def = {0};
        def.schema = b2a__strdup(vj->unexported[i]);
        def.name = b2a__strdup(vj->unexported[i + 1]);
        def.row_count = -1;
        b2a_table_job *t = def.schema && def.name ? b2a__job_add_table(job, &def, "table") : NULL;
        if (!t) {
            b2a__table_def_clear(&def);
            return B2A_ENOMEM;
        }
        t->message = b2a__strdup(B2A_ORACLE_UNEXPORTED_WHY);
        if (!t->message)
            return B2A_ENOMEM;
        /* a whole table is never an accepted loss: only --include/--exclude leave it out */
        t->state = t->selected ? B2A_STATE_FAILED : B2A_STATE_SKIPPED;
        b2a__job_log(job, t->selected ? B2A_LOG_ERROR : B2A_LOG_WARN, "%s.%s: %s", t->def.schema, t->def.name,
                     t->message);
    }
    return B2A_OK;
}

static void introspect_after(cstate *st, int rc)
{
    b2a_job *job = st->job;
    if (rc != B2A_OK) {
        step_done(st, &st->work_err);
        return;
    }
    if (st->c->data_database) {
        /* a script that made its own database (pg_dump -C, USE): the Restore block found it */
        free(job->database);
        job->database = b2a__strdup(st->c->data_database);
    }
    size_t exported = 0;
    for (size_t i = 0; i < st->notables; i++) {
        b2a_odbc_table *ot = &st->otables[i];
        b2a_table_job *t = b2a__job_add_table(job, &ot->def, b2a__odbc_table_kind_name(ot->kind));
        if (!t) {
            step_fail(st, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
            return;
        }
        t->primary_key = ot->pk;
        t->nprimary_key = ot->npk;
        ot->pk = NULL;
        ot->npk = 0;
        if (!ot->exported) {
            t->selected = 0;
            t->state = B2A_STATE_SKIPPED;
            t->message = b2a__asprintf("%s: not exported", t->kind);
        }
        exported += t->selected;
    }
    if (add_unexported(job, st->c->vjob) != B2A_OK) {
        step_fail(st, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
        return;
    }
    if (st->odbc_vendor == B2A_ODBC_MYSQL &&
        b2a__check_declared(job, &st->declared, st->c->vjob->dbname, st->server_version) != B2A_OK) {
        step_fail(st, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
        return;
    }
    b2a__job_step_end(job, B2A_STEP_INTROSPECT, B2A_STATE_OK, "%zu tables and views, %zu selected for export",
                      st->notables, exported);
    step_done(st, NULL);
}

static void step_introspect(cstate *st)
{
    begin(st, B2A_STEP_INTROSPECT);
    /* The rows are where the Restore block found them (its locate step):
     * introspect and export connect there. */
    if (st->c->data_database) {
        char *connstr = NULL;
        b2a_err e;
        if (b2a__vendor_connstr_db(st->c->vjob, st->c->data_database, &connstr, &e) != B2A_OK) {
            step_done(st, &e);
            return;
        }
        memset(st->connstr, 0, strlen(st->connstr));
        free(st->connstr);
        st->connstr = connstr;
    }
    run_blocking(st, introspect_work, introspect_after);
}


/* ---- export ---- */

static void export_done(b2a_job *job, void *ud)
{
    cstate *st = ud;
    uint32_t failed = b2a_job_tables_failed(job);
    if (job->cancel_requested)
        b2a__job_step_end(job, B2A_STEP_EXPORT, B2A_STATE_CANCELED, "canceled");
    else if (failed)
        b2a__job_step_end(job, B2A_STEP_EXPORT, B2A_STATE_FAILED, "%u of the selected tables failed", failed);
    else
        b2a__job_step_end(job, B2A_STEP_EXPORT, B2A_STATE_OK, "%u tables", b2a_job_tables_ok(job));
    step_done(st, NULL);
}

/* The restored server as a database source: ODBC for the catalog and the
 * split plans, the rows the fastest way it offers unless the job asks for
 * ODBC, in the database that holds them. */
static int restored_source(cstate *st, b2a_err *err)
{
    const b2a_vendor_job *vj = st->c->vjob;
    int native = st->job->via != B2A_VIA_ODBC;
    /* a postgresql:// URL (the password is letters and digits) is a libpq conninfo */
    char *pg = native && st->odbc_vendor == B2A_ODBC_POSTGRES ? b2a_container_dsn(st->c) : NULL;
    if (native && st->odbc_vendor == B2A_ODBC_POSTGRES && !pg)
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    b2a__dbsource_clear(&st->db);  /* an Oracle import in rounds exports once per round */
    int rc = b2a__dbsource_init(&st->db, st->odbc_vendor, st->connstr, pg, LOGIN_TIMEOUT_S, err);
    if (pg) {
        memset(pg, 0, strlen(pg));
        b2a_free(pg);
    }
    if (rc == B2A_OK && native && st->odbc_vendor == B2A_ODBC_MYSQL)
        rc = b2a__dbsource_set_mysql(&st->db, b2a_container_host(st->c), vj->host_port, vj->user, vj->password,
                                     b2a_container_database(st->c), err);
    /* Oracle: the dump's owner SYSTEM is read from its stage user B2A$SYSTEM */
    char **map = NULL;
    size_t nmap = 0;
    if (rc == B2A_OK && b2a__oracle_schema_map(vj, 0, &map, &nmap) != B2A_OK)
        rc = b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    if (rc == B2A_OK)
        rc = b2a__dbsource_set_schema_map(&st->db, map, nmap, err);
    b2a__strv_free(map, nmap);
    return rc;
}

static void step_export(cstate *st)
{
    begin(st, B2A_STEP_EXPORT);
    b2a_err e;
    if (restored_source(st, &e) != B2A_OK) {
        step_done(st, &e);
        return;
    }
    /* Split plans where they were verified on a live server (PostgreSQL,
     * MariaDB/MySQL); SQL Server and Oracle tables stay one stream each. */
    int splits = st->odbc_vendor == B2A_ODBC_POSTGRES || st->odbc_vendor == B2A_ODBC_MYSQL;
    if (!splits && st->job->splits > 1)
        b2a__job_log(st->job, B2A_LOG_WARN, "export: --splits %u is not applied to %s tables: one stream each",
                     st->job->splits, st->vendor ? st->vendor->name : "these");
    b2a__job_log(st->job, B2A_LOG_INFO, "export: rows through %s",
                 st->db.pg_conninfo ? "COPY (FORMAT binary) over libpq"
                 : st->db.my_host   ? "libmariadb (unbuffered, binary protocol)" : "ODBC");
    if (b2a__export_start(st->job, splits ? &b2a__dbsource_ops : &b2a__dbsource_ops_unsplit, &st->db, export_done,
                          st) != B2A_OK)
        step_done(st, &st->job->err);
}


/* ---- cleanup: always, then the job completes ---- */

static void closed(uv_handle_t *h)
{
    cstate *st = h->data;
    b2a_job *job = st->job;
    b2a__odbc_tables_free(st->otables, st->notables);
    if (st->connstr) {
        memset(st->connstr, 0, strlen(st->connstr));
        free(st->connstr);
    }
    b2a__mysql_decl_free(&st->declared);
    free(st->server_version);
    b2a__dbsource_clear(&st->db);
    free(st->inputs);
    free(st);
    job->pipeline_state = NULL;
    b2a__job_complete(job);
}

static void finish(cstate *st)
{
    b2a_container_free(st->c); /* stopped, or kept: nothing left to remove */
    st->c = NULL;
    uv_close((uv_handle_t *)&st->timer, closed);
}

static void stopped(b2a_container *c, int rc, void *ud)
{
    cstate *st = ud;
    if (rc != B2A_OK) {
        b2a__job_step_end(st->job, B2A_STEP_CLEANUP, B2A_STATE_FAILED, "%s", b2a_container_errmsg(c));
        b2a_err e;
        b2a__err_set(&e, rc, B2A_ERRCLASS_DOCKER, "%s", b2a_container_errmsg(c));
        b2a__job_set_error(st->job, &e);
    } else {
        b2a__job_step_end(st->job, B2A_STEP_CLEANUP, B2A_STATE_OK, "container %.12s removed", b2a_container_id(c));
    }
    finish(st);
}

static void cleanup_start(uv_timer_t *t)
{
    cstate *st = t->data;
    b2a_job *job = st->job;
    st->step = B2A_STEP_CLEANUP;
    const char *id = st->c ? b2a_container_id(st->c) : NULL;
    if (!id) {
        b2a__job_step_end(job, B2A_STEP_CLEANUP, B2A_STATE_OK, "no container was created");
        finish(st);
        return;
    }
    if (job->keep_container && !job->cancel_requested) {
        b2a_container_keep(st->c);
        b2a__job_step_end(job, B2A_STEP_CLEANUP, B2A_STATE_SKIPPED,
                          "container %.12s kept (--keep-container): 127.0.0.1:%d, user %s, database %s; "
                          "remove it with `bak2avro stop %.12s`",
                          id, st->c->vjob ? st->c->vjob->host_port : 0, st->c->vjob ? st->c->vjob->user : "?",
                          st->c->vjob ? st->c->vjob->dbname : "?", id);
        finish(st);
        return;
    }
    if (b2a_container_stop(st->c, stopped, st) != B2A_OK) {
        b2a__job_step_end(job, B2A_STEP_CLEANUP, B2A_STATE_FAILED,
                          "could not remove container %.12s (run `bak2avro gc`)", id);
        finish(st);
    }
}

static void cleanup(cstate *st)
{
    if (st->cleaning)
        return;
    st->cleaning = 1;
    b2a__job_step_begin(st->job, B2A_STEP_CLEANUP);
    /* From the loop: whatever called us unwinds first. */
    uv_timer_start(&st->timer, cleanup_start, 0, 0);
}

/* ---- the pipeline ---- */

static void chain_begin(uv_timer_t *t)
{
    cstate *st = t->data;
    st->at = 0;
    if (st->job->cancel_requested)
        step_done(st, NULL);
    else
        chain[0](st);
}

static int container_start(b2a_job *job)
{
    cstate *st = calloc(1, sizeof(*st));
    if (!st)
        return B2A_ENOMEM;
    st->job = job;
    uv_timer_init(job->ctx->loop, &st->timer);
    st->timer.data = st;
    job->pipeline_state = st;
    st->vendor = b2a__vendor_by_name(job->vendor);
    st->odbc_vendor = !st->vendor                            ? B2A_ODBC_POSTGRES
                      : st->vendor->id == B2A_VENDOR_MYSQL     ? B2A_ODBC_MYSQL
                      : st->vendor->id == B2A_VENDOR_SQLSERVER ? B2A_ODBC_SQLSERVER
                      : st->vendor->id == B2A_VENDOR_ORACLE    ? B2A_ODBC_ORACLE
                                                               : B2A_ODBC_POSTGRES;
    /* The done callback never runs inside b2a_job_start: the chain starts on the loop. */
    uv_timer_start(&st->timer, chain_begin, 0, 0);
    return B2A_OK;
}

static void container_cancel(b2a_job *job)
{
    cstate *st = job->pipeline_state;
    if (!st || st->cleaning)
        return;
    /* The block in flight ends with a cancel; ODBC work and export chunks
     * notice it between chunks. */
    if (st->r)
        b2a_restore_cancel(st->r);
    else if (st->c)
        b2a_container_cancel(st->c);
}

static const b2a_pipeline_ops container_pipeline = {"container", container_start, container_cancel};

const b2a_pipeline_ops *b2a__pipeline_container_for(b2a_job *job, const struct b2a_detected *d, b2a_err *err)
{
    const b2a_vendor *v = b2a__vendor_by_id(d->vendor);
    if (d->format == B2A_FMT_PG_DUMPALL) {
        b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_USAGE,
                     "%s is a pg_dumpall plain-text dump of a whole cluster (roles, tablespaces and every "
                     "database), not one database: restore it with psql yourself, or dump one database with "
                     "pg_dump -Fc and give that to bak2avro",
                     job->inputs[0]);
        return NULL;
    }
    if (!v) {
        b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_USAGE, "%s: restoring %s backups (%s) in a container is not supported yet",
                     job->inputs[0], b2a__detect_vendor_name(d->vendor), b2a__detect_format_name(d->format));
        return NULL;
    }
    if (v->publish_only && job->network == B2A_NETWORK_HOST) {
        b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_USAGE,
                     "%s: the %s images listen on port %d on every interface and take no setting to move it, so "
                     "host networking would put the database on this machine's network: use --network publish "
                     "(what --network auto picks for them)",
                     job->inputs[0], v->name, v->default_port);
        return NULL;
    }
    if (!v->supports(d->format)) {
        b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_USAGE, "%s: %s cannot restore %s", job->inputs[0], v->name,
                     b2a__detect_format_name(d->format));
        return NULL;
    }
    return &container_pipeline;
}
