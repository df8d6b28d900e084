/* MariaDB/MySQL catalog -> column model (§4.5 of the type mapping), from
 * information_schema: COLUMN_TYPE keeps unsigned, display widths and
 * enum values that DATA_TYPE and ODBC type codes lose. */
#include "odbc/introspect.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/str.h"

#define OOM() b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory")

#define MY_SYS_SCHEMAS "('mysql','information_schema','performance_schema','sys')"

static const char *const geometry_types[] = {
    "geometry", "point", "linestring", "polygon", "multipoint", "multilinestring",
    "multipolygon", "geometrycollection", NULL};

static int is_geometry(const char *t)
{
    for (const char *const *g = geometry_types; *g; g++)
        if (!strcasecmp(t, *g))
            return 1;
    return 0;
}

static int is_texty(const char *dt)
{
    static const char *const v[] = {"char", "varchar", "tinytext", "text", "mediumtext",
                                    "longtext", "enum", "set", "json", NULL};
    for (const char *const *p = v; *p; p++)
        if (!strcasecmp(dt, *p))
            return 1;
    return 0;
}

/* The DATA_TYPE word starting a COLUMN_TYPE ("bigint(20) unsigned" -> bigint). */
static void data_type_of(const char *column_type, char *out, size_t cap)
{
    size_t i = 0;
    while (column_type[i] && column_type[i] != '(' && column_type[i] != ' ' && i < cap - 1) {
        out[i] = column_type[i];
        i++;
    }
    out[i] = '\0';
}

static void map_type(const char *dt, const char *ct, int is_json, long nprec, long nscale,
                     b2a_vtype *vt, int *prec, int *scale, const char **note)
{
    int uns = strstr(ct, "unsigned") != NULL;
    *prec = *scale = 0;
    *note = NULL;
    if (is_json) {
        *vt = B2A_V_JSON;
    } else if (!strcasecmp(dt, "tinyint") || !strcasecmp(dt, "smallint") || !strcasecmp(dt, "mediumint")) {
        *vt = B2A_V_INT;
        if (!strncasecmp(ct, "tinyint(1)", 10))
            *note = "TINYINT(1) exported as int, not boolean";
    } else if (!strcasecmp(dt, "int")) {
        *vt = uns ? B2A_V_LONG : B2A_V_INT;
    } else if (!strcasecmp(dt, "bigint")) {
        if (uns) {
            *vt = B2A_V_DECIMAL;
            *prec = 20;
        } else {
            *vt = B2A_V_LONG;
        }
    } else if (!strcasecmp(dt, "decimal")) {
        if (nprec > 38) {
            *vt = B2A_V_STRING;
            *note = "DECIMAL wider than 38 digits exported as text";
        } else {
            *vt = B2A_V_DECIMAL;
            *prec = (int)nprec;
            *scale = (int)nscale;
        }
    } else if (!strcasecmp(dt, "float")) {
        *vt = B2A_V_FLOAT;
    } else if (!strcasecmp(dt, "double")) {
        *vt = B2A_V_DOUBLE;
    } else if (!strcasecmp(dt, "bit")) {
        long n = strtol(ct + 4, NULL, 10); /* "bit(N)" */
        if (n <= 1) {
            *vt = B2A_V_BOOLEAN;
        } else if (n < 64) {
            *vt = B2A_V_LONG;
        } else {
            *vt = B2A_V_DECIMAL;
            *prec = 20;
        }
    } else if (!strcasecmp(dt, "year")) {
        *vt = B2A_V_INT;
    } else if (!strcasecmp(dt, "date")) {
        *vt = B2A_V_DATE;
        *note = "zero dates are written as null";
    } else if (!strcasecmp(dt, "datetime")) {
        *vt = B2A_V_LOCAL_TIMESTAMP_MICROS;
        *note = "zero dates are written as null";
    } else if (!strcasecmp(dt, "timestamp")) {
        *vt = B2A_V_TIMESTAMP_MICROS;
        *note = "zero dates are written as null";
    } else if (!strcasecmp(dt, "time")) {
        *vt = B2A_V_STRING;
        *note = "TIME is a duration (-838:59:59 to 838:59:59): exported as text";
    } else if (!strcasecmp(dt, "json")) {
        *vt = B2A_V_JSON;
    } else if (!strcasecmp(dt, "uuid")) {
        *vt = B2A_V_UUID;
    } else if (!strcasecmp(dt, "enum") || !strcasecmp(dt, "set")) {
        *vt = B2A_V_STRING;
        *note = !strcasecmp(dt, "set") ? "SET as a comma-separated list" : NULL;
    } else if (is_geometry(dt)) {
        *vt = B2A_V_STRING;
        *note = "geometry as WKT (ST_AsText); the SRID is not kept";
    } else if (!strcasecmp(dt, "binary") || !strcasecmp(dt, "varbinary") || strstr(dt, "blob")) {
        *vt = B2A_V_BYTES;
    } else if (is_texty(dt)) {
        *vt = B2A_V_STRING;
    } else {
        *vt = B2A_V_STRING;
        *note = "exported as text";
    }
}

