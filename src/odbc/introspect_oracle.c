/* Oracle catalog -> column model (avro-type-mapping.md §4.3), through the
 * direct readers' own NUMBER rule (b2a__ora_number_column) and the Data
 * Pump reader's way of writing a declared type, so a dump read directly
 * and one restored in a container give the same Avro schema. Reads
 * ALL_USERS, ALL_TABLES, ALL_VIEWS, ALL_TAB_COLS, ALL_CONSTRAINTS and
 * ALL_CONS_COLUMNS as SYSTEM in the restored PDB. */
#include "odbc/introspect_oracle.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/engine.h"
#include "reader/oracle/exp_ddl.h"
#include "reader/oracle/oraconv.h"
#include "util/str.h"

#define OOM() b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory")

/* ---- driver and connection string ---- */

int b2a__odbc_oracle_driver(char *out, size_t cap)
{
    const char *env = getenv("B2A_ORACLE_ODBC_DRIVER");
    if (env && *env) {
        snprintf(out, cap, "%s", env);
        return B2A_OK;
    }
    SQLHENV henv;
    if (b2a__odbc_env_acquire(&henv, NULL) != B2A_OK)
        return B2A_ENOTFOUND;
    /* odbc_update_ini.sh registers "Oracle <release> ODBC driver"; the
     * Windows installer's "Oracle in <home>" is seen on unixODBC too */
    int found = 0;
    SQLCHAR name[256], attrs[1024];
    SQLSMALLINT nl, al;
    SQLUSMALLINT dir = SQL_FETCH_FIRST;
    while (!found && SQL_SUCCEEDED(SQLDrivers(henv, dir, name, sizeof name, &nl, attrs, sizeof attrs, &al))) {
        dir = SQL_FETCH_NEXT;
        const char *n = (const char *)name;
        size_t len = strlen(n);
        if (!strncasecmp(n, "Oracle ", 7) &&
            ((len > 12 && !strcasecmp(n + len - 12, " ODBC driver")) || !strncasecmp(n, "Oracle in ", 10))) {
            snprintf(out, cap, "%s", n);
            found = 1;
        }
    }
    b2a__odbc_env_release();
    return found ? B2A_OK : B2A_ENOTFOUND;
}

int b2a__oracle_connstr_for(const char *driver, const char *host, int port, const char *service,
                            const char *user, const char *password, char **out)
{
    char dbq[300];
    snprintf(dbq, sizeof dbq, "//%s:%d/%s", host, port, service);
    char *s = NULL;
    size_t len = 0;
    if (b2a__vendor_connstr_add(&s, &len, "DRIVER", driver) || b2a__vendor_connstr_add(&s, &len, "DBQ", dbq) ||
        b2a__vendor_connstr_add(&s, &len, "UID", user) || b2a__vendor_connstr_add(&s, &len, "PWD", password)) {
        if (s)
            explicit_bzero(s, len);
        free(s);
        return B2A_ENOMEM;
    }
    *out = s;
    return B2A_OK;
}

/* ---- types ---- */

static int is(const char *dt, const char *name)
{
    return !strcmp(dt, name);
}

static int prefix(const char *dt, const char *p)
{
    return !strncmp(dt, p, strlen(p));
}

int b2a__oracle_needs_profile(const b2a_oracle_coltype *t)
{
    /* NUMBER without precision (NUMBER, NUMBER(*,s), INTEGER) and FLOAT(b):
     * the readers' rule (b2a__exp_number_type) calls these unbounded */
    if (is(t->data_type, "FLOAT"))
        return 1;
    /* NUMBER(*,s) with s > 0 is decimal(38,s) without one */
    return is(t->data_type, "NUMBER") && !t->has_precision && !(t->has_scale && t->scale > 0);
}

