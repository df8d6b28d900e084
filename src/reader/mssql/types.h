/* SQL Server column types: the b2a_column they map to (avro-type-mapping.md
 * §4.2) and the exact decoding of a stored value into a b2a_sink. */
#ifndef B2A_READER_MSSQL_TYPES_H
#define B2A_READER_MSSQL_TYPES_H

#include <stddef.h>
#include <stdint.h>
#include "core/column.h"
#include "core/sink.h"
#include "reader/mssql/page.h"

/* System type ids (syscolpars.xtype). */
enum {
    B2A_MT_IMAGE = 34, B2A_MT_TEXT = 35, B2A_MT_UNIQUEIDENTIFIER = 36, B2A_MT_DATE = 40,
    B2A_MT_TIME = 41, B2A_MT_DATETIME2 = 42, B2A_MT_DATETIMEOFFSET = 43, B2A_MT_TINYINT = 48,
    B2A_MT_SMALLINT = 52, B2A_MT_INT = 56, B2A_MT_SMALLDATETIME = 58, B2A_MT_REAL = 59,
    B2A_MT_MONEY = 60, B2A_MT_DATETIME = 61, B2A_MT_FLOAT = 62, B2A_MT_SQL_VARIANT = 98,
    B2A_MT_NTEXT = 99, B2A_MT_BIT = 104, B2A_MT_DECIMAL = 106, B2A_MT_NUMERIC = 108,
    B2A_MT_SMALLMONEY = 122, B2A_MT_BIGINT = 127, B2A_MT_VARBINARY = 165, B2A_MT_VARCHAR = 167,
    B2A_MT_BINARY = 173, B2A_MT_CHAR = 175, B2A_MT_TIMESTAMP = 189, B2A_MT_NVARCHAR = 231,
    B2A_MT_NCHAR = 239, B2A_MT_UDT = 240, B2A_MT_XML = 241
};

/* A growable scratch buffer owned by a scan. */
typedef struct b2a_mbuf {
    uint8_t *p;
    size_t n, cap;
} b2a_mbuf;

int b2a__mbuf_reserve(b2a_mbuf *b, size_t cap);   /* 0 or -1 on OOM */
int b2a__mbuf_append(b2a_mbuf *b, const void *p, size_t n);
void b2a__mbuf_free(b2a_mbuf *b);

/* Which CLR type a B2A_MT_UDT column holds (in b2a_mtype.codepage). */
enum { B2A_MUDT_OTHER = 0, B2A_MUDT_HIERARCHYID = 1, B2A_MUDT_GEOMETRY = 2, B2A_MUDT_GEOGRAPHY = 3 };

/* What the decoder needs to know about one column. */
typedef struct b2a_mtype {
    uint8_t xtype;
    int16_t length;        /* syscolpars.length: bytes, -1 for (max) */
    uint8_t prec, scale;
    int codepage;          /* for char/varchar/text; 0 = UTF-8 collation. For a UDT:
                            * its B2A_MUDT_* kind, set by b2a__mtype_describe (no new
                            * field, so positional initialisers stay complete) */
} b2a_mtype;

/* Fill col->source_type, vtype, precision, scale and note for type t
 * (alias is the alias or CLR type's name or NULL), and record in
 * t->codepage which CLR type a UDT column is, so b2a__mtype_emit can decode it.
 * xml, hierarchyid, geometry and geography map to strings: the text the
 * server's CONVERT(nvarchar(max)), ToString() and STAsText() give, so the
 * container path and this reader agree. 0, -1 on OOM. */
int b2a__mtype_describe(b2a_mtype *t, const char *alias, b2a_column *col);

/* 1 when t is a LOB type stored off-row by a 16-byte text pointer. */
int b2a__mtype_is_textptr(uint8_t xtype);

/* The stored size of a type whose every value of that size is valid (the
 * integers, real, float and the money types), so checking a value of it
 * is checking its size; 0 for every other type. */
static inline size_t b2a__mtype_plain_size(uint8_t xtype)
{
    /* b2a__mtype_emit checks nothing but n == this size for these. */
    switch (xtype) {
    case B2A_MT_TINYINT: return 1;
    case B2A_MT_SMALLINT: return 2;
    case B2A_MT_INT: case B2A_MT_REAL: case B2A_MT_SMALLMONEY: return 4;
    case B2A_MT_BIGINT: case B2A_MT_FLOAT: case B2A_MT_MONEY: return 8;
    default: return 0;
    }
}

