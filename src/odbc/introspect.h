/* Introspection over ODBC: what a restored database holds, mapped to the
 * column model (core/column.h) per ../shared/docs/avro-type-mapping.md
 * §4.4 (PostgreSQL), §4.5 (MariaDB/MySQL) and §4.2 (SQL Server, see
 * introspect_sqlserver.h). */
#ifndef B2A_ODBC_INTROSPECT_H
#define B2A_ODBC_INTROSPECT_H

#include "odbc/odbc.h"

/* Values are stable: the job reports them. */
typedef enum b2a_table_kind {
    B2A_TABLE_KIND_TABLE = 0,        /* ordinary base table */
    B2A_TABLE_KIND_PARTITIONED = 1,  /* PostgreSQL partitioned parent: all partitions' rows */
    B2A_TABLE_KIND_VIEW = 2,
    B2A_TABLE_KIND_MATVIEW = 3,
    B2A_TABLE_KIND_FOREIGN = 4,      /* PostgreSQL foreign table */
    B2A_TABLE_KIND_SEQUENCE = 5      /* MariaDB SEQUENCE objects listed as tables */
} b2a_table_kind;

typedef struct b2a_odbc_table {
    b2a_table_def def;   /* row_count -1 when not counted (views unless asked) */
    b2a_table_kind kind;
    int exported;        /* 1: the job should export it; 0: listed so it can say "skipped" */
    size_t npk;
    char **pk;           /* primary key column names in key order */
} b2a_odbc_table;

typedef struct b2a_introspect_opts {
    const char *const *schemas; /* only these schemas (databases on MariaDB); NULL: all user ones */
    size_t nschemas;
    int include_views;          /* export views and materialized views too */
    int count_rows;             /* exact SELECT count(*) per exported table */
    int profile_numeric;        /* PostgreSQL numeric without typmod: one scan picks the type */
    /* schemas named otherwise in the job than in the database: (database,
     * job) pairs, 2 entries each (Oracle's stage users, engine/oracle.h) */
    const char *const *rename;
    size_t nrename;
} b2a_introspect_opts;

#define B2A_INTROSPECT_OPTS_INIT { NULL, 0, 0, 1, 1, NULL, 0 }

int b2a__odbc_introspect(b2a_odbc_conn *c, const b2a_introspect_opts *opts,
                         b2a_odbc_table **out, size_t *n, b2a_err *err);
void b2a__odbc_tables_free(b2a_odbc_table *t, size_t n);
/* Each table whose schema is pairs[2k] gets schema pairs[2k+1]: the
 * database's name for it (a stage user) mapped back to the one the job
 * shows. 0 or B2A_ENOMEM. */
int b2a__introspect_rename_schemas(b2a_odbc_table *t, size_t n, const char *const *pairs, size_t npairs);
const char *b2a__odbc_table_kind_name(b2a_table_kind k);

/* The SELECT-list expression exporting a column (its quoted name, cast
 * where the mapping needs it: ST_AsText, ::text, epoch micros...). The
 * cursor binds the result by the column's vtype. malloc'd, NULL on OOM. */
char *b2a__odbc_select_expr(b2a_odbc_vendor v, const b2a_column *col);

/* Per vendor (introspect_postgres.c, introspect_mysql.c; SQL Server's in
 * introspect_sqlserver.h). */
int b2a__introspect_postgres(b2a_odbc_conn *c, const b2a_introspect_opts *o,
                             b2a_odbc_table **out, size_t *n, b2a_err *err);
int b2a__introspect_mysql(b2a_odbc_conn *c, const b2a_introspect_opts *o,
                          b2a_odbc_table **out, size_t *n, b2a_err *err);
char *b2a__select_expr_postgres(const b2a_column *col, const char *qname);
char *b2a__select_expr_mysql(const b2a_column *col, const char *qname);

/* Shared by the vendors' catalogs (introspect.c). */
int b2a__introspect_schema_filter(b2a_odbc_vendor v, const b2a_introspect_opts *o,
                                  const char *column, char **sql_out);  /* " AND col IN (...)" or "" */
/* b2a__odbc_query of the SQL fmt formats (B2A_ENOMEM when it cannot be built). */
int b2a__introspect_queryf(b2a_odbc_conn *c, b2a_odbc_result *res, b2a_err *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int b2a__introspect_count(b2a_odbc_conn *c, b2a_odbc_table *t, b2a_err *err);
int b2a__introspect_add_column(b2a_table_def *t, const char *name, const char *source_type,
                               b2a_vtype vt, int precision, int scale, int nullable, const char *note);

/* The column is a date or timestamp whose unrepresentable values the
 * mapping writes as NULL (MariaDB zero dates, PostgreSQL infinities): mark
 * it so its Avro field stays nullable even when NOT NULL. */
void b2a__introspect_dates_nulled(b2a_column *c);
int b2a__introspect_add_pk(b2a_odbc_table *t, const char *col);
/* Catalog ids (oid, object_id) to the table they describe: sort once, then
 * find the table of a column or key row by its id. */
typedef struct b2a_introspect_id {
    long id;
    size_t idx;          /* into the tables array */
} b2a_introspect_id;
void b2a__introspect_ids_sort(b2a_introspect_id *ids, size_t n);
b2a_odbc_table *b2a__introspect_find(const b2a_introspect_id *ids, size_t n, b2a_odbc_table *tabs, long id);

#endif