/* The declared type as the Data Pump reader writes it (dp.c type_text). */
static char *source_text(const b2a_oracle_coltype *t)
{
    const char *dt = t->data_type;
    long len = t->data_length;
    if (is(dt, "VARCHAR2") || is(dt, "NVARCHAR2") || is(dt, "CHAR") || is(dt, "NCHAR") || is(dt, "RAW"))
        return b2a__asprintf("%s(%ld)", dt, len);
    if (is(dt, "FLOAT"))
        return b2a__asprintf("FLOAT(%ld)", t->has_precision ? t->precision : 126L);
    if (is(dt, "NUMBER")) {
        if (t->has_precision && t->has_scale)
            return b2a__asprintf("NUMBER(%ld, %ld)", t->precision, t->scale);
        if (t->has_precision)
            return b2a__asprintf("NUMBER(%ld)", t->precision);
        if (t->has_scale)
            return b2a__asprintf("NUMBER(*, %ld)", t->scale);
        return b2a__strdup("NUMBER");
    }
    /* 'TIMESTAMP(6) WITH TIME ZONE' -> "TIMESTAMP (6) WITH TIME ZONE" */
    if (prefix(dt, "TIMESTAMP")) {
        const char *rest = strchr(dt, ')');
        return b2a__asprintf("TIMESTAMP (%ld)%s", t->has_scale ? t->scale : 6L, rest ? rest + 1 : "");
    }
    if (prefix(dt, "INTERVAL YEAR"))
        return b2a__strdup("INTERVAL YEAR TO MONTH");
    if (prefix(dt, "INTERVAL DAY"))
        return b2a__strdup("INTERVAL DAY TO SECOND");
    if (is(dt, "XMLTYPE"))
        return b2a__strdup("XMLTYPE (opaque)");
    if (t->type_owner && *t->type_owner && strcmp(t->type_owner, "PUBLIC") != 0 && !is(dt, "XMLTYPE"))
        return b2a__asprintf("%s.%s", t->type_owner, dt);
    return b2a__strdup(dt);
}

int b2a__oracle_map_column(const b2a_oracle_coltype *t, int max_int, int max_frac, b2a_column *col)
{
    const char *dt = t->data_type ? t->data_type : "";
    col->source_type = source_text(t);
    if (!col->source_type)
        return -1;
    col->vtype = B2A_V_STRING;
    col->precision = col->scale = 0;
    if (is(dt, "NUMBER") || is(dt, "FLOAT")) {
        /* one rule for all three paths; bounded ones ignore the profile */
        b2a__ora_number_column(col, max_int, max_frac, 0);
        return 0;
    }
    if (is(dt, "BINARY_FLOAT"))
        col->vtype = B2A_V_FLOAT;
    else if (is(dt, "BINARY_DOUBLE"))
        col->vtype = B2A_V_DOUBLE;
    else if (is(dt, "DATE") || (prefix(dt, "TIMESTAMP") && !strstr(dt, "TIME ZONE"))) {
        col->vtype = B2A_V_LOCAL_TIMESTAMP_MICROS;
        if (prefix(dt, "TIMESTAMP") && t->has_scale && t->scale > 6 &&
            !(col->note = b2a__strdup("fractional seconds beyond microseconds are truncated")))
            return -1;
    } else if (prefix(dt, "TIMESTAMP"))
        col->vtype = B2A_V_TIMESTAMP_MICROS; /* WITH (LOCAL) TIME ZONE: the UTC instant */
    else if (is(dt, "RAW") || is(dt, "LONG RAW") || is(dt, "BLOB"))
        col->vtype = B2A_V_BYTES;
    else if (is(dt, "VARCHAR2") || is(dt, "NVARCHAR2") || is(dt, "CHAR") || is(dt, "NCHAR") || is(dt, "LONG") ||
             is(dt, "CLOB") || is(dt, "NCLOB") || prefix(dt, "INTERVAL") || is(dt, "ROWID") || is(dt, "UROWID"))
        col->vtype = B2A_V_STRING;
    else if (is(dt, "XMLTYPE"))
        col->vtype = B2A_V_STRING;
    else if (is(dt, "JSON"))
        col->vtype = B2A_V_JSON;
    else if (is(dt, "BOOLEAN"))
        col->vtype = B2A_V_BOOLEAN;
    else if (is(dt, "SDO_GEOMETRY") && t->type_owner && is(t->type_owner, "MDSYS")) {
        col->vtype = B2A_V_STRING;
        if (!(col->note = b2a__strdup("SDO_GEOMETRY as WKT (SDO_UTIL.TO_WKTGEOMETRY's form)")))
            return -1;
    } else if (is(dt, "BFILE")) {
        /* the readers write the dump's locator in hex; SQL has no function
         * giving a locator's bytes or its file name (DBMS_LOB.FILEGETNAME
         * is a procedure), so the table is not exported here */
        col->note = b2a__strdup("BFILE: its locator cannot be selected in SQL, so the table is not exported");
        return col->note ? 1 : -1;
    } else {
        /* object types, nested tables, VARRAYs, REFs, ANYDATA...: as the
         * readers, the table fails naming the column */
        col->note = b2a__asprintf("%s is an object or collection type, which is not exported", col->source_type);
        return col->note ? 1 : -1;
    }
    return 0;
}

