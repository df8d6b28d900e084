/* Exact decoding of SQL Server's stored values (formats in
 * docs/mssql-bak-format.md §2.7 "Type encodings"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "bak2avro/errors.h"
#include "reader/mssql/binxml.h"
#include "reader/mssql/clrspatial.h"
#include "reader/mssql/codepages.h"
#include "reader/mssql/hierarchyid.h"
#include "reader/mssql/page.h"
#include "reader/mssql/types.h"
#include "util/str.h"

/* Days from 0001-01-01 and from 1900-01-01 to 1970-01-01. */
#define DAYS_0001_TO_1970 719162
#define DAYS_1900_TO_1970 25567
#define US_PER_DAY INT64_C(86400000000)

int b2a__mbuf_reserve(b2a_mbuf *b, size_t cap)
{
    if (cap <= b->cap)
        return 0;
    size_t nc = b->cap ? b->cap : 256;
    while (nc < cap)
        nc *= 2;
    uint8_t *np = realloc(b->p, nc);
    if (!np)
        return -1;
    b->p = np;
    b->cap = nc;
    return 0;
}

int b2a__mbuf_append(b2a_mbuf *b, const void *p, size_t n)
{
    if (b2a__mbuf_reserve(b, b->n + n + 1) < 0)
        return -1;
    if (n)
        memcpy(b->p + b->n, p, n);
    b->n += n;
    return 0;
}

void b2a__mbuf_free(b2a_mbuf *b)
{
    free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
}

/* Little-endian words read (or written) with memcpy, in host order. */
static inline uint64_t le64(uint64_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return __builtin_bswap64(v);
#else
    return v;
#endif
}

static inline uint32_t le32(uint32_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return __builtin_bswap32(v);
#else
    return v;
#endif
}

__attribute__((always_inline)) static inline void put_utf8(uint8_t *o, size_t *k, uint32_t c)
{
    if (c < 0x80) {
        o[(*k)++] = (uint8_t)c;
    } else if (c < 0x800) {
        o[(*k)++] = (uint8_t)(0xC0 | (c >> 6));
        o[(*k)++] = (uint8_t)(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        o[(*k)++] = (uint8_t)(0xE0 | (c >> 12));
        o[(*k)++] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
        o[(*k)++] = (uint8_t)(0x80 | (c & 0x3F));
    } else {
        o[(*k)++] = (uint8_t)(0xF0 | (c >> 18));
        o[(*k)++] = (uint8_t)(0x80 | ((c >> 12) & 0x3F));
        o[(*k)++] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
        o[(*k)++] = (uint8_t)(0x80 | (c & 0x3F));
    }
}

/* ASCII UTF-16LE units at p, from unit i on, as bytes at o + *k: the units
 * up to the first that is not ASCII or the last whole step, 8 at a time
 * (SSE2) then 4 (a 64-bit word). Returns the new i. */
static inline size_t ascii_run_utf16(const uint8_t *p, size_t i, size_t units, uint8_t *o, size_t *k)
{
#ifdef __SSE2__
    const __m128i high = _mm_set1_epi16((short)0xFF80);
    while (i + 8 <= units) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 2 * i));
        if (_mm_movemask_epi8(_mm_cmpeq_epi16(_mm_and_si128(v, high), _mm_setzero_si128())) != 0xFFFF)
            break;
        _mm_storel_epi64((__m128i *)(void *)(o + *k), _mm_packus_epi16(v, v));
        *k += 8;
        i += 8;
    }
#endif
    while (i + 4 <= units) {
        uint64_t v;
        memcpy(&v, p + 2 * i, 8);
        v = le64(v);
        if (v & UINT64_C(0xFF80FF80FF80FF80))
            break;
        uint32_t w = (uint32_t)((v & 0xFF) | (v >> 8 & 0xFF00) | (v >> 16 & 0xFF0000) | (v >> 24 & 0xFF000000));
        w = le32(w); /* byte 0 first in memory */
        memcpy(o + *k, &w, 4);
        *k += 4;
        i += 4;
    }
    return i;
}

int b2a__utf16le_to_utf8(const uint8_t *p, size_t n, b2a_mbuf *out)
{
    /* Each UTF-16 unit becomes at most 3 bytes; a pair at most 4. */
    if (b2a__mbuf_reserve(out, out->n + (n / 2) * 3 + 4) < 0)
        return -1;
    uint8_t *o = out->p;
    size_t k = out->n;
    size_t units = n / 2;
    size_t i = 0;
    while (i < units) {
        /* Most text is ASCII: whole steps of it while it lasts. */
        i = ascii_run_utf16(p, i, units, o, &k);
        /* Then one unit at a time up to and including the next ASCII one,
         * so that text in other scripts does not try a failing step after
         * every character. */
        while (i < units) {
            uint32_t c;
            i += b2a__utf16_char(p, i, units, &c);
            put_utf8(o, &k, c);
            if (c < 0x80)
                break;
        }
    }
    if (n % 2) /* an odd trailing byte cannot be a character */
        put_utf8(o, &k, 0xFFFD);
    out->n = k;
    return 0;
}

