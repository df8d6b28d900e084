/* A row sink for tests: renders each row as one line of text, values
 * separated by TS_SEP (0x1F), so expected values can be written as they appear in
 * the truth scripts. NULL -> "NULL", booleans 0/1, decimals with their
 * scale ("18.0000"), dates "YYYY-MM-DD", timestamps "YYYY-MM-DD HH:MM:SS.ffffff",
 * times "HH:MM:SS.ffffff", bytes "0x" + upper-case hex. */
#ifndef B2A_TESTS_TEXT_SINK_H
#define B2A_TESTS_TEXT_SINK_H

#include <stddef.h>
#include "core/column.h"
#include "core/sink.h"

#define TS_SEP 0x1F
#define TS_SEP_STR "\x1f"

typedef struct text_sink {
    b2a_sink base;
    const b2a_table_def *def;
    size_t col;            /* next column of the current row */
    char *line;            /* current row */
    size_t len, cap;
    char **rows;           /* finished rows */
    size_t nrows, rows_cap;
    int errors;            /* calls that did not match the column's type */
} text_sink;

void text_sink_init(text_sink *s, const b2a_table_def *def);
void text_sink_free(text_sink *s);

#endif
