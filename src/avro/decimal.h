/* Avro decimals: the unscaled value as minimal big-endian two's complement
 * (the spec's bytes encoding). Exact only: never rounds. */
#ifndef B2A_AVRO_DECIMAL_H
#define B2A_AVRO_DECIMAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* Largest precision we encode: 10^76 < 2^253 fits 32 bytes with its sign. */
#define B2A_DECIMAL_MAX_PRECISION 76
#define B2A_DECIMAL_MAX_BYTES 32

/* Text such as "-12.50", "+3", ".5", "7." (surrounding blanks allowed) to
 * the unscaled value for (precision, scale). Fails with B2A_EFORMAT, never
 * rounds: when a fractional digit beyond scale is not zero, when the value
 * needs more than precision digits, or for exponents, NaN, Infinity and
 * any other text. */
int b2a__decimal_from_text(const char *text, size_t len, int precision, int scale,
                           uint8_t out[B2A_DECIMAL_MAX_BYTES], size_t *outlen, b2a_err *err);

/* Decimal text of at most 18 digits straight to a 64-bit unscaled value:
 * the common case, several times cheaper than b2a__decimal_from_text.
 * Returns 1 and the value when it applies; 0 when it does not (wider
 * values, more fractional digits than scale, blanks or other odd text),
 * and the caller then uses b2a__decimal_from_text, which also produces
 * the error messages. */
int b2a__decimal_from_short_text(const char *p, size_t n, int precision, int scale,
                                 uint8_t out[B2A_DECIMAL_MAX_BYTES], size_t *outlen);

/* Sign + little-endian magnitude (SQL Server's numeric layout) to minimal
 * big-endian two's complement. B2A_EINVAL when it does not fit 32 bytes. */
int b2a__decimal_from_le_magnitude(int negative, const uint8_t *le, size_t n,
                                   uint8_t out[B2A_DECIMAL_MAX_BYTES], size_t *outlen);

/* Number of decimal digits of |value| for a big-endian two's complement
 * value of n bytes (0 has 1 digit); -1 when n is 0 or above 32 bytes of
 * magnitude. Used to check a value against its column's precision. */
int b2a__decimal_digits(const uint8_t *be, size_t n);

/* 1 when the value has at most precision digits (fast for n <= 8). */
int b2a__decimal_fits(const uint8_t *be, size_t n, int precision);

/* Decimal text of a big-endian two's complement unscaled value with scale
 * (for messages and tests): writes at most cap bytes incl. NUL. */
int b2a__decimal_to_text(const uint8_t *be, size_t n, int scale, char *buf, size_t cap);

#endif
