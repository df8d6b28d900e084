/* OSON, Oracle's binary JSON (the JSON type of 21c and later), into JSON
 * text. Format facts learnt from python-oracledb's open decoder
 * (src/oracledb/impl/base/oson.pyx); doc/oracle-reader.md lists them.
 * Scalars are written as JSON_SERIALIZE writes them: NUMBERs exact, from
 * Oracle's own NUMBER bytes; dates and timestamps as ISO 8601 strings;
 * binary values and ids as upper-case hex strings (RAWTOHEX's form).
 * Every offset, length and count is checked against the image: bytes that
 * are not OSON give -1 and a reason, never a read outside them. */
#ifndef B2A_READER_ORACLE_OSON_H
#define B2A_READER_ORACLE_OSON_H

#include <stddef.h>
#include <stdint.h>

/* Containers nested deeper than this are refused (the decoder recurses). */
#define B2A_OSON_MAX_DEPTH 1000

/* The JSON text of an image of n bytes is at most this many times n (and
 * 4 KiB): beyond it the image is refused. Each node is written once; only
 * field names, written once per object member, come near it. */
#define B2A_OSON_TEXT_PER_BYTE 64
#define B2A_OSON_TEXT_PER_BYTE_TEXT "64"

/* Append the JSON text of the OSON image p[0, n) to *out (length *len,
 * capacity *cap, grown with realloc as b2a__oracs_to_utf8 does). Returns 0;
 * -1 with why (static text) for an image that is not OSON this decoder
 * reads, *len then left as it was; -2 when out of memory. */
int b2a__oson_to_json(const uint8_t *p, size_t n, char **out, size_t *cap, size_t *len, const char **why);

#endif