int b2a__oracle_add_zone_columns(b2a_table_def *def)
{
    /* the readers' own helper, so names, types and notes are theirs */
    int *types = calloc(def->ncolumns ? def->ncolumns : 1, sizeof *types);
    if (!types)
        return -1;
    size_t nz = 0;
    for (size_t i = 0; i < def->ncolumns; i++) {
        const char *st = def->columns[i].source_type ? def->columns[i].source_type : "";
        if (def->columns[i].vtype == B2A_V_TIMESTAMP_MICROS && strstr(st, "WITH TIME ZONE") &&
            !strstr(st, "LOCAL TIME ZONE")) {
            types[i] = B2A_ORAT_TSTZ;
            nz++;
        }
    }
    b2a_table_def out;
    int rc = nz ? b2a__oraconv_zone_def(def, types, &out) : 0;
    free(types);
    if (rc != 0 || !nz)
        return rc;
    b2a__table_def_clear(def);
    *def = out;
    return 0;
}

/* ---- export expressions ---- */

/* The zone a TIMESTAMP WITH TIME ZONE value was stored with, as the readers
 * write it (oravalue.c b2a__oratstz_micros): "+05:30" for an offset,
 * "region:N" for a named region, N being Oracle's region number. SQL gives
 * a region's name (TZR) but not its number, so the number is taken where
 * the readers take it: bytes 12 and 13 of the stored value, which DUMP
 * lists after "Typ=181 Len=13:" (the 14th and 15th numbers of its text);
 * a region has the high bit of byte 12 set, the number in the next 12 bits. */
#define ZONE_BYTE(q, n) "TO_NUMBER(REGEXP_SUBSTR(DUMP(" q "), '[0-9]+', 1, " #n "))"
static char *zone_expr(const char *q)
{
    return b2a__asprintf("CASE WHEN %1$s IS NULL THEN NULL WHEN " ZONE_BYTE("%1$s", 14) " >= 128 THEN 'region:' ||"
                         " TO_CHAR((" ZONE_BYTE("%1$s", 14) " - 128) * 64 + TRUNC(" ZONE_BYTE("%1$s", 15) " / 4))"
                         " ELSE TO_CHAR(%1$s, 'TZH:TZM') END",
                         q);
}

