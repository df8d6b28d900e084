/* A table built by hand, for the row decoder's tests and fuzz targets that
 * make their own pages: one rowset, column i with colid and null bit i+1,
 * code page 1252, every column nullable. */
#ifndef B2A_TESTS_HANDMADE_TABLE_H
#define B2A_TESTS_HANDMADE_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "reader/mssql/catalog.h"

enum { HM_MAX_COLS = 64 };

typedef struct hm_col {
    uint8_t xtype;
    int16_t length;
    uint8_t prec, scale;
    int16_t leaf;          /* > 0 fixed offset, < 0 variable ordinal -leaf-1, 0 none (FixedVar: no physical column) */
    uint16_t bitpos;       /* bit columns: the bit within the byte at leaf */
    const char *name;      /* NULL: "c" */
    uint8_t sparse;        /* a sparse column: flagged so, no physical column */
} hm_col;

typedef struct hm_table {
    b2a_mtable t;
    b2a_mrowset rs;
    b2a_mphys ph[HM_MAX_COLS];
    b2a_mtype ty[HM_MAX_COLS];
    uint16_t colids[HM_MAX_COLS];
    uint8_t flags[HM_MAX_COLS];
    b2a_column cols[HM_MAX_COLS];
} hm_table;

/* A FixedVar table: a column is stored where its leaf is not 0.
 * n <= HM_MAX_COLS. 0, or -1 where a column's type cannot be described
 * (what it allocated is freed by hm_table_free all the same). */
int hm_table_make(hm_table *T, const hm_col *c, size_t n);

/* The same at compression level cmprlevel (0 none, 1 ROW, 2 PAGE). A
 * compressed record finds a column by its null bit, not its leaf, so there
 * every column but the sparse ones is stored, whatever its leaf. */
int hm_table_make_cmpr(hm_table *T, const hm_col *c, size_t n, int cmprlevel);
void hm_table_free(hm_table *T);

#endif
