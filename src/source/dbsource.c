/* Split plans and row cursors over a database reached by ODBC and, for
 * PostgreSQL, libpq (see dbsource.h). Everything here blocks: callers run
 * it on the thread pool. */
#include "source/dbsource.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "odbc/introspect.h"
#include "mysql/mysql.h"
#include "pg/pg.h"
#include "source/dsn.h"
#include "util/str.h"

#define OOM() b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory")
#define LOGIN_TIMEOUT_DEFAULT_S 30

static void wipe(char *s)
{
    if (s) {
        memset(s, 0, strlen(s));
        free(s);
    }
}

int b2a__dbsource_init(b2a_dbsource *s, b2a_odbc_vendor vendor, const char *odbc_connstr,
                       const char *pg_conninfo, int login_timeout_s, b2a_err *err)
{
    memset(s, 0, sizeof(*s));
    s->vendor = vendor;
    s->login_timeout_s = login_timeout_s > 0 ? login_timeout_s : LOGIN_TIMEOUT_DEFAULT_S;
    s->odbc_connstr = b2a__strdup(odbc_connstr);
    s->pg_conninfo = pg_conninfo ? b2a__strdup(pg_conninfo) : NULL;
    if (!s->odbc_connstr || (pg_conninfo && !s->pg_conninfo)) {
        b2a__dbsource_clear(s);
        return OOM();
    }
    return B2A_OK;
}

int b2a__dbsource_set_mysql(b2a_dbsource *s, const char *host, int port, const char *user, const char *password,
                            const char *db, b2a_err *err)
{
    free(s->my_host);
    free(s->my_user);
    wipe(s->my_password);
    free(s->my_db);
    s->my_port = port;
    s->my_host = b2a__strdup(host);
    s->my_user = b2a__strdup(user);
    s->my_password = b2a__strdup(password);
    s->my_db = b2a__strdup(db);
    if (!s->my_host || (user && !s->my_user) || (password && !s->my_password) || (db && !s->my_db))
        return OOM();
    return B2A_OK;
}

int b2a__dbsource_from_dsn(b2a_dbsource *s, const b2a_dsn *d, int via_odbc, int login_timeout_s, b2a_err *err)
{
    int rc = b2a__dbsource_init(s, d->vendor, d->odbc_connstr, via_odbc ? NULL : d->pg_conninfo, login_timeout_s,
                                err);
    if (rc == B2A_OK && !via_odbc && d->my_host)
        rc = b2a__dbsource_set_mysql(s, d->my_host, d->my_port, d->my_user, d->my_password, d->dbname, err);
    if (rc)
        b2a__dbsource_clear(s);
    return rc;
}

int b2a__dbsource_set_schema_map(b2a_dbsource *s, char *const *pairs, size_t npairs, b2a_err *err)
{
    b2a__strv_free(s->schema_map, s->nschema_map);
    s->schema_map = NULL;
    s->nschema_map = 0;
    if (!npairs)
        return B2A_OK;
    if (!(s->schema_map = calloc(npairs, sizeof(*s->schema_map))))
        return OOM();
    for (; s->nschema_map < npairs; s->nschema_map++)
        if (!(s->schema_map[s->nschema_map] = b2a__strdup(pairs[s->nschema_map])))
            return OOM();
    return B2A_OK;
}

const b2a_table_def *b2a__dbsource_in_database(const b2a_dbsource *s, const b2a_table_def *t, b2a_table_def *copy)
{
    for (size_t k = 0; t->schema && k + 1 < s->nschema_map; k += 2)
        if (!strcmp(t->schema, s->schema_map[k])) {
            *copy = *t;
            copy->schema = s->schema_map[k + 1];
            return copy;
        }
    return t;
}

int b2a__dbsource_copy(b2a_dbsource *dst, const b2a_dbsource *src, b2a_err *err)
{
    int rc = b2a__dbsource_init(dst, src->vendor, src->odbc_connstr, src->pg_conninfo, src->login_timeout_s, err);
    if (rc == B2A_OK && src->my_host)
        rc = b2a__dbsource_set_mysql(dst, src->my_host, src->my_port, src->my_user, src->my_password, src->my_db,
                                     err);
    if (rc == B2A_OK && src->nschema_map)
        rc = b2a__dbsource_set_schema_map(dst, src->schema_map, src->nschema_map, err);
    if (rc)
        b2a__dbsource_clear(dst);
    return rc;
}

