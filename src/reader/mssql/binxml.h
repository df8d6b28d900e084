/* SQL Server's binary XML ([MS-BINXML]), the stored form of xml values, as
 * the text CONVERT(nvarchar(max), col) gives. */
#ifndef B2A_READER_MSSQL_BINXML_H
#define B2A_READER_MSSQL_BINXML_H

#include <stddef.h>
#include <stdint.h>
#include "reader/mssql/types.h"

/* Elements deeper than this are refused (SQL Server itself stops at 128). */
#define B2A_BINXML_MAX_DEPTH 256

/* Append the XML text (UTF-8) of the n stored bytes at p to out. B2A_OK,
 * B2A_EFORMAT (malformed or truncated; reason with its byte offset written
 * to why), B2A_EUNSUPPORTED (a token this decoder does not render, named in
 * why) or B2A_ENOMEM. */
int b2a__binxml_text(const uint8_t *p, size_t n, b2a_mbuf *out, char *why, size_t whylen);

#endif
