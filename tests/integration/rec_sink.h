/* Test helper: a row sink recording every call exactly, one tagged token
 * per value (floats as their bits, decimals as their bytes), values
 * separated by 0x1f and rows ending in '\n', so two row sources can be
 * compared call for call (test_pg_copy.c, test_mysql_fetch.c). */
#ifndef B2A_TEST_REC_SINK_H
#define B2A_TEST_REC_SINK_H

#include <stddef.h>

#include "core/column.h"
#include "core/sink.h"

typedef struct rec_sink {
    b2a_sink base;
    const b2a_table_def *t;
    size_t col;
    char *buf;
    size_t len, cap;
    size_t *row_end;      /* offset after each row */
    size_t rows, rows_cap;
    size_t nonnull[B2A_V_JSON + 1]; /* non-NULL values seen per vtype */
} rec_sink;

void rec_init(rec_sink *s, const b2a_table_def *t);
void rec_free(rec_sink *s);
/* Row i of s as text (for messages). */
const char *rec_row(const rec_sink *s, size_t i, size_t *n);

typedef struct row_ref {
    const char *p;
    size_t n;
} row_ref;

int row_cmp(const void *x, const void *y);
/* The rows of s sorted (free() the array). */
row_ref *sorted_rows(const rec_sink *s);

/* a and b (paths named how_a, how_b) recorded the same rows, as sorted
 * multisets (a path may read in another order); fails naming the first
 * difference. */
void assert_same_rows(const rec_sink *a, const char *how_a, const rec_sink *b, const char *how_b);

/* Rows first.. of s, given for the listed columns only (cols NULL-ended),
 * their tokens joined by spaces, equal want (NULL-ended). */
void assert_rows_are(const rec_sink *s, size_t first, const char *const *cols, const char *const *want);

#endif
