/* JSON for the engine: yajl_tree for the small replies, yajl_gen for the
 * request bodies (so every caller string is escaped, and invalid UTF-8 is
 * refused instead of sent). */
#include "docker/internal.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

yajl_val b2a__djson_parse(b2a_docker_req *r)
{
    char ebuf[256];
    yajl_val v = yajl_tree_parse(r->body ? r->body : "", ebuf, sizeof(ebuf));
    if (!v) {
        /* yajl's message spans lines; keep the first. */
        ebuf[strcspn(ebuf, "\n")] = '\0';
        b2a__dreq_fail(r, B2A_EDOCKER, "the engine's reply is not valid JSON (%s)", ebuf);
    }
    return v;
}

yajl_val b2a__djson_get(yajl_val v, const char *key)
{
    if (!YAJL_IS_OBJECT(v))
        return NULL;
    for (size_t i = 0; i < v->u.object.len; i++)
        if (strcmp(v->u.object.keys[i], key) == 0)
            return v->u.object.values[i];
    return NULL;
}

const char *b2a__djson_str(yajl_val v, const char *key)
{
    yajl_val s = b2a__djson_get(v, key);
    return YAJL_IS_STRING(s) ? s->u.string : NULL;
}

const char *b2a__djson_str2(yajl_val v, const char *k1, const char *k2)
{
    return b2a__djson_str(b2a__djson_get(v, k1), k2);
}

int64_t b2a__djson_int(yajl_val v, const char *key, int64_t dflt)
{
    yajl_val n = b2a__djson_get(v, key);
    return YAJL_IS_INTEGER(n) ? (int64_t)YAJL_GET_INTEGER(n) : dflt;
}

int b2a__djson_bool(yajl_val v, const char *key)
{
    return YAJL_IS_TRUE(b2a__djson_get(v, key));
}

void b2a__djson_message(const char *body, size_t len, char *out, size_t outsz)
{
    out[0] = '\0';
    if (!body || !len) {
        snprintf(out, outsz, "the engine gave no message");
        return;
    }
    yajl_val v = yajl_tree_parse(body, NULL, 0);
    const char *m = b2a__djson_str(v, "message");
    if (m && *m) {
        snprintf(out, outsz, "%s", m);
        yajl_tree_free(v);
        return;
    }
    yajl_tree_free(v);
    /* Not the engine's JSON (a proxy, a crash page): show the text, tamed. */
    size_t j = 0, limit = outsz - 1 < 300 ? outsz - 1 : 300;
    for (size_t i = 0; i < len && j < limit; i++) {
        unsigned char c = (unsigned char)body[i];
        if (c == '\r' || c == '\n' || c == '\t')
            c = ' ';
        if (c < 0x20 || c == 0x7f)
            continue;
        if (c == ' ' && (j == 0 || out[j - 1] == ' '))
            continue;
        out[j++] = (char)c;
    }
    while (j > 0 && out[j - 1] == ' ')
        j--;
    out[j] = '\0';
    if (!j)
        snprintf(out, outsz, "the engine gave no message");
}

yajl_gen b2a__djson_gen(void)
{
    yajl_gen g = yajl_gen_alloc(NULL);
    if (g)
        yajl_gen_config(g, yajl_gen_validate_utf8, 1);
    return g;
}

int b2a__djson_s(yajl_gen g, const char *s)
{
    return yajl_gen_string(g, (const unsigned char *)s, strlen(s)) == yajl_gen_status_ok ? 0 : -1;
}

int b2a__djson_key(yajl_gen g, const char *k) { return b2a__djson_s(g, k); }

int b2a__djson_kv(yajl_gen g, const char *k, const char *v)
{
    return b2a__djson_key(g, k) || b2a__djson_s(g, v) ? -1 : 0;
}

int b2a__djson_kb(yajl_gen g, const char *k, int b)
{
    return b2a__djson_key(g, k) || yajl_gen_bool(g, b) != yajl_gen_status_ok ? -1 : 0;
}

int b2a__djson_ki(yajl_gen g, const char *k, long long v)
{
    return b2a__djson_key(g, k) || yajl_gen_integer(g, v) != yajl_gen_status_ok ? -1 : 0;
}

int b2a__djson_karr(yajl_gen g, const char *k, const char *const *v, size_t n)
{
    if (b2a__djson_key(g, k) || yajl_gen_array_open(g) != yajl_gen_status_ok)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (!v[i] || b2a__djson_s(g, v[i]))
            return -1;
    return yajl_gen_array_close(g) == yajl_gen_status_ok ? 0 : -1;
}

char *b2a__djson_done(yajl_gen g)
{
    const unsigned char *buf;
    size_t len;
    char *out = NULL;
    if (yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok && (out = malloc(len + 1))) {
        memcpy(out, buf, len);
        out[len] = '\0';
    }
    yajl_gen_free(g);
    return out;
}

char *b2a__durl_escape(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(s);
    char *out = malloc(3 * n + 1), *o = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            *o++ = (char)c;
        } else {
            *o++ = '%';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
    }
    *o = '\0';
    return out;
}

char *b2a__dfmt(const char *fmt, ...)
{
    char *out = NULL;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&out, fmt, ap) < 0)
        out = NULL; /* glibc leaves it undefined */
    va_end(ap);
    return out;
}
