/* The yardstick for bench_pg_export.sh: the plainest fast ODBC read of a
 * query. Same driver and connection string as bak2avro, the same session
 * setup, column-wise binding with the same C types bak2avro's cursor binds,
 * SQL_ATTR_ROW_ARRAY_SIZE rows per SQLFetch; it only counts rows. Links
 * against ODBC only, so nothing of the library is in its figure.
 *
 * The connection string comes from $B2A_BENCH_CONNSTR (it holds the
 * password). Output is one line of key=value pairs. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sql.h>
#include <sqlext.h>
#include "bench_clock.h"

#define DEC_WIDTH 96     /* as cursor.c: decimal text */
#define TEXT_WIDTH 1024  /* as cursor.c: the bound prefix of text columns on psqlODBC */

static long vm_hwm_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmHWM:", 6)) {
            v = strtol(line + 6, NULL, 10);
            break;
        }
    if (f)
        fclose(f);
    return v;
}

static void diag(SQLSMALLINT type, SQLHANDLE h, const char *what)
{
    SQLCHAR state[6], msg[1024];
    SQLINTEGER native;
    SQLSMALLINT len;
    fprintf(stderr, "bare_odbc_fetch: %s failed", what);
    for (SQLSMALLINT i = 1; SQL_SUCCEEDED(SQLGetDiagRec(type, h, i, state, &native, msg, sizeof msg, &len)); i++)
        fprintf(stderr, "%s[%s] %s", i == 1 ? ": " : "; ", state, msg);
    fputc('\n', stderr);
    exit(1);
}

/* The C type and cell width cursor.c would use for this SQL type. */
static SQLSMALLINT ctype_for(SQLSMALLINT sqltype, SQLULEN size, size_t *width)
{
    switch (sqltype) {
    case SQL_BIT: *width = 1; return SQL_C_BIT;
    case SQL_TINYINT:
    case SQL_SMALLINT:
    case SQL_INTEGER: *width = sizeof(SQLINTEGER); return SQL_C_SLONG;
    case SQL_BIGINT: *width = sizeof(SQLBIGINT); return SQL_C_SBIGINT;
    case SQL_REAL:
    case SQL_FLOAT:
    case SQL_DOUBLE: *width = sizeof(SQLDOUBLE); return SQL_C_DOUBLE;
    case SQL_NUMERIC:
    case SQL_DECIMAL: *width = DEC_WIDTH; return SQL_C_CHAR;
    case SQL_TYPE_DATE: *width = sizeof(SQL_DATE_STRUCT); return SQL_C_TYPE_DATE;
    case SQL_TYPE_TIMESTAMP: *width = sizeof(SQL_TIMESTAMP_STRUCT); return SQL_C_TYPE_TIMESTAMP;
    case SQL_GUID: *width = size * 4 + 1 < 8 ? 8 : size * 4 + 1; return SQL_C_CHAR;
    case SQL_BINARY:
    case SQL_VARBINARY:
    case SQL_LONGVARBINARY: *width = TEXT_WIDTH; return SQL_C_BINARY;
    default: *width = TEXT_WIDTH; return SQL_C_CHAR;
    }
}

