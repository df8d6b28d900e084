/* A split plan as data: what b2a_split_plan_json() writes and
 * b2a_export_range_new() reads back in another process (see
 * doc/split-plan.md). Internal. */
#ifndef B2A_SOURCE_PLAN_H
#define B2A_SOURCE_PLAN_H

#include <yajl/yajl_gen.h>

#include "core/column.h"
#include "core/error.h"
#include "source/dbsource.h"

#define B2A_PLAN_JSON_VERSION 1

/* The plan of one table, owned. */
typedef struct b2a_plan_doc {
    char *vendor;          /* "postgresql", "mysql", "sqlserver" */
    char *database;
    char *kind;
    b2a_table_def def;     /* row_count: the count the ranges add up to, or -1 */
    char **pk;
    size_t npk;
    b2a_split_method method;
    char *key, *snapshot;
    char **where;          /* per range, NULL entries: the whole table */
    size_t nranges;
} b2a_plan_doc;

/* Render as JSON (malloc'd, NULL on OOM). */
char *b2a__plan_render(const b2a_plan_doc *p);
/* Parse; B2A_EINVAL naming what is wrong. */
int b2a__plan_parse(const char *json, b2a_plan_doc *out, b2a_err *err);
void b2a__plan_doc_clear(b2a_plan_doc *p);

/* A table's columns and keys into an open yajl map (the Job's keys). */
void b2a__json_table_fields(yajl_gen g, const b2a_table_def *t, char *const *pk, size_t npk);

#endif
