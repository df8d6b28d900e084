/* Expected values from the vendors' install scripts (samples/truth): the
 * INSERT ... VALUES statements, parsed into rows of literal tokens. */
#ifndef B2A_TESTS_TRUTH_H
#define B2A_TESTS_TRUTH_H

#include <stddef.h>
#include "core/column.h"

enum { TV_NULL, TV_STR, TV_NUM, TV_HEX };

typedef struct truth_val {
    int kind;
    char *text;        /* string content (quotes removed), number or 0x hex */
} truth_val;

typedef struct truth_row {
    char *table;       /* last name component, unquoted: "Order Details" */
    char *schema;      /* "Sales" or NULL */
    size_t ncols;      /* 0 when the INSERT had no column list */
    char **cols;
    size_t nvals;
    truth_val *vals;
} truth_row;

typedef struct truth {
    size_t nrows;
    truth_row *rows;
} truth;

/* Load a script (UTF-16LE with BOM or UTF-8). 0 or -1. */
int truth_load(const char *path, truth *t);
void truth_free(truth *t);

/* Compare a table's decoded rows (text_sink lines) with the truth rows of
 * the same name, as multisets of canonical rows. Values are normalised per
 * column type (numbers, decimals, dates, char padding). Reports the counts
 * of truth rows not found and decoded rows not in the truth; prints up to
 * `show` examples of each to stderr. Returns the number of truth rows. */
size_t truth_compare(const truth *t, const b2a_table_def *def, char **rows, size_t nrows,
                     size_t *missing, size_t *extra, int show);

#endif
