/* libpq connections. The session is set up in the startup packet, so it
 * costs no round trip, to match the ODBC path's (odbc/conn.c): values cast
 * to text in the SELECT must read the same whichever way they travel. */
#include "pg/pg.h"

#include <stdio.h>
#include <string.h>

int b2a__pg_fail(PGconn *c, const PGresult *res, const char *what, b2a_err *err)
{
    const char *msg = res ? PQresultErrorMessage(res) : NULL;
    if (!msg || !*msg)
        msg = c ? PQerrorMessage(c) : "out of memory";
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        n--;
    b2a__err_set(err, B2A_EODBC, B2A_ERRCLASS_ODBC, "%s: %.*s", what, (int)n, msg);
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (err && state)
        snprintf(err->sqlstate, sizeof err->sqlstate, "%s", state);
    return B2A_EODBC;
}

int b2a__pg_connect(const b2a_pg_params *p, PGconn **out, b2a_err *err)
{
    *out = NULL;
    char port[16], timeout[16];
    snprintf(port, sizeof port, "%d", p->port);
    snprintf(timeout, sizeof timeout, "%d", p->connect_timeout_s > 0 ? p->connect_timeout_s : 0);
    PGconn *c;
    if (p->conninfo) {
        /* expand_dbname: the first dbname is the caller's conninfo; the
         * session settings after it override nothing it names but these */
        const char *const keys[] = {"dbname", "connect_timeout", "client_encoding", "options",
                                    "application_name", NULL};
        const char *const vals[] = {p->conninfo, p->connect_timeout_s > 0 ? timeout : NULL, "UTF8",
                                    "-c TimeZone=UTC -c IntervalStyle=iso_8601 -c extra_float_digits=3"
                                    " -c DateStyle=ISO,MDY",
                                    "bak2avro", NULL};
        c = PQconnectdbParams(keys, vals, 1);
    } else {
        /* The container is private and on the loopback: no TLS or GSS to try. */
        const char *const keys[] = {"host", "port", "user", "password", "dbname", "connect_timeout",
                                    "client_encoding", "options", "sslmode", "gssencmode", "application_name",
                                    NULL};
        const char *const vals[] = {p->host, port, p->user, p->password, p->dbname, timeout,
                                    "UTF8",
                                    "-c TimeZone=UTC -c IntervalStyle=iso_8601 -c extra_float_digits=3"
                                    " -c DateStyle=ISO,MDY",
                                    "disable", "disable", "bak2avro", NULL};
        c = PQconnectdbParams(keys, vals, 0);
    }
    if (!c)
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    if (PQstatus(c) != CONNECTION_OK) {
        b2a__pg_fail(c, NULL, "PostgreSQL connect", err);
        PQfinish(c);
        return B2A_EODBC;
    }
    *out = c;
    return B2A_OK;
}

void b2a__pg_disconnect(PGconn *c)
{
    if (c)
        PQfinish(c);
}