void b2a__dbsource_clear(b2a_dbsource *s)
{
    wipe(s->odbc_connstr);
    wipe(s->pg_conninfo);
    free(s->my_host);
    free(s->my_user);
    wipe(s->my_password);
    free(s->my_db);
    b2a__strv_free(s->schema_map, s->nschema_map);
    memset(s, 0, sizeof(*s));
}

int b2a__dbsource_introspect(const b2a_dbsource *s, const char *schema, int include_views, b2a_odbc_table **out,
                             size_t *n, char **database, b2a_err *err)
{
    *out = NULL;
    *n = 0;
    *database = NULL;
    b2a_odbc_conn *c = NULL;
    int rc = b2a__odbc_connect(s->vendor, s->odbc_connstr, s->login_timeout_s, &c, err);
    if (rc)
        return rc;
    b2a_introspect_opts o = B2A_INTROSPECT_OPTS_INIT;
    o.include_views = include_views;
    const char *only[1] = {schema};
    if (schema && s->vendor == B2A_ODBC_MYSQL) {
        o.schemas = only;
        o.nschemas = 1;
    }
    rc = b2a__odbc_introspect(c, &o, out, n, err);
    const char *q = s->vendor == B2A_ODBC_POSTGRES ? "SELECT current_database()"
                    : s->vendor == B2A_ODBC_MYSQL  ? "SELECT DATABASE()"
                                                   : "SELECT DB_NAME()";
    b2a_odbc_result res = {0};
    if (rc == B2A_OK && (rc = b2a__odbc_query(c, q, &res, err)) == B2A_OK && res.nrows == 1 &&
        b2a__odbc_cell(&res, 0, 0) && !(*database = b2a__strdup(b2a__odbc_cell(&res, 0, 0))))
        rc = OOM();
    b2a__odbc_result_clear(&res);
    b2a__odbc_disconnect(c);
    if (rc) {
        b2a__odbc_tables_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

const char *b2a__split_method_name(b2a_split_method m)
{
    switch (m) {
    case B2A_SPLIT_KEY: return "key";
    case B2A_SPLIT_CTID: return "ctid";
    case B2A_SPLIT_EXTENTS: return "extents";
    case B2A_SPLIT_SEGMENTS: return "segments";
    default: return "single";
    }
}

void b2a__split_clear(b2a_split *sp)
{
    if (!sp)
        return;
    free(sp->key);
    free(sp->snapshot);
    b2a__strv_free(sp->where, sp->nranges);
    if (sp->holder) {
        PQclear(PQexec(sp->holder, "COMMIT"));
        b2a__pg_disconnect(sp->holder);
    }
    memset(sp, 0, sizeof(*sp));
    sp->rows_expected = -1;
}

static int pg_open(const b2a_dbsource *s, PGconn **out, b2a_err *err)
{
    b2a_pg_params p = {0};
    p.conninfo = s->pg_conninfo;
    p.connect_timeout_s = s->login_timeout_s;
    return b2a__pg_connect(&p, out, err);
}

static int pg_exec(PGconn *c, const char *sql, const char *what, b2a_err *err)
{
    PGresult *r = PQexec(c, sql);
    int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? B2A_OK : b2a__pg_fail(c, r, what, err);
    PQclear(r);
    return rc;
}

/* First cell of a one-row query with one text parameter (or none), malloc'd. */
static int pg_value(PGconn *c, const char *sql, const char *param, char **out, b2a_err *err)
{
    const char *params[1] = {param};
    PGresult *r = PQexecParams(c, sql, param ? 1 : 0, NULL, param ? params : NULL, NULL, NULL, 0);
    int rc = B2A_OK;
    *out = NULL;
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        rc = b2a__pg_fail(c, r, "planning the split", err);
    else if (PQntuples(r) >= 1 && !PQgetisnull(r, 0, 0) && !(*out = b2a__strdup(PQgetvalue(r, 0, 0))))
        rc = OOM();
    PQclear(r);
    return rc;
}

/* A snapshot id as the server makes them (hex and dashes): safe in SQL text. */
static int snapshot_ok(const char *id)
{
    if (!id || !*id || strlen(id) > 64)
        return 0;
    for (const char *p = id; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'F') || (*p >= 'a' && *p <= 'f') || *p == '-'))
            return 0;
    return 1;
}

/* A key to split on when there is no primary key: a unique index's first
 * column, NOT NULL ones first. *nullable says whether NULLs need a range. */