int b2a__cp_to_utf8(int codepage, const uint8_t *p, size_t n, b2a_mbuf *out)
{
    if (b2a__mbuf_reserve(out, out->n + n * 3 + 1) < 0)
        return -1;
    size_t k = out->n;
    if (codepage == 65001) {
        memcpy(out->p + k, p, n);
        out->n = k + n;
        return 0;
    }
    const uint16_t *hi = b2a__codepage_high(codepage);
    size_t i = 0;
    while (i < n) {
        /* ASCII is the same in every code page: eight bytes a step. */
        uint64_t v;
        while (i + 8 <= n && (memcpy(&v, p + i, 8), (v & UINT64_C(0x8080808080808080)) == 0)) {
            memcpy(out->p + k, p + i, 8);
            k += 8;
            i += 8;
        }
        /* Then byte by byte up to and including the next ASCII one (as
         * in b2a__utf16le_to_utf8). */
        while (i < n) {
            uint32_t c = p[i++];
            if (c < 0x80) {
                out->p[k++] = (uint8_t)c;
                break;
            }
            put_utf8(out->p, &k, hi ? hi[c - 0x80] : c); /* no table: Latin-1 */
        }
    }
    out->n = k;
    return 0;
}

/* Collation id (syscolpars.collationid) to code page. SQL collations
 * carry their sort order id in the high byte (SQL_Latin1_General_CP1_CI_AS
 * = 0x3400D008, sort order 52, measured); the ranges below follow the
 * documented sort-order list. Windows collations have sort id 0, style
 * flags in bits 12-19 and the collation's index in the low 12 bits:
 * measured 0x001 Arabic (0x0000F001), 0x008 Latin1_General (0xD008),
 * 0x028 Modern_Spanish (0x0000D028). Unknown ones fall back to 1252. */
int b2a__collation_codepage(uint32_t collationid)
{
    unsigned sortid = collationid >> 24;
    if (sortid) {
        if (sortid >= 30 && sortid <= 34) return 437;
        if (sortid >= 40 && sortid <= 49) return 850;
        if (sortid >= 50 && sortid <= 61) return 1252;
        if (sortid >= 71 && sortid <= 75) return 1252;
        if (sortid >= 80 && sortid <= 96) return 1250;
        if (sortid >= 104 && sortid <= 108) return 1251;
        if (sortid >= 112 && sortid <= 124) return 1253;
        if (sortid >= 128 && sortid <= 130) return 1254;
        if (sortid >= 136 && sortid <= 138) return 1255;
        if (sortid >= 144 && sortid <= 146) return 1256;
        if (sortid >= 152 && sortid <= 160) return 1257;
        return 1252;
    }
    switch (collationid & 0xFFF) {
    case 0x001: return 1256; /* Arabic_* */
    case 0x008: return 1252; /* Latin1_General_* */
    case 0x028: return 1252; /* Modern_Spanish_* */
    default: return 1252;
    }
}

int b2a__mtype_is_textptr(uint8_t x)
{
    return x == B2A_MT_TEXT || x == B2A_MT_NTEXT || x == B2A_MT_IMAGE;
}

static char *len_type(const char *name, int16_t len, int unicode)
{
    if (len == -1)
        return b2a__asprintf("%s(max)", name);
    return b2a__asprintf("%s(%d)", name, unicode ? len / 2 : len);
}

