/* geography and geometry values ([MS-SSCLRT] §2.1) as the WKT text
 * STAsText() gives. */
#ifndef B2A_READER_MSSQL_CLRSPATIAL_H
#define B2A_READER_MSSQL_CLRSPATIAL_H

#include <stddef.h>
#include <stdint.h>
#include "reader/mssql/types.h"

/* Append the WKT of the n stored bytes at p to out. geography != 0 for a
 * geography value (its points are stored latitude first; WKT prints
 * longitude first). Z and M values are read but not printed, as
 * STAsText() leaves them out. B2A_OK, B2A_EFORMAT, B2A_EUNSUPPORTED
 * (compound curves, curve polygons; reason written to why) or B2A_ENOMEM. */
int b2a__clrspatial_wkt(const uint8_t *p, size_t n, int geography, b2a_mbuf *out, char *why, size_t whylen);

/* One coordinate as STAsText() prints it (.NET's round-trip "R" format:
 * 15 significant digits when they read back exactly, else 17). buf holds
 * at least 32 bytes; returns the length. */
int b2a__clrspatial_number(double v, char *buf, size_t cap);

#endif
