/* The tables of a described database (b2a_source_json()) as `restore`
 * prints them: a readable list, or the "tables" array as the library
 * wrote it, for a JSON result. */
#include <stdio.h>
#include <string.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "tables.h"

/* yajl_tree keeps a number's text: put it back as written. */
static void gen_value(yajl_gen g, yajl_val v)
{
    if (YAJL_IS_OBJECT(v)) {
        yajl_gen_map_open(g);
        for (size_t i = 0; i < v->u.object.len; i++) {
            yajl_gen_string(g, (const unsigned char *)v->u.object.keys[i], strlen(v->u.object.keys[i]));
            gen_value(g, v->u.object.values[i]);
        }
        yajl_gen_map_close(g);
    } else if (YAJL_IS_ARRAY(v)) {
        yajl_gen_array_open(g);
        for (size_t i = 0; i < v->u.array.len; i++)
            gen_value(g, v->u.array.values[i]);
        yajl_gen_array_close(g);
    } else if (YAJL_IS_STRING(v)) {
        yajl_gen_string(g, (const unsigned char *)v->u.string, strlen(v->u.string));
    } else if (YAJL_IS_NUMBER(v)) {
        yajl_gen_number(g, v->u.number.r, strlen(v->u.number.r));
    } else if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v)) {
        yajl_gen_bool(g, YAJL_IS_TRUE(v));
    } else {
        yajl_gen_null(g);
    }
}

static const char *str_at(yajl_val t, const char *key)
{
    const char *path[] = {key, NULL};
    const char *s = YAJL_GET_STRING(yajl_tree_get(t, path, yajl_t_string));
    return s ? s : "";
}

static int print_text(FILE *f, yajl_val tables)
{
    size_t width = 0;
    for (size_t i = 0; i < tables->u.array.len; i++) {
        yajl_val t = tables->u.array.values[i];
        size_t w = strlen(str_at(t, "schema")) + 1 + strlen(str_at(t, "name"));
        width = w > width ? w : width;
    }
    fprintf(f, "tables: %zu\n", tables->u.array.len);
    for (size_t i = 0; i < tables->u.array.len; i++) {
        yajl_val t = tables->u.array.values[i];
        const char *path[] = {"rows_expected", NULL};
        yajl_val rows = yajl_tree_get(t, path, yajl_t_number);
        const char *kind = str_at(t, "kind");
        char name[1024];
        snprintf(name, sizeof(name), "%s.%s", str_at(t, "schema"), str_at(t, "name"));
        if (rows && YAJL_IS_INTEGER(rows) && YAJL_GET_INTEGER(rows) >= 0)
            fprintf(f, "  %-*s %12lld rows%s%s\n", (int)width, name, (long long)YAJL_GET_INTEGER(rows),
                    strcmp(kind, "table") ? "  " : "", strcmp(kind, "table") ? kind : "");
        else  /* views are not counted unless asked for */
            fprintf(f, "  %-*s %12s      %s\n", (int)width, name, "-", kind);
    }
    return 0;
}

int cli_print_tables(FILE *f, const char *source_json, int json)
{
    char why[256];
    yajl_val doc = yajl_tree_parse(source_json ? source_json : "", why, sizeof(why));
    const char *path[] = {"tables", NULL};
    yajl_val tables = doc ? yajl_tree_get(doc, path, yajl_t_array) : NULL;
    int rc = -1;
    if (tables && !json) {
        rc = print_text(f, tables);
    } else if (tables) {
        yajl_gen g = yajl_gen_alloc(NULL);
        const unsigned char *buf;
        size_t len;
        if (g) {
            gen_value(g, tables);
            if (yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok && fwrite(buf, 1, len, f) == len)
                rc = 0;
            yajl_gen_free(g);
        }
    }
    yajl_tree_free(doc);
    return rc;
}
