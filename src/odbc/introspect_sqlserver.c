/* SQL Server catalog -> column model (§4.2 of the type mapping), through
 * the direct reader's own mapping function so a backup read directly and
 * one restored in a container give the same Avro schema, xml and the CLR
 * types included (both give their text). Reads sys.objects, sys.schemas, sys.columns,
 * sys.types, sys.indexes, sys.index_columns and sys.partitions. */
#include "odbc/introspect_sqlserver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "reader/mssql/types.h"
#include "util/str.h"

#define OOM() b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory")

/* sys.types user_type_id of the CLR types shipped with the server */
enum { UT_HIERARCHYID = 128, UT_GEOMETRY = 129, UT_GEOGRAPHY = 130, UT_SYSNAME = 256 };

/* ---- driver ---- */

int b2a__odbc_sqlserver_driver(char *out, size_t cap)
{
    /* B2A_SQLSERVER_ODBC_DRIVER names one explicitly (an odbcinst.ini name) */
    const char *env = getenv("B2A_SQLSERVER_ODBC_DRIVER");
    if (env && *env) {
        snprintf(out, cap, "%s", env);
        return B2A_OK;
    }
    SQLHENV henv;
    if (b2a__odbc_env_acquire(&henv, NULL) != B2A_OK)
        return B2A_ENOTFOUND;
    static const char *const prefer[] = {"ODBC Driver 18 for SQL Server",
                                         "ODBC Driver 17 for SQL Server", "FreeTDS"};
    int best = -1;
    SQLCHAR name[256], attrs[1024];
    SQLSMALLINT nl, al;
    SQLUSMALLINT dir = SQL_FETCH_FIRST;
    while (SQL_SUCCEEDED(SQLDrivers(henv, dir, name, sizeof name, &nl, attrs, sizeof attrs, &al))) {
        dir = SQL_FETCH_NEXT;
        for (int i = 0; i < (int)(sizeof prefer / sizeof *prefer); i++)
            if (!strcasecmp((const char *)name, prefer[i]) && (best < 0 || i < best))
                best = i;
    }
    b2a__odbc_env_release();
    if (best < 0)
        return B2A_ENOTFOUND;
    snprintf(out, cap, "%s", prefer[best]);
    return B2A_OK;
}

/* ---- types ---- */

/* The alias name the reader gives b2a__mtype_describe (catalog.c): the
 * shipped CLR types by their fixed ids, user types above sysname. */
static const char *reader_alias(int user_type_id, const char *type_name)
{
    if (user_type_id == UT_HIERARCHYID || user_type_id == UT_GEOMETRY || user_type_id == UT_GEOGRAPHY)
        return type_name;
    return user_type_id > UT_SYSNAME ? type_name : NULL;
}

int b2a__sqlserver_map_column(int system_type_id, int user_type_id, const char *type_name,
                              int max_length, int precision, int scale, b2a_column *col)
{
    b2a_mtype t;
    memset(&t, 0, sizeof t);
    t.xtype = (uint8_t)system_type_id;
    t.length = (int16_t)max_length;
    t.prec = (uint8_t)precision;
    t.scale = (uint8_t)scale;
    return b2a__mtype_describe(&t, reader_alias(user_type_id, type_name), col) < 0 ? -1 : 0;
}

char *b2a__select_expr_sqlserver(const b2a_column *col, const char *q)
{
    const char *st = col->source_type ? col->source_type : "";
    switch (col->vtype) {
    case B2A_V_TIME_MICROS:
        /* the cursor binds microseconds since midnight as a bigint */
        return b2a__asprintf("CAST(DATEDIFF(SECOND, CAST('00:00:00' AS time), %1$s) AS bigint) * 1000000"
                             " + DATEPART(MICROSECOND, %1$s)", q);
    case B2A_V_TIMESTAMP_MICROS:
        /* datetimeoffset: the UTC instant */
        return b2a__asprintf("CONVERT(datetime2(7), SWITCHOFFSET(%s, '+00:00'))", q);
    case B2A_V_DECIMAL:
        if (!strcmp(st, "money"))
            return b2a__asprintf("CAST(%s AS decimal(19,4))", q);
        if (!strcmp(st, "smallmoney"))
            return b2a__asprintf("CAST(%s AS decimal(10,4))", q);
        return b2a__strdup(q);
    case B2A_V_UUID:
        return b2a__asprintf("CONVERT(char(36), %s)", q);
    case B2A_V_STRING:
        if (!strcmp(st, "sql_variant") || !strcmp(st, "xml"))
            return b2a__asprintf("CONVERT(nvarchar(max), %s)", q);
        if (!strcmp(st, "hierarchyid"))
            return b2a__asprintf("%s.ToString()", q);
        if (!strcmp(st, "geography") || !strcmp(st, "geometry"))
            return b2a__asprintf("%s.STAsText()", q);
        return b2a__strdup(q);
    case B2A_V_BYTES:
        if (!strncmp(st, "xtype ", 6) || (col->note && strstr(col->note, "CLR type")))
            return b2a__asprintf("CONVERT(varbinary(max), %s)", q);
        return b2a__strdup(q);
    default:
        return b2a__strdup(q);
    }
}

/* ---- catalog ---- */


#define OBJ_FILTER " o.type IN ('U','V') AND o.is_ms_shipped = 0"

