/* Connections from a vendor-built connection string. The string carries the
 * password, so it never goes into an error message. */
#include "odbc/odbc.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct b2a_odbc_conn {
    SQLHENV env;
    SQLHDBC dbc;
    b2a_odbc_vendor vendor;
};

/* The Driver= value of a connection string ("PostgreSQL Unicode"). */
static void driver_name(const char *cs, char *out, size_t outsz)
{
    out[0] = '\0';
    for (const char *p = cs; p && *p;) {
        while (*p == ';' || isspace((unsigned char)*p))
            p++;
        if (strncasecmp(p, "driver", 6) == 0) {
            const char *q = p + 6;
            while (isspace((unsigned char)*q))
                q++;
            if (*q == '=') {
                q++;
                while (isspace((unsigned char)*q))
                    q++;
                const char *end;
                if (*q == '{') {
                    q++;
                    end = strchr(q, '}');
                } else {
                    end = strchr(q, ';');
                }
                size_t n = end ? (size_t)(end - q) : strlen(q);
                if (n >= outsz)
                    n = outsz - 1;
                memcpy(out, q, n);
                out[n] = '\0';
                return;
            }
        }
        /* skip this attribute, honouring {braced;values} */
        while (*p && *p != ';') {
            if (*p == '{') {
                const char *e = strchr(p, '}');
                p = e ? e + 1 : p + strlen(p);
            } else {
                p++;
            }
        }
    }
}

static int session_setup(b2a_odbc_conn *c, b2a_err *err)
{
    /* Instants come back as UTC wall clock, so TIMESTAMP WITH TIME ZONE
     * (PostgreSQL) and TIMESTAMP (MariaDB) convert without zone tables;
     * intervals print as ISO-8601 and floats with every digit. */
    static const char *const pg[] = {"SET TIME ZONE 'UTC'", "SET intervalstyle = 'iso_8601'",
                                     "SET extra_float_digits = 3", NULL};
    static const char *const my[] = {"SET time_zone = '+00:00'", NULL};
    /* FreeTDS caps text/ntext/image at 4 KB unless told otherwise. */
    static const char *const ms[] = {"SET TEXTSIZE 2147483647", NULL};
    /* Oracle: instants in UTC (SYS_EXTRACT_UTC, TIMESTAMP WITH LOCAL TIME
     * ZONE) and a '.' decimal separator whatever NLS_LANG the client has. */
    static const char *const ora[] = {"ALTER SESSION SET TIME_ZONE = 'UTC'",
                                      "ALTER SESSION SET NLS_NUMERIC_CHARACTERS = '.,'", NULL};
    const char *const *setup = c->vendor == B2A_ODBC_POSTGRES    ? pg
                               : c->vendor == B2A_ODBC_SQLSERVER ? ms
                               : c->vendor == B2A_ODBC_ORACLE    ? ora
                                                                 : my;
    for (const char *const *s = setup; *s; s++) {
        int rc = b2a__odbc_exec(c, *s, err);
        if (rc)
            return b2a__err_prefix(err, "setting up the session (%s): ", *s);
    }
    return B2A_OK;
}

int b2a__odbc_connect(b2a_odbc_vendor vendor, const char *connstr, int login_timeout_s,
                      b2a_odbc_conn **out, b2a_err *err)
{
    *out = NULL;
    if (!connstr || (vendor != B2A_ODBC_POSTGRES && vendor != B2A_ODBC_MYSQL && vendor != B2A_ODBC_SQLSERVER &&
                     vendor != B2A_ODBC_ORACLE))
        return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "ODBC connect: bad arguments");
    b2a_odbc_conn *c = calloc(1, sizeof(*c));
    if (!c)
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    c->vendor = vendor;
    int rc = b2a__odbc_env_acquire(&c->env, err);
    if (rc) {
        free(c);
        return rc;
    }
    if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_DBC, c->env, &c->dbc))) {
        rc = b2a__odbc_diag(SQL_HANDLE_ENV, c->env, "allocating an ODBC connection", err);
        goto fail;
    }
    if (login_timeout_s > 0)
        SQLSetConnectAttr(c->dbc, SQL_ATTR_LOGIN_TIMEOUT, (SQLPOINTER)(intptr_t)login_timeout_s, 0);

    SQLRETURN r = SQLDriverConnect(c->dbc, NULL, (SQLCHAR *)connstr, SQL_NTS, NULL, 0, NULL,
                                   SQL_DRIVER_NOPROMPT);
    if (!SQL_SUCCEEDED(r)) {
        char drv[128];
        driver_name(connstr, drv, sizeof(drv));
        rc = b2a__odbc_diag(SQL_HANDLE_DBC, c->dbc, "ODBC connect", err);
        /* unixODBC says IM002 for an unknown DSN but 01000 "Can't open lib"
         * for a Driver= it cannot load: both mean the driver is missing */
        if (err && (strcmp(err->sqlstate, "IM002") == 0 || strstr(err->msg, "Can't open lib"))) {
            const char *pkg = b2a__odbc_driver_package(drv);
            char detail[256];
            const char *dm = strstr(err->msg, "[unixODBC]");
            snprintf(detail, sizeof(detail), "%.200s", dm ? dm : err->msg);
            if (pkg)
                b2a__err_set(err, B2A_ENOTFOUND, B2A_ERRCLASS_ODBC,
                             "ODBC driver \"%s\" is not installed: install the Debian package %s (%s)",
                             drv, pkg, detail);
            else
                b2a__err_set(err, B2A_ENOTFOUND, B2A_ERRCLASS_ODBC,
                             "ODBC driver \"%s\" is not installed or not registered in odbcinst.ini (%s)",
                             drv[0] ? drv : "(none named)", detail);
            memcpy(err->sqlstate, "IM002", 6);
            rc = B2A_ENOTFOUND;
        }
        SQLFreeHandle(SQL_HANDLE_DBC, c->dbc);
        c->dbc = SQL_NULL_HDBC;
        goto fail;
    }
    rc = session_setup(c, err);
    if (rc) {
        b2a__odbc_disconnect(c);
        return rc;
    }
    *out = c;
    return B2A_OK;
fail:
    b2a__odbc_env_release();
    free(c);
    return rc;
}

void b2a__odbc_disconnect(b2a_odbc_conn *c)
{
    if (!c)
        return;
    if (c->dbc != SQL_NULL_HDBC) {
        SQLDisconnect(c->dbc);
        SQLFreeHandle(SQL_HANDLE_DBC, c->dbc);
    }
    b2a__odbc_env_release();
    free(c);
}

SQLHDBC b2a__odbc_conn_dbc(const b2a_odbc_conn *c)
{
    return c->dbc;
}

b2a_odbc_vendor b2a__odbc_conn_vendor(const b2a_odbc_conn *c)
{
    return c->vendor;
}
