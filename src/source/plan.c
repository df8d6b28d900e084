/* Split plans to and from JSON (plan.h). */
#include "source/plan.h"

#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "avro/names.h"
#include "util/str.h"

static void str(yajl_gen g, const char *s)
{
    if (s)
        yajl_gen_string(g, (const unsigned char *)s, strlen(s));
    else
        yajl_gen_null(g);
}

static void kv(yajl_gen g, const char *k, const char *v)
{
    str(g, k);
    str(g, v);
}

static void kint(yajl_gen g, const char *k, long long v)
{
    str(g, k);
    yajl_gen_integer(g, v);
}

void b2a__json_table_fields(yajl_gen g, const b2a_table_def *t, char *const *pk, size_t npk)
{
    kv(g, "schema", t->schema);
    kv(g, "name", t->name);
    kint(g, "rows_expected", t->row_count);
    str(g, "primary_key");
    yajl_gen_array_open(g);
    for (size_t i = 0; i < npk; i++)
        str(g, pk[i]);
    yajl_gen_array_close(g);
    b2a_avro_names *names = b2a__avro_names_new();
    str(g, "columns");
    yajl_gen_array_open(g);
    for (size_t i = 0; i < t->ncolumns; i++) {
        const b2a_column *c = &t->columns[i];
        yajl_gen_map_open(g);
        kv(g, "name", c->name);
        kv(g, "avro_name", names ? b2a__avro_names_add(names, c->name ? c->name : "") : NULL);
        kv(g, "source_type", c->source_type);
        kv(g, "avro_type", b2a__vtype_name(c->vtype));
        if (c->vtype == B2A_V_DECIMAL) {
            kint(g, "precision", c->precision);
            kint(g, "scale", c->scale);
        }
        str(g, "nullable");
        yajl_gen_bool(g, c->nullable);
        if (c->note)
            kv(g, "note", c->note);
        yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
    b2a__avro_names_free(names);
}

char *b2a__plan_render(const b2a_plan_doc *p)
{
    yajl_gen g = yajl_gen_alloc(NULL);
    if (!g)
        return NULL;
    yajl_gen_map_open(g);
    kint(g, "plan_version", B2A_PLAN_JSON_VERSION);
    kv(g, "vendor", p->vendor);
    kv(g, "database", p->database);
    kv(g, "kind", p->kind);
    b2a__json_table_fields(g, &p->def, p->pk, p->npk);
    kv(g, "method", b2a__split_method_name(p->method));
    kv(g, "key", p->key);
    kv(g, "snapshot", p->snapshot);
    str(g, "ranges");
    yajl_gen_array_open(g);
    for (size_t i = 0; i < p->nranges; i++) {
        yajl_gen_map_open(g);
        kint(g, "index", (long long)i);
        kv(g, "where", p->where[i]);
        yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
    yajl_gen_map_close(g);
    const unsigned char *buf;
    size_t len;
    char *out = NULL;
    if (yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok)
        out = b2a__strndup((const char *)buf, len);
    yajl_gen_free(g);
    return out;
}

void b2a__plan_doc_clear(b2a_plan_doc *p)
{
    free(p->vendor);
    free(p->database);
    free(p->kind);
    b2a__table_def_clear(&p->def);
    b2a__strv_free(p->pk, p->npk);
    free(p->key);
    free(p->snapshot);
    b2a__strv_free(p->where, p->nranges);
    memset(p, 0, sizeof(*p));
}

static yajl_val get(yajl_val o, const char *k)
{
    const char *path[] = {k, NULL};
    return yajl_tree_get(o, path, yajl_t_any);
}

/* A string member (NULL when null or absent); -1 when of another type. */
static int get_str(yajl_val o, const char *k, char **out)
{
    yajl_val v = get(o, k);
    *out = NULL;
    if (!v || YAJL_IS_NULL(v))
        return 0;
    if (!YAJL_IS_STRING(v))
        return -1;
    *out = b2a__strdup(YAJL_GET_STRING(v));
    return *out ? 0 : -1;
}

#define BAD(what) (rc = b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "split plan JSON: %s", what))

int b2a__plan_parse(const char *json, b2a_plan_doc *p, b2a_err *err)
{
    memset(p, 0, sizeof(*p));
    char errbuf[256];
    yajl_val root = json ? yajl_tree_parse(json, errbuf, sizeof errbuf) : NULL;
    if (!root)
        return b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "split plan JSON: %s", json ? errbuf : "none given");
    int rc = B2A_OK;
    yajl_val v = get(root, "plan_version");
    if (!YAJL_IS_OBJECT(root) || !v || !YAJL_IS_INTEGER(v))
        BAD("not a split plan (no \"plan_version\")");
    else if (YAJL_GET_INTEGER(v) != B2A_PLAN_JSON_VERSION)
        rc = b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_USAGE,
                          "split plan JSON: version %lld; this library reads version %d",
                          (long long)YAJL_GET_INTEGER(v), B2A_PLAN_JSON_VERSION);
    char *method = NULL;
    if (rc == B2A_OK && (get_str(root, "vendor", &p->vendor) || get_str(root, "database", &p->database) ||
                         get_str(root, "kind", &p->kind) || get_str(root, "schema", &p->def.schema) ||
                         get_str(root, "name", &p->def.name) || get_str(root, "key", &p->key) ||
                         get_str(root, "snapshot", &p->snapshot) || get_str(root, "method", &method)))
        BAD("a member that should be a string is not");
    if (rc == B2A_OK && (!p->vendor || !p->def.schema || !p->def.name))
        BAD("\"vendor\", \"schema\" and \"name\" are required");
    if (rc == B2A_OK) {
        int found = method ? -1 : B2A_SPLIT_SINGLE;
        for (int m = B2A_SPLIT_SINGLE; found < 0 && m <= B2A_SPLIT_SEGMENTS; m++)
            if (!strcmp(method, b2a__split_method_name((b2a_split_method)m)))
                found = m;
        if (found < 0)
            BAD("unknown \"method\" (single, key, ctid, extents, segments)");
        p->method = found < 0 ? B2A_SPLIT_SINGLE : (b2a_split_method)found;
        v = get(root, "rows_expected");
        p->def.row_count = v && YAJL_IS_INTEGER(v) ? YAJL_GET_INTEGER(v) : -1;
    }
    free(method);
    yajl_val cols = rc == B2A_OK ? get(root, "columns") : NULL;
    if (rc == B2A_OK && (!cols || !YAJL_IS_ARRAY(cols) || YAJL_GET_ARRAY(cols)->len == 0))
        BAD("\"columns\" must be a non-empty array");
    if (rc == B2A_OK) {
        size_t n = YAJL_GET_ARRAY(cols)->len;
        p->def.columns = calloc(n, sizeof(*p->def.columns));
        if (!p->def.columns)
            rc = b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
        for (size_t i = 0; rc == B2A_OK && i < n; i++) {
            yajl_val c = YAJL_GET_ARRAY(cols)->values[i];
            b2a_column *col = &p->def.columns[i];
            p->def.ncolumns = i + 1;
            char *type = NULL;
            if (!YAJL_IS_OBJECT(c) || get_str(c, "name", &col->name) || get_str(c, "source_type", &col->source_type) ||
                get_str(c, "note", &col->note) || get_str(c, "avro_type", &type) || !col->name) {
                free(type);
                BAD("a column needs a \"name\" and an \"avro_type\"");
                break;
            }
            int vt = b2a__vtype_parse(type);
            free(type);
            if (vt < 0) {
                BAD("a column's \"avro_type\" is unknown");
                break;
            }
            col->vtype = (b2a_vtype)vt;
            yajl_val pr = get(c, "precision"), sc = get(c, "scale");
            col->precision = pr && YAJL_IS_INTEGER(pr) ? (int)YAJL_GET_INTEGER(pr) : 0;
            col->scale = sc && YAJL_IS_INTEGER(sc) ? (int)YAJL_GET_INTEGER(sc) : 0;
            col->nullable = !YAJL_IS_FALSE(get(c, "nullable"));
        }
    }
    yajl_val pk = rc == B2A_OK ? get(root, "primary_key") : NULL;
    if (pk && YAJL_IS_ARRAY(pk) && YAJL_GET_ARRAY(pk)->len) {
        size_t n = YAJL_GET_ARRAY(pk)->len;
        p->pk = calloc(n, sizeof(*p->pk));
        for (size_t i = 0; p->pk && i < n; i++) {
            yajl_val e = YAJL_GET_ARRAY(pk)->values[i];
            p->pk[i] = YAJL_IS_STRING(e) ? b2a__strdup(YAJL_GET_STRING(e)) : b2a__strdup("");
            p->npk = i + 1;
        }
    }
    yajl_val ranges = rc == B2A_OK ? get(root, "ranges") : NULL;
    if (rc == B2A_OK && (!ranges || !YAJL_IS_ARRAY(ranges) || YAJL_GET_ARRAY(ranges)->len == 0))
        BAD("\"ranges\" must be a non-empty array");
    if (rc == B2A_OK) {
        size_t n = YAJL_GET_ARRAY(ranges)->len;
        p->where = calloc(n, sizeof(*p->where));
        if (!p->where)
            rc = b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
        for (size_t i = 0; rc == B2A_OK && i < n; i++) {
            yajl_val r = YAJL_GET_ARRAY(ranges)->values[i];
            p->nranges = i + 1;
            if (!YAJL_IS_OBJECT(r) || get_str(r, "where", &p->where[i]))
                BAD("each range is an object with a \"where\" string (or null)");
        }
    }
    yajl_tree_free(root);
    if (rc != B2A_OK)
        b2a__plan_doc_clear(p);
    return rc;
}
