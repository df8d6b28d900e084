/* Table export through COPY (SELECT ...) TO STDOUT (FORMAT binary).
 *
 * Each column is selected with a cast that fixes its binary form (see
 * b2a__pg_copy_expr), so the decoder needs no type information from the
 * stream, which carries none. libpq hands over one CopyData message at a
 * time: the server sends one per row, the header in front of the first
 * row and the trailer (a field count of -1) last. Memory is one row. */
#include "pg/pg.h"

#include <stdlib.h>
#include <string.h>

#include "odbc/introspect.h"
#include "odbc/odbc.h"
#include "pg/binary.h"
#include "util/str.h"

typedef enum kind {
    K_BOOL, K_INT4, K_INT8, K_FLOAT4, K_FLOAT8, K_NUMERIC, K_DATE, K_TIMESTAMP, K_TIME, K_UUID, K_BYTES, K_TEXT
} kind;

struct b2a_pg_copy {
    PGconn *c;
    const b2a_table_def *t;
    uint8_t *kinds;       /* per column */
    char *msg;            /* the current CopyData message (PQfreemem) */
    size_t len, pos;
    int header_seen, trailer_seen, active, eof;
    int64_t rows;
};

#define OOM() b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory")

char *b2a__pg_copy_expr(const b2a_column *col, const char *q)
{
    switch (col->vtype) {
    case B2A_V_BOOLEAN: return b2a__asprintf("%s::bool", q);
    case B2A_V_INT: return b2a__asprintf("%s::int4", q);
    case B2A_V_LONG: return b2a__asprintf("%s::int8", q);   /* also oid, and numeric profiled as integers */
    case B2A_V_FLOAT: return b2a__asprintf("%s::float4", q);
    case B2A_V_DOUBLE: return b2a__asprintf("%s::float8", q);
    case B2A_V_DECIMAL: return b2a__asprintf("%s::numeric", q); /* money too */
    case B2A_V_DATE: return b2a__asprintf("%s::date", q);
    case B2A_V_TIMESTAMP_MICROS: return b2a__asprintf("%s::timestamptz", q);
    case B2A_V_LOCAL_TIMESTAMP_MICROS:
    case B2A_V_LOCAL_TIMESTAMP_STRING: return b2a__asprintf("%s::timestamp", q);
    case B2A_V_TIME_MICROS: return b2a__asprintf("%s::time", q);
    case B2A_V_UUID: return b2a__asprintf("%s::uuid", q);
    case B2A_V_BYTES: return b2a__asprintf("%s::bytea", q);
    case B2A_V_STRING:
    case B2A_V_JSON:
        /* "char" sends one raw byte; ODBC reads its text output (\ooo above 127) */
        if (col->source_type && !strcmp(col->source_type, "\"char\""))
            return b2a__asprintf("textin(charout(%s))", q);
        /* text, varchar, bpchar (padding kept), name or a cast to text:
         * all send their UTF-8 bytes */
        return b2a__select_expr_postgres(col, q);
    }
    return NULL;
}

static kind kind_of(b2a_vtype vt)
{
    switch (vt) {
    case B2A_V_BOOLEAN: return K_BOOL;
    case B2A_V_INT: return K_INT4;
    case B2A_V_LONG: return K_INT8;
    case B2A_V_FLOAT: return K_FLOAT4;
    case B2A_V_DOUBLE: return K_FLOAT8;
    case B2A_V_DECIMAL: return K_NUMERIC;
    case B2A_V_DATE: return K_DATE;
    case B2A_V_TIMESTAMP_MICROS:
    case B2A_V_LOCAL_TIMESTAMP_MICROS:
    case B2A_V_LOCAL_TIMESTAMP_STRING: return K_TIMESTAMP;
    case B2A_V_TIME_MICROS: return K_TIME;
    case B2A_V_UUID: return K_UUID;
    case B2A_V_BYTES: return K_BYTES;
    case B2A_V_STRING:
    case B2A_V_JSON: return K_TEXT;
    }
    return K_TEXT;
}

/* FROM what: ONLY for ordinary tables, as odbc/fromclause.c decides, so
 * rows of inheritance children are exported with the child alone. */
