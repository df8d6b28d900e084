#include "reader/oracle/oraconv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "avro/decimal.h"
#include "util/str.h"
#include "reader/oracle/oson.h"
#include "reader/oracle/oravalue.h"

enum { V_NULL, V_I64, V_F32, V_F64, V_TEXT, V_BYTES_ROW, V_DECIMAL };

struct b2a_oraval {
    int kind;
    int64_t i;
    double d;
    float f;
    size_t off, len;    /* V_TEXT / V_DECIMAL: in the converter's out; V_BYTES_ROW: in the row */
};

int b2a__orat_has_charset(int type)
{
    return type == B2A_ORAT_VARCHAR2 || type == B2A_ORAT_CHAR || type == B2A_ORAT_CLOB || type == B2A_ORAT_LONG;
}

static int oom(b2a_err *err) { return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory"); }

int b2a__oraconv_zone_def(const b2a_table_def *rowdef, const int *types, b2a_table_def *out)
{
    size_t nz = 0;
    for (size_t i = 0; i < rowdef->ncolumns; i++)
        nz += types[i] == B2A_ORAT_TSTZ;
    if (b2a__table_def_copy(out, rowdef) != 0)
        return -1;
    if (nz == 0)
        return 0;
    b2a_column *cols = realloc(out->columns, (rowdef->ncolumns + nz) * sizeof(*cols));
    if (!cols) {
        b2a__table_def_clear(out);
        return -1;
    }
    out->columns = cols;
    for (size_t i = 0; i < rowdef->ncolumns; i++) {
        if (types[i] != B2A_ORAT_TSTZ)
            continue;
        const char *name = rowdef->columns[i].name;
        b2a_column *z = &cols[out->ncolumns];
        memset(z, 0, sizeof(*z));
        out->ncolumns++;
        z->vtype = B2A_V_STRING;
        z->nullable = 1;
        z->name = b2a__asprintf("%s__tz", name);
        z->source_type = b2a__asprintf("time zone of %s", name);
        z->note = b2a__asprintf("the time zone %s was stored with (the value is the UTC instant): an offset such "
                                "as +05:30, or region:N, Oracle's number for a named region, not resolved to its "
                                "name; NULL with a NULL value or a value stored without a zone", name);
        if (!z->name || !z->source_type || !z->note) {
            b2a__table_def_clear(out);
            return -1;
        }
    }
    return 0;
}

int b2a__oraconv_init(b2a_oraconv *cv, const char *path, const b2a_table_def *def, size_t nrow, int dbtz_minutes,
                      b2a_err *err)
{
    memset(cv, 0, sizeof(*cv));
    cv->path = path;
    cv->def = def;
    cv->nrow = nrow;
    cv->dbtz_minutes = dbtz_minutes;
    size_t n = def->ncolumns ? def->ncolumns : 1;
    cv->types = calloc(n, sizeof(*cv->types));
    cv->cs = calloc(n, sizeof(*cv->cs));
    cv->vals = calloc(n, sizeof(*cv->vals));
    if (!cv->types || !cv->cs || !cv->vals) {
        b2a__oraconv_free(cv);
        return oom(err);
    }
    for (size_t i = 0; i < nrow; i++)
        cv->types[i] = B2A_ORAT_VARCHAR2;
    return B2A_OK;
}

int b2a__oraconv_set_column(b2a_oraconv *cv, size_t i, int type, int charset, b2a_err *err)
{
    cv->types[i] = type;
    if (!b2a__orat_has_charset(type))
        return B2A_OK;
    if (!(cv->cs[i] = b2a__oracs_new(charset)))
        return b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_READER,
                            "%s: table %s.%s: cannot convert column %s from character set %d", cv->path,
                            cv->def->schema, cv->def->name, cv->def->columns[i].name, charset);
    return B2A_OK;
}

void b2a__oraconv_free(b2a_oraconv *cv)
{
    for (size_t i = 0; cv->cs && i < cv->nrow; i++)
        b2a__oracs_free(cv->cs[i]);
    free(cv->cs);
    free(cv->types);
    free(cv->vals);
    free(cv->out);
    cv->cs = NULL;
    cv->types = NULL;
    cv->vals = NULL;
    cv->out = NULL;
}

static int out_reserve(b2a_oraconv *cv, size_t more)
{
    if (cv->outlen + more <= cv->outcap)
        return 0;
    size_t cap = cv->outcap ? cv->outcap : 4096;
    while (cap < cv->outlen + more)
        cap *= 2;
    char *p = realloc(cv->out, cap);
    if (!p)
        return -1;
    cv->out = p;
    cv->outcap = cap;
    return 0;
}

static int out_add(b2a_oraconv *cv, b2a_oraval *v, int kind, const void *p, size_t n, b2a_err *err)
{
    if (out_reserve(cv, n) != 0)
        return oom(err);
    memcpy(cv->out + cv->outlen, p, n);
    v->kind = kind;
    v->off = cv->outlen;
    v->len = n;
    cv->outlen += n;
    return B2A_OK;
}

