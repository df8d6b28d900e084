/* Single-byte Windows code pages used by SQL Server collations. */
#ifndef B2A_READER_MSSQL_CODEPAGES_H
#define B2A_READER_MSSQL_CODEPAGES_H

#include <stddef.h>
#include <stdint.h>

/* The 128 code points of bytes 0x80-0xFF for code page cp (874, 1250-1258),
 * or NULL when this build has no table for it. Bytes below 0x80 are ASCII. */
const uint16_t *b2a__codepage_high(int cp);

#endif
