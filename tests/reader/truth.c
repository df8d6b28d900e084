/* A small parser for INSERT statements of SQL Server install scripts and
 * a multiset comparison against decoded rows. */
#include "truth.h"
#include "text_sink.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static char *read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = malloc((size_t)sz + 1);
    if (fread(p, 1, (size_t)sz, f) != (size_t)sz) { free(p); fclose(f); return NULL; }
    fclose(f);
    p[sz] = 0;
    *n = (size_t)sz;
    return p;
}

/* UTF-16LE (BOM FF FE) to UTF-8. */
static char *to_utf8(char *p, size_t n)
{
    if (n < 2 || (unsigned char)p[0] != 0xFF || (unsigned char)p[1] != 0xFE) return p;
    char *o = malloc(n * 2 + 1);
    size_t k = 0;
    for (size_t i = 2; i + 1 < n; i += 2) {
        uint32_t c = (unsigned char)p[i] | ((unsigned char)p[i + 1] << 8);
        if (c >= 0xD800 && c < 0xDC00 && i + 3 < n) {
            uint32_t d = (unsigned char)p[i + 2] | ((unsigned char)p[i + 3] << 8);
            c = 0x10000 + ((c - 0xD800) << 10) + (d - 0xDC00);
            i += 2;
        }
        if (c < 0x80) o[k++] = (char)c;
        else if (c < 0x800) { o[k++] = (char)(0xC0 | (c >> 6)); o[k++] = (char)(0x80 | (c & 0x3F)); }
        else if (c < 0x10000) { o[k++] = (char)(0xE0 | (c >> 12)); o[k++] = (char)(0x80 | ((c >> 6) & 0x3F)); o[k++] = (char)(0x80 | (c & 0x3F)); }
        else { o[k++] = (char)(0xF0 | (c >> 18)); o[k++] = (char)(0x80 | ((c >> 12) & 0x3F)); o[k++] = (char)(0x80 | ((c >> 6) & 0x3F)); o[k++] = (char)(0x80 | (c & 0x3F)); }
    }
    o[k] = 0;
    free(p);
    return o;
}

static const char *ws(const char *s)
{
    for (;;) {
        while (isspace((unsigned char)*s)) s++;
        if (s[0] == '-' && s[1] == '-') { while (*s && *s != '\n') s++; continue; }
        return s;
    }
}

static int kw(const char *s, const char *k)
{
    size_t n = strlen(k);
    return strncasecmp(s, k, n) == 0 && !isalnum((unsigned char)s[n]) && s[n] != '_';
}

/* Identifier: "x", [x] or bare. */
static const char *ident(const char *s, char **out)
{
    const char *b, *e;
    if (*s == '"' || *s == '[') {
        char close = *s == '"' ? '"' : ']';
        b = s + 1;
        e = strchr(b, close);
        if (!e) return NULL;
        *out = strndup(b, (size_t)(e - b));
        return e + 1;
    }
    b = s;
    while (isalnum((unsigned char)*s) || *s == '_' || *s == '#' || *s == '@' || (unsigned char)*s >= 0x80) s++;
    if (s == b) return NULL;
    *out = strndup(b, (size_t)(s - b));
    return s;
}

static const char *value(const char *s, truth_val *v)
{
    s = ws(s);
    if ((*s == 'N' || *s == 'n') && s[1] == '\'') s++;
    if (*s == '\'') {
        size_t cap = 64, k = 0;
        char *o = malloc(cap);
        s++;
        for (;;) {
            if (!*s) { free(o); return NULL; }
            if (*s == '\'') {
                if (s[1] == '\'') { s++; } else { s++; break; }
            }
            if (k + 2 > cap) { cap *= 2; o = realloc(o, cap); }
            o[k++] = *s++;
        }
        o[k] = 0;
        v->kind = TV_STR;
        v->text = o;
        return s;
    }
    if (kw(s, "NULL")) { v->kind = TV_NULL; v->text = strdup("NULL"); return s + 4; }
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        const char *b = s;
        s += 2;
        while (isxdigit((unsigned char)*s)) s++;
        v->kind = TV_HEX;
        v->text = strndup(b, (size_t)(s - b));
        return s;
    }
    const char *b = s;
    if (*s == '-' || *s == '+') s++;
    if (*s == '$') s++;
    while (isdigit((unsigned char)*s) || *s == '.' || *s == 'e' || *s == 'E' ||
           ((*s == '-' || *s == '+') && (s[-1] == 'e' || s[-1] == 'E'))) s++;
    if (s == b) return NULL;
    char *t = strndup(b, (size_t)(s - b)), *d = t;
    for (char *q = t; *q; q++) if (*q != '$') *d++ = *q;
    *d = 0;
    v->kind = TV_NUM;
    v->text = t;
    return s;
}

