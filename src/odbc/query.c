/* Small results as text: catalog queries during introspection. Not for
 * table data (see cursor.c): every cell is fetched with SQLGetData. */
#include "odbc/odbc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void b2a__odbc_result_clear(b2a_odbc_result *res)
{
    if (!res)
        return;
    for (size_t i = 0; res->cells && i < res->nrows * res->ncols; i++)
        free(res->cells[i]);
    free(res->cells);
    memset(res, 0, sizeof(*res));
}

/* One cell as a malloc'd string, looping while the driver truncates. */
static int get_text(SQLHSTMT st, SQLUSMALLINT col, char **out, b2a_err *err)
{
    size_t cap = 256, len = 0;
    char *buf = malloc(cap);
    if (!buf)
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    for (;;) {
        SQLLEN ind = 0;
        SQLRETURN r = SQLGetData(st, col, SQL_C_CHAR, buf + len, (SQLLEN)(cap - len), &ind);
        if (r == SQL_NO_DATA)
            break;
        if (!SQL_SUCCEEDED(r)) {
            free(buf);
            return b2a__odbc_diag(SQL_HANDLE_STMT, st, "reading a catalog value", err);
        }
        if (ind == SQL_NULL_DATA) {
            free(buf);
            *out = NULL;
            return B2A_OK;
        }
        size_t avail = cap - len - 1;
        if (r == SQL_SUCCESS_WITH_INFO && (ind == SQL_NO_TOTAL || (size_t)ind > avail)) {
            len += avail;
            size_t want = ind == SQL_NO_TOTAL ? cap * 2 : len + (size_t)ind - avail + 1;
            if (want < cap * 2)
                want = cap * 2;
            char *nb = realloc(buf, want);
            if (!nb) {
                free(buf);
                return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
            }
            buf = nb;
            cap = want;
            continue;
        }
        len += (size_t)ind;
        break;
    }
    buf[len] = '\0';
    *out = buf;
    return B2A_OK;
}

int b2a__odbc_query(b2a_odbc_conn *c, const char *sql, b2a_odbc_result *res, b2a_err *err)
{
    SQLHSTMT st = SQL_NULL_HSTMT;
    SQLSMALLINT ncols = 0;
    size_t cap = 0;
    int rc = B2A_OK;

    memset(res, 0, sizeof(*res));
    if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_STMT, b2a__odbc_conn_dbc(c), &st)))
        return b2a__odbc_diag(SQL_HANDLE_DBC, b2a__odbc_conn_dbc(c), "allocating a statement", err);
    if (!SQL_SUCCEEDED(SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS))) {
        rc = b2a__odbc_diag(SQL_HANDLE_STMT, st, "query failed", err);
        goto out;
    }
    if (!SQL_SUCCEEDED(SQLNumResultCols(st, &ncols)) || ncols <= 0) {
        rc = b2a__err_set(err, B2A_EODBC, B2A_ERRCLASS_ODBC, "query returned no result set");
        goto out;
    }
    res->ncols = (size_t)ncols;
    for (;;) {
        SQLRETURN r = SQLFetch(st);
        if (r == SQL_NO_DATA)
            break;
        if (!SQL_SUCCEEDED(r)) {
            rc = b2a__odbc_diag(SQL_HANDLE_STMT, st, "fetching a catalog row", err);
            goto out;
        }
        if (res->nrows == cap) {
            size_t nc = cap ? cap * 2 : 16;
            char **cells = realloc(res->cells, nc * res->ncols * sizeof(char *));
            if (!cells) {
                rc = b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
                goto out;
            }
            res->cells = cells;
            cap = nc;
        }
        char **row = res->cells + res->nrows * res->ncols;
        memset(row, 0, res->ncols * sizeof(char *));
        res->nrows++;
        for (SQLSMALLINT i = 0; i < ncols; i++) {
            rc = get_text(st, (SQLUSMALLINT)(i + 1), &row[i], err);
            if (rc)
                goto out;
        }
    }
out:
    SQLFreeHandle(SQL_HANDLE_STMT, st);
    if (rc)
        b2a__odbc_result_clear(res);
    return rc;
}

int b2a__odbc_query_i64(b2a_odbc_conn *c, const char *sql, int64_t *out, b2a_err *err)
{
    b2a_odbc_result r;
    int rc = b2a__odbc_query(c, sql, &r, err);
    if (rc)
        return rc;
    const char *v = r.nrows > 0 ? b2a__odbc_cell(&r, 0, 0) : NULL;
    char *end = NULL;
    errno = 0;
    long long x = v ? strtoll(v, &end, 10) : 0;
    if (!v || errno || end == v || *end) {
        rc = b2a__err_set(err, B2A_EODBC, B2A_ERRCLASS_ODBC, "expected an integer from \"%.200s\", got %s",
                          sql, v ? v : "no value");
    } else {
        *out = x;
    }
    b2a__odbc_result_clear(&r);
    return rc;
}
