/* Oracle over ODBC (Oracle Instant Client's ODBC driver): catalog
 * introspection from ALL_TABLES, ALL_TAB_COLS and ALL_CONSTRAINTS, mapped
 * with the direct readers' own rule so a dump read directly and one
 * restored in a container give the same Avro schema; export expressions;
 * the connection string; finding an installed driver. Nothing of this ran
 * against a live Oracle here (doc/verification.md). */
#ifndef B2A_ODBC_INTROSPECT_ORACLE_H
#define B2A_ODBC_INTROSPECT_ORACLE_H

#include "odbc/introspect.h"

/* The odbcinst.ini name of an Oracle ODBC driver (B2A_ORACLE_ODBC_DRIVER,
 * else the first driver named "Oracle ... ODBC driver" or "Oracle in ...").
 * B2A_OK or B2A_ENOTFOUND. */
int b2a__odbc_oracle_driver(char *out, size_t cap);

/* DRIVER={driver};DBQ=//host:port/service;UID=user;PWD=password; -- DBQ
 * takes an Easy Connect string, so no tnsnames.ora is needed. malloc'd into
 * *out; holds the password. 0 or B2A_ENOMEM. */
int b2a__oracle_connstr_for(const char *driver, const char *host, int port, const char *service,
                            const char *user, const char *password, char **out);

/* One ALL_TAB_COLS row's type columns. has_* are 0 where the dictionary
 * says NULL. */
typedef struct b2a_oracle_coltype {
    const char *data_type;   /* 'NUMBER', 'TIMESTAMP(6) WITH TIME ZONE', 'SDO_GEOMETRY' */
    const char *type_owner;  /* DATA_TYPE_OWNER: NULL for built-in types */
    long data_length;        /* bytes */
    int has_precision;
    long precision;          /* NUMBER digits, FLOAT binary digits */
    int has_scale;
    long scale;              /* NUMBER scale, TIMESTAMP/INTERVAL fractional digits */
} b2a_oracle_coltype;

/* 1 when the column is an unbounded NUMBER/FLOAT whose Avro type comes
 * from a profile of its values (b2a__oracle_profile_sql). */
int b2a__oracle_needs_profile(const b2a_oracle_coltype *t);

/* Fill col (source_type, vtype, precision, scale, note) the way the exp and
 * Data Pump readers do for the same declaration: the same source_type text
 * as the Data Pump reader, NUMBER and FLOAT through b2a__ora_number_column
 * with the profile (max_int, max_frac: from b2a__oracle_profile_sql, or 0
 * for bounded ones). Types the readers cannot decode but a database can
 * export (XMLTYPE, JSON, SDO_GEOMETRY, BOOLEAN) get their avro-type-mapping
 * §4.3 type; other object and collection types return 1 (the table is not
 * exported). 0, 1, or -1 on out of memory. */
int b2a__oracle_map_column(const b2a_oracle_coltype *t, int max_int, int max_frac, b2a_column *col);

/* After the columns of a table with TIMESTAMP WITH TIME ZONE columns, the
 * "<c>__tz" string fields the direct readers add (b2a__oraconv_zone_def),
 * exported as the zone each value was stored with, in the readers' text.
 * 0 or -1 on out of memory. */
int b2a__oracle_add_zone_columns(b2a_table_def *def);

/* The catalog queries, for the schemas in filter (from
 * b2a__introspect_schema_filter on the owner column, "" for every schema
 * that is not Oracle-maintained). malloc'd. */
char *b2a__oracle_tables_sql(const char *filter, int include_views);
char *b2a__oracle_columns_sql(const char *filter);
char *b2a__oracle_pk_sql(const char *filter);
/* One scan profiling the unbounded NUMBER columns cols[0..n) of a table:
 * per column, the most integer digits and the most fractional digits any
 * value has. malloc'd. */
char *b2a__oracle_profile_sql(const char *schema, const char *table, const char *const *cols, size_t n);

int b2a__introspect_oracle(b2a_odbc_conn *c, const b2a_introspect_opts *o,
                           b2a_odbc_table **out, size_t *n, b2a_err *err);
/* The SELECT-list expression for col; qname is its quoted name. malloc'd. */
char *b2a__select_expr_oracle(const b2a_column *col, const char *qname);

#endif
