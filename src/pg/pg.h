/* PostgreSQL through libpq: connections and the COPY (FORMAT binary) row
 * source, which gives the same values as the ODBC cursor (odbc/cursor.c)
 * for a table introspected over ODBC, several times faster: no text to
 * parse, one decode per value straight into the sink. Internal. */
#ifndef B2A_PG_PG_H
#define B2A_PG_PG_H

#include <stddef.h>
#include <libpq-fe.h>

#include "core/column.h"
#include "core/error.h"
#include "core/sink.h"

/* Where the server is. Strings are borrowed for the call. */
typedef struct b2a_pg_params {
    const char *host;
    int port;
    const char *user;
    const char *password;     /* never logged, never in a message */
    const char *dbname;
    int connect_timeout_s;    /* <= 0: libpq's default */
    const char *conninfo;     /* a URL or key=value text (a DSN's): used instead of the
                                 fields above, its sslmode honoured (a database beyond
                                 the loopback may need TLS) */
} b2a_pg_params;

/* conn.c: connect and set the session up the way the ODBC path's is
 * (odbc/conn.c): UTC, ISO dates and intervals, every float digit, UTF-8. */
int b2a__pg_connect(const b2a_pg_params *p, PGconn **out, b2a_err *err);
void b2a__pg_disconnect(PGconn *c);  /* NULL is fine */
/* err from a failed result (SQLSTATE kept) or, res NULL, from the
 * connection; prefixed by what. Returns B2A_EODBC. */
int b2a__pg_fail(PGconn *c, const PGresult *res, const char *what, b2a_err *err);

/* copy.c: export a table into a sink in bounded chunks with
 * COPY (SELECT ...) TO STDOUT (FORMAT binary) on c, which the cursor uses
 * alone until it is closed. */
typedef struct b2a_pg_copy b2a_pg_copy;
int b2a__pg_copy_open(PGconn *c, const b2a_table_def *t, b2a_pg_copy **out, b2a_err *err);
/* Write up to max_rows rows; *eof once the COPY has ended and the server
 * said it succeeded. */
int b2a__pg_copy_next(b2a_pg_copy *cur, b2a_sink *sink, size_t max_rows, size_t *rows_out, int *eof,
                      b2a_err *err);
/* Ends a COPY still running (cancel request, rest discarded), so c can
 * be used again. NULL is fine. */
void b2a__pg_copy_close(b2a_pg_copy *cur);
/* The same for the rows matching where (SQL text, a split range), NULL: all. */
int b2a__pg_copy_open_where(PGconn *c, const b2a_table_def *t, const char *where, b2a_pg_copy **out,
                            b2a_err *err);
int b2a__pg_copy_statement_where(PGconn *c, const b2a_table_def *t, const char *where, char **out,
                                 b2a_err *err);

/* The COPY statement the cursor runs for t (for benchmarks and messages). */
int b2a__pg_copy_statement(PGconn *c, const b2a_table_def *t, char **out, b2a_err *err);

/* The SELECT-list expression for a column, cast so its binary form is the
 * one the cursor decodes; text columns as the ODBC path selects them. */
char *b2a__pg_copy_expr(const b2a_column *col, const char *qname);

#endif
