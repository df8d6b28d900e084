/* The tables and columns a MySQL/MariaDB script declares, read from its
 * CREATE TABLE statements, including what sits inside version comments.
 * (Written here as {!50705 ...}: a C comment opened with '!' and a version.
 * Its text runs only on servers that take that version: MariaDB skips
 * {!50700} to {!99999}, and MySQL skips MariaDB's {M!...}.)
 * After a restore, this is what the server should have created.
 *
 * The bytes are untrusted: every length is bounded, nothing is assumed
 * about where statements or lines end. b2a__mysql_ddl_parse is the entry
 * point for a fuzz target. */
#ifndef B2A_DETECT_MYSQLDDL_H
#define B2A_DETECT_MYSQLDDL_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* Where a name was declared: plain text, or inside an executable comment. */
typedef struct b2a_mysql_cond {
    uint32_t version;   /* {!50705}: 50705 (MySQL 5.7.5); 0: plain text, or {!...} without a number */
    int mariadb_only;   /* {M!...}: only MariaDB runs it */
} b2a_mysql_cond;

typedef struct b2a_mysql_decl_column {
    char *name;
    b2a_mysql_cond cond;
} b2a_mysql_decl_column;

typedef struct b2a_mysql_decl_table {
    char *schema;        /* from db.t or the last USE; NULL: the connection's database */
    char *name;
    b2a_mysql_cond cond; /* of the CREATE TABLE statement itself */
    int columns_known;   /* 0: CREATE ... LIKE / ... SELECT, or ALTERed later: check the table only */
    uint32_t file;       /* which of the files read declares it (0 for b2a__mysql_ddl_parse) */
    uint64_t line;       /* line of that file where its CREATE TABLE starts */
    size_t ncolumns;
    b2a_mysql_decl_column *columns;
} b2a_mysql_decl_table;

typedef struct b2a_mysql_decl {
    size_t ntables;
    b2a_mysql_decl_table *tables;
} b2a_mysql_decl;

/* Parse a whole script held in memory. B2A_OK or B2A_ENOMEM; *out is
 * filled either way (free with b2a__mysql_decl_free). */
int b2a__mysql_ddl_parse(const char *buf, size_t len, b2a_mysql_decl *out);

/* The same over files, plain or gzip'd, streamed, in the order a restore
 * runs them (each its own session: delimiter and USE start afresh; a later
 * file may drop or re-create an earlier one's table). On error *out is empty. */
int b2a__mysql_ddl_read(const char *const *paths, size_t npaths, b2a_mysql_decl *out,
                        b2a_err *err);

/* The same, also checking that each file ends with its tool's closing line
 * (b2a__dump_check_end; ds[i] is file i's detection) in the same pass, so
 * a gzip'd dump is inflated once for both. B2A_EFORMAT naming a file cut
 * short. */
struct b2a_detected;
int b2a__mysql_ddl_read_checked(const char *const *paths, const struct b2a_detected *ds, size_t npaths,
                                b2a_mysql_decl *out, b2a_err *err);

void b2a__mysql_decl_free(b2a_mysql_decl *d);

#endif
