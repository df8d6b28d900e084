/* A FixedVar table built by hand, for the row decoder's tests and fuzz
 * targets that make their own pages: one rowset, column i with colid and
 * null bit i+1, code page 1252, every column nullable. */
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
    int16_t leaf;          /* > 0 fixed offset, < 0 variable ordinal -leaf-1, 0 no physical column */
    uint16_t bitpos;       /* bit columns: the bit within the byte at leaf */
    const char *name;      /* NULL: "c" */
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

/* n <= HM_MAX_COLS. 0, or -1 where a column's type cannot be described
 * (what it allocated is freed by hm_table_free all the same). */
int hm_table_make(hm_table *T, const hm_col *c, size_t n);
void hm_table_free(hm_table *T);

#endif
