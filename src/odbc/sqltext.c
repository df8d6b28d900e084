/* SQL text: identifier and literal quoting, script splitting. Pure string
 * work, no ODBC calls, so it is tested without a server. */
#include "odbc/odbc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/str.h"

/* Wrap text in q, doubling q inside; MariaDB literals also double backslashes
 * because backslash escapes unless NO_BACKSLASH_ESCAPES is set. */
static char *quote_with(const char *text, char q, int escape_backslash)
{
    size_t n = strlen(text), extra = 0;
    for (size_t i = 0; i < n; i++)
        if (text[i] == q || (escape_backslash && text[i] == '\\'))
            extra++;
    char *out = malloc(n + extra + 3), *o = out;
    if (!out)
        return NULL;
    *o++ = q;
    for (size_t i = 0; i < n; i++) {
        if (text[i] == q || (escape_backslash && text[i] == '\\'))
            *o++ = text[i];
        *o++ = text[i];
    }
    *o++ = q;
    *o = '\0';
    return out;
}

/* SQL Server: [name] with ']' doubled; '[' needs nothing inside. */
static char *quote_brackets(const char *name)
{
    char *q = quote_with(name, ']', 0);
    if (q)
        q[0] = '[';
    return q;
}

char *b2a__odbc_quote_ident(b2a_odbc_vendor v, const char *name)
{
    if (v == B2A_ODBC_SQLSERVER)
        return quote_brackets(name);
    return quote_with(name, v == B2A_ODBC_MYSQL ? '`' : '"', 0);
}

char *b2a__odbc_quote_literal(b2a_odbc_vendor v, const char *text)
{
    char *q = quote_with(text, '\'', v == B2A_ODBC_MYSQL);
    if (q && v == B2A_ODBC_SQLSERVER) {
        /* N'...': catalog names are nvarchar, and so are our comparisons */
        size_t n = strlen(q);
        char *nq = malloc(n + 2);
        if (nq) {
            nq[0] = 'N';
            memcpy(nq + 1, q, n + 1);
        }
        free(q);
        q = nq;
    }
    return q;
}

char *b2a__odbc_qualified(b2a_odbc_vendor v, const char *schema, const char *name)
{
    char *s = schema && *schema ? b2a__odbc_quote_ident(v, schema) : NULL;
    char *n = b2a__odbc_quote_ident(v, name);
    char *out = NULL;
    if (n && (s || !(schema && *schema))) {
        size_t ls = s ? strlen(s) + 1 : 0, ln = strlen(n);
        out = malloc(ls + ln + 1);
        if (out) {
            if (s) {
                memcpy(out, s, ls - 1);
                out[ls - 1] = '.';
            }
            memcpy(out + ls, n, ln + 1);
        }
    }
    free(s);
    free(n);
    return out;
}

/* Digits with an optional leading '-' and at most one inner or leading '.'. */
static int is_number(const char *s)
{
    const char *p = s + (*s == '-');
    if (!*p)
        return 0;
    for (int dot = 0; *p; p++) {
        if (*p == '.' && !dot && p[1])
            dot = 1;
        else if (*p < '0' || *p > '9')
            return 0;
    }
    return 1;
}

char *b2a__odbc_value_literal(b2a_odbc_vendor v, b2a_vtype vt, const char *text)
{
    int numeric = vt == B2A_V_INT || vt == B2A_V_LONG || vt == B2A_V_DECIMAL;
    return numeric && is_number(text) ? b2a__strdup(text) : b2a__odbc_quote_literal(v, text);
}

static int push_stmt(b2a_sql_stmt **v, size_t *n, size_t *cap, const char *b, const char *e, int line)
{
    while (b < e && isspace((unsigned char)*b)) {
        if (*b == '\n')
            line++;
        b++;
    }
    while (e > b && isspace((unsigned char)e[-1]))
        e--;
    if (b == e)
        return 0;
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 8;
        b2a_sql_stmt *nv = realloc(*v, nc * sizeof(*nv));
        if (!nv)
            return -1;
        *v = nv;
        *cap = nc;
    }
    char *t = malloc((size_t)(e - b) + 1);
    if (!t)
        return -1;
    memcpy(t, b, (size_t)(e - b));
    t[e - b] = '\0';
    (*v)[*n].text = t;
    (*v)[*n].line = line;
    (*n)++;
    return 0;
}

/* Length of a PostgreSQL dollar-quote tag at p ("$$" or "$tag$"), or 0. */
static size_t dollar_tag(const char *p)
{
    if (*p != '$')
        return 0;
    size_t i = 1;
    if (isalpha((unsigned char)p[i]) || p[i] == '_' || (unsigned char)p[i] >= 0x80) {
        while (isalnum((unsigned char)p[i]) || p[i] == '_' || (unsigned char)p[i] >= 0x80)
            i++;
    }
    return p[i] == '$' ? i + 1 : 0;
}