char *b2a__select_expr_oracle(const b2a_column *col, const char *q)
{
    const char *st = col->source_type ? col->source_type : "";
    switch (col->vtype) {
    case B2A_V_TIMESTAMP_MICROS:
        /* the UTC instant, as a TIMESTAMP the driver binds as wall clock */
        if (strstr(st, "LOCAL TIME ZONE"))
            return b2a__asprintf("SYS_EXTRACT_UTC(CAST(%s AS TIMESTAMP WITH TIME ZONE))", q);
        return b2a__asprintf("SYS_EXTRACT_UTC(%s)", q);
    case B2A_V_DECIMAL:
    case B2A_V_LONG:
        return b2a__strdup(q);
    case B2A_V_STRING:
        if (!strncmp(st, "time zone of ", 13)) {
            /* "<c>__tz" (b2a__oracle_add_zone_columns): the zone of column c */
            size_t n = strlen(q);
            if (n < 6 || strcmp(q + n - 5, "__tz\""))
                return NULL;
            char *base = b2a__asprintf("%.*s\"", (int)(n - 5), q);
            char *e = base ? zone_expr(base) : NULL;
            free(base);
            return e;
        }
        if (!strcmp(st, "INTERVAL YEAR TO MONTH"))
            /* ISO 8601 as the readers write it: -P1Y2M, P0Y0M */
            return b2a__asprintf("CASE WHEN %1$s IS NOT NULL THEN CASE WHEN %1$s < INTERVAL '0' MONTH THEN '-' END"
                                 " || 'P' || ABS(EXTRACT(YEAR FROM %1$s)) || 'Y' || ABS(EXTRACT(MONTH FROM %1$s)) || 'M'"
                                 " END", q);
        if (!strcmp(st, "INTERVAL DAY TO SECOND"))
            /* P3D, or P3DT4H5M6.78S: seconds without trailing zeros */
            return b2a__asprintf("CASE WHEN %1$s IS NOT NULL THEN CASE WHEN %1$s < INTERVAL '0' SECOND THEN '-' END"
                                 " || 'P' || ABS(EXTRACT(DAY FROM %1$s)) || 'D' || CASE WHEN EXTRACT(HOUR FROM %1$s) = 0"
                                 " AND EXTRACT(MINUTE FROM %1$s) = 0 AND EXTRACT(SECOND FROM %1$s) = 0 THEN NULL ELSE"
                                 " 'T' || ABS(EXTRACT(HOUR FROM %1$s)) || 'H' || ABS(EXTRACT(MINUTE FROM %1$s)) || 'M'"
                                 " || RTRIM(TO_CHAR(ABS(EXTRACT(SECOND FROM %1$s)), 'FM90.999999999'), '.') || 'S' END END",
                                 q);
        if (!strcmp(st, "ROWID") || !strcmp(st, "UROWID"))
            return b2a__asprintf("ROWIDTOCHAR(%s)", q);
        if (!strcmp(st, "XMLTYPE (opaque)"))
            return b2a__asprintf("XMLSERIALIZE(CONTENT %s AS CLOB)", q);
        if (!strcmp(st, "MDSYS.SDO_GEOMETRY"))
            return b2a__asprintf("SDO_UTIL.TO_WKTGEOMETRY(%s)", q);
        if (!strncmp(st, "NUMBER", 6) || !strncmp(st, "FLOAT", 5))
            /* an unbounded NUMBER too wide for a decimal: its digits as text */
            return b2a__asprintf("TO_CHAR(%s, 'TM9')", q);
        return b2a__strdup(q);
    case B2A_V_JSON:
        return b2a__asprintf("JSON_SERIALIZE(%s RETURNING CLOB)", q);
    case B2A_V_BOOLEAN:
        return b2a__asprintf("CASE WHEN %1$s THEN 1 WHEN NOT %1$s THEN 0 END", q);
    default:
        return b2a__strdup(q);
    }
}

/* ---- catalog ---- */

/* Schemas of users Oracle does not maintain (12c+: ALL_USERS.ORACLE_MAINTAINED). */
#define USER_SCHEMAS "(SELECT username FROM all_users WHERE oracle_maintained = 'N')"