int main(int argc, char **argv)
{
    SQLULEN rowset = 256; /* B2A_ODBC_ROWSET */
    int c;
    while ((c = getopt(argc, argv, "r:h")) != -1) {
        if (c == 'r' && atol(optarg) > 0)
            rowset = (SQLULEN)atol(optarg);
        else {
            fprintf(stderr, "usage: B2A_BENCH_CONNSTR=... bare_odbc_fetch [-r ROWSET] 'SELECT ...'\n");
            return 2;
        }
    }
    const char *connstr = getenv("B2A_BENCH_CONNSTR");
    if (optind + 1 != argc || !connstr) {
        fprintf(stderr, "usage: B2A_BENCH_CONNSTR=... bare_odbc_fetch [-r ROWSET] 'SELECT ...'\n");
        return 2;
    }
    const char *sql = argv[optind];

    double t0 = bench_seconds(CLOCK_MONOTONIC), c0 = bench_seconds(CLOCK_PROCESS_CPUTIME_ID);
    SQLHENV env;
    SQLHDBC dbc;
    SQLHSTMT st;
    SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &env);
    SQLSetEnvAttr(env, SQL_ATTR_ODBC_VERSION, (SQLPOINTER)SQL_OV_ODBC3, 0);
    SQLAllocHandle(SQL_HANDLE_DBC, env, &dbc);
    if (!SQL_SUCCEEDED(SQLDriverConnect(dbc, NULL, (SQLCHAR *)connstr, SQL_NTS, NULL, 0, NULL,
                                        SQL_DRIVER_NOPROMPT)))
        diag(SQL_HANDLE_DBC, dbc, "connect");
    SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
    /* bak2avro's session setup (odbc/conn.c), so the server formats alike */
    static const char *const setup[] = {"SET TIME ZONE 'UTC'", "SET intervalstyle = 'iso_8601'",
                                        "SET extra_float_digits = 3"};
    for (size_t i = 0; i < sizeof setup / sizeof *setup; i++) {
        if (!SQL_SUCCEEDED(SQLExecDirect(st, (SQLCHAR *)setup[i], SQL_NTS)))
            diag(SQL_HANDLE_STMT, st, setup[i]);
        SQLFreeStmt(st, SQL_CLOSE);
    }
    double t_conn = bench_seconds(CLOCK_MONOTONIC);

    SQLSetStmtAttr(st, SQL_ATTR_CURSOR_TYPE, (SQLPOINTER)SQL_CURSOR_FORWARD_ONLY, 0);
    SQLSetStmtAttr(st, SQL_ATTR_CONCURRENCY, (SQLPOINTER)SQL_CONCUR_READ_ONLY, 0);
    SQLULEN fetched = 0;
    if (!SQL_SUCCEEDED(SQLSetStmtAttr(st, SQL_ATTR_ROW_BIND_TYPE, (SQLPOINTER)SQL_BIND_BY_COLUMN, 0)) ||
        !SQL_SUCCEEDED(SQLSetStmtAttr(st, SQL_ATTR_ROW_ARRAY_SIZE, (SQLPOINTER)(uintptr_t)rowset, 0)) ||
        !SQL_SUCCEEDED(SQLSetStmtAttr(st, SQL_ATTR_ROWS_FETCHED_PTR, &fetched, 0)))
        diag(SQL_HANDLE_STMT, st, "block fetch setup");
    if (!SQL_SUCCEEDED(SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS)))
        diag(SQL_HANDLE_STMT, st, "query");
    SQLSMALLINT ncols = 0;
    SQLNumResultCols(st, &ncols);
    void **bufs = calloc((size_t)ncols * 2 + 1, sizeof(void *));
    if (!bufs) {
        fprintf(stderr, "bare_odbc_fetch: out of memory\n");
        return 1;
    }
    for (SQLUSMALLINT i = 1; i <= ncols; i++) {
        SQLCHAR nm[128];
        SQLSMALLINT nl, sqltype, dec, nul;
        SQLULEN size = 0;
        size_t width;
        if (!SQL_SUCCEEDED(SQLDescribeCol(st, i, nm, sizeof nm, &nl, &sqltype, &size, &dec, &nul)))
            diag(SQL_HANDLE_STMT, st, "describe");
        SQLSMALLINT ct = ctype_for(sqltype, size, &width);
        void *data = malloc(width * rowset);
        SQLLEN *ind = malloc(sizeof(SQLLEN) * rowset);
        bufs[2 * (i - 1)] = data;
        bufs[2 * (i - 1) + 1] = ind;
        if (!data || !ind) {
            fprintf(stderr, "bare_odbc_fetch: out of memory\n");
            return 1;
        }
        if (!SQL_SUCCEEDED(SQLBindCol(st, i, ct, data, (SQLLEN)width, ind)))
            diag(SQL_HANDLE_STMT, st, "bind");
    }
    uint64_t rows = 0;
    SQLRETURN r;
    while ((r = SQLFetch(st)) != SQL_NO_DATA) {
        if (!SQL_SUCCEEDED(r))
            diag(SQL_HANDLE_STMT, st, "fetch");
        rows += fetched;
    }
    double t_end = bench_seconds(CLOCK_MONOTONIC);
    SQLFreeHandle(SQL_HANDLE_STMT, st);
    SQLDisconnect(dbc);
    SQLFreeHandle(SQL_HANDLE_DBC, dbc);
    SQLFreeHandle(SQL_HANDLE_ENV, env);
    for (int i = 0; i < 2 * ncols; i++)
        free(bufs[i]);
    free(bufs);
    double stream = t_end - t_conn;
    printf("bare_odbc_fetch rowset=%lu columns=%d rows=%llu stream_s=%.3f rows_per_s=%.0f connect_s=%.3f "
           "cpu_s=%.3f peak_rss_mb=%.1f\n",
           (unsigned long)rowset, ncols, (unsigned long long)rows, stream, (double)rows / stream,
           t_conn - t0, bench_seconds(CLOCK_PROCESS_CPUTIME_ID) - c0, (double)vm_hwm_kb() / 1024);
    return 0;
}