static void row_free(truth_row *r)
{
    free(r->table); free(r->schema);
    for (size_t i = 0; i < r->ncols; i++) free(r->cols[i]);
    free(r->cols);
    for (size_t i = 0; i < r->nvals; i++) free(r->vals[i].text);
    free(r->vals);
    memset(r, 0, sizeof *r);
}

/* One INSERT at s (just past the keyword); NULL if not a VALUES insert. */
static const char *parse_insert(const char *s, truth_row *r)
{
    memset(r, 0, sizeof *r);
    s = ws(s);
    if (kw(s, "INTO")) s = ws(s + 4);
    char *a = NULL, *b = NULL;
    if (!(s = ident(s, &a))) return NULL;
    if (*s == '.') {
        if (!(s = ident(s + 1, &b))) { free(a); return NULL; }
        r->schema = a;
        r->table = b;
    } else {
        r->table = a;
    }
    s = ws(s);
    if (*s == '(') {
        s++;
        for (;;) {
            char *c;
            s = ws(s);
            if (!(s = ident(s, &c))) return NULL;
            r->cols = realloc(r->cols, (r->ncols + 1) * sizeof *r->cols);
            r->cols[r->ncols++] = c;
            s = ws(s);
            if (*s == ',') { s++; continue; }
            if (*s == ')') { s++; break; }
            return NULL;
        }
        s = ws(s);
    }
    if (!kw(s, "VALUES")) return NULL;
    s = ws(s + 6);
    if (*s != '(') return NULL;
    s++;
    for (;;) {
        truth_val v;
        if (!(s = value(s, &v))) return NULL;
        r->vals = realloc(r->vals, (r->nvals + 1) * sizeof *r->vals);
        r->vals[r->nvals++] = v;
        s = ws(s);
        if (*s == ',') { s++; continue; }
        if (*s == ')') return s + 1;
        return NULL;
    }
}

int truth_load(const char *path, truth *t)
{
    size_t n;
    char *p = read_all(path, &n);
    if (!p) return -1;
    p = to_utf8(p, n);
    memset(t, 0, sizeof *t);
    const char *s = p;
    while ((s = strcasestr(s, "insert")) != NULL) {
        if (s > p && (isalnum((unsigned char)s[-1]) || s[-1] == '_')) { s += 6; continue; }
        truth_row r;
        const char *e = parse_insert(s + 6, &r);
        if (!e) { row_free(&r); s += 6; continue; }
        t->rows = realloc(t->rows, (t->nrows + 1) * sizeof *t->rows);
        t->rows[t->nrows++] = r;
        s = e;
    }
    free(p);
    return 0;
}

void truth_free(truth *t)
{
    for (size_t i = 0; i < t->nrows; i++) row_free(&t->rows[i]);
    free(t->rows);
    memset(t, 0, sizeof *t);
}

/* --- DDL: NOT NULL and PRIMARY KEY ------------------------------------ */

/* A dotted name; *out = its last component, *schema the one before (or NULL). */
static const char *dotted(const char *s, char **out, char **schema)
{
    *out = NULL;
    *schema = NULL;
    for (;;) {
        char *part;
        if (!(s = ident(ws(s), &part))) { free(*out); free(*schema); *out = *schema = NULL; return NULL; }
        free(*schema);
        *schema = *out;
        *out = part;
        s = ws(s);
        if (*s != '.') return s;
        s++;
    }
}

/* "( a, b )" into *names; returns past the ')'. */
static const char *name_list(const char *s, char ***names, size_t *n)
{
    s = ws(s);
    if (*s != '(') return NULL;
    s++;
    for (;;) {
        char *c;
        if (!(s = ident(ws(s), &c))) return NULL;
        *names = realloc(*names, (*n + 1) * sizeof **names);
        (*names)[(*n)++] = c;
        s = ws(s);
        if (kw(s, "ASC")) s = ws(s + 3);
        else if (kw(s, "DESC")) s = ws(s + 4);
        if (*s == ',') { s++; continue; }
        if (*s == ')') return s + 1;
        return NULL;
    }
}