int b2a__introspect_sqlserver(b2a_odbc_conn *c, const b2a_introspect_opts *o,
                              b2a_odbc_table **out, size_t *nout, b2a_err *err)
{
    b2a_odbc_result rt = {0}, rc_ = {0}, rp = {0}, rn = {0};
    b2a_odbc_table *tabs = NULL;
    b2a_introspect_id *objs = NULL;
    size_t ntabs = 0;
    char *filter = NULL;
    int rc;

    if (b2a__introspect_schema_filter(B2A_ODBC_SQLSERVER, o, "s.name", &filter))
        return OOM();
    rc = b2a__introspect_queryf(c, &rt, err,
        "SELECT o.object_id, s.name, o.name, RTRIM(o.type)"
        " FROM sys.objects o JOIN sys.schemas s ON s.schema_id = o.schema_id"
        " WHERE" OBJ_FILTER "%s ORDER BY s.name, o.name", filter);
    if (rc)
        goto out_prefix;
    ntabs = rt.nrows;
    tabs = calloc(ntabs ? ntabs : 1, sizeof *tabs);
    objs = calloc(ntabs ? ntabs : 1, sizeof *objs);
    if (!tabs || !objs) {
        rc = OOM();
        goto out;
    }
    for (size_t i = 0; i < ntabs; i++) {
        b2a_odbc_table *t = &tabs[i];
        objs[i].id = strtol(b2a__odbc_cell(&rt, i, 0), NULL, 10);
        objs[i].idx = i;
        t->def.schema = b2a__strdup(b2a__odbc_cell(&rt, i, 1));
        t->def.name = b2a__strdup(b2a__odbc_cell(&rt, i, 2));
        t->def.row_count = -1;
        if (!t->def.schema || !t->def.name) {
            rc = OOM();
            goto out;
        }
        t->kind = b2a__odbc_cell(&rt, i, 3)[0] == 'V' ? B2A_TABLE_KIND_VIEW : B2A_TABLE_KIND_TABLE;
        t->exported = t->kind == B2A_TABLE_KIND_TABLE || o->include_views;
    }
    b2a__introspect_ids_sort(objs, ntabs);

    rc = b2a__introspect_queryf(c, &rc_, err,
        "SELECT c.object_id, c.name, c.system_type_id, c.user_type_id, ty.name, c.max_length,"
        " c.precision, c.scale, CAST(c.is_nullable AS int)"
        " FROM sys.columns c JOIN sys.objects o ON o.object_id = c.object_id"
        " JOIN sys.schemas s ON s.schema_id = o.schema_id"
        " JOIN sys.types ty ON ty.user_type_id = c.user_type_id"
        " WHERE" OBJ_FILTER "%s ORDER BY c.object_id, c.column_id", filter);
    if (rc)
        goto out_prefix;
    for (size_t i = 0; i < rc_.nrows; i++) {
        b2a_odbc_table *t = b2a__introspect_find(objs, ntabs, tabs, strtol(b2a__odbc_cell(&rc_, i, 0), NULL, 10));
        if (!t)
            continue; /* created between the two queries */
        b2a_column col;
        memset(&col, 0, sizeof col);
        if (b2a__sqlserver_map_column(atoi(b2a__odbc_cell(&rc_, i, 2)), atoi(b2a__odbc_cell(&rc_, i, 3)),
                                      b2a__odbc_cell(&rc_, i, 4), atoi(b2a__odbc_cell(&rc_, i, 5)),
                                      atoi(b2a__odbc_cell(&rc_, i, 6)), atoi(b2a__odbc_cell(&rc_, i, 7)),
                                      &col) < 0 ||
            b2a__introspect_add_column(&t->def, b2a__odbc_cell(&rc_, i, 1), col.source_type, col.vtype,
                                       col.precision, col.scale, b2a__odbc_cell(&rc_, i, 8)[0] == '1',
                                       col.note)) {
            free(col.source_type);
            free(col.note);
            rc = OOM();
            goto out;
        }
        free(col.source_type);
        free(col.note);
    }

    rc = b2a__odbc_query(c,
        "SELECT i.object_id, c.name FROM sys.indexes i"
        " JOIN sys.index_columns ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id"
        " JOIN sys.columns c ON c.object_id = ic.object_id AND c.column_id = ic.column_id"
        " WHERE i.is_primary_key = 1 AND ic.key_ordinal > 0 ORDER BY i.object_id, ic.key_ordinal",
        &rp, err);
    if (rc)
        goto out_prefix;
    for (size_t i = 0; i < rp.nrows; i++) {
        b2a_odbc_table *t = b2a__introspect_find(objs, ntabs, tabs, strtol(b2a__odbc_cell(&rp, i, 0), NULL, 10));
        if (t && b2a__introspect_add_pk(t, b2a__odbc_cell(&rp, i, 1))) {
            rc = OOM();
            goto out;
        }
    }

    if (!o->count_rows) {
        /* the heap's or clustered index's partitions: the server's own count
         * (exact counts are made by b2a__odbc_introspect, for every vendor) */
        rc = b2a__odbc_query(c, "SELECT object_id, SUM(rows) FROM sys.partitions"
                                " WHERE index_id IN (0, 1) GROUP BY object_id", &rn, err);
        if (rc)
            goto out_prefix;
        for (size_t i = 0; i < rn.nrows; i++) {
            b2a_odbc_table *t = b2a__introspect_find(objs, ntabs, tabs, strtol(b2a__odbc_cell(&rn, i, 0), NULL, 10));
            if (t && t->kind == B2A_TABLE_KIND_TABLE)
                t->def.row_count = strtoll(b2a__odbc_cell(&rn, i, 1), NULL, 10);
        }
    }
    *out = tabs;
    *nout = ntabs;
    tabs = NULL;
    goto out;
out_prefix:
    b2a__err_prefix(err, "SQL Server introspection: ");
out:
    b2a__odbc_result_clear(&rt);
    b2a__odbc_result_clear(&rc_);
    b2a__odbc_result_clear(&rp);
    b2a__odbc_result_clear(&rn);
    b2a__odbc_tables_free(tabs, ntabs);
    free(objs);
    free(filter);
    return rc;
}
