/* (Named avsc.h, not schema.h: avro-c installs <avro/schema.h>, and src/
 * is on the include path before it.) */
/* The Avro schema of one table: a record of ["null", T] fields (plain T
 * for NOT NULL columns, see b2a__column_required), with provenance in doc and x-source-* properties (type-mapping doc §4.1). */
#ifndef B2A_AVRO_AVSC_H
#define B2A_AVRO_AVSC_H

#include "avro/names.h"
#include "core/column.h"
#include "core/error.h"

/* A table plus the provenance the schema records. */
typedef struct b2a_avro_table {
    const b2a_table_def *def;
    const char *database;   /* source database name, or NULL */
    const char *source;     /* provenance text, e.g. "SQL Server backup /in/nw.bak"; or NULL */
} b2a_avro_table;

/* Full schema JSON (compact, or pretty for .avsc files), malloc'd in
 * *json_out. When fields_out is not NULL it receives the sanitized field
 * names, in column order (free with b2a__avro_names_free). Fails with
 * B2A_EINVAL naming the column for a bad vtype or decimal(p,s). */
int b2a__avro_schema_build(const b2a_avro_table *t, int pretty, char **json_out,
                           b2a_avro_names **fields_out, b2a_err *err);

/* Compact schema JSON of t; database may be NULL. */
int b2a__avro_schema_json(const b2a_table_def *t, const char *database, char **json_out, b2a_err *err);

/* The record name (sanitized table name; never an Avro primitive type
 * name) and namespace (sanitized "<database>.<schema>", either part may
 * be NULL; NULL when both are). malloc'd; NULL on OOM. */
char *b2a__avro_record_name(const char *table);
char *b2a__avro_namespace(const char *database, const char *schema, int *oom);

#endif
