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

/* What an install script's DDL says of each table: its columns' NULL /
 * NOT NULL and its PRIMARY KEY (from CREATE TABLE, or from a later ALTER
 * TABLE ... ADD CONSTRAINT ... PRIMARY KEY). */
typedef struct truth_table {
    char *name;        /* last name component, unquoted */
    char *schema;      /* the component before it, or NULL */
    size_t ncols;
    char **cols;
    int *not_null;     /* per column */
    size_t npk;
    char **pk;         /* key order */
} truth_table;

typedef struct truth_ddl {
    size_t ntables;
    truth_table *tables;
} truth_ddl;

int truth_load_ddl(const char *path, truth_ddl *d);
/* The table of that name; its schema must match where the script names one. */
const truth_table *truth_ddl_table(const truth_ddl *d, const char *schema, const char *name);
void truth_ddl_free(truth_ddl *d);

#endif