int b2a__mtype_describe(b2a_mtype *t, const char *alias, b2a_column *col)
{
    char *st = NULL;
    const char *note = NULL;
    col->precision = col->scale = 0;
    switch (t->xtype) {
    case B2A_MT_BIT: st = b2a__strdup("bit"); col->vtype = B2A_V_BOOLEAN; break;
    case B2A_MT_TINYINT: st = b2a__strdup("tinyint"); col->vtype = B2A_V_INT; break;
    case B2A_MT_SMALLINT: st = b2a__strdup("smallint"); col->vtype = B2A_V_INT; break;
    case B2A_MT_INT: st = b2a__strdup("int"); col->vtype = B2A_V_INT; break;
    case B2A_MT_BIGINT: st = b2a__strdup("bigint"); col->vtype = B2A_V_LONG; break;
    case B2A_MT_REAL: st = b2a__strdup("real"); col->vtype = B2A_V_FLOAT; break;
    case B2A_MT_FLOAT: st = b2a__strdup("float"); col->vtype = B2A_V_DOUBLE; break;
    case B2A_MT_DECIMAL: case B2A_MT_NUMERIC:
        st = b2a__asprintf("%s(%d,%d)", t->xtype == B2A_MT_DECIMAL ? "decimal" : "numeric", t->prec, t->scale);
        col->vtype = B2A_V_DECIMAL; col->precision = t->prec; col->scale = t->scale;
        break;
    case B2A_MT_MONEY: st = b2a__strdup("money"); col->vtype = B2A_V_DECIMAL; col->precision = 19; col->scale = 4; break;
    case B2A_MT_SMALLMONEY: st = b2a__strdup("smallmoney"); col->vtype = B2A_V_DECIMAL; col->precision = 10; col->scale = 4; break;
    case B2A_MT_DATE: st = b2a__strdup("date"); col->vtype = B2A_V_DATE; break;
    case B2A_MT_TIME:
        st = b2a__asprintf("time(%d)", t->scale); col->vtype = B2A_V_TIME_MICROS;
        if (t->scale > 6) note = "fractional seconds truncated to microseconds";
        break;
    case B2A_MT_DATETIME: st = b2a__strdup("datetime"); col->vtype = B2A_V_LOCAL_TIMESTAMP_MICROS; break;
    case B2A_MT_SMALLDATETIME: st = b2a__strdup("smalldatetime"); col->vtype = B2A_V_LOCAL_TIMESTAMP_MICROS; break;
    case B2A_MT_DATETIME2:
        st = b2a__asprintf("datetime2(%d)", t->scale); col->vtype = B2A_V_LOCAL_TIMESTAMP_MICROS;
        if (t->scale > 6) note = "fractional seconds truncated to microseconds";
        break;
    case B2A_MT_DATETIMEOFFSET:
        st = b2a__asprintf("datetimeoffset(%d)", t->scale); col->vtype = B2A_V_TIMESTAMP_MICROS;
        note = t->scale > 6 ? "UTC instant; the offset is not kept; fractional seconds truncated to microseconds"
                            : "UTC instant; the offset is not kept";
        break;
    case B2A_MT_UNIQUEIDENTIFIER: st = b2a__strdup("uniqueidentifier"); col->vtype = B2A_V_UUID; break;
    case B2A_MT_CHAR: st = len_type("char", t->length, 0); col->vtype = B2A_V_STRING; break;
    case B2A_MT_VARCHAR: st = len_type("varchar", t->length, 0); col->vtype = B2A_V_STRING; break;
    case B2A_MT_NCHAR: st = len_type("nchar", t->length, 1); col->vtype = B2A_V_STRING; break;
    case B2A_MT_NVARCHAR: st = len_type("nvarchar", t->length, 1); col->vtype = B2A_V_STRING; break;
    case B2A_MT_TEXT: st = b2a__strdup("text"); col->vtype = B2A_V_STRING; break;
    case B2A_MT_NTEXT: st = b2a__strdup("ntext"); col->vtype = B2A_V_STRING; break;
    case B2A_MT_XML:
        /* Stored as binary XML ([MS-BINXML]); decoded to the server's text. */
        st = b2a__strdup("xml"); col->vtype = B2A_V_STRING;
        note = "xml as text (what CONVERT(nvarchar(max), col) gives)";
        break;
    case B2A_MT_BINARY: st = len_type("binary", t->length, 0); col->vtype = B2A_V_BYTES; break;
    case B2A_MT_VARBINARY: st = len_type("varbinary", t->length, 0); col->vtype = B2A_V_BYTES; break;
    case B2A_MT_IMAGE: st = b2a__strdup("image"); col->vtype = B2A_V_BYTES; break;
    case B2A_MT_TIMESTAMP: st = b2a__strdup("timestamp"); col->vtype = B2A_V_BYTES; break;
    case B2A_MT_UDT:
        /* The shipped CLR types become the text the container path selects
         * (ToString(), STAsText()); other CLR types stay bytes. */
        t->codepage = B2A_MUDT_OTHER;
        if (alias && !strcmp(alias, "hierarchyid")) {
            t->codepage = B2A_MUDT_HIERARCHYID;
            note = "hierarchyid as its path text (ToString())";
        } else if (alias && (!strcmp(alias, "geometry") || !strcmp(alias, "geography"))) {
            t->codepage = alias[3] == 'm' ? B2A_MUDT_GEOMETRY : B2A_MUDT_GEOGRAPHY;
            note = "WKT text (STAsText()); the SRID and any Z/M values are not kept";
        }
        st = b2a__strdup(alias ? alias : "udt");
        col->vtype = t->codepage ? B2A_V_STRING : B2A_V_BYTES;
        if (!t->codepage)
            note = "CLR type: its serialized bytes";
        alias = NULL;
        break;
    case B2A_MT_SQL_VARIANT:
        st = b2a__strdup("sql_variant"); col->vtype = B2A_V_STRING;
        note = "each value as text (ISO dates, 0x hex for binary); its base type is not kept";
        break;
    default:
        st = b2a__asprintf("xtype %u", t->xtype); col->vtype = B2A_V_BYTES;
        note = "unknown type: its stored bytes";
        break;
    }
    if (!st)
        return -1;
    free(col->source_type);
    col->source_type = st;
    free(col->note);
    col->note = NULL;
    if (alias)
        col->note = b2a__asprintf("alias type %s", alias);
    else if (note)
        col->note = b2a__strdup(note);
    if ((alias || note) && !col->note)
        return -1;
    return 0;
}