/* Extended ROWIDs (10 bytes: object, file and block, row) in Oracle's own
 * base-64 text OOOOOOFFFBBBBBBRRR; other forms as printable text or hex. */
static int rowid_text(const uint8_t *p, size_t n, char *buf, size_t cap)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    if (n == 10 && cap > 18) {
        uint32_t obj = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
        uint32_t fb = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];
        uint32_t file = fb >> 22, block = fb & 0x3FFFFF, row = (uint32_t)p[8] << 8 | p[9];
        for (int i = 5; i >= 0; i--)
            buf[o++] = b64[(obj >> (6 * i)) & 63];
        for (int i = 2; i >= 0; i--)
            buf[o++] = b64[(file >> (6 * i)) & 63];
        for (int i = 5; i >= 0; i--)
            buf[o++] = b64[(block >> (6 * i)) & 63];
        for (int i = 2; i >= 0; i--)
            buf[o++] = b64[(row >> (6 * i)) & 63];
        buf[o] = '\0';
        return (int)o;
    }
    int printable = 1;
    for (size_t i = 0; i < n; i++)
        printable &= p[i] >= 0x20 && p[i] < 0x7F;
    if (printable && n < cap) {
        memcpy(buf, p, n);
        buf[n] = '\0';
        return (int)n;
    }
    for (size_t i = 0; i < n && o + 3 <= cap; i++)
        o += (size_t)snprintf(buf + o, cap - o, "%02X", p[i]);
    return (int)o;
}

static int value_error(const b2a_oraconv *cv, size_t c, int64_t row, b2a_err *err, const char *why)
{
    const b2a_table_def *d = cv->def;
    return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER, "%s: table %s.%s, row %lld, column %s (%s): %s",
                        cv->path, d->schema, d->name, (long long)row, d->columns[c].name, d->columns[c].source_type,
                        why);
}

static int convert_number(b2a_oraconv *cv, size_t c, const uint8_t *p, size_t n, b2a_oraval *v, int64_t row,
                          b2a_err *err)
{
    const b2a_column *col = &cv->def->columns[c];
    if (col->vtype == B2A_V_LONG && b2a__oranum_i64(p, n, &v->i) == 0) {
        v->kind = V_I64; /* the common case, without the text form */
        return B2A_OK;
    }
    char text[B2A_ORANUM_TEXT_MAX];
    int special;
    int len = b2a__oranum_text(p, n, text, sizeof(text), NULL, NULL, &special);
    if (len < 0)
        return value_error(cv, c, row, err, "the bytes are not an Oracle NUMBER");
    if (col->vtype == B2A_V_STRING)
        return out_add(cv, v, V_TEXT, text, (size_t)len, err);
    if (special || (col->vtype == B2A_V_LONG && (strchr(text, '.') || len > 20))) {
        char why[B2A_ORANUM_TEXT_MAX + 64];
        snprintf(why, sizeof(why), "the value %s does not fit the column's Avro type", text);
        return value_error(cv, c, row, err, why);
    }
    if (col->vtype == B2A_V_LONG) {
        char *end;
        errno = 0;
        long long ll = strtoll(text, &end, 10);
        if (errno || *end)
            return value_error(cv, c, row, err, "the value does not fit a long");
        v->kind = V_I64;
        v->i = ll;
        return B2A_OK;
    }
    uint8_t be[B2A_DECIMAL_MAX_BYTES];
    size_t blen;
    b2a_err derr;
    if (b2a__decimal_from_text(text, (size_t)len, col->precision, col->scale, be, &blen, &derr) != B2A_OK)
        return value_error(cv, c, row, err, derr.msg);
    return out_add(cv, v, V_DECIMAL, be, blen, err);
}

