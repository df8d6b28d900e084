/* Oracle's internal value encodings, the same in exp, Data Pump and the
 * wire protocol (oracle-dump-format.md §2.1 "Value encodings"): NUMBER,
 * DATE, TIMESTAMP [WITH [LOCAL] TIME ZONE], INTERVAL, BINARY_FLOAT/DOUBLE.
 * Every decoder checks the length and the byte ranges it relies on and
 * returns -1 for bytes that are not a value of that type. */
#ifndef B2A_READER_ORACLE_ORAVALUE_H
#define B2A_READER_ORACLE_ORAVALUE_H

#include <stddef.h>
#include <stdint.h>

/* NUMBER (and FLOAT) as plain decimal text, never an exponent: "-122.413349",
 * "0"; infinities as "Infinity"/"-Infinity". Returns the text length, or
 * -1 for malformed bytes or a cap too small (B2A_ORANUM_TEXT_MAX always
 * suffices: 1E-130 is written out in full). *int_digits / *frac_digits (may be NULL) receive the
 * digits before and after the point (0 has 1 integer digit, 0 fractional);
 * *special (may be NULL) is 1 for an infinity. */
#define B2A_ORANUM_TEXT_MAX 304

int b2a__oranum_text(const uint8_t *p, size_t n, char *buf, size_t cap, int *int_digits,
                     int *frac_digits, int *special);

/* An integral NUMBER of at most 18 digits as int64: 0, or -1 when the
 * value has a fraction, more digits or malformed bytes (use the text form). */
int b2a__oranum_i64(const uint8_t *p, size_t n, int64_t *out);

/* DATE (7 bytes) or TIMESTAMP (7 or 11 bytes) as wall-clock microseconds
 * since 1970-01-01T00:00; nanoseconds are truncated to microseconds. */
int b2a__oradate_micros(const uint8_t *p, size_t n, int64_t *out);

/* TIMESTAMP WITH TIME ZONE (13 bytes; 7 or 11 on some paths without a zone):
 * the UTC instant (the date part is stored in UTC). *zone gets "+05:30" for
 * an offset or "region:N" for a region id (the file names regions by number). */
int b2a__oratstz_micros(const uint8_t *p, size_t n, int64_t *out, char zone[16]);

/* INTERVAL YEAR TO MONTH (5 bytes) / DAY TO SECOND (11 bytes) as ISO 8601
 * durations: "P1Y2M", "-P3DT4H5M6.78S", "P0D" for zero. Returns the length. */
int b2a__oraiym_text(const uint8_t *p, size_t n, char *buf, size_t cap);
int b2a__oraids_text(const uint8_t *p, size_t n, char *buf, size_t cap);

/* BINARY_FLOAT (4) / BINARY_DOUBLE (8): big-endian IEEE with the sign bit
 * flipped for positives and every bit inverted for negatives. */
int b2a__orafloat(const uint8_t *p, size_t n, float *out);
int b2a__oradouble(const uint8_t *p, size_t n, double *out);

#endif