/* Sign + LE magnitude -> minimal big-endian two's complement. */
static size_t le_to_be_twos(int neg, const uint8_t *le, size_t n, uint8_t *out /* n+1 */)
{
    /* Magnitude big-endian with one extra leading byte for the sign. */
    uint8_t tmp[40];
    if (n > 38)
        n = 38;
    tmp[0] = 0;
    for (size_t i = 0; i < n; i++)
        tmp[1 + i] = le[n - 1 - i];
    size_t m = n + 1;
    if (neg) {
        unsigned carry = 1;
        for (size_t i = m; i-- > 0;) {
            unsigned v = (uint8_t)~tmp[i] + carry;
            tmp[i] = (uint8_t)v;
            carry = v >> 8;
        }
    }
    /* Drop redundant sign bytes. */
    size_t s = 0;
    while (s + 1 < m && ((tmp[s] == 0 && !(tmp[s + 1] & 0x80)) || (tmp[s] == 0xFF && (tmp[s + 1] & 0x80))))
        s++;
    memcpy(out, tmp + s, m - s);
    return m - s;
}

/* v as the minimal big-endian two's complement (at least one byte): what
 * le_to_be_twos gives for its sign and magnitude, without the byte loops.
 * A negative v needs the bytes of ~v (its magnitude less one) and a sign bit. */
static int emit_i64_decimal(b2a_sink *sink, int64_t v)
{
    uint64_t u = (uint64_t)v, m = v < 0 ? ~u : u;
    size_t bits = m ? 64 - (size_t)__builtin_clzll(m) : 0;
    size_t n = bits / 8 + 1; /* the bits and a sign bit; at most 8 as bits < 64 */
    uint8_t out[8];
    for (size_t i = 0; i < n; i++)
        out[i] = (uint8_t)(u >> (8 * (n - 1 - i)));
    return sink->ops->decimal(sink, out, n);
}

static uint64_t rd_uint(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = n; i-- > 0;)
        v = (v << 8) | p[i];
    return v;
}

static const int64_t pow10_tab[8] = { 1, 10, 100, 1000, 10000, 100000, 1000000, 10000000 };

/* time(n) stored in 3/4/5 bytes by scale; value in 10^-scale seconds. */
static size_t time_bytes(int scale) { return scale <= 2 ? 3 : scale <= 4 ? 4 : 5; }
static int64_t time_to_us(uint64_t v, int scale)
{
    if (scale > 7)
        scale = 7;
    if (scale <= 6)
        return (int64_t)v * pow10_tab[6 - scale];
    return (int64_t)(v / 10); /* scale 7: truncated to microseconds */
}

static int check_null(b2a_sink *s) { (void)s; return B2A_OK; }
static int check_bool(b2a_sink *s, int v) { (void)s; (void)v; return B2A_OK; }
static int check_i32(b2a_sink *s, int32_t v) { (void)s; (void)v; return B2A_OK; }
static int check_i64(b2a_sink *s, int64_t v) { (void)s; (void)v; return B2A_OK; }
static int check_f32(b2a_sink *s, float v) { (void)s; (void)v; return B2A_OK; }
static int check_f64(b2a_sink *s, double v) { (void)s; (void)v; return B2A_OK; }
static int check_bytes(b2a_sink *s, const void *p, size_t n) { (void)s; (void)p; (void)n; return B2A_OK; }
static int check_dec(b2a_sink *s, const uint8_t *p, size_t n) { (void)s; (void)p; (void)n; return B2A_OK; }
static int check_string(b2a_sink *s, const char *p, size_t n) { (void)s; (void)p; (void)n; return B2A_OK; }

/* Days since 1970-01-01 to a civil date (proleptic Gregorian). */
static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)((int64_t)yoe + era * 400 + (*m <= 2));
}

