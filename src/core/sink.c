/* What every row source says when its sink refuses a value or a row. */
#include "core/sink.h"

#include "core/column.h"
#include "core/error.h"

int b2a__sink_refused_value(b2a_err *err, int rc, const b2a_table_def *t, size_t col)
{
    /* err still clear: the sink refused (its own record has the detail);
     * otherwise the value conversion failed and err already names it */
    if (err && err->code == B2A_OK)
        b2a__err_set(err, rc, B2A_ERRCLASS_AVRO, "%s.%s, column %s: the sink refused the value: %s", t->schema,
                     t->name, t->columns[col].name, b2a_strerror(rc));
    return rc;
}

int b2a__sink_end_row(b2a_sink *s, const b2a_table_def *t, b2a_err *err)
{
    int rc = s->ops->end_row(s);
    if (rc && err && err->code == B2A_OK)
        b2a__err_set(err, rc, B2A_ERRCLASS_AVRO, "%s.%s: the sink refused the row: %s", t->schema, t->name,
                     b2a_strerror(rc));
    return rc;
}
