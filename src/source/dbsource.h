/* A database rows are read from, however it was reached (a DSN, a restored
 * container's endpoint): the blocking pieces the Source and Export blocks
 * and the job's exporter run on the thread pool. Internal.
 *
 *   split:  plan a table's ranges (key, NOT NULL unique key, ctid) and, on
 *           PostgreSQL, hold the snapshot every range reads;
 *   cursor: the rows of a table or of one range, through COPY (FORMAT
 *           binary) over libpq where the source has it, else ODBC. */
#ifndef B2A_SOURCE_DBSOURCE_H
#define B2A_SOURCE_DBSOURCE_H

#include <libpq-fe.h>

#include "core/column.h"
#include "core/error.h"
#include "core/sink.h"
#include "odbc/odbc.h"

typedef struct b2a_dbsource {
    b2a_odbc_vendor vendor;
    char *odbc_connstr;    /* holds the password */
    char *pg_conninfo;     /* rows through libpq when set (holds the password) */
    int login_timeout_s;
    /* rows through libmariadb when my_host is set (b2a__dbsource_set_mysql) */
    char *my_host, *my_user, *my_password, *my_db;
    int my_port;
    /* schemas the job names otherwise than the database: (job, database)
     * pairs, 2 entries each (an Oracle restore's stage users) */
    char **schema_map;
    size_t nschema_map;
} b2a_dbsource;

/* Owned copies; pg_conninfo NULL for ODBC only. */
int b2a__dbsource_init(b2a_dbsource *s, b2a_odbc_vendor vendor, const char *odbc_connstr,
                       const char *pg_conninfo, int login_timeout_s, b2a_err *err);
void b2a__dbsource_clear(b2a_dbsource *s);  /* wipes the passwords */
/* From a parsed DSN (source/dsn.h): the native path of its vendor unless
 * via is B2A_VIA_ODBC (an int here: bak2avro/job.h's b2a_via). */
struct b2a_dsn;
int b2a__dbsource_from_dsn(b2a_dbsource *s, const struct b2a_dsn *d, int via_odbc, int login_timeout_s,
                           b2a_err *err);
/* A copy of src (the Source block hands one to each plan and export). */
int b2a__dbsource_copy(b2a_dbsource *dst, const b2a_dbsource *src, b2a_err *err);
/* MySQL/MariaDB rows through libmariadb's unbuffered fetch (mysql/mysql.h)
 * instead of ODBC; the catalog and split plans stay on ODBC. Copies. */
int b2a__dbsource_set_mysql(b2a_dbsource *s, const char *host, int port, const char *user, const char *password,
                            const char *db, b2a_err *err);

/* The queries of split plans and cursors read a table of schema
 * pairs[2k] from schema pairs[2k+1]. Copies. */
int b2a__dbsource_set_schema_map(b2a_dbsource *s, char *const *pairs, size_t npairs, b2a_err *err);
/* t as the database names it: t itself, or *copy (a shallow copy of t,
 * valid while t and s are) with its schema mapped. */
const b2a_table_def *b2a__dbsource_in_database(const b2a_dbsource *s, const b2a_table_def *t, b2a_table_def *copy);

/* Connect over ODBC and describe the database: tables (exact counts of
 * the exported ones, views too with include_views), and its name. On
 * MySQL/MariaDB only the database `schema` when given (a server holds many). */
struct b2a_odbc_table;
int b2a__dbsource_introspect(const b2a_dbsource *s, const char *schema, int include_views,
                             struct b2a_odbc_table **out, size_t *n, char **database, b2a_err *err);

/* How a table was split. */
typedef enum b2a_split_method {
    B2A_SPLIT_SINGLE = 0,  /* one range, the whole table */
    B2A_SPLIT_KEY = 1,     /* ranges of a key column (plus its NULLs) */
    B2A_SPLIT_CTID = 2,    /* PostgreSQL heap block ranges */
    B2A_SPLIT_EXTENTS = 3, /* a SQL Server .bak's extents, part k of N (source/backupsrc.h) */
    B2A_SPLIT_SEGMENTS = 4 /* an Oracle dump's row segments, part k of N */
} b2a_split_method;

const char *b2a__split_method_name(b2a_split_method m);

typedef struct b2a_split {
    b2a_split_method method;
    char *key;             /* the key column split on, or NULL */
    char *snapshot;        /* pg_export_snapshot() every range reads, or NULL */
    char **where;          /* per range: SQL condition; NULL for SINGLE's one range */
    size_t nranges;
    int64_t rows_expected; /* -1: the table's own count is the check */
    PGconn *holder;        /* keeps the snapshot's transaction open */
} b2a_split;

/* Plan t (whose primary key is pk) in at most n ranges (n <= 1: one). */
int b2a__split_plan(const b2a_dbsource *s, const b2a_table_def *t, char *const *pk, size_t npk, uint32_t n,
                    b2a_split *out, b2a_err *err);
/* Ends the snapshot's transaction; frees. */
void b2a__split_clear(b2a_split *sp);

typedef struct b2a_dbcursor b2a_dbcursor;
/* Rows of t matching where (NULL: all), in snapshot (NULL: the server's now). */
int b2a__dbcursor_open(const b2a_dbsource *s, const b2a_table_def *t, const char *where, const char *snapshot,
                       b2a_dbcursor **out, b2a_err *err);
int b2a__dbcursor_next(b2a_dbcursor *c, b2a_sink *sink, size_t max_rows, size_t *rows_out, int *eof,
                       b2a_err *err);
void b2a__dbcursor_close(b2a_dbcursor *c);  /* NULL is fine */

#endif