/* "YYYY-MM-DD", then " HH:MM:SS" and `digits` fractional digits of us. */
static int put_datetime(b2a_mbuf *o, int64_t days, int64_t us, int with_time, int digits)
{
    char buf[64];
    int y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    int k = snprintf(buf, sizeof buf, "%04d-%02u-%02u", y, m, d);
    if (with_time) {
        k += snprintf(buf + k, sizeof buf - (size_t)k, " %02d:%02d:%02d", (int)(us / 3600000000LL),
                      (int)(us / 60000000 % 60), (int)(us / 1000000 % 60));
        if (digits > 0) {
            char f[8];
            snprintf(f, sizeof f, "%06d", (int)(us % 1000000));
            k += snprintf(buf + k, sizeof buf - (size_t)k, ".%.*s", digits > 6 ? 6 : digits, f);
        }
    }
    return b2a__mbuf_append(o, buf, (size_t)k);
}

/* Unscaled sign+magnitude to decimal text with scale. */
static int put_decimal(b2a_mbuf *o, int neg, const uint8_t *le, size_t n, int scale)
{
    uint8_t mag[20];
    char digits[64];
    int nd = 0;
    if (n > sizeof mag)
        return -1;
    for (size_t i = 0; i < n; i++)
        mag[i] = le[n - 1 - i]; /* big-endian for long division */
    for (;;) {
        unsigned rem = 0;
        int zero = 1;
        for (size_t i = 0; i < n; i++) {
            unsigned cur = rem * 256 + mag[i];
            mag[i] = (uint8_t)(cur / 10);
            rem = cur % 10;
            zero &= mag[i] == 0;
        }
        digits[nd++] = (char)('0' + rem);
        if (zero || nd >= 60)
            break;
    }
    while (nd <= scale && nd < 60)
        digits[nd++] = '0';
    char out[72];
    int k = 0;
    if (neg)
        out[k++] = '-';
    for (int i = nd - 1; i >= 0; i--) {
        out[k++] = digits[i];
        if (i == scale && scale > 0)
            out[k++] = '.';
    }
    return b2a__mbuf_append(o, out, (size_t)k);
}

static int lcid_codepage(uint32_t lcid)
{
    switch (lcid & 0xFFFF) {
    case 0x0401: case 0x0801: case 0x0c01: case 0x1001: case 0x1401: case 0x1801: case 0x1c01:
    case 0x2001: case 0x2401: case 0x2801: case 0x2c01: case 0x3001: case 0x3401: case 0x3801:
    case 0x3c01: case 0x4001: case 0x0429: case 0x0420:
        return 1256;
    case 0x0405: case 0x0415: case 0x040e: case 0x041a: case 0x041b: case 0x0424: case 0x0418:
        return 1250;
    case 0x0419: case 0x0422: case 0x0423: case 0x0402: case 0x042f:
        return 1251;
    case 0x0408: return 1253;
    case 0x041f: return 1254;
    case 0x040d: return 1255;
    case 0x0425: case 0x0426: case 0x0427: return 1257;
    case 0x042a: return 1258;
    case 0x041e: return 874;
    default: return 1252;
    }
}

/* sql_variant: [base type][version 1][properties][value] (the [MS-TDS]
 * SQL_VARIANT layout): the value as text into o. */
