/* Schema JSON generation with yajl. avro-c would drop logicalType, doc
 * and default when writing a schema, so we write the text ourselves. */
#include "avro/avsc.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

char *b2a__avro_record_name(const char *table)
{
    static const char *const primitive[] = {
        "null", "boolean", "int", "long", "float", "double", "bytes", "string",
    };
    char *n = b2a__avro_name(table);
    if (!n)
        return NULL;
    /* Avro forbids defining a named type called like a primitive. */
    for (size_t i = 0; i < sizeof(primitive) / sizeof(primitive[0]); i++) {
        if (strcmp(n, primitive[i]) == 0) {
            size_t len = strlen(n);
            char *m = malloc(len + 3);
            if (m) {
                memcpy(m, "c_", 2);
                memcpy(m + 2, n, len + 1);
            }
            free(n);
            return m;
        }
    }
    return n;
}

char *b2a__avro_namespace(const char *database, const char *schema, int *oom)
{
    *oom = 0;
    char *a = (database && *database) ? b2a__avro_name(database) : NULL;
    char *b = (schema && *schema) ? b2a__avro_name(schema) : NULL;
    char *out = NULL;
    if ((database && *database && !a) || (schema && *schema && !b)) {
        *oom = 1;
    } else if (a && b) {
        size_t la = strlen(a), lb = strlen(b);
        out = malloc(la + lb + 2);
        if (out) {
            memcpy(out, a, la);
            out[la] = '.';
            memcpy(out + la + 1, b, lb + 1);
        } else {
            *oom = 1;
        }
    } else {
        out = a ? a : b;
        a = b = NULL;
    }
    free(a);
    free(b);
    return out;
}

static int gstr(yajl_gen g, const char *s)
{
    return yajl_gen_string(g, (const unsigned char *)s, strlen(s)) != yajl_gen_status_ok;
}

static int gkv(yajl_gen g, const char *k, const char *v)
{
    return gstr(g, k) || gstr(g, v);
}

static int gki(yajl_gen g, const char *k, long long v)
{
    return gstr(g, k) || yajl_gen_integer(g, v) != yajl_gen_status_ok;
}

/* A field's type: the non-null branch of its union, or the whole type of a
 * required field. */
static int gen_type(yajl_gen g, const b2a_column *c)
{
    const char *logical = NULL, *base = NULL;
    switch (c->vtype) {
    case B2A_V_BOOLEAN: return gstr(g, "boolean");
    case B2A_V_INT: return gstr(g, "int");
    case B2A_V_LONG: return gstr(g, "long");
    case B2A_V_FLOAT: return gstr(g, "float");
    case B2A_V_DOUBLE: return gstr(g, "double");
    case B2A_V_STRING: return gstr(g, "string");
    case B2A_V_BYTES: return gstr(g, "bytes");
    case B2A_V_DECIMAL:
        return yajl_gen_map_open(g) || gkv(g, "type", "bytes") || gkv(g, "logicalType", "decimal")
            || gki(g, "precision", c->precision) || gki(g, "scale", c->scale)
            || yajl_gen_map_close(g);
    case B2A_V_DATE: base = "int"; logical = "date"; break;
    case B2A_V_TIME_MICROS: base = "long"; logical = "time-micros"; break;
    case B2A_V_TIMESTAMP_MICROS: base = "long"; logical = "timestamp-micros"; break;
    case B2A_V_LOCAL_TIMESTAMP_MICROS: base = "long"; logical = "local-timestamp-micros"; break;
    case B2A_V_LOCAL_TIMESTAMP_STRING: return gstr(g, "string");
    case B2A_V_UUID: base = "string"; logical = "uuid"; break;
    case B2A_V_JSON:
        /* BigQuery loads this as JSON; not an Avro logical type. */
        return yajl_gen_map_open(g) || gkv(g, "type", "string") || gkv(g, "sqlType", "JSON")
            || yajl_gen_map_close(g);
    }
    return yajl_gen_map_open(g) || gkv(g, "type", base) || gkv(g, "logicalType", logical)
        || yajl_gen_map_close(g);
}

static int check_column(const b2a_table_def *t, size_t i, b2a_err *err)
{
    const b2a_column *c = &t->columns[i];
    const char *name = c->name ? c->name : "";
    if ((unsigned)c->vtype > (unsigned)B2A_V_LOCAL_TIMESTAMP_STRING)
        return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_AVRO, "column \"%s\" (#%zu) of %s.%s has unknown value type %d",
                            name, i + 1, t->schema ? t->schema : "", t->name ? t->name : "", (int)c->vtype);
    if (c->vtype == B2A_V_DECIMAL
        && (c->precision < 1 || c->precision > 76 || c->scale < 0 || c->scale > c->precision))
        return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_AVRO,
                            "column \"%s\" of %s.%s: decimal(%d,%d) is not valid in Avro here (need 1 <= precision <= 76, 0 <= scale <= precision)",
                            name, t->schema ? t->schema : "", t->name ? t->name : "", c->precision, c->scale);
    return B2A_OK;
}

/* "OrderID int; <note>" */
static char *field_doc(const b2a_column *c)
{
    const char *n = c->name ? c->name : "";
    const char *st = c->source_type ? c->source_type : "";
    const char *note = c->note ? c->note : "";
    size_t len = strlen(n) + strlen(st) + strlen(note) + 4;
    char *d = malloc(len);
    if (!d)
        return NULL;
    snprintf(d, len, "%s%s%s%s%s", n, *st ? " " : "", st, *note ? "; " : "", note);
    return d;
}

