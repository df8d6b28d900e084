/* DSN: how a caller names a database to export from. Three forms are
 * accepted (and nothing else), the same in the C API (b2a_source_options.dsn,
 * b2a_job_options.dsn), the CLI (`bak2avro export --dsn`) and the bindings:
 *
 *   postgresql://[USER[:PASSWORD]@]HOST[:PORT][/DBNAME][?KEY=VALUE&...]
 *   postgres://...                     PostgreSQL: rows through libpq's COPY
 *                                      (FORMAT binary), catalog through psqlODBC.
 *                                      Query keys go to libpq as they are
 *                                      (sslmode=..., connect_timeout=...);
 *                                      sslmode also to psqlODBC. Default port
 *                                      5432, default database = USER.
 *   mysql://[USER[:PASSWORD]@]HOST[:PORT][/DBNAME]
 *   mariadb://...                      MySQL/MariaDB: rows through libmariadb's
 *                                      unbuffered fetch (mysql/mysql.h), catalog
 *                                      through MariaDB Connector/ODBC ("MariaDB
 *                                      Unicode"). Port 3306.
 *   Driver={...};Server=...;...        any ODBC connection string with a Driver=
 *                                      (or DSN= of an odbc.ini entry whose driver
 *                                      name tells the vendor): PostgreSQL
 *                                      (psqlODBC), MariaDB/MySQL or SQL Server
 *                                      (Microsoft ODBC Driver 17/18, FreeTDS).
 *                                      A psqlODBC string with Server, Port,
 *                                      Database, UID and PWD also gets the libpq
 *                                      path, unless the caller asks for ODBC.
 *
 * USER, PASSWORD and DBNAME are percent-decoded (%40 for '@', %2F for '/').
 * HOST may be [IPv6]. The password is never logged: messages and the Job
 * show b2a_dsn.display, where it reads "***". Internal. */
#ifndef B2A_SOURCE_DSN_H
#define B2A_SOURCE_DSN_H

#include "core/error.h"
#include "odbc/odbc.h"

typedef enum b2a_dsn_kind {
    B2A_DSN_ODBC = 0,        /* an ODBC connection string as given */
    B2A_DSN_POSTGRES_URL = 1,
    B2A_DSN_MYSQL_URL = 2
} b2a_dsn_kind;

typedef struct b2a_dsn {
    b2a_dsn_kind kind;
    b2a_odbc_vendor vendor;
    char *odbc_connstr;      /* always set: the ODBC way in (holds the password) */
    /* libpq conninfo (a URL or key=value text, holds the password) when
     * PostgreSQL can be reached natively, else NULL. */
    char *pg_conninfo;
    /* MySQL/MariaDB reachable through libmariadb (a mysql:// URL): my_host
     * set; the rest as the URL gives them (my_port 3306 by default). */
    char *my_host, *my_user, *my_password;
    int my_port;
    char *display;           /* the DSN with the password as "***" */
    char *dbname;            /* the database it names, or NULL */
} b2a_dsn;

/* Parse text into d (cleared first). B2A_EINVAL with a message saying
 * which form was expected and what is wrong, never quoting a password. */
int b2a__dsn_parse(const char *text, b2a_dsn *d, b2a_err *err);
void b2a__dsn_clear(b2a_dsn *d);   /* wipes the password */
const char *b2a__dsn_vendor_name(b2a_odbc_vendor v); /* "postgresql", "mysql", "sqlserver" */
/* 1 when text is a file: DSN (backup files, source/backupsrc.h): the
 * blocks read those with our own readers, not through a connection. */
int b2a__dsn_is_file(const char *text);
/* Percent-decode [p, p+n); NULL on OOM or a bad escape (*bad set). */
char *b2a__dsn_pct_decode(const char *p, size_t n, int *bad);

#endif
