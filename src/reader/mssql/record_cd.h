/* ROW- and PAGE-compressed ("CD") records: the column-descriptor array,
 * the short- and long-data regions, and the conversion of each stored
 * value back into the uncompressed bytes types.c decodes. Layout in
 * docs/mssql-bak-format.md §2.7 "Row/page compression"; what each fact
 * rests on is in doc/sqlserver-reader.md "Compressed and sparse records".
 * Nothing here was checked against a real compressed backup. */
#ifndef B2A_READER_MSSQL_RECORD_CD_H
#define B2A_READER_MSSQL_RECORD_CD_H

#include <stddef.h>
#include <stdint.h>
#include "reader/mssql/types.h"

/* 4-bit column descriptors; 2..9 are short values of 1..8 bytes. */
enum {
    B2A_CD_NULL = 0x0, B2A_CD_EMPTY = 0x1, B2A_CD_LONG = 0xA, B2A_CD_TRUE = 0xB, B2A_CD_SYMBOL = 0xC
};

/* Record types in header bits 2-4 (not the FixedVar numbering). */
enum {
    B2A_CDREC_PRIMARY = 0, B2A_CDREC_GHOST_EMPTY = 1, B2A_CDREC_FORWARDING = 2, B2A_CDREC_GHOST_DATA = 3,
    B2A_CDREC_FORWARDED = 4, B2A_CDREC_GHOST_FORWARDED = 5, B2A_CDREC_INDEX = 6, B2A_CDREC_GHOST_INDEX = 7
};

/* One column of a CD record as stored. */
typedef struct b2a_cdval {
    const uint8_t *p;      /* NULL for NULL, true-bit and empty values */
    uint16_t n;
    uint8_t cd;            /* B2A_CD_* or 2..9 */
    uint8_t complex;       /* long value flagged as a LOB / row-overflow pointer */
} b2a_cdval;

typedef struct b2a_cdrec {
    const uint8_t *p;
    size_t len;            /* bytes the record's regions occupy */
    uint8_t header;
    int type;              /* B2A_CDREC_* */
    unsigned ncols;        /* columns the record was written with */
} b2a_cdrec;

/* 1 when byte 0 of a record says it is a CD record. */
static inline int b2a__cdrec_is_cd(const uint8_t *p) { return p[0] & 1; }

/* Parse the record at p (maxlen readable bytes) and locate its values:
 * vals[i] for every i < min(ncols, nvals). Records that are not primary
 * or forwarded parse only their header (ncols 0). Returns 0, or -1 with
 * the reason in why when the record is malformed. */
int b2a__cdrec_parse(b2a_cdrec *r, const uint8_t *p, size_t maxlen, b2a_cdval *vals, size_t nvals,
                     char *why, size_t whylen);

/* The 1- or 2-byte length used for column counts and prefix lengths:
 * high bit set = two bytes, 15 bits big-endian. Returns bytes used, or 0
 * when n is too short. */
size_t b2a__cd_varlen(const uint8_t *p, size_t n, unsigned *value);

/* Turn a row-compressed value of type t (n bytes; n == 0 is the empty
 * descriptor) into the uncompressed stored bytes b2a__mtype_emit takes,
 * in out (cleared first). Bit columns are handled by the caller. 0, -1
 * malformed (why), B2A_ENOMEM. */
int b2a__cd_uncompress(const b2a_mtype *t, const uint8_t *v, size_t n, b2a_mbuf *out, char *why, size_t whylen);

/* SQL Server's Unicode compression (SCSU, Unicode TR #6) to UTF-16LE,
 * appended to out. 0, -1 malformed (why), B2A_ENOMEM. */
int b2a__scsu_to_utf16le(const uint8_t *p, size_t n, b2a_mbuf *out, char *why, size_t whylen);

#endif