static char *record_doc(const b2a_avro_table *t)
{
    const b2a_table_def *d = t->def;
    char rows[64] = "";
    if (d->row_count >= 0)
        snprintf(rows, sizeof(rows), "; %" PRId64 " row%s", d->row_count, d->row_count == 1 ? "" : "s");
    const char *schema = d->schema ? d->schema : "";
    const char *db = t->database ? t->database : "";
    const char *src = t->source ? t->source : "";
    size_t len = strlen(schema) + strlen(d->name ? d->name : "") + strlen(db) + strlen(src) + 128;
    char *doc = malloc(len);
    if (!doc)
        return NULL;
    snprintf(doc, len, "Table %s%s%s%s%s%s%s%s", schema, *schema ? "." : "", d->name ? d->name : "",
             *db ? " of database " : "", db, *src ? "; source: " : "", src, rows);
    return doc;
}

int b2a__avro_schema_build(const b2a_avro_table *t, int pretty, char **json_out,
                           b2a_avro_names **fields_out, b2a_err *err)
{
    const b2a_table_def *d = t ? t->def : NULL;
    *json_out = NULL;
    if (fields_out)
        *fields_out = NULL;
    if (!d || !d->name || (d->ncolumns && !d->columns))
        return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_AVRO, "Avro schema: no table definition given");
    if (d->ncolumns == 0)
        return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_AVRO,
                            "Avro schema: table %s%s%s has no columns", d->schema ? d->schema : "",
                            d->schema ? "." : "", d->name);
    for (size_t i = 0; i < d->ncolumns; i++) {
        int rc = check_column(d, i, err);
        if (rc)
            return rc;
    }

    int rc = B2A_ENOMEM, oom = 0;
    const char *failed = NULL;
    yajl_gen g = yajl_gen_alloc(NULL);
    b2a_avro_names *names = b2a__avro_names_new();
    char *rname = b2a__avro_record_name(d->name);
    char *ns = b2a__avro_namespace(t->database, d->schema, &oom);
    char *rdoc = record_doc(t);
    if (!g || !names || !rname || oom || !rdoc)
        goto out;
    yajl_gen_config(g, yajl_gen_validate_utf8, 1);
    if (pretty) {
        yajl_gen_config(g, yajl_gen_beautify, 1);
        yajl_gen_config(g, yajl_gen_indent_string, "  ");
    }
    failed = "the table's names";
    if (yajl_gen_map_open(g) || gkv(g, "type", "record") || gkv(g, "name", rname)
        || (ns && gkv(g, "namespace", ns)) || gkv(g, "doc", rdoc)
        || (t->database && gkv(g, "x-source-database", t->database))
        || (d->schema && gkv(g, "x-source-schema", d->schema))
        || gkv(g, "x-source-table", d->name) || gstr(g, "fields") || yajl_gen_array_open(g))
        goto out;
    for (size_t i = 0; i < d->ncolumns; i++) {
        const b2a_column *c = &d->columns[i];
        const char *fname = b2a__avro_names_add(names, c->name);
        char *fdoc = field_doc(c);
        if (!fname || !fdoc) {
            free(fdoc);
            failed = NULL;
            goto out;
        }
        /* NOT NULL: a plain T with no default; otherwise ["null", T], default null */
        int bad = yajl_gen_map_open(g) || gkv(g, "name", fname) || gstr(g, "type")
            || (b2a__column_required(c) ? gen_type(g, c)
                                        : (yajl_gen_array_open(g) || gstr(g, "null") || gen_type(g, c)
                                           || yajl_gen_array_close(g) || gstr(g, "default") || yajl_gen_null(g)))
            || gkv(g, "doc", fdoc)
            || gkv(g, "x-source-name", c->name ? c->name : "")
            || gkv(g, "x-source-type", c->source_type ? c->source_type : "")
            || yajl_gen_map_close(g);
        free(fdoc);
        if (bad) {
            rc = b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_AVRO,
                              "Avro schema of %s: column #%zu's name or type is not valid UTF-8",
                              d->name, i + 1);
            failed = NULL;
            goto out_keep;
        }
    }
    if (yajl_gen_array_close(g) || yajl_gen_map_close(g))
        goto out;
    const unsigned char *buf;
    size_t len;
    yajl_gen_get_buf(g, &buf, &len);
    *json_out = malloc(len + 1);
    if (!*json_out) {
        failed = NULL;
        goto out;
    }
    memcpy(*json_out, buf, len);
    (*json_out)[len] = '\0';
    rc = B2A_OK;
    if (fields_out) {
        *fields_out = names;
        names = NULL;
    }
    goto out_keep;

out:
    if (failed)
        rc = b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_AVRO,
                          "Avro schema of table %s: %s are not valid UTF-8", d->name, failed);
    else
        rc = b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_AVRO, "out of memory building the Avro schema of %s", d->name);
out_keep:
    if (g)
        yajl_gen_free(g);
    b2a__avro_names_free(names);
    free(rname);
    free(ns);
    free(rdoc);
    return rc;
}

int b2a__avro_schema_json(const b2a_table_def *t, const char *database, char **json_out, b2a_err *err)
{
    b2a_avro_table at = { t, database, NULL };
    return b2a__avro_schema_build(&at, 0, json_out, NULL, err);
}
