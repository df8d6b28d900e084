/* Table export through libmariadb: one prepared SELECT, its rows read in
 * the binary protocol with no cursor and no stored result, so the server
 * sends them as the client reads them and memory is one row.
 *
 * The SELECT list is the ODBC path's (b2a__odbc_select_expr: geometry as
 * WKT, BIT and TIME cast, ...), and values are converted the way the ODBC
 * cursor converts what Connector/ODBC hands it, so both paths give the
 * sink the same calls: integers, floats and dates arrive binary (no text
 * to parse); decimals arrive as the server's text either way. */
#include "mysql/mysql.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "avro/decimal.h"
#include "odbc/introspect.h"
#include "odbc/odbc.h"
#include "util/civil.h"
#include "util/str.h"

#define DEC_WIDTH 96          /* decimal text: 65 digits, sign, point and slack */
#define TEXT_START 256        /* first buffer of a text or binary column */
#define TEXT_KEEP (1u << 20)  /* a buffer grown past this is shrunk after its row */

typedef enum kind {
    K_BOOL, K_INT, K_LONG, K_FLOAT, K_DOUBLE, K_DECIMAL, K_DATE, K_DATETIME, K_TEXT, K_BYTES
} kind;

typedef struct mcol {
    kind k;
    char *buf;                /* K_DECIMAL, K_TEXT, K_BYTES */
    unsigned long cap;
    union {
        int32_t i;
        int64_t l;
        float f;
        double d;
        MYSQL_TIME tm;
    } v;
    unsigned long len;
    my_bool is_null, error;
    uint32_t memo_ymd;        /* dates: the last year/month/day converted (0: none) ... */
    int64_t memo_days;        /* ... and its day number; neighbouring rows often share a day */
} mcol;

struct b2a_mysql_fetch {
    MYSQL *c;
    MYSQL_STMT *st;
    const b2a_table_def *t;
    mcol *cols;
    MYSQL_BIND *binds;
    int rebind;               /* a buffer moved: bind again before the next fetch */
    int active;               /* executed, rows still to read */
    int eof;
    uint64_t nulled;
};

#define OOM() b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory")

static kind kind_of(b2a_vtype vt)
{
    switch (vt) {
    case B2A_V_BOOLEAN: return K_BOOL;  /* BIT(1), selected CAST(b AS UNSIGNED) */
    case B2A_V_INT: return K_INT;
    case B2A_V_LONG:
    case B2A_V_TIME_MICROS: return K_LONG;
    case B2A_V_FLOAT: return K_FLOAT;
    case B2A_V_DOUBLE: return K_DOUBLE;
    case B2A_V_DECIMAL: return K_DECIMAL; /* also BIGINT UNSIGNED and BIT(64), converted to text */
    case B2A_V_DATE: return K_DATE;
    case B2A_V_TIMESTAMP_MICROS:
    case B2A_V_LOCAL_TIMESTAMP_MICROS:
    case B2A_V_LOCAL_TIMESTAMP_STRING: return K_DATETIME;
    case B2A_V_BYTES: return K_BYTES;
    case B2A_V_STRING:
    case B2A_V_UUID:
    case B2A_V_JSON: return K_TEXT;
    }
    return K_TEXT;
}

char *b2a__mysql_fetch_statement(const b2a_table_def *t)
{
    return b2a__mysql_fetch_statement_where(t, NULL);
}

static char *select_expr(const b2a_column *col)
{
    return b2a__odbc_select_expr(B2A_ODBC_MYSQL, col);
}

char *b2a__mysql_fetch_statement_where(const b2a_table_def *t, const char *where)
{
    char *list = b2a__sql_select_list(t, select_expr);
    char *qn = list ? b2a__odbc_qualified(B2A_ODBC_MYSQL, t->schema, t->name) : NULL;
    char *full = qn ? b2a__asprintf("SELECT %s FROM %s%s%s", list, qn, where ? " WHERE " : "", where ? where : "")
                    : NULL;
    free(qn);
    free(list);
    return full;
}

static int stmt_fail(b2a_mysql_fetch *f, const char *what, b2a_err *err)
{
    const char *state = mysql_stmt_sqlstate(f->st);
    b2a__err_set(err, B2A_EODBC, B2A_ERRCLASS_ODBC, "%s.%s: %s: %s", f->t->schema, f->t->name, what,
                 mysql_stmt_error(f->st));
    if (err && state && strcmp(state, "00000"))
        snprintf(err->sqlstate, sizeof err->sqlstate, "%s", state);
    return B2A_EODBC;
}