char *b2a__oracle_tables_sql(const char *filter, int include_views)
{
    /* no nested-table storage, index-organized overflow, temporary or
     * recycle-bin tables: they are not tables a dump restores as such */
    return b2a__asprintf("SELECT t.owner, t.table_name, 'T' FROM all_tables t"
                         " WHERE t.owner IN " USER_SCHEMAS "%s AND t.nested = 'NO' AND t.secondary = 'N'"
                         " AND t.temporary = 'N' AND t.dropped = 'NO' AND (t.iot_type IS NULL OR t.iot_type = 'IOT')"
                         "%s ORDER BY 1, 2",
                         filter,
                         include_views ? " UNION ALL SELECT v.owner, v.view_name, 'V' FROM all_views v"
                                         " WHERE v.owner IN " USER_SCHEMAS : "");
}

char *b2a__oracle_columns_sql(const char *filter)
{
    /* ALL_TAB_COLS rather than ALL_TAB_COLUMNS: only it says which columns
     * are virtual, and the readers leave those out (the dump has no bytes
     * for them); hidden ones (an XMLTYPE's storage) are left out as well */
    return b2a__asprintf("SELECT c.owner, c.table_name, c.column_name, c.data_type, c.data_type_owner,"
                         " c.data_length, c.data_precision, c.data_scale, c.nullable"
                         " FROM all_tab_cols c WHERE c.owner IN " USER_SCHEMAS "%s"
                         " AND c.hidden_column = 'NO' AND c.virtual_column = 'NO'"
                         " ORDER BY c.owner, c.table_name, c.column_id",
                         filter);
}

char *b2a__oracle_pk_sql(const char *filter)
{
    return b2a__asprintf("SELECT k.owner, k.table_name, kc.column_name FROM all_constraints k"
                         " JOIN all_cons_columns kc ON kc.owner = k.owner AND kc.constraint_name = k.constraint_name"
                         " WHERE k.constraint_type = 'P' AND k.owner IN " USER_SCHEMAS "%s"
                         " ORDER BY k.owner, k.table_name, kc.position",
                         filter);
}

char *b2a__oracle_profile_sql(const char *schema, const char *table, const char *const *cols, size_t n)
{
    char *from = b2a__odbc_qualified(B2A_ODBC_ORACLE, schema, table);
    if (!from)
        return NULL;
    char *sql = b2a__strdup("SELECT ");
    for (size_t i = 0; sql && i < n; i++) {
        char *q = b2a__odbc_quote_ident(B2A_ODBC_ORACLE, cols[i]);
        char *next = NULL;
        /* TM9: the shortest text of the value (".125", "12"), never
         * scientific below 64 characters */
        if (q)
            next = b2a__asprintf("%1$s%2$sNVL(MAX(CASE WHEN TRUNC(ABS(%3$s)) = 0 THEN 0 ELSE LENGTH(TO_CHAR(TRUNC(ABS(%3$s)),"
                                 " 'TM9')) END), 0), NVL(MAX(LENGTH(TO_CHAR(ABS(%3$s) - TRUNC(ABS(%3$s)), 'TM9')) - 1), 0)",
                                 sql, i ? ", " : "", q);
        free(q);
        free(sql);
        sql = next;
    }
    char *out = sql ? b2a__asprintf("%s FROM %s", sql, from) : NULL;
    free(sql);
    free(from);
    return out;
}

