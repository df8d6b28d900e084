/* Text rendering sink for the reader tests. */
#include "text_sink.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void add(text_sink *s, const char *p, size_t n)
{
    if (s->len + n + 2 > s->cap) {
        size_t nc = s->cap ? s->cap : 256;
        while (nc < s->len + n + 2)
            nc *= 2;
        s->line = realloc(s->line, nc);
        s->cap = nc;
    }
    memcpy(s->line + s->len, p, n);
    s->len += n;
    s->line[s->len] = 0;
}

static void sep(text_sink *s)
{
    if (s->col > 0)
        add(s, TS_SEP_STR, 1);
}

static b2a_vtype vt(text_sink *s)
{
    if (s->col >= s->def->ncolumns) {
        s->errors++;
        return B2A_V_BYTES;
    }
    return s->def->columns[s->col].vtype;
}

static int t_null(b2a_sink *b)
{
    text_sink *s = (text_sink *)b;
    sep(s);
    add(s, "NULL", 4);
    s->col++;
    return 0;
}

static int t_bool(b2a_sink *b, int v)
{
    text_sink *s = (text_sink *)b;
    if (vt(s) != B2A_V_BOOLEAN) s->errors++;
    sep(s);
    add(s, v ? "1" : "0", 1);
    s->col++;
    return 0;
}

static void civil(int64_t days, int *y, unsigned *m, unsigned *d)
{
    /* days since 1970-01-01 to proleptic Gregorian (Howard Hinnant's algorithm). */
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    unsigned doe = (unsigned)(days - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yy + (*m <= 2));
}

static void fmt_ts(text_sink *s, int64_t us)
{
    int64_t days = us >= 0 ? us / 86400000000LL : -((-us + 86399999999LL) / 86400000000LL);
    int64_t rem = us - days * 86400000000LL;
    int y;
    unsigned m, d;
    civil(days, &y, &m, &d);
    char buf[64];
    int n = snprintf(buf, sizeof buf, "%04d-%02u-%02u %02d:%02d:%02d.%06d", y, m, d, (int)(rem / 3600000000LL),
                     (int)(rem / 60000000 % 60), (int)(rem / 1000000 % 60), (int)(rem % 1000000));
    add(s, buf, (size_t)n);
}

static int t_i32(b2a_sink *b, int32_t v)
{
    text_sink *s = (text_sink *)b;
    b2a_vtype t = vt(s);
    sep(s);
    char buf[32];
    int n;
    if (t == B2A_V_DATE) {
        int y;
        unsigned m, d;
        civil(v, &y, &m, &d);
        n = snprintf(buf, sizeof buf, "%04d-%02u-%02u", y, m, d);
    } else {
        if (t != B2A_V_INT) s->errors++;
        n = snprintf(buf, sizeof buf, "%" PRId32, v);
    }
    add(s, buf, (size_t)n);
    s->col++;
    return 0;
}

static int t_i64(b2a_sink *b, int64_t v)
{
    text_sink *s = (text_sink *)b;
    b2a_vtype t = vt(s);
    sep(s);
    if (t == B2A_V_TIMESTAMP_MICROS || t == B2A_V_LOCAL_TIMESTAMP_MICROS) {
        fmt_ts(s, v);
    } else if (t == B2A_V_TIME_MICROS) {
        char buf[32];
        int n = snprintf(buf, sizeof buf, "%02d:%02d:%02d.%06d", (int)(v / 3600000000LL), (int)(v / 60000000 % 60),
                         (int)(v / 1000000 % 60), (int)(v % 1000000));
        add(s, buf, (size_t)n);
    } else {
        if (t != B2A_V_LONG) s->errors++;
        char buf[32];
        int n = snprintf(buf, sizeof buf, "%" PRId64, v);
        add(s, buf, (size_t)n);
    }
    s->col++;
    return 0;
}

static int t_f32(b2a_sink *b, float v)
{
    text_sink *s = (text_sink *)b;
    if (vt(s) != B2A_V_FLOAT) s->errors++;
    sep(s);
    char buf[64];
    int n = snprintf(buf, sizeof buf, "%.9g", (double)v);
    add(s, buf, (size_t)n);
    s->col++;
    return 0;
}

