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