/* Point bind i at column i's value. */
static void bind_col(b2a_mysql_fetch *f, size_t i)
{
    mcol *mc = &f->cols[i];
    MYSQL_BIND *b = &f->binds[i];
    memset(b, 0, sizeof(*b));
    b->is_null = &mc->is_null;
    b->error = &mc->error;
    b->length = &mc->len;
    switch (mc->k) {
    case K_BOOL:
    case K_LONG: b->buffer_type = MYSQL_TYPE_LONGLONG; b->buffer = &mc->v.l; break;
    case K_INT: b->buffer_type = MYSQL_TYPE_LONG; b->buffer = &mc->v.i; break;
    case K_FLOAT: b->buffer_type = MYSQL_TYPE_FLOAT; b->buffer = &mc->v.f; break;
    case K_DOUBLE: b->buffer_type = MYSQL_TYPE_DOUBLE; b->buffer = &mc->v.d; break;
    case K_DATE: b->buffer_type = MYSQL_TYPE_DATE; b->buffer = &mc->v.tm; break;
    case K_DATETIME: b->buffer_type = MYSQL_TYPE_DATETIME; b->buffer = &mc->v.tm; break;
    case K_DECIMAL:
    case K_TEXT: b->buffer_type = MYSQL_TYPE_STRING; b->buffer = mc->buf; b->buffer_length = mc->cap; break;
    case K_BYTES: b->buffer_type = MYSQL_TYPE_BLOB; b->buffer = mc->buf; b->buffer_length = mc->cap; break;
    }
}

int b2a__mysql_fetch_open(MYSQL *c, const b2a_table_def *t, b2a_mysql_fetch **out, b2a_err *err)
{
    return b2a__mysql_fetch_open_where(c, t, NULL, out, err);
}

int b2a__mysql_fetch_open_where(MYSQL *c, const b2a_table_def *t, const char *where, b2a_mysql_fetch **out,
                                b2a_err *err)
{
    *out = NULL;
    if (!t || t->ncolumns == 0)
        return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "%s.%s: table has no columns to export",
                            t && t->schema ? t->schema : "?", t && t->name ? t->name : "?");
    b2a_mysql_fetch *f = calloc(1, sizeof(*f));
    if (!f)
        return OOM();
    f->c = c;
    f->t = t;
    f->cols = calloc(t->ncolumns, sizeof(*f->cols));
    f->binds = calloc(t->ncolumns, sizeof(*f->binds));
    char *sql = b2a__mysql_fetch_statement_where(t, where);
    int rc = f->cols && f->binds && sql ? B2A_OK : OOM();
    for (size_t i = 0; rc == B2A_OK && i < t->ncolumns; i++) {
        mcol *mc = &f->cols[i];
        mc->k = kind_of(t->columns[i].vtype);
        if (mc->k == K_DECIMAL || mc->k == K_TEXT || mc->k == K_BYTES) {
            mc->cap = mc->k == K_DECIMAL ? DEC_WIDTH : TEXT_START;
            if (!(mc->buf = malloc(mc->cap)))
                rc = OOM();
        }
        bind_col(f, i);
    }
    if (rc == B2A_OK && !(f->st = mysql_stmt_init(c)))
        rc = b2a__mysql_fail(c, "preparing the export query", err);
    if (rc == B2A_OK && mysql_stmt_prepare(f->st, sql, (unsigned long)strlen(sql)))
        rc = stmt_fail(f, "export query failed", err);
    if (rc == B2A_OK && mysql_stmt_field_count(f->st) != t->ncolumns)
        rc = b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_ODBC, "%s.%s: the export query has %u columns, not %zu",
                          t->schema, t->name, mysql_stmt_field_count(f->st), t->ncolumns);
    if (rc == B2A_OK && mysql_stmt_execute(f->st))
        rc = stmt_fail(f, "export query failed", err);
    if (rc == B2A_OK) {
        f->active = 1;
        if (mysql_stmt_bind_result(f->st, f->binds))
            rc = stmt_fail(f, "binding the columns", err);
    }
    free(sql);
    if (rc != B2A_OK) {
        b2a__mysql_fetch_close(f);
        return rc;
    }
    *out = f;
    return B2A_OK;
}

/* The whole of a text or binary value the fetch cut at its buffer's end:
 * the buffer grows to it and the column is read again. */
static int fetch_whole(b2a_mysql_fetch *f, size_t i, b2a_err *err)
{
    mcol *mc = &f->cols[i];
    unsigned long need = mc->len + 1;
    char *nb = realloc(mc->buf, need);
    if (!nb)
        return OOM();
    mc->buf = nb;
    mc->cap = need;
    bind_col(f, i);
    f->rebind = 1;
    if (mysql_stmt_fetch_column(f->st, &f->binds[i], (unsigned)i, 0))
        return stmt_fail(f, "reading a long value", err);
    return B2A_OK;
}

/* A buffer a long value grew past TEXT_KEEP goes back to its first size. */
static int shrink(b2a_mysql_fetch *f, size_t i)
{
    mcol *mc = &f->cols[i];
    char *nb = malloc(TEXT_START);
    if (!nb)
        return B2A_ENOMEM;
    free(mc->buf);
    mc->buf = nb;
    mc->cap = TEXT_START;
    bind_col(f, i);
    f->rebind = 1;
    return B2A_OK;
}

static int64_t col_days(mcol *mc, const MYSQL_TIME *tm)
{
    uint32_t key = (uint32_t)(uint16_t)tm->year << 16 | tm->month << 8 | tm->day; /* m, d >= 1: never 0 */
    if (key != mc->memo_ymd) {
        mc->memo_days = b2a__days_from_civil(tm->year, tm->month, tm->day);
        mc->memo_ymd = key;
    }
    return mc->memo_days;
}