/* After PRIMARY: KEY [CLUSTERED|NONCLUSTERED] (cols). */
static const char *pk_cols(const char *s, truth_table *t)
{
    s = ws(s);
    if (!kw(s, "KEY")) return NULL;
    s = ws(s + 3);
    if (kw(s, "CLUSTERED")) s += 9;
    else if (kw(s, "NONCLUSTERED")) s += 12;
    for (size_t i = 0; i < t->npk; i++) free(t->pk[i]);
    t->npk = 0;
    return name_list(s, &t->pk, &t->npk);
}

static truth_table *ddl_get(truth_ddl *d, const char *schema, const char *name)
{
    for (size_t i = 0; i < d->ntables; i++)
        if (strcmp(d->tables[i].name, name) == 0 &&
            (!schema || !d->tables[i].schema || strcmp(d->tables[i].schema, schema) == 0))
            return &d->tables[i];
    d->tables = realloc(d->tables, (d->ntables + 1) * sizeof *d->tables);
    truth_table *t = &d->tables[d->ntables++];
    memset(t, 0, sizeof *t);
    t->name = strdup(name);
    t->schema = schema ? strdup(schema) : NULL;
    return t;
}

/* The body of CREATE TABLE name ( ... ): elements split at depth-0 commas. */
/* Alias types declared NOT NULL (sp_addtype name, 'type', 'NOT NULL'). */
typedef struct aliases { size_t n; char **names; } aliases;

static int is_nn_alias(const aliases *a, const char *s)
{
    for (size_t i = 0; i < a->n; i++)
        if (kw(s, a->names[i])) return 1;
    return 0;
}

static const char *create_body(const char *s, truth_table *t, const aliases *al)
{
    s = ws(s);
    if (*s != '(') return NULL;
    s++;
    for (;;) {
        s = ws(s);
        if (kw(s, "CONSTRAINT")) {
            char *cn;
            if (!(s = ident(ws(s + 10), &cn))) return NULL;
            free(cn);
            s = ws(s);
        }
        const char *e = s;
        int is_col = 0;
        if (kw(s, "PRIMARY")) {
            if (!(e = pk_cols(s + 7, t))) return NULL;
        } else if (!kw(s, "FOREIGN") && !kw(s, "CHECK") && !kw(s, "UNIQUE")) {
            char *c;
            if (!(e = ident(s, &c))) return NULL;
            t->cols = realloc(t->cols, (t->ncols + 1) * sizeof *t->cols);
            t->not_null = realloc(t->not_null, (t->ncols + 1) * sizeof *t->not_null);
            t->cols[t->ncols] = c;
            /* An alias type declared NOT NULL makes the column NOT NULL
             * unless it says NULL itself. */
            t->not_null[t->ncols++] = is_nn_alias(al, ws(e)) ? 2 : 0;
            is_col = 1;
        }
        /* Up to the element's end: a depth-0 ',' or the closing ')'. */
        int depth = 0;
        for (s = e; *s; s++) {
            if (*s == '\'') { s = strchr(s + 1, '\''); if (!s) return NULL; continue; }
            if (*s == '(') depth++;
            else if (*s == ')' && depth-- == 0) break;
            else if (*s == ',' && depth == 0) break;
            else if (is_col && depth == 0 && isspace((unsigned char)s[-1]) && kw(s, "NOT") && kw(ws(s + 3), "NULL")) {
                t->not_null[t->ncols - 1] = 1;
                s = ws(s + 3) + 3;   /* onto NULL's last letter */
            } else if (is_col && depth == 0 && isspace((unsigned char)s[-1]) && kw(s, "NULL"))
                t->not_null[t->ncols - 1] = 0;
            else if (is_col && depth == 0 && isspace((unsigned char)s[-1]) && kw(s, "PRIMARY")) {
                /* Column-level "PRIMARY KEY". */
                for (size_t i = 0; i < t->npk; i++) free(t->pk[i]);
                t->pk = realloc(t->pk, sizeof *t->pk);
                t->pk[0] = strdup(t->cols[t->ncols - 1]);
                t->npk = 1;
            }
        }
        if (!*s) return NULL;
        if (*s == ')') return s + 1;
        s++;
    }
}