/* The types b2a__mtype_emit_plain hands over, numbered densely so a scan's
 * per-value switch is one jump: the integers, real and float. */
enum {
    B2A_PLAIN_NONE, B2A_PLAIN_TINYINT, B2A_PLAIN_SMALLINT, B2A_PLAIN_INT, B2A_PLAIN_BIGINT, B2A_PLAIN_REAL,
    B2A_PLAIN_FLOAT
};

/* xtype's B2A_PLAIN_* kind; B2A_PLAIN_NONE for every other type, money and
 * smallmoney included (they are decimals, through b2a__mtype_emit). */
static inline uint8_t b2a__mtype_plain_kind(uint8_t xtype)
{
    switch (xtype) {
    case B2A_MT_TINYINT: return B2A_PLAIN_TINYINT;
    case B2A_MT_SMALLINT: return B2A_PLAIN_SMALLINT;
    case B2A_MT_INT: return B2A_PLAIN_INT;
    case B2A_MT_BIGINT: return B2A_PLAIN_BIGINT;
    case B2A_MT_REAL: return B2A_PLAIN_REAL;
    case B2A_MT_FLOAT: return B2A_PLAIN_FLOAT;
    default: return B2A_PLAIN_NONE;
    }
}

/* A value of plain kind `kind` (of its type's b2a__mtype_plain_size) handed
 * to sink exactly as b2a__mtype_emit hands it, without its general path:
 * a scan's cheap case for fixed-length numbers. 1 (nothing emitted) for
 * B2A_PLAIN_NONE. */
static inline int b2a__mtype_emit_plain(uint8_t kind, const uint8_t *p, b2a_sink *sink)
{
    const b2a_sink_ops *o = sink->ops;
    switch (kind) {
    case B2A_PLAIN_TINYINT: return o->i32(sink, p[0]);
    case B2A_PLAIN_SMALLINT: return o->i32(sink, (int16_t)b2a__rd16(p));
    case B2A_PLAIN_INT: return o->i32(sink, (int32_t)b2a__rd32(p));
    case B2A_PLAIN_BIGINT: return o->i64(sink, (int64_t)b2a__rd64(p));
    case B2A_PLAIN_REAL: {
        uint32_t u = b2a__rd32(p);
        float f;
        memcpy(&f, &u, 4);
        return o->f32(sink, f);
    }
    case B2A_PLAIN_FLOAT: {
        uint64_t u = b2a__rd64(p);
        double d;
        memcpy(&d, &u, 8);
        return o->f64(sink, d);
    }
    default: return 1;
    }
}

/* The code page of a collation id (syscolpars.collationid); 1252 when
 * unknown. */
int b2a__collation_codepage(uint32_t collationid);

/* Decode n stored bytes of a column of type t and hand them to sink
 * (sink NULL: only check that the value is well-formed).
 * bitpos is used for bit columns only. Returns B2A_OK, B2A_EFORMAT (bad
 * length; msg written to why), B2A_EUNSUPPORTED, or a sink error. */
int b2a__mtype_emit(const b2a_mtype *t, const uint8_t *p, size_t n, unsigned bitpos,
                    b2a_sink *sink, b2a_mbuf *scratch, char *why, size_t whylen);

/* Text conversions to UTF-8, appended to out (invalid UTF-16 -> U+FFFD). */
int b2a__utf16le_to_utf8(const uint8_t *p, size_t n, b2a_mbuf *out);

/* The character at unit i of `units` UTF-16LE units at p into *c: a
 * surrogate pair whole, an unpaired surrogate as U+FFFD. Returns the units
 * it took (1 or 2). */
static inline size_t b2a__utf16_char(const uint8_t *p, size_t i, size_t units, uint32_t *c)
{
    uint32_t u = b2a__rd16(p + 2 * i);
    if (u >= 0xD800 && u < 0xDC00 && i + 1 < units) {
        uint32_t d = b2a__rd16(p + 2 * i + 2);
        if (d >= 0xDC00 && d < 0xE000) {
            *c = 0x10000 + ((u - 0xD800) << 10) + (d - 0xDC00);
            return 2;
        }
        u = 0xFFFD;
    } else if (u >= 0xD800 && u < 0xE000) {
        u = 0xFFFD;
    }
    *c = u;
    return 1;
}
int b2a__cp_to_utf8(int codepage, const uint8_t *p, size_t n, b2a_mbuf *out);

#endif
