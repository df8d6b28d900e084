/* The database a plain SQL dump's rows go into, from the script itself
 * (PostgreSQL: \connect / CREATE DATABASE; MySQL and MariaDB: USE / CREATE
 * DATABASE / the mysqldump header), for the Job's "database" when no archive
 * header names it. */
#ifndef B2A_DETECT_DUMPDB_H
#define B2A_DETECT_DUMPDB_H

#include <stddef.h>

#include "core/error.h"
#include "detect/detect.h"

/* out gets the name, or "" for a format without one or a script that does
 * not say. Reads up to the first rows of data only. */
int b2a__dump_database_name(const char *path, b2a_format_id format, char *out, size_t n, b2a_err *err);

#endif