int b2a__odbc_split_script(b2a_odbc_vendor v, const char *script, b2a_sql_stmt **out, size_t *nout)
{
    b2a_sql_stmt *vec = NULL;
    size_t n = 0, cap = 0;
    char delim[32] = ";";
    size_t dlen = 1;
    int line = 1, start_line = 1;
    const char *p = script, *start = script;
    int at_line_start = 1;

    *out = NULL;
    *nout = 0;
    while (*p) {
        char ch = *p;
        if (v == B2A_ODBC_MYSQL && at_line_start) {
            const char *q = p;
            while (*q == ' ' || *q == '\t')
                q++;
            if (strncasecmp(q, "DELIMITER", 9) == 0 && (q[9] == ' ' || q[9] == '\t')) {
                /* the mysql client's DELIMITER line: flush, switch, skip the line */
                if (push_stmt(&vec, &n, &cap, start, p, start_line))
                    goto oom;
                q += 9;
                while (*q == ' ' || *q == '\t')
                    q++;
                size_t k = 0;
                while (q[k] && !isspace((unsigned char)q[k]) && k < sizeof(delim) - 1)
                    k++;
                if (k > 0) {
                    memcpy(delim, q, k);
                    delim[k] = '\0';
                    dlen = k;
                }
                while (*q && *q != '\n')
                    q++;
                p = q;
                start = p;
                start_line = line;
                continue;
            }
        }
        at_line_start = 0;
        if (ch == '\n') {
            line++;
            at_line_start = 1;
            p++;
            continue;
        }
        if (ch == '\'' || ch == '"' || (ch == '`' && v == B2A_ODBC_MYSQL)) {
            /* MariaDB: backslash escapes inside '' and ""; PostgreSQL only in E'' */
            int bs = v == B2A_ODBC_MYSQL ? ch != '`'
                                         : (ch == '\'' && p > script && (p[-1] == 'E' || p[-1] == 'e'));
            p++;
            while (*p) {
                if (*p == '\n')
                    line++;
                if (bs && *p == '\\' && p[1]) {
                    if (p[1] == '\n')
                        line++;
                    p += 2;
                    continue;
                }
                if (*p == ch) {
                    if (p[1] == ch) {
                        p += 2;
                        continue;
                    }
                    break;
                }
                p++;
            }
            if (*p)
                p++;
            continue;
        }
        if (ch == '[' && v == B2A_ODBC_SQLSERVER) {
            /* [identifier], ']]' inside */
            p++;
            while (*p) {
                if (*p == '\n')
                    line++;
                if (*p == ']') {
                    if (p[1] == ']') {
                        p += 2;
                        continue;
                    }
                    break;
                }
                p++;
            }
            if (*p)
                p++;
            continue;
        }
        if ((ch == '-' && p[1] == '-') || (ch == '#' && v == B2A_ODBC_MYSQL)) {
            while (*p && *p != '\n')
                p++;
            continue;
        }
        if (ch == '/' && p[1] == '*') {
            p += 2;
            while (*p && !(p[0] == '*' && p[1] == '/')) {
                if (*p == '\n')
                    line++;
                p++;
            }
            if (*p)
                p += 2;
            continue;
        }
        size_t tl;
        if (v == B2A_ODBC_POSTGRES && ch == '$' &&
            !(p > script && (isalnum((unsigned char)p[-1]) || p[-1] == '_')) && (tl = dollar_tag(p))) {
            const char *tag = p;
            p += tl;
            while (*p && strncmp(p, tag, tl) != 0) {
                if (*p == '\n')
                    line++;
                p++;
            }
            if (*p)
                p += tl;
            continue;
        }
        if (strncmp(p, delim, dlen) == 0) {
            if (push_stmt(&vec, &n, &cap, start, p, start_line))
                goto oom;
            p += dlen;
            start = p;
            start_line = line;
            continue;
        }
        p++;
    }
    if (push_stmt(&vec, &n, &cap, start, p, start_line))
        goto oom;
    *out = vec;
    *nout = n;
    return B2A_OK;
oom:
    b2a__odbc_stmts_free(vec, n);
    return B2A_ENOMEM;
}

void b2a__odbc_stmts_free(b2a_sql_stmt *s, size_t n)
{
    for (size_t i = 0; s && i < n; i++)
        free(s[i].text);
    free(s);
}

char *b2a__sql_select_list(const b2a_table_def *t, char *(*expr)(const b2a_column *col))
{
    size_t cap = 256, len = 0;
    char *s = malloc(cap);
    if (!s)
        return NULL;
    s[0] = '\0';
    for (size_t i = 0; i < t->ncolumns; i++) {
        char *e = expr(&t->columns[i]);
        size_t el = e ? strlen(e) : 0;
        if (e && len + el + 2 > cap) {
            cap = (len + el + 2) * 2;
            char *ns = realloc(s, cap);
            if (!ns) {
                free(e);
                e = NULL;
            } else {
                s = ns;
            }
        }
        if (!e) {
            free(s);
            return NULL;
        }
        if (i)
            s[len++] = ',';
        memcpy(s + len, e, el + 1);
        len += el;
        free(e);
    }
    return s;
}