static int variant_text(const uint8_t *p, size_t n, b2a_mbuf *o, char *why, size_t whylen)
{
    char buf[64];
    int k;
    if (n < 2)
        goto bad;
    uint8_t base = p[0];
    const uint8_t *v = p + 2;
    size_t vn = n - 2;
    switch (base) {
    case B2A_MT_TINYINT:
        if (vn != 1) goto bad;
        k = snprintf(buf, sizeof buf, "%u", v[0]);
        break;
    case B2A_MT_SMALLINT:
        if (vn != 2) goto bad;
        k = snprintf(buf, sizeof buf, "%d", (int16_t)b2a__rd16(v));
        break;
    case B2A_MT_INT:
        if (vn != 4) goto bad;
        k = snprintf(buf, sizeof buf, "%d", (int32_t)b2a__rd32(v));
        break;
    case B2A_MT_BIGINT:
        if (vn != 8) goto bad;
        k = snprintf(buf, sizeof buf, "%lld", (long long)(int64_t)b2a__rd64(v));
        break;
    case B2A_MT_BIT:
        if (vn != 1) goto bad;
        k = snprintf(buf, sizeof buf, "%d", v[0] & 1);
        break;
    case B2A_MT_REAL: {
        if (vn != 4) goto bad;
        uint32_t u = b2a__rd32(v);
        float f;
        memcpy(&f, &u, 4);
        k = snprintf(buf, sizeof buf, "%.9g", (double)f);
        break;
    }
    case B2A_MT_FLOAT: {
        if (vn != 8) goto bad;
        uint64_t u = b2a__rd64(v);
        double f;
        memcpy(&f, &u, 8);
        k = snprintf(buf, sizeof buf, "%.17g", f);
        break;
    }
    case B2A_MT_MONEY: case B2A_MT_SMALLMONEY: {
        if (vn != (base == B2A_MT_MONEY ? 8u : 4u)) goto bad;
        int64_t x = base == B2A_MT_MONEY ? (int64_t)b2a__rd64(v) : (int32_t)b2a__rd32(v);
        uint64_t mag = x < 0 ? (uint64_t)0 - (uint64_t)x : (uint64_t)x;
        uint8_t le[8];
        for (int i = 0; i < 8; i++)
            le[i] = (uint8_t)(mag >> (8 * i));
        return put_decimal(o, x < 0, le, 8, 4);
    }
    case B2A_MT_DECIMAL: case B2A_MT_NUMERIC:
        /* precision @2, scale @3, sign @4, magnitude after */
        if (n < 6 || n > 21 || p[3] > 38) goto bad;
        return put_decimal(o, p[4] == 0, p + 5, n - 5, p[3]);
    case B2A_MT_DATE:
        if (vn != 3) goto bad;
        return put_datetime(o, (int64_t)rd_uint(v, 3) - DAYS_0001_TO_1970, 0, 0, 0);
    case B2A_MT_DATETIME: {
        if (vn != 8) goto bad;
        int64_t ticks = b2a__rd32(v), days = (int32_t)b2a__rd32(v + 4);
        if (days < -53690 || days > 2958463 || ticks > 25920000) goto bad;
        return put_datetime(o, days - DAYS_1900_TO_1970, (ticks * 10000 + 1) / 3 / 1000 * 1000, 1, 3);
    }
    case B2A_MT_SMALLDATETIME:
        if (vn != 4) goto bad;
        return put_datetime(o, (int64_t)b2a__rd16(v + 2) - DAYS_1900_TO_1970,
                            (int64_t)b2a__rd16(v) * 60000000, 1, 0);
    case B2A_MT_TIME: case B2A_MT_DATETIME2: case B2A_MT_DATETIMEOFFSET: {
        if (n < 3) goto bad;
        int scale = p[2] > 7 ? 7 : p[2];
        size_t tb = time_bytes(scale);
        size_t want = tb + (base == B2A_MT_TIME ? 0 : 3) + (base == B2A_MT_DATETIMEOFFSET ? 2 : 0);
        v = p + 3;
        if (n - 3 != want) goto bad;
        int64_t us = time_to_us(rd_uint(v, tb), scale);
        if (base == B2A_MT_TIME) {
            k = snprintf(buf, sizeof buf, "%02d:%02d:%02d", (int)(us / 3600000000LL), (int)(us / 60000000 % 60),
                         (int)(us / 1000000 % 60));
            if (scale > 0) {
                char f[8];
                snprintf(f, sizeof f, "%06d", (int)(us % 1000000));
                k += snprintf(buf + k, sizeof buf - (size_t)k, ".%.*s", scale > 6 ? 6 : scale, f);
            }
            break;
        }
        int64_t days = (int64_t)rd_uint(v + tb, 3) - DAYS_0001_TO_1970;
        if (base == B2A_MT_DATETIME2)
            return put_datetime(o, days, us, 1, scale);
        /* datetimeoffset: stored as UTC; shown in its own offset like SQL Server does. */
        int off = (int16_t)b2a__rd16(v + tb + 3);
        int64_t local = days * US_PER_DAY + us + (int64_t)off * 60000000;
        int64_t ld = local >= 0 ? local / US_PER_DAY : -((-local + US_PER_DAY - 1) / US_PER_DAY);
        if (put_datetime(o, ld, local - ld * US_PER_DAY, 1, scale) < 0)
            return -1;
        int ao = off < 0 ? -off : off;
        k = snprintf(buf, sizeof buf, " %c%02d:%02d", off < 0 ? '-' : '+', ao / 60, ao % 60);
        break;
    }
    case B2A_MT_UNIQUEIDENTIFIER:
        if (vn != 16) goto bad;
        k = snprintf(buf, sizeof buf, "%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X",
                     v[3], v[2], v[1], v[0], v[5], v[4], v[7], v[6], v[8], v[9], v[10], v[11], v[12], v[13],
                     v[14], v[15]);
        break;
    case B2A_MT_BINARY: case B2A_MT_VARBINARY: {
        if (n < 4) goto bad;
        static const char hx[] = "0123456789ABCDEF";
        if (b2a__mbuf_reserve(o, o->n + 2 + 2 * (n - 4) + 1) < 0)
            return -1;
        o->p[o->n++] = '0';
        o->p[o->n++] = 'x';
        for (size_t i = 4; i < n; i++) {
            o->p[o->n++] = (uint8_t)hx[p[i] >> 4];
            o->p[o->n++] = (uint8_t)hx[p[i] & 15];
        }
        return 0;
    }
    case B2A_MT_CHAR: case B2A_MT_VARCHAR: {
        /* 5-byte [MS-TDS] collation at +2 (LCID/flags/version, then sort
         * id); the value starts at +8 (mssqlbak-tests' measured layout). */
        if (n < 8) goto bad;
        unsigned sortid = p[6];
        int cp = sortid ? b2a__collation_codepage((uint32_t)sortid << 24) : lcid_codepage(b2a__rd32(p + 2) & 0xFFFFF);
        return b2a__cp_to_utf8(cp, p + 8, n - 8, o);
    }
    case B2A_MT_NCHAR: case B2A_MT_NVARCHAR:
        if (n < 8) goto bad;
        return b2a__utf16le_to_utf8(p + 8, n - 8, o);
    default:
        snprintf(why, whylen, "sql_variant with base type %u, which this reader does not decode", base);
        return B2A_EUNSUPPORTED;
    }
    return b2a__mbuf_append(o, buf, (size_t)k) < 0 ? B2A_ENOMEM : 0;
bad:
    snprintf(why, whylen, "malformed sql_variant value of %zu bytes", n);
    return B2A_EFORMAT;
}