static int from_clause(PGconn *c, const b2a_table_def *t, char **out, b2a_err *err)
{
    char *qn = b2a__odbc_qualified(B2A_ODBC_POSTGRES, t->schema, t->name);
    if (!qn)
        return OOM();
    const char *params[1] = {qn};
    PGresult *r = PQexecParams(c, "SELECT relkind::text FROM pg_class WHERE oid = $1::regclass", 1, NULL,
                               params, NULL, NULL, 0);
    int rc = B2A_OK;
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        rc = b2a__pg_fail(c, r, "looking up the table", err);
    } else {
        int plain = PQntuples(r) == 1 && !strcmp(PQgetvalue(r, 0, 0), "r");
        *out = plain ? b2a__asprintf("ONLY %s", qn) : b2a__strdup(qn);
        if (!*out)
            rc = OOM();
    }
    PQclear(r);
    free(qn);
    return rc;
}

static char *copy_expr(const b2a_column *col)
{
    char *q = b2a__odbc_quote_ident(B2A_ODBC_POSTGRES, col->name);
    char *e = q ? b2a__pg_copy_expr(col, q) : NULL;
    free(q);
    return e;
}

/* COPY (SELECT e1, e2, ... FROM from) TO STDOUT (FORMAT binary) */
static char *copy_sql(const b2a_table_def *t, const char *from, const char *where)
{
    char *list = b2a__sql_select_list(t, copy_expr);
    char *full = list ? b2a__asprintf("COPY (SELECT %s FROM %s%s%s) TO STDOUT (FORMAT binary)", list, from,
                                      where ? " WHERE " : "", where ? where : "")
                      : NULL;
    free(list);
    return full;
}

int b2a__pg_copy_statement(PGconn *c, const b2a_table_def *t, char **out, b2a_err *err)
{
    return b2a__pg_copy_statement_where(c, t, NULL, out, err);
}

int b2a__pg_copy_statement_where(PGconn *c, const b2a_table_def *t, const char *where, char **out, b2a_err *err)
{
    char *from = NULL;
    *out = NULL;
    int rc = from_clause(c, t, &from, err);
    if (rc == B2A_OK && !(*out = copy_sql(t, from, where)))
        rc = OOM();
    free(from);
    return rc;
}

int b2a__pg_copy_open(PGconn *c, const b2a_table_def *t, b2a_pg_copy **out, b2a_err *err)
{
    return b2a__pg_copy_open_where(c, t, NULL, out, err);
}

int b2a__pg_copy_open_where(PGconn *c, const b2a_table_def *t, const char *where, b2a_pg_copy **out, b2a_err *err)
{
    *out = NULL;
    if (!t || t->ncolumns == 0)
        return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "%s.%s: table has no columns to export",
                            t && t->schema ? t->schema : "?", t && t->name ? t->name : "?");
    b2a_pg_copy *cur = calloc(1, sizeof(*cur));
    if (!cur)
        return OOM();
    cur->c = c;
    cur->t = t;
    cur->kinds = malloc(t->ncolumns);
    char *sql = NULL;
    int rc = cur->kinds ? B2A_OK : OOM();
    for (size_t i = 0; rc == B2A_OK && i < t->ncolumns; i++)
        cur->kinds[i] = (uint8_t)kind_of(t->columns[i].vtype);
    if (rc == B2A_OK)
        rc = b2a__pg_copy_statement_where(c, t, where, &sql, err);
    if (rc == B2A_OK) {
        PGresult *r = PQexec(c, sql);
        if (PQresultStatus(r) != PGRES_COPY_OUT)
            rc = b2a__pg_fail(c, r, "export query failed", err);
        else if (PQnfields(r) != (int)t->ncolumns || PQbinaryTuples(r) != 1)
            rc = b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_ODBC, "COPY answered with %d columns (%s), not %zu binary",
                              PQnfields(r), PQbinaryTuples(r) ? "binary" : "text", t->ncolumns);
        else
            cur->active = 1;
        PQclear(r);
    }
    free(sql);
    if (rc != B2A_OK) {
        b2a__err_prefix(err, "%s.%s: ", t->schema, t->name);
        b2a__pg_copy_close(cur);
        return rc;
    }
    *out = cur;
    return B2A_OK;
}

