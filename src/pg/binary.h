/* PostgreSQL's binary COPY format, pure decoding (no libpq): the stream's
 * framing and the send formats of the types the COPY source reads.
 * Everything on the wire is big-endian. */
#ifndef B2A_PG_BINARY_H
#define B2A_PG_BINARY_H

#include <stddef.h>
#include <stdint.h>

#include "avro/decimal.h"
#include "core/error.h"

static inline uint16_t b2a__pg_be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t b2a__pg_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint64_t b2a__pg_be64(const uint8_t *p)
{
    return (uint64_t)b2a__pg_be32(p) << 32 | b2a__pg_be32(p + 4);
}

/* "PGCOPY\n\377\r\n\0", then int32 flags and an int32 extension length. */
#define B2A_PG_COPY_SIGNATURE "PGCOPY\n\377\r\n"
#define B2A_PG_COPY_SIGNATURE_LEN 11

/* The stream's header at p (n bytes): its length (signature, flags,
 * extension) into *len. B2A_EFORMAT when it is not a binary COPY header
 * or when flags ask for something this decoder does not know (OIDs). */
int b2a__pg_copy_header(const uint8_t *p, size_t n, size_t *len, b2a_err *err);

/* Dates are days and timestamps microseconds since 2000-01-01; the
 * extremes of their range mean -infinity and infinity. */
#define B2A_PG_EPOCH_DAYS 10957                   /* 2000-01-01 in days since 1970-01-01 */
#define B2A_PG_EPOCH_MICROS INT64_C(946684800000000)
#define B2A_PG_DATE_NOBEGIN INT32_MIN
#define B2A_PG_DATE_NOEND INT32_MAX
#define B2A_PG_TS_NOBEGIN INT64_MIN
#define B2A_PG_TS_NOEND INT64_MAX
/* 0001-01-01, the first day Avro's proleptic calendar and the ODBC path
 * agree on: earlier (BC) values are written as NULL, like infinities. */
#define B2A_PG_FIRST_AD_DAY (-730119)             /* in days since 2000-01-01 */
#define B2A_PG_FIRST_AD_MICROS (INT64_C(-730119) * 86400 * 1000000)
/* 10000-01-01: later values are written as NULL too (the ODBC path's
 * driver cannot read them, and no Avro consumer takes them). */
#define B2A_PG_AFTER_9999_DAY 2921940
#define B2A_PG_AFTER_9999_MICROS (INT64_C(2921940) * 86400 * 1000000)

/* numeric's send format: int16 ndigits, int16 weight, uint16 sign,
 * int16 dscale, then ndigits base-10000 digits. */
#define B2A_PG_NUMERIC_POS 0x0000
#define B2A_PG_NUMERIC_NEG 0x4000
#define B2A_PG_NUMERIC_NAN 0xC000
#define B2A_PG_NUMERIC_PINF 0xD000
#define B2A_PG_NUMERIC_NINF 0xF000

/* A numeric value as the server's own text output ("-12.50", "NaN",
 * "Infinity"): dscale fractional digits. For messages and the exact error
 * path. Writes at most cap bytes including the NUL; B2A_EFORMAT on a
 * malformed value. */
int b2a__pg_numeric_text(const uint8_t *p, size_t n, char *buf, size_t cap, b2a_err *err);

/* A numeric value as an Avro decimal of (precision, scale): minimal
 * big-endian two's complement of the unscaled value. Exact only, with
 * the same refusals and messages as b2a__decimal_from_text (a non-zero
 * digit beyond scale, too many digits, NaN, infinities). */
int b2a__pg_numeric_decimal(const uint8_t *p, size_t n, int precision, int scale,
                            uint8_t out[B2A_DECIMAL_MAX_BYTES], size_t *outlen, b2a_err *err);

/* 16 uuid bytes as canonical lower-case text (36 characters, no NUL). */
void b2a__pg_uuid_text(const uint8_t *p, char out[36]);

#endif
