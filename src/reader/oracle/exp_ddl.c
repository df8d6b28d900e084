#include "reader/oracle/exp_ddl.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "avro/decimal.h"
#include "util/str.h"

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

char *b2a__exp_ident(const char **pp)
{
    const char *p = skip_ws(*pp), *start, *end;
    if (*p == '"') {
        start = ++p;
        end = strchr(p, '"');
        if (!end)
            return NULL;
        *pp = end + 1;
    } else {
        start = p;
        while (*p && (isalnum((unsigned char)*p) || *p == '_' || *p == '$' || *p == '#'))
            p++;
        if (p == start)
            return NULL;
        end = p;
        *pp = p;
    }
    char *s = malloc((size_t)(end - start) + 1);
    if (s) {
        memcpy(s, start, (size_t)(end - start));
        s[end - start] = '\0';
    }
    return s;
}

static int starts(const char *p, const char *word)
{
    size_t n = strlen(word);
    return strncmp(p, word, n) == 0 && !isalnum((unsigned char)p[n]) && p[n] != '_';
}

/* The end of one item of a parenthesised list: the ',' or ')' at depth 0
 * outside quotes, or NULL when the list is not closed. */
static const char *item_end(const char *p)
{
    int depth = 0;
    for (; *p; p++) {
        if (*p == '\'' || *p == '"') {
            const char *q = strchr(p + 1, *p);
            if (!q)
                return NULL;
            p = q;
        } else if (*p == '(') {
            depth++;
        } else if (*p == ')') {
            if (depth == 0)
                return p;
            depth--;
        } else if (*p == ',' && depth == 0) {
            return p;
        }
    }
    return NULL;
}

/* Keywords that end a column's type in exp's CREATE TABLE. */
static const char *const type_end[] = {"DEFAULT", "NOT", "NULL", "CONSTRAINT", "ENABLE", "DISABLE",
                                       "CHECK", "PRIMARY", "UNIQUE", "REFERENCES", "GENERATED",
                                       "COLLATE", "VISIBLE", "INVISIBLE", "ENCRYPT", "SORT", "AS", NULL};

static int parse_column(const char *p, const char *end, b2a_exp_ddl_col *c)
{
    c->name = b2a__exp_ident(&p);
    if (!c->name)
        return -2;
    p = skip_ws(p);
    const char *t = p, *q = p;
    int depth = 0;
    while (q < end) {
        if (*q == '(')
            depth++;
        else if (*q == ')')
            depth--;
        else if (*q == '"') {
            const char *z = strchr(q + 1, '"');
            q = z && z < end ? z : end - 1;
        } else if (depth == 0 && (q == t || q[-1] == ' ')) {
            int stop = 0;
            for (int k = 0; type_end[k]; k++)
                if (starts(q, type_end[k]))
                    stop = 1;
            if (stop)
                break;
        }
        q++;
    }
    const char *te = q;
    while (te > t && te[-1] == ' ')
        te--;
    c->type = malloc((size_t)(te - t) + 1);
    if (!c->type)
        return -2;
    memcpy(c->type, t, (size_t)(te - t));
    c->type[te - t] = '\0';
    /* a disabled or NOVALIDATE constraint lets NULLs in: not NOT NULL for us */
    for (const char *s = q; s + 8 <= end; s++)
        if (strncmp(s, "NOT NULL", 8) == 0) {
            const char *a = skip_ws(s + 8);
            c->not_null = !starts(a, "DISABLE") && !starts(a, "ENABLE NOVALIDATE");
        }
    return 0;
}

int b2a__exp_parse_create(const char *text, b2a_exp_ddl *out)
{
    memset(out, 0, sizeof(*out));
    const char *p = skip_ws(text);
    if (!starts(p, "CREATE"))
        return -1;
    p = skip_ws(p + 6);
    if (!starts(p, "TABLE"))
        return -1;
    p += 5;
    out->name = b2a__exp_ident(&p);
    if (!out->name)
        return -1;
    p = skip_ws(p);
    if (*p == '.') { /* "OWNER"."TABLE" */
        p++;
        free(out->name);
        if (!(out->name = b2a__exp_ident(&p)))
            return -1;
        p = skip_ws(p);
    }
    if (*p != '(') {
        b2a__exp_ddl_clear(out);
        return -1;
    }
    p++;
    for (;;) {
        p = skip_ws(p);
        const char *end = item_end(p);
        int cut = !end; /* exp cuts the statement off at a type it cannot write */
        if (cut)
            end = p + strlen(p);
        if (*p == '"') {
            b2a_exp_ddl_col *cols = realloc(out->cols, (out->ncols + 1) * sizeof(*cols));
            if (!cols) {
                b2a__exp_ddl_clear(out);
                return -2;
            }
            out->cols = cols;
            memset(&cols[out->ncols], 0, sizeof(cols[0]));
            int rc = parse_column(p, end, &cols[out->ncols++]);
            if (rc != 0) {
                b2a__exp_ddl_clear(out);
                return rc;
            }
        } /* else an out-of-line constraint or SUPPLEMENTAL LOG clause */
        if (cut)
            return out->ncols ? -3 : (b2a__exp_ddl_clear(out), -1);
        if (*end == ')')
            return 0;
        p = end + 1;
    }
}