/* index of (schema, name) in tabs; hint makes the in-order case O(1) */
static b2a_odbc_table *find_table(b2a_odbc_table *tabs, size_t n, size_t *hint, const char *s, const char *t)
{
    for (size_t k = 0; k < n; k++) {
        size_t i = (*hint + k) % n;
        if (!strcmp(tabs[i].def.schema, s) && !strcmp(tabs[i].def.name, t)) {
            *hint = i;
            return &tabs[i];
        }
    }
    return NULL;
}

/* MariaDB's JSON is LONGTEXT plus CHECK (json_valid(`col`)). */
static int is_json_col(const b2a_odbc_result *chk, const char *s, const char *t, const char *col)
{
    for (size_t i = 0; i < chk->nrows; i++) {
        const char *cl = b2a__odbc_cell(chk, i, 2);
        if (!cl || strcmp(b2a__odbc_cell(chk, i, 0), s) || strcmp(b2a__odbc_cell(chk, i, 1), t))
            continue;
        const char *b = strchr(cl, '`');
        if (!b)
            continue;
        /* `a``b` inside the clause: compare unescaped */
        const char *p = b + 1, *c = col;
        for (;;) {
            if (*p == '`' && p[1] == '`') {
                if (*c != '`')
                    break;
                p += 2;
                c++;
            } else if (*p == '`') {
                if (!*c && !strncmp(p, "`)", 2))
                    return 1;
                break;
            } else if (*p && *p == *c) {
                p++;
                c++;
            } else {
                break;
            }
        }
    }
    return 0;
}