static int t_f64(b2a_sink *b, double v)
{
    text_sink *s = (text_sink *)b;
    if (vt(s) != B2A_V_DOUBLE) s->errors++;
    sep(s);
    char buf[64];
    int n = snprintf(buf, sizeof buf, "%.17g", v);
    add(s, buf, (size_t)n);
    s->col++;
    return 0;
}

static int t_bytes(b2a_sink *b, const void *p, size_t n)
{
    text_sink *s = (text_sink *)b;
    if (vt(s) != B2A_V_BYTES) s->errors++;
    sep(s);
    add(s, "0x", 2);
    for (size_t i = 0; i < n; i++) {
        char h[3];
        snprintf(h, sizeof h, "%02X", ((const unsigned char *)p)[i]);
        add(s, h, 2);
    }
    s->col++;
    return 0;
}

static int t_string(b2a_sink *b, const char *p, size_t n)
{
    text_sink *s = (text_sink *)b;
    b2a_vtype t = vt(s);
    if (t != B2A_V_STRING && t != B2A_V_UUID && t != B2A_V_JSON) s->errors++;
    sep(s);
    add(s, p, n);
    s->col++;
    return 0;
}

static int t_decimal(b2a_sink *b, const uint8_t *be, size_t n)
{
    text_sink *s = (text_sink *)b;
    if (vt(s) != B2A_V_DECIMAL) s->errors++;
    int scale = s->col < s->def->ncolumns ? s->def->columns[s->col].scale : 0;
    sep(s);
    /* Two's complement to sign + magnitude, then base 10 by long division. */
    uint8_t mag[64];
    if (n > sizeof mag) n = sizeof mag;
    int neg = n && (be[0] & 0x80);
    for (size_t i = 0; i < n; i++) mag[i] = neg ? (uint8_t)~be[i] : be[i];
    if (neg) {
        for (size_t i = n; i-- > 0;) { if (++mag[i] != 0) break; }
    }
    char digits[200];
    int nd = 0;
    for (;;) {
        int zero = 1;
        unsigned rem = 0;
        for (size_t i = 0; i < n; i++) {
            unsigned cur = rem * 256 + mag[i];
            mag[i] = (uint8_t)(cur / 10);
            rem = cur % 10;
            if (mag[i]) zero = 0;
        }
        digits[nd++] = (char)('0' + rem);
        if (zero) break;
    }
    while (nd <= scale) digits[nd++] = '0';
    char out[220];
    int k = 0;
    if (neg) out[k++] = '-';
    for (int i = nd - 1; i >= 0; i--) {
        out[k++] = digits[i];
        if (i == scale && scale > 0) out[k++] = '.';
    }
    add(s, out, (size_t)k);
    s->col++;
    return 0;
}

static int t_end(b2a_sink *b)
{
    text_sink *s = (text_sink *)b;
    if (s->col != s->def->ncolumns) s->errors++;
    if (s->nrows == s->rows_cap) {
        s->rows_cap = s->rows_cap ? s->rows_cap * 2 : 64;
        s->rows = realloc(s->rows, s->rows_cap * sizeof *s->rows);
    }
    s->rows[s->nrows++] = strdup(s->line ? s->line : "");
    s->len = 0;
    if (s->line) s->line[0] = 0;
    s->col = 0;
    return 0;
}

static const b2a_sink_ops ops = { t_null, t_bool, t_i32, t_i64, t_f32, t_f64, t_bytes, t_string, t_decimal, t_end };

void text_sink_init(text_sink *s, const b2a_table_def *def)
{
    memset(s, 0, sizeof *s);
    s->base.ops = &ops;
    s->def = def;
}

void text_sink_free(text_sink *s)
{
    for (size_t i = 0; i < s->nrows; i++) free(s->rows[i]);
    free(s->rows);
    free(s->line);
    memset(s, 0, sizeof *s);
}