/* The next CopyData message, or the end of the COPY (*eof). */
static int next_message(b2a_pg_copy *cur, b2a_err *err)
{
    if (cur->msg) {
        PQfreemem(cur->msg);
        cur->msg = NULL;
    }
    cur->len = cur->pos = 0;
    char *buf = NULL;
    int n = PQgetCopyData(cur->c, &buf, 0);
    if (n > 0) {
        cur->msg = buf;
        cur->len = (size_t)n;
        if (!cur->header_seen) {
            size_t hl = 0;
            int rc = b2a__pg_copy_header((const uint8_t *)buf, cur->len, &hl, err);
            if (rc)
                return rc;
            cur->pos = hl;
            cur->header_seen = 1;
        }
        return B2A_OK;
    }
    if (n == -2)
        return b2a__pg_fail(cur->c, NULL, "reading COPY data", err);
    /* -1: the COPY is over; its result says how it ended */
    cur->active = 0;
    int rc = B2A_OK;
    PGresult *r = PQgetResult(cur->c);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        rc = b2a__pg_fail(cur->c, r, "export query failed", err);
    else if (!cur->trailer_seen)
        rc = b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_ODBC, "the COPY stream ended without its trailer");
    else if (strtoll(PQcmdTuples(r), NULL, 10) != cur->rows)
        rc = b2a__err_set(err, B2A_EMISMATCH, B2A_ERRCLASS_ODBC, "COPY sent %s rows but %lld were read",
                          PQcmdTuples(r), (long long)cur->rows);
    PQclear(r);
    while ((r = PQgetResult(cur->c)))
        PQclear(r);
    cur->eof = rc == B2A_OK;
    return rc;
}

static int bad_length(const b2a_pg_copy *cur, size_t col, const char *type, int32_t len, b2a_err *err)
{
    return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_ODBC, "%s.%s, column %s: a %s value of %d bytes",
                        cur->t->schema, cur->t->name, cur->t->columns[col].name, type, (int)len);
}

static int put_value(b2a_pg_copy *cur, b2a_sink *s, size_t col, const uint8_t *p, int32_t len, b2a_err *err)
{
    switch ((kind)cur->kinds[col]) {
    case K_BOOL:
        if (len != 1)
            return bad_length(cur, col, "boolean", len, err);
        return s->ops->boolean(s, p[0] != 0);
    case K_INT4:
        if (len != 4)
            return bad_length(cur, col, "int4", len, err);
        return s->ops->i32(s, (int32_t)b2a__pg_be32(p));
    case K_INT8:
    case K_TIME:
        if (len != 8)
            return bad_length(cur, col, "8-byte", len, err);
        return s->ops->i64(s, (int64_t)b2a__pg_be64(p));
    case K_FLOAT4: {
        if (len != 4)
            return bad_length(cur, col, "float4", len, err);
        uint32_t u = b2a__pg_be32(p);
        float f;
        memcpy(&f, &u, 4);
        return s->ops->f32(s, f);
    }
    case K_FLOAT8: {
        if (len != 8)
            return bad_length(cur, col, "float8", len, err);
        uint64_t u = b2a__pg_be64(p);
        double d;
        memcpy(&d, &u, 8);
        return s->ops->f64(s, d);
    }
    case K_NUMERIC: {
        const b2a_column *c = &cur->t->columns[col];
        uint8_t be[B2A_DECIMAL_MAX_BYTES];
        size_t n = 0;
        int rc = b2a__pg_numeric_decimal(p, (size_t)len, c->precision, c->scale, be, &n, err);
        if (rc)
            return b2a__err_prefix(err, "%s.%s, column %s (%s): ", cur->t->schema, cur->t->name, c->name,
                                   c->source_type ? c->source_type : "decimal");
        return s->ops->decimal(s, be, n);
    }
    case K_DATE: {
        if (len != 4)
            return bad_length(cur, col, "date", len, err);
        int32_t d = (int32_t)b2a__pg_be32(p);
        /* infinities, BC and after 9999: NULL, as the ODBC path's SELECT makes them */
        if (d < B2A_PG_FIRST_AD_DAY || d >= B2A_PG_AFTER_9999_DAY)
            return s->ops->null(s);
        return s->ops->i32(s, d + B2A_PG_EPOCH_DAYS);
    }
    case K_TIMESTAMP: {
        if (len != 8)
            return bad_length(cur, col, "timestamp", len, err);
        int64_t us = (int64_t)b2a__pg_be64(p);
        if (us < B2A_PG_FIRST_AD_MICROS || us >= B2A_PG_AFTER_9999_MICROS)
            return s->ops->null(s);
        return s->ops->i64(s, us + B2A_PG_EPOCH_MICROS);
    }
    case K_UUID: {
        if (len != 16)
            return bad_length(cur, col, "uuid", len, err);
        char text[36];
        b2a__pg_uuid_text(p, text);
        return s->ops->string(s, text, sizeof text);
    }
    case K_BYTES:
        return s->ops->bytes(s, p, (size_t)len);
    case K_TEXT:
        return s->ops->string(s, (const char *)p, (size_t)len);
    }
    return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "unknown value kind");
}