int b2a__introspect_mysql(b2a_odbc_conn *c, const b2a_introspect_opts *o,
                          b2a_odbc_table **out, size_t *nout, b2a_err *err)
{
    b2a_odbc_result rt = {0}, rcol = {0}, rp = {0}, chk = {0};
    b2a_odbc_table *tabs = NULL;
    size_t ntabs = 0, hint = 0;
    char *filter = NULL, *sql = NULL;
    int rc;

    if (b2a__introspect_schema_filter(B2A_ODBC_MYSQL, o, "TABLE_SCHEMA", &filter))
        return OOM();

    rc = b2a__introspect_queryf(c, &rt, err,
        "SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES"
        " WHERE TABLE_SCHEMA NOT IN " MY_SYS_SCHEMAS "%s ORDER BY 1, 2", filter);
    if (rc)
        goto out_prefix;
    ntabs = rt.nrows;
    tabs = calloc(ntabs ? ntabs : 1, sizeof(*tabs));
    if (!tabs) {
        rc = OOM();
        goto out;
    }
    for (size_t i = 0; i < ntabs; i++) {
        b2a_odbc_table *t = &tabs[i];
        const char *type = b2a__odbc_cell(&rt, i, 2);
        t->def.schema = b2a__strdup(b2a__odbc_cell(&rt, i, 0));
        t->def.name = b2a__strdup(b2a__odbc_cell(&rt, i, 1));
        t->def.row_count = -1;
        if (!t->def.schema || !t->def.name) {
            rc = OOM();
            goto out;
        }
        /* "BASE TABLE", "SYSTEM VERSIONED" (a base table), "VIEW", "SEQUENCE" */
        t->kind = !strcmp(type, "VIEW") ? B2A_TABLE_KIND_VIEW
                : !strcmp(type, "SEQUENCE") ? B2A_TABLE_KIND_SEQUENCE : B2A_TABLE_KIND_TABLE;
        t->exported = t->kind == B2A_TABLE_KIND_TABLE || (o->include_views && t->kind == B2A_TABLE_KIND_VIEW);
    }

    /* no CHECK_CONSTRAINTS view on MySQL 5.7: then no JSON detection needed */
    sql = b2a__asprintf("SELECT CONSTRAINT_SCHEMA, TABLE_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS"
                        " WHERE CHECK_CLAUSE LIKE 'json\\_valid(%%' AND CONSTRAINT_SCHEMA NOT IN " MY_SYS_SCHEMAS);
    if (!sql) {
        rc = OOM();
        goto out;
    }
    if (b2a__odbc_query(c, sql, &chk, NULL) != B2A_OK)
        memset(&chk, 0, sizeof(chk));
    free(sql);

    rc = b2a__introspect_queryf(c, &rcol, err,
        "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE,"
        " NUMERIC_PRECISION, NUMERIC_SCALE, EXTRA FROM information_schema.COLUMNS"
        " WHERE TABLE_SCHEMA NOT IN " MY_SYS_SCHEMAS "%s"
        " ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION", filter);
    if (rc)
        goto out_prefix;
    for (size_t i = 0; i < rcol.nrows; i++) {
        const char *s = b2a__odbc_cell(&rcol, i, 0), *tn = b2a__odbc_cell(&rcol, i, 1);
        const char *name = b2a__odbc_cell(&rcol, i, 2), *ct = b2a__odbc_cell(&rcol, i, 3);
        const char *np = b2a__odbc_cell(&rcol, i, 5), *ns = b2a__odbc_cell(&rcol, i, 6);
        b2a_odbc_table *t = find_table(tabs, ntabs, &hint, s, tn);
        if (!t)
            continue;
        /* the page key the export cursor added to a keyless table of an
         * earlier export on this server (odbc/cursor.c): not the data's */
        const char *extra = b2a__odbc_cell(&rcol, i, 7);
        if (!strcmp(name, "__b2a_page_key") && !strncmp(ct, "bigint", 6) && strstr(ct, "unsigned") && extra &&
            strstr(extra, "auto_increment"))
            continue;
        char dt[32];
        data_type_of(ct, dt, sizeof(dt));
        b2a_vtype vt;
        int prec, scale;
        const char *note;
        map_type(dt, ct, is_json_col(&chk, s, tn, name), np ? strtol(np, NULL, 10) : 0,
                 ns ? strtol(ns, NULL, 10) : 0, &vt, &prec, &scale, &note);
        if (b2a__introspect_add_column(&t->def, name, ct, vt, prec, scale,
                                       strcmp(b2a__odbc_cell(&rcol, i, 4), "NO") != 0, note)) {
            rc = OOM();
            goto out;
        }
        /* zero dates become NULL (map_type): such a field stays nullable */
        b2a__introspect_dates_nulled(&t->def.columns[t->def.ncolumns - 1]);
    }

    rc = b2a__introspect_queryf(c, &rp, err,
        "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE"
        " WHERE CONSTRAINT_NAME = 'PRIMARY' AND TABLE_SCHEMA NOT IN " MY_SYS_SCHEMAS "%s"
        " ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION", filter);
    if (rc)
        goto out_prefix;
    for (size_t i = 0; i < rp.nrows; i++) {
        b2a_odbc_table *t = find_table(tabs, ntabs, &hint, b2a__odbc_cell(&rp, i, 0), b2a__odbc_cell(&rp, i, 1));
        if (t && b2a__introspect_add_pk(t, b2a__odbc_cell(&rp, i, 2))) {
            rc = OOM();
            goto out;
        }
    }

    *out = tabs;
    *nout = ntabs;
    tabs = NULL;
    goto out;
out_prefix:
    b2a__err_prefix(err, "MariaDB introspection: ");
out:
    b2a__odbc_result_clear(&rt);
    b2a__odbc_result_clear(&rcol);
    b2a__odbc_result_clear(&rp);
    b2a__odbc_result_clear(&chk);
    b2a__odbc_tables_free(tabs, ntabs);
    free(filter);
    return rc;
}

char *b2a__select_expr_mysql(const b2a_column *col, const char *q)
{
    char dt[32];
    data_type_of(col->source_type ? col->source_type : "", dt, sizeof(dt));
    if (is_geometry(dt))
        return b2a__asprintf("ST_AsText(%s)", q);
    if (!strcasecmp(dt, "bit"))
        return b2a__asprintf("CAST(%s AS UNSIGNED)", q);
    if ((col->vtype == B2A_V_STRING || col->vtype == B2A_V_UUID) && !is_texty(dt))
        return b2a__asprintf("CAST(%s AS CHAR)", q); /* TIME, INET6, ... as the server prints them */
    return b2a__strdup(q);
}