static int unique_key(b2a_odbc_conn *oc, b2a_odbc_vendor v, const b2a_table_def *t, char **col, int *nullable,
                      b2a_err *err)
{
    *col = NULL;
    char *sql = NULL;
    if (v == B2A_ODBC_POSTGRES) {
        char *qn = b2a__odbc_qualified(v, t->schema, t->name);
        char *lit = qn ? b2a__odbc_quote_literal(v, qn) : NULL;
        /* only NOT NULL keys: a PostgreSQL table without one splits by ctid */
        sql = lit ? b2a__asprintf("SELECT a.attname, 0 FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid"
                                  " AND a.attnum = i.indkey[0] WHERE i.indrelid = %s::regclass AND i.indisunique"
                                  " AND i.indpred IS NULL AND i.indexprs IS NULL AND a.attnotnull"
                                  " ORDER BY i.indnatts, a.attname LIMIT 1", lit) : NULL;
        free(qn);
        free(lit);
    } else if (v == B2A_ODBC_MYSQL) {
        char *ls = b2a__odbc_quote_literal(v, t->schema), *lt = b2a__odbc_quote_literal(v, t->name);
        sql = ls && lt ? b2a__asprintf("SELECT COLUMN_NAME, NULLABLE = 'YES' FROM information_schema.STATISTICS"
                                       " WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s AND NON_UNIQUE = 0"
                                       " AND SEQ_IN_INDEX = 1 ORDER BY NULLABLE = 'YES', INDEX_NAME LIMIT 1", ls, lt)
                       : NULL;
        free(ls);
        free(lt);
    } else {
        return B2A_OK;
    }
    if (!sql)
        return OOM();
    b2a_odbc_result res = {0};
    int rc = b2a__odbc_query(oc, sql, &res, err);
    free(sql);
    if (rc == B2A_OK && res.nrows == 1 && b2a__odbc_cell(&res, 0, 0)) {
        *col = b2a__strdup(b2a__odbc_cell(&res, 0, 0));
        const char *n = b2a__odbc_cell(&res, 0, 1);
        *nullable = n && n[0] == '1';
        if (!*col)
            rc = OOM();
    }
    b2a__odbc_result_clear(&res);
    return rc;
}

static int has_column(const b2a_table_def *t, const char *name)
{
    for (size_t i = 0; i < t->ncolumns; i++)
        if (!strcmp(t->columns[i].name, name))
            return 1;
    return 0;
}

static int split_by_key(b2a_odbc_conn *oc, b2a_odbc_vendor v, const b2a_table_def *t, const char *key, int nullable,
                        uint32_t n, b2a_split *sp, b2a_err *err)
{
    b2a_keyrange *kr = NULL;
    size_t nkr = 0;
    int rc = b2a__odbc_keyrange_split(oc, v, t, key, (int)n, &kr, &nkr, err);
    if (rc)
        return rc;
    sp->where = calloc(nkr + 1, sizeof(*sp->where));
    if (!sp->where)
        rc = OOM();
    for (size_t i = 0; rc == B2A_OK && i < nkr; i++) {
        if (!(sp->where[i] = b2a__odbc_keyrange_where(v, t, key, &kr[i])))
            rc = OOM();
        sp->nranges = i + 1;
    }
    /* a range bound never matches NULL: those rows get a range of their own */
    if (rc == B2A_OK && nullable) {
        char *qk = b2a__odbc_quote_ident(v, key);
        if (!qk || !(sp->where[sp->nranges] = b2a__asprintf("%s IS NULL", qk)))
            rc = OOM();
        else
            sp->nranges++;
        free(qk);
    }
    b2a__odbc_keyranges_free(kr, nkr);
    if (rc == B2A_OK) {
        sp->method = B2A_SPLIT_KEY;
        if (!(sp->key = b2a__strdup(key)))
            rc = OOM();
    }
    return rc;
}

/* PostgreSQL heap tables without a key: block ranges of ctid, which the
 * server scans with a TID range scan (PostgreSQL 14+; older ones filter). */
