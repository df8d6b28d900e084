/* The ODBC layer: one environment per process, connections, diagnostics,
 * scripts, small catalog queries, table cursors and key ranges.
 * Internal; the vendor layer builds connection strings, the job drives. */
#ifndef B2A_ODBC_ODBC_H
#define B2A_ODBC_ODBC_H

#include <stddef.h>
#include <stdint.h>
#include <sql.h>
#include <sqlext.h>

#include "core/column.h"
#include "core/error.h"
#include "core/sink.h"

/* Which SQL dialect is on the other end: quoting, catalog, session setup. */
typedef enum b2a_odbc_vendor {
    B2A_ODBC_POSTGRES = 1,
    B2A_ODBC_MYSQL = 2,     /* MariaDB and MySQL */
    B2A_ODBC_SQLSERVER = 3, /* Microsoft SQL Server (ODBC Driver 17/18 or FreeTDS) */
    B2A_ODBC_ORACLE = 4     /* Oracle (Instant Client ODBC driver; quoting as PostgreSQL's) */
} b2a_odbc_vendor;

typedef struct b2a_odbc_conn b2a_odbc_conn;

/* env.c: the process-wide SQLHENV, refcounted and thread-safe. */
int b2a__odbc_env_acquire(SQLHENV *out, b2a_err *err);
void b2a__odbc_env_release(void);

/* diag.c: turn the diagnostics of a failed call into err (class ODBC,
 * SQLSTATE, native error, the driver's text prefixed by `what`).
 * Returns B2A_EODBC (B2A_ENOTFOUND for IM002). */
int b2a__odbc_diag(SQLSMALLINT htype, SQLHANDLE h, const char *what, b2a_err *err);
/* introspect_sqlserver.c: the odbcinst.ini name of an installed SQL Server
 * driver, Microsoft's first ("ODBC Driver 18 for SQL Server", then 17),
 * else FreeTDS. B2A_ENOTFOUND when none is installed. */
int b2a__odbc_sqlserver_driver(char *out, size_t cap);
/* Debian package providing the driver named in a connection string, or NULL. */
const char *b2a__odbc_driver_package(const char *driver_name);

/* conn.c: connect with a full connection string (never logged: it holds
 * the password). login_timeout_s <= 0 leaves the driver default. The
 * session is set up for export: UTC time zone, UTF-8. */
int b2a__odbc_connect(b2a_odbc_vendor vendor, const char *connstr, int login_timeout_s,
                      b2a_odbc_conn **out, b2a_err *err);
void b2a__odbc_disconnect(b2a_odbc_conn *c);   /* NULL is fine */
SQLHDBC b2a__odbc_conn_dbc(const b2a_odbc_conn *c);
b2a_odbc_vendor b2a__odbc_conn_vendor(const b2a_odbc_conn *c);

/* exec.c: one statement, no result wanted. */
int b2a__odbc_exec(b2a_odbc_conn *c, const char *sql, b2a_err *err);
/* A script of several statements (a job's pre-/post-SQL), run one by one
 * in order; stops at the first failure and names it ("statement 3 at line
 * 7: ..."). `label` names the script in messages (a file name or "pre-SQL"). */
int b2a__odbc_exec_script(b2a_odbc_conn *c, const char *script, const char *label, b2a_err *err);

/* query.c: a small result (catalog queries), every cell as UTF-8 text,
 * NULL cells as NULL pointers. cells[row * ncols + col]. */
typedef struct b2a_odbc_result {
    size_t nrows, ncols;
    char **cells;
} b2a_odbc_result;
int b2a__odbc_query(b2a_odbc_conn *c, const char *sql, b2a_odbc_result *res, b2a_err *err);
void b2a__odbc_result_clear(b2a_odbc_result *res);
static inline const char *b2a__odbc_cell(const b2a_odbc_result *r, size_t row, size_t col)
{
    return r->cells[row * r->ncols + col];
}
/* First cell of a one-row query as int64. */
int b2a__odbc_query_i64(b2a_odbc_conn *c, const char *sql, int64_t *out, b2a_err *err);

/* sqltext.c: SQL text helpers, pure. Results are malloc'd (NULL on OOM). */
char *b2a__odbc_quote_ident(b2a_odbc_vendor v, const char *name);       /* "a""b" / `a``b` / [a]]b] */
char *b2a__odbc_quote_literal(b2a_odbc_vendor v, const char *text);     /* 'it''s' / N'it''s' */
char *b2a__odbc_qualified(b2a_odbc_vendor v, const char *schema, const char *name);
/* "e1,e2,..." of expr(column) over t's columns, for the native paths'
 * SELECT (MariaDB fetch, PostgreSQL COPY); NULL when expr or memory fails. */
