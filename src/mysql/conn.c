/* libmariadb connections, set up to match the ODBC path's session
 * (engine/mysql.c's connection string, odbc/conn.c's setup): utf8mb4 and
 * UTC, so TIMESTAMP values and text read the same whichever way they
 * travel. The zone is set by the connection's init command. */
#include "mysql/mysql.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_once_t library_once = PTHREAD_ONCE_INIT;
static int library_rc;

/* mysql_init() initialises the library on first use, which is not
 * thread-safe; tables connect from several worker threads at once. */
static void library_init(void)
{
    library_rc = mysql_library_init(0, NULL, NULL);
}

int b2a__mysql_fail(MYSQL *c, const char *what, b2a_err *err)
{
    const char *msg = c ? mysql_error(c) : "";
    b2a__err_set(err, B2A_EODBC, B2A_ERRCLASS_ODBC, "%s: %s", what, msg && *msg ? msg : "out of memory");
    const char *state = c ? mysql_sqlstate(c) : NULL;
    if (err && state && strcmp(state, "00000"))
        snprintf(err->sqlstate, sizeof err->sqlstate, "%s", state);
    return B2A_EODBC;
}

int b2a__mysql_connect(const b2a_mysql_params *p, MYSQL **out, b2a_err *err)
{
    *out = NULL;
    pthread_once(&library_once, library_init);
    if (library_rc)
        return b2a__err_set(err, B2A_EODBC, B2A_ERRCLASS_ODBC, "MariaDB connect: the client library did not start");
    MYSQL *c = mysql_init(NULL);
    if (!c)
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    unsigned int timeout = p->connect_timeout_s > 0 ? (unsigned)p->connect_timeout_s : 0;
    unsigned int tcp = MYSQL_PROTOCOL_TCP;
    my_bool no = 0;
    if (timeout)
        mysql_optionsv(c, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    mysql_optionsv(c, MYSQL_OPT_PROTOCOL, &tcp);
    mysql_optionsv(c, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    mysql_optionsv(c, MYSQL_INIT_COMMAND, "SET time_zone = '+00:00'");
    /* the container is private and on the loopback: no TLS to try */
    mysql_optionsv(c, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &no);
    mysql_optionsv(c, MYSQL_OPT_CONNECT_ATTR_ADD, "program_name", "bak2avro");
    if (!mysql_real_connect(c, p->host, p->user, p->password, p->dbname, (unsigned)p->port, NULL, 0)) {
        b2a__mysql_fail(c, "MariaDB connect", err);
        mysql_close(c);
        return B2A_EODBC;
    }
    *out = c;
    return B2A_OK;
}

void b2a__mysql_disconnect(MYSQL *c)
{
    if (c)
        mysql_close(c);
}
