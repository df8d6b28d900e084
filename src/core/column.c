#include "core/column.h"

#include <stdlib.h>
#include <string.h>

void b2a__column_clear(b2a_column *c)
{
    if (!c)
        return;
    free(c->name);
    free(c->source_type);
    free(c->note);
    memset(c, 0, sizeof(*c));
}

void b2a__table_def_clear(b2a_table_def *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->ncolumns; i++)
        b2a__column_clear(&t->columns[i]);
    free(t->columns);
    free(t->schema);
    free(t->name);
    memset(t, 0, sizeof(*t));
}

void b2a__table_def_free(b2a_table_def *t)
{
    b2a__table_def_clear(t);
    free(t);
}

static char *dup_or_null(const char *s, int *oom)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        *oom = 1;
    return d;
}

int b2a__table_def_copy(b2a_table_def *dst, const b2a_table_def *src)
{
    int oom = 0;
    memset(dst, 0, sizeof(*dst));
    dst->schema = dup_or_null(src->schema, &oom);
    dst->name = dup_or_null(src->name, &oom);
    dst->row_count = src->row_count;
    if (src->ncolumns) {
        dst->columns = calloc(src->ncolumns, sizeof(*dst->columns));
        if (!dst->columns)
            oom = 1;
        else
            dst->ncolumns = src->ncolumns;
    }
    for (size_t i = 0; i < dst->ncolumns; i++) {
        const b2a_column *s = &src->columns[i];
        b2a_column *d = &dst->columns[i];
        *d = *s;
        d->name = dup_or_null(s->name, &oom);
        d->source_type = dup_or_null(s->source_type, &oom);
        d->note = dup_or_null(s->note, &oom);
    }
    if (oom) {
        b2a__table_def_clear(dst);
        return -1;
    }
    return 0;
}

b2a_vtype b2a__vtype_written(b2a_vtype v, int naive_timestamps)
{
    if (v != B2A_V_LOCAL_TIMESTAMP_MICROS)
        return v;
    /* Hive, Spark before 3.4 and python3-avro 1.11 know no local-timestamp-micros */
    return naive_timestamps == 1 ? B2A_V_TIMESTAMP_MICROS : naive_timestamps == 2 ? B2A_V_LOCAL_TIMESTAMP_STRING : v;
}

int b2a__table_def_written(b2a_table_def *dst, const b2a_table_def *t, int naive_timestamps)
{
    if (b2a__table_def_copy(dst, t) != 0)
        return -1;
    for (size_t i = 0; i < dst->ncolumns; i++)
        dst->columns[i].vtype = b2a__vtype_written(dst->columns[i].vtype, naive_timestamps);
    return 0;
}

static const char *const vtype_names[] = {"boolean", "int", "long", "float", "double", "decimal", "string",
                                          "bytes", "date", "time-micros", "timestamp-micros",
                                          "local-timestamp-micros", "uuid", "json", "local-timestamp-string"};

const char *b2a__vtype_name(b2a_vtype v)
{
    return (unsigned)v < sizeof(vtype_names) / sizeof(vtype_names[0]) ? vtype_names[v] : "unknown";
}

int b2a__vtype_parse(const char *name)
{
    for (size_t i = 0; name && i < sizeof(vtype_names) / sizeof(vtype_names[0]); i++)
        if (strcmp(name, vtype_names[i]) == 0)
            return (int)i;
    return -1;
}
