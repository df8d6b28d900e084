/* Sequential reading of a classic exp file: a buffered window over
 * positional reads (readahead.c), and the statement records of the DDL
 * stream (oracle-dump-format.md §2.1). Reads are exact: running past the
 * end of the file is a B2A_EFORMAT error naming the file and the offset. */
#ifndef B2A_READER_ORACLE_EXP_STREAM_H
#define B2A_READER_ORACLE_EXP_STREAM_H

#include <stddef.h>
#include <stdint.h>
#include "core/error.h"
#include "reader/mssql/readahead.h"

#define B2A_EXP_WINDOW (256 * 1024) /* more than any u16-sized value */

typedef struct b2a_exp_in {
    b2a_ra *ra;
    uint64_t base;      /* file offset of buf[0] */
    size_t len, pos;    /* bytes in buf, read position in buf */
    uint8_t *buf;       /* B2A_EXP_WINDOW bytes */
    /* the last zero run scanned (exp_stream.c): bytes [zeros_from,
     * nonzero_at) are zero and the byte at nonzero_at is not */
    uint64_t zeros_from, nonzero_at;
} b2a_exp_in;

int b2a__exp_in_init(b2a_exp_in *in, b2a_ra *ra, uint64_t offset, b2a_err *err);
void b2a__exp_in_free(b2a_exp_in *in);
uint64_t b2a__exp_in_tell(const b2a_exp_in *in);
/* Continue reading at offset (the window is kept when it holds offset). */
void b2a__exp_in_seek(b2a_exp_in *in, uint64_t offset);
/* Bytes left in the file after the read position. */
uint64_t b2a__exp_in_left(const b2a_exp_in *in);

/* Refill, then take: the slow path of the two below. */
const uint8_t *b2a__exp_in_take_slow(b2a_exp_in *in, size_t n, const char *what, b2a_err *err);

/* The next n bytes (n <= B2A_EXP_WINDOW), valid until the next call;
 * NULL with err set when the file ends first. what names the data.
 * Inline: rows are read a few bytes at a time. */
static inline const uint8_t *b2a__exp_in_take(b2a_exp_in *in, size_t n, const char *what, b2a_err *err)
{
    if (in->len - in->pos >= n) {
        const uint8_t *p = in->buf + in->pos;
        in->pos += n;
        return p;
    }
    return b2a__exp_in_take_slow(in, n, what, err);
}

/* Little-endian u16 (the x86 exports' length words). */
static inline int b2a__exp_in_u16(b2a_exp_in *in, const char *what, uint16_t *out, b2a_err *err)
{
    const uint8_t *p = b2a__exp_in_take(in, 2, what, err);
    *out = p ? (uint16_t)(p[0] | p[1] << 8) : 0;
    if (!p)
        return err->code;
    return B2A_OK;
}

/* One statement record of the DDL stream, as text without its terminator:
 * a line ending in '\n', a u16-length-prefixed statement (PL/SQL blocks,
 * session settings), or the fragment form 0xFFFD + (u16 length, bytes)...
 * + u16 0 that long and 26ai DDL uses. kind is 'T', 'L' or 'F'. */
typedef struct b2a_exp_stmt {
    char kind;
    uint64_t offset;    /* where the record starts */
    char *text;         /* NUL-terminated, owned by the struct, reused */
    size_t len, cap;
} b2a_exp_stmt;

/* Read the next record. Returns 1 with st filled, 0 at the end of the
 * statements (end of file, or zero padding up to it), <0 on an error. */
int b2a__exp_next_stmt(b2a_exp_in *in, b2a_exp_stmt *st, b2a_err *err);

void b2a__exp_stmt_free(b2a_exp_stmt *st);

#endif
