/* Avro/BigQuery-safe names: one deterministic mapping from a database's
 * own names (UTF-8) to [A-Za-z_][A-Za-z0-9_]{0,299}, used for record
 * names, namespaces, field names and output file paths. */
#ifndef B2A_AVRO_NAMES_H
#define B2A_AVRO_NAMES_H

#include <stddef.h>

#define B2A_AVRO_NAME_MAX 300

/* Sanitize one name: strip Latin diacritics (ß -> ss), other code points
 * and characters outside [A-Za-z0-9_] become '_' (a run becomes one),
 * '_' before a leading digit, "c_" before a BigQuery reserved prefix,
 * at most 300 characters, "" -> "_". Returns malloc'd text, NULL on OOM. */
char *b2a__avro_name(const char *utf8);

/* 1 when s (ASCII, NUL-terminated) is already a name b2a__avro_name keeps as is. */
int b2a__avro_name_is_valid(const char *s);

/* A set of names unique case-insensitively (one record's fields, one
 * folder's files). add() sanitizes, then appends _2, _3... on a clash. */
typedef struct b2a_avro_names b2a_avro_names;

b2a_avro_names *b2a__avro_names_new(void);
/* The unique name for utf8, owned by the set (valid until it is freed);
 * NULL on OOM. Deterministic for the same sequence of calls. */
const char *b2a__avro_names_add(b2a_avro_names *set, const char *utf8);
size_t b2a__avro_names_count(const b2a_avro_names *set);
const char *b2a__avro_names_get(const b2a_avro_names *set, size_t i);
void b2a__avro_names_free(b2a_avro_names *set);

#endif
