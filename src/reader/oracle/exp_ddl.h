/* The text statements of an exp file that describe a table: CREATE TABLE
 * (column names, declared types, NOT NULL) and the INSERT that precedes a
 * table's rows (the columns the rows hold, in order). Parsed as exp writes
 * them: upper-case keywords, double-quoted identifiers. */
#ifndef B2A_READER_ORACLE_EXP_DDL_H
#define B2A_READER_ORACLE_EXP_DDL_H

#include <stddef.h>

#include "core/column.h"

typedef struct b2a_exp_ddl_col {
    char *name;
    char *type;       /* as declared: "NUMBER(22, 0)", "TIMESTAMP (6) WITH TIME ZONE", "\"MDSYS\".\"SDO_GEOMETRY\"" */
    int not_null;
} b2a_exp_ddl_col;

typedef struct b2a_exp_ddl {
    char *name;       /* the table */
    b2a_exp_ddl_col *cols;
    size_t ncols;
} b2a_exp_ddl;

/* One identifier at *p ("quoted" or bare), *p advanced past it. NULL when
 * there is none; the result is malloc'd. */
char *b2a__exp_ident(const char **p);

/* Parse "CREATE TABLE "T" (...) ...". 0 on success, -1 when the text is not
 * a CREATE TABLE with a column list, -2 on OOM, -3 when the column list is
 * cut off (exp stops at a type it cannot write, such as 23ai's JSON): out
 * then holds the columns so far, the last one with an empty type. */
int b2a__exp_parse_create(const char *text, b2a_exp_ddl *out);

/* Parse "INSERT INTO "T" ("A", "B") VALUES (:1, :2)": the table name and
 * the column names. 0, -1 (not such an INSERT) or -2 (OOM). */
int b2a__exp_parse_insert(const char *text, char **table, char ***cols, size_t *ncols);

/* NUMBER(p,s) / NUMBER(*,s) / NUMBER(p) / NUMBER / FLOAT(b) / INTEGER:
 * 1 with *precision (0 when not declared or '*') and *scale (0 when not
 * declared; *has_scale says whether it was), 0 for other types. */
int b2a__exp_number_type(const char *type, int *precision, int *scale, int *has_scale);

void b2a__exp_ddl_clear(b2a_exp_ddl *d);

/* Type a NUMBER/FLOAT column by doc/oracle-reader.md's rule, for the exp and
 * Data Pump readers alike: from its declared precision and scale, else (an
 * unbounded one) from the profile of the values seen: most integer and
 * fractional digits, and whether an infinity occurred. */
void b2a__ora_number_column(b2a_column *c, int max_int, int max_frac, int special);

#endif
