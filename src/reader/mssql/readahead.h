/* Bounded positional reads over one backup file. Every read is exact: a read
 * past the end is a B2A_EFORMAT error naming the file and offset, never a
 * silent short read. pread-based, so one handle serves many threads. */
#ifndef B2A_READER_MSSQL_READAHEAD_H
#define B2A_READER_MSSQL_READAHEAD_H

#include <stddef.h>
#include <stdint.h>
#include "core/error.h"

typedef struct b2a_ra b2a_ra;

int b2a__ra_open(const char *path, b2a_ra **out, b2a_err *err);
/* Read exactly len bytes at off; what names the data for the error ("MQDA page"). */
int b2a__ra_read(b2a_ra *ra, uint64_t off, void *buf, size_t len, const char *what, b2a_err *err);
uint64_t b2a__ra_size(const b2a_ra *ra);
const char *b2a__ra_path(const b2a_ra *ra);
void b2a__ra_close(b2a_ra *ra);

#endif
