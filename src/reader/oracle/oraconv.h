/* One row of an Oracle dump into Avro values, for both Oracle readers
 * (classic exp and Data Pump store values in the same internal encodings):
 * every cell of the row is decoded and checked before any reaches the sink,
 * so a bad value fails its table without a half-written row. Character
 * data is converted to UTF-8 from the column's own character set, and the
 * bytes that had no character there (each written as U+FFFD) are counted
 * for the Job. */
#ifndef B2A_READER_ORACLE_ORACONV_H
#define B2A_READER_ORACLE_ORACONV_H

#include <stddef.h>
#include <stdint.h>
#include "core/column.h"
#include "core/error.h"
#include "core/sink.h"
#include "reader/oracle/oracharset.h"

/* Oracle's internal type numbers (exp's column descriptors, Data Pump's TYPE_NUM). */
enum {
    B2A_ORAT_VARCHAR2 = 1, B2A_ORAT_NUMBER = 2, B2A_ORAT_LONG = 8, B2A_ORAT_DATE = 12, B2A_ORAT_RAW = 23,
    B2A_ORAT_LONG_RAW = 24, B2A_ORAT_OPAQUE = 58, B2A_ORAT_ROWID = 69, B2A_ORAT_CHAR = 96,
    B2A_ORAT_BFLOAT = 100, B2A_ORAT_BDOUBLE = 101, B2A_ORAT_CLOB = 112, B2A_ORAT_BLOB = 113,
    B2A_ORAT_BFILE = 114, B2A_ORAT_JSON = 119, B2A_ORAT_OBJECT = 121, B2A_ORAT_NESTED = 122, B2A_ORAT_VARRAY = 123,
    B2A_ORAT_TIMESTAMP = 180, B2A_ORAT_TSTZ = 181, B2A_ORAT_IYM = 182, B2A_ORAT_IDS = 183,
    B2A_ORAT_UROWID = 208, B2A_ORAT_TSLTZ = 231
};

/* 1 for the types whose bytes are text in a character set. */
int b2a__orat_has_charset(int type);

/* One cell of a row: its bytes at data[off, off + len), or NULL. */
typedef struct b2a_oracell {
    size_t off, len;
    int null;
} b2a_oracell;

typedef struct b2a_oraval b2a_oraval;

/* A converter for the rows of one table; one scan owns it. */
typedef struct b2a_oraconv {
    const char *path;           /* for messages */
    const b2a_table_def *def;   /* the row's columns in row order, then the zone fields */
    size_t nrow;                /* columns in the rows */
    int dbtz_minutes;           /* the database time zone (TIMESTAMP WITH LOCAL TIME ZONE) */
    int *types;                 /* per column: Oracle's type number */
    b2a_oracs **cs;             /* per character column: its converter */
    b2a_oraval *vals;           /* the current row's values */
    char *out;                  /* their converted text and decimals */
    size_t outcap, outlen;
    uint64_t replaced;          /* bytes written as U+FFFD so far */
} b2a_oraconv;

/* The table as written: the row's columns, then one nullable string field
 * "<name>__tz" per TIMESTAMP WITH TIME ZONE column (types[i], in row order)
 * holding the zone the dump stored with the value (avro-type-mapping.md:
 * the value is the UTC instant; the zone is kept beside it). *out is a deep
 * copy; 0, or -1 on OOM. */
int b2a__oraconv_zone_def(const b2a_table_def *rowdef, const int *types, b2a_table_def *out);

/* For def's first nrow columns (the rest: zone fields, see above), every
 * one of type VARCHAR2 until set. */
int b2a__oraconv_init(b2a_oraconv *cv, const char *path, const b2a_table_def *def, size_t nrow, int dbtz_minutes,
                      b2a_err *err);

/* Column i holds Oracle type `type`, its text (if any) in character set
 * charset. B2A_EUNSUPPORTED, naming the column, for a set not converted. */
int b2a__oraconv_set_column(b2a_oraconv *cv, size_t i, int type, int charset, b2a_err *err);

void b2a__oraconv_free(b2a_oraconv *cv);

/* Decode row number `row` (1-based, for messages): cells[i] for column i
 * in data. Nothing reaches a sink yet. */
int b2a__oraconv_row(b2a_oraconv *cv, const uint8_t *data, const b2a_oracell *cells, int64_t row, b2a_err *err);

/* Write the decoded row (the same data) to the sink, end_row included. */
int b2a__oraconv_emit(const b2a_oraconv *cv, const uint8_t *data, b2a_sink *sink);

#endif