static int split_by_ctid(b2a_odbc_conn *oc, PGconn *pc, const b2a_table_def *t, uint32_t n, b2a_split *sp,
                         b2a_err *err)
{
    char *qn = b2a__odbc_qualified(B2A_ODBC_POSTGRES, t->schema, t->name);
    if (!qn)
        return OOM();
    char *blocks = NULL;
    int rc;
    static const char q[] = "SELECT CASE WHEN c.relkind IN ('r', 'm') THEN pg_relation_size(c.oid) /"
                            " current_setting('block_size')::bigint ELSE -1 END FROM pg_class c WHERE c.oid = ";
    if (pc) {
        char *sql = b2a__asprintf("%s$1::regclass", q);
        rc = sql ? pg_value(pc, sql, qn, &blocks, err) : OOM();
        free(sql);
    } else {
        char *lit = b2a__odbc_quote_literal(B2A_ODBC_POSTGRES, qn);
        char *sql = lit ? b2a__asprintf("%s%s::regclass", q, lit) : NULL;
        b2a_odbc_result res = {0};
        rc = sql ? b2a__odbc_query(oc, sql, &res, err) : OOM();
        if (rc == B2A_OK && res.nrows == 1 && b2a__odbc_cell(&res, 0, 0) &&
            !(blocks = b2a__strdup(b2a__odbc_cell(&res, 0, 0))))
            rc = OOM();
        b2a__odbc_result_clear(&res);
        free(sql);
        free(lit);
    }
    free(qn);
    long long nb = blocks ? strtoll(blocks, NULL, 10) : -1;
    free(blocks);
    if (rc || nb < 0)
        return rc;  /* not a heap (partitioned, view): one range */
    if (nb < 1)
        nb = 1;
    long long step = (nb + (long long)n - 1) / (long long)n;
    size_t count = (size_t)((nb + step - 1) / step);
    sp->where = calloc(count, sizeof(*sp->where));
    if (!sp->where)
        return OOM();
    for (size_t i = 0; i < count; i++) {
        long long lo = (long long)i * step, hi = lo + step;
        /* open ends: rows of blocks added since the count are read too */
        if (count == 1)
            sp->where[i] = b2a__strdup("true");
        else if (i == 0)
            sp->where[i] = b2a__asprintf("ctid < '(%lld,0)'::tid", hi);
        else if (i + 1 == count)
            sp->where[i] = b2a__asprintf("ctid >= '(%lld,0)'::tid", lo);
        else
            sp->where[i] = b2a__asprintf("ctid >= '(%lld,0)'::tid AND ctid < '(%lld,0)'::tid", lo, hi);
        sp->nranges = i + 1;
        if (!sp->where[i])
            return OOM();
    }
    sp->method = B2A_SPLIT_CTID;
    return B2A_OK;
}

/* The snapshot every range reads. No count in it: a second full scan
 * (measured: it cost more than the second stream gained); the table's
 * count from introspection is the check, and a table written to since
 * fails it rather than look complete. */
static int pg_snapshot(const b2a_dbsource *s, b2a_split *sp, b2a_err *err)
{
    int rc = pg_open(s, &sp->holder, err);
    if (rc == B2A_OK)
        rc = pg_exec(sp->holder, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "starting the snapshot", err);
    if (rc == B2A_OK)
        rc = pg_value(sp->holder, "SELECT pg_export_snapshot()", NULL, &sp->snapshot, err);
    if (rc == B2A_OK && !snapshot_ok(sp->snapshot))
        rc = b2a__err_set(err, B2A_EODBC, B2A_ERRCLASS_ODBC, "pg_export_snapshot() gave no usable id");
    return rc;
}

int b2a__split_plan(const b2a_dbsource *s, const b2a_table_def *t, char *const *pk, size_t npk, uint32_t n,
                    b2a_split *sp, b2a_err *err)
{
    b2a_table_def mapped;
    t = b2a__dbsource_in_database(s, t, &mapped);
    memset(sp, 0, sizeof(*sp));
    sp->rows_expected = -1;
    int rc = B2A_OK;
    if (n > 1 && s->vendor == B2A_ODBC_POSTGRES && s->pg_conninfo)
        rc = pg_snapshot(s, sp, err);
    b2a_odbc_conn *oc = NULL;
    if (rc == B2A_OK && n > 1)
        rc = b2a__odbc_connect(s->vendor, s->odbc_connstr, s->login_timeout_s, &oc, err);
    char *key = NULL;
    int nullable = 0;
    if (rc == B2A_OK && n > 1) {
        if (npk > 0 && has_column(t, pk[0])) {
            key = b2a__strdup(pk[0]);
            rc = key ? B2A_OK : OOM();
        } else {
            rc = unique_key(oc, s->vendor, t, &key, &nullable, err);
        }
    }
    if (rc == B2A_OK && key && has_column(t, key))
        rc = split_by_key(oc, s->vendor, t, key, nullable, n, sp, err);
    else if (rc == B2A_OK && n > 1 && s->vendor == B2A_ODBC_POSTGRES)
        rc = split_by_ctid(oc, sp->holder, t, n, sp, err);
    free(key);
    b2a__odbc_disconnect(oc);
    if (rc == B2A_OK && sp->nranges == 0) {
        /* one range: the whole table; no snapshot needed for one stream */
        b2a__strv_free(sp->where, 0);
        free(sp->key);
        sp->key = NULL;
        sp->where = calloc(1, sizeof(*sp->where));
        sp->nranges = sp->where ? 1 : 0;
        sp->method = B2A_SPLIT_SINGLE;
        if (!sp->where)
            rc = OOM();
    }
    if (rc != B2A_OK) {
        if (rc != B2A_ENOMEM)
            b2a__err_prefix(err, "%s.%s: ", t->schema, t->name);
        b2a__split_clear(sp);
    }
    return rc;
}

