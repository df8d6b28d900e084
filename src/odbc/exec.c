/* Statements without results: session setup and a job's pre-/post-SQL. */
#include "odbc/odbc.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

int b2a__odbc_exec(b2a_odbc_conn *c, const char *sql, b2a_err *err)
{
    SQLHSTMT st = SQL_NULL_HSTMT;
    if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_STMT, b2a__odbc_conn_dbc(c), &st)))
        return b2a__odbc_diag(SQL_HANDLE_DBC, b2a__odbc_conn_dbc(c), "allocating a statement", err);
    SQLRETURN r = SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS);
    int rc = B2A_OK;
    if (!SQL_SUCCEEDED(r) && r != SQL_NO_DATA) {
        rc = b2a__odbc_diag(SQL_HANDLE_STMT, st, "SQL failed", err);
    } else {
        /* drain every result so multi-result statements (CALL) complete */
        while (SQL_SUCCEEDED(SQLMoreResults(st)))
            ;
    }
    SQLFreeHandle(SQL_HANDLE_STMT, st);
    return rc;
}

/* A piece holding only comments would be an "empty query" on PostgreSQL. */
static int only_comments(const char *s)
{
    while (*s) {
        if (isspace((unsigned char)*s)) {
            s++;
        } else if ((s[0] == '-' && s[1] == '-') || s[0] == '#') {
            while (*s && *s != '\n')
                s++;
        } else if (s[0] == '/' && s[1] == '*' && s[2] != '!') {
            const char *e = strstr(s + 2, "*/");
            if (!e)
                return 1;
            s = e + 2;
        } else {
            return 0;
        }
    }
    return 1;
}

int b2a__odbc_exec_script(b2a_odbc_conn *c, const char *script, const char *label, b2a_err *err)
{
    b2a_sql_stmt *st;
    size_t n;
    if (!label)
        label = "SQL script";
    if (b2a__odbc_split_script(b2a__odbc_conn_vendor(c), script, &st, &n))
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    int rc = B2A_OK;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (only_comments(st[i].text))
            continue;
        k++;
        rc = b2a__odbc_exec(c, st[i].text, err);
        if (rc) {
            /* name the statement by its number, line and opening words */
            char head[64];
            size_t j = 0;
            for (const char *p = st[i].text; *p && j < sizeof(head) - 4; p++)
                head[j++] = (*p == '\n' || *p == '\r' || *p == '\t') ? ' ' : *p;
            head[j] = '\0';
            if (strlen(st[i].text) > j)
                strcpy(head + j, "...");
            b2a__err_prefix(err, "%s: statement %zu at line %d (%s): ", label, k, st[i].line, head);
            break;
        }
    }
    b2a__odbc_stmts_free(st, n);
    return rc;
}
