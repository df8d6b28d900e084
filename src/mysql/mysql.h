/* MariaDB/MySQL through libmariadb: connections and the unbuffered row
 * source, which gives the same values as the ODBC cursor (odbc/cursor.c)
 * for a table introspected over ODBC. Rows stream from the server one at
 * a time (a prepared statement's binary protocol, no cursor, no stored
 * result), so memory stays bounded on any table without the keyset
 * paging, and the page key, that Connector/ODBC's buffering forces on the
 * ODBC path. Internal. */
#ifndef B2A_MYSQL_MYSQL_H
#define B2A_MYSQL_MYSQL_H

#include <stddef.h>
#include <mysql.h>

#include "core/column.h"
#include "core/error.h"
#include "core/sink.h"

/* Where the server is. Strings are borrowed for the call. */
typedef struct b2a_mysql_params {
    const char *host;
    int port;
    const char *user;
    const char *password;     /* never logged, never in a message */
    const char *dbname;       /* NULL: none (tables are always named with their schema) */
    int connect_timeout_s;    /* <= 0: libmariadb's default */
} b2a_mysql_params;

/* conn.c: connect and set the session up the way the ODBC path's is
 * (odbc/conn.c, the vendor's connection string): utf8mb4, UTC. */
int b2a__mysql_connect(const b2a_mysql_params *p, MYSQL **out, b2a_err *err);
void b2a__mysql_disconnect(MYSQL *c);  /* NULL is fine */
/* err from the connection's last error (SQLSTATE kept), prefixed by what.
 * Returns B2A_EODBC. */
int b2a__mysql_fail(MYSQL *c, const char *what, b2a_err *err);

/* fetch.c: export a table into a sink in bounded chunks. c is used by the
 * fetch alone until it is closed. */
typedef struct b2a_mysql_fetch b2a_mysql_fetch;
int b2a__mysql_fetch_open(MYSQL *c, const b2a_table_def *t, b2a_mysql_fetch **out, b2a_err *err);
/* Write up to max_rows rows; *eof once the last row has been read. */
int b2a__mysql_fetch_next(b2a_mysql_fetch *f, b2a_sink *sink, size_t max_rows, size_t *rows_out, int *eof,
                          b2a_err *err);
/* Closing before the end aborts the connection (mariadb_cancel) rather
 * than read the rest of a big table: c can then only be disconnected.
 * After the end, c can run another statement. NULL is fine. */
void b2a__mysql_fetch_close(b2a_mysql_fetch *f);
/* 1 when closing f now would abort its connection (rows left unread). */
int b2a__mysql_fetch_pending(const b2a_mysql_fetch *f);

/* The SELECT the fetch runs for t: the ODBC path's column expressions. */
char *b2a__mysql_fetch_statement(const b2a_table_def *t);
/* The same for the rows matching where (SQL text, a split range; NULL: all). */
int b2a__mysql_fetch_open_where(MYSQL *c, const b2a_table_def *t, const char *where, b2a_mysql_fetch **out,
                                b2a_err *err);
char *b2a__mysql_fetch_statement_where(const b2a_table_def *t, const char *where);

/* Zero dates written as NULL so far (as b2a__odbc_cursor_nulled). */
uint64_t b2a__mysql_fetch_nulled(const b2a_mysql_fetch *f);

#endif
