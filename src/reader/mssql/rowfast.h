/* A scan's fast path for the common row: a primary FixedVar record holding
 * every column (none added after it was written, no off-row value), whose
 * rows are located, checked and handed to the sink in one loop over a
 * page's slots, without the row decoder's cells and the scan's two passes
 * over them.
 *
 * It checks a row as the general path does (record.c's row decoder, then
 * bak.c's pass 1: every value checked before the sink sees any of the row)
 * and makes the same sink calls through the same decoders (types.h). A row
 * it does not take, or finds anything wrong with, is left to the general
 * path, which decides what it is and reports it: so the fast path never
 * changes a value or a message, it only skips work on rows that need none. */
#ifndef B2A_READER_MSSQL_ROWFAST_H
#define B2A_READER_MSSQL_ROWFAST_H

#include <stddef.h>
#include <stdint.h>
#include "core/sink.h"
#include "reader/mssql/catalog.h"
#include "reader/mssql/record.h"
#include "reader/mssql/types.h"

/* How a column's value reaches the sink. */
enum {
    B2A_FAST_NULL,     /* no physical column: always NULL */
    B2A_FAST_PLAIN,    /* a fixed-size number: b2a__mtype_emit_plain */
    B2A_FAST_VALUE,    /* b2a__mtype_emit, whose check cannot fail at this size */
    B2A_FAST_CHECKED   /* b2a__mtype_emit, checked first (a failed check: general path) */
};

typedef struct b2a_fcol {
    const b2a_mtype *type;
    uint8_t emit;       /* B2A_FAST_* */
    uint8_t plain;      /* B2A_FAST_PLAIN: its b2a__mtype_plain_kind */
    uint8_t var;        /* a variable column: off is its ordinal */
    uint8_t nmask;      /* the null bit's mask (0: none) and byte */
    uint16_t nbyte;
    uint16_t bitpos;
    unsigned off, size; /* fixed: byte offset and stored size */
} b2a_fcol;

typedef struct b2a_rowfast {
    int on;                 /* the current partition's rows can take the fast path */
    int prepass;            /* some column is variable or checked: located and checked first */
    unsigned need_ncols;    /* a row must hold this many columns (the largest null bit) */
    unsigned need_fixed;    /* and its fixed part reach the end of the last fixed column */
    size_t ncols;
    b2a_fcol *cols;         /* per def column */
    const uint8_t **vp;     /* per def column: a variable value located by the prepass */
    size_t *vn;
} b2a_rowfast;

/* For a table of ncols columns. 0, or -1 when out of memory. */
int b2a__rowfast_init(b2a_rowfast *f, size_t ncols);
void b2a__rowfast_free(b2a_rowfast *f);

/* Work out the current partition of d (table t): f->on says whether its
 * rows can take the fast path (FixedVar records, no sparse or text-pointer
 * column). */
void b2a__rowfast_partition(b2a_rowfast *f, const b2a_mtable *t, const b2a_rowdec *d);

/* Rows of page pg from *slot on, each handed to sink, until max_rows rows
 * were (*rows says how many), the page ends (returns 0) or a slot needs the
 * general path (returns 1, *slot at it). Empty slots are skipped. A sink
 * failure returns its code with *fail_col the column (t->def.ncolumns for
 * end_row) and why what the decoder said, *slot at the row. */
int b2a__rowfast_rows(b2a_rowfast *f, const uint8_t *pg, unsigned *slot, size_t max_rows, b2a_sink *sink,
                      b2a_mbuf *scratch, size_t *rows, size_t *fail_col, char *why, size_t whylen);

#endif
