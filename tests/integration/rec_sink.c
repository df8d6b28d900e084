/* Test helper: see rec_sink.h. */
#include "rec_sink.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "util/str.h"

/* ---- a sink recording every call exactly: one tagged token per value
 * (floats as their bits, decimals as their bytes), rows ending in '\n' ---- */

static void rs_put(rec_sink *s, const void *p, size_t n)
{
    if (s->len + n + 1 > s->cap) {
        s->cap = (s->len + n + 1) * 2;
        s->buf = realloc(s->buf, s->cap);
        assert_non_null(s->buf);
    }
    memcpy(s->buf + s->len, p, n);
    s->len += n;
    s->buf[s->len] = '\0';
}

static void rs_printf(rec_sink *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void rs_printf(rec_sink *s, const char *fmt, ...)
{
    char t[96];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t, sizeof t, fmt, ap);
    va_end(ap);
    rs_put(s, t, (size_t)n);
}

/* Before a value: the column must exist and take this call. */
static void rs_value(rec_sink *s, int is_null, int ok)
{
    assert_true(s->col < s->t->ncolumns);
    b2a_vtype vt = s->t->columns[s->col].vtype;
    if (!ok)
        fail_msg("%s.%s column %s (vtype %d): wrong sink call", s->t->schema, s->t->name,
                 s->t->columns[s->col].name, (int)vt);
    if (!is_null)
        s->nonnull[vt]++;
    if (s->col++)
        rs_put(s, "\x1f", 1);
}

#define VT (s->t->columns[s->col < s->t->ncolumns ? s->col : 0].vtype)
static int rs_null(b2a_sink *b) { rec_sink *s = (rec_sink *)b; rs_value(s, 1, 1); rs_put(s, "N", 1); return 0; }
static int rs_bool(b2a_sink *b, int v)
{
    rec_sink *s = (rec_sink *)b;
    rs_value(s, 0, VT == B2A_V_BOOLEAN);
    rs_printf(s, "b%d", v);
    return 0;
}
static int rs_i32(b2a_sink *b, int32_t v)
{
    rec_sink *s = (rec_sink *)b;
    rs_value(s, 0, VT == B2A_V_INT || VT == B2A_V_DATE);
    rs_printf(s, "i%d", v);
    return 0;
}
static int rs_i64(b2a_sink *b, int64_t v)
{
    rec_sink *s = (rec_sink *)b;
    rs_value(s, 0, VT == B2A_V_LONG || VT == B2A_V_TIME_MICROS || VT == B2A_V_TIMESTAMP_MICROS ||
                       VT == B2A_V_LOCAL_TIMESTAMP_MICROS);
    rs_printf(s, "l%lld", (long long)v);
    return 0;
}
static int rs_f32(b2a_sink *b, float v)
{
    rec_sink *s = (rec_sink *)b;
    uint32_t u;
    memcpy(&u, &v, 4);
    rs_value(s, 0, VT == B2A_V_FLOAT);
    rs_printf(s, "f%08x(%.9g)", u, (double)v);
    return 0;
}
static int rs_f64(b2a_sink *b, double v)
{
    rec_sink *s = (rec_sink *)b;
    uint64_t u;
    memcpy(&u, &v, 8);
    rs_value(s, 0, VT == B2A_V_DOUBLE);
    rs_printf(s, "d%016llx(%.17g)", (unsigned long long)u, v);
    return 0;
}
static int rs_bytes(b2a_sink *b, const void *p, size_t n)
{
    rec_sink *s = (rec_sink *)b;
    rs_value(s, 0, VT == B2A_V_BYTES);
    rs_printf(s, "B%zu:", n);
    for (size_t i = 0; i < n; i++)
        rs_printf(s, "%02x", ((const unsigned char *)p)[i]);
    return 0;
}
static int rs_string(b2a_sink *b, const char *p, size_t n)
{
    rec_sink *s = (rec_sink *)b;
    rs_value(s, 0, VT == B2A_V_STRING || VT == B2A_V_UUID || VT == B2A_V_JSON);
    rs_printf(s, "s%zu:", n);
    rs_put(s, p, n);
    return 0;
}
static int rs_decimal(b2a_sink *b, const uint8_t *be, size_t n)
{
    rec_sink *s = (rec_sink *)b;
    rs_value(s, 0, VT == B2A_V_DECIMAL);
    rs_put(s, "D", 1);
    for (size_t i = 0; i < n; i++)
        rs_printf(s, "%02x", be[i]);
    return 0;
}
static int rs_end(b2a_sink *b)
{
    rec_sink *s = (rec_sink *)b;
    assert_int_equal(s->col, s->t->ncolumns);
    s->col = 0;
    rs_put(s, "\n", 1);
    if (s->rows == s->rows_cap) {
        s->rows_cap = s->rows_cap ? s->rows_cap * 2 : 64;
        s->row_end = realloc(s->row_end, s->rows_cap * sizeof(*s->row_end));
        assert_non_null(s->row_end);
    }
    s->row_end[s->rows++] = s->len;
    return 0;
}
#undef VT

