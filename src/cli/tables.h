/* The tables of a described database, as `restore` prints them. */
#ifndef B2A_CLI_TABLES_H
#define B2A_CLI_TABLES_H

#include <stdio.h>

/* From b2a_source_json(): one line per table ("schema.table  rows"), or
 * with json the "tables" array as one line of JSON (no newline). -1 when
 * the document holds no tables array. */
int cli_print_tables(FILE *f, const char *source_json, int json);

#endif