static int put_value(b2a_mysql_fetch *f, b2a_sink *s, size_t i, b2a_err *err)
{
    mcol *mc = &f->cols[i];
    if (mc->is_null)
        return s->ops->null(s);
    switch (mc->k) {
    case K_BOOL: return s->ops->boolean(s, mc->v.l != 0);
    case K_INT: return s->ops->i32(s, mc->v.i);
    case K_LONG: return s->ops->i64(s, mc->v.l);
    case K_FLOAT: return s->ops->f32(s, mc->v.f);
    case K_DOUBLE: return s->ops->f64(s, mc->v.d);
    case K_DATE:
        if (mc->v.tm.month == 0 || mc->v.tm.day == 0) { /* a zero or partly zero date, as the ODBC path */
            f->nulled++;
            return s->ops->null(s);
        }
        return s->ops->i32(s, (int32_t)col_days(mc, &mc->v.tm));
    case K_DATETIME: {
        const MYSQL_TIME *tm = &mc->v.tm;
        if (tm->month == 0 || tm->day == 0) {
            f->nulled++;
            return s->ops->null(s);
        }
        int64_t us = ((col_days(mc, tm) * 24 + tm->hour) * 60 + tm->minute) * 60 + tm->second;
        return s->ops->i64(s, us * 1000000 + (int64_t)tm->second_part);
    }
    case K_DECIMAL: {
        const b2a_column *col = &f->t->columns[i];
        uint8_t be[B2A_DECIMAL_MAX_BYTES];
        size_t n = 0;
        if (b2a__decimal_from_short_text(mc->buf, mc->len, col->precision, col->scale, be, &n))
            return s->ops->decimal(s, be, n);
        int rc = b2a__decimal_from_text(mc->buf, mc->len, col->precision, col->scale, be, &n, err);
        if (rc)
            return b2a__err_prefix(err, "%s.%s, column %s (%s): ", f->t->schema, f->t->name, col->name,
                                   col->source_type ? col->source_type : "decimal");
        return s->ops->decimal(s, be, n);
    }
    case K_BYTES: return s->ops->bytes(s, mc->buf, mc->len);
    case K_TEXT: return s->ops->string(s, mc->buf, mc->len);
    }
    return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "unknown value kind");
}

/* The current row into the sink; cut values read whole first. */
static int put_row(b2a_mysql_fetch *f, b2a_sink *s, int truncated, b2a_err *err)
{
    const b2a_table_def *t = f->t;
    int rc;
    for (size_t i = 0; i < t->ncolumns; i++) {
        mcol *mc = &f->cols[i];
        if (truncated && mc->error && !mc->is_null) {
            if (mc->k != K_TEXT && mc->k != K_BYTES)
                return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_ODBC,
                                    "%s.%s, column %s: value does not fit its type (%lu bytes)", t->schema,
                                    t->name, t->columns[i].name, mc->len);
            if ((rc = fetch_whole(f, i, err)))
                return rc;
        }
        if ((rc = put_value(f, s, i, err)))
            return b2a__sink_refused_value(err, rc, t, i);
        if (mc->cap > TEXT_KEEP && shrink(f, i))
            return OOM();
    }
    return b2a__sink_end_row(s, t, err);
}

int b2a__mysql_fetch_next(b2a_mysql_fetch *f, b2a_sink *sink, size_t max_rows, size_t *rows_out, int *eof,
                          b2a_err *err)
{
    size_t done = 0;
    int rc = B2A_OK;
    b2a__err_clear(err);
    while (done < max_rows && !f->eof) {
        if (f->rebind) {
            if (mysql_stmt_bind_result(f->st, f->binds)) {
                rc = stmt_fail(f, "binding the columns", err);
                break;
            }
            f->rebind = 0;
        }
        int r = mysql_stmt_fetch(f->st);
        if (r == MYSQL_NO_DATA) {
            f->eof = 1;
            f->active = 0;
            break;
        }
        if (r != 0 && r != MYSQL_DATA_TRUNCATED) {
            rc = stmt_fail(f, "fetching rows", err);
            break;
        }
        if ((rc = put_row(f, sink, r == MYSQL_DATA_TRUNCATED, err)))
            break;
        done++;
    }
    *rows_out = done;
    *eof = f->eof;
    return rc;
}

int b2a__mysql_fetch_pending(const b2a_mysql_fetch *f)
{
    return f && f->active;
}

uint64_t b2a__mysql_fetch_nulled(const b2a_mysql_fetch *f)
{
    return f ? f->nulled : 0;
}

void b2a__mysql_fetch_close(b2a_mysql_fetch *f)
{
    if (!f)
        return;
    /* Reading the rest of a big table would take as long as exporting it:
     * cut the connection instead; the server ends the query. */
    if (f->active)
        mariadb_cancel(f->c);
    if (f->st)
        mysql_stmt_close(f->st);
    for (size_t i = 0; f->cols && i < f->t->ncolumns; i++)
        free(f->cols[i].buf);
    free(f->cols);
    free(f->binds);
    free(f);
}