/* ---- cursors ---- */

struct b2a_dbcursor {
    b2a_odbc_conn *oc;
    b2a_cursor *ocur;
    PGconn *pc;
    b2a_pg_copy *pcur;
    MYSQL *mc;
    b2a_mysql_fetch *mf;
    b2a_table_def mapped;  /* the table as the database names it; the cursors keep a pointer */
};

int b2a__dbcursor_open(const b2a_dbsource *s, const b2a_table_def *t, const char *where, const char *snapshot,
                       b2a_dbcursor **out, b2a_err *err)
{
    *out = NULL;
    b2a_dbcursor *c = calloc(1, sizeof(*c));
    if (!c)
        return OOM();
    t = b2a__dbsource_in_database(s, t, &c->mapped);
    int rc;
    if (s->pg_conninfo) {
        rc = pg_open(s, &c->pc, err);
        if (rc == B2A_OK && snapshot) {
            if (!snapshot_ok(snapshot))
                rc = b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "not a snapshot id: \"%.80s\"", snapshot);
            char *set = rc ? NULL : b2a__asprintf("SET TRANSACTION SNAPSHOT '%s'", snapshot);
            if (rc == B2A_OK)
                rc = pg_exec(c->pc, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "starting the snapshot", err);
            if (rc == B2A_OK)
                rc = set ? pg_exec(c->pc, set, "reading the plan's snapshot (is the planning process still "
                                              "holding it?)", err) : OOM();
            free(set);
        }
        if (rc == B2A_OK)
            rc = b2a__pg_copy_open_where(c->pc, t, where, &c->pcur, err);
    } else if (s->vendor == B2A_ODBC_MYSQL && s->my_host) {
        b2a_mysql_params p = {s->my_host, s->my_port, s->my_user, s->my_password, s->my_db, s->login_timeout_s};
        rc = b2a__mysql_connect(&p, &c->mc, err);
        if (rc == B2A_OK)
            rc = b2a__mysql_fetch_open_where(c->mc, t, where, &c->mf, err);
    } else {
        rc = b2a__odbc_connect(s->vendor, s->odbc_connstr, s->login_timeout_s, &c->oc, err);
        if (rc == B2A_OK)
            rc = b2a__odbc_cursor_open(c->oc, s->vendor, t, where, &c->ocur, err);
    }
    if (rc != B2A_OK) {
        b2a__dbcursor_close(c);
        return rc;
    }
    *out = c;
    return B2A_OK;
}

int b2a__dbcursor_next(b2a_dbcursor *c, b2a_sink *sink, size_t max_rows, size_t *rows_out, int *eof, b2a_err *err)
{
    if (c->pcur)
        return b2a__pg_copy_next(c->pcur, sink, max_rows, rows_out, eof, err);
    if (c->mf)
        return b2a__mysql_fetch_next(c->mf, sink, max_rows, rows_out, eof, err);
    return b2a__odbc_cursor_next(c->ocur, sink, max_rows, rows_out, eof, err);
}

void b2a__dbcursor_close(b2a_dbcursor *c)
{
    if (!c)
        return;
    b2a__pg_copy_close(c->pcur);
    b2a__pg_disconnect(c->pc);
    b2a__mysql_fetch_close(c->mf);
    b2a__mysql_disconnect(c->mc);
    b2a__odbc_cursor_close(c->ocur);
    b2a__odbc_disconnect(c->oc);
    free(c);
}
