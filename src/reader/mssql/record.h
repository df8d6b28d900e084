/* Uncompressed "FixedVar" records: status bytes, fixed part, null bitmap,
 * variable-column offsets. Parsing never reads past maxlen. */
#ifndef B2A_READER_MSSQL_RECORD_H
#define B2A_READER_MSSQL_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include "core/error.h"
#include "reader/mssql/page.h"

enum {
    B2A_REC_PRIMARY = 0, B2A_REC_FORWARDED = 1, B2A_REC_FORWARDING_STUB = 2,
    B2A_REC_INDEX = 3, B2A_REC_BLOB = 4, B2A_REC_GHOST_INDEX = 5,
    B2A_REC_GHOST_DATA = 6, B2A_REC_GHOST_VERSION = 7
};

typedef struct b2a_rec {
    const uint8_t *p;
    size_t len;              /* bytes readable from p (end of the last column when known) */
    uint8_t stat_a, stat_b;
    int type;                /* B2A_REC_* */
    uint16_t fixed_end;      /* offset of the column count */
    uint16_t ncols;          /* columns the record was written with */
    const uint8_t *nullbmp;  /* NULL when the record has no bitmap */
    uint16_t nvar;           /* variable columns present */
    const uint8_t *varend;   /* nvar u16 end offsets */
    size_t var_start;        /* offset of the first variable column's data */
} b2a_rec;

/* 0 on success, -1 when the record is malformed. Forwarding stubs and
 * ghosts parse only their status (type tells the caller to skip them). */
int b2a__rec_parse(b2a_rec *r, const uint8_t *p, size_t maxlen);

/* nullbit is sysrscols' 1-based null bit; columns past ncols read as NULL. */
int b2a__rec_is_null(const b2a_rec *r, unsigned nullbit);

/* Variable column idx (0-based ordinal). Returns 0 and its bytes, 1 when
 * the record holds fewer variable columns (a row from before an ALTER, or
 * a trailing empty one), -1 when the offsets are corrupt. *complex is set
 * when the high bit marks a LOB pointer, row-overflow or sparse vector. */
int b2a__rec_var(const b2a_rec *r, unsigned idx, const uint8_t **data, size_t *len, int *complex);

/* Fixed column at byte offset off of size n: pointer or NULL if outside. */
const uint8_t *b2a__rec_fixed(const b2a_rec *r, unsigned off, unsigned n);

/* --- rows of any format, per table column ---------------------------------
 * A row decoder turns the records of one table's pages into one located
 * value per def column, whatever the record format: FixedVar (with sparse
 * columns from the sparse vector), or CD for ROW and PAGE compression
 * (values rebuilt into the uncompressed bytes types.c decodes). One per
 * scan; not shared between threads. */
struct b2a_mtable;

typedef struct b2a_rcell {
    const uint8_t *p;      /* valid until the next row or page */
    size_t n;
    unsigned bitpos;       /* bit columns */
    int null;
    int complex;           /* a LOB or row-overflow pointer (lob.h resolves it) */
} b2a_rcell;

typedef struct b2a_rowdec b2a_rowdec;

/* Where a def column lives in a FixedVar record of the current partition,
 * worked out once per partition rather than once per row. */
enum { RCOL_NONE, RCOL_SPARSE, RCOL_FIXED, RCOL_VAR };
typedef struct b2a_rcol {
    uint8_t kind;              /* RCOL_*: NONE has no physical column (always NULL) */
    uint16_t nullbit;          /* 1-based; 0 when the column has none */
    uint16_t bitpos;
    uint16_t nbyte;            /* the null bit's byte in the bitmap */
    uint8_t nmask;             /* and its mask; 0 when the column has no null bit */
    unsigned off;              /* FIXED: byte offset; VAR: variable ordinal */
    unsigned size;             /* FIXED: stored size */
} b2a_rcol;

/* B2A_EUNSUPPORTED (table fails) for columnstore storage and sparse
 * column sets; B2A_ENOMEM. Starts on partition 0. */
int b2a__rowdec_open(const struct b2a_mtable *t, b2a_rowdec **out, b2a_err *err);
/* Switch to partition i of the table (its layout and compression). */
int b2a__rowdec_partition(b2a_rowdec *d, size_t i, b2a_err *err);
/* A data page of the current partition (read once per page: the PAGE
 * compression info). pg must stay valid while its rows are decoded. */
int b2a__rowdec_page(b2a_rowdec *d, const uint8_t *pg, b2a_pgid id, b2a_err *err);
/* The record in slot: 1 and *cells (one per def column) for a row, 0 for
 * a slot that holds no row (empty, ghost, forwarding stub), B2A_EFORMAT
 * naming table, page, slot (and column) when it is malformed. */
int b2a__rowdec_row(b2a_rowdec *d, unsigned slot, const b2a_rcell **cells, b2a_err *err);
/* The current partition's layout, one per def column (meaningful for
 * FixedVar records: *cmpr, its sysrowsets.cmprlevel, is 0), for the scan's
 * fast path (rowfast.h). */
const b2a_rcol *b2a__rowdec_layout(const b2a_rowdec *d, int *cmpr);
void b2a__rowdec_close(b2a_rowdec *d);

#endif