static int convert_cell(b2a_oraconv *cv, size_t c, const uint8_t *data, const b2a_oracell *cell, int64_t row,
                        b2a_err *err)
{
    b2a_oraval *v = &cv->vals[c];
    v->kind = V_NULL;
    if (cell->null)
        return B2A_OK;
    const uint8_t *p = data + cell->off;
    size_t n = cell->len;
    char text[192];
    char zone[16];
    int len;
    switch (cv->types[c]) {
    case B2A_ORAT_NUMBER:
        return convert_number(cv, c, p, n, v, row, err);
    case B2A_ORAT_BFLOAT:
        if (b2a__orafloat(p, n, &v->f) != 0)
            return value_error(cv, c, row, err, "the bytes are not a BINARY_FLOAT");
        v->kind = V_F32;
        return B2A_OK;
    case B2A_ORAT_BDOUBLE:
        if (b2a__oradouble(p, n, &v->d) != 0)
            return value_error(cv, c, row, err, "the bytes are not a BINARY_DOUBLE");
        v->kind = V_F64;
        return B2A_OK;
    case B2A_ORAT_DATE:
    case B2A_ORAT_TIMESTAMP:
    case B2A_ORAT_TSLTZ:
        if (b2a__oradate_micros(p, n, &v->i) != 0)
            return value_error(cv, c, row, err, "the bytes are not a valid date and time");
        if (cv->types[c] == B2A_ORAT_TSLTZ) /* stored as the wall clock of the database time zone */
            v->i -= (int64_t)cv->dbtz_minutes * 60 * 1000000;
        v->kind = V_I64;
        return B2A_OK;
    case B2A_ORAT_TSTZ:
        if (b2a__oratstz_micros(p, n, &v->i, zone) != 0)
            return value_error(cv, c, row, err, "the bytes are not a valid timestamp with time zone");
        v->kind = V_I64;
        return B2A_OK;
    case B2A_ORAT_IYM:
    case B2A_ORAT_IDS:
        len = cv->types[c] == B2A_ORAT_IYM ? b2a__oraiym_text(p, n, text, sizeof(text))
                                           : b2a__oraids_text(p, n, text, sizeof(text));
        if (len < 0)
            return value_error(cv, c, row, err, "the bytes are not a valid interval");
        return out_add(cv, v, V_TEXT, text, (size_t)len, err);
    case B2A_ORAT_ROWID:
    case B2A_ORAT_UROWID:
        len = rowid_text(p, n, text, sizeof(text));
        return out_add(cv, v, V_TEXT, text, (size_t)len, err);
    case B2A_ORAT_BFILE: {
        /* the locator, in hex: its layout is not documented */
        if (out_reserve(cv, 2 * n + 1) != 0)
            return oom(err);
        for (size_t i = 0; i < n; i++)
            snprintf(cv->out + cv->outlen + 2 * i, 3, "%02X", p[i]);
        v->kind = V_TEXT;
        v->off = cv->outlen;
        v->len = 2 * n;
        cv->outlen += 2 * n;
        return B2A_OK;
    }
    case B2A_ORAT_JSON: { /* OSON, Oracle's binary JSON (oson.h) */
        size_t start = cv->outlen;
        const char *why;
        int rc = b2a__oson_to_json(p, n, &cv->out, &cv->outcap, &cv->outlen, &why);
        if (rc == -2)
            return oom(err);
        if (rc != 0) {
            char msg[256];
            snprintf(msg, sizeof(msg), "the value is not OSON (binary JSON) this reader decodes: %s", why);
            return value_error(cv, c, row, err, msg);
        }
        v->kind = V_TEXT;
        v->off = start;
        v->len = cv->outlen - start;
        return B2A_OK;
    }
    case B2A_ORAT_RAW:
    case B2A_ORAT_LONG_RAW:
    case B2A_ORAT_BLOB:
        v->kind = V_BYTES_ROW;
        v->off = cell->off;
        v->len = n;
        return B2A_OK;
    default: { /* character data */
        if (!cv->cs[c])
            return value_error(cv, c, row, err, "this reader does not decode values of this type");
        size_t start = cv->outlen;
        long bad = b2a__oracs_to_utf8(cv->cs[c], p, n, &cv->out, &cv->outcap, &cv->outlen);
        if (bad < 0)
            return oom(err);
        cv->replaced += (uint64_t)bad;
        v->kind = V_TEXT;
        v->off = start;
        v->len = cv->outlen - start;
        return B2A_OK;
    }
    }
}

int b2a__oraconv_row(b2a_oraconv *cv, const uint8_t *data, const b2a_oracell *cells, int64_t row, b2a_err *err)
{
    cv->outlen = 0;
    uint64_t replaced = cv->replaced;
    size_t z = cv->nrow; /* the next zone field */
    for (size_t c = 0; c < cv->nrow; c++) {
        int rc = convert_cell(cv, c, data, &cells[c], row, err);
        if (rc == B2A_OK && cv->types[c] == B2A_ORAT_TSTZ && z < cv->def->ncolumns) {
            /* decoded once more for its zone: rare enough not to keep it per cell */
            b2a_oraval *v = &cv->vals[z++];
            int64_t us;
            char zone[16];
            v->kind = V_NULL;
            if (!cells[c].null && b2a__oratstz_micros(data + cells[c].off, cells[c].len, &us, zone) == 0 && zone[0])
                rc = out_add(cv, v, V_TEXT, zone, strlen(zone), err);
        }
        if (rc != B2A_OK) {
            cv->replaced = replaced; /* the row is not written: neither are its replacements */
            return rc;
        }
    }
    return B2A_OK;
}

int b2a__oraconv_emit(const b2a_oraconv *cv, const uint8_t *data, b2a_sink *sink)
{
    const b2a_sink_ops *o = sink->ops;
    int rc = B2A_OK;
    for (size_t c = 0; rc == B2A_OK && c < cv->def->ncolumns; c++) {
        const b2a_oraval *v = &cv->vals[c];
        switch (v->kind) {
        case V_NULL: rc = o->null(sink); break;
        case V_I64: rc = o->i64(sink, v->i); break;
        case V_F32: rc = o->f32(sink, v->f); break;
        case V_F64: rc = o->f64(sink, v->d); break;
        case V_TEXT: rc = o->string(sink, cv->out + v->off, v->len); break;
        case V_DECIMAL: rc = o->decimal(sink, (const uint8_t *)cv->out + v->off, v->len); break;
        default: rc = o->bytes(sink, data + v->off, v->len); break;
        }
    }
    return rc == B2A_OK ? o->end_row(sink) : rc;
}