static b2a_odbc_table *find_table(b2a_odbc_table *t, size_t n, const char *owner, const char *name)
{
    /* both result sets are ordered by owner and name, so a binary search works */
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(t[mid].def.schema, owner);
        if (!c)
            c = strcmp(t[mid].def.name, name);
        if (!c)
            return &t[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static const char *cell(const b2a_odbc_result *r, size_t row, size_t col)
{
    const char *s = b2a__odbc_cell(r, row, col);
    return s ? s : "";
}

static void coltype_of(const b2a_odbc_result *r, size_t i, b2a_oracle_coltype *t)
{
    memset(t, 0, sizeof *t);
    t->data_type = cell(r, i, 3);
    t->type_owner = b2a__odbc_cell(r, i, 4);
    t->data_length = strtol(cell(r, i, 5), NULL, 10);
    t->has_precision = b2a__odbc_cell(r, i, 6) != NULL;
    t->precision = strtol(cell(r, i, 6), NULL, 10);
    t->has_scale = b2a__odbc_cell(r, i, 7) != NULL;
    t->scale = strtol(cell(r, i, 7), NULL, 10);
}

/* One scan per table with unbounded NUMBER columns, then their types. */
static int profile_table(b2a_odbc_conn *c, b2a_odbc_table *t, const b2a_odbc_result *rc_, size_t first,
                         b2a_err *err)
{
    const char **names = calloc(t->def.ncolumns ? t->def.ncolumns : 1, sizeof *names);
    size_t *idx = calloc(t->def.ncolumns ? t->def.ncolumns : 1, sizeof *idx), n = 0;
    int rc = B2A_OK;
    if (!names || !idx) {
        rc = OOM();
        goto out;
    }
    for (size_t k = 0; k < t->def.ncolumns; k++) {
        b2a_oracle_coltype ty;
        coltype_of(rc_, first + k, &ty);
        if (b2a__oracle_needs_profile(&ty)) {
            names[n] = t->def.columns[k].name;
            idx[n++] = k;
        }
    }
    if (!n)
        goto out;
    char *sql = b2a__oracle_profile_sql(t->def.schema, t->def.name, names, n);
    b2a_odbc_result pr = {0};
    if (!sql) {
        rc = OOM();
        goto out;
    }
    rc = b2a__odbc_query(c, sql, &pr, err);
    free(sql);
    if (rc) {
        b2a__err_prefix(err, "profiling the unbounded NUMBER columns of %s.%s: ", t->def.schema, t->def.name);
        goto out;
    }
    for (size_t k = 0; k < n && pr.nrows == 1; k++) {
        b2a_column *col = &t->def.columns[idx[k]];
        b2a_oracle_coltype ty;
        coltype_of(rc_, first + idx[k], &ty);
        free(col->source_type);
        free(col->note);
        col->source_type = col->note = NULL;
        if (b2a__oracle_map_column(&ty, atoi(cell(&pr, 0, 2 * k)), atoi(cell(&pr, 0, 2 * k + 1)), col) < 0) {
            rc = OOM();
            break;
        }
    }
    b2a__odbc_result_clear(&pr);
out:
    free(names);
    free(idx);
    return rc;
}

int b2a__introspect_oracle(b2a_odbc_conn *c, const b2a_introspect_opts *o, b2a_odbc_table **out, size_t *nout,
                           b2a_err *err)
{
    b2a_odbc_result rt = {0}, rc_ = {0}, rp = {0};
    b2a_odbc_table *tabs = NULL;
    size_t ntabs = 0, *first = NULL; /* per table: the row of its first column in rc_ */
    char *filter = NULL, *sql = NULL;
    int rc;

    if (b2a__introspect_schema_filter(B2A_ODBC_ORACLE, o, "owner", &filter) || !(sql = b2a__oracle_tables_sql(filter, o->include_views)))
        return free(filter), OOM();
    rc = b2a__odbc_query(c, sql, &rt, err);
    free(sql);
    if (rc)
        goto out_prefix;
    ntabs = rt.nrows;
    tabs = calloc(ntabs ? ntabs : 1, sizeof *tabs);
    if (!tabs) {
        rc = OOM();
        goto out;
    }
    for (size_t i = 0; i < ntabs; i++) {
        b2a_odbc_table *t = &tabs[i];
        t->def.schema = b2a__strdup(cell(&rt, i, 0));
        t->def.name = b2a__strdup(cell(&rt, i, 1));
        t->def.row_count = -1;
        if (!t->def.schema || !t->def.name) {
            rc = OOM();
            goto out;
        }
        t->kind = cell(&rt, i, 2)[0] == 'V' ? B2A_TABLE_KIND_VIEW : B2A_TABLE_KIND_TABLE;
        t->exported = t->kind == B2A_TABLE_KIND_TABLE || o->include_views;
    }

    if (!(sql = b2a__oracle_columns_sql(filter))) {
        rc = OOM();
        goto out;
    }
    rc = b2a__odbc_query(c, sql, &rc_, err);
    free(sql);
    if (rc)
        goto out_prefix;
    first = malloc((ntabs ? ntabs : 1) * sizeof *first);
    if (!first) {
        rc = OOM();
        goto out;
    }
    for (size_t i = 0; i < ntabs; i++)
        first[i] = SIZE_MAX;
    for (size_t i = 0; i < rc_.nrows; i++) {
        b2a_odbc_table *t = find_table(tabs, ntabs, cell(&rc_, i, 0), cell(&rc_, i, 1));
        if (!t)
            continue; /* a table of a schema listed between the two queries */
        b2a_oracle_coltype ty;
        coltype_of(&rc_, i, &ty);
        b2a_column col;
        memset(&col, 0, sizeof col);
        int m = b2a__oracle_map_column(&ty, 0, 0, &col);
        if (m < 0 || b2a__introspect_add_column(&t->def, cell(&rc_, i, 2), col.source_type, col.vtype, col.precision,
                                                col.scale, cell(&rc_, i, 8)[0] == 'Y', col.note)) {
            free(col.source_type);
            free(col.note);
            rc = OOM();
            goto out;
        }
        if (m == 1)
            t->exported = 0; /* an object type the export cannot carry; the note says which */
        free(col.source_type);
        free(col.note);
        if (first[t - tabs] == SIZE_MAX)
            first[t - tabs] = i; /* ORDER BY column_id: the table's columns follow */
    }

    if (!(sql = b2a__oracle_pk_sql(filter))) {
        rc = OOM();
        goto out;
    }
    rc = b2a__odbc_query(c, sql, &rp, err);
    free(sql);
    if (rc)
        goto out_prefix;
    for (size_t i = 0; i < rp.nrows; i++) {
        b2a_odbc_table *t = find_table(tabs, ntabs, cell(&rp, i, 0), cell(&rp, i, 1));
        if (t && b2a__introspect_add_pk(t, cell(&rp, i, 2))) {
            rc = OOM();
            goto out;
        }
    }

    /* the unbounded NUMBERs: typed from their values, as the readers do */
    for (size_t i = 0; i < ntabs && rc == B2A_OK; i++) {
        b2a_odbc_table *t = &tabs[i];
        if (t->kind == B2A_TABLE_KIND_TABLE && t->exported && o->profile_numeric && first[i] != SIZE_MAX &&
            first[i] + t->def.ncolumns <= rc_.nrows)
            rc = profile_table(c, t, &rc_, first[i], err);
    }
    /* TIMESTAMP WITH TIME ZONE: the "<c>__tz" fields the readers add, after
     * the table's columns (added last: the profile counts columns above) */
    for (size_t i = 0; i < ntabs && rc == B2A_OK; i++)
        if (b2a__oracle_add_zone_columns(&tabs[i].def) != 0)
            rc = OOM();
    if (rc)
        goto out;
    *out = tabs;
    *nout = ntabs;
    tabs = NULL;
    goto out;
out_prefix:
    b2a__err_prefix(err, "Oracle introspection: ");
out:
    b2a__odbc_result_clear(&rt);
    b2a__odbc_result_clear(&rc_);
    b2a__odbc_result_clear(&rp);
    b2a__odbc_tables_free(tabs, ntabs);
    free(first);
    free(filter);
    return rc;
}