char *b2a__sql_select_list(const b2a_table_def *t, char *(*expr)(const b2a_column *col));
/* A key value (text from the server) as SQL for a column of type vt:
 * numbers stay numbers, since a quoted bound would compare as a double on
 * MariaDB; anything else is a quoted literal. */
char *b2a__odbc_value_literal(b2a_odbc_vendor v, b2a_vtype vt, const char *text);
/* Split a script into statements at top-level semicolons, skipping quotes,
 * comments, PostgreSQL dollar quotes and honouring the mysql client's
 * DELIMITER lines. Each piece is trimmed; empty ones dropped. line is the
 * 1-based line where the statement starts. */
typedef struct b2a_sql_stmt {
    char *text;
    int line;
} b2a_sql_stmt;
int b2a__odbc_split_script(b2a_odbc_vendor v, const char *script, b2a_sql_stmt **out, size_t *n);
void b2a__odbc_stmts_free(b2a_sql_stmt *s, size_t n);

/* cursor.c: export a table, or a key range of it, into a sink in bounded
 * chunks. range_where is SQL text for a WHERE clause (see keyrange) or NULL.
 * Columns are written in table order; wide ones are fetched piecewise. */
typedef struct b2a_cursor b2a_cursor;
int b2a__odbc_cursor_open(b2a_odbc_conn *c, b2a_odbc_vendor vendor, const b2a_table_def *t,
                          const char *range_where, b2a_cursor **out, b2a_err *err);
/* Write up to max_rows rows; *eof set once the result is exhausted. */
int b2a__odbc_cursor_next(b2a_cursor *cur, b2a_sink *sink, size_t max_rows, size_t *rows_out,
                          int *eof, b2a_err *err);
/* Values the target cannot represent (MariaDB zero dates, PostgreSQL
 * infinite dates) written as NULL so far. */
uint64_t b2a__odbc_cursor_nulled(const b2a_cursor *cur);
/* Export queries run so far: 1, or the number of keyset pages (MariaDB). */
uint64_t b2a__odbc_cursor_queries(const b2a_cursor *cur);
void b2a__odbc_cursor_close(b2a_cursor *cur);  /* NULL is fine */

/* fromclause.c: what a table's rows are read FROM. On PostgreSQL an ordinary
 * table is read with ONLY, so the rows of old-style inheritance children are
 * exported once, with the child, not again with the parent; a partitioned
 * parent is read whole (its partitions are not listed). malloc'd. */
int b2a__odbc_from_clause(b2a_odbc_conn *c, const b2a_table_def *t, char **out, b2a_err *err);

/* Fetch rows per SQLFetch; a few hundred keeps memory small and calls few. */
#define B2A_ODBC_ROWSET 256
/* Rows per keyset page on MariaDB, whose driver (before 3.1.17) keeps a
 * whole result in memory. */
#define B2A_ODBC_PAGE_ROWS 20000
/* Process-wide page size for cursors opened afterwards (0: the default);
 * for tests and tuning. */
void b2a__odbc_set_page_rows(size_t rows);

/* keyrange.c: split a table into at most n ranges on an orderable column
 * (normally the first primary-key column). Range i covers lo <= key < hi;
 * the first has lo NULL and the last hi NULL, so together they cover every
 * row exactly once. Bounds are text. Fewer ranges come back when the table
 * has fewer distinct keys. */
typedef struct b2a_keyrange {
    char *lo;   /* NULL: unbounded below */
    char *hi;   /* NULL: unbounded above */
} b2a_keyrange;
int b2a__odbc_keyrange_split(b2a_odbc_conn *c, b2a_odbc_vendor vendor, const b2a_table_def *t,
                             const char *keycol, int n, b2a_keyrange **out, size_t *nout,
                             b2a_err *err);
/* Whether a MySQL/MariaDB server of this VERSION() has window functions
 * (ntile): MySQL 8.0+, MariaDB 10.2+; 1 when the text is unreadable. Where
 * it has none, or B2A_SPLIT_NO_WINDOW_FUNCTIONS=1, a non-integer key is cut
 * at the keys at every n-th of the sorted keys instead. */
int b2a__odbc_mysql_has_window_functions(const char *version);
/* The WHERE text for cursor_open: "k" >= 10 AND "k" < 20 (NULL on OOM). */
char *b2a__odbc_keyrange_where(b2a_odbc_vendor vendor, const b2a_table_def *t, const char *keycol,
                               const b2a_keyrange *r);
void b2a__odbc_keyranges_free(b2a_keyrange *r, size_t n);

#endif