int truth_load_ddl(const char *path, truth_ddl *d)
{
    size_t n;
    char *p = read_all(path, &n);
    if (!p) return -1;
    p = to_utf8(p, n);
    memset(d, 0, sizeof *d);
    aliases al = { 0, NULL };
    for (const char *s = p; *s; ) {
        s = ws(s);
        char *name = NULL, *schema = NULL;
        const char *e = NULL;
        if (kw(s, "sp_addtype")) {
            char *an = NULL;
            const char *q = ident(ws(s + 10), &an);
            const char *nl = q ? strchr(q, '\n') : NULL;
            const char *nn = q ? strcasestr(q, "'NOT NULL'") : NULL;
            if (an && nn && (!nl || nn < nl)) {
                al.names = realloc(al.names, (al.n + 1) * sizeof *al.names);
                al.names[al.n++] = an;
            } else {
                free(an);
            }
        } else if (kw(s, "CREATE") && kw(ws(s + 6), "TABLE")) {
            if ((e = dotted(ws(s + 6) + 5, &name, &schema)) != NULL)
                e = create_body(e, ddl_get(d, schema, name), &al);
        } else if (kw(s, "ALTER") && kw(ws(s + 5), "TABLE")) {
            if ((e = dotted(ws(s + 5) + 5, &name, &schema)) != NULL && kw(e, "ADD") && kw(ws(e + 3), "CONSTRAINT")) {
                char *cn = NULL;
                e = ident(ws(ws(e + 3) + 10), &cn);
                free(cn);
                if (e && kw(ws(e), "PRIMARY"))
                    e = pk_cols(ws(e) + 7, ddl_get(d, schema, name));
                else
                    e = NULL;
            } else {
                e = NULL;
            }
        }
        free(name);
        free(schema);
        if (e && e > s) { s = e; continue; }
        /* Not DDL we read: skip a token (a quoted string whole). */
        if (*s == '\'') { const char *q = strchr(s + 1, '\''); s = q ? q + 1 : s + strlen(s); }
        else if (isalnum((unsigned char)*s) || *s == '_') { while (isalnum((unsigned char)*s) || *s == '_') s++; }
        else if (*s) s++;
    }
    free(p);
    for (size_t i = 0; i < al.n; i++) free(al.names[i]);
    free(al.names);
    /* PRIMARY KEY columns are NOT NULL whatever their declaration says. */
    for (size_t i = 0; i < d->ntables; i++) {
        truth_table *t = &d->tables[i];
        for (size_t c = 0; c < t->ncols; c++)
            t->not_null[c] = t->not_null[c] != 0;
        for (size_t k = 0; k < t->npk; k++)
            for (size_t c = 0; c < t->ncols; c++)
                if (strcmp(t->cols[c], t->pk[k]) == 0) t->not_null[c] = 1;
    }
    return 0;
}

const truth_table *truth_ddl_table(const truth_ddl *d, const char *schema, const char *name)
{
    for (size_t i = 0; i < d->ntables; i++)
        if (strcmp(d->tables[i].name, name) == 0 &&
            (!d->tables[i].schema || strcmp(d->tables[i].schema, schema) == 0))
            return &d->tables[i];
    return NULL;
}

void truth_ddl_free(truth_ddl *d)
{
    for (size_t i = 0; i < d->ntables; i++) {
        truth_table *t = &d->tables[i];
        free(t->name);
        free(t->schema);
        for (size_t k = 0; k < t->ncols; k++) free(t->cols[k]);
        free(t->cols);
        free(t->not_null);
        for (size_t k = 0; k < t->npk; k++) free(t->pk[k]);
        free(t->pk);
    }
    free(d->tables);
    memset(d, 0, sizeof *d);
}

/* --- canonical values ----------------------------------------------- */

static void rtrim(char *s)
{
    size_t n = strlen(s);
    while (n && s[n - 1] == ' ') s[--n] = 0;
}

static void canon_decimal(char *s)
{
    if (*s == '+') memmove(s, s + 1, strlen(s));
    char *dot = strchr(s, '.');
    if (dot) {
        size_t n = strlen(s);
        while (n && s[n - 1] == '0') s[--n] = 0;
        if (n && s[n - 1] == '.') s[--n] = 0;
    }
    if (strcmp(s, "-0") == 0 || *s == 0) strcpy(s, "0");
}