#define BADLEN(what) do { snprintf(why, whylen, "%s value of %zu bytes", what, n); return B2A_EFORMAT; } while (0)

int b2a__mtype_emit(const b2a_mtype *t, const uint8_t *p, size_t n, unsigned bitpos,
                    b2a_sink *sink, b2a_mbuf *sc, char *why, size_t whylen)
{
    /* sink NULL: validate only (lengths, ranges), so a scan can check a
     * whole row before the sink sees any of it. */
    static const b2a_sink_ops check_ops = { check_null, check_bool, check_i32, check_i64, check_f32,
                                            check_f64, check_bytes, check_string, check_dec, check_null };
    static b2a_sink check_sink = { &check_ops };
    int checking = sink == NULL;
    if (checking)
        sink = &check_sink;
    const b2a_sink_ops *o = sink->ops;
    sc->n = 0;
    switch (t->xtype) {
    case B2A_MT_BIT:
        if (n < 1) BADLEN("bit");
        return o->boolean(sink, (p[0] >> (bitpos & 7)) & 1);
    case B2A_MT_TINYINT:
        if (n != 1) BADLEN("tinyint");
        return o->i32(sink, p[0]);
    case B2A_MT_SMALLINT:
        if (n != 2) BADLEN("smallint");
        return o->i32(sink, (int16_t)b2a__rd16(p));
    case B2A_MT_INT:
        if (n != 4) BADLEN("int");
        return o->i32(sink, (int32_t)b2a__rd32(p));
    case B2A_MT_BIGINT:
        if (n != 8) BADLEN("bigint");
        return o->i64(sink, (int64_t)b2a__rd64(p));
    case B2A_MT_REAL: {
        if (n != 4) BADLEN("real");
        uint32_t u = b2a__rd32(p);
        float f;
        memcpy(&f, &u, 4);
        return o->f32(sink, f);
    }
    case B2A_MT_FLOAT: {
        if (n != 8) BADLEN("float");
        uint64_t u = b2a__rd64(p);
        double d;
        memcpy(&d, &u, 8);
        return o->f64(sink, d);
    }
    case B2A_MT_MONEY:
        if (n != 8) BADLEN("money");
        return emit_i64_decimal(sink, (int64_t)b2a__rd64(p));
    case B2A_MT_SMALLMONEY:
        if (n != 4) BADLEN("smallmoney");
        return emit_i64_decimal(sink, (int32_t)b2a__rd32(p));
    case B2A_MT_DECIMAL: case B2A_MT_NUMERIC: {
        if (n < 2 || n > 17) BADLEN("decimal");
        if (n <= 9) { /* precision up to 19: a magnitude of at most 8 bytes */
            uint64_t mag = 0;
            for (size_t i = n - 1; i >= 1; i--)
                mag = mag << 8 | p[i];
            if (mag <= (uint64_t)INT64_MAX) /* "negative" zero is 0, as le_to_be_twos gives */
                return emit_i64_decimal(sink, p[0] == 0 ? -(int64_t)mag : (int64_t)mag);
        }
        uint8_t out[20];
        size_t k = le_to_be_twos(p[0] == 0, p + 1, n - 1, out);
        return o->decimal(sink, out, k);
    }
    case B2A_MT_DATETIME: {
        if (n != 8) BADLEN("datetime");
        int64_t ticks = (int64_t)b2a__rd32(p);
        int64_t days = (int32_t)b2a__rd32(p + 4);
        /* datetime spans 1753-01-01 .. 9999-12-31; anything else is corrupt. */
        if (days < -53690 || days > 2958463 || ticks > 25920000) {
            snprintf(why, whylen, "datetime value out of range (day %lld, tick %lld)", (long long)days, (long long)ticks);
            return B2A_EFORMAT;
        }
        /* 1/300 s ticks to microseconds, rounded to nearest. */
        int64_t us = (ticks * 10000 + 1) / 3;
        return o->i64(sink, (days - DAYS_1900_TO_1970) * US_PER_DAY + us);
    }
    case B2A_MT_SMALLDATETIME: {
        if (n != 4) BADLEN("smalldatetime");
        int64_t mins = b2a__rd16(p), days = b2a__rd16(p + 2);
        return o->i64(sink, (days - DAYS_1900_TO_1970) * US_PER_DAY + mins * INT64_C(60000000));
    }
    case B2A_MT_DATE:
        if (n != 3) BADLEN("date");
        return o->i32(sink, (int32_t)(rd_uint(p, 3) - DAYS_0001_TO_1970));
    case B2A_MT_TIME: {
        size_t tb = time_bytes(t->scale);
        if (n != tb) BADLEN("time");
        return o->i64(sink, time_to_us(rd_uint(p, tb), t->scale));
    }
    case B2A_MT_DATETIME2: case B2A_MT_DATETIMEOFFSET: {
        size_t tb = time_bytes(t->scale);
        size_t want = tb + 3 + (t->xtype == B2A_MT_DATETIMEOFFSET ? 2 : 0);
        if (n != want) BADLEN(t->xtype == B2A_MT_DATETIME2 ? "datetime2" : "datetimeoffset");
        int64_t us = time_to_us(rd_uint(p, tb), t->scale);
        int64_t days = (int64_t)rd_uint(p + tb, 3) - DAYS_0001_TO_1970;
        /* datetimeoffset stores the UTC instant; the offset follows. */
        return o->i64(sink, days * US_PER_DAY + us);
    }
    case B2A_MT_UNIQUEIDENTIFIER: {
        if (n != 16) BADLEN("uniqueidentifier");
        char s[37];
        snprintf(s, sizeof s, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                 p[3], p[2], p[1], p[0], p[5], p[4], p[7], p[6], p[8], p[9], p[10], p[11], p[12],
                 p[13], p[14], p[15]);
        return o->string(sink, s, 36);
    }
    case B2A_MT_CHAR: case B2A_MT_VARCHAR: case B2A_MT_TEXT:
        if (checking)
            return B2A_OK;
        if (b2a__cp_to_utf8(t->codepage, p, n, sc) < 0)
            return B2A_ENOMEM;
        return o->string(sink, (const char *)sc->p, sc->n);
    case B2A_MT_NCHAR: case B2A_MT_NVARCHAR: case B2A_MT_NTEXT:
        if (checking)
            return B2A_OK;
        if (b2a__utf16le_to_utf8(p, n, sc) < 0)
            return B2A_ENOMEM;
        return o->string(sink, (const char *)sc->p, sc->n);
    case B2A_MT_BINARY: case B2A_MT_VARBINARY: case B2A_MT_IMAGE: case B2A_MT_TIMESTAMP:
        return o->bytes(sink, p, n);
    case B2A_MT_UDT: case B2A_MT_XML: {
        int rc;
        if (t->xtype == B2A_MT_XML)
            rc = b2a__binxml_text(p, n, sc, why, whylen);
        else if (t->codepage == B2A_MUDT_HIERARCHYID)
            rc = b2a__hierarchyid_text(p, n, sc, why, whylen);
        else if (t->codepage == B2A_MUDT_GEOMETRY || t->codepage == B2A_MUDT_GEOGRAPHY)
            rc = b2a__clrspatial_wkt(p, n, t->codepage == B2A_MUDT_GEOGRAPHY, sc, why, whylen);
        else
            return o->bytes(sink, p, n);
        if (rc < 0 || checking)
            return rc;
        return o->string(sink, sc->p ? (const char *)sc->p : "", sc->n);
    }
    case B2A_MT_SQL_VARIANT: {
        int rc = variant_text(p, n, sc, why, whylen);
        if (rc == -1) /* the text helpers' out of memory */
            return B2A_ENOMEM;
        if (rc < 0 || checking)
            return rc;
        return o->string(sink, sc->p ? (const char *)sc->p : "", sc->n);
    }
    default:
        return o->bytes(sink, p, n);
    }
}