static const b2a_sink_ops rec_ops = {rs_null, rs_bool, rs_i32, rs_i64, rs_f32, rs_f64,
                                     rs_bytes, rs_string, rs_decimal, rs_end};

void rec_init(rec_sink *s, const b2a_table_def *t)
{
    memset(s, 0, sizeof(*s));
    s->base.ops = &rec_ops;
    s->t = t;
}

void rec_free(rec_sink *s)
{
    free(s->buf);
    free(s->row_end);
}

/* Row i of s as text (for messages). */
const char *rec_row(const rec_sink *s, size_t i, size_t *n)
{
    size_t start = i ? s->row_end[i - 1] : 0;
    *n = s->row_end[i] - start;
    return s->buf + start;
}


int row_cmp(const void *x, const void *y)
{
    const row_ref *a = x, *b = y;
    int c = memcmp(a->p, b->p, a->n < b->n ? a->n : b->n);
    return c ? c : (a->n > b->n) - (a->n < b->n);
}

row_ref *sorted_rows(const rec_sink *s)
{
    row_ref *r = calloc(s->rows ? s->rows : 1, sizeof(*r));
    assert_non_null(r);
    for (size_t i = 0; i < s->rows; i++)
        r[i].p = rec_row(s, i, &r[i].n);
    qsort(r, s->rows, sizeof(*r), row_cmp);
    return r;
}

void assert_same_rows(const rec_sink *a, const char *how_a, const rec_sink *b, const char *how_b)
{
    assert_int_equal(a->rows, b->rows);
    row_ref *ra = sorted_rows(a), *rb = sorted_rows(b);
    for (size_t i = 0; i < a->rows; i++)
        if (row_cmp(&ra[i], &rb[i]))
            fail_msg("%s.%s: a row differs (in sorted order, %zu of %zu):\n  %-7s %.*s\n  %-7s %.*s", a->t->schema,
                     a->t->name, i, a->rows, how_a, (int)(ra[i].n < 600 ? ra[i].n : 600), ra[i].p, how_b,
                     (int)(rb[i].n < 600 ? rb[i].n : 600), rb[i].p);
    free(ra);
    free(rb);
}

void assert_rows_are(const rec_sink *s, size_t first, const char *const *cols, const char *const *want)
{
    for (size_t i = 0; want[i]; i++) {
        size_t n;
        const char *row = rec_row(s, first + i, &n);
        char *copy = b2a__strndup(row, n - 1);
        char *got = calloc(1, n + 1);
        assert_non_null(copy);
        assert_non_null(got);
        size_t col = 0;
        for (char *tok = copy, *sep; tok; tok = sep ? sep + 1 : NULL, col++) {
            sep = strchr(tok, '\x1f');
            if (sep)
                *sep = '\0';
            for (size_t k = 0; cols[k]; k++)
                if (!strcmp(cols[k], s->t->columns[col].name)) {
                    if (*got)
                        strcat(got, " ");
                    strcat(got, tok);
                }
        }
        assert_string_equal(got, want[i]);
        free(got);
        free(copy);
    }
}
