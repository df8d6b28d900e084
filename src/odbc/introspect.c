/* Vendor dispatch and the helpers both catalogs share. */
#include "odbc/introspect.h"
#include "odbc/introspect_oracle.h"
#include "odbc/introspect_sqlserver.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/str.h"

const char *b2a__odbc_table_kind_name(b2a_table_kind k)
{
    switch (k) {
    case B2A_TABLE_KIND_TABLE: return "table";
    case B2A_TABLE_KIND_PARTITIONED: return "partitioned table";
    case B2A_TABLE_KIND_VIEW: return "view";
    case B2A_TABLE_KIND_MATVIEW: return "materialized view";
    case B2A_TABLE_KIND_FOREIGN: return "foreign table";
    case B2A_TABLE_KIND_SEQUENCE: return "sequence";
    }
    return "unknown";
}

int b2a__odbc_introspect(b2a_odbc_conn *c, const b2a_introspect_opts *opts,
                         b2a_odbc_table **out, size_t *n, b2a_err *err)
{
    static const b2a_introspect_opts defaults = B2A_INTROSPECT_OPTS_INIT;
    if (!opts)
        opts = &defaults;
    *out = NULL;
    *n = 0;
    int rc;
    switch (b2a__odbc_conn_vendor(c)) {
    case B2A_ODBC_POSTGRES: rc = b2a__introspect_postgres(c, opts, out, n, err); break;
    case B2A_ODBC_SQLSERVER: rc = b2a__introspect_sqlserver(c, opts, out, n, err); break;
    case B2A_ODBC_ORACLE: rc = b2a__introspect_oracle(c, opts, out, n, err); break;
    default: rc = b2a__introspect_mysql(c, opts, out, n, err); break;
    }
    /* Exact row counts, the same way for every vendor (FROM ONLY on PostgreSQL). */
    for (size_t i = 0; rc == B2A_OK && opts->count_rows && i < *n; i++)
        if ((*out)[i].exported && (*out)[i].def.ncolumns)
            rc = b2a__introspect_count(c, &(*out)[i], err);
    /* after the counts, which query the database's names */
    if (rc == B2A_OK && b2a__introspect_rename_schemas(*out, *n, opts->rename, opts->nrename))
        rc = b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    if (rc != B2A_OK) {
        b2a__odbc_tables_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

int b2a__introspect_rename_schemas(b2a_odbc_table *t, size_t n, const char *const *pairs, size_t npairs)
{
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k + 1 < npairs; k += 2)
            if (t[i].def.schema && !strcmp(t[i].def.schema, pairs[k])) {
                char *s = b2a__strdup(pairs[k + 1]);
                if (!s)
                    return B2A_ENOMEM;
                free(t[i].def.schema);
                t[i].def.schema = s;
                break;
            }
    return B2A_OK;
}

void b2a__odbc_tables_free(b2a_odbc_table *t, size_t n)
{
    for (size_t i = 0; t && i < n; i++) {
        b2a__table_def_clear(&t[i].def);
        b2a__strv_free(t[i].pk, t[i].npk);
    }
    free(t);
}

char *b2a__odbc_select_expr(b2a_odbc_vendor v, const b2a_column *col)
{
    char *q = b2a__odbc_quote_ident(v, col->name);
    if (!q)
        return NULL;
    char *e = v == B2A_ODBC_POSTGRES    ? b2a__select_expr_postgres(col, q)
              : v == B2A_ODBC_SQLSERVER ? b2a__select_expr_sqlserver(col, q)
              : v == B2A_ODBC_ORACLE    ? b2a__select_expr_oracle(col, q)
                                        : b2a__select_expr_mysql(col, q);
    free(q);
    return e;
}

int b2a__introspect_schema_filter(b2a_odbc_vendor v, const b2a_introspect_opts *o,
                                  const char *column, char **sql_out)
{
    *sql_out = NULL;
    size_t cap = 64 + strlen(column), len = 0;
    for (size_t i = 0; i < o->nschemas; i++)
        cap += 2 * strlen(o->schemas[i]) + 4;
    char *s = malloc(cap);
    if (!s)
        return B2A_ENOMEM;
    s[0] = '\0';
    if (o->schemas && o->nschemas) {
        len += (size_t)snprintf(s, cap, " AND %s IN (", column);
        for (size_t i = 0; i < o->nschemas; i++) {
            char *lit = b2a__odbc_quote_literal(v, o->schemas[i]);
            if (!lit) {
                free(s);
                return B2A_ENOMEM;
            }
            len += (size_t)snprintf(s + len, cap - len, "%s%s", i ? "," : "", lit);
            free(lit);
        }
        snprintf(s + len, cap - len, ")");
    }
    *sql_out = s;
    return B2A_OK;
}

int b2a__introspect_queryf(b2a_odbc_conn *c, b2a_odbc_result *res, b2a_err *err, const char *fmt, ...)
{
    va_list ap;
    char *sql = NULL;
    memset(res, 0, sizeof(*res));
    va_start(ap, fmt);
    if (vasprintf(&sql, fmt, ap) < 0)
        sql = NULL;
    va_end(ap);
    if (!sql)
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    int rc = b2a__odbc_query(c, sql, res, err);
    free(sql);
    return rc;
}

int b2a__introspect_count(b2a_odbc_conn *c, b2a_odbc_table *t, b2a_err *err)
{
    char *from = NULL;
    int rc = b2a__odbc_from_clause(c, &t->def, &from, err);
    if (rc)
        return rc;
    /* COUNT_BIG: SQL Server's count(*) is an int and overflows past 2^31 rows. */
    const char *count = b2a__odbc_conn_vendor(c) == B2A_ODBC_SQLSERVER ? "COUNT_BIG(*)" : "count(*)";
    char *sql = b2a__asprintf("SELECT %s FROM %s", count, from);
    free(from);
    if (!sql)
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    rc = b2a__odbc_query_i64(c, sql, &t->def.row_count, err);
    free(sql);
    if (rc)
        b2a__err_prefix(err, "counting rows of %s.%s: ", t->def.schema, t->def.name);
    return rc;
}

int b2a__introspect_add_column(b2a_table_def *t, const char *name, const char *source_type,
                               b2a_vtype vt, int precision, int scale, int nullable, const char *note)
{
    b2a_column *nc = realloc(t->columns, (t->ncolumns + 1) * sizeof(*nc));
    if (!nc)
        return B2A_ENOMEM;
    t->columns = nc;
    b2a_column *c = &nc[t->ncolumns];
    memset(c, 0, sizeof(*c));
    c->name = b2a__strdup(name);
    c->source_type = b2a__strdup(source_type);
    c->note = note ? b2a__strdup(note) : NULL;
    c->vtype = vt;
    c->precision = precision;
    c->scale = scale;
    c->nullable = nullable;
    t->ncolumns++;
    if (!c->name || !c->source_type || (note && !c->note))
        return B2A_ENOMEM;
    return B2A_OK;
}

void b2a__introspect_dates_nulled(b2a_column *c)
{
    if (c->vtype == B2A_V_DATE || c->vtype == B2A_V_TIMESTAMP_MICROS || c->vtype == B2A_V_LOCAL_TIMESTAMP_MICROS)
        c->nulls_values = 1;
}

int b2a__introspect_add_pk(b2a_odbc_table *t, const char *col)
{
    char **np = realloc(t->pk, (t->npk + 1) * sizeof(*np));
    if (!np)
        return B2A_ENOMEM;
    t->pk = np;
    np[t->npk] = b2a__strdup(col);
    if (!np[t->npk])
        return B2A_ENOMEM;
    t->npk++;
    return B2A_OK;
}

static int cmp_id(const void *a, const void *b)
{
    long x = ((const b2a_introspect_id *)a)->id, y = ((const b2a_introspect_id *)b)->id;
    return x < y ? -1 : x > y;
}

void b2a__introspect_ids_sort(b2a_introspect_id *ids, size_t n)
{
    qsort(ids, n, sizeof(*ids), cmp_id);
}

b2a_odbc_table *b2a__introspect_find(const b2a_introspect_id *ids, size_t n, b2a_odbc_table *tabs, long id)
{
    b2a_introspect_id key = {id, 0};
    const b2a_introspect_id *r = bsearch(&key, ids, n, sizeof(*ids), cmp_id);
    return r ? &tabs[r->idx] : NULL;
}