/* Truth date text ('7/4/1996', '09/14/94', '2016-12-12 05:33:21.5331151')
 * to the text sink's rendering. */
static char *canon_date(const char *s, b2a_vtype vt)
{
    int y = 0, m = 0, d = 0, hh = 0, mi = 0, ss = 0;
    long frac = 0;
    char fr[16] = "";
    const char *t;
    if (strchr(s, '/')) {
        if (sscanf(s, "%d/%d/%d", &m, &d, &y) != 3) return strdup(s);
        if (y < 100) y += y < 50 ? 2000 : 1900;
        t = strchr(s, ' ');
    } else if (strlen(s) >= 8 && strspn(s, "0123456789") == 8) {
        /* '20140704' (ISO basic) */
        if (sscanf(s, "%4d%2d%2d", &y, &m, &d) != 3) return strdup(s);
        t = strchr(s, ' ');
    } else {
        if (sscanf(s, "%d-%d-%d", &y, &m, &d) != 3) return strdup(s);
        t = strpbrk(s, " T");
    }
    if (t) {
        sscanf(t + 1, "%d:%d:%d.%15[0-9]", &hh, &mi, &ss, fr);
        char f6[7] = "000000";
        for (int i = 0; i < 6 && fr[i]; i++) f6[i] = fr[i];
        frac = strtol(f6, NULL, 10);
    }
    char buf[64];
    if (vt == B2A_V_DATE)
        snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
    else
        snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d.%06ld", y, m, d, hh, mi, ss, frac);
    return strdup(buf);
}

static int is_char_type(const b2a_column *c)
{
    return strncmp(c->source_type, "char(", 5) == 0 || strncmp(c->source_type, "nchar(", 6) == 0;
}

/* Canonical form of a decoded value (modifies a copy). */
static char *canon_actual(const b2a_column *c, const char *v)
{
    char *s = strdup(v);
    if (strcmp(s, "NULL") == 0) return s;
    if (c->vtype == B2A_V_DECIMAL) canon_decimal(s);
    else if (is_char_type(c)) rtrim(s);
    if (strcmp(c->source_type, "datetime") == 0 && strlen(s) == 26) {
        /* datetime's 1/300 s ticks: compare at the milliseconds the script writes. */
        long us = strtol(s + 20, NULL, 10), ms = (us + 500) / 1000;
        if (ms >= 0 && ms < 1000) {
            char f[8];
            snprintf(f, sizeof f, "%03d000", (int)ms);
            memcpy(s + 20, f, 6);
        }
    }
    return s;
}

static char *canon_truth(const b2a_column *c, const truth_val *v)
{
    if (v->kind == TV_NULL) return strdup("NULL");
    char *s = strdup(v->text);
    switch (c->vtype) {
    case B2A_V_DECIMAL: canon_decimal(s); return s;
    case B2A_V_FLOAT: { char b[64]; snprintf(b, sizeof b, "%.9g", (double)strtof(s, NULL)); free(s); return strdup(b); }
    case B2A_V_DOUBLE: { char b[64]; snprintf(b, sizeof b, "%.17g", strtod(s, NULL)); free(s); return strdup(b); }
    case B2A_V_BOOLEAN: /* SQL Server stores any non-zero as 1 */
        free(s);
        return strdup(strtoll(v->text, NULL, 10) != 0 ? "1" : "0");
    case B2A_V_INT: case B2A_V_LONG: {
        char b[64]; snprintf(b, sizeof b, "%lld", strtoll(s, NULL, 10)); free(s); return strdup(b);
    }
    case B2A_V_BYTES:
        for (char *q = s + 2; *q; q++) *q = (char)toupper((unsigned char)*q);
        if (v->kind == TV_HEX) s[1] = 'x';
        return s;
    case B2A_V_DATE: case B2A_V_LOCAL_TIMESTAMP_MICROS: case B2A_V_TIMESTAMP_MICROS: {
        char *d = canon_date(s, c->vtype);
        free(s);
        return d;
    }
    default:
        if (is_char_type(c)) rtrim(s);
        return s;
    }
}

