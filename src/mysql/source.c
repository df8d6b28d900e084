/* The exporter's row source for MariaDB/MySQL: each table on a connection
 * of its own (tables run on several threads at once), read by fetch.c. */
#include "mysql/mysql.h"

#include <stdlib.h>
#include <string.h>

#include "export/export.h"
#include "util/str.h"

struct b2a_mysql_source {
    char *host, *user, *password, *dbname;
    int port, connect_timeout_s;
};

typedef struct mysql_cursor {
    MYSQL *conn;
    b2a_mysql_fetch *fetch;
} mysql_cursor;

static char *dup_or_null(const char *s, int *oom)
{
    char *d = s ? b2a__strdup(s) : NULL;
    if (s && !d)
        *oom = 1;
    return d;
}

int b2a__mysql_source_new(const b2a_mysql_params *p, b2a_mysql_source **out, b2a_err *err)
{
    int oom = 0;
    b2a_mysql_source *s = calloc(1, sizeof(*s));
    if (s) {
        s->host = dup_or_null(p->host, &oom);
        s->user = dup_or_null(p->user, &oom);
        s->password = dup_or_null(p->password, &oom);
        s->dbname = dup_or_null(p->dbname, &oom);
        s->port = p->port;
        s->connect_timeout_s = p->connect_timeout_s;
    }
    if (!s || oom) {
        b2a__mysql_source_free(s);
        *out = NULL;
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    }
    *out = s;
    return B2A_OK;
}

void b2a__mysql_source_free(b2a_mysql_source *s)
{
    if (!s)
        return;
    if (s->password) {
        memset(s->password, 0, strlen(s->password));
        free(s->password);
    }
    free(s->host);
    free(s->user);
    free(s->dbname);
    free(s);
}

static int source_open(void *source, const b2a_table_job *t, size_t index, void **cursor, b2a_err *err)
{
    (void)index;
    const b2a_mysql_source *s = source;
    mysql_cursor *mc = calloc(1, sizeof(*mc));
    if (!mc)
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    b2a_mysql_params p = {s->host, s->port, s->user, s->password, s->dbname, s->connect_timeout_s};
    int rc = b2a__mysql_connect(&p, &mc->conn, err);
    if (rc == B2A_OK)
        rc = b2a__mysql_fetch_open(mc->conn, &t->def, &mc->fetch, err);
    if (rc != B2A_OK) {
        b2a__mysql_disconnect(mc->conn);
        free(mc);
        return rc;
    }
    *cursor = mc;
    return B2A_OK;
}

static int source_next(void *cursor, b2a_sink *sink, size_t max_rows, size_t *rows, int *eof, b2a_err *err)
{
    return b2a__mysql_fetch_next(((mysql_cursor *)cursor)->fetch, sink, max_rows, rows, eof, err);
}

static void source_close(void *cursor)
{
    mysql_cursor *mc = cursor;
    b2a__mysql_fetch_close(mc->fetch);
    b2a__mysql_disconnect(mc->conn);
    free(mc);
}

const b2a_source_ops b2a__mysql_source_ops = {source_open, source_next, source_close, NULL, NULL};
