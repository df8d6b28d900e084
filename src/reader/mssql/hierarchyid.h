/* hierarchyid values ([MS-SSCLRT] §2.4) as the text ToString() gives. */
#ifndef B2A_READER_MSSQL_HIERARCHYID_H
#define B2A_READER_MSSQL_HIERARCHYID_H

#include <stddef.h>
#include <stdint.h>
#include "reader/mssql/types.h"

/* Append the path text of the n stored bytes at p to out: "/" for the root
 * (no bytes), "/1/3/", "/1/-2.18/". B2A_OK, B2A_EFORMAT (reason written to
 * why) or B2A_ENOMEM. */
int b2a__hierarchyid_text(const uint8_t *p, size_t n, b2a_mbuf *out, char *why, size_t whylen);

#endif
