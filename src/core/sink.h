/* A row sink: where a row source puts values, column by column, row by row.
 * The Avro writer is one; tests use others. For each row a source calls
 * exactly one value function per column, in column order, then end_row().
 * null() is allowed for any column. The value function must match the
 * column's b2a_vtype (see core/column.h). Every function returns B2A_OK or
 * a negative b2a_error_code with details in the sink's own error record. */
#ifndef B2A_CORE_SINK_H
#define B2A_CORE_SINK_H

#include <stddef.h>
#include <stdint.h>

typedef struct b2a_sink b2a_sink;

typedef struct b2a_sink_ops {
    int (*null)(b2a_sink *s);
    int (*boolean)(b2a_sink *s, int v);
    int (*i32)(b2a_sink *s, int32_t v);
    int (*i64)(b2a_sink *s, int64_t v);
    int (*f32)(b2a_sink *s, float v);
    int (*f64)(b2a_sink *s, double v);
    int (*bytes)(b2a_sink *s, const void *p, size_t n);
    int (*string)(b2a_sink *s, const char *utf8, size_t n);
    /* Unscaled value as big-endian two's complement, the Avro decimal encoding. */
    int (*decimal)(b2a_sink *s, const uint8_t *be, size_t n);
    int (*end_row)(b2a_sink *s);
} b2a_sink_ops;

struct b2a_sink {
    const b2a_sink_ops *ops;
};

/* sink.c: a row source's messages for a refusal, the same on every path. */
struct b2a_err;
struct b2a_table_def;
/* Value col of t refused with rc: named in err unless err already holds the
 * cause (a failed conversion). Returns rc. */
int b2a__sink_refused_value(struct b2a_err *err, int rc, const struct b2a_table_def *t, size_t col);
/* s->ops->end_row(), a refusal named in err for t. Returns its result. */
int b2a__sink_end_row(b2a_sink *s, const struct b2a_table_def *t, struct b2a_err *err);

#endif