static void cat(char **buf, size_t *len, const char *s)
{
    size_t n = strlen(s);
    *buf = realloc(*buf, *len + n + 2);
    memcpy(*buf + *len, s, n);
    *len += n;
    (*buf)[(*len)++] = TS_SEP;
    (*buf)[*len] = 0;
}

static int cmpstr(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

size_t truth_compare(const truth *t, const b2a_table_def *def, char **rows, size_t nrows,
                     size_t *missing, size_t *extra, int show)
{
    /* Which columns the truth gives (by its column list, or all in order). */
    int *use = calloc(def->ncolumns + 1, sizeof *use);
    char **tr = NULL;
    size_t ntr = 0;
    int have_cols = -1;
    for (size_t i = 0; i < t->nrows; i++) {
        const truth_row *r = &t->rows[i];
        if (strcasecmp(r->table, def->name) != 0) continue;
        if (r->schema && strcasecmp(r->schema, def->schema) != 0) continue;
        /* Map truth values to def columns. */
        size_t *map = malloc((def->ncolumns + 1) * sizeof *map);
        for (size_t k = 0; k < def->ncolumns; k++) map[k] = SIZE_MAX;
        if (r->ncols) {
            for (size_t j = 0; j < r->ncols && j < r->nvals; j++)
                for (size_t k = 0; k < def->ncolumns; k++)
                    if (strcasecmp(r->cols[j], def->columns[k].name) == 0) map[k] = j;
        } else {
            /* No column list: values in column order; one value short means
             * the identity column (the first) was left to the server. */
            size_t skip = r->nvals + 1 == def->ncolumns ? 1 : 0;
            for (size_t k = skip; k < def->ncolumns && k - skip < r->nvals; k++) map[k] = k - skip;
        }
        if (have_cols < 0) {
            for (size_t k = 0; k < def->ncolumns; k++) use[k] = map[k] != SIZE_MAX;
            have_cols = 1;
        }
        char *line = NULL;
        size_t len = 0;
        for (size_t k = 0; k < def->ncolumns; k++) {
            if (!use[k]) continue;
            char *c = map[k] == SIZE_MAX ? strdup("?") : canon_truth(&def->columns[k], &r->vals[map[k]]);
            cat(&line, &len, c);
            free(c);
        }
        free(map);
        tr = realloc(tr, (ntr + 1) * sizeof *tr);
        tr[ntr++] = line ? line : strdup("");
    }
    if (have_cols < 0)
        for (size_t k = 0; k < def->ncolumns; k++) use[k] = 1;
    char **ac = calloc(nrows + 1, sizeof *ac);
    for (size_t i = 0; i < nrows; i++) {
        char *line = NULL;
        size_t len = 0;
        const char *p = rows[i];
        for (size_t k = 0; k < def->ncolumns; k++) {
            const char *e = strchr(p, TS_SEP);
            size_t n = e ? (size_t)(e - p) : strlen(p);
            if (use[k]) {
                char *v = strndup(p, n);
                char *c = canon_actual(&def->columns[k], v);
                cat(&line, &len, c);
                free(c);
                free(v);
            }
            p = e ? e + 1 : p + n;
        }
        ac[i] = line ? line : strdup("");
    }
    if (ntr) qsort(tr, ntr, sizeof *tr, cmpstr);
    qsort(ac, nrows, sizeof *ac, cmpstr);
    size_t i = 0, j = 0;
    int shown_m = 0, shown_e = 0;
    *missing = *extra = 0;
    while (i < ntr || j < nrows) {
        int c = i >= ntr ? 1 : j >= nrows ? -1 : strcmp(tr[i], ac[j]);
        if (c == 0) { i++; j++; continue; }
        if (c < 0) {
            if (shown_m++ < show) fprintf(stderr, "  %s.%s truth row not decoded: %.300s\n", def->schema, def->name, tr[i]);
            (*missing)++; i++;
        } else {
            if (shown_e++ < show) fprintf(stderr, "  %s.%s decoded row not in truth: %.300s\n", def->schema, def->name, ac[j]);
            (*extra)++; j++;
        }
    }
    for (size_t k = 0; k < ntr; k++) free(tr[k]);
    for (size_t k = 0; k < nrows; k++) free(ac[k]);
    free(tr);
    free(ac);
    free(use);
    return ntr;
}