int b2a__exp_parse_insert(const char *text, char **table, char ***cols, size_t *ncols)
{
    *table = NULL;
    *cols = NULL;
    *ncols = 0;
    const char *p = skip_ws(text);
    if (strncmp(p, "INSERT INTO ", 12) != 0)
        return -1;
    p += 12;
    char *name = b2a__exp_ident(&p);
    if (!name)
        return -1;
    p = skip_ws(p);
    if (*p == '.') {
        p++;
        free(name);
        if (!(name = b2a__exp_ident(&p)))
            return -1;
        p = skip_ws(p);
    }
    if (*p != '(') {
        free(name);
        return -1;
    }
    p++;
    char **v = NULL;
    size_t n = 0;
    for (;;) {
        char *c = b2a__exp_ident(&p);
        char **nv = c ? realloc(v, (n + 1) * sizeof(*v)) : NULL;
        if (!nv) {
            free(c);
            goto fail;
        }
        v = nv;
        v[n++] = c;
        p = skip_ws(p);
        if (*p == ')')
            break;
        if (*p != ',')
            goto fail;
        p++;
    }
    *table = name;
    *cols = v;
    *ncols = n;
    return 0;
fail:
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
    free(name);
    return -1;
}

int b2a__exp_number_type(const char *type, int *precision, int *scale, int *has_scale)
{
    *precision = 0;
    *scale = 0;
    *has_scale = 0;
    if (strcmp(type, "INTEGER") == 0 || strcmp(type, "INT") == 0 || strcmp(type, "SMALLINT") == 0) {
        *has_scale = 1;
        return 1;
    }
    int is_float = starts(type, "FLOAT");
    if (!starts(type, "NUMBER") && !is_float)
        return 0;
    const char *p = strchr(type, '(');
    if (!p || is_float)
        return 1; /* FLOAT(b) is binary precision: unbounded in decimal terms */
    p++;
    while (*p == ' ')
        p++;
    if (*p == '*')
        p++;
    else
        *precision = (int)strtol(p, (char **)&p, 10);
    while (*p == ' ')
        p++;
    if (*p == ',') {
        *scale = (int)strtol(p + 1, NULL, 10);
        *has_scale = 1;
    } else if (*precision) {
        *has_scale = 1; /* NUMBER(p) is NUMBER(p,0) */
    }
    return 1;
}

void b2a__exp_ddl_clear(b2a_exp_ddl *d)
{
    for (size_t i = 0; i < d->ncols; i++) {
        free(d->cols[i].name);
        free(d->cols[i].type);
    }
    free(d->cols);
    free(d->name);
    memset(d, 0, sizeof(*d));
}

/* ---- NUMBER and FLOAT columns, one rule for both readers ---- */

static void set_decimal(b2a_column *c, int p, int s)
{
    c->vtype = B2A_V_DECIMAL;
    c->precision = p;
    c->scale = s;
}

void b2a__ora_number_column(b2a_column *c, int max_int, int max_frac, int special)
{
    int p, s, has_scale;
    if (!b2a__exp_number_type(c->source_type, &p, &s, &has_scale))
        p = 0, s = 0, has_scale = 0;
    if (p > 0 && has_scale) {
        if (s < 0) {
            if (p - s <= 18)
                c->vtype = B2A_V_LONG;
            else if (p - s <= B2A_DECIMAL_MAX_PRECISION)
                set_decimal(c, p - s, 0);
            else
                c->vtype = B2A_V_STRING;
        } else if (s == 0) {
            if (p <= 18)
                c->vtype = B2A_V_LONG;
            else
                set_decimal(c, p, 0);
        } else {
            set_decimal(c, s > p ? s : p, s);
        }
        return;
    }
    if (p == 0 && has_scale && s > 0) { /* NUMBER(*,s) */
        set_decimal(c, 38, s);
        return;
    }
    /* Unbounded: typed from the values the walk saw. */
    if (special)
        c->vtype = B2A_V_STRING;
    else if (max_frac == 0 && max_int <= 18)
        c->vtype = B2A_V_LONG;
    else if (max_int + max_frac <= 38)
        set_decimal(c, 38, max_frac);
    else
        c->vtype = B2A_V_STRING;
    c->note = b2a__asprintf("unbounded %s typed from the values in the dump: at most %d integer and %d fractional digits%s",
                            c->source_type, max_int, max_frac, special ? ", infinities present" : "");
}