static int malformed(const b2a_pg_copy *cur, b2a_err *err, const char *what)
{
    return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_ODBC, "%s.%s: malformed COPY data: %s", cur->t->schema,
                        cur->t->name, what);
}

/* One row at cur->pos into the sink. */
static int put_row(b2a_pg_copy *cur, b2a_sink *s, b2a_err *err)
{
    const uint8_t *p = (const uint8_t *)cur->msg + cur->pos, *end = (const uint8_t *)cur->msg + cur->len;
    int16_t nf = (int16_t)b2a__pg_be16(p);
    p += 2;
    if (nf == -1) {
        cur->trailer_seen = 1;
        cur->pos = cur->len;
        return B2A_OK;
    }
    if (nf != (int16_t)cur->t->ncolumns)
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_ODBC, "%s.%s: a COPY row of %d fields, not %zu",
                            cur->t->schema, cur->t->name, (int)nf, cur->t->ncolumns);
    for (size_t i = 0; i < cur->t->ncolumns; i++) {
        if (end - p < 4)
            return malformed(cur, err, "a row ends inside a field's length");
        int32_t flen = (int32_t)b2a__pg_be32(p);
        p += 4;
        int rc;
        if (flen == -1) {
            rc = s->ops->null(s);
        } else {
            if (flen < 0 || flen > end - p)
                return malformed(cur, err, "a field longer than its row");
            rc = put_value(cur, s, i, p, flen, err);
            p += flen;
        }
        if (rc)
            return b2a__sink_refused_value(err, rc, cur->t, i);
    }
    int rc = b2a__sink_end_row(s, cur->t, err);
    if (rc)
        return rc;
    cur->pos = (size_t)(p - (const uint8_t *)cur->msg);
    cur->rows++;
    return B2A_OK;
}

int b2a__pg_copy_next(b2a_pg_copy *cur, b2a_sink *sink, size_t max_rows, size_t *rows_out, int *eof,
                      b2a_err *err)
{
    size_t done = 0;
    int rc = B2A_OK;
    b2a__err_clear(err);
    while (done < max_rows && !cur->eof) {
        if (cur->pos >= cur->len) {
            if ((rc = next_message(cur, err))) {
                b2a__err_prefix(err, "%s.%s: ", cur->t->schema, cur->t->name);
                break;
            }
            continue;
        }
        if (cur->trailer_seen) {
            rc = malformed(cur, err, "data after the trailer");
            break;
        }
        if (cur->len - cur->pos < 2) {
            rc = malformed(cur, err, "a message ends inside a row");
            break;
        }
        int before = cur->trailer_seen;
        if ((rc = put_row(cur, sink, err)))
            break;
        if (!before && cur->trailer_seen)
            continue;
        done++;
    }
    *rows_out = done;
    *eof = cur->eof;
    return rc;
}

void b2a__pg_copy_close(b2a_pg_copy *cur)
{
    if (!cur)
        return;
    if (cur->active) {
        /* Stop the server sending the rest, then read to the end of the
         * COPY so the connection can run another statement. */
        PGcancel *cancel = PQgetCancel(cur->c);
        char ebuf[256];
        if (cancel) {
            PQcancel(cancel, ebuf, sizeof ebuf);
            PQfreeCancel(cancel);
        }
        char *buf;
        int n;
        while ((n = PQgetCopyData(cur->c, &buf, 0)) > 0)
            PQfreemem(buf);
        PGresult *r;
        while ((r = PQgetResult(cur->c)))
            PQclear(r);
    }
    if (cur->msg)
        PQfreemem(cur->msg);
    free(cur->kinds);
    free(cur);
}
