/* The column model shared by every row source (ODBC, direct readers) and
 * the Avro writer. A source describes each column with a value type; the
 * writer maps it to an Avro type and logical type. */
#ifndef B2A_CORE_COLUMN_H
#define B2A_CORE_COLUMN_H

#include <stddef.h>
#include <stdint.h>

/* What a source hands the sink for a column, and so its Avro type.
 * The comment names the sink call and the Avro schema it becomes. */
typedef enum b2a_vtype {
    B2A_V_BOOLEAN = 0,          /* boolean()  -> boolean */
    B2A_V_INT = 1,              /* i32()      -> int */
    B2A_V_LONG = 2,             /* i64()      -> long */
    B2A_V_FLOAT = 3,            /* f32()      -> float */
    B2A_V_DOUBLE = 4,           /* f64()      -> double */
    B2A_V_DECIMAL = 5,          /* decimal()  -> bytes + decimal(precision, scale) */
    B2A_V_STRING = 6,           /* string()   -> string */
    B2A_V_BYTES = 7,            /* bytes()    -> bytes */
    B2A_V_DATE = 8,             /* i32() days since 1970-01-01 -> int + date */
    B2A_V_TIME_MICROS = 9,      /* i64() micros since midnight -> long + time-micros */
    B2A_V_TIMESTAMP_MICROS = 10,/* i64() UTC micros since epoch -> long + timestamp-micros */
    B2A_V_LOCAL_TIMESTAMP_MICROS = 11, /* i64() wall-clock micros -> long + local-timestamp-micros */
    B2A_V_UUID = 12,            /* string() canonical lower-case text -> string + uuid */
    B2A_V_JSON = 13,            /* string() -> string with "sqlType": "JSON" */
    /* Written only, never given by a source (b2a__vtype_written): */
    B2A_V_LOCAL_TIMESTAMP_STRING = 14 /* i64() wall-clock micros -> string "YYYY-MM-DD HH:MM:SS.ffffff" */
} b2a_vtype;

typedef struct b2a_column {
    char *name;          /* the database's own name, UTF-8 */
    char *source_type;   /* the vendor's type as it would write it, e.g. "numeric(10,2)" */
    b2a_vtype vtype;
    int precision;       /* decimals only */
    int scale;           /* decimals only */
    int nullable;        /* the source allows NULL; 0 (NOT NULL) makes the Avro field required */
    char *note;          /* lossy-conversion note for the field doc, or NULL */
    int nulls_values;    /* the mapping writes some values as NULL (zero dates, infinities),
                          * so the field stays ["null", T] even when NOT NULL */
} b2a_column;

/* A required Avro field (plain T, no union; BigQuery loads it as
 * REQUIRED): the column is NOT NULL and its mapping never makes a NULL. */
static inline int b2a__column_required(const b2a_column *c)
{
    return !c->nullable && !c->nulls_values;
}

typedef struct b2a_table_def {
    char *schema;        /* the database's schema name ("dbo", "public") */
    char *name;          /* the table name */
    size_t ncolumns;
    b2a_column *columns;
    int64_t row_count;   /* counted in the source, -1 if unknown */
} b2a_table_def;

/* The type a source's column is written as: a wall-clock timestamp as the
 * job's naive_timestamps option says (0 local, 1 utc, 2 string); others as given. */
b2a_vtype b2a__vtype_written(b2a_vtype v, int naive_timestamps);

/* A copy of t for the writer, its types as b2a__vtype_written gives them;
 * 0 on success, -1 on OOM. */
int b2a__table_def_written(b2a_table_def *dst, const b2a_table_def *t, int naive_timestamps);

void b2a__column_clear(b2a_column *c);
void b2a__table_def_clear(b2a_table_def *t);
void b2a__table_def_free(b2a_table_def *t);

/* The Avro type name a value type is shown as in the Job JSON ("long",
 * "timestamp-micros"...), and back (-1 for an unknown name). */
const char *b2a__vtype_name(b2a_vtype v);
int b2a__vtype_parse(const char *name);

/* Deep copy; 0 on success, -1 on OOM (dst left cleared). */
int b2a__table_def_copy(b2a_table_def *dst, const b2a_table_def *src);

#endif
